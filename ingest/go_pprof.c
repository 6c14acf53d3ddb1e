/*
 * go_pprof.c - heap profiles: gzip-compressed profile.proto, as
 * pprof.WriteHeapProfile writes it and /debug/pprof/heap serves it.
 *
 * A small protobuf wire decoder instead of protobuf-c: protobuf-c needs
 * code generated from profile.proto by protoc-c at build time, for the
 * eight fields read here (sample_type, sample, location, function,
 * string_table, time_nanos, period, and their sub-fields). The wire
 * format they use is varints and length-delimited slices; every read is
 * checked against the end of its slice, every index against its table,
 * and tests/fuzz/fuzz_go.c runs the decoder under the sanitizers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/bytes.h"
#include "common/err.h"
#include "common/u64map.h"
#include "format/trace.h"
#include "ingest/go_run.h"
#include "ingest/tracemeta.h"

#define PPROF_MAX_BYTES (512u << 20)   /* decompressed */
#define PPROF_MAX_DEPTH 1024           /* frames kept per sample */
#define PPROF_MAX_LINES 64             /* lines (inlined calls) per location */
#define PPROF_MAX_FRAMES (64u << 20)   /* frames kept over the whole profile */

struct pb {
	const uint8_t *p, *e;
};

/* Protobuf's varint is the trace format's: at most 10 bytes, 64 bits. */
static int pb_varint(struct pb *b, uint64_t *v)
{
	return ml_get_varint(&b->p, b->e, v);
}

/* One field: its number, wire type, and a varint value or a sub-slice. */
static int pb_field(struct pb *b, uint32_t *num, int *wt, uint64_t *v, struct pb *sub)
{
	uint64_t tag;
	if (pb_varint(b, &tag) < 0 || (tag >> 3) == 0 || (tag >> 3) > 0x1fffffff)
		return -1;
	*num = (uint32_t)(tag >> 3);
	*wt = (int)(tag & 7);
	switch (*wt) {
	case 0:
		return pb_varint(b, v);
	case 1:
	case 5: {
		size_t n = *wt == 1 ? 8 : 4;
		if ((size_t)(b->e - b->p) < n)
			return -1;
		*v = 0;
		for (size_t i = 0; i < n; i++)
			*v |= (uint64_t)b->p[i] << (8 * i);
		b->p += n;
		return 0;
	}
	case 2:
		if (pb_varint(b, v) < 0 || *v > (uint64_t)(b->e - b->p))
			return -1;
		sub->p = b->p;
		sub->e = b->p + *v;
		b->p += *v;
		return 0;
	default:
		return -1;  /* groups are not used by profile.proto */
	}
}

/* A field of a message, as pb_next() reads it. */
struct pb_fld {
	uint32_t num;
	int wt;
	uint64_t v;         /* the varint or fixed value; for wire type 2, the length */
	struct pb sub;      /* wire type 2: the bytes */
};

/* Read the next field of b into f: 1, or 0 at the end of b, or -1 when b is corrupt. */
static int pb_next(struct pb *b, struct pb_fld *f)
{
	if (b->p >= b->e)
		return 0;
	f->v = 0;
	f->sub = (struct pb){ NULL, NULL };
	return pb_field(b, &f->num, &f->wt, &f->v, &f->sub) < 0 ? -1 : 1;
}

/* A repeated integer field, packed (wire type 2) or not (0): call back per value. */
static int pb_each_int(int wt, uint64_t v, struct pb *sub, int (*fn)(void *, uint64_t), void *ctx)
{
	if (wt == 0)
		return fn(ctx, v);
	if (wt != 2)
		return -1;
	while (sub->p < sub->e) {
		uint64_t x;
		if (pb_varint(sub, &x) < 0 || fn(ctx, x) < 0)
			return -1;
	}
	return 0;
}

struct slices {
	struct pb *v;
	size_t n, cap;
};

static int slices_add(struct slices *s, struct pb sub)
{
	struct pb *slot = VEC_PUSH(s->v, s->n, s->cap);
	if (!slot)
		return -1;
	*slot = sub;
	return 0;
}

struct line {
	uint64_t function_id;
	int64_t line;
};

struct location {
	struct line *lines;
	size_t n;
};

struct function {
	uint64_t name, file;
};

struct prof {
	struct slices samples, locations, functions, strings;
	uint64_t sample_type[16];
	size_t ntypes;
	int64_t time_ns, period;
	struct u64map loc_ix, fn_ix;   /* id -> index + 1 */
	struct location *locs;
	struct function *fns;
	size_t frames_kept;
};

