/*
 * test_tal.c - the template engine: each attribute's semantics, the model,
 * and escaping of everything that reaches the page.
 */
#include "report/tal.h"
#include "tests/unit/check.h"

#include <stdlib.h>
#include <string.h>

#define HEAD "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" " \
	     "xmlns:t=\"urn:memledger:template\"><head><title>t</title></head><body>"
#define TAIL "</body></html>"

static char err[512];

/* Render HEAD body TAIL; returns the page (malloc'd) or NULL with err set. */
static char *render(const char *body, const tal_value *model)
{
	char *tmpl = malloc(strlen(HEAD) + strlen(body) + strlen(TAIL) + 1), *out = NULL;
	size_t outlen;

	strcpy(tmpl, HEAD);
	strcat(tmpl, body);
	strcat(tmpl, TAIL);
	if (tal_render(tmpl, strlen(tmpl), "t.xhtml", model, &out, &outlen, err, sizeof err) < 0)
		out = NULL;
	else if (strlen(out) != outlen)
		CHECK(!"output length mismatch");
	free(tmpl);
	return out;
}

/* The part of a rendered page between <body> and </body>. */
static char *body_of(char *page)
{
	char *b, *e;

	if (!page)
		return NULL;
	b = strstr(page, "<body>");
	e = strstr(page, "</body>");
	if (!b || !e)
		return NULL;
	*e = '\0';
	return b + 6;
}

static void check_body(const char *tmpl, const tal_value *model, const char *want, int line)
{
	char *page = render(tmpl, model), *b = body_of(page), *r, *w;

	/* the serializer's line breaks between blocks are not under test */
	if (b) {
		for (r = w = b; *r; r++)
			if (*r != '\n')
				*w++ = *r;
		*w = '\0';
	}
	check_count++;
	if (!b || strcmp(b, want) != 0) {
		check_failed++;
		fprintf(stderr, "test_tal.c:%d: body\n  got:  %s\n  want: %s\n  err:  %s\n", line,
			b ? b : "(null)", want, err);
	}
	free(page);
}
#define BODY(tmpl, model, want) check_body(tmpl, model, want, __LINE__)

static void check_error(const char *tmpl, const tal_value *model, const char *want, int line)
{
	char *page = render(tmpl, model);

	check_count++;
	if (page || !strstr(err, want)) {
		check_failed++;
		fprintf(stderr, "test_tal.c:%d: expected error containing \"%s\", got \"%s\"\n",
			line, want, page ? "(success)" : err);
	}
	free(page);
}
#define ERROR(tmpl, model, want) check_error(tmpl, model, want, __LINE__)

static tal_value *model_new(void)
{
	tal_value *m = tal_dict(), *items = tal_list(), *rows = tal_list(), *r;

	tal_set_str(m, "name", "memledger");
	tal_set_str(m, "hostile", "</script><b>x</b> & \"q\" 'a' operator<< std::map<int, std::string>");
	tal_set_str(m, "empty", "");
	tal_set_int(m, "zero", 0);
	tal_set_int(m, "n", 42);
	tal_set_bool(m, "yes", 1);
	tal_set_bool(m, "no", 0);
	tal_set(m, "null", tal_null());
	tal_push(items, tal_str("a"));
	tal_push(items, tal_str("b"));
	tal_push(items, tal_str("c"));
	tal_set(m, "items", items);
	tal_set(m, "none", tal_list());
	r = tal_dict();
	tal_set_str(r, "k", "one");
	tal_set_int(r, "v", 1);
	tal_push(rows, r);
	r = tal_dict();
	tal_set_str(r, "k", "two");
	tal_set_int(r, "v", 2);
	tal_push(rows, r);
	tal_set(m, "rows", rows);
	return m;
}

