/* test_segment.c - segments: attach across processes, every refusal with its
 * reason, racing creators, owner liveness, reclaim, permissions. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shm/layout.h"
#include "sluice/sluice.h"
#include "testutil.h"

/* Maps a segment's raw bytes, to damage its header as a foreign or broken
 * writer would. */
static struct sluice_shm_header *raw_map(const char *name, size_t *size)
{
	int fd = shm_open(name, O_RDWR, 0);
	struct stat st;
	void *p;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	*size = (size_t)st.st_size;
	p = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	ck_assert_ptr_ne(p, MAP_FAILED);
	return p;
}

static void make_segment(const char *name, uint32_t kind)
{
	struct sluice_shm *shm;

	ck_assert_int_eq(sluice_shm_create(name, kind, 4096, NULL, &shm), 0);
	sluice_shm_publish(shm);
	sluice_shm_close(shm);
}

static int try_open(const char *name, uint32_t kind)
{
	struct sluice_shm_opts o = {.timeout_ms = 50};
	struct sluice_shm *shm;
	int rc = sluice_shm_open(name, kind, &o, &shm);

	if (rc == 0)
		sluice_shm_close(shm);
	return rc;
}

START_TEST(attach_across_processes)
{
	char name[128];
	struct sluice_shm *shm;

	tu_name(name, sizeof(name), "attach");
	ck_assert_int_eq(sluice_shm_create(name, SLUICE_SHM_RAW, 1 << 16, NULL, &shm), 0);
	ck_assert_uint_eq(sluice_shm_payload_size(shm), 1 << 16);
	memset(sluice_shm_payload(shm), 0xab, 1 << 16);
	sluice_shm_publish(shm);

	pid_t pid = tu_fork();
	if (pid == 0) {
		struct sluice_shm *c;
		unsigned char *p;

		if (sluice_shm_open(name, SLUICE_SHM_RAW, NULL, &c) != 0)
			_exit(1);
		p = sluice_shm_payload(c);
		for (int i = 0; i < 1 << 16; i++)
			if (p[i] != 0xab)
				_exit(2);
		p[0] = 0x11;
		sluice_shm_close(c);
		_exit(0);
	}
	ck_assert_int_eq(tu_wait(pid, 5000), 0);
	ck_assert_uint_eq(((unsigned char *)sluice_shm_payload(shm))[0], 0x11);
	sluice_shm_close(shm);
	ck_assert_int_eq(sluice_shm_unlink(name), 0);
	ck_assert_int_eq(try_open(name, SLUICE_SHM_RAW), -ENOENT);
}
END_TEST

START_TEST(bad_names)
{
	struct sluice_shm *shm;
	char longname[SLUICE_SHM_NAME_MAX + 10];

	memset(longname, 'a', sizeof(longname));
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	const char *bad[] = {"", "/", "noslash", "/a/b", longname};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(sluice_shm_create(bad[i], SLUICE_SHM_RAW, 64, NULL, &shm),
				 -SLUICE_EBADNAME);
		ck_assert_int_eq(sluice_shm_open(bad[i], SLUICE_SHM_RAW, NULL, &shm),
				 -SLUICE_EBADNAME);
		ck_assert_ptr_null(shm);
	}
	ck_assert_int_eq(sluice_shm_create(NULL, SLUICE_SHM_RAW, 64, NULL, &shm), -SLUICE_EBADNAME);
	ck_assert_str_eq(sluice_strerror(-SLUICE_EBADNAME), "invalid segment name");
}
END_TEST

START_TEST(create_twice_is_refused)
{
	char name[128];
	struct sluice_shm *shm;

	tu_name(name, sizeof(name), "twice");
	make_segment(name, SLUICE_SHM_RAW);
	ck_assert_int_eq(sluice_shm_create(name, SLUICE_SHM_RAW, 64, NULL, &shm), -EEXIST);
	sluice_shm_unlink(name);
}
END_TEST

