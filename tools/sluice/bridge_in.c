/* bridge_in.c - `sluice bridge`, DDS -> local topics.  A topic is imported
 * once its Schema sample (TRANSIENT_LOCAL, so it reaches late joiners) has
 * said what it is: then a DDS reader with the delivery's QoS is made, and
 * the local topic, typed as the source is, with the first envelope's
 * sequence as its first sequence number, so that local and source
 * sequences agree.  Every envelope is checked before it is published:
 * type name and schema hash must be the announced ones, the payload must
 * fit a slot and pass verification against the binary schema.  Sequence
 * numbers at or below the last one published are duplicates (a restarted
 * bridge on either side resends): dropped and counted.
 *
 * Samples are forwarded by a DDS listener, on Cyclone's receive thread, as
 * they arrive: no hand-over to another thread per message.  The listener
 * never waits: when the local ring is full (a slow local subscriber) it
 * leaves the rest in the DDS reader and wakes this direction's thread
 * (a guard condition), which waits for room as long as it takes. */
#ifdef SLUICE_HAVE_CYCLONEDDS
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bridge.h"
#include "cmd.h"
#include "bridge_envelope.h"
#include "sluice/error.h"
#include "sluice/fb.h"
#include "sluice/fb_json.h"

#define TAKE_MAX 64

struct in_topic {
	char dds[BRIDGE_DDS_NAME_MAX + 1];
	char local[CLI_TOPIC_MAX];
	int have_schema;
	char type_name[SLUICE_TYPE_NAME_MAX + 1];
	uint64_t schema_hash;
	uint32_t delivery, slot_size, slot_count;
	void *bfbs;
	size_t bfbs_len;
	dds_entity_t topic, rd;
	struct sluice_pub *pub;
	int failed;           /* the local topic cannot be published: said once */
	uint64_t last;        /* last sequence published */
	int have_last;
	unsigned char *copy;  /* aligned: what is verified is what is published */
	size_t copy_cap;
	/* The listener and the in thread both forward; lock says who does
	 * now.  dirty: the reader may hold samples (set before trying the
	 * lock, so the holder looks again); blocked: the local ring was full
	 * or the topic not open yet, the in thread takes over. */
	pthread_mutex_t lock;
	atomic_int dirty, blocked;
	struct in_state *s;
};

struct in_state {
	struct bridge *b;
	struct in_topic t[BRIDGE_MAX_TOPICS];
	int n;
	dds_entity_t ws, guard;
	struct bridge_peerbuf peers;
	struct timespec last_peers;
};

static int wanted(struct bridge *b, const char *local_bare_dds)
{
	char want[BRIDGE_DDS_NAME_MAX + 1];

	if (b->all)
		return 1;
	for (int i = 0; i < b->n_ins; i++)
		if (bridge_name_to_dds(b->ins[i], want, sizeof(want)) == 0 &&
		    !strcmp(want, local_bare_dds))
			return 1;
	return 0;
}

static void in_close(struct in_topic *t)
{
	if (t->pub)
		sluice_pub_close(t->pub);
	free(t->bfbs);
	free(t->copy);
	pthread_mutex_destroy(&t->lock);
}

static int in_open_pub(struct bridge *b, struct in_topic *t, uint64_t first_seq);
static void in_on_data(dds_entity_t rd, void *arg);

