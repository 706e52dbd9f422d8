/* sub.h - the subscriber's private state, shared with the wait-set. */
#ifndef SLUICE_CHANNEL_SUB_H
#define SLUICE_CHANNEL_SUB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "channel/chan.h"

struct sluice_sub {
	struct chan_geom g;
	struct chan_subrec *rec;
	uint64_t cursor;    /* next sequence to read */
	uint64_t head_seen; /* publisher's head, last read */
	uint64_t delivered, lost, lost_pending;
	uint64_t last_liveness_ns;
	/* The publisher last seen alive (at open, or since): a pub_pid that
	 * names no live process while this one lives was written by someone
	 * else, not left by a death. */
	struct sluice_proc_id pub_id;
	bool pub_known;
	/* When pub_id was last proven alive (a /proc read, microseconds):
	 * a take(0) that finds nothing reads /proc again only after
	 * CHAN_LIVENESS_NS, the cadence of a waiting take. */
	uint64_t pub_alive_ns;
	/* A head (or our cursor beside it) that no publisher makes, seen and
	 * not trusted; reported by the next take that finds nothing, unless a
	 * message came since (the cursor moved on from foreign_at). */
	uint8_t foreign; /* 0, FOREIGN_HEAD or FOREIGN_CURSOR */
	uint64_t foreign_head, foreign_cursor, foreign_at;
	uint32_t off_hint; /* where the last message began: the next likely does */
	uint32_t spin_ns;  /* the spin asked for (or the default) */
	uint32_t spin_cur; /* the spin used now: spin_ns, or less while it does not pay */
	bool spin_adapt;   /* the default spin adapts; one asked for is kept */
	bool busy;
	bool viewing;
	char name[SLUICE_SHM_NAME_MAX + 1];
};

/* a is after b, in sequence space (wraps at 2^64). */
static inline bool sluice__seq_after(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) > 0;
}

bool sluice__sub_has_data_slow(struct sluice_sub *s, struct chan_slot *slot);

/* The stamp of the message a take would return next, for a wait-set's
 * spin (a hint only: a lossy publisher may be rewriting it). */
static inline uint64_t sluice__sub_next_stamp(struct sluice_sub *s)
{
	return atomic_load_explicit(&chan_slot(&s->g, s->cursor)->stamp_ns,
				    memory_order_relaxed);
}

/* After a wait that began at t0 ended with a message stamped `stamp`: would
 * a full spin have caught it?  Then spin in full next time; if not, halve
 * the spin, down to none.  A subscriber whose messages come further apart
 * than its spin stops burning a CPU for nothing on every message, which on
 * a machine with fewer CPUs than subscribers delays the others (eight
 * subscribers spinning 20 us on two CPUs use 160 us of CPU per message);
 * one whose messages come within the spin keeps it.  Only the default
 * spin adapts: a spin_ns asked for is used as given.  The stamp is the
 * publisher's: a wrong one only changes how long this side spins. */
static inline uint32_t sluice__spin_after(uint32_t cur, uint32_t full, uint64_t t0,
					   uint64_t stamp)
{
	if (stamp <= t0 || stamp - t0 <= full)
		return full;
	return cur > CHAN_MIN_SPIN_NS ? cur / 2 : 0;
}

static inline void sluice__sub_adapt_spin(struct sluice_sub *s, uint64_t t0, uint64_t stamp)
{
	if (s->spin_adapt)
		s->spin_cur = sluice__spin_after(s->spin_cur, s->spin_ns, t0, stamp);
}

/* A message is readable now.  Inline: a busy-polling subscriber runs this
 * in its loop, and a lossless topic's answer is one load. */
static inline bool sluice__sub_has_data(struct sluice_sub *s)
{
	if (sluice__seq_after(s->head_seen, s->cursor))
		return true;
	/* The next slot itself says whether our sequence is committed (see
	 * chan.h): a waiting subscriber polls that one line, which take reads
	 * anyway, and leaves the head's line to the publisher. */
	struct chan_slot *slot = chan_slot(&s->g, s->cursor);

	/* Ask for the message's first line together with the header's: its
	 * address must not wait for the header's offset, or the two cross-core
	 * misses happen one after the other.  A prefetch is no load: it orders
	 * nothing and never faults. */
	__builtin_prefetch(chan_slot_data(slot) + s->off_hint, 0, 3);
	if (s->g.delivery == SLUICE_LOSSLESS) {
		uint64_t seq = atomic_load_explicit(&slot->seq, memory_order_acquire);

		if (seq == s->cursor) {
			s->head_seen = s->cursor + 1;
			return true;
		}
		if (!sluice__seq_after(seq, s->cursor))
			return false; /* not yet */
	}
	return sluice__sub_has_data_slow(s, slot);
}

static inline bool sluice__sub_evicted(const struct sluice_sub *s)
{
	return atomic_load_explicit(&s->rec->state, memory_order_relaxed) != CHAN_SUB_ACTIVE;
}
/* -SLUICE_EEVICTED, -SLUICE_EOWNERDEAD (publisher gone, nothing left),
 * -SLUICE_ECORRUPT (the publisher's state is one no publisher writes, and
 * nothing is left), or 0.  Also rereads the head, so that a slot whose
 * header a foreign write set back does not hold the subscriber. */
int sluice__sub_check_gone(struct sluice_sub *s);

#define WAITSET_MAX 64

/* A wait-set (waitset.c); here so that the tests can see its spin. */
struct sluice_waitset {
	struct sluice_sub *subs[WAITSET_MAX];
	int n;
	int next; /* round-robin start, so one busy topic cannot starve the rest */
	/* When a look for gone publishers (a /proc read each) was last due:
	 * a wait makes one at most every CHAN_LIVENESS_NS, as a subscriber's
	 * take does, not on every call (a stage waits once per message). */
	uint64_t last_gone_check;
	/* The spin before sleeping: CHAN_DEFAULT_SPIN_NS, halved down to none
	 * while messages come later than that (as a subscriber's, sub.h). */
	uint32_t spin_cur;
};

/* The index of a wait-set member with a message (or evicted), else -1: one
 * load per member, for a caller that spins (sluice_waitset_wait(ws, 0)
 * also asks /proc whether each publisher lives, far too slow to spin on). */
int sluice__waitset_poll(struct sluice_waitset *ws);

#endif
