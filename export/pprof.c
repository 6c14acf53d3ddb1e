/*
 * pprof.c - gzip-compressed profile.proto, the format `go tool pprof` reads.
 *
 * Message and field numbers follow google/pprof's proto/profile.proto.
 * One sample per site with four values, in the order Go's own heap
 * profiles use: alloc_objects, alloc_space, inuse_objects, inuse_space
 * (the last is pprof's default). A location is one instruction address;
 * the frames the compiler inlined at it become its lines, innermost first,
 * which is the order our stacks table already has them in. Every mapping
 * says it has functions, files and lines, so pprof never tries to
 * symbolize the addresses again on the reader's machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "common/err.h"
#include "export/formats.h"
#include "export/keys.h"
#include "export/pbwire.h"

/* profile.proto field numbers */
enum {
	PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE, PROFILE_MAPPING, PROFILE_LOCATION,
	PROFILE_FUNCTION, PROFILE_STRING_TABLE, PROFILE_TIME_NANOS = 9, PROFILE_DURATION_NANOS,
	PROFILE_PERIOD_TYPE, PROFILE_PERIOD, PROFILE_COMMENT, PROFILE_DEFAULT_SAMPLE_TYPE,
	VALUETYPE_TYPE = 1, VALUETYPE_UNIT,
	SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE,
	MAPPING_ID = 1, MAPPING_MEMORY_START, MAPPING_MEMORY_LIMIT, MAPPING_FILE_OFFSET,
	MAPPING_FILENAME, MAPPING_BUILD_ID, MAPPING_HAS_FUNCTIONS, MAPPING_HAS_FILENAMES,
	MAPPING_HAS_LINE_NUMBERS, MAPPING_HAS_INLINE_FRAMES,
	LOCATION_ID = 1, LOCATION_MAPPING_ID, LOCATION_ADDRESS, LOCATION_LINE,
	LINE_FUNCTION_ID = 1, LINE_LINE,
	FUNCTION_ID = 1, FUNCTION_NAME, FUNCTION_SYSTEM_NAME, FUNCTION_FILENAME,
};

struct pp {
	const struct ex_data *d;
	struct keys strings, functions, locations;
	struct jbuf body;	/* everything but the string table */
	struct jbuf msg, sub, fn; /* scratch for nested messages */
	/* per mapping (indexed like d->modules): used?, highest address seen */
	unsigned long long *map_limit;
	char *map_used;
	uint64_t *locs;		/* one sample's location ids */
	size_t ncap;
};

static uint64_t str(struct pp *p, const char *s)
{
	long i = keys_str(&p->strings, s, NULL);

	if (i < 0)
		p->body.oom = 1;
	return i < 0 ? 0 : (uint64_t)i;
}

static void value_type(struct pp *p, unsigned field, const char *type, const char *unit)
{
	uint64_t t = str(p, type), u = str(p, unit);

	p->msg.len = 0;
	pb_uint(&p->msg, VALUETYPE_TYPE, t);
	pb_uint(&p->msg, VALUETYPE_UNIT, u);
	pb_bytes(&p->body, field, p->msg.s, p->msg.len);
}

/* The function id (from 1) of frame f, writing the Function message the first time. */
static uint64_t function_id(struct pp *p, const struct ex_frame *f)
{
	char buf[96], key[4096];
	const char *name = ex_frame_name(f, buf, sizeof buf), *file = f->file ? f->file : "";
	int added, n = snprintf(key, sizeof key, "%s%c%s", name, 0, file);
	long i;

	if (n < 0 || (size_t)n >= sizeof key)
		n = (int)sizeof key - 1;
	if ((i = keys_get(&p->functions, key, (size_t)n, &added)) < 0) {
		p->body.oom = 1;
		return 0;
	}
	if (added) {
		uint64_t sn = str(p, name), sf = str(p, file);

		p->fn.len = 0;
		pb_uint(&p->fn, FUNCTION_ID, (uint64_t)i + 1);
		pb_uint(&p->fn, FUNCTION_NAME, sn);
		pb_uint(&p->fn, FUNCTION_SYSTEM_NAME, sn);
		pb_uint(&p->fn, FUNCTION_FILENAME, sf);
		pb_bytes(&p->body, PROFILE_FUNCTION, p->fn.s, p->fn.len);
	}
	return (uint64_t)i + 1;
}

/*
 * The location id (from 1) of frames fr[0..n-1] of one address (inlined
 * ones first, the real function last), writing the Location message the
 * first time. n == 0 is the "(no stack)" location.
 */
