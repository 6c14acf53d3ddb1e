/*
 * mt_common.h - a small multi-threaded service shared by clean_mt.c and the
 * plant_*.c programs. Each program composes its own cleanup from the steps
 * below, so the one failure it plants is visible in its own main().
 *
 * The service, created after START:
 *   producer  ticks on a 1 ms timerfd (tick_fd). Every tick it writes one
 *             8-byte record into a socketpair (chan). It also polls a POSIX
 *             timer (deadline: SIGEV_NONE, one-shot, 20 ms); when the timer
 *             has expired it asks the reporter for a report and re-arms it.
 *             When the stop pipe becomes readable it writes SVC_FINAL_RECORDS
 *             more records, shuts down its end of the socketpair and returns.
 *   consumer  reads records from the socketpair until EOF. For each it
 *             mallocs an item (48..96 bytes: a 16-byte header and 32, 48, 64 or
 *             80 payload bytes; all from one call stack:
 *             consumer_main -> svc_consume -> malloc) and appends it to a
 *             list under the mutex. While the list holds more than keep items
 *             (keep = SVC_KEEP; 0 means never) it frees the oldest.
 *   reporter  waits on a condition variable (no descriptor) for report
 *             requests and quit. A report formats the counters into a
 *             256-byte buffer: malloc'ed and freed per report, or svc.scratch
 *             when a program hands it one.
 *
 * Memory is exact: svc_warm() creates and joins SVC_THREADS threads before
 * START, so the workers reuse glibc's cached stacks and allocate no TLS
 * vectors during the run. The reporter never holds a heap block between
 * requests. svc_wait_idle() makes sure no report is in flight. After a clean
 * cleanup, Alloc and HeapObjects equal START.
 *
 * Descriptors and timers opened by svc_open(), all after START: a pipe (2
 * fds), a socketpair (2 fds), a timerfd and a POSIX timer.
 *
 * The programs share one run: svc_run() (open, start, run SVC_RUN_MS, AFTER
 * RUN) and svc_cleanup(), which runs the cleanup steps in a fixed order and
 * takes AFTER CLEANUP. A plant program leaves out the one step it plants its
 * failure in (a SVC_* step bit below, or its own clear function), so the
 * planted failure still stands in its own main().
 */
#ifndef MT_COMMON_H
#define MT_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "memledger.h"

#define SVC_API static __attribute__((unused))

#define SVC_THREADS 3
#define SVC_STACK (64 * 1024)
#define SVC_RUN_MS 150
#define SVC_TICK_NS 1000000L
#define SVC_DEADLINE_NS 20000000L
#define SVC_KEEP 16
#define SVC_FINAL_RECORDS 8
#define SVC_REPORT_BYTES 256

struct svc_record {
	uint32_t seq;
	uint32_t len;
};

struct svc_item {
	struct svc_item *next;
	uint32_t seq;
	uint32_t len;
	char payload[];
};

struct svc {
	int stop_pipe[2];               /* main writes [1]; the producer polls [0] */
	int chan[2];                    /* socketpair: producer [0] -> consumer [1] */
	int tick_fd;                    /* timerfd, 1 ms */
	timer_t deadline;               /* POSIX timer, SIGEV_NONE */
	pthread_t producer, consumer, reporter;
	_Atomic pid_t reporter_tid;
	pthread_mutex_t lock;           /* guards everything below */
	pthread_cond_t cond;
	struct svc_item *head, *tail;
	unsigned count, keep;
	unsigned long consumed, trimmed, reports;
	bool report_pending, report_busy, reporter_quit;
	char *scratch;                  /* optional report buffer, freed at quit */
	char **labels;                  /* optional label table, not owned */
	unsigned nlabels;
};

static pthread_attr_t svc_attr;

SVC_API void svc_die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, strerror(errno));
	exit(1);
}

static void *svc_idle(void *arg)
{
	return arg;
}

/** Before START: fill glibc's stack cache with SVC_THREADS stacks. */
SVC_API void svc_warm(void)
{
	pthread_t t[SVC_THREADS];

	if (pthread_attr_init(&svc_attr) || pthread_attr_setstacksize(&svc_attr, SVC_STACK))
		svc_die("pthread_attr");
	for (int i = 0; i < SVC_THREADS; i++)
		if ((errno = pthread_create(&t[i], &svc_attr, svc_idle, NULL)))
			svc_die("pthread_create");
	for (int i = 0; i < SVC_THREADS; i++)
		pthread_join(t[i], NULL);
}

static int svc_arm_deadline(struct svc *s)
{
	struct itimerspec its = { .it_value = { 0, SVC_DEADLINE_NS } };

	return timer_settime(s->deadline, 0, &its, NULL);
}

