"""The run summary of a report against the database's own answers.

    runpage.py PAGE.html TOTALS.json TREE.json CHECK.json

TOTALS.json is `query --json` of run_totals, TREE.json of process_tree
(id, parent, depth, path, exec), CHECK.json is `check --json`. Prints one
line per difference and exits 1 if there is any:

- the section id="run-summary" is there, with the rule for sections;
- the table id="processes" has one body row per process, each id once,
  with the depth process_tree gives it;
- every total on the page (data-raw) is run_totals' (wall time within
  1 us: the page reads times as doubles);
- the rows marked as failing the gate are the processes `check` fails,
  and the total of them agrees;
- the tree draws every process once, an exec'd image on its parent's line;
- a process has sections (overview-pN) exactly when the run summary says
  so, with a reason.
"""
import json
import sys
from html.parser import HTMLParser

errors = []


def bad(msg):
    errors.append(msg)


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.in_summary = 0
        self.rows = []          # (id, depth, classes) of table#processes tbody
        self.in_table = 0
        self.in_tbody = 0
        self.totals = {}        # class key -> raw
        self.cur_total = None
        self.tree = []          # per li: list of process ids linked or named
        self.in_tree = 0
        self.tree_li = None
        self.chosen = []        # hrefs in ul.chosen
        self.in_chosen = 0
        self.overviews = set()  # section ids overview*
        self.rule = ""
        self.in_rule = 0
        self.summary_seen = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "section" and a.get("id") == "run-summary":
            self.summary_seen = True
        if tag == "section" and (a.get("id") or "").startswith("overview"):
            self.overviews.add(a["id"])
        if tag == "table" and a.get("id") == "processes":
            self.in_table = 1
        if self.in_table and tag == "tbody":
            self.in_tbody = 1
        if self.in_tbody and tag == "tr":
            self.rows.append((a.get("data-id"), a.get("data-depth"), cls))
        if tag == "div" and "total" in cls:
            self.cur_total = [c for c in cls if c != "total"][0]
        if tag == "dd" and self.cur_total:
            self.totals[self.cur_total] = a.get("data-raw")
            self.cur_total = None
        if tag == "ul" and "tree" in cls:
            self.in_tree = 1
        if self.in_tree and tag == "li":
            self.tree_li = []
            self.tree.append(self.tree_li)
        if self.in_tree and tag == "a" and self.tree_li is not None:
            self.tree_li.append(a.get("href"))
        if tag == "ul" and "chosen" in cls:
            self.in_chosen = 1
        if self.in_chosen and tag == "a":
            self.chosen.append(a.get("href"))
        if tag == "p" and "rule" in cls:
            self.in_rule = 1

    def handle_endtag(self, tag):
        if tag == "table":
            self.in_table = self.in_tbody = 0
        if tag == "ul":
            self.in_tree = self.in_chosen = 0
        if tag == "li" and self.in_tree:
            self.tree_li = None
        if tag == "p":
            self.in_rule = 0

    def handle_data(self, data):
        if self.in_rule:
            self.rule += data


def main():
    page = Page()
    page.feed(open(sys.argv[1], encoding="utf-8").read())
    totals = json.load(open(sys.argv[2]))[0]
    tree = json.load(open(sys.argv[3]))
    check = json.load(open(sys.argv[4]))
    depth = {str(t["id"]): str(t["depth"]) for t in tree}

    if not page.summary_seen:
        bad("no section id=run-summary")
    if "--process" not in page.rule or "default" not in page.rule:
        bad("the rule for sections is not stated: %r" % page.rule[:80])
    ids = [r[0] for r in page.rows]
    if sorted(ids) != sorted(depth):
        bad("table#processes has rows %s, the database processes %s" % (sorted(ids), sorted(depth)))
    for pid, d, _ in page.rows:
        if pid in depth and d != depth[pid]:
            bad("process %s: depth %s on the page, %s in process_tree" % (pid, d, depth[pid]))

    want = {
        "processes": totals["processes"], "allocations": totals["allocations"],
        "total_alloc": totals["total_alloc"], "peak_live": totals["peak_live_bytes"],
        "lost": totals["lost_bytes"], "indirect": totals["indirect_bytes"],
        "failing": totals["failing_processes"],
    }
    for k, v in want.items():
        if page.totals.get(k) != str(v):
            bad("total %s: page %s, run_totals %s" % (k, page.totals.get(k), v))
    if abs(float(page.totals.get("wall", "nan")) - totals["wall_ns"]) > 1000:
        bad("wall time: page %s, run_totals %s" % (page.totals.get("wall"), totals["wall_ns"]))

    failing = sorted(str(p["process"]["id"]) for p in check["processes"] if p["failures"])
    marked = sorted(r[0] for r in page.rows if "bad-true" in r[2])
    if failing != marked:
        bad("rows failing the gate on the page %s, check fails %s" % (marked, failing))
    if page.totals.get("gate") != str(len(failing)):
        bad("processes failing the gate: page %s, check %d" % (page.totals.get("gate"), len(failing)))

    execs = sum(1 for t in tree if t["exec"])
    if len(page.tree) != len(tree) - execs:
        bad("the tree has %d lines for %d processes of which %d were exec'd" % (len(page.tree), len(tree), execs))

    with_sections = set(h[len("#overview"):] for h in page.chosen)
    on_page = set(i[len("overview"):] for i in page.overviews)
    if with_sections != on_page:
        bad("sections listed %s, sections on the page %s" % (sorted(with_sections), sorted(on_page)))
    for e in errors:
        print(e)
    sys.exit(1 if errors else 0)


main()
