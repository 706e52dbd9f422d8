/* bad.c - test plugins that the loader must refuse, one defect each,
 * selected at compile time: BAD_MAGIC, BAD_ABI (another major), BAD_MINOR
 * (a minor newer than the host's), BAD_CALLBACK, BAD_PARAM, BAD_PORT,
 * BAD_NOENTRY. The descriptor is written out by hand (not with
 * SLUICE_PLUGIN) so that the prefix itself can be wrong. */
#include <sluice/plugin.h>

static int ok_init(void *st, const struct sluice_ctx *ctx, const struct sluice_param_value *p)
{
	(void)st;
	(void)ctx;
	(void)p;
	return 0;
}

__attribute__((unused)) static int ok_msg(void *st, const struct sluice_ctx *ctx,
                                          const struct sluice_stage_msg *m)
{
	(void)st;
	(void)ctx;
	(void)m;
	return 0;
}

static const struct sluice_layout_entry layout[] = {SLUICE_PLUGIN_LAYOUT_TABLE};

#ifdef BAD_PARAM
/* An int parameter whose default is not an int. */
static const struct sluice_param_decl params[] = {
    {"rate", SLUICE_PARAM_INT, "fast", "a rate"},
};
#else
static const struct sluice_param_decl params[] = {
    {"rate", SLUICE_PARAM_INT, "10", "a rate"},
};
#endif

static const struct sluice_input_decl inputs[] = {
#ifdef BAD_CALLBACK
    {"in", "sluice.test.Int64", "no handler", NULL},
#else
    {"in", "sluice.test.Int64", "values", ok_msg},
#endif
};

#ifdef BAD_PORT
/* An output that reuses the input's name. */
static const struct sluice_output_decl outputs[] = {{"in", "sluice.test.Int64", "clash", NULL}};
#else
static const struct sluice_output_decl outputs[] = {{"out", "sluice.test.Int64", "values", NULL}};
#endif

static const struct sluice_plugin_desc desc = {
#ifdef BAD_MAGIC
    .magic = 0x4e49554c50544f4eULL,
#else
    .magic = SLUICE_PLUGIN_MAGIC,
#endif
#ifdef BAD_ABI
    .abi_version = SLUICE_PLUGIN_ABI_VERSION + 1,
#else
    .abi_version = SLUICE_PLUGIN_ABI_VERSION,
#endif
#ifdef BAD_MINOR
    .abi_minor = SLUICE_PLUGIN_ABI_MINOR + 1,
#else
    .abi_minor = SLUICE_PLUGIN_ABI_MINOR,
#endif
    .desc_size = sizeof(struct sluice_plugin_desc),
    .fingerprint = SLUICE_PLUGIN_FINGERPRINT,
    .layout = layout,
    .n_layout = SLUICE_ARRAY_LEN(layout),
    .name = "bad",
    .version = "0",
    .summary = "a plugin the loader must refuse",
    SLUICE_PARAMS(params),
    SLUICE_INPUTS(inputs),
    SLUICE_OUTPUTS(outputs),
    .state_size = 8,
    .state_align = 8,
    .init = ok_init,
};

#ifdef BAD_NOENTRY
/* The entry exists but is not exported (hidden visibility, like everything
 * else in the plugin), as when SLUICE_PLUGIN_EXPORT was forgotten. */
const struct sluice_plugin_desc *sluice_plugin_entry(void);
#else
SLUICE_PLUGIN_EXPORT const struct sluice_plugin_desc *sluice_plugin_entry(void);
#endif
const struct sluice_plugin_desc *sluice_plugin_entry(void)
{
	return &desc;
}
