/* test_fb_roundtrip.c - the builder and readers of generated code: a
 * message with every kind of field reads back equal; out-of-room, misuse
 * and missing required fields are sticky errors; vtables are shared. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/error.h"
#include "testutil.h"
#include "zoo_build.h"
#include "zoo_sluice.h"

START_TEST(every_field_reads_back)
{
	_Alignas(32) static uint8_t buf[4096];
	sluice_fb_msg m;
	const char *bad;

	ck_assert_int_eq(zoo_build(buf, sizeof(buf), &m), 0);
	ck_assert_uint_eq(m.offset + m.length, sizeof(buf));
	ck_assert_int_eq(zoo_Animal_verify(buf + m.offset, m.length), 0);
	bad = zoo_check(buf + m.offset);
	ck_assert_msg(bad == NULL, "field %s differs", bad);
	/* a wrong identifier is refused */
	{
		sluice_fb_verify_opts o = {0, 0, "XXXX", false};
		ck_assert_int_eq(zoo_Animal_verify_root(buf + m.offset, m.length, &o),
				 -SLUICE_EFBIDENT);
	}
}
END_TEST

/* Every capacity short of the need fails cleanly, never writing outside
 * a heap block of exactly that size (ASan watches). */
START_TEST(out_of_room_is_sticky)
{
	_Alignas(32) static uint8_t big[4096];
	sluice_fb_msg m;
	size_t need, cap;

	ck_assert_int_eq(zoo_build(big, sizeof(big), &m), 0);
	need = m.length;
	for (cap = 0; cap < need; cap++) {
		uint8_t *p = malloc(cap ? cap : 1);

		ck_assert_int_eq(zoo_build(p, cap, &m), -SLUICE_EFBFULL);
		free(p);
	}
}
END_TEST

START_TEST(finished_message_is_aligned_in_memory)
{
	static uint8_t raw[4096 + 64];
	sluice_fb_msg m;
	size_t skew;

	for (skew = 1; skew < 40; skew += 7) {
		ck_assert_int_eq(zoo_build(raw + skew, 4096, &m), 0);
		ck_assert_uint_eq((uintptr_t)(raw + skew + m.offset) % 16, 0);
		ck_assert_int_eq(zoo_Animal_verify(raw + skew + m.offset, m.length), 0);
		ck_assert_ptr_null(zoo_check(raw + skew + m.offset));
	}
}
END_TEST

static sluice_fb_ref tag(sluice_fb_builder *b, const char *name, int32_t w)
{
	sluice_fb_ref s = sluice_fb_cstring(b, name);

	zoo_Tag_start(b);
	zoo_Tag_add_name(b, s);
	zoo_Tag_add_weight(b, w);
	return zoo_Tag_end(b);
}

START_TEST(vtables_are_shared)
{
	uint8_t buf[1024];
	sluice_fb_builder b;
	sluice_fb_ref t1, t2, t3;
	const uint8_t *p1, *p2, *p3;
	size_t before;

	sluice_fb_builder_init(&b, buf, sizeof(buf));
	t1 = tag(&b, "one", 1);
	t2 = tag(&b, "two", 2);
	before = sluice_fb_builder_size(&b);
	t3 = tag(&b, "three", 7); /* default weight: another vtable shape */
	ck_assert_int_eq(sluice_fb_builder_error(&b), 0);
	p1 = b.end - t1;
	p2 = b.end - t2;
	p3 = b.end - t3;
	ck_assert_ptr_eq(p1 - sluice_fb_i32(p1), p2 - sluice_fb_i32(p2));
	ck_assert_ptr_ne(p3 - sluice_fb_i32(p3), p1 - sluice_fb_i32(p1));
	/* the third table wrote its own vtable */
	ck_assert_uint_gt(sluice_fb_builder_size(&b) - before, 12);
}
END_TEST

START_TEST(required_field_missing)
{
	uint8_t buf[256];
	sluice_fb_builder b;
	sluice_fb_msg m;
	sluice_fb_ref r;

	sluice_fb_builder_init(&b, buf, sizeof(buf));
	zoo_Animal_start(&b);
	zoo_Animal_add_age(&b, 1);
	r = zoo_Animal_end(&b);
	ck_assert_int_eq(zoo_Animal_finish(&b, r, &m), -SLUICE_EFBREQUIRED);
	ck_assert_int_eq(sluice_fb_builder_error(&b), -SLUICE_EFBREQUIRED);
}
END_TEST

