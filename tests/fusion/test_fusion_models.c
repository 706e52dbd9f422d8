/* test_fusion_models.c - the demo's models checked against each other:
 * the trajectory's derivatives against finite differences, geodesy round
 * trips, and imu_sim's noise-free output dead-reckoned back into the
 * trajectory (which proves the body-frame and sign conventions that the
 * fusion filter relies on). */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "fu_host.h"
#include "geodesy.h"
#include "imu_sluice.h"
#include "testutil.h"
#include "trajectory.h"

#define MS 1000000ULL

START_TEST(trajectory_derivatives)
{
	struct fu_traj tr;
	uint64_t t0 = 123456789012345ULL, h = 1000; /* 1 us */

	ck_assert_int_eq(fu_traj_init(&tr, 50, 60), 0);
	ck_assert_int_eq(fu_traj_init(&tr, 0, 60), -EINVAL);
	ck_assert_int_eq(fu_traj_init(&tr, 50, 0.5), -EINVAL);
	ck_assert_int_eq(fu_traj_init(&tr, 50, 60), 0);
	for (int k = 0; k < 600; k++) {
		uint64_t t = t0 + (uint64_t)k * 100 * MS;
		struct fu_truth a, b, c;
		double dyaw;

		fu_traj_at(&tr, t - h, &a);
		fu_traj_at(&tr, t, &b);
		fu_traj_at(&tr, t + h, &c);
		ck_assert_double_eq_tol((c.x - a.x) / 2e-6, b.vx, 1e-5);
		ck_assert_double_eq_tol((c.y - a.y) / 2e-6, b.vy, 1e-5);
		ck_assert_double_eq_tol((c.vx - a.vx) / 2e-6, b.ax, 1e-5);
		ck_assert_double_eq_tol((c.vy - a.vy) / 2e-6, b.ay, 1e-5);
		dyaw = remainder(c.yaw - a.yaw, 2 * M_PI);
		ck_assert_double_eq_tol(dyaw / 2e-6, b.yaw_rate, 1e-5);
		ck_assert_double_eq_tol(b.a_left, hypot(b.vx, b.vy) * b.yaw_rate, 1e-9);
		ck_assert(hypot(b.vx, b.vy) > 3.4);
	}
}
END_TEST

START_TEST(trajectory_is_periodic_in_monotonic_time)
{
	struct fu_traj tr;
	struct fu_truth a, b;

	ck_assert_int_eq(fu_traj_init(&tr, 50, 60), 0);
	fu_traj_at(&tr, 7 * MS, &a);
	fu_traj_at(&tr, 7 * MS + 60000 * MS * 1000003ULL, &b); /* a million periods on */
	ck_assert(a.x == b.x && a.y == b.y && a.yaw == b.yaw);
}
END_TEST

START_TEST(geodesy_round_trip)
{
	struct fu_geo_origin o;

	ck_assert_int_eq(fu_geo_origin_init(&o, 95, 0, 0), -EINVAL);
	ck_assert_int_eq(fu_geo_origin_init(&o, 48.137154, 11.576124, 519), 0);
	for (int i = 0; i < 50; i++) {
		double enu[3] = {-2000 + 83.0 * i, 1500 - 61.0 * i, -20 + i}, back[3], lat, lon,
		       alt;

		fu_geo_from_enu(&o, enu, &lat, &lon, &alt);
		fu_geo_to_enu(&o, lat, lon, alt, back);
		for (int k = 0; k < 3; k++)
			ck_assert_double_eq_tol(back[k], enu[k], 1e-6);
	}
	{
		/* 1 m north is about 1/111 km of latitude at 48 degrees */
		double enu[3] = {0, 1000, 0}, lat, lon, alt;

		fu_geo_from_enu(&o, enu, &lat, &lon, &alt);
		ck_assert_double_eq_tol((lat - 48.137154) * 111200, 1000, 5);
		ck_assert_double_eq_tol(lon, 11.576124, 1e-9);
	}
}
END_TEST

