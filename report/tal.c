/*
 * tal.c - the template engine and its data model. See tal.h.
 */
#include "report/tal.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/utf8.h"

#include <libxml/HTMLtree.h>
#include <libxml/parser.h>

struct tal_entry {
	char *key;
	tal_value *v;
};

struct tal_value {
	enum tal_type type;
	int broken; /* an insertion into this container failed */
	union {
		int b;
		long long i;
		struct {
			char *s;
			size_t n;
		} str;
		struct {
			tal_value **v;
			size_t n, cap;
		} list;
		struct {
			struct tal_entry *e;
			size_t n, cap;
		} dict;
		xmlNodePtr node;
		const tal_value *ref;
	} u;
};

/* The value a reference stands for (references to references included). */
static const tal_value *deref(const tal_value *v)
{
	int hops = 0;

	while (v && v->type == TAL_REF && hops++ < 16)
		v = v->u.ref;
	return v && v->type == TAL_REF ? NULL : v;
}

/* ------------------------------------------------------------ the model */

static tal_value *value_new(enum tal_type type)
{
	tal_value *v = calloc(1, sizeof *v);

	if (v)
		v->type = type;
	return v;
}

tal_value *tal_null(void)
{
	return value_new(TAL_NULL);
}

tal_value *tal_bool(int b)
{
	tal_value *v = value_new(TAL_BOOL);

	if (v)
		v->u.b = !!b;
	return v;
}

tal_value *tal_int(long long i)
{
	tal_value *v = value_new(TAL_INT);

	if (v)
		v->u.i = i;
	return v;
}

/* Code points HTML forbids in text: controls other than whitespace, and noncharacters. */
static int cp_forbidden(uint32_t c)
{
	if (c < 0x20)
		return c != '\t' && c != '\n' && c != '\r';
	if (c >= 0x7f && c <= 0x9f)
		return 1;
	if (c >= 0xfdd0 && c <= 0xfdef)
		return 1;
	return (c & 0xfffe) == 0xfffe;
}

char *tal_clean(const char *s, size_t n, size_t *outlen)
{
	static const char repl[] = "\xef\xbf\xbd"; /* U+FFFD */
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0;
	char *d;

	/* Worst case: every byte becomes a 3-byte U+FFFD. */
	if (n > (SIZE_MAX - 1) / 3 || !(d = malloc(n * 3 + 1)))
		return NULL;
	while (i < n) {
		uint32_t cp;
		size_t len = utf8_decode(p + i, n - i, &cp);

		if (len == 0 || cp_forbidden(cp)) {
			memcpy(d + o, repl, 3);
			o += 3;
			i += len ? len : 1;
		} else {
			memcpy(d + o, p + i, len);
			o += len;
			i += len;
		}
	}
	d[o] = '\0';
	if (outlen)
		*outlen = o;
	return d;
}

tal_value *tal_strn(const char *s, size_t n)
{
	tal_value *v;
	size_t o;
	char *d;

	if (!s)
		return tal_null();
	if (!(d = tal_clean(s, n, &o)))
		return NULL;
	if (!(v = value_new(TAL_STR))) {
		free(d);
		return NULL;
	}
	v->u.str.s = d;
	v->u.str.n = o;
	return v;
}

tal_value *tal_str(const char *s)
{
	return s ? tal_strn(s, strlen(s)) : tal_null();
}

static tal_value *tal_vstrf(const char *fmt, va_list ap)
{
	va_list aq;
	tal_value *v;
	char *buf;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || !(buf = malloc((size_t)n + 1)))
		return NULL;
	vsnprintf(buf, (size_t)n + 1, fmt, ap);
	v = tal_strn(buf, (size_t)n);
	free(buf);
	return v;
}

tal_value *tal_strf(const char *fmt, ...)
{
	tal_value *v;
	va_list ap;

	va_start(ap, fmt);
	v = tal_vstrf(fmt, ap);
	va_end(ap);
	return v;
}

tal_value *tal_ref(const tal_value *target)
{
	tal_value *v;

	if (!target)
		return NULL;
	if ((v = value_new(TAL_REF)))
		v->u.ref = target;
	return v;
}

tal_value *tal_list(void)
{
	return value_new(TAL_LIST);
}

tal_value *tal_dict(void)
{
	return value_new(TAL_DICT);
}

tal_value *tal_node(xmlNodePtr node)
{
	tal_value *v;

	if (!node)
		return NULL;
	if (!(v = value_new(TAL_NODE))) {
		xmlFreeNode(node);
		return NULL;
	}
	v->u.node = node;
	return v;
}

void tal_free(tal_value *v)
{
	size_t i;

	if (!v)
		return;
	switch (v->type) {
	case TAL_STR:
		free(v->u.str.s);
		break;
	case TAL_LIST:
		for (i = 0; i < v->u.list.n; i++)
			tal_free(v->u.list.v[i]);
		free(v->u.list.v);
		break;
	case TAL_DICT:
		for (i = 0; i < v->u.dict.n; i++) {
			free(v->u.dict.e[i].key);
			tal_free(v->u.dict.e[i].v);
		}
		free(v->u.dict.e);
		break;
	case TAL_NODE:
		xmlFreeNode(v->u.node);
		break;
	default:
		break;
	}
	free(v);
}

