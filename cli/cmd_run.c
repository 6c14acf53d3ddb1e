/*
 * cmd_run.c - `memledger run [-o TRACE] [--interval MS] [--depth N]
 * [--no-follow] [--sample-bytes N] [--report] [-v] -- PROG [ARG...]`.
 *
 * Runs PROG with libmemledger.so preloaded. PROG's stdin, stdout and
 * stderr pass through; run exits with PROG's status, or 128+signal when
 * PROG was killed, as a shell does (126: PROG cannot be run, 127: not
 * found).
 *
 * Files. `-o TRACE` names exactly the file the root process writes; each
 * traced child writes STEM.PID.mlt beside it (STEM: TRACE without a
 * trailing ".mlt"). An existing TRACE is replaced only if it is a
 * memledger trace; any other file, and a directory, is an error and
 * nothing runs.
 *
 * What was written. The tracer in every process appends to a status file
 * ($MEMLEDGER_STATUS, made here) the traces it created and the errors that
 * stopped one (EACCES, ENOSPC, ...). run prints one summary line (-v: one
 * line per file), every error with its path and reason, and exits 125
 * when PROG succeeded but a trace could not be written or, with
 * --report, could not be loaded.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/run_go.h"
#include "common/filehead.h"
#include "ingest/ingest.h"
#include "report/report.h"

/* PROG succeeded, memledger did not (as timeout(1) and env(1) use it). */
#define RUN_TRACE_FAILED 125

struct run_vars {
	const char *out, *go_endpoint;
	long interval;	/* 0 until --interval: Go runs tell the two apart */
	long depth, sample, every_ms;
	int follow, report, verbose;
};

/* --snapshot-every SECONDS, in milliseconds */
static int run_option(void *vars, int key, const char *arg)
{
	struct run_vars *v = vars;
	char *end;
	double sec;

	if (key != 'E')
		return 1;
	sec = strtod(arg, &end);
	if (end == arg || *end || !(sec >= 0.001 && sec <= 86400)) {
		cli_error("run", "--snapshot-every wants seconds from 0.001 to 86400, not '%s'", arg);
		return -1;
	}
	v->every_ms = (long)(sec * 1000 + 0.5);
	return 0;
}

