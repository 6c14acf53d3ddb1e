/*
 * cmd_run.c - `memledger run [-o TRACE] [--interval MS] [--depth N]
 * [--no-follow] [--sample-bytes N] [--report] -- PROG [ARG...]`.
 *
 * Runs PROG with libmemledger.so preloaded. PROG's stdin, stdout and
 * stderr pass through; run exits with PROG's status, or 128+signal when
 * PROG was killed, as a shell does. The files written (the root
 * process's TRACE and one per traced child, all sharing TRACE's stem) are
 * listed on stderr.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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
#include "ingest/ingest.h"
#include "report/report.h"

static const char usage[] =
	"usage: memledger run [OPTIONS] [--] PROG [ARG...]\n"
	"\n"
	"Run PROG with the memledger tracer and record every allocation and free\n"
	"with its call stack, periodic samples, the program's own snapshots, and\n"
	"its threads, timers, pipes and sockets.\n"
	"\n"
	"  -o, --output TRACE     the root process's trace (default memledger.PROG.PID.mlt);\n"
	"                         traced children write TRACE's stem + .PID.mlt beside it\n"
	"      --interval MS      sample the counters every MS milliseconds (default 20)\n"
	"      --depth N          keep at most N frames per stack (default 64)\n"
	"      --no-follow        do not trace programs PROG executes (forked children\n"
	"                         are still traced)\n"
	"      --sample-bytes N   capture stacks and rows for about one allocation per N\n"
	"                         bytes (counters stay exact); 0 records every one (default)\n"
	"      --report           then ingest every trace and write the HTML report\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: PROG's, or 128+N when PROG was killed by signal N.\n";

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

/* Where PROG resolves in PATH, for the static-binary warning. */
static int resolve_prog(const char *prog, char *out, size_t n)
{
	if (strchr(prog, '/'))
		return snprintf(out, n, "%s", prog) < (int)n && access(out, X_OK) == 0 ? 0 : -1;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t len = strcspn(path, ":");
		if (snprintf(out, n, "%.*s/%s", (int)len, path, prog) < (int)n && access(out, X_OK) == 0)
			return 0;
		path += len + (path[len] == ':');
	}
	return -1;
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

static pid_t child_pid;

static void forward(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/* Traces of this run: TRACE and STEM.*.mlt written since it started. */
static int list_traces(const char *trace, time_t since, char ***out)
{
	char dir[PATH_MAX], stem[PATH_MAX];
	const char *slash = strrchr(trace, '/');
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - trace) : 1, slash ? trace : ".");
	snprintf(stem, sizeof stem, "%s", slash ? slash + 1 : trace);
	size_t sl = strlen(stem);
	if (sl > 4 && !strcmp(stem + sl - 4, ".mlt"))
		stem[sl -= 4] = 0;
	char **v = NULL;
	int n = 0;
	struct stat st;
	if (stat(trace, &st) == 0) {
		v = realloc(v, sizeof *v * (size_t)(n + 1));
		v[n++] = strdup(trace);
	}
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (strncmp(e->d_name, stem, sl) || e->d_name[sl] != '.' || l < sl + 6 ||
		    strcmp(e->d_name + l - 4, ".mlt"))
			continue;
		char full[PATH_MAX * 2];
		snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
		if (!strcmp(full, trace) || stat(full, &st) != 0 || st.st_mtime < since)
			continue;
		v = realloc(v, sizeof *v * (size_t)(n + 1));
		v[n++] = strdup(full);
	}
	if (d)
		closedir(d);
	*out = v;
	return n;
}

