/* ports.c - a source with PORTS_N outputs (o0, o1, ...) that publishes on
 * its last one: built at SLUICE_PLUGIN_MAX_PORTS (loads) and one past it
 * (refused). Before the limit was shared, the host indexed its 16-entry
 * publisher table by the 17th output's index. */
#include <stdint.h>

#include <sluice/plugin.h>

#ifndef PORTS_N
#error "define PORTS_N"
#endif

#define O(n) {"o" #n, "test.Count", "an output", NULL},
static const struct sluice_output_decl all[] = {O(0) O(1) O(2) O(3) O(4) O(5) O(6) O(7) O(8) O(9) O(
    10) O(11) O(12) O(13) O(14) O(15) O(16) O(17) O(18) O(19)};
_Static_assert(PORTS_N <= sizeof(all) / sizeof(all[0]), "add rows to all[]");

struct count_msg {
	uint64_t seq, triple;
};

struct ports {
	uint64_t next;
};

static int ports_init(void *st, const struct sluice_ctx *ctx, const struct sluice_param_value *p)
{
	(void)st;
	(void)ctx;
	(void)p;
	return 0;
}

static int ports_tick(void *st, const struct sluice_ctx *ctx)
{
	struct ports *s = st;
	struct count_msg m = {s->next, s->next * 3};

	s->next++;
	return ctx->publish(ctx, PORTS_N - 1, &m, sizeof(m));
}

SLUICE_PLUGIN(.name = PORTS_NAME, .version = "1", .summary = "many outputs", .outputs = all,
              .n_outputs = PORTS_N, SLUICE_STATE(struct ports), .tick_hz = 200, .init = ports_init,
              .on_tick = ports_tick);
