/*
 * test_cli_util.c - cli/util.c: cli_escape (what may reach a terminal)
 * and cli_getopt (options anywhere, `--` ends them, POSIXLY_CORRECT or
 * not); cli/opts.c: one option table gives the parse and the --help list,
 * and cli_cmd_parse() stores each value where its row binds it, with the
 * same messages and exit statuses as the subcommands always had.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "tests/unit/check.h"

static void test_escape(void)
{
	CHECK_EQ_STR(cli_escape("plain text, std::map<int, std::string>"), "plain text, std::map<int, std::string>");
	CHECK_EQ_STR(cli_escape("a\033[31mb"), "a\\x1b[31mb");
	CHECK_EQ_STR(cli_escape("bel\a tab\t nl\n cr\r del\177"), "bel\\x07 tab\\x09 nl\\x0a cr\\x0d del\\x7f");
	/* UTF-8 text passes; C1 controls, bidi overrides and invalid bytes do not */
	CHECK_EQ_STR(cli_escape("caf\xc3\xa9 \xe2\x80\xa6 \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe2\x80\xa6 \xf0\x9f\x98\x80");
	CHECK_EQ_STR(cli_escape("csi\xc2\x9b" "1m"), "csi\\xc2\\x9b1m");
	CHECK_EQ_STR(cli_escape("rlo\xe2\x80\xae" "x"), "rlo\\xe2\\x80\\xaex");
	CHECK_EQ_STR(cli_escape("lone\x9b high\xff cut\xe2\x80"), "lone\\x9b high\\xff cut\\xe2\\x80");
	CHECK_EQ_STR(cli_escape("overlong\xc0\xaf surrogate\xed\xa0\x80"), "overlong\\xc0\\xaf surrogate\\xed\\xa0\\x80");
	CHECK_EQ_STR(cli_escape(NULL), "(null)");
	/* eight results stay valid at once */
	const char *r[8];
	for (int i = 0; i < 8; i++)
		r[i] = cli_escape(i % 2 ? "\033" : "x");
	for (int i = 0; i < 8; i++)
		CHECK_EQ_STR(r[i], i % 2 ? "\\x1b" : "x");
}

static const struct option opts[] = {
	{ "csv", no_argument, NULL, 'c' },
	{ "output", required_argument, NULL, 'o' },
	{ NULL, 0, NULL, 0 },
};

/* Parse argv (NULL-terminated); the options seen as a string "c o=VAL",
 * the operands after optind joined by '|'. */
static void parse(char **argv, char *seen, char *ops)
{
	int argc = 0, c;
	while (argv[argc])
		argc++;
	seen[0] = ops[0] = 0;
	while ((c = cli_getopt(argc, argv, "o:", opts)) != -1) {
		char one[64];
		if (c == 'o')
			snprintf(one, sizeof one, "o=%s ", optarg);
		else
			snprintf(one, sizeof one, "%c ", c);
		strcat(seen, one);
	}
	for (int i = optind; i < argc; i++) {
		strcat(ops, argv[i]);
		strcat(ops, "|");
	}
}

static void test_getopt(void)
{
	char seen[256], ops[256];
	char *a1[] = { "query", "db", "SELECT 1", "--csv", NULL };
	parse(a1, seen, ops);
	CHECK_EQ_STR(seen, "c ");
	CHECK_EQ_STR(ops, "db|SELECT 1|");

	char *a2[] = { "ingest", "a.mlt", "-o", "x.db", "b.mlt", "--", "-c.mlt", "--csv", NULL };
	parse(a2, seen, ops);
	CHECK_EQ_STR(seen, "o=x.db ");
	CHECK_EQ_STR(ops, "a.mlt|b.mlt|-c.mlt|--csv|");

	setenv("POSIXLY_CORRECT", "1", 1);
	char *a3[] = { "query", "db", "--output=o.db", "sql", "--csv", NULL };
	parse(a3, seen, ops);
	CHECK_EQ_STR(seen, "o=o.db c ");
	CHECK_EQ_STR(ops, "db|sql|");
	unsetenv("POSIXLY_CORRECT");

	char *a4[] = { "query", "db", "--bogus", NULL };
	int c = cli_getopt(3, a4, "o:", opts);
	CHECK_EQ_INT(c, '?');
	while (cli_getopt(3, a4, "o:", opts) != -1)
		;
	char *a5[] = { "ingest", "t.mlt", "-o", NULL };
	CHECK_EQ_INT(cli_getopt(3, a5, "o:", opts), ':');
	while (cli_getopt(3, a5, "o:", opts) != -1)
		;
}