static void prof_free(struct prof *p)
{
	free(p->samples.v);
	free(p->locations.v);
	free(p->functions.v);
	free(p->strings.v);
	u64map_free(&p->loc_ix);
	u64map_free(&p->fn_ix);
	if (p->locs)
		for (size_t i = 0; i < p->locations.n; i++)
			free(p->locs[i].lines);
	free(p->locs);
	free(p->fns);
}

static const struct pb *string_at(const struct prof *p, uint64_t i)
{
	return i < p->strings.n ? &p->strings.v[i] : NULL;
}

static int string_is(const struct prof *p, uint64_t i, const char *s)
{
	const struct pb *x = string_at(p, i);
	size_t n = strlen(s);
	return x && (size_t)(x->e - x->p) == n && !memcmp(x->p, s, n);
}

static int top_level(struct prof *p, struct pb b, char *err, size_t errlen)
{
	struct pb_fld f;
	int more;

	while ((more = pb_next(&b, &f)) > 0) {
		int r = 0;
		switch (f.num) {
		case 1: /* sample_type: ValueType { type = 1 } */
			if (f.wt != 2)
				goto bad;
			{
				uint64_t type = 0;
				struct pb_fld f2;
				while ((more = pb_next(&f.sub, &f2)) > 0)
					if (f2.num == 1 && f2.wt == 0)
						type = f2.v;
				if (more < 0)
					goto bad;
				if (p->ntypes < sizeof p->sample_type / sizeof *p->sample_type)
					p->sample_type[p->ntypes++] = type;
			}
			break;
		case 2: r = f.wt == 2 ? slices_add(&p->samples, f.sub) : -2; break;
		case 4: r = f.wt == 2 ? slices_add(&p->locations, f.sub) : -2; break;
		case 5: r = f.wt == 2 ? slices_add(&p->functions, f.sub) : -2; break;
		case 6: r = f.wt == 2 ? slices_add(&p->strings, f.sub) : -2; break;
		case 9: if (f.wt == 0) p->time_ns = (int64_t)f.v; break;
		case 12: if (f.wt == 0) p->period = (int64_t)f.v; break;
		default: break;
		}
		if (r == -2)
			goto bad;
		if (r < 0) {
			return err_oom(err, errlen);
		}
	}
	if (more < 0)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "corrupt pprof profile: bad protobuf encoding");
	return -1;
}

static int index_functions(struct prof *p, char *err, size_t errlen)
{
	if (!(p->fns = calloc(p->functions.n + 1, sizeof *p->fns)))
		goto oom;
	for (size_t i = 0; i < p->functions.n; i++) {
		struct pb b = p->functions.v[i];
		struct pb_fld f;
		uint64_t id = 0;
		int more;
		while ((more = pb_next(&b, &f)) > 0) {
			if (f.wt != 0)
				continue;
			if (f.num == 1)
				id = f.v;
			else if (f.num == 2)
				p->fns[i].name = f.v;
			else if (f.num == 4)
				p->fns[i].file = f.v;
		}
		if (more < 0 || !string_at(p, p->fns[i].name) || !string_at(p, p->fns[i].file))
			goto bad;
		if (id == 0 || id == UINT64_MAX) {
			snprintf(err, errlen, "corrupt pprof profile: a function has no id");
			return -1;
		}
		if (u64map_put(&p->fn_ix, id + 1, i + 1) < 0)
			goto oom;
	}
	return 0;
oom:
	return err_oom(err, errlen);
bad:
	snprintf(err, errlen, "corrupt pprof profile: a function names a string that is not there");
	return -1;
}

