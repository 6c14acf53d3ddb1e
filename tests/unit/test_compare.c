/*
 * test_compare.c - the comparison library's pure parts: stack keys and
 * matching by symbols, noise classes, thresholds, suppressions.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare/deltas.h"
#include "compare/gate.h"
#include "compare/sitekey.h"
#include "compare/suppress.h"
#include "tests/unit/check.h"

static struct cmp_frame fr(const char *fn, const char *file, long long line, const char *mod, long long off)
{
	struct cmp_frame f = { (char *)fn, (char *)file, (char *)mod, line, off, 0, 0 };
	return f;
}

/* Keys of a two-frame stack: fn1 at line l1 called from main at l2. */
static void keys2(const char *fn1, long long l1, long long l2, char **e, char **l)
{
	struct cmp_frame f[2] = { fr(fn1, "/src/a.c", l1, "app", 0x1000 + l1), fr("main", "/src/a.c", l2, "app", 0x2000) };

	CHECK(cmp_stack_keys(f, 2, e, l) == 0);
}

static void test_keys(void)
{
	char *e1, *l1, *e2, *l2, *e3, *l3;

	/* the same symbols at other addresses: the same keys */
	struct cmp_frame a[1] = { fr("f", "/src/a.c", 10, "app", 0x1111) };
	struct cmp_frame b[1] = { fr("f", "/src/a.c", 10, "app", 0x9999) };
	CHECK(cmp_stack_keys(a, 1, &e1, &l1) == 0);
	CHECK(cmp_stack_keys(b, 1, &e2, &l2) == 0);
	CHECK_EQ_STR(e1, e2);
	CHECK_EQ_STR(l1, l2);
	free(e1), free(l1), free(e2), free(l2);

	/* another line: another exact key, the same loose key */
	keys2("f", 10, 50, &e1, &l1);
	keys2("f", 13, 53, &e2, &l2);
	CHECK(strcmp(e1, e2) != 0);
	CHECK_EQ_STR(l1, l2);
	/* lines compare as numbers: 9 sorts before 10 */
	keys2("f", 9, 50, &e3, &l3);
	CHECK(strcmp(e3, e1) < 0);
	free(e1), free(l1), free(e2), free(l2), free(e3), free(l3);

	/* no symbols: module and offset, in both keys */
	struct cmp_frame c[1] = { fr(NULL, NULL, 0, "libx.so", 0x40) };
	struct cmp_frame d[1] = { fr(NULL, NULL, 0, "libx.so", 0x44) };
	CHECK(cmp_stack_keys(c, 1, &e1, &l1) == 0);
	CHECK(cmp_stack_keys(d, 1, &e2, &l2) == 0);
	CHECK(strcmp(e1, e2) != 0);
	CHECK(strcmp(l1, l2) != 0);
	free(e1), free(l1), free(e2), free(l2);

	/* an empty stack still has keys */
	CHECK(cmp_stack_keys(NULL, 0, &e1, &l1) == 0);
	CHECK_EQ_STR(e1, "");
	free(e1), free(l1);
}

static void test_match(void)
{
	/* BASE: f@10, g@20, h@30 (two callers), k@40; NEW after an edit that moved
	 * lines by 3: f@13, g@23, h@33 x2, plus a new site n@5; k is gone */
	struct cmp_keyed a[5] = {
		{ "F f 10", "F f" }, { "F g 20", "F g" }, { "F h 30|a", "F h|a" }, { "F h 31|b", "F h|a" },
		{ "F k 40", "F k" },
	};
	struct cmp_keyed b[5] = {
		{ "F f 10", "F f" }, { "F g 23", "F g" }, { "F h 33|a", "F h|a" }, { "F h 34|b", "F h|a" },
		{ "F n 05", "F n" },
	};
	ssize_t ma[5], mb[5];

	CHECK(cmp_match(a, 5, b, 5, ma, mb) == 0);
	CHECK_EQ_INT(ma[0], 0);  /* exact */
	CHECK_EQ_INT(ma[1], 1);  /* loose, unique */
	CHECK_EQ_INT(ma[2], 2);  /* loose, two each: paired in order */
	CHECK_EQ_INT(ma[3], 3);
	CHECK_EQ_INT(ma[4], -1); /* gone */
	CHECK_EQ_INT(mb[4], -1); /* new */
	CHECK_EQ_INT(mb[1], 1);

	/* a function that gained a site: counts differ, nothing is paired loosely */
	struct cmp_keyed c[1] = { { "F h 30", "F h" } };
	struct cmp_keyed d[2] = { { "F h 33", "F h" }, { "F h 40", "F h" } };
	ssize_t mc[1], md[2];
	CHECK(cmp_match(c, 1, d, 2, mc, md) == 0);
	CHECK_EQ_INT(mc[0], -1);
	CHECK_EQ_INT(md[0], -1);
	CHECK_EQ_INT(md[1], -1);

	/* empty sides */
	CHECK(cmp_match(NULL, 0, d, 2, mc, md) == 0);
	CHECK_EQ_INT(md[0], -1);
}

