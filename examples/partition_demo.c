/*
 * partition_demo.c - the native counterpart of the partition-state scenario
 * in the metrics guide, with one switch per leak-checklist failure.
 *
 * The program runs N partition-state instances. Each instance is a chained
 * hash map of heap entries (one block for the entry with its key, one for
 * the value), a pthread_rwlock_t around it, and three worker threads:
 *
 *   append  every 2 ms (timerfd)   adds an entry under the write lock
 *   update  every 5 ms (timerfd)   swaps an entry's value block: malloc the
 *                                  new one, swap it in under the lock, free
 *                                  the old one
 *   commit  every 20 ms (timerfd)  scans the map under the read lock, then
 *                                  removes and frees all but the newest 32
 *                                  entries; when stopped it commits all
 *
 * Each worker owns its timerfd, the way a Go goroutine owns its Ticker.
 * Stopping is a two-step handshake, so that every step has a visible owner:
 *
 *   1. revoke   cleanup writes the instance's eventfd (stop_fd). Every
 *               worker leaves its loop, closes its timerfd, writes one byte
 *               to the instance's done pipe and never touches the instance
 *               again.
 *   2. dismiss  cleanup lets the parked workers return (a flag per instance
 *               under a static mutex and condition variable), then joins
 *               them.
 *
 * Phases:
 *   stdout gets a static buffer, so stdio allocates nothing on the heap.
 *   Before START the demo creates and joins 3N throw-away threads. glibc
 *   keeps the stacks of joined threads in a cache, and every cached stack
 *   keeps a small heap block: its TLS vector, calloc'ed by ld.so, 304 bytes
 *   with glibc 2.36. Without this warm-up, 5 to 3N such blocks would appear
 *   between START and AFTER CLEANUP and a clean run would look leaky. With
 *   it the workers reuse cached stacks and allocate nothing for themselves.
 *   The 3N vectors stay live until exit, unchanged since before START; a
 *   leak scan that does not run __libc_freeres first sees them as lost
 *   blocks allocated from ld.so, which no checklist item counts.
 *   START          memledger_print_stats, before any allocation of the run
 *   run            instances created, workers busy for --seconds
 *   AFTER RUN      memledger_print_stats
 *   cleanup        revoke, dismiss, join, free maps, close fds, malloc_trim(0)
 *   AFTER CLEANUP  memledger_print_stats; nothing is freed, closed or exits
 *                  after it in a clean run, so it is the settled state and
 *                  Alloc and HeapObjects equal START exactly.
 *
 * Planted failures. Every one lives in instance 0 (or is global); the flags
 * can be combined. The items are judged on the program's own snapshots
 * (START, AFTER RUN, AFTER CLEANUP) and on the state at exit. gc_repeated
 * is n/a for native programs in every run.
 *
 *   flag              fails (designed)    also fails (unavoidable)
 *   ----------------  ------------------  --------------------------------
 *   (none)            -                   -
 *   --leak-threads    threads_stopped     -
 *   --no-join         threads_joined      -
 *   --leak-timers     timers_stopped      -
 *   --leak-map        containers_cleared  global_references, baseline_returned
 *   --leak-fds        channels_closed     -
 *   --leak-global     global_references   -
 *   --early-snapshot  settle_time         -
 *
 * Why the other items still pass:
 *   --leak-threads   Instance 0 is revoked but its workers are never
 *                    dismissed. They have left the instance, so cleanup still
 *                    frees its map and closes its fds, and its workers closed
 *                    their own timerfds. The workers wait on a static condition
 *                    variable, not on a descriptor. They hold no heap block,
 *                    they free nothing and they do not exit before the process
 *                    does. Their stacks came from the warmed cache, so the
 *                    baseline holds. Each of them still owns its TLS vector,
 *                    allocated by ld.so before START. A scan that roots the
 *                    thread's TCB may find it reachable. It is a runtime
 *                    allocation and no global_references evidence.
 *   --no-join        Instance 0's workers are dismissed and return, but nobody
 *                    joins or detaches them. Cleanup waits until the kernel
 *                    has removed each of them (/proc/self/task/TID) before
 *                    AFTER CLEANUP, so no thread exits after the last snapshot.
 *                    Their stacks and TLS vectors stay allocated, but they
 *                    were allocated before START (warm-up).
 *   --leak-timers    Instance 0's workers do not close their timerfds. The
 *                    timers keep expiring in the kernel. Nothing in user space
 *                    changes.
 *   --leak-map       Instance 0's commit loop copies what it trims into an
 *                    archive map instead of dropping it. At stop it archives
 *                    every entry that is left. Nobody clears the archive, and
 *                    a global (g_archive) holds it at exit. The archive
 *                    entries come from their own call stack, and its live
 *                    bytes grow at every phase:
 *                    START 0 < AFTER RUN < AFTER CLEANUP = exit. The run must
 *                    last long enough for the first trim, about 60 ms:
 *                    use --seconds 0.1 or more.
 *                    The map is still referenced, not orphaned. So it is
 *                    reachable from a global at exit (global_references).
 *                    Its growth means Alloc at AFTER CLEANUP is above START
 *                    (baseline_returned). Either follows from the planted bug
 *                    itself.
 *   --leak-fds       Instance 0's stop eventfd and both ends of its done pipe
 *                    are never closed. Nothing waits on them any more.
 *   --leak-global    The partition names are interned in a global table built
 *                    before START and never freed. The table is the same at
 *                    START, AFTER RUN and AFTER CLEANUP. So Alloc and
 *                    HeapObjects still match (baseline_returned passes), and
 *                    no site grows (containers_cleared passes). It is still
 *                    reachable from a global at exit.
 *   --early-snapshot AFTER CLEANUP is taken as soon as the maps are freed and
 *                    the fds closed, but before the parked workers are
 *                    dismissed and joined. Their 3N thread exits (and joins)
 *                    follow the program's last snapshot. Memory is already
 *                    back at START, so baseline_returned passes. Nothing is
 *                    freed after the snapshot, only threads end.
 *
 * Build: make build/examples/partition_demo
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "memledger.h"

#define PROG "partition_demo"
#define MAX_INSTANCES 64
#define WORKER_STACK (128 * 1024)
#define MAP_BUCKETS 256
#define ARCHIVE_BUCKETS 4096
#define COMMIT_KEEP 32          /* entries a commit leaves in the map */
#define KEY_MAX 48
#define MS 1000000L

