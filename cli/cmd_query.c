/*
 * cmd_query.c - `memledger query [--csv|--json] DB SQL`.
 *
 * Runs SQL over a database and prints the rows as an aligned table, CSV
 * (RFC 4180) or a JSON array of objects. The database is opened read-only,
 * and every statement must be one that only reads: sqlite3_stmt_readonly()
 * catches what the read-only open lets through (VACUUM INTO writes a new
 * file; CREATE TEMP writes a temporary database), and an authorizer refuses
 * ATTACH, DETACH and load_extension().
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ingest/db.h"
#include "ingest/json.h"

enum fmt { TABLE, CSV, JSON };

struct query_vars {
	int fmt;	/* enum fmt */
};

static const struct cli_opt query_opts[] = {
	{ "csv", 0, 'c', NULL, "comma-separated values with a header row", CLI_SET(struct query_vars, fmt, CSV) },
	{ "json", 0, 'j', NULL, "a JSON array with one object per row (inf and NaN, which\n"
				"JSON cannot hold, are null)", CLI_SET(struct query_vars, fmt, JSON) },
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_cmd query_cmd = {
	.name = "query",
	.head = "usage: memledger query [--csv|--json] DB SQL\n"
		"\n"
		"Run SQL over a memledger database and print the rows: an aligned table by\n"
		"default. The schema is in the README (tables processes, snapshots,\n"
		"allocations, stacks, frames, sites, threads, resources, checklist, ...).\n"
		"Only statements that read are run: writes, VACUUM INTO, ATTACH, temporary\n"
		"tables and extensions are refused. Options may follow DB and SQL; `--`\n"
		"ends them (for SQL that starts with a dash).\n"
		"\n",
	.opts = query_opts,
	.tail = "\n"
		"The table, and CSV written to a terminal, show bytes that could control\n"
		"the terminal (ESC, ...) as \\xNN.\n",
	.col = 16,
};

#define TABLE_BUFFER 5000   /* rows measured for column widths before printing */

/* Display width of UTF-8 text: one column per code point. */
static size_t width_of(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static char *cell(sqlite3_stmt *s, int i)
{
	switch (sqlite3_column_type(s, i)) {
	case SQLITE_NULL:
		return strdup("NULL");
	case SQLITE_BLOB: {
		int n = sqlite3_column_bytes(s, i);
		const unsigned char *b = sqlite3_column_blob(s, i);
		char *h = malloc((size_t)n * 2 + 3);
		if (!h)
			return NULL;
		strcpy(h, "x'");
		for (int k = 0; k < n; k++)
			sprintf(h + 2 + 2 * k, "%02x", b[k]);
		strcat(h, "'");
		return h;
	}
	default: {
		/* one line per row, and nothing that drives the terminal */
		const char *t = (const char *)sqlite3_column_text(s, i);
		char *d = strdup(t ? t : "");
		for (char *p = d; p && *p; p++)
			if (*p == '\n' || *p == '\r' || *p == '\t')
				*p = ' ';
		char *e = d ? strdup(cli_escape(d)) : NULL;
		free(d);
		return e;
	}
	}
}

static void print_table_rows(char **rows, int ncol, size_t nrow, const size_t *w)
{
	for (size_t r = 0; r < nrow; r++) {
		for (int c = 0; c < ncol; c++) {
			const char *v = rows[r * (size_t)ncol + (size_t)c];
			fputs(v, stdout);
			if (c + 1 < ncol)
				for (size_t k = width_of(v); k < w[c] + 2; k++)
					putchar(' ');
		}
		putchar('\n');
	}
}

static int run_table(sqlite3_stmt *s)
{
	int ncol = sqlite3_column_count(s);
	size_t *w = calloc((size_t)ncol + 1, sizeof *w);
	char **rows = malloc(sizeof *rows * (size_t)ncol * TABLE_BUFFER);
	char **hdr = malloc(sizeof *hdr * (size_t)ncol + 1);
	if (!w || !rows || !hdr)
		return -1;
	for (int c = 0; c < ncol; c++) {
		hdr[c] = strdup(cli_escape(sqlite3_column_name(s, c)));
		w[c] = width_of(hdr[c]);
	}
	size_t n = 0;
	int rc, printed_header = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (int c = 0; c < ncol; c++) {
			char *v = cell(s, c);
			rows[n * (size_t)ncol + (size_t)c] = v ? v : strdup("?");
			size_t vw = width_of(rows[n * (size_t)ncol + (size_t)c]);
			if (!printed_header && vw > w[c])
				w[c] = vw;
		}
		if (++n == TABLE_BUFFER) {
			if (!printed_header) {
				print_table_rows(hdr, ncol, 1, w);
				printed_header = 1;
			}
			print_table_rows(rows, ncol, n, w);
			for (size_t k = 0; k < n * (size_t)ncol; k++)
				free(rows[k]);
			n = 0;
		}
	}
	if (!printed_header && ncol)
		print_table_rows(hdr, ncol, 1, w);
	print_table_rows(rows, ncol, n, w);
	for (size_t k = 0; k < n * (size_t)ncol; k++)
		free(rows[k]);
	for (int c = 0; c < ncol; c++)
		free(hdr[c]);
	free(hdr);
	free(rows);
	free(w);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* CSV on a terminal is read by a person: escape what could drive it. In
 * a pipe or a file it is data, and every byte is kept. */
static int csv_escape;

static void csv_field(const char *v, size_t n)
{
	char *esc = NULL;
	if (csv_escape && (esc = strndup(v, n))) {
		v = cli_escape(esc);
		n = strlen(v);
	}
	int quote = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] == ',' || v[i] == '"' || v[i] == '\n' || v[i] == '\r')
			quote = 1;
	if (!quote) {
		fwrite(v, 1, n, stdout);
		free(esc);
		return;
	}
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '"')
			putchar('"');
		putchar(v[i]);
	}
	putchar('"');
	free(esc);
}

