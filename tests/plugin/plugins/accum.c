/* accum.c - test plugin with parameters, two inputs, one output and a tick.
 * Built twice: small state (kept inline by the host) and, with
 * ACCUM_BIG_STATE, a large over-aligned state (kept on the heap). init
 * allocates and fini frees, so a missing fini shows up as an ASan leak. */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/plugin.h>

struct accum {
	int64_t sum;
	int64_t step;
	double scale;
	char *label; /* heap copy: freed by fini */
	int32_t verbose;
	int32_t ticks;
#ifdef ACCUM_BIG_STATE
	alignas(64) unsigned char history[256];
#endif
};

/* strdup is POSIX, not C11; plugins build as plain C11. */
static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	return d ? memcpy(d, s, n) : NULL;
}

static int accum_init(void *st, const struct sluice_ctx *ctx, const struct sluice_param_value *p)
{
	struct accum *a = st;

	a->step = p[0].v.i;
	a->scale = p[1].v.d;
	a->label = dup_str(p[2].v.s);
	a->verbose = p[3].v.b;
	a->sum = p[4].v.i; /* "start": required, no default */
	if (!a->label)
		return -12;
	sluice_log(ctx, SLUICE_LOG_INFO, "accum %s starts at %lld", a->label, (long long)a->sum);
	return 0;
}

static int accum_in(void *st, const struct sluice_ctx *ctx, const struct sluice_stage_msg *m)
{
	struct accum *a = st;
	int64_t v;

	(void)ctx;
	if (m->size != sizeof(v))
		return -22;
	memcpy(&v, m->data, sizeof(v));
	a->sum += v * a->step;
#ifdef ACCUM_BIG_STATE
	a->history[a->ticks % sizeof(a->history)] = (unsigned char)v;
#endif
	return 0;
}

static int accum_reset(void *st, const struct sluice_ctx *ctx, const struct sluice_stage_msg *m)
{
	struct accum *a = st;

	(void)ctx;
	(void)m;
	a->sum = 0;
	return 0;
}

static int accum_tick(void *st, const struct sluice_ctx *ctx)
{
	struct accum *a = st;
	double out = (double)a->sum * a->scale;

	a->ticks++;
	sluice_report(ctx, "ticks", a->ticks);
	return sluice_publish(ctx, 0, &out, sizeof(out));
}

static void accum_fini(void *st, const struct sluice_ctx *ctx)
{
	struct accum *a = st;

	sluice_report(ctx, "final_sum", (double)a->sum);
	free(a->label);
}

static const struct sluice_param_decl accum_params[] = {
    {"step", SLUICE_PARAM_INT, "1", "multiplier for each input value"},
    {"scale", SLUICE_PARAM_DOUBLE, "0.5", "factor applied to the published sum"},
    {"label", SLUICE_PARAM_STRING, "acc", "name used in log lines"},
    {"verbose", SLUICE_PARAM_BOOL, "false", "log every message"},
    {"start", SLUICE_PARAM_INT, NULL, "initial sum (required)"},
};

static const struct sluice_input_decl accum_inputs[] = {
    {"in", "sluice.test.Int64", "values to add", accum_in},
    {"reset", "sluice.test.Empty", "any message clears the sum", accum_reset},
};

static const struct sluice_output_decl accum_outputs[] = {
    {"sum", "sluice.test.Double", "scaled sum, once per tick", NULL},
};

SLUICE_PLUGIN(.name = ACCUM_NAME, .version = "1.2.3",
              .summary = "adds up its input and publishes the scaled sum at 50 Hz",
              SLUICE_PARAMS(accum_params), SLUICE_INPUTS(accum_inputs),
              SLUICE_OUTPUTS(accum_outputs), SLUICE_STATE(struct accum), .tick_hz = 50,
              .init = accum_init, .on_tick = accum_tick, .fini = accum_fini);
