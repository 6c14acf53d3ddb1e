/*
 * test_export.c - the pieces of the exports that no outside tool checks
 * byte by byte: the protobuf wire encoder (against the encodings in the
 * protocol buffers documentation), the key table, the weights, and the
 * folded writer's names (';' and line breaks in names, merged stacks).
 */
#include "export/formats.h"
#include "export/keys.h"
#include "export/pbwire.h"
#include "tests/unit/check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 if b holds exactly the n bytes of want. */
static int bytes_are(const struct jbuf *b, const unsigned char *want, size_t n)
{
	if (b->oom || b->len != n)
		return 0;
	return n == 0 || memcmp(b->s, want, n) == 0;
}

static void test_varint(void)
{
	static const struct {
		uint64_t v;
		unsigned char enc[10];
		size_t n;
	} cases[] = {
		{ 0, { 0x00 }, 1 },
		{ 1, { 0x01 }, 1 },
		{ 127, { 0x7f }, 1 },
		{ 128, { 0x80, 0x01 }, 2 },
		{ 300, { 0xac, 0x02 }, 2 },
		{ 16383, { 0xff, 0x7f }, 2 },
		{ 16384, { 0x80, 0x80, 0x01 }, 3 },
		{ 0xffffffffull, { 0xff, 0xff, 0xff, 0xff, 0x0f }, 5 },
		{ UINT64_MAX, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 }, 10 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct jbuf b = JBUF_INIT;

		pb_varint(&b, cases[i].v);
		CHECK(bytes_are(&b, cases[i].enc, cases[i].n));
		jbuf_free(&b);
	}
}