/* One table, both the parser and the option list of --help. */
static const struct cli_opt demo_opts[] = {
	{ "output", 'o', 'o', "FILE", "where to write", CLI_CALLBACK },
	{ "depth", 0, 'D', "N", "frames a stack keeps\n(default 64)", CLI_CALLBACK },
	{ "quiet", 'q', 'q', NULL, "\nprint nothing on success", CLI_CALLBACK },
	{ "hidden", 0, 'H', NULL, NULL, CLI_CALLBACK },
	CLI_OPT_TEXT("\nMore:\n", 12),
	{ "json", 'j', 'j', NULL, "JSON", CLI_CALLBACK },
	CLI_OPT_HELP,
	CLI_OPT_END,
};
static const struct cli_cmd demo_cmd = {
	.name = "demo", .head = "usage: memledger demo [OPTION]... X\n\n", .opts = demo_opts,
	.tail = "tail\n", .parse = CLI_PARSE_ANYWHERE, .col = 22, .indent_long = 1,
};

static void test_table(void)
{
	char *argv[] = { "demo", "x", "--depth", "7", "-qo", "f", "--hidden", "-j", "--help", NULL };
	char seen[128] = "";
	int c;

	while ((c = cli_cmd_getopt(&demo_cmd, 9, argv)) != -1) {
		char one[32];
		snprintf(one, sizeof one, "%c%s%s ", c, optarg && (c == 'D' || c == 'o') ? "=" : "",
			 optarg && (c == 'D' || c == 'o') ? optarg : "");
		strcat(seen, one);
	}
	CHECK_EQ_STR(seen, "D=7 q o=f H j h ");
	CHECK_EQ_STR(argv[optind], "x");
	CHECK_EQ_INT(cli_opt_by_short(demo_opts, 'o')->key, 'o');
	CHECK(cli_opt_by_short(demo_opts, 'z') == NULL);

	/* a long option without its value is the one error getopt reports */
	char *bad[] = { "demo", "--depth", NULL };
	CHECK_EQ_INT(cli_cmd_getopt(&demo_cmd, 2, bad), ':');
	while (cli_cmd_getopt(&demo_cmd, 2, bad) != -1)
		;

	char buf[1024] = "";
	FILE *f = fmemopen(buf, sizeof buf - 1, "w");
	CHECK(f != NULL);
	cli_help(&demo_cmd, f);
	fclose(f);
	CHECK_EQ_STR(buf,
		     "usage: memledger demo [OPTION]... X\n\n"
		     "  -o, --output FILE   where to write\n"
		     "      --depth N       frames a stack keeps\n"
		     "                      (default 64)\n"
		     "  -q, --quiet\n"
		     "                      print nothing on success\n"
		     "\nMore:\n"
		     "  -j, --json JSON\n"
		     "  -h, --help show this help\n"
		     "tail\n");
}

/* cli_cmd_parse(): what each kind of row stores, and what the callback takes. */
struct parse_vars {
	const char *out;
	long depth, level;
	int quiet, mode;
	struct cli_list names;
	char taken[64];		/* the callback's keys and values */
};

static int parse_option(void *vars, int key, const char *arg)
{
	struct parse_vars *v = vars;
	size_t n = strlen(v->taken);

	if (key == 'X' && !strcmp(arg, "bad")) {
		cli_error("demo", "--extra wants good, not '%s'", arg);
		return -1;
	}
	snprintf(v->taken + n, sizeof v->taken - n, "%c=%s ", key, arg);
	return key == 'X' ? 0 : 1;
}

/* as export does: a bad option in its own words */
static int posix_option(void *vars, int key, const char *arg)
{
	if (key != '?')
		return parse_option(vars, key, arg);
	cli_error("demo", "what is %s?", arg);
	return -1;
}