/* ------------------------------------------------------------ hash map */

/** A value block: a header and len payload bytes. */
struct value {
	uint32_t len;
	uint32_t version;
	unsigned char data[];
};

/** An entry block: chain link, hash, owned value, and the key inline. */
struct entry {
	struct entry *next;
	uint64_t hash;
	struct value *val;
	char key[];
};

/**
 * A chained hash map with a fixed bucket count. Keys are strings copied
 * into their entry; values are owned by the map once put. Not thread safe:
 * the owner locks around it.
 */
struct map {
	struct entry **buckets;
	size_t nbuckets;
	size_t count;
};

static uint64_t map_hash(const char *key)
{
	uint64_t h = 1469598103934665603ull;

	while (*key)
		h = (h ^ (unsigned char)*key++) * 1099511628211ull;
	return h;
}

/** Allocate the bucket array. Returns 0, or -1 with errno set. */
static int map_init(struct map *m, size_t nbuckets)
{
	m->buckets = calloc(nbuckets, sizeof *m->buckets);
	if (!m->buckets)
		return -1;
	m->nbuckets = nbuckets;
	m->count = 0;
	return 0;
}

/** The link that points at key's entry, or at NULL where it would go. */
static struct entry **map_link(const struct map *m, const char *key, uint64_t h)
{
	struct entry **link = &m->buckets[h % m->nbuckets];

	while (*link && ((*link)->hash != h || strcmp((*link)->key, key)))
		link = &(*link)->next;
	return link;
}

/**
 * Add key -> val. key must not be present. On success the map owns val
 * and 0 is returned; on failure (-1) the caller still owns val.
 */
static int map_put(struct map *m, const char *key, struct value *val)
{
	size_t klen = strlen(key) + 1;
	uint64_t h = map_hash(key);
	struct entry **link = map_link(m, key, h);
	struct entry *e;

	if (*link) {
		errno = EEXIST;
		return -1;
	}
	e = malloc(sizeof *e + klen);
	if (!e)
		return -1;
	e->next = NULL;
	e->hash = h;
	e->val = val;
	memcpy(e->key, key, klen);
	*link = e;
	m->count++;
	return 0;
}

/**
 * Replace key's value with val and return the old value (now the caller's),
 * or return NULL and leave the map unchanged when key is absent.
 */