static int index_locations(struct prof *p, char *err, size_t errlen)
{
	if (!(p->locs = calloc(p->locations.n + 1, sizeof *p->locs))) {
		return err_oom(err, errlen);
	}
	for (size_t i = 0; i < p->locations.n; i++) {
		struct pb b = p->locations.v[i];
		struct pb_fld f, f2;
		uint64_t id = 0;
		size_t cap = 0;
		int more;
		while ((more = pb_next(&b, &f)) > 0) {
			if (f.num == 1 && f.wt == 0)
				id = f.v;
			if (f.num != 4 || f.wt != 2)
				continue;
			struct line ln = { 0, 0 };
			while ((more = pb_next(&f.sub, &f2)) > 0) {
				if (f2.num == 1 && f2.wt == 0)
					ln.function_id = f2.v;
				else if (f2.num == 2 && f2.wt == 0)
					ln.line = (int64_t)f2.v;
			}
			if (more < 0)
				goto bad;
			if (p->locs[i].n >= PPROF_MAX_LINES)
				continue;
			struct line *slot = VEC_PUSH(p->locs[i].lines, p->locs[i].n, cap);
			if (!slot) {
				return err_oom(err, errlen);
			}
			*slot = ln;
		}
		if (more < 0)
			goto bad;
		if (id == 0 || id == UINT64_MAX) {
			snprintf(err, errlen, "corrupt pprof profile: a location has no id");
			return -1;
		}
		if (u64map_put(&p->loc_ix, id + 1, i + 1) < 0) {
			return err_oom(err, errlen);
		}
	}
	return 0;
bad:
	snprintf(err, errlen, "corrupt pprof profile: bad protobuf encoding in a location");
	return -1;
}

static char *pb_strdup(const struct pb *s)
{
	size_t n = (size_t)(s->e - s->p);
	char *d = bytes_dup(s->p, n);
	if (d) {
		/* NUL bytes would cut the name short: make them visible */
		for (size_t i = 0; i < n; i++)
			if (!d[i])
				d[i] = '?';
	}
	return d;
}

struct sample_ctx {
	struct prof *p;
	struct go_psample *s;
	size_t cap;
	int64_t values[16];
	size_t nvalues;
	int bad, oom;
};

static int add_location(void *vctx, uint64_t id)
{
	struct sample_ctx *c = vctx;
	uint64_t ix;
	if (id == UINT64_MAX || !u64map_get(&c->p->loc_ix, id + 1, &ix)) {
		c->bad = 1;
		return -1;
	}
	const struct location *loc = &c->p->locs[ix - 1];
	for (size_t i = 0; i < loc->n; i++) {
		if (c->s->nframes >= PPROF_MAX_DEPTH || c->p->frames_kept >= PPROF_MAX_FRAMES)
			return 0;
		uint64_t fx;
		const struct line *ln = &loc->lines[i];
		if (ln->function_id == UINT64_MAX || !u64map_get(&c->p->fn_ix, ln->function_id + 1, &fx)) {
			c->bad = 1;
			return -1;
		}
		const struct function *fn = &c->p->fns[fx - 1];
		struct go_frame *f = VEC_PUSH(c->s->frames, c->s->nframes, c->cap);
		if (!f) {
			c->oom = 1;
			return -1;
		}
		f->function = pb_strdup(string_at(c->p, fn->name));
		f->file = pb_strdup(string_at(c->p, fn->file));
		f->line = ln->line;
		f->inlined = i + 1 < loc->n;  /* the last line is the caller of the ones before */
		c->p->frames_kept++;
		if (!f->function || !f->file) {
			c->oom = 1;
			return -1;
		}
	}
	return 0;
}

static int add_value(void *vctx, uint64_t v)
{
	struct sample_ctx *c = vctx;
	if (c->nvalues < sizeof c->values / sizeof *c->values)
		c->values[c->nvalues] = (int64_t)v;
	c->nvalues++;
	return 0;
}

static int type_index(const struct prof *p, const char *name)
{
	for (size_t i = 0; i < p->ntypes; i++)
		if (string_is(p, p->sample_type[i], name))
			return (int)i;
	return -1;
}

