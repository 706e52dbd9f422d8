/* ctl.h - the run's control segment: how the supervisor tells stages to
 * stop, and how stages report what they did, in shared memory so that it
 * works the same for stage processes and stage threads.  Each stage writes
 * only its own record; the supervisor only reads them (and the stop words). */
#ifndef SLUICE_RUNTIME_CTL_H
#define SLUICE_RUNTIME_CTL_H

#include <stdatomic.h>
#include <stdint.h>

#include "runtime/model.h"
#include "shm/layout.h"

/* Latency histogram: 8 sub-buckets per power of two from 1 ns up. */
#define LAT_SUB     8
#define LAT_BUCKETS (64 * LAT_SUB)
#define FIGURES_MAX 16

/* The public enum sluice_stage_state, which callers see in reports. */
enum stage_state {
	STAGE_STARTING = SLUICE_STAGE_STARTING,
	STAGE_READY = SLUICE_STAGE_READY,   /* subscribed and publishing: producers may start */
	STAGE_EXITED = SLUICE_STAGE_EXITED, /* left its loop cleanly */
	STAGE_FAILED = SLUICE_STAGE_FAILED, /* init or a callback failed */
};

struct ctl_figure {
	char key[32];
	_Atomic uint64_t bits; /* a double's bits */
	_Atomic uint32_t set;
};

struct ctl_stage {
	_Alignas(SLUICE_LINE) _Atomic int32_t pid;
	_Atomic uint32_t state;
	_Atomic uint32_t restarts;  /* written by the supervisor */
	_Atomic int32_t last_signal; /* written by the supervisor */
	_Atomic uint64_t cpu_ns;     /* this stage's CPU time, refreshed by it */
	_Atomic uint64_t ticks, messages, overruns, errors;
	struct ctl_figure figures[FIGURES_MAX];
	/* End-to-end latency of what arrived on each input (publish -> take). */
	_Atomic uint64_t lat[PL_MAX_PORTS][LAT_BUCKETS];
};

struct run_ctl {
	_Atomic uint32_t stop_sources; /* sources stop ticking */
	_Atomic uint32_t stop_all;     /* everyone leaves now */
	struct ctl_stage stages[PL_MAX_STAGES];
};

static inline unsigned lat_bucket(uint64_t ns)
{
	if (ns < LAT_SUB)
		return (unsigned)ns;
	unsigned log = 63u - (unsigned)__builtin_clzll(ns); /* >= 3 */
	unsigned sub = (unsigned)(ns >> (log - 3)) & (LAT_SUB - 1);

	return (log - 2) * LAT_SUB + sub;
}

/* The smallest value that falls in bucket b. */
static inline uint64_t lat_bucket_floor(unsigned b)
{
	if (b < LAT_SUB)
		return b;
	unsigned log = b / LAT_SUB + 2, sub = b % LAT_SUB;

	return ((uint64_t)(LAT_SUB + sub)) << (log - 3);
}

/* Runs one stage until told to stop (the body of a stage process or thread).
 * Returns the exit status: 0 clean, 1 failed. */
int sluice__host_run(struct sluice_pipeline *pl, int si, struct run_ctl *ctl);

#endif
