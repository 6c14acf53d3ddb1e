/*
 * test_report.c - the report on the fixture database: every section is
 * there, the verdicts carry the fixture's numbers (and change when the
 * data does), hostile strings are escaped, errors are one clean line.
 *
 * Run from the source tree's root (it reads tests/fixtures/).
 */
#include "ingest/verdicts.h"
#include "common/units.h"
#include "report/data.h"
#include "report/report.h"
#include "tests/unit/check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

extern const char embedded_ingest_schema_sql[];

#define FIXTURE "tests/fixtures/report_fixture.sql"

static char tmpdir[] = "/tmp/test_report.XXXXXX";
static char err[1024];

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Create path with the schema and, if sql is not NULL, that SQL too. */
static int make_db(const char *path, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;
	int rc;

	unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, embedded_ingest_schema_sql, NULL, NULL, &msg);
	if (rc == SQLITE_OK && sql)
		rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fprintf(stderr, "make_db: %s\n", msg ? msg : "?");
	sqlite3_free(msg);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

/*
 * Judge both processes again, as ingest does: the report only shows the
 * stored verdicts (ingest/verdicts.c), and the fixture is not ingested.
 */
static int rejudge(const char *path)
{
	sqlite3 *db;
	int rc = -1;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	if (verdicts_run(db, 1, err, sizeof err) == 0 && verdicts_run(db, 2, err, sizeof err) == 0)
		rc = 0;
	else
		fprintf(stderr, "rejudge: %s\n", err);
	sqlite3_close(db);
	return rc;
}

static int exec(const char *path, const char *sql)
{
	sqlite3 *db;
	int rc;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

/* Change the data, then judge again (as a new ingest would). */
static int change(const char *path, const char *sql)
{
	return exec(path, sql) == 0 ? rejudge(path) : -1;
}

static double query_num(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	double v = NAN;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return NAN;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_double(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}

static char *render(const char *db)
{
	char *html = NULL;
	size_t len;

	if (report_render(db, NULL, &html, &len, err, sizeof err) < 0) {
		fprintf(stderr, "render %s: %s\n", db, err);
		return NULL;
	}
	CHECK_EQ_INT(strlen(html), len);
	return html;
}

static int has(const char *page, const char *s)
{
	return page && strstr(page, s);
}

/* One check: page holds s (want 1), or does not (want 0); line is the caller's. */
static void check_has(const char *page, const char *s, int want, int line)
{
	check_count++;
	if (!has(page, s) != !want) {
		check_failed++;
		fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, line,
			want ? "page lacks" : "page should not contain", s);
	}
}

#define HAS(page, s) check_has((page), (s), 1, __LINE__)
#define LACKS(page, s) check_has((page), (s), 0, __LINE__)

static size_t count(const char *page, const char *s)
{
	size_t n = 0;

	for (const char *p = page; page && (p = strstr(p, s)); p++)
		n++;
	return n;
}

static const char *const sections[] = {
	"overview", "metric-alloc", "metric-totalalloc", "metric-sys", "metric-heapinuse",
	"metric-heapidle", "metric-stackinuse", "metric-heapobjects", "metric-mallocs",
	"metric-frees", "metric-live", "metric-numgc", "metric-gccpufraction", "allocation-rate",
	"phases", "quick-reference", "composition", "checklist", "leaks", "sites", "flamegraph",
	"threads", NULL,
};

/* The text of the section with id (up to the next <section), or NULL. Caller frees. */
static char *section(const char *page, const char *id)
{
	char needle[128];
	const char *a, *b;
	char *s;

	snprintf(needle, sizeof needle, "<section id=\"%s\"", id);
	if (!page || !(a = strstr(page, needle)))
		return NULL;
	b = strstr(a + 1, "<section ");
	if (!b)
		b = a + strlen(a);
	s = malloc((size_t)(b - a) + 1);
	memcpy(s, a, (size_t)(b - a));
	s[b - a] = '\0';
	return s;
}

/* The section id of page holds (want 1), or lacks (want 0), each of the n strings. */
static void check_section(const char *page, const char *id, int want, const char *const *strs, size_t n,
			  int line)
{
	char *sec = section(page, id);

	for (size_t k = 0; k < n; k++)
		check_has(sec, strs[k], want, line);
	free(sec);
}

#define SECTION_CHECK(page, id, want, ...) \
	check_section((page), (id), (want), (const char *const[]){ __VA_ARGS__ }, \
		      sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *), __LINE__)