static struct value *map_swap(struct map *m, const char *key, struct value *val)
{
	struct entry *e = *map_link(m, key, map_hash(key));
	struct value *old;

	if (!e)
		return NULL;
	old = e->val;
	e->val = val;
	return old;
}

/** Unlink key's entry and return it (now the caller's), or NULL. */
static struct entry *map_take(struct map *m, const char *key)
{
	struct entry **link = map_link(m, key, map_hash(key));
	struct entry *e = *link;

	if (e) {
		*link = e->next;
		e->next = NULL;
		m->count--;
	}
	return e;
}

static void entry_free(struct entry *e)
{
	free(e->val);
	free(e);
}

/** Total payload bytes of all values. */
static size_t map_value_bytes(const struct map *m)
{
	size_t sum = 0;

	for (size_t i = 0; i < m->nbuckets; i++)
		for (const struct entry *e = m->buckets[i]; e; e = e->next)
			sum += e->val->len;
	return sum;
}

/** Free every entry and value; the map stays usable. */
static void map_clear(struct map *m)
{
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct entry *e = m->buckets[i];

		while (e) {
			struct entry *next = e->next;

			entry_free(e);
			e = next;
		}
		m->buckets[i] = NULL;
	}
	m->count = 0;
}

/** map_clear, then free the bucket array. */
static void map_release(struct map *m)
{
	if (!m->buckets)
		return;
	map_clear(m);
	free(m->buckets);
	m->buckets = NULL;
	m->nbuckets = 0;
}

/* ------------------------------------------------------------ instances */

enum role { ROLE_APPEND, ROLE_UPDATE, ROLE_COMMIT, NROLES };

static const long role_period_ns[NROLES] = { 2 * MS, 5 * MS, 20 * MS };

struct instance;

struct worker {
	struct instance *in;
	enum role role;
	pthread_t thread;
	_Atomic pid_t tid;
};

/**
 * One partition state. map, first_seq and next_seq are guarded by lock;
 * keys first_seq .. next_seq-1 are in the map. Only the append worker
 * writes next_seq, only the commit worker writes first_seq.
 */
struct instance {
	unsigned id;
	char *name;
	bool owns_name;
	struct map map;
	pthread_rwlock_t lock;
	uint64_t first_seq, next_seq;
	int stop_fd;            /* eventfd: written once to revoke the partition */
	int done_fd[2];         /* pipe: one byte per worker that has left */
	bool keep_timers;       /* --leak-timers: workers do not close their timerfds */
	bool keep_channels;     /* --leak-fds: stop_fd and done_fd are never closed */
	bool archive;           /* --leak-map: commits copy into g_archive */
	struct worker workers[NROLES];
	atomic_ulong appends, updates, trimmed, archived, scanned_bytes;
	atomic_int failed;
};

/* --leak-map: instance 0's commit archive. Nobody clears it. */
static struct map g_archive;
/* --leak-global: partition names interned before START, never freed. */
static char **g_names;

/* Dismissal of parked workers: static, so a parked worker holds nothing. */
static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cond = PTHREAD_COND_INITIALIZER;
static bool park_dismissed[MAX_INSTANCES];

static char stdout_buf[4096];

static void park_wait(unsigned id)
{
	pthread_mutex_lock(&park_lock);
	while (!park_dismissed[id])
		pthread_cond_wait(&park_cond, &park_lock);
	pthread_mutex_unlock(&park_lock);
}

static void park_dismiss(unsigned id)
{
	pthread_mutex_lock(&park_lock);
	park_dismissed[id] = true;
	pthread_cond_broadcast(&park_cond);
	pthread_mutex_unlock(&park_lock);
}

static void key_format(char *buf, const struct instance *in, uint64_t seq)
{
	snprintf(buf, KEY_MAX, "%s/%llu", in->name, (unsigned long long)seq);
}

static struct value *value_new(uint64_t seq, uint32_t version)
{
	uint32_t len = 16 + (uint32_t)((seq * 7 + version) % 8) * 16;
	struct value *v = malloc(sizeof *v + len);

	if (!v)
		return NULL;
	v->len = len;
	v->version = version;
	memset(v->data, (int)(seq + version) & 0xff, len);
	return v;
}

static struct value *value_copy(const struct value *src)
{
	struct value *v = malloc(sizeof *v + src->len);

	if (v)
		memcpy(v, src, sizeof *v + src->len);
	return v;
}

