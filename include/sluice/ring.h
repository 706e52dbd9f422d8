/* sluice/ring.h - a lock-free single-producer single-consumer ring of
 * fixed-size slots in shared memory (seed 1.4, ex05).
 *
 * Indices are 64-bit and only grow; each side keeps a private copy of the
 * other side's index and rereads the shared one only when the ring looks full
 * (producer) or empty (consumer), so the hot path touches one shared line.
 * Exactly one process produces and one consumes; either may create the ring.
 * A waiting side spins briefly, then sleeps on a futex in the mapping; the
 * other side makes a syscall only when someone sleeps. */
#ifndef SLUICE_RING_H
#define SLUICE_RING_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/shm.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sluice_ring;

enum sluice_ring_flags {
	SLUICE_RING_BUSY_POLL = 1 << 0, /* waits spin until the timeout, never sleep */
};

struct sluice_ring_opts {
	struct sluice_shm_opts shm;
	unsigned flags;       /* enum sluice_ring_flags */
	uint32_t spin_ns;     /* spin this long before sleeping; 0 = default */
	uint64_t start_index; /* create: first index (tests start near UINT64_MAX) */
};

/* Default spin before sleeping: about a sleeping wake-up's cost on a VM. */
#define SLUICE_RING_DEFAULT_SPIN_NS 20000u

/* Creates a ring of `capacity` slots (a power of two) of slot_size bytes. */
int sluice_ring_create(const char *name, size_t slot_size, uint64_t capacity,
		       const struct sluice_ring_opts *opts, struct sluice_ring **out);

/* Opens an existing ring; opts may be NULL. */
int sluice_ring_open(const char *name, const struct sluice_ring_opts *opts,
		     struct sluice_ring **out);

void sluice_ring_close(struct sluice_ring *r);

size_t sluice_ring_slot_size(const struct sluice_ring *r);
uint64_t sluice_ring_capacity(const struct sluice_ring *r);

/* --- producer --------------------------------------------------------- */

/* Copies one message of slot_size bytes in; -EAGAIN if the ring is full. */
int sluice_ring_push(struct sluice_ring *r, const void *msg);

/* Copies up to n contiguous messages in; returns how many (0 if full). */
size_t sluice_ring_push_batch(struct sluice_ring *r, const void *msgs, size_t n);

/* Zero copy: up to `want` free slots that are contiguous in memory; *slots
 * points at the first.  Returns how many (0 if full).  Nothing is visible to
 * the consumer until sluice_ring_commit(). */
size_t sluice_ring_reserve(struct sluice_ring *r, size_t want, void **slots);
void sluice_ring_commit(struct sluice_ring *r, size_t n);

/* Waits until at least one slot is free: 0, or -ETIMEDOUT after timeout_ns
 * (negative: no limit). */
int sluice_ring_wait_writable(struct sluice_ring *r, int64_t timeout_ns);

/* push, waiting up to timeout_ns for room. */
int sluice_ring_push_wait(struct sluice_ring *r, const void *msg, int64_t timeout_ns);

/* --- consumer --------------------------------------------------------- */

/* Copies one message out; -EAGAIN if the ring is empty. */
int sluice_ring_pop(struct sluice_ring *r, void *out);

/* Copies up to max messages out; returns how many (0 if empty). */
size_t sluice_ring_pop_batch(struct sluice_ring *r, void *out, size_t max);

/* Zero copy: up to max readable slots contiguous in memory; *slots points
 * at the first.  They stay valid until sluice_ring_release(). */
size_t sluice_ring_peek(struct sluice_ring *r, size_t max, const void **slots);
void sluice_ring_release(struct sluice_ring *r, size_t n);

/* Waits until at least one message is readable: 0, or -ETIMEDOUT. */
int sluice_ring_wait_readable(struct sluice_ring *r, int64_t timeout_ns);

/* pop, waiting up to timeout_ns for a message. */
int sluice_ring_pop_wait(struct sluice_ring *r, void *out, int64_t timeout_ns);

#ifdef __cplusplus
}
#endif
#endif
