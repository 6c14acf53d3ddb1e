/*
 * opts.c - what every subcommand's option loop shares: getopt_long's
 * tables and the option list of --help, both made from the subcommand's
 * one table of struct cli_opt rows. See opts.h.
 */
#include "cli/opts.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* More options than any subcommand has; a table that outgrows it aborts
 * the subcommand's first option parse, so any run of it shows the bug. */
#define CLI_OPTS_MAX 40

static int is_option(const struct cli_opt *o)
{
	return o->lng || o->shrt;
}

static int opt_key(const struct cli_opt *o)
{
	return o->key ? o->key : o->shrt;
}

/*
 * getopt_long's view of opts: the long entries, and the short letters
 * ("o:vh") after prefix. Both live in static buffers, rebuilt on every
 * call: a parse reads them between calls, and only one runs at a time.
 */
static const char *getopt_tables(const struct cli_opt *opts, const char *prefix, const struct option **lo)
{
	static struct option longs[CLI_OPTS_MAX + 1];
	static char shorts[2 * CLI_OPTS_MAX + 4];
	size_t nl = 0, ns = strlen(prefix), nopt = 0;

	memcpy(shorts, prefix, ns);
	for (const struct cli_opt *o = opts; is_option(o) || o->help; o++) {
		if (!is_option(o))
			continue;
		/* every option takes at most one long entry and 2 letters */
		if (nopt++ == CLI_OPTS_MAX) {
			fputs("memledger: BUG: too many options in one table\n", stderr);
			abort();
		}
		if (o->lng)
			longs[nl++] = (struct option){ o->lng, o->arg ? required_argument : no_argument, NULL,
						       opt_key(o) };
		if (o->shrt) {
			shorts[ns++] = (char)o->shrt;
			if (o->arg)
				shorts[ns++] = ':';
		}
	}
	longs[nl] = (struct option){ NULL, 0, NULL, 0 };
	shorts[ns] = 0;
	*lo = longs;
	return shorts;
}

int cli_cmd_getopt(const struct cli_cmd *cmd, int argc, char **argv)
{
	const struct option *lo;
	const char *so;

	switch (cmd->parse) {
	case CLI_PARSE_POSIX:
		so = getopt_tables(cmd->opts, "+", &lo);
		return getopt_long(argc, argv, so, lo, NULL);
	case CLI_PARSE_GNU:
		so = getopt_tables(cmd->opts, "", &lo);
		return getopt_long(argc, argv, so, lo, NULL);
	case CLI_PARSE_ANYWHERE:
		break;
	}
	so = getopt_tables(cmd->opts, "", &lo);
	return cli_getopt(argc, argv, so, lo);
}

const struct cli_opt *cli_opt_by_short(const struct cli_opt *opts, int c)
{
	for (const struct cli_opt *o = opts; is_option(o) || o->help; o++)
		if (c && o->shrt == c)
			return o;
	return NULL;
}

/* "  -o, --output FILE", "      --depth N" or "  --json" into buf; its length. */
static int opt_label(const struct cli_cmd *cmd, const struct cli_opt *o, char *buf, size_t cap)
{
	char shrt[8] = "";

	if (o->shrt)
		snprintf(shrt, sizeof shrt, "-%c%s", o->shrt, o->lng ? ", " : "");
	else if (cmd->indent_long)
		snprintf(shrt, sizeof shrt, "    ");
	return snprintf(buf, cap, "  %s%s%s%s%s", shrt, o->lng ? "--" : "", o->lng ? o->lng : "",
			o->arg ? " " : "", o->arg ? o->arg : "");
}

/* One option of the list: its label, then its help lines from column col. */
static void print_opt(const struct cli_cmd *cmd, const struct cli_opt *o, int col, FILE *f)
{
	char label[128];
	int len = opt_label(cmd, o, label, sizeof label), gap = cmd->gap ? cmd->gap : 1;
	const char *line = o->help;

	fputs(label, f);
	if (*line == '\n')
		line++;
	else
		fprintf(f, "%*s", len + gap <= col ? col - len : gap, "");
	for (;;) {
		const char *nl = strchr(line, '\n');
		int n = nl ? (int)(nl - line) : (int)strlen(line);

		if (line != o->help)
			fprintf(f, "\n%*s", col, "");
		fwrite(line, 1, (size_t)n, f);
		if (!nl)
			break;
		line = nl + 1;
	}
	fputc('\n', f);
}

void cli_help(const struct cli_cmd *cmd, FILE *f)
{
	int col = cmd->col;

	fputs(cmd->head, f);
	for (const struct cli_opt *o = cmd->opts; is_option(o) || o->help; o++) {
		if (!is_option(o)) {
			fputs(o->help, f);
			col = o->key ? o->key : col;
		} else if (o->help) {
			print_opt(cmd, o, col, f);
		}
	}
	if (cmd->tail)
		fputs(cmd->tail, f);
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	/* Operands met so far. getopt_long's "-" mode hands them over in
	 * order (whatever POSIXLY_CORRECT says); at the end they go back into
	 * argv just before what follows "--", so argv[optind..] is every
	 * operand in its order. */
	static char **ops;
	static int nops, started;
	char spec[64];
	if (!started) {
		started = 1;
		optind = 0;
		nops = 0;
		free(ops);
		ops = calloc((size_t)argc + 1, sizeof *ops);
	}
	/* out of memory for the list: options first, as POSIX has it */
	snprintf(spec, sizeof spec, "%s:%s", ops ? "-" : "+", shortopts[0] == '+' ? shortopts + 1 : shortopts);
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, spec, longopts, NULL);
		if (c == 1) {
			if (ops)
				ops[nops++] = optarg;
			continue;
		}
		if (c != -1)
			return c;
		/* argv[optind..] follows "--" (or nothing); the slots before it
		 * held options and operands already read. */
		for (int i = 0; ops && i < nops; i++)
			argv[optind - nops + i] = ops[i];
		optind -= ops ? nops : 0;
		free(ops);
		ops = NULL;
		started = 0;
		return -1;
	}
}

void cli_bad_option(const char *cmd, int c, char **argv)
{
	char letter[3] = { '-', (char)optopt, 0 };
	if (c == ':')
		cli_error(cmd, "option %s needs a value (see --help)", argv[optind - 1]);
	else if (optopt)
		cli_error(cmd, "unknown option %s (see --help)", letter);
	else
		cli_error(cmd, "unknown option %s (see --help)", argv[optind - 1]);
}

int cli_opt_done(const struct cli_cmd *cmd, int c, char **argv)
{
	if (c == 'h') {
		cli_help(cmd, stdout);
		return 0;
	}
	if (cmd->parse == CLI_PARSE_ANYWHERE)
		cli_bad_option(cmd->name, c, argv);
	cli_help(cmd, stderr);
	return 2;
}

int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cli_error(cmd->name, "%s", msg);
	cli_help(cmd, stderr);
	return 2;
}

int cli_opt_long(const struct cli_cmd *cmd, int key, const char *what, long min, long max, long *out)
{
	const struct cli_opt *o = cmd->opts;
	long v = cli_parse_long(optarg, max);

	while ((is_option(o) || o->help) && !(is_option(o) && opt_key(o) == key))
		o++;
	assert(is_option(o));
	if (v < min) {
		if (o->lng)
			cli_error(cmd->name, "--%s wants %s, not '%s'", o->lng, what, optarg);
		else
			cli_error(cmd->name, "-%c wants %s, not '%s'", o->shrt, what, optarg);
		return -1;
	}
	*out = v;
	return 0;
}
