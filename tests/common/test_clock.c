/* test_clock.c - the publish stamp's clock: it never goes backwards, it stays
 * within a few microseconds of CLOCK_MONOTONIC, and where the TSC can stand
 * in for the kernel's clock it really is used (not clock_gettime each time). */
#include <check.h>
#include <stdint.h>

#include "common/clock.h"
#include "testutil.h"

/* How far a stamp may stray from the real clock.  The extrapolation error
 * itself is nanoseconds; this leaves room for a sanitizer build and for a
 * vCPU stalled between the reads that bracket a stamp. */
#define SLACK_NS 50000u

START_TEST(stamps_follow_the_monotonic_clock)
{
	struct sluice_clock c;
	uint64_t prev = 0, checked = 0, off = 0, worst = 0;
	uint64_t end = tu_now_ns() + 200000000u; /* 0.2 s: well past calibration */

	sluice__clock_init(&c);
	while (tu_now_ns() < end) {
		for (int i = 0; i < 1000; i++) {
			uint64_t before = tu_now_ns();
			uint64_t t = sluice__clock_now(&c);
			uint64_t after = tu_now_ns();

			ck_assert_uint_ge(t, prev);
			prev = t;
			/* Bracketed by two real readings, give or take the slack. */
			if (t + SLACK_NS < before || t > after + SLACK_NS)
				off++;
			uint64_t err = t < before ? before - t : t > after ? t - after : 0;

			if (err > worst)
				worst = err;
			checked++;
		}
	}
	/* A stall between the bracketing reads may push a few out. */
	ck_assert_msg(off * 1000 <= checked,
	              "%llu of %llu stamps off by more than %u ns (worst %llu)",
	              (unsigned long long)off, (unsigned long long)checked, SLACK_NS,
	              (unsigned long long)worst);
	if (sluice__clock_tsc_ok())
		ck_assert_msg(c.mult != 0, "the TSC is usable here but was never calibrated");
	else
		ck_assert_uint_eq(c.mult, 0);
}
END_TEST

START_TEST(first_stamp_is_a_real_reading)
{
	struct sluice_clock c;

	sluice__clock_init(&c);
	uint64_t before = tu_now_ns();
	uint64_t t = sluice__clock_now(&c);
	uint64_t after = tu_now_ns();

	ck_assert_uint_ge(t, before);
	ck_assert_uint_le(t, after);
	ck_assert_uint_eq(c.mult, 0); /* no rate yet: nothing to extrapolate with */
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = tcase_create("clock");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, first_stamp_is_a_real_reading);
	tcase_add_test(tc, stamps_follow_the_monotonic_clock);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