static uint32_t xorshift32(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/** A timerfd that expires every period_ns. Returns the fd or -1. */
static int ticker_open(long period_ns)
{
	struct itimerspec its = {
		.it_interval = { period_ns / 1000000000L, period_ns % 1000000000L },
		.it_value = { period_ns / 1000000000L, period_ns % 1000000000L },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/**
 * Wait for the next tick or for the stop eventfd. Returns 1 for a tick,
 * 0 once stop_fd is readable (it is never read: it stays readable for all
 * three workers), -1 on error.
 */
static int ticker_wait(int tfd, int stop_fd)
{
	struct pollfd p[2] = {
		{ .fd = stop_fd, .events = POLLIN },
		{ .fd = tfd, .events = POLLIN },
	};
	uint64_t expirations;

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (p[0].revents)
			return 0;
		if (!(p[1].revents & POLLIN))
			return -1;
		if (read(tfd, &expirations, sizeof expirations) == sizeof expirations)
			return 1;
		if (errno != EINTR && errno != EAGAIN)
			return -1;
	}
}

static void append_one(struct instance *in)
{
	uint64_t seq = in->next_seq;    /* only this thread writes it */
	char key[KEY_MAX];
	struct value *v = value_new(seq, 0);
	int rc = -1;

	if (!v) {
		atomic_store(&in->failed, 1);
		return;
	}
	key_format(key, in, seq);
	pthread_rwlock_wrlock(&in->lock);
	if (map_put(&in->map, key, v) == 0) {
		in->next_seq = seq + 1;
		rc = 0;
	}
	pthread_rwlock_unlock(&in->lock);
	if (rc < 0) {
		free(v);
		atomic_store(&in->failed, 1);
		return;
	}
	atomic_fetch_add(&in->appends, 1);
}

static void update_one(struct instance *in, uint32_t *rng)
{
	uint64_t first, next, seq;
	char key[KEY_MAX];
	struct value *fresh, *old;

	pthread_rwlock_rdlock(&in->lock);
	first = in->first_seq;
	next = in->next_seq;
	pthread_rwlock_unlock(&in->lock);
	if (first == next)
		return;
	seq = first + xorshift32(rng) % (next - first);
	key_format(key, in, seq);
	fresh = value_new(seq, (uint32_t)atomic_load(&in->updates) + 1);
	if (!fresh) {
		atomic_store(&in->failed, 1);
		return;
	}
	pthread_rwlock_wrlock(&in->lock);
	old = map_swap(&in->map, key, fresh);
	pthread_rwlock_unlock(&in->lock);
	/* The key may have been committed meanwhile: then fresh was not used. */
	free(old ? old : fresh);
	if (old)
		atomic_fetch_add(&in->updates, 1);
}

/** --leak-map: copy a committed entry into the archive, which nobody clears. */
static void archive_entry(const struct entry *e)
{
	struct value *v = value_copy(e->val);

	if (!v || map_put(&g_archive, e->key, v) < 0)
		free(v);
}

/**
 * One commit: a read-locked scan, then a write-locked trim that detaches
 * all but the newest COMMIT_KEEP entries (all of them when final). The
 * detached entries are freed outside the lock.
 */
static void commit_one(struct instance *in, bool final)
{
	uint64_t keep = final ? 0 : COMMIT_KEEP;
	struct entry *batch = NULL;
	char key[KEY_MAX];
	size_t bytes;

	pthread_rwlock_rdlock(&in->lock);
	bytes = map_value_bytes(&in->map);
	pthread_rwlock_unlock(&in->lock);
	atomic_fetch_add(&in->scanned_bytes, bytes);

	pthread_rwlock_wrlock(&in->lock);
	while (in->next_seq - in->first_seq > keep) {
		struct entry *e;

		key_format(key, in, in->first_seq++);
		e = map_take(&in->map, key);
		if (e) {
			e->next = batch;
			batch = e;
		}
	}
	pthread_rwlock_unlock(&in->lock);

	while (batch) {
		struct entry *e = batch;

		batch = e->next;
		if (in->archive) {
			archive_entry(e);
			atomic_fetch_add(&in->archived, 1);
		}
		entry_free(e);
		atomic_fetch_add(&in->trimmed, 1);
	}
}

static void append_loop(struct instance *in, int tfd)
{
	int ev;

	while ((ev = ticker_wait(tfd, in->stop_fd)) > 0)
		append_one(in);
	if (ev < 0)
		atomic_store(&in->failed, 1);
}

static void update_loop(struct instance *in, int tfd)
{
	uint32_t rng = 2463534242u + in->id;
	int ev;

	while ((ev = ticker_wait(tfd, in->stop_fd)) > 0)
		update_one(in, &rng);
	if (ev < 0)
		atomic_store(&in->failed, 1);
}

static void commit_loop(struct instance *in, int tfd)
{
	for (;;) {
		int ev = ticker_wait(tfd, in->stop_fd);

		if (ev < 0) {
			atomic_store(&in->failed, 1);
			return;
		}
		/* One call site for periodic and final commits: one call stack. */
		commit_one(in, ev == 0);
		if (ev == 0)
			return;
	}
}

/**
 * A worker: run the loop until revoked, close the own timerfd, report on
 * the done pipe, then park until dismissed. After the done byte the
 * instance may be freed at any time, so only the id is used after it.
 */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct instance *in = w->in;
	unsigned id = in->id;
	int tfd;
	char done = 1;

	atomic_store(&w->tid, gettid());
	tfd = ticker_open(role_period_ns[w->role]);
	if (tfd < 0) {
		atomic_store(&in->failed, 1);
	} else {
		switch (w->role) {
		case ROLE_APPEND: append_loop(in, tfd); break;
		case ROLE_UPDATE: update_loop(in, tfd); break;
		default: commit_loop(in, tfd); break;
		}
		if (!in->keep_timers)
			close(tfd);
	}
	while (write(in->done_fd[1], &done, 1) < 0 && errno == EINTR)
		;
	park_wait(id);
	return NULL;
}

/* ------------------------------------------------------------ options */

struct options {
	unsigned instances;
	double seconds;
	bool leak_threads, no_join, leak_timers, leak_map, leak_fds, leak_global;
	bool early_snapshot;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " [--instances N] [--seconds S] [FLAG...]\n"
"\n"
"Runs N partition-state instances (default 8, at most %d) for S seconds\n"
"(default 2; fractions allowed). Each instance is a hash map of heap\n"
"entries under a rwlock, with append (2 ms timerfd), update (5 ms timerfd)\n"
"and commit (20 ms timerfd) threads, stopped through an eventfd and a done\n"
"pipe. Phases: START, AFTER RUN, AFTER CLEANUP (memledger_print_stats).\n"
"Without flags every checklist item passes and memory returns to START.\n"
"\n"
"Each flag plants a failure in instance 0 (or globally):\n"
"  --leak-threads    workers revoked but never dismissed: still running at\n"
"                    exit, holding no memory, fd or timer\n"
"                    fails: threads_stopped\n"
"  --no-join         workers exit but are never joined or detached\n"
"                    fails: threads_joined\n"
"  --leak-timers     workers never close their timerfds\n"
"                    fails: timers_stopped\n"
"  --leak-map        commits copy into an archive map that only grows and is\n"
"                    held by a global at exit (use --seconds 0.1 or more)\n"
"                    fails: containers_cleared, and unavoidably\n"
"                    global_references and baseline_returned\n"
"  --leak-fds        the stop eventfd and the done pipe are never closed\n"
"                    fails: channels_closed\n"
"  --leak-global     names interned before START in a global table that is\n"
"                    never freed (same size at every phase)\n"
"                    fails: global_references\n"
"  --early-snapshot  AFTER CLEANUP taken after the frees but before the\n"
"                    workers are dismissed and joined\n"
"                    fails: settle_time\n"
"  -h, --help        this text\n"
"\n"
"gc_repeated is n/a for native programs. Exit status: 0, 1 on a runtime\n"
"error, 2 on bad arguments.\n", MAX_INSTANCES);
}

