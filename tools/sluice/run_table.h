/* run_table.h - how `sluice run` shows a run: the live table (or a line
 * per second), the final summary, and what happened to stages on stderr. */
#ifndef SLUICE_CLI_RUN_TABLE_H
#define SLUICE_CLI_RUN_TABLE_H

#include "sluice/pipeline.h"

/* live: 1 redraw a table (a terminal), 0 a line per second, -1 quiet (the
 * summary only).  Pass a struct run_view as opts->arg with these two. */
struct run_view {
	int live;
};

void run_view_report(void *arg, const struct sluice_run_stats *st);
void run_view_event(void *arg, const struct sluice_run_event *ev);

#endif
