/* greeter.c - a stage built out of tree against an installed sluice: it
 * publishes sdk.Greeting messages ({seq, text: "hello N"}) built in place
 * with the FlatBuffers builders of libsluice.so. */
#include <stdio.h>

#include <sluice/plugin.h>
#include <sluice/plugin_fb.h>

#include "greeting_sluice.h"

static int build_greeting(sluice_fb_builder *b, const void *arg, sluice_fb_msg *out)
{
	const uint64_t *seq = arg;
	char text[32];
	sluice_fb_ref t, r;

	snprintf(text, sizeof(text), "hello %llu", (unsigned long long)*seq);
	t = sluice_fb_cstring(b, text);
	sdk_Greeting_start(b);
	sdk_Greeting_force_seq(b, *seq);
	sdk_Greeting_add_text(b, t);
	r = sdk_Greeting_end(b);
	return sdk_Greeting_finish(b, r, out);
}

static int greeter_tick(void *st, const struct sluice_ctx *ctx)
{
	uint64_t *seq = st;
	int rc = sluice_fb_publish(ctx, 0, 256, build_greeting, seq);

	++*seq;
	return rc;
}

static const struct sluice_output_decl outputs[] = {
    {"out", "sdk.Greeting", "a greeting per tick", sluice_bfbs_greeting}};

SLUICE_PLUGIN(.name = "greeter", .version = "1.0.0", .summary = "says hello (out-of-tree test)",
              SLUICE_OUTPUTS(outputs), SLUICE_STATE(uint64_t), .tick_hz = 200,
              .on_tick = greeter_tick);