/* The section id of page holds every one of the strings. */
#define SECTION_HAS(page, id, ...) SECTION_CHECK(page, id, 1, __VA_ARGS__)
/* The section id of page holds none of the strings. */
#define SECTION_LACKS(page, id, ...) SECTION_CHECK(page, id, 0, __VA_ARGS__)

static void test_sections(const char *page)
{
	char want[160];
	size_t i;

	for (i = 0; sections[i]; i++) {
		/* the root process has the plain ids, the child has them with -p2 */
		snprintf(want, sizeof want, "id=\"%s\"", sections[i]);
		CHECK_EQ_INT(count(page, want), 1);
		snprintf(want, sizeof want, "id=\"%s-p2\"", sections[i]);
		CHECK_EQ_INT(count(page, want), 1);
	}
	/* one process picker linking both */
	HAS(page, "href=\"#overview\"");
	HAS(page, "href=\"#overview-p2\"");
	/* the child ended by SIGKILL without an exit snapshot */
	HAS(page, "killed by signal 9 (SIGKILL)");
	HAS(page, "last sample");
	HAS(page, "exited with status 0");
	/* no template attribute or namespace left over */
	LACKS(page, "t:content");
	LACKS(page, "t:repeat");
	LACKS(page, "urn:memledger");
	LACKS(page, "<t:block");
	/* self-contained: no external resources */
	LACKS(page, "<link");
	LACKS(page, "src=\"http");
	LACKS(page, "<script src");
	/* one script to run; the flame graphs' data are JSON, never run */
	CHECK_EQ_INT(count(page, "<script") - count(page, "<script type=\"application/json\" class=\"flame-data\">"), 1);
	HAS(page, "<!DOCTYPE html>");
	HAS(page, "@media print");
}

