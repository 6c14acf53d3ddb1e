#!/bin/sh
# Issue 10, "Wrappers": a program that allocates through its own xmalloc
# (tests/programs/site_wrappers.c) shows the callers' sites; a wrapper of
# its own (pool_get) names its site until --alloc-fn names it, at ingest
# (the database) or at report (the page); NAME* matches a prefix.
SRC=tests/programs/site_wrappers.c
. "$(dirname "$0")/lib/sites.sh"
SITES="SELECT group_concat(function || '@' || line || '=' || allocs, ' ') FROM
	(SELECT * FROM sites WHERE runtime = 0 AND file LIKE '%site_wrappers.c' ORDER BY function)"

traced w "$PROGS/site_wrappers"
expect w "$SITES" "make_list@$(line make_list)=10 make_table@$(line make_table)=1 pool_get@30=1" \
	"sites with the built-in wrappers"
expect w "SELECT count(*) FROM sites WHERE function = 'xmalloc'" 0 "sites named xmalloc"

for fn in pool_get 'pool_*'; do
	rm -f "$WORK/w2.db"
	"$ML" ingest -q --alloc-fn "$fn" -o "$WORK/w2.db" "$WORK/w.mlt" >"$WORK/ingest.out" 2>&1 ||
		fail "ingest --alloc-fn $fn: $(head -1 "$WORK/ingest.out")"
	V=$(q "$WORK/w2.db" "$SITES")
	[ "$V" = "make_buffer@$(line make_buffer)=1 make_list@$(line make_list)=10 make_table@$(line make_table)=1" ] ||
		fail "ingest --alloc-fn $fn: sites are $V"
done

# the report alone: the database says pool_get, the page says make_buffer
"$ML" report -o "$WORK/w1.html" "$WORK/w.db" >/dev/null 2>&1 || fail "report failed"
"$ML" report --alloc-fn pool_get -o "$WORK/w2.html" "$WORK/w.db" >/dev/null 2>&1 || fail "report --alloc-fn failed"
# the functions the site cells name (not the frames of their stacks)
cells() {
	"$PY" -c 'import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
for fn, where in sorted(set(re.findall(r"<td class=\"site\">\s*<code class=\"fn\"[^>]*>([^<]*)</code>\s*(?:<span class=\"where\">([^<]*))?", page))):
    print(fn + "@" + where.rsplit(":", 1)[-1])' "$1" | tr '\n' ' '
}
want="make_buffer@$(line make_buffer) make_list@$(line make_list) make_table@$(line make_table) "
[ "$(cells "$WORK/w1.html")" = "make_list@$(line make_list) make_table@$(line make_table) pool_get@30 " ] ||
	fail "the report without --alloc-fn names: $(cells "$WORK/w1.html")"
[ "$(cells "$WORK/w2.html")" = "$want" ] || fail "report --alloc-fn pool_get names: $(cells "$WORK/w2.html")"
check_page "$WORK/w2.html" "$WORK/w.db"
exit 0
