/* old_v1_0.c - a plugin built against the FROZEN ABI 1.0 header
 * (tests/plugin/fixtures/plugin_v1_0.h), as a plugin compiled before any
 * minor version was appended would be: later hosts must load and run it.
 * On every tick it adds its step parameter to a count and publishes the
 * count twice: copied (output 0) and built at the end of a loan, committed
 * with minor 0's size-only commit (output 1). init reports the context
 * size it was handed. */
#include <string.h>

#include "../fixtures/plugin_v1_0.h"

struct old {
	int64_t n, step;
};

static int old_init(void *st, const struct sluice_ctx *ctx, const struct sluice_param_value *p)
{
	((struct old *)st)->step = p[0].v.i;
	return sluice_report(ctx, "ctx_size", (double)ctx->size);
}

static int old_tick(void *st, const struct sluice_ctx *ctx)
{
	struct old *o = st;
	void *buf = NULL;
	size_t cap = 0;
	int rc;

	o->n += o->step;
	rc = sluice_publish(ctx, 0, &o->n, sizeof(o->n));
	if (rc < 0)
		return rc;
	rc = ctx->loan(ctx, 1, sizeof(o->n), &buf, &cap);
	if (rc < 0)
		return rc;
	memcpy((char *)buf + cap - sizeof(o->n), &o->n, sizeof(o->n));
	return ctx->commit(ctx, 1, sizeof(o->n));
}

static const struct sluice_param_decl params[] = {
    {"step", SLUICE_PARAM_INT, "1", "added on every tick"}};
static const struct sluice_output_decl outputs[] = {
    {"copied", "sluice.test.Int64", "the count, published by copy", NULL},
    {"loaned", "sluice.test.Int64", "the count, built in a loan", NULL}};

SLUICE_PLUGIN(.name = "old_v1_0", .version = "1.0.0", .summary = "built against ABI 1.0",
              SLUICE_PARAMS(params), SLUICE_OUTPUTS(outputs), SLUICE_STATE(struct old),
              .tick_hz = 10, .init = old_init, .on_tick = old_tick);
