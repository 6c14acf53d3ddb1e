/*
 * speedscope.c - speedscope's JSON file format
 * (https://www.speedscope.app/file-format-schema.json).
 *
 * One "sampled" profile per weight that has anything to show (allocated
 * bytes, allocations, live bytes and blocks, lost and indirectly lost
 * bytes): each site is one sample, its stack given root first as
 * indexes into the shared frame list, its weight beside it. A frame is a
 * function in a file, so every call site of a function shares one frame,
 * as in speedscope's own importers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "export/formats.h"
#include "export/keys.h"

static const char *profile_name(enum ex_weight w, const struct ex_data *d, char *buf, size_t cap)
{
	const char *at = d->at_label;

	switch (w) {
	case EXW_BYTES:
		return "Allocated bytes";
	case EXW_ALLOCS:
		return "Allocations";
	case EXW_LIVE:
		snprintf(buf, cap, at ? "Live bytes at '%.200s'" : "Live bytes at exit", at);
		return buf;
	case EXW_LIVE_ALLOCS:
		snprintf(buf, cap, at ? "Live blocks at '%.200s'" : "Live blocks at exit", at);
		return buf;
	case EXW_LOST:
		return "Lost bytes";
	case EXW_INDIRECT:
		return "Indirectly lost bytes";
	case EXW_COUNT:
		break;
	}
	return "?";
}

/* The shared frame index of frame f, adding it to the JSON list the first time. */
static long frame_index(struct keys *frames, struct jbuf *list, const struct ex_frame *f)
{
	char buf[96], key[4096];
	const char *name = ex_frame_name(f, buf, sizeof buf);
	int added, n = snprintf(key, sizeof key, "%s%c%s", name, 0, f->file ? f->file : "");
	long i;

	if (n < 0 || (size_t)n >= sizeof key)
		n = (int)sizeof key - 1;
	if ((i = keys_get(frames, key, (size_t)n, &added)) < 0)
		return -1;
	if (added) {
		jbuf_adds(list, i ? ",\n{\"name\":" : "{\"name\":");
		jbuf_add_string(list, name, strlen(name));
		if (f->file) {
			jbuf_adds(list, ",\"file\":");
			jbuf_add_string(list, f->file, strlen(f->file));
		}
		jbuf_adds(list, "}");
	}
	return i;
}

int ex_speedscope(const struct ex_data *d, struct jbuf *out, char *err, size_t errlen)
{
	struct keys frames = KEYS_INIT;
	struct jbuf list = JBUF_INIT, profiles = JBUF_INIT;
	char num[40], buf[300], title[600];
	long nostack = -1;
	int nprofiles = 0, ret = -1;

	for (int w = 0; w < EXW_COUNT; w++) {
		long long total = 0;
		const char *pname;
		int first = 1;

		for (size_t i = 0; i < d->nsites; i++)
			total += ex_weight_of(&d->sites[i], (enum ex_weight)w) > 0 ?
					 ex_weight_of(&d->sites[i], (enum ex_weight)w) : 0;
		if (total <= 0 && (w != EXW_BYTES || nprofiles))
			continue;
		jbuf_adds(&profiles, nprofiles++ ? ",\n{\"type\":\"sampled\",\"name\":"
						 : "{\"type\":\"sampled\",\"name\":");
		pname = profile_name((enum ex_weight)w, d, buf, sizeof buf);
		jbuf_add_string(&profiles, pname, strlen(pname));
		snprintf(num, sizeof num, "%lld", total);
		jbuf_adds(&profiles, ex_weight_is_bytes((enum ex_weight)w) ? ",\"unit\":\"bytes\""
									    : ",\"unit\":\"none\"");
		jbuf_adds(&profiles, ",\"startValue\":0,\"endValue\":");
		jbuf_adds(&profiles, num);
		jbuf_adds(&profiles, ",\n\"samples\":[");
		/* samples, then weights: two passes over the same sites */
		for (size_t i = 0; i < d->nsites; i++) {
			const struct ex_site *s = &d->sites[i];

			if (ex_weight_of(s, (enum ex_weight)w) <= 0)
				continue;
			jbuf_adds(&profiles, first ? "[" : ",\n[");
			first = 0;
			for (int j = s->nframes - 1; j >= 0; j--) {
				long k = frame_index(&frames, &list, &d->frames[s->frames[j]]);

				if (k < 0)
					goto out_oom;
				snprintf(num, sizeof num, j ? "%ld," : "%ld", k);
				jbuf_adds(&profiles, num);
			}
			if (!s->nframes) {
				struct ex_frame none = { .function = "(no stack)" };

				if (nostack < 0 && (nostack = frame_index(&frames, &list, &none)) < 0)
					goto out_oom;
				snprintf(num, sizeof num, "%ld", nostack);
				jbuf_adds(&profiles, num);
			}
			jbuf_adds(&profiles, "]");
		}
		jbuf_adds(&profiles, "],\n\"weights\":[");
		first = 1;
		for (size_t i = 0; i < d->nsites; i++) {
			long long v = ex_weight_of(&d->sites[i], (enum ex_weight)w);

			if (v <= 0)
				continue;
			snprintf(num, sizeof num, first ? "%lld" : ",%lld", v);
			first = 0;
			jbuf_adds(&profiles, num);
		}
		jbuf_adds(&profiles, "]}");
	}
	snprintf(title, sizeof title, "memledger: %.400s (pid %lld)",
		 d->exe ? d->exe : "unknown program", d->pid);
	jbuf_adds(out, "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\n"
		       "\"exporter\":\"memledger 1.0\",\"name\":");
	jbuf_add_string(out, title, strlen(title));
	jbuf_adds(out, ",\"activeProfileIndex\":0,\n\"shared\":{\"frames\":[\n");
	if (list.len)
		jbuf_add(out, list.s, list.len);
	jbuf_adds(out, "]},\n\"profiles\":[\n");
	if (profiles.len)
		jbuf_add(out, profiles.s, profiles.len);
	jbuf_adds(out, "]}\n");
	if (out->oom || list.oom || profiles.oom)
		goto out_oom;
	ret = 0;
	goto out_free;
out_oom:
	err_oom(err, errlen);
out_free:
	keys_free(&frames);
	jbuf_free(&list);
	jbuf_free(&profiles);
	return ret;
}