static int run_csv(sqlite3_stmt *s)
{
	int ncol = sqlite3_column_count(s), rc;
	for (int c = 0; c < ncol; c++) {
		if (c)
			putchar(',');
		const char *h = sqlite3_column_name(s, c);
		csv_field(h, strlen(h));
	}
	printf("\r\n");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (int c = 0; c < ncol; c++) {
			if (c)
				putchar(',');
			if (sqlite3_column_type(s, c) == SQLITE_NULL)
				continue;
			const char *v = (const char *)sqlite3_column_text(s, c);
			csv_field(v ? v : "", (size_t)sqlite3_column_bytes(s, c));
		}
		printf("\r\n");
	}
	return rc == SQLITE_DONE ? 0 : -1;
}

/* A double as JSON: the shortest of %.15g, %.16g and %.17g that reads back as
 * the same value; inf and NaN, which JSON has no words for, as null (as
 * JavaScript's JSON.stringify does). */
static void json_number(char *buf, size_t n, double v)
{
	if (!isfinite(v)) {
		snprintf(buf, n, "null");
		return;
	}
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(buf, n, "%.*g", digits, v);
		if (strtod(buf, NULL) == v)
			break;
	}
}

static int run_json(sqlite3_stmt *s, int *first_row)
{
	int ncol = sqlite3_column_count(s), rc;
	struct jbuf b = JBUF_INIT;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		b.len = 0;
		jbuf_adds(&b, *first_row ? "\n  {" : ",\n  {");
		*first_row = 0;
		for (int c = 0; c < ncol; c++) {
			const char *name = sqlite3_column_name(s, c);
			if (c)
				jbuf_adds(&b, ", ");
			jbuf_add_string(&b, name, strlen(name));
			jbuf_adds(&b, ": ");
			char num[64];
			switch (sqlite3_column_type(s, c)) {
			case SQLITE_NULL:
				jbuf_adds(&b, "null");
				break;
			case SQLITE_INTEGER:
				snprintf(num, sizeof num, "%lld", (long long)sqlite3_column_int64(s, c));
				jbuf_adds(&b, num);
				break;
			case SQLITE_FLOAT:
				json_number(num, sizeof num, sqlite3_column_double(s, c));
				jbuf_adds(&b, num);
				break;
			default: {
				const char *v = (const char *)sqlite3_column_text(s, c);
				jbuf_add_string(&b, v ? v : "", (size_t)sqlite3_column_bytes(s, c));
			}
			}
		}
		jbuf_adds(&b, "}");
		if (b.s)
			fwrite(b.s, 1, b.len, stdout);
	}
	jbuf_free(&b);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The authorizer: what sqlite3_stmt_readonly() lets pass but query must
 * not do. ATTACH opens (or, through a URI, would create) another file;
 * the extension loader runs code. */
