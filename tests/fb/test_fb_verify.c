/* test_fb_verify.c - the verifier refuses malformed buffers, one per
 * check, without reading outside them: each buffer is an exact-size heap
 * block, so under ASan a stray read fails the test. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/error.h"
#include "testutil.h"
#include "zoo_sluice.h"

static uint8_t work[1 << 16];
static sluice_fb_builder bld;

static sluice_fb_builder *start(void)
{
	sluice_fb_builder_init(&bld, work, sizeof(work));
	return &bld;
}

/* Finishes the message and returns an exact-size heap copy. */
static uint8_t *finish(sluice_fb_ref root, size_t *len)
{
	sluice_fb_msg m;
	uint8_t *p;

	ck_assert_int_eq(zoo_Animal_finish(&bld, root, &m), 0);
	p = malloc(m.length);
	memcpy(p, work + m.offset, m.length);
	*len = m.length;
	ck_assert_int_eq(zoo_Animal_verify(p, m.length), 0); /* the control */
	return p;
}

static sluice_fb_ref animal(sluice_fb_builder *b, const char *name, uint16_t age)
{
	sluice_fb_ref n = sluice_fb_cstring(b, name);

	zoo_Animal_start(b);
	zoo_Animal_add_name(b, n);
	zoo_Animal_add_age(b, age);
	return zoo_Animal_end(b);
}

/* Writable pointers into the copy. */
static uint8_t *root_of(uint8_t *buf)
{
	return buf + sluice_fb_u32(buf);
}

static uint8_t *vtable_of(uint8_t *t)
{
	return t - sluice_fb_i32(t);
}

static uint8_t *slot_of(uint8_t *t, unsigned id)
{
	return vtable_of(t) + 4 + 2 * id;
}

static uint8_t *field_of(uint8_t *t, unsigned id)
{
	return t + sluice_fb_u16(slot_of(t, id));
}