/* Each damage to the header, and the error and detail it must produce. */
START_TEST(refusals)
{
	char name[128];
	size_t size;
	struct sluice_shm_header *h;

	tu_name(name, sizeof(name), "magic");
	make_segment(name, SLUICE_SHM_RAW);
	h = raw_map(name, &size);
	h->magic = 0x12345678;
	ck_assert_int_eq(try_open(name, SLUICE_SHM_RAW), -SLUICE_EMAGIC);
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), "magic"));
	h->magic = SLUICE_SHM_MAGIC_SWAP;
	ck_assert_int_eq(try_open(name, SLUICE_SHM_RAW), -SLUICE_ELAYOUT);
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), "byte order"));
	h->magic = SLUICE_SHM_MAGIC;

	h->abi_version = SLUICE_SHM_ABI_VERSION + 1;
	ck_assert_int_eq(try_open(name, SLUICE_SHM_RAW), -SLUICE_EVERSION);
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), "ABI version 2"));
	h->abi_version = SLUICE_SHM_ABI_VERSION;

	h->fingerprint ^= 1;
	ck_assert_int_eq(try_open(name, SLUICE_SHM_RAW), -SLUICE_ELAYOUT);
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), "not this build's"));
	h->header_size += 8;
	ck_assert_int_eq(try_open(name, SLUICE_SHM_RAW), -SLUICE_ELAYOUT);
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), "segment header is"));
	h->header_size -= 8;
	h->fingerprint ^= 1;

	ck_assert_int_eq(try_open(name, SLUICE_SHM_RING), -SLUICE_EKIND);
	ck_assert_str_eq(strstr(sluice_errdetail(), "segment is"), "segment is a raw, not a ring");

	h->total_size += 4096;
	ck_assert_int_eq(try_open(name, SLUICE_SHM_RAW), -SLUICE_ETRUNCATED);
	h->total_size -= 4096;
	h->payload_size += 1;
	ck_assert_int_eq(try_open(name, SLUICE_SHM_RAW), -SLUICE_ECORRUPT);
	h->payload_size -= 1;
	h->payload_offset = 8;
	ck_assert_int_eq(try_open(name, SLUICE_SHM_RAW), -SLUICE_ECORRUPT);
	h->payload_offset = SLUICE_SHM_PAYLOAD_OFFSET;

	/* Undamaged again: it opens. */
	ck_assert_int_eq(try_open(name, SLUICE_SHM_RAW), 0);
	munmap(h, size);

	/* The object itself cut short. */
	int fd = shm_open(name, O_RDWR, 0);
	ck_assert_int_eq(ftruncate(fd, SLUICE_SHM_PAYLOAD_OFFSET + 100), 0);
	ck_assert_int_eq(try_open(name, SLUICE_SHM_RAW), -SLUICE_ETRUNCATED);
	ck_assert_int_eq(ftruncate(fd, 100), 0);
	ck_assert_int_eq(try_open(name, SLUICE_SHM_RAW), -SLUICE_ETRUNCATED);
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), "smaller than a header"));
	close(fd);
	sluice_shm_unlink(name);
}
END_TEST

START_TEST(foreign_object_is_refused)
{
	char name[128];
	char junk[4096];
	int fd;

	tu_name(name, sizeof(name), "foreign");
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	for (unsigned i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 1);
	ck_assert_int_eq(write(fd, junk, sizeof(junk)), (int)sizeof(junk));
	close(fd);
	ck_assert_int_eq(try_open(name, SLUICE_SHM_RAW), -SLUICE_EMAGIC);
	/* Not ours: reclaim must not delete it. */
	ck_assert_int_eq(sluice_shm_reclaim(name), -SLUICE_EMAGIC);
	sluice_shm_unlink(name);
}
END_TEST