static void test_model(void)
{
	tal_value *m = model_new(), *bad;

	CHECK(tal_ok(m));
	CHECK_EQ_STR(tal_string(tal_get(m, "rows/1/k")), "two");
	CHECK_EQ_INT(tal_integer(tal_get(m, "rows/0/v")), 1);
	CHECK(tal_get(m, "rows/2") == NULL);
	CHECK(tal_get(m, "rows/x") == NULL);
	CHECK_EQ_INT(tal_len(tal_get(m, "items")), 3);
	CHECK_EQ_INT(tal_type_of(tal_get(m, "null")), TAL_NULL);
	/* replacing a key keeps one entry */
	tal_set_str(m, "name", "again");
	CHECK_EQ_STR(tal_string(tal_get(m, "name")), "again");
	/* a failed insertion anywhere below marks the tree */
	bad = tal_dict();
	CHECK_EQ_INT(tal_set(bad, "x", NULL), -1);
	tal_set(m, "bad", bad);
	CHECK(!tal_ok(m));
	CHECK_EQ_INT(tal_push(NULL, tal_str("leak?")), -1); /* freed, not leaked */
	tal_free(m);

	/* invalid UTF-8, controls and noncharacters become U+FFFD */
	m = tal_strn("a\xff" "b\x01" "c\xc3\xa9" "\xed\xa0\x80" "\xef\xbf\xbe" "\0z", 15);
	CHECK_EQ_STR(tal_string(m), "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xc3\xa9"
		     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" /* a surrogate: three bad bytes */
		     "\xef\xbf\xbd" /* U+FFFE */ "\xef\xbf\xbdz");
	tal_free(m);
	m = tal_strf("%d-%s", 7, "x\x80");
	CHECK_EQ_STR(tal_string(m), "7-x\xef\xbf\xbd");
	tal_free(m);
}

static void test_content(void)
{
	tal_value *m = model_new();

	BODY("<p t:content=\"name\">old <b>child</b></p>", m, "<p>memledger</p>");
	BODY("<p t:content=\"n\"/>", m, "<p>42</p>");
	BODY("<p t:content=\"null\">x</p>", m, "<p></p>");
	BODY("<p t:content=\"items\"/>", m, "<p>abc</p>");
	BODY("<p>a<span t:replace=\"name\">x</span>b</p>", m, "<p>amemledgerb</p>");
	BODY("<p t:content=\"rows/1/k\"/>", m, "<p>two</p>");
	BODY("<p t:content=\"string:${name} has $$${n}\"/>", m, "<p>memledger has $42</p>");
	/* the inserted value is data, not template: no second expansion */
	tal_set_str(m, "tpl", "${name}");
	BODY("<p t:content=\"tpl\"/>", m, "<p>${name}</p>");
	tal_free(m);
}

static void test_escaping(void)
{
	tal_value *m = model_new();
	char *page = render("<p t:content=\"hostile\" t:attributes=\"title hostile\"/>"
			    "<script>//<![CDATA[\nif (1 < 2 && true) {}\n//]]></script>",
			    m);

	CHECK(page != NULL);
	if (page) {
		CHECK(strstr(page, "&lt;/script&gt;&lt;b&gt;x&lt;/b&gt; &amp; \"q\" 'a' "
				   "operator&lt;&lt; std::map&lt;int, std::string&gt;") != NULL);
		CHECK(strstr(page, "title=\"&lt;/script&gt;&lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot; "
				   "'a' operator&lt;&lt;") != NULL);
		CHECK(strstr(page, "<b>") == NULL);
		/* the template's own script stays code */
		CHECK(strstr(page, "if (1 < 2 && true) {}") != NULL);
		CHECK(strstr(page, "CDATA") == NULL);
		CHECK(strstr(page, "xmlns:t") == NULL);
		CHECK(strstr(page, "t:content") == NULL);
	}
	free(page);

	/* a value in <script> or <style> would be raw text: none of our data goes there */
	tal_set_str(m, "bad", "\xff\x01");
	BODY("<p t:content=\"bad\"/>", m, "<p>&#65533;&#65533;</p>");
	tal_free(m);
}

static void test_html_output(void)
{
	tal_value *m = model_new();
	char *page = render("<p>a<br/>b</p><img alt=\"\" src=\"data:,\"/><div/>", m);

	CHECK(page != NULL);
	if (page) {
		CHECK(strncmp(page, "<!DOCTYPE html>", 15) == 0);
		CHECK(strstr(page, "<br>") != NULL);
		CHECK(strstr(page, "</br>") == NULL);
		CHECK(strstr(page, "</img>") == NULL);
		CHECK(strstr(page, "<div></div>") != NULL);
		CHECK(strstr(page, "xmlns") == NULL);
	}
	free(page);
	tal_free(m);
}

