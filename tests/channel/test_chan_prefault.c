/* test_chan_prefault.c - a topic's memory is populated when it is created
 * and when it is opened: publishing and taking messages across every slot
 * of a fresh large topic, each side its own process, adds no minor or major
 * page fault (getrusage) once the code paths themselves have run once.  And
 * segment asking for huge pages either gets them or says why not. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sluice/sluice.h"
#include "testutil.h"

#define SECOND    1000000000LL
#define SLOTS     64u
#define SLOT_SIZE (64u * 1024u)

/* Sanitizers map their shadow memory lazily: the first check of a fresh
 * address faults a shadow page in, whatever the library does. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

struct faults {
	long minor, major;
};

static struct faults faults_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (struct faults){ru.ru_minflt, ru.ru_majflt};
}

static void publish_full(struct sluice_pub *p, uint64_t seq)
{
	void *buf;

	ck_assert_int_eq(sluice_pub_loan(p, SLOT_SIZE, &buf, SECOND), 0);
	memset(buf, (int)(seq & 0xff), SLOT_SIZE);
	ck_assert_int_eq(sluice_pub_commit(p, 0, SLOT_SIZE), 0);
}

/* Reads every byte of the message; 0 when it is what seq should hold. */
static int take_full(struct sluice_sub *s, uint64_t seq, int64_t timeout)
{
	struct sluice_msg m;
	const unsigned char *d;
	int rc = sluice_sub_take(s, &m, timeout);

	if (rc)
		return rc;
	d = m.data;
	if (m.seq != seq || m.len != SLOT_SIZE)
		rc = -EPROTO;
	for (size_t i = 0; i < m.len && !rc; i++)
		if (d[i] != (unsigned char)(seq & 0xff))
			rc = -EPROTO;
	if (sluice_sub_release(s, &m) != 0 && !rc)
		rc = -EPROTO;
	return rc;
}

/* The subscriber: warms its own paths up (a take, a take that sleeps and
 * times out), then takes messages 1..SLOTS-1 and sends its fault counts. */
static int subscriber(const char *name, int ready_fd, int result_fd)
{
	struct sluice_sub_opts so = {.join = SLUICE_JOIN_OLDEST};
	struct sluice_sub *s;
	struct faults f0, f1;
	long out[2];

	if (sluice_sub_open(name, &so, &s) != 0)
		return 1;
	if (take_full(s, 0, SECOND) != 0)
		return 2;
	(void)take_full(s, 1, 1000000); /* nothing yet: it spins, sleeps, times out */
	f0 = faults_now();
	f0 = faults_now();
	if (write(ready_fd, "r", 1) != 1)
		return 3;
	for (uint64_t seq = 1; seq < SLOTS; seq++)
		if (take_full(s, seq, 5 * SECOND) != 0)
			return 4;
	f1 = faults_now();
	out[0] = f1.minor - f0.minor;
	out[1] = f1.major - f0.major;
	if (write(result_fd, out, sizeof(out)) != (ssize_t)sizeof(out))
		return 5;
	sluice_sub_close(s);
	return 0;
}

