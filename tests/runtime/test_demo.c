/* test_demo.c - the README's main job, headless: the sensor-fusion pipeline
 * in process mode and in thread mode.  Every topic flows at its rate,
 * nothing is lost on its lossless topics, and the fused estimate beats raw
 * GPS against the ground truth. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice/pipeline.h"
#include "sluice/sluice.h"
#include "testutil.h"

/* The summary's topics by name (t) and figures (f), for the checks below. */
static double json_get(const char *file, const char *expr)
{
	char full[512];

	snprintf(full, sizeof(full),
		 "(lambda t, f: %s)({x[\"name\"]: x for x in s[\"topics\"]}, s[\"figures\"])",
		 expr);
	return tu_json_number(file, full);
}

START_TEST(sensor_fusion_runs)
{
	int threads = _i;
	char name[64], summary[256], sink[256];
	struct sluice_pipeline *pl;

	snprintf(name, sizeof(name), "demo%ld%c", (long)getpid(), threads ? 't' : 'p');
	snprintf(summary, sizeof(summary), "/tmp/sluice-test-%s.json", name);
	snprintf(sink, sizeof(sink), "%s/build", SOURCE_DIR);
	/* The file writes build/pose.jsonl relative to the working directory. */
	ck_assert_int_eq(chdir(BINARY_DIR), 0);
	ck_assert_int_eq(access("build", F_OK) == 0 || mkdir("build", 0755) == 0, 1);
	ck_assert_int_eq(sluice_pipeline_load(SOURCE_DIR "/examples/sensor_fusion.yaml", name, &pl),
			 0);
	struct sluice_run_opts o = {.duration_s = 10, .threads = threads, .live = -1,
				    .summary_path = summary};
	ck_assert_int_eq(sluice_pipeline_run(pl, &o), 0);
	sluice_pipeline_free(pl);

	double dur = json_get(summary, "s[\"duration_s\"]");
	/* Rates: what was published over the run, against the declared rates
	 * (sanitizer builds and a loaded 2-CPU machine run a little slow). */
	ck_assert_double_gt(json_get(summary, "t[\"imu\"][\"published\"]"), 0.8 * 1000 * dur);
	ck_assert_double_gt(json_get(summary, "t[\"gps\"][\"published\"]"), 0.8 * 10 * dur);
	ck_assert_double_gt(json_get(summary, "t[\"truth\"][\"published\"]"), 0.8 * 100 * dur);
	ck_assert_double_gt(json_get(summary, "t[\"pose\"][\"published\"]"), 100);
	ck_assert_double_eq(json_get(summary, "sum(x[\"lost\"] for x in s[\"topics\"])"), 0);
	double fused = json_get(summary, "f[\"rmse_fused_m\"]");
	double gps = json_get(summary, "f[\"rmse_gps_m\"]");
	fprintf(stderr, "%s mode: rmse fused %.3f m, gps %.3f m\n", threads ? "thread" : "process",
		fused, gps);
	ck_assert_double_gt(fused, 0);
	ck_assert_double_lt(fused, 0.6 * gps);
	unlink(summary);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("demo");
	TCase *tc = tcase_create("demo");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, sensor_fusion_runs, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