START_TEST(never_ready_times_out)
{
	char name[128];
	struct sluice_shm *shm;

	tu_name(name, sizeof(name), "notready");
	ck_assert_int_eq(sluice_shm_create(name, SLUICE_SHM_RAW, 64, NULL, &shm), 0);
	uint64_t t0 = tu_now_ns();
	ck_assert_int_eq(try_open(name, SLUICE_SHM_RAW), -SLUICE_ENOTREADY);
	ck_assert_uint_ge(tu_now_ns() - t0, 40 * 1000000u);
	/* Its creator (this process) lives: not reclaimable. */
	ck_assert_int_eq(sluice_shm_reclaim(name), -SLUICE_EOWNERLIVE);
	sluice_shm_publish(shm);
	ck_assert_int_eq(try_open(name, SLUICE_SHM_RAW), 0);
	sluice_shm_close(shm);
	sluice_shm_unlink(name);
}
END_TEST

/* Two processes race to create one name, many times: exactly one creates,
 * and the other always sees a fully initialised payload. */
START_TEST(racing_creators)
{
	for (int round = 0; round < 100; round++) {
		char name[128];
		pid_t kids[2];

		tu_name(name, sizeof(name), "race");
		for (int k = 0; k < 2; k++) {
			kids[k] = tu_fork();
			if (kids[k] == 0) {
				struct sluice_shm *shm;
				int rc = sluice_shm_create(name, SLUICE_SHM_RAW, 8192, NULL, &shm);

				if (rc == 0) {
					/* Take a while to initialise, so the other waits. */
					usleep(2000);
					memset(sluice_shm_payload(shm), 0x5a, 8192);
					sluice_shm_publish(shm);
					sluice_shm_close(shm);
					_exit(10);
				}
				if (rc != -EEXIST)
					_exit(1);
				if (sluice_shm_open(name, SLUICE_SHM_RAW, NULL, &shm) != 0)
					_exit(2);
				const unsigned char *p = sluice_shm_payload(shm);
				for (int i = 0; i < 8192; i++)
					if (p[i] != 0x5a)
						_exit(3);
				sluice_shm_close(shm);
				_exit(20);
			}
		}
		int a = tu_wait(kids[0], 5000), b = tu_wait(kids[1], 5000);
		ck_assert_msg((a == 10 && b == 20) || (a == 20 && b == 10),
			      "round %d: statuses %d and %d", round, a, b);
		sluice_shm_unlink(name);
	}
}
END_TEST

START_TEST(dead_owner_is_stale_and_reclaimed)
{
	char name[128];
	struct sluice_shm_info info;
	int pipefd[2];
	char c;

	tu_name(name, sizeof(name), "stale");
	ck_assert_int_eq(pipe(pipefd), 0);
	pid_t pid = tu_fork();
	if (pid == 0) {
		struct sluice_shm *shm;

		if (sluice_shm_create(name, SLUICE_SHM_RAW, 64, NULL, &shm) != 0)
			_exit(1);
		sluice_shm_publish(shm);
		(void)!write(pipefd[1], "x", 1);
		pause();
		_exit(0);
	}
	ck_assert_int_eq(read(pipefd[0], &c, 1), 1);
	ck_assert_int_eq(sluice_shm_stat(name, &info), 0);
	ck_assert_int_eq(info.owner_pid, pid);
	ck_assert_int_eq(info.owner_alive, 1);
	ck_assert_int_eq(sluice_shm_reclaim(name), -SLUICE_EOWNERLIVE);

	kill(pid, SIGKILL);
	/* Unreaped, it is a zombie: dead all the same. */
	usleep(50000);
	ck_assert_int_eq(sluice_shm_stat(name, &info), 0);
	ck_assert_int_eq(info.owner_alive, 0);
	ck_assert_int_eq(tu_wait(pid, 5000), 128 + SIGKILL);
	ck_assert_int_eq(sluice_shm_reclaim(name), 0);
	ck_assert_int_eq(try_open(name, SLUICE_SHM_RAW), -ENOENT);
	close(pipefd[0]);
	close(pipefd[1]);
}
END_TEST

