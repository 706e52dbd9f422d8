/* pipeline/tap.c - a pipeline's record: and play: sections (tap.h).  Both run as
 * threads of the supervisor rather than as stage processes: they load no
 * plugin code, so a process of their own would isolate nothing, and the
 * supervisor alone knows when the last stage has drained, which is when
 * the recording can be finished. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/detail.h"
#include "record/tap.h"
#include "sluice/channel.h"
#include "sluice/error.h"
#include "sluice/record.h"

#define POLL_NS 50000000LL

struct rtopic {
	const char *seg;
	struct sluice_sub *sub;
	uint16_t channel;
	void *copy;
	size_t cap;
	uint64_t lost, torn;
};

struct sluice__tap {
	struct sluice_pipeline *pl;
	const _Atomic uint32_t *stop_sources, *stop_all;
	/* recorder */
	struct sluice_mcap_writer *w;
	struct rtopic rt[PL_MAX_TOPICS];
	int nrt;
	struct sluice_waitset *ws;
	int64_t mono_to_real;
	pthread_t rec_thread;
	bool rec_running;
	atomic_int finish;
	int rec_rc;
	char rec_why[300];
	/* player */
	struct sluice_pub *pubs[PL_MAX_TOPICS];
	int16_t chan_topic[65536]; /* channel id -> play topic + 1, 0: not played */
	pthread_t play_thread;
	bool play_running;
	atomic_int play_ended;
	int play_rc;
	char play_why[300];
	uint64_t t0, base;
};

static int64_t mono_to_real(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return ((int64_t)r.tv_sec - m.tv_sec) * 1000000000 + (r.tv_nsec - m.tv_nsec);
}

/* A schema already written for a type with the same bytes, or a new one. */
static int schema_for(struct sluice__tap *t, const char *type, const void *data, size_t len,
                      void **kept, uint16_t *ids, const char **types, size_t *lens, int *n,
                      uint16_t *id)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(types[i], type) && lens[i] == len && !memcmp(kept[i], data, len)) {
			*id = ids[i];
			return 0;
		}
	int rc = sluice_mcap_add_schema(t->w, type, "flatbuffer", data, len, id);

	if (!rc) {
		kept[*n] = (void *)data;
		ids[*n] = *id;
		types[*n] = type;
		lens[(*n)++] = len;
	}
	return rc;
}

static int open_recorder(struct sluice__tap *t)
{
	struct sluice_pipeline *pl = t->pl;
	struct pl_record *r = &pl->record;
	struct sluice_mcap_writer_opts wo = {
	    .compression = r->compression, .chunk_size = r->chunk_size, .profile = "sluice"};
	void *kept[PL_MAX_TOPICS];
	uint16_t ids[PL_MAX_TOPICS];
	const char *types[PL_MAX_TOPICS];
	size_t lens[PL_MAX_TOPICS];
	int nkept = 0, rc;

	rc = sluice_mcap_writer_open(r->file, &wo, &t->w);
	if (rc)
		return sluice__fail(rc, "record: %s: %s", r->file, sluice_errdetail());
	if ((rc = sluice_waitset_new(&t->ws)) != 0)
		return rc;
	t->mono_to_real = mono_to_real();
	for (int k = 0; k < r->ntopics && !rc; k++) {
		struct pl_topic *pt = &pl->topics[r->topic_index[k]];
		struct rtopic *rt = &t->rt[t->nrt++];
		struct sluice_topic_stats st;
		struct sluice_sub_opts so = {.join = SLUICE_JOIN_OLDEST};
		uint16_t sid = 0;
		void *schema = NULL;

		rt->seg = pt->seg;
		rc = sluice_topic_stat(pt->seg, &st, NULL, 0);
		if (!rc && st.schema_len) {
			schema = malloc(st.schema_len);
			if (!schema)
				rc = -ENOMEM;
			else if (sluice_topic_schema(pt->seg, schema, st.schema_len) !=
			         (int)st.schema_len)
				rc = sluice__fail(-EIO, "record: %s: cannot read its schema",
				                  pt->seg);
			if (!rc)
				rc = schema_for(t, pt->type, schema, st.schema_len, kept, ids,
				                types, lens, &nkept, &sid);
			if (!rc && kept[nkept - 1] == schema)
				schema = NULL; /* kept until the end of this function */
		}
		free(schema);
		if (!rc)
			rc = sluice_mcap_add_channel(t->w, sid, pt->seg + 1,
			                             sid ? "flatbuffer" : "", &rt->channel);
		if (!rc && !(rt->copy = malloc(pt->slot_size)))
			rc = -ENOMEM;
		rt->cap = pt->slot_size;
		if (!rc)
			rc = sluice_sub_open(pt->seg, &so, &rt->sub);
		if (!rc)
			rc = sluice_waitset_add(t->ws, rt->sub);
		if (rc > 0)
			rc = 0; /* the waitset's index */
	}
	for (int i = 0; i < nkept; i++)
		free(kept[i]);
	if (rc)
		return sluice__fail(rc, "record: %s: %s", r->file, sluice_errdetail());
	return 0;
}

