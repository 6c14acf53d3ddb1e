/*
 * svg.c - line charts, bars, stacked bars and timelines. See svg.h.
 *
 * Out of memory inside libxml2 yields a NULL node; the helpers accept a
 * NULL parent and do nothing, so a chart degrades instead of crashing.
 */
#include "report/svg.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/units.h"
#include "common/utf8.h"
#include "report/tal.h"

/* Chart geometry in viewBox units. */
#define CW 720.0
#define CH 260.0
#define ML 70.0 /* left margin: y labels */
#define MR 14.0
#define MT 30.0 /* top: legend and mark labels */
#define MB 26.0 /* bottom: x labels */

/*
 * Copy s into buf (cap bytes), cut to at most max characters with an
 * ellipsis, at a UTF-8 boundary. Labels stay on one line this way.
 */
static const char *fit_label(const char *s, size_t max, char *buf, size_t cap)
{
	size_t i = 0, chars = 0;

	if (!s)
		s = "";
	while (s[i] && chars < max) {
		i++;
		while (utf8_is_cont((unsigned char)s[i]))
			i++;
		chars++;
	}
	if (!s[i] || max < 2) {
		snprintf(buf, cap, "%s", s);
		return buf;
	}
	/* room for the ellipsis: drop one more character */
	if (i > 0)
		i = utf8_floor(s, i - 1);
	if (i + 4 > cap)
		i = cap - 4;
	memcpy(buf, s, i);
	memcpy(buf + i, "\xe2\x80\xa6", 4);
	return buf;
}

/* A tick label: the value in unit, without trailing zeros ("1.00 s" -> "1 s"). */
static char *tick_label(char *dst, size_t cap, double v, enum svg_unit unit)
{
	char *dot, *end;

	svg_format(dst, cap, v, unit);
	if (!(dot = strchr(dst, '.')))
		return dst;
	for (end = dot + 1; *end >= '0' && *end <= '9'; end++)
		;
	{
		char *z = end;

		while (z > dot + 1 && z[-1] == '0')
			z--;
		if (z == dot + 1)
			z = dot;
		memmove(z, end, strlen(end) + 1);
	}
	return dst;
}

/* The mark labels' font size (style.css says the same), and their rows. */
#define LABEL_SIZE 11.0
#define LABEL_ROWS 3
#define LABEL_STEP 14.0 /* between rows: a line of 11-unit text is about 13 tall */

/*
 * A generous estimate of the width of s at font size `size`, in user
 * units: wide enough for DejaVu Sans and the usual sans-serif faces, so
 * labels placed apart by it never touch when drawn.
 */
static double text_width(const char *s, double size)
{
	double w = 0;

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (utf8_is_cont(c))
			continue;
		if (c == ' ')
			w += 0.34;
		else if (c >= 'A' && c <= 'Z')
			w += c == 'M' || c == 'W' ? 0.9 : 0.74;
		else if (c >= '0' && c <= '9')
			w += 0.66;
		else if (c >= 0x80)
			w += 0.8;
		else
			w += c == 'm' || c == 'w' ? 0.9 : 0.62;
	}
	return w * size;
}

struct label_slot {
	double x;   /* where the text is anchored */
	int end;    /* 1: anchored at its end (drawn left of the mark) */
	int row;    /* 0 = the top row */
	int shown;  /* 0: no room; the mark keeps a hover title */
	double a, b; /* the span it takes */
};

/*
 * Place the labels of marks at mx[0..n) (ascending) between lo and hi, in
 * up to `rows` rows, so that no two overlap: each goes right of its mark,
 * or left of it when the right would cross hi, into the first row where
 * it fits. One that fits nowhere is not drawn.
 */
