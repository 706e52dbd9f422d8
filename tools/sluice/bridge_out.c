/* bridge_out.c - `sluice bridge`, local topics -> DDS: one subscriber and
 * one DDS writer per topic; each burst of messages is written as a batch
 * and flushed once.  A lossless topic whose DDS readers are slow blocks in
 * dds_write (max_blocking_time); the message is kept and written again, so
 * the local ring fills and the local publisher waits: back-pressure, counted
 * as stalls, never a drop. */
#ifdef SLUICE_HAVE_CYCLONEDDS
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bridge.h"
#include "cmd.h"
#include "bridge_envelope.h"
#include "sluice/error.h"
#include "sluice/fb.h"

struct out_topic {
	char local[CLI_TOPIC_MAX];
	char dds[BRIDGE_DDS_NAME_MAX + 1];
	struct sluice_topic_stats st;
	struct sluice_sub *sub;
	struct sluice_waitset *one; /* sub alone: a look for data without a syscall */
	dds_entity_t topic, wr;
	unsigned char *buf;   /* the message being forwarded (a copy) */
	size_t cap;
	int pending;          /* buf holds a message dds_write has not taken yet */
	sluice_bridge_Envelope env;
};

struct out_state {
	struct bridge *b;
	struct out_topic t[BRIDGE_MAX_TOPICS];
	int n;
	struct sluice_waitset *ws;
	int ws_dirty;
	int64_t rt_off;
	unsigned char said_bridged[BRIDGE_MAX_TOPICS];
	struct bridge_peerbuf peers;
	struct timespec last_peers;
};

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int find(struct out_state *s, const char *local)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->t[i].local, local))
			return i;
	return -1;
}

static void out_close(struct out_topic *t)
{
	if (t->sub)
		sluice_sub_close(t->sub);
	if (t->one)
		sluice_waitset_free(t->one);
	if (t->wr > 0)
		dds_delete(t->wr);
	free(t->buf);
	t->sub = NULL;
	t->one = NULL;
	t->wr = 0;
	t->buf = NULL;
}

/* Opens topic `local` for export.  1 when open, 0 when it is not ready yet
 * (no topic, no live publisher), negative when it can never be exported. */
static int out_open(struct out_state *s, const char *local)
{
	struct bridge *b = s->b;
	struct out_topic *t = &s->t[s->n];
	struct sluice_sub_opts so = {0};
	void *bfbs = NULL;
	size_t strip = strlen(b->strip);
	dds_qos_t *q;
	int rc;

	memset(t, 0, sizeof(*t));
	snprintf(t->local, sizeof(t->local), "%s", local);
	if (strip && strncmp(local, b->strip, strip) != 0)
		return -EPERM; /* not this pipeline's */
	if ((rc = bridge_name_to_dds(local + strip, t->dds, sizeof(t->dds))) != 0) {
		fprintf(stderr, "sluice bridge: %s: no DDS name for it (%s)\n", local, strerror(-rc));
		return rc;
	}
	if (sluice_topic_stat(local, &t->st, NULL, 0) != 0 || !t->st.publisher_pid ||
	    !t->st.publisher_alive)
		return 0;
	if (bridge_topic_is_bridged(&t->st))
		return -EXDEV;
	if ((rc = bridge_read_schema(local, t->st.schema_len, &bfbs)) != 0)
		return 0;
	so.type_name = t->st.type_name;
	so.schema_hash = t->st.schema_hash;
	/* The oldest the ring holds: a restarted bridge resends what it may not
	 * have sent; the far side drops what it already has by sequence. */
	so.join = SLUICE_JOIN_OLDEST;
	/* A lone topic is waited on by a take (out_wait_one): sleep at once.
	 * A message comes long after the last one was forwarded (the far side
	 * answers, or a stage runs), and on few CPUs a 20 us spin per message
	 * takes the CPU the processes that make the next one need. */
	so.spin_ns = 1;
	if ((rc = sluice_sub_open(local, &so, &t->sub)) != 0) {
		free(bfbs);
		return rc == -ENOENT ? 0 : (cli_lib_error("bridge", local, rc), rc);
	}
	if (sluice_waitset_new(&t->one) == 0)
		sluice_waitset_add(t->one, t->sub);
	t->cap = t->st.slot_size;
	t->buf = malloc(t->cap ? t->cap : 1);
	t->topic = dds_create_topic(b->pp, &sluice_bridge_Envelope_desc, t->dds, NULL, NULL);
	q = bridge_data_qos(t->st.delivery, t->st.slot_count, t->st.slot_size, 1);
	t->wr = t->topic > 0 ? dds_create_writer(b->pp, t->topic, q, NULL) : t->topic;
	dds_delete_qos(q);
	if (!t->buf || !t->one || t->wr < 0) {
		fprintf(stderr, "sluice bridge: %s: cannot create DDS writer for %s: %s\n", local,
			t->dds, t->wr < 0 ? dds_strretcode(t->wr) : "out of memory");
		free(bfbs);
		out_close(t);
		return -EIO;
	}
	rc = bridge_announce(b, t->dds, &t->st, bfbs, bfbs ? t->st.schema_len : 0);
	free(bfbs);
	if (rc < 0) {
		fprintf(stderr, "sluice bridge: %s: cannot announce its schema: %s\n", local,
			dds_strretcode(rc));
		out_close(t);
		return -EIO;
	}
	t->env.type_name = t->st.type_name;
	t->env.schema_hash = t->st.schema_hash;
	t->env.origin = b->origin;
	t->env.payload._buffer = t->buf;
	t->env.payload._release = false;
	if (b->verbose)
		fprintf(stderr, "sluice bridge: out %s -> %s (%s)\n", local, t->dds,
			t->st.delivery == SLUICE_LOSSY ? "lossy" : "lossless");
	s->n++;
	s->ws_dirty = 1;
	return 1;
}