/* A Schema sample: records it, and makes the topic's reader the first time. */
static void in_schema(struct in_state *s, const sluice_bridge_Schema *sc)
{
	struct bridge *b = s->b;
	struct in_topic *t = NULL;
	dds_qos_t *q;

	if (sc->origin == b->origin || !sc->topic || !sc->type_name)
		return;
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->t[i].dds, sc->topic))
			t = &s->t[i];
	if (t) {
		/* Announced again (a restarted source bridge): a new type is
		 * refused by the local topic itself when published. */
		if (strcmp(t->type_name, sc->type_name) || t->schema_hash != sc->schema_hash)
			fprintf(stderr, "sluice bridge: %s: announced again with type %s %016llx\n",
				t->dds, sc->type_name, (unsigned long long)sc->schema_hash);
		return;
	}
	if (!wanted(b, sc->topic) || s->n >= BRIDGE_MAX_TOPICS)
		return;
	t = &s->t[s->n];
	memset(t, 0, sizeof(*t));
	snprintf(t->dds, sizeof(t->dds), "%s", sc->topic);
	if (bridge_name_from_dds(sc->topic, b->prefix, t->local, sizeof(t->local)) != 0 ||
	    strlen(sc->type_name) > SLUICE_TYPE_NAME_MAX || sc->slot_size == 0 ||
	    sc->slot_count == 0 || (sc->slot_count & (sc->slot_count - 1)) ||
	    (sc->delivery != SLUICE_LOSSLESS && sc->delivery != SLUICE_LOSSY)) {
		fprintf(stderr, "sluice bridge: %s: refused: its Schema sample is not one a "
				"bridge makes\n", sc->topic);
		atomic_fetch_add(&b->c.no_schema, 1);
		return;
	}
	if (sc->bfbs._length &&
	    (sluice_fb_schema_verify(sc->bfbs._buffer, sc->bfbs._length) != 0 ||
	     !(t->bfbs = malloc(sc->bfbs._length)))) {
		fprintf(stderr, "sluice bridge: %s: refused: broken binary schema\n", sc->topic);
		atomic_fetch_add(&b->c.no_schema, 1);
		return;
	}
	if (t->bfbs)
		memcpy(t->bfbs, sc->bfbs._buffer, sc->bfbs._length);
	t->bfbs_len = sc->bfbs._length;
	snprintf(t->type_name, sizeof(t->type_name), "%s", sc->type_name);
	t->schema_hash = sc->schema_hash;
	t->delivery = sc->delivery;
	t->slot_size = sc->slot_size;
	t->slot_count = sc->slot_count;
	t->copy_cap = ((size_t)t->slot_size + SLUICE_FB_MAX_ALIGN - 1) &
		      ~(size_t)(SLUICE_FB_MAX_ALIGN - 1);
	t->copy = aligned_alloc(SLUICE_FB_MAX_ALIGN, t->copy_cap);
	t->s = s;
	pthread_mutex_init(&t->lock, NULL);
	/* Everything the listener touches is ready before the reader is. */
	dds_listener_t *l = dds_create_listener(t);

	dds_lset_data_available(l, in_on_data);
	t->topic = dds_create_topic(b->pp, &sluice_bridge_Envelope_desc, t->dds, NULL, NULL);
	q = bridge_data_qos(t->delivery, t->slot_count, t->slot_size, 0);
	t->rd = t->topic > 0 && t->copy ? dds_create_reader(b->pp, t->topic, q, l) : t->topic;
	dds_delete_qos(q);
	dds_delete_listener(l);
	if (!t->copy || t->rd < 0) {
		fprintf(stderr, "sluice bridge: %s: cannot create DDS reader: %s\n", t->dds,
			t->rd < 0 ? dds_strretcode(t->rd) : "out of memory");
		in_close(t);
		return;
	}
	if (b->verbose)
		fprintf(stderr, "sluice bridge: in %s -> %s (%s %s)\n", t->dds, t->local,
			t->type_name, t->delivery == SLUICE_LOSSY ? "lossy" : "lossless");
	s->n++;
	/* A pipeline's bridge (--pipeline) makes the local topic now, with the
	 * binary schema just received: sluice run waits for it before making
	 * the topic itself (without a schema) and starting the stages. */
	if (b->strip[0]) {
		pthread_mutex_lock(&t->lock);
		if (!t->pub)
			in_open_pub(b, t, 0);
		pthread_mutex_unlock(&t->lock);
	}
}

/* Becomes the local topic's publisher.  A topic left by an earlier run (a
 * bridge that was killed) is taken over, and its next sequence says what
 * was published already. */
static int in_open_pub(struct bridge *b, struct in_topic *t, uint64_t first_seq)
{
	struct sluice_topic_opts o = {0};
	struct sluice_topic_stats st;
	int rc;

	o.slot_size = t->slot_size;
	o.slot_count = t->slot_count;
	o.delivery = t->delivery;
	o.type_name = t->type_name;
	o.schema_hash = t->schema_hash;
	o.schema = t->bfbs;
	o.schema_len = t->bfbs_len;
	o.start_seq = first_seq;
	if ((rc = sluice_pub_open(t->local, &o, &t->pub)) != 0) {
		if (!t->failed++)
			cli_lib_error("bridge", t->local, rc);
		(void)b;
		return rc;
	}
	/* What an earlier run published (the local sequence mirrors the
	 * source's when a bridge made the topic); a topic someone else made
	 * and nothing published gives no such bound. */
	if (sluice_topic_stat(t->local, &st, NULL, 0) == 0 && st.published > 0) {
		t->last = st.next_seq - 1;
		t->have_last = 1;
	}
	return 0;
}