static uint64_t location_id(struct pp *p, const int *fr, int n)
{
	const struct ex_data *d = p->d;
	long long ids[64];
	int added, k = n < 64 ? n : 64;
	long i;

	for (int j = 0; j < k; j++)
		ids[j] = d->frames[fr[j]].id;
	if ((i = keys_get(&p->locations, ids, (size_t)k * sizeof *ids, &added)) < 0) {
		p->body.oom = 1;
		return 0;
	}
	if (added) {
		struct jbuf *m = &p->msg;

		m->len = 0;
		pb_uint(m, LOCATION_ID, (uint64_t)i + 1);
		if (k > 0) {
			const struct ex_frame *last = &d->frames[fr[k - 1]];
			const struct ex_module *mod = ex_frame_module(d, last);
			unsigned long long addr = (unsigned long long)last->offset;

			if (mod) {
				size_t mi = (size_t)(mod - d->modules);

				addr += mod->base;
				pb_uint(m, LOCATION_MAPPING_ID, mi + 1);
				p->map_used[mi] = 1;
				if (addr + 1 > p->map_limit[mi])
					p->map_limit[mi] = addr + 1;
			}
			pb_uint(m, LOCATION_ADDRESS, addr);
		}
		for (int j = 0; j < k || (k == 0 && j == 0); j++) {
			struct ex_frame none = { .function = "(no stack)" };
			const struct ex_frame *f = k ? &d->frames[fr[j]] : &none;
			uint64_t fid = function_id(p, f);

			p->sub.len = 0;
			pb_uint(&p->sub, LINE_FUNCTION_ID, fid);
			if (f->line > 0)
				pb_int(&p->sub, LINE_LINE, f->line);
			pb_bytes(m, LOCATION_LINE, p->sub.s, p->sub.len);
		}
		pb_bytes(&p->body, PROFILE_LOCATION, m->s, m->len);
	}
	return (uint64_t)i + 1;
}

static int add_sample(struct pp *p, const struct ex_site *s)
{
	size_t nl = 0;
	uint64_t v[4];
	int j = 0;

	if (!s->allocs && !s->bytes && !s->live_allocs && !s->live_bytes)
		return 0;
	if ((size_t)s->nframes + 1 > p->ncap) {
		size_t nc = (size_t)s->nframes + 16;
		uint64_t *np = realloc(p->locs, nc * sizeof *np);

		if (!np)
			return -1;
		p->locs = np;
		p->ncap = nc;
	}
	/* group the frames by address: inlined frames end at the real one */
	while (j < s->nframes) {
		int k = j;

		while (k + 1 < s->nframes && p->d->frames[s->frames[k]].inlined)
			k++;
		p->locs[nl++] = location_id(p, s->frames + j, k - j + 1);
		j = k + 1;
	}
	if (!nl)
		p->locs[nl++] = location_id(p, NULL, 0);
	v[0] = (uint64_t)s->allocs;
	v[1] = (uint64_t)s->bytes;
	v[2] = (uint64_t)s->live_allocs;
	v[3] = (uint64_t)s->live_bytes;
	/* the message is built after the locations: they use p->msg */
	p->sub.len = 0;
	pb_packed(&p->sub, SAMPLE_LOCATION_ID, p->locs, nl);
	pb_packed(&p->sub, SAMPLE_VALUE, v, 4);
	pb_bytes(&p->body, PROFILE_SAMPLE, p->sub.s, p->sub.len);
	return 0;
}

static void add_mappings(struct pp *p)
{
	const struct ex_data *d = p->d;

	for (size_t i = 0; i < d->nmodules; i++) {
		const struct ex_module *m = &d->modules[i];
		uint64_t fn, bid;

		if (!p->map_used[i])
			continue;
		fn = str(p, m->path);
		bid = str(p, m->build_id ? m->build_id : "");
		p->msg.len = 0;
		pb_uint(&p->msg, MAPPING_ID, i + 1);
		pb_uint(&p->msg, MAPPING_MEMORY_START, m->base);
		pb_uint(&p->msg, MAPPING_MEMORY_LIMIT, p->map_limit[i]);
		pb_uint(&p->msg, MAPPING_FILE_OFFSET, 0);
		pb_uint(&p->msg, MAPPING_FILENAME, fn);
		pb_uint(&p->msg, MAPPING_BUILD_ID, bid);
		pb_uint(&p->msg, MAPPING_HAS_FUNCTIONS, 1);
		pb_uint(&p->msg, MAPPING_HAS_FILENAMES, 1);
		pb_uint(&p->msg, MAPPING_HAS_LINE_NUMBERS, 1);
		pb_uint(&p->msg, MAPPING_HAS_INLINE_FRAMES, 1);
		pb_bytes(&p->body, PROFILE_MAPPING, p->msg.s, p->msg.len);
	}
}

