/*
 * opts.c - what every subcommand's option parse shares: getopt_long's
 * tables, the option list of --help and the storing of each value, all
 * made from the subcommand's one table of struct cli_opt rows. See opts.h.
 */
#include "cli/opts.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/err.h"

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

/* The option row whose key is key, or NULL ('?', ':'). */
static const struct cli_opt *opt_by_key(const struct cli_opt *opts, int key)
{
	for (const struct cli_opt *o = opts; is_option(o) || o->help; o++)
		if (is_option(o) && opt_key(o) == key)
			return o;
	return NULL;
}

/* "memledger: NAME: --OPTION wants WHAT, not 'ARG'" (arg NULL: to WHAT). */
static void opt_wants(const struct cli_cmd *cmd, const struct cli_opt *o, const char *what, const char *arg)
{
	char name[64];

	if (o->lng)
		snprintf(name, sizeof name, "--%s", o->lng);
	else
		snprintf(name, sizeof name, "-%c", o->shrt);
	if (arg)
		cli_error(cmd->name, "%s wants %s, not '%s'", name, what, arg);
	else
		cli_error(cmd->name, "%s wants %s", name, what);
}

/* optarg as o's whole number into *out: 0, or -1 after the error line. */
static int opt_long(const struct cli_cmd *cmd, const struct cli_opt *o, long *out)
{
	long v = cli_parse_long(optarg, o->max);

	if (v < o->min) {
		opt_wants(cmd, o, o->what, optarg);
		return -1;
	}
	*out = v;
	return 0;
}

/* Add s to l, keeping l->v NULL-terminated: 0, or -1 when out of memory. */
static int list_add(struct cli_list *l, const char *s)
{
	const char **v = realloc(l->v, (l->n + 2) * sizeof *v);

	if (!v)
		return -1;
	v[l->n++] = s;
	v[l->n] = NULL;
	l->v = v;
	return 0;
}

/* Store optarg (or o->val) in var, where o binds it; CLI_PARSED, or the
 * exit status after an error line. */
static int opt_store(const struct cli_cmd *cmd, const struct cli_opt *o, void *var)
{
	if ((o->bind == CLI_BIND_STR || o->bind == CLI_BIND_LIST) && o->what && !*optarg) {
		opt_wants(cmd, o, o->what, NULL);
		return 2;
	}
	switch (o->bind) {
	case CLI_BIND_SET:
		*(int *)var = (int)o->val;
		break;
	case CLI_BIND_STR:
		*(const char **)var = optarg;
		break;
	case CLI_BIND_LONG:
		if (opt_long(cmd, o, var) < 0)
			return 2;
		break;
	case CLI_BIND_LIST:
		if (list_add(var, optarg) < 0) {
			cli_error(cmd->name, ERR_OOM);
			return 1;
		}
		break;
	case CLI_BIND_NONE:
	case CLI_BIND_HELP:
		assert(!"not a variable");
	}
	return CLI_PARSED;
}

/* Take option c, or a bad option ('?', ':'): CLI_PARSED, or the exit status. */
static int opt_take(const struct cli_cmd *cmd, void *vars, int c, char **argv)
{
	const struct cli_opt *o = opt_by_key(cmd->opts, c);

	if (o && o->bind == CLI_BIND_HELP) {
		cli_help(cmd, stdout);
		return 0;
	}
	if (o && o->bind != CLI_BIND_NONE) {
		assert(vars);
		return opt_store(cmd, o, (char *)vars + o->off);
	}
	switch (cmd->callback ? cmd->callback(vars, c, o ? optarg : argv[optind - 1]) : 1) {
	case 0:
		return CLI_PARSED;
	case -1:
		return 2;
	}
	/* getopt printed what was wrong, except in cli_getopt() */
	if (cmd->parse == CLI_PARSE_ANYWHERE)
		cli_bad_option(cmd->name, c, argv);
	cli_help(cmd, stderr);
	return 2;
}

int cli_cmd_parse(const struct cli_cmd *cmd, void *vars, int argc, char **argv)
{
	int c, rc = CLI_PARSED;

	optind = 0;
	while (rc == CLI_PARSED && (c = cli_cmd_getopt(cmd, argc, argv)) != -1)
		rc = opt_take(cmd, vars, c, argv);
	/* cli_getopt() keeps its operands until it returns -1: finish
	 * (silently: it prints nothing) so that the next parse starts afresh */
	if (rc != CLI_PARSED && cmd->parse == CLI_PARSE_ANYWHERE)
		while (cli_cmd_getopt(cmd, argc, argv) != -1)
			;
	return rc;
}