static void place_labels(const double *mx, const char *const *labels, size_t n, double lo,
			 double hi, int rows, struct label_slot *out)
{
	const double gap = 4;
	size_t i, k;
	int r, o;

	for (i = 0; i < n; i++) {
		double w = text_width(labels[i], LABEL_SIZE);

		out[i].shown = 0;
		for (r = 0; r < rows && !out[i].shown; r++) {
			for (o = 0; o < 2 && !out[i].shown; o++) {
				double a = o == 0 ? mx[i] + 3 : mx[i] - 3 - w, b = a + w;
				int clash = a < lo || b > hi;

				for (k = 0; k < i && !clash; k++)
					clash = out[k].shown && out[k].row == r && a < out[k].b + gap &&
						out[k].a < b + gap;
				if (clash)
					continue;
				out[i] = (struct label_slot){ o == 0 ? a : b, o == 1, r, 1, a, b };
			}
		}
	}
}

/*
 * One mark: a dashed line at x from y0 down to y1 with label as its hover
 * title, and, when slot->shown, the label in its row, the first row's
 * baseline at label_y.
 */
static void draw_mark(xmlNodePtr svg, double x, double y0, double y1, double label_y, const char *label,
		      const struct label_slot *slot)
{
	xmlNodePtr el = svg_el(svg, "line");

	svg_attr(el, "x1", "%.1f", x);
	svg_attr(el, "x2", "%.1f", x);
	svg_attr(el, "y1", "%.1f", y0);
	svg_attr(el, "y2", "%.1f", y1);
	svg_attr(el, "class", "mark");
	svg_attr(el, "stroke", "#999");
	svg_attr(el, "stroke-dasharray", "3 3");
	svg_text(svg_el(el, "title"), label);
	if (!slot->shown)
		return;
	el = svg_el(svg, "text");
	svg_attr(el, "x", "%.1f", slot->x);
	svg_attr(el, "y", "%.1f", label_y + (double)slot->row * LABEL_STEP);
	svg_attr(el, "class", "mark-label");
	svg_attr(el, "font-size", "%.0f", LABEL_SIZE);
	if (slot->end)
		svg_attr(el, "text-anchor", "end");
	svg_text(el, label);
}

/*
 * One row of a bar or span chart, at y, rowh high: a group (*g) with the
 * hover title tip and label right-aligned before lw, and a bar from x, w
 * wide. Returns the bar, for its class and fill.
 */
static xmlNodePtr chart_row(xmlNodePtr svg, double y, double rowh, double lw, const char *tip,
			    const char *label, double x, double w, xmlNodePtr *g)
{
	xmlNodePtr el;

	*g = svg_el(svg, "g");
	svg_text(svg_el(*g, "title"), tip);
	el = svg_el(*g, "text");
	svg_attr(el, "x", "%.1f", lw - 6);
	svg_attr(el, "y", "%.1f", y + rowh / 2 + 4);
	svg_attr(el, "text-anchor", "end");
	svg_text(el, label);
	el = svg_el(*g, "rect");
	svg_attr(el, "x", "%.1f", x);
	svg_attr(el, "y", "%.1f", y + 3);
	svg_attr(el, "width", "%.1f", w);
	svg_attr(el, "height", "%.1f", rowh - 6);
	return el;
}

static const char *const palette[] = { "#2f6fb0", "#d9822b", "#3a9a5b", "#b03a5b",
				       "#7a5cb0", "#8a8a3a" };

xmlNodePtr svg_el(xmlNodePtr parent, const char *name)
{
	xmlNodePtr n;

	if (!parent)
		return NULL;
	n = xmlNewNode(NULL, (const xmlChar *)name);
	if (n && !xmlAddChild(parent, n)) {
		xmlFreeNode(n);
		n = NULL;
	}
	return n;
}

void svg_attr(xmlNodePtr node, const char *name, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	if (!node)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	xmlSetProp(node, (const xmlChar *)name, (const xmlChar *)buf);
}

