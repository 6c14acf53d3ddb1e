#!/usr/bin/env python3
"""No verdict on a memledger page contradicts another (issue 10, "One verdict").

    pagecheck.py PAGE.html [CHECK.txt]

PAGE.html is a report; CHECK.txt, if given, is `memledger check` on the
same database. Prints one line per contradiction and exits 1 if there is
any, else exits 0 silently. Every process section of the page is checked:

  - each checklist badge in the overview has its item's status;
  - each metric's mark in the quick reference, its badge and its verdict
    box agree, and running totals (TotalAlloc, Mallocs, Frees, NumGC) carry
    no pass or fail;
  - baseline_returned, the last row of the Phases table and the verdicts
    of Alloc, HeapObjects, Live and HeapInuse agree, in status and in words
    ("back to baseline" / "did not come back");
  - the compared snapshots are the same everywhere: the quick reference's
    pair, the (baseline)/(final) rows of every metric table, and
    baseline_returned's evidence;
  - threads_stopped and threads_joined agree with the Threads section's
    state counts; channels_closed and timers_stopped with the descriptors
    still open; global_references with the program's reachable leak sites;
  - the "Left at exit" cards equal the Leaks section's totals;
  - `memledger check` prints the page's status for every item.
Standard library only.
"""
import html.parser
import re
import sys

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.kids = tag, dict(attrs), parent, []

    def cls(self):
        return (self.attrs.get("class") or "").split()

    def text(self):
        out = []
        for k in self.kids:
            out.append(k if isinstance(k, str) else k.text())
        return "".join(out)

    def walk(self):
        for k in self.kids:
            if isinstance(k, Node):
                yield k
                yield from k.walk()

    def find_all(self, tag=None, cls=None, id=None):
        for n in self.walk():
            if tag and n.tag != tag:
                continue
            if cls and cls not in n.cls():
                continue
            if id and n.attrs.get("id") != id:
                continue
            yield n

    def find(self, tag=None, cls=None, id=None):
        return next(self.find_all(tag, cls, id), None)


