/* run_table.c - `sluice run`'s terminal output: the table redrawn once a
 * second (or one line per second when stdout is not a terminal), the
 * summary at the end, and the supervisor's events on stderr.  The library
 * only hands over the figures (sluice_run_stats) and events. */
#include <stdio.h>
#include <string.h>

#include "run_table.h"
#include "sluice/error.h"

static void fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns == 0)
		snprintf(buf, len, "-");
	else if (ns < 10000)
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	else if (ns < 10000000)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else
		snprintf(buf, len, "%.1f ms", ns / 1e6);
}

static void show_tick(const struct run_view *v, const struct sluice_run_stats *st)
{
	if (v->live > 0) {
		printf("\033[H\033[2J"); /* redraw in place on a terminal */
		printf("sluice run %s  (%.0f s; Ctrl-C stops)\n\n%-14s %10s %10s %10s %8s\n",
		       st->pipeline, st->elapsed_s, "topic", "rate/s", "lat p50", "lat p99", "lost");
	} else {
		printf("[%6.1f s]", st->elapsed_s);
	}
	for (int t = 0; t < st->ntopics; t++) {
		const struct sluice_topic_report *tr = &st->topics[t];
		char p50[16], p99[16];

		fmt_ns(p50, sizeof(p50), tr->lat_p50_ns);
		fmt_ns(p99, sizeof(p99), tr->lat_p99_ns);
		if (v->live > 0)
			printf("%-14s %10.0f %10s %10s %8llu\n", tr->name, tr->rate, p50, p99,
			       (unsigned long long)tr->lost);
		else
			printf(" %s %.0f/s p50 %s p99 %s lost %llu;", tr->name, tr->rate, p50, p99,
			       (unsigned long long)tr->lost);
	}
	if (v->live > 0) {
		printf("\n%-14s %8s %7s %9s %10s\n", "stage", "pid", "cpu %", "restarts", "messages");
		for (int s = 0; s < st->nstages; s++) {
			const struct sluice_stage_report *sr = &st->stages[s];

			printf("%-14s %8d %7.1f %9u %10llu\n", sr->name, sr->pid, sr->cpu_pct,
			       sr->restarts, (unsigned long long)sr->messages);
		}
	}
	printf("\n");
	fflush(stdout);
}

static const char *ended_word(int state)
{
	return state == SLUICE_STAGE_EXITED   ? "cleanly"
	       : state == SLUICE_STAGE_FAILED ? "failed"
					      : "killed";
}

static void show_summary(const struct sluice_run_stats *st)
{
	printf("\nsummary of %s: %.1f s in %s mode\n%-14s %10s %10s %10s %10s %8s\n", st->pipeline,
	       st->elapsed_s, st->threads ? "thread" : "process", "topic", "messages", "rate/s",
	       "lat p50", "lat p99", "lost");
	for (int t = 0; t < st->ntopics; t++) {
		const struct sluice_topic_report *tr = &st->topics[t];
		char p50[16], p99[16];

		fmt_ns(p50, sizeof(p50), tr->lat_p50_ns);
		fmt_ns(p99, sizeof(p99), tr->lat_p99_ns);
		printf("%-14s %10llu %10.1f %10s %10s %8llu\n", tr->name,
		       (unsigned long long)tr->published, tr->rate, p50, p99,
		       (unsigned long long)tr->lost);
	}
	printf("\n%-14s %9s %10s %10s %s\n", "stage", "restarts", "messages", "cpu s", "ended");
	for (int s = 0; s < st->nstages; s++) {
		const struct sluice_stage_report *sr = &st->stages[s];

		printf("%-14s %9u %10llu %10.2f %s", sr->name, sr->restarts,
		       (unsigned long long)sr->messages, sr->cpu_ns / 1e9, ended_word(sr->state));
		if (sr->last_signal)
			printf(" (last crash: signal %d)", sr->last_signal);
		printf("\n");
	}
	printf("\nfigures reported by stages:\n");
	for (int i = 0; i < st->nfigures; i++)
		printf("  %-20s %12.4f   (%s)\n", st->figures[i].key, st->figures[i].value,
		       st->figures[i].stage);
	if (st->record)
		printf("\nrecorded %s: %llu messages, %llu bytes, %llu lost\n", st->record->file,
		       (unsigned long long)st->record->messages,
		       (unsigned long long)st->record->bytes, (unsigned long long)st->record->lost);
	fflush(stdout);
}

void run_view_report(void *arg, const struct sluice_run_stats *st)
{
	const struct run_view *v = arg;

	if (st->final)
		show_summary(st);
	else if (v->live >= 0)
		show_tick(v, st);
}

void run_view_event(void *arg, const struct sluice_run_event *ev)
{
	const char *stage = ev->stage ? ev->stage : "?";

	(void)arg;
	switch (ev->kind) {
	case SLUICE_RUN_STAGE_KILLED:
		fprintf(stderr, "sluice run: stage %s (pid %d) killed by signal %d (%s)\n", stage,
			ev->pid, ev->value, strsignal(ev->value));
		break;
	case SLUICE_RUN_STAGE_RESTARTING:
		fprintf(stderr, "sluice run: restarting %s in %d ms\n", stage, ev->value);
		break;
	case SLUICE_RUN_STAGE_EXHAUSTED:
		fprintf(stderr, "sluice run: stage %s failed %d times in a row before it "
				"was ready; restarts exhausted, not restarted\n",
			stage, ev->value);
		break;
	case SLUICE_RUN_STAGE_FAILED:
		fprintf(stderr, "sluice run: stage %s failed (status %d), not restarted\n", stage,
			ev->value);
		break;
	case SLUICE_RUN_START_FAILED:
		fprintf(stderr, "sluice run: cannot start a stage: %s\n", sluice_strerror(ev->value));
		break;
	case SLUICE_RUN_ALL_ENDED:
		fprintf(stderr, "sluice run: every stage has ended\n");
		break;
	case SLUICE_RUN_STOPPING:
		if (ev->value > 0)
			fprintf(stderr, "\nsluice run: %s: stopping (sources first, then draining)\n",
				strsignal(ev->value));
		break;
	case SLUICE_RUN_STAGE_KILLING:
		fprintf(stderr, "sluice run: stage %s does not stop; killing it\n", stage);
		break;
	case SLUICE_RUN_STAGE_LOG: {
		static const char *names[] = {"error", "warn", "info", "debug"};

		fprintf(stderr, "[%s] %s: %s\n", stage,
			names[ev->value >= 0 && ev->value <= 3 ? ev->value : 0],
			ev->text ? ev->text : "");
		break;
	}
	case SLUICE_RUN_STAGE_STOPPED:
		fprintf(stderr, "[%s] stopped: %s\n", stage, ev->text ? ev->text : "");
		break;
	case SLUICE_RUN_STAGE_LOG_LOST:
		fprintf(stderr, "[%s] (%d log lines lost)\n", stage, ev->value);
		break;
	case SLUICE_RUN_SUMMARY_FAILED:
		fprintf(stderr, "sluice run: cannot write %s\n", ev->path ? ev->path : "?");
		break;
	}
}