/* Verdict numbers come from the fixture's snapshots, read back here. */
static void test_verdicts(const char *db, const char *page)
{
	double a_start = query_num(db, "SELECT alloc FROM snapshots WHERE process_id=1 AND label='START'");
	double a_clean = query_num(db, "SELECT alloc FROM snapshots WHERE process_id=1 AND label='AFTER CLEANUP'");
	double o_start = query_num(db, "SELECT heap_objects FROM snapshots WHERE process_id=1 AND label='START'");
	double o_clean = query_num(db, "SELECT heap_objects FROM snapshots WHERE process_id=1 AND label='AFTER CLEANUP'");
	double trims = query_num(db, "SELECT trim_calls FROM snapshots WHERE process_id=1 AND label='AFTER CLEANUP'");
	double lost = query_num(db, "SELECT sum(lost_bytes) FROM sites WHERE process_id=1");
	double total = query_num(db, "SELECT total_alloc FROM snapshots WHERE process_id=1 AND kind='exit'");
	char want[512], a[UNITS_BUF], b[UNITS_BUF], c[UNITS_BUF];
	char *s;

	CHECK(a_clean > a_start);
	snprintf(want, sizeof want, "Alloc is %s higher at AFTER CLEANUP than at START (%s against %s",
		 units_bytes(a, sizeof a, a_clean - a_start), units_bytes(b, sizeof b, a_clean),
		 units_bytes(c, sizeof c, a_start));
	SECTION_HAS(page, "metric-alloc", want, "see Leaks", "href=\"#leaks\"");

	snprintf(want, sizeof want, "HeapObjects is %s higher at AFTER CLEANUP than at START",
		 units_count(a, sizeof a, o_clean - o_start));
	s = section(page, "metric-heapobjects");
	HAS(s, want);
	HAS(s, "HeapObjects is 107 higher"); /* the fixture's story, spelt out */
	free(s);

	SECTION_HAS(page, "metric-live", "the same count as HeapObjects",
		    "It does not show that no event went missing");

	s = section(page, "metric-numgc");
	HAS(s, "no garbage collector");
	snprintf(want, sizeof want, "called it %.0f time", trims);
	HAS(s, want);
	free(s);

	SECTION_HAS(page, "metric-gccpufraction", "alloc_cpu_fraction", "negligible");

	s = section(page, "metric-totalalloc");
	HAS(s, "running total");
	LACKS(s, "badge pass"); /* a running total has no pass or fail */
	LACKS(s, "badge fail");
	free(s);

	s = section(page, "overview");
	snprintf(want, sizeof want, ">%s<", units_bytes(a, sizeof a, lost));
	HAS(s, want);
	snprintf(want, sizeof want, ">%s<", units_bytes(a, sizeof a, total));
	HAS(s, want);
	HAS(s, ">1.54 MiB<"); /* peak Alloc at AFTER RUN */
	HAS(s, "at AFTER RUN");
	free(s);

	/* phases: the final row fails against the baseline */
	SECTION_HAS(page, "phases", "objects above baseline",
		    "Baseline: the rows below are compared with this one.");

	/* checklist evidence with symbolized stacks */
	SECTION_HAS(page, "checklist", "id=\"check-threads_stopped\"", "timer_thread(void*)",
		    "pthread_create@@GLIBC_2.34", "n/a");

	/* quick reference marks: Alloc fails, TotalAlloc passes */
	s = section(page, "quick-reference");
	/* the serializer writes non-ASCII as character references */
	HAS(s, "&#10007;"); /* ✗ */
	HAS(s, "&#10003;"); /* ✓ */
	free(s);

	SECTION_HAS(page, "leaks", "make_partitions(int)");
	SECTION_HAS(page, "leaks-p2", "No reachability scan ran");

	SECTION_HAS(page, "flamegraph", "<svg", "<title>", "class=\"flame\"");
}

