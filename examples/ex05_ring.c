/* ex05_ring.c - the seed's ex05: a producer and a consumer process over the
 * lock-free SPSC ring.
 *
 * Phase 1 streams 64-byte messages as fast as the ring takes them (batched,
 * zero-copy reserve/commit and peek/release) and checks order and checksums.
 * Phase 2 sends paced, timestamped messages and reports one-way latency,
 * first with the default wait (spin briefly, then sleep on a futex), then
 * with busy polling.
 *
 *   ex05_ring [--messages N] [--capacity C]
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "example_util.h"
#include "sluice/sluice.h"

struct msg {
	uint64_t seq;
	uint64_t stamp_ns;
	uint64_t data[5];
	uint64_t check;
};

#define BATCH 32
#define TIMEOUT_NS 5000000000LL

static uint64_t check_of(const struct msg *m)
{
	return m->seq * 0x9e3779b97f4a7c15u ^ m->data[0] ^ m->data[4];
}

static void fill(struct msg *m, uint64_t seq)
{
	m->seq = seq;
	for (int i = 0; i < 5; i++)
		m->data[i] = seq + (uint64_t)i;
	m->check = check_of(m);
}

/* The producer process: streams n messages, then paced ones for phase 2. */
static void producer(const char *name, uint64_t n, uint64_t paced, uint64_t gap_ns)
{
	struct sluice_ring *r;

	if (sluice_ring_open(name, NULL, &r) != 0)
		_exit(1);
	ex_pin(1);
	for (uint64_t seq = 0; seq < n;) {
		void *slots;
		size_t k = sluice_ring_reserve(r, BATCH, &slots);

		if (k == 0) {
			if (sluice_ring_wait_writable(r, TIMEOUT_NS) != 0)
				_exit(2);
			continue;
		}
		for (size_t i = 0; i < k; i++)
			fill((struct msg *)slots + i, seq + i);
		sluice_ring_commit(r, k);
		seq += k;
	}
	/* Phase 2, twice (sleeping consumer, then busy-polling consumer). */
	for (int round = 0; round < 2; round++) {
		for (uint64_t i = 0; i < paced; i++) {
			struct msg m;
			uint64_t next = ex_now_ns() + gap_ns;

			fill(&m, i);
			while (ex_now_ns() < next)
				;
			m.stamp_ns = ex_now_ns();
			if (sluice_ring_push_wait(r, &m, TIMEOUT_NS) != 0)
				_exit(3);
		}
	}
	sluice_ring_close(r);
	_exit(0);
}

static int latency_round(struct sluice_ring *r, uint64_t paced, uint64_t *lat, const char *label)
{
	for (uint64_t i = 0; i < paced; i++) {
		struct msg m;
		int rc = sluice_ring_pop_wait(r, &m, TIMEOUT_NS);

		if (rc || m.seq != i || m.check != check_of(&m)) {
			fprintf(stderr, "ex05: latency message %llu: %s\n", (unsigned long long)i,
				rc ? sluice_strerror(rc) : "out of order or corrupt");
			return -1;
		}
		lat[i] = ex_now_ns() - m.stamp_ns;
	}
	qsort(lat, paced, sizeof(*lat), ex_cmp_u64);
	printf("  one-way latency, %-26s p50 %6llu ns  p99 %7llu ns  max %8llu ns\n", label,
	       (unsigned long long)ex_percentile(lat, paced, 50),
	       (unsigned long long)ex_percentile(lat, paced, 99),
	       (unsigned long long)lat[paced - 1]);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t n = 10000000, cap = 1024, paced = 20000, gap_ns = 50000;
	char name[64];
	struct sluice_ring *r;
	int rc, status, ok = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--messages") && i + 1 < argc)
			n = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--capacity") && i + 1 < argc)
			cap = strtoull(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "usage: %s [--messages N] [--capacity C (power of 2)]\n",
				argv[0]);
			return 2;
		}
	}
	snprintf(name, sizeof(name), "/sluice-ex05-%ld", (long)getpid());
	rc = sluice_ring_create(name, sizeof(struct msg), cap, NULL, &r);
	if (rc) {
		fprintf(stderr, "ex05: %s (%s)\n", sluice_strerror(rc), sluice_errdetail());
		return 1;
	}
	pid_t pid = fork();
	if (pid == 0)
		producer(name, n, paced, gap_ns);
	ex_pin(0);

	/* Phase 1: stream. */
	uint64_t next = 0, bad = 0, t0 = ex_now_ns(), t_first = 0;
	while (next < n) {
		const void *slots;
		size_t k = sluice_ring_peek(r, BATCH, &slots);

		if (k == 0) {
			if ((rc = sluice_ring_wait_readable(r, TIMEOUT_NS)) != 0)
				break;
			continue;
		}
		if (!t_first)
			t_first = ex_now_ns();
		for (size_t i = 0; i < k; i++) {
			const struct msg *m = (const struct msg *)slots + i;

			bad += m->seq != next + i || m->check != check_of(m);
		}
		sluice_ring_release(r, k);
		next += k;
	}
	double secs = (double)(ex_now_ns() - t0) / 1e9;
	printf("ex05 ring: producer pid %d -> consumer pid %d, %llu slots of %zu B\n", (int)pid,
	       (int)getpid(), (unsigned long long)cap, sizeof(struct msg));
	printf("  streamed %llu messages in %.3f s: %.2f M msgs/s, %.0f MB/s; %llu out of order "
	       "or corrupt\n",
	       (unsigned long long)next, secs, (double)next / secs / 1e6,
	       (double)next * sizeof(struct msg) / secs / 1e6, (unsigned long long)bad);
	ok = next == n && bad == 0;

	/* Phase 2: paced latency, default wait then busy polling. */
	uint64_t *lat = calloc(paced, sizeof(*lat));
	if (ok && lat) {
		printf("  %llu paced messages every %llu us:\n", (unsigned long long)paced,
		       (unsigned long long)gap_ns / 1000);
		ok = latency_round(r, paced, lat, "spin 20 us, then futex:") == 0;
		sluice_ring_close(r);
		struct sluice_ring_opts busy = {.flags = SLUICE_RING_BUSY_POLL};
		if (ok && sluice_ring_open(name, &busy, &r) == 0)
			ok = latency_round(r, paced, lat, "busy poll:") == 0;
		else
			ok = 0;
	}
	free(lat);
	sluice_ring_close(r);
	if (!ok)
		kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	sluice_shm_unlink(name);
	return ok && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
