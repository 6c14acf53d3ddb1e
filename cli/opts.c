/*
 * opts.c - what every subcommand's option loop shares. See opts.h.
 */
#include "cli/opts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

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

int cli_opt_done(const char *cmd, int c, char **argv, const char *usage)
{
	if (c == 'h') {
		fputs(usage, stdout);
		return 0;
	}
	if (cmd)
		cli_bad_option(cmd, c, argv);
	fputs(usage, stderr);
	return 2;
}

int cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cli_error(cmd, "%s", msg);
	fputs(usage, stderr);
	return 2;
}

int cli_opt_long(const char *cmd, const char *opt, const char *what, long min, long max, long *out)
{
	long v = cli_parse_long(optarg, max);
	if (v < min) {
		cli_error(cmd, "%s wants %s, not '%s'", opt, what, optarg);
		return -1;
	}
	*out = v;
	return 0;
}