static const struct cli_opt run_opts[] = {
	{ "output", 'o', 0, "TRACE", "the root process's trace, exactly this file (default\n"
				     "memledger.PROG.PID.mlt); traced children write\n"
				     "STEM.PID.mlt beside it, STEM being TRACE without .mlt.\n"
				     "An existing TRACE is replaced only if it is a memledger\n"
				     "trace; another file or a directory is an error",
	  CLI_STR(struct run_vars, out) },
	{ "interval", 0, 'i', "MS", "sample the counters every MS milliseconds (default 20)",
	  CLI_LONG(struct run_vars, interval, "milliseconds from 1 to 3600000", 1, 3600000) },
	{ "depth", 0, 'd', "N", "keep at most N frames per stack (default 64)",
	  CLI_LONG(struct run_vars, depth, "a number of frames from 1 to 256", 1, 256) },
	{ "no-follow", 0, 'n', NULL, "do not trace programs PROG executes (forked children\n"
				     "are still traced)",
	  CLI_SET(struct run_vars, follow, 0) },
	{ "sample-bytes", 0, 's', "N", "capture stacks and rows for about one allocation per N\n"
				       "bytes (counters stay exact); 0 records every one (default)",
	  CLI_LONG(struct run_vars, sample, "a byte count", 0, 1L << 40) },
	{ "report", 0, 'r', NULL, "then ingest every trace, write the HTML report and\n"
				  "print the root process's checklist",
	  CLI_FLAG(struct run_vars, report) },
	{ "verbose", 'v', 0, NULL, "list every trace written, one per line",
	  CLI_FLAG(struct run_vars, verbose) },
	{ "go-endpoint", 0, 'g', "URL", "Go: also poll a service's expvar and net/http/pprof at URL\n"
					"(http://HOST:PORT); without PROG, until SIGINT or SIGTERM",
	  CLI_STR(struct run_vars, go_endpoint) },
	{ "snapshot-every", 0, 'E', "SECONDS", "\n"
					       "take a labelled snapshot (\"periodic 1\", \"periodic 2\", ...)\n"
					       "every SECONDS, for the phase tables; `memledger snapshot\n"
					       "PID` takes one whenever asked",
	  CLI_CALLBACK },
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_cmd run_cmd = {
	.name = "run",
	.head = "usage: memledger run [OPTIONS] [--] PROG [ARG...]\n"
		"\n"
		"Run PROG with the memledger tracer and record every allocation and free\n"
		"with its call stack, periodic samples, the program's own snapshots, and\n"
		"its threads, timers, pipes and sockets.\n"
		"\n",
	.opts = run_opts,
	.tail = "\n"
		"A Go program (found by its Go build info) is not preloaded: its MemStats,\n"
		"gctrace, goroutine dumps and heap profiles go into TRACE instead (README.md,\n"
		"\"Go programs\").\n"
		"\n"
		"Exit status: PROG's, or 128+N when PROG was killed by signal N; 126 when PROG\n"
		"cannot be run, 127 when it is not found, 2 for a usage error, 125 when PROG\n"
		"succeeded but a trace could not be written (or, with --report, loaded).\n",
	.parse = CLI_PARSE_POSIX,
	.col = 25,
	.indent_long = 1,
	.callback = run_option,
};

/* libmemledger.so next to this binary, or in ../lib/memledger when installed. */
static int find_lib(char *out, size_t n)
{
	const char *env = getenv("MEMLEDGER_LIB");
	const char *dir = cli_self_dir();
	const char *cands[3];
	char a[PATH_MAX], b[PATH_MAX];
	snprintf(a, sizeof a, "%s/libmemledger.so", dir);
	snprintf(b, sizeof b, "%s/../lib/memledger/libmemledger.so", dir);
	cands[0] = env;
	cands[1] = a;
	cands[2] = b;
	for (int i = 0; i < 3; i++) {
		if (cands[i] && access(cands[i], R_OK) == 0 && realpath(cands[i], out)) {
			(void)n;
			return 0;
		}
	}
	return -1;
}

/* An executable regular file? Otherwise errno says why not. */
static int runnable(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return 0;
	}
	if (access(path, X_OK) != 0 || !S_ISREG(st.st_mode)) {
		errno = EACCES;
		return 0;
	}
	return 1;
}

/*
 * Where PROG resolves, as a shell finds it: a name with a slash is used as
 * it is; otherwise the first executable file of that name in PATH. 0, or
 * the shell's status with its message printed: 127 when nothing is found,
 * 126 when what is found cannot be executed.
 */
static int resolve_prog(const char *prog, char *out, size_t n)
{
	if (strchr(prog, '/')) {
		if (snprintf(out, n, "%s", prog) < (int)n && runnable(out))
			return 0;
		int e = errno;
		cli_error(prog, "%s", strerror(e));
		return e == ENOENT || e == ENOTDIR ? 127 : 126;
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	int seen = 0;
	while (*path) {
		size_t len = strcspn(path, ":");
		if (snprintf(out, n, "%.*s%s%s", (int)len, path, len ? "/" : "", prog) < (int)n) {
			if (runnable(out))
				return 0;
			if (errno == EACCES || errno == EISDIR)
				seen = errno;
		}
		path += len + (path[len] == ':');
	}
	if (seen) {
		cli_error(prog, "%s", strerror(seen));
		return 126;
	}
	cli_error(prog, "command not found");
	return 127;
}

/* A dynamically linked ELF has PT_INTERP; LD_PRELOAD means nothing otherwise. */
static int is_static_elf(const char *path)
{
	Elf64_Ehdr eh;
	int fd = open(path, O_RDONLY | O_CLOEXEC), stat_elf = 0;
	if (fd < 0)
		return 0;
	if (read(fd, &eh, sizeof eh) == (ssize_t)sizeof eh && !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	    eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_phnum < 512) {
		stat_elf = 1;
		for (int i = 0; i < eh.e_phnum; i++) {
			Elf64_Phdr ph;
			if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize)) != (ssize_t)sizeof ph)
				break;
			if (ph.p_type == PT_INTERP)
				stat_elf = 0;
		}
	}
	close(fd);
	return stat_elf;
}

