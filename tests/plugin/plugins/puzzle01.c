/* puzzle01.c - a plugin whose compiler packed the ABI structs to 4 bytes,
 * as a 32-bit-minded compiler, a -fpack-struct flag or a stray
 * "#pragma pack" left open in an earlier header would. Its source is
 * otherwise correct; the host must refuse it and say which fields moved.
 * See docs/puzzle01.md. */
#pragma pack(push, 4)
#ifdef PUZZLE01_V1_0
/* The same mistake in a plugin built against the frozen ABI 1.0 header:
 * checked against the host's layout of minor 0, refused just the same. */
#include "../fixtures/plugin_v1_0.h"
#else
#include <sluice/plugin.h>
#endif
#pragma pack(pop)

static int p_init(void *st, const struct sluice_ctx *ctx, const struct sluice_param_value *p)
{
	(void)st;
	(void)ctx;
	(void)p;
	return 0;
}

static int p_msg(void *st, const struct sluice_ctx *ctx, const struct sluice_stage_msg *m)
{
	(void)st;
	(void)ctx;
	(void)m;
	return 0;
}

static const struct sluice_param_decl params[] = {
    {"gain", SLUICE_PARAM_DOUBLE, "2.0", "multiplier"},
};
static const struct sluice_input_decl inputs[] = {{"in", "sluice.test.Double", "x", p_msg}};

SLUICE_PLUGIN(.name = "puzzle01", .version = "1", .summary = "packed differently from the host",
              SLUICE_PARAMS(params), SLUICE_INPUTS(inputs), .state_size = 8, .state_align = 8,
              .init = p_init);
