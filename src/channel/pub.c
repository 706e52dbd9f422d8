/* pub.c - the publisher side of a topic: loan, commit, lossless waiting,
 * eviction of dead subscribers, take-over of a dead publisher's topic.
 *
 * Lossless flow control works like the ring's: the publisher caches the
 * slowest live subscriber's cursor and rescans the subscriber records only
 * when the ring looks full or the membership changed (sub_epoch), so a
 * publish touches no subscriber's cache line in the common case. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "channel/chan.h"
#include "common/clock.h"
#include "common/detail.h"
#include "shm/waitq.h"

/* How often a blocked publisher checks whether the subscribers it waits
 * for are alive: bounds how long a dead one can hold it (issue: 100 ms). */
#define LIVENESS_PERIOD_NS 20000000u

struct sluice_pub {
	struct chan_geom g;
	uint64_t head;       /* next sequence to commit */
	uint64_t min_cursor; /* lossless: slowest active subscriber seen */
	uint32_t epoch_seen;
	uint32_t nactive;          /* records active at the last full rescan */
	uint64_t last_liveness_ns; /* when subscribers were last looked at */
	struct sluice_proc_id self; /* what pub_pid and pub_start must say */
	bool loaned;
	uint32_t spin_ns;
	struct sluice_clock clock; /* commit's stamps */
	char name[SLUICE_SHM_NAME_MAX + 1];
	uint16_t active[SLUICE_TOPIC_MAX_SUBSCRIBERS]; /* which nactive records */
};

static int claim_publisher(struct sluice_pub *p, const char *topic)
{
	struct chan_header *h = p->g.h;
	struct sluice_proc_id self = sluice_proc_self();

	for (;;) {
		uint32_t state = atomic_load_explicit(&h->pub_state, memory_order_acquire);
		int32_t pid = atomic_load_explicit(&h->pub_pid, memory_order_relaxed);

		/* LIVE, or a CLOSED without its close mark that a foreign
		 * write may have made of a live one: its process decides. */
		if (state != CHAN_PUB_NONE && !sluice__chan_pub_gone(&p->g, NULL))
			return sluice__fail(-EBUSY, "%s: publisher pid %d is alive", topic,
					    (int)sluice__chan_pub_id(&p->g).pid);
		/* Whoever swaps the pid first owns the topic. */
		if (atomic_compare_exchange_strong(&h->pub_pid, &pid, self.pid))
			break;
	}
	p->self = self;
	atomic_store_explicit(&h->pub_start, self.start, memory_order_relaxed);
	atomic_store_explicit(&h->pub_pid2, self.pid, memory_order_relaxed);
	atomic_store_explicit(&h->pub_start2, self.start, memory_order_relaxed);
	atomic_store_explicit(&h->pub_state, CHAN_PUB_LIVE, memory_order_release);
	/* Continue the sequence where the last publisher's commits ended.  It
	 * may have died after a commit was visible in its slot and before it
	 * moved head: subscribers may have that message, so it stays. */
	p->head = atomic_load_explicit(&h->head, memory_order_acquire);
	for (uint64_t n = 0; n < p->g.count; n++) {
		struct chan_slot *s = chan_slot(&p->g, p->head);

		if (atomic_load_explicit(&s->seq, memory_order_acquire) != p->head ||
		    (p->g.delivery == SLUICE_LOSSY &&
		     (atomic_load_explicit(&s->version, memory_order_acquire) & 1)))
			break;
		p->head++;
	}
	atomic_store_explicit(&h->head, p->head, memory_order_release);
	/* No close mark can match a head that only grows from here. */
	atomic_store_explicit(&h->closed_at, p->head - 1, memory_order_release);
	p->min_cursor = p->head;
	p->epoch_seen = atomic_load_explicit(&h->sub_epoch, memory_order_acquire) - 1;
	return 0;
}