/*
 * -o TRACE names exactly the file written. A trace left by an earlier
 * run is replaced; nothing else is ever removed. 0, or -1 with the
 * reason printed.
 */
/* A Go run's trace (cli/run_go.c, FORMAT.md "Go runs"). */
static int is_go_run_file(const char *path)
{
	char buf[9];
	return filehead_read(path, buf, sizeof buf) == (ssize_t)sizeof buf && !memcmp(buf, "MLGORUN1\n", sizeof buf);
}

static int check_output(const char *trace, const char *arg)
{
	struct stat st;
	if (lstat(trace, &st) != 0)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		cli_error(arg, "is a directory; -o names the trace file (e.g. -o %s/app.mlt)", arg);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (cli_is_trace(trace) != 1 && !is_go_run_file(trace))) {
		cli_error(arg, "exists and is not a memledger trace; not overwriting it");
		return -1;
	}
	if (unlink(trace) != 0) {
		cli_error(arg, "cannot replace the old trace: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static pid_t child_pid;

static void forward(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/* ---------------------------------------------------------------- what was written */

struct written {
	char **paths;       /* traces created, in the order they were */
	int n;
	struct werr {
		int pid, err;   /* err 0: a warning that the hooks were bypassed */
		char *path;
	} *errs;
	int nerr;
	int known;          /* the status file was read */
};

static void push_path(struct written *w, const char *p)
{
	for (int i = 0; i < w->n; i++)
		if (!strcmp(w->paths[i], p))
			return;
	char **v = realloc(w->paths, sizeof *v * (size_t)(w->n + 1));
	if (!v)
		return;
	w->paths = v;
	if ((w->paths[w->n] = strdup(p)))
		w->n++;
}

static void push_err(struct written *w, int pid, int err, const char *path)
{
	struct werr *e = realloc(w->errs, sizeof *e * (size_t)(w->nerr + 1));
	if (!e)
		return;
	w->errs = e;
	e[w->nerr].pid = pid;
	e[w->nerr].err = err;
	if ((e[w->nerr].path = strdup(path)))
		w->nerr++;
}

/* The tracers' lines: "trace PID PATH", "error PID ERRNO PATH" and
 * "bypassed PID MODULE" (the program calls MODULE's malloc, not ours). */
static void read_status(const char *status, struct written *w)
{
	FILE *f = fopen(status, "re");
	char line[PATH_MAX + 128];
	if (!f)
		return;
	w->known = 1;
	while (fgets(line, sizeof line, f)) {
		size_t l = strlen(line);
		if (!l || line[l - 1] != '\n')
			continue;  /* cut short: the disk may be full */
		line[l - 1] = 0;
		int pid, err, off = 0;
		if (sscanf(line, "trace %d %n", &pid, &off) == 1 && off > 0 && line[off] == '/') {
			push_path(w, line + off);
		} else if (sscanf(line, "error %d %d %n", &pid, &err, &off) == 2 && off > 0 &&
		           line[off] == '/' && err > 0) {
			push_err(w, pid, err, line + off);
		} else if (sscanf(line, "bypassed %d %n", &pid, &off) == 1 && off > 0 && line[off]) {
			push_err(w, pid, 0, line + off);
		}
	}
	fclose(f);
}

/* Without a status file: TRACE and STEM.*.mlt written since the run began. */
static void scan_traces(const char *trace, time_t since, struct written *w)
{
	char dir[PATH_MAX * 2], stem[PATH_MAX * 2];
	const char *slash = strrchr(trace, '/');
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - trace) : 1, slash ? trace : ".");
	snprintf(stem, sizeof stem, "%s", slash ? slash + 1 : trace);
	size_t sl = strlen(stem);
	if (sl > 4 && !strcmp(stem + sl - 4, ".mlt"))
		stem[sl -= 4] = 0;
	struct stat st;
	if (stat(trace, &st) == 0)
		push_path(w, trace);
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (strncmp(e->d_name, stem, sl) || e->d_name[sl] != '.' || l < sl + 6 ||
		    strcmp(e->d_name + l - 4, ".mlt"))
			continue;
		char full[PATH_MAX * 3];
		snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
		if (stat(full, &st) != 0 || st.st_mtime < since)
			continue;
		push_path(w, full);
	}
	if (d)
		closedir(d);
}