static void add_header(struct pp *p)
{
	const struct ex_data *d = p->d;
	char text[600];

	value_type(p, PROFILE_SAMPLE_TYPE, "alloc_objects", "count");
	value_type(p, PROFILE_SAMPLE_TYPE, "alloc_space", "bytes");
	value_type(p, PROFILE_SAMPLE_TYPE, "inuse_objects", "count");
	value_type(p, PROFILE_SAMPLE_TYPE, "inuse_space", "bytes");
	value_type(p, PROFILE_PERIOD_TYPE, "space", "bytes");
	pb_int(&p->body, PROFILE_PERIOD, d->sample_bytes > 0 ? d->sample_bytes : 1);
	if (d->start_unix_ns > 0)
		pb_int(&p->body, PROFILE_TIME_NANOS, d->start_unix_ns);
	if (d->duration_ns > 0)
		pb_int(&p->body, PROFILE_DURATION_NANOS, d->duration_ns);
	snprintf(text, sizeof text, "memledger: %.400s, pid %lld (process %lld)",
		 d->exe ? d->exe : "unknown program", d->pid, d->process_id);
	pb_uint(&p->body, PROFILE_COMMENT, str(p, text));
	if (d->at_label)
		snprintf(text, sizeof text, "inuse: blocks live at the snapshot '%.400s'", d->at_label);
	else
		snprintf(text, sizeof text, "inuse: blocks live when the process ended");
	pb_uint(&p->body, PROFILE_COMMENT, str(p, text));
	if (d->sample_bytes > 0) {
		snprintf(text, sizeof text,
			 "sampled run: about one allocation per %lld bytes has a stack; the values "
			 "are the sample's, not scaled",
			 d->sample_bytes);
		pb_uint(&p->body, PROFILE_COMMENT, str(p, text));
	}
	pb_int(&p->body, PROFILE_DEFAULT_SAMPLE_TYPE, (int64_t)str(p, "inuse_space"));
}

/* gzip src into out. */
static int gzip(const struct jbuf *src, struct jbuf *out, char *err, size_t errlen)
{
	z_stream z = { 0 };
	uLong bound;
	int rc;

	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK) {
		snprintf(err, errlen, "zlib: cannot start compressing");
		return -1;
	}
	bound = deflateBound(&z, (uLong)src->len) + 64;
	out->len = 0;
	if (out->cap < bound) {
		char *np = realloc(out->s, bound);

		if (!np) {
			deflateEnd(&z);
			return err_oom(err, errlen);
		}
		out->s = np;
		out->cap = bound;
	}
	z.next_in = (Bytef *)src->s;
	z.avail_in = (uInt)src->len;
	z.next_out = (Bytef *)out->s;
	z.avail_out = (uInt)bound;
	rc = deflate(&z, Z_FINISH);
	out->len = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		snprintf(err, errlen, "zlib: compression failed (%d)", rc);
		return -1;
	}
	return 0;
}

int ex_pprof(const struct ex_data *d, struct jbuf *out, char *err, size_t errlen)
{
	struct pp p = { .d = d, .strings = KEYS_INIT, .functions = KEYS_INIT,
			.locations = KEYS_INIT, .body = JBUF_INIT, .msg = JBUF_INIT,
			.sub = JBUF_INIT, .fn = JBUF_INIT };
	struct jbuf all = JBUF_INIT;
	int ret = -1;

	p.map_limit = calloc(d->nmodules + 1, sizeof *p.map_limit);
	p.map_used = calloc(d->nmodules + 1, 1);
	if (!p.map_limit || !p.map_used || str(&p, "") != 0)
		goto out_oom;
	add_header(&p);
	for (size_t i = 0; i < d->nsites; i++)
		if (add_sample(&p, &d->sites[i]) < 0)
			goto out_oom;
	add_mappings(&p);
	if (p.body.oom || p.msg.oom || p.sub.oom || p.fn.oom)
		goto out_oom;
	/* the string table last: every message above has added its strings */
	jbuf_add(&all, p.body.s ? p.body.s : "", p.body.len);
	for (size_t i = 0; i < p.strings.n; i++)
		pb_bytes(&all, PROFILE_STRING_TABLE, p.strings.key[i], p.strings.len[i]);
	if (all.oom)
		goto out_oom;
	ret = gzip(&all, out, err, errlen);
	goto out_free;
out_oom:
	err_oom(err, errlen);
out_free:
	keys_free(&p.strings);
	keys_free(&p.functions);
	keys_free(&p.locations);
	jbuf_free(&p.body);
	jbuf_free(&p.msg);
	jbuf_free(&p.sub);
	jbuf_free(&p.fn);
	jbuf_free(&all);
	free(p.map_limit);
	free(p.map_used);
	free(p.locs);
	return ret;
}
