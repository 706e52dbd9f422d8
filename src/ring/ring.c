/* ring.c - lock-free SPSC ring of fixed-size slots in a segment (ring.h).
 *
 * head (producer) and tail (consumer) are 64-bit counters that only grow;
 * slot i lives at i & mask, so wrap-around needs no special case.  Each side
 * keeps the other's counter in process-local memory and rereads the shared
 * one only when the ring looks full or empty: in steady streaming each side
 * touches the other's cache line once per batch, not once per message. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/detail.h"
#include "shm/layout.h"
#include "shm/waitq.h"
#include "sluice/ring.h"

/* Keep slot arithmetic far from overflow. */
#define MAX_CAPACITY (UINT64_C(1) << 32)
#define MAX_SLOT     (UINT64_C(1) << 30)

struct sluice_ring {
	struct sluice_shm *shm;
	struct sluice_ring_shared *sh;
	unsigned char *slots;
	/* Copied from the header once at open, then trusted: another process
	 * can rewrite the mapping, not these. */
	size_t slot_size;
	uint64_t capacity;
	uint64_t mask;
	/* The producer's view. */
	uint64_t head;
	uint64_t tail_seen;
	/* The consumer's view. */
	uint64_t tail;
	uint64_t head_seen;
	uint32_t spin_ns;
	bool busy;
};

static size_t slots_offset(void)
{
	return (sizeof(struct sluice_ring_shared) + SLUICE_LINE - 1) / SLUICE_LINE * SLUICE_LINE;
}

static void set_opts(struct sluice_ring *r, const struct sluice_ring_opts *opts)
{
	r->spin_ns = opts && opts->spin_ns ? opts->spin_ns : SLUICE_RING_DEFAULT_SPIN_NS;
	r->busy = opts && (opts->flags & SLUICE_RING_BUSY_POLL);
}

static void load_cursors(struct sluice_ring *r)
{
	r->head = r->head_seen = atomic_load_explicit(&r->sh->head, memory_order_acquire);
	r->tail = r->tail_seen = atomic_load_explicit(&r->sh->tail, memory_order_acquire);
}

int sluice_ring_create(const char *name, size_t slot_size, uint64_t capacity,
		       const struct sluice_ring_opts *opts, struct sluice_ring **out)
{
	struct sluice_ring *r;
	uint64_t start = opts ? opts->start_index : 0;
	int rc;

	*out = NULL;
	if (capacity == 0 || capacity > MAX_CAPACITY || (capacity & (capacity - 1)))
		return sluice__fail(-EINVAL, "ring capacity %llu is not a power of two up to 2^32",
				    (unsigned long long)capacity);
	if (slot_size == 0 || slot_size > MAX_SLOT || capacity * slot_size > (UINT64_C(1) << 40))
		return sluice__fail(-EINVAL, "ring of %llu slots of %zu bytes is too large",
				    (unsigned long long)capacity, slot_size);
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	/* Round the slot stride up to 8 so every slot is 8-byte aligned. */
	size_t stride = (slot_size + 7) & ~(size_t)7;
	rc = sluice_shm_create(name, SLUICE_SHM_RING, slots_offset() + capacity * stride,
			       opts ? &opts->shm : NULL, &r->shm);
	if (rc) {
		free(r);
		return rc;
	}
	sluice__waitq_init();
	r->sh = sluice_shm_payload(r->shm);
	r->sh->slot_size = stride;
	r->sh->capacity = capacity;
	r->sh->slots_offset = slots_offset();
	atomic_store_explicit(&r->sh->head, start, memory_order_relaxed);
	atomic_store_explicit(&r->sh->tail, start, memory_order_relaxed);
	r->slots = (unsigned char *)r->sh + slots_offset();
	r->slot_size = stride;
	r->capacity = capacity;
	r->mask = capacity - 1;
	set_opts(r, opts);
	load_cursors(r);
	sluice_shm_publish(r->shm);
	*out = r;
	return 0;
}

