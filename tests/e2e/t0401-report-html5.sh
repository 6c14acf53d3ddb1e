#!/bin/sh
# The report is well-formed HTML5 (html5lib's strict parser finds no parse
# error), its ids are unique, every in-page link has a target, and nothing
# is loaded from outside the file.
. "$(dirname "$0")/lib/report.sh"

"$PY" -c 'import html5lib' 2>/dev/null || fail "python3-html5lib is not installed (make deps)"
make_fixture_db "$WORK/run.db"
"$TOOL" report -o "$WORK/run.html" "$WORK/run.db" >/dev/null 2>"$WORK/err" ||
	fail "report exited $?: $(head -1 "$WORK/err")"

"$PY" - "$WORK/run.html" <<'PY' || exit 1
import sys, html5lib
path = sys.argv[1]
data = open(path, "rb").read()
parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
try:
    doc = parser.parse(data)
except Exception as e:
    pos = getattr(parser, "errors", [])
    print("FAIL: t0401: not valid HTML5: %s %s" % (e, pos[:1]))
    sys.exit(1)
ids, hrefs = {}, []
for el in doc.iter():
    if not isinstance(el.tag, str):
        continue
    i = el.get("id")
    if i is not None:
        ids[i] = ids.get(i, 0) + 1
    h = el.get("href")
    if h is not None:
        hrefs.append(h)
    for attr in ("src", "data", "action"):
        if el.get(attr):
            print("FAIL: t0401: external resource %s=%r on <%s>" % (attr, el.get(attr), el.tag))
            sys.exit(1)
    if el.tag == "link":
        print("FAIL: t0401: <link> element: the page must be self-contained")
        sys.exit(1)
dup = [i for i, n in ids.items() if n > 1]
if dup:
    print("FAIL: t0401: duplicate ids: %s" % dup[:5])
    sys.exit(1)
for h in hrefs:
    if not h.startswith("#"):
        print("FAIL: t0401: link leaves the page: %r" % h)
        sys.exit(1)
    if h[1:] not in ids:
        print("FAIL: t0401: link to a missing id: %r" % h)
        sys.exit(1)
PY
exit 0