START_TEST(recycled_pid_is_not_alive)
{
	char name[128];
	size_t size;
	struct sluice_shm_info info;

	tu_name(name, sizeof(name), "recycled");
	make_segment(name, SLUICE_SHM_RAW);
	/* Same pid as a live process (us), another start time: the pid was
	 * reused, the owner is gone. */
	struct sluice_shm_header *h = raw_map(name, &size);
	h->owner_start += 12345;
	ck_assert_int_eq(sluice_shm_stat(name, &info), 0);
	ck_assert_int_eq(info.owner_pid, getpid());
	ck_assert_int_eq(info.owner_alive, 0);
	ck_assert_int_eq(sluice_shm_reclaim(name), 0);
	munmap(h, size);
}
END_TEST

START_TEST(creator_died_before_ready)
{
	char name[128];

	tu_name(name, sizeof(name), "halfmade");
	pid_t pid = tu_fork();
	if (pid == 0) {
		struct sluice_shm *shm;

		_exit(sluice_shm_create(name, SLUICE_SHM_RAW, 64, NULL, &shm) == 0 ? 0 : 1);
	}
	ck_assert_int_eq(tu_wait(pid, 5000), 0);
	ck_assert_int_eq(try_open(name, SLUICE_SHM_RAW), -SLUICE_ENOTREADY);
	ck_assert_int_eq(sluice_shm_reclaim(name), 0);
}
END_TEST

START_TEST(other_uid_cannot_open)
{
	char name[128];
	struct sluice_shm *shm;
	struct stat st;
	int fd;

	if (geteuid() != 0) {
		fprintf(stderr, "other_uid_cannot_open: skipped, needs root to change uid\n");
		return;
	}
	tu_name(name, sizeof(name), "perm");
	make_segment(name, SLUICE_SHM_RAW);
	fd = shm_open(name, O_RDONLY, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	close(fd);
	ck_assert_int_eq(st.st_mode & 0777, 0600);

	pid_t pid = tu_fork();
	if (pid == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(1);
		int rc = sluice_shm_open(name, SLUICE_SHM_RAW, NULL, &shm);
		_exit(rc == -EACCES ? 0 : 2);
	}
	ck_assert_int_eq(tu_wait(pid, 5000), 0);
	sluice_shm_unlink(name);

	/* Group access only when asked, and exactly 0660 whatever the umask. */
	struct sluice_shm_opts o = {.flags = SLUICE_SHM_GROUP};
	mode_t old = umask(077);
	ck_assert_int_eq(sluice_shm_create(name, SLUICE_SHM_RAW, 64, &o, &shm), 0);
	umask(old);
	fd = shm_open(name, O_RDONLY, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	close(fd);
	ck_assert_int_eq(st.st_mode & 0777, 0660);
	sluice_shm_close(shm);
	sluice_shm_unlink(name);
}
END_TEST

START_TEST(strerror_names_both_kinds)
{
	ck_assert_str_eq(sluice_strerror(-ENOENT), "No such file or directory");
	ck_assert_str_eq(sluice_strerror(-SLUICE_ELAYOUT),
			 "shared memory layout differs from this build");
	ck_assert_ptr_nonnull(strstr(sluice_strerror(-4999), "unknown"));
	ck_assert_uint_ne(sluice_layout_fingerprint(), 0);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("segment");
	TCase *tc = tcase_create("segment");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, attach_across_processes);
	tcase_add_test(tc, bad_names);
	tcase_add_test(tc, create_twice_is_refused);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, foreign_object_is_refused);
	tcase_add_test(tc, never_ready_times_out);
	tcase_add_test(tc, racing_creators);
	tcase_add_test(tc, dead_owner_is_stale_and_reclaimed);
	tcase_add_test(tc, recycled_pid_is_not_alive);
	tcase_add_test(tc, creator_died_before_ready);
	tcase_add_test(tc, other_uid_cannot_open);
	tcase_add_test(tc, strerror_names_both_kinds);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