/* Follows an offset in a writable copy. */
static uint8_t *deref(uint8_t *p)
{
	return p + sluice_fb_u32(p);
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void expect(uint8_t *buf, size_t len, int err)
{
	int rc = zoo_Animal_verify(buf, len);

	ck_assert_msg(rc == err, "verify gave %d (%s), wanted %d; %s", rc, sluice_strerror(rc),
		      err, sluice_errdetail());
	free(buf);
}

static uint8_t *simple(size_t *len)
{
	return finish(animal(start(), "Rex", 12), len);
}

/* field ids in zoo.fbs */
enum { NAME = 0, AGE = 3, SCORES = 12, HOME_TYPE = 15, HOME = 16, PAYLOAD = 22, FRIEND = 23,
       NAMES = 11, TAGS = 10, PACK = 25 };

START_TEST(too_short)
{
	size_t len;
	uint8_t *b = simple(&len);

	expect(b, 4, -SLUICE_EFBBOUNDS);
}
END_TEST

START_TEST(root_out_of_bounds)
{
	size_t len;
	uint8_t *b = simple(&len);

	put32(b, (uint32_t)len + 100);
	expect(b, len, -SLUICE_EFBBOUNDS);
}
END_TEST

START_TEST(root_misaligned)
{
	size_t len;
	uint8_t *b = simple(&len);

	put32(b, sluice_fb_u32(b) + 1);
	expect(b, len, -SLUICE_EFBALIGN);
}
END_TEST

START_TEST(vtable_out_of_bounds)
{
	size_t len;
	uint8_t *b = simple(&len), *t = root_of(b);

	put32(t, (uint32_t)(t - b) + 1000);
	expect(b, len, -SLUICE_EFBVTABLE);
}
END_TEST

START_TEST(vtable_misaligned)
{
	size_t len;
	uint8_t *b = simple(&len), *t = root_of(b);

	put32(t, (uint32_t)sluice_fb_i32(t) + 1);
	expect(b, len, -SLUICE_EFBALIGN);
}
END_TEST

START_TEST(vtable_size_odd)
{
	size_t len;
	uint8_t *b = simple(&len);

	put16(vtable_of(root_of(b)), 5);
	expect(b, len, -SLUICE_EFBVTABLE);
}
END_TEST

START_TEST(vtable_past_end)
{
	size_t len;
	uint8_t *b = simple(&len);

	put16(vtable_of(root_of(b)), 0xfffe);
	expect(b, len, -SLUICE_EFBVTABLE);
}
END_TEST

START_TEST(table_size_below_header)
{
	size_t len;
	uint8_t *b = simple(&len);

	put16(vtable_of(root_of(b)) + 2, 2);
	expect(b, len, -SLUICE_EFBVTABLE);
}
END_TEST

START_TEST(table_past_end)
{
	size_t len;
	uint8_t *b = simple(&len);

	put16(vtable_of(root_of(b)) + 2, 0xfff0);
	expect(b, len, -SLUICE_EFBBOUNDS);
}
END_TEST

START_TEST(field_outside_table)
{
	size_t len;
	uint8_t *b = simple(&len), *t = root_of(b);
	uint16_t tsize = sluice_fb_u16(vtable_of(t) + 2);

	put16(slot_of(t, NAME), (uint16_t)(tsize - 2));
	expect(b, len, -SLUICE_EFBFIELD);
}
END_TEST

START_TEST(field_over_vtable_offset)
{
	size_t len;
	uint8_t *b = simple(&len);

	put16(slot_of(root_of(b), AGE), 2);
	expect(b, len, -SLUICE_EFBFIELD);
}
END_TEST

START_TEST(field_misaligned)
{
	size_t len;
	uint8_t *b = simple(&len);

	put16(slot_of(root_of(b), AGE), 5);
	expect(b, len, -SLUICE_EFBALIGN);
}
END_TEST

START_TEST(offset_out_of_bounds)
{
	size_t len;
	uint8_t *b = simple(&len);

	put32(field_of(root_of(b), NAME), 0x7ffffff0u);
	expect(b, len, -SLUICE_EFBBOUNDS);
}
END_TEST

START_TEST(offset_zero)
{
	size_t len;
	uint8_t *b = simple(&len);

	put32(field_of(root_of(b), NAME), 0);
	expect(b, len, -SLUICE_EFBBOUNDS);
}
END_TEST

START_TEST(string_not_terminated)
{
	size_t len;
	uint8_t *b = simple(&len), *s;

	s = deref(field_of(root_of(b), NAME));
	s[4 + 3] = 'x';
	expect(b, len, -SLUICE_EFBSTRING);
}
END_TEST

START_TEST(string_past_end)
{
	size_t len;
	uint8_t *b = simple(&len);

	put32(deref(field_of(root_of(b), NAME)), 1000);
	expect(b, len, -SLUICE_EFBBOUNDS);
}
END_TEST

static uint8_t *with_scores(size_t *len, size_t pad)
{
	sluice_fb_builder *b = start();
	int64_t sc[2] = {1, 2};
	uint32_t junk[3] = {0};
	sluice_fb_ref v, n;

	sluice_fb_vector(b, junk, 1, 4, 4);
	/* 4-aligned only, so that one of the two paddings misaligns it */
	v = sluice_fb_vector(b, sc, 2, 8, 4);
	/* what is written after the vector shifts it relative to the start */
	n = sluice_fb_string(b, "SSSSSSSSSSSS", 1 + 4 * pad);
	zoo_Animal_start(b);
	zoo_Animal_add_name(b, n);
	zoo_Animal_add_scores(b, v);
	{
		sluice_fb_msg m;
		uint8_t *p;

		ck_assert_int_eq(zoo_Animal_finish(b, zoo_Animal_end(b), &m), 0);
		p = malloc(m.length);
		memcpy(p, work + m.offset, m.length);
		*len = m.length;
		return p;
	}
}

START_TEST(vector_size_overflows)
{
	size_t len;
	uint8_t *b = with_scores(&len, 0);

	put32(deref(field_of(root_of(b), SCORES)), 0x40000000u);
	expect(b, len, -SLUICE_EFBOVERFLOW);
}
END_TEST

START_TEST(vector_past_end)
{
	size_t len;
	uint8_t *b = with_scores(&len, 0);

	put32(deref(field_of(root_of(b), SCORES)), 100);
	expect(b, len, -SLUICE_EFBBOUNDS);
}
END_TEST

START_TEST(vector_elements_misaligned)
{
	size_t len, pad;

	for (pad = 0; pad < 4; pad++) {
		uint8_t *b = with_scores(&len, pad);
		uint8_t *v = deref(field_of(root_of(b), SCORES));

		if ((size_t)(v + 4 - b) % 8 != 0) {
			expect(b, len, -SLUICE_EFBALIGN);
			return;
		}
		ck_assert_int_eq(zoo_Animal_verify(b, len), 0);
		free(b);
	}
	ck_abort_msg("no misaligned layout was produced");
}
END_TEST

static uint8_t *with_home(size_t *len)
{
	sluice_fb_builder *b = start();
	sluice_fb_ref cage, n;

	zoo_Cage_start(b);
	zoo_Cage_add_id(b, 9);
	cage = zoo_Cage_end(b);
	n = sluice_fb_cstring(b, "H");
	zoo_Animal_start(b);
	zoo_Animal_add_name(b, n);
	zoo_Animal_add_home(b, zoo_Home_Cage, cage);
	return finish(zoo_Animal_end(b), len);
}

/* A type without a value is a null member, as flatc's verifier has it
 * (issue 11 item 13: the verifiers used to refuse what the JSON parser
 * built); readers find no table. */
START_TEST(union_type_without_value)
{
	size_t len;
	uint8_t *b = with_home(&len);

	put16(slot_of(root_of(b), HOME), 0);
	ck_assert_int_eq(zoo_Animal_home_type(root_of(b)), zoo_Home_Cage);
	ck_assert_ptr_null(zoo_Animal_home(root_of(b)));
	expect(b, len, 0);
}
END_TEST

START_TEST(union_value_without_type)
{
	size_t len;
	uint8_t *b = with_home(&len);

	put16(slot_of(root_of(b), HOME_TYPE), 0);
	expect(b, len, -SLUICE_EFBUNION);
}
END_TEST

START_TEST(union_value_of_wrong_shape)
{
	size_t len;
	uint8_t *b = with_home(&len);

	/* the Cage read as a Tag: its double sits where Tag wants an offset */
	b[field_of(root_of(b), HOME_TYPE) - b] = zoo_Home_Tag;
	ck_assert_int_ne(zoo_Animal_verify(b, len), 0);
	free(b);
}
END_TEST

START_TEST(required_field_absent)
{
	size_t len;
	uint8_t *b = simple(&len);

	put16(slot_of(root_of(b), NAME), 0);
	expect(b, len, -SLUICE_EFBMISSING);
}
END_TEST

START_TEST(identifier_differs)
{
	size_t len;
	uint8_t *b = simple(&len);

	memcpy(b + 4, "ZOO2", 4);
	expect(b, len, -SLUICE_EFBIDENT);
}
END_TEST

START_TEST(size_prefix_too_large)
{
	sluice_fb_msg m;
	uint8_t *p;
	sluice_fb_ref r = animal(start(), "P", 1);

	ck_assert_int_eq(zoo_Animal_finish_size_prefixed(&bld, r, &m), 0);
	p = malloc(m.length);
	memcpy(p, work + m.offset, m.length);
	ck_assert_int_eq(zoo_Animal_verify_size_prefixed(p, m.length), 0);
	put32(p, (uint32_t)m.length);
	ck_assert_int_eq(zoo_Animal_verify_size_prefixed(p, m.length), -SLUICE_EFBBOUNDS);
	free(p);
}
END_TEST

START_TEST(string_vector_element_out_of_bounds)
{
	sluice_fb_builder *b = start();
	sluice_fb_ref s[2], v, n;
	size_t len;
	uint8_t *buf, *vec;

	s[0] = sluice_fb_cstring(b, "x");
	s[1] = sluice_fb_cstring(b, "y");
	v = sluice_fb_ref_vector(b, s, 2);
	n = sluice_fb_cstring(b, "N");
	zoo_Animal_start(b);
	zoo_Animal_add_name(b, n);
	zoo_Animal_add_names(b, v);
	buf = finish(zoo_Animal_end(b), &len);
	vec = deref(field_of(root_of(buf), NAMES));
	put32(vec + 8, 0x10000);
	expect(buf, len, -SLUICE_EFBBOUNDS);
}
END_TEST

START_TEST(table_vector_element_bad)
{
	sluice_fb_builder *b = start();
	sluice_fb_ref t[1], v, n;
	size_t len;
	uint8_t *buf, *vec, *tag;

	n = sluice_fb_cstring(b, "t");
	zoo_Tag_start(b);
	zoo_Tag_add_name(b, n);
	t[0] = zoo_Tag_end(b);
	v = sluice_fb_ref_vector(b, t, 1);
	n = sluice_fb_cstring(b, "N");
	zoo_Animal_start(b);
	zoo_Animal_add_name(b, n);
	zoo_Animal_add_tags(b, v);
	buf = finish(zoo_Animal_end(b), &len);
	vec = deref(field_of(root_of(buf), TAGS));
	tag = deref(vec + 4);
	put32(tag, 0x7fff0000u); /* its vtable far away */
	expect(buf, len, -SLUICE_EFBVTABLE);
}
END_TEST

START_TEST(nested_flatbuffer_corrupt)
{
	sluice_fb_builder *b = start();
	uint8_t inner[16] = {200, 0, 0, 0}; /* a root offset past its 16 bytes */
	sluice_fb_ref v, n;
	size_t len;

	v = sluice_fb_vector(b, inner, sizeof(inner), 1, 4);
	n = sluice_fb_cstring(b, "N");
	zoo_Animal_start(b);
	zoo_Animal_add_name(b, n);
	zoo_Animal_add_payload(b, v);
	{
		sluice_fb_msg m;
		uint8_t *p;

		ck_assert_int_eq(zoo_Animal_finish(b, zoo_Animal_end(b), &m), 0);
		p = malloc(m.length);
		memcpy(p, work + m.offset, m.length);
		len = m.length;
		expect(p, len, -SLUICE_EFBBOUNDS);
	}
}
END_TEST

/* 100 friends deep: past the default limit of 64. */
START_TEST(depth_bomb)
{
	sluice_fb_builder *b = start();
	sluice_fb_ref prev = 0, n;
	size_t len;
	int i;

	for (i = 0; i < 100; i++) {
		n = sluice_fb_cstring(b, "d");
		zoo_Animal_start(b);
		zoo_Animal_add_name(b, n);
		zoo_Animal_add_friend(b, prev);
		prev = zoo_Animal_end(b);
	}
	{
		sluice_fb_msg m;
		uint8_t *p;
		sluice_fb_verify_opts o = {200, 0, NULL, false};

		ck_assert_int_eq(zoo_Animal_finish(b, prev, &m), 0);
		p = malloc(m.length);
		memcpy(p, work + m.offset, m.length);
		len = m.length;
		/* allowed when the limit is raised, so the depth is what fails */
		ck_assert_int_eq(zoo_Animal_verify_root(p, len, &o), 0);
		expect(p, len, -SLUICE_EFBDEPTH);
	}
}
END_TEST

/* 7 levels of 16 references to one child: 16^7 table visits from a
 * buffer of a few hundred bytes. The table limit stops it. */
START_TEST(shared_subtree_bomb)
{
	sluice_fb_builder *b = start();
	sluice_fb_ref prev, refs[16], n;
	size_t len;
	int i, j;

	prev = animal(b, "leaf", 1);
	for (i = 0; i < 7; i++) {
		sluice_fb_ref v;

		for (j = 0; j < 16; j++)
			refs[j] = prev;
		v = zoo_Animal_create_pack(b, refs, 16);
		n = sluice_fb_cstring(b, "n");
		zoo_Animal_start(b);
		zoo_Animal_add_name(b, n);
		zoo_Animal_add_pack(b, v);
		prev = zoo_Animal_end(b);
	}
	{
		sluice_fb_msg m;
		uint8_t *p;

		ck_assert_int_eq(zoo_Animal_finish(b, prev, &m), 0);
		ck_assert_uint_lt(m.length, 4096);
		p = malloc(m.length);
		memcpy(p, work + m.offset, m.length);
		len = m.length;
		expect(p, len, -SLUICE_EFBTABLES);
	}
}
END_TEST

START_TEST(every_truncation_is_refused)
{
	size_t len, n;
	uint8_t *b = simple(&len);

	for (n = 0; n < len; n++) {
		uint8_t *p = malloc(n ? n : 1);

		memcpy(p, b, n);
		ck_assert_int_ne(zoo_Animal_verify(p, n), 0);
		free(p);
	}
	free(b);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("fb_verify");
	TCase *tc = tcase_create("malformed");

	tcase_add_test(tc, too_short);
	tcase_add_test(tc, root_out_of_bounds);
	tcase_add_test(tc, root_misaligned);
	tcase_add_test(tc, vtable_out_of_bounds);
	tcase_add_test(tc, vtable_misaligned);
	tcase_add_test(tc, vtable_size_odd);
	tcase_add_test(tc, vtable_past_end);
	tcase_add_test(tc, table_size_below_header);
	tcase_add_test(tc, table_past_end);
	tcase_add_test(tc, field_outside_table);
	tcase_add_test(tc, field_over_vtable_offset);
	tcase_add_test(tc, field_misaligned);
	tcase_add_test(tc, offset_out_of_bounds);
	tcase_add_test(tc, offset_zero);
	tcase_add_test(tc, string_not_terminated);
	tcase_add_test(tc, string_past_end);
	tcase_add_test(tc, vector_size_overflows);
	tcase_add_test(tc, vector_past_end);
	tcase_add_test(tc, vector_elements_misaligned);
	tcase_add_test(tc, union_type_without_value);
	tcase_add_test(tc, union_value_without_type);
	tcase_add_test(tc, union_value_of_wrong_shape);
	tcase_add_test(tc, required_field_absent);
	tcase_add_test(tc, identifier_differs);
	tcase_add_test(tc, size_prefix_too_large);
	tcase_add_test(tc, string_vector_element_out_of_bounds);
	tcase_add_test(tc, table_vector_element_bad);
	tcase_add_test(tc, nested_flatbuffer_corrupt);
	tcase_add_test(tc, depth_bomb);
	tcase_add_test(tc, shared_subtree_bomb);
	tcase_add_test(tc, every_truncation_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
