/*
 * flame.c - flame graphs. See flame.h.
 *
 * A trie of frames; children are kept in a singly linked list with the
 * heaviest first at draw time. Lookups among siblings are linear, which is
 * fine for the few thousand stacks the report feeds in.
 */
#include "report/flame.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/svg.h"
#include "report/units.h"

struct fnode {
	char *label;
	int runtime;
	double bytes, allocs;
	struct fnode *child, *next;
};

struct flame {
	struct fnode root;
	int maxdepth;
};

#define ROW 17.0
#define TOP 4.0

struct flame *flame_new(const char *root_label)
{
	struct flame *f = calloc(1, sizeof *f);

	if (!f)
		return NULL;
	if (!(f->root.label = strdup(root_label ? root_label : "all"))) {
		free(f);
		return NULL;
	}
	return f;
}

static struct fnode *child_get(struct fnode *parent, const char *label, int runtime)
{
	struct fnode *c;

	for (c = parent->child; c; c = c->next)
		if (strcmp(c->label, label) == 0)
			return c;
	if (!(c = calloc(1, sizeof *c)))
		return NULL;
	if (!(c->label = strdup(label))) {
		free(c);
		return NULL;
	}
	c->runtime = runtime;
	c->next = parent->child;
	parent->child = c;
	return c;
}

int flame_add(struct flame *f, const char *const *frames, const int *runtime, size_t n,
	      double bytes, double allocs)
{
	struct fnode *node = &f->root;
	size_t i;

	if (!(bytes > 0))
		return 0;
	node->bytes += bytes;
	node->allocs += allocs;
	for (i = 0; i < n; i++) {
		const char *label = frames[i] && frames[i][0] ? frames[i] : "??";

		if (!(node = child_get(node, label, runtime ? runtime[i] : 0)))
			return -1;
		node->bytes += bytes;
		node->allocs += allocs;
	}
	if ((int)n > f->maxdepth)
		f->maxdepth = (int)n;
	return 0;
}

double flame_total(const struct flame *f)
{
	return f->root.bytes;
}

static void free_children(struct fnode *n)
{
	struct fnode *c = n->child, *next;

	for (; c; c = next) {
		next = c->next;
		free_children(c);
		free(c->label);
		free(c);
	}
}

void flame_free(struct flame *f)
{
	if (!f)
		return;
	free_children(&f->root);
	free(f->root.label);
	free(f);
}

/* A warm colour from the label, stable across runs. */
static void frame_colour(const char *label, int runtime, char *buf, size_t cap)
{
	unsigned h = 2166136261u;
	const unsigned char *p;

	if (runtime) {
		snprintf(buf, cap, "#c8c8c8");
		return;
	}
	for (p = (const unsigned char *)label; *p; p++)
		h = (h ^ *p) * 16777619u;
	snprintf(buf, cap, "rgb(%u,%u,%u)", 205 + h % 50, 80 + (h >> 8) % 130, 40 + (h >> 16) % 50);
}

struct draw {
	xmlNodePtr svg;
	double total, scale, min_width;
	int frames;
};

/* Sort children heaviest first (insertion sort into a new list). */
static void sort_children(struct fnode *n)
{
	struct fnode *sorted = NULL, *c = n->child, *next, **pp;

	for (; c; c = next) {
		next = c->next;
		for (pp = &sorted; *pp && (*pp)->bytes >= c->bytes; pp = &(*pp)->next)
			;
		c->next = *pp;
		*pp = c;
	}
	n->child = sorted;
}