int sluice_ring_open(const char *name, const struct sluice_ring_opts *opts,
		     struct sluice_ring **out)
{
	struct sluice_ring *r;
	uint64_t cap, slot, off;
	size_t psize;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	rc = sluice_shm_open(name, SLUICE_SHM_RING, opts ? &opts->shm : NULL, &r->shm);
	if (rc) {
		free(r);
		return rc;
	}
	sluice__waitq_init();
	r->sh = sluice_shm_payload(r->shm);
	psize = sluice_shm_payload_size(r->shm);
	if (psize < sizeof(*r->sh)) {
		rc = sluice__fail(-SLUICE_ECORRUPT, "%s: payload too small for a ring", name);
		goto fail;
	}
	cap = r->sh->capacity;
	slot = r->sh->slot_size;
	off = r->sh->slots_offset;
	if (cap == 0 || cap > MAX_CAPACITY || (cap & (cap - 1)) || slot == 0 || slot > MAX_SLOT ||
	    slot % 8 || off % 8 || off < sizeof(*r->sh) || off > psize ||
	    cap * slot > psize - off) {
		rc = sluice__fail(-SLUICE_ECORRUPT,
				  "%s: ring of %llu slots of %llu bytes at %llu does not fit %zu bytes",
				  name, (unsigned long long)cap, (unsigned long long)slot,
				  (unsigned long long)off, psize);
		goto fail;
	}
	r->slots = (unsigned char *)r->sh + off;
	r->slot_size = slot;
	r->capacity = cap;
	r->mask = cap - 1;
	set_opts(r, opts);
	load_cursors(r);
	*out = r;
	return 0;
fail:
	sluice_shm_close(r->shm);
	free(r);
	return rc;
}

void sluice_ring_close(struct sluice_ring *r)
{
	if (!r)
		return;
	sluice_shm_close(r->shm);
	free(r);
}

size_t sluice_ring_slot_size(const struct sluice_ring *r)
{
	return r->slot_size;
}

uint64_t sluice_ring_capacity(const struct sluice_ring *r)
{
	return r->capacity;
}

/* --- producer --------------------------------------------------------- */

/* Free slots, rereading the consumer's index only if fewer than `want`
 * look free.  A tail ahead of head (a broken peer) reads as full. */
static inline uint64_t free_slots(struct sluice_ring *r, uint64_t want)
{
	uint64_t used = r->head - r->tail_seen;

	if (used > r->capacity || r->capacity - used < want) {
		r->tail_seen = atomic_load_explicit(&r->sh->tail, memory_order_acquire);
		used = r->head - r->tail_seen;
		if (used > r->capacity)
			return 0;
	}
	return r->capacity - used;
}

size_t sluice_ring_reserve(struct sluice_ring *r, size_t want, void **slots)
{
	uint64_t n = free_slots(r, want);
	uint64_t to_end = r->capacity - (r->head & r->mask);

	if (n > want)
		n = want;
	if (n > to_end)
		n = to_end;
	*slots = r->slots + (r->head & r->mask) * r->slot_size;
	return (size_t)n;
}

void sluice_ring_commit(struct sluice_ring *r, size_t n)
{
	r->head += n;
	atomic_store_explicit(&r->sh->head, r->head, memory_order_release);
	sluice__waitq_notify(&r->sh->data_q);
}

int sluice_ring_push(struct sluice_ring *r, const void *msg)
{
	void *slot;

	if (!sluice_ring_reserve(r, 1, &slot))
		return -EAGAIN;
	memcpy(slot, msg, r->slot_size);
	sluice_ring_commit(r, 1);
	return 0;
}