static void test_repeat(void)
{
	tal_value *m = model_new();

	BODY("<ul><li t:repeat=\"x items\" t:content=\"x\"/></ul>", m,
	     "<ul><li>a</li><li>b</li><li>c</li></ul>");
	BODY("<p><i t:repeat=\"x items\" t:content=\"string:${repeat/x/number}/${repeat/x/length}\"/></p>",
	     m, "<p><i>1/3</i><i>2/3</i><i>3/3</i></p>");
	BODY("<p><i t:repeat=\"x items\" t:condition=\"repeat/x/odd\" t:content=\"x\"/></p>", m,
	     "<p><i>b</i></p>");
	BODY("<p><i t:repeat=\"x items\"><b t:condition=\"repeat/x/last\">L</b></i></p>", m,
	     "<p><i></i><i></i><i><b>L</b></i></p>");
	BODY("<p><i t:repeat=\"x none\">x</i></p>", m, "<p></p>");
	BODY("<p><i t:repeat=\"x null\">x</i></p>", m, "<p></p>");
	/* nested loops see both names; rows are dictionaries */
	BODY("<p><i t:repeat=\"r rows\"><b t:repeat=\"x items\" t:condition=\"repeat/x/first\" "
	     "t:content=\"string:${r/k}${x}${repeat/r/index}\"/></i></p>",
	     m, "<p><i><b>onea0</b></i><i><b>twoa1</b></i></p>");
	tal_free(m);
}

static void test_condition_define_attributes(void)
{
	tal_value *m = model_new();

	BODY("<p><i t:condition=\"yes\">y</i><i t:condition=\"no\">n</i><i t:condition=\"not:no\">!n</i>"
	     "<i t:condition=\"empty\">e</i><i t:condition=\"zero\">0</i><i t:condition=\"none\">[]</i>"
	     "<i t:condition=\"exists:rows/0/k\">ex</i><i t:condition=\"exists:rows/9\">nx</i></p>",
	     m, "<p><i>y</i><i>!n</i><i>ex</i></p>");
	BODY("<p t:define=\"a rows/0; b a/k\" t:content=\"b\"/>", m, "<p>one</p>");
	BODY("<div t:define=\"a name\"><p t:content=\"a\"/></div>", m, "<div><p>memledger</p></div>");
	BODY("<p class=\"x\" t:attributes=\"class name; id string:s-${n}; hidden yes; title null\" "
	     "title=\"gone\"/>",
	     m, "<p class=\"memledger\" id=\"s-42\" hidden=\"hidden\"></p>");
	BODY("<p t:attributes=\"data-x string:a;;b\"/>", m, "<p data-x=\"a;b\"></p>");
	BODY("<p><b t:omit=\"\">in</b><b t:omit=\"no\">kept</b><t:block t:content=\"name\"/></p>", m,
	     "<p>in<b>kept</b>memledger</p>");
	tal_free(m);
}

static void test_macros(void)
{
	tal_value *m = model_new();

	BODY("<div t:macro=\"box\"><h2 t:content=\"title\"/><div t:slot=\"body\">default</div>"
	     "<p t:slot=\"foot\">foot</p></div>"
	     "<section id=\"s1\" t:define=\"title name\" t:use=\"box\"><p t:fill=\"body\" "
	     "t:content=\"n\"/></section>"
	     "<section t:repeat=\"r rows\" t:define=\"title r/k\" t:use=\"box\"/>",
	     m,
	     "<section id=\"s1\"><h2>memledger</h2><p>42</p><p>foot</p></section><section>"
	     "<h2>one</h2><div>default</div><p>foot</p></section><section><h2>two</h2>"
	     "<div>default</div><p>foot</p></section>");
	ERROR("<div t:macro=\"loop\"><p t:use=\"loop\"/></div><p t:use=\"loop\"/>", m, "deeper");
	ERROR("<p t:use=\"nope\"/>", m, "no macro named \"nope\"");
	tal_free(m);
}

static void test_refs_and_blocks(void)
{
	tal_value *m = model_new(), *list = tal_list();

	/* one value under two names: the list refers to the dictionary's rows */
	tal_push(list, tal_ref(tal_get(m, "rows/1")));
	tal_push(list, tal_ref(tal_get(m, "rows/0")));
	tal_set(m, "again", list);
	CHECK_EQ_STR(tal_string(tal_get(m, "again/0/k")), "two");
	CHECK_EQ_INT(tal_type_of(tal_get(m, "again/1")), TAL_DICT);
	CHECK(tal_ok(m));
	BODY("<p><i t:repeat=\"r again\" t:content=\"r/k\"/></p>", m, "<p><i>two</i><i>one</i></p>");
	/* t:block repeats without leaving a tag, and its children keep working */
	BODY("<ul><t:block t:repeat=\"x items\"><li t:content=\"x\"/><li>-</li></t:block></ul>", m,
	     "<ul><li>a</li><li>-</li><li>b</li><li>-</li><li>c</li><li>-</li></ul>");
	/* an omitted tag inside a repeat inside a macro */
	BODY("<t:block t:macro=\"m\"><b t:omit=\"\" t:repeat=\"x items\"><i t:content=\"x\"/></b></t:block>"
	     "<p t:use=\"m\"/>",
	     m, "<p><i>a</i><i>b</i><i>c</i></p>");
	CHECK(tal_ref(NULL) == NULL);
	tal_free(m);
}

