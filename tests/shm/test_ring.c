/* test_ring.c - the SPSC ring: FIFO order and checksums across processes at
 * several capacities with indices that wrap past UINT64_MAX, no lost
 * wake-up over many forced sleeps, and a sleeping side that uses no CPU. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "shm/layout.h"
#include "sluice/sluice.h"
#include "testutil.h"

#define SECOND 1000000000LL

/* A message: its number, bytes derived from it, and their checksum. */
struct msg {
	uint64_t seq;
	uint8_t body[44];
	uint32_t sum;
};

static uint32_t checksum(const struct msg *m)
{
	uint32_t h = 2166136261u;

	for (unsigned i = 0; i < sizeof(m->body); i++)
		h = (h ^ m->body[i]) * 16777619u;
	return h ^ (uint32_t)m->seq;
}

static void fill(struct msg *m, uint64_t seq)
{
	m->seq = seq;
	for (unsigned i = 0; i < sizeof(m->body); i++)
		m->body[i] = (uint8_t)(seq * 31 + i);
	m->sum = checksum(m);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

START_TEST(single_process_basics)
{
	char name[128];
	struct sluice_ring *r;
	struct msg m, out;
	void *slot;
	const void *cslot;
	struct sluice_ring_opts o = {.start_index = UINT64_MAX - 5};

	tu_name(name, sizeof(name), "basic");
	ck_assert_int_eq(sluice_ring_create(name, sizeof(m), 3, NULL, &r), -EINVAL);
	ck_assert_int_eq(sluice_ring_create(name, sizeof(m), 4, &o, &r), 0);
	ck_assert_uint_eq(sluice_ring_capacity(r), 4);
	ck_assert_int_eq(sluice_ring_pop(r, &out), -EAGAIN);
	for (int i = 0; i < 4; i++) {
		fill(&m, (uint64_t)i);
		ck_assert_int_eq(sluice_ring_push(r, &m), 0);
	}
	ck_assert_int_eq(sluice_ring_push(r, &m), -EAGAIN);
	ck_assert_int_eq(sluice_ring_push_wait(r, &m, 1000000), -ETIMEDOUT);
	ck_assert_int_eq(sluice_ring_wait_readable(r, 0), 0);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(sluice_ring_pop(r, &out), 0);
		ck_assert_uint_eq(out.seq, (uint64_t)i);
	}
	ck_assert_int_eq(sluice_ring_pop_wait(r, &out, 1000000), -ETIMEDOUT);

	/* A reserved slot is invisible until committed. */
	ck_assert_uint_eq(sluice_ring_reserve(r, 1, &slot), 1);
	fill(slot, 99);
	ck_assert_uint_eq(sluice_ring_peek(r, 4, &cslot), 0);
	sluice_ring_commit(r, 1);
	ck_assert_uint_eq(sluice_ring_peek(r, 4, &cslot), 1);
	ck_assert_uint_eq(((const struct msg *)cslot)->seq, 99);
	sluice_ring_release(r, 1);

	/* Another kind of segment is refused. */
	struct sluice_seqlock *sl;
	ck_assert_int_eq(sluice_seqlock_open(name, NULL, &sl), -SLUICE_EKIND);
	sluice_ring_close(r);
	sluice_shm_unlink(name);
}
END_TEST

/* Producer: n messages in random batches through all three producer calls,
 * with random pauses.  Exit status 0 on success. */
static void produce(const char *name, uint64_t n, uint64_t seed)
{
	struct sluice_ring *r;
	struct msg batch[16];
	uint64_t next = 0;

	if (sluice_ring_open(name, NULL, &r) != 0)
		_exit(1);
	while (next < n) {
		uint64_t k = 1 + rnd(&seed) % 16, how = rnd(&seed) % 3;

		if (k > n - next)
			k = n - next;
		if (sluice_ring_wait_writable(r, 10 * SECOND) != 0)
			_exit(2);
		if (how == 0) {
			fill(&batch[0], next);
			if (sluice_ring_push(r, &batch[0]) == 0)
				next++;
		} else if (how == 1) {
			for (uint64_t i = 0; i < k; i++)
				fill(&batch[i], next + i);
			next += sluice_ring_push_batch(r, batch, k);
		} else {
			void *slots;
			size_t got = sluice_ring_reserve(r, k, &slots);

			for (size_t i = 0; i < got; i++)
				fill((struct msg *)slots + i, next + i);
			sluice_ring_commit(r, got);
			next += got;
		}
		if (rnd(&seed) % 64 == 0)
			usleep(rnd(&seed) % 200);
	}
	sluice_ring_close(r);
	_exit(0);
}