int sluice_pub_open(const char *topic, const struct sluice_topic_opts *opts,
		    struct sluice_pub **out)
{
	struct sluice_pub *p;
	int rc;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	rc = sluice__chan_create(topic, opts, &p->g);
	if (rc == -EEXIST)
		rc = sluice__chan_attach(topic, opts ? &opts->shm : NULL,
					 opts && opts->type_name ? opts->type_name : "bytes",
					 opts ? opts->schema_hash : 0, &p->g);
	if (rc == 0 && opts && opts->slot_size > p->g.slot_size)
		rc = sluice__fail(-SLUICE_ETOOBIG, "%s has %llu-byte slots, %u wanted", topic,
				  (unsigned long long)p->g.slot_size, opts->slot_size);
	if (rc == 0)
		rc = claim_publisher(p, topic);
	if (rc) {
		if (p->g.shm)
			sluice__chan_detach(&p->g);
		free(p);
		return rc;
	}
	p->spin_ns = opts && opts->spin_ns ? opts->spin_ns : CHAN_DEFAULT_SPIN_NS;
	sluice__clock_init(&p->clock);
	strcpy(p->name, topic);
	*out = p;
	return 0;
}

void sluice_pub_close(struct sluice_pub *p)
{
	if (!p)
		return;
	/* The mark first: a subscriber believes CLOSED only beside it. */
	atomic_store_explicit(&p->g.h->closed_at, p->head, memory_order_relaxed);
	atomic_store_explicit(&p->g.h->pub_state, CHAN_PUB_CLOSED, memory_order_release);
	/* Subscribers asleep must learn it now, not at their next timeout. */
	sluice__waitq_wake_slow(&p->g.h->data_q);
	sluice__chan_detach(&p->g);
	free(p);
}

size_t sluice_pub_slot_size(const struct sluice_pub *p)
{
	return p->g.slot_size;
}

uint64_t sluice_pub_next_seq(const struct sluice_pub *p)
{
	return p->head;
}

/* Puts back the publisher's fields of the header that a foreign write may
 * have changed: a live publisher must not look closed or dead, nor its head
 * be wrong, for longer than a lap (or a liveness period while it waits).
 * Reads first, so a line is written only when it changed. */
static void restore_identity(struct sluice_pub *p)
{
	struct chan_header *h = p->g.h;

	if (atomic_load_explicit(&h->pub_pid, memory_order_relaxed) != p->self.pid)
		atomic_store_explicit(&h->pub_pid, p->self.pid, memory_order_relaxed);
	if (atomic_load_explicit(&h->pub_start, memory_order_relaxed) != p->self.start)
		atomic_store_explicit(&h->pub_start, p->self.start, memory_order_relaxed);
	if (atomic_load_explicit(&h->pub_pid2, memory_order_relaxed) != p->self.pid)
		atomic_store_explicit(&h->pub_pid2, p->self.pid, memory_order_relaxed);
	if (atomic_load_explicit(&h->pub_start2, memory_order_relaxed) != p->self.start)
		atomic_store_explicit(&h->pub_start2, p->self.start, memory_order_relaxed);
	if (atomic_load_explicit(&h->pub_state, memory_order_relaxed) != CHAN_PUB_LIVE)
		atomic_store_explicit(&h->pub_state, CHAN_PUB_LIVE, memory_order_release);
	if (atomic_load_explicit(&h->head, memory_order_relaxed) != p->head)
		atomic_store_explicit(&h->head, p->head, memory_order_release);
}

static void restore_newest(struct sluice_pub *p)
{
	uint64_t last = p->head - 1;
	struct chan_slot *s = chan_slot(&p->g, last);

	if (p->head == p->g.base_seq)
		return; /* nothing committed yet */
	if (atomic_load_explicit(&s->version, memory_order_relaxed) != chan_commit_version(last))
		atomic_store_explicit(&s->version, chan_commit_version(last), memory_order_relaxed);
	if (atomic_load_explicit(&s->seq, memory_order_relaxed) != last)
		atomic_store_explicit(&s->seq, last, memory_order_release);
}

/* Recomputes the slowest active cursor.  With check_liveness, subscribers
 * at that cursor that died are evicted so they stop holding the ring.
 * Every record is read only when the membership changed (sub_epoch); else
 * only those active at that pass: a publisher faster than its subscribers
 * finds the ring full on every loan, and max_subs records are as many
 * cache lines. */