static int scan_one(const char *topic, void *arg)
{
	struct out_state *s = arg;

	if (s->n < BRIDGE_MAX_TOPICS && find(s, topic) < 0)
		out_open(s, topic);
	return 0;
}

/* Opens the topics not open yet: those named, or with --all every topic
 * whose publisher is not a bridge. */
static void out_scan(struct out_state *s)
{
	struct bridge *b = s->b;

	for (int i = 0; i < b->n_outs; i++)
		if (find(s, b->outs[i]) < 0 && s->n < BRIDGE_MAX_TOPICS &&
		    out_open(s, b->outs[i]) == -EXDEV && !s->said_bridged[i]) {
			s->said_bridged[i] = 1;
			fprintf(stderr, "sluice bridge: %s: not sent: its publisher is a bridge "
					"(it came from DDS)\n", b->outs[i]);
		}
	if (b->all)
		sluice_topic_list(scan_one, s);
}

static int rebuild_waitset(struct out_state *s)
{
	if (s->ws)
		sluice_waitset_free(s->ws);
	s->ws = NULL;
	if (sluice_waitset_new(&s->ws) != 0)
		return -ENOMEM;
	for (int i = 0; i < s->n; i++)
		if (s->t[i].sub)
			sluice_waitset_add(s->ws, s->t[i].sub);
	s->ws_dirty = 0;
	return 0;
}

/* Writes t's pending message; 1 written, 0 DDS blocked it (kept). */
static int out_write(struct bridge *b, struct out_topic *t)
{
	dds_return_t r = dds_write(t->wr, &t->env);

	if (r == DDS_RETCODE_OK) {
		t->pending = 0;
		atomic_fetch_add(&b->c.out_msgs, 1);
		return 1;
	}
	/* DDS_RETCODE_TIMEOUT: the readers' history is full (lossless);
	 * anything else is not expected to clear, but the message is kept all
	 * the same: a lossless topic never loses one here. */
	atomic_fetch_add(&b->c.out_stalls, 1);
	if (r != DDS_RETCODE_TIMEOUT && b->verbose)
		fprintf(stderr, "sluice bridge: %s: dds_write: %s\n", t->local, dds_strretcode(r));
	return 0;
}

/* Takes t's next message into t->buf, waiting up to timeout_ns: 1 taken
 * (pending), 0 none, -1 the subscriber was closed after an error. */
