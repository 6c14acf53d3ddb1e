/*
 * gofilter.c - takes the Go runtime's gctrace lines out of a Go
 * program's stderr (see gofilter.h).
 *
 * A gctrace line is printed one piece per write(2): each argument of the
 * runtime's print() call, a literal such as " ms clock, " or a number,
 * is its own write. A write to a pipe is atomic, so another goroutine's
 * write (a log line) lands whole, between two pieces.
 *
 * From a packet-mode pipe each feed is one write, so a write either is
 * the next piece of the line under way or is someone else's (packet()).
 *
 * From a byte stream, the filter holds the bytes from a line that starts
 * "gc N @" and, at each newline, looks for ways to read them as the
 * pieces of one gctrace line in order, with whole foreign lines between
 * pieces, and takes the likeliest (score()). When there is one, the
 * pieces make the gctrace line and the foreign lines go out in their
 * order; when the bytes can still become one, it waits; otherwise the
 * held lines go out as they came and the last is read again, so a line
 * the filter could not place never hides the lines after it.
 */
#include <string.h>

#include "cli/gofilter.h"
#include "ingest/go_run.h"

enum { GF_LINE, GF_HOLD, GF_PASS };

/*
 * The forms of the line, Go 1.19 to 1.23. D, U, T and N are numbers (see
 * number_ok): one piece each. A literal between them is one piece;
 * '|' splits two literals the runtime prints with two writes.
 */
static const char *const forms[] = {
	"gc D @Ts U%: N+N+N ms clock, N+N/N/N+N ms cpu, D->D->D MB, D MB goal, D MB stacks, D MB globals, D P|\n",
	"gc D @Ts U%: N+N+N ms clock, N+N/N/N+N ms cpu, D->D->D MB, D MB goal, D MB stacks, D MB globals, D P| (forced)|\n",
	"gc D @Ts U%: N+N+N ms clock, N+N/N/N+N ms cpu, D->D->D MB, D MB goal, D P|\n",
	"gc D @Ts U%: N+N+N ms clock, N+N/N/N+N ms cpu, D->D->D MB, D MB goal, D P| (forced)|\n",
};
#define NFORMS (sizeof forms / sizeof *forms)
#define MAX_PIECES 64
#define FIRST_GAP 3      /* no foreign write is looked for inside "gc N @" */
#define MAX_FOREIGN 3    /* foreign lines inside one gctrace line, at most */
#define STEP_BUDGET 200000

struct piece {
	char kind;           /* 'L' literal, 'D'/'U'/'T'/'N' a number, 'E' end */
	const char *s;
	size_t len;
	int gap;             /* a foreign write may come just before this piece */
};

static struct piece pieces[NFORMS][MAX_PIECES];

static void split_forms(void)
{
	if (pieces[0][0].kind)
		return;
	for (size_t f = 0; f < NFORMS; f++) {
		size_t k = 0;
		for (const char *p = forms[f]; *p;) {
			struct piece *e = &pieces[f][k];
			e->gap = k >= FIRST_GAP;
			if (strchr("DUTN", *p)) {
				e->kind = *p++;
			} else {
				e->kind = 'L';
				e->s = p;
				while (*p && !strchr("DUTN|", *p))
					p++;
				e->len = (size_t)(p - e->s);
				if (*p == '|')
					p++;
			}
			k++;
		}
		pieces[f][k].kind = 'E';
	}
}

struct walk {
	const char *s;
	size_t n;
	unsigned char *mask;
	long budget;
	int whole;           /* 1: the bytes must be a whole line; 0: the start of one */
	unsigned char *best; /* whole: the mask of the likeliest reading so far */
	long best_score;     /* its score, lower is likelier; -1 none yet */
};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "gc N @": 1 all there, 0 a start of it, -1 not it. */
static int head_state(const char *s, size_t n)
{
	size_t i = 0;
	for (; i < 3; i++) {
		if (i == n)
			return 0;
		if (s[i] != "gc "[i])
			return -1;
	}
	while (i < n && is_digit(s[i]))
		i++;
	if (i == n)
		return 0;
	if (i == 3 || s[i] != ' ')
		return -1;
	if (++i == n)
		return 0;
	return s[i] == '@' ? 1 : -1;
}

/* A number as the runtime prints it: D any digits; U 0 to 100; T seconds with three
 * decimals (itoaDiv(ms, 3)); N milliseconds from fmtNSAsMS: "0", whole
 * milliseconds from 10 up, or two significant digits: 0.0dd, 0.dd, d.d. */
static int number_ok(char kind, const char *s, size_t n)
{
	const char *dot = memchr(s, '.', n);
	if (kind == 'D')
		return !dot;
	if (kind == 'U')   /* the GC's share of CPU, in percent */
		return !dot && (n < 3 || (n == 3 && memcmp(s, "100", 3) <= 0));
	if (kind == 'T')
		return dot && dot > s && (size_t)(dot - s) == n - 4;
	if (!dot)
		return n == 1 ? s[0] == '0' : s[0] != '0';
	size_t ip = (size_t)(dot - s), fp = n - ip - 1;
	if (ip == 1 && s[0] == '0')
		return (fp == 3 && s[2] == '0' && (s[3] != '0' || s[4] != '0')) || (fp == 2 && s[2] != '0');
	return ip == 1 && fp == 1 && s[0] != '0';
}

