/* sub.c - the subscriber side of a topic: join, take a view in place,
 * release it, count what was delivered and what was lost.
 *
 * A take reads the slot's version before the message and release rereads
 * it after: if the publisher (lossy) rewrote the slot in between, the view
 * was torn and release says so.  Lossless publishers never rewrite a slot
 * before every live subscriber's cursor has passed it, and the cursor moves
 * only at release, so a lossless view stays valid until released. */
#include <errno.h>
#include <linux/membarrier.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "channel/chan.h"
#include "channel/sub.h"
#include "common/detail.h"
#include "shm/waitq.h"

static int claim_record(struct sluice_sub *s, const char *topic)
{
	struct chan_geom *g = &s->g;
	struct sluice_proc_id self = sluice_proc_self();

	/* A free record first; an evicted one's counters are kept for
	 * introspection until nothing else is left. */
	for (int pass = 0; pass < 2; pass++) {
		uint32_t want = pass == 0 ? CHAN_SUB_FREE : CHAN_SUB_EVICTED;

		for (uint32_t i = 0; i < g->max_subs; i++) {
			uint32_t st = want;

			if (atomic_compare_exchange_strong(&g->subs[i].state, &st, CHAN_SUB_CLAIMED)) {
				s->rec = &g->subs[i];
				goto claimed;
			}
		}
	}
	/* Last, the place of a subscriber that died without being evicted
	 * (a lossy publisher never evicts anyone). */
	for (uint32_t i = 0; i < g->max_subs; i++) {
		struct chan_subrec *r = &g->subs[i];
		uint32_t st = CHAN_SUB_ACTIVE;
		struct sluice_proc_id id = {atomic_load_explicit(&r->pid, memory_order_relaxed),
					    atomic_load_explicit(&r->start, memory_order_relaxed)};

		if (atomic_load_explicit(&r->state, memory_order_acquire) == CHAN_SUB_ACTIVE &&
		    !sluice_proc_alive(id) &&
		    atomic_compare_exchange_strong(&r->state, &st, CHAN_SUB_CLAIMED)) {
			atomic_fetch_add_explicit(&g->h->evicted, 1, memory_order_relaxed);
			atomic_fetch_add_explicit(&g->h->sub_epoch, 1, memory_order_release);
			s->rec = r;
			goto claimed;
		}
	}
	return sluice__fail(-ENOSPC, "%s: all %u subscriber places are taken", topic, g->max_subs);

claimed:
	atomic_store_explicit(&s->rec->pid, self.pid, memory_order_relaxed);
	atomic_store_explicit(&s->rec->start, self.start, memory_order_relaxed);
	atomic_store_explicit(&s->rec->delivered, 0, memory_order_relaxed);
	atomic_store_explicit(&s->rec->lost, 0, memory_order_relaxed);
	return 0;
}

/* Chooses the first sequence to read and publishes the record as ACTIVE.
 * The publisher may be committing while we join; see the comment below. */
static void join(struct sluice_sub *s, uint32_t how)
{
	struct chan_geom *g = &s->g;
	uint64_t h = atomic_load_explicit(&g->h->head, memory_order_acquire);

	/* Hold the oldest slot we might want before becoming visible... */
	atomic_store_explicit(&s->rec->cursor, h - (g->count - 1), memory_order_relaxed);
	atomic_store_explicit(&s->rec->state, CHAN_SUB_ACTIVE, memory_order_release);
	atomic_fetch_add_explicit(&g->h->sub_epoch, 1, memory_order_seq_cst);
	/* ...then make sure the publisher's next loan sees the new epoch, or
	 * we see its last commit: either way no slot we keep can be reused
	 * under us, except the one an in-flight loan already holds. */
	if (sluice__membarrier_ok)
		syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0);
	h = atomic_load_explicit(&g->h->head, memory_order_acquire);

	uint64_t retained = h - g->base_seq;

	if (retained > g->count - 1)
		retained = g->count - 1;
	s->cursor = how == SLUICE_JOIN_OLDEST ? h - retained : h;
	atomic_store_explicit(&s->rec->cursor, s->cursor, memory_order_release);
	s->head_seen = h;
	/* A lossless publisher may be waiting on the first cursor. */
	sluice__waitq_notify(&g->h->space_q);
}