static void test_nodes(void)
{
	tal_value *m = model_new();
	xmlNodePtr svg = xmlNewNode(NULL, (const xmlChar *)"svg"), t;

	xmlNewProp(svg, (const xmlChar *)"viewBox", (const xmlChar *)"0 0 10 10");
	t = xmlNewTextChild(svg, NULL, (const xmlChar *)"title", (const xmlChar *)"a<b & \"c\"");
	(void)t;
	xmlNewChild(svg, NULL, (const xmlChar *)"rect", NULL);
	tal_set(m, "pic", tal_node(svg));
	BODY("<figure t:content=\"pic\"/><p t:replace=\"pic\"/>", m,
	     "<figure><svg viewBox=\"0 0 10 10\"><title>a&lt;b &amp; \"c\"</title><rect></rect></svg></figure>"
	     "<svg viewBox=\"0 0 10 10\"><title>a&lt;b &amp; \"c\"</title><rect></rect></svg>");
	tal_free(m);
}

static void test_errors(void)
{
	tal_value *m = model_new();

	ERROR("<p t:content=\"nosuch\"/>", m, "t.xhtml:2: \"nosuch\": no such name");
	ERROR("<p t:content=\"rows/0/nokey\"/>", m, "no \"nokey\" here");
	ERROR("<p t:contents=\"name\"/>", m, "unknown template attribute t:contents");
	ERROR("<p t:repeat=\"x name\"/>", m, "is not a list");
	ERROR("<p t:repeat=\"items\"/>", m, "expected \"name expression\"");
	ERROR("<p t:content=\"rows/0\"/>", m, "cannot insert a dictionary");
	ERROR("<p t:content=\"a\" t:replace=\"b\"/>", m, "t:content and t:replace");
	ERROR("<p t:content=\"repeat/x/index\"/>", m, "no repeat loop named \"x\"");
	ERROR("<p t:content=\"string:${name\"/>", m, "unclosed");
	ERROR("<p>unclosed", m, "t.xhtml:");
	ERROR("<p>&nbsp;</p>", m, "nbsp");
	/* Macros that each use the one before twice: 2^30 copies, stopped
	 * (found while writing the template fuzz target, tests/fuzz/fuzz_tal.c;
	 * libFuzzer had not reached it in 5 minutes) */
	{
		char bomb[4096];
		size_t n = (size_t)snprintf(bomb, sizeof bomb, "<div t:macro=\"m0\"><b>x</b></div>");
		for (int i = 1; i <= 30; i++)
			n += (size_t)snprintf(bomb + n, sizeof bomb - n,
			                      "<div t:macro=\"m%d\"><i t:use=\"m%d\"/><i t:use=\"m%d\"/></div>",
			                      i, i - 1, i - 1);
		snprintf(bomb + n, sizeof bomb - n, "<p t:use=\"m30\"/>");
		ERROR(bomb, m, "macros expand to more than 100000 nodes");
		/* ten levels (a thousand copies) are still fine */
		n = (size_t)snprintf(bomb, sizeof bomb, "<div t:macro=\"m0\"><b>x</b></div>");
		for (int i = 1; i <= 10; i++)
			n += (size_t)snprintf(bomb + n, sizeof bomb - n,
			                      "<div t:macro=\"m%d\"><i t:use=\"m%d\"/><i t:use=\"m%d\"/></div>",
			                      i, i - 1, i - 1);
		snprintf(bomb + n, sizeof bomb - n, "<p t:use=\"m10\"/>");
		char *page = render(bomb, m);
		CHECK(page != NULL);
		free(page);
	}
	tal_free(m);
	/* the model's root must be a dictionary */
	m = tal_list();
	ERROR("<p/>", m, "not a dictionary");
	tal_free(m);
}

int main(void)
{
	xmlInitParser();
	test_model();
	test_content();
	test_escaping();
	test_html_output();
	test_repeat();
	test_condition_define_attributes();
	test_macros();
	test_refs_and_blocks();
	test_nodes();
	test_errors();
	xmlCleanupParser();
	return CHECK_DONE();
}
