/* fuzz_pipeline.c - libFuzzer target for the pipeline checker: any bytes
 * the loader accepts are checked against real plugins (the runtime tests'
 * t_source, t_relay and t_sink and the loader tests' accum, built by
 * scripts/fuzz.sh into the only directory searched).  A plugin named by a
 * path is not loaded: the fuzzer must not dlopen what it finds on the
 * disk.  Errors must name fuzz.yaml:line:col; an accepted pipeline must
 * have every port bound to a plugin port and a topic with one producer. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/internal.h"
#include "runtime/model.h"
#include "sluice/error.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char file[] = "fuzz.yaml";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* only the compiled-in directory; plugins stay loaded between runs */
	setenv("SLUICE_PLUGIN_PATH", "", 1);
	setenv("SLUICE_NO_DLCLOSE", "1", 1);
	return 0;
}

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

static void check_bound(const struct sluice_pipeline *pl, int si, int outputs)
{
	const struct pl_stage *st = &pl->stages[si];
	const struct sluice_plugin_desc *d = sluice_plugin_descriptor(st->plugin);
	const struct pl_port *ports = outputs ? st->outputs : st->inputs;
	int n = outputs ? st->noutputs : st->ninputs;
	uint32_t nd = outputs ? d->n_outputs : d->n_inputs;

	for (int i = 0; i < n; i++) {
		const struct pl_port *p = &ports[i];

		if (p->index < 0 || (uint32_t)p->index >= nd || p->topic_index < 0 ||
		    p->topic_index >= pl->ntopics)
			abort();
		if (strcmp(p->topic, pl->topics[p->topic_index].name) != 0)
			abort();
		if (outputs && pl->topics[p->topic_index].producer != si)
			abort();
		if (!outputs && pl->topics[p->topic_index].producer < 0)
			abort();
	}
	/* every declared input is fed */
	if (!outputs && (uint32_t)n < nd)
		abort();
}

static int safe_names(const struct sluice_pipeline *pl)
{
	for (int i = 0; i < pl->nstages; i++)
		if (strchr(pl->stages[i].plugin_name, '/'))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sluice_pipeline *pl = calloc(1, sizeof(*pl));
	int rc;

	if (!pl)
		return 0;
	pl->file = strdup(file);
	rc = sluice__pipeline_parse_text(file, (const char *)data, size, pl);
	if (rc == 0 && safe_names(pl)) {
		if (!pl->name)
			pl->name = strdup("fuzz");
		rc = sluice__pipeline_check(pl);
		if (rc == 0) {
			for (int i = 0; i < pl->nstages; i++) {
				if (!pl->stages[i].plugin)
					abort();
				check_bound(pl, i, 1);
				check_bound(pl, i, 0);
			}
		} else if (rc == -SLUICE_EPIPELINE) {
			check_detail();
		} else if (rc != -ENOMEM) {
			abort();
		}
	}
	sluice_pipeline_free(pl);
	return 0;
}