/* Change the data, and the verdict follows: nothing is fixed text. */
static void test_verdicts_follow_data(const char *db)
{
	char *page;

	CHECK_EQ_INT(change(db, "UPDATE snapshots SET alloc = (SELECT alloc FROM snapshots WHERE "
			      "process_id=1 AND label='START'), heap_objects = (SELECT heap_objects "
			      "FROM snapshots WHERE process_id=1 AND label='START'), live = (SELECT "
			      "heap_objects FROM snapshots WHERE process_id=1 AND label='START'), "
			      "frees = mallocs - (SELECT heap_objects FROM snapshots WHERE "
			      "process_id=1 AND label='START') WHERE process_id=1 AND "
			      "label='AFTER CLEANUP'"),
		     0);
	page = render(db);
	SECTION_HAS(page, "metric-alloc", "Alloc is back exactly where it was at START (382 KiB) by AFTER CLEANUP.");
	SECTION_LACKS(page, "metric-alloc", "see Leaks");
	SECTION_HAS(page, "metric-heapobjects",
		    "HeapObjects is back exactly where it was at START (1,314)");
	SECTION_HAS(page, "phases", "back to baseline");
	free(page);

	/* a native program's counts are exact: a small rise is not back, and
	 * every verdict on the page says the same */
	CHECK_EQ_INT(change(db, "UPDATE snapshots SET alloc = alloc + 782 WHERE process_id=1 AND "
			      "label='AFTER CLEANUP'"),
		     0);
	page = render(db);
	SECTION_HAS(page, "metric-alloc", "Alloc is 782 B higher at AFTER CLEANUP than at START",
		    "see Leaks");
	/* ± as the serializer writes it */
	SECTION_HAS(page, "phases", "+782 B and &plusmn;0 objects above baseline");
	SECTION_LACKS(page, "phases", "back to baseline");
	SECTION_HAS(page, "checklist", "Memory did not come back to baseline");
	free(page);

	/* a Go program's own collector figures are shown as they are */
	CHECK_EQ_INT(change(db, "UPDATE processes SET runtime = 'go' WHERE id = 2; "
			      "UPDATE snapshots SET num_gc = seq / 10, gc_cpu_fraction = 0.07 "
			      "WHERE process_id = 2"),
		     0);
	page = render(db);
	SECTION_HAS(page, "metric-numgc-p2", "NumGC grew by 3 between start and last sample", ">NumGC</th>");
	/* the values are NumGC itself */
	SECTION_LACKS(page, "metric-numgc-p2", ">malloc_trim calls</th>");
	SECTION_HAS(page, "metric-gccpufraction-p2",
		    "7.0% of the process's CPU time up to last sample went to the garbage collector: between 5% and 10%");
	free(page);

	/* a native allocator share is an upper bound under the tracer: from 5%
	 * to 10% it is shown without a verdict, from 10% on it fails */
	CHECK_EQ_INT(change(db, "UPDATE snapshots SET alloc_cpu_fraction = 0.08 WHERE process_id = 1"), 0);
	page = render(db);
	SECTION_HAS(page, "metric-gccpufraction", "8.0% of the process's CPU time",
		    "too close to call", "upper bound", "badge info\">too close to call</span>");
	SECTION_LACKS(page, "metric-gccpufraction", "would pay off");
	free(page);
	CHECK_EQ_INT(change(db, "UPDATE snapshots SET alloc_cpu_fraction = 0.12 WHERE process_id = 1"), 0);
	page = render(db);
	SECTION_HAS(page, "metric-gccpufraction", "12.0% of the process's CPU time",
		    "high, even allowing for the tracer", "would pay off");
	free(page);

	/* Live disagreeing with HeapObjects is caught */
	CHECK_EQ_INT(change(db, "UPDATE snapshots SET live = live + 1 WHERE process_id=1 AND seq = 7"), 0);
	page = render(db);
	SECTION_HAS(page, "metric-live", "Live differs from HeapObjects at 1 of");
	free(page);
}

