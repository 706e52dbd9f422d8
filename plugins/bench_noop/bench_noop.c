/* bench_noop.c - a stage that only reads its state and returns: the same
 * work as the other callees of `sluice-bench dispatch`, so the difference
 * measured is the cost of reaching it. */
#include <sluice/plugin.h>

struct noop {
	uint64_t sum;
};

static int noop_in(void *st, const struct sluice_ctx *ctx, const struct sluice_stage_msg *m)
{
	(void)ctx;
	/* Never true (sum stays 0): a read the compiler cannot drop. */
	return ((struct noop *)st)->sum == m->seq + 1 ? 1 : 0;
}

static const struct sluice_input_decl noop_inputs[] = {
    {"in", "sluice.bench.Any", "any message; ignored", noop_in},
};

SLUICE_PLUGIN(.name = "bench_noop", .version = "1.0.0",
              .summary = "does nothing per message (for sluice-bench dispatch)",
              SLUICE_INPUTS(noop_inputs), SLUICE_STATE(struct noop));
