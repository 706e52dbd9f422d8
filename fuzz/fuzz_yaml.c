/* fuzz_yaml.c - libFuzzer target for the pipeline file loader: any bytes
 * are parsed as a pipeline file from memory.  It must return 0 or a
 * pipeline error that names fuzz.yaml:line:col, and what it accepts must
 * have the shape the checker relies on. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/model.h"
#include "sluice/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char file[] = "fuzz.yaml";

/* "fuzz.yaml:L:C: ..." with L and C at least 1. */
static void check_detail(void)
{
	const char *d = sluice_errdetail();
	int line = 0, col = 0, n = 0;

	if (strncmp(d, file, strlen(file)) != 0 ||
	    sscanf(d + strlen(file), ":%d:%d: %n", &line, &col, &n) != 2 || n == 0 || line < 1 ||
	    col < 1) {
		fprintf(stderr, "error without file:line:col: \"%s\"\n", d);
		abort();
	}
}

static void check_pos(struct pl_pos p)
{
	if (p.line < 1 || p.col < 1)
		abort();
}

static void check_ports(const struct pl_port *ports, int n)
{
	if (n < 0 || n > PL_MAX_PORTS)
		abort();
	for (int i = 0; i < n; i++) {
		if (!ports[i].port || !*ports[i].port || !ports[i].topic || !*ports[i].topic)
			abort();
		check_pos(ports[i].pos);
	}
}

static void check_model(const struct sluice_pipeline *pl)
{
	if (pl->nstages < 1 || pl->nstages > PL_MAX_STAGES || pl->ntopics < 0 ||
	    pl->ntopics > PL_MAX_TOPICS)
		abort();
	for (int i = 0; i < pl->ntopics; i++) {
		const struct pl_topic *t = &pl->topics[i];

		if (!t->name || !t->type || !*t->type || t->slots == 0 ||
		    (t->slots & (t->slots - 1)) || t->slot_size == 0)
			abort();
		for (int j = 0; j < i; j++)
			if (!strcmp(pl->topics[j].name, t->name))
				abort();
		check_pos(t->pos);
	}
	for (int i = 0; i < pl->nstages; i++) {
		const struct pl_stage *st = &pl->stages[i];

		if (!st->name || !st->plugin_name || !*st->plugin_name || st->nparams < 0 ||
		    st->nparams > PL_MAX_PARAMS)
			abort();
		for (int k = 0; k < st->nparams; k++)
			if (!st->params[k].name || !st->params[k].value)
				abort();
		check_ports(st->inputs, st->ninputs);
		check_ports(st->outputs, st->noutputs);
		check_pos(st->pos);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sluice_pipeline *pl = calloc(1, sizeof(*pl));
	int rc;

	if (!pl)
		return 0;
	pl->file = strdup(file);
	rc = sluice__pipeline_parse_text(file, (const char *)data, size, pl);
	if (rc == 0)
		check_model(pl);
	else if (rc == -SLUICE_EPIPELINE)
		check_detail();
	else if (rc != -ENOMEM)
		abort();
	sluice_pipeline_free(pl);
	return 0;
}
