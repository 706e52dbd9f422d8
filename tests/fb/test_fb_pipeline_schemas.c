/* test_fb_pipeline_schemas.c - the example pipeline's messages (schemas/)
 * build, verify and read back through the generated headers, and flatc
 * reads what they write. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gps_sluice.h"
#include "imu_sluice.h"
#include "pose_sluice.h"
#include "testutil.h"

static sluice_fb_ref header(sluice_fb_builder *b, uint64_t stamp, const char *frame, uint64_t seq)
{
	sluice_fb_ref f = sluice_fb_cstring(b, frame);

	sluice_msg_Header_start(b);
	sluice_msg_Header_add_stamp_ns(b, stamp);
	sluice_msg_Header_add_frame_id(b, f);
	sluice_msg_Header_add_seq(b, seq);
	return sluice_msg_Header_end(b);
}

START_TEST(imu_round_trip)
{
	uint8_t buf[512];
	sluice_fb_builder b;
	sluice_fb_msg m;
	sluice_fb_ref h, r;
	sluice_msg_Vec3 acc = {0.1, 0.2, 9.81}, gyr = {0, 0, 0.5};
	const uint8_t *imu;

	sluice_fb_builder_init(&b, buf, sizeof(buf));
	h = header(&b, 123456789, "imu_link", 7);
	sluice_msg_Imu_start(&b);
	sluice_msg_Imu_add_header(&b, h);
	sluice_msg_Imu_add_accel(&b, &acc);
	sluice_msg_Imu_add_gyro(&b, &gyr);
	sluice_msg_Imu_add_temperature(&b, 0.0f); /* optional: stored though 0 */
	r = sluice_msg_Imu_end(&b);
	ck_assert_int_eq(sluice_msg_Imu_finish(&b, r, &m), 0);
	ck_assert_int_eq(sluice_msg_Imu_verify(buf + m.offset, m.length), 0);
	imu = sluice_msg_Imu_as_root(buf + m.offset);
	ck_assert_uint_eq(sluice_msg_Header_stamp_ns(sluice_msg_Imu_header(imu)), 123456789);
	ck_assert_str_eq(sluice_msg_Header_frame_id(sluice_msg_Imu_header(imu)), "imu_link");
	ck_assert_uint_eq(sluice_msg_Header_seq(sluice_msg_Imu_header(imu)), 7);
	ck_assert(sluice_msg_Imu_accel(imu).z == 9.81);
	ck_assert(sluice_msg_Imu_gyro(imu).z == 0.5);
	ck_assert(sluice_msg_Imu_temperature_is_present(imu));
	ck_assert(!sluice_msg_Imu_accel_cov_is_present(imu));
	ck_assert_int_eq(memcmp(sluice_fb_identifier(buf + m.offset), sluice_msg_Imu_IDENTIFIER, 4), 0);
}
END_TEST

START_TEST(gps_requires_header)
{
	uint8_t buf[512];
	sluice_fb_builder b;
	sluice_fb_msg m;
	sluice_fb_ref h, r;
	sluice_msg_GeoPoint p = {48.1, 11.5, 520};
	sluice_msg_Cov3 c;
	const uint8_t *g;

	memset(&c, 0, sizeof(c));
	c.m[0] = c.m[4] = 2.0;
	c.m[8] = 9.0;
	sluice_fb_builder_init(&b, buf, sizeof(buf));
	sluice_msg_GpsFix_start(&b);
	sluice_msg_GpsFix_add_position(&b, &p);
	r = sluice_msg_GpsFix_end(&b);
	ck_assert_int_eq(sluice_msg_GpsFix_finish(&b, r, &m), -SLUICE_EFBREQUIRED);

	sluice_fb_builder_init(&b, buf, sizeof(buf));
	h = header(&b, 1, "gps", 2);
	sluice_msg_GpsFix_start(&b);
	sluice_msg_GpsFix_add_header(&b, h);
	sluice_msg_GpsFix_add_kind(&b, sluice_msg_FixKind_RtkFixed);
	sluice_msg_GpsFix_add_position(&b, &p);
	sluice_msg_GpsFix_add_covariance(&b, &c);
	sluice_msg_GpsFix_add_satellites(&b, 11);
	r = sluice_msg_GpsFix_end(&b);
	ck_assert_int_eq(sluice_msg_GpsFix_finish(&b, r, &m), 0);
	ck_assert_int_eq(sluice_msg_GpsFix_verify(buf + m.offset, m.length), 0);
	g = sluice_msg_GpsFix_as_root(buf + m.offset);
	ck_assert_int_eq(sluice_msg_GpsFix_kind(g), sluice_msg_FixKind_RtkFixed);
	ck_assert_str_eq(sluice_msg_FixKind_name(sluice_msg_GpsFix_kind(g)), "RtkFixed");
	ck_assert(sluice_msg_GpsFix_position(g).lon_deg == 11.5);
	ck_assert(sluice_msg_GpsFix_covariance(g).m[8] == 9.0);
	ck_assert_uint_eq(sluice_msg_GpsFix_satellites(g), 11);
}
END_TEST

