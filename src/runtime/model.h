/* model.h - a loaded pipeline: what the file said, where it said it, and
 * the plugins it resolved to. */
#ifndef SLUICE_RUNTIME_MODEL_H
#define SLUICE_RUNTIME_MODEL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/loader.h"
#include "sluice/pipeline.h"
#include "sluice/channel.h"
#include "sluice/shm.h"

#define PL_MAX_STAGES 64
#define PL_MAX_TOPICS 128
/* Ports per stage: the loader's limit, so a plugin's port index fits. */
#define PL_MAX_PORTS  SLUICE_PLUGIN_MAX_PORTS
#define PL_MAX_PARAMS 32
/* CPUs a stage's `cpu:` list may name: 0 .. PL_MAX_CPUS - 1. */
#define PL_MAX_CPUS 1024

/* Limits on a pipeline file, so that a hostile one costs linear time:
 * libyaml's scanner does O(nesting) work per token and its loader
 * O(anchors) per anchor.  A real pipeline nests 4 deep. */
#define PL_MAX_FILE_BYTES (1u << 20)
#define PL_MAX_DEPTH      64
#define PL_MAX_ANCHORS    256

struct pl_pos {
	int line, col; /* 1-based */
};

struct pl_topic {
	char *name;
	char *type;
	uint32_t slots, slot_size, delivery;
	char seg[SLUICE_SHM_NAME_MAX + 1]; /* "/<pipeline>.<topic>" */
	struct pl_pos pos;
	int producer; /* stage index, -1 if none */
};

struct pl_port {
	char *port;
	char *topic;
	int index; /* port index in the plugin, topic index in the pipeline */
	int topic_index;
	struct pl_pos pos;
};

struct pl_stage {
	char *name;
	char *plugin_name;
	struct sluice_plugin *plugin;
	struct sluice_param_setting params[PL_MAX_PARAMS];
	struct pl_pos param_pos[PL_MAX_PARAMS];
	int nparams;
	struct pl_port inputs[PL_MAX_PORTS], outputs[PL_MAX_PORTS];
	int ninputs, noutputs;
	int restart; /* enum sluice_restart */
	struct pl_pos pos;
	/* Scheduling, applied by the stage host in the stage's own process. */
	uint64_t cpus[PL_MAX_CPUS / 64]; /* cpu: the CPUs it may run on */
	int has_cpus;
	struct pl_pos cpu_pos;
	int has_sched;
	int sched_policy; /* SCHED_OTHER, SCHED_FIFO or SCHED_RR */
	int sched_priority;
	struct pl_pos sched_pos;
	int lock_memory; /* mlockall(MCL_CURRENT | MCL_FUTURE) */
	struct pl_pos lock_pos;
	int has_spin;
	uint32_t spin_us; /* its inputs spin this long before sleeping */
	/* python: FILE (runtime/pystage.c): the file, resolved against the
	 * pipeline file's folder; tick_hz: its on_tick rate (0: none). */
	char *python_file;
	struct pl_pos python_pos;
	double tick_hz;
	struct pl_pos tick_pos;
	void *py; /* the derived descriptor's memory, owned by st->plugin */
};

/* record: { file, topics, compression, chunk_size }: the supervisor
 * writes these topics (all if none are named) to an MCAP file while the
 * pipeline runs (src/record/pipeline/tap.c). */
struct pl_record {
	int on;
	struct pl_pos pos;
	char *file;
	char *compression; /* NULL: none */
	uint32_t chunk_size; /* 0: the writer's default */
	char *topics[PL_MAX_TOPICS];
	struct pl_pos topic_pos[PL_MAX_TOPICS];
	int topic_index[PL_MAX_TOPICS];
	int ntopics;
};

/* play: { file, topics, rate, loop }: the supervisor publishes these
 * topics from a recording, as their producer, instead of stages. */
struct pl_play {
	int on;
	struct pl_pos pos, file_pos;
	char *file;
	double rate; /* 1: the recorded timing; 0: as fast as readers take */
	int loop;
	char *topics[PL_MAX_TOPICS];
	struct pl_pos topic_pos[PL_MAX_TOPICS];
	int topic_index[PL_MAX_TOPICS];
	uint16_t channel[PL_MAX_TOPICS];  /* the recording's channel for it */
	const void *schema[PL_MAX_TOPICS]; /* its .bfbs, in buf */
	size_t schema_len[PL_MAX_TOPICS];
	int ntopics;
	void *buf; /* the recording, loaded when the pipeline is checked */
	size_t len;
};

/* A topic's producer when the play section publishes it. */
#define PL_PRODUCER_PLAY (-3)

/* bridge: the pipeline's topics to and from DDS through `sluice bridge`
 * (docs/bridge.md), started and supervised by the runner beside the
 * stages.  A topic that comes in from DDS has PL_PRODUCER_BRIDGE as its
 * producer. */
#define PL_BRIDGE_OUT 1
#define PL_BRIDGE_IN  2
#define PL_PRODUCER_BRIDGE (-2)

struct pl_bridge {
	int present;
	struct pl_pos pos;
	int n;
	char *topic[PL_MAX_TOPICS];
	int dir[PL_MAX_TOPICS]; /* PL_BRIDGE_OUT or PL_BRIDGE_IN */
	struct pl_pos tpos[PL_MAX_TOPICS];
	uint32_t domain;
	char *config; /* Cyclone XML, relative to the pipeline file's folder */
};

struct sluice_pipeline {
	char *file;
	char *name;
	struct pl_topic topics[PL_MAX_TOPICS];
	int ntopics;
	struct pl_stage stages[PL_MAX_STAGES];
	int nstages;
	struct pl_record record;
	struct pl_play play;
	struct pl_bridge bridge;
	/* sluice_pipeline_stop(): 0, or 1 + the signal; lock-free, so a
	 * signal handler may set it. */
	atomic_int stop_req;
};

/* Parses the YAML into pl (no plugin loaded yet); file:line:col errors. */
int sluice__pipeline_parse(const char *file, struct sluice_pipeline *pl);
/* The same from text already in memory (len bytes), named file in errors. */
int sluice__pipeline_parse_text(const char *file, const char *text, size_t len,
				struct sluice_pipeline *pl);

/* Loads the plugins and checks the graph; file:line:col errors. */
int sluice__pipeline_check(struct sluice_pipeline *pl);

/* Helpers the pipeline checks share (check.c): an error naming
 * file:line:col, and a topic's index by name (-1: none). */
int sluice__pl_fail_at(const struct sluice_pipeline *pl, struct pl_pos p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int sluice__pl_find_topic(const struct sluice_pipeline *pl, const char *name);

/* python: stages (runtime/pystage.c; parse.c reads the keys): python_stage()
 * turns the python_stage plugin just opened for st into one with st's
 * ports and parameters; python_schemas() gives each Python output the
 * binary schema another stage declares for its type. */
int sluice__python_stage(struct sluice_pipeline *pl, struct pl_stage *st);
void sluice__python_schemas(struct sluice_pipeline *pl);

/* Whether this process may run a stage at SCHED_FIFO/RR `priority` and
 * lock its memory: 0, or -SLUICE_EPIPELINE with what is missing. */
int sluice__pipeline_check_sched(const struct sluice_pipeline *pl, const struct pl_stage *st);

/* Applies st's cpu, sched and lock_memory keys to the calling process:
 * 0, or a negative errno with sluice_errdetail() saying which failed. */
int sluice__stage_apply_sched(const struct pl_stage *st);

/* A stage is a source when it ticks and reads nothing. */
static inline int pl_is_source(const struct pl_stage *s)
{
	return s->ninputs == 0;
}

#endif