static const struct cli_opt parse_opts[] = {
	{ "output", 'o', 0, "FILE", "where to write", CLI_STR(struct parse_vars, out) },
	{ "depth", 'd', 0, "N", "frames", CLI_LONG(struct parse_vars, depth, "a number from 1 to 64", 1, 64) },
	{ NULL, 'l', 0, "L", "level", CLI_LONG(struct parse_vars, level, "a level", 0, 3) },
	{ "quiet", 'q', 0, NULL, "say less", CLI_FLAG(struct parse_vars, quiet) },
	{ "all", 0, 'a', NULL, "every row", CLI_SET(struct parse_vars, mode, 2) },
	{ "name", 'n', 0, "NAME", "repeatable", CLI_LIST(struct parse_vars, names, "a name") },
	{ "extra", 0, 'X', "E", "the callback's", CLI_CALLBACK },
	CLI_OPT_HELP,
	CLI_OPT_END,
};
static const struct cli_cmd parse_cmd = {
	.name = "demo", .head = "usage: memledger demo [OPTION]... X\n\n", .opts = parse_opts,
	.col = 22, .callback = parse_option,
};
static const struct cli_cmd posix_cmd = {
	.name = "demo", .head = "usage: memledger demo [OPTION]... PROG\n\n", .opts = parse_opts,
	.parse = CLI_PARSE_POSIX, .col = 22, .callback = posix_option,
};

/* What a parse printed on stdout and on stderr. */
static char caught_out[4096], caught_err[4096];

static void slurp(FILE *f, char *buf, size_t cap)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, cap - 1, f);
	buf[n] = 0;
	fclose(f);
}

/* cli_cmd_parse() of argv (NULL-terminated) with fresh vars (depth 5),
 * its output caught in caught_out and caught_err. */
