/* test_seqlock.c - the latest-value slot: no torn value is ever accepted
 * across processes, a read without the re-check does tear (so the test can
 * fail), and a writer that dies mid-write is reported, not spun on. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "shm/layout.h"
#include "sluice/sluice.h"
#include "testutil.h"

/* Values are WORDS words all equal to the write's number: any mix of two
 * writes shows as unequal words. */
#define WORDS 32

struct counts {
	uint64_t reads, torn, distinct;
};

START_TEST(basics)
{
	char name[128];
	struct sluice_seqlock *w, *r;
	uint64_t v[WORDS], got[WORDS], seq;

	tu_name(name, sizeof(name), "sl");
	ck_assert_int_eq(sluice_seqlock_create(name, 13, NULL, &w), 0);
	ck_assert_uint_eq(sluice_seqlock_value_size(w), 16);
	ck_assert_int_eq(sluice_seqlock_open(name, NULL, &r), 0);
	ck_assert_int_eq(sluice_seqlock_read(r, got, 16, &seq), 0);
	ck_assert_uint_eq(seq, 0);
	ck_assert_uint_eq(got[0] | got[1], 0);

	v[0] = 0x1122334455667788u;
	v[1] = 0x99;
	ck_assert_int_eq(sluice_seqlock_write(w, v, 9), 0);
	memset(got, 0xff, sizeof(got));
	ck_assert_int_eq(sluice_seqlock_read(r, got, 16, &seq), 0);
	ck_assert_uint_eq(seq, 1);
	ck_assert_uint_eq(got[0], v[0]);
	ck_assert_uint_eq(got[1], 0x99); /* the rest of the value is zeroed */
	ck_assert_uint_eq(sluice_seqlock_seq(r), 1);

	ck_assert_int_eq(sluice_seqlock_write(w, v, 17), -SLUICE_ETOOBIG);
	ck_assert_int_eq(sluice_seqlock_write(r, v, 8), -EPERM);
	struct sluice_seqlock *second;
	ck_assert_int_eq(sluice_seqlock_take_over(name, NULL, &second), -EBUSY);
	ck_assert_ptr_null(second);
	sluice_seqlock_close(r);
	sluice_seqlock_close(w);
	sluice_shm_unlink(name);
}
END_TEST

static void writer_loop(const char *name, volatile int *stop_flag_shared)
{
	struct sluice_seqlock *w;
	uint64_t v[WORDS];

	(void)stop_flag_shared;
	if (sluice_seqlock_take_over(name, NULL, &w) != 0)
		_exit(1);
	for (uint64_t k = 1; k < 2000000000u; k++) {
		for (int i = 0; i < WORDS; i++)
			v[i] = k;
		sluice_seqlock_write(w, v, sizeof(v));
		/* A writer that never pauses starves readers (every read
		 * overlaps a write); short, varied gaps let reads land both
		 * inside and between writes. */
		for (volatile uint64_t spin = (k * 7919) % 256; spin; spin--)
			;
	}
	_exit(0);
}

/* A reader process: `reads` checked reads, results through a pipe. */
static pid_t spawn_reader(const char *name, uint64_t reads, int fd)
{
	pid_t pid = tu_fork();

	if (pid == 0) {
		struct sluice_seqlock *r;
		struct counts c = {0};
		uint64_t got[WORDS], last = 0;

		if (sluice_seqlock_open(name, NULL, &r) != 0)
			_exit(1);
		uint64_t t0 = tu_now_ns();

		/* Enough reads, and long enough to race the writer many times
		 * even when a loaded machine leaves it little CPU. */
		while (c.reads < reads || (c.distinct < 1000 && tu_now_ns() - t0 < 10000000000u)) {
			if (sluice_seqlock_read(r, got, sizeof(got), NULL) != 0)
				continue;
			c.reads++;
			for (int i = 1; i < WORDS; i++)
				if (got[i] != got[0]) {
					c.torn++;
					break;
				}
			if (got[0] < last)
				c.torn++; /* went back in time: also not a real value */
			if (got[0] != last)
				c.distinct++;
			last = got[0];
		}
		(void)!write(fd, &c, sizeof(c));
		_exit(0);
	}
	return pid;
}

/* The seqlock's writer is whoever created it; hand it to a child process. */
static void start_writer(const char *name, pid_t *writer)
{
	struct sluice_seqlock *w;

	ck_assert_int_eq(sluice_seqlock_create(name, sizeof(uint64_t) * WORDS, NULL, &w), 0);
	sluice_seqlock_close(w);
	/* The creator (us) lives, so take-over needs our identity gone:
	 * clear it the way a crash would leave it unclaimed. */
	struct sluice_shm *shm;
	ck_assert_int_eq(sluice_shm_open(name, SLUICE_SHM_SEQLOCK, NULL, &shm), 0);
	struct sluice_seqlock_shared *sh = sluice_shm_payload(shm);
	atomic_store(&sh->writer_pid, 0);
	sluice_shm_close(shm);
	*writer = tu_fork();
	if (*writer == 0)
		writer_loop(name, NULL);
	/* Wait until the writer has written something. */
	struct sluice_seqlock *r;
	ck_assert_int_eq(sluice_seqlock_open(name, NULL, &r), 0);
	uint64_t t0 = tu_now_ns();
	while (sluice_seqlock_seq(r) < 10)
		ck_assert_uint_lt(tu_now_ns() - t0, 5000000000u);
	sluice_seqlock_close(r);
}

