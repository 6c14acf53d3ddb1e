/*
 * report.c - the report's entry points. See report.h.
 */
#include "report/report.h"

#include <errno.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "common/err.h"
#include "common/fileread.h"
#include "ingest/sitename.h"
#include "report/baseline.h"
#include "report/data.h"
#include "report/model.h"
#include "report/runs.h"
#include "report/tal.h"

/* Built into the program by tests/embed.sh (build/gen/embedded.c). */
extern const char embedded_templates_report_xhtml[];
extern const char embedded_templates_style_css[];

char *report_read_file(const char *path, size_t *len)
{
	char *buf;

	return fileread_all(path, SIZE_MAX, &buf, len) < 0 ? NULL : buf;
}

/* The template text and style sheet: from template_dir, else built in. */
static int load_templates(const char *template_dir, char **tmpl, size_t *tlen, char **css,
			  char *name, size_t namecap, char *err, size_t errlen)
{
	char path[4096];
	size_t clen;

	*tmpl = NULL;
	*css = NULL;
	if (!template_dir) {
		snprintf(name, namecap, "report.xhtml (built in)");
		*tlen = strlen(embedded_templates_report_xhtml);
		*tmpl = strdup(embedded_templates_report_xhtml);
		*css = strdup(embedded_templates_style_css);
		if (!*tmpl || !*css)
			goto out_oom;
		return 0;
	}
	snprintf(path, sizeof path, "%s/report.xhtml", template_dir);
	snprintf(name, namecap, "%s", path);
	if (!(*tmpl = report_read_file(path, tlen))) {
		snprintf(err, errlen, "template %s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof path, "%s/style.css", template_dir);
	if (!(*css = report_read_file(path, &clen))) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "template %s: %s", path, strerror(errno));
			free(*tmpl);
			*tmpl = NULL;
			return -1;
		}
		if (!(*css = strdup(embedded_templates_style_css)))
			goto out_oom;
	}
	return 0;
out_oom:
	free(*tmpl);
	free(*css);
	*tmpl = *css = NULL;
	return err_oom(err, errlen);
}

int report_render(const char *db_path, const char *template_dir, char **html, size_t *len,
		  char *err, size_t errlen)
{
	struct report_opts o = { .template_dir = template_dir };

	return report_render_opts(db_path, &o, html, len, err, errlen);
}

int report_render_opts(const char *db_path, const struct report_opts *o, char **html, size_t *len,
		       char *err, size_t errlen)
{
	const char *template_dir = o ? o->template_dir : NULL;
	const char *baseline_path = o ? o->baseline_path : NULL;
	struct sitename_rules rules = { o ? o->alloc_fns : NULL, o ? o->nalloc_fns : 0 };
	struct rp_process *procs = NULL;
	size_t nprocs = 0, tlen = 0;
	char *tmpl = NULL, *css = NULL, name[4200];
	tal_value *model = NULL;
	sqlite3 *db;
	int ret = -1;

	*html = NULL;
	*len = 0;
	if (!(db = rp_open(db_path, err, errlen)))
		return -1;
	if (load_templates(template_dir, &tmpl, &tlen, &css, name, sizeof name, err, errlen) < 0)
		goto out_close;
	if (rp_load(db, &procs, &nprocs, err, errlen) < 0)
		goto out_free;
	if (nprocs == 0) {
		snprintf(err, errlen, "the database holds no process: nothing to report");
		goto out_free;
	}
	if (runs_select(procs, nprocs, o ? o->processes : NULL, o ? o->nprocesses : 0, err,
			errlen) < 0)
		goto out_free;
	if (!(model = model_build(db, procs, nprocs, db_path, css, &rules, err, errlen)))
		goto out_free;
	if (baseline_path &&
	    baseline_attach(model, baseline_path, db_path, template_dir, err, errlen) < 0)
		goto out_free;
	xmlInitParser();
	if (tal_render(tmpl, tlen, name, model, html, len, err, errlen) < 0)
		goto out_free;
	ret = 0;
out_free:
	tal_free(model);
	rp_free_processes(procs, nprocs);
	free(tmpl);
	free(css);
out_close:
	sqlite3_close(db);
	return ret;
}

int report_save(const char *out_path, const char *html, size_t len, char *err, size_t errlen)
{
	struct stat st;
	char *tmp;
	FILE *f;
	int ret = -1;

	/* a device, pipe or symbolic link is written into: a rename would replace it */
	if (lstat(out_path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (!(f = fopen(out_path, "wb")) || fwrite(html, 1, len, f) != len || fclose(f) != 0) {
			snprintf(err, errlen, "cannot write %s: %s", out_path, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (!(tmp = malloc(strlen(out_path) + 32))) {
		return err_oom(err, errlen);
	}
	sprintf(tmp, "%s.tmp%ld", out_path, (long)getpid());
	if (!(f = fopen(tmp, "wb"))) {
		snprintf(err, errlen, "cannot write %s: %s", out_path, strerror(errno));
		goto out_free;
	}
	if (fwrite(html, 1, len, f) != len || fclose(f) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", out_path, strerror(errno));
		unlink(tmp);
		goto out_free;
	}
	if (rename(tmp, out_path) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", out_path, strerror(errno));
		unlink(tmp);
		goto out_free;
	}
	ret = 0;
out_free:
	free(tmp);
	return ret;
}

int report_write(const char *db_path, const char *out_path, const char *template_dir,
		 char *err, size_t errlen)
{
	struct report_opts o = { .template_dir = template_dir };

	return report_write_opts(db_path, out_path, &o, err, errlen);
}

/* Is out_path the file at path? ("-o run.db run.db" would replace the database) */
static int same_file(const char *path, const char *out_path)
{
	struct stat a, b;

	return path && stat(path, &a) == 0 && stat(out_path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

int report_write_opts(const char *db_path, const char *out_path, const struct report_opts *o,
		      char *err, size_t errlen)
{
	char *html;
	size_t len;
	int ret;

	if (same_file(db_path, out_path)) {
		snprintf(err, errlen, "the output %s is the database itself", out_path);
		return -1;
	}
	if (same_file(o ? o->baseline_path : NULL, out_path)) {
		snprintf(err, errlen, "the output %s is the baseline database", out_path);
		return -1;
	}
	if (report_render_opts(db_path, o, &html, &len, err, errlen) < 0)
		return -1;
	ret = report_save(out_path, html, len, err, errlen);
	free(html);
	return ret;
}

char *report_default_output(const char *db_path)
{
	const char *slash = strrchr(db_path, '/');
	const char *dot = strrchr(slash ? slash + 1 : db_path, '.');
	size_t stem = dot && dot != (slash ? slash + 1 : db_path) ? (size_t)(dot - db_path) :
								     strlen(db_path);
	char *out = malloc(stem + 6);

	if (!out)
		return NULL;
	memcpy(out, db_path, stem);
	memcpy(out + stem, ".html", 6);
	return out;
}
