/*
 * export.c - choosing the format, loading, writing the file. See export.h.
 */
#include "export/export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "export/formats.h"
#include "export/load.h"

const char export_formats[] = "pprof folded speedscope massif";
const char export_weights[] = "bytes allocs live live-allocs lost indirect";

static const char *const weight_names[EXW_COUNT] = { "bytes", "allocs", "live", "live-allocs",
						     "lost", "indirect" };

const char *ex_weight_name(enum ex_weight w)
{
	return w < EXW_COUNT ? weight_names[w] : "?";
}

int ex_weight_parse(const char *name)
{
	for (int i = 0; i < EXW_COUNT; i++)
		if (!strcmp(name, weight_names[i]))
			return i;
	return -1;
}

long long ex_weight_of(const struct ex_site *s, enum ex_weight w)
{
	switch (w) {
	case EXW_BYTES:
		return s->bytes;
	case EXW_ALLOCS:
		return s->allocs;
	case EXW_LIVE:
		return s->live_bytes;
	case EXW_LIVE_ALLOCS:
		return s->live_allocs;
	case EXW_LOST:
		return s->lost_bytes;
	case EXW_INDIRECT:
		return s->indirect_bytes;
	case EXW_COUNT:
		break;
	}
	return 0;
}

int ex_weight_is_bytes(enum ex_weight w)
{
	return w != EXW_ALLOCS && w != EXW_LIVE_ALLOCS;
}

static const struct {
	const char *name, *ext;
} formats[] = {
	{ "pprof", ".pb.gz" },
	{ "folded", ".folded" },
	{ "speedscope", ".speedscope.json" },
	{ "massif", ".massif" },
};

int export_format_known(const char *name)
{
	for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
		if (!strcmp(name, formats[i].name))
			return 1;
	return 0;
}

int export_weight_known(const char *name)
{
	return ex_weight_parse(name) >= 0;
}

char *export_default_output(const char *db_path, const char *format)
{
	const char *ext = ".out", *slash = strrchr(db_path, '/'), *dot;
	size_t n;
	char *out;

	for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
		if (!strcmp(format, formats[i].name))
			ext = formats[i].ext;
	dot = strrchr(slash ? slash + 1 : db_path, '.');
	n = dot && dot != (slash ? slash + 1 : db_path) ? (size_t)(dot - db_path) : strlen(db_path);
	if (!(out = malloc(n + strlen(ext) + 1)))
		return NULL;
	memcpy(out, db_path, n);
	strcpy(out + n, ext);
	return out;
}

/* Write buf to an open stream and close it (unless it is stdout). */
static int write_stream(FILE *f, const struct jbuf *buf, char *err, size_t errlen)
{
	int bad = buf->len && fwrite(buf->s, 1, buf->len, f) != buf->len;

	bad |= f == stdout ? fflush(f) != 0 : fclose(f) != 0;
	if (bad)
		snprintf(err, errlen, "cannot write: %s", strerror(errno ? errno : EIO));
	return bad ? -1 : 0;
}

/*
 * Write buf to path: atomically (a temporary file renamed over it) when
 * path is a regular file or does not exist yet; straight into it when it
 * is anything else (a device, a pipe, a symbolic link), which a rename
 * would replace; to stdout for "-".
 */
static int write_out(const char *path, const struct jbuf *buf, char *err, size_t errlen)
{
	struct stat st;
	char *tmp = NULL;
	FILE *f;
	int fd, ret = -1;

	errno = 0;
	if (!strcmp(path, "-"))
		return write_stream(stdout, buf, err, errlen);
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "cannot write: it is a directory");
			return -1;
		}
		if (!(f = fopen(path, "wb"))) {
			snprintf(err, errlen, "cannot open: %s", strerror(errno));
			return -1;
		}
		return write_stream(f, buf, err, errlen);
	}
	if (!(tmp = malloc(strlen(path) + 16))) {
		return err_oom(err, errlen);
	}
	sprintf(tmp, "%s.tmp.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0) {
		snprintf(err, errlen, "cannot create: %s", strerror(errno));
		goto out_free;
	}
	/* mkstemp makes 0600; an export is an ordinary file */
	{
		mode_t um = umask(0);

		umask(um);
		fchmod(fd, 0666 & ~um);
	}
	if (!(f = fdopen(fd, "wb"))) {
		snprintf(err, errlen, "cannot write: %s", strerror(errno));
		close(fd);
		goto out_unlink;
	}
	if (write_stream(f, buf, err, errlen) < 0)
		goto out_unlink;
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot write: %s", strerror(errno));
		goto out_unlink;
	}
	ret = 0;
	goto out_free;
out_unlink:
	unlink(tmp);
out_free:
	free(tmp);
	return ret;
}

/* Is out_path the database itself? Writing over it would destroy it. */
static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

int export_write(const char *db_path, const char *out_path, const struct export_opts *o,
		 char *err, size_t errlen, int *err_is_output)
{
	struct ex_data d;
	struct jbuf out = JBUF_INIT;
	sqlite3 *db;
	int rc, ret = -1;

	*err_is_output = 0;
	if (!export_format_known(o->format)) {
		snprintf(err, errlen, "unknown format '%s' (formats: %s)", o->format, export_formats);
		return -1;
	}
	if (o->weight && !export_weight_known(o->weight)) {
		snprintf(err, errlen, "unknown weight '%s' (weights: %s)", o->weight, export_weights);
		return -1;
	}
	if (strcmp(out_path, "-") && same_file(db_path, out_path)) {
		snprintf(err, errlen, "the output would overwrite the database");
		return -1;
	}
	if (!(db = ex_open(db_path, err, errlen)))
		return -1;
	if (ex_load(db, o->process_id, o->at_label, &d, err, errlen) < 0)
		goto out_close;
	if (!strcmp(o->format, "pprof"))
		rc = ex_pprof(&d, &out, err, errlen);
	else if (!strcmp(o->format, "folded"))
		rc = ex_folded(&d, o->weight, &out, err, errlen);
	else if (!strcmp(o->format, "speedscope"))
		rc = ex_speedscope(&d, &out, err, errlen);
	else
		rc = ex_massif(&d, &out, err, errlen);
	if (rc < 0)
		goto out_free;
	if (write_out(out_path, &out, err, errlen) < 0) {
		*err_is_output = 1;
		goto out_free;
	}
	ret = 0;
out_free:
	ex_free(&d);
	jbuf_free(&out);
out_close:
	sqlite3_close(db);
	return ret;
}