int tal_set(tal_value *dict, const char *key, tal_value *v)
{
	struct tal_entry *e;
	size_t i;
	char *k;

	if (!dict || dict->type != TAL_DICT || !v || !key) {
		if (dict)
			dict->broken = 1;
		tal_free(v);
		return -1;
	}
	for (i = 0; i < dict->u.dict.n; i++) {
		if (strcmp(dict->u.dict.e[i].key, key) == 0) {
			tal_free(dict->u.dict.e[i].v);
			dict->u.dict.e[i].v = v;
			return 0;
		}
	}
	if (dict->u.dict.n == dict->u.dict.cap) {
		size_t cap = dict->u.dict.cap ? dict->u.dict.cap * 2 : 8;

		if (!(e = realloc(dict->u.dict.e, cap * sizeof *e)))
			goto out_broken;
		dict->u.dict.e = e;
		dict->u.dict.cap = cap;
	}
	if (!(k = strdup(key)))
		goto out_broken;
	dict->u.dict.e[dict->u.dict.n].key = k;
	dict->u.dict.e[dict->u.dict.n].v = v;
	dict->u.dict.n++;
	return 0;
out_broken:
	dict->broken = 1;
	tal_free(v);
	return -1;
}

int tal_push(tal_value *list, tal_value *v)
{
	tal_value **nv;

	if (!list || list->type != TAL_LIST || !v) {
		if (list)
			list->broken = 1;
		tal_free(v);
		return -1;
	}
	if (list->u.list.n == list->u.list.cap) {
		size_t cap = list->u.list.cap ? list->u.list.cap * 2 : 8;

		if (!(nv = realloc(list->u.list.v, cap * sizeof *nv))) {
			list->broken = 1;
			tal_free(v);
			return -1;
		}
		list->u.list.v = nv;
		list->u.list.cap = cap;
	}
	list->u.list.v[list->u.list.n++] = v;
	return 0;
}

int tal_set_str(tal_value *d, const char *key, const char *s)
{
	return tal_set(d, key, tal_str(s));
}

int tal_set_int(tal_value *d, const char *key, long long i)
{
	return tal_set(d, key, tal_int(i));
}

int tal_set_bool(tal_value *d, const char *key, int b)
{
	return tal_set(d, key, tal_bool(b));
}

int tal_set_strf(tal_value *d, const char *key, const char *fmt, ...)
{
	tal_value *v;
	va_list ap;

	va_start(ap, fmt);
	v = tal_vstrf(fmt, ap);
	va_end(ap);
	return tal_set(d, key, v);
}

enum tal_type tal_type_of(const tal_value *v)
{
	v = deref(v);
	return v ? v->type : TAL_NULL;
}

size_t tal_len(const tal_value *v)
{
	v = deref(v);
	if (!v)
		return 0;
	switch (v->type) {
	case TAL_STR:
		return v->u.str.n;
	case TAL_LIST:
		return v->u.list.n;
	case TAL_DICT:
		return v->u.dict.n;
	default:
		return 0;
	}
}

/* The member of v named by the n bytes at seg, or NULL. */
static const tal_value *member(const tal_value *v, const char *seg, size_t n)
{
	size_t i;

	v = deref(v);
	if (!v)
		return NULL;
	if (v->type == TAL_DICT) {
		for (i = 0; i < v->u.dict.n; i++) {
			const char *k = v->u.dict.e[i].key;

			if (strncmp(k, seg, n) == 0 && k[n] == '\0')
				return deref(v->u.dict.e[i].v);
		}
	} else if (v->type == TAL_LIST && n > 0 && n < 20) {
		size_t idx = 0;

		for (i = 0; i < n; i++) {
			if (seg[i] < '0' || seg[i] > '9')
				return NULL;
			idx = idx * 10 + (size_t)(seg[i] - '0');
		}
		if (idx < v->u.list.n)
			return deref(v->u.list.v[idx]);
	}
	return NULL;
}

const tal_value *tal_get(const tal_value *v, const char *path)
{
	v = deref(v);
	while (v && *path) {
		size_t n = strcspn(path, "/");

		v = member(v, path, n);
		path += n;
		if (*path == '/')
			path++;
	}
	return v;
}

const char *tal_string(const tal_value *v)
{
	v = deref(v);
	return v && v->type == TAL_STR ? v->u.str.s : NULL;
}

long long tal_integer(const tal_value *v)
{
	v = deref(v);
	if (v && v->type == TAL_INT)
		return v->u.i;
	if (v && v->type == TAL_BOOL)
		return v->u.b;
	return 0;
}

int tal_ok(const tal_value *v)
{
	size_t i;

	if (!v || v->broken)
		return 0;
	if (v->type == TAL_LIST) {
		for (i = 0; i < v->u.list.n; i++)
			if (!tal_ok(v->u.list.v[i]))
				return 0;
	} else if (v->type == TAL_DICT) {
		for (i = 0; i < v->u.dict.n; i++)
			if (!tal_ok(v->u.dict.e[i].v))
				return 0;
	}
	return 1;
}

/* ------------------------------------------------------------ the engine */

/* One local name: from t:define or t:repeat (then index/length are set). */
struct scope {
	const char *name;
	size_t namelen;
	const tal_value *value;
	int is_repeat;
	size_t index, length;
	const struct scope *up;
};

struct macro {
	char *name;
	xmlNodePtr node;
	size_t nodes;      /* nodes below it: what one t:use copies */
};

struct ctx {
	xmlDocPtr doc;
	const tal_value *model;
	const char *docname;
	struct macro *macros;
	size_t nmacros;
	int depth;
	size_t expanded;   /* nodes copied by t:use so far */
	char *err;
	size_t errlen;
	int failed;
};

#define MAX_DEPTH 200
/* Macros that each use another twice expand exponentially: 30 of them in
 * 2 KiB of template would copy 2^30 nodes. The report's own template
 * copies under 9,000 (measured on tests/fixtures/scale_fixture.sql). */
