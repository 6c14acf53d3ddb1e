/*
 * cmd_snapshot.c - `memledger snapshot [--scan] PID [LABEL]`.
 *
 * Asks a process running under `memledger run` to take a labelled
 * snapshot now, over its private control channel (format/control.h).
 * Only the process's own user may: another user's process is refused
 * here, before anything is sent, and by the process itself, which checks
 * its peer's credentials. Sockets left by processes that are gone are
 * removed on the way.
 */
#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "format/control.h"

struct snapshot_vars {
	int scan, quiet;
};

static const struct cli_opt snapshot_opts[] = {
	{ "scan", 0, 's', NULL, "also classify the live blocks now: lost, indirect, reachable",
	  CLI_FLAG(struct snapshot_vars, scan) },
	{ "quiet", 'q', 0, NULL, "print errors only", CLI_FLAG(struct snapshot_vars, quiet) },
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_cmd snapshot_cmd = {
	.name = "snapshot",
	.head = "usage: memledger snapshot [--scan] PID [LABEL]\n"
		"\n"
		"Take a labelled snapshot now in process PID, which runs under `memledger\n"
		"run`: no signal, nothing the program can see. The snapshot lands in its\n"
		"trace beside the program's own (marked as taken from outside) and shows in\n"
		"the phase tables once ingested. The process answers within one sampling\n"
		"interval (`run --interval`, 20 ms by default). Only the process's own user\n"
		"may ask.\n"
		"\n",
	.opts = snapshot_opts,
	.tail = "\n"
		"LABEL defaults to \"snapshot HH:MM:SS\" (local time).\n",
	.parse = CLI_PARSE_GNU,
	.col = 16,
};

/* The effective uid of pid from /proc; -1 with errno when it is not there. */
static long proc_euid(long pid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	long euid = -1;
	while (fgets(line, sizeof line, f)) {
		unsigned long r, e;
		if (sscanf(line, "Uid: %lu %lu", &r, &e) == 2) {
			euid = (long)e;
			break;
		}
	}
	fclose(f);
	if (euid < 0)
		errno = EINVAL;
	return euid;
}

/* Remove sockets in our control directories whose process is gone. */
static void sweep_stale(void)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char dir[256], path[512];
	for (int which = 0; which < ML_CONTROL_DIRS; which++) {
		if (ml_control_dir(which, getuid(), xdg, 0, dir, sizeof dir) < 0)
			continue;
		DIR *d = opendir(dir);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			char *end;
			long pid = strtol(e->d_name, &end, 10);
			if (pid <= 0 || strcmp(end, ".sock") || (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
				continue;
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			unlink(path);
		}
		if (d)
			closedir(d);
	}
}

/*
 * Connect to pid's control socket. Returns the descriptor; -1 when there
 * is none, with *stale set when a socket was there but nobody answered.
 */
static int connect_to(long pid, uid_t uid, int *stale)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char dir[256];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	*stale = 0;
	for (int which = 0; which < ML_CONTROL_DIRS; which++) {
		struct stat st;
		if (ml_control_dir(which, uid, xdg, 0, dir, sizeof dir) < 0 ||
		    ml_control_sock_path(dir, pid, sa.sun_path, sizeof sa.sun_path) < 0 ||
		    lstat(sa.sun_path, &st) != 0 || !S_ISSOCK(st.st_mode) || st.st_uid != uid)
			continue;
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			return fd;
		*stale = 1;
		close(fd);
	}
	return -1;
}

int cmd_snapshot(int argc, char **argv)
{
	struct snapshot_vars v = { 0 };
	int rc = cli_cmd_parse(&snapshot_cmd, &v, argc, argv);

	if (rc != CLI_PARSED)
		return rc;
	int nargs = argc - optind;
	if (nargs < 1 || nargs > 2) {
		return cli_usage_error(&snapshot_cmd, "%s",
				       nargs < 1 ? "no process given" : "too many arguments (quote a LABEL with spaces)");
	}
	const char *pid_arg = argv[optind];
	char what[64], label[ML_CONTROL_LABEL_MAX + 1];
	long pid = cli_parse_long(pid_arg, 1L << 30);
	if (pid <= 0) {
		cli_error("snapshot", "'%s' is not a process id", cli_escape(pid_arg));
		return 2;
	}
	snprintf(what, sizeof what, "PID %ld", pid);
	if (nargs == 2) {
		const char *l = argv[optind + 1];
		if (!*l || strlen(l) > ML_CONTROL_LABEL_MAX || strchr(l, '\n')) {
			cli_error("snapshot", "a label is 1 to %d bytes on one line", ML_CONTROL_LABEL_MAX);
			return 2;
		}
		snprintf(label, sizeof label, "%s", l);
	} else {
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		strftime(label, sizeof label, "snapshot %H:%M:%S", &tm);
	}

	long euid = proc_euid(pid);
	if (euid < 0) {
		cli_error(what, errno == ENOENT ? "no such process" : "cannot read /proc/%ld/status: %s", pid,
		          strerror(errno));
		return 1;
	}
	if ((uid_t)euid != getuid()) {
		struct passwd *pw = getpwuid((uid_t)euid);
		cli_error(what, "belongs to user %s (uid %ld): only that user may take its snapshots",
		          pw ? cli_escape(pw->pw_name) : "?", euid);
		return 1;
	}
	sweep_stale();
	int stale, fd = connect_to(pid, (uid_t)euid, &stale);
	if (fd < 0) {
		if (stale)
			cli_error(what, "not traced: its memledger control socket does not answer (it may have"
			          " exec'd a program memledger does not follow, or be ending)");
		else
			cli_error(what, "not traced: it has no memledger control socket (run it with `memledger run`;"
			          " it opens one within a sampling interval of starting)");
		return 1;
	}

	/* The answer comes within a round of the writer; a scan takes longer. */
	struct timeval tv = { v.scan ? 300 : 60, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	char req[ML_CONTROL_LINE_MAX + 2], reply[512];
	int n = snprintf(req, sizeof req, "snapshot %d %s\n", v.scan, label);
	size_t got = 0;
	rc = 1;
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		cli_error(what, "cannot send the request: %s", strerror(errno));
		goto out_close;
	}
	for (;;) {
		ssize_t r = recv(fd, reply + got, sizeof reply - 1 - got, 0);
		if (r > 0 && (got += (size_t)r) < sizeof reply - 1 && !memchr(reply, '\n', got))
			continue;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			cli_error(what, "no answer within %ld s (a long `run --interval` delays it)", (long)tv.tv_sec);
			goto out_close;
		}
		break;
	}
	reply[got] = 0;
	reply[strcspn(reply, "\n")] = 0;
	if (!strncmp(reply, "ok ", 3)) {
		if (!v.quiet)
			cli_error(what, "snapshot \"%s\" taken%s (seq %s)",
			          label, v.scan ? " with a reachability scan" : "", reply + 3);
		rc = 0;
	} else if (!strncmp(reply, "error ", 6)) {
		cli_error(what, "%s", cli_escape(reply + 6));
	} else {
		cli_error(what, "the process closed the channel without an answer (it may be ending)");
	}
out_close:
	close(fd);
	return rc;
}
