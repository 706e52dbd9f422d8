/* waitq.h - sleeping on a condition in shared memory without lost wake-ups
 * and without a syscall or a full fence on the notifier's fast path.
 *
 * The sleeper counts itself in `waiters`, then makes the notifier's earlier
 * stores visible to itself (membarrier(GLOBAL_EXPEDITED) forces a barrier on
 * every CPU running a sluice process), rechecks its condition, and sleeps on
 * the futex word `seq` only if it still does not hold.  The notifier, after
 * publishing, only reads `waiters`; it bumps `seq` and calls FUTEX_WAKE when
 * someone sleeps.  Where membarrier is unavailable the notifier pays a full
 * fence instead (Dekker's pairing: one barrier on each side). */
#ifndef SLUICE_SHM_WAITQ_H
#define SLUICE_SHM_WAITQ_H

#include <stdbool.h>
#include <stdint.h>

#include "common/atomics.h"
#include "common/clock.h"
#include "shm/layout.h"

/* Set once per process by sluice__waitq_init(): whether sleepers can use
 * membarrier, so that notifiers may skip their fence. */
extern bool sluice__membarrier_ok;

/* Registers this process for expedited membarriers (idempotent). Every
 * process that notifies or sleeps calls it when it opens a primitive. */
void sluice__waitq_init(void);

void sluice__waitq_wake_slow(struct sluice_waitq *q);

/* After publishing the condition (with release ordering): wake sleepers. */
static inline void sluice__waitq_notify(struct sluice_waitq *q)
{
	if (!sluice__membarrier_ok)
		sluice__fence_full();
	if (atomic_load_explicit(&q->waiters, memory_order_relaxed) != 0)
		sluice__waitq_wake_slow(q);
}

/* Waits until ready(arg) returns true: 0, or -ETIMEDOUT once the monotonic
 * clock passes deadline_ns (UINT64_MAX: never).  Spins until spin_until_ns
 * first; with busy set it never sleeps. */
int sluice__waitq_wait(struct sluice_waitq *q, bool (*ready)(void *), void *arg,
		       uint64_t spin_until_ns, uint64_t deadline_ns, bool busy);

/* Converts a relative timeout (negative: none) into a deadline. */
static inline uint64_t sluice__deadline(uint64_t now, int64_t timeout_ns)
{
	if (timeout_ns < 0 || (uint64_t)timeout_ns > UINT64_MAX - now)
		return UINT64_MAX;
	return now + (uint64_t)timeout_ns;
}

#endif
