/* waitq.c - spin, then sleep on a futex in shared memory (see waitq.h). */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shm/waitq.h"

bool sluice__membarrier_ok;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init(void)
{
	long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);

	if (cmds < 0 || !(cmds & MEMBARRIER_CMD_GLOBAL_EXPEDITED) ||
	    !(cmds & MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED))
		return;
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) != 0)
		return;
	sluice__membarrier_ok = true;
}

void sluice__waitq_init(void)
{
	pthread_once(&init_once, init);
}

void sluice__waitq_wake_slow(struct sluice_waitq *q)
{
	atomic_fetch_add_explicit(&q->seq, 1, memory_order_release);
	/* Shared futex (no FUTEX_PRIVATE_FLAG): the sleeper is another process. */
	syscall(SYS_futex, &q->seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* Sleeps while q->seq == seen, until the absolute monotonic deadline. */
static int futex_sleep(struct sluice_waitq *q, uint32_t seen, uint64_t deadline_ns)
{
	struct timespec abs, *tp = NULL;

	if (deadline_ns != UINT64_MAX) {
		abs.tv_sec = (time_t)(deadline_ns / 1000000000u);
		abs.tv_nsec = (long)(deadline_ns % 1000000000u);
		tp = &abs;
	}
	/* WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, so an EINTR
	 * retry needs no arithmetic. */
	if (syscall(SYS_futex, &q->seq, FUTEX_WAIT_BITSET, seen, tp, NULL, FUTEX_BITSET_MATCH_ANY) ==
	    0)
		return 0;
	return -errno;
}

int sluice__waitq_wait(struct sluice_waitq *q, bool (*ready)(void *), void *arg,
		       uint64_t spin_until_ns, uint64_t deadline_ns, bool busy)
{
	if (ready(arg))
		return 0;
	if (busy)
		spin_until_ns = deadline_ns;
	if (spin_until_ns > deadline_ns)
		spin_until_ns = deadline_ns;

	/* Spin: a sleeping wake-up across CPUs costs tens of microseconds on
	 * a VM, so a short spin catches what arrives soon for much less. */
	for (unsigned i = 0;; i++) {
		/* The clock is read every 64 rounds, and before the first, so
		 * that a spin of a nanosecond really sleeps at once. */
		if ((i & 63) == 0 && sluice__now_ns() >= spin_until_ns)
			break;
		if (ready(arg))
			return 0;
		sluice__cpu_relax();
	}
	if (busy)
		return -ETIMEDOUT;

	for (;;) {
		uint32_t seen = atomic_load_explicit(&q->seq, memory_order_acquire);
		int rc;

		atomic_fetch_add_explicit(&q->waiters, 1, memory_order_seq_cst);
		if (sluice__membarrier_ok)
			syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0);
		if (ready(arg)) {
			atomic_fetch_sub_explicit(&q->waiters, 1, memory_order_relaxed);
			return 0;
		}
		rc = futex_sleep(q, seen, deadline_ns);
		atomic_fetch_sub_explicit(&q->waiters, 1, memory_order_relaxed);
		if (ready(arg))
			return 0;
		if (rc == -ETIMEDOUT || sluice__now_ns() >= deadline_ns)
			return -ETIMEDOUT;
	}
}
