/* report.c - the live table and the final summary of `sluice run`.
 * This is the CLI's presentation layer living beside the supervisor: it
 * prints to stdout by design (the library's other parts never print). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/report.h"
#include "sluice/channel.h"

/* Sums the latency histograms of every input that reads topic ti. */
static void merge_latency(const struct report *r, int ti, uint64_t *out)
{
	memset(out, 0, sizeof(uint64_t) * LAT_BUCKETS);
	for (int s = 0; s < r->pl->nstages; s++) {
		const struct pl_stage *st = &r->pl->stages[s];

		for (int k = 0; k < st->ninputs; k++) {
			if (st->inputs[k].topic_index != ti)
				continue;
			for (int b = 0; b < LAT_BUCKETS; b++)
				out[b] += atomic_load_explicit(&r->ctl->stages[s].lat[k][b],
							       memory_order_relaxed);
		}
	}
}

/* The p-th percentile of a histogram (now - before), in ns; 0 if empty. */
static uint64_t percentile(const uint64_t *now, const uint64_t *before, double p)
{
	uint64_t total = 0, seen = 0;

	for (int b = 0; b < LAT_BUCKETS; b++)
		total += now[b] - (before ? before[b] : 0);
	if (total == 0)
		return 0;
	uint64_t want = (uint64_t)(p / 100.0 * (double)total);

	if (want >= total)
		want = total - 1;
	for (int b = 0; b < LAT_BUCKETS; b++) {
		seen += now[b] - (before ? before[b] : 0);
		if (seen > want)
			return lat_bucket_floor((unsigned)b);
	}
	return 0;
}

static uint64_t topic_lost(const struct sluice_pipeline *pl, int ti, struct sluice_topic_stats *ts)
{
	struct sluice_sub_stats subs[64];
	uint64_t lost = 0;

	if (sluice_topic_stat(pl->topics[ti].seg, ts, subs, 64) != 0)
		return 0;
	for (uint32_t i = 0; i < ts->subscribers && i < 64; i++)
		lost += subs[i].lost;
	return lost;
}

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

void sluice__report_init(struct report *r, struct sluice_pipeline *pl, struct run_ctl *ctl,
			 const struct sluice_run_opts *o)
{
	memset(r, 0, sizeof(*r));
	r->pl = pl;
	r->ctl = ctl;
	r->o = o;
	r->start_ns = r->last_ns = 0;
	for (int t = 0; t < pl->ntopics; t++)
		r->topics[t].lat_last = calloc(LAT_BUCKETS, sizeof(uint64_t));
}

void sluice__report_free(struct report *r)
{
	for (int t = 0; t < r->pl->ntopics; t++)
		free(r->topics[t].lat_last);
}

void sluice__report_tick(struct report *r, uint64_t now)
{
	uint64_t lat[LAT_BUCKETS];
	double dt = r->last_ns ? (double)(now - r->last_ns) / 1e9 : 1.0;

	if (!r->start_ns)
		r->start_ns = now - 1000000000u;
	if (r->o->live > 0)
		printf("\033[H\033[2J"); /* redraw in place on a terminal */
	if (r->o->live > 0)
		printf("sluice run %s  (%.0f s; Ctrl-C stops)\n\n%-14s %10s %10s %10s %8s\n",
		       r->pl->name, (double)(now - r->start_ns) / 1e9, "topic", "rate/s", "lat p50",
		       "lat p99", "lost");
	else if (r->o->live == 0)
		printf("[%6.1f s]", (double)(now - r->start_ns) / 1e9);
	for (int t = 0; t < r->pl->ntopics; t++) {
		struct report_topic *rt = &r->topics[t];
		struct sluice_topic_stats ts;
		uint64_t lost = topic_lost(r->pl, t, &ts);
		char p50[16], p99[16];

		rt->rate = (double)(ts.published - rt->published_last) / dt;
		rt->published_last = ts.published;
		merge_latency(r, t, lat);
		fmt_ns(p50, sizeof(p50), percentile(lat, rt->lat_last, 50));
		fmt_ns(p99, sizeof(p99), percentile(lat, rt->lat_last, 99));
		memcpy(rt->lat_last, lat, sizeof(lat));
		if (r->o->live > 0)
			printf("%-14s %10.0f %10s %10s %8llu\n", r->pl->topics[t].name, rt->rate, p50,
			       p99, (unsigned long long)lost);
		else if (r->o->live == 0)
			printf(" %s %.0f/s p50 %s p99 %s lost %llu;", r->pl->topics[t].name, rt->rate,
			       p50, p99, (unsigned long long)lost);
	}
	if (r->o->live > 0)
		printf("\n%-14s %8s %7s %9s %10s\n", "stage", "pid", "cpu %", "restarts", "messages");
	for (int s = 0; s < r->pl->nstages; s++) {
		struct ctl_stage *c = &r->ctl->stages[s];
		uint64_t cpu = atomic_load(&c->cpu_ns);

		r->cpu_pct[s] = (double)(cpu - r->cpu_last[s]) / 1e9 / dt * 100.0;
		r->cpu_last[s] = cpu;
		if (r->o->live > 0)
			printf("%-14s %8d %7.1f %9u %10llu\n", r->pl->stages[s].name,
			       (int)atomic_load(&c->pid), r->cpu_pct[s], atomic_load(&c->restarts),
			       (unsigned long long)atomic_load(&c->messages));
	}
	if (r->o->live >= 0)
		printf("\n");
	fflush(stdout);
	r->last_ns = now;
}