static void rescan(struct sluice_pub *p, bool check_liveness)
{
	struct chan_geom *g = &p->g;
	uint64_t behind = 0; /* how far the slowest is behind head */
	uint32_t epoch = atomic_load_explicit(&g->h->sub_epoch, memory_order_acquire);
	bool all = epoch != p->epoch_seen;
	uint32_t n = all ? g->max_subs : p->nactive;
	uint32_t found = 0;

	p->epoch_seen = epoch;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = all ? k : p->active[k];
		struct chan_subrec *r = &g->subs[i];

		if (atomic_load_explicit(&r->state, memory_order_acquire) != CHAN_SUB_ACTIVE)
			continue;
		if (all)
			p->active[found++] = (uint16_t)i;
		uint64_t d = p->head - atomic_load_explicit(&r->cursor, memory_order_acquire);

		/* A cursor ahead of head holds nothing back.  One more than a
		 * ring behind holds as much as one a ring behind: a subscriber
		 * joining while we publish stores such a cursor first, to hold
		 * the slots it may read until it has chosen where to start. */
		if ((int64_t)d < 0)
			continue;
		if (d > g->count)
			d = g->count;
		if (check_liveness && d == g->count) {
			struct sluice_proc_id id = {atomic_load_explicit(&r->pid, memory_order_relaxed),
						    atomic_load_explicit(&r->start, memory_order_relaxed)};
			uint32_t active = CHAN_SUB_ACTIVE;

			if (!sluice_proc_alive(id) &&
			    atomic_compare_exchange_strong(&r->state, &active, CHAN_SUB_EVICTED)) {
				atomic_fetch_add_explicit(&g->h->evicted, 1, memory_order_relaxed);
				atomic_fetch_add_explicit(&g->h->sub_epoch, 1, memory_order_release);
				continue;
			}
		}
		if (d > behind)
			behind = d;
	}
	if (all)
		p->nactive = found;
	p->min_cursor = p->head - behind;
}

static inline bool has_room(struct sluice_pub *p)
{
	if (p->g.delivery == SLUICE_LOSSY)
		return true;
	if (p->head - p->min_cursor < p->g.count &&
	    atomic_load_explicit(&p->g.h->sub_epoch, memory_order_acquire) == p->epoch_seen)
		return true;
	rescan(p, false);
	return p->head - p->min_cursor < p->g.count;
}

static bool room_cond(void *arg)
{
	return has_room(arg);
}

static int wait_room(struct sluice_pub *p, int64_t timeout_ns)
{
	uint64_t now = sluice__now_ns();
	uint64_t deadline = sluice__deadline(now, timeout_ns);
	uint64_t spin_until = now + p->spin_ns;

	/* A subscriber that a foreign head misled may be what we wait for, and
	 * no commit restores the head while we wait: put it back first, and
	 * the newest slot's marks, by which a reader tells a head it can
	 * believe (see sub.c). */
	restore_identity(p);
	restore_newest(p);
	for (;;) {
		/* Liveness costs a /proc read per subscriber: once a period,
		 * not each time a fast publisher finds the ring full. */
		bool check = now - p->last_liveness_ns >= LIVENESS_PERIOD_NS;

		if (check) {
			p->last_liveness_ns = now;
			restore_identity(p);
		}
		rescan(p, check);
		if (p->head - p->min_cursor < p->g.count)
			return 0;
		if (timeout_ns == 0)
			return -EAGAIN;
		if (now >= deadline)
			return -ETIMEDOUT;
		/* Sleep in slices, to look for dead subscribers between them. */
		uint64_t slice = now + LIVENESS_PERIOD_NS < deadline ? now + LIVENESS_PERIOD_NS
								      : deadline;
		int rc = sluice__waitq_wait(&p->g.h->space_q, room_cond, p, spin_until, slice, false);

		if (rc == 0)
			return 0;
		now = sluice__now_ns();
	}
}

