#!/bin/sh
# Issue 10, "Sites name the user's code": a C++ leak through std::vector
# and std::make_shared (tests/programs/site_cxx.cc) is attributed to the
# user's function and line, not to std::__new_allocator<...>::allocate in
# new_allocator.h; the page abbreviates long template names (as heaptrack
# does) and keeps the full name in a tooltip.
SRC=tests/programs/site_cxx.cc
. "$(dirname "$0")/lib/sites.sh"

traced c "$PROGS/site_cxx"
# no site of the program's is named in a system header or after a wrapper
expect c "SELECT count(*) FROM sites WHERE runtime = 0 AND (file LIKE '/usr/include/%'
	OR function LIKE 'operator new%' OR function LIKE 'std::%')" 0 "sites named in the standard library"
# the leaked blocks (lost and indirect) come from the three functions, at their lines
expect c "SELECT group_concat(w, ' ') FROM (SELECT DISTINCT s.function || '@' || s.line AS w
	FROM allocations a JOIN sites s ON s.process_id = a.process_id AND s.stack_id = a.stack_id
	WHERE a.leak IN ('lost', 'indirect') AND s.runtime = 0 ORDER BY 1)" \
	"grow_vector(int)@$(line grow_vector_new) grow_vector(int)@$(line grow_vector) plain_new()@$(line plain_new) share_node()@$(line share_node) share_node()@$(line share_node_new)" \
	"the functions and lines of the leaked blocks"
# the vector's buffers, from _M_realloc_insert (out of line, in the program), name grow_vector
expect c "SELECT sum(s.allocs) > 1 FROM sites s WHERE s.function = 'grow_vector(int)' AND s.line = $(line grow_vector)
	AND s.file LIKE '%site_cxx.cc'" 1 "push_back's reallocations named after grow_vector"
expect c "SELECT count(*) FROM sites s JOIN stacks st ON st.stack_id = s.stack_id JOIN frames f ON f.id = st.frame_id
	WHERE s.function = 'share_node()' AND f.function LIKE '%make_shared<Node>%'" 1 "make_shared is in share_node's stack"

"$ML" report -o "$WORK/c.html" "$WORK/c.db" >/dev/null 2>"$WORK/report.err" || fail "report: $(head -1 "$WORK/report.err")"
check_page "$WORK/c.html" "$WORK/c.db"
"$PY" - "$WORK/c.html" "$(line grow_vector)" <<'PY' || fail "the page's names"
import html, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
leaks = re.search(r'<section id="leaks".*?</section>', page, re.S).group(0)
# the leaks table names the user's functions and lines
if not re.search(r'<code class="fn"[^>]*>grow_vector\(int\)</code> <span class="where">tests/programs/site_cxx.cc:%s<' % sys.argv[2], leaks):
    sys.exit("the leaks table does not name grow_vector(int) at site_cxx.cc:%s" % sys.argv[2])
# a long template name in a stack is shown abbreviated, the whole name in its title
m = re.search(r'<code class="fn" title="([^"]*)">(std::__new_allocator&lt;(?:&hellip;|\u2026)&gt;::allocate[^<]*)</code>', page)
if not m:
    sys.exit("no abbreviated std::__new_allocator<...>::allocate frame")
full = html.unescape(m.group(1))
if not full.startswith("std::__new_allocator<") or "<…>" in full or len(full) <= len(html.unescape(m.group(2))):
    sys.exit("the tooltip is not the full name: " + full)
PY
exit 0
