/* fu_host.h - an in-memory host for the sensor-fusion plugins: the real
 * .so files loaded through the loader, a simulated CLOCK_MONOTONIC, and
 * topics that are plain message lists. loan hands out a slot-sized buffer
 * (filled with garbage, as a reused slot would be); commit_at appends the
 * loan's [offset, offset + len) and notes whether it lies where a builder
 * over that loan ends its message (built in place, never moved); commit
 * appends the loan's last `size` bytes, as plugin.h defines; the driver delivers each topic's
 * messages to the stages that subscribe, as the runtime would. */
#ifndef FU_HOST_H
#define FU_HOST_H

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/loader.h"

#define FH_SLOT     2048 /* the largest slot_size of examples/sensor_fusion.yaml */
#define FH_MAX_OUT  4
#define FH_MAX_SUBS 4
#define FH_REPORTS  16

struct fh_msg {
	uint8_t *data;
	size_t size;
	uint64_t publish_ns, seq;
};

/* A topic: messages committed since the last delivery. */
struct fh_topic {
	const char *name;
	const char *ident; /* file identifier every message must carry */
	struct fh_msg *v;
	size_t n, cap;
	uint64_t seq, total, bad; /* bad: failed the type's verifier */
	uint64_t delay_ns;        /* delivery lags publication by this much */
	/* subscribers: stage and input index */
	int n_subs;
	struct fh_stage *sub[FH_MAX_SUBS];
	uint32_t sub_input[FH_MAX_SUBS];
};

struct fh_clock {
	uint64_t now_ns;
};

/* One stage instance with its context. */
struct fh_stage {
	struct sluice_ctx ctx; /* first: a ctx pointer is a stage pointer */
	char name[32];
	struct fh_clock *clock;
	struct fh_topic *out[FH_MAX_OUT];
	alignas(64) uint8_t loan_buf[FH_MAX_OUT][FH_SLOT];
	bool loaned[FH_MAX_OUT];
	size_t cap[FH_MAX_OUT]; /* of the current loan */
	uint64_t loans, commits, errors;
	/* commit_at calls, and those whose message did not end where a
	 * FlatBuffers builder over the loan ends it (so it was moved) */
	uint64_t commits_at, not_in_place;
	struct {
		char key[32];
		double value;
	} report[FH_REPORTS];
	int n_reports;
	/* through the loader, or (json_sink while the loader refuses "*"
	 * ports) called directly */
	struct sluice_stage *stage;
	void *dl;
	const struct sluice_plugin_desc *desc;
	void *state;
};

/* Loads plugin `name` and creates a stage with the given settings.
 * Returns 0 or the loader's negative code. */
int fh_stage_open(struct fh_stage *s, const char *name, struct fh_clock *clock,
                  const struct sluice_param_setting *set, size_t n);
void fh_stage_close(struct fh_stage *s);
int fh_stage_tick(struct fh_stage *s);
int fh_stage_deliver(struct fh_stage *s, uint32_t input, const struct fh_msg *m);

/* The last value reported under key, or NAN. */
double fh_report(const struct fh_stage *s, const char *key);

void fh_topic_init(struct fh_topic *t, const char *name, const char *ident);
void fh_topic_free(struct fh_topic *t);
void fh_subscribe(struct fh_topic *t, struct fh_stage *s, uint32_t input);
/* Verifies every pending message published at least delay_ns before now
 * against the topic's identifier and generated verifier, hands it to each
 * subscriber and removes it. Returns the number delivered; subscriber
 * errors are counted in their stage's `errors`. */
size_t fh_topic_deliver(struct fh_topic *t, uint64_t now_ns);
/* Drops pending messages without delivering them. */
void fh_topic_clear(struct fh_topic *t);

/* Verifies a message as the type named by its identifier (SIMU, SGPS,
 * SPOS): 0 when valid. */
int fh_verify(const void *data, size_t size);

#endif
