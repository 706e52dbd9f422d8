/* host.c - the stage host: runs one stage of a pipeline, in a process of its
 * own or in a thread.  It joins the stage's topics, turns the plugin's ctx
 * calls into channel operations, drives on_tick on a timer at the declared
 * rate and on_message as messages arrive (one wait over all inputs), and
 * records what it did in its record of the control segment. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "common/atomics.h"
#include "channel/sub.h"
#include "common/detail.h"
#include "runtime/ctl.h"
#include "shm/waitq.h"
#include "sluice/channel.h"

/* How long a blocked publish or an idle wait goes before looking at the
 * stop words again. */
#define POLL_NS 50000000LL
/* How many messages one input may deliver before the others get a turn. */
#define BATCH 64

struct host {
	struct sluice_pipeline *pl;
	struct pl_stage *st;
	struct run_ctl *ctl;
	struct ctl_stage *rec;
	struct sluice_ctx ctx;
	const struct sluice_plugin_desc *desc;
	struct sluice_stage *stage;
	struct sluice_pub *pubs[PL_MAX_PORTS]; /* by the plugin's output index */
	struct sluice_sub *subs[PL_MAX_PORTS]; /* by the file's input order */
	uint32_t sub_input[PL_MAX_PORTS];      /* the plugin's input index */
	struct sluice_waitset *ws;
	void *scratch; /* loans on outputs nobody reads */
	size_t scratch_len;
	uint64_t last_cpu_check;
};

static struct host *host_of(const struct sluice_ctx *ctx)
{
	return ctx->host;
}

static bool stopping(const struct host *h)
{
	return atomic_load_explicit(&h->ctl->stop_all, memory_order_acquire) != 0;
}

static int ctx_publish(const struct sluice_ctx *ctx, uint32_t out, const void *data, size_t size)
{
	struct host *h = host_of(ctx);
	int rc;

	if (out >= h->desc->n_outputs)
		return -EINVAL;
	if (!h->pubs[out])
		return 0; /* an output nobody connected: nothing to do */
	/* Lossless topics wait for the slowest reader; keep an eye on stop. */
	while ((rc = sluice_pub_publish(h->pubs[out], data, size, POLL_NS)) == -ETIMEDOUT &&
	       !stopping(h))
		;
	return rc;
}

static int ctx_loan(const struct sluice_ctx *ctx, uint32_t out, size_t min_size, void **buf,
		    size_t *cap)
{
	struct host *h = host_of(ctx);
	int rc;

	if (out >= h->desc->n_outputs)
		return -EINVAL;
	if (!h->pubs[out]) {
		if (h->scratch_len < min_size) {
			void *p = realloc(h->scratch, min_size);

			if (!p)
				return -ENOMEM;
			h->scratch = p;
			h->scratch_len = min_size;
		}
		*buf = h->scratch;
		*cap = h->scratch_len;
		return 0;
	}
	while ((rc = sluice_pub_loan(h->pubs[out], min_size, buf, POLL_NS)) == -ETIMEDOUT &&
	       !stopping(h))
		;
	if (rc == 0)
		*cap = sluice_pub_slot_size(h->pubs[out]);
	return rc;
}

static int ctx_commit(const struct sluice_ctx *ctx, uint32_t out, size_t size)
{
	struct host *h = host_of(ctx);
	size_t slot;

	if (out >= h->desc->n_outputs)
		return -EINVAL;
	if (!h->pubs[out] || size == 0)
		return 0; /* dropped: the next loan reuses the slot */
	slot = sluice_pub_slot_size(h->pubs[out]);
	if (size > slot)
		return -SLUICE_ETOOBIG;
	/* The message is the loan's last `size` bytes (plugin.h). */
	return sluice_pub_commit(h->pubs[out], slot - size, size);
}

/* Minor 1: the loan's [offset, offset + len), where the plugin built it. */
static int ctx_commit_at(const struct sluice_ctx *ctx, uint32_t out, size_t offset, size_t len)
{
	struct host *h = host_of(ctx);

	if (out >= h->desc->n_outputs)
		return -EINVAL;
	if (!h->pubs[out] || len == 0)
		return 0; /* dropped: the next loan reuses the slot */
	return sluice_pub_commit(h->pubs[out], offset, len);
}

