/*
 * fuzz_tal.c - libFuzzer target: the template engine (report/tal.c), which
 * runs on templates users write and edit (report --template DIR). The
 * input is a template: parsed, filled from a fixed model and serialized
 * with tal_render(), as `memledger report` does. A NUL byte in the input
 * ends the template; the bytes after it become the model's string
 * "data" (so hostile text reaches tal_clean and the escaping too).
 *
 * The model has a value of every type under short names, so mutated
 * expressions resolve and the engine's paths past lookup are reached:
 *   s "text <b>&amp;", n 42, yes true, no false, none null, data (input),
 *   items: 3 dicts {name, size, tags: [..]}, d: {a: {b: [1, "two"]}},
 *   empty [], svg: an <svg> node, r: a reference to items.
 * Seeds are tests/fuzz/corpus/tal-* (templates covering each attribute,
 * macros and slots, and the report's own template); every target replays
 * the whole corpus in `make test`. Errors are expected and ignored: a
 * crash, a sanitizer report or a leak is the failure.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "report/tal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static tal_value *model_new(const char *extra, size_t extra_len)
{
	tal_value *m = tal_dict(), *items = tal_list(), *d = tal_dict(), *a = tal_dict(), *b = tal_list();
	static const char *names[] = { "alpha", "b\xc3\xa9ta <x>", "\xff\xfe gamma" };

	tal_set_str(m, "s", "text <b>&amp;");
	tal_set_int(m, "n", 42);
	tal_set_bool(m, "yes", 1);
	tal_set_bool(m, "no", 0);
	tal_set(m, "none", tal_null());
	tal_set(m, "data", tal_strn(extra, extra_len));
	for (int i = 0; i < 3; i++) {
		tal_value *it = tal_dict(), *tags = tal_list();
		tal_set_str(it, "name", names[i]);
		tal_set_int(it, "size", (long long)i * 1000 - 1);
		for (int k = 0; k <= i; k++)
			tal_push(tags, tal_strf("tag%d", k));
		tal_set(it, "tags", tags);
		tal_push(items, it);
	}
	tal_push(b, tal_int(1));
	tal_push(b, tal_str("two"));
	tal_set(a, "b", b);
	tal_set(d, "a", a);
	tal_set(m, "d", d);
	tal_set(m, "empty", tal_list());
	xmlNodePtr svg = xmlNewNode(NULL, (const xmlChar *)"svg");
	if (svg) {
		xmlNewProp(svg, (const xmlChar *)"width", (const xmlChar *)"10");
		xmlNewTextChild(svg, NULL, (const xmlChar *)"title", (const xmlChar *)"a <picture>");
	}
	tal_set(m, "svg", tal_node(svg));
	tal_set(m, "r", tal_ref(items));
	tal_set(m, "items", items);
	return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *tmpl = (const char *)data;
	const uint8_t *nul = memchr(data, 0, size);
	size_t tlen = nul ? (size_t)(nul - data) : size;
	const char *extra = nul ? (const char *)nul + 1 : "";
	size_t extra_len = nul ? size - tlen - 1 : 0;
	tal_value *m = model_new(extra, extra_len);
	char err[512], *out = NULL;
	size_t outlen = 0;

	if (tal_ok(m) && tal_render(tmpl, tlen, "fuzz.xhtml", m, &out, &outlen, err, sizeof err) == 0) {
		/* what it claims to have written is what it wrote */
		if (!out || strlen(out) != outlen)
			abort();
	}
	free(out);
	tal_free(m);
	return 0;
}
