/*
 * flame.h - the report's flame graphs: several weights over one tree of
 * call stacks, a static SVG of the default view, and the data the page's
 * script draws the other views from.
 *
 * The tree: stacks are added outermost frame first; frames with the same
 * label under the same parent merge. Each node carries one value per
 * view (allocated bytes, allocations, live at each snapshot, lost,
 * indirect...). A frame is labelled with its function; frames without a
 * symbol are labelled "[module]", and a run of them in one module is one
 * frame, as perf's tools do, since their addresses name nothing a reader
 * can use.
 *
 * Bounding the page: flame_section() reads the stacks of the FLAME_SITES
 * heaviest sites of each view and sums the others into one "(N smaller
 * sites)" frame; flame_prune() keeps the nodes that reach
 * FLAME_MIN_SHARE of some view's total, at most FLAME_MAX_NODES of them
 * (the cut rises until they fit), and sums each parent's other children
 * into one "(N smaller frames)" node, so the views still add up. The SVG
 * draws at most FLAME_MAX_FRAMES frames. Every drawn frame has a hover
 * <title> with its full name and figures, and carries data-x, data-w and
 * data-d (position, width, depth) for the page's zoom.
 *
 * The picture is an icicle: the outermost frames on top, callees below,
 * width proportional to the view's weight.
 */
#ifndef MEMLEDGER_REPORT_FLAME_H
#define MEMLEDGER_REPORT_FLAME_H

#include <stddef.h>

#include <libxml/tree.h>
#include <sqlite3.h>

#include "report/data.h"
#include "report/tal.h"

#define FLAME_WIDTH 1200.0
#define FLAME_MIN_WIDTH 0.5
#define FLAME_MAX_FRAMES 3000
#define FLAME_MIN_SHARE 0.0004	/* about half a pixel of FLAME_WIDTH */
#define FLAME_MAX_NODES 6000
#define FLAME_MAX_VIEWS 28	/* live views beyond this many snapshots are left out */
#define FLAME_SITES 1500	/* heaviest sites per view drawn on their own; the rest summed */

/* Node flags, also in the page's data. */
#define FLAME_RUNTIME 1	/* in the C/C++ runtime: drawn grey, foldable */
#define FLAME_SMALL 2	/* the sum of frames too small to draw */
#define FLAME_NOSYM 4	/* code without symbols, "[module]" */

struct flame;

/** A new, empty tree with nviews values per node; NULL if out of memory. */
struct flame *flame_new(const char *root_label, size_t nviews);

/**
 * Add one stack of n frames, labels[0] outermost, with flags[i] (may be
 * NULL) and the stack's value in each view, w[0..nviews-1]. Returns 0 or -1.
 */
int flame_add(struct flame *f, const char *const *labels, const int *flags, size_t n,
	      const double *w);

/**
 * Add a symbolized stack (frames[0] is depth 0, the allocator's caller, as
 * rp_stack gives it) with labels and flags made as described above.
 */
int flame_add_frames(struct flame *f, const struct rp_frame *frames, int n, const double *w);

/** The root's value in view v: the view's total. */
double flame_total(const struct flame *f, size_t v);

/** Keep the nodes worth drawing and sum the rest (see above). Returns 0 or -1. */
int flame_prune(struct flame *f);

/**
 * The picture of view v (see above), or NULL if out of memory. title is
 * the accessible name; unit_bytes says how to print values.
 */
xmlNodePtr flame_svg(struct flame *f, size_t v, int unit_bytes, const char *title);

/**
 * The pruned tree as JSON for the page's script (malloc'd, NUL-terminated;
 * NULL if out of memory): {"views":[{"name","bytes","total"}...],
 * "names":[...], "nodes":[[parent, name, flags, value per view...]...]},
 * nodes in pre-order so a parent comes before its children. '<' is
 * written \u003c, so the text is safe inside a <script> element.
 */
char *flame_json(const struct flame *f, const char *const *view_names, const int *view_bytes);

void flame_free(struct flame *f);

/** Looks up a stack's frames (depth 0 first) for flame_section. */
typedef const struct rp_frame *(*flame_stack_fn)(void *ctx, long long stack_id, int *n);

/**
 * The template's "flame" dictionary for process p (see templates/README.md):
 * the views (allocated bytes, allocations, live at each of the program's
 * own snapshots and at exit, lost, indirect), the default view's SVG and
 * the data. Reads site_snapshots from db. NULL if out of memory.
 */
tal_value *flame_section(sqlite3 *db, const struct rp_process *p, flame_stack_fn stack,
			 void *ctx);

#endif