/* Consumer, in the test process: checks order and checksums. */
static void consume(const char *name, uint64_t n, uint64_t seed)
{
	struct sluice_ring *r;
	struct msg batch[16];
	uint64_t next = 0;

	ck_assert_int_eq(sluice_ring_open(name, NULL, &r), 0);
	while (next < n) {
		uint64_t how = rnd(&seed) % 3;
		size_t got;

		ck_assert_int_eq(sluice_ring_wait_readable(r, 10 * SECOND), 0);
		if (how == 0) {
			got = sluice_ring_pop(r, &batch[0]) == 0;
		} else if (how == 1) {
			got = sluice_ring_pop_batch(r, batch, 1 + rnd(&seed) % 16);
		} else {
			const void *slots;

			got = sluice_ring_peek(r, 16, &slots);
			memcpy(batch, slots, got * sizeof(struct msg));
			sluice_ring_release(r, got);
		}
		for (size_t i = 0; i < got; i++) {
			ck_assert_uint_eq(batch[i].seq, next);
			ck_assert_uint_eq(batch[i].sum, checksum(&batch[i]));
			next++;
		}
		if (rnd(&seed) % 64 == 0)
			usleep(rnd(&seed) % 200);
	}
	struct msg extra;
	ck_assert_int_eq(sluice_ring_pop(r, &extra), -EAGAIN);
	sluice_ring_close(r);
}

static const uint64_t capacities[] = {1, 2, 8, 1024};

START_TEST(fifo_across_processes)
{
	uint64_t cap = capacities[_i];
	uint64_t n = cap < 8 ? 20000 : 200000;
	char name[128];
	struct sluice_ring *r;
	/* Start just below the wrap, so the indices pass UINT64_MAX. */
	struct sluice_ring_opts o = {.start_index = UINT64_MAX - n / 2};

	tu_name(name, sizeof(name), "fifo");
	ck_assert_int_eq(sluice_ring_create(name, sizeof(struct msg), cap, &o, &r), 0);
	pid_t pid = tu_fork();
	if (pid == 0)
		produce(name, n, 0x9e3779b97f4a7c15u + cap);
	consume(name, n, 0x2545f4914f6cdd1du + cap);
	ck_assert_int_eq(tu_wait(pid, 30000), 0);

	/* The indices did wrap. */
	struct sluice_shm *shm;
	ck_assert_int_eq(sluice_shm_open(name, SLUICE_SHM_RING, NULL, &shm), 0);
	struct sluice_ring_shared *sh = sluice_shm_payload(shm);
	ck_assert_uint_lt(atomic_load(&sh->tail), n);
	sluice_shm_close(shm);
	sluice_ring_close(r);
	sluice_shm_unlink(name);
}
END_TEST

/* The consumer sleeps before every message (the producer waits until it
 * counts itself as a sleeper); each wake must arrive, well before the
 * timeout. */
START_TEST(no_lost_wakeups_forced_sleeps)
{
	const uint64_t n = 100000;
	char name[128];
	struct sluice_ring *r;
	struct sluice_ring_opts o = {.spin_ns = 1, .start_index = UINT64_MAX - 1000};
	struct msg m;

	tu_name(name, sizeof(name), "wake");
	ck_assert_int_eq(sluice_ring_create(name, sizeof(m), 8, &o, &r), 0);
	pid_t pid = tu_fork();
	if (pid == 0) {
		struct sluice_ring *p;
		struct sluice_shm *shm;

		if (sluice_ring_open(name, NULL, &p) != 0 ||
		    sluice_shm_open(name, SLUICE_SHM_RING, NULL, &shm) != 0)
			_exit(1);
		struct sluice_ring_shared *sh = sluice_shm_payload(shm);
		for (uint64_t i = 0; i < n; i++) {
			uint64_t t0 = tu_now_ns();

			/* Everything sent so far consumed, and the consumer asleep
			 * (or committed to sleeping) for the next one. */
			while (atomic_load(&sh->tail) != atomic_load(&sh->head) ||
			       atomic_load(&sh->data_q.waiters) == 0)
				if (tu_now_ns() - t0 > 10 * SECOND)
					_exit(2);
			fill(&m, i);
			if (sluice_ring_push(p, &m) != 0)
				_exit(3);
		}
		_exit(0);
	}
	for (uint64_t i = 0; i < n; i++) {
		int rc = sluice_ring_pop_wait(r, &m, 2 * SECOND);

		ck_assert_msg(rc == 0, "message %llu: %s", (unsigned long long)i, sluice_strerror(rc));
		ck_assert_uint_eq(m.seq, i);
	}
	ck_assert_int_eq(tu_wait(pid, 10000), 0);
	sluice_ring_close(r);
	sluice_shm_unlink(name);
}
END_TEST

/* No forcing: the producer's notify races the consumer going to sleep at
 * random moments, which is where a lost wake-up would hide. */
