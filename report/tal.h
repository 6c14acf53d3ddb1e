/*
 * tal.h - the report's template engine and the data model it reads.
 *
 * The model is a tree of values built in C: null, booleans, integers,
 * strings, lists, dictionaries, ready-made XML nodes (SVG pictures) and
 * references to other values of the tree.
 * Every string entering the model is copied and made safe for HTML: bytes
 * that are not valid UTF-8, control characters and Unicode noncharacters
 * become U+FFFD. Containers own their members; tal_free() releases a whole
 * tree.
 *
 * Building never fails loudly: a constructor that runs out of memory
 * returns NULL, every setter accepts NULL (for the container or the value)
 * and then marks the container broken. Build the whole tree, then ask
 * tal_ok() once on the root.
 *
 * The engine fills a well-formed XHTML template in place, in the spirit of
 * Zope TAL. Attributes in the namespace TAL_NS (write
 * xmlns:t="urn:memledger:template" and use the prefix t:) say what to do:
 *
 *	t:repeat="item EXPR"       one copy of the element per list item
 *	t:define="name EXPR; ..."  local names for the element and its children
 *	t:condition="EXPR"         keep the element only if EXPR is true
 *	t:use="MACRO"              children := the macro's, slots filled
 *	t:content="EXPR"           children := the value
 *	t:replace="EXPR"           the element := the value
 *	t:attributes="name EXPR; ..."  set (or, for null/false, remove) attributes
 *	t:omit="" | t:omit="EXPR"  drop the tag, keep what is inside
 *	t:macro="NAME"             define a macro (removed from the output)
 *	t:slot="NAME", t:fill="NAME"  a macro's replaceable part, and its filling
 *
 * in that order on one element. Elements in TAL_NS itself (<t:block>) are
 * always omitted. Expressions: a path "a/b/0/c" through dictionaries and
 * lists, starting from a local name or the model's root dictionary;
 * "repeat/NAME/index|number|length|first|last|odd|even"; "nothing";
 * "not:EXPR"; "exists:PATH"; "string:text ${path} text" ($$ is a dollar).
 * A missing name is an error, reported with the template line.
 *
 * Values become text nodes, so the serializer escapes them; a node value is
 * deep-copied into the document. There is no way to insert a string as
 * markup. templates/README.md is the users' manual.
 */
#ifndef MEMLEDGER_REPORT_TAL_H
#define MEMLEDGER_REPORT_TAL_H

#include <stddef.h>

#include <libxml/tree.h>

#define TAL_NS "urn:memledger:template"

enum tal_type { TAL_NULL, TAL_BOOL, TAL_INT, TAL_STR, TAL_LIST, TAL_DICT, TAL_NODE, TAL_REF };

typedef struct tal_value tal_value;

/**
 * A malloc'd copy of n bytes of s made safe for HTML text: invalid UTF-8,
 * control characters (but tab, CR, LF) and noncharacters become U+FFFD.
 * Sets *outlen (if not NULL). Returns NULL when memory runs out.
 */
char *tal_clean(const char *s, size_t n, size_t *outlen);

/** Constructors. Each returns a new value owned by the caller, or NULL. */
tal_value *tal_null(void);
tal_value *tal_bool(int b);
tal_value *tal_int(long long i);
/** A copy of s made safe (see above); s NULL gives a null value. */
tal_value *tal_str(const char *s);
/** A copy of n bytes of s (NUL bytes included, made safe). */
tal_value *tal_strn(const char *s, size_t n);
tal_value *tal_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
tal_value *tal_list(void);
tal_value *tal_dict(void);
/**
 * Wrap an unlinked XML node (with its subtree). The value owns it; on
 * failure the node is freed. node NULL gives NULL.
 */
tal_value *tal_node(xmlNodePtr node);

/**
 * Set dict[key] = v, replacing an earlier value. Takes ownership of v in
 * every case. Returns 0, or -1 (dict marked broken) if dict or v is NULL,
 * dict is not a dictionary, or memory ran out.
 */
/**
 * A reference to target, which must outlive it (usually: sits in the same
 * tree). Lookups see target itself, so one value can appear under two
 * names without being built twice. target NULL gives NULL.
 */
tal_value *tal_ref(const tal_value *target);

int tal_set(tal_value *dict, const char *key, tal_value *v);
/** Append v to list; ownership and errors as tal_set(). */
int tal_push(tal_value *list, tal_value *v);

/** Shorthands for tal_set(d, key, tal_str(s)) and friends. */
int tal_set_str(tal_value *d, const char *key, const char *s);
int tal_set_int(tal_value *d, const char *key, long long i);
int tal_set_bool(tal_value *d, const char *key, int b);
int tal_set_strf(tal_value *d, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** The type of v, references followed (so never TAL_REF). */
enum tal_type tal_type_of(const tal_value *v);
/** Items of a list, entries of a dictionary, bytes of a string; else 0. */
size_t tal_len(const tal_value *v);
/** The path's value below v ("a/b/0"), or NULL if missing. */
const tal_value *tal_get(const tal_value *v, const char *path);
/** The string of a TAL_STR value, else NULL. */
const char *tal_string(const tal_value *v);
/** The integer of a TAL_INT (or TAL_BOOL) value, else 0. */
long long tal_integer(const tal_value *v);
/** 1 if v exists and nothing in its tree failed to build, else 0. */
int tal_ok(const tal_value *v);
void tal_free(tal_value *v);

/**
 * Fill doc in place from model (a dictionary). name is used in error
 * messages (the template's file name). Returns 0, or -1 with one line in
 * err. The document may be partly filled after an error. Afterwards the
 * tree has no namespaces left, so the HTML serializer prints plain HTML
 * (an XHTML-namespaced <br/> would otherwise come out as "<br></br>").
 */
int tal_fill(xmlDocPtr doc, const tal_value *model, const char *name, char *err, size_t errlen);

/**
 * Parse the template text (len bytes) and fill it: the filled document
 * (free with xmlFreeDoc), or NULL with one line in err.
 */
xmlDocPtr tal_fill_text(const char *tmpl, size_t len, const char *name, const tal_value *model,
			char *err, size_t errlen);

/**
 * Parse the template text (len bytes), fill it and serialize it as HTML
 * with htmlDocDumpMemoryFormat. On success *out is a malloc'd NUL-terminated
 * buffer of *outlen bytes, owned by the caller. Returns 0 or -1 with err.
 */
int tal_render(const char *tmpl, size_t len, const char *name, const tal_value *model,
	       char **out, size_t *outlen, char *err, size_t errlen);

#endif