static int bad_arg(const char *what, const char *got)
{
	if (*got)
		fprintf(stderr, PROG ": %s, got '%s' (try --help)\n", what, got);
	else
		fprintf(stderr, PROG ": %s, got nothing (try --help)\n", what);
	return -1;
}

/* The value of --name V or --name=V; advances *i past a separate value. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc)
		return "";
	return argv[++*i];
}

/** Returns 0 to run, 1 after --help, -1 on a bad argument (reported). */
static int options_parse(struct options *o, int argc, char **argv)
{
	static const struct { const char *name; size_t off; } flags[] = {
		{ "--leak-threads", offsetof(struct options, leak_threads) },
		{ "--no-join", offsetof(struct options, no_join) },
		{ "--leak-timers", offsetof(struct options, leak_timers) },
		{ "--leak-map", offsetof(struct options, leak_map) },
		{ "--leak-fds", offsetof(struct options, leak_fds) },
		{ "--leak-global", offsetof(struct options, leak_global) },
		{ "--early-snapshot", offsetof(struct options, early_snapshot) },
	};

	*o = (struct options){ .instances = 8, .seconds = 2.0 };
	for (int i = 1; i < argc; i++) {
		const char *v;
		char *end;
		size_t k;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 1;
		}
		if ((v = option_value(argc, argv, &i, "--instances"))) {
			unsigned long n;

			errno = 0;
			n = strtoul(v, &end, 10);
			if (!*v || *end || errno || n < 1 || n > MAX_INSTANCES || *v == '-')
				return bad_arg("--instances: expected an integer from 1 to 64", v);
			o->instances = (unsigned)n;
			continue;
		}
		if ((v = option_value(argc, argv, &i, "--seconds"))) {
			errno = 0;
			o->seconds = strtod(v, &end);
			if (!*v || *end || errno || !(o->seconds > 0 && o->seconds <= 3600))
				return bad_arg("--seconds: expected a number of seconds in (0, 3600]", v);
			continue;
		}
		for (k = 0; k < sizeof flags / sizeof flags[0]; k++)
			if (!strcmp(argv[i], flags[k].name))
				break;
		if (k == sizeof flags / sizeof flags[0])
			return bad_arg("expected an option listed by --help", argv[i]);
		*(bool *)((char *)o + flags[k].off) = true;
	}
	return 0;
}