/* Notes who publishes now, if anyone alive does. */
static void remember_publisher(struct sluice_sub *s)
{
	struct chan_header *h = s->g.h;
	struct sluice_proc_id id = {atomic_load_explicit(&h->pub_pid, memory_order_relaxed),
				    atomic_load_explicit(&h->pub_start, memory_order_relaxed)};

	if (atomic_load_explicit(&h->pub_state, memory_order_acquire) == CHAN_PUB_LIVE &&
	    sluice_proc_alive(id)) {
		s->pub_id = id;
		s->pub_known = true;
		s->pub_alive_ns = sluice__now_ns();
	}
}

int sluice_sub_open(const char *topic, const struct sluice_sub_opts *opts,
		    struct sluice_sub **out)
{
	struct sluice_sub *s;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	rc = sluice__chan_attach(topic, opts ? &opts->shm : NULL, opts ? opts->type_name : NULL,
				 opts ? opts->schema_hash : 0, &s->g);
	if (rc) {
		free(s);
		return rc;
	}
	rc = claim_record(s, topic);
	if (rc) {
		sluice__chan_detach(&s->g);
		free(s);
		return rc;
	}
	s->busy = opts && (opts->flags & SLUICE_SUB_BUSY_POLL);
	s->spin_ns = opts && opts->spin_ns ? opts->spin_ns : CHAN_DEFAULT_SPIN_NS;
	s->spin_cur = s->spin_ns;
	s->spin_adapt = !(opts && opts->spin_ns);
	strcpy(s->name, topic);
	remember_publisher(s);
	join(s, opts ? opts->join : SLUICE_JOIN_NEXT);
	*out = s;
	return 0;
}

void sluice_sub_close(struct sluice_sub *s)
{
	if (!s)
		return;
	uint32_t active = CHAN_SUB_ACTIVE;

	/* Free the place (unless we were evicted), and let a lossless
	 * publisher waiting on our cursor go on. */
	if (atomic_compare_exchange_strong(&s->rec->state, &active, CHAN_SUB_FREE)) {
		atomic_fetch_add_explicit(&s->g.h->sub_epoch, 1, memory_order_release);
		sluice__waitq_wake_slow(&s->g.h->space_q);
	}
	sluice__chan_detach(&s->g);
	free(s);
}

static void count_lost(struct sluice_sub *s, uint64_t n)
{
	s->lost += n;
	s->lost_pending += n;
	atomic_store_explicit(&s->rec->lost, s->lost, memory_order_relaxed);
}

enum { FOREIGN_HEAD = 1, FOREIGN_CURSOR = 2 };

/* Whether slot(seq) shows seq or a later one committed: true of every
 * sequence before a head read before it (head is stored after the slot). */
static bool slot_backs(struct sluice_sub *s, uint64_t seq)
{
	uint64_t got = atomic_load_explicit(&chan_slot(&s->g, seq)->seq, memory_order_acquire);

	return !sluice__seq_after(seq, got);
}

/* Whether h can be the publisher's head, as far as this subscriber can
 * tell: more than a lap ahead, the newest slot must back it.  Within a lap
 * nothing is checked: a foreign head there costs the messages it makes us
 * skip, counted as lost. */
static bool head_plausible(struct sluice_sub *s, uint64_t h)
{
	uint64_t ahead = h - s->cursor;

	return (int64_t)ahead <= (int64_t)s->g.count || slot_backs(s, h - 1);
}

static void note_foreign(struct sluice_sub *s, uint8_t what, uint64_t h)
{
	s->foreign = what;
	s->foreign_head = h;
	s->foreign_cursor = s->foreign_at = s->cursor;
}

/* The head, unless it is one no publisher makes (then nothing new). */
static uint64_t read_head(struct sluice_sub *s)
{
	uint64_t h = atomic_load_explicit(&s->g.h->head, memory_order_acquire);

	if (head_plausible(s, h))
		return h;
	note_foreign(s, FOREIGN_HEAD, h);
	return s->cursor;
}

/* sluice__sub_has_data() when the slot did not settle it: lossy topics
 * check the slot's version, and a lapped subscriber asks the head. */