/* Checks one envelope; 0 when it may be published, else it is counted. */
static int in_check(struct bridge *b, struct in_topic *t, const sluice_bridge_Envelope *e)
{
	size_t len = e->payload._length;

	if (e->origin == b->origin) {
		atomic_fetch_add(&b->c.in_own, 1);
		return -1;
	}
	if (!e->type_name || strcmp(e->type_name, t->type_name) != 0) {
		atomic_fetch_add(&b->c.bad_type, 1);
		return -1;
	}
	if (e->schema_hash != t->schema_hash) {
		atomic_fetch_add(&b->c.bad_hash, 1);
		return -1;
	}
	if (len == 0 || len > t->slot_size || (len && !e->payload._buffer)) {
		atomic_fetch_add(&b->c.bad_size, 1);
		return -1;
	}
	memcpy(t->copy, e->payload._buffer, len);
	if (t->bfbs && sluice_fb_json_verify(t->bfbs, t->bfbs_len, t->type_name, t->copy, len,
						   NULL) != 0) {
		atomic_fetch_add(&b->c.bad_payload, 1);
		return -1;
	}
	return 0;
}

/* Publishes t->copy; a lossless local topic whose subscribers are slow
 * makes this wait, and so DDS holds the rest (back-pressure). */
static int in_publish(struct bridge *b, struct in_topic *t, size_t len)
{
	for (;;) {
		int rc = sluice_pub_publish(t->pub, t->copy, len, 100000000);

		if (rc == 0)
			return 0;
		if (rc != -ETIMEDOUT && rc != -EAGAIN) {
			cli_lib_error("bridge", t->local, rc);
			return rc;
		}
		atomic_fetch_add(&b->c.in_stalls, 1);
		if (atomic_load(b->stop))
			return rc;
	}
}

/* Checks an envelope and drops duplicates; 1 when it is to be published
 * (its payload is in t->copy).  The first one opens the local topic. */
static int in_accept(struct bridge *b, struct in_topic *t, const sluice_bridge_Envelope *e)
{
	if (in_check(b, t, e) != 0)
		return 0;
	if (!t->pub && in_open_pub(b, t, e->seq) != 0)
		return 0;
	if (t->have_last && e->seq <= t->last) {
		/* A resend (within two rings: what a restarted bridge or the
		 * writer's history can replay) is a duplicate; far older means
		 * the source topic was made anew and counts from the start. */
		if (t->last - e->seq < 2 * (uint64_t)t->slot_count) {
			atomic_fetch_add(&b->c.in_dup, 1);
			return 0;
		}
	} else if (t->have_last && e->seq > t->last + 1) {
		atomic_fetch_add(&b->c.in_gap, e->seq - t->last - 1);
	}
	return 1;
}

/* Publishes one envelope: into slot when one is loaned (lossless), else
 * with sluice_pub_publish (lossy: never waits; or the first message). */
static void in_forward(struct bridge *b, struct in_topic *t, const sluice_bridge_Envelope *e,
		       void *slot)
{
	size_t len = e->payload._length;
	int rc;

	if (!in_accept(b, t, e))
		return;
	if (slot) {
		memcpy(slot, t->copy, len);
		if ((rc = sluice_pub_commit(t->pub, 0, len)) != 0) {
			cli_lib_error("bridge", t->local, rc);
			return;
		}
	} else if (in_publish(b, t, len) != 0) {
		return;
	}
	t->last = e->seq;
	t->have_last = 1;
	atomic_fetch_add(&b->c.in_msgs, 1);
}

/* Moves t's samples from its DDS reader into the local topic, with t->lock
 * held.  A lossless topic's slot is loaned before a sample is taken, so a
 * full ring leaves the sample in DDS: with wait_ns 0 that returns 1 (the in
 * thread is to go on); otherwise it waits for room, counting stalls.  0
 * once the reader is empty. */
static int in_pump(struct bridge *b, struct in_topic *t, int64_t wait_ns)
{
	while (!atomic_load(b->stop)) {
		void *sample[1] = {NULL}, *slot = NULL;
		dds_sample_info_t info;
		int n;

		if (!t->pub && !wait_ns)
			return 1; /* opening the topic may wait: the in thread's */
		if (t->pub && t->delivery == SLUICE_LOSSLESS) {
			int rc = sluice_pub_loan(t->pub, t->slot_size, &slot, wait_ns);

			if (rc == -EAGAIN || rc == -ETIMEDOUT) {
				if (!wait_ns)
					return 1;
				atomic_fetch_add(&b->c.in_stalls, 1);
				continue;
			}
			if (rc != 0) {
				/* not expected to clear: this sample is dropped, said */
				cli_lib_error("bridge", t->local, rc);
				slot = NULL;
			}
		}
		n = dds_take(t->rd, sample, &info, 1, 1);
		if (n <= 0)
			return 0;
		if (info.valid_data && (slot || t->delivery != SLUICE_LOSSLESS || !t->pub))
			in_forward(b, t, sample[0], slot);
		dds_return_loan(t->rd, sample, n);
	}
	return 0;
}