/* A string key is required, as flatc makes it (its generated Finish
 * refuses the table, its verifier and the .bfbs require the field): a Tag
 * without its name is refused field by field and whole, and a Tag with
 * it is not. */
START_TEST(string_key_missing)
{
	uint8_t buf[256];
	sluice_fb_builder b;
	sluice_fb_msg m;
	sluice_fb_ref r;

	sluice_fb_builder_init(&b, buf, sizeof(buf));
	zoo_Tag_start(&b);
	zoo_Tag_add_weight(&b, 1);
	r = zoo_Tag_end(&b);
	ck_assert_int_eq(sluice_fb_finish(&b, r, NULL, false, &m), -SLUICE_EFBREQUIRED);
	sluice_fb_builder_init(&b, buf, sizeof(buf));
	r = zoo_Tag_create(&b, 0, 5);
	ck_assert_uint_eq(r, 0);
	ck_assert_int_eq(sluice_fb_finish(&b, r, NULL, false, &m), -SLUICE_EFBREQUIRED);
	sluice_fb_builder_init(&b, buf, sizeof(buf));
	r = zoo_Tag_create(&b, sluice_fb_cstring(&b, "k"), 5);
	ck_assert_int_eq(sluice_fb_finish(&b, r, NULL, false, &m), 0);
	ck_assert_str_eq(zoo_Tag_name(sluice_fb_root(buf + m.offset)), "k");
}
END_TEST

START_TEST(misuse_is_reported)
{
	uint8_t buf[256];
	sluice_fb_builder b;
	sluice_fb_msg m;

	sluice_fb_builder_init(&b, buf, sizeof(buf));
	zoo_Tag_start(&b);
	zoo_Tag_start(&b); /* tables do not nest */
	ck_assert_int_eq(sluice_fb_builder_error(&b), -SLUICE_EFBUSAGE);
	ck_assert_int_eq(sluice_fb_finish(&b, 0, NULL, false, &m), -SLUICE_EFBUSAGE);

	sluice_fb_builder_init(&b, buf, sizeof(buf));
	zoo_Tag_add_weight(&b, 3); /* outside a table */
	ck_assert_int_eq(sluice_fb_builder_error(&b), -SLUICE_EFBUSAGE);

	sluice_fb_builder_init(&b, buf, sizeof(buf));
	zoo_Tag_start(&b);
	sluice_fb_table_ref(&b, 0, 4000); /* a reference to nothing written */
	ck_assert_int_eq(sluice_fb_builder_error(&b), -SLUICE_EFBUSAGE);
	ck_assert_str_ne(sluice_strerror(-SLUICE_EFBUSAGE), "");
}
END_TEST

START_TEST(size_prefixed_message)
{
	uint8_t buf[256];
	sluice_fb_builder b;
	sluice_fb_msg m;
	sluice_fb_ref r;
	const uint8_t *p;

	sluice_fb_builder_init(&b, buf, sizeof(buf));
	r = tag(&b, "sp", 5);
	ck_assert_int_eq(zoo_Tag_finish_size_prefixed(&b, r, &m), 0);
	p = buf + m.offset;
	ck_assert_uint_eq(sluice_fb_u32(p), m.length - 4);
	ck_assert_int_eq(zoo_Tag_verify_size_prefixed(p, m.length), 0);
	ck_assert_int_eq(zoo_Tag_weight(zoo_Tag_as_root_size_prefixed(p)), 5);
	/* a prefix larger than the buffer is refused */
	ck_assert_int_ne(zoo_Tag_verify_size_prefixed(p, m.length - 1), 0);
}
END_TEST

START_TEST(table_too_big_for_vtable)
{
	uint8_t *buf = malloc(1 << 20);
	sluice_fb_builder b;
	sluice_fb_msg m;
	static uint8_t blob[70000];
	unsigned i;

	sluice_fb_builder_init(&b, buf, 1 << 20);
	sluice_fb_table_start(&b);
	/* more than 64 KiB of inline data cannot be described by a vtable */
	for (i = 0; i < 3; i++)
		sluice_fb_table_struct(&b, i, blob, 30000, 8);
	sluice_fb_table_end(&b, NULL, 0);
	ck_assert_int_eq(sluice_fb_finish(&b, 8, NULL, false, &m), -SLUICE_EFBTOOBIG);
	free(buf);
}
END_TEST