bool sluice__sub_has_data_slow(struct sluice_sub *s, struct chan_slot *slot)
{
	if (s->g.delivery == SLUICE_LOSSY) {
		uint64_t v = atomic_load_explicit(&slot->version, memory_order_acquire);
		uint64_t seq = atomic_load_explicit(&slot->seq, SLUICE_GUARDED_LOAD);

		/* The version must not have moved while seq was read: a new
		 * seq beside an old even version is a commit in progress. */
		sluice__fence_acquire();
		bool stable = atomic_load_explicit(&slot->version, memory_order_relaxed) == v &&
			      !(v & 1);

		if (stable && seq == s->cursor) {
			s->head_seen = s->cursor + 1;
			return true;
		}
		if (stable && !sluice__seq_after(seq, s->cursor))
			return false; /* not yet */
	}
	/* Lapped, or the slot is being rewritten: ask the head.  It may still
	 * lag a commit the slot showed; never let it pull us back. */
	uint64_t h = read_head(s);

	s->head_seen = sluice__seq_after(h, s->cursor) ? h : s->cursor;
	return s->head_seen != s->cursor;
}

/* 1 with a view in *m, 0 if nothing is readable now. */
static inline int try_take(struct sluice_sub *s, struct sluice_msg *m)
{
	struct chan_geom *g = &s->g;

	while (sluice__sub_has_data(s)) {
		uint64_t avail = s->head_seen - s->cursor;

		if (avail > g->count) {
			/* Lapped (lossy): the oldest ones are gone. */
			count_lost(s, avail - g->count);
			s->cursor = s->head_seen - g->count;
			/* Never before the first sequence, whose slots' primed
			 * marks would pass for messages (only a cursor a
			 * foreign head misled gets here). */
			if (sluice__seq_after(g->base_seq, s->cursor))
				s->cursor = g->base_seq;
		}
		struct chan_slot *slot = chan_slot(g, s->cursor);
		uint64_t v = 0;

		/* Lossless: the acquire that showed this sequence committed
		 * (the slot's seq or the head) orders what follows, and the
		 * version is nobody's business, whatever it says. */
		if (g->delivery == SLUICE_LOSSY)
			v = atomic_load_explicit(&slot->version, memory_order_acquire);
		uint64_t seq = atomic_load_explicit(&slot->seq, memory_order_relaxed);
		uint32_t off = atomic_load_explicit(&slot->offset, memory_order_relaxed);
		uint32_t len = atomic_load_explicit(&slot->len, memory_order_relaxed);

		if ((v & 1) || seq != s->cursor || off > g->slot_size || len > g->slot_size - off) {
			/* Being overwritten, already overwritten, or not a
			 * message a correct publisher writes: it is lost. */
			count_lost(s, 1);
			s->cursor++;
			continue;
		}
		s->off_hint = off;
		/* A subscriber behind its publisher reads slot after slot: ask
		 * for the lines of one a little ahead now, so that their
		 * cross-core misses overlap this message's work.  Those slots
		 * were read a lap ago and sit in this cache anyway: a prefetch
		 * takes nothing from a publisher still writing them. */
		struct chan_slot *ahead = chan_slot(g, s->cursor + CHAN_PREFETCH_AHEAD);

		__builtin_prefetch(ahead, 0, 3);
		__builtin_prefetch(chan_slot_data(ahead) + off, 0, 3);
		m->data = chan_slot_data(slot) + off;
		m->len = len;
		m->seq = s->cursor;
		m->stamp_ns = atomic_load_explicit(&slot->stamp_ns, memory_order_relaxed);
		m->lost_before = s->lost_pending;
		m->version_ = v;
		m->slot_ = (uint32_t)(s->cursor & g->mask);
		s->lost_pending = 0;
		s->viewing = true;
		return 1;
	}
	/* Skips are published so introspection sees this cursor. */
	atomic_store_explicit(&s->rec->cursor, s->cursor, memory_order_release);
	return 0;
}

static bool ready_cond(void *arg)
{
	struct sluice_sub *s = arg;

	return sluice__sub_has_data(s) || sluice__sub_evicted(s);
}