void svg_text(xmlNodePtr node, const char *s)
{
	char *clean;
	xmlNodePtr t;

	if (!node || !s)
		return;
	if (!(clean = tal_clean(s, strlen(s), NULL)))
		return;
	t = xmlNewText((const xmlChar *)clean);
	if (t && !xmlAddChild(node, t))
		xmlFreeNode(t);
	free(clean);
}

xmlNodePtr svg_root(double w, double h, const char *cls, const char *title)
{
	xmlNodePtr svg = xmlNewNode(NULL, (const xmlChar *)"svg");

	if (!svg)
		return NULL;
	svg_attr(svg, "viewBox", "0 0 %.0f %.0f", w, h);
	svg_attr(svg, "class", "%s", cls);
	svg_attr(svg, "role", "img");
	svg_attr(svg, "font-family", "sans-serif");
	svg_attr(svg, "font-size", "11");
	if (title) {
		svg_attr(svg, "aria-label", "%s", title);
		svg_text(svg_el(svg, "title"), title);
	}
	return svg;
}

char *svg_format(char *dst, size_t cap, double v, enum svg_unit unit)
{
	switch (unit) {
	case SVG_BYTES:
		return units_bytes(dst, cap, v);
	case SVG_COUNT:
		return units_count_short(dst, cap, v);
	case SVG_BYTE_RATE:
		return units_byte_rate(dst, cap, v);
	case SVG_COUNT_RATE:
		return units_count_rate(dst, cap, v);
	case SVG_FRACTION:
		return units_percent(dst, cap, v);
	case SVG_TIME:
		return units_duration(dst, cap, v);
	}
	dst[0] = '\0';
	return dst;
}

/* The step between y ticks for values up to max. */
static double y_step(double max, enum svg_unit unit)
{
	double step;

	if (unit == SVG_BYTES || unit == SVG_BYTE_RATE)
		step = units_nice_step(max, 4, 1024);
	else if (unit == SVG_FRACTION)
		return units_nice_step(max, 4, 0);
	else
		step = units_nice_step(max, 4, 1000);
	/* bytes and objects come whole: no tick at 0.5 */
	return unit == SVG_COUNT_RATE || step >= 1 ? step : 1;
}

/* Round the axis top up to a whole number of steps. */
static double axis_top(double max, double step)
{
	double top = ceil(max / step - 1e-9) * step;

	return top > 0 ? top : step;
}

static void grid_y(xmlNodePtr g, double top, double step, enum svg_unit unit, double x0,
		   double x1, double y0, double y1)
{
	char buf[UNITS_BUF];
	double v;

	for (v = 0; v <= top + step * 1e-6; v += step) {
		double y = y0 - (y0 - y1) * v / top;
		xmlNodePtr l = svg_el(g, "line"), t;

		svg_attr(l, "x1", "%.1f", x0);
		svg_attr(l, "x2", "%.1f", x1);
		svg_attr(l, "y1", "%.1f", y);
		svg_attr(l, "y2", "%.1f", y);
		svg_attr(l, "class", "grid");
		svg_attr(l, "stroke", "#ddd");
		t = svg_el(g, "text");
		svg_attr(t, "x", "%.1f", x0 - 4);
		svg_attr(t, "y", "%.1f", y + 4);
		svg_attr(t, "text-anchor", "end");
		svg_attr(t, "class", "tick");
		svg_text(t, tick_label(buf, sizeof buf, v, unit));
	}
}

static void grid_x_time(xmlNodePtr g, double t0, double t1, double x0, double x1, double y)
{
	char buf[UNITS_BUF];
	double span = t1 - t0, step, v;

	if (!(span > 0))
		return;
	step = units_nice_step(span, 6, 0);
	for (v = ceil(t0 / step) * step; v <= t1 + step * 1e-6; v += step) {
		double x = x0 + (x1 - x0) * (v - t0) / span;
		xmlNodePtr t = svg_el(g, "text");

		svg_attr(t, "x", "%.1f", x);
		svg_attr(t, "y", "%.1f", y + 16);
		svg_attr(t, "text-anchor", "middle");
		svg_attr(t, "class", "tick");
		svg_text(t, tick_label(buf, sizeof buf, v, SVG_TIME));
	}
}

