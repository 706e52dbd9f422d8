/* test_bridge_names.c - the bridge's topic name mapping (docs/bridge.md):
 * sluice names become valid DDS names and come back unchanged, every byte
 * included; DDS names the mapping never makes are refused, so no two DDS
 * names map to one sluice topic.  Needs no DDS. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bridge.h"
#include "testutil.h"

static int dds_ok(const char *s)
{
	/* what DDS (plus '/', as Cyclone and ROS 2 use it) allows */
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '/'))
			return 0;
	return 1;
}

START_TEST(test_examples)
{
	char d[BRIDGE_DDS_NAME_MAX + 1], back[CLI_TOPIC_MAX];

	ck_assert_int_eq(bridge_name_to_dds("/sensor_fusion.pose", d, sizeof(d)), 0);
	ck_assert_str_eq(d, "sluice/sensor__fusion/pose");
	ck_assert_int_eq(bridge_name_to_dds("cam-1.image", d, sizeof(d)), 0);
	ck_assert_str_eq(d, "sluice/cam_x2d1/image");
	ck_assert_int_eq(bridge_name_from_dds("sluice/cam_x2d1/image", "", back, sizeof(back)), 0);
	ck_assert_str_eq(back, "/cam-1.image");
	ck_assert_int_eq(bridge_name_from_dds("sluice/sensor__fusion/pose", "far.", back,
					      sizeof(back)), 0);
	ck_assert_str_eq(back, "/far.sensor_fusion.pose");
}
END_TEST

START_TEST(test_every_byte_round_trips)
{
	char name[256], d[BRIDGE_DDS_NAME_MAX + 1], back[CLI_TOPIC_MAX];

	for (int c = 1; c < 256; c++) {
		if (c == '/')
			continue;
		snprintf(name, sizeof(name), "/a%cb", c);
		ck_assert_int_eq(bridge_name_to_dds(name, d, sizeof(d)), 0);
		ck_assert_msg(dds_ok(d), "byte %d gave %s", c, d);
		ck_assert_int_eq(bridge_name_from_dds(d, "", back, sizeof(back)), 0);
		ck_assert_str_eq(back, name);
	}
}
END_TEST

START_TEST(test_refused)
{
	char d[BRIDGE_DDS_NAME_MAX + 1], back[CLI_TOPIC_MAX], big[400];
	/* names the forward mapping never makes: one spelling per topic */
	const char *bad[] = {"sluice/", "other/x", "sluice/a_b", "sluice/a_", "sluice/a_x4",
			     "sluice/a_x41", "sluice/a_x2D", "sluice/a_x2e", "sluice/a_x2f",
			     "sluice/a_x5f", "sluice/a_x00", "sluice/a-b", "sluice/a.b"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(bridge_name_from_dds(bad[i], "", back, sizeof(back)) == -EINVAL,
			      "%s was taken", bad[i]);
	ck_assert_int_eq(bridge_name_from_dds("sluice/a", "x/y", back, sizeof(back)), -EINVAL);
	ck_assert_int_eq(bridge_name_to_dds("/", d, sizeof(d)), -EINVAL);
	ck_assert_int_eq(bridge_name_to_dds("/a/b", d, sizeof(d)), -EINVAL);
	/* longer than RTPS allows */
	memset(big, '-', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	ck_assert_int_eq(bridge_name_to_dds(big, d, sizeof(d)), -ENAMETOOLONG);
	ck_assert_int_eq(bridge_name_to_dds("abc", d, 8), -ENAMETOOLONG);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("bridge_names");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, test_examples);
	tcase_add_test(tc, test_every_byte_round_trips);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