/* Tables with a key: sorted in the builder, found by binary search. */
START_TEST(key_sort_and_lookup)
{
	_Alignas(32) static uint8_t buf[4096];
	sluice_fb_builder b;
	sluice_fb_msg m;
	sluice_fb_ref tags[5], v, n, r;
	const char *names[5] = {"m", "b", "z", "a", "q"};
	const uint8_t *a;
	unsigned i;

	sluice_fb_builder_init(&b, buf, sizeof(buf));
	for (i = 0; i < 5; i++)
		tags[i] = tag(&b, names[i], (int32_t)i);
	zoo_Tag_sort_by_key(&b, tags, 5);
	v = zoo_Animal_create_tags(&b, tags, 5);
	n = sluice_fb_cstring(&b, "K");
	zoo_Animal_start(&b);
	zoo_Animal_add_name(&b, n);
	zoo_Animal_add_tags(&b, v);
	r = zoo_Animal_end(&b);
	ck_assert_int_eq(zoo_Animal_finish(&b, r, &m), 0);
	ck_assert_int_eq(zoo_Animal_verify(buf + m.offset, m.length), 0);
	a = zoo_Animal_as_root(buf + m.offset);
	for (i = 1; i < 5; i++)
		ck_assert_int_lt(strcmp(zoo_Tag_name(zoo_Animal_tags_at(a, i - 1)),
					zoo_Tag_name(zoo_Animal_tags_at(a, i))),
				 0);
	for (i = 0; i < 5; i++) {
		const uint8_t *t = zoo_Animal_tags_by_key(a, names[i]);

		ck_assert_ptr_nonnull(t);
		ck_assert_str_eq(zoo_Tag_name(t), names[i]);
		ck_assert_int_eq(zoo_Tag_weight(t), (int32_t)i);
	}
	ck_assert_ptr_null(zoo_Animal_tags_by_key(a, "c"));
	ck_assert_ptr_null(zoo_Animal_tags_by_key(a, "zz"));
	ck_assert_ptr_null(zoo_Animal_tags_by_key(a, ""));
}
END_TEST

/* ---- the generated <T>_create() fast path ---- */

START_TEST(create_every_field_reads_back)
{
	_Alignas(32) static uint8_t buf[4096];
	static uint8_t raw[4096 + 64];
	sluice_fb_msg m;
	const char *bad;
	size_t need, cap, skew;

	ck_assert_int_eq(zoo_build_create(buf, sizeof(buf), false, &m), 0);
	ck_assert_uint_eq(m.offset + m.length, sizeof(buf));
	ck_assert_int_eq(zoo_Animal_verify(buf + m.offset, m.length), 0);
	bad = zoo_check(buf + m.offset);
	ck_assert_msg(bad == NULL, "field %s differs", bad);
	/* every capacity short of the need fails cleanly (ASan watches) */
	need = m.length;
	for (cap = 0; cap < need; cap++) {
		uint8_t *p = malloc(cap ? cap : 1);

		ck_assert_int_eq(zoo_build_create(p, cap, false, &m), -SLUICE_EFBFULL);
		free(p);
	}
	/* and with room (the end is trimmed to a 32-byte boundary) succeeds */
	for (cap = need + 31; cap < need + 80; cap++) {
		uint8_t *p = malloc(cap);

		ck_assert_int_eq(zoo_build_create(p, cap, false, &m), 0);
		ck_assert_int_eq(zoo_Animal_verify(p + m.offset, m.length), 0);
		free(p);
	}
	/* alignment holds in memory wherever the buffer lies */
	for (skew = 1; skew < 40; skew += 7) {
		ck_assert_int_eq(zoo_build_create(raw + skew, 4096, false, &m), 0);
		ck_assert_uint_eq((uintptr_t)(raw + skew + m.offset) % 16, 0);
		ck_assert_int_eq(zoo_Animal_verify(raw + skew + m.offset, m.length), 0);
		ck_assert_ptr_null(zoo_check(raw + skew + m.offset));
	}
	ck_assert_int_eq(zoo_build_create(buf, sizeof(buf), true, &m), 0);
	ck_assert_int_eq(zoo_Animal_verify_size_prefixed(buf + m.offset, m.length), 0);
	ck_assert_ptr_null(zoo_check(buf + m.offset + 4));
}
END_TEST

