/* fuzz_mcap.c - libFuzzer target for the MCAP reader: any input is read as
 * a recording, whole and as a cut-off one (SLUICE_MCAP_PARTIAL), visiting
 * every record.  A recording is untrusted input: it must be refused with a
 * reason or read without touching a byte outside what it is given. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touches every byte a record points at, so the sanitizer sees each read. */
static int touch(const struct sluice_mcap_rec *r, void *arg)
{
	uint64_t *sum = arg;
	const unsigned char *p = r->data;

	for (uint64_t i = 0; p && i < r->len && r->kind != SLUICE_MCAP_CHUNK; i++)
		*sum += p[i];
	for (uint32_t i = 0; i < r->name.len; i++)
		*sum += (unsigned char)r->name.p[i];
	for (uint32_t i = 0; i < r->encoding.len; i++)
		*sum += (unsigned char)r->encoding.p[i];
	if (r->kind == SLUICE_MCAP_METADATA) {
		struct sluice_mcap_str v;
		if (sluice_mcap_map_get(r->data, r->len, "x", &v))
			*sum += v.len;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sluice_mcap_result res;
	uint64_t sum = 0;
	/* a heap copy of exactly size bytes, so any overread is caught */
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	int rc = sluice_mcap_scan(copy, size, 0, touch, &sum, &res);
	if (rc != 0 && rc != -EBADMSG && rc != -ENOTSUP && rc != -ENOMEM)
		abort();
	if (rc == 0 && !res.complete)
		abort(); /* a whole read must be of a complete file */
	rc = sluice_mcap_scan(copy, size, SLUICE_MCAP_PARTIAL, touch, &sum, &res);
	if (rc != 0 && rc != -EBADMSG && rc != -ENOTSUP && rc != -ENOMEM)
		abort();
	free(copy);
	return 0;
}
