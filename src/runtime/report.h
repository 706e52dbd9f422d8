/* report.h - the figures a run reports while it runs and when it ends: per
 * topic rate, end-to-end latency and losses; per stage CPU and restarts;
 * the figures plugins report.  Reads the topics and the control segment
 * only, never the hot path.  It gathers them into a sluice_run_stats for
 * the caller (which shows them as it likes) and writes the JSON summary
 * file when asked; it never prints. */
#ifndef SLUICE_RUNTIME_REPORT_H
#define SLUICE_RUNTIME_REPORT_H

#include <stdint.h>

#include "runtime/ctl.h"

struct report_topic {
	uint64_t published_last; /* at the previous tick */
	uint64_t *lat_last;      /* merged histogram at the previous tick */
};

struct report {
	struct sluice_pipeline *pl;
	struct run_ctl *ctl;
	const struct sluice_run_opts *o;
	uint64_t last_ns, start_ns;
	uint64_t cpu_last[PL_MAX_STAGES];
	struct report_topic topics[PL_MAX_TOPICS];
	/* The snapshot handed to the caller. */
	struct sluice_topic_report trep[PL_MAX_TOPICS];
	struct sluice_stage_report srep[PL_MAX_STAGES];
	struct sluice_figure_report frep[PL_MAX_STAGES * FIGURES_MAX];
	/* what the record: section wrote, filled at the end (has_record) */
	struct sluice_record_report record;
	int has_record;
};

int sluice__report_init(struct report *r, struct sluice_pipeline *pl, struct run_ctl *ctl,
			const struct sluice_run_opts *o);
/* Once a second: the figures of the last second, to opts->report. */
void sluice__report_tick(struct report *r, uint64_t now);
/* The figures of the whole run, to opts->report and the JSON file. */
void sluice__report_final(struct report *r, uint64_t elapsed_ns);
void sluice__report_free(struct report *r);

#endif