static void print_figures(const struct report *r, FILE *f, int json)
{
	int first = 1;

	for (int s = 0; s < r->pl->nstages; s++)
		for (int i = 0; i < FIGURES_MAX; i++) {
			const struct ctl_figure *fig = &r->ctl->stages[s].figures[i];
			double v;
			uint64_t bits = atomic_load(&fig->bits);

			if (!atomic_load(&fig->set))
				continue;
			/* The key lives in shared memory: bound it, whatever is there. */
			int klen = (int)strnlen(fig->key, sizeof(fig->key));

			memcpy(&v, &bits, sizeof(v));
			if (json)
				fprintf(f, "%s\n    \"%.*s\": %.9g", first ? "" : ",", klen, fig->key,
					v);
			else
				fprintf(f, "  %-20.*s %12.4f   (%s)\n", klen, fig->key, v,
					r->pl->stages[s].name);
			first = 0;
		}
	if (json)
		fprintf(f, "%s", first ? "" : "\n  ");
}

void sluice__report_final(struct report *r, uint64_t elapsed_ns)
{
	double secs = (double)elapsed_ns / 1e9;
	uint64_t lat[LAT_BUCKETS];
	FILE *js = r->o->summary_path ? fopen(r->o->summary_path, "w") : NULL;

	if (r->o->summary_path && !js)
		fprintf(stderr, "sluice run: cannot write %s\n", r->o->summary_path);
	printf("\nsummary of %s: %.1f s in %s mode\n%-14s %10s %10s %10s %10s %8s\n", r->pl->name,
	       secs, r->o->threads ? "thread" : "process", "topic", "messages", "rate/s",
	       "lat p50", "lat p99", "lost");
	if (js)
		fprintf(js, "{\n  \"pipeline\": \"%s\",\n  \"mode\": \"%s\",\n  \"duration_s\": %.3f,\n"
			    "  \"topics\": [",
			r->pl->name, r->o->threads ? "threads" : "processes", secs);
	for (int t = 0; t < r->pl->ntopics; t++) {
		struct sluice_topic_stats ts;
		uint64_t lost = topic_lost(r->pl, t, &ts);
		char p50[16], p99[16];

		merge_latency(r, t, lat);
		uint64_t l50 = percentile(lat, NULL, 50), l99 = percentile(lat, NULL, 99);

		fmt_ns(p50, sizeof(p50), l50);
		fmt_ns(p99, sizeof(p99), l99);
		printf("%-14s %10llu %10.1f %10s %10s %8llu\n", r->pl->topics[t].name,
		       (unsigned long long)ts.published, ts.published / secs, p50, p99,
		       (unsigned long long)lost);
		if (js)
			fprintf(js,
				"%s\n    {\"name\": \"%s\", \"type\": \"%s\", \"published\": %llu, "
				"\"rate_hz\": %.3f, \"latency_p50_ns\": %llu, \"latency_p99_ns\": %llu, "
				"\"lost\": %llu}",
				t ? "," : "", r->pl->topics[t].name, r->pl->topics[t].type,
				(unsigned long long)ts.published, ts.published / secs,
				(unsigned long long)l50, (unsigned long long)l99,
				(unsigned long long)lost);
	}
	printf("\n%-14s %9s %10s %10s %s\n", "stage", "restarts", "messages", "cpu s", "ended");
	if (js)
		fprintf(js, "\n  ],\n  \"stages\": [");
	for (int s = 0; s < r->pl->nstages; s++) {
		struct ctl_stage *c = &r->ctl->stages[s];
		uint32_t state = atomic_load(&c->state);
		int sig = atomic_load(&c->last_signal);
		const char *ended = state == STAGE_EXITED ? "cleanly"
				    : state == STAGE_FAILED ? "failed"
							      : "killed";

		printf("%-14s %9u %10llu %10.2f %s", r->pl->stages[s].name, atomic_load(&c->restarts),
		       (unsigned long long)atomic_load(&c->messages), atomic_load(&c->cpu_ns) / 1e9,
		       ended);
		if (sig)
			printf(" (last crash: signal %d)", sig);
		printf("\n");
		if (js)
			fprintf(js,
				"%s\n    {\"name\": \"%s\", \"plugin\": \"%s\", \"restarts\": %u, "
				"\"messages\": %llu, \"cpu_s\": %.3f, \"ended\": \"%s\"}",
				s ? "," : "", r->pl->stages[s].name, r->pl->stages[s].plugin_name,
				atomic_load(&c->restarts), (unsigned long long)atomic_load(&c->messages),
				atomic_load(&c->cpu_ns) / 1e9, ended);
	}
	printf("\nfigures reported by stages:\n");
	print_figures(r, stdout, 0);
	if (js) {
		fprintf(js, "\n  ],\n  \"figures\": {");
		print_figures(r, js, 1);
		fprintf(js, "}\n}\n");
		fclose(js);
	}
	fflush(stdout);
}
