/* stages.c - the three stages of `sluice-bench pipeline`, one source built
 * three times (BP_SOURCE, BP_RELAY, BP_SINK): a 1 kHz source of synthetic
 * payloads that carry the time they were committed, a stage that copies
 * each payload into a new message (the processing), and a sink that keeps
 * every end-to-end latency (source commit -> sink callback) and reports
 * their percentiles as figures when it stops.  They run under the real
 * stage host, so the pipeline's scheduling keys apply to them. */
#include <stdlib.h>
#include <string.h>

#include <sluice/plugin.h>

/* What every payload starts with; the rest is filler. */
struct bp_head {
	uint64_t t0; /* CLOCK_MONOTONIC ns, just before the source's commit */
	uint64_t n;  /* the source's count */
};

#define BP_TYPE "sluice.bench.Pipeline"

#if defined(BP_SOURCE)

struct bp_src {
	int64_t size;
	uint64_t n;
};

static int src_init(void *st, const struct sluice_ctx *ctx, const struct sluice_param_value *p,
                    uint32_t n)
{
	struct bp_src *s = st;

	(void)ctx;
	s->size = sluice_param_find(p, n, "size")->v.i;
	return s->size >= (int64_t)sizeof(struct bp_head) ? 0 : -1;
}

static int src_tick(void *st, const struct sluice_ctx *ctx)
{
	struct bp_src *s = st;
	struct bp_head h = {0, ++s->n};
	size_t cap;
	void *buf;
	int rc = sluice_loan(ctx, 0, (size_t)s->size, &buf, &cap);

	if (rc)
		return rc;
	memset(buf, (int)(h.n & 0xff), (size_t)s->size);
	h.t0 = sluice_now_ns(ctx);
	memcpy(buf, &h, sizeof(h));
	return sluice_commit_at(ctx, 0, 0, (size_t)s->size);
}

static const struct sluice_param_decl src_params[] = {
    {"size", SLUICE_PARAM_INT, "256", "payload bytes (at least 16)"}};
static const struct sluice_output_decl src_outputs[] = {
    {"out", BP_TYPE, "synthetic payloads stamped with their commit time", NULL}};

SLUICE_PLUGIN(.name = "bench_pipe_source", .version = "1.0.0",
              .summary = "1 kHz source of time-stamped synthetic payloads (sluice-bench pipeline)",
              SLUICE_PARAMS(src_params), SLUICE_OUTPUTS(src_outputs), SLUICE_STATE(struct bp_src),
              .tick_hz = 1000, .init2 = src_init, .on_tick = src_tick);

#elif defined(BP_RELAY)

static int relay_in(void *st, const struct sluice_ctx *ctx, const struct sluice_stage_msg *m)
{
	size_t cap;
	void *buf;
	int rc;

	(void)st;
	if ((rc = sluice_loan(ctx, 0, m->size, &buf, &cap)) != 0)
		return rc;
	memcpy(buf, m->data, m->size);
	return sluice_commit_at(ctx, 0, 0, m->size);
}

static const struct sluice_input_decl relay_inputs[] = {
    {"in", BP_TYPE, "payloads from the source", relay_in}};
static const struct sluice_output_decl relay_outputs[] = {
    {"out", BP_TYPE, "the same payloads, copied into new messages", NULL}};

SLUICE_PLUGIN(.name = "bench_pipe_relay", .version = "1.0.0",
              .summary = "copies each payload into a new message (sluice-bench pipeline)",
              SLUICE_INPUTS(relay_inputs), SLUICE_OUTPUTS(relay_outputs), SLUICE_STATE(uint64_t));

#elif defined(BP_SINK)

#define BP_MAX_SAMPLES (1u << 18) /* 262 s at 1 kHz; later ones are counted only */

struct bp_sink {
	int64_t warmup;
	uint64_t seen, kept, bad;
	uint32_t ns[BP_MAX_SAMPLES]; /* end-to-end latencies, capped at 4.29 s */
};

static int sink_init(void *st, const struct sluice_ctx *ctx, const struct sluice_param_value *p,
                     uint32_t n)
{
	(void)ctx;
	((struct bp_sink *)st)->warmup = sluice_param_find(p, n, "warmup")->v.i;
	return 0;
}

static int sink_in(void *st, const struct sluice_ctx *ctx, const struct sluice_stage_msg *m)
{
	uint64_t now = sluice_now_ns(ctx);
	struct bp_sink *s = st;
	struct bp_head h;

	if (m->size < sizeof(h)) {
		s->bad++;
		return 0;
	}
	memcpy(&h, m->data, sizeof(h));
	if (s->seen++ < (uint64_t)s->warmup || s->kept == BP_MAX_SAMPLES)
		return 0;
	uint64_t d = now > h.t0 ? now - h.t0 : 0;
	s->ns[s->kept++] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(const uint32_t *v, uint64_t n, double p)
{
	uint64_t i = (uint64_t)(p * (double)n);

	return (double)v[i < n ? i : n - 1];
}

/* Sorting happens here, once the run is over, never on the message path. */
static void sink_fini(void *st, const struct sluice_ctx *ctx)
{
	struct bp_sink *s = st;

	sluice_report(ctx, "e2e_n", (double)s->kept);
	sluice_report(ctx, "bad", (double)s->bad);
	if (!s->kept)
		return;
	qsort(s->ns, s->kept, sizeof(s->ns[0]), cmp_u32);
	sluice_report(ctx, "e2e_p50_ns", pct(s->ns, s->kept, 0.50));
	sluice_report(ctx, "e2e_p99_ns", pct(s->ns, s->kept, 0.99));
	sluice_report(ctx, "e2e_p999_ns", pct(s->ns, s->kept, 0.999));
	sluice_report(ctx, "e2e_max_ns", (double)s->ns[s->kept - 1]);
}

static const struct sluice_param_decl sink_params[] = {
    {"warmup", SLUICE_PARAM_INT, "200", "messages left out of the figures"}};
static const struct sluice_input_decl sink_inputs[] = {
    {"in", BP_TYPE, "payloads from the relay", sink_in}};

SLUICE_PLUGIN(.name = "bench_pipe_sink", .version = "1.0.0",
              .summary = "end-to-end latency of each payload, as figures (sluice-bench pipeline)",
              SLUICE_PARAMS(sink_params), SLUICE_INPUTS(sink_inputs), SLUICE_STATE(struct bp_sink),
              .init2 = sink_init, .fini = sink_fini);

#endif