/* Indices of the points to draw: all, or min and max of each bucket. */
static size_t pick_points(const double *x, const double *y, size_t n, size_t *idx)
{
	size_t buckets = SVG_MAX_POINTS / 2, b, k = 0, i;
	double t0, t1;

	if (n <= SVG_MAX_POINTS) {
		for (i = 0; i < n; i++)
			idx[k++] = i;
		return k;
	}
	t0 = x[0];
	t1 = x[n - 1];
	i = 0;
	for (b = 0; b < buckets && i < n; b++) {
		double end = t0 + (t1 - t0) * (double)(b + 1) / (double)buckets;
		size_t lo = SIZE_MAX, hi = SIZE_MAX;

		for (; i < n && (x[i] <= end || b + 1 == buckets); i++) {
			if (isnan(y[i]))
				continue;
			if (lo == SIZE_MAX || y[i] < y[lo])
				lo = i;
			if (hi == SIZE_MAX || y[i] > y[hi])
				hi = i;
		}
		if (lo == SIZE_MAX)
			continue;
		if (lo == hi) {
			idx[k++] = lo;
		} else {
			idx[k++] = lo < hi ? lo : hi;
			idx[k++] = lo < hi ? hi : lo;
		}
	}
	return k;
}

/* Append "x,y" to a growing path string. */
struct path {
	char *s;
	size_t len, cap;
};

static void path_add(struct path *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void path_add(struct path *p, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0 || !p->s)
		return;
	if (p->len + (size_t)n + 1 > p->cap) {
		size_t cap = (p->len + (size_t)n + 1) * 2;
		char *s = realloc(p->s, cap);

		if (!s) {
			free(p->s);
			p->s = NULL;
			return;
		}
		p->s = s;
		p->cap = cap;
	}
	memcpy(p->s + p->len, buf, (size_t)n + 1);
	p->len += (size_t)n;
}

static void legend(xmlNodePtr svg, const struct svg_series *s, size_t n, double x, double y)
{
	size_t i;

	for (i = 0; i < n; i++) {
		xmlNodePtr r = svg_el(svg, "rect"), t;

		svg_attr(r, "x", "%.1f", x);
		svg_attr(r, "y", "%.1f", y - 9);
		svg_attr(r, "width", "12");
		svg_attr(r, "height", "10");
		svg_attr(r, "class", "key %s", s[i].cls);
		svg_attr(r, "fill", "%s", palette[i % 6]);
		t = svg_el(svg, "text");
		svg_attr(t, "x", "%.1f", x + 16);
		svg_attr(t, "y", "%.1f", y);
		svg_text(t, s[i].name);
		x += 30 + 6.5 * (double)strlen(s[i].name);
	}
}