/* ------------------------------------------------------------ demo */

static void *idle_thread(void *arg)
{
	return arg;
}

/**
 * Create and join n idle threads with attr before START, so that glibc's
 * stack cache holds n stacks (with their TLS vectors) and the workers
 * allocate nothing for themselves. Returns 0 or -1.
 */
static int thread_cache_warm(unsigned n, const pthread_attr_t *attr)
{
	pthread_t t[MAX_INSTANCES * NROLES];
	unsigned started = 0;
	int rc = 0;

	while (started < n && rc == 0)
		if ((rc = pthread_create(&t[started], attr, idle_thread, NULL)) == 0)
			started++;
	for (unsigned i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	return rc ? -1 : 0;
}

/** --leak-global: intern all names in a global table. Returns 0 or -1. */
static int names_intern(unsigned n)
{
	g_names = calloc(n, sizeof *g_names);
	if (!g_names)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		g_names[i] = malloc(24);
		if (!g_names[i])
			return -1;
		snprintf(g_names[i], 24, "partition-%u", i);
	}
	return 0;
}

/** Revoke: write the stop eventfd. */
static void instance_revoke(struct instance *in)
{
	uint64_t one = 1;

	while (write(in->stop_fd, &one, sizeof one) < 0 && errno == EINTR)
		;
}

/** Wait until n workers have reported on the done pipe. Returns 0 or -1. */
static int instance_wait_left(struct instance *in, unsigned n)
{
	char buf[NROLES];
	unsigned got = 0;

	while (got < n) {
		ssize_t r = read(in->done_fd[0], buf, n - got);

		if (r > 0)
			got += (unsigned)r;
		else if (r == 0 || errno != EINTR)
			return -1;
	}
	return 0;
}

/** Free the map, the lock, the name and the instance; close its fds. */
static void instance_release(struct instance *in)
{
	map_release(&in->map);
	pthread_rwlock_destroy(&in->lock);
	if (!in->keep_channels) {
		if (in->stop_fd >= 0)
			close(in->stop_fd);
		if (in->done_fd[0] >= 0)
			close(in->done_fd[0]);
		if (in->done_fd[1] >= 0)
			close(in->done_fd[1]);
	}
	if (in->owns_name)
		free(in->name);
	free(in);
}

/**
 * Create instance id and start its workers. Returns the instance, or NULL
 * after undoing everything (reported on stderr).
 */