static void ctx_log(const struct sluice_ctx *ctx, int level, const char *fmt, va_list ap)
{
	struct host *h = host_of(ctx);
	char line[LOG_TEXT];

	if (level > SLUICE_LOG_INFO)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	/* To the supervisor, which hands it to the caller: never printed here. */
	ctl_log(h->rec, (uint32_t)(level >= 0 && level <= 3 ? level : 0), line);
}

static uint64_t ctx_now(const struct sluice_ctx *ctx)
{
	(void)ctx;
	return sluice__now_ns();
}

static int ctx_report(const struct sluice_ctx *ctx, const char *key, double value)
{
	struct host *h = host_of(ctx);
	uint64_t bits;

	memcpy(&bits, &value, sizeof(bits));
	for (int i = 0; i < FIGURES_MAX; i++) {
		struct ctl_figure *f = &h->rec->figures[i];

		if (!atomic_load_explicit(&f->set, memory_order_acquire)) {
			snprintf(f->key, sizeof(f->key), "%s", key);
			atomic_store_explicit(&f->bits, bits, memory_order_relaxed);
			atomic_store_explicit(&f->set, 1, memory_order_release);
			return 0;
		}
		if (!strncmp(f->key, key, sizeof(f->key) - 1)) {
			atomic_store_explicit(&f->bits, bits, memory_order_relaxed);
			return 0;
		}
	}
	return -ENOSPC;
}

