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
	SLUICE_FP_FIELD(h, struct sluice_shm_header, magic);
	SLUICE_FP_FIELD(h, struct sluice_shm_header, abi_version);
	SLUICE_FP_FIELD(h, struct sluice_shm_header, fingerprint);
	SLUICE_FP_FIELD(h, struct sluice_shm_header, byte_order);
	SLUICE_FP_FIELD(h, struct sluice_shm_header, header_size);
	SLUICE_FP_FIELD(h, struct sluice_shm_header, pointer_size);
	SLUICE_FP_FIELD(h, struct sluice_shm_header, state);
	SLUICE_FP_FIELD(h, struct sluice_shm_header, kind);
	SLUICE_FP_FIELD(h, struct sluice_shm_header, total_size);
	SLUICE_FP_FIELD(h, struct sluice_shm_header, payload_offset);
	SLUICE_FP_FIELD(h, struct sluice_shm_header, payload_size);
	SLUICE_FP_FIELD(h, struct sluice_shm_header, owner_pid);
	SLUICE_FP_FIELD(h, struct sluice_shm_header, owner_uid);
	SLUICE_FP_FIELD(h, struct sluice_shm_header, owner_start);
	SLUICE_FP_FIELD(h, struct sluice_shm_header, created_ns);
	SLUICE_FP_FIELD(h, struct sluice_shm_header, name);

	SLUICE_FP_STRUCT(h, struct sluice_waitq);
	SLUICE_FP_FIELD(h, struct sluice_waitq, seq);
	SLUICE_FP_FIELD(h, struct sluice_waitq, waiters);

	SLUICE_FP_STRUCT(h, struct sluice_seqlock_shared);
	SLUICE_FP_FIELD(h, struct sluice_seqlock_shared, seq);
	SLUICE_FP_FIELD(h, struct sluice_seqlock_shared, value_size);
	SLUICE_FP_FIELD(h, struct sluice_seqlock_shared, value_offset);
	SLUICE_FP_FIELD(h, struct sluice_seqlock_shared, writer_pid);
	SLUICE_FP_FIELD(h, struct sluice_seqlock_shared, writer_start);

	SLUICE_FP_STRUCT(h, struct sluice_ring_shared);
	SLUICE_FP_FIELD(h, struct sluice_ring_shared, slot_size);
	SLUICE_FP_FIELD(h, struct sluice_ring_shared, capacity);
	SLUICE_FP_FIELD(h, struct sluice_ring_shared, slots_offset);
	SLUICE_FP_FIELD(h, struct sluice_ring_shared, head);
	SLUICE_FP_FIELD(h, struct sluice_ring_shared, tail);
	SLUICE_FP_FIELD(h, struct sluice_ring_shared, data_q);
	SLUICE_FP_FIELD(h, struct sluice_ring_shared, space_q);
	return h;
}