enum pub_verdict { PUB_OK, PUB_GONE, PUB_FOREIGN };

static bool same_proc(struct sluice_proc_id a, struct sluice_proc_id b)
{
	return a.pid == b.pid && a.start == b.start;
}

/* Judges the identity a LIVE (or unproven CLOSED) state names. */
static enum pub_verdict judge_identity(struct sluice_sub *s, struct sluice_proc_id id, char *why,
				       size_t cap)
{
	uint64_t now = sluice__now_ns();

	if (s->pub_known && same_proc(id, s->pub_id)) {
		if (now - s->pub_alive_ns < CHAN_LIVENESS_NS)
			return PUB_OK; /* proven alive lately: a poll is no /proc read */
		if (sluice_proc_alive(id)) {
			s->pub_alive_ns = now;
			return PUB_OK;
		}
		snprintf(why, cap, "the publisher died");
		return PUB_GONE;
	}
	if (sluice_proc_alive(id)) {
		/* Another publisher took the topic over. */
		s->pub_id = id;
		s->pub_known = true;
		s->pub_alive_ns = now;
		return PUB_OK;
	}
	/* Only a publisher writes pub_pid, and only after the one before
	 * it closed or died: a dead name beside a live predecessor, or beside
	 * a live copy, is a foreign write, not a death. */
	struct sluice_proc_id live = sluice__chan_pub_id(&s->g);

	if (!same_proc(live, id) || (s->pub_known && sluice_proc_alive(s->pub_id))) {
		if (same_proc(live, id))
			live = s->pub_id;
		snprintf(why, cap,
			 "impossible publisher state: pub_pid %d (start %llu) names no live process, "
			 "but the publisher, pid %d, is alive; another process wrote the topic",
			 (int)id.pid, (unsigned long long)id.start, (int)live.pid);
		return PUB_FOREIGN;
	}
	snprintf(why, cap, "the publisher died");
	return PUB_GONE;
}

/* Reads the publisher's state from the header, trusting none of it. */
static enum pub_verdict judge_publisher(struct sluice_sub *s, char *why, size_t cap)
{
	struct chan_header *h = s->g.h;
	uint32_t state = atomic_load_explicit(&h->pub_state, memory_order_acquire);
	struct sluice_proc_id id = {atomic_load_explicit(&h->pub_pid, memory_order_relaxed),
				    atomic_load_explicit(&h->pub_start, memory_order_relaxed)};

	switch (state) {
	case CHAN_PUB_NONE:
		if (!s->pub_known)
			return PUB_OK; /* none yet: wait for one */
		snprintf(why, cap,
			 "impossible publisher state: pub_state went back to 0 (no publisher yet) "
			 "after pid %d published; another process wrote the topic",
			 (int)s->pub_id.pid);
		return PUB_FOREIGN;
	case CHAN_PUB_LIVE:
		return judge_identity(s, id, why, cap);
	case CHAN_PUB_CLOSED: {
		uint64_t mark = atomic_load_explicit(&h->closed_at, memory_order_acquire);
		uint64_t head = atomic_load_explicit(&h->head, memory_order_acquire);

		if (mark == head) {
			snprintf(why, cap, "the publisher closed");
			return PUB_GONE;
		}
		/* A new publisher may have claimed the topic meanwhile. */
		if (atomic_load_explicit(&h->pub_state, memory_order_acquire) != CHAN_PUB_CLOSED)
			return PUB_OK;
		enum pub_verdict v = judge_identity(s, id, why, cap);

		if (v != PUB_OK)
			return v;
		snprintf(why, cap,
			 "impossible publisher state: pub_state says closed, but the close mark "
			 "%llu is not the head %llu and the publisher, pid %d, is alive; another "
			 "process wrote the topic",
			 (unsigned long long)mark, (unsigned long long)head, (int)id.pid);
		return PUB_FOREIGN;
	}
	default:
		snprintf(why, cap,
			 "impossible publisher state: pub_state %u is no state a publisher writes; "
			 "another process wrote the topic",
			 state);
		return PUB_FOREIGN;
	}
}