START_TEST(pose_round_trip_and_flatc_reads_it)
{
	uint8_t buf[1024];
	sluice_fb_builder b;
	sluice_fb_msg m;
	sluice_fb_ref h, r;
	sluice_msg_Vec3 pos = {1, 2, 3}, vel = {0.5, 0, 0};
	sluice_msg_Quat q = {0, 0, 0.3826834, 0.9238795};
	sluice_msg_Cov6 cov;
	const uint8_t *p;

	memset(&cov, 0, sizeof(cov));
	cov.m[35] = 0.01;
	sluice_fb_builder_init(&b, buf, sizeof(buf));
	h = header(&b, 99, "map", 3);
	sluice_msg_Pose_start(&b);
	sluice_msg_Pose_add_header(&b, h);
	sluice_msg_Pose_add_position(&b, &pos);
	sluice_msg_Pose_add_velocity(&b, &vel);
	sluice_msg_Pose_add_orientation(&b, &q);
	sluice_msg_Pose_add_yaw(&b, 0.785398);
	sluice_msg_Pose_add_covariance(&b, &cov);
	r = sluice_msg_Pose_end(&b);
	ck_assert_int_eq(sluice_msg_Pose_finish(&b, r, &m), 0);
	ck_assert_int_eq(sluice_msg_Pose_verify(buf + m.offset, m.length), 0);
	p = sluice_msg_Pose_as_root(buf + m.offset);
	ck_assert(sluice_msg_Pose_yaw(p) == 0.785398);
	ck_assert(sluice_msg_Pose_orientation(p).w == 0.9238795);
	ck_assert(sluice_msg_Pose_covariance(p).m[35] == 0.01);
	ck_assert(sluice_msg_Pose_velocity(p).x == 0.5);
	/* generated JSON both ways */
	{
		static char json[8192];
		static uint8_t scratch[4096], buf2[1024];
		sluice_fb_builder b2;
		sluice_fb_msg m2;

		ck_assert_int_eq(sluice_msg_Pose_print_json(buf + m.offset, m.length, json, sizeof(json)), 0);
		ck_assert_ptr_nonnull(strstr(json, "\"frame_id\": \"map\""));
		sluice_fb_builder_init(&b2, buf2, sizeof(buf2));
		ck_assert_int_eq(sluice_msg_Pose_parse_json(json, strlen(json), scratch, sizeof(scratch), &b2, &m2), 0);
		ck_assert_int_eq(sluice_msg_Pose_verify(buf2 + m2.offset, m2.length), 0);
		ck_assert(sluice_msg_Pose_yaw(sluice_msg_Pose_as_root(buf2 + m2.offset)) == 0.785398);
		ck_assert(sluice_msg_Pose_covariance(sluice_msg_Pose_as_root(buf2 + m2.offset)).m[35] == 0.01);
		ck_assert_int_eq(memcmp(sluice_fb_identifier(buf2 + m2.offset), "SPOS", 4), 0);
	}
#ifdef FLATC
	{
		char dir[] = "/tmp/sluice-pose-XXXXXX", cmd[1024], path[128];
		FILE *f;
		char json[4096];
		size_t n;

		ck_assert_ptr_nonnull(mkdtemp(dir));
		snprintf(path, sizeof(path), "%s/pose.bin", dir);
		f = fopen(path, "wb");
		fwrite(buf + m.offset, 1, m.length, f);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "'%s' --json --strict-json -o '%s' " SCHEMAS_DIR "/pose.fbs -- '%s'",
			 FLATC, dir, path);
		ck_assert_int_eq(system(cmd), 0);
		snprintf(path, sizeof(path), "%s/pose.json", dir);
		f = fopen(path, "r");
		ck_assert_ptr_nonnull(f);
		n = fread(json, 1, sizeof(json) - 1, f);
		json[n] = 0;
		fclose(f);
		ck_assert_ptr_nonnull(strstr(json, "\"frame_id\": \"map\""));
		ck_assert_ptr_nonnull(strstr(json, "\"yaw\": 0.785398"));
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		ck_assert_int_eq(system(cmd), 0);
	}
#endif
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("fb_pipeline_schemas");
	TCase *tc = tcase_create("schemas");

	tcase_add_test(tc, imu_round_trip);
	tcase_add_test(tc, gps_requires_header);
	tcase_add_test(tc, pose_round_trip_and_flatc_reads_it);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