START_TEST(noise_free_imu_dead_reckons_the_trajectory)
{
	struct fh_clock clock = {77777 * MS};
	struct sluice_param_setting set[] = {{"accel_noise", "0"},
	                                     {"gyro_noise", "0"},
	                                     {"accel_bias_x", "0"},
	                                     {"accel_bias_y", "0"},
	                                     {"gyro_bias", "0"}};
	struct fu_traj tr;
	struct fu_truth t0, t1;
	struct fh_topic imu;
	struct fh_stage s;
	double x, y, vx, vy, yaw, prev_a[2] = {0, 0}, prev_w = 0;
	uint64_t prev = 0;

	ck_assert_int_eq(fu_traj_init(&tr, 50, 60), 0);
	fh_topic_init(&imu, "imu", "SIMU");
	ck_assert_int_eq(fh_stage_open(&s, "imu_sim", &clock, set, 5), 0);
	s.out[0] = &imu;
	fu_traj_at(&tr, clock.now_ns, &t0);
	x = t0.x, y = t0.y, vx = t0.vx, vy = t0.vy, yaw = t0.yaw;
	for (int k = 0; k <= 20000; k++) { /* 20 s at 1 kHz */
		const uint8_t *m;
		sluice_msg_Vec3 a, g;
		uint64_t stamp;

		ck_assert_int_eq(fh_stage_tick(&s), 0);
		ck_assert_uint_eq(imu.n, 1);
		ck_assert_int_eq(sluice_msg_Imu_verify(imu.v[0].data, imu.v[0].size), 0);
		m = sluice_msg_Imu_as_root(imu.v[0].data);
		a = sluice_msg_Imu_accel(m);
		g = sluice_msg_Imu_gyro(m);
		stamp = sluice_msg_Header_stamp_ns(sluice_msg_Imu_header(m));
		ck_assert_uint_eq(stamp, clock.now_ns);
		ck_assert(fabs(a.z - 9.80665) < 1e-12 && g.x == 0 && g.y == 0);
		if (k > 0) {
			/* trapezoidal strapdown between the two samples */
			double dt = (double)(stamp - prev) * 1e-9;
			double y0 = yaw, y1 = yaw + 0.5 * (prev_w + g.z) * dt;
			double ax0 = cos(y0) * prev_a[0] - sin(y0) * prev_a[1];
			double ay0 = sin(y0) * prev_a[0] + cos(y0) * prev_a[1];
			double ax1 = cos(y1) * a.x - sin(y1) * a.y;
			double ay1 = sin(y1) * a.x + cos(y1) * a.y;

			x += vx * dt + (ax0 / 3 + ax1 / 6) * dt * dt;
			y += vy * dt + (ay0 / 3 + ay1 / 6) * dt * dt;
			vx += 0.5 * (ax0 + ax1) * dt;
			vy += 0.5 * (ay0 + ay1) * dt;
			yaw = y1;
		}
		prev = stamp;
		prev_a[0] = a.x;
		prev_a[1] = a.y;
		prev_w = g.z;
		fh_topic_clear(&imu);
		clock.now_ns += MS;
	}
	fu_traj_at(&tr, prev, &t1);
	/* 20 s of pure integration lands within a millimetre (it is ~1 um) */
	ck_assert_msg(hypot(x - t1.x, y - t1.y) < 1e-3, "off by %g m", hypot(x - t1.x, y - t1.y));
	ck_assert_double_eq_tol(remainder(yaw - t1.yaw, 2 * M_PI), 0, 1e-4);
	fh_stage_close(&s);
	fh_topic_free(&imu);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("fusion_models");
	TCase *tc = tcase_create("models");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, trajectory_derivatives);
	tcase_add_test(tc, trajectory_is_periodic_in_monotonic_time);
	tcase_add_test(tc, geodesy_round_trip);
	tcase_add_test(tc, noise_free_imu_dead_reckons_the_trajectory);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
