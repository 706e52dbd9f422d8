/* waitset.c - one wait over several topics, for stages with several inputs.
 *
 * No extra futex word and no polling: the waiter counts itself as a sleeper
 * on every member topic, rechecks them all, then sleeps on all their futex
 * words at once with futex_waitv (Linux 5.16+).  A publisher of any member
 * wakes it exactly as it wakes a plain subscriber.  Where futex_waitv is
 * missing it sleeps on the first topic in 1 ms slices instead. */
#include <errno.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "channel/sub.h"
#include "common/detail.h"
#include "shm/waitq.h"

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif

int sluice_waitset_new(struct sluice_waitset **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->spin_cur = CHAN_DEFAULT_SPIN_NS;
	return 0;
}

void sluice_waitset_free(struct sluice_waitset *ws)
{
	free(ws);
}

int sluice_waitset_add(struct sluice_waitset *ws, struct sluice_sub *sub)
{
	if (ws->n == WAITSET_MAX)
		return sluice__fail(-ENOSPC, "a wait-set holds at most %d subscribers", WAITSET_MAX);
	ws->subs[ws->n] = sub;
	return ws->n++;
}

/* Index of a member whose take would not say EAGAIN, or -1. */
static int ready_member(struct sluice_waitset *ws, bool check_gone)
{
	for (int k = 0; k < ws->n; k++) {
		int i = (ws->next + k) % ws->n;
		struct sluice_sub *s = ws->subs[i];

		/* check_gone may find data by rereading the head. */
		if (sluice__sub_has_data(s) || sluice__sub_evicted(s) ||
		    (check_gone && (sluice__sub_check_gone(s) != 0 || sluice__sub_has_data(s)))) {
			ws->next = (i + 1) % ws->n;
			return i;
		}
	}
	return -1;
}

int sluice__waitset_poll(struct sluice_waitset *ws)
{
	return ws->n ? ready_member(ws, false) : -1;
}

static int sleep_all(struct sluice_waitset *ws, const uint32_t *seen, uint64_t deadline_ns)
{
	struct futex_waitv w[WAITSET_MAX];
	struct timespec abs = {(time_t)(deadline_ns / 1000000000u), (long)(deadline_ns % 1000000000u)};

	memset(w, 0, sizeof(w));
	for (int i = 0; i < ws->n; i++) {
		w[i].uaddr = (uintptr_t)&ws->subs[i]->g.h->data_q.seq;
		w[i].val = seen[i];
		w[i].flags = FUTEX_32; /* shared: no FUTEX_PRIVATE_FLAG */
	}
	if (syscall(SYS_futex_waitv, w, ws->n, 0, &abs, CLOCK_MONOTONIC) >= 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	/* Old kernel: sleep on the first member, briefly. */
	struct timespec ms = {0, 1000000};
	nanosleep(&ms, NULL);
	return 0;
}

/* A wait that began at t0 found member i ready: adapt the spin to when
 * its message was stamped (sluice__sub_adapt_spin's rule). */
static int waited_for(struct sluice_waitset *ws, int i, uint64_t t0)
{
	ws->spin_cur = sluice__spin_after(ws->spin_cur, CHAN_DEFAULT_SPIN_NS, t0,
					  sluice__sub_next_stamp(ws->subs[i]));
	return i;
}

int sluice_waitset_wait(struct sluice_waitset *ws, int64_t timeout_ns)
{
	uint64_t now = sluice__now_ns();
	uint64_t deadline = sluice__deadline(now, timeout_ns);
	uint64_t t0 = now, spin_until = now + ws->spin_cur;
	bool check_gone = now - ws->last_gone_check >= CHAN_LIVENESS_NS;
	uint32_t seen[WAITSET_MAX];
	int i;

	if (ws->n == 0)
		return sluice__fail(-EINVAL, "empty wait-set");
	if (check_gone)
		ws->last_gone_check = now;
	if ((i = ready_member(ws, check_gone)) >= 0)
		return i;
	if (timeout_ns == 0)
		return -EAGAIN;
	while (sluice__now_ns() < spin_until && sluice__now_ns() < deadline)
		for (int k = 0; k < 64; k++) {
			if ((i = ready_member(ws, false)) >= 0)
				return waited_for(ws, i, t0);
			sluice__cpu_relax();
		}

	for (;;) {
		for (int k = 0; k < ws->n; k++) {
			struct sluice_waitq *q = &ws->subs[k]->g.h->data_q;

			seen[k] = atomic_load_explicit(&q->seq, memory_order_acquire);
			atomic_fetch_add_explicit(&q->waiters, 1, memory_order_seq_cst);
		}
		if (sluice__membarrier_ok)
			syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0);
		i = ready_member(ws, false);
		now = sluice__now_ns();
		int rc = 0;

		if (i < 0 && now < deadline) {
			/* Wake up now and then to notice a publisher that died. */
			uint64_t slice = deadline - now > CHAN_LIVENESS_NS ? now + CHAN_LIVENESS_NS
									  : deadline;
			rc = sleep_all(ws, seen, slice);
		}
		for (int k = 0; k < ws->n; k++)
			atomic_fetch_sub_explicit(&ws->subs[k]->g.h->data_q.waiters, 1,
						  memory_order_relaxed);
		if (i >= 0)
			return waited_for(ws, i, t0);
		now = sluice__now_ns();
		check_gone = now - ws->last_gone_check >= CHAN_LIVENESS_NS;
		if (check_gone)
			ws->last_gone_check = now;
		if ((i = ready_member(ws, check_gone)) >= 0)
			return waited_for(ws, i, t0);
		if (now >= deadline)
			return -ETIMEDOUT;
		if (rc && rc != -EAGAIN && rc != -ETIMEDOUT && rc != -EINTR)
			return rc;
	}
}
