/* fuzz_json.c - libFuzzer target for the runtime JSON parser: any text is
 * parsed as a zoo.Animal through the embedded .bfbs into a small buffer
 * with a small scratch; whatever it accepts must verify and print back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zoo_sluice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[1 << 14], scratch[1 << 13];
	static char json[1 << 16];
	sluice_fb_builder b;
	sluice_fb_msg m;
	size_t blen;
	const uint8_t *bfbs = sluice_bfbs_zoo(&blen);
	char *text = malloc(size ? size : 1);

	memcpy(text, data, size);
	sluice_fb_builder_init(&b, buf, sizeof(buf));
	if (sluice_fb_json_parse(bfbs, blen, NULL, text, size, scratch, sizeof(scratch), &b, false,
				 &m) == 0) {
		sluice_fb_verify_opts o = {0, 10000, NULL, false};
		int rc;

		/* the .bfbs knows no nested_flatbuffer (flatc leaves that
		 * attribute out), so payload bytes are whatever the text said:
		 * the generated verifier may refuse those, nothing else */
		rc = zoo_Animal_verify_root(buf + m.offset, m.length, &o);
		if (rc != 0 && rc != -SLUICE_EFBTABLES && rc != -SLUICE_EFBDEPTH &&
		    !zoo_Animal_payload_is_present(zoo_Animal_as_root(buf + m.offset)))
			abort(); /* the parser built something invalid */
		rc = sluice_fb_json_print_buffer(bfbs, blen, NULL, buf + m.offset, m.length, &o, json,
						 sizeof(json), NULL);
		if (rc != 0 && rc != -SLUICE_EFBFULL && rc != -SLUICE_EFBTABLES && rc != -SLUICE_EFBDEPTH)
			abort();
	}
	free(text);
	return 0;
}