static int ingest_and_report(char **traces, int n, const char *trace)
{
	char err[1024];
	char *db = cli_replace_ext(trace, ".mlt", ".db");
	char *html = cli_replace_ext(trace, ".mlt", ".html");
	struct ingest ig;
	int rc = 1;
	unlink(db);
	if (ingest_open(&ig, db, err, sizeof err) < 0) {
		cli_error(db, "%s", err);
		goto out;
	}
	struct ingest_opts o = { .progress = 1 };
	for (int i = 0; i < n; i++) {
		struct ingest_stats st;
		if (ingest_trace(&ig, traces[i], &o, &st, err, sizeof err) < 0)
			cli_error(traces[i], "%s", err);
	}
	ingest_close(&ig);
	if (report_write(db, html, NULL, err, sizeof err) < 0) {
		cli_error(db, "%s", err);
		goto out;
	}
	cli_note("database: %s", db);
	cli_note("report: %s", html);
	rc = 0;
out:
	free(db);
	free(html);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "interval", required_argument, NULL, 'i' },
		{ "depth", required_argument, NULL, 'd' },
		{ "no-follow", no_argument, NULL, 'n' },
		{ "sample-bytes", required_argument, NULL, 's' },
		{ "report", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	long interval = 20, depth = 64, sample = 0;
	int follow = 1, report = 0, c;
	while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'i':
			if ((interval = cli_parse_long(optarg, 3600000)) < 1) {
				cli_error("run", "--interval wants milliseconds from 1 to 3600000, not '%s'", optarg);
				return 2;
			}
			break;
		case 'd':
			if ((depth = cli_parse_long(optarg, 256)) < 1) {
				cli_error("run", "--depth wants a number of frames from 1 to 256, not '%s'", optarg);
				return 2;
			}
			break;
		case 'n':
			follow = 0;
			break;
		case 's':
			if ((sample = cli_parse_long(optarg, 1L << 40)) < 0) {
				cli_error("run", "--sample-bytes wants a byte count, not '%s'", optarg);
				return 2;
			}
			break;
		case 'r':
			report = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		cli_error("run", "no program given (memledger run -- PROG [ARG...])");
		return 2;
	}
	char **prog = argv + optind;
	char lib[PATH_MAX], resolved[PATH_MAX];
	if (find_lib(lib, sizeof lib) < 0) {
		cli_error("run", "cannot find libmemledger.so next to %s/memledger (set MEMLEDGER_LIB)",
		          cli_self_dir());
		return 2;
	}
	if (resolve_prog(prog[0], resolved, sizeof resolved) < 0) {
		cli_error(prog[0], "command not found");
		return 127;
	}
	if (is_static_elf(resolved))
		cli_error(prog[0], "warning: statically linked, so the tracer cannot be preloaded: no trace will be written");

	/* The trace path is absolute, so a program that changes directory
	 * still writes where the user asked. */
	char trace[PATH_MAX];
	time_t started = time(NULL);
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		cli_error("run", "pipe: %s", strerror(errno));
		return 2;
	}
	child_pid = fork();
	if (child_pid < 0) {
		cli_error("run", "fork: %s", strerror(errno));
		return 2;
	}
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		strcpy(cwd, ".");
	pid_t pid = child_pid ? child_pid : getpid();
	if (out)
		snprintf(trace, sizeof trace, "%s%s%s", out[0] == '/' ? "" : cwd, out[0] == '/' ? "" : "/", out);
	else {
		const char *base = strrchr(prog[0], '/');
		snprintf(trace, sizeof trace, "%s/memledger.%s.%d.mlt", cwd, base ? base + 1 : prog[0], (int)pid);
	}
	if (child_pid == 0) {
		char buf[64], preload[PATH_MAX * 2];
		close(pipefd[0]);
		unlink(trace);
		const char *old = getenv("LD_PRELOAD");
		snprintf(preload, sizeof preload, "%s%s%s", lib, old && *old ? ":" : "", old && *old ? old : "");
		setenv("LD_PRELOAD", preload, 1);
		setenv("MEMLEDGER_TRACE", trace, 1);
		snprintf(buf, sizeof buf, "%ld", interval);
		setenv("MEMLEDGER_INTERVAL", buf, 1);
		snprintf(buf, sizeof buf, "%ld", depth);
		setenv("MEMLEDGER_DEPTH", buf, 1);
		setenv("MEMLEDGER_FOLLOW", follow ? "1" : "0", 1);
		snprintf(buf, sizeof buf, "%ld", sample);
		setenv("MEMLEDGER_SAMPLE_BYTES", buf, 1);
		snprintf(buf, sizeof buf, "%d", (int)getpid());
		setenv("MEMLEDGER_ROOT_PID", buf, 1);
		execvp(prog[0], prog);
		int e = errno;
		if (write(pipefd[1], &e, sizeof e) < 0)
			_exit(127);
		_exit(e == ENOENT ? 127 : 126);
	}
	close(pipefd[1]);
	int exec_errno = 0;
	if (read(pipefd[0], &exec_errno, sizeof exec_errno) == (ssize_t)sizeof exec_errno) {
		cli_error(prog[0], "cannot run: %s", strerror(exec_errno));
		waitpid(child_pid, NULL, 0);
		close(pipefd[0]);
		return exec_errno == ENOENT ? 127 : 126;
	}
	close(pipefd[0]);

	/* Like a shell: the terminal's ^C and ^\ reach PROG directly; a
	 * TERM or HUP sent to us is passed on. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTERM, forward);
	signal(SIGHUP, forward);
	int status = 0;
	while (waitpid(child_pid, &status, 0) < 0 && errno == EINTR)
		;
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;

	char **traces;
	int n = list_traces(trace, started, &traces);
	if (!n)
		cli_error(prog[0], "no trace was written (was the tracer preloaded?)");
	for (int i = 0; i < n; i++)
		cli_note("wrote %s", traces[i]);
	if (report && n)
		ingest_and_report(traces, n, trace);
	for (int i = 0; i < n; i++)
		free(traces[i]);
	free(traces);
	return rc;
}