/** Open the descriptors and timers. keep: see the file comment. */
SVC_API void svc_open(struct svc *s, unsigned keep)
{
	struct itimerspec tick = { { 0, SVC_TICK_NS }, { 0, SVC_TICK_NS } };
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };

	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->keep = keep;
	if (pipe2(s->stop_pipe, O_CLOEXEC) < 0)
		svc_die("pipe2");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s->chan) < 0)
		svc_die("socketpair");
	s->tick_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (s->tick_fd < 0 || timerfd_settime(s->tick_fd, 0, &tick, NULL) < 0)
		svc_die("timerfd");
	if (timer_create(CLOCK_MONOTONIC, &sev, &s->deadline) < 0 || svc_arm_deadline(s) < 0)
		svc_die("timer_create");
}

/** read() or write() all of len bytes, retrying on EINTR; -1 on error or EOF. */
static int svc_io_all(int fd, void *buf, size_t len, bool writing)
{
	char *p = buf;

	while (len) {
		ssize_t n = writing ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int svc_write_all(int fd, const void *buf, size_t len)
{
	return svc_io_all(fd, (void *)buf, len, true);
}

static int svc_send(struct svc *s, uint32_t seq)
{
	struct svc_record r = { .seq = seq, .len = 32 + (seq % 4) * 16 };

	return svc_write_all(s->chan[0], &r, sizeof r);
}

/** Ask the reporter for a report when the POSIX timer has expired. */
static void svc_check_deadline(struct svc *s)
{
	struct itimerspec left;

	if (timer_gettime(s->deadline, &left) < 0 || left.it_value.tv_sec || left.it_value.tv_nsec)
		return;
	pthread_mutex_lock(&s->lock);
	s->report_pending = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	svc_arm_deadline(s);
}

static void *svc_producer_main(void *arg)
{
	struct svc *s = arg;
	struct pollfd p[2] = {
		{ .fd = s->stop_pipe[0], .events = POLLIN },
		{ .fd = s->tick_fd, .events = POLLIN },
	};
	uint32_t seq = 0;
	uint64_t ticks;

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			break;
		if (read(s->tick_fd, &ticks, sizeof ticks) != sizeof ticks)
			continue;
		if (svc_send(s, seq++) < 0)
			break;
		svc_check_deadline(s);
	}
	for (int i = 0; i < SVC_FINAL_RECORDS; i++)
		svc_send(s, seq++);
	shutdown(s->chan[0], SHUT_WR);
	return NULL;
}

static int svc_read_all(int fd, void *buf, size_t len)
{
	return svc_io_all(fd, buf, len, false);
}

/** One record: one item allocated here, older items trimmed beyond keep. */
static void svc_consume(struct svc *s, const struct svc_record *r)
{
	struct svc_item *it = malloc(sizeof *it + r->len);
	struct svc_item *old = NULL;

	if (!it)
		return;
	it->next = NULL;
	it->seq = r->seq;
	it->len = r->len;
	if (s->labels)
		snprintf(it->payload, r->len, "%s", s->labels[r->seq % s->nlabels]);
	else
		memset(it->payload, (int)(r->seq & 0x7f), r->len);
	pthread_mutex_lock(&s->lock);
	if (s->tail)
		s->tail->next = it;
	else
		s->head = it;
	s->tail = it;
	s->count++;
	s->consumed++;
	while (s->keep && s->count > s->keep) {
		struct svc_item *victim = s->head;

		s->head = victim->next;
		victim->next = old;
		old = victim;
		s->count--;
		s->trimmed++;
	}
	pthread_mutex_unlock(&s->lock);
	while (old) {
		struct svc_item *next = old->next;

		free(old);
		old = next;
	}
}

static void *svc_consumer_main(void *arg)
{
	struct svc *s = arg;
	struct svc_record r;

	while (svc_read_all(s->chan[1], &r, sizeof r) == 0)
		svc_consume(s, &r);
	return NULL;
}

static void svc_report(struct svc *s)
{
	char *buf = s->scratch ? s->scratch : malloc(SVC_REPORT_BYTES);

	if (!buf)
		return;
	pthread_mutex_lock(&s->lock);
	snprintf(buf, SVC_REPORT_BYTES, "items=%u consumed=%lu trimmed=%lu reports=%lu",
		 s->count, s->consumed, s->trimmed, s->reports);
	s->reports++;
	pthread_mutex_unlock(&s->lock);
	if (buf != s->scratch)
		free(buf);
}

static void *svc_reporter_main(void *arg)
{
	struct svc *s = arg;

	atomic_store(&s->reporter_tid, gettid());
	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->report_pending && !s->reporter_quit)
			pthread_cond_wait(&s->cond, &s->lock);
		if (s->reporter_quit)
			break;
		s->report_pending = false;
		s->report_busy = true;
		pthread_mutex_unlock(&s->lock);
		svc_report(s);
		pthread_mutex_lock(&s->lock);
		s->report_busy = false;
		pthread_cond_broadcast(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
	free(s->scratch);
	s->scratch = NULL;
	return NULL;
}

/** Start producer, consumer and reporter. */
SVC_API void svc_start(struct svc *s)
{
	if ((errno = pthread_create(&s->producer, &svc_attr, svc_producer_main, s)) ||
	    (errno = pthread_create(&s->consumer, &svc_attr, svc_consumer_main, s)) ||
	    (errno = pthread_create(&s->reporter, &svc_attr, svc_reporter_main, s)))
		svc_die("pthread_create");
}

SVC_API void svc_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/** Stop the producer (stop pipe) and the consumer (EOF); join both. */
SVC_API void svc_stop_workers(struct svc *s)
{
	char b = 1;

	svc_write_all(s->stop_pipe[1], &b, 1);
	pthread_join(s->producer, NULL);
	pthread_join(s->consumer, NULL);
}

/** Wait until no report is requested or running. */
SVC_API void svc_wait_idle(struct svc *s)
{
	pthread_mutex_lock(&s->lock);
	while (s->report_pending || s->report_busy)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
}

/** Tell the reporter to quit (it frees svc.scratch and returns). */
SVC_API void svc_quit_reporter(struct svc *s)
{
	pthread_mutex_lock(&s->lock);
	s->reporter_quit = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

/** Wait (up to 5 s) until the kernel has removed thread tid. */
SVC_API int svc_wait_gone(pid_t tid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof path, "/proc/self/task/%d", (int)tid);
	for (int i = 0; i < 5000; i++) {
		if (stat(path, &st) < 0 && errno == ENOENT)
			return 0;
		svc_sleep_ms(1);
	}
	return -1;
}

SVC_API void svc_close_timerfd(struct svc *s)
{
	close(s->tick_fd);
}

SVC_API void svc_delete_deadline(struct svc *s)
{
	timer_delete(s->deadline);
}

/** Close the stop pipe and the socketpair. */
SVC_API void svc_close_channels(struct svc *s)
{
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	close(s->chan[0]);
	close(s->chan[1]);
}

/** Free every item. */
SVC_API void svc_clear(struct svc *s)
{
	while (s->head) {
		struct svc_item *next = s->head->next;

		free(s->head);
		s->head = next;
	}
	s->tail = NULL;
	s->count = 0;
}

SVC_API void svc_destroy_sync(struct svc *s)
{
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
}

/** After START: open and start the service, run it SVC_RUN_MS, take AFTER RUN. */
SVC_API void svc_run(struct svc *s, unsigned keep)
{
	svc_open(s, keep);
	svc_start(s);
	svc_sleep_ms(SVC_RUN_MS);
	memledger_snapshot(MEMLEDGER_AFTER_RUN);
}

/* The cleanup steps of svc_cleanup(), in the order it runs them. */
#define SVC_JOIN_REPORTER   (1u << 0)   /* quit and join the reporter */
#define SVC_UNJOINED        (1u << 1)   /* quit the reporter, wait until it is gone, no join */
#define SVC_CLOSE_TIMERFD   (1u << 2)
#define SVC_DELETE_DEADLINE (1u << 3)
#define SVC_CLOSE_CHANNELS  (1u << 4)
#define SVC_DESTROY_SYNC    (1u << 5)
#define SVC_ALL (SVC_JOIN_REPORTER | SVC_CLOSE_TIMERFD | SVC_DELETE_DEADLINE | \
		 SVC_CLOSE_CHANNELS | SVC_DESTROY_SYNC)

