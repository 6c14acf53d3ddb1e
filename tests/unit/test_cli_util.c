/*
 * test_cli_util.c - cli/util.c: cli_escape (what may reach a terminal)
 * and cli_getopt (options anywhere, `--` ends them, POSIXLY_CORRECT or
 * not); cli/opts.c: one option table gives the parse and the --help list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	{ "output", 'o', 'o', "FILE", "where to write" },
	{ "depth", 0, 'D', "N", "frames a stack keeps\n(default 64)" },
	{ "quiet", 'q', 'q', NULL, "\nprint nothing on success" },
	{ "hidden", 0, 'H', NULL, NULL },
	CLI_OPT_TEXT("\nMore:\n", 12),
	{ "json", 'j', 'j', NULL, "JSON" },
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

int main(void)
{
	test_escape();
	test_getopt();
	test_table();
	return CHECK_DONE();
}
