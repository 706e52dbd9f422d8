/* counter.c - the smallest stage: no parameters, no init, one output; it
 * publishes 1, 2, 3, ... (a native-endian int64) ten times a second. */
#include <sluice/plugin.h>

static int counter_tick(void *st, const struct sluice_ctx *ctx)
{
	int64_t *n = st;

	++*n;
	return sluice_publish(ctx, 0, n, sizeof(*n));
}

static const struct sluice_output_decl outputs[] = {
    {"count", "sluice.Int64", "1, 2, 3, ... (int64, native byte order)", NULL}};

SLUICE_PLUGIN(.name = "counter", .version = "1.0.0", .summary = "publishes a running count",
              SLUICE_OUTPUTS(outputs), SLUICE_STATE(int64_t), .tick_hz = 10,
              .on_tick = counter_tick);
