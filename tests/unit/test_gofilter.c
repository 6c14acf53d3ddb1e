/*
 * test_gofilter.c - cli/gofilter.c: gctrace lines come out of a Go
 * program's stderr whole, every other byte goes on in order, however the
 * runtime's piece-by-piece writes and other goroutines' writes interleave
 * and however the pipe's reads cut the stream.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli/gofilter.h"

struct sink {
	char out[65536];
	size_t nout;
	char gc[65536];    /* the gctrace lines, one after another */
	size_t ngc;
	int lines;
};

static void on_out(void *ctx, const char *s, size_t n)
{
	struct sink *k = ctx;
	memcpy(k->out + k->nout, s, n);
	k->nout += n;
	k->out[k->nout] = 0;
}

static void on_gc(void *ctx, const char *s, size_t n)
{
	struct sink *k = ctx;
	memcpy(k->gc + k->ngc, s, n);
	k->ngc += n;
	k->gc[k->ngc] = 0;
	k->lines++;
}

static struct gofilter f;
static struct sink k;

/* Feed s in chunks: 0 whole, 1 a byte at a time, else pseudo-random sizes. */
static void run(const char *s, int cut, int show_gc)
{
	memset(&k, 0, sizeof k);
	gofilter_init(&f, 0, show_gc, on_out, on_gc, &k);
	size_t n = strlen(s);
	unsigned r = 12345u + (unsigned)cut;
	for (size_t i = 0; i < n;) {
		size_t c = cut == 0 ? n : cut == 1 ? 1 : 1 + (r = r * 1103515245u + 12345u) % 17;
		if (c > n - i)
			c = n - i;
		gofilter_feed(&f, s + i, c);
		i += c;
	}
	gofilter_end(&f);
}

/* The pieces the Go 1.19 runtime writes one by one for one line. */
static const char *const pieces[] = {
	"gc ", "4", " @", "0.123", "s ", "1", "%: ", "0.030", "+", "1.6", "+", "0.031", " ms clock, ",
	"0.061", "+", "0", "/", "0.62", "/", "0.61", "+", "0.062", " ms cpu, ", "2", "->", "3", "->",
	"1", " MB, ", "4", " MB goal, ", "0", " MB stacks, ", "0", " MB globals, ", "2", " P",
	" (forced)", "\n",
};
#define NPIECES (sizeof pieces / sizeof *pieces)
#define GC4 "gc 4 @0.123s 1%: 0.030+1.6+0.031 ms clock, 0.061+0/0.62/0.61+0.062 ms cpu, " \
            "2->3->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)\n"
#define GC5 "gc 5 @0.596s 0%: 0.035+1.0+0.049 ms clock, 0.071+0.10/0.46/0.12+0.099 ms cpu, " \
            "3->3->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P\n"
#define OLD "gc 12 @3.004s 2%: 0.011+2.1+0.004 ms clock, 0.023+0.50/1.9/3.2+0.009 ms cpu, " \
            "4->4->2 MB, 5 MB goal, 2 P\n"

/* GC4 with foreign inserted before piece at (at == NPIECES: none). */
static void build(char *buf, size_t at, const char *foreign)
{
	buf[0] = 0;
	for (size_t i = 0; i < NPIECES; i++) {
		if (i == at)
			strcat(buf, foreign);
		strcat(buf, pieces[i]);
	}
}

static void interleavings(void)
{
	static const char *const foreign[] = {
		"service: listening\n",      /* begins like "s " after a number */
		"7 apples\n",                /* begins with digits after a number */
		"+1.5 MB, done\n",           /* begins like the pieces themselves */
		"two\nlines\n",              /* one write of two lines */
		"2026/12/02 13:45:01 log\n", /* the log package's own lines */
	};
	char in[4096], want_out[1024];
	for (size_t fi = 0; fi < sizeof foreign / sizeof *foreign; fi++) {
		for (size_t at = 3; at < NPIECES; at++) {
			build(in, at, foreign[fi]);
			strcat(in, GC5);
			strcat(in, "after\n");
			snprintf(want_out, sizeof want_out, "%safter\n", foreign[fi]);
			for (int cut = 0; cut < 4; cut++) {
				run(in, cut, 0);
				CHECK_EQ_STR(k.out, want_out);
				CHECK_EQ_STR(k.gc, GC4 GC5);
				CHECK_EQ_INT(k.lines, 2);
			}
			/* the user asked for gctrace: everything as it came */
			run(in, 1, 1);
			CHECK_EQ_STR(k.out, in);
			CHECK_EQ_STR(k.gc, GC4 GC5);
		}
	}
}

static void plain(void)
{
	for (int cut = 0; cut < 4; cut++) {
		run("hello\n" GC4 "gcc says hi\n" OLD "gc is not a line\nbye", cut, 0);
		CHECK_EQ_STR(k.out, "hello\ngcc says hi\ngc is not a line\nbye");
		CHECK_EQ_STR(k.gc, GC4 OLD);
	}
	/* nothing held back for ever: a partial last line goes out */
	run("g", 0, 0);
	CHECK_EQ_STR(k.out, "g");
	run("gc 3", 0, 0);
	CHECK_EQ_STR(k.out, "gc 3");
}