static void test_fields(void)
{
	struct jbuf b = JBUF_INIT;
	/* protobuf's encoding guide: field 1 = 150, field 2 = "testing" */
	static const unsigned char f150[] = { 0x08, 0x96, 0x01 };
	static const unsigned char testing[] = { 0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g' };
	static const unsigned char minus1[] = { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
						0xff, 0xff, 0xff, 0xff, 0x01 };
	/* field 4, packed [3, 270, 86942] */
	static const unsigned char packed[] = { 0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05 };
	static const uint64_t vals[] = { 3, 270, 86942 };
	/* a field number past 15 takes a two-byte key: field 16, varint 1 */
	static const unsigned char f16[] = { 0x80, 0x01, 0x01 };
	static const unsigned char empty_str[] = { 0x32, 0x00 };

	pb_uint(&b, 1, 150);
	CHECK(bytes_are(&b, f150, sizeof f150));
	b.len = 0;
	pb_bytes(&b, 2, "testing", 7);
	CHECK(bytes_are(&b, testing, sizeof testing));
	b.len = 0;
	pb_int(&b, 1, -1);
	CHECK(bytes_are(&b, minus1, sizeof minus1));
	b.len = 0;
	pb_packed(&b, 4, vals, 3);
	CHECK(bytes_are(&b, packed, sizeof packed));
	b.len = 0;
	pb_packed(&b, 4, vals, 0);
	CHECK_EQ_INT(b.len, 0);
	pb_uint(&b, 16, 1);
	CHECK(bytes_are(&b, f16, sizeof f16));
	b.len = 0;
	/* an empty string is still a field: profile.proto's string_table[0] */
	pb_bytes(&b, 6, NULL, 0);
	CHECK(bytes_are(&b, empty_str, sizeof empty_str));
	/* a nested message is its bytes as a length-delimited field */
	{
		struct jbuf inner = JBUF_INIT;
		static const unsigned char nested[] = { 0x1a, 0x03, 0x08, 0x96, 0x01 };

		pb_uint(&inner, 1, 150);
		b.len = 0;
		pb_bytes(&b, 3, inner.s, inner.len);
		CHECK(bytes_are(&b, nested, sizeof nested));
		jbuf_free(&inner);
	}
	jbuf_free(&b);
}

static void test_keys(void)
{
	struct keys t = KEYS_INIT;
	char buf[32];
	int added;

	CHECK_EQ_INT(keys_str(&t, "", &added), 0);
	CHECK(added);
	CHECK_EQ_INT(keys_str(&t, "main", &added), 1);
	CHECK(added);
	CHECK_EQ_INT(keys_str(&t, "main", &added), 1);
	CHECK(!added);
	CHECK_EQ_INT(keys_str(&t, NULL, NULL), 0);
	/* keys are bytes: an embedded NUL makes a different key */
	CHECK_EQ_INT(keys_get(&t, "a\0b", 3, NULL), 2);
	CHECK_EQ_INT(keys_get(&t, "a\0c", 3, NULL), 3);
	CHECK_EQ_INT(keys_get(&t, "a", 1, NULL), 4);
	/* numbers stay put across many rehashes */
	for (int i = 0; i < 5000; i++) {
		snprintf(buf, sizeof buf, "k%d", i);
		CHECK_EQ_INT(keys_str(&t, buf, NULL), 5 + i);
	}
	for (int i = 0; i < 5000; i += 499) {
		snprintf(buf, sizeof buf, "k%d", i);
		CHECK_EQ_INT(keys_str(&t, buf, &added), 5 + i);
		CHECK(!added);
	}
	CHECK_EQ_STR(t.key[1], "main");
	CHECK_EQ_INT(t.len[2], 3);
	keys_free(&t);
}

static void test_weights(void)
{
	struct ex_site s = { .bytes = 1, .allocs = 2, .live_bytes = 3, .live_allocs = 4,
			     .lost_bytes = 5, .indirect_bytes = 6 };

	for (int w = 0; w < EXW_COUNT; w++) {
		CHECK_EQ_INT(ex_weight_parse(ex_weight_name((enum ex_weight)w)), w);
		CHECK_EQ_INT(ex_weight_of(&s, (enum ex_weight)w), w + 1);
	}
	CHECK_EQ_INT(ex_weight_parse("heap"), -1);
	CHECK(ex_weight_is_bytes(EXW_LOST));
	CHECK(!ex_weight_is_bytes(EXW_ALLOCS));
}

/* Folded names: ';' would split a frame, a line break a line. */
static void test_folded(void)
{
	struct ex_frame frames[] = {
		{ .id = 1, .function = "main" },
		{ .id = 2, .function = "std::map<int, std::string>::operator[]" },
		{ .id = 3, .function = "odd;name\nwith break" },
		{ .id = 4, .module = "cc1", .offset = 0x1a2b },
		{ .id = 5, .function = "main" }, /* same name, another address */
	};
	int s1[] = { 1, 0 }, s2[] = { 2, 0 }, s3[] = { 3, 4 }, s4[] = { 1, 4 };
	struct ex_site sites[] = {
		{ .stack_id = 1, .bytes = 10, .frames = s1, .nframes = 2 },
		{ .stack_id = 2, .bytes = 20, .frames = s2, .nframes = 2 },
		{ .stack_id = 3, .bytes = 0, .frames = s3, .nframes = 2 },	/* weight 0: left out */
		{ .stack_id = 4, .bytes = 5, .frames = s4, .nframes = 2 },	/* same names as 1 */
		{ .stack_id = 5, .bytes = 7, .frames = NULL, .nframes = 0 },
	};
	struct ex_data d = { .sites = sites, .nsites = 5, .frames = frames, .nframes = 5 };
	struct jbuf out = JBUF_INIT;
	char err[200];

	CHECK_EQ_INT(ex_folded(&d, "bytes", &out, err, sizeof err), 0);
	CHECK_EQ_STR(out.s, "(no stack) 7\n"
			    "main;odd:name with break 20\n"
			    "main;std::map<int, std::string>::operator[] 15\n");
	jbuf_free(&out);
	sites[2].bytes = 1;
	CHECK_EQ_INT(ex_folded(&d, "bytes", &out, err, sizeof err), 0);
	CHECK(out.s && strstr(out.s, "\nmain;cc1+0x1a2b 1\n"));
	jbuf_free(&out);
	CHECK_EQ_INT(ex_folded(&d, "heap", &out, err, sizeof err), -1);
	CHECK_EQ_STR(err, "unknown weight 'heap'");
	jbuf_free(&out);
}

int main(void)
{
	test_varint();
	test_fields();
	test_keys();
	test_weights();
	test_folded();
	return CHECK_DONE();
}
