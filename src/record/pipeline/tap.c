/* pipeline/tap.c - a pipeline's record: and play: sections (tap.h).  Each
 * runs as a child process of the supervisor, forked before any stage, and
 * not as a thread of it: the supervisor forks stage processes (and forks
 * them again on restarts), and a fork while another thread holds a lock
 * (an allocator's, say) leaves the child waiting on it for ever.  The
 * supervisor tells them when to start playing and when every stage has
 * drained (the recording is then finished) through a shared page. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

/* Between the supervisor and its two children (MAP_SHARED). */
struct tap_shared {
	_Atomic int rec_state;  /* recorder: 0 starting, 1 subscribed, -1 failed */
	_Atomic int finish;     /* supervisor: every stage has stopped */
	_Atomic int play_state; /* player: 0 starting, 1 ready, -1 failed */
	_Atomic int play_go;    /* supervisor: the readers are ready */
	_Atomic int play_ended; /* player: played, stopped or failed */
	int rec_rc, play_rc;
	uint64_t rec_msgs, rec_bytes, rec_lost; /* recorder: the finished file */
	char rec_why[300], play_why[300];
};

struct sluice__tap {
	struct sluice_pipeline *pl;
	const _Atomic uint32_t *stop_sources, *stop_all;
	struct tap_shared *sh;
	pid_t rec_pid, play_pid;
	/* the recorder's, in its process */
	struct sluice_mcap_writer *w;
	struct rtopic rt[PL_MAX_TOPICS];
	int nrt;
	struct sluice_waitset *ws;
	int64_t mono_to_real;
	/* the player's, in its process */
	struct sluice_pub *pubs[PL_MAX_TOPICS];
	int16_t chan_topic[65536]; /* channel id -> play topic + 1, 0: not played */
	uint64_t t0, base;
};

/* SIGTERM (also the supervisor's death, PR_SET_PDEATHSIG) finishes the
 * recording as the supervisor's word would. */
static volatile sig_atomic_t rec_term;

static void on_term(int sig)
{
	(void)sig;
	rec_term = 1;
}

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

/* The recorder's process: subscribe, say so, write until told to finish,
 * take what is left, finish the file. */
static void record_main(struct sluice__tap *t)
{
	struct tap_shared *sh = t->sh;
	int n = 0, rc;

	prctl(PR_SET_NAME, "record");
	signal(SIGINT, SIG_IGN); /* Ctrl-C is the supervisor's to handle */
	signal(SIGTERM, on_term);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if ((rc = open_recorder(t)) != 0) {
		sh->rec_rc = rc;
		snprintf(sh->rec_why, sizeof(sh->rec_why), "%s", sluice_errdetail());
		atomic_store(&sh->rec_state, -1);
		_exit(1);
	}
	atomic_store(&sh->rec_state, 1);
	while (!atomic_load(&sh->finish) && !rec_term) {
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
	if (n < 0) {
		/* Stop reading at once: a lossless topic must not wait on us. */
		rc = n;
		snprintf(sh->rec_why, sizeof(sh->rec_why), "%s", sluice_errdetail());
		for (int i = 0; i < t->nrt; i++) {
			sluice_sub_close(t->rt[i].sub);
			t->rt[i].sub = NULL;
		}
	}
	/* Every stage has stopped: take what is left. */
	while (!rc && (n = record_pass(t)) > 0)
		;
	if (!rc && n < 0) {
		rc = n;
		snprintf(sh->rec_why, sizeof(sh->rec_why), "%s", sluice_errdetail());
	}
	int wrc = write_losses(t);
	uint64_t bytes;

	sluice_mcap_writer_counts(t->w, &sh->rec_msgs, &bytes);
	for (int i = 0; i < t->nrt; i++)
		sh->rec_lost += t->rt[i].lost + t->rt[i].torn;
	int crc = sluice_mcap_writer_close(t->w);
	struct stat st;

	/* the summary and footer are written at close: the file says its size */
	sh->rec_bytes = stat(t->pl->record.file, &st) == 0 ? (uint64_t)st.st_size : 0;

	if (!rc && (wrc || crc)) {
		rc = wrc ? wrc : crc;
		snprintf(sh->rec_why, sizeof(sh->rec_why), "record: %s: %s", t->pl->record.file,
		         sluice_errdetail());
	}
	sh->rec_rc = rc;
	_exit(rc ? 1 : 0);
}

/* The player's process: open the topics, wait for the word, play. */
static void play_main(struct sluice__tap *t)
{
	struct tap_shared *sh = t->sh;
	struct pl_play *pp = &t->pl->play;
	int rc = 0;

	prctl(PR_SET_NAME, "play");
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (int k = 0; k < pp->ntopics && !rc; k++) {
		struct pl_topic *pt = &t->pl->topics[pp->topic_index[k]];
		struct sluice_topic_opts o = {.type_name = pt->type};

		t->chan_topic[pp->channel[k]] = (int16_t)(k + 1);
		if ((rc = sluice_pub_open(pt->seg, &o, &t->pubs[k])) != 0)
			rc = sluice__fail(rc, "play: %s: %s", pt->seg, sluice_errdetail());
	}
	if (rc) {
		sh->play_rc = rc;
		snprintf(sh->play_why, sizeof(sh->play_why), "%s", sluice_errdetail());
		atomic_store(&sh->play_state, -1);
		_exit(1);
	}
	atomic_store(&sh->play_state, 1);
	while (!rc && !atomic_load(&sh->play_go) && !play_stopped(t)) {
		struct timespec ms = {0, 1000000};

		nanosleep(&ms, NULL);
	}
	while (!rc && !play_stopped(t)) {
		t->t0 = 0;
		rc = sluice_mcap_scan(pp->buf, pp->len, 0, play_rec, t, NULL);
		if (rc == PLAY_STOPPED)
			rc = 0;
		if (!pp->loop)
			break;
	}
	if (rc) {
		sh->play_rc = rc;
		snprintf(sh->play_why, sizeof(sh->play_why), "%s", sluice_errdetail());
	}
	/* Readers see the producer gone once they have taken everything. */
	for (int k = 0; k < pp->ntopics; k++)
		sluice_pub_close(t->pubs[k]);
	atomic_store(&sh->play_ended, 1);
	_exit(rc ? 1 : 0);
}

/* Waits until *state leaves 0 or the child exits (bounded). */
static int await_state(_Atomic int *state, pid_t pid)
{
	uint64_t t0 = sluice__now_ns();
	int status;

	while (!atomic_load(state) && sluice__now_ns() - t0 < 10000000000ull) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return -1;
		struct timespec ms = {0, 1000000};

		nanosleep(&ms, NULL);
	}
	return atomic_load(state) == 1 ? 0 : -1;
}