#define MAX_EXPANDED 100000

static void fail(struct ctx *c, xmlNodePtr node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct ctx *c, xmlNodePtr node, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (c->failed)
		return;
	c->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->err && c->errlen)
		snprintf(c->err, c->errlen, "%s:%ld: %s", c->docname,
			 node ? xmlGetLineNo(node) : 0L, msg);
}

static int truthy(const tal_value *v)
{
	v = deref(v);
	if (!v)
		return 0;
	switch (v->type) {
	case TAL_NULL:
		return 0;
	case TAL_BOOL:
		return v->u.b;
	case TAL_INT:
		return v->u.i != 0;
	case TAL_STR:
		return v->u.str.n > 0;
	case TAL_LIST:
		return v->u.list.n > 0;
	case TAL_DICT:
		return v->u.dict.n > 0;
	case TAL_NODE:
		return 1;
	case TAL_REF: /* deref() gave up: a cycle */
		return 0;
	}
	return 0;
}

/* Text of a scalar into buf (or a pointer to the string itself). */
static const char *scalar_text(const tal_value *v, char *buf, size_t cap)
{
	v = deref(v);
	switch (tal_type_of(v)) {
	case TAL_STR:
		return v->u.str.s;
	case TAL_INT:
		snprintf(buf, cap, "%lld", v->u.i);
		return buf;
	case TAL_BOOL:
		return v->u.b ? "true" : "false";
	default:
		return "";
	}
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

/* A value computed by an expression; owned is freed by result_drop(). */
struct result {
	const tal_value *v;
	tal_value *owned;
};

static void result_drop(struct result *r)
{
	tal_free(r->owned);
	r->owned = NULL;
	r->v = NULL;
}

static const struct scope *scope_find(const struct scope *sc, const char *name, size_t n,
				      int repeat_only)
{
	for (; sc; sc = sc->up)
		if (sc->namelen == n && strncmp(sc->name, name, n) == 0 &&
		    (!repeat_only || sc->is_repeat))
			return sc;
	return NULL;
}

/* repeat/NAME/PROP: a fresh value describing a repeat loop. */
static int eval_repeat(struct ctx *c, xmlNodePtr node, const struct scope *sc,
		       const char *rest, const char *expr, struct result *r)
{
	size_t n = strcspn(rest, "/");
	const struct scope *rs = scope_find(sc, rest, n, 1);
	const char *prop = rest[n] == '/' ? rest + n + 1 : "";

	if (!rs) {
		fail(c, node, "\"%s\": no repeat loop named \"%.*s\"", expr, (int)n, rest);
		return -1;
	}
	if (strcmp(prop, "index") == 0)
		r->owned = tal_int((long long)rs->index);
	else if (strcmp(prop, "number") == 0)
		r->owned = tal_int((long long)rs->index + 1);
	else if (strcmp(prop, "length") == 0)
		r->owned = tal_int((long long)rs->length);
	else if (strcmp(prop, "first") == 0)
		r->owned = tal_bool(rs->index == 0);
	else if (strcmp(prop, "last") == 0)
		r->owned = tal_bool(rs->index + 1 == rs->length);
	else if (strcmp(prop, "odd") == 0)
		r->owned = tal_bool(rs->index % 2 == 1);
	else if (strcmp(prop, "even") == 0)
		r->owned = tal_bool(rs->index % 2 == 0);
	else {
		fail(c, node, "\"%s\": unknown repeat property \"%s\"", expr, prop);
		return -1;
	}
	if (!r->owned) {
		fail(c, node, ERR_OOM);
		return -1;
	}
	r->v = r->owned;
	return 0;
}

/*
 * Resolve the path in the n bytes at p. Missing names fail unless
 * "quiet", in which case r->v is NULL and 0 is returned.
 */
static int eval_path(struct ctx *c, xmlNodePtr node, const struct scope *sc, const char *p,
		     size_t n, int quiet, struct result *r)
{
	char path[512];
	const tal_value *v;
	const struct scope *s;
	const char *seg;
	size_t len;

	while (n > 0 && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n'))
		n--;
	if (n == 0 || n >= sizeof path) {
		fail(c, node, "bad path \"%.*s\"", (int)n, p);
		return -1;
	}
	memcpy(path, p, n);
	path[n] = '\0';
	r->v = NULL;
	r->owned = NULL;
	if (strcmp(path, "nothing") == 0) {
		r->owned = tal_null();
		r->v = r->owned;
		return r->v ? 0 : -1;
	}
	len = strcspn(path, "/");
	seg = path + len + (path[len] == '/');
	if ((s = scope_find(sc, path, len, 0)))
		v = deref(s->value);
	else if (len == 6 && strncmp(path, "repeat", 6) == 0 && path[len] == '/')
		return eval_repeat(c, node, sc, seg, path, r);
	else {
		v = member(c->model, path, len);
	}
	if (v && path[len] == '/') {
		/* walk the rest one segment at a time to name the missing one */
		while (v && *seg) {
			size_t sl = strcspn(seg, "/");
			const tal_value *next = member(v, seg, sl);

			if (!next) {
				if (quiet)
					return 0;
				fail(c, node, "\"%s\": no \"%.*s\" here", path, (int)sl, seg);
				return -1;
			}
			v = next;
			seg += sl + (seg[sl] == '/');
		}
	}
	if (!v) {
		if (quiet)
			return 0;
		fail(c, node, "\"%s\": no such name \"%.*s\"", path, (int)len, path);
		return -1;
	}
	r->v = v;
	return 0;
}

/* string:...${path}...: a fresh string. */
static int eval_string(struct ctx *c, xmlNodePtr node, const struct scope *sc, const char *s,
		       struct result *r)
{
	char *buf = NULL, num[32];
	size_t len = 0, cap = 0;
	int ret = -1;

	for (;;) {
		const char *piece = s;
		size_t plen;
		struct result sub = { 0 };

		if (*s == '\0')
			break;
		if (s[0] == '$' && s[1] == '$') {
			piece = "$";
			plen = 1;
			s += 2;
		} else if (s[0] == '$' && s[1] == '{') {
			const char *end = strchr(s, '}');

			if (!end) {
				fail(c, node, "unclosed ${ in \"%s\"", s);
				goto out_free;
			}
			if (eval_path(c, node, sc, s + 2, (size_t)(end - s - 2), 0, &sub) < 0)
				goto out_free;
			if (tal_type_of(sub.v) == TAL_LIST || tal_type_of(sub.v) == TAL_DICT ||
			    tal_type_of(sub.v) == TAL_NODE) {
				fail(c, node, "\"%.*s\" is not text", (int)(end - s - 2), s + 2);
				result_drop(&sub);
				goto out_free;
			}
			piece = scalar_text(sub.v, num, sizeof num);
			plen = strlen(piece);
			s = end + 1;
		} else {
			plen = strcspn(s, "$");
			if (plen == 0)
				plen = 1;
			s += plen;
		}
		if (len + plen + 1 > cap) {
			size_t ncap = (len + plen + 1) * 2;
			char *nb = realloc(buf, ncap);

			if (!nb) {
				result_drop(&sub);
				fail(c, node, ERR_OOM);
				goto out_free;
			}
			buf = nb;
			cap = ncap;
		}
		memcpy(buf + len, piece, plen);
		len += plen;
		result_drop(&sub);
	}
	r->owned = tal_strn(buf ? buf : "", len);
	if (!r->owned) {
		fail(c, node, ERR_OOM);
		goto out_free;
	}
	r->v = r->owned;
	ret = 0;
out_free:
	free(buf);
	return ret;
}

static int eval(struct ctx *c, xmlNodePtr node, const struct scope *sc, const char *expr,
		struct result *r)
{
	r->v = NULL;
	r->owned = NULL;
	expr = skip_space(expr);
	if (strncmp(expr, "string:", 7) == 0)
		return eval_string(c, node, sc, expr + 7, r);
	if (strncmp(expr, "not:", 4) == 0) {
		struct result sub;
		int t;

		if (eval(c, node, sc, expr + 4, &sub) < 0)
			return -1;
		t = truthy(sub.v);
		result_drop(&sub);
		r->owned = tal_bool(!t);
	} else if (strncmp(expr, "exists:", 7) == 0) {
		struct result sub;

		if (eval_path(c, node, sc, expr + 7, strlen(expr + 7), 1, &sub) < 0)
			return -1;
		r->owned = tal_bool(sub.v != NULL);
		result_drop(&sub);
	} else {
		return eval_path(c, node, sc, expr, strlen(expr), 0, r);
	}
	if (!r->owned) {
		fail(c, node, ERR_OOM);
		return -1;
	}
	r->v = r->owned;
	return 0;
}

/*
 * Template attributes are plain attributes named "t:NAME" once normalize()
 * has run; template elements are named "t:NAME" too. Neither can come from
 * the parser, which resolves every prefix to a namespace.
 */
static int is_tal_name(const xmlChar *name)
{
	return name[0] == 't' && name[1] == ':';
}

/* The value of t:NAME on node, or NULL. */
static const char *tal_attr(xmlNodePtr node, const char *name)
{
	xmlAttrPtr a;

	for (a = node->properties; a; a = a->next)
		if (is_tal_name(a->name) && strcmp((const char *)a->name + 2, name) == 0)
			return a->children && a->children->content ?
				       (const char *)a->children->content : "";
	return NULL;
}

static void unset_tal_attr(xmlNodePtr node, const char *name)
{
	xmlAttrPtr a;

	for (a = node->properties; a; a = a->next)
		if (is_tal_name(a->name) && strcmp((const char *)a->name + 2, name) == 0) {
			xmlRemoveProp(a);
			return;
		}
}

static void remove_tal_attrs(xmlNodePtr node)
{
	xmlAttrPtr a = node->properties, next;

	for (; a; a = next) {
		next = a->next;
		if (is_tal_name(a->name))
			xmlRemoveProp(a);
	}
}

static int check_tal_attrs(struct ctx *c, xmlNodePtr node)
{
	static const char *const known[] = { "repeat", "define", "condition", "use", "content",
					     "replace", "attributes", "omit", "macro", "slot",
					     "fill", NULL };
	xmlAttrPtr a;
	size_t i;

	for (a = node->properties; a; a = a->next) {
		if (!is_tal_name(a->name))
			continue;
		for (i = 0; known[i]; i++)
			if (strcmp((const char *)a->name + 2, known[i]) == 0)
				break;
		if (!known[i]) {
			fail(c, node, "unknown template attribute %s", (const char *)a->name);
			return -1;
		}
	}
	return 0;
}

/*
 * Drop every comment and namespace from the tree, renaming template attributes and
 * elements to "t:NAME" and other prefixed attributes to "prefix:name".
 * Afterwards nodes can be copied, moved and freed without namespace
 * pointers dangling, and the HTML serializer sees plain HTML names (it
 * treats a namespaced <br> as unknown and writes "</br>").
 */
static int normalize(struct ctx *c, xmlNodePtr node)
{
	xmlNodePtr ch, next_ch;
	xmlAttrPtr a, next;
	char name[256];

	if (node->type != XML_ELEMENT_NODE)
		return 0;
	for (a = node->properties; a; a = next) {
		const xmlChar *val;
		xmlChar *copy;

		next = a->next;
		if (!a->ns)
			continue;
		if (a->ns->href && strcmp((const char *)a->ns->href, TAL_NS) == 0)
			snprintf(name, sizeof name, "t:%s", (const char *)a->name);
		else
			snprintf(name, sizeof name, "%s:%s",
				 a->ns->prefix ? (const char *)a->ns->prefix : "ns",
				 (const char *)a->name);
		val = a->children && a->children->content ? a->children->content :
							      (const xmlChar *)"";
		copy = xmlStrdup(val);
		if (!copy || !xmlNewProp(node, (const xmlChar *)name, copy)) {
			xmlFree(copy);
			fail(c, node, ERR_OOM);
			return -1;
		}
		xmlFree(copy);
		xmlRemoveProp(a);
	}
	if (node->ns) {
		if (node->ns->href && strcmp((const char *)node->ns->href, TAL_NS) == 0) {
			snprintf(name, sizeof name, "t:%s", (const char *)node->name);
			xmlNodeSetName(node, (const xmlChar *)name);
		}
		node->ns = NULL;
	}
	for (ch = node->children; ch; ch = next_ch) {
		next_ch = ch->next;
		/* template comments are notes for its authors, not page content */
		if (ch->type == XML_COMMENT_NODE) {
			xmlUnlinkNode(ch);
			xmlFreeNode(ch);
			continue;
		}
		if (normalize(c, ch) < 0)
			return -1;
	}
	/* children no longer point at these */
	if (node->nsDef) {
		xmlFreeNsList(node->nsDef);
		node->nsDef = NULL;
	}
	return 0;
}

/* Nodes for a value, as a list (children of a fresh holder element). */
static int value_nodes(struct ctx *c, xmlNodePtr at, const tal_value *v, xmlNodePtr holder)
{
	char num[32];
	xmlNodePtr n;
	size_t i;

	v = deref(v);
	switch (tal_type_of(v)) {
	case TAL_NULL:
		return 0;
	case TAL_NODE:
		n = xmlDocCopyNode(v->u.node, c->doc, 1);
		break;
	case TAL_LIST:
		for (i = 0; i < v->u.list.n; i++)
			if (value_nodes(c, at, v->u.list.v[i], holder) < 0)
				return -1;
		return 0;
	case TAL_DICT:
		fail(c, at, "cannot insert a dictionary as content");
		return -1;
	default:
		n = xmlNewDocText(c->doc, (const xmlChar *)scalar_text(v, num, sizeof num));
		break;
	}
	if (!n) {
		fail(c, at, ERR_OOM);
		return -1;
	}
	xmlAddChild(holder, n);
	return 0;
}

enum take { TAKE_FREE, TAKE_BEFORE, TAKE_INTO };

/* Unlink every child of from, then free it, or add it before to, or at the end of to. */
static void take_children(xmlNodePtr from, enum take how, xmlNodePtr to)
{
	xmlNodePtr ch = from->children, next;

	for (; ch; ch = next) {
		next = ch->next;
		xmlUnlinkNode(ch);
		if (how == TAKE_FREE)
			xmlFreeNode(ch);
		else if (how == TAKE_BEFORE)
			xmlAddPrevSibling(to, ch);
		else
			xmlAddChild(to, ch);
	}
}

static void free_children(xmlNodePtr node)
{
	take_children(node, TAKE_FREE, NULL);
}

/* Move the children of from before "before". */
static void move_children_before(xmlNodePtr from, xmlNodePtr before)
{
	take_children(from, TAKE_BEFORE, before);
}

static void drop_node(xmlNodePtr node)
{
	xmlUnlinkNode(node);
	xmlFreeNode(node);
}

/*
 * Parse "name EXPR; name EXPR" into successive calls of fn. ";;" stands
 * for a literal semicolon inside EXPR.
 */
typedef int (*pair_fn)(struct ctx *c, xmlNodePtr node, const struct scope *sc,
		       const char *name, size_t namelen, const char *expr, void *arg);

static int each_pair(struct ctx *c, xmlNodePtr node, const struct scope *sc, const char *spec,
		     pair_fn fn, void *arg)
{
	char *buf = malloc(strlen(spec) + 1);
	const char *s = spec;
	int ret = -1;

	if (!buf) {
		fail(c, node, ERR_OOM);
		return -1;
	}
	while (*(s = skip_space(s))) {
		size_t o = 0, namelen;
		const char *name = s;

		namelen = strcspn(s, " \t\r\n;");
		s = skip_space(s + namelen);
		while (*s) {
			if (s[0] == ';' && s[1] == ';') {
				buf[o++] = ';';
				s += 2;
			} else if (s[0] == ';') {
				s++;
				break;
			} else {
				buf[o++] = *s++;
			}
		}
		buf[o] = '\0';
		if (namelen == 0 || o == 0) {
			fail(c, node, "expected \"name expression\" in \"%s\"", spec);
			goto out_free;
		}
		if (fn(c, node, sc, name, namelen, buf, arg) < 0)
			goto out_free;
	}
	ret = 0;
out_free:
	free(buf);
	return ret;
}

static int set_attribute(struct ctx *c, xmlNodePtr node, const struct scope *sc,
			 const char *name, size_t namelen, const char *expr, void *arg)
{
	char aname[128], num[32];
	struct result r;
	int ret = 0;

	(void)arg;
	if (namelen >= sizeof aname || memchr(name, ':', namelen)) {
		fail(c, node, "bad attribute name \"%.*s\"", (int)namelen, name);
		return -1;
	}
	memcpy(aname, name, namelen);
	aname[namelen] = '\0';
	if (eval(c, node, sc, expr, &r) < 0)
		return -1;
	switch (tal_type_of(r.v)) {
	case TAL_NULL:
		xmlUnsetProp(node, (const xmlChar *)aname);
		break;
	case TAL_BOOL:
		if (r.v->u.b)
			xmlSetProp(node, (const xmlChar *)aname, (const xmlChar *)aname);
		else
			xmlUnsetProp(node, (const xmlChar *)aname);
		break;
	case TAL_INT:
	case TAL_STR:
		/* xmlSetProp stores the text as is; the serializer escapes it. */
		if (!xmlSetProp(node, (const xmlChar *)aname,
				(const xmlChar *)scalar_text(r.v, num, sizeof num))) {
			fail(c, node, ERR_OOM);
			ret = -1;
		}
		break;
	default:
		fail(c, node, "attribute %s: \"%s\" is not text", aname, expr);
		ret = -1;
	}
	result_drop(&r);
	return ret;
}

/* Locals of one element: the scope frames and the values they own. */
#define MAX_DEFINES 16
struct defines {
	struct scope frames[MAX_DEFINES];
	tal_value *owned[MAX_DEFINES];
	char names[MAX_DEFINES][64];
	size_t n;
	const struct scope *top;
};

static int add_define(struct ctx *c, xmlNodePtr node, const struct scope *sc, const char *name,
		      size_t namelen, const char *expr, void *arg)
{
	struct defines *d = arg;
	struct result r;

	(void)sc;
	if (d->n == MAX_DEFINES || namelen >= sizeof d->names[0]) {
		fail(c, node, "t:define: too many names, or a name too long");
		return -1;
	}
	/* later definitions see earlier ones */
	if (eval(c, node, d->top, expr, &r) < 0)
		return -1;
	/* the attribute holding the name is removed before the children run */
	memcpy(d->names[d->n], name, namelen);
	d->names[d->n][namelen] = '\0';
	d->frames[d->n] = (struct scope){ .name = d->names[d->n], .namelen = namelen,
					  .value = r.v, .up = d->top };
	d->owned[d->n] = r.owned;
	d->top = &d->frames[d->n];
	d->n++;
	return 0;
}

static const struct macro *macro_find(const struct ctx *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nmacros; i++)
		if (strcmp(c->macros[i].name, name) == 0)
			return &c->macros[i];
	return NULL;
}

/* First element at or below the children of node with t:ATTR (= value), or NULL. */
static xmlNodePtr find_marked(xmlNodePtr node, const char *attr, const char *value)
{
	xmlNodePtr ch, hit;

	for (ch = node->children; ch; ch = ch->next) {
		const char *v;

		if (ch->type != XML_ELEMENT_NODE)
			continue;
		v = tal_attr(ch, attr);
		if (v && (!value || strcmp(v, value) == 0))
			return ch;
		if ((hit = find_marked(ch, attr, value)))
			return hit;
	}
	return NULL;
}

/* Move all children of from to the end of to. */
static void move_children_into(xmlNodePtr from, xmlNodePtr to)
{
	take_children(from, TAKE_INTO, to);
}

/* t:use: the macro's children replace node's; its t:slot parts take node's t:fill parts. */
static int use_macro(struct ctx *c, xmlNodePtr node, const char *name)
{
	const struct macro *m = macro_find(c, name);
	xmlNodePtr fills, list, slot;

	if (!m) {
		fail(c, node, "t:use: no macro named \"%s\"", name);
		return -1;
	}
	if (m->nodes > MAX_EXPANDED - c->expanded) {
		fail(c, node, "t:use: macros expand to more than %d nodes (macros that use each other repeatedly?)",
		     MAX_EXPANDED);
		return -1;
	}
	c->expanded += m->nodes;
	if (!(fills = xmlNewDocNode(c->doc, NULL, (const xmlChar *)"fills", NULL))) {
		fail(c, node, ERR_OOM);
		return -1;
	}
	/* the use site's children are only a source of fills now */
	move_children_into(node, fills);
	if (m->node->children) {
		if (!(list = xmlDocCopyNodeList(c->doc, m->node->children))) {
			fail(c, node, ERR_OOM);
			goto out_free;
		}
		xmlAddChildList(node, list);
	}
	while ((slot = find_marked(node, "slot", NULL))) {
		const char *sname = tal_attr(slot, "slot");
		xmlNodePtr fill = find_marked(fills, "fill", sname), f;

		if (!fill) {
			unset_tal_attr(slot, "slot"); /* keep the default content */
			continue;
		}
		if (!(f = xmlDocCopyNode(fill, c->doc, 1))) {
			fail(c, node, ERR_OOM);
			goto out_free;
		}
		unset_tal_attr(f, "fill");
		xmlReplaceNode(slot, f);
		xmlFreeNode(slot);
	}
out_free:
	xmlFreeNode(fills);
	return c->failed ? -1 : 0;
}

static int process(struct ctx *c, xmlNodePtr node, const struct scope *sc);

static int process_children(struct ctx *c, xmlNodePtr node, const struct scope *sc)
{
	xmlNodePtr ch = node->children, next;

	for (; ch; ch = next) {
		next = ch->next;
		if (ch->type == XML_ELEMENT_NODE && process(c, ch, sc) < 0)
			return -1;
	}
	return 0;
}

static int process_repeat(struct ctx *c, xmlNodePtr node, const struct scope *sc,
			  const char *spec)
{
	const char *name = skip_space(spec), *expr;
	size_t namelen = strcspn(name, " \t\r\n"), i, n;
	struct result r;
	int ret = -1;

	expr = skip_space(name + namelen);
	if (namelen == 0 || *expr == '\0') {
		fail(c, node, "t:repeat: expected \"name expression\", got \"%s\"", spec);
		return -1;
	}
	if (eval(c, node, sc, expr, &r) < 0)
		return -1;
	if (tal_type_of(r.v) != TAL_LIST && tal_type_of(r.v) != TAL_NULL) {
		fail(c, node, "t:repeat: \"%s\" is not a list", expr);
		goto out_drop;
	}
	n = tal_len(r.v);
	for (i = 0; i < n; i++) {
		struct scope s = { .name = name, .namelen = namelen, .value = deref(r.v->u.list.v[i]),
				   .is_repeat = 1, .index = i, .length = n, .up = sc };
		xmlNodePtr copy = xmlDocCopyNode(node, c->doc, 1);

		if (!copy) {
			fail(c, node, ERR_OOM);
			goto out_drop;
		}
		unset_tal_attr(copy, "repeat");
		xmlAddPrevSibling(node, copy);
		if (process(c, copy, &s) < 0)
			goto out_drop;
	}
	ret = 0;
out_drop:
	result_drop(&r);
	/* name points into node's attribute: free it last */
	drop_node(node);
	return ret;
}

/* t:content / t:replace: returns 1 if node was replaced (and is gone). */
static int insert_value(struct ctx *c, xmlNodePtr node, const struct scope *sc,
			const char *expr, int replace)
{
	xmlNodePtr holder = xmlNewDocNode(c->doc, NULL, (const xmlChar *)"holder", NULL);
	struct result r;
	int ret = -1;

	if (!holder) {
		fail(c, node, ERR_OOM);
		return -1;
	}
	if (eval(c, node, sc, expr, &r) < 0)
		goto out_free;
	if (value_nodes(c, node, r.v, holder) < 0)
		goto out_drop;
	if (replace) {
		move_children_before(holder, node);
		drop_node(node);
		ret = 1;
	} else {
		free_children(node);
		move_children_into(holder, node);
		ret = 0;
	}
out_drop:
	result_drop(&r);
out_free:
	xmlFreeNode(holder);
	return ret;
}

/*
 * Apply the template attributes of node, then process its children.
 * node may be replaced or removed; the caller holds its next sibling.
 */
static int process(struct ctx *c, xmlNodePtr node, const struct scope *sc)
{
	const char *repeat, *define, *cond, *use, *content, *replace, *attrs, *omit;
	struct defines *d;
	struct result r = { 0 };
	int ret = -1, omit_tag = 0, filled = 0, rc;
	size_t i;

	if (c->depth >= MAX_DEPTH) {
		fail(c, node, "template nested deeper than %d (a macro that uses itself?)",
		     MAX_DEPTH);
		return -1;
	}
	if (check_tal_attrs(c, node) < 0)
		return -1;
	if ((repeat = tal_attr(node, "repeat")))
		return process_repeat(c, node, sc, repeat);
	if (!(d = malloc(sizeof *d))) {
		fail(c, node, ERR_OOM);
		return -1;
	}
	d->n = 0;
	d->top = sc;
	c->depth++;
	define = tal_attr(node, "define");
	if (define && each_pair(c, node, sc, define, add_define, d) < 0)
		goto out;
	sc = d->top;
	if ((cond = tal_attr(node, "condition"))) {
		if (eval(c, node, sc, cond, &r) < 0)
			goto out;
		if (!truthy(r.v)) {
			drop_node(node);
			ret = 0;
			goto out;
		}
		result_drop(&r);
	}
	if ((use = tal_attr(node, "use")) && use_macro(c, node, skip_space(use)) < 0)
		goto out;
	content = tal_attr(node, "content");
	replace = tal_attr(node, "replace");
	if (content && replace) {
		fail(c, node, "t:content and t:replace on one element");
		goto out;
	}
	if ((omit = tal_attr(node, "omit"))) {
		if (*skip_space(omit) == '\0') {
			omit_tag = 1;
		} else {
			if (eval(c, node, sc, omit, &r) < 0)
				goto out;
			omit_tag = truthy(r.v);
			result_drop(&r);
		}
	}
	if (is_tal_name(node->name))
		omit_tag = 1;
	if (content || replace) {
		if ((rc = insert_value(c, node, sc, content ? content : replace, !!replace)) < 0)
			goto out;
		if (rc == 1) {
			ret = 0;
			goto out;
		}
		filled = 1;
	}
	if ((attrs = tal_attr(node, "attributes")) &&
	    each_pair(c, node, sc, attrs, set_attribute, NULL) < 0)
		goto out;
	remove_tal_attrs(node);
	if (!filled && process_children(c, node, sc) < 0)
		goto out;
	if (omit_tag) {
		move_children_before(node, node);
		drop_node(node);
	}
	ret = 0;
out:
	result_drop(&r);
	for (i = 0; i < d->n; i++)
		tal_free(d->owned[i]);
	free(d);
	c->depth--;
	return ret;
}

/* The nodes below node (its children, theirs, ...). */
static size_t count_nodes(xmlNodePtr node)
{
	size_t n = 0;

	for (xmlNodePtr ch = node->children; ch; ch = ch->next)
		n += 1 + count_nodes(ch);
	return n;
}

/* Unlink every t:macro element into c->macros. */
static int collect_macros(struct ctx *c, xmlNodePtr node)
{
	xmlNodePtr ch = node->children, next;

	for (; ch; ch = next) {
		const char *name;

		next = ch->next;
		if (ch->type != XML_ELEMENT_NODE)
			continue;
		if (!(name = tal_attr(ch, "macro"))) {
			if (collect_macros(c, ch) < 0)
				return -1;
			continue;
		}
		if (c->nmacros % 16 == 0) {
			struct macro *m = realloc(c->macros, (c->nmacros + 16) * sizeof *m);

			if (!m) {
				fail(c, ch, ERR_OOM);
				return -1;
			}
			c->macros = m;
		}
		if (!(c->macros[c->nmacros].name = strdup(skip_space(name)))) {
			fail(c, ch, ERR_OOM);
			return -1;
		}
		xmlUnlinkNode(ch);
		c->macros[c->nmacros].nodes = count_nodes(ch);
		c->macros[c->nmacros++].node = ch;
	}
	return 0;
}

int tal_fill(xmlDocPtr doc, const tal_value *model, const char *name, char *err, size_t errlen)
{
	struct ctx c = { .doc = doc, .model = model, .docname = name ? name : "template",
			 .err = err, .errlen = errlen };
	xmlNodePtr root = xmlDocGetRootElement(doc);
	size_t i;
	int ret = -1;

	if (err && errlen)
		err[0] = '\0';
	if (!root) {
		fail(&c, NULL, "empty template");
		return -1;
	}
	if (tal_type_of(model) != TAL_DICT) {
		fail(&c, NULL, "the model is not a dictionary");
		return -1;
	}
	/* comments beside the root element (before <html>) go too */
	for (xmlNodePtr n = doc->children, next; n; n = next) {
		next = n->next;
		if (n->type == XML_COMMENT_NODE) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		}
	}
	if (normalize(&c, root) < 0 || collect_macros(&c, root) < 0)
		goto out_free;
	if (tal_attr(root, "repeat") || tal_attr(root, "replace") || tal_attr(root, "omit") ||
	    tal_attr(root, "condition") || is_tal_name(root->name)) {
		fail(&c, root, "the root element must stay a single element");
		goto out_free;
	}
	ret = process(&c, root, NULL);
out_free:
	for (i = 0; i < c.nmacros; i++) {
		free(c.macros[i].name);
		xmlFreeNode(c.macros[i].node);
	}
	free(c.macros);
	return ret;
}

