/* report.h - what `sluice run` shows while it runs and when it ends: per
 * topic rate, end-to-end latency and losses; per stage CPU and restarts;
 * the figures plugins report.  Reads the topics and the control segment
 * only, never the hot path. */
#ifndef SLUICE_RUNTIME_REPORT_H
#define SLUICE_RUNTIME_REPORT_H

#include <stdint.h>

#include "runtime/ctl.h"

struct report_topic {
	uint64_t published_last; /* at the previous tick */
	uint64_t *lat_last;      /* merged histogram at the previous tick */
	double rate;             /* messages/s over the last tick */
};

struct report {
	struct sluice_pipeline *pl;
	struct run_ctl *ctl;
	const struct sluice_run_opts *o;
	uint64_t last_ns, start_ns;
	uint64_t cpu_last[PL_MAX_STAGES];
	double cpu_pct[PL_MAX_STAGES];
	struct report_topic topics[PL_MAX_TOPICS];
};

void sluice__report_init(struct report *r, struct sluice_pipeline *pl, struct run_ctl *ctl,
			 const struct sluice_run_opts *o);
/* Once a second: redraw the table (terminal) or print one line. */
void sluice__report_tick(struct report *r, uint64_t now);
/* The summary after the run (and the JSON file, if asked). */
void sluice__report_final(struct report *r, uint64_t elapsed_ns);
void sluice__report_free(struct report *r);

#endif