xmlNodePtr svg_line_chart(const struct svg_line_chart *c)
{
	xmlNodePtr svg = svg_root(CW, CH, "chart line", c->title), g, el;
	double max = 0, step, top, t0, t1, x0 = ML, x1 = CW - MR, y0 = CH - MB, y1 = MT;
	size_t *idx = NULL, i, s, k;
	char buf[UNITS_BUF], vb[UNITS_BUF];

	if (!svg)
		return NULL;
	if (c->n == 0) {
		el = svg_el(svg, "text");
		svg_attr(el, "x", "%.0f", CW / 2);
		svg_attr(el, "y", "%.0f", CH / 2);
		svg_attr(el, "text-anchor", "middle");
		svg_text(el, "no snapshots");
		return svg;
	}
	for (s = 0; s < c->nseries; s++)
		for (i = 0; i < c->n; i++)
			if (!isnan(c->series[s].y[i]) && c->series[s].y[i] > max)
				max = c->series[s].y[i];
	step = y_step(max, c->yunit);
	top = axis_top(max, step);
	t0 = c->x[0];
	t1 = c->x[c->n - 1];
	if (!(t1 > t0))
		t1 = t0 + 1;
	g = svg_el(svg, "g");
	svg_attr(g, "class", "axes");
	grid_y(g, top, step, c->yunit, x0, x1, y0, y1);
	grid_x_time(g, t0, t1, x0, x1, y0);
	legend(svg, c->series, c->nseries, x0, 12);

#define PX(t) (x0 + (x1 - x0) * ((t) - t0) / (t1 - t0))
#define PY(v) (y0 - (y0 - y1) * (v) / top)
	/* marks under the lines, their labels laid out so none overlap */
	{
		double *mxs = calloc(c->nmarks + 1, sizeof *mxs);
		const char **ml = calloc(c->nmarks + 1, sizeof *ml);
		struct label_slot *slot = malloc((c->nmarks + 1) * sizeof *slot);
		size_t m = 0;

		for (k = 0; mxs && ml && slot && k < c->nmarks; k++) {
			if (c->marks[k].index >= c->n)
				continue;
			mxs[m] = PX(c->x[c->marks[k].index]);
			ml[m++] = c->marks[k].label ? c->marks[k].label : "";
		}
		if (mxs && ml && slot)
			place_labels(mxs, ml, m, x0, x1, LABEL_ROWS, slot);
		for (k = 0; mxs && ml && slot && k < m; k++)
			draw_mark(svg, mxs[k], y0, y1 - 2, y1 + 9, ml[k], &slot[k]);
		free(mxs);
		free(ml);
		free(slot);
	}
	if (!(idx = malloc((c->n < SVG_MAX_POINTS ? c->n : SVG_MAX_POINTS) * sizeof *idx)))
		return svg;
	for (s = 0; s < c->nseries; s++) {
		const double *y = c->series[s].y;
		struct path p = { malloc(256), 0, 256 };
		size_t np = pick_points(c->x, y, c->n, idx), first = SIZE_MAX, last = 0;
		int pen = 0;

		for (k = 0; k < np; k++) {
			i = idx[k];
			if (isnan(y[i])) {
				pen = 0;
				continue;
			}
			path_add(&p, "%s%.1f,%.1f", pen ? " L" : (p.len ? " M" : "M"), PX(c->x[i]),
				 PY(y[i]));
			pen = 1;
			if (first == SIZE_MAX)
				first = i;
			last = i;
		}
		if (!p.s || first == SIZE_MAX) {
			free(p.s);
			continue;
		}
		if (s == 0 && c->area) {
			struct path a = { strdup(p.s), p.len, p.len + 1 };

			path_add(&a, " L%.1f,%.1f L%.1f,%.1f Z", PX(c->x[last]), y0,
				 PX(c->x[first]), y0);
			if (a.s) {
				el = svg_el(svg, "path");
				/* not svg_attr: a path is longer than its buffer */
				if (el)
					xmlSetProp(el, (const xmlChar *)"d", (const xmlChar *)a.s);
				svg_attr(el, "class", "area %s", c->series[s].cls);
				svg_attr(el, "fill", "%s", palette[s % 6]);
				svg_attr(el, "fill-opacity", "0.15");
				svg_attr(el, "stroke", "none");
			}
			free(a.s);
		}
		el = svg_el(svg, "path");
		if (el)
			xmlSetProp(el, (const xmlChar *)"d", (const xmlChar *)p.s);
		svg_attr(el, "class", "series %s", c->series[s].cls);
		svg_attr(el, "fill", "none");
		svg_attr(el, "stroke", "%s", palette[s % 6]);
		svg_attr(el, "stroke-width", "1.8");
		svg_attr(el, "stroke-linejoin", "round");
		/* dashed, so a second line lying on the first still shows */
		if (s > 0)
			svg_attr(el, "stroke-dasharray", "6 4");
		svg_text(svg_el(el, "title"), c->series[s].name);
		free(p.s);
		/* a dot with the exact value at each mark */
		for (k = 0; k < c->nmarks; k++) {
			char tip[512];

			i = c->marks[k].index;
			if (i >= c->n || isnan(y[i]))
				continue;
			el = svg_el(svg, "circle");
			svg_attr(el, "cx", "%.1f", PX(c->x[i]));
			svg_attr(el, "cy", "%.1f", PY(y[i]));
			svg_attr(el, "r", "3.5");
			svg_attr(el, "class", "dot %s", c->series[s].cls);
			svg_attr(el, "fill", "%s", palette[s % 6]);
			snprintf(tip, sizeof tip, "%s at %s (%s): %s", c->series[s].name,
				 c->marks[k].label, units_duration(buf, sizeof buf, c->x[i]),
				 svg_format(vb, sizeof vb, y[i], c->yunit));
			svg_text(svg_el(el, "title"), tip);
		}
	}
#undef PX
#undef PY
	/* the axes' own lines on top */
	el = svg_el(g, "path");
	svg_attr(el, "d", "M%.1f,%.1f L%.1f,%.1f L%.1f,%.1f", x0, y1, x0, y0, x1, y0);
	svg_attr(el, "class", "axis");
	svg_attr(el, "fill", "none");
	svg_attr(el, "stroke", "#666");
	free(idx);
	return svg;
}