struct guard {
	const char *refused;
};

static int authorize(void *arg, int action, const char *a, const char *b, const char *c, const char *d)
{
	struct guard *g = arg;
	(void)a, (void)c, (void)d;
	if (action == SQLITE_ATTACH)
		g->refused = "ATTACH";
	else if (action == SQLITE_DETACH)
		g->refused = "DETACH";
	else if (action == SQLITE_FUNCTION && b && !strcasecmp(b, "load_extension"))
		g->refused = "load_extension()";
	else
		return SQLITE_OK;
	return SQLITE_DENY;
}

/* The statement's first words, for the message that refuses it. */
static const char *stmt_head(sqlite3_stmt *s, char *buf, size_t n)
{
	const char *sql = sqlite3_sql(s);
	while (sql && (*sql == ' ' || *sql == '\n' || *sql == '\t' || *sql == '\r'))
		sql++;
	snprintf(buf, n, "%.40s%s", sql ? sql : "?", sql && strlen(sql) > 40 ? "..." : "");
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\t' || *p == '\r')
			*p = ' ';
	return buf;
}

int cmd_query(int argc, char **argv)
{
	struct query_vars v = { .fmt = TABLE };
	int rc = cli_cmd_parse(&query_cmd, &v, argc, argv);

	if (rc != CLI_PARSED)
		return rc;
	enum fmt fmt = v.fmt;
	if (argc - optind != 2)
		return cli_usage_error(&query_cmd, "wants a database and one SQL argument");
	const char *dbpath = argv[optind], *sql = argv[optind + 1];
	char err[1024], head[64];
	sqlite3 *db;
	if (db_open_ro(dbpath, &db, err, sizeof err) < 0) {
		cli_error(dbpath, "%s", err);
		return 1;
	}
	struct guard g = { NULL };
	sqlite3_set_authorizer(db, authorize, &g);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	csv_escape = fmt == CSV && isatty(1);
	int first_row = 1, statements = 0;

	rc = 0;
	const char *tail = sql;
	if (fmt == JSON)
		fputs("[", stdout);
	while (tail && *tail) {
		sqlite3_stmt *s = NULL;
		g.refused = NULL;
		if (sqlite3_prepare_v2(db, tail, -1, &s, &tail) != SQLITE_OK) {
			if (g.refused)
				cli_error(dbpath, "query only reads the database: %s is refused", g.refused);
			else
				cli_error(dbpath, "SQL error: %s", sqlite3_errmsg(db));
			rc = 1;
			break;
		}
		if (!s)
			continue;  /* whitespace or a comment */
		if (!sqlite3_stmt_readonly(s)) {
			cli_error(dbpath, "query only reads the database: refusing a statement that writes: %s",
			          stmt_head(s, head, sizeof head));
			sqlite3_finalize(s);
			rc = 1;
			break;
		}
		if (statements++ && fmt == TABLE)
			putchar('\n');
		int r = fmt == TABLE ? run_table(s) : fmt == CSV ? run_csv(s) : run_json(s, &first_row);
		if (r < 0) {
			if (g.refused)
				cli_error(dbpath, "query only reads the database: %s is refused", g.refused);
			else
				cli_error(dbpath, "SQL error: %s", db_errmsg(db));
			rc = 1;
		}
		sqlite3_finalize(s);
		if (rc)
			break;
	}
	if (fmt == JSON)
		fputs(first_row ? "]\n" : "\n]\n", stdout);
	sqlite3_close(db);
	return rc;
}