START_TEST(no_lost_wakeups_racing)
{
	const uint64_t n = 100000;
	char name[128];
	struct sluice_ring *r;
	struct sluice_ring_opts o = {.spin_ns = 1};
	struct msg m;

	tu_name(name, sizeof(name), "race");
	ck_assert_int_eq(sluice_ring_create(name, sizeof(m), 2, &o, &r), 0);
	pid_t pid = tu_fork();
	if (pid == 0) {
		struct sluice_ring *p;
		uint64_t seed = 88172645463325252u;

		if (sluice_ring_open(name, &o, &p) != 0)
			_exit(1);
		for (uint64_t i = 0; i < n; i++) {
			fill(&m, i);
			if (sluice_ring_push_wait(p, &m, 2 * SECOND) != 0)
				_exit(2);
			for (uint64_t spin = rnd(&seed) % 2000; spin; spin--)
				__asm__ __volatile__("" ::: "memory");
		}
		_exit(0);
	}
	for (uint64_t i = 0; i < n; i++) {
		int rc = sluice_ring_pop_wait(r, &m, 2 * SECOND);

		ck_assert_msg(rc == 0, "message %llu: %s", (unsigned long long)i, sluice_strerror(rc));
		ck_assert_uint_eq(m.seq, i);
	}
	ck_assert_int_eq(tu_wait(pid, 10000), 0);
	sluice_ring_close(r);
	sluice_shm_unlink(name);
}
END_TEST

START_TEST(sleeping_consumer_uses_no_cpu)
{
	char name[128];
	struct sluice_ring *r;
	struct msg m;
	struct rusage before, after;

	tu_name(name, sizeof(name), "idle");
	ck_assert_int_eq(sluice_ring_create(name, sizeof(m), 8, NULL, &r), 0);
	getrusage(RUSAGE_SELF, &before);
	uint64_t t0 = tu_now_ns();
	ck_assert_int_eq(sluice_ring_pop_wait(r, &m, SECOND), -ETIMEDOUT);
	uint64_t waited = tu_now_ns() - t0;
	getrusage(RUSAGE_SELF, &after);
	long cpu_us = (after.ru_utime.tv_sec - before.ru_utime.tv_sec) * 1000000L +
		      (after.ru_utime.tv_usec - before.ru_utime.tv_usec) +
		      (after.ru_stime.tv_sec - before.ru_stime.tv_sec) * 1000000L +
		      (after.ru_stime.tv_usec - before.ru_stime.tv_usec);
	fprintf(stderr, "idle wait: %.3f s waited, %ld us of CPU\n", waited / 1e9, cpu_us);
	ck_assert_uint_ge(waited, SECOND);
	ck_assert_int_lt(cpu_us, 20000);
	sluice_ring_close(r);
	sluice_shm_unlink(name);
}
END_TEST

/* A producer blocked on a full ring wakes when the consumer makes room. */
START_TEST(full_ring_producer_wakes)
{
	char name[128];
	struct sluice_ring *r;
	struct msg m;

	tu_name(name, sizeof(name), "full");
	ck_assert_int_eq(sluice_ring_create(name, sizeof(m), 1, NULL, &r), 0);
	fill(&m, 0);
	ck_assert_int_eq(sluice_ring_push(r, &m), 0);
	pid_t pid = tu_fork();
	if (pid == 0) {
		struct sluice_ring *p;

		if (sluice_ring_open(name, NULL, &p) != 0)
			_exit(1);
		fill(&m, 1);
		_exit(sluice_ring_push_wait(p, &m, 5 * SECOND) == 0 ? 0 : 2);
	}
	usleep(100000);
	ck_assert_int_eq(sluice_ring_pop(r, &m), 0);
	ck_assert_uint_eq(m.seq, 0);
	ck_assert_int_eq(tu_wait(pid, 6000), 0);
	ck_assert_int_eq(sluice_ring_pop(r, &m), 0);
	ck_assert_uint_eq(m.seq, 1);
	sluice_ring_close(r);
	sluice_shm_unlink(name);
}
END_TEST

/* A header rewritten by a broken or hostile process is refused at open. */
START_TEST(corrupt_ring_header_refused)
{
	char name[128];
	struct sluice_ring *r, *r2;
	struct sluice_shm *shm;

	tu_name(name, sizeof(name), "corrupt");
	ck_assert_int_eq(sluice_ring_create(name, 64, 8, NULL, &r), 0);
	ck_assert_int_eq(sluice_shm_open(name, SLUICE_SHM_RING, NULL, &shm), 0);
	struct sluice_ring_shared *sh = sluice_shm_payload(shm);
	sh->capacity = 1u << 20;
	ck_assert_int_eq(sluice_ring_open(name, NULL, &r2), -SLUICE_ECORRUPT);
	sh->capacity = 6;
	ck_assert_int_eq(sluice_ring_open(name, NULL, &r2), -SLUICE_ECORRUPT);
	sh->capacity = 8;
	sh->slots_offset = 1u << 30;
	ck_assert_int_eq(sluice_ring_open(name, NULL, &r2), -SLUICE_ECORRUPT);
	sluice_shm_close(shm);
	sluice_ring_close(r);
	sluice_shm_unlink(name);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("ring");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, single_process_basics);
	tcase_add_loop_test(tc, fifo_across_processes, 0, 4);
	tcase_add_test(tc, no_lost_wakeups_forced_sleeps);
	tcase_add_test(tc, no_lost_wakeups_racing);
	tcase_add_test(tc, sleeping_consumer_uses_no_cpu);
	tcase_add_test(tc, full_ring_producer_wakes);
	tcase_add_test(tc, corrupt_ring_header_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