/* A line that starts like gctrace but cannot be one goes out whole, and
 * the next gctrace line is still found. */
static void unplaceable(void)
{
	const char *bad = "gc 3 @0.100s 0%: 0.10+oops\n";
	char in[2048];
	snprintf(in, sizeof in, "%s%s", bad, GC5);
	for (int cut = 0; cut < 3; cut++) {
		run(in, cut, 0);
		CHECK_EQ_STR(k.out, bad);
		CHECK_EQ_STR(k.gc, GC5);
	}
	/* a gctrace line cut short by an unplaceable write: the pieces go out,
	 * and later lines are taken as before */
	snprintf(in, sizeof in, "gc 4 @0.12no newline here, then%s%s", "\n", GC5);
	run(in, 1, 0);
	CHECK_EQ_STR(k.out, "gc 4 @0.12no newline here, then\n");
	CHECK_EQ_STR(k.gc, GC5);
	/* more foreign lines than one gctrace line could hold: out in order */
	run("gc 1 @ a\nb\nc\nd\ne\n" GC5, 1, 0);
	CHECK_EQ_STR(k.out, "gc 1 @ a\nb\nc\nd\ne\n");
	CHECK_EQ_STR(k.gc, GC5);
}

/* The program's exit cuts a gctrace line short: its pieces are dropped
 * (they would not exist without us), foreign writes inside it are kept. */
static void cut_short(void)
{
	run("x\ngc 9 @1.000s 0%: 0.10+", 1, 0);
	CHECK_EQ_STR(k.out, "x\n");
	CHECK_EQ_INT(k.lines, 0);
	run("gc 9 @1.000s 0%: 0.10+log line\n0.20+", 0, 0);
	CHECK_EQ_STR(k.out, "log line\n");
	run("gc 9 @1.000s 0%: 0.10+", 1, 1);
	CHECK_EQ_STR(k.out, "gc 9 @1.000s 0%: 0.10+");
}

/* A packet-mode pipe: each feed is one write of the program's. Foreign
 * writes land between any two pieces, several at a time, and look like
 * the pieces they sit between. */
static void packets(void)
{
	static const char *const foreign[] = {
		"63 w2 line 63\n", "2026/12/02 13:45:01 w1 line 62\n", "+1", "service: listening\n",
		"no newline", "gc 7 @1.000s\n",
	};
	/* (a foreign write that is a piece itself, such as "+" or a "\n" just
	 * after " P", is taken for the piece; the bytes are the same, but the
	 * "+" or " (forced)" that follows goes out in its place) */
	const size_t nf = sizeof foreign / sizeof *foreign;
	for (int show = 0; show < 2; show++) {
		for (size_t at = 1; at < NPIECES; at++) {
			for (size_t fi = 0; fi < nf; fi++) {
				char want_out[4096] = "", all[8192] = "";
				memset(&k, 0, sizeof k);
				gofilter_init(&f, 1, show, on_out, on_gc, &k);
				gofilter_feed(&f, "before\n", 7);
				strcat(want_out, "before\n");
				strcat(all, "before\n");
				for (size_t i = 0; i < NPIECES; i++) {
					/* one foreign write at this gap, and two more at the next */
					size_t many = i == at ? 1 : i == at + 1 ? 2 : 0;
					for (size_t m = 0; m < many; m++) {
						const char *x = foreign[(fi + m + i) % nf];
						gofilter_feed(&f, x, strlen(x));
						strcat(want_out, x);
						strcat(all, x);
					}
					gofilter_feed(&f, pieces[i], strlen(pieces[i]));
					strcat(all, pieces[i]);
				}
				gofilter_feed(&f, "after\n", 6);
				gofilter_end(&f);
				strcat(want_out, "after\n");
				strcat(all, "after\n");
				CHECK_EQ_STR(k.out, show ? all : want_out);
				CHECK_EQ_STR(k.gc, GC4);
			}
		}
	}
	/* the exit cuts a line short: its pieces go, the foreign write stays */
	memset(&k, 0, sizeof k);
	gofilter_init(&f, 1, 0, on_out, on_gc, &k);
	for (size_t i = 0; i < 9; i++) {
		gofilter_feed(&f, pieces[i], strlen(pieces[i]));
		if (i == 5)
			gofilter_feed(&f, "log\n", 4);
	}
	gofilter_end(&f);
	CHECK_EQ_STR(k.out, "log\n");
	CHECK_EQ_INT(k.lines, 0);
	/* a write that is not a piece, where a number was due, in a line that
	 * never ends: held, then out in order at the end with nothing lost */
	memset(&k, 0, sizeof k);
	gofilter_init(&f, 1, 0, on_out, on_gc, &k);
	gofilter_feed(&f, "gc text\n", 8);
	gofilter_feed(&f, "gc ", 3);
	gofilter_feed(&f, "x", 1);
	gofilter_end(&f);
	CHECK_EQ_STR(k.out, "gc text\nx");
}

int main(void)
{
	plain();
	interleavings();
	unplaceable();
	cut_short();
	packets();
	return CHECK_DONE();
}