static void test_noise(void)
{
	const struct cmp_metric_def *alloc = NULL, *rss = NULL, *ts = NULL, *sys = NULL;

	for (int i = 0; i < CMP_NMETRICS; i++) {
		if (!strcmp(cmp_metrics[i].column, "alloc"))
			alloc = &cmp_metrics[i];
		if (!strcmp(cmp_metrics[i].column, "rss"))
			rss = &cmp_metrics[i];
		if (!strcmp(cmp_metrics[i].column, "ts_ns"))
			ts = &cmp_metrics[i];
		if (!strcmp(cmp_metrics[i].column, "sys"))
			sys = &cmp_metrics[i];
	}
	CHECK(alloc && rss && ts && sys);
	CHECK(alloc == &cmp_metrics[CMP_M_ALLOC] && ts == &cmp_metrics[CMP_M_TS]);
	CHECK(!strcmp(cmp_metrics[CMP_M_MALLOCS].column, "mallocs"));
	/* exact: one byte counts */
	CHECK(cmp_delta_counts(alloc, 1000, 1001, 0, 0));
	CHECK(!cmp_delta_counts(alloc, 1000, 1000, 0, 0));
	/* ... unless a tolerance was given */
	CHECK(!cmp_delta_counts(alloc, 1000, 1050, 0, 0.10));
	CHECK(cmp_delta_counts(alloc, 1000, 1150, 0, 0.10));
	/* ... and not in a Go heap, which moves with the collector */
	CHECK(!cmp_delta_counts(alloc, 1000000, 1001000, 1, 0));
	CHECK(cmp_delta_counts(alloc, 1000000, 1200000, 1, 0));
	/* state: past max(floor, 10%) */
	CHECK(!cmp_delta_counts(rss, 3 << 20, (3 << 20) + 200 * 1024, 0, 0));
	CHECK(cmp_delta_counts(rss, 3 << 20, 5 << 20, 0, 0));
	CHECK(!cmp_delta_counts(sys, 100 << 20, (100 << 20) + (5 << 20), 0, 0));
	CHECK(cmp_delta_counts(sys, 100 << 20, 120 << 20, 0, 0));
	CHECK(!cmp_delta_counts(sys, 100 << 20, 120 << 20, 0, 0.25));
	/* timing: never */
	CHECK(!cmp_delta_counts(ts, 1e6, 9e9, 0, 0));
	/* a value only one run has counts, unless it is timing */
	CHECK(cmp_delta_counts(rss, NAN, 5, 0, 0));
	CHECK(!cmp_delta_counts(rss, NAN, NAN, 0, 0));
	CHECK(!cmp_delta_counts(ts, NAN, 5, 0, 0));
	CHECK(isnan(cmp_relative(0, 5)));
	CHECK(fabs(cmp_relative(200, 250) - 0.25) < 1e-12);
}