static int parse_caught(const struct cli_cmd *cmd, char **argv, struct parse_vars *v)
{
	FILE *fo = tmpfile(), *fe = tmpfile();
	int argc = 0, so = dup(1), se = dup(2), rc;

	CHECK(fo && fe && so >= 0 && se >= 0);
	while (argv[argc])
		argc++;
	free(v->names.v);
	*v = (struct parse_vars){ .depth = 5 };
	fflush(stdout);
	fflush(stderr);
	dup2(fileno(fo), 1);
	dup2(fileno(fe), 2);
	rc = cli_cmd_parse(cmd, v, argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	slurp(fo, caught_out, sizeof caught_out);
	slurp(fe, caught_err, sizeof caught_err);
	return rc;
}

/* cmd's --help, as the text ending a usage error */
static const char *help_of(const struct cli_cmd *cmd)
{
	static char buf[2048];
	FILE *f = fmemopen(buf, sizeof buf - 1, "w");

	CHECK(f != NULL);
	cli_help(cmd, f);
	fclose(f);
	return buf;
}

static void test_parse(void)
{
	struct parse_vars v = { 0 };
	char msg[4096];

	/* every kind of row, options among the operands */
	char *a1[] = { "demo", "a", "-qo", "f", "--depth=7", "b", "--all", "-n", "x", "--extra", "e",
		       "--name=y", "-l3", "--", "-c", NULL };
	CHECK_EQ_INT(parse_caught(&parse_cmd, a1, &v), CLI_PARSED);
	CHECK_EQ_STR(v.out, "f");
	CHECK_EQ_INT(v.depth, 7);
	CHECK_EQ_INT(v.level, 3);
	CHECK_EQ_INT(v.quiet, 1);
	CHECK_EQ_INT(v.mode, 2);
	CHECK_EQ_INT(v.names.n, 2);
	CHECK_EQ_STR(v.names.v[0], "x");
	CHECK_EQ_STR(v.names.v[1], "y");
	CHECK(v.names.v[2] == NULL);
	CHECK_EQ_STR(v.taken, "X=e ");
	CHECK_EQ_INT(optind, 12);
	CHECK_EQ_STR(a1[12], "a");
	CHECK_EQ_STR(a1[13], "b");
	CHECK_EQ_STR(a1[14], "-c");
	CHECK_EQ_STR(caught_out, "");
	CHECK_EQ_STR(caught_err, "");

	/* options not given keep their values; a list stays empty */
	char *a2[] = { "demo", "a", NULL };
	CHECK_EQ_INT(parse_caught(&parse_cmd, a2, &v), CLI_PARSED);
	CHECK(v.out == NULL && v.quiet == 0 && v.mode == 0 && v.names.v == NULL && v.names.n == 0);
	CHECK_EQ_INT(v.depth, 5);
	CHECK_EQ_INT(optind, 1);

	/* a list grows as long as it is given */
	char *a3[130] = { "demo" };
	for (int i = 1; i < 129; i++)
		a3[i] = i % 2 ? "-n" : (i % 4 ? "odd" : "even");
	CHECK_EQ_INT(parse_caught(&parse_cmd, a3, &v), CLI_PARSED);
	CHECK_EQ_INT(v.names.n, 64);
	CHECK_EQ_STR(v.names.v[63], "even");
	CHECK(v.names.v[64] == NULL);

	/* --help: on stdout, status 0, whatever follows */
	char *a4[] = { "demo", "--help", "--bogus", NULL };
	CHECK_EQ_INT(parse_caught(&parse_cmd, a4, &v), 0);
	CHECK_EQ_STR(caught_out, help_of(&parse_cmd));
	CHECK_EQ_STR(caught_err, "");

	/* a bad option: one line, then the help, on stderr; status 2 */
	char *a5[] = { "demo", "x", "--bogus", "-h", NULL };
	CHECK_EQ_INT(parse_caught(&parse_cmd, a5, &v), 2);
	snprintf(msg, sizeof msg, "memledger: demo: unknown option --bogus (see --help)\n%s", help_of(&parse_cmd));
	CHECK_EQ_STR(caught_err, msg);
	CHECK_EQ_STR(caught_out, "");
	CHECK_EQ_STR(v.taken, "?=--bogus ");	/* offered to the callback first */

	char *a6[] = { "demo", "x", "--output", NULL };
	CHECK_EQ_INT(parse_caught(&parse_cmd, a6, &v), 2);
	snprintf(msg, sizeof msg, "memledger: demo: option --output needs a value (see --help)\n%s",
		 help_of(&parse_cmd));
	CHECK_EQ_STR(caught_err, msg);

	char *a7[] = { "demo", "-qZ", NULL };
	CHECK_EQ_INT(parse_caught(&parse_cmd, a7, &v), 2);
	snprintf(msg, sizeof msg, "memledger: demo: unknown option -Z (see --help)\n%s", help_of(&parse_cmd));
	CHECK_EQ_STR(caught_err, msg);

	/* a bad value: its line alone, and the parse stops there */
	char *a8[] = { "demo", "--depth", "65", "--bogus", NULL };
	CHECK_EQ_INT(parse_caught(&parse_cmd, a8, &v), 2);
	CHECK_EQ_STR(caught_err, "memledger: demo: --depth wants a number from 1 to 64, not '65'\n");
	CHECK_EQ_INT(v.depth, 5);

	char *a9[] = { "demo", "-l", "x", NULL };
	CHECK_EQ_INT(parse_caught(&parse_cmd, a9, &v), 2);
	CHECK_EQ_STR(caught_err, "memledger: demo: -l wants a level, not 'x'\n");

	char *a10[] = { "demo", "-n", "", NULL };
	CHECK_EQ_INT(parse_caught(&parse_cmd, a10, &v), 2);
	CHECK_EQ_STR(caught_err, "memledger: demo: --name wants a name\n");

	char *a11[] = { "demo", "--extra=bad", "-q", NULL };
	CHECK_EQ_INT(parse_caught(&parse_cmd, a11, &v), 2);
	CHECK_EQ_STR(caught_err, "memledger: demo: --extra wants good, not 'bad'\n");
	CHECK_EQ_INT(v.quiet, 0);

	/* after a parse that stopped early, the next one starts afresh */
	char *a12[] = { "demo", "--depth=2", "op", NULL };
	CHECK_EQ_INT(parse_caught(&parse_cmd, a12, &v), CLI_PARSED);
	CHECK_EQ_INT(v.depth, 2);
	CHECK_EQ_INT(optind, 2);
	CHECK_EQ_STR(a12[2], "op");

	/* CLI_PARSE_POSIX: options end at PROG; with opterr 0 getopt prints
	 * nothing and the callback may word a bad option itself */
	char *a13[] = { "demo", "-q", "prog", "-o", "x", NULL };
	CHECK_EQ_INT(parse_caught(&posix_cmd, a13, &v), CLI_PARSED);
	CHECK(v.quiet == 1 && v.out == NULL);
	CHECK_EQ_STR(a13[optind], "prog");
	opterr = 0;
	char *a14[] = { "demo", "-q", "--bogus", "prog", NULL };
	CHECK_EQ_INT(parse_caught(&posix_cmd, a14, &v), 2);
	CHECK_EQ_STR(caught_err, "memledger: demo: what is --bogus?\n");
	CHECK_EQ_STR(caught_out, "");
	char *a15[] = { "demo", "--extra", "e", "-h", "prog", NULL };
	CHECK_EQ_INT(parse_caught(&posix_cmd, a15, &v), 0);
	CHECK_EQ_STR(v.taken, "X=e ");
	CHECK_EQ_STR(caught_out, help_of(&posix_cmd));
	opterr = 1;
	free(v.names.v);
}

int main(void)
{
	test_escape();
	test_getopt();
	test_table();
	test_parse();
	return CHECK_DONE();
}
