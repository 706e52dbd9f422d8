/* layout.h - the structs that live in shared memory, in one place, so the
 * layout fingerprint (layout.c) covers every one of them.
 *
 * Rules: fixed-width types only, no pointers (offsets instead), hot words in
 * their own 128-byte lines (two lines, for the adjacent-line prefetcher),
 * and everything another process may write is treated as untrusted. */
#ifndef SLUICE_SHM_LAYOUT_H
#define SLUICE_SHM_LAYOUT_H

#include <stdatomic.h>
#include <stdint.h>

#include "sluice/shm.h"

#define SLUICE_SHM_MAGIC       0x45434c53u /* "SLCE" in memory on little-endian */
#define SLUICE_SHM_MAGIC_SWAP  0x534c4345u /* the same, written by the other byte order */
#define SLUICE_SHM_ABI_VERSION 1u
#define SLUICE_BYTE_ORDER_MARK 0x01020304u
#define SLUICE_LINE            128

enum sluice_shm_state {
	SLUICE_SHM_STATE_INIT = 0,
	SLUICE_SHM_STATE_READY = 0x52454459u, /* "READ"-ish: not a value zero-fill makes */
};

/* At offset 0 of every segment.  magic, abi_version and fingerprint keep
 * these offsets forever, so any build can say why it refuses a segment. */
struct sluice_shm_header {
	uint32_t magic;
	uint32_t abi_version;
	uint64_t fingerprint;
	/* How the writing build looked, to explain a fingerprint mismatch. */
	uint32_t byte_order;
	uint16_t header_size;
	uint8_t pointer_size;
	uint8_t reserved0;
	_Atomic uint32_t state; /* READY is stored last, with release */
	uint32_t kind;
	uint64_t total_size;
	uint64_t payload_offset;
	uint64_t payload_size;
	int32_t owner_pid;
	uint32_t owner_uid;
	uint64_t owner_start;
	uint64_t created_ns;
	char name[SLUICE_SHM_NAME_MAX + 1];
};

/* Every field of sluice_shm_header, in order, for its fingerprint. */
#define SLUICE_SHM_HEADER_FIELDS(X)                                                                \
	X(struct sluice_shm_header, magic)                                                         \
	X(struct sluice_shm_header, abi_version)                                                   \
	X(struct sluice_shm_header, fingerprint)                                                   \
	X(struct sluice_shm_header, byte_order)                                                    \
	X(struct sluice_shm_header, header_size)                                                   \
	X(struct sluice_shm_header, pointer_size)                                                  \
	X(struct sluice_shm_header, state)                                                         \
	X(struct sluice_shm_header, kind)                                                          \
	X(struct sluice_shm_header, total_size)                                                    \
	X(struct sluice_shm_header, payload_offset)                                                \
	X(struct sluice_shm_header, payload_size)                                                  \
	X(struct sluice_shm_header, owner_pid)                                                     \
	X(struct sluice_shm_header, owner_uid)                                                     \
	X(struct sluice_shm_header, owner_start)                                                   \
	X(struct sluice_shm_header, created_ns)                                                    \
	X(struct sluice_shm_header, name)

/* Building blocks of layout fingerprints (layout.c); other parts with
 * shared structs of their own fingerprint them the same way. */
uint64_t sluice__fp_mix(uint64_t h, uint64_t v);
#define SLUICE_FP_STRUCT(h, T) h = sluice__fp_mix(sluice__fp_mix(h, sizeof(T)), _Alignof(T))
#define SLUICE_FP_FIELD(h, T, f)                                                                   \
	h = sluice__fp_mix(sluice__fp_mix(h, offsetof(T, f)), sizeof(((T *)0)->f))
/* The X for a field list (X(T, field) entries, kept beside each struct):
 * mixes one field into the local fingerprint variable h. */
#define SLUICE_FP_X(T, f) SLUICE_FP_FIELD(h, T, f);

#define SLUICE_SHM_PAYLOAD_OFFSET                                                                  \
	((sizeof(struct sluice_shm_header) + SLUICE_LINE - 1) / SLUICE_LINE * SLUICE_LINE)

/* A place to sleep: a futex word bumped on each wake-up, and how many sleep
 * on it, so a notifier makes a syscall only when someone sleeps. */
struct sluice_waitq {
	_Atomic uint32_t seq;
	_Atomic uint32_t waiters;
};

/* Every field of sluice_waitq, in order, for its fingerprint. */
#define SLUICE_WAITQ_FIELDS(X)                                                                     \
	X(struct sluice_waitq, seq)                                                                \
	X(struct sluice_waitq, waiters)

/* The payload of a SEQLOCK segment. */
struct sluice_seqlock_shared {
	_Alignas(SLUICE_LINE) _Atomic uint64_t seq; /* odd while a write is in progress */
	_Alignas(SLUICE_LINE) uint64_t value_size;  /* bytes, a multiple of 8 */
	uint64_t value_offset;                       /* from the payload's start */
	_Atomic int32_t writer_pid;
	uint32_t reserved0;
	_Atomic uint64_t writer_start;
	/* value words follow at value_offset */
};

/* Every field of sluice_seqlock_shared, in order, for its fingerprint. */
#define SLUICE_SEQLOCK_FIELDS(X)                                                                   \
	X(struct sluice_seqlock_shared, seq)                                                       \
	X(struct sluice_seqlock_shared, value_size)                                                \
	X(struct sluice_seqlock_shared, value_offset)                                              \
	X(struct sluice_seqlock_shared, writer_pid)                                                \
	X(struct sluice_seqlock_shared, writer_start)

/* The payload of a RING segment. */
struct sluice_ring_shared {
	/* Set by the creator before READY, never changed. */
	_Alignas(SLUICE_LINE) uint64_t slot_size;
	uint64_t capacity;
	uint64_t slots_offset;
	/* Written by the producer only. */
	_Alignas(SLUICE_LINE) _Atomic uint64_t head;
	/* Written by the consumer only. */
	_Alignas(SLUICE_LINE) _Atomic uint64_t tail;
	/* The consumer sleeps here for data, the producer for room. */
	_Alignas(SLUICE_LINE) struct sluice_waitq data_q;
	_Alignas(SLUICE_LINE) struct sluice_waitq space_q;
};

/* Every field of sluice_ring_shared, in order, for its fingerprint. */
#define SLUICE_RING_FIELDS(X)                                                                      \
	X(struct sluice_ring_shared, slot_size)                                                    \
	X(struct sluice_ring_shared, capacity)                                                     \
	X(struct sluice_ring_shared, slots_offset)                                                 \
	X(struct sluice_ring_shared, head)                                                         \
	X(struct sluice_ring_shared, tail)                                                         \
	X(struct sluice_ring_shared, data_q)                                                       \
	X(struct sluice_ring_shared, space_q)

#endif
