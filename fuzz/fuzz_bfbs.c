/* fuzz_bfbs.c - libFuzzer target for binary schemas: any input is taken as
 * a .bfbs and a fixed, valid zoo.Animal message is printed through it.
 * A schema from shared memory is untrusted: it must be refused or used
 * without reading outside the schema or the message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/fb.h"
#include "zoo_sluice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t msg[256];
static sluice_fb_msg m;

static void init(void)
{
	sluice_fb_builder b;
	sluice_fb_ref n, t, v;

	if (m.length)
		return;
	sluice_fb_builder_init(&b, msg, sizeof(msg));
	n = sluice_fb_cstring(&b, "tag");
	zoo_Tag_start(&b);
	zoo_Tag_add_name(&b, n);
	zoo_Tag_add_weight(&b, 3);
	t = zoo_Tag_end(&b);
	v = zoo_Animal_create_tags(&b, &t, 1);
	n = sluice_fb_cstring(&b, "fuzz");
	zoo_Animal_start(&b);
	zoo_Animal_add_name(&b, n);
	zoo_Animal_add_tags(&b, v);
	zoo_Animal_add_age(&b, 5);
	if (zoo_Animal_finish(&b, zoo_Animal_end(&b), &m))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char json[1 << 16];
	uint8_t *copy;

	init();
	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	sluice_fb_json_print_buffer(copy, size, NULL, msg + m.offset, m.length, NULL, json,
				    sizeof(json), NULL);
	free(copy);
	return 0;
}