/* Waits for a child, SIGKILLing it after timeout_ns; 0 if it exited 0. */
static int reap_child(pid_t pid, uint64_t timeout_ns)
{
	uint64_t t0 = sluice__now_ns();
	int status;
	pid_t got;

	while ((got = waitpid(pid, &status, WNOHANG)) == 0) {
		if (sluice__now_ns() - t0 > timeout_ns) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		struct timespec ms = {0, 2000000};

		nanosleep(&ms, NULL);
	}
	return got == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static pid_t spawn(struct sluice__tap *t, void (*body)(struct sluice__tap *))
{
	pid_t pid = fork();

	if (pid == 0)
		body(t); /* never returns */
	return pid;
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
	t->sh =
	    mmap(NULL, sizeof(*t->sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t->sh == MAP_FAILED) {
		free(t);
		return sluice__fail(-errno, "record/play: cannot map a shared page: %s",
		                    strerror(errno));
	}
	memset(t->sh, 0, sizeof(*t->sh));
	if (pl->record.on) {
		if ((t->rec_pid = spawn(t, record_main)) < 0)
			rc = sluice__fail(-errno, "record: cannot start: %s", strerror(errno));
		else if (await_state(&t->sh->rec_state, t->rec_pid))
			rc = sluice__fail(t->sh->rec_rc ? t->sh->rec_rc : -EIO, "%s",
			                  t->sh->rec_why[0] ? t->sh->rec_why
			                                    : "record: the recorder did not start");
	}
	if (!rc && pl->play.on) {
		if ((t->play_pid = spawn(t, play_main)) < 0)
			rc = sluice__fail(-errno, "play: cannot start: %s", strerror(errno));
		else if (await_state(&t->sh->play_state, t->play_pid))
			rc = sluice__fail(t->sh->play_rc ? t->sh->play_rc : -EIO, "%s",
			                  t->sh->play_why[0] ? t->sh->play_why
			                                     : "play: the player did not start");
	}
	if (rc) {
		atomic_store(&t->sh->finish, 1);
		if (t->play_pid > 0)
			kill(t->play_pid, SIGKILL);
		sluice__tap_close(t, NULL, NULL);
		return rc;
	}
	*out = t;
	return 0;
}

int sluice__tap_play(struct sluice__tap *t)
{
	if (t && t->play_pid > 0)
		atomic_store(&t->sh->play_go, 1);
	return 0;
}

int sluice__tap_play_ended(const struct sluice__tap *t)
{
	return t && t->play_pid > 0 && atomic_load(&t->sh->play_ended);
}

int sluice__tap_close(struct sluice__tap *t, struct sluice_record_report *rec, int *recorded)
{
	int rc = 0;

	if (!t)
		return 0;
	if (t->play_pid > 0) {
		/* stop_sources is set by now: the player leaves within POLL_NS */
		if (reap_child(t->play_pid, 5000000000ull) && !t->sh->play_rc)
			rc = sluice__fail(-EIO, "play: the player did not end cleanly");
		else if (t->sh->play_rc)
			rc = sluice__fail(t->sh->play_rc, "%s", t->sh->play_why);
	}
	if (t->rec_pid > 0) {
		atomic_store(&t->sh->finish, 1);
		/* it takes what is left and finishes the file */
		int bad = reap_child(t->rec_pid, 60000000000ull);

		if (t->sh->rec_rc && !rc)
			rc = sluice__fail(t->sh->rec_rc, "%s", t->sh->rec_why);
		else if (bad && !rc)
			rc = sluice__fail(-EIO, "record: %s: the recorder did not finish",
			                  t->pl->record.file);
		if (rec && !bad && !t->sh->rec_rc) {
			*rec = (struct sluice_record_report){.file = t->pl->record.file,
			                                     .messages = t->sh->rec_msgs,
			                                     .bytes = t->sh->rec_bytes,
			                                     .lost = t->sh->rec_lost};
			*recorded = 1;
		}
	}
	munmap(t->sh, sizeof(*t->sh));
	free(t);
	return rc;
}
