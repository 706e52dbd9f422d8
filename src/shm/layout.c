/* layout.c - the layout fingerprint (puzzle01): a hash of the size, alignment
 * and field offsets of every struct in shared memory, the byte order and the
 * pointer size.  The inputs are compile-time constants; two builds that
 * disagree on any of them (packing, field order, a changed type) get
 * different fingerprints and refuse each other's segments. */
#include <stddef.h>
#include <stdint.h>

#include "shm/layout.h"

uint64_t sluice__fp_mix(uint64_t h, uint64_t v)
{
	/* FNV-1a over the 8 bytes of v. */
	for (int i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}



uint64_t sluice_layout_fingerprint(void)
{
	const union {
		uint32_t word;
		uint8_t first;
	} order = {SLUICE_BYTE_ORDER_MARK};
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	h = sluice__fp_mix(h, order.first);
	h = sluice__fp_mix(h, sizeof(void *));

	SLUICE_FP_STRUCT(h, struct sluice_shm_header);
	SLUICE_SHM_HEADER_FIELDS(SLUICE_FP_X)

	SLUICE_FP_STRUCT(h, struct sluice_waitq);
	SLUICE_WAITQ_FIELDS(SLUICE_FP_X)

	SLUICE_FP_STRUCT(h, struct sluice_seqlock_shared);
	SLUICE_SEQLOCK_FIELDS(SLUICE_FP_X)

	SLUICE_FP_STRUCT(h, struct sluice_ring_shared);
	SLUICE_RING_FIELDS(SLUICE_FP_X)
	return h;
}