size_t sluice_ring_push_batch(struct sluice_ring *r, const void *msgs, size_t n)
{
	const unsigned char *src = msgs;
	uint64_t start = r->head;
	size_t done = 0;

	/* At most two runs (before and after the wrap), published at once. */
	while (done < n) {
		void *slot;
		size_t k = sluice_ring_reserve(r, n - done, &slot);

		if (k == 0)
			break;
		memcpy(slot, src + done * r->slot_size, k * r->slot_size);
		r->head += k;
		done += k;
	}
	if (done) {
		r->head = start;
		sluice_ring_commit(r, done);
	}
	return done;
}

static bool ring_writable(void *arg)
{
	struct sluice_ring *r = arg;

	return free_slots(r, 1) > 0;
}

int sluice_ring_wait_writable(struct sluice_ring *r, int64_t timeout_ns)
{
	uint64_t now;

	if (free_slots(r, 1))
		return 0;
	now = sluice__now_ns();
	return sluice__waitq_wait(&r->sh->space_q, ring_writable, r, now + r->spin_ns,
				  sluice__deadline(now, timeout_ns), r->busy);
}

int sluice_ring_push_wait(struct sluice_ring *r, const void *msg, int64_t timeout_ns)
{
	int rc = sluice_ring_wait_writable(r, timeout_ns);

	return rc ? rc : sluice_ring_push(r, msg);
}

/* --- consumer --------------------------------------------------------- */

static inline uint64_t readable(struct sluice_ring *r)
{
	uint64_t avail = r->head_seen - r->tail;

	if (avail == 0 || avail > r->capacity) {
		r->head_seen = atomic_load_explicit(&r->sh->head, memory_order_acquire);
		avail = r->head_seen - r->tail;
		/* A head more than a ring ahead is a broken producer: the slots
		 * are still in bounds, so read at most one ring's worth. */
		if (avail > r->capacity)
			avail = r->capacity;
	}
	return avail;
}

size_t sluice_ring_peek(struct sluice_ring *r, size_t max, const void **slots)
{
	uint64_t n = readable(r);
	uint64_t to_end = r->capacity - (r->tail & r->mask);

	if (n > max)
		n = max;
	if (n > to_end)
		n = to_end;
	*slots = r->slots + (r->tail & r->mask) * r->slot_size;
	return (size_t)n;
}

void sluice_ring_release(struct sluice_ring *r, size_t n)
{
	r->tail += n;
	atomic_store_explicit(&r->sh->tail, r->tail, memory_order_release);
	sluice__waitq_notify(&r->sh->space_q);
}

int sluice_ring_pop(struct sluice_ring *r, void *out)
{
	const void *slot;

	if (!sluice_ring_peek(r, 1, &slot))
		return -EAGAIN;
	memcpy(out, slot, r->slot_size);
	sluice_ring_release(r, 1);
	return 0;
}

size_t sluice_ring_pop_batch(struct sluice_ring *r, void *out, size_t max)
{
	unsigned char *dst = out;
	size_t done = 0;

	while (done < max) {
		const void *slot;
		size_t k = sluice_ring_peek(r, max - done, &slot);

		if (k == 0)
			break;
		memcpy(dst + done * r->slot_size, slot, k * r->slot_size);
		r->tail += k;
		done += k;
	}
	if (done) {
		r->tail -= done;
		sluice_ring_release(r, done);
	}
	return done;
}

static bool ring_readable(void *arg)
{
	struct sluice_ring *r = arg;

	return readable(r) > 0;
}

int sluice_ring_wait_readable(struct sluice_ring *r, int64_t timeout_ns)
{
	uint64_t now;

	if (readable(r))
		return 0;
	now = sluice__now_ns();
	return sluice__waitq_wait(&r->sh->data_q, ring_readable, r, now + r->spin_ns,
				  sluice__deadline(now, timeout_ns), r->busy);
}

int sluice_ring_pop_wait(struct sluice_ring *r, void *out, int64_t timeout_ns)
{
	int rc = sluice_ring_wait_readable(r, timeout_ns);

	return rc ? rc : sluice_ring_pop(r, out);
}
