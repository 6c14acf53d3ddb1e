#!/bin/sh
# Hostile strings in argv, symbols, file names and thread names reach the
# page as text: no markup of theirs survives, and parsed back they read
# exactly as in the database (an invalid UTF-8 byte as U+FFFD).
. "$(dirname "$0")/lib/report.sh"

"$PY" -c 'import html5lib' 2>/dev/null || fail "python3-html5lib is not installed (make deps)"
make_fixture_db "$WORK/run.db"
"$TOOL" report -o "$WORK/run.html" "$WORK/run.db" >/dev/null 2>"$WORK/err" ||
	fail "report exited $?: $(head -1 "$WORK/err")"

grep -qF '<b>x</b>' "$WORK/run.html" && fail "argv markup <b>x</b> reached the page"
grep -qF '<script>alert' "$WORK/run.html" && fail "a symbol's <script> reached the page"
# the template's one script, plus the flame graphs' data (JSON, not run)
n=$(grep -o '<script[^>]*>' "$WORK/run.html" | grep -vc '<script type="application/json" class="flame-data">')
[ "$n" -eq 1 ] || fail "$n <script> elements, want the template's one"

"$PY" - "$WORK/run.html" <<'PY' || exit 1
import sys, html5lib
doc = html5lib.parse(open(sys.argv[1], "rb").read(), namespaceHTMLElements=False)
def text(el):
    return "".join(el.itertext())
def find(cls, tag="p"):
    for el in doc.iter(tag):
        if el.get("class", "").split()[:1] == [cls]:
            return el
    return None
argv = find("argv")
want = ("/home/dev/bin/partition_demo '--name=</script><b>x</b>' '&amp;' "
        "'say \"hi\" '\\''there'\\''' 'bad\ufffd byte' '--mode=a<b&c>d'")
if argv is None or text(argv) != want:
    print("FAIL: t0402: argv reads %r, want %r" % (text(argv) if argv is not None else None, want))
    sys.exit(1)
page = text(doc)
for s in ["operator<<(std::ostream&, Partition const&)",
          "std::map<int, std::string>::operator[](int const&)",
          "Registry<Key&, \"Q\">::add(std::map<int, std::string>&)",
          "</script><script>alert(1)</script>",
          "src/evil&<x>.c:1",
          "logger<&\"flush\">()"]:
    if s not in page:
        print("FAIL: t0402: page text lacks %r" % s)
        sys.exit(1)
# hover titles carry the same strings inside SVG
titles = [text(t) for t in doc.iter() if isinstance(t.tag, str) and t.tag.endswith("title")]
if not any("std::map<int, std::string>::operator[](int const&)" in t for t in titles):
    print("FAIL: t0402: no flame graph title names the std::map frame")
    sys.exit(1)
PY
exit 0