static int was_created(const struct written *w, const char *path)
{
	for (int i = 0; i < w->n; i++)
		if (!strcmp(w->paths[i], path))
			return 1;
	return 0;
}

/* Say what was written and what went wrong; 0 when every trace is whole. */
static int report_written(const struct written *w, const char *trace, const char *prog,
                          int verbose, int static_prog)
{
	if (verbose || w->n == 1) {
		for (int i = 0; i < w->n; i++)
			cli_note("wrote %s", w->paths[i]);
	} else if (w->n) {
		const char *first = was_created(w, trace) ? trace : w->paths[0];
		cli_note("wrote %d traces: %s and %d more beside it (-v lists them)", w->n, first,
		          w->n - 1);
	}
	int bad = 0;
	for (int i = 0; i < w->nerr; i++) {
		const struct werr *e = &w->errs[i];
		bad += e->err != 0;
		if (!e->err)
			cli_error(e->path, "warning: pid %d calls this module's malloc, not memledger's: its"
			          " allocations are not recorded", e->pid);
		else if (was_created(w, e->path))
			cli_error(e->path, "the trace is incomplete: %s (pid %d)", strerror(e->err), e->pid);
		else
			cli_error(e->path, "cannot create the trace: %s (pid %d)", strerror(e->err), e->pid);
	}
	if (!w->n && !bad) {
		if (static_prog)
			cli_error(prog, "no trace was written");
		else
			cli_error(prog, "no trace was written (the tracer did not start: a setuid "
			                "program, or one that cleared LD_PRELOAD?)");
	}
	return w->n && !bad ? 0 : -1;
}

static void written_free(struct written *w)
{
	for (int i = 0; i < w->n; i++)
		free(w->paths[i]);
	for (int i = 0; i < w->nerr; i++)
		free(w->errs[i].path);
	free(w->paths);
	free(w->errs);
}

/* The root trace first, so it is process 1 in the database. */
static void root_first(struct written *w, const char *trace)
{
	for (int i = 1; i < w->n; i++) {
		if (!strcmp(w->paths[i], trace)) {
			char *t = w->paths[i];
			memmove(w->paths + 1, w->paths, sizeof *w->paths * (size_t)i);
			w->paths[0] = t;
			return;
		}
	}
}

/* ---------------------------------------------------------------- --report */

/* The checklist of one process, on stderr: stdout is the program's. */
static void print_checklist(const char *db, int64_t process_id)
{
	char id[32], *args[5];
	snprintf(id, sizeof id, "%lld", (long long)process_id);
	args[0] = (char *)"check";
	args[1] = (char *)"--process";
	args[2] = id;
	args[3] = (char *)db;
	args[4] = NULL;
	fflush(stdout);
	int saved = dup(1);
	if (saved < 0 || dup2(2, 1) < 0)
		return;
	int opt = optind;
	optind = 0;
	cmd_check(4, args);
	optind = opt;
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
}

