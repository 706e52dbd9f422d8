/* report.c - the figures of a run, gathered for the caller once a second
 * and at the end, and the JSON summary file.  How they are shown is the
 * caller's business (sluice run draws a table): nothing here prints. */
#include <errno.h>
#include <sched.h>
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

int sluice__report_init(struct report *r, struct sluice_pipeline *pl, struct run_ctl *ctl,
			const struct sluice_run_opts *o)
{
	memset(r, 0, sizeof(*r));
	r->pl = pl;
	r->ctl = ctl;
	r->o = o;
	for (int t = 0; t < pl->ntopics; t++)
		if (!(r->topics[t].lat_last = calloc(LAT_BUCKETS, sizeof(uint64_t)))) {
			sluice__report_free(r);
			return -ENOMEM;
		}
	return 0;
}

void sluice__report_free(struct report *r)
{
	for (int t = 0; t < r->pl->ntopics; t++) {
		free(r->topics[t].lat_last);
		r->topics[t].lat_last = NULL;
	}
}

static void fill_stage(const struct report *r, int s, struct sluice_stage_report *out)
{
	struct ctl_stage *c = &r->ctl->stages[s];

	*out = (struct sluice_stage_report){
	    .name = r->pl->stages[s].name,
	    .plugin = r->pl->stages[s].plugin_name,
	    .pid = (int)atomic_load(&c->pid),
	    .state = (int)atomic_load(&c->state),
	    .last_signal = atomic_load(&c->last_signal),
	    .restarts = atomic_load(&c->restarts),
	    .messages = atomic_load(&c->messages),
	    .cpu_ns = atomic_load(&c->cpu_ns),
	};
}

/* The figures stages reported; the keys live in shared memory, so they
 * are copied bounded and terminated, whatever is there. */
static int fill_figures(struct report *r)
{
	int n = 0;

	for (int s = 0; s < r->pl->nstages; s++)
		for (int i = 0; i < FIGURES_MAX; i++) {
			const struct ctl_figure *fig = &r->ctl->stages[s].figures[i];
			struct sluice_figure_report *f = &r->frep[n];
			uint64_t bits = atomic_load(&fig->bits);

			if (!atomic_load(&fig->set))
				continue;
			size_t klen = strnlen(fig->key, sizeof(fig->key));

			if (klen >= sizeof(f->key))
				klen = sizeof(f->key) - 1;
			memcpy(f->key, fig->key, klen);
			f->key[klen] = '\0';
			memcpy(&f->value, &bits, sizeof(f->value));
			f->stage = r->pl->stages[s].name;
			n++;
		}
	return n;
}

static void deliver(struct report *r, int final, double elapsed_s, int nfigures)
{
	struct sluice_run_stats st = {
	    .pipeline = r->pl->name,
	    .threads = r->o->threads,
	    .final = final,
	    .elapsed_s = elapsed_s,
	    .ntopics = r->pl->ntopics,
	    .nstages = r->pl->nstages,
	    .nfigures = nfigures,
	    .topics = r->trep,
	    .stages = r->srep,
	    .figures = r->frep,
	    .record = final && r->has_record ? &r->record : NULL,
	};

	r->o->report(r->o->arg, &st);
}

void sluice__report_tick(struct report *r, uint64_t now)
{
	uint64_t lat[LAT_BUCKETS];
	double dt = r->last_ns ? (double)(now - r->last_ns) / 1e9 : 1.0;

	if (!r->o->report)
		return;
	if (!r->start_ns)
		r->start_ns = now - 1000000000u;
	for (int t = 0; t < r->pl->ntopics; t++) {
		struct report_topic *rt = &r->topics[t];
		struct sluice_topic_report *tr = &r->trep[t];
		struct sluice_topic_stats ts;

		memset(&ts, 0, sizeof(ts));
		tr->name = r->pl->topics[t].name;
		tr->type = r->pl->topics[t].type;
		tr->lost = topic_lost(r->pl, t, &ts);
		tr->published = ts.published;
		tr->rate = (double)(ts.published - rt->published_last) / dt;
		rt->published_last = ts.published;
		merge_latency(r, t, lat);
		tr->lat_p50_ns = percentile(lat, rt->lat_last, 50);
		tr->lat_p99_ns = percentile(lat, rt->lat_last, 99);
		memcpy(rt->lat_last, lat, sizeof(lat));
	}
	for (int s = 0; s < r->pl->nstages; s++) {
		struct sluice_stage_report *sr = &r->srep[s];

		fill_stage(r, s, sr);
		sr->cpu_pct = (double)(sr->cpu_ns - r->cpu_last[s]) / 1e9 / dt * 100.0;
		r->cpu_last[s] = sr->cpu_ns;
	}
	r->last_ns = now;
	deliver(r, 0, (double)(now - r->start_ns) / 1e9, fill_figures(r));
}

static const char *ended_word(int state)
{
	return state == STAGE_EXITED ? "cleanly" : state == STAGE_FAILED ? "failed" : "killed";
}

/* A stage's cpu: key as a CPU list ("0,2-3"), normalised from its bitmap. */
static void cpu_list(const struct pl_stage *st, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int c = 0; c < PL_MAX_CPUS && n < len; c++) {
		int e = c;

		if (!(st->cpus[c / 64] >> (c % 64) & 1))
			continue;
		while (e + 1 < PL_MAX_CPUS && (st->cpus[(e + 1) / 64] >> ((e + 1) % 64) & 1))
			e++;
		if (e > c)
			n += (size_t)snprintf(buf + n, len - n, "%s%d-%d", n ? "," : "", c, e);
		else
			n += (size_t)snprintf(buf + n, len - n, "%s%d", n ? "," : "", c);
		c = e;
	}
}

