/*
 * run_go.c - `memledger run` on a Go program (DESIGN.md, "Go programs").
 *
 * A Go binary is usually static, so nothing can be preloaded into it;
 * instead the run gathers what the Go runtime itself reports:
 *   - gctrace: GODEBUG gets gctrace=1 added (the user's other settings
 *     kept). The program's stderr goes through a pipe and cli/gofilter.c:
 *     whole gctrace lines are kept back (and shown too when the user had
 *     asked for gctrace), every other byte is written to our stderr
 *     unchanged and in order, a partial last line included.
 *   - the go/memledger package: MEMLEDGER_GO="fd=N pid=P" names the
 *     write end of a pipe, for the program whose pid is P only (see
 *     go/memledger/memledger.go); its records are copied into the trace.
 *   - --go-endpoint URL: a service serving expvar and net/http/pprof is
 *     polled with libcurl: /debug/vars every interval, and a goroutine
 *     dump and a heap profile at the start, on SIGUSR1 to the run, and
 *     at the end when the run is asked to stop (SIGTERM or SIGHUP).
 * Everything goes into the -o trace (format/FORMAT.md, "Go runs"), which
 * `memledger ingest` loads as one Go process.
 */
#include <curl/curl.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cli/cli.h"
#include "cli/gofilter.h"
#include "cli/run_go.h"
#include "ingest/go_ingest.h"
#include "ingest/json.h"
#include "report/report.h"

/* ---------------------------------------------------------------- detection */

#define BUILDINFO_MAGIC "\xff Go buildinf:"

/* A Go binary has a .go.buildinfo section (the toolchain writes it even
 * for static and stripped binaries); failing section headers, the magic
 * at a 16-byte boundary, where debug/buildinfo looks for it. */
int run_is_go_binary(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), found = 0;
	Elf64_Ehdr eh;
	if (fd < 0)
		return 0;
	if (read(fd, &eh, sizeof eh) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64)
		goto out;
	if (eh.e_shnum && eh.e_shnum < 4096 && eh.e_shstrndx < eh.e_shnum &&
	    eh.e_shentsize == sizeof(Elf64_Shdr)) {
		Elf64_Shdr strs;
		if (pread(fd, &strs, sizeof strs, (off_t)(eh.e_shoff + (uint64_t)eh.e_shstrndx * sizeof strs)) ==
		    (ssize_t)sizeof strs) {
			for (int i = 0; i < eh.e_shnum && !found; i++) {
				Elf64_Shdr sh;
				char name[16];
				if (pread(fd, &sh, sizeof sh, (off_t)(eh.e_shoff + (uint64_t)i * sizeof sh)) != (ssize_t)sizeof sh)
					break;
				if (sh.sh_name >= strs.sh_size ||
				    pread(fd, name, sizeof name, (off_t)(strs.sh_offset + sh.sh_name)) != (ssize_t)sizeof name)
					continue;
				if (!memcmp(name, ".go.buildinfo", 14)) {
					char magic[sizeof BUILDINFO_MAGIC - 1];
					found = pread(fd, magic, sizeof magic, (off_t)sh.sh_offset) == (ssize_t)sizeof magic &&
					        !memcmp(magic, BUILDINFO_MAGIC, sizeof magic);
				}
			}
			if (found)
				goto out;
		}
	}
	/* no usable section headers: scan the first 64 MiB */
	static char buf[1 << 16];
	off_t off = 0;
	ssize_t n;
	while (!found && off < (64 << 20) && (n = pread(fd, buf, sizeof buf, off)) >= 16) {
		for (ssize_t i = 0; i + 14 <= n; i += 16)
			if (!memcmp(buf + i, BUILDINFO_MAGIC, 14))
				found = 1;
		off += n & ~(ssize_t)15;
	}
out:
	close(fd);
	return found;
}

/* ---------------------------------------------------------------- the trace */

/* Written by the run loop (polls, the end) and by the pipe reader
 * (gctrace, the package's records): one record at a time. */
struct trace {
	int fd;
	int failed;
	pthread_mutex_t lock;
};