/* Ingest every trace and write the report: 0, or -1 when a trace did not
 * load (each is named) or the report could not be written. */
static int ingest_and_report(const struct written *w, const char *trace, pid_t root_pid)
{
	char err[1024];
	char *db = cli_replace_ext(trace, ".mlt", ".db");
	char *html = cli_replace_ext(trace, ".mlt", ".html");
	struct ingest ig;
	int rc = -1, failed = 0;
	int64_t root_id = -1;
	unlink(db);
	if (ingest_open(&ig, db, err, sizeof err) < 0) {
		cli_error(db, "%s", err);
		goto out;
	}
	struct ingest_opts o = { .progress = 1, .sym_warn = cli_sym_warn };
	for (int i = 0; i < w->n; i++) {
		struct ingest_stats st;
		memset(&st, 0, sizeof st);
		if (ingest_trace(&ig, w->paths[i], &o, &st, err, sizeof err) < 0) {
			cli_error(w->paths[i], "%s", err);
			failed++;
			continue;
		}
		/* the root's last image: the program the user asked for */
		if (st.pid == root_pid && (root_id < 0 || !st.end_reason || strcmp(st.end_reason, "exec")))
			root_id = st.process_id;
	}
	ingest_close(&ig);
	if (failed)
		cli_error(db, "%d of %d traces did not load; the report leaves them out", failed, w->n);
	if (failed == w->n)
		goto out;
	if (report_write(db, html, NULL, err, sizeof err) < 0) {
		cli_error(db, "%s", err);
		goto out;
	}
	if (root_id >= 0)
		print_checklist(db, root_id);
	cli_note("database: %s", db);
	cli_note("report: %s", html);
	rc = failed ? -1 : 0;
out:
	free(db);
	free(html);
	return rc;
}

/* ---------------------------------------------------------------- run */

/* The status file the tracers append to; "" when none could be made. */
static void make_status(char *out, size_t n)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || tmp[0] != '/')
		tmp = "/tmp";
	snprintf(out, n, "%s/memledger-run.XXXXXX", tmp);
	int fd = mkstemp(out);
	if (fd < 0) {
		out[0] = 0;
		return;
	}
	close(fd);
}