static void test_thresholds(void)
{
	struct cmp_threshold t;
	char b[64];

	CHECK(cmp_threshold_parse("10%,64KiB", &t) == 0);
	CHECK(t.rel == 0.10 && t.abs == 65536);
	CHECK_EQ_STR(cmp_threshold_text(b, sizeof b, &t, 1), "10%,64KiB");
	CHECK(cmp_threshold_parse("1.5MiB", &t) == 0 && t.abs == 1.5 * 1024 * 1024 && t.rel == 0);
	CHECK(cmp_threshold_parse("1000,5%", &t) == 0 && t.abs == 1000 && t.rel == 0.05);
	CHECK_EQ_STR(cmp_threshold_text(b, sizeof b, &t, 0), "5%,1000");
	CHECK(cmp_threshold_parse("0", &t) == 0 && t.abs == 0 && t.rel == 0);
	CHECK_EQ_STR(cmp_threshold_text(b, sizeof b, &t, 1), "0");
	CHECK(cmp_threshold_parse("2k", &t) == 0 && t.abs == 2000);
	CHECK(cmp_threshold_parse("", &t) < 0);
	CHECK(cmp_threshold_parse("ten", &t) < 0);
	CHECK(cmp_threshold_parse("-5%", &t) < 0);
	CHECK(cmp_threshold_parse("5%,6%,7%", &t) < 0);
	CHECK(cmp_threshold_parse("5 parsecs", &t) < 0);
	/* growth past the larger of the two */
	struct cmp_threshold peak = { 64 * 1024, 0.10 };
	CHECK(!cmp_threshold_exceeded(&peak, 100000, 160000));   /* +60000 < 64 KiB */
	CHECK(cmp_threshold_exceeded(&peak, 100000, 170000));    /* +70000 > 64 KiB, > 10% */
	CHECK(!cmp_threshold_exceeded(&peak, 10 << 20, (10 << 20) + (1 << 20))); /* 10% of 10 MiB */
	CHECK(cmp_threshold_exceeded(&peak, 10 << 20, 12 << 20));
	CHECK(!cmp_threshold_exceeded(&peak, 100000, 50000));    /* shrinking never is */
	struct cmp_threshold any = { 0, 0 };
	CHECK(cmp_threshold_exceeded(&any, 200, 201));
	CHECK(!cmp_threshold_exceeded(&any, 200, 200));
	CHECK(!cmp_threshold_exceeded(&any, NAN, 200));
}

static void test_suppressions(void)
{
	struct cmp_suppressions s = CMP_SUPPRESSIONS_INIT;
	char err[256];
	const char *text = "# known leaks\n"
	                   "\n"
	                   "fun: third_party_*\n"
	                   "  file:vendor.c  \r\n"
	                   "file:*/ext/*\n"
	                   "module:libfoo.so*\n";
	struct cmp_frame mine = fr("main", "/src/app/main.c", 5, "app", 0);
	struct cmp_frame tp = fr("third_party_init", "/src/app/main.c", 5, "app", 0);
	struct cmp_frame vend = fr("v", "/src/lib/vendor.c", 5, "app", 0);
	struct cmp_frame vend2 = fr("v", "/src/lib/vendor.cc", 5, "app", 0);
	struct cmp_frame ext = fr("e", "/src/ext/zz.c", 5, "app", 0);
	struct cmp_frame foo = fr(NULL, NULL, 0, "libfoo.so.1", 0x10);
	struct cmp_frame stack[2];
	struct cmp_supp_rule *r;

	CHECK(cmp_supp_parse(&s, text, strlen(text), err, sizeof err) == 0);
	CHECK_EQ_INT(s.n, 4);
	CHECK(!cmp_supp_match(&s, &mine, 1));
	CHECK((r = cmp_supp_match(&s, &tp, 1)) && r->line == 3);
	CHECK((r = cmp_supp_match(&s, &vend, 1)) && r->line == 4); /* base name, no '/' in the pattern */
	CHECK(!cmp_supp_match(&s, &vend2, 1));
	CHECK((r = cmp_supp_match(&s, &ext, 1)) && r->line == 5);
	CHECK((r = cmp_supp_match(&s, &foo, 1)) && r->line == 6);
	/* any frame of the stack */
	stack[0] = mine;
	stack[1] = tp;
	CHECK((r = cmp_supp_match(&s, stack, 2)) && r->hits == 2);
	CHECK(!cmp_supp_match(NULL, stack, 2));
	cmp_supp_free(&s);

	CHECK(cmp_supp_parse(&s, "fun:ok\nleak:x\n", 14, err, sizeof err) < 0);
	CHECK(strstr(err, "line 2") != NULL);
	CHECK_EQ_INT(s.n, 0);
	CHECK(cmp_supp_parse(&s, "fun:\n", 5, err, sizeof err) < 0);
	CHECK(strstr(err, "line 1") != NULL);
	CHECK(cmp_supp_load(&s, "/nonexistent/supp.txt", err, sizeof err) < 0);
	CHECK(strstr(err, "cannot open") != NULL);
}

int main(void)
{
	test_keys();
	test_match();
	test_noise();
	test_thresholds();
	test_suppressions();
	return CHECK_DONE();
}
