/*
 * stackcache.c - the stacks the page shows, read once from the database
 * and kept by id. See sections.h.
 */
#include "report/sections.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/vec.h"

/* The frames of a stack (cached); NULL with *n = 0 if none or on error. */
const struct rp_frame *stack_get(struct stack_cache *c, long long id, int *n)
{
	struct stack_entry *e;
	struct rp_frame *fr;
	uint64_t idx;
	int k;

	*n = 0;
	if (id == 0)
		return NULL;
	if (u64map_get(&c->ids, (uint64_t)id, &idx)) {
		*n = c->tab[idx].n;
		return c->tab[idx].frames;
	}
	if ((k = rp_stack(c->db, &c->st, id, &fr)) < 0)
		return NULL;
	if (!(e = VEC_PUSH(c->tab, c->count, c->cap)) ||
	    u64map_put(&c->ids, (uint64_t)id, c->count - 1) < 0) {
		if (e)
			c->count--;
		rp_free_frames(fr, (size_t)k);
		return NULL;
	}
	e->frames = fr;
	e->n = k;
	*n = k;
	return fr;
}

void stack_cache_free(struct stack_cache *c)
{
	size_t i;

	for (i = 0; i < c->count; i++)
		rp_free_frames(c->tab[i].frames, (size_t)c->tab[i].n);
	free(c->tab);
	u64map_free(&c->ids);
	sqlite3_finalize(c->st);
}

/* A frame's name: its function, else module+offset. */
const char *frame_label(const struct rp_frame *f, char *buf, size_t cap)
{
	const char *mod;

	if (f->function && f->function[0])
		return f->function;
	mod = f->module ? strrchr(f->module, '/') : NULL;
	mod = mod ? mod + 1 : f->module ? f->module : "??";
	if (!isnan(f->offset))
		snprintf(buf, cap, "%s+0x%llx", mod, (unsigned long long)f->offset);
	else
		snprintf(buf, cap, "%s", mod);
	return buf;
}

tal_value *stack_value(struct stack_cache *c, long long id)
{
	int n;
	const struct rp_frame *fr = stack_get(c, id, &n);

	return stack_frames_value(fr, n);
}

tal_value *stack_frames_value(const struct rp_frame *fr, int n)
{
	tal_value *list = tal_list();
	char buf[512];
	int i;

	for (i = 0; i < n && i < MAX_FRAMES; i++) {
		tal_value *d = tal_dict();

		set_name(d, "fn", "fn_full", frame_label(&fr[i], buf, sizeof buf));
		if (fr[i].file && !isnan(fr[i].line))
			tal_set_strf(d, "where", "%.*s:%.0f", NAME_TIP, fr[i].file, fr[i].line);
		else if (fr[i].file)
			tal_set_strf(d, "where", "%.*s", NAME_TIP, fr[i].file);
		else
			tal_set(d, "where", tal_null());
		if (fr[i].module && !isnan(fr[i].offset))
			tal_set_strf(d, "module", "%s+0x%llx", base_name(fr[i].module),
				     (unsigned long long)fr[i].offset);
		else
			tal_set_str(d, "module", base_name(fr[i].module));
		tal_set_bool(d, "runtime", fr[i].runtime);
		tal_set_bool(d, "inlined", fr[i].inlined);
		tal_set(d, "class", fr[i].runtime ? tal_str("runtime") : tal_null());
		tal_push(list, d);
	}
	if (n > MAX_FRAMES) {
		tal_value *d = tal_dict();

		tal_set_strf(d, "fn", "(%d more frame%s)", n - MAX_FRAMES, n - MAX_FRAMES == 1 ? "" : "s");
		tal_set(d, "fn_full", tal_null());
		tal_set(d, "where", tal_null());
		tal_set(d, "module", tal_null());
		tal_set_bool(d, "runtime", 1);
		tal_set_bool(d, "inlined", 0);
		tal_set_str(d, "class", "runtime");
		tal_push(list, d);
	}
	return list;
}