/* The head, reread: past our cursor it proves our slot committed, whatever
 * the slot's header says now (head is stored after it), so a header set
 * back by a foreign write costs that message, not the stream. */
static void reread_head(struct sluice_sub *s)
{
	uint64_t h = read_head(s);

	if (sluice__seq_after(h, s->head_seen)) {
		s->head_seen = h;
	} else if (!s->viewing && sluice__seq_after(s->cursor, h + 1) &&
		   !slot_backs(s, s->cursor - 1) &&
		   atomic_load_explicit(&chan_slot(&s->g, h - 1)->seq, memory_order_acquire) ==
			   h - 1) {
		/* Past the head (by more than the one commit whose head store
		 * may lag), with no commit behind us: a foreign head sent us
		 * here (at open, or with a forged slot beside it).  The head is
		 * believed if its newest slot holds exactly its last sequence
		 * (a head set back would find a later one there).  Back to the
		 * head, taking back what that jump counted lost (as far as it
		 * can be told). */
		uint64_t back = s->cursor - h;

		note_foreign(s, FOREIGN_CURSOR, h);
		s->lost -= back < s->lost ? back : s->lost;
		s->lost_pending -= back < s->lost_pending ? back : s->lost_pending;
		s->cursor = s->head_seen = s->foreign_at = h;
		atomic_store_explicit(&s->rec->lost, s->lost, memory_order_relaxed);
		atomic_store_explicit(&s->rec->cursor, s->cursor, memory_order_release);
	}
}

/* -SLUICE_ECORRUPT, once, for a foreign head seen since the last report. */
static int report_foreign(struct sluice_sub *s)
{
	uint8_t what = s->cursor == s->foreign_at ? s->foreign : 0;

	s->foreign = 0;
	if (what == FOREIGN_HEAD)
		return sluice__fail(-SLUICE_ECORRUPT,
				    "%s: impossible head %llu, more than a lap past cursor %llu and "
				    "past the newest slot; another process wrote the topic",
				    s->name, (unsigned long long)s->foreign_head,
				    (unsigned long long)s->foreign_cursor);
	if (what == FOREIGN_CURSOR)
		return sluice__fail(-SLUICE_ECORRUPT,
				    "%s: cursor %llu was past the head %llu with no commit behind it "
				    "(a foreign head led it there); back at the head",
				    s->name, (unsigned long long)s->foreign_cursor,
				    (unsigned long long)s->foreign_head);
	return 0;
}

int sluice__sub_check_gone(struct sluice_sub *s)
{
	char why[256];

	if (sluice__sub_evicted(s))
		return sluice__fail(-SLUICE_EEVICTED, "%s: this subscriber was evicted", s->name);
	/* The publisher's state first: what it committed before it left is
	 * visible after that, and is still delivered. */
	enum pub_verdict v = judge_publisher(s, why, sizeof(why));

	reread_head(s);
	if (sluice__sub_has_data(s))
		return 0;
	if (v != PUB_OK)
		return sluice__fail(v == PUB_GONE ? -SLUICE_EOWNERDEAD : -SLUICE_ECORRUPT, "%s: %s",
				    s->name, why);
	return report_foreign(s);
}

/* take() when no message was there at once, or on a misuse. */
static int take_slow(struct sluice_sub *s, struct sluice_msg *m, int64_t timeout_ns)
{
	uint64_t now, deadline;
	int rc;

	if (s->viewing)
		return sluice__fail(-EINVAL, "%s: release the current view first", s->name);
	if (sluice__sub_evicted(s))
		return sluice__sub_check_gone(s);
	if (try_take(s, m))
		return 0;
	if (timeout_ns == 0) {
		if ((rc = sluice__sub_check_gone(s)) != 0)
			return rc;
		return try_take(s, m) ? 0 : -EAGAIN; /* the head, reread, may say more */
	}

	now = sluice__now_ns();
	deadline = sluice__deadline(now, timeout_ns);
	uint64_t t0 = now, spin_until = now + s->spin_cur;
	for (;;) {
		/* Look for a gone publisher at most every CHAN_LIVENESS_NS. */
		if (now - s->last_liveness_ns >= CHAN_LIVENESS_NS) {
			s->last_liveness_ns = now;
			if ((rc = sluice__sub_check_gone(s)) != 0)
				return rc;
		}
		uint64_t slice = deadline - now > CHAN_LIVENESS_NS ? now + CHAN_LIVENESS_NS : deadline;

		rc = sluice__waitq_wait(&s->g.h->data_q, ready_cond, s, spin_until, slice, s->busy);
		if (rc == 0) {
			if (try_take(s, m)) {
				sluice__sub_adapt_spin(s, t0, m->stamp_ns);
				return 0;
			}
			if (sluice__sub_evicted(s))
				return sluice__sub_check_gone(s);
		}
		now = sluice__now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
	}
}