static void test_hostile(const char *page)
{
	/* argv: </script><b>x</b>, &amp;, quotes, an invalid byte */
	LACKS(page, "</script><b>");
	LACKS(page, "<b>x</b>");
	HAS(page, "--name=&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;");
	HAS(page, "&amp;amp;");
	HAS(page, "bad&#65533; byte");
	HAS(page, "say \"hi\"");
	/* symbols */
	HAS(page, "operator&lt;&lt;(std::ostream&amp;, Partition const&amp;)");
	HAS(page, "std::map&lt;int, std::string&gt;::operator[](int const&amp;)");
	HAS(page, "Registry&lt;Key&amp;, \"Q\"&gt;::add");
	HAS(page, "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
	LACKS(page, "<script>alert");
	HAS(page, "src/evil&amp;&lt;x&gt;.c:1");
	HAS(page, "logger&lt;&amp;\"flush\"&gt;()");
	/* inside attributes (hover titles carry symbols too) quotes are escaped */
	LACKS(page, "title=\"logger<");
	/* an unknown function falls back to module+offset */
	HAS(page, "libfoo.so+0x1234");
}

static void test_files_and_errors(const char *db)
{
	char path[512], out[256], tdir[256], *page, *def;
	FILE *f;

	/* report_write replaces the file */
	snprintf(out, sizeof out, "%s/out.html", tmpdir);
	CHECK_EQ_INT(report_write(db, out, NULL, err, sizeof err), 0);
	page = slurp(out);
	HAS(page, "id=\"overview\"");
	free(page);

	/* missing database */
	snprintf(path, sizeof path, "%s/nope.db", tmpdir);
	CHECK_EQ_INT(report_write(path, out, NULL, err, sizeof err), -1);
	HAS(err, "cannot open");
	CHECK(strchr(err, '\n') == NULL);

	/* not a database */
	snprintf(path, sizeof path, "%s/junk.db", tmpdir);
	f = fopen(path, "w");
	fputs("this is not sqlite, just text that is long enough to look like a file header\n", f);
	fclose(f);
	CHECK_EQ_INT(report_write(path, out, NULL, err, sizeof err), -1);
	HAS(err, "not a memledger database");

	/* an SQLite file without our tables */
	snprintf(path, sizeof path, "%s/other.db", tmpdir);
	unlink(path);
	CHECK_EQ_INT(exec(path, "CREATE TABLE t(x)"), 0);
	CHECK_EQ_INT(report_write(path, out, NULL, err, sizeof err), -1);
	HAS(err, "no table processes");

	/* schema, no processes */
	snprintf(path, sizeof path, "%s/empty.db", tmpdir);
	CHECK_EQ_INT(make_db(path, NULL), 0);
	CHECK_EQ_INT(report_write(path, out, NULL, err, sizeof err), -1);
	HAS(err, "no process");

	/* unwritable output */
	CHECK_EQ_INT(report_write(db, "/nonexistent-dir/x.html", NULL, err, sizeof err), -1);
	HAS(err, "cannot write /nonexistent-dir/x.html");

	/* a template directory: its report.xhtml, the built-in style.css */
	snprintf(tdir, sizeof tdir, "%s/tpl", tmpdir);
	CHECK_EQ_INT(mkdir(tdir, 0700), 0);
	snprintf(path, sizeof path, "%s/report.xhtml", tdir);
	f = fopen(path, "w");
	fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" "
	      "xmlns:t=\"urn:memledger:template\"><head><title t:content=\"title\"/>"
	      "<style t:content=\"style\"/></head><body>\n"
	      "<p t:repeat=\"p processes\" id=\"x\" t:attributes=\"id string:custom${p/sfx}\" "
	      "t:content=\"p/metrics/alloc/verdict\"/></body></html>\n",
	      f);
	fclose(f);
	CHECK_EQ_INT(report_write(db, out, tdir, err, sizeof err), 0);
	page = slurp(out);
	HAS(page, "id=\"custom\"");
	HAS(page, "id=\"custom-p2\"");
	HAS(page, "Alloc is");
	HAS(page, "--fg:"); /* the built-in style sheet */
	free(page);
	/* a broken template: file and line */
	f = fopen(path, "w");
	fputs("<html xmlns:t=\"urn:memledger:template\">\n<body>\n<p t:content=\"nosuch/name\"/>"
	      "</body></html>\n",
	      f);
	fclose(f);
	CHECK_EQ_INT(report_write(db, out, tdir, err, sizeof err), -1);
	HAS(err, "report.xhtml:3:");
	HAS(err, "no such name");
	f = fopen(path, "w");
	fputs("<html><body><p>unclosed</body></html>\n", f);
	fclose(f);
	CHECK_EQ_INT(report_write(db, out, tdir, err, sizeof err), -1);
	HAS(err, "report.xhtml:1: Opening and ending tag mismatch");
	/* a missing template */
	unlink(path);
	CHECK_EQ_INT(report_write(db, out, tdir, err, sizeof err), -1);
	HAS(err, "No such file");
	unlink(out);
	rmdir(tdir);

	def = report_default_output("dir.v1/run.db");
	CHECK_EQ_STR(def, "dir.v1/run.html");
	free(def);
	def = report_default_output("dir.v1/run");
	CHECK_EQ_STR(def, "dir.v1/run.html");
	free(def);
	def = report_default_output(".db");
	CHECK_EQ_STR(def, ".db.html");
	free(def);
}