static int64_t unix_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void write_all(int fd, const void *p, size_t n, int *failed)
{
	const char *s = p;
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (failed)
				*failed = 1;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

static void record(struct trace *t, const char *kind, int64_t ts, const void *p, size_t n)
{
	char hdr[96];
	int h = snprintf(hdr, sizeof hdr, "R %s %lld %zu\n", kind, (long long)ts, n);
	pthread_mutex_lock(&t->lock);
	write_all(t->fd, hdr, (size_t)h, &t->failed);
	write_all(t->fd, p, n, &t->failed);
	write_all(t->fd, "\n", 1, &t->failed);
	pthread_mutex_unlock(&t->lock);
}

/* ---------------------------------------------------------------- stderr filter */

static void err_out(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	write_all(2, s, n, NULL);
}

static void gc_line(void *ctx, const char *line, size_t n)
{
	record(ctx, "gctrace", unix_now(), line, n);
}

/* ---------------------------------------------------------------- package channel */

struct channel {
	char *buf;
	size_t n, cap;
	int broken;
};

/* Copy each complete "R kind ts len\n...\n" record into the trace. */
static void channel_feed(struct channel *c, struct trace *t, const char *s, size_t n)
{
	if (c->broken)
		return;
	if (c->n + n > c->cap) {
		size_t cap = c->cap ? c->cap : 65536;
		while (cap < c->n + n)
			cap *= 2;
		char *nb = realloc(c->buf, cap);
		if (!nb) {
			c->broken = 1;
			return;
		}
		c->buf = nb;
		c->cap = cap;
	}
	memcpy(c->buf + c->n, s, n);
	c->n += n;
	size_t p = 0;
	for (;;) {
		char *nl = memchr(c->buf + p, '\n', c->n - p);
		if (!nl)
			break;
		char kind[32];
		long long ts;
		size_t len;
		int used = 0;
		if (sscanf(c->buf + p, "R %31[a-z] %lld %zu\n%n", kind, &ts, &len, &used) != 3 || !used ||
		    c->buf + p + used != nl + 1) {
			cli_error("run", "the go/memledger channel sent something unreadable: ignoring it from now on");
			c->broken = 1;
			return;
		}
		size_t body = (size_t)(nl + 1 - c->buf);
		if (c->n - body < len + 1)
			break;
		record(t, kind, ts, c->buf + body, len);
		p = body + len + 1;
	}
	memmove(c->buf, c->buf + p, c->n - p);
	c->n -= p;
}

/* ---------------------------------------------------------------- endpoint */

struct mem {
	char *p;
	size_t n;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct mem *m = ud;
	size_t k = size * nmemb;
	if (m->n + k > (256u << 20))
		return 0;
	char *np = realloc(m->p, m->n + k + 1);
	if (!np)
		return 0;
	memcpy(np + m->n, ptr, k);
	m->p = np;
	m->n += k;
	m->p[m->n] = 0;
	return k;
}

static int http_get(CURL *c, const char *base, const char *path, struct mem *m)
{
	char url[2048];
	snprintf(url, sizeof url, "%s%s", base, path);
	free(m->p);
	m->p = NULL;
	m->n = 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, m);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 3000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	return curl_easy_perform(c) == CURLE_OK ? 0 : -1;
}

struct endpoint {
	const char *base;
	CURL *curl;
	sqlite3 *json;      /* an in-memory database, for its JSON functions */
	struct mem m;
	int ok;             /* at least one poll answered */
};

/* /debug/vars as a MemStats line with label, kind and time. */
static int poll_vars(struct endpoint *e, struct trace *t, const char *label, const char *kind)
{
	int64_t now = unix_now();
	if (http_get(e->curl, e->base, "/debug/vars", &e->m) < 0)
		return -1;
	sqlite3_stmt *q = NULL;
	int rc = -1;
	if (sqlite3_prepare_v2(e->json, "SELECT json_object('label', ?2, 'kind', ?3, 'time_ns', ?4,"
	                                " 'memstats', json(json_extract(?1, '$.memstats'))) WHERE json_valid(?1)"
	                                " AND json_type(?1, '$.memstats') = 'object'", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, e->m.p, (int)e->m.n, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, label, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, now);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0)) {
		record(t, "memstats", now, sqlite3_column_text(q, 0), (size_t)sqlite3_column_bytes(q, 0));
		e->ok = 1;
		rc = 0;
	}
	sqlite3_finalize(q);
	return rc;
}

static void poll_full(struct endpoint *e, struct trace *t, const char *label, const char *kind)
{
	if (poll_vars(e, t, label, kind) < 0)
		return;
	int64_t now = unix_now();
	if (http_get(e->curl, e->base, "/debug/pprof/goroutine?debug=2", &e->m) == 0)
		record(t, "goroutines", now, e->m.p, e->m.n);
	if (http_get(e->curl, e->base, "/debug/pprof/heap", &e->m) == 0)
		record(t, "heap", now, e->m.p, e->m.n);
}