static struct instance *instance_create(unsigned id, const struct options *o,
					const pthread_attr_t *attr)
{
	struct instance *in = calloc(1, sizeof *in);
	unsigned started = 0;
	int err;

	if (!in)
		goto out_report;
	in->id = id;
	in->stop_fd = in->done_fd[0] = in->done_fd[1] = -1;
	if (g_names) {
		in->name = g_names[id];
	} else {
		in->name = malloc(24);
		if (!in->name)
			goto out_free;
		in->owns_name = true;
		snprintf(in->name, 24, "partition-%u", id);
	}
	if (map_init(&in->map, MAP_BUCKETS) < 0)
		goto out_name;
	if ((err = pthread_rwlock_init(&in->lock, NULL))) {
		errno = err;
		goto out_map;
	}
	in->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (in->stop_fd < 0)
		goto out_lock;
	if (pipe2(in->done_fd, O_CLOEXEC) < 0)
		goto out_stop;
	if (id == 0) {
		in->keep_timers = o->leak_timers;
		in->keep_channels = o->leak_fds;
		in->archive = o->leak_map;
		if (in->archive && map_init(&g_archive, ARCHIVE_BUCKETS) < 0)
			goto out_pipe;
	}
	for (; started < NROLES; started++) {
		struct worker *w = &in->workers[started];

		w->in = in;
		w->role = (enum role)started;
		if ((err = pthread_create(&w->thread, attr, worker_main, w))) {
			errno = err;
			break;
		}
	}
	if (started == NROLES)
		return in;

	instance_revoke(in);
	instance_wait_left(in, started);
	park_dismiss(id);
	for (unsigned i = 0; i < started; i++)
		pthread_join(in->workers[i].thread, NULL);
	if (in->archive)
		map_release(&g_archive);
out_pipe:
	close(in->done_fd[0]);
	close(in->done_fd[1]);
out_stop:
	close(in->stop_fd);
out_lock:
	pthread_rwlock_destroy(&in->lock);
out_map:
	map_release(&in->map);
out_name:
	if (in->owns_name)
		free(in->name);
out_free:
	free(in);
out_report:
	fprintf(stderr, PROG ": cannot create instance %u: %s\n", id, strerror(errno));
	return NULL;
}

struct totals {
	unsigned long appends, updates, trimmed, archived, live;
	unsigned failed;
};

static struct totals totals_of(struct instance **insts, unsigned n)
{
	struct totals t = { 0 };

	for (unsigned i = 0; i < n; i++) {
		struct instance *in = insts[i];

		t.appends += atomic_load(&in->appends);
		t.updates += atomic_load(&in->updates);
		t.trimmed += atomic_load(&in->trimmed);
		t.archived += atomic_load(&in->archived);
		t.failed += atomic_load(&in->failed) != 0;
		pthread_rwlock_rdlock(&in->lock);
		t.live += in->map.count;
		pthread_rwlock_unlock(&in->lock);
	}
	return t;
}

/** A worker as cleanup remembers it once its instance may be gone. */
struct thread_ref {
	pthread_t thread;
	pid_t tid;
	unsigned id;
};

/** Wait (up to 5 s) until the kernel has removed thread tid. */
static int thread_wait_gone(pid_t tid)
{
	char path[64];
	struct stat st;
	struct timespec pause = { 0, 1 * MS };

	snprintf(path, sizeof path, "/proc/self/task/%d", (int)tid);
	for (int i = 0; i < 5000; i++) {
		if (stat(path, &st) < 0 && errno == ENOENT)
			return 0;
		nanosleep(&pause, NULL);
	}
	return -1;
}

/**
 * Dismiss and join the workers, except where a flag plants a failure:
 * --leak-threads leaves instance 0's workers parked, --no-join lets them
 * return but only waits until they are gone. Returns the number joined.
 */
static unsigned threads_finish(const struct thread_ref *refs, unsigned nrefs,
			       unsigned ninst, const struct options *o)
{
	unsigned joined = 0;

	for (unsigned id = 0; id < ninst; id++)
		if (!(o->leak_threads && id == 0))
			park_dismiss(id);
	for (unsigned i = 0; i < nrefs; i++) {
		if (refs[i].id == 0 && o->leak_threads)
			continue;
		if (refs[i].id == 0 && o->no_join) {
			if (thread_wait_gone(refs[i].tid) < 0)
				fprintf(stderr, PROG ": thread %d did not exit\n", (int)refs[i].tid);
			continue;
		}
		if (pthread_join(refs[i].thread, NULL) == 0)
			joined++;
	}
	return joined;
}