static void draw_node(struct draw *d, struct fnode *n, double x, int depth)
{
	double w = n->bytes * d->scale, cx = x;
	char colour[32], tip[1200], bb[UNITS_BUF], pb[UNITS_BUF], cb[UNITS_BUF];
	xmlNodePtr g, el;
	struct fnode *c;

	if (w < d->min_width || d->frames >= FLAME_MAX_FRAMES)
		return;
	d->frames++;
	g = svg_el(d->svg, "g");
	svg_attr(g, "class", "fr");
	svg_attr(g, "data-x", "%.2f", x);
	svg_attr(g, "data-w", "%.2f", w);
	svg_attr(g, "data-d", "%d", depth);
	snprintf(tip, sizeof tip, "%.900s\n%s (%s), %s allocations", n->label,
		 units_bytes(bb, sizeof bb, n->bytes), units_percent(pb, sizeof pb, n->bytes / d->total),
		 units_count(cb, sizeof cb, n->allocs));
	svg_text(svg_el(g, "title"), tip);
	el = svg_el(g, "rect");
	svg_attr(el, "x", "%.2f", x);
	svg_attr(el, "y", "%.1f", TOP + ROW * depth);
	svg_attr(el, "width", "%.2f", w);
	svg_attr(el, "height", "%.1f", ROW - 1);
	frame_colour(n->label, n->runtime, colour, sizeof colour);
	svg_attr(el, "fill", "%s", colour);
	/* about 6.5 units per character at font-size 11 */
	if (w >= 24) {
		size_t fit = (size_t)((w - 6) / 6.5), len = strlen(n->label);
		char text[256];

		if (fit >= sizeof text)
			fit = sizeof text - 1;
		if (len <= fit) {
			snprintf(text, sizeof text, "%s", n->label);
		} else if (fit >= 3) {
			size_t cut = fit - 1;

			while (cut > 0 && ((unsigned char)n->label[cut] & 0xc0) == 0x80)
				cut--;
			memcpy(text, n->label, cut);
			memcpy(text + cut, "\xe2\x80\xa6", 4);
		} else {
			text[0] = '\0';
		}
		if (text[0]) {
			el = svg_el(g, "text");
			svg_attr(el, "x", "%.2f", x + 3);
			svg_attr(el, "y", "%.1f", TOP + ROW * depth + 12);
			svg_text(el, text);
		}
	}
	sort_children(n);
	for (c = n->child; c; c = c->next) {
		draw_node(d, c, cx, depth + 1);
		cx += c->bytes * d->scale;
	}
}

/* Deepest level that will be drawn, for the picture's height. */
static int drawn_depth(const struct fnode *n, double scale, double min_width, int depth)
{
	const struct fnode *c;
	int max = depth;

	for (c = n->child; c; c = c->next) {
		if (c->bytes * scale >= min_width) {
			int d = drawn_depth(c, scale, min_width, depth + 1);

			if (d > max)
				max = d;
		}
	}
	return max;
}

/* Frames at least min_width wide, counting no further than limit. */
static int count_wide(const struct fnode *n, double scale, double min_width, int limit)
{
	const struct fnode *c;
	int count = 1;

	for (c = n->child; c && count <= limit; c = c->next)
		if (c->bytes * scale >= min_width)
			count += count_wide(c, scale, min_width, limit - count);
	return count;
}

xmlNodePtr flame_svg(struct flame *f, const char *title)
{
	struct draw d = { 0 };
	int depth;
	double h;

	d.total = f->root.bytes;
	d.scale = d.total > 0 ? FLAME_WIDTH / d.total : 0;
	d.min_width = FLAME_MIN_WIDTH;
	/* widen the cut until the frame budget holds, so the cut is by size */
	while (d.total > 0 && count_wide(&f->root, d.scale, d.min_width, FLAME_MAX_FRAMES) >
				      FLAME_MAX_FRAMES)
		d.min_width *= 1.5;
	depth = d.total > 0 ? drawn_depth(&f->root, d.scale, d.min_width, 0) : 0;
	h = TOP * 2 + ROW * (depth + 1);
	if (!(d.svg = svg_root(FLAME_WIDTH, h, "flame", title)))
		return NULL;
	svg_attr(d.svg, "data-width", "%.0f", FLAME_WIDTH);
	if (d.total > 0)
		draw_node(&d, &f->root, 0, 0);
	return d.svg;
}