/* ---------------------------------------------------------------- the pipe reader */

/*
 * The program's stderr and the package's channel are read on a thread of
 * their own, so the program never waits on a full pipe while the run
 * loop is in an HTTP poll (a packet-mode pipe holds only so many writes,
 * and a collector blocked in its gctrace write stops the program).
 */
struct reader {
	int err_fd, go_fd;
	struct gofilter *f;
	struct channel *ch;
	struct trace *t;
	atomic_int stop;      /* the run is over: read what is buffered, then end */
	atomic_int done;      /* both pipes are at end of file */
	pthread_t th;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	static char buf[65536];   /* one packet-mode read takes one write whole */
	int err_open = r->err_fd >= 0, go_open = r->go_fd >= 0, drained = 0;
	while (err_open || go_open) {
		int stopping = atomic_load(&r->stop);
		struct pollfd pf[2] = { { err_open ? r->err_fd : -1, POLLIN, 0 }, { go_open ? r->go_fd : -1, POLLIN, 0 } };
		int k = poll(pf, 2, stopping ? 0 : 50);
		if (k < 0 && errno != EINTR)
			break;
		/* once stopping, what was buffered: a grandchild that goes on
		 * writing to the inherited stderr does not keep the run */
		if (k <= 0 || (stopping && ++drained > 4096)) {
			if (stopping)
				break;
			continue;
		}
		if (pf[0].revents) {
			ssize_t n = read(r->err_fd, buf, sizeof buf);
			if (n > 0)
				gofilter_feed(r->f, buf, (size_t)n);
			else if (n == 0 || errno != EINTR)
				err_open = 0;
		}
		if (pf[1].revents) {
			ssize_t n = read(r->go_fd, buf, sizeof buf);
			if (n > 0)
				channel_feed(r->ch, r->t, buf, (size_t)n);
			else if (n == 0 || errno != EINTR)
				go_open = 0;
		}
	}
	gofilter_end(r->f);
	atomic_store(&r->done, 1);
	return NULL;
}

/* The reader thread takes no signal: the run loop handles them. */
static int reader_start(struct reader *r)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&r->th, NULL, reader_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- the run */

static pid_t go_child;
static volatile sig_atomic_t want_snapshot, want_stop;

static void on_usr1(int sig)
{
	(void)sig;
	want_snapshot = 1;
}

static void on_stop(int sig)
{
	want_stop = sig;
}

static void meta_record(struct trace *t, char **prog, const char *resolved, pid_t pid, int64_t start,
                        long interval_ms)
{
	struct jbuf j = JBUF_INIT;
	char num[256];
	jbuf_adds(&j, "{\"exe\":");
	jbuf_add_string(&j, resolved, strlen(resolved));
	snprintf(num, sizeof num, ",\"pid\":%d,\"ppid\":%d,\"start_unix_ns\":%lld,\"interval_ns\":%lld,\"argv\":[",
	         (int)pid, (int)getpid(), (long long)start, (long long)interval_ms * 1000000);
	jbuf_adds(&j, num);
	for (int i = 0; prog && prog[i]; i++) {
		if (i)
			jbuf_adds(&j, ",");
		jbuf_add_string(&j, prog[i], strlen(prog[i]));
	}
	jbuf_adds(&j, "]}");
	if (!j.oom)
		record(t, "meta", start, j.s, j.len);
	jbuf_free(&j);
}

/* GODEBUG with gctrace=1 last (the runtime lets the last setting win);
 * *asked: the user's own GODEBUG already turned gctrace on. */
static char *godebug(int *asked)
{
	const char *old = getenv("GODEBUG");
	*asked = 0;
	if (old) {
		const char *p = old;
		while ((p = strstr(p, "gctrace="))) {
			if (p == old || p[-1] == ',')
				*asked = atoi(p + 8) > 0;
			p += 8;
		}
	}
	size_t n = (old ? strlen(old) : 0) + 16;
	char *v = malloc(n);
	if (v)
		snprintf(v, n, "%s%sgctrace=1", old && *old ? old : "", old && *old ? "," : "");
	return v;
}

