/* sluice/pipeline.h - pipeline files and running them.
 *
 * A pipeline file (YAML) names topics and stages:
 *
 *     name: demo                 # optional; topics become "/demo.<topic>"
 *     topics:
 *       imu: { type: sluice.msg.Imu, slots: 256, slot_size: 1024, delivery: lossless }
 *     stages:
 *       sim:  { plugin: imu_sim, params: { seed: 1 }, outputs: { imu: imu } }
 *       sink: { plugin: json_sink, inputs: { in: imu }, restart: on-failure }
 *
 * sluice_pipeline_load() checks everything before anything starts: the
 * YAML, every plugin (loaded and validated), parameters against their
 * declarations, ports against the plugin's ports, topic types against port
 * types, one producer per topic, a producer for every input, sizes.  Each
 * error names file:line:col (sluice_errdetail()).  A pipeline file may be
 * at most 1 MiB, nest at most 64 levels and hold at most 256 anchors. */
#ifndef SLUICE_PIPELINE_H
#define SLUICE_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sluice_pipeline;

enum sluice_restart {
	SLUICE_RESTART_NEVER = 0,
	SLUICE_RESTART_ON_FAILURE = 1,
	SLUICE_RESTART_ALWAYS = 2,
};

/* Loads and validates a pipeline file.  name_override, if not NULL,
 * replaces the file's name (and so the topics' segment names). */
int sluice_pipeline_load(const char *file, const char *name_override,
			 struct sluice_pipeline **out);
void sluice_pipeline_free(struct sluice_pipeline *pl);

/* How a run ended, for the caller's exit status (sluice run's: 0 clean,
 * 1 a stage failed, 128 + signal interrupted). */
struct sluice_run_result {
	int failed_stages;      /* stages whose last run failed: an error from init or a
				 * callback, a crash, killed when it would not stop; a
				 * stage that failed and then ran clean after a restart
				 * does not count */
	int signal;             /* SIGINT or SIGTERM that stopped the run; 0: none */
	int all_ended;          /* every stage ended on its own */
	char first_failed[64];  /* the name of the first failed stage ("" if none) */
};

struct sluice_run_opts {
	double duration_s;        /* > 0: stop after this long; 0: until a signal */
	int threads;              /* all stages as threads of this process */
	int keep;                 /* leave the topics in place at exit */
	int live;                 /* 1: redraw a table; 0: a line per second; -1: quiet */
	const char *summary_path; /* also write the final summary as JSON here */
	struct sluice_run_result *result; /* if not NULL: filled with how the run ended */
};

/* Creates the topics, starts the stages, shows live figures, stops cleanly
 * on SIGINT/SIGTERM or after the duration (sources first, then the rest
 * drain), prints a summary.  Returns 0, or a negative code if it could not
 * start; a stage that failed is reported in opts->result, not returned. */
int sluice_pipeline_run(struct sluice_pipeline *pl, const struct sluice_run_opts *opts);

#ifdef __cplusplus
}
#endif
#endif
