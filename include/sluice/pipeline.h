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
	int signal;             /* the signal given to sluice_pipeline_stop(); 0: none */
	int all_ended;          /* every stage ended on its own */
	char first_failed[64];  /* the name of the first failed stage ("" if none) */
};

/* A stage's record state, as the stage itself last wrote it. */
enum sluice_stage_state {
	SLUICE_STAGE_STARTING = 0,
	SLUICE_STAGE_READY = 1,  /* subscribed and publishing */
	SLUICE_STAGE_EXITED = 2, /* left its loop cleanly */
	SLUICE_STAGE_FAILED = 3, /* init or a callback failed */
};

struct sluice_topic_report {
	const char *name, *type;
	uint64_t published;       /* messages since the run started */
	double rate;              /* messages/s: over the last interval (final: the run) */
	uint64_t lat_p50_ns;      /* end-to-end latency, publish -> take, over the last */
	uint64_t lat_p99_ns;      /* interval (final: the run); 0: nothing arrived */
	uint64_t lost;            /* summed over the topic's subscribers */
};

struct sluice_stage_report {
	const char *name, *plugin;
	int pid;                  /* the stage's process (thread mode: ours) */
	int state;                /* enum sluice_stage_state */
	int last_signal;          /* the signal that last killed it, or 0 */
	unsigned restarts;
	uint64_t messages;
	uint64_t cpu_ns;          /* CPU time of its latest run (its thread), sampled */
	double cpu_pct;           /* over the last interval (final: 0) */
};

/* A figure a stage reported through its context (ctx->report). */
struct sluice_figure_report {
	const char *stage;
	char key[33];             /* up to 32 bytes, terminated */
	double value;
};

/* The recording a pipeline's record: section wrote, when the run ended. */
struct sluice_record_report {
	const char *file;
	uint64_t messages;        /* messages in the file */
	uint64_t bytes;           /* the file's size */
	uint64_t lost;            /* lost to overruns or torn while copied, all topics */
};

/* A snapshot of a run for the caller to show: once a second while it runs
 * and once at the end (final = 1).  The pointers are valid only during the
 * callback. */
struct sluice_run_stats {
	const char *pipeline;
	int threads;              /* stages run as threads */
	int final;
	double elapsed_s;         /* since the run started */
	int ntopics, nstages, nfigures;
	const struct sluice_topic_report *topics;
	const struct sluice_stage_report *stages;
	const struct sluice_figure_report *figures;
	/* final only: what the record: section wrote; NULL: no record: section,
	 * or the recording failed (the run's return value says why) */
	const struct sluice_record_report *record;
};

/* What happened during a run that the caller may want to tell its user. */
enum sluice_run_event_kind {
	SLUICE_RUN_STAGE_KILLED,     /* stage (pid) was killed by signal value */
	SLUICE_RUN_STAGE_RESTARTING, /* stage will be started again in value ms */
	SLUICE_RUN_STAGE_EXHAUSTED,  /* stage failed value times in a row before it was
				      * ready; not restarted */
	SLUICE_RUN_STAGE_FAILED,     /* stage failed with status value, not restarted */
	SLUICE_RUN_START_FAILED,     /* a stage could not be started: value is the code */
	SLUICE_RUN_ALL_ENDED,        /* every stage has ended on its own */
	SLUICE_RUN_STOPPING,         /* a stop was asked for (value: its signal, or 0) */
	SLUICE_RUN_STAGE_KILLING,    /* stage does not stop; it is killed */
	SLUICE_RUN_SUMMARY_FAILED,   /* summary_path cannot be written (value: -errno) */
	SLUICE_RUN_STAGE_LOG,        /* stage logged text at level value (SLUICE_LOG_*) */
	SLUICE_RUN_STAGE_STOPPED,    /* stage's host stopped it: text says why */
	SLUICE_RUN_STAGE_LOG_LOST,   /* value lines stage logged were lost: they came
				      * faster than the run could take them */
};

struct sluice_run_event {
	int kind;                    /* enum sluice_run_event_kind */
	const char *stage;           /* the stage concerned, or NULL */
	int pid;
	int value;
	const char *path;            /* SUMMARY_FAILED: the file */
	const char *text;            /* STAGE_LOG, STAGE_STOPPED: the line */
};

struct sluice_run_opts {
	double duration_s;        /* > 0: stop after this long; 0: until stopped */
	int threads;              /* all stages as threads of this process */
	int keep;                 /* leave the topics in place at exit */
	const char *summary_path; /* also write the final summary as JSON here */
	struct sluice_run_result *result; /* if not NULL: filled with how the run ended */
	/* If not NULL: called from the thread running the pipeline, once a
	 * second and once with the final figures. */
	void (*report)(void *arg, const struct sluice_run_stats *stats);
	/* If not NULL: called from that thread for each event as it happens. */
	void (*event)(void *arg, const struct sluice_run_event *ev);
	void *arg;
};

/* Creates the topics, starts the stages, reports figures through
 * opts->report, and stops cleanly when sluice_pipeline_stop() is called or
 * after the duration (sources first, then the rest drain).  It never
 * prints and installs no signal handler: a program that wants Ctrl-C to
 * stop the run calls sluice_pipeline_stop() from its own handler.  Stage
 * processes ignore SIGINT and SIGTERM (a terminal's Ctrl-C reaches the
 * whole process group; the supervisor stops them in order).  Returns 0, or
 * a negative code if it could not start; a stage that failed is reported
 * in opts->result, not returned. */
int sluice_pipeline_run(struct sluice_pipeline *pl, const struct sluice_run_opts *opts);

/* Asks the run of pl to stop as it does at the end of its duration;
 * signal (0, or the signal that prompted it) is passed on in
 * sluice_run_result.signal.  Async-signal-safe and thread-safe: call it
 * from a signal handler or another thread.  A stop asked for before the
 * run starts stops it as soon as its stages have started; the request is
 * cleared when a run ends.  Returns 0, or -EINVAL (pl NULL, signal out of
 * range). */
int sluice_pipeline_stop(struct sluice_pipeline *pl, int signal);

#ifdef __cplusplus
}
#endif
#endif
