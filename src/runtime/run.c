/* run.c - the supervisor: creates a pipeline's topics and control segment,
 * starts each stage as a process (or a thread), restarts or reports stages
 * that crash, reports figures and events to the caller, and stops in order
 * when asked (sluice_pipeline_stop()) or at the end of the duration:
 * sources first, then the rest once they have drained what the sources
 * sent.  It prints nothing and leaves the caller's signal handling alone. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/detail.h"
#include "record/tap.h"
#include "runtime/ctl.h"
#include "runtime/report.h"
#include "shm/waitq.h"

#define READY_TIMEOUT_NS (5 * 1000000000ull)
#define DRAIN_TIMEOUT_NS (3 * 1000000000ull)
#define EXIT_TIMEOUT_NS  (2 * 1000000000ull)
/* A stage that fails this many times in a row without ever becoming ready
 * (its init returns an error) will not start on the next try either: its
 * restarts are exhausted.  Crashes (signals) are restarted without limit. */
#define MAX_FAILED_STARTS 5

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "sluice_pipeline_stop() must be async-signal-safe");

struct slot {
	pid_t pid;          /* process mode */
	pthread_t thread;   /* thread mode */
	bool running;
	bool done;          /* exited and not to be restarted */
	int status;         /* last exit: 0 clean, else 1 or 128+signal */
	uint64_t restart_at; /* back-off: when to start it again (0: not pending) */
	unsigned backoff_ms;
	bool ready_seen;         /* this run of it reached STAGE_READY */
	unsigned failed_starts;  /* consecutive runs that failed before ready */
};

struct runner {
	struct sluice_pipeline *pl;
	const struct sluice_run_opts *o;
	struct run_ctl *ctl;
	struct sluice_shm *ctl_shm;
	char ctl_name[SLUICE_SHM_NAME_MAX + 1];
	struct slot slots[PL_MAX_STAGES];
	struct report rep;
	struct sluice__tap *tap; /* record: and play:, or NULL */
	/* the pipeline's bridge: section, a `sluice bridge` process */
	pid_t bridge_pid;
	uint64_t bridge_restart_at;
	unsigned bridge_backoff_ms;
	bool bridge_done;
};

static void tell(const struct runner *r, int kind, const char *stage, int pid, int value)
{
	struct sluice_run_event ev = {.kind = kind, .stage = stage, .pid = pid, .value = value};

	if (r->o->event)
		r->o->event(r->o->arg, &ev);
}

/* Hands the stages' queued log lines to the caller.  The ring is in shared
 * memory that a stage writes: its head is clamped and each line is copied
 * and bounded before use. */
static void drain_logs(struct runner *r)
{
	for (int i = 0; i < r->pl->nstages; i++) {
		struct ctl_stage *rec = &r->ctl->stages[i];
		uint64_t head = atomic_load_explicit(&rec->log_head, memory_order_acquire);
		uint64_t tail = atomic_load_explicit(&rec->log_tail, memory_order_relaxed);
		uint64_t dropped = atomic_exchange(&rec->log_dropped, 0);

		if (head - tail > LOG_LINES)
			tail = head - LOG_LINES;
		for (; tail != head; tail++) {
			const struct ctl_log_line *l = &rec->log[tail % LOG_LINES];
			char text[LOG_TEXT];
			uint32_t kind = l->kind;
			size_t n = strnlen(l->text, LOG_TEXT - 1);

			memcpy(text, l->text, n);
			text[n] = '\0';
			struct sluice_run_event ev = {
			    .kind = kind == LOG_STOPPED ? SLUICE_RUN_STAGE_STOPPED : SLUICE_RUN_STAGE_LOG,
			    .stage = r->pl->stages[i].name,
			    .pid = r->slots[i].pid,
			    .value = kind <= SLUICE_LOG_DEBUG ? (int)kind : SLUICE_LOG_ERROR,
			    .text = text};

			if (r->o->event)
				r->o->event(r->o->arg, &ev);
		}
		atomic_store_explicit(&rec->log_tail, tail, memory_order_release);
		if (dropped)
			tell(r, SLUICE_RUN_STAGE_LOG_LOST, r->pl->stages[i].name, r->slots[i].pid,
			     dropped > INT32_MAX ? INT32_MAX : (int)dropped);
	}
}

/* The signal of a stop request: -1 none, else 0 or the signal. */
static int stop_asked(const struct sluice_pipeline *pl)
{
	return atomic_load(&pl->stop_req) - 1;
}