/* The path a message already waiting takes, kept free of calls. */
static inline int take(struct sluice_sub *s, struct sluice_msg *m, int64_t timeout_ns)
{
	if (!s->viewing && !sluice__sub_evicted(s) && try_take(s, m))
		return 0;
	return take_slow(s, m, timeout_ns);
}

int sluice_sub_take(struct sluice_sub *s, struct sluice_msg *m, int64_t timeout_ns)
{
	return take(s, m, timeout_ns);
}

/* Ends the view; counts it delivered (if intact and wanted) or lost. */
static inline int finish(struct sluice_sub *s, struct sluice_msg *m, bool deliver)
{
	struct chan_geom *g = &s->g;
	struct chan_slot *slot;

	if (!s->viewing || m->seq != s->cursor)
		return sluice__fail(-EINVAL, "%s: release of a view that is not current", s->name);
	slot = chan_slot(g, s->cursor);
	uint64_t v = m->version_;

	if (g->delivery == SLUICE_LOSSY) {
		/* Every read of the view must be done before the version is
		 * reread.  (Lossless: nobody rewrites a slot we have not passed.) */
		sluice__fence_acquire();
		v = atomic_load_explicit(&slot->version, SLUICE_GUARDED_LOAD);
	}
	s->viewing = false;
	s->cursor++;
	atomic_store_explicit(&s->rec->cursor, s->cursor, memory_order_release);
	if (g->delivery == SLUICE_LOSSLESS)
		sluice__waitq_notify(&g->h->space_q);
	if (v != m->version_) {
		count_lost(s, 1);
		s->lost_pending--; /* reported now, by the error, not with the next message */
		return sluice__fail(-SLUICE_ETORN, "%s: message %llu was overwritten while read",
				    s->name, (unsigned long long)m->seq);
	}
	if (!deliver) {
		count_lost(s, 1);
		s->lost_pending--;
		return 0;
	}
	s->delivered++;
	atomic_store_explicit(&s->rec->delivered, s->delivered, memory_order_relaxed);
	return 0;
}

int sluice_sub_release(struct sluice_sub *s, struct sluice_msg *m)
{
	return finish(s, m, true);
}

int sluice_sub_take_copy(struct sluice_sub *s, void *buf, size_t cap, struct sluice_msg *info,
			 int64_t timeout_ns)
{
	struct sluice_msg m;
	uint64_t lost_before = 0;

	for (;;) {
		int rc = take(s, &m, timeout_ns);

		if (rc)
			return rc;
		lost_before += m.lost_before;
		if (m.len > cap) {
			(void)finish(s, &m, false);
			return sluice__fail(-SLUICE_ETOOBIG, "%s: message %llu has %zu bytes, %zu fit",
					    s->name, (unsigned long long)m.seq, m.len, cap);
		}
		chan_copy(buf, m.data, m.len);
		rc = finish(s, &m, true);
		if (rc == -SLUICE_ETORN) {
			lost_before++;
			continue; /* never hand out a torn copy: try the next one */
		}
		if (info) {
			*info = m;
			info->data = buf;
			info->lost_before = lost_before;
		}
		return m.len > INT32_MAX ? -SLUICE_ETOOBIG : (int)m.len;
	}
}

void sluice_sub_stats(const struct sluice_sub *s, struct sluice_sub_stats *st)
{
	st->pid = sluice_proc_self().pid;
	st->alive = 1;
	st->cursor = s->cursor;
	st->delivered = s->delivered;
	st->lost = s->lost;
	st->evicted = sluice__sub_evicted(s);
}