/* sluice_pub_loan(); *waited says whether it had to wait for room. */
static int loan(struct sluice_pub *p, size_t size, void **buf, int64_t timeout_ns, bool *waited)
{
	struct chan_slot *s = chan_slot(&p->g, p->head);

	*waited = false;
	if (size > p->g.slot_size)
		return sluice__fail(-SLUICE_ETOOBIG, "%s: %zu bytes asked, slots hold %llu", p->name,
				    size, (unsigned long long)p->g.slot_size);
	if (!p->loaned) {
		if (!has_room(p)) {
			int rc = wait_room(p, timeout_ns);

			if (rc)
				return rc;
			*waited = true;
		}
		if (p->g.delivery == SLUICE_LOSSY) {
			/* Odd version: readers of the message this slot held
			 * see it change before any byte of it does.  It comes
			 * from head, never from what the slot says. */
			atomic_store_explicit(&s->version, chan_loan_version(p->head),
					      memory_order_relaxed);
			sluice__fence_release();
		}
		p->loaned = true;
	}
	*buf = chan_slot_data(s);
	return 0;
}

int sluice_pub_loan(struct sluice_pub *p, size_t size, void **buf, int64_t timeout_ns)
{
	bool waited;

	return loan(p, size, buf, timeout_ns, &waited);
}

static int commit(struct sluice_pub *p, size_t offset, size_t len, uint64_t stamp)
{
	struct chan_slot *s = chan_slot(&p->g, p->head);

	if (!p->loaned)
		return sluice__fail(-EINVAL, "%s: commit without a loan", p->name);
	if (offset > p->g.slot_size || len > p->g.slot_size - offset)
		return sluice__fail(-SLUICE_ETOOBIG, "%s: message at %zu+%zu outside a %llu-byte slot",
				    p->name, offset, len, (unsigned long long)p->g.slot_size);
	atomic_store_explicit(&s->stamp_ns, stamp, memory_order_relaxed);
	atomic_store_explicit(&s->offset, (uint32_t)offset, memory_order_relaxed);
	atomic_store_explicit(&s->len, (uint32_t)len, memory_order_relaxed);
	if (p->g.delivery == SLUICE_LOSSY) {
		atomic_store_explicit(&s->seq, p->head, memory_order_relaxed);
		atomic_store_explicit(&s->version, chan_commit_version(p->head),
				      memory_order_release);
	} else {
		/* Every field of the header is ours again, version too (on
		 * the line being written anyway); seq is the one store a
		 * waiting subscriber looks at. */
		atomic_store_explicit(&s->version, chan_commit_version(p->head),
				      memory_order_relaxed);
		atomic_store_explicit(&s->seq, p->head, memory_order_release);
	}
	/* Once a lap, on a branch the sequence predicts. */
	if ((p->head & p->g.mask) == 0)
		restore_identity(p);
	p->loaned = false;
	p->head++;
	atomic_store_explicit(&p->g.h->head, p->head, memory_order_release);
	sluice__waitq_notify(&p->g.h->data_q);
	return 0;
}

/* The clock is read as early as the call allows.  A TSC read just before
 * the header's stores holds them back: measured here, a stamp taken after
 * the copy cost a fifth of a cross-core hand-over, one taken before it
 * nothing that could be seen (docs/benchmarks.md). */
int sluice_pub_commit(struct sluice_pub *p, size_t offset, size_t len)
{
	return commit(p, offset, len, sluice__clock_now(&p->clock));
}

int sluice_pub_publish(struct sluice_pub *p, const void *data, size_t len, int64_t timeout_ns)
{
	uint64_t stamp = sluice__clock_now(&p->clock);
	void *buf = NULL;
	bool waited;
	int rc = loan(p, len, &buf, timeout_ns, &waited);

	if (rc)
		return rc;
	/* The stamp is when the message entered the topic, not when the
	 * caller started to wait for room. */
	if (waited)
		stamp = sluice__clock_now(&p->clock);
	chan_copy(buf, data, len);
	return commit(p, 0, len, stamp);
}