/* Forwards what t's reader holds, unless another thread is at it (that one
 * then sees dirty and looks again).  wait_ns 0 (the listener) never waits:
 * a full ring hands t to the in thread. */
static void in_drain(struct in_state *s, struct in_topic *t, int64_t wait_ns)
{
	atomic_store(&t->dirty, 1);
	while (atomic_load(&t->dirty)) {
		int blocked = 0;

		if (wait_ns)
			pthread_mutex_lock(&t->lock);
		else if (pthread_mutex_trylock(&t->lock) != 0)
			return;
		while (!blocked && atomic_exchange(&t->dirty, 0))
			blocked = in_pump(s->b, t, wait_ns);
		atomic_store(&t->blocked, blocked);
		pthread_mutex_unlock(&t->lock);
		if (blocked) {
			dds_set_guardcondition(s->guard, true);
			return;
		}
	}
}

/* DATA_AVAILABLE, on Cyclone's receive thread. */
static void in_on_data(dds_entity_t rd, void *arg)
{
	struct in_topic *t = arg;

	(void)rd;
	in_drain(t->s, t, 0);
}

static void in_take_schemas(struct in_state *s)
{
	void *samples[TAKE_MAX] = {0};
	dds_sample_info_t info[TAKE_MAX];
	int n = dds_take(s->b->schema_rd, samples, info, TAKE_MAX, TAKE_MAX);

	for (int i = 0; i < n; i++)
		if (info[i].valid_data)
			in_schema(s, samples[i]);
	if (n > 0)
		dds_return_loan(s->b->schema_rd, samples, n);
}

int bridge_in_run(struct bridge *b)
{
	struct in_state *s = calloc(1, sizeof(*s));

	if (!s)
		return cli_error("bridge", "out of memory");
	s->b = b;
	s->ws = dds_create_waitset(b->pp);
	s->guard = dds_create_guardcondition(b->pp);
	dds_set_status_mask(b->schema_rd, DDS_DATA_AVAILABLE_STATUS);
	dds_waitset_attach(s->ws, b->schema_rd, (dds_attach_t)-1);
	dds_waitset_attach(s->ws, s->guard, (dds_attach_t)-2);
	while (!atomic_load(b->stop)) {
		struct timespec now;
		bool woken;

		clock_gettime(CLOCK_MONOTONIC, &now);
		/* the DDS writers of each topic, for sluice ls: twice a second */
		if ((now.tv_sec - s->last_peers.tv_sec) * 1000 +
			    (now.tv_nsec - s->last_peers.tv_nsec) / 1000000 >= 500) {
			for (int i = 0; i < s->n; i++)
				bridge_peers_add(&s->peers, s->t[i].local, s->t[i].rd, 0);
			bridge_peers_commit(&s->peers, "in");
			s->last_peers = now;
		}
		in_take_schemas(s);
		dds_take_guardcondition(s->guard, &woken);
		/* Topics the listener handed over wait here for room; the
		 * others are looked at too, in case a sample came in while
		 * no listener call was due. */
		for (int i = 0; i < s->n; i++)
			in_drain(s, &s->t[i], atomic_load(&s->t[i].blocked) ? 100000000 : 0);
		dds_waitset_wait(s->ws, NULL, 0, DDS_MSECS(100));
	}
	/* No listener runs once its reader is gone. */
	for (int i = 0; i < s->n; i++) {
		dds_sample_rejected_status_t rej;

		/* what the reader's history refused for being full: the
		 * writer sends it again, late (see bridge_reader_depth) */
		if (dds_get_sample_rejected_status(s->t[i].rd, &rej) == 0)
			atomic_fetch_add(&b->c.in_rejected, rej.total_count);
		dds_delete(s->t[i].rd);
		in_close(&s->t[i]);
	}
	dds_delete(s->guard);
	dds_delete(s->ws);
	free(s);
	return 0;
}
#endif
