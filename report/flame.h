/*
 * flame.h - flame graphs of bytes by call stack, as inline SVG.
 *
 * Add weighted stacks (outermost frame first), then draw. Frames with the
 * same label under the same parent merge. The picture is an icicle: the
 * outermost frames on top, callees below, width proportional to bytes.
 * Every frame has a hover <title> with its bytes, share and allocations.
 * Frames narrower than FLAME_MIN_WIDTH are left out and at most
 * FLAME_MAX_FRAMES are drawn, which bounds the output on huge traces.
 * Each frame's <g> carries data-x, data-w and data-d (position, width and
 * depth) for the optional zoom script in the template.
 */
#ifndef MEMLEDGER_REPORT_FLAME_H
#define MEMLEDGER_REPORT_FLAME_H

#include <stddef.h>

#include <libxml/tree.h>

#define FLAME_WIDTH 1200.0
#define FLAME_MIN_WIDTH 0.5
#define FLAME_MAX_FRAMES 3000

struct flame;

/** A new, empty graph whose root frame is called root_label; NULL if out of memory. */
struct flame *flame_new(const char *root_label);

/**
 * Add one stack of n frames, frames[0] outermost, weighing bytes and
 * allocs. A frame's label is its function name; runtime[i] (may be NULL)
 * marks frames in the C/C++ runtime, drawn in grey. Returns 0 or -1.
 */
int flame_add(struct flame *f, const char *const *frames, const int *runtime, size_t n,
	      double bytes, double allocs);

/** Total bytes added so far. */
double flame_total(const struct flame *f);

/**
 * The picture (see above), or NULL if out of memory. title is the
 * accessible name. Reorders f's frames (heaviest first); adding more
 * stacks afterwards is still allowed.
 */
xmlNodePtr flame_svg(struct flame *f, const char *title);

void flame_free(struct flame *f);

#endif
