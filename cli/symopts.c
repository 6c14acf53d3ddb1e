/*
 * symopts.c - the symbol-search options shared by `ingest` and
 * `symbolize` (--debug-dir DIR, repeatable, and --sysroot DIR), and how a
 * module refused for its build-id is reported. See cli.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "common/err.h"
#include "ingest/symbolize.h"

static int is_dir(const char *opt, const char *dir)
{
	struct stat st;
	if (stat(dir, &st) != 0) {
		cli_error(dir, "%s: %s", opt, strerror(errno));
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		cli_error(dir, "%s: not a directory", opt);
		return 0;
	}
	return 1;
}

int cli_symopts_option(struct cli_symopts *o, int c, const char *arg)
{
	if (c != 'D' && c != 'S')
		return 1;
	if (!is_dir(c == 'D' ? "--debug-dir" : "--sysroot", arg))
		return -1;
	if (c == 'S') {
		o->sysroot = arg;
		return 0;
	}
	const char **dirs = realloc(o->dirs, (o->ndirs + 1) * sizeof *dirs);
	if (!dirs) {
		cli_error(NULL, ERR_OOM);
		return -1;
	}
	dirs[o->ndirs++] = arg;
	o->dirs = dirs;
	return 0;
}

const struct sym_search *cli_symopts_search(struct cli_symopts *o)
{
	o->search.debug_dirs = o->dirs;
	o->search.ndebug_dirs = o->ndirs;
	o->search.sysroot = o->sysroot;
	return &o->search;
}

void cli_symopts_free(struct cli_symopts *o)
{
	free(o->dirs);
	memset(o, 0, sizeof *o);
}

void cli_sym_warn(const struct sym_module_status *st)
{
	/* cli_error escapes what it prints */
	const char *path = st->path ? st->path : "?", *other = st->other_file ? st->other_file : "?";
	if (st->other_file && strcmp(st->other_file, st->path))
		cli_error(path, "warning: %s has build-id %s, the trace recorded %s: not used, so this module's"
		          " frames stay module+offset (--sysroot or --debug-dir can point at the right files)",
		          other, st->other_build_id ? st->other_build_id : "?", st->build_id ? st->build_id : "?");
	else
		cli_error(path, "warning: the file has build-id %s, the trace recorded %s: not used, so this"
		          " module's frames stay module+offset (--sysroot or --debug-dir can point at the right"
		          " files)", st->other_build_id ? st->other_build_id : "?", st->build_id ? st->build_id : "?");
}
