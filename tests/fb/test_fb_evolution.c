/* test_fb_evolution.c - schema evolution: an old writer with a new reader
 * and a new writer with an old reader, both verified first. */
#include <check.h>
#include <string.h>

#include "evo_v1_sluice.h"
#include "evo_v2_sluice.h"
#include "testutil.h"

START_TEST(old_writer_new_reader)
{
	uint8_t buf[512];
	sluice_fb_builder b;
	sluice_fb_msg m;
	sluice_fb_ref n, a, r;
	const uint8_t *rec;

	sluice_fb_builder_init(&b, buf, sizeof(buf));
	evo_v1_A_start(&b);
	evo_v1_A_add_a(&b, 5);
	a = evo_v1_A_end(&b);
	n = sluice_fb_cstring(&b, "old");
	evo_v1_Rec_start(&b);
	evo_v1_Rec_add_id(&b, 41);
	evo_v1_Rec_add_name(&b, n);
	evo_v1_Rec_add_value(&b, 3.5f);
	evo_v1_Rec_add_old(&b, 77);
	evo_v1_Rec_add_u(&b, evo_v1_U_A, a);
	r = evo_v1_Rec_end(&b);
	ck_assert_int_eq(evo_v1_Rec_finish(&b, r, &m), 0);

	ck_assert_int_eq(evo_v2_Rec_verify(buf + m.offset, m.length), 0);
	rec = evo_v2_Rec_as_root(buf + m.offset);
	ck_assert_uint_eq(evo_v2_Rec_id(rec), 41);
	ck_assert_str_eq(evo_v2_Rec_name(rec), "old");
	ck_assert(evo_v2_Rec_value(rec) == 3.5f);
	ck_assert_int_eq(evo_v2_Rec_u_type(rec), evo_v2_U_A);
	ck_assert_int_eq(evo_v2_A_a(evo_v2_Rec_u(rec)), 5);
	/* fields the old writer never knew read as their new defaults */
	ck_assert_uint_eq(evo_v2_Rec_tags_len(rec), 0);
	ck_assert(!evo_v2_Rec_tags_is_present(rec));
	ck_assert(evo_v2_Rec_extra(rec) == 2.5);
	ck_assert_int_eq(evo_v2_Rec_kind(rec), evo_v2_Kind_Mid);
}
END_TEST

START_TEST(new_writer_old_reader)
{
	uint8_t buf[512];
	sluice_fb_builder b;
	sluice_fb_msg m;
	sluice_fb_ref n, t[2], tags, bb, r;
	const uint8_t *rec;

	sluice_fb_builder_init(&b, buf, sizeof(buf));
	n = sluice_fb_cstring(&b, "new member");
	evo_v2_B_start(&b);
	evo_v2_B_add_b(&b, n);
	bb = evo_v2_B_end(&b);
	t[0] = sluice_fb_cstring(&b, "t0");
	t[1] = sluice_fb_cstring(&b, "t1");
	tags = evo_v2_Rec_create_tags(&b, t, 2);
	n = sluice_fb_cstring(&b, "new");
	evo_v2_Rec_start(&b);
	evo_v2_Rec_add_id(&b, 42);
	evo_v2_Rec_add_name(&b, n);
	evo_v2_Rec_add_u(&b, evo_v2_U_B, bb);
	evo_v2_Rec_add_tags(&b, tags);
	evo_v2_Rec_add_extra(&b, -1.0);
	evo_v2_Rec_add_kind(&b, evo_v2_Kind_High);
	r = evo_v2_Rec_end(&b);
	ck_assert_int_eq(evo_v2_Rec_finish(&b, r, &m), 0);
	ck_assert_int_eq(evo_v2_Rec_verify(buf + m.offset, m.length), 0);

	/* the old verifier accepts the unknown fields and union member */
	ck_assert_int_eq(evo_v1_Rec_verify(buf + m.offset, m.length), 0);
	rec = evo_v1_Rec_as_root(buf + m.offset);
	ck_assert_uint_eq(evo_v1_Rec_id(rec), 42);
	ck_assert_str_eq(evo_v1_Rec_name(rec), "new");
	ck_assert(evo_v1_Rec_value(rec) == 1.0f);
	/* deprecated in v2, so never written: the old reader sees its default */
	ck_assert(!evo_v1_Rec_old_is_present(rec));
	ck_assert_int_eq(evo_v1_Rec_old(rec), 0);
	/* a member the old schema lacks: the tag is visible, not followed */
	ck_assert_int_eq(evo_v1_Rec_u_type(rec), 2);
	ck_assert_str_eq(evo_v1_U_name(evo_v1_Rec_u_type(rec)), "");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("fb_evolution");
	TCase *tc = tcase_create("evolution");

	tcase_add_test(tc, old_writer_new_reader);
	tcase_add_test(tc, new_writer_old_reader);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