static int read_samples(struct prof *p, struct go_profile *gp, char *err, size_t errlen)
{
	int ix[4] = { type_index(p, "alloc_objects"), type_index(p, "alloc_space"),
	              type_index(p, "inuse_objects"), type_index(p, "inuse_space") };
	if (ix[3] < 0) {
		snprintf(err, errlen, "not a heap profile: no inuse_space sample type");
		return -1;
	}
	for (size_t i = 0; i < p->samples.n; i++) {
		struct go_psample *s = VEC_PUSH(gp->s, gp->n, gp->cap);
		if (!s)
			goto oom;
		struct sample_ctx c = { .p = p, .s = s };
		struct pb b = p->samples.v[i];
		struct pb_fld f;
		int more;
		while ((more = pb_next(&b, &f)) > 0) {
			int r = 0;
			if (f.num == 1)
				r = pb_each_int(f.wt, f.v, &f.sub, add_location, &c);
			else if (f.num == 2)
				r = pb_each_int(f.wt, f.v, &f.sub, add_value, &c);
			if (r < 0) {
				if (c.oom)
					goto oom;
				if (c.bad) {
					snprintf(err, errlen, "corrupt pprof profile: a sample names a location"
					                      " or function that is not there");
					return -1;
				}
				goto bad;
			}
		}
		if (more < 0)
			goto bad;
		if (c.nvalues != p->ntypes) {
			snprintf(err, errlen, "corrupt pprof profile: a sample has %zu values for %zu types",
			         c.nvalues, p->ntypes);
			return -1;
		}
		int64_t *out[4] = { &s->alloc_objects, &s->alloc_space, &s->inuse_objects, &s->inuse_space };
		for (int k = 0; k < 4; k++) {
			*out[k] = ix[k] >= 0 && (size_t)ix[k] < c.nvalues ? c.values[ix[k]] : 0;
			if (*out[k] < 0) {
				snprintf(err, errlen, "corrupt pprof profile: a negative sample value");
				return -1;
			}
		}
	}
	return 0;
oom:
	return err_oom(err, errlen);
bad:
	snprintf(err, errlen, "corrupt pprof profile: bad protobuf encoding in a sample");
	return -1;
}

static int gunzip(const uint8_t *in, size_t n, uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		return err_oom(err, errlen);
	}
	size_t cap = n * 4 + 4096, len = 0;
	uint8_t *buf = malloc(cap);
	int rc = -1, zr = Z_OK;
	if (!buf)
		goto oom;
	z.next_in = (Bytef *)(uintptr_t)in;
	while (zr != Z_STREAM_END) {
		if (len == cap) {
			if (cap >= PPROF_MAX_BYTES) {
				snprintf(err, errlen, "pprof profile larger than %u MiB uncompressed", PPROF_MAX_BYTES >> 20);
				goto out;
			}
			cap = cap * 2 > PPROF_MAX_BYTES ? PPROF_MAX_BYTES : cap * 2;
			uint8_t *nb = realloc(buf, cap);
			if (!nb)
				goto oom;
			buf = nb;
		}
		size_t in_left = n - (size_t)((const uint8_t *)z.next_in - in);
		z.avail_in = in_left > 0x40000000 ? 0x40000000 : (uInt)in_left;
		z.next_out = buf + len;
		z.avail_out = (uInt)(cap - len > 0x40000000 ? 0x40000000 : cap - len);
		uInt before = z.avail_out;
		zr = inflate(&z, Z_NO_FLUSH);
		len += before - z.avail_out;
		if (zr == Z_BUF_ERROR && z.avail_out) {
			snprintf(err, errlen, "corrupt pprof profile: the gzip stream is cut short");
			goto out;
		}
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
			snprintf(err, errlen, "corrupt pprof profile: %s", z.msg ? z.msg : "bad gzip data");
			goto out;
		}
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
	rc = 0;
	goto out;
oom:
	err_oom(err, errlen);
out:
	inflateEnd(&z);
	free(buf);
	return rc;
}

int go_pprof_read(struct go_run *r, const uint8_t *buf, size_t len, int64_t unix_ns,
                  char *err, size_t errlen)
{
	uint8_t *raw = NULL;
	size_t rawlen = len;
	struct prof p;
	int rc = -1;
	memset(&p, 0, sizeof p);
	if (len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b) {
		if (gunzip(buf, len, &raw, &rawlen, err, errlen) < 0)
			return -1;
	}
	struct pb b = { raw ? raw : buf, (raw ? raw : buf) + rawlen };
	if (top_level(&p, b, err, errlen) < 0 || index_functions(&p, err, errlen) < 0 ||
	    index_locations(&p, err, errlen) < 0)
		goto out;
	struct go_profile *gp = VEC_PUSH(r->profiles, r->nprofiles, r->capprofiles);
	if (!gp) {
		err_oom(err, errlen);
		goto out;
	}
	gp->order = r->next_order++;
	gp->period = p.period > 0 ? p.period : 0;
	if (unix_ns > 0)
		gp->unix_ns = unix_ns;
	else if (p.time_ns > 0 && p.time_ns < 4000000000000000000LL)
		gp->unix_ns = p.time_ns;
	gp->has_time = gp->unix_ns > 0;
	if (read_samples(&p, gp, err, errlen) < 0)
		goto out;
	rc = 0;
out:
	prof_free(&p);
	free(raw);
	return rc;
}
