/*
 * svg.h - the report's charts, built as libxml2 element trees.
 *
 * Each function returns a new, unlinked <svg> element (free it with
 * xmlFreeNode, or hand it to tal_node()), or NULL when memory runs out.
 * Every text that comes from the trace (labels, names) is cleaned with
 * tal_clean() and stored as a text node, so the serializer escapes it.
 *
 * The pictures scale with the page (viewBox, width 100%). Colours are
 * presentation attributes that templates/style.css may override through
 * the class names given here (".s1" .. ".s6", ".seg-*", ".st-*").
 * Hover titles (<title>) give exact values; no script is needed.
 */
#ifndef MEMLEDGER_REPORT_SVG_H
#define MEMLEDGER_REPORT_SVG_H

#include <stddef.h>

#include <libxml/tree.h>

/** How values on an axis are printed. */
enum svg_unit {
	SVG_BYTES,      /* 1.50 MiB */
	SVG_COUNT,      /* 1.23 M */
	SVG_BYTE_RATE,  /* 1.50 MiB/s */
	SVG_COUNT_RATE, /* 12.3 k/s */
	SVG_FRACTION,   /* 12.5% */
	SVG_TIME,       /* 1.23 s (values in ns) */
};

/** Charts are downsampled to at most this many points per series. */
#define SVG_MAX_POINTS 1000

/** One line of a line chart: y[i] for x[i]; NaN leaves a gap. */
struct svg_series {
	const char *name; /* legend and hover title */
	const char *cls;  /* CSS class, e.g. "s1" */
	const double *y;
};

/** A labelled vertical marker at x[index] (a program snapshot). */
struct svg_mark {
	size_t index;
	const char *label;
};

struct svg_line_chart {
	const char *title; /* accessible name */
	const double *x;   /* ns since the process started, ascending */
	size_t n;
	const struct svg_series *series;
	size_t nseries;
	enum svg_unit yunit;
	const struct svg_mark *marks;
	size_t nmarks;
	int area; /* shade under the first series */
};

/**
 * A line chart over time with axes in human units, the marks as dashed
 * lines with their labels, and a dot with a hover title for each series
 * at each mark. More than SVG_MAX_POINTS points are reduced to the minimum
 * and maximum of each of SVG_MAX_POINTS/2 buckets, so peaks survive.
 */
xmlNodePtr svg_line_chart(const struct svg_line_chart *c);

/** One bar of a horizontal bar chart. */
struct svg_bar {
	const char *label;
	double value;
};

/** Horizontal bars, longest scale first as given, values printed at the end. */
xmlNodePtr svg_bars(const char *title, const struct svg_bar *bars, size_t n, enum svg_unit unit);

/** A segment of a stacked bar. */
struct svg_segment {
	const char *name;
	const char *cls;
	double value;
};

/** One stacked bar (a snapshot) with an optional thin comparison bar (NaN: none). */
struct svg_stack_row {
	const char *label;
	const struct svg_segment *seg;
	size_t nseg;
	double beside;
};

/**
 * Stacked horizontal bars on one common scale, with a legend naming the
 * segments of the first row and beside_name for the thin bars.
 */
xmlNodePtr svg_stacked_bars(const char *title, const struct svg_stack_row *rows, size_t n,
			    const char *beside_name, enum svg_unit unit);

/** One row of a timeline: a bar from start to end (ns). */
struct svg_span {
	const char *label;
	double start, end;
	const char *cls; /* e.g. "st-joined" */
	const char *tip; /* hover title */
};

/** A timeline of spans over [t0, t1], with optional marks at times. */
xmlNodePtr svg_timeline(const char *title, const struct svg_span *spans, size_t n, double t0,
			double t1, const double *mark_ts, const char *const *mark_labels,
			size_t nmarks);

/** The text of v in unit (for tables and titles). */
char *svg_format(char *dst, size_t cap, double v, enum svg_unit unit);

/* Helpers shared with flame.c. */
xmlNodePtr svg_el(xmlNodePtr parent, const char *name);
void svg_attr(xmlNodePtr node, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/** A <line> from (x1, y1) to (x2, y2) of class cls, appended to parent. */
xmlNodePtr svg_line(xmlNodePtr parent, double x1, double y1, double x2, double y2, const char *cls);
/** Append cleaned text (n bytes of s) to node. */
void svg_text(xmlNodePtr node, const char *s);
/** A fresh <svg> root with viewBox 0 0 w h, class and accessible title. */
xmlNodePtr svg_root(double w, double h, const char *cls, const char *title);

#endif