static void test_argv_and_units(void)
{
	char **v, b[UNITS_BUF];
	int n;

	n = rp_parse_argv("[\"a\", \"b\\\"c\", \"\\u00e9\\ud83d\\ude00\", \"x\\u0000y\"]", &v);
	CHECK_EQ_INT(n, 4);
	if (n == 4) {
		CHECK_EQ_STR(v[0], "a");
		CHECK_EQ_STR(v[1], "b\"c");
		CHECK_EQ_STR(v[2], "\xc3\xa9\xf0\x9f\x98\x80");
		CHECK_EQ_STR(v[3], "x\xef\xbf\xbdy");
		rp_free_argv(v, n);
	}
	CHECK_EQ_INT(rp_parse_argv("[]", &v), 0);
	rp_free_argv(v, 0);
	CHECK_EQ_INT(rp_parse_argv("[\"a\"", &v), -1);
	CHECK_EQ_INT(rp_parse_argv("not json", &v), -1);
	CHECK_EQ_INT(rp_parse_argv("[\"a\",]", &v), -1);
	CHECK_EQ_INT(rp_parse_argv(NULL, &v), -1);

	CHECK_EQ_STR(units_bytes(b, sizeof b, 0), "0 B");
	CHECK_EQ_STR(units_bytes(b, sizeof b, 1023), "1023 B");
	CHECK_EQ_STR(units_bytes(b, sizeof b, 1536), "1.50 KiB");
	CHECK_EQ_STR(units_bytes(b, sizeof b, 19456), "19.0 KiB");
	CHECK_EQ_STR(units_bytes(b, sizeof b, 1614807), "1.54 MiB");
	CHECK_EQ_STR(units_bytes_delta(b, sizeof b, -512), "\xe2\x88\x92" "512 B");
	CHECK_EQ_STR(units_count(b, sizeof b, 1234567), "1,234,567");
	CHECK_EQ_STR(units_count_delta(b, sizeof b, 107), "+107");
	CHECK_EQ_STR(units_count_short(b, sizeof b, 1234567), "1.23 M");
	CHECK_EQ_STR(units_duration(b, sizeof b, 1.5e9), "1.50 s");
	CHECK_EQ_STR(units_duration(b, sizeof b, 125e9), "2 min 05 s");
	CHECK_EQ_STR(units_percent(b, sizeof b, 0.002), "0.20%");
	CHECK_EQ_STR(units_percent(b, sizeof b, 0.125), "12.5%");
	CHECK_EQ_STR(units_percent(b, sizeof b, 0.00001), "<0.01%");
	CHECK_EQ_STR(units_bytes(b, sizeof b, NAN), "\xe2\x80\x93");
	CHECK(units_nice_step(1614807, 4, 1024) == 524288);
	CHECK(units_nice_step(5.19e9, 6, 0) == 1e9);
}

int main(void)
{
	char db[256], *sql, *page;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(db, sizeof db, "%s/fixture.db", tmpdir);
	if (!(sql = slurp(FIXTURE))) {
		fprintf(stderr, "test_report: cannot read %s (run from the source root)\n", FIXTURE);
		return 1;
	}
	CHECK_EQ_INT(make_db(db, sql), 0);
	free(sql);
	/* without verdicts (a database from an older memledger) the page says so */
	page = render(db);
	HAS(page, "No verdict is recorded");
	free(page);
	CHECK_EQ_INT(rejudge(db), 0);

	page = render(db);
	CHECK(page != NULL);
	test_sections(page);
	test_verdicts(db, page);
	test_hostile(page);
	free(page);
	test_files_and_errors(db);
	test_argv_and_units();
	test_verdicts_follow_data(db);

	unlink(db);
	rmdir(tmpdir);
	return CHECK_DONE();
}