/* "2026/12/02 ": the date the log package starts its lines with. */
static int log_date(const char *s, size_t n)
{
	static const char shape[] = "dddd/dd/dd ";
	if (n < sizeof shape - 1)
		return 0;
	for (size_t i = 0; i < sizeof shape - 1; i++)
		if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != shape[i])
			return 0;
	return 1;
}

/* How unlikely a reading is: more foreign writes, then more foreign
 * bytes. A write that starts with a space or with the punctuation of the
 * line's own pieces counts as 20 bytes more: it is more likely a piece
 * misread ("27| apples" for "2|7 apples"), though a misread that
 * swallows a whole piece (" MB stacks, ") still costs more. One that
 * starts with the log package's date counts 40 bytes less ("1|2026/12/02"
 * over "12026|/12/02"). */
static long score(const struct walk *w)
{
	long writes = 0, bytes = 0;
	for (size_t i = 0; i < w->n; i++) {
		if (!w->mask[i])
			continue;
		bytes++;
		if (i == 0 || !w->mask[i - 1]) {
			writes++;
			if (strchr(" .:-+,/>%@", w->s[i]))
				bytes += 20;
			if (log_date(w->s + i, w->n - i))
				bytes -= 40;
		}
	}
	return writes * 1000000L + bytes;
}

/* Reads s[i..n) from piece e on, with at most fl foreign lines. With
 * whole = 0, 1 as soon as one reading fits; with whole = 1, every
 * reading is scored and the best kept in w->best (the return is 0). */
static int walk(struct walk *w, const struct piece *e, size_t i, int fl)
{
	if (--w->budget < 0)
		return 0;
	if (e->kind == 'E') {
		if (w->whole && i == w->n) {
			long sc = score(w);
			if (w->best_score < 0 || sc < w->best_score) {
				w->best_score = sc;
				memcpy(w->best, w->mask, w->n);
			}
		}
		return 0;
	}
	if (i == w->n)
		return !w->whole;
	const char *s = w->s;
	if (e->kind == 'L') {
		size_t k = e->len < w->n - i ? e->len : w->n - i;
		if (!memcmp(s + i, e->s, k)) {
			if (k < e->len) {
				if (!w->whole)
					return 1;
			} else if (walk(w, e + 1, i + k, fl)) {
				return 1;
			}
		}
	} else {
		size_t j = i;
		int dot = 0;
		while (j < w->n && (is_digit(s[j]) || ((e->kind == 'T' || e->kind == 'N') && s[j] == '.' && !dot && j > i && (dot = 1))))
			j++;
		if (j == w->n && j > i && !w->whole)
			return 1;
		/* the longest number first; a shorter one leaves digits that
		 * begin a foreign write */
		for (size_t end = j; end > i; end--)
			if (number_ok(e->kind, s + i, end - i) && walk(w, e + 1, end, fl))
				return 1;
	}
	/* a foreign write; never a gctrace line, which the runtime's print
	 * lock keeps from starting inside another */
	if (fl > 0 && e->gap) {
		const char *nl = memchr(s + i, '\n', w->n - i);
		size_t j = nl ? (size_t)(nl - s) + 1 : w->n;
		if (head_state(s + i, j - i) >= 0)
			return 0;
		memset(w->mask + i, 1, j - i);
		if (!nl ? !w->whole : walk(w, e, j, fl - 1))
			return 1;
		memset(w->mask + i, 0, j - i);
	}
	return 0;
}

/* 1: the held bytes read as one gctrace line and foreign lines (mask says
 * which bytes are foreign; of all the readings, the likeliest); 0 with
 * whole = 0: they can still become that. */
static int place(struct gofilter *f, int whole)
{
	static unsigned char best[GOFILTER_HOLD];
	struct walk w = { f->raw, f->n, f->mask, STEP_BUDGET, whole, best, -1 };
	split_forms();
	for (size_t k = 0; k < NFORMS; k++) {
		memset(f->mask, 0, f->n);
		if (walk(&w, pieces[k], 0, MAX_FOREIGN))
			return 1;
	}
	if (w.best_score < 0)
		return 0;
	memcpy(f->mask, best, f->n);
	return 1;
}

static void out_foreign(struct gofilter *f)
{
	for (size_t i = 0; i < f->n;) {
		size_t j = i;
		while (j < f->n && f->mask[j] == f->mask[i])
			j++;
		if (f->mask[i])
			f->out(f->ctx, f->raw + i, j - i);
		i = j;
	}
}

static void release(struct gofilter *f)
{
	if (f->n)
		f->out(f->ctx, f->raw, f->n);
	f->n = 0;
}

/* The held bytes whose mask is 0 make a gctrace line: hand it over, and
 * the rest out (all of it, in order, when the user asked for gctrace).
 * 0 if they do not make a valid line after all. */
