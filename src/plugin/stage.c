/* stage.c - a running instance of a plugin: parameters, state kept inline
 * when small (an erased object: the seed's small-buffer optimisation), and
 * the calls into the plugin's callbacks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/erase.h"
#include "sluice/error.h"
#include "sluice/loader.h"
#include "common/detail.h"
#include "plugin/internal.h"

struct sluice_stage {
	struct sluice_plugin *plugin; /* one reference held */
	const struct sluice_plugin_desc *desc;
	const struct sluice_ctx *ctx;
	struct sluice_erase_ops state_ops; /* the state's size and alignment */
	struct sluice_erased state;
	struct sluice_param_value *params; /* one per declaration */
	char **strings;                    /* copies of string values, owned */
};

static int find_param(const struct sluice_plugin_desc *d, const char *name)
{
	for (uint32_t i = 0; i < d->n_params; i++)
		if (!strcmp(d->params[i].name, name))
			return (int)i;
	return -1;
}

/* Fills vals (n_params entries) from defaults then settings; the one
 * parameter check.  where, if not NULL, says what is at fault. */
static int resolve_params(const struct sluice_plugin_desc *d,
                          const struct sluice_param_setting *set, size_t n,
                          struct sluice_param_value *vals, struct sluice_param_fault *where)
{
	struct sluice_param_fault none;

	if (!where)
		where = &none;
	*where = (struct sluice_param_fault){-1, -1};
	for (uint32_t i = 0; i < d->n_params; i++) {
		vals[i].name = NULL;
		if (d->params[i].default_value)
			sluice__param_parse(d->params[i].type, d->params[i].default_value,
			                    &vals[i]);
	}
	for (uint32_t i = 0; i < d->n_params; i++)
		if (d->params[i].default_value)
			vals[i].name = d->params[i].name;
	for (size_t k = 0; k < n; k++) {
		int i = set[k].name ? find_param(d, set[k].name) : -1;

		where->setting = (long)k;
		if (i < 0)
			return sluice__fail(-SLUICE_EPARAM_UNKNOWN, "%s: no parameter '%s'",
			                    d->name, set[k].name ? set[k].name : "(null)");
		where->decl = i;
		if (sluice__param_parse(d->params[i].type, set[k].value, &vals[i]) < 0)
			return sluice__fail(-SLUICE_EPARAM_VALUE,
			                    "%s: parameter '%s': \"%s\" is not a valid %s", d->name,
			                    set[k].name, set[k].value ? set[k].value : "(null)",
			                    sluice__param_type_name(d->params[i].type));
		vals[i].name = d->params[i].name;
	}
	*where = (struct sluice_param_fault){-1, -1};
	for (uint32_t i = 0; i < d->n_params; i++)
		if (!vals[i].name) {
			where->decl = (long)i;
			return sluice__fail(-EINVAL, "%s: required parameter '%s' not set", d->name,
			                    d->params[i].name);
		}
	return 0;
}

int sluice_params_check_at(const struct sluice_plugin_desc *d,
                           const struct sluice_param_setting *set, size_t n,
                           struct sluice_param_fault *where)
{
	struct sluice_param_value *vals = calloc(d->n_params ? d->n_params : 1, sizeof(*vals));
	int rc;

	if (!vals)
		return -ENOMEM;
	rc = resolve_params(d, set, n, vals, where);
	free(vals);
	return rc;
}

int sluice_params_check(const struct sluice_plugin_desc *d, const struct sluice_param_setting *set,
                        size_t n)
{
	return sluice_params_check_at(d, set, n, NULL);
}

static void free_stage(struct sluice_stage *s)
{
	if (s->strings)
		for (uint32_t i = 0; i < s->desc->n_params; i++)
			free(s->strings[i]);
	free(s->strings);
	free(s->params);
	sluice_erased_reset(&s->state);
	sluice_plugin_unref(s->plugin);
	free(s);
}

int sluice_stage_create(struct sluice_plugin *p, const struct sluice_ctx *ctx,
                        const struct sluice_param_setting *set, size_t n, struct sluice_stage **out)
{
	const struct sluice_plugin_desc *d = p->desc;
	struct sluice_stage *s;
	void *state;
	int rc;

	*out = NULL;
	if (!ctx || !ctx->publish || !ctx->now_ns)
		return sluice__fail(-EINVAL, "%s: host context lacks publish or now_ns", d->name);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->plugin = sluice_plugin_ref(p);
	s->desc = d;
	s->ctx = ctx;
	sluice_erased_init(&s->state);
	s->params = calloc(d->n_params ? d->n_params : 1, sizeof(*s->params));
	s->strings = calloc(d->n_params ? d->n_params : 1, sizeof(*s->strings));
	if (!s->params || !s->strings) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = resolve_params(d, set, n, s->params, NULL);
	if (rc < 0)
		goto fail;
	/* String values must outlive the caller's settings. */
	for (uint32_t i = 0; i < d->n_params; i++) {
		if (s->params[i].type != SLUICE_PARAM_STRING)
			continue;
		s->strings[i] = strdup(s->params[i].v.s);
		if (!s->strings[i]) {
			rc = -ENOMEM;
			goto fail;
		}
		s->params[i].v.s = s->strings[i];
	}

	s->state_ops.type_name = d->name;
	s->state_ops.size = d->state_size;
	s->state_ops.align = d->state_align ? d->state_align : 1;
	rc = sluice_erased_emplace(&s->state, &s->state_ops, &state);
	if (rc < 0)
		goto fail;
	memset(state, 0, d->state_size);

	if (sluice__desc_init2(d))
		rc = sluice__desc_init2(d)(state, ctx, s->params, d->n_params);
	else
		rc = d->init ? d->init(state, ctx, s->params) : 0;
	if (rc < 0) {
		rc = sluice__fail(rc, "%s: init failed: %s", d->name, sluice_strerror(rc));
		goto fail; /* init failed: fini is not called */
	}
	*out = s;
	return 0;

fail:
	free_stage(s);
	return rc;
}

int sluice_stage_on_message(struct sluice_stage *s, const struct sluice_stage_msg *msg)
{
	if (msg->input >= s->desc->n_inputs)
		return -EINVAL;
	return s->desc->inputs[msg->input].on_message(sluice_erased_get(&s->state), s->ctx, msg);
}

int sluice_stage_tick(struct sluice_stage *s)
{
	if (!s->desc->on_tick)
		return -ENOTSUP;
	return s->desc->on_tick(sluice_erased_get(&s->state), s->ctx);
}

void sluice_stage_destroy(struct sluice_stage *s)
{
	if (!s)
		return;
	if (s->desc->fini)
		s->desc->fini(sluice_erased_get(&s->state), s->ctx);
	free_stage(s);
}

const struct sluice_plugin_desc *sluice_stage_descriptor(const struct sluice_stage *s)
{
	return s->desc;
}

void *sluice_stage_state(const struct sluice_stage *s)
{
	return sluice_erased_get(&s->state);
}

bool sluice_stage_state_inline(const struct sluice_stage *s)
{
	return sluice_erased_is_inline(&s->state);
}