static int ingest_report(const char *trace)
{
	char *db = cli_replace_ext(trace, ".mlt", ".db"), *html = cli_replace_ext(trace, ".mlt", ".html");
	char err[1024], warn[1024];
	struct ingest ig;
	struct ingest_stats st;
	struct ingest_opts o = { .progress = 1, .sym_warn = cli_sym_warn };
	const char *bad = NULL;
	char *paths[1] = { (char *)trace };
	int rc = 1;
	unlink(db);
	if (ingest_open(&ig, db, err, sizeof err) < 0) {
		cli_error(db, "%s", err);
		goto out;
	}
	if (ingest_go(&ig, paths, 1, &o, &st, &bad, warn, sizeof warn, err, sizeof err) < 0) {
		cli_error(bad, "%s", err);
		ingest_close(&ig);
		goto out;
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

int run_go(char **prog, const char *resolved, const char *out, long interval_ms, int interval_given,
           const char *endpoint, int report)
{
	int errp[2] = { -1, -1 }, gop[2] = { -1, -1 }, execp[2] = { -1, -1 }, asked = 0;
	static struct trace t;
	static struct gofilter f;   /* 16 KiB: kept off the stack */
	static struct reader rd;
	struct channel ch = { NULL, 0, 0, 0 };
	struct endpoint ep;
	char trace[PATH_MAX], cwd[PATH_MAX];
	char *gd = godebug(&asked);
	int rc = 2;
	memset(&ep, 0, sizeof ep);
	t.fd = -1;
	t.failed = 0;
	pthread_mutex_init(&t.lock, NULL);
	if (!interval_given)
		interval_ms = 1000;   /* an HTTP poll every 20 ms would load the service */
	/* stderr: a packet-mode pipe where the kernel has them (Linux 3.4),
	 * so each read is one write of the program's (cli/gofilter.c) */
	int packets = pipe2(errp, O_CLOEXEC | O_DIRECT) == 0;
	if (!packets && errno == EINVAL && pipe2(errp, O_CLOEXEC) < 0)
		errp[0] = -1;
	if (!gd || errp[0] < 0 || pipe2(gop, O_CLOEXEC) < 0 || pipe2(execp, O_CLOEXEC) < 0) {
		cli_error("run", "pipe: %s", strerror(errno));
		goto out;
	}
	/* room for as many writes as the system lets a pipe hold: a packet
	 * takes a page however short */
	if (packets)
		fcntl(errp[0], F_SETPIPE_SZ, 1 << 20);
	gofilter_init(&f, packets, asked, err_out, gc_line, &t);
	if (endpoint) {
		ep.base = endpoint;
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || !(ep.curl = curl_easy_init()) ||
		    sqlite3_open(":memory:", &ep.json) != SQLITE_OK) {
			cli_error("run", "cannot set up the HTTP client for --go-endpoint");
			goto out;
		}
	}
	if (!getcwd(cwd, sizeof cwd))
		strcpy(cwd, ".");
	int64_t start = unix_now();
	signal(SIGUSR1, on_usr1);
	go_child = prog ? fork() : 0;
	if (prog && go_child < 0) {
		cli_error("run", "fork: %s", strerror(errno));
		goto out;
	}
	if (prog && go_child == 0) {
		char env[64];
		signal(SIGUSR1, SIG_DFL);
		dup2(errp[1], 2);
		int gfd = dup(gop[1]);   /* without O_CLOEXEC: it must survive exec */
		snprintf(env, sizeof env, "fd=%d pid=%d", gfd, (int)getpid());
		setenv("MEMLEDGER_GO", env, 1);
		setenv("GODEBUG", gd, 1);
		cli_exec_child(prog, execp[1]);
	}
	close(errp[1]);
	close(gop[1]);
	close(execp[1]);
	errp[1] = gop[1] = execp[1] = -1;
	if (prog) {
		int exec_errno = 0;
		if (read(execp[0], &exec_errno, sizeof exec_errno) == (ssize_t)sizeof exec_errno) {
			cli_error(prog[0], "cannot run: %s", strerror(exec_errno));
			waitpid(go_child, NULL, 0);
			rc = exec_errno == ENOENT ? 127 : 126;
			goto out;
		}
	}
	if (out)
		snprintf(trace, sizeof trace, "%s%s%s", out[0] == '/' ? "" : cwd, out[0] == '/' ? "" : "/", out);
	else
		snprintf(trace, sizeof trace, "%s/memledger.%s.%d.mlt", cwd,
		         prog ? (strrchr(prog[0], '/') ? strrchr(prog[0], '/') + 1 : prog[0]) : "endpoint",
		         prog ? (int)go_child : (int)getpid());
	if ((t.fd = open(trace, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		cli_error(trace, "%s", strerror(errno));
		if (prog)
			kill(go_child, SIGTERM);
	}
	write_all(t.fd, "MLGORUN1\n", 9, &t.failed);
	meta_record(&t, prog, prog ? resolved : endpoint, prog ? go_child : 0, start, interval_ms);

	signal(SIGINT, prog ? SIG_IGN : on_stop);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTERM, on_stop);
	signal(SIGHUP, on_stop);
	int status = 0, exited = !prog, started = 0, reading = 0;
	int64_t next_poll = unix_now(), exit_seen = 0, deadline = unix_now() + 10000000000LL;
	if (prog) {
		rd = (struct reader){ .err_fd = errp[0], .go_fd = gop[0], .f = &f, .ch = &ch, .t = &t };
		if (reader_start(&rd) < 0) {
			cli_error("run", "cannot start a thread to read the program's stderr");
			kill(go_child, SIGKILL);
		} else {
			reading = 1;
		}
	}
	for (;;) {
		if (want_stop) {
			int sig = want_stop;
			want_stop = 0;
			if (endpoint && started)
				poll_full(&ep, &t, "exit", "exit");
			if (!prog)
				break;
			kill(go_child, sig);
		}
		if (endpoint && unix_now() >= next_poll) {
			if (!started) {
				poll_full(&ep, &t, "start", "start");
				started = ep.ok;
				if (!started && unix_now() > deadline) {
					cli_error(endpoint, "no answer from /debug/vars: polling goes on");
					deadline = INT64_MAX;
				}
			} else {
				poll_vars(&ep, &t, "sample", "sample");
			}
			next_poll = unix_now() + (started ? interval_ms : 100) * 1000000LL;
		}
		if (want_snapshot) {
			want_snapshot = 0;
			if (endpoint)
				poll_full(&ep, &t, "signal", "user");
		}
		if (!exited && waitpid(go_child, &status, WNOHANG) == go_child) {
			exited = 1;
			exit_seen = unix_now();
		}
		/* After the program exits, the reader drains what is buffered; a
		 * grandchild holding stderr open does not keep the run waiting. */
		if (prog && exited && (!reading || atomic_load(&rd.done) || unix_now() - exit_seen > 300000000LL))
			break;
		struct timespec nap = { 0, (exited ? 5 : endpoint ? 20 : 50) * 1000000L };
		nanosleep(&nap, NULL);
	}
	if (reading) {
		atomic_store(&rd.stop, 1);
		pthread_join(rd.th, NULL);
	}
	if (prog && !exited)
		while (waitpid(go_child, &status, 0) < 0 && errno == EINTR)
			;
	char end[160];
	int n;
	if (!prog || WIFEXITED(status))
		n = snprintf(end, sizeof end, "{\"end_reason\":\"exit\",\"exit_code\":%d,\"end_unix_ns\":%lld}",
		             prog ? WEXITSTATUS(status) : 0, (long long)unix_now());
	else
		n = snprintf(end, sizeof end, "{\"end_reason\":\"signal\",\"signal\":%d,\"end_unix_ns\":%lld}",
		             WIFSIGNALED(status) ? WTERMSIG(status) : 0, (long long)unix_now());
	record(&t, "end", unix_now(), end, (size_t)n);
	rc = !prog ? 0 : WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
	if (t.fd >= 0) {
		if (close(t.fd) < 0 || t.failed)
			cli_error(trace, "could not write the whole trace");
		t.fd = -1;
		cli_note("wrote %s", trace);
		if (report)
			ingest_report(trace);
	}
out:
	for (int i = 0; i < 2; i++) {
		if (errp[i] >= 0)
			close(errp[i]);
		if (gop[i] >= 0)
			close(gop[i]);
		if (execp[i] >= 0)
			close(execp[i]);
	}
	if (t.fd >= 0)
		close(t.fd);
	if (ep.curl)
		curl_easy_cleanup(ep.curl);
	free(ep.m.p);
	if (ep.json)
		sqlite3_close(ep.json);
	free(ch.buf);
	free(gd);
	pthread_mutex_destroy(&t.lock);
	return rc;
}