START_TEST(no_torn_read_across_processes)
{
	char name[128];
	pid_t writer, readers[2];
	int fds[2];
	struct counts total = {0}, c;

	tu_name(name, sizeof(name), "torn");
	start_writer(name, &writer);
	ck_assert_int_eq(pipe(fds), 0);
	for (int i = 0; i < 2; i++)
		readers[i] = spawn_reader(name, 500000, fds[1]);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(tu_wait(readers[i], 240000), 0);
		ck_assert_int_eq(read(fds[0], &c, sizeof(c)), (int)sizeof(c));
		total.reads += c.reads;
		total.torn += c.torn;
		total.distinct += c.distinct;
	}
	kill(writer, SIGKILL);
	tu_wait(writer, 5000);
	fprintf(stderr, "seqlock: %llu reads, %llu distinct values, %llu torn accepted\n",
		(unsigned long long)total.reads, (unsigned long long)total.distinct,
		(unsigned long long)total.torn);
	ck_assert_uint_ge(total.reads, 1000000);
	ck_assert_uint_eq(total.torn, 0);
	/* The reads really raced the writer. */
	ck_assert_uint_ge(total.distinct, 100);
	sluice_shm_unlink(name);
}
END_TEST

/* The negative control: the same race, read without the sequence re-check,
 * must show torn values; otherwise the test above proves nothing. */
START_TEST(unchecked_read_does_tear)
{
	char name[128];
	pid_t writer;
	struct sluice_shm *shm;
	uint64_t torn = 0, reads = 0, got[WORDS];

	tu_name(name, sizeof(name), "control");
	start_writer(name, &writer);
	ck_assert_int_eq(sluice_shm_open(name, SLUICE_SHM_SEQLOCK, NULL, &shm), 0);
	struct sluice_seqlock_shared *sh = sluice_shm_payload(shm);
	_Atomic uint64_t *words = (_Atomic uint64_t *)((char *)sh + sh->value_offset);

	uint64_t t0 = tu_now_ns();
	while (torn < 10 && tu_now_ns() - t0 < 20000000000u) {
		for (int i = 0; i < WORDS; i++)
			got[i] = atomic_load_explicit(&words[i], memory_order_relaxed);
		reads++;
		for (int i = 1; i < WORDS; i++)
			if (got[i] != got[0]) {
				torn++;
				break;
			}
	}
	kill(writer, SIGKILL);
	tu_wait(writer, 5000);
	fprintf(stderr, "control: %llu torn of %llu unchecked reads\n", (unsigned long long)torn,
		(unsigned long long)reads);
	ck_assert_uint_ge(torn, 10);
	sluice_shm_close(shm);
	sluice_shm_unlink(name);
}
END_TEST

START_TEST(writer_dead_mid_write)
{
	char name[128];
	struct sluice_seqlock *r, *w;
	uint64_t v[2] = {7, 7}, got[2];
	struct sluice_shm *shm;

	tu_name(name, sizeof(name), "midwrite");
	pid_t pid = tu_fork();
	if (pid == 0) {
		struct sluice_seqlock *cw;

		if (sluice_seqlock_create(name, 16, NULL, &cw) != 0)
			_exit(1);
		sluice_seqlock_write(cw, v, sizeof(v));
		/* Die between the two sequence stores, as a crash would. */
		if (sluice_shm_open(name, SLUICE_SHM_SEQLOCK, NULL, &shm) != 0)
			_exit(2);
		struct sluice_seqlock_shared *sh = sluice_shm_payload(shm);
		atomic_fetch_add(&sh->seq, 1);
		raise(SIGKILL);
	}
	ck_assert_int_eq(tu_wait(pid, 5000), 128 + SIGKILL);
	ck_assert_int_eq(sluice_seqlock_open(name, NULL, &r), 0);
	uint64_t t0 = tu_now_ns();
	ck_assert_int_eq(sluice_seqlock_read(r, got, sizeof(got), NULL), -SLUICE_EOWNERDEAD);
	ck_assert_uint_lt(tu_now_ns() - t0, 2000000000u);
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), "died"));

	/* A new writer takes over; the half-written value stays unreadable
	 * until it writes. */
	ck_assert_int_eq(sluice_seqlock_take_over(name, NULL, &w), 0);
	ck_assert_int_eq(sluice_seqlock_read(r, got, sizeof(got), NULL), -EAGAIN);
	v[0] = v[1] = 8;
	ck_assert_int_eq(sluice_seqlock_write(w, v, sizeof(v)), 0);
	ck_assert_int_eq(sluice_seqlock_read(r, got, sizeof(got), NULL), 0);
	ck_assert_uint_eq(got[0], 8);
	ck_assert_uint_eq(got[1], 8);
	sluice_seqlock_close(w);
	sluice_seqlock_close(r);
	sluice_shm_unlink(name);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("seqlock");
	TCase *tc = tcase_create("seqlock");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, basics);
	tcase_add_test(tc, no_torn_read_across_processes);
	tcase_add_test(tc, unchecked_read_does_tear);
	tcase_add_test(tc, writer_dead_mid_write);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
