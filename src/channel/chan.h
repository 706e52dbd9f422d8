/* chan.h - a topic's layout in shared memory and what the publisher,
 * subscriber and introspection code share.
 *
 * Payload of a CHANNEL segment:
 *   header | subscriber records (one per 128-byte pair of lines) | slots | schema
 * A slot is a 64-byte header (version, sequence, stamp, offset, length) then
 * slot_size bytes of message.
 *
 * A slot's seq is the last sequence committed in it; creation sets it to the
 * sequence one lap before the slot's first, so a subscriber at cursor c knows
 * from the slot alone that c is committed (seq == c), not yet (seq before
 * c) or lapped (seq after c), and never reads the publisher's head while it
 * waits.  commit stores seq last, with release.
 *
 * version follows from the sequence alone: 2*seq+1 from loan to commit
 * (lossy topics), 2*seq+2 once committed, so that a lossy reader can tell a
 * slot that changed under it.  Lossless publishers never rewrite a slot a
 * live subscriber has not passed, so lossless readers ignore it.
 *
 * The mapping is untrusted (DESIGN.md): a foreign process may write any
 * field.  The publisher therefore never reads a slot header back to decide
 * what to write (every field of a slot follows from its own state), and
 * puts back its identity (pub_state, pub_pid, pub_start) once a lap; a
 * subscriber never waits on a slot whose header contradicts the head, and
 * reports a publisher state that cannot be as -SLUICE_ECORRUPT, never as
 * the end of the stream. */
#ifndef SLUICE_CHANNEL_CHAN_H
#define SLUICE_CHANNEL_CHAN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "shm/layout.h"
#include "sluice/channel.h"

#define CHAN_SLOT_HEADER 64
/* The slot protocol's version (2: slot seq primed a lap back, lossless
 * topics without version marks; 3: version derived from seq, written in
 * both modes, and a close mark); part of the layout fingerprint. */
#define CHAN_PROTOCOL 3
#define CHAN_MAX_SLOTS   (UINT64_C(1) << 24)
#define CHAN_MAX_SLOT    (UINT64_C(1) << 30)
/* A waiting side spins this long before it sleeps (see DESIGN.md: a
 * sleeping wake-up costs tens of microseconds on a VM). */
#define CHAN_DEFAULT_SPIN_NS 20000u
/* A spin halved below this is no spin (adapt_spin() in sub.c). */
#define CHAN_MIN_SPIN_NS 500u
/* How many slots ahead of the one taken a subscriber prefetches. */
#define CHAN_PREFETCH_AHEAD 2
/* A waiting subscriber looks for a dead publisher this often. */
#define CHAN_LIVENESS_NS 50000000u

enum chan_pub_state {
	CHAN_PUB_NONE = 0,   /* no publisher yet */
	CHAN_PUB_LIVE = 1,   /* pub_pid/pub_start name it */
	CHAN_PUB_CLOSED = 2, /* it left cleanly */
};

enum chan_sub_state {
	CHAN_SUB_FREE = 0,
	CHAN_SUB_CLAIMED = 1, /* being set up by a joining subscriber */
	CHAN_SUB_ACTIVE = 2,
	CHAN_SUB_EVICTED = 3, /* died; counters kept for introspection */
};

struct chan_header {
	/* Written by the creator before READY, then constant. */
	_Alignas(SLUICE_LINE) uint64_t layout_fp;
	uint64_t slot_size;
	uint64_t slot_stride;
	uint64_t slot_count;
	uint32_t max_subs;
	uint32_t delivery;
	uint64_t subs_offset;
	uint64_t slots_offset;
	uint64_t schema_offset;
	uint64_t schema_len;
	uint64_t base_seq;
	uint64_t schema_hash;
	char type_name[SLUICE_TYPE_NAME_MAX + 1];
	/* The publisher's hot word: the next sequence to commit. */
	_Alignas(SLUICE_LINE) _Atomic uint64_t head;
	/* Publisher identity and rarely written counters. */
	_Alignas(SLUICE_LINE) _Atomic uint32_t pub_state;
	_Atomic int32_t pub_pid;
	_Atomic uint64_t pub_start;
	/* The head at a clean close; a claim sets it to head - 1.  CLOSED is
	 * believed only with closed_at == head: one foreign write of
	 * pub_state cannot end the stream of a publisher that goes on. */
	_Atomic uint64_t closed_at;
	/* A second copy of pub_pid/pub_start: a foreign write to one of them
	 * makes a live publisher look dead only to nobody who checks both. */
	_Atomic int32_t pub_pid2;
	_Atomic uint64_t pub_start2;
	_Atomic uint64_t evicted;
	_Atomic uint32_t sub_epoch; /* bumped when a subscriber joins or leaves */
	/* Subscribers sleep here for data, the publisher for room. */
	_Alignas(SLUICE_LINE) struct sluice_waitq data_q;
	_Alignas(SLUICE_LINE) struct sluice_waitq space_q;
};