/* The padding the fast path leaves is zero, whatever the buffer held. */
START_TEST(create_zeroes_padding)
{
	_Alignas(32) uint8_t a[256], c[256];
	sluice_fb_builder b;
	sluice_fb_msg ma, mc;
	sluice_fb_ref r;

	memset(a, 0x00, sizeof(a));
	memset(c, 0xa5, sizeof(c));
	sluice_fb_builder_init(&b, a, sizeof(a));
	r = zoo_Tag_create(&b, sluice_fb_cstring(&b, "pad"), 3);
	r = zoo_Cage_create(&b, 9, 0.5);
	ck_assert_int_eq(zoo_Cage_finish(&b, r, &ma), 0);
	sluice_fb_builder_init(&b, c, sizeof(c));
	r = zoo_Tag_create(&b, sluice_fb_cstring(&b, "pad"), 3);
	r = zoo_Cage_create(&b, 9, 0.5);
	ck_assert_int_eq(zoo_Cage_finish(&b, r, &mc), 0);
	ck_assert_uint_eq(ma.length, mc.length);
	ck_assert_mem_eq(a + ma.offset, c + mc.offset, ma.length);
}
END_TEST

START_TEST(create_vtables_are_shared)
{
	uint8_t buf[1024];
	sluice_fb_builder b;
	sluice_fb_ref t1, t2, t3, c, s;
	const uint8_t *p1, *p2, *p3;
	size_t before;

	sluice_fb_builder_init(&b, buf, sizeof(buf));
	s = sluice_fb_cstring(&b, "one");
	t1 = zoo_Tag_create(&b, s, 1);
	before = sluice_fb_builder_size(&b);
	t2 = zoo_Tag_create(&b, s, 2); /* the last image again: shared by address */
	ck_assert_uint_eq(sluice_fb_builder_size(&b) - before, 12);
	c = zoo_Cage_create(&b, 1, 2.0);
	before = sluice_fb_builder_size(&b);
	t3 = zoo_Tag_create(&b, s, 3); /* found again among those remembered */
	ck_assert_uint_eq(sluice_fb_builder_size(&b) - before, 12);
	ck_assert_int_eq(sluice_fb_builder_error(&b), 0);
	p1 = b.end - t1;
	p2 = b.end - t2;
	p3 = b.end - t3;
	ck_assert_ptr_eq(p1 - sluice_fb_i32(p1), p2 - sluice_fb_i32(p2));
	ck_assert_ptr_eq(p1 - sluice_fb_i32(p1), p3 - sluice_fb_i32(p3));
	ck_assert_int_eq(zoo_Tag_weight(p3), 3);
	ck_assert_str_eq(zoo_Tag_name(p3), "one");
	ck_assert_uint_eq(zoo_Cage_id(b.end - c), 1);
}
END_TEST

/* Absent references leave their vtable entries zero; trailing ones are
 * left off; equal sparse vtables are shared. */
START_TEST(create_absent_fields)
{
	_Alignas(32) uint8_t buf[1024];
	sluice_fb_builder b;
	sluice_fb_msg m;
	sluice_fb_ref t1, t2, name, a;
	const uint8_t *p1, *p2, *root, *vt;
	size_t before;

	sluice_fb_builder_init(&b, buf, sizeof(buf));
	/* (a Note: a Tag's name is its string key, which may not be absent) */
	t1 = zoo_common_Note_create(&b, 0, 5);
	before = sluice_fb_builder_size(&b);
	t2 = zoo_common_Note_create(&b, 0, 6);
	ck_assert_uint_eq(sluice_fb_builder_size(&b) - before, 12);
	p1 = b.end - t1;
	p2 = b.end - t2;
	ck_assert_ptr_eq(p1 - sluice_fb_i32(p1), p2 - sluice_fb_i32(p2));
	ck_assert_ptr_null(zoo_common_Note_text(p1));
	ck_assert(!zoo_common_Note_text_is_present(p2));
	ck_assert_int_eq(zoo_common_Note_level(p2), 6);
	/* an Animal with only its name and the scalars: pack (the last
	 * field) absent, so the vtable stops before it */
	name = sluice_fb_cstring(&b, "Solo");
	a = zoo_Animal_create(&b, name, zoo_Kind_Cat, zoo_Color_Red, 1, 1.0f, NULL, true, NULL, NULL,
			      NULL, 0, 0, 0, 0, 0, zoo_Home_Tag, 0, 0, 1, 2, 3.0, 0, 0, 0, false, 0);
	ck_assert_int_eq(zoo_Animal_finish(&b, a, &m), 0);
	ck_assert_int_eq(zoo_Animal_verify(buf + m.offset, m.length), 0);
	root = zoo_Animal_as_root(buf + m.offset);
	vt = root - sluice_fb_i32(root);
	ck_assert_uint_lt(sluice_fb_u16(vt), 4 + 2 * 27);
	ck_assert_uint_eq(sluice_fb_u16(vt) % 2, 0);
	ck_assert_str_eq(zoo_Animal_name(root), "Solo");
	ck_assert_int_eq(zoo_Animal_kind(root), zoo_Kind_Cat);
	ck_assert(!zoo_Animal_legs_is_present(root));
	ck_assert(!zoo_Animal_pos_is_present(root));
	/* a union type without a value is left out with it */
	ck_assert_int_eq(zoo_Animal_home_type(root), zoo_Home_NONE);
	ck_assert_ptr_null(zoo_Animal_home(root));
	ck_assert_uint_eq(zoo_Animal_big(root), 1);
	ck_assert_int_eq(zoo_Animal_small(root), 2);
	ck_assert(zoo_Animal_inf_d(root) == 3.0);
	ck_assert_uint_eq(zoo_Animal_tags_len(root), 0);
}
END_TEST