/* Takes what one topic holds now: copy out, release, write.  The count
 * taken, or a negative code. */
static int record_drain(struct sluice__tap *t, struct rtopic *rt)
{
	int n = 0, rc;

	while (n < 256) {
		struct sluice_msg m;

		rc = sluice_sub_take(rt->sub, &m, 0);
		if (rc == -EAGAIN || rc == -ETIMEDOUT || rc == -SLUICE_EOWNERDEAD ||
		    rc == -SLUICE_ECORRUPT)
			return n; /* nothing now; a restarted producer comes back */
		if (rc)
			return sluice__fail(rc, "record: %s: %s", rt->seg, sluice_strerror(rc));
		uint64_t log_time = (uint64_t)((int64_t)sluice__now_ns() + t->mono_to_real);
		size_t len = m.len <= rt->cap ? m.len : rt->cap;

		memcpy(rt->copy, m.data, len);
		rt->lost += m.lost_before;
		if (sluice_sub_release(rt->sub, &m) == -SLUICE_ETORN) {
			rt->torn++;
			continue;
		}
		rc = sluice_mcap_write_message(t->w, rt->channel, (uint32_t)m.seq, log_time,
		                               (uint64_t)((int64_t)m.stamp_ns + t->mono_to_real),
		                               rt->copy, len);
		if (rc)
			return sluice__fail(rc, "record: %s: %s", t->pl->record.file,
			                    sluice_errdetail());
		n++;
	}
	return n;
}