static int out_take(struct out_state *s, struct out_topic *t, int64_t timeout_ns)
{
	struct bridge *b = s->b;
	struct sluice_msg info;
	int r = sluice_sub_take_copy(t->sub, t->buf, t->cap, &info, timeout_ns);

	if (r == -SLUICE_EEVICTED || r == -SLUICE_ECORRUPT) {
		/* Open again: a fresh subscriber from the oldest message. */
		cli_lib_error("bridge", t->local, r);
		out_close(t);
		s->ws_dirty = 1;
		return -1;
	}
	if (r < 0) /* -EAGAIN, or no publisher now: nothing to send */
		return 0;
	if (info.lost_before)
		atomic_fetch_add(&b->c.out_lost, info.lost_before);
	t->env.seq = info.seq;
	t->env.stamp_ns = (uint64_t)((int64_t)info.stamp_ns + s->rt_off);
	t->env.payload._length = t->env.payload._maximum = (uint32_t)r;
	t->pending = 1;
	return 1;
}

/* Forwards up to one ring of t's messages as one batch; returns how many. */
static int out_burst(struct out_state *s, struct out_topic *t)
{
	struct bridge *b = s->b;
	int done = 0;

	for (uint32_t k = 0; k < t->st.slot_count && !atomic_load(b->stop); k++) {
		/* A take that finds the ring empty looks whether the publisher
		 * is gone (a /proc read, four syscalls); the wait-set looks only
		 * every 50 ms.  Asked after each message, the take made that
		 * look before every flush. */
		if (!t->pending &&
		    (sluice_waitset_wait(t->one, 0) < 0 || out_take(s, t, 0) <= 0))
			break;
		if (!out_write(b, t))
			break;
		done++;
	}
	if (t->wr > 0)
		dds_write_flush(t->wr);
	return done;
}

static int64_t ms_since(const struct timespec *a, const struct timespec *b)
{
	return (int64_t)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

int bridge_out_run(struct bridge *b)
{
	struct out_state *s = calloc(1, sizeof(*s));
	struct timespec last_scan = {0, 0};
	int woke = 0;

	if (!s)
		return cli_error("bridge", "out of memory");
	s->b = b;
	while (!atomic_load(b->stop)) {
		struct timespec now;
		int done = 0, pending = 0;

		/* New topics: once a second, ten times as often while some named
		 * ones are not open yet. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ms_since(&last_scan, &now) >= (s->n < b->n_outs ? 100 : 1000)) {
			out_scan(s);
			last_scan = now;
		}
		/* drop the topics closed after an error; the scan reopens them */
		for (int i = 0; i < s->n; i++)
			if (!s->t[i].sub) {
				s->t[i] = s->t[--s->n];
				i--;
				s->ws_dirty = 1;
			}
		if (s->ws_dirty && rebuild_waitset(s) != 0)
			break;
		/* the DDS readers of each topic, for sluice ls: twice a second */
		if (ms_since(&s->last_peers, &now) >= 500) {
			for (int i = 0; i < s->n; i++)
				bridge_peers_add(&s->peers, s->t[i].local, s->t[i].wr, 1);
			bridge_peers_commit(&s->peers, "out");
			s->last_peers = now;
		}
		s->rt_off = bridge_realtime_offset();
		for (int i = 0; i < s->n; i++) {
			done += out_burst(s, &s->t[i]);
			pending |= s->t[i].pending;
		}
		if (done) {
			woke = 0;
			continue;
		}
		if (pending || !s->n || woke) {
			/* blocked by DDS, nothing to watch, or the waitset woke us
			 * for nothing (a topic whose publisher is gone): no spinning */
			sleep_ms(s->n ? 1 : 50);
			woke = 0;
			continue;
		}
		/* One topic: a take that sleeps at once (the wait-set spins
		 * 20 us first, a cost measured in docs/bridge.md); the message
		 * it takes is forwarded on the next turn. */
		if (s->n == 1)
			woke = out_take(s, &s->t[0], 100000000) != 0;
		else
			woke = sluice_waitset_wait(s->ws, 100000000) >= 0;
	}
	for (int i = 0; i < s->n; i++)
		out_close(&s->t[i]);
	if (s->ws)
		sluice_waitset_free(s->ws);
	free(s);
	return 0;
}
#endif
