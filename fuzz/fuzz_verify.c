/* fuzz_verify.c - libFuzzer target for the verifier: any input is run
 * through the generated zoo.Animal verifier and the runtime's verifier
 * driven by the .bfbs that sluicec builds in memory (what sluicec --json
 * uses), which must agree; an accepted input is then read in full (the
 * generated readers and the JSON printer touch every field), which must
 * stay inside the input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bfbs.h"
#include "schema.h"
#include "zoo_sluice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct schema schema;
static uint8_t *sbfbs; /* the .bfbs sluicec builds from zoo.fbs */
static size_t sbfbs_len;
static FILE *sink;

static void init(void)
{
	char err[1024];

	if (sink)
		return;
	if (sc_parse_file(&schema, ZOO_FBS, err, sizeof(err)) != 0 ||
	    sc_bfbs_json(&schema, &sbfbs, &sbfbs_len, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	sink = fopen("/dev/null", "w");
}

static int to_sink(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	return fwrite(text, 1, len, sink) == len ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sluice_fb_verify_opts o = {0, 10000, NULL, false};
	uint8_t *copy;
	int a, b;

	init();
	/* an exact-size copy, so a read past the end is caught */
	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	a = zoo_Animal_verify_root(copy, size, &o);
	b = sluice_fb_json_verify(sbfbs, sbfbs_len, NULL, copy, size, &o);
	if ((a == 0) != (b == 0))
		abort(); /* the two verifiers disagree */
	if (a == 0 && size >= 8) {
		/* generated readers over everything the verifier accepted */
		const uint8_t *r = zoo_Animal_as_root(copy);
		uint32_t i, n = zoo_Animal_tags_len(r);
		volatile uint64_t acc = zoo_Animal_age(r) + zoo_Animal_name_len(r);

		for (i = 0; i < n; i++)
			acc += zoo_Tag_weight(zoo_Animal_tags_at(r, i));
		(void)acc;
		/* bounded tables keep a shared subtree from printing forever */
		if (size < 4096) {
			static char json[1 << 16];
			size_t blen;
			const uint8_t *bfbs = sluice_bfbs_zoo(&blen);

			/* as sluicec --json prints: its own .bfbs, the runtime printer */
			if (sluice_fb_json_print(sbfbs, sbfbs_len, NULL, copy, size, &o, to_sink,
						 NULL))
				abort();
			/* and driven by the .bfbs embedded in the generated header */
			if (sluice_fb_json_print_buffer(bfbs, blen, NULL, copy, size, &o, json,
							sizeof(json), NULL) == -SLUICE_EFBSCHEMA)
				abort();
		}
	}
	free(copy);
	return 0;
}