static int record_pass(struct sluice__tap *t)
{
	int total = 0;

	for (int i = 0; i < t->nrt; i++) {
		int n = record_drain(t, &t->rt[i]);

		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

static void *record_thread(void *arg)
{
	struct sluice__tap *t = arg;
	int n = 0;

	while (!atomic_load(&t->finish)) {
		if ((n = record_pass(t)) < 0)
			break;
		if (n == 0 && sluice_waitset_wait(t->ws, POLL_NS) >= 0 &&
		    (n = record_pass(t)) == 0) {
			/* ready but empty: a publisher that left; look again soon */
			struct timespec ms = {0, 5000000};

			nanosleep(&ms, NULL);
		}
		if (n < 0)
			break;
	}
	/* Every stage has stopped: take what is left. */
	while (n >= 0 && (n = record_pass(t)) > 0)
		;
	if (n < 0) {
		t->rec_rc = n;
		snprintf(t->rec_why, sizeof(t->rec_why), "%s", sluice_errdetail());
	}
	return NULL;
}

/* The losses, per topic, as Metadata "sluice.losses" (as sluice record). */
static int write_losses(struct sluice__tap *t)
{
	const char *kv[2 * PL_MAX_TOPICS];
	char val[PL_MAX_TOPICS][24];

	for (int i = 0; i < t->nrt; i++) {
		snprintf(val[i], sizeof(val[i]), "%llu",
		         (unsigned long long)(t->rt[i].lost + t->rt[i].torn));
		kv[2 * i] = t->rt[i].seg + 1;
		kv[2 * i + 1] = val[i];
	}
	return sluice_mcap_add_metadata(t->w, "sluice.losses", kv, (size_t)t->nrt);
}

static bool play_stopped(const struct sluice__tap *t)
{
	return atomic_load_explicit(t->stop_sources, memory_order_acquire) ||
	       atomic_load_explicit(t->stop_all, memory_order_acquire);
}

#define PLAY_STOPPED 1 /* ends the scan; not an error */

static int play_rec(const struct sluice_mcap_rec *r, void *arg)
{
	struct sluice__tap *t = arg;
	int k, rc;

	if (play_stopped(t))
		return PLAY_STOPPED;
	if (r->kind != SLUICE_MCAP_MESSAGE || !(k = t->chan_topic[r->channel_id]))
		return 0;
	k--;
	if (!t->t0) {
		t->t0 = sluice__now_ns();
		t->base = r->log_time;
	}
	double rate = t->pl->play.rate;

	if (rate > 0 && r->log_time > t->base) {
		uint64_t due = t->t0 + (uint64_t)((double)(r->log_time - t->base) / rate);

		for (uint64_t now = sluice__now_ns(); now < due; now = sluice__now_ns()) {
			uint64_t d = due - now > 50000000u ? 50000000u : due - now;
			struct timespec ts = {0, (long)d};

			if (play_stopped(t))
				return PLAY_STOPPED;
			nanosleep(&ts, NULL);
		}
	}
	/* Lossless topics wait for the slowest reader; keep an eye on stop. */
	while ((rc = sluice_pub_publish(t->pubs[k], r->data, r->len, POLL_NS)) == -ETIMEDOUT)
		if (play_stopped(t))
			return PLAY_STOPPED;
	if (rc)
		return sluice__fail(rc, "play: %s: %s",
		                    t->pl->topics[t->pl->play.topic_index[k]].seg,
		                    sluice_strerror(rc));
	return 0;
}

static void *play_thread(void *arg)
{
	struct sluice__tap *t = arg;
	struct pl_play *pp = &t->pl->play;
	int rc;

	do {
		t->t0 = 0;
		rc = sluice_mcap_scan(pp->buf, pp->len, 0, play_rec, t, NULL);
	} while (rc == 0 && pp->loop);
	if (rc < 0) {
		t->play_rc = rc;
		snprintf(t->play_why, sizeof(t->play_why), "%s", sluice_errdetail());
	}
	/* Readers see the producer gone once they have taken everything. */
	for (int k = 0; k < pp->ntopics; k++) {
		sluice_pub_close(t->pubs[k]);
		t->pubs[k] = NULL;
	}
	atomic_store(&t->play_ended, 1);
	return NULL;
}

int sluice__tap_start(struct sluice_pipeline *pl, const _Atomic uint32_t *stop_sources,
                      const _Atomic uint32_t *stop_all, struct sluice__tap **out)
{
	struct sluice__tap *t;
	int rc = 0;

	*out = NULL;
	if (!pl->record.on && !pl->play.on)
		return 0;
	if (!(t = calloc(1, sizeof(*t))))
		return -ENOMEM;
	t->pl = pl;
	t->stop_sources = stop_sources;
	t->stop_all = stop_all;
	for (int k = 0; k < pl->play.ntopics && !rc; k++) {
		struct pl_topic *pt = &pl->topics[pl->play.topic_index[k]];
		struct sluice_topic_opts o = {.type_name = pt->type};

		t->chan_topic[pl->play.channel[k]] = (int16_t)(k + 1);
		rc = sluice_pub_open(pt->seg, &o, &t->pubs[k]);
		if (rc)
			rc = sluice__fail(rc, "play: %s: %s", pt->seg, sluice_errdetail());
	}
	if (!rc && pl->record.on && (rc = open_recorder(t)) == 0) {
		if (pthread_create(&t->rec_thread, NULL, record_thread, t) != 0)
			rc = sluice__fail(-EAGAIN, "record: cannot start its thread");
		else
			t->rec_running = true;
	}
	if (rc) {
		atomic_store(&t->play_ended, 1);
		sluice__tap_close(t);
		return rc;
	}
	*out = t;
	return 0;
}

int sluice__tap_play(struct sluice__tap *t)
{
	if (!t || !t->pl->play.on)
		return 0;
	if (pthread_create(&t->play_thread, NULL, play_thread, t) != 0)
		return sluice__fail(-EAGAIN, "play: cannot start its thread");
	t->play_running = true;
	return 0;
}

int sluice__tap_play_ended(const struct sluice__tap *t)
{
	return t && t->play_running && atomic_load(&t->play_ended);
}

int sluice__tap_close(struct sluice__tap *t)
{
	int rc = 0, wrc;

	if (!t)
		return 0;
	if (t->play_running) {
		/* stop_sources is set by now: the player leaves within POLL_NS */
		pthread_join(t->play_thread, NULL);
		if (t->play_rc)
			rc = sluice__fail(t->play_rc, "%s", t->play_why);
	}
	for (int k = 0; k < PL_MAX_TOPICS; k++)
		sluice_pub_close(t->pubs[k]);
	if (t->rec_running) {
		atomic_store(&t->finish, 1);
		pthread_join(t->rec_thread, NULL);
		if (t->rec_rc && !rc)
			rc = sluice__fail(t->rec_rc, "%s", t->rec_why);
	}
	if (t->w) {
		wrc = write_losses(t);
		if (!wrc)
			wrc = sluice_mcap_writer_close(t->w);
		else
			sluice_mcap_writer_close(t->w);
		if (wrc && !rc)
			rc = sluice__fail(wrc, "record: %s: %s", t->pl->record.file,
			                  sluice_errdetail());
	}
	for (int i = 0; i < t->nrt; i++) {
		sluice_sub_close(t->rt[i].sub);
		free(t->rt[i].copy);
	}
	sluice_waitset_free(t->ws);
	free(t);
	return rc;
}
