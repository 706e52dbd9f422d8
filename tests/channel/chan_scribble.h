/* chan_scribble.h - one publisher and one subscriber in this process and
 * a scribbler writing slot headers and the publisher's fields between
 * their calls, all driven by a byte string: the fuzz target
 * fuzz/fuzz_chan_scribble.c and test_channel_hostile share it.
 *
 * Invariants: no crash, no call waits (every call has timeout 0), every gap
 * is counted as lost, take reports only what it may (a message, EAGAIN, or
 * ECORRUPT / EOWNERDEAD while the writes go on), and a lap after the writes
 * stop the stream is whole again: nothing lost, nothing damaged, the real
 * close seen as the end, delivered + lost == published. */
#ifndef TEST_CHAN_SCRIBBLE_H
#define TEST_CHAN_SCRIBBLE_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "chan_msg.h"
#include "channel/chan.h"
#include "sluice/sluice.h"

#define SCRIBBLE_SLOT 64

struct scribble_run {
	struct sluice_pub *p;
	struct sluice_sub *s;
	struct chan_geom g; /* the scribbler's own mapping */
	uint64_t published, next, delivered, settle_from;
	bool head_forged; /* a forged head may move the reader anywhere */
	bool jumped;      /* and did: what it counted there is a best guess */
	const char *bad;
};

static inline void scribble_take(struct scribble_run *r, int max)
{
	while (max-- > 0 && !r->bad) {
		struct sluice_msg m;
		int rc = sluice_sub_take(r->s, &m, 0);

		if (rc == -EAGAIN)
			return;
		if (rc == -SLUICE_ECORRUPT || rc == -SLUICE_EOWNERDEAD) {
			if (r->settle_from != UINT64_MAX && r->published > r->settle_from)
				r->bad = "an impossible or closed publisher after the writes stopped";
			return;
		}
		if (rc != 0) {
			r->bad = "take failed with an unexpected code";
			return;
		}
		if (m.len > SCRIBBLE_SLOT) {
			r->bad = "a message longer than its slot";
			return;
		}
		/* Slot headers alone cost counted skips; only a forged head,
		 * before the writes stopped, may move the reader elsewhere. */
		if (m.seq != r->next + m.lost_before) {
			if (!r->head_forged || (r->settle_from != UINT64_MAX && m.seq > r->settle_from)) {
				r->bad = "a gap not counted as lost";
				return;
			}
			r->jumped = true;
		}
		int ok = msg_ok(m.data, m.len, m.seq);

		r->next = m.seq + 1;
		rc = sluice_sub_release(r->s, &m);
		if (rc == -SLUICE_ETORN)
			continue;
		if (rc != 0) {
			r->bad = "release failed with an unexpected code";
			return;
		}
		r->delivered++;
		/* Losses counted at settle_from happened before it. */
		if (m.seq >= r->settle_from && (!ok || (m.lost_before && m.seq > r->settle_from)))
			r->bad = "a message lost or damaged a lap after the writes stopped";
	}
}

static inline void scribble_publish(struct scribble_run *r, int n)
{
	unsigned char buf[SCRIBBLE_SLOT];

	while (n-- > 0 && !r->bad) {
		size_t len = msg_len(r->published, SCRIBBLE_SLOT);
		int rc;

		msg_fill(buf, len, r->published);
		rc = sluice_pub_publish(r->p, buf, len, 0);
		if (rc == -EAGAIN) { /* lossless and full: the reader's turn */
			scribble_take(r, 1 << 20);
			continue;
		}
		if (rc != 0) {
			r->bad = "publish failed";
			return;
		}
		r->published++;
	}
}

static inline uint64_t scribble_u64(const uint8_t **d, const uint8_t *end)
{
	uint64_t v = 0;

	for (int k = 0; k < 8 && *d < end; k++)
		v |= (uint64_t)*(*d)++ << (8 * k);
	return v;
}

/* A slot header field: a raw value, or one near the slot's sequence. */
static inline void scribble_slot(struct scribble_run *r, const uint8_t **d, const uint8_t *end)
{
	uint8_t a = *d < end ? *(*d)++ : 0, b = *d < end ? *(*d)++ : 0;
	uint64_t v = scribble_u64(d, end);
	struct chan_slot *sl = chan_slot(&r->g, a);
	uint64_t seq = atomic_load(&sl->seq);

	if (b & 0x80)
		v = seq + (uint64_t)(int64_t)(int8_t)v;
	switch (b % 5) {
	case 0:
		atomic_store(&sl->version, v);
		break;
	case 1:
		atomic_store(&sl->seq, v);
		break;
	case 2:
		atomic_store(&sl->offset, (uint32_t)v);
		break;
	case 3:
		atomic_store(&sl->len, (uint32_t)v);
		break;
	default:
		atomic_store(&sl->stamp_ns, v);
		break;
	}
}