/* Every field of chan_header, in order, for its fingerprint. */
#define CHAN_HEADER_FIELDS(X)                                                                      \
	X(struct chan_header, layout_fp)                                                           \
	X(struct chan_header, slot_size)                                                           \
	X(struct chan_header, slot_stride)                                                         \
	X(struct chan_header, slot_count)                                                          \
	X(struct chan_header, max_subs)                                                            \
	X(struct chan_header, delivery)                                                            \
	X(struct chan_header, subs_offset)                                                         \
	X(struct chan_header, slots_offset)                                                        \
	X(struct chan_header, schema_offset)                                                       \
	X(struct chan_header, schema_len)                                                          \
	X(struct chan_header, base_seq)                                                            \
	X(struct chan_header, schema_hash)                                                         \
	X(struct chan_header, type_name)                                                           \
	X(struct chan_header, head)                                                                \
	X(struct chan_header, pub_state)                                                           \
	X(struct chan_header, pub_pid)                                                             \
	X(struct chan_header, pub_start)                                                           \
	X(struct chan_header, closed_at)                                                           \
	X(struct chan_header, pub_pid2)                                                            \
	X(struct chan_header, pub_start2)                                                          \
	X(struct chan_header, evicted)                                                             \
	X(struct chan_header, sub_epoch)                                                           \
	X(struct chan_header, data_q)                                                              \
	X(struct chan_header, space_q)

struct chan_slot {
	_Atomic uint64_t version;
	_Atomic uint64_t seq;
	_Atomic uint64_t stamp_ns;
	_Atomic uint32_t offset;
	_Atomic uint32_t len;
};

/* Every field of chan_slot, in order, for its fingerprint. */
#define CHAN_SLOT_FIELDS(X)                                                                        \
	X(struct chan_slot, version)                                                               \
	X(struct chan_slot, seq)                                                                   \
	X(struct chan_slot, stamp_ns)                                                              \
	X(struct chan_slot, offset)                                                                \
	X(struct chan_slot, len)

/* Written by its subscriber only (the publisher reads cursor). */
struct chan_subrec {
	_Alignas(SLUICE_LINE) _Atomic uint64_t cursor; /* next sequence to read */
	_Atomic uint64_t delivered;
	_Atomic uint64_t lost;
	_Atomic uint32_t state;
	_Atomic int32_t pid;
	_Atomic uint64_t start;
};

/* Every field of chan_subrec, in order, for its fingerprint. */
#define CHAN_SUBREC_FIELDS(X)                                                                      \
	X(struct chan_subrec, cursor)                                                              \
	X(struct chan_subrec, delivered)                                                           \
	X(struct chan_subrec, lost)                                                                \
	X(struct chan_subrec, state)                                                               \
	X(struct chan_subrec, pid)                                                                 \
	X(struct chan_subrec, start)

/* The topic's shape, copied out of the header once and validated: the
 * mapping is untrusted, these are not. */
struct chan_geom {
	struct sluice_shm *shm;
	struct chan_header *h;
	struct chan_subrec *subs;
	unsigned char *slots;
	const unsigned char *schema;
	uint64_t slot_size, stride, count, mask, base_seq, schema_len, schema_hash;
	uint32_t max_subs, delivery;
	char type_name[SLUICE_TYPE_NAME_MAX + 1];
};

static inline struct chan_slot *chan_slot(const struct chan_geom *g, uint64_t seq)
{
	return (struct chan_slot *)(g->slots + (seq & g->mask) * g->stride);
}

/* What a slot's version is while seq is loaned (odd) and once committed. */
static inline uint64_t chan_loan_version(uint64_t seq)
{
	return 2 * seq + 1;
}

static inline uint64_t chan_commit_version(uint64_t seq)
{
	return 2 * seq + 2;
}

static inline unsigned char *chan_slot_data(struct chan_slot *s)
{
	return (unsigned char *)s + CHAN_SLOT_HEADER;
}

uint64_t sluice__chan_layout_fp(void);

/* Message bodies from this size up are copied by sluice__chan_copy_large
 * (publish, take_copy); smaller ones by memcpy. */
#define CHAN_COPY_LARGE (UINT64_C(256) << 10)

void sluice__chan_copy_large(void *dst, const void *src, size_t len);

/* Copies a message body into or out of a slot. */
static inline void chan_copy(void *dst, const void *src, size_t len)
{
	if (len >= CHAN_COPY_LARGE)
		sluice__chan_copy_large(dst, src, len);
	else
		memcpy(dst, src, len);
}

/* Creates a topic segment from opts (READY on return); -EEXIST if it exists. */
int sluice__chan_create(const char *topic, const struct sluice_topic_opts *opts,
			struct chan_geom *g);

/* Opens and validates a topic.  type_name NULL skips the type check. */
int sluice__chan_attach(const char *topic, const struct sluice_shm_opts *shm_opts,
			const char *type_name, uint64_t schema_hash, struct chan_geom *g);

void sluice__chan_detach(struct chan_geom *g);

/* Whether no live publisher holds the topic: none yet, closed (pub_state
 * CLOSED with the close mark at head), or dead.  A CLOSED or unknown state
 * without the mark is judged by the recorded process's liveness.  *why, if
 * given, gets a word for the error detail. */
bool sluice__chan_pub_gone(const struct chan_geom *g, const char **why);

/* The publisher's identity: pub_pid/pub_start, or their copy where only
 * the copy names a live process (the other was written by someone else). */
struct sluice_proc_id sluice__chan_pub_id(const struct chan_geom *g);

#endif