int sluice_pipeline_stop(struct sluice_pipeline *pl, int signal)
{
	/* No detail recorded: this runs in signal handlers. */
	if (!pl || signal < 0 || signal > 127)
		return -EINVAL;
	atomic_store(&pl->stop_req, 1 + signal);
	return 0;
}

struct thread_arg {
	struct runner *r;
	int si;
};

static void *stage_thread(void *p)
{
	struct thread_arg *a = p;
	int rc = sluice__host_run(a->r->pl, a->si, a->r->ctl);

	a->r->slots[a->si].status = rc;
	free(a);
	return NULL;
}

static int start_stage(struct runner *r, int si)
{
	struct slot *s = &r->slots[si];
	struct ctl_stage *rec = &r->ctl->stages[si];

	atomic_store(&rec->state, STAGE_STARTING);
	if (r->o->threads) {
		struct thread_arg *a = malloc(sizeof(*a));

		if (!a)
			return -ENOMEM;
		*a = (struct thread_arg){r, si};
		if (pthread_create(&s->thread, NULL, stage_thread, a) != 0) {
			free(a);
			return -EAGAIN;
		}
		atomic_store(&rec->pid, getpid());
	} else {
		pid_t pid = fork();

		if (pid < 0)
			return -errno;
		if (pid == 0) {
			/* A stage never outlives its supervisor.  This is the
			 * stage's own process, not the caller's: Ctrl-C in the
			 * terminal (and a SIGTERM to the group) is the
			 * supervisor's to handle, which stops stages in order
			 * through the control segment; and a handler the
			 * caller installed must not run in a stage. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			signal(SIGINT, SIG_IGN);
			signal(SIGTERM, SIG_IGN);
			prctl(PR_SET_NAME, r->pl->stages[si].name);
			_exit(sluice__host_run(r->pl, si, r->ctl));
		}
		s->pid = pid;
		atomic_store(&rec->pid, pid);
	}
	s->running = true;
	return 0;
}

/* Collects stages that ended; returns how many are still running. */
static int reap(struct runner *r, bool stopping)
{
	int running = 0;

	drain_logs(r);
	for (int i = 0; i < r->pl->nstages; i++) {
		struct slot *s = &r->slots[i];
		struct pl_stage *st = &r->pl->stages[i];

		if (!s->running)
			continue;
		if (atomic_load(&r->ctl->stages[i].state) == STAGE_READY)
			s->ready_seen = true;
		if (r->o->threads) {
			if (pthread_tryjoin_np(s->thread, NULL) != 0) {
				running++;
				continue;
			}
		} else {
			int status;
			pid_t p = waitpid(s->pid, &status, WNOHANG);

			if (p == 0) {
				running++;
				continue;
			}
			s->status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
			if (WIFSIGNALED(status)) {
				atomic_store(&r->ctl->stages[i].last_signal, WTERMSIG(status));
				tell(r, SLUICE_RUN_STAGE_KILLED, st->name, (int)s->pid,
				     WTERMSIG(status));
			}
		}
		s->running = false;
		bool failed = s->status != 0;

		/* Status 1 is the host's own failure, not a crash. */
		s->failed_starts = s->status == 1 && !s->ready_seen ? s->failed_starts + 1 : 0;
		s->ready_seen = false;
		if (!stopping && s->failed_starts >= MAX_FAILED_STARTS &&
		    st->restart != SLUICE_RESTART_NEVER) {
			s->done = true;
			tell(r, SLUICE_RUN_STAGE_EXHAUSTED, st->name, (int)s->pid,
			     (int)s->failed_starts);
		} else if (!stopping && (st->restart == SLUICE_RESTART_ALWAYS ||
					 (failed && st->restart == SLUICE_RESTART_ON_FAILURE))) {
			s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : 100;
			if (s->backoff_ms > 5000)
				s->backoff_ms = 5000;
			s->restart_at = sluice__now_ns() + (uint64_t)s->backoff_ms * 1000000u;
			tell(r, SLUICE_RUN_STAGE_RESTARTING, st->name, (int)s->pid,
			     (int)s->backoff_ms);
		} else {
			s->done = true;
			if (failed && !stopping)
				tell(r, SLUICE_RUN_STAGE_FAILED, st->name, (int)s->pid, s->status);
		}
	}
	return running;
}

static void restart_due(struct runner *r)
{
	uint64_t now = sluice__now_ns();

	for (int i = 0; i < r->pl->nstages; i++) {
		struct slot *s = &r->slots[i];

		if (!s->running && s->restart_at && now >= s->restart_at) {
			s->restart_at = 0;
			atomic_fetch_add(&r->ctl->stages[i].restarts, 1);
			if (start_stage(r, i) != 0)
				s->done = true;
		}
	}
}

/* Waits until no stage in the set (sources, or all) runs, up to a deadline. */
static int wait_stages(struct runner *r, uint64_t timeout_ns)
{
	uint64_t deadline = sluice__now_ns() + timeout_ns;
	int running;

	while ((running = reap(r, true)) > 0 && sluice__now_ns() < deadline) {
		struct timespec ms = {0, 5000000};
		nanosleep(&ms, NULL);
	}
	return running;
}

static int sources_running(struct runner *r)
{
	int n = 0;

	reap(r, true);
	for (int i = 0; i < r->pl->nstages; i++)
		n += r->slots[i].running && pl_is_source(&r->pl->stages[i]);
	return n;
}

static void stop_feeding_bridge(struct runner *r);

static void stop_everything(struct runner *r)
{
	uint64_t deadline;

	/* Sources first... */
	atomic_store(&r->ctl->stop_sources, 1);
	deadline = sluice__now_ns() + EXIT_TIMEOUT_NS;
	while (sources_running(r) && sluice__now_ns() < deadline) {
		struct timespec ms = {0, 5000000};
		nanosleep(&ms, NULL);
	}
	/* (a bridge that feeds topics from DDS is a source too) */
	stop_feeding_bridge(r);
	/* ...then the rest drain what is queued and leave on their own... */
	if (wait_stages(r, DRAIN_TIMEOUT_NS) == 0)
		return;
	/* ...or are told to leave now... */
	atomic_store(&r->ctl->stop_all, 1);
	if (wait_stages(r, EXIT_TIMEOUT_NS) == 0 || r->o->threads)
		return;
	/* ...or are killed (process mode only). */
	for (int i = 0; i < r->pl->nstages; i++)
		if (r->slots[i].running) {
			tell(r, SLUICE_RUN_STAGE_KILLING, r->pl->stages[i].name, (int)r->slots[i].pid,
			     0);
			kill(r->slots[i].pid, SIGKILL);
		}
	wait_stages(r, EXIT_TIMEOUT_NS);
}

/* The binary schema the producing plugin declares for this topic, if any
 * (one that comes in from DDS has none here: the bridge's schema sample
 * carries it). */
static const uint8_t *producer_schema(const struct sluice_pipeline *pl, int ti, size_t *len)
{
	const struct pl_topic *t = &pl->topics[ti];
	const struct pl_stage *st;
	const struct sluice_plugin_desc *d;

	*len = 0;
	if (t->producer == PL_PRODUCER_PLAY)
		return sluice__tap_play_schema(pl, ti, len);
	if (t->producer < 0)
		return NULL;
	st = &pl->stages[t->producer];
	d = sluice_plugin_descriptor(st->plugin);
	for (int k = 0; k < st->noutputs; k++)
		if (st->outputs[k].topic_index == ti && d->outputs[st->outputs[k].index].schema)
			return d->outputs[st->outputs[k].index].schema(len);
	return NULL;
}

/* Creates name afresh, removing a leftover of a run whose owner died. */
static int create_topic(struct sluice_pipeline *pl, int ti)
{
	struct pl_topic *t = &pl->topics[ti];
	struct sluice_topic_opts o = {.slot_size = t->slot_size, .slot_count = t->slots,
				      .delivery = t->delivery, .type_name = t->type};
	int rc;

	/* Topics carry their schema, so tools decode them without our types. */
	o.schema = producer_schema(pl, ti, &o.schema_len);
	rc = sluice_topic_create(t->seg, &o);

	if (rc == -EEXIST && sluice_shm_reclaim(t->seg) == 0)
		rc = sluice_topic_create(t->seg, &o);
	if (rc == -EEXIST)
		return sluice__fail(rc, "topic %s is in use by a live process", t->seg);
	return rc;
}

/* --- the bridge: section ---------------------------------------------------
 * `sluice bridge --pipeline NAME` in a process group of its own (Ctrl-C in
 * the terminal is the supervisor's; the bridge is stopped last, with
 * SIGTERM, once the stages have drained), restarted with back-off when it
 * ends, unless it refused its arguments (status 2).  The program is this
 * one when this is sluice, else sluice from PATH. */

#define BRIDGE_ARGS (12 + 2 * PL_MAX_TOPICS)

static int start_bridge(struct runner *r)
{
	struct pl_bridge *b = &r->pl->bridge;
	char self[4096], dom[16], config[4096];
	const char *argv[BRIDGE_ARGS], *exe = "sluice";
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int k = 0;
	pid_t pid;

	if (n > 0) {
		self[n] = 0;
		const char *base = strrchr(self, '/');

		if (base && !strcmp(base + 1, "sluice"))
			exe = self;
	}
	snprintf(dom, sizeof(dom), "%u", b->domain);
	argv[k++] = "sluice";
	argv[k++] = "bridge";
	argv[k++] = "--pipeline";
	argv[k++] = r->pl->name;
	argv[k++] = "--domain";
	argv[k++] = dom;
	if (b->config) {
		/* relative to the pipeline file, as its other paths are read */
		const char *slash = strrchr(r->pl->file, '/');

		if (b->config[0] == '/' || !slash)
			snprintf(config, sizeof(config), "%s", b->config);
		else
			snprintf(config, sizeof(config), "%.*s/%s", (int)(slash - r->pl->file),
				 r->pl->file, b->config);
		argv[k++] = "--config";
		argv[k++] = config;
	}
	for (int i = 0; i < b->n; i++) {
		argv[k++] = b->dir[i] == PL_BRIDGE_OUT ? "--out" : "--in";
		argv[k++] = b->topic[i];
	}
	argv[k] = NULL;
	if ((pid = fork()) < 0)
		return -errno;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setpgid(0, 0);
		if (exe == self)
			execv(exe, (char *const *)argv);
		else
			execvp(exe, (char *const *)argv);
		_exit(127);
	}
	r->bridge_pid = pid;
	return 0;
}

/* Notices the bridge ended; schedules its restart unless stopping. */
static void reap_bridge(struct runner *r, bool stopping)
{
	int status;

	if (r->bridge_pid <= 0 || waitpid(r->bridge_pid, &status, WNOHANG) != r->bridge_pid)
		return;
	if (WIFSIGNALED(status))
		tell(r, SLUICE_RUN_STAGE_KILLED, "bridge", (int)r->bridge_pid, WTERMSIG(status));
	r->bridge_pid = 0;
	if (stopping)
		return;
	if (WIFEXITED(status) && (WEXITSTATUS(status) == 2 || WEXITSTATUS(status) == 127)) {
		/* bad arguments, or no sluice to run: a restart would not help */
		r->bridge_done = true;
		tell(r, SLUICE_RUN_STAGE_FAILED, "bridge", 0, WEXITSTATUS(status));
		return;
	}
	r->bridge_backoff_ms = r->bridge_backoff_ms ? r->bridge_backoff_ms * 2 : 100;
	if (r->bridge_backoff_ms > 5000)
		r->bridge_backoff_ms = 5000;
	r->bridge_restart_at = sluice__now_ns() + (uint64_t)r->bridge_backoff_ms * 1000000u;
	tell(r, SLUICE_RUN_STAGE_RESTARTING, "bridge", 0, (int)r->bridge_backoff_ms);
}

static void supervise_bridge(struct runner *r)
{
	if (!r->pl->bridge.present || r->bridge_done)
		return;
	reap_bridge(r, false);
	if (!r->bridge_pid && r->bridge_restart_at && sluice__now_ns() >= r->bridge_restart_at) {
		r->bridge_restart_at = 0;
		if (start_bridge(r) != 0)
			r->bridge_done = true;
	}
}

static void stop_bridge(struct runner *r)
{
	uint64_t deadline = sluice__now_ns() + EXIT_TIMEOUT_NS;

	if (r->bridge_pid <= 0)
		return;
	kill(r->bridge_pid, SIGTERM);
	while (r->bridge_pid > 0 && sluice__now_ns() < deadline) {
		struct timespec ms = {0, 5000000};

		reap_bridge(r, true);
		nanosleep(&ms, NULL);
	}
	if (r->bridge_pid > 0) {
		tell(r, SLUICE_RUN_STAGE_KILLING, "bridge", (int)r->bridge_pid, 0);
		kill(r->bridge_pid, SIGKILL);
		waitpid(r->bridge_pid, NULL, 0);
		r->bridge_pid = 0;
	}
}

/* The topics that come in from DDS: the bridge makes each, with the
 * binary schema the far side announced, once that announcement arrives;
 * waited for a short while (the far side may not be up yet), then made
 * here without a schema, as any other topic. */
#define BRIDGED_TOPIC_WAIT_NS (3000000000ull)

static int make_bridged_topics(struct runner *r)
{
	struct sluice_pipeline *pl = r->pl;
	uint64_t deadline = sluice__now_ns() + BRIDGED_TOPIC_WAIT_NS;
	int rc;

	for (int i = 0; i < pl->ntopics; i++) {
		struct pl_topic *t = &pl->topics[i];
		struct sluice_topic_stats st;

		if (t->producer != PL_PRODUCER_BRIDGE)
			continue;
		for (;;) {
			/* the bridge's own: its publisher is the bridge we started */
			if (r->bridge_pid > 0 && sluice_topic_stat(t->seg, &st, NULL, 0) == 0 &&
			    st.publisher_alive && st.publisher_pid == r->bridge_pid) {
				if (strcmp(st.type_name, t->type) != 0)
					return sluice__fail(-SLUICE_ETYPE,
							    "topic %s comes in from DDS as %s, not %s",
							    t->seg, st.type_name, t->type);
				break;
			}
			if (r->bridge_pid <= 0 || sluice__now_ns() >= deadline) {
				rc = create_topic(pl, i);
				/* made by the bridge just now: fine if it is the bridge's */
				if (rc == -EEXIST && sluice_topic_stat(t->seg, &st, NULL, 0) == 0 &&
				    st.publisher_pid == r->bridge_pid)
					rc = 0;
				if (rc)
					return rc;
				break;
			}
			reap_bridge(r, false);
			struct timespec ms = {0, 10000000};
			nanosleep(&ms, NULL);
		}
	}
	return 0;
}

/* At stop, a bridge that takes topics in from DDS goes with the sources,
 * so that what reads them drains and ends; one that only sends goes last,
 * after the stages, so that it sends all they published. */
static void stop_feeding_bridge(struct runner *r)
{
	for (int i = 0; i < r->pl->bridge.n; i++)
		if (r->pl->bridge.dir[i] == PL_BRIDGE_IN) {
			stop_bridge(r);
			return;
		}
}

/* What the caller's exit status needs: which stages ended failed. */
static void fill_result(struct runner *r, bool all_ended, int signal)
{
	struct sluice_run_result *res = r->o->result;

	if (!res)
		return;
	*res = (struct sluice_run_result){.signal = signal, .all_ended = all_ended};
	for (int i = 0; i < r->pl->nstages; i++) {
		/* Still running here means it was left behind (threads that
		 * would not stop): a failure too. */
		if (!r->slots[i].running && r->slots[i].status == 0)
			continue;
		if (!res->failed_stages++)
			snprintf(res->first_failed, sizeof(res->first_failed), "%s",
				 r->pl->stages[i].name);
	}
}

static void remove_names(struct runner *r, int ntopics)
{
	for (int i = 0; i < ntopics; i++)
		sluice_shm_unlink(r->pl->topics[i].seg);
}

static int run(struct sluice_pipeline *pl, const struct sluice_run_opts *o)
{
	struct runner r = {.pl = pl, .o = o};
	int rc, created = 0, stop_sig = -1;
	bool all_ended = false;

	if (o->result)
		*o->result = (struct sluice_run_result){0};
	/* A truncated name would collide with another pipeline's. */
	if ((size_t)snprintf(r.ctl_name, sizeof(r.ctl_name), "/%s.ctl", pl->name) >=
	    sizeof(r.ctl_name))
		return sluice__fail(-SLUICE_EBADNAME,
				    "pipeline name is %zu bytes, at most %d fit its control "
				    "segment name",
				    strlen(pl->name), SLUICE_SHM_NAME_MAX - 5);
	rc = sluice_shm_create(r.ctl_name, SLUICE_SHM_RAW, sizeof(struct run_ctl), NULL, &r.ctl_shm);
	if (rc == -EEXIST && sluice_shm_reclaim(r.ctl_name) == 0)
		rc = sluice_shm_create(r.ctl_name, SLUICE_SHM_RAW, sizeof(struct run_ctl), NULL,
				       &r.ctl_shm);
	if (rc)
		return rc == -EEXIST ? sluice__fail(rc, "pipeline %s is already running", pl->name)
				     : rc;
	sluice_shm_publish(r.ctl_shm);
	r.ctl = sluice_shm_payload(r.ctl_shm);
	/* Those that come in from DDS are made after the bridge has started. */
	for (; created < pl->ntopics; created++)
		if (pl->topics[created].producer == PL_PRODUCER_BRIDGE)
			sluice_shm_reclaim(pl->topics[created].seg); /* a dead run's leftover */
		else if ((rc = create_topic(pl, created)) != 0)
			goto out;
	/* The bridge first: it reads the topics it sends, and feeds those
	 * that come in from DDS. */
	if (pl->bridge.present && (rc = start_bridge(&r)) != 0)
		tell(&r, SLUICE_RUN_START_FAILED, "bridge", 0, rc);
	if (rc == 0 && (rc = make_bridged_topics(&r)) != 0) {
		stop_bridge(&r);
		goto out;
	}
	if ((rc = sluice__report_init(&r.rep, pl, r.ctl, o)) != 0) {
		stop_bridge(&r);
		goto out;
	}
	/* The recorder subscribes before any stage starts. */
	if ((rc = sluice__tap_start(pl, &r.ctl->stop_sources, &r.ctl->stop_all, &r.tap)) != 0) {
		sluice__report_free(&r.rep);
		stop_bridge(&r);
		goto out;
	}
	/* Readers first, so that nothing a source sends is missed. */
	for (int pass = 0; pass < 2 && rc == 0; pass++)
		for (int i = 0; i < pl->nstages && rc == 0; i++)
			if (pl_is_source(&pl->stages[i]) == (pass == 1))
				rc = start_stage(&r, i);
	uint64_t t0 = sluice__now_ns();
	for (int i = 0; i < pl->nstages && rc == 0; i++)
		while (atomic_load(&r.ctl->stages[i].state) == STAGE_STARTING && !r.slots[i].done &&
		       sluice__now_ns() - t0 < READY_TIMEOUT_NS) {
			reap(&r, false);
			struct timespec ms = {0, 2000000};
			nanosleep(&ms, NULL);
		}
	/* The player starts once its readers have subscribed. */
	if (rc == 0)
		rc = sluice__tap_play(r.tap);
	if (rc)
		tell(&r, SLUICE_RUN_START_FAILED, NULL, 0, rc);

	uint64_t start = sluice__now_ns(), next_report = start + 1000000000u;
	while (rc == 0 && (stop_sig = stop_asked(pl)) < 0) {
		uint64_t now = sluice__now_ns();

		if (o->duration_s > 0 && now - start >= (uint64_t)(o->duration_s * 1e9))
			break;
		int running = reap(&r, false);

		restart_due(&r);
		supervise_bridge(&r);
		bool pending = false;
		for (int i = 0; i < pl->nstages; i++)
			pending |= r.slots[i].restart_at != 0;
		/* A run on a recording ends with it: the rest drain and stop. */
		if (sluice__tap_play_ended(r.tap) && !sources_running(&r) && !pending)
			break;
		if (running == 0 && !pending) {
			tell(&r, SLUICE_RUN_ALL_ENDED, NULL, 0, 0);
			all_ended = true;
			break;
		}
		if (now >= next_report) {
			sluice__report_tick(&r.rep, now);
			next_report += 1000000000u;
		}
		struct timespec ms = {0, 20000000};
		nanosleep(&ms, NULL);
	}
	if (stop_sig >= 0)
		tell(&r, SLUICE_RUN_STOPPING, NULL, 0, stop_sig);
	stop_everything(&r);
	stop_bridge(&r);
	drain_logs(&r);
	{
		/* after the last stage drained */
		int trc = sluice__tap_close(r.tap, &r.rep.record, &r.rep.has_record);

		if (!rc)
			rc = trc;
	}
	fill_result(&r, all_ended, stop_sig > 0 ? stop_sig : 0);
	sluice__report_final(&r.rep, sluice__now_ns() - start);
	sluice__report_free(&r.rep);
out:
	if (!o->keep)
		remove_names(&r, created);
	sluice_shm_close(r.ctl_shm);
	sluice_shm_unlink(r.ctl_name);
	return rc;
}

int sluice_pipeline_run(struct sluice_pipeline *pl, const struct sluice_run_opts *o)
{
	int rc = run(pl, o);

	/* A stop request ends with the run it stopped (or found not starting). */
	atomic_store(&pl->stop_req, 0);
	return rc;
}