/* The parser's first error (later ones are usually its consequences). */
struct first_error {
	int line, set;
	char msg[256];
};

static void keep_first_error(void *user, xmlErrorPtr e)
{
	xmlParserCtxtPtr pctx = user;
	struct first_error *fe = pctx ? pctx->_private : NULL;
	size_t ml;

	if (!fe || fe->set || !e || e->level < XML_ERR_ERROR)
		return;
	fe->set = 1;
	fe->line = e->line;
	snprintf(fe->msg, sizeof fe->msg, "%s", e->message ? e->message : "not well-formed");
	ml = strlen(fe->msg);
	while (ml > 0 && (fe->msg[ml - 1] == '\n' || fe->msg[ml - 1] == ' '))
		fe->msg[--ml] = '\0';
}

xmlDocPtr tal_fill_text(const char *tmpl, size_t len, const char *name, const tal_value *model,
		    char *err, size_t errlen)
{
	struct first_error fe = { 0 };
	xmlParserCtxtPtr pctx;
	xmlDocPtr doc;

	if (!name)
		name = "template";
	if (len > INT32_MAX) {
		snprintf(err, errlen, "%s: template too large", name);
		return NULL;
	}
	if (!(pctx = xmlNewParserCtxt())) {
		snprintf(err, errlen, "%s: %s", name, ERR_OOM);
		return NULL;
	}
	pctx->_private = &fe;
	pctx->sax->serror = keep_first_error;
	/* No network, no DTD; CDATA (for inline scripts) becomes plain text. */
	doc = xmlCtxtReadMemory(pctx, tmpl, (int)len, name, "UTF-8",
				XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOERROR |
					XML_PARSE_NOWARNING);
	if (!doc || !pctx->wellFormed) {
		snprintf(err, errlen, "%s:%d: %s", name, fe.set ? fe.line : 0,
			 fe.set ? fe.msg : "not well-formed");
		goto out_doc;
	}
	if (tal_fill(doc, model, name, err, errlen) < 0)
		goto out_doc;
	xmlFreeParserCtxt(pctx);
	return doc;
out_doc:
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(pctx);
	return NULL;
}

int tal_render(const char *tmpl, size_t len, const char *name, const tal_value *model,
	       char **out, size_t *outlen, char *err, size_t errlen)
{
	xmlDocPtr doc;
	xmlChar *html = NULL;
	int n = 0, ret = -1;

	*out = NULL;
	*outlen = 0;
	if (!name)
		name = "template";
	if (!(doc = tal_fill_text(tmpl, len, name, model, err, errlen)))
		return -1;
	htmlDocDumpMemoryFormat(doc, &html, &n, 1);
	if (!html || n <= 0) {
		snprintf(err, errlen, "%s: could not serialize the page", name);
		goto out_doc;
	}
	if (!(*out = malloc((size_t)n + 1))) {
		snprintf(err, errlen, "%s: %s", name, ERR_OOM);
		goto out_doc;
	}
	memcpy(*out, html, (size_t)n);
	(*out)[n] = '\0';
	*outlen = (size_t)n;
	ret = 0;
out_doc:
	xmlFree(html);
	xmlFreeDoc(doc);
	return ret;
}
