/* fuzz_chan_scribble.c - libFuzzer target for a topic's publisher and
 * subscriber against a writer that scribbles on the shared memory between
 * their calls (tests/channel/chan_scribble.h says what must hold). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "chan_scribble.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[64];
	const char *bad;

	snprintf(name, sizeof(name), "/sluice-fuzz-%d-chan", (int)getpid());
	bad = scribble_run(name, data, size);
	if (bad) {
		fprintf(stderr, "fuzz_chan_scribble: %s\n", bad);
		abort();
	}
	return 0;
}