xmlNodePtr svg_bars(const char *title, const struct svg_bar *bars, size_t n, enum svg_unit unit)
{
	double rowh = 22, lw = 260, vw = 90, h = rowh * (double)(n ? n : 1) + 8, max = 0;
	xmlNodePtr svg = svg_root(CW, h, "chart bars", title), el, g;
	char buf[UNITS_BUF];
	size_t i;

	for (i = 0; i < n; i++)
		if (bars[i].value > max)
			max = bars[i].value;
	for (i = 0; svg && i < n; i++) {
		double y = 4 + rowh * (double)i, w = max > 0 ? (CW - lw - vw) * bars[i].value / max : 0;
		char label[256], tip[600];
		const char *l = bars[i].label ? bars[i].label : "";

		fit_label(l, 38, label, sizeof label);
		snprintf(tip, sizeof tip, "%s: %s", l, svg_format(buf, sizeof buf, bars[i].value, unit));
		el = chart_row(svg, y, rowh, lw, tip, label, lw, w > 0 && w < 1 ? 1 : w, &g);
		svg_attr(el, "class", "bar s1");
		svg_attr(el, "fill", "%s", palette[0]);
		el = svg_el(g, "text");
		svg_attr(el, "x", "%.1f", lw + w + 4);
		svg_attr(el, "y", "%.1f", y + rowh / 2 + 4);
		svg_attr(el, "class", "value");
		svg_text(el, svg_format(buf, sizeof buf, bars[i].value, unit));
	}
	return svg;
}

/* Fill colours of composition segments when no CSS applies. */
static const char *seg_fill(const char *cls)
{
	static const struct {
		const char *cls, *fill;
	} fills[] = { { "seg-alloc", "#2f6fb0" }, { "seg-overhead", "#7fa7d4" },
		      { "seg-idle", "#d9c27a" },  { "seg-stack", "#3a9a5b" },
		      { "seg-other", "#bbbbbb" }, { "seg-rss", "#b03a5b" } };
	size_t i;

	for (i = 0; cls && i < sizeof fills / sizeof fills[0]; i++)
		if (strcmp(cls, fills[i].cls) == 0)
			return fills[i].fill;
	return "#999999";
}