/**
 * Stop and join producer and consumer; then the reporter (SVC_JOIN_REPORTER
 * or SVC_UNJOINED; with neither, only wait until no report is in flight);
 * then the other steps in steps; free the items with clear (svc_clear when
 * NULL); malloc_trim(0); take AFTER CLEANUP. Returns 0, or 1 when the
 * reporter did not go away (SVC_UNJOINED).
 */
SVC_API int svc_cleanup(struct svc *s, unsigned steps, void (*clear)(struct svc *))
{
	svc_stop_workers(s);
	if (steps & (SVC_JOIN_REPORTER | SVC_UNJOINED))
		svc_quit_reporter(s);
	else
		svc_wait_idle(s);
	if (steps & SVC_JOIN_REPORTER)
		pthread_join(s->reporter, NULL);
	if (steps & SVC_UNJOINED) {
		while (atomic_load(&s->reporter_tid) == 0)
			svc_sleep_ms(1);
		if (svc_wait_gone(atomic_load(&s->reporter_tid)) < 0)
			return 1;
	}
	if (steps & SVC_CLOSE_TIMERFD)
		svc_close_timerfd(s);
	if (steps & SVC_DELETE_DEADLINE)
		svc_delete_deadline(s);
	if (steps & SVC_CLOSE_CHANNELS)
		svc_close_channels(s);
	(clear ? clear : svc_clear)(s);
	if (steps & SVC_DESTROY_SYNC)
		svc_destroy_sync(s);
	malloc_trim(0);
	memledger_snapshot(MEMLEDGER_AFTER_CLEANUP);
	return 0;
}

/** The whole program, for those that need nothing before START. */
SVC_API int svc_main(struct svc *s, unsigned keep, unsigned steps, void (*clear)(struct svc *))
{
	svc_warm();
	memledger_snapshot(MEMLEDGER_START);
	svc_run(s, keep);
	return svc_cleanup(s, steps, clear);
}

#endif /* MT_COMMON_H */
