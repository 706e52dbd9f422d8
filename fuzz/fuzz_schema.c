/* fuzz_schema.c - libFuzzer target for sluicec's schema parser and checks:
 * any text is parsed (includes disabled); a schema that is accepted is
 * also compiled to C, to exercise the generator on whatever passed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct schema s;
	char err[1024];

	memset(&s, 0, sizeof(s));
	s.no_includes = true;
	if (sc_parse(&s, "fuzz.fbs", (const char *)data, size, err, sizeof(err)) == 0)
		sc_gen_c(&s, "/dev/null", "fuzz", err, sizeof(err));
	sc_free_all();
	return 0;
}