static void note_cpu(struct host *h, uint64_t now)
{
	struct timespec ts;

	if (now - h->last_cpu_check < 100000000u)
		return;
	h->last_cpu_check = now;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	atomic_store_explicit(&h->rec->cpu_ns,
			      (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec,
			      memory_order_relaxed);
}

static int open_ports(struct host *h)
{
	struct pl_stage *st = h->st;
	int rc;

	for (int i = 0; i < st->ninputs; i++) {
		struct pl_topic *t = &h->pl->topics[st->inputs[i].topic_index];
		const char *want = h->desc->inputs[st->inputs[i].index].msg_type;
		struct sluice_sub_opts so = {.type_name = strcmp(want, "*") ? want : NULL,
					     .join = SLUICE_JOIN_OLDEST};

		rc = sluice_sub_open(t->seg, &so, &h->subs[i]);
		if (rc)
			return rc;
		h->sub_input[i] = (uint32_t)st->inputs[i].index;
		rc = sluice_waitset_add(h->ws, h->subs[i]);
		if (rc < 0)
			return rc;
	}
	for (int i = 0; i < st->noutputs; i++) {
		struct pl_topic *t = &h->pl->topics[st->outputs[i].topic_index];
		struct sluice_topic_opts o = {.type_name = t->type};

		/* The loader caps n_outputs at the table's size; never trust it blindly. */
		if (st->outputs[i].index < 0 || st->outputs[i].index >= PL_MAX_PORTS ||
		    (uint32_t)st->outputs[i].index >= h->desc->n_outputs)
			return -SLUICE_EPLUGIN_PORT;
		rc = sluice_pub_open(t->seg, &o, &h->pubs[st->outputs[i].index]);
		if (rc)
			return rc;
	}
	return 0;
}

/* Delivers up to BATCH messages of input i; the count, or a negative code
 * when the stage failed. -SLUICE_EOWNERDEAD means that input's producer is
 * gone and nothing is left on it. */
static int drain_input(struct host *h, int i)
{
	int n = 0;

	while (n < BATCH) {
		struct sluice_msg m;
		int rc;

		/* After the first, a cheap look before taking: take(0) on an
		 * empty input asks /proc whether the publisher lives, which cost
		 * more than the message itself.  The waits still ask. */
		if (n && !sluice__sub_has_data(h->subs[i]) && !sluice__sub_evicted(h->subs[i]))
			break;
		rc = sluice_sub_take(h->subs[i], &m, 0);

		if (rc == -EAGAIN)
			break;
		if (rc)
			return n ? n : rc;
		struct sluice_stage_msg sm = {.data = m.data, .size = m.len, .publish_ns = m.stamp_ns,
					      .seq = m.seq, .input = h->sub_input[i]};
		uint64_t now = sluice__now_ns();

		if (now >= m.stamp_ns)
			atomic_fetch_add_explicit(&h->rec->lat[i][lat_bucket(now - m.stamp_ns)], 1,
						  memory_order_relaxed);
		rc = sluice_stage_on_message(h->stage, &sm);
		if (sluice_sub_release(h->subs[i], &m) != 0)
			atomic_fetch_add_explicit(&h->rec->errors, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&h->rec->messages, 1, memory_order_relaxed);
		if (rc < 0) {
			sluice__fail(rc, "on_message returned %d", rc);
			return rc;
		}
		n++;
	}
	return n;
}

/* Waits on the inputs (or the clock), delivering until told to stop. */
/* spin_us: polls the inputs for up to that long (never past `wait`) before
 * the wait-set's own short spin and sleep.  The ready input, or -EAGAIN. */
static int spin_inputs(struct host *h, int64_t wait)
{
	uint64_t spin = (uint64_t)h->st->spin_us * 1000u;
	uint64_t until;
	int i;

	if (!h->st->has_spin || spin == 0)
		return -EAGAIN;
	if (wait >= 0 && (uint64_t)wait < spin)
		spin = (uint64_t)wait;
	until = sluice__now_ns() + spin;
	if ((i = sluice_waitset_wait(h->ws, 0)) >= 0)
		return i;
	/* Then only the cheap look: wait(ws, 0) reads /proc on every call. */
	while ((i = sluice__waitset_poll(h->ws)) < 0 && sluice__now_ns() < until)
		sluice__cpu_relax();
	return i;
}

static int loop(struct host *h)
{
	bool source = h->st->ninputs == 0;
	double hz = h->desc->tick_hz;
	uint64_t period = hz > 0 ? (uint64_t)(1e9 / hz) : 0;
	uint64_t next_tick = sluice__now_ns() + period;

	for (;;) {
		uint64_t now = sluice__now_ns();

		note_cpu(h, now);
		if (stopping(h))
			return 0;
		if (source && atomic_load_explicit(&h->ctl->stop_sources, memory_order_acquire))
			return 0;
		if (period && now >= next_tick) {
			int rc = sluice_stage_tick(h->stage);

			atomic_fetch_add_explicit(&h->rec->ticks, 1, memory_order_relaxed);
			if (rc < 0)
				return sluice__fail(rc, "on_tick returned %d", rc);
			next_tick += period;
			/* Fell more than a period behind: skip, do not burst. */
			if (sluice__now_ns() > next_tick + period) {
				atomic_fetch_add_explicit(&h->rec->overruns, 1, memory_order_relaxed);
				next_tick = sluice__now_ns() + period;
			}
			continue;
		}
		int64_t wait = POLL_NS;

		if (period && (int64_t)(next_tick - now) < wait)
			wait = (int64_t)(next_tick - now);
		if (source) {
			struct timespec ts = {(time_t)(next_tick / 1000000000u),
					      (long)(next_tick % 1000000000u)};

			if (wait >= POLL_NS) {
				ts.tv_sec = (time_t)((now + POLL_NS) / 1000000000u);
				ts.tv_nsec = (long)((now + POLL_NS) % 1000000000u);
			}
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			continue;
		}
		int i = spin_inputs(h, wait);

		if (i < 0)
			i = sluice_waitset_wait(h->ws, wait);
		if (i < 0)
			continue; /* timeout: look at the clock and the stop words */
		int n = drain_input(h, i);

		if (n == -SLUICE_EOWNERDEAD || n == -SLUICE_EEVICTED) {
			/* Its producer stopped or crashed. When the run is
			 * stopping and every input is done, this stage is done. */
			if (atomic_load_explicit(&h->ctl->stop_sources, memory_order_acquire)) {
				bool all_done = true;

				for (int k = 0; k < h->st->ninputs; k++) {
					int rk = drain_input(h, k);

					if (rk >= 0)
						all_done = false; /* delivered, or still fed */
					else if (rk != -SLUICE_EOWNERDEAD && rk != -SLUICE_EEVICTED)
						return rk;
				}
				if (all_done)
					return 0;
			}
			/* A crashed producer is being restarted: wait a little. */
			struct timespec ms = {0, 5000000};
			nanosleep(&ms, NULL);
		} else if (n < 0) {
			return n;
		}
	}
}

int sluice__stage_apply_sched(const struct pl_stage *st)
{
	if (st->has_cpus) {
		cpu_set_t set;

		CPU_ZERO(&set);
		for (int c = 0; c < PL_MAX_CPUS && c < CPU_SETSIZE; c++)
			if (st->cpus[c / 64] >> (c % 64) & 1)
				CPU_SET(c, &set);
		/* pid 0: this thread, so a thread-mode stage pins only itself */
		if (sched_setaffinity(0, sizeof(set), &set) != 0)
			return sluice__fail(-errno, "stage %s: cannot pin to its cpu list: %s",
					    st->name, strerror(errno));
	}
	if (st->lock_memory && mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
		return sluice__fail(-errno, "stage %s: cannot lock its memory: %s", st->name,
				    strerror(errno));
	if (st->has_sched) {
		struct sched_param sp = {.sched_priority = st->sched_priority};

		if (sched_setscheduler(0, st->sched_policy, &sp) != 0)
			return sluice__fail(-errno, "stage %s: cannot set sched %s priority %d: %s",
					    st->name,
					    st->sched_policy == SCHED_FIFO ? "fifo"
					    : st->sched_policy == SCHED_RR ? "rr"
									   : "other",
					    st->sched_priority, strerror(errno));
	}
	return 0;
}

int sluice__host_run(struct sluice_pipeline *pl, int si, struct run_ctl *ctl)
{
	struct host h = {.pl = pl, .st = &pl->stages[si], .ctl = ctl, .rec = &ctl->stages[si]};
	int rc;

	h.desc = sluice_plugin_descriptor(h.st->plugin);
	/* Every function of this host's minor, whatever the plugin's: an
	 * older plugin never looks past the fields it knows. */
	h.ctx = (struct sluice_ctx){.size = sizeof(h.ctx), .abi_minor = SLUICE_PLUGIN_ABI_MINOR,
				    .stage_name = h.st->name, .host = &h, .publish = ctx_publish,
				    .loan = ctx_loan, .commit = ctx_commit, .log = ctx_log,
				    .now_ns = ctx_now, .report = ctx_report,
				    .commit_at = ctx_commit_at};
	/* Before the topics are opened, so that locked memory covers them. */
	rc = sluice__stage_apply_sched(h.st);
	if (!rc)
		rc = sluice_waitset_new(&h.ws);
	if (!rc)
		rc = open_ports(&h);
	if (!rc)
		rc = sluice_stage_create(h.st->plugin, &h.ctx, h.st->params, (size_t)h.st->nparams,
					 &h.stage);
	if (!rc) {
		atomic_store_explicit(&h.rec->state, STAGE_READY, memory_order_release);
		rc = loop(&h);
	}
	if (rc) {
		char why[LOG_TEXT];

		snprintf(why, sizeof(why), "%s (%s)", sluice_strerror(rc), sluice_errdetail());
		ctl_log(h.rec, LOG_STOPPED, why);
	}
	sluice_stage_destroy(h.stage);
	for (int i = 0; i < PL_MAX_PORTS; i++) {
		sluice_pub_close(h.pubs[i]);
		sluice_sub_close(h.subs[i]);
	}
	sluice_waitset_free(h.ws);
	free(h.scratch);
	atomic_store_explicit(&h.rec->state, rc ? STAGE_FAILED : STAGE_EXITED, memory_order_release);
	return rc ? 1 : 0;
}