class Tree(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.kids.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.kids.append(data)


ITEMS = ["threads_stopped", "threads_joined", "timers_stopped", "containers_cleared",
         "channels_closed", "settle_time", "gc_repeated", "global_references", "baseline_returned"]
METRICS = ["alloc", "totalalloc", "sys", "heapinuse", "heapidle", "stackinuse", "heapobjects",
           "mallocs", "frees", "live", "numgc", "gccpufraction"]
RUNNING_TOTALS = {"totalalloc", "mallocs", "frees", "numgc"}
STATUS = {"pass", "fail", "na", "info"}

problems = []


def bad(proc, what):
    problems.append("%s: %s" % (proc or "root process", what))


def status_of(node):
    for c in node.cls():
        if c in STATUS:
            return c
    return None


def norm(s):
    return " ".join(s.split())


def check_process(page, sfx):
    proc = "process" + sfx if sfx else ""
    sec = lambda name: page.find(id=name + sfx)
    overview = sec("overview")
    if overview is None:
        bad(proc, "no overview section")
        return None
    pid = re.search(r"pid (\d+)", overview.find("h1").text()).group(1)

    # the checklist: articles and overview badges
    article = {}
    for item in ITEMS:
        a = page.find("article", id="check-" + item + sfx)
        if a is None:
            bad(proc, "no checklist article for " + item)
            continue
        article[item] = status_of(a)
        for b in overview.find_all("a", cls="badge"):
            if b.attrs.get("href") == "#check-" + item + sfx:
                badge = b
                break
        else:
            badge = None
        if badge is None:
            bad(proc, "no overview badge for " + item)
        elif status_of(badge) != article[item]:
            bad(proc, "%s: overview badge says %s, the checklist %s" % (item, status_of(badge), article[item]))
        detail = a.find("p", cls="detail")
        text = norm(detail.text()) if detail else ""
        if item == "baseline_returned":
            if article[item] == "pass" and "did not come back" in text:
                bad(proc, "baseline_returned passes but says: " + text[:120])
            if article[item] == "fail" and "back at (or below)" in text:
                bad(proc, "baseline_returned fails but says: " + text[:120])

    # the metrics: quick reference, badge, verdict box
    quick = sec("quick-reference")
    qmark = {}
    for tr in quick.find_all("tr"):
        a = tr.find("a")
        td = tr.find("td", cls="mark")
        if a is not None and td is not None:
            qmark[a.attrs.get("href", "").lstrip("#")] = status_of(td)
    mstatus = {}
    for m in METRICS:
        s = sec("metric-" + m)
        if s is None:
            bad(proc, "no section metric-" + m)
            continue
        h2 = s.find("h2")
        badge = h2.find("span", cls="badge") if h2 else None
        st = status_of(badge) if badge is not None else None
        box = s.find("div", cls="verdict")
        mstatus[m] = st
        if box is not None and status_of(box) not in (st, "na" if st == "info" else st):
            bad(proc, "%s: badge %s, verdict box %s" % (m, st, status_of(box)))
        q = qmark.get("metric-" + m + sfx)
        if q is not None and q != st:
            bad(proc, "%s: quick reference %s, section badge %s" % (m, q, st))
        if m in RUNNING_TOTALS and st == "pass":
            bad(proc, "%s is a running total but has a pass badge" % m)
        verdict = norm(box.text()) if box is not None else ""
        if st == "pass" and m in ("alloc", "heapobjects") and re.search(r" is [^.]* higher at ", verdict) \
                and "do not count" not in verdict:
            bad(proc, "%s passes but its verdict says it is higher: %s" % (m, verdict[:160]))
        if st == "fail" and m in ("alloc", "heapobjects") and "is back exactly" in verdict:
            bad(proc, "%s fails but its verdict says it is back: %s" % (m, verdict[:160]))

    # one baseline rule: checklist, phases, metric badges
    br = article.get("baseline_returned")
    phases = sec("phases")
    # a row (or a row group, verdict line included) judged pass or fail
    rows = []
    for tb in phases.find_all("tbody"):
        if tb.cls():
            rows.append(tb)  # one snapshot: its values and its verdict line
        else:
            rows.extend(tb.find_all("tr"))
    judged = [r for r in rows if status_of(r) in ("pass", "fail")]
    for tb in rows:
        t = norm(tb.text())
        if "back to baseline" in t and status_of(tb) != "pass":
            bad(proc, "a Phases row says back to baseline without passing: " + t[-140:])
        if "did not come back" in t and status_of(tb) != "fail":
            bad(proc, "a Phases row says memory did not come back without failing: " + t[-140:])
    if br in ("pass", "fail"):
        if len(judged) != 1:
            bad(proc, "baseline_returned is %s but the Phases table judges %d rows" % (br, len(judged)))
        elif status_of(judged[0]) != br:
            bad(proc, "baseline_returned is %s, the Phases table's last row %s" % (br, status_of(judged[0])))
        back = [mstatus.get("alloc"), mstatus.get("heapobjects")]
        if br == "pass" and "fail" in back:
            bad(proc, "baseline_returned passes but Alloc/HeapObjects say %s" % back)
        if br == "fail" and "fail" not in back:
            bad(proc, "baseline_returned fails but Alloc/HeapObjects say %s" % back)
        if mstatus.get("heapinuse") not in (mstatus.get("alloc"), None):
            bad(proc, "HeapInuse (%s) is judged with Alloc (%s)" % (mstatus.get("heapinuse"), mstatus.get("alloc")))
        if mstatus.get("heapobjects") == "fail" and mstatus.get("live") != "fail":
            bad(proc, "HeapObjects fails but Live (%s) does not" % mstatus.get("live"))
    elif judged:
        bad(proc, "baseline_returned is %s but the Phases table judges a row" % br)

    # the compared pair
    strong = [norm(x.text()) for x in quick.find_all("strong")]
    pair = tuple(strong[:2]) if len(strong) >= 2 else None
    for m in METRICS:
        s = sec("metric-" + m)
        if s is None:
            continue
        for tr in s.find_all("tr"):
            c = tr.cls()
            lab = tr.find("td", cls="label")
            if lab is None or pair is None:
                continue
            if "baseline" in c and norm(lab.text()) != pair[0]:
                bad(proc, "%s marks %s as baseline, the quick reference %s" % (m, norm(lab.text()), pair[0]))
            if "final" in c and norm(lab.text()) != pair[1]:
                bad(proc, "%s marks %s as final, the quick reference %s" % (m, norm(lab.text()), pair[1]))
    a = page.find("article", id="check-baseline_returned" + sfx)
    for li in (a.find_all("li") if a is not None else []):
        mm = re.match(r"Alloc: (.*) \S+ \S+ -> (.*) \S+ \S+ \(", norm(li.text()))
        if mm and pair and (mm.group(1), mm.group(2)) != pair:
            bad(proc, "baseline_returned compares %s with %s, the page %s with %s" % (mm.group(1), mm.group(2), *pair))

    # threads and descriptors
    threads = sec("threads")
    counts = {}
    for li in threads.find_all("li"):
        st = li.find("span", cls="st")
        if st is not None:
            n = re.sub(r"\D", "", norm(li.text()).replace(norm(st.text()), "", 1))
            counts[norm(st.text())] = int(n or 0)
    for item, state in (("threads_stopped", "running"), ("threads_joined", "exited-unjoined")):
        if item in article and article[item] in ("pass", "fail"):
            if (article[item] == "fail") != (counts.get(state, 0) > 0):
                bad(proc, "%s is %s but the Threads section counts %d %s" % (item, article[item], counts.get(state, 0), state))
    res_note = threads.find("p", cls="note")
    res_table = threads.find("table", cls="resources")
    truncated = any("Showing" in norm(p.text()) for p in threads.find_all("p", cls="note"))
    open_kinds = []
    for tr in (res_table.find_all("tr", cls="open-true") if res_table is not None else []):
        tds = tr.find_all("td")
        tds = list(tds)
        kind = norm(tds[0].text())
        origin = norm(tds[2].find("code").text()) if tds[2].find("code") else ""
        if origin != "inherited":
            open_kinds.append(kind)
    if not truncated:
        for item, kinds in (("channels_closed", ("pipe", "socket", "eventfd")),
                            ("timers_stopped", ("timerfd", "posix_timer"))):
            n = sum(k in kinds for k in open_kinds)
            if item in article and article[item] in ("pass", "fail") and (article[item] == "fail") != (n > 0):
                bad(proc, "%s is %s but %d such descriptors are listed as still open" % (item, article[item], n))

    # leaks
    leaks = sec("leaks")
    cards = {}
    for c in ("lost", "indirect", "reachable"):
        card = overview.find("a", cls=c)
        if card is not None:
            cards[c] = norm(card.find("span", cls="v").text())
    totals = {}
    for c in ("lost", "indirect", "reachable"):
        st = leaks.find("strong", cls=c)
        if st is not None:
            totals[c] = norm(st.text()).rsplit(" ", 1)[0]
    for c, v in totals.items():
        if cards.get(c) != v:
            bad(proc, "Left at exit says %s %s, the Leaks section %s" % (c, cards.get(c), v))
    table = leaks.find("table", cls="leaks")
    more = leaks.find("p", cls="note") is not None and "Showing" in norm(leaks.text())
    program_reachable = 0
    for tr in (table.find_all("tr") if table is not None else []):
        if "runtime-false" in tr.cls() and tr.find("td", cls="reachable-true") is not None:
            program_reachable += 1
    gr = article.get("global_references")
    if gr == "pass" and program_reachable:
        bad(proc, "global_references passes but %d program sites hold reachable blocks" % program_reachable)
    if gr == "fail" and not program_reachable and not more and table is not None:
        bad(proc, "global_references fails but no program site holds reachable blocks")
    return pid, article


def check_cli(check_text, results):
    """memledger check's statuses against the page's, process by process.

    A section "-pN" is processes.id N; the root's sections have no suffix,
    so the root is the one process of `check` no suffix names."""
    by_id, cur = {}, None
    for line in check_text.splitlines():
        m = re.match(r"process (\d+): pid \d+ ", line)
        if m:
            cur = by_id.setdefault(m.group(1), {})
            continue
        m = re.match(r"  (PASS|FAIL|N/A) +(\w+) ", line)
        if m and cur is not None:
            cur[m.group(2)] = {"PASS": "pass", "FAIL": "fail", "N/A": "na"}[m.group(1)]
    named = {sfx[2:] for sfx, _, _ in results if sfx}
    rest = [i for i in by_id if i not in named]
    for sfx, pid, article in results:
        pid_ = sfx[2:] if sfx else (rest[0] if len(rest) == 1 else None)
        got = by_id.get(pid_) if pid_ else None
        if got is None:
            continue
        for item, st in article.items():
            if got.get(item) != st:
                bad("process " + pid_, "%s: `memledger check` says %s, the page %s" % (item, got.get(item), st))


def main():
    t = Tree()
    t.feed(open(sys.argv[1], encoding="utf-8", errors="replace").read())
    page = t.root
    sfxs = [""]
    for n in page.find_all("section"):
        m = re.match(r"overview(-p\d+)$", n.attrs.get("id", ""))
        if m:
            sfxs.append(m.group(1))
    results = []
    for sfx in sfxs:
        r = check_process(page, sfx)
        if r:
            results.append((sfx,) + r)
    if len(sys.argv) > 2:
        check_cli(open(sys.argv[2]).read(), results)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
