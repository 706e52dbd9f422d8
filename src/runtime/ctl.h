/* ctl.h - the run's control segment: how the supervisor tells stages to
 * stop, and how stages report what they did, in shared memory so that it
 * works the same for stage processes and stage threads.  Each stage writes
 * only its own record; the supervisor only reads them (and the stop words). */
#ifndef SLUICE_RUNTIME_CTL_H
#define SLUICE_RUNTIME_CTL_H

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "runtime/model.h"
#include "shm/layout.h"

/* Latency histogram: 8 sub-buckets per power of two from 1 ns up. */
#define LAT_SUB     8
#define LAT_BUCKETS (64 * LAT_SUB)
#define FIGURES_MAX 16
/* A stage's log lines wait here for the supervisor, which hands them to
 * the caller (sluice_run_opts.event): a stage never prints, whether it is
 * a thread of the caller's process or a process of its own. */
#define LOG_LINES 16
#define LOG_TEXT  240
#define LOG_STOPPED 4 /* the kind of the host's "stopped: why" line; 0-3 are log levels */

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

struct ctl_log_line {
	uint32_t kind; /* SLUICE_LOG_* level, or LOG_STOPPED */
	char text[LOG_TEXT];
};

struct ctl_stage {
	_Alignas(SLUICE_LINE) _Atomic int32_t pid;
	_Atomic uint32_t state;
	_Atomic uint32_t restarts;  /* written by the supervisor */
	_Atomic int32_t last_signal; /* written by the supervisor */
	_Atomic uint64_t cpu_ns;     /* this stage's CPU time, refreshed by it */
	_Atomic uint64_t ticks, messages, overruns, errors;
	struct ctl_figure figures[FIGURES_MAX];
	/* Log lines: the stage writes at head, the supervisor reads at tail;
	 * a line that finds the ring full is counted, not written. */
	_Alignas(SLUICE_LINE) _Atomic uint64_t log_head;
	_Atomic uint64_t log_dropped;
	_Alignas(SLUICE_LINE) _Atomic uint64_t log_tail; /* written by the supervisor */
	struct ctl_log_line log[LOG_LINES];
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

/* Queues one log line of the stage for the supervisor (the stage's side). */
static inline void ctl_log(struct ctl_stage *rec, uint32_t kind, const char *text)
{
	uint64_t head = atomic_load_explicit(&rec->log_head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&rec->log_tail, memory_order_acquire);
	struct ctl_log_line *l = &rec->log[head % LOG_LINES];
	size_t n = strnlen(text, LOG_TEXT - 1);

	if (head - tail >= LOG_LINES) {
		atomic_fetch_add_explicit(&rec->log_dropped, 1, memory_order_relaxed);
		return;
	}
	l->kind = kind;
	memcpy(l->text, text, n);
	l->text[n] = '\0';
	atomic_store_explicit(&rec->log_head, head + 1, memory_order_release);
}

/* Runs one stage until told to stop (the body of a stage process or thread).
 * Returns the exit status: 0 clean, 1 failed. */
int sluice__host_run(struct sluice_pipeline *pl, int si, struct run_ctl *ctl);

#endif