xmlNodePtr svg_stacked_bars(const char *title, const struct svg_stack_row *rows, size_t n,
			    const char *beside_name, enum svg_unit unit)
{
	double lw = 90, rw = 80, barh = 20, thin = 7, rowh = 44, top = 36, max = 0;
	double h = top + rowh * (double)(n ? n : 1) + 20;
	xmlNodePtr svg = svg_root(CW, h, "chart composition", title), el, g;
	char buf[UNITS_BUF], tip[600], label[256];
	double lx;
	size_t i, s;

	/* room on the left for the longest label, up to a third of the width */
	for (i = 0; i < n; i++) {
		double w = text_width(rows[i].label, 11) + 12;

		if (w > lw)
			lw = w < CW / 3 ? w : CW / 3;
	}
	lx = 10; /* the legend: from the left edge, so a wide label column cannot push it out */

	for (i = 0; i < n; i++) {
		double sum = 0;

		for (s = 0; s < rows[i].nseg; s++)
			sum += rows[i].seg[s].value > 0 ? rows[i].seg[s].value : 0;
		if (sum > max)
			max = sum;
		if (!isnan(rows[i].beside) && rows[i].beside > max)
			max = rows[i].beside;
	}
	/* legend */
	for (s = 0; svg && n > 0 && s <= rows[0].nseg; s++) {
		const char *name = s < rows[0].nseg ? rows[0].seg[s].name : beside_name;
		const char *cls = s < rows[0].nseg ? rows[0].seg[s].cls : "seg-rss";

		if (!name)
			continue;
		el = svg_el(svg, "rect");
		svg_attr(el, "x", "%.1f", lx);
		svg_attr(el, "y", "6");
		svg_attr(el, "width", "12");
		svg_attr(el, "height", "10");
		svg_attr(el, "class", "key %s", cls);
		svg_attr(el, "fill", "%s", seg_fill(cls));
		el = svg_el(svg, "text");
		svg_attr(el, "x", "%.1f", lx + 16);
		svg_attr(el, "y", "15");
		svg_text(el, name);
		lx += 32 + 6.3 * (double)strlen(name);
	}
	for (i = 0; svg && i < n; i++) {
		double y = top + rowh * (double)i, x = lw, scale = max > 0 ? (CW - lw - rw) / max : 0;
		double sum = 0;

		g = svg_el(svg, "g");
		el = svg_el(g, "text");
		svg_attr(el, "x", "%.1f", lw - 6);
		svg_attr(el, "y", "%.1f", y + barh / 2 + 4);
		svg_attr(el, "text-anchor", "end");
		if (text_width(rows[i].label, 11) + 12 > lw)
			svg_text(svg_el(g, "title"), rows[i].label);
		svg_text(el, text_width(rows[i].label, 11) + 12 > lw ?
				     fit_label(rows[i].label, (size_t)((lw - 12) / (0.8 * 11)), label, sizeof label) :
				     rows[i].label);
		for (s = 0; s < rows[i].nseg; s++) {
			double v = rows[i].seg[s].value > 0 ? rows[i].seg[s].value : 0;
			xmlNodePtr r;

			sum += v;
			if (v * scale < 0.05)
				continue;
			r = svg_el(g, "rect");
			svg_attr(r, "x", "%.2f", x);
			svg_attr(r, "y", "%.1f", y);
			svg_attr(r, "width", "%.2f", v * scale);
			svg_attr(r, "height", "%.1f", barh);
			svg_attr(r, "class", "seg %s", rows[i].seg[s].cls);
			svg_attr(r, "fill", "%s", seg_fill(rows[i].seg[s].cls));
			snprintf(tip, sizeof tip, "%s: %s", rows[i].seg[s].name,
				 svg_format(buf, sizeof buf, v, unit));
			svg_text(svg_el(r, "title"), tip);
			x += v * scale;
		}
		el = svg_el(g, "text");
		svg_attr(el, "x", "%.1f", x + 4);
		svg_attr(el, "y", "%.1f", y + barh / 2 + 4);
		svg_attr(el, "class", "value");
		svg_text(el, svg_format(buf, sizeof buf, sum, unit));
		if (!isnan(rows[i].beside)) {
			xmlNodePtr r = svg_el(g, "rect");

			svg_attr(r, "x", "%.1f", lw);
			svg_attr(r, "y", "%.1f", y + barh + 3);
			svg_attr(r, "width", "%.2f", rows[i].beside * scale);
			svg_attr(r, "height", "%.1f", thin);
			svg_attr(r, "class", "seg seg-rss");
			svg_attr(r, "fill", "%s", seg_fill("seg-rss"));
			snprintf(tip, sizeof tip, "%s: %s", beside_name ? beside_name : "",
				 svg_format(buf, sizeof buf, rows[i].beside, unit));
			svg_text(svg_el(r, "title"), tip);
			el = svg_el(g, "text");
			svg_attr(el, "x", "%.1f", lw + rows[i].beside * scale + 4);
			svg_attr(el, "y", "%.1f", y + barh + 10);
			svg_attr(el, "class", "value small");
			snprintf(tip, sizeof tip, "%s %s", beside_name ? beside_name : "",
				 svg_format(buf, sizeof buf, rows[i].beside, unit));
			svg_text(el, tip);
		}
	}
	return svg;
}

