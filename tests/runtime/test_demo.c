/* test_demo.c - the README's main job, headless: the sensor-fusion pipeline
 * in process mode and in thread mode.  Every topic flows at its rate,
 * nothing is lost on its lossless topics, and the fused estimate beats raw
 * GPS against the ground truth.  And what the real plugins' schemas let the
 * checker know before a run: a slot_size too small for their messages. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	struct sluice_run_opts o = {.duration_s = 10, .threads = threads,
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

/* gps_sim declares sluice.msg.GpsFix's schema; its required header alone
 * takes 22 bytes, so 16-byte slots can never hold one: refused at load
 * (--check), not when the stage first publishes. */
START_TEST(slot_size_too_small_is_refused_early)
{
	static const struct {
		int slot_size, ok;
	} cases[] = {{16, 0}, {8, 0}, {24, 1}, {1024, 1}};
	char path[256], text[512];
	struct sluice_pipeline *pl;

	snprintf(path, sizeof(path), "/tmp/sluice-test-%ld-slot.yaml", (long)getpid());
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f = fopen(path, "w");

		ck_assert_ptr_nonnull(f);
		snprintf(text, sizeof(text),
			 "topics:\n"
			 "  gps: { type: sluice.msg.GpsFix, slots: 16, slot_size: %d }\n"
			 "stages:\n"
			 "  gps_sim: { plugin: gps_sim, outputs: { fix: gps } }\n",
			 cases[i].slot_size);
		fputs(text, f);
		fclose(f);
		int rc = sluice_pipeline_load(path, "slotcheck", &pl);

		if (cases[i].ok) {
			ck_assert_msg(rc == 0, "slot_size %d: %s", cases[i].slot_size,
				      sluice_errdetail());
			sluice_pipeline_free(pl);
			continue;
		}
		ck_assert_int_eq(rc, -SLUICE_EPIPELINE);
		snprintf(text, sizeof(text), "%s:2:3: slot_size %d of topic \"gps\" is too small",
			 path, cases[i].slot_size);
		ck_assert_msg(strstr(sluice_errdetail(), text), "got \"%s\"", sluice_errdetail());
		ck_assert_msg(strstr(sluice_errdetail(), "22 bytes"), "got \"%s\"",
			      sluice_errdetail());
	}
	unlink(path);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("demo");
	TCase *tc = tcase_create("demo");
	TCase *check = tcase_create("check");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, sensor_fusion_runs, 0, 2);
	tcase_add_test(check, slot_size_too_small_is_refused_early);
	suite_add_tcase(s, check);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
