/*
 * suppress.c - see suppress.h.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

#include "compare/suppress.h"

void cmp_supp_free(struct cmp_suppressions *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->rules[i].pattern);
	free(s->rules);
	free(s->path);
	s->rules = NULL;
	s->path = NULL;
	s->n = 0;
}

static const struct {
	const char *prefix;
	enum cmp_supp_field field;
} kinds[] = {
	{ "fun:", CMP_SUPP_FUN },
	{ "file:", CMP_SUPP_FILE },
	{ "module:", CMP_SUPP_MODULE },
};

static int add_rule(struct cmp_suppressions *s, const char *line, size_t len, int lineno, char *err,
                    size_t errlen)
{
	struct cmp_supp_rule *nr;

	for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
		size_t pl = strlen(kinds[k].prefix);

		if (len < pl || strncmp(line, kinds[k].prefix, pl))
			continue;
		while (pl < len && (line[pl] == ' ' || line[pl] == '\t'))
			pl++;
		if (len == pl) {
			snprintf(err, errlen, "line %d: '%s' needs a pattern", lineno, kinds[k].prefix);
			return -1;
		}
		if (!(nr = realloc(s->rules, (s->n + 1) * sizeof *nr)))
			goto out_oom;
		s->rules = nr;
		nr = &s->rules[s->n];
		memset(nr, 0, sizeof *nr);
		nr->field = kinds[k].field;
		nr->line = lineno;
		if (!(nr->pattern = strndup(line + pl, len - pl)))
			goto out_oom;
		s->n++;
		return 0;
	}
	snprintf(err, errlen, "line %d: '%.*s' is not a rule (fun:PATTERN, file:PATTERN or module:PATTERN)",
	         lineno, len > 60 ? 60 : (int)len, line);
	return -1;
out_oom:
	return err_oom(err, errlen);
}

int cmp_supp_parse(struct cmp_suppressions *s, const char *text, size_t len, char *err, size_t errlen)
{
	size_t i = 0;
	int lineno = 0;

	while (i < len) {
		size_t e = i, a, b;

		while (e < len && text[e] != '\n')
			e++;
		lineno++;
		a = i;
		b = e;
		while (a < b && (text[a] == ' ' || text[a] == '\t'))
			a++;
		while (b > a && (text[b - 1] == ' ' || text[b - 1] == '\t' || text[b - 1] == '\r'))
			b--;
		if (a < b && text[a] != '#') {
			if (memchr(text + a, 0, b - a)) {
				snprintf(err, errlen, "line %d: a NUL byte", lineno);
				goto out_free;
			}
			if (add_rule(s, text + a, b - a, lineno, err, errlen) < 0)
				goto out_free;
		}
		i = e + 1;
	}
	return 0;
out_free:
	cmp_supp_free(s);
	return -1;
}

int cmp_supp_load(struct cmp_suppressions *s, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL, *nb;
	size_t n = 0, cap = 0, r;

	if (!f) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		return -1;
	}
	do {
		if (n + 4096 > cap) {
			cap = (n + 4096) * 2;
			if (!(nb = realloc(buf, cap))) {
				err_oom(err, errlen);
				goto out_close;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read: %s", strerror(errno));
		goto out_close;
	}
	fclose(f);
	if (cmp_supp_parse(s, buf ? buf : "", n, err, errlen) < 0) {
		free(buf);
		return -1;
	}
	free(buf);
	if (!(s->path = strdup(path))) {
		cmp_supp_free(s);
		return err_oom(err, errlen);
	}
	return 0;
out_close:
	fclose(f);
	free(buf);
	return -1;
}

static int matches(const struct cmp_supp_rule *r, const struct cmp_frame *f)
{
	const char *name = NULL;

	switch (r->field) {
	case CMP_SUPP_FUN:
		name = f->function;
		break;
	case CMP_SUPP_FILE:
		name = f->file;
		if (name && !strchr(r->pattern, '/') && strrchr(name, '/'))
			name = strrchr(name, '/') + 1;
		break;
	case CMP_SUPP_MODULE:
		name = f->module;
		break;
	}
	return name && fnmatch(r->pattern, name, 0) == 0;
}

struct cmp_supp_rule *cmp_supp_match(struct cmp_suppressions *s, const struct cmp_frame *f, size_t n)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < s->n; k++)
			if (matches(&s->rules[k], &f[i])) {
				s->rules[k].hits++;
				return &s->rules[k];
			}
	return NULL;
}