int cmd_run(int argc, char **argv)
{
	struct run_vars v = { .depth = 64, .follow = 1 };
	int rc = cli_cmd_parse(&run_cmd, &v, argc, argv);

	if (rc != CLI_PARSED)
		return rc;
	int interval_set = v.interval > 0;
	long interval = interval_set ? v.interval : 20;
	const char *out = v.out;
	char lib[PATH_MAX], resolved[PATH_MAX];
	/* Go programs and Go services: cli/run_go.c */
	if (out && !*out) {
		cli_error("run", "-o wants a file name");
		return 2;
	}
	/* before anything runs, Go or not: never overwrite what is not a trace */
	if (out && check_output(out, out) < 0)
		return 2;
	if (v.go_endpoint && optind >= argc)
		return run_go(NULL, NULL, out, interval, interval_set, v.go_endpoint, v.report);
	if (optind >= argc) {
		cli_error("run", "no program given (memledger run -- PROG [ARG...])");
		return 2;
	}
	char **prog = argv + optind;
	rc = resolve_prog(prog[0], resolved, sizeof resolved);
	if (rc)
		return rc;
	if (v.go_endpoint || run_is_go_binary(resolved))
		return run_go(prog, resolved, out, interval, interval_set, v.go_endpoint, v.report);
	if (find_lib(lib, sizeof lib) < 0) {
		cli_error("run", "cannot find libmemledger.so next to %s/memledger (set MEMLEDGER_LIB)",
		          cli_self_dir());
		return 2;
	}
	int static_prog = is_static_elf(resolved);
	if (static_prog)
		cli_error(prog[0], "warning: statically linked, so the tracer cannot be preloaded: no trace will be written");

	/* The trace path is absolute, so a program that changes directory
	 * still writes where the user asked. */
	char cwd[PATH_MAX], trace[PATH_MAX * 2];
	if (!getcwd(cwd, sizeof cwd))
		strcpy(cwd, ".");
	if (out) {
		snprintf(trace, sizeof trace, "%s%s%s", out[0] == '/' ? "" : cwd, out[0] == '/' ? "" : "/", out);
	}
	char status[PATH_MAX];
	make_status(status, sizeof status);
	time_t started = time(NULL);
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		cli_error("run", "pipe: %s", strerror(errno));
		return 2;
	}
	fflush(NULL);
	child_pid = fork();
	if (child_pid < 0) {
		cli_error("run", "fork: %s", strerror(errno));
		return 2;
	}
	pid_t pid = child_pid ? child_pid : getpid();
	if (!out) {
		const char *base = strrchr(prog[0], '/');
		snprintf(trace, sizeof trace, "%s/memledger.%s.%d.mlt", cwd, base ? base + 1 : prog[0], (int)pid);
	}
	if (child_pid == 0) {
		char buf[64], preload[PATH_MAX * 2];
		close(pipefd[0]);
		const char *old = getenv("LD_PRELOAD");
		snprintf(preload, sizeof preload, "%s%s%s", lib, old && *old ? ":" : "", old && *old ? old : "");
		setenv("LD_PRELOAD", preload, 1);
		setenv("MEMLEDGER_TRACE", trace, 1);
		if (status[0])
			setenv("MEMLEDGER_STATUS", status, 1);
		snprintf(buf, sizeof buf, "%ld", interval);
		setenv("MEMLEDGER_INTERVAL", buf, 1);
		snprintf(buf, sizeof buf, "%ld", v.depth);
		setenv("MEMLEDGER_DEPTH", buf, 1);
		setenv("MEMLEDGER_FOLLOW", v.follow ? "1" : "0", 1);
		snprintf(buf, sizeof buf, "%ld", v.sample);
		setenv("MEMLEDGER_SAMPLE_BYTES", buf, 1);
		if (v.every_ms) {
			snprintf(buf, sizeof buf, "%ld", v.every_ms);
			setenv("MEMLEDGER_SNAPSHOT_EVERY_MS", buf, 1);
		}
		snprintf(buf, sizeof buf, "%d", (int)getpid());
		setenv("MEMLEDGER_ROOT_PID", buf, 1);
		cli_exec_child(prog, pipefd[1]);
	}
	close(pipefd[1]);
	int exec_errno = 0;
	if (read(pipefd[0], &exec_errno, sizeof exec_errno) == (ssize_t)sizeof exec_errno) {
		cli_error(prog[0], "%s", strerror(exec_errno));
		waitpid(child_pid, NULL, 0);
		close(pipefd[0]);
		if (status[0])
			unlink(status);
		return exec_errno == ENOENT ? 127 : 126;
	}
	close(pipefd[0]);

	/* Like a shell: the terminal's ^C and ^\ reach PROG directly; a
	 * TERM or HUP sent to us is passed on. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTERM, forward);
	signal(SIGHUP, forward);
	int wstatus = 0;
	while (waitpid(child_pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	rc = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : 1;

	struct written w;
	memset(&w, 0, sizeof w);
	if (status[0]) {
		read_status(status, &w);
		unlink(status);
	}
	if (!w.known)
		scan_traces(trace, started, &w);
	root_first(&w, trace);
	int ok = report_written(&w, trace, prog[0], v.verbose, static_prog) == 0;
	if (v.report && w.n && ingest_and_report(&w, trace, child_pid) < 0)
		ok = 0;
	written_free(&w);
	if (!ok && rc == 0)
		rc = RUN_TRACE_FAILED;
	return rc;
}