/* The scheduling keys a stage was given (null where the file is silent), so
 * that a summary says under what conditions its figures were measured. */
static void write_sched(FILE *js, const struct pl_stage *st)
{
	char cpus[256];

	cpu_list(st, cpus, sizeof(cpus));
	if (st->has_cpus)
		fprintf(js, ", \"cpu\": \"%s\"", cpus);
	else
		fprintf(js, ", \"cpu\": null");
	if (st->has_sched)
		fprintf(js, ", \"sched\": {\"policy\": \"%s\", \"priority\": %d}",
			st->sched_policy == SCHED_FIFO ? "fifo"
			: st->sched_policy == SCHED_RR ? "rr"
						       : "other",
			st->sched_priority);
	else
		fprintf(js, ", \"sched\": null");
	fprintf(js, ", \"lock_memory\": %s, \"spin_us\": %u", st->lock_memory ? "true" : "false",
		st->has_spin ? st->spin_us : 0u);
}

/* s as a JSON string: a record: file is a path the user chose, so quotes,
 * backslashes and control characters are escaped. */
static void write_jstr(FILE *js, const char *s)
{
	fputc('"', js);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(js, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(js, "\\u%04x", *c);
		else
			fputc(*c, js);
	}
	fputc('"', js);
}

/* What the record: section wrote (as the table's last line says), or null:
 * no record: section, or the recording failed. */
static void write_record(FILE *js, const struct report *r)
{
	if (!r->has_record) {
		fprintf(js, ",\n  \"record\": null");
		return;
	}
	fprintf(js, ",\n  \"record\": {\"file\": ");
	write_jstr(js, r->record.file);
	fprintf(js, ", \"messages\": %llu, \"bytes\": %llu, \"lost\": %llu}",
		(unsigned long long)r->record.messages, (unsigned long long)r->record.bytes,
		(unsigned long long)r->record.lost);
}

static void write_json(struct report *r, FILE *js, double secs, int nfigures)
{
	fprintf(js, "{\n  \"pipeline\": \"%s\",\n  \"mode\": \"%s\",\n  \"duration_s\": %.3f,\n"
		    "  \"topics\": [",
		r->pl->name, r->o->threads ? "threads" : "processes", secs);
	for (int t = 0; t < r->pl->ntopics; t++) {
		const struct sluice_topic_report *tr = &r->trep[t];

		fprintf(js,
			"%s\n    {\"name\": \"%s\", \"type\": \"%s\", \"published\": %llu, "
			"\"rate_hz\": %.3f, \"latency_p50_ns\": %llu, \"latency_p99_ns\": %llu, "
			"\"lost\": %llu}",
			t ? "," : "", tr->name, tr->type, (unsigned long long)tr->published, tr->rate,
			(unsigned long long)tr->lat_p50_ns, (unsigned long long)tr->lat_p99_ns,
			(unsigned long long)tr->lost);
	}
	fprintf(js, "\n  ],\n  \"stages\": [");
	for (int s = 0; s < r->pl->nstages; s++) {
		const struct sluice_stage_report *sr = &r->srep[s];

		fprintf(js,
			"%s\n    {\"name\": \"%s\", \"plugin\": \"%s\", \"restarts\": %u, "
			"\"messages\": %llu, \"cpu_s\": %.3f, \"ended\": \"%s\"",
			s ? "," : "", sr->name, sr->plugin, sr->restarts,
			(unsigned long long)sr->messages, sr->cpu_ns / 1e9, ended_word(sr->state));
		write_sched(js, &r->pl->stages[s]);
		fprintf(js, "}");
	}
	fprintf(js, "\n  ],\n  \"figures\": {");
	for (int i = 0; i < nfigures; i++)
		fprintf(js, "%s\n    \"%s\": %.9g", i ? "," : "", r->frep[i].key, r->frep[i].value);
	fprintf(js, "%s}", nfigures ? "\n  " : "");
	write_record(js, r);
	fprintf(js, "\n}\n");
}

void sluice__report_final(struct report *r, uint64_t elapsed_ns)
{
	double secs = (double)elapsed_ns / 1e9;
	uint64_t lat[LAT_BUCKETS];
	int nfigures;

	for (int t = 0; t < r->pl->ntopics; t++) {
		struct sluice_topic_report *tr = &r->trep[t];
		struct sluice_topic_stats ts;

		memset(&ts, 0, sizeof(ts));
		tr->name = r->pl->topics[t].name;
		tr->type = r->pl->topics[t].type;
		tr->lost = topic_lost(r->pl, t, &ts);
		tr->published = ts.published;
		tr->rate = ts.published / secs;
		merge_latency(r, t, lat);
		tr->lat_p50_ns = percentile(lat, NULL, 50);
		tr->lat_p99_ns = percentile(lat, NULL, 99);
	}
	for (int s = 0; s < r->pl->nstages; s++)
		fill_stage(r, s, &r->srep[s]);
	nfigures = fill_figures(r);
	if (r->o->report)
		deliver(r, 1, secs, nfigures);
	if (r->o->summary_path) {
		FILE *js = fopen(r->o->summary_path, "w");

		if (!js) {
			struct sluice_run_event ev = {.kind = SLUICE_RUN_SUMMARY_FAILED,
						      .value = -errno,
						      .path = r->o->summary_path};

			if (r->o->event)
				r->o->event(r->o->arg, &ev);
			return;
		}
		write_json(r, js, secs, nfigures);
		fclose(js);
	}
}
