/* layout.c - the layout fingerprint (puzzle01): a hash of the size, alignment
 * and field offsets of every struct in shared memory, the byte order and the
 * pointer size.  The inputs are compile-time constants; two builds that
 * disagree on any of them (packing, field order, a changed type) get
 * different fingerprints and refuse each other's segments. */
#include <stddef.h>
#include <stdint.h>

#include "shm/layout.h"

static uint64_t mix(uint64_t h, uint64_t v)
{
	/* FNV-1a over the 8 bytes of v. */
	for (int i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

#define STRUCT(h, T) h = mix(mix(h, sizeof(T)), _Alignof(T))
#define FIELD(h, T, f) h = mix(mix(h, offsetof(T, f)), sizeof(((T *)0)->f))

uint64_t sluice_layout_fingerprint(void)
{
	const union {
		uint32_t word;
		uint8_t first;
	} order = {SLUICE_BYTE_ORDER_MARK};
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	h = mix(h, order.first);
	h = mix(h, sizeof(void *));

	STRUCT(h, struct sluice_shm_header);
	FIELD(h, struct sluice_shm_header, magic);
	FIELD(h, struct sluice_shm_header, abi_version);
	FIELD(h, struct sluice_shm_header, fingerprint);
	FIELD(h, struct sluice_shm_header, byte_order);
	FIELD(h, struct sluice_shm_header, header_size);
	FIELD(h, struct sluice_shm_header, pointer_size);
	FIELD(h, struct sluice_shm_header, state);
	FIELD(h, struct sluice_shm_header, kind);
	FIELD(h, struct sluice_shm_header, total_size);
	FIELD(h, struct sluice_shm_header, payload_offset);
	FIELD(h, struct sluice_shm_header, payload_size);
	FIELD(h, struct sluice_shm_header, owner_pid);
	FIELD(h, struct sluice_shm_header, owner_uid);
	FIELD(h, struct sluice_shm_header, owner_start);
	FIELD(h, struct sluice_shm_header, created_ns);
	FIELD(h, struct sluice_shm_header, name);

	STRUCT(h, struct sluice_waitq);
	FIELD(h, struct sluice_waitq, seq);
	FIELD(h, struct sluice_waitq, waiters);

	STRUCT(h, struct sluice_seqlock_shared);
	FIELD(h, struct sluice_seqlock_shared, seq);
	FIELD(h, struct sluice_seqlock_shared, value_size);
	FIELD(h, struct sluice_seqlock_shared, value_offset);
	FIELD(h, struct sluice_seqlock_shared, writer_pid);
	FIELD(h, struct sluice_seqlock_shared, writer_start);

	STRUCT(h, struct sluice_ring_shared);
	FIELD(h, struct sluice_ring_shared, slot_size);
	FIELD(h, struct sluice_ring_shared, capacity);
	FIELD(h, struct sluice_ring_shared, slots_offset);
	FIELD(h, struct sluice_ring_shared, head);
	FIELD(h, struct sluice_ring_shared, tail);
	FIELD(h, struct sluice_ring_shared, data_q);
	FIELD(h, struct sluice_ring_shared, space_q);
	return h;
}