/* The publisher's fields: state, identity (both copies), close mark, head. */
static inline void scribble_pub(struct scribble_run *r, const uint8_t **d, const uint8_t *end)
{
	uint8_t b = *d < end ? *(*d)++ : 0;
	uint64_t v = scribble_u64(d, end);
	struct chan_header *h = r->g.h;

	switch (b % 7) {
	case 6: /* the head: far off, or a little */
		r->head_forged = true;
		v = b & 0x80 ? v : atomic_load(&h->head) + (uint64_t)(int64_t)(int8_t)v;
		atomic_store(&h->head, v);
		break;
	case 0:
		atomic_store(&h->pub_state, (uint32_t)(v % 5));
		break;
	case 1:
		atomic_store(&h->pub_pid, (int32_t)(b & 0x80 ? v : v % 4));
		break;
	case 2:
		atomic_store(&h->pub_start, v);
		break;
	case 3:
		atomic_store(&h->pub_pid2, (int32_t)v);
		break;
	case 4:
		atomic_store(&h->pub_start2, v);
		break;
	default:
		atomic_store(&h->closed_at, v);
		break;
	}
}

/* Runs one input on a new topic called name (removed before returning);
 * NULL if every invariant held, else which one broke. */
static inline const char *scribble_run(const char *name, const uint8_t *data, size_t size)
{
	struct scribble_run r = {.settle_from = UINT64_MAX};
	const uint8_t *d = data, *end = data + size;
	uint8_t first = size ? *d++ : 0;
	struct sluice_topic_opts o = {.slot_size = SCRIBBLE_SLOT,
				      .slot_count = 4u << (first >> 1 & 3),
				      .delivery = first & 1 ? SLUICE_LOSSY : SLUICE_LOSSLESS,
				      .type_name = "test.Msg"};
	struct sluice_sub_opts so = {.type_name = "test.Msg", .join = SLUICE_JOIN_OLDEST};

	sluice_shm_unlink(name);
	if (sluice_pub_open(name, &o, &r.p) != 0)
		return "cannot open the publisher";
	if (sluice_sub_open(name, &so, &r.s) != 0 ||
	    sluice__chan_attach(name, NULL, NULL, 0, &r.g) != 0) {
		r.bad = "cannot open the subscriber";
		goto out;
	}
	while (d < end && !r.bad) {
		uint8_t op = *d++;

		switch (op % 8) {
		case 0:
		case 1:
		case 2:
			scribble_publish(&r, (op >> 3) + 1);
			break;
		case 3:
		case 4:
			scribble_take(&r, (op >> 3) + 1);
			break;
		case 5:
		case 6:
			scribble_slot(&r, &d, end);
			break;
		default:
			scribble_pub(&r, &d, end);
			break;
		}
	}
	/* The writes stop: two laps, read as they come, heal everything. */
	r.settle_from = r.published + o.slot_count;
	for (uint32_t i = 0; i < 2 * o.slot_count + 1 && !r.bad; i++) {
		scribble_publish(&r, 1);
		scribble_take(&r, 1 << 20);
	}
	if (!r.bad) {
		struct sluice_msg m;
		struct sluice_sub_stats st;

		if (r.next != r.published)
			r.bad = "the reader did not catch up after the writes stopped";
		else if (sluice_sub_take(r.s, &m, 0) != -EAGAIN)
			r.bad = "an idle live publisher not reported as EAGAIN";
		sluice_pub_close(r.p);
		r.p = NULL;
		int rc = r.bad ? 0 : sluice_sub_take(r.s, &m, 0);

		if (!r.bad && rc != -SLUICE_EOWNERDEAD) {
			static char why[512];

			snprintf(why, sizeof(why), "the real close not reported as the end: %s (%s)",
				 sluice_strerror(rc), sluice_errdetail());
			r.bad = why;
		}
		sluice_sub_stats(r.s, &st);
		/* Exact unless a forged head moved the reader. */
		if (!r.bad && (st.delivered != r.delivered ||
			       (!r.jumped && st.delivered + st.lost != r.published)))
			r.bad = "delivered + lost is not what was published";
	}
out:
	if (r.g.shm)
		sluice__chan_detach(&r.g);
	sluice_sub_close(r.s);
	sluice_pub_close(r.p);
	sluice_shm_unlink(name);
	return r.bad;
}

#endif