static void planted_list(char *buf, size_t size, const struct options *o)
{
	const struct { bool on; const char *name; } f[] = {
		{ o->leak_threads, "--leak-threads" }, { o->no_join, "--no-join" },
		{ o->leak_timers, "--leak-timers" }, { o->leak_map, "--leak-map" },
		{ o->leak_fds, "--leak-fds" }, { o->leak_global, "--leak-global" },
		{ o->early_snapshot, "--early-snapshot" },
	};
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (f[i].on && len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? " " : "", f[i].name);
	if (!len)
		snprintf(buf, size, "none");
}

int main(int argc, char **argv)
{
	struct thread_ref refs[MAX_INSTANCES * NROLES];
	struct instance **insts;
	struct options o;
	pthread_attr_t attr;
	struct timespec run;
	struct totals t;
	unsigned n, created = 0, nrefs = 0, joined = 0;
	char planted[160];
	int status = 0, rc;

	/* A static buffer: stdio then never allocates on the heap. */
	setvbuf(stdout, stdout_buf, _IOLBF, sizeof stdout_buf);
	rc = options_parse(&o, argc, argv);
	if (rc)
		return rc > 0 ? 0 : 2;
	n = o.instances;

	if (pthread_attr_init(&attr) || pthread_attr_setstacksize(&attr, WORKER_STACK)) {
		fprintf(stderr, PROG ": cannot set up thread attributes\n");
		return 1;
	}
	if (thread_cache_warm(n * NROLES, &attr) < 0) {
		fprintf(stderr, PROG ": cannot create threads\n");
		return 1;
	}
	if (o.leak_global && names_intern(n) < 0) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	planted_list(planted, sizeof planted, &o);
	printf(PROG ": %u instances x %d threads, %.2f s, planted: %s\n",
	       n, NROLES, o.seconds, planted);

	printf("[START] nothing allocated by the run yet\n");
	memledger_print_stats(MEMLEDGER_START);

	insts = calloc(n, sizeof *insts);
	if (!insts) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	for (; created < n; created++) {
		insts[created] = instance_create(created, &o, &attr);
		if (!insts[created]) {
			status = 1;
			break;
		}
	}
	if (created == n) {
		run.tv_sec = (time_t)o.seconds;
		run.tv_nsec = (long)((o.seconds - (double)run.tv_sec) * 1e9);
		while (nanosleep(&run, &run) < 0 && errno == EINTR)
			;
	}

	t = totals_of(insts, created);
	printf("[AFTER RUN] %lu appends, %lu updates, %lu entries committed, "
	       "%lu entries live in %u maps\n", t.appends, t.updates, t.trimmed, t.live, created);
	memledger_print_stats(MEMLEDGER_AFTER_RUN);

	/* Cleanup, step 1: revoke every instance and wait until its workers left. */
	for (unsigned i = 0; i < created; i++)
		instance_revoke(insts[i]);
	for (unsigned i = 0; i < created; i++) {
		if (instance_wait_left(insts[i], NROLES) < 0) {
			fprintf(stderr, PROG ": instance %u: done pipe failed\n", i);
			status = 1;
		}
		for (unsigned r = 0; r < NROLES; r++)
			refs[nrefs++] = (struct thread_ref){
				.thread = insts[i]->workers[r].thread,
				.tid = atomic_load(&insts[i]->workers[r].tid),
				.id = i,
			};
	}
	t = totals_of(insts, created);
	if (t.failed) {
		fprintf(stderr, PROG ": %u instances hit an error\n", t.failed);
		status = 1;
	}

	/* Step 2: dismiss and join (after the snapshot with --early-snapshot). */
	if (!o.early_snapshot)
		joined = threads_finish(refs, nrefs, created, &o);

	/* Step 3: free the maps and instances, close the fds, trim the heap. */
	for (unsigned i = 0; i < created; i++)
		instance_release(insts[i]);
	free(insts);
	malloc_trim(0);

	printf("[AFTER CLEANUP] %lu appends, %lu updates, %lu committed, %lu archived; "
	       "%u of %u threads joined so far\n",
	       t.appends, t.updates, t.trimmed, t.archived, joined, nrefs);
	memledger_print_stats(MEMLEDGER_AFTER_CLEANUP);

	if (o.early_snapshot) {
		joined = threads_finish(refs, nrefs, created, &o);
		printf("[after the last snapshot] %u threads joined\n", joined);
	}
	pthread_attr_destroy(&attr);
	return status;
}
