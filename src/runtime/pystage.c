/* pystage.c - `python: FILE` stages: the python_stage plugin (an embedded
 * CPython, plugins/python_stage) made into a plugin with this stage's own
 * ports. A plugin's descriptor is constant, so the runtime derives one per
 * stage: the plugin's, with the pipeline file's inputs and outputs (typed
 * by their topics, every input handled by the plugin's one on_message)
 * and its tick rate, validated like any loaded descriptor. The stage host
 * then runs it like every other stage. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/detail.h"
#include "plugin/internal.h"
#include "runtime/model.h"

struct pydesc {
	struct sluice_plugin_desc d;
	struct sluice_input_decl in[PL_MAX_PORTS];
	struct sluice_output_decl out[PL_MAX_PORTS];
};

/* The settings the plugin reads (python_stage.c's parameters). */
enum { S_FILE, S_INPUTS, S_OUTPUTS, S_PARAMS, S_TICK_HZ, S_N };
static const char *const setting_names[S_N] = {"file", "inputs", "outputs", "params", "tick_hz"};

/* A growing string; bad once an allocation failed. */
struct str {
	char *s;
	size_t len, cap;
	int bad;
};

static void put(struct str *b, const char *s, size_t n)
{
	if (b->bad)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->s, cap);

		if (!p) {
			b->bad = 1;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void puts_(struct str *b, const char *s)
{
	put(b, s, strlen(s));
}

/* s as a JSON string. */
static void put_json(struct str *b, const char *s)
{
	put(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		if (c == '"' || c == '\\') {
			esc[0] = '\\', esc[1] = (char)c;
			put(b, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(b, esc, 6);
		} else {
			put(b, (const char *)&c, 1);
		}
	}
	put(b, "\"", 1);
}

/* Port names become Python strings and the plugin's lines: keep them plain. */
static int port_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-' || *s == '.'))
			return 0;
	return 1;
}

/* The lines "port<TAB>segment<TAB>type" of the plugin's inputs/outputs
 * setting, and the derived declarations. */
static int ports(struct sluice_pipeline *pl, struct pl_stage *st, int outputs, struct pydesc *pd,
		 struct str *spec)
{
	struct pl_port *ports = outputs ? st->outputs : st->inputs;
	int n = outputs ? st->noutputs : st->ninputs;

	for (int i = 0; i < n; i++) {
		int ti = sluice__pl_find_topic(pl, ports[i].topic);

		if (!*ports[i].port || !port_ok(ports[i].port))
			return sluice__pl_fail_at(pl, ports[i].pos,
				       "port \"%s\" of python stage %s: use letters, digits, '_', "
				       "'-' and '.'",
				       ports[i].port, st->name);
		if (ti < 0)
			return sluice__pl_fail_at(pl, ports[i].pos, "unknown topic \"%s\"", ports[i].topic);
		const struct pl_topic *t = &pl->topics[ti];

		puts_(spec, ports[i].port);
		puts_(spec, "\t");
		puts_(spec, t->seg);
		puts_(spec, "\t");
		puts_(spec, t->type);
		puts_(spec, "\n");
		if (outputs)
			pd->out[i] = (struct sluice_output_decl){ports[i].port, t->type,
								 "an output of the Python file", NULL};
		else
			pd->in[i] = (struct sluice_input_decl){ports[i].port, t->type,
							       "an input of the Python file",
							       pd->d.inputs[0].on_message};
	}
	return 0;
}

/* The stage's own params, as the JSON object the plugin hands to Python. */
static void params_json(const struct pl_stage *st, struct str *b)
{
	puts_(b, "{");
	for (int i = 0; i < st->nparams; i++) {
		if (i)
			puts_(b, ", ");
		put_json(b, st->params[i].name);
		puts_(b, ": ");
		put_json(b, st->params[i].value);
	}
	puts_(b, "}");
}

static void free_settings(struct pl_stage *st)
{
	for (int k = 0; k < st->nparams; k++) {
		free((char *)st->params[k].name);
		free((char *)st->params[k].value);
	}
	st->nparams = 0;
}

int sluice__python_stage(struct sluice_pipeline *pl, struct pl_stage *st)
{
	const struct sluice_plugin_desc *base = sluice_plugin_descriptor(st->plugin);
	struct str spec[S_N] = {{0}};
	struct sluice_plugin *derived;
	struct pydesc *pd, *mine;
	char *real, hz[32];
	int rc;

	if (access(st->python_file, R_OK) != 0)
		return sluice__pl_fail_at(pl, st->python_pos, "stage %s: python file \"%s\": %s", st->name,
			       st->python_file, strerror(errno));
	if (base->n_inputs != 1 || !base->inputs || !base->inputs[0].on_message)
		return sluice__pl_fail_at(pl, st->pos, "stage %s: plugin %s is not sluice's python_stage",
			       st->name, st->plugin_name);
	if (st->ninputs == 0 && !(st->tick_hz > 0))
		return sluice__pl_fail_at(pl, st->pos,
			       "python stage %s has no inputs and no tick_hz: nothing would run it",
			       st->name);
	pd = calloc(1, sizeof(*pd));
	if (!pd)
		return -ENOMEM;
	pd->d = *base;
	rc = ports(pl, st, 0, pd, &spec[S_INPUTS]);
	if (!rc)
		rc = ports(pl, st, 1, pd, &spec[S_OUTPUTS]);
	if (rc)
		goto out;
	pd->d.inputs = pd->in;
	pd->d.n_inputs = (uint32_t)st->ninputs;
	pd->d.outputs = pd->out;
	pd->d.n_outputs = (uint32_t)st->noutputs;
	pd->d.tick_hz = st->tick_hz;
	pd->d.on_tick = st->tick_hz > 0 ? base->on_tick : NULL;

	/* Absolute, so that what the stage runs does not hang on a cwd. */
	real = realpath(st->python_file, NULL);
	puts_(&spec[S_FILE], real ? real : st->python_file);
	free(real);
	params_json(st, &spec[S_PARAMS]);
	snprintf(hz, sizeof(hz), "%.17g", st->tick_hz);
	puts_(&spec[S_TICK_HZ], hz);
	for (int k = 0; k < S_N; k++)
		if (spec[k].bad) {
			rc = -ENOMEM;
			goto out;
		}
	free_settings(st);
	for (int k = 0; k < S_N; k++) {
		st->params[k].name = strdup(setting_names[k]);
		st->params[k].value = spec[k].s ? spec[k].s : strdup("");
		spec[k].s = NULL;
		st->param_pos[k] = st->python_pos;
		st->nparams++;
		if (!st->params[k].name || !st->params[k].value)
			rc = -ENOMEM;
	}
	if (rc)
		goto out;
	mine = pd;
	rc = sluice__plugin_derive(st->plugin, &pd->d, pd, &derived);
	pd = NULL; /* the derived plugin's now, or freed */
	if (rc) {
		rc = sluice__pl_fail_at(pl, st->pos, "stage %s: %s", st->name, sluice_errdetail());
		goto out;
	}
	sluice_plugin_unref(st->plugin);
	st->plugin = derived;
	st->py = mine;
out:
	for (int k = 0; k < S_N; k++)
		free(spec[k].s);
	free(pd);
	return rc;
}

/* A Python output's topic carries the schema another stage's plugin
 * declares for the same type, so dict publishing and the tools work. */
void sluice__python_schemas(struct sluice_pipeline *pl)
{
	for (int i = 0; i < pl->nstages; i++) {
		struct pydesc *pd = pl->stages[i].py;

		for (uint32_t k = 0; pd && k < pd->d.n_outputs; k++)
			for (int j = 0; j < pl->nstages && !pd->out[k].schema; j++) {
				const struct sluice_plugin_desc *d;

				if (pl->stages[j].py || !pl->stages[j].plugin)
					continue;
				d = sluice_plugin_descriptor(pl->stages[j].plugin);
				for (uint32_t o = 0; o < d->n_outputs; o++)
					if (d->outputs[o].schema &&
					    !strcmp(d->outputs[o].msg_type, pd->out[k].msg_type))
						pd->out[k].schema = d->outputs[o].schema;
			}
	}
}