START_TEST(no_faults_on_the_message_path)
{
	char name[128];
	struct sluice_topic_opts o = {
	    .slot_size = SLOT_SIZE, .slot_count = SLOTS, .delivery = SLUICE_LOSSLESS};
	struct sluice_pub *p;
	int ready[2], result[2];
	struct faults f0, f1;
	long sub_faults[2];
	char c;

	tu_name(name, sizeof(name), "prefault");
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(result), 0);
	ck_assert_int_eq(sluice_pub_open(name, &o, &p), 0);
	publish_full(p, 0); /* the publisher's warm-up */
	pid_t pid = tu_fork();
	if (pid == 0)
		_exit(subscriber(name, ready[1], result[1]));
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	/* the subscriber sleeps by now: this commit takes the wake-up path */
	usleep(20000);
	publish_full(p, 1);
	f0 = faults_now();
	f0 = faults_now();
	for (uint64_t seq = 2; seq < SLOTS; seq++)
		publish_full(p, seq);
	f1 = faults_now();
	ck_assert_int_eq(read(result[0], sub_faults, sizeof(sub_faults)),
	                 (ssize_t)sizeof(sub_faults));
	ck_assert_int_eq(tu_wait(pid, 10000), 0);
	sluice_pub_close(p);
	sluice_shm_unlink(name);
	close(ready[0]);
	close(ready[1]);
	close(result[0]);
	close(result[1]);
	fprintf(stderr,
	        "faults over %u slots of %u KiB: publisher minor %ld major %ld, "
	        "subscriber minor %ld major %ld\n",
	        SLOTS, SLOT_SIZE / 1024, f1.minor - f0.minor, f1.major - f0.major, sub_faults[0],
	        sub_faults[1]);
	if (SANITIZED) {
		fprintf(stderr, "sanitizer build: shadow memory faults, counts not checked\n");
		return;
	}
	ck_assert_int_eq(f1.minor - f0.minor, 0);
	ck_assert_int_eq(f1.major - f0.major, 0);
	ck_assert_int_eq(sub_faults[0], 0);
	ck_assert_int_eq(sub_faults[1], 0);
}
END_TEST

/* Huge pages are granted exactly where the kernel's shmem setting allows
 * them; where it does not, the segment still works and says why. */
START_TEST(hugepages_granted_or_said_why)
{
	char name[128], policy[64] = "";
	struct sluice_shm_opts o = {.flags = SLUICE_SHM_HUGEPAGE};
	struct sluice_shm *c, *r;
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "r");
	int allowed;

	if (f) {
		char line[128], *a, *b;

		if (fgets(line, sizeof(line), f) && (a = strchr(line, '[')) &&
		    (b = strchr(a, ']'))) {
			*b = '\0';
			snprintf(policy, sizeof(policy), "%s", a + 1);
		}
		fclose(f);
	}
	allowed = policy[0] && strcmp(policy, "never") && strcmp(policy, "deny");
	tu_name(name, sizeof(name), "huge");
	ck_assert_int_eq(sluice_shm_create(name, SLUICE_SHM_RAW, 4u << 20, &o, &c), 0);
	sluice_shm_publish(c);
	ck_assert_int_eq(sluice_shm_open(name, SLUICE_SHM_RAW, &o, &r), 0);
	for (int i = 0; i < 2; i++) {
		struct sluice_shm *s = i ? r : c;

		ck_assert_int_eq(sluice_shm_hugepages(s), allowed);
		if (allowed) {
			ck_assert_ptr_null(sluice_shm_note(s));
		} else {
			ck_assert_ptr_nonnull(sluice_shm_note(s));
			ck_assert_ptr_nonnull(strstr(sluice_shm_note(s), "shmem_enabled"));
		}
	}
	fprintf(stderr, "shmem_enabled [%s]: %s\n", policy,
	        sluice_shm_note(c) ? sluice_shm_note(c) : "huge pages advised");
	memset(sluice_shm_payload(c), 7, 4u << 20);
	ck_assert_int_eq(((unsigned char *)sluice_shm_payload(r))[(4u << 20) - 1], 7);
	/* not asked for: no note */
	sluice_shm_close(r);
	ck_assert_int_eq(sluice_shm_open(name, SLUICE_SHM_RAW, NULL, &r), 0);
	ck_assert_int_eq(sluice_shm_hugepages(r), 0);
	ck_assert_ptr_null(sluice_shm_note(r));
	sluice_shm_close(r);
	sluice_shm_close(c);
	sluice_shm_unlink(name);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("chan_prefault");
	TCase *tc = tcase_create("prefault");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, no_faults_on_the_message_path);
	tcase_add_test(tc, hugepages_granted_or_said_why);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite);
}