START_TEST(create_misuse_is_reported)
{
	uint8_t buf[256];
	sluice_fb_builder b;
	sluice_fb_msg m;
	sluice_fb_ref r;

	/* a required field absent */
	sluice_fb_builder_init(&b, buf, sizeof(buf));
	r = zoo_Animal_create(&b, 0, zoo_Kind_Cat, zoo_Color_Red, 1, 1.0f, NULL, true, NULL, NULL,
			      NULL, 0, 0, 0, 0, 0, zoo_Home_NONE, 0, 0, 1, 2, 3.0, 0, 0, 0, false, 0);
	ck_assert_uint_eq(r, 0);
	ck_assert_int_eq(zoo_Animal_finish(&b, r, &m), -SLUICE_EFBREQUIRED);
	ck_assert_uint_eq(sluice_fb_builder_size(&b), 0);

	/* a reference to nothing written */
	sluice_fb_builder_init(&b, buf, sizeof(buf));
	r = zoo_Tag_create(&b, 4000, 1);
	ck_assert_uint_eq(r, 0);
	ck_assert_int_eq(sluice_fb_builder_error(&b), -SLUICE_EFBUSAGE);

	/* inside a table begun field by field */
	sluice_fb_builder_init(&b, buf, sizeof(buf));
	zoo_Tag_start(&b);
	r = zoo_Cage_create(&b, 1, 1.0);
	ck_assert_uint_eq(r, 0);
	ck_assert_int_eq(sluice_fb_builder_error(&b), -SLUICE_EFBUSAGE);

	/* after an error nothing more is written */
	sluice_fb_builder_init(&b, buf, 8);
	r = zoo_Cage_create(&b, 1, 1.0);
	ck_assert_uint_eq(r, 0);
	ck_assert_int_eq(sluice_fb_builder_error(&b), -SLUICE_EFBFULL);
	r = zoo_Tag_create(&b, 0, 1);
	ck_assert_uint_eq(r, 0);
	ck_assert_uint_eq(sluice_fb_builder_size(&b), 0);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("fb_roundtrip");
	TCase *tc = tcase_create("builder");

	tcase_add_test(tc, every_field_reads_back);
	tcase_add_test(tc, string_key_missing);
	tcase_add_test(tc, out_of_room_is_sticky);
	tcase_add_test(tc, finished_message_is_aligned_in_memory);
	tcase_add_test(tc, vtables_are_shared);
	tcase_add_test(tc, required_field_missing);
	tcase_add_test(tc, misuse_is_reported);
	tcase_add_test(tc, size_prefixed_message);
	tcase_add_test(tc, table_too_big_for_vtable);
	tcase_add_test(tc, key_sort_and_lookup);
	tcase_add_test(tc, create_every_field_reads_back);
	tcase_add_test(tc, create_zeroes_padding);
	tcase_add_test(tc, create_vtables_are_shared);
	tcase_add_test(tc, create_absent_fields);
	tcase_add_test(tc, create_misuse_is_reported);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