static const char *state_fill(const char *cls)
{
	static const struct {
		const char *cls, *fill;
	} fills[] = { { "st-main", "#2f6fb0" },
		      { "st-running", "#b03a5b" },
		      { "st-exited-unjoined", "#d9822b" },
		      { "st-joined", "#3a9a5b" },
		      { "st-detached", "#7a5cb0" } };
	size_t i;

	for (i = 0; cls && i < sizeof fills / sizeof fills[0]; i++)
		if (strcmp(cls, fills[i].cls) == 0)
			return fills[i].fill;
	return "#999999";
}

xmlNodePtr svg_timeline(const char *title, const struct svg_span *spans, size_t n, double t0,
			double t1, const double *mark_ts, const char *const *mark_labels,
			size_t nmarks)
{
	double lw = 170, rowh = 18, top = 14 + LABEL_ROWS * LABEL_STEP;
	double h = top + rowh * (double)(n ? n : 1) + 24;
	double x0 = lw, x1 = CW - MR;
	xmlNodePtr svg = svg_root(CW, h, "chart timeline", title), el, g;
	size_t i;

	if (!svg)
		return NULL;
	if (!(t1 > t0))
		t1 = t0 + 1;
#define TX(t) (x0 + (x1 - x0) * (((t) < t0 ? t0 : (t) > t1 ? t1 : (t)) - t0) / (t1 - t0))
	g = svg_el(svg, "g");
	svg_attr(g, "class", "axes");
	grid_x_time(g, t0, t1, x0, x1, h - 24);
	{
		double *mxs = calloc(nmarks + 1, sizeof *mxs);
		struct label_slot *slot = malloc((nmarks + 1) * sizeof *slot);

		for (i = 0; mxs && i < nmarks; i++)
			mxs[i] = TX(mark_ts[i]);
		if (mxs && slot)
			place_labels(mxs, mark_labels, nmarks, x0, x1, LABEL_ROWS, slot);
		for (i = 0; mxs && slot && i < nmarks; i++)
			draw_mark(svg, mxs[i], top - 4, h - 24, 11, mark_labels[i], &slot[i]);
		free(mxs);
		free(slot);
	}
	for (i = 0; i < n; i++) {
		double y = top + rowh * (double)i, a = TX(spans[i].start), b = TX(spans[i].end);
		char label[256];
		const char *l = spans[i].label ? spans[i].label : "";

		fit_label(l, 26, label, sizeof label);
		el = chart_row(svg, y, rowh, lw, spans[i].tip ? spans[i].tip : l, label, a,
			       b - a < 1.5 ? 1.5 : b - a, &g);
		svg_attr(el, "class", "span %s", spans[i].cls ? spans[i].cls : "");
		svg_attr(el, "fill", "%s", state_fill(spans[i].cls));
	}
#undef TX
	return svg;
}