static int finish(struct gofilter *f)
{
	char line[GOFILTER_HOLD];
	size_t m = 0;
	for (size_t i = 0; i < f->n; i++)
		if (!f->mask[i])
			line[m++] = f->raw[i];
	if (!m || !go_gctrace_line_ok(line, m - 1))
		return 0;
	if (f->show_gc)
		release(f);
	else
		out_foreign(f);
	f->gc(f->ctx, line, m);
	f->n = 0;
	f->mode = GF_LINE;
	return 1;
}

/* At a newline while a gctrace line may be under way. */
static void settle(struct gofilter *f)
{
	if (place(f, 1)) {
		if (finish(f))
			return;
	} else if (place(f, 0)) {
		return;
	}
	/* Not a gctrace line. The held lines before the last go out; the
	 * last one is read again on its own, as it may begin the next. */
	size_t last = f->n - 1;
	while (last > 0 && f->raw[last - 1] != '\n')
		last--;
	f->mode = GF_LINE;
	if (!last) {
		release(f);
		return;
	}
	char tail[GOFILTER_HOLD];
	size_t m = f->n - last;
	memcpy(tail, f->raw + last, m);
	f->n = last;
	release(f);
	gofilter_feed(f, tail, m);
}

/* ---------------------------------------------------------------- one write at a time */

/* Is this write the piece e? */
static int piece_is(const struct piece *e, const char *s, size_t n)
{
	if (e->kind == 'E')
		return 0;
	if (e->kind == 'L')
		return n == e->len && !memcmp(s, e->s, n);
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]) && s[i] != '.')
			return 0;
	return n && number_ok(e->kind, s, n);
}

static void hold(struct gofilter *f, const char *s, size_t n, int foreign)
{
	memcpy(f->raw + f->n, s, n);
	memset(f->mask + f->n, foreign, n);
	f->n += n;
}

/* Each write(2) of the program arrives alone (a packet-mode pipe), so a
 * piece of a gctrace line is one write and anything else is someone
 * else's: no guessing where one ends. */
static void packet(struct gofilter *f, const char *s, size_t n)
{
	split_forms();
	if (f->mode != GF_HOLD) {
		if (n == 3 && !memcmp(s, "gc ", 3)) {
			f->mode = GF_HOLD;
			f->n = 0;
			f->alive = (1u << NFORMS) - 1;
			memset(f->at, 1, sizeof f->at);
			hold(f, s, n, 0);
		} else {
			f->out(f->ctx, s, n);
		}
		return;
	}
	unsigned next = 0;
	for (size_t k = 0; k < NFORMS; k++)
		if ((f->alive >> k & 1) && piece_is(&pieces[k][f->at[k]], s, n))
			next |= 1u << k;
	if (f->n + n > sizeof f->raw) {
		/* too much held: everything out as it came */
		release(f);
		f->out(f->ctx, s, n);
		f->mode = GF_LINE;
		return;
	}
	hold(f, s, n, !next);
	if (!next)
		return;
	f->alive = next;
	for (size_t k = 0; k < NFORMS; k++)
		if ((next >> k & 1) && pieces[k][++f->at[k]].kind == 'E') {
			if (!finish(f)) {
				release(f);
				f->mode = GF_LINE;
			}
			return;
		}
}

void gofilter_init(struct gofilter *f, int packets, int show_gc, void (*out)(void *, const char *, size_t),
                   void (*gc)(void *, const char *, size_t), void *ctx)
{
	f->packets = packets;
	f->n = 0;
	f->mode = GF_LINE;
	f->show_gc = show_gc;
	f->out = out;
	f->gc = gc;
	f->ctx = ctx;
}

void gofilter_feed(struct gofilter *f, const char *s, size_t n)
{
	if (f->packets) {
		if (n)
			packet(f, s, n);
		return;
	}
	while (n) {
		if (f->mode == GF_PASS) {
			const char *nl = memchr(s, '\n', n);
			size_t k = nl ? (size_t)(nl - s) + 1 : n;
			f->out(f->ctx, s, k);
			s += k;
			n -= k;
			if (nl)
				f->mode = GF_LINE;
			continue;
		}
		if (f->mode == GF_LINE) {
			if (*s != 'g') {
				f->mode = GF_PASS;
				continue;
			}
			f->mode = GF_HOLD;
			f->n = 0;
		}
		char c = *s++;
		n--;
		f->raw[f->n++] = c;
		int h = f->n <= 24 ? head_state(f->raw, f->n) : 1;
		if (h < 0) {
			release(f);
			f->mode = c == '\n' ? GF_LINE : GF_PASS;
		} else if (h > 0 && c == '\n') {
			settle(f);
		} else if (f->n == sizeof f->raw) {
			release(f);
			f->mode = GF_PASS;
		}
	}
}

void gofilter_end(struct gofilter *f)
{
	if (f->mode == GF_HOLD && f->n) {
		if (!f->show_gc && (f->packets || (head_state(f->raw, f->n) > 0 && place(f, 0))))
			out_foreign(f);
		else
			release(f);
	}
	f->n = 0;
	f->mode = GF_LINE;
}
