/* test_shm_hostile.c - what another local user or a careless one can put in
 * /dev/shm must not hang, crash, fool or fill up sluice: FIFOs and links,
 * a full tmpfs, squatted names, broken leftovers, names with control
 * characters, dot names and over-long pipeline names (issue 11). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm/layout.h"
#include "sluice/sluice.h"
#include "testutil.h"

/* Runs a shell command, returns its exit status and what it printed. */
static int sh(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int sh(char *out, size_t cap, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	FILE *p;
	size_t n = 0;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	if (out) {
		n = fread(out, 1, cap - 1, p);
		out[n] = '\0';
	} else {
		char sink[4096];

		while (fread(sink, 1, sizeof(sink), p) > 0)
			;
	}
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void shm_path(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "/dev/shm%s", name);
}

static int exists(const char *name)
{
	char path[512];
	struct stat st;

	shm_path(path, sizeof(path), name);
	return lstat(path, &st) == 0;
}

/* Opening in a child, so that a hang fails the test instead of stalling it. */
static int open_in_child(const char *name, uint32_t kind)
{
	pid_t pid = tu_fork();

	if (pid == 0) {
		struct sluice_shm_opts o = {.timeout_ms = 50};
		struct sluice_shm *shm;
		struct sluice_shm_info info;
		int rc = sluice_shm_open(name, kind, &o, &shm);

		if (rc != -SLUICE_ENOTREG || !strstr(sluice_errdetail(), "not a segment"))
			_exit(1);
		if (sluice_shm_stat(name, &info) != -SLUICE_ENOTREG)
			_exit(2);
		if (sluice_shm_reclaim(name) != -SLUICE_ENOTREG)
			_exit(3);
		if (sluice_shm_create(name, kind, 64, NULL, &shm) != -SLUICE_ENOTREG)
			_exit(4);
		_exit(0);
	}
	return tu_wait(pid, 5000);
}

START_TEST(fifo_and_link_are_refused_promptly)
{
	char fifo[128], link[128], seg[128], path[512], target[512], out[8192], prefix[128];

	tu_name(fifo, sizeof(fifo), "fifo");
	tu_name(link, sizeof(link), "link");
	tu_name(seg, sizeof(seg), "target");
	shm_path(path, sizeof(path), fifo);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(open_in_child(fifo, SLUICE_SHM_CHANNEL), 0);

	/* A link, even to a real segment, is not followed. */
	struct sluice_shm *shm;
	ck_assert_int_eq(sluice_shm_create(seg, SLUICE_SHM_RAW, 64, NULL, &shm), 0);
	sluice_shm_publish(shm);
	sluice_shm_close(shm);
	shm_path(path, sizeof(path), link);
	shm_path(target, sizeof(target), seg);
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_int_eq(open_in_child(link, SLUICE_SHM_RAW), 0);

	/* The tools that list /dev/shm finish and say what they found. */
	/* "/sluice-t<run>-<pid>-": this test's names. */
	snprintf(prefix, sizeof(prefix), "%s", fifo);
	*strrchr(prefix, '-') = '\0';
	strrchr(prefix, '-')[1] = '\0';
	ck_assert_int_eq(sh(out, sizeof(out), "timeout 20 %s ls --window 0 --prefix %s", SLUICE_BIN,
			    prefix),
			 0);
	ck_assert_msg(strstr(out, "invalid: a FIFO") && strstr(out, "invalid: a symbolic link"),
		      "ls printed: %s", out);
	ck_assert_int_eq(sh(out, sizeof(out), "timeout 20 %s clean -v --grace 0 --prefix %s",
			    SLUICE_BIN, prefix),
			 0);
	ck_assert_msg(strstr(out, "kept invalid") && strstr(out, "is a FIFO"), "clean printed: %s",
		      out);
	ck_assert(exists(fifo) && exists(link)); /* not ours to remove */
	ck_assert_int_ne(sh(NULL, 0, "timeout 20 %s echo %s -n 1 2>&1", SLUICE_BIN, fifo), 124);
	shm_path(path, sizeof(path), fifo);
	unlink(path);
	shm_path(path, sizeof(path), link);
	unlink(path);
	sluice_shm_unlink(seg);
}
END_TEST

/* A private mount namespace with a 1 MiB tmpfs on /dev/shm. */
START_TEST(full_shm_is_enospc_and_leaves_nothing)
{
	char name[128];
	pid_t pid = tu_fork();

	tu_name(name, sizeof(name), "big");
	if (pid == 0) {
		struct sluice_shm *shm;
		struct sluice_topic_opts o = {.type_name = "test.Big", .slot_size = 65536,
					      .slot_count = 64};

		if (unshare(CLONE_NEWNS) != 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
		    mount("tmpfs", "/dev/shm", "tmpfs", 0, "size=1m,mode=1777") != 0)
			_exit(77);
		if (sluice_shm_create(name, SLUICE_SHM_RAW, 4 << 20, NULL, &shm) != -ENOSPC)
			_exit(1);
		if (!strstr(sluice_errdetail(), "needs") || !strstr(sluice_errdetail(), "free"))
			_exit(2);
		if (exists(name))
			_exit(3);
		if (sluice_topic_create(name, &o) != -ENOSPC || exists(name))
			_exit(4);
		/* What fits still works. */
		if (sluice_shm_create(name, SLUICE_SHM_RAW, 4096, NULL, &shm) != 0)
			_exit(5);
		sluice_shm_close(shm);
		sluice_shm_unlink(name);
		_exit(0);
	}
	int rc = tu_wait(pid, 10000);
	if (rc == 77) {
		fprintf(stderr, "full_shm_is_enospc: skipped, cannot make a mount namespace\n");
		return;
	}
	ck_assert_int_eq(rc, 0);
}
END_TEST

/* A throwaway user, made for the squatting tests and removed after them
 * (in the runner's process, so even when a test fails). */
static char squatter[32];
static uid_t squatter_uid;

static void add_user(void)
{
	char out[64];

	snprintf(squatter, sizeof(squatter), "sluicesq%ld", (long)getpid() % 1000000);
	if (geteuid() != 0 ||
	    sh(NULL, 0, "useradd -M -N -s /usr/sbin/nologin %s >/dev/null 2>&1", squatter) != 0) {
		squatter[0] = '\0';
		return;
	}
	if (sh(out, sizeof(out), "id -u %s", squatter) == 0)
		squatter_uid = (uid_t)atol(out);
}

static void del_user(void)
{
	if (squatter[0])
		sh(NULL, 0, "userdel -r %s >/dev/null 2>&1", squatter);
}

/* The squatter makes names first, as another user can. */
static void squat(const char *topic, const char *raw, gid_t gid)
{
	pid_t pid = tu_fork();

	if (pid == 0) {
		struct sluice_topic_opts o = {.type_name = "test.Squat", .slot_size = 64,
					      .slot_count = 8};
		struct sluice_shm_opts g = {.flags = SLUICE_SHM_GROUP};
		struct sluice_shm *shm;

		if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(squatter_uid) != 0)
			_exit(1);
		if (sluice_topic_create(topic, &o) != 0)
			_exit(2);
		if (sluice_shm_create(raw, SLUICE_SHM_RAW, 64, &g, &shm) != 0)
			_exit(3);
		sluice_shm_publish(shm);
		sluice_shm_close(shm);
		_exit(0);
	}
	ck_assert_int_eq(tu_wait(pid, 5000), 0);
}

START_TEST(squatted_topic_is_refused)
{
	char topic[128], raw[128];
	struct sluice_pub *p;
	struct sluice_sub *s;
	struct sluice_shm *shm;
	struct sluice_topic_opts o = {.type_name = "test.Squat", .slot_size = 64, .slot_count = 8};
	struct sluice_shm_opts group = {.flags = SLUICE_SHM_GROUP};

	if (!squatter[0]) {
		fprintf(stderr, "squatted_topic_is_refused: skipped, useradd unavailable\n");
		return;
	}
	tu_name(topic, sizeof(topic), "squat");
	tu_name(raw, sizeof(raw), "squatraw");
	squat(topic, raw, 65534);
	ck_assert_int_eq(sluice_pub_open(topic, &o, &p), -SLUICE_EOWNER);
	ck_assert_msg(strstr(sluice_errdetail(), "owned by uid"), "%s", sluice_errdetail());
	ck_assert_int_eq(sluice_sub_open(topic, NULL, &s), -SLUICE_EOWNER);
	ck_assert_int_eq(sluice_shm_open(raw, SLUICE_SHM_RAW, NULL, &shm), -SLUICE_EOWNER);
	/* Another group's segment is refused with the group option too. */
	ck_assert_int_eq(sluice_shm_open(raw, SLUICE_SHM_RAW, &group, &shm), -SLUICE_EOWNER);
	sluice_shm_unlink(topic);
	sluice_shm_unlink(raw);

	/* The group option: a segment of one of our groups is accepted. */
	squat(topic, raw, getegid());
	ck_assert_int_eq(sluice_shm_open(raw, SLUICE_SHM_RAW, NULL, &shm), -SLUICE_EOWNER);
	ck_assert_int_eq(sluice_shm_open(raw, SLUICE_SHM_RAW, &group, &shm), 0);
	sluice_shm_close(shm);
	ck_assert_int_eq(sluice_pub_open(topic, &o, &p), -SLUICE_EOWNER);
	struct sluice_topic_opts og = o;
	struct sluice_sub_opts sg = {.shm.flags = SLUICE_SHM_GROUP};
	og.shm.flags = SLUICE_SHM_GROUP;
	ck_assert_int_eq(sluice_pub_open(topic, &og, &p), 0);
	ck_assert_int_eq(sluice_sub_open(topic, &sg, &s), 0);
	sluice_sub_close(s);
	sluice_pub_close(p);
	sluice_shm_unlink(topic);
	sluice_shm_unlink(raw);
}
END_TEST

START_TEST(names_with_control_characters_are_refused)
{
	struct sluice_shm *shm;
	const char *bad[] = {"a\x01" "b", "red\x1b[31m", "a\x7f", "\xff", "\xc0\x80",
			     "\xc2\x85", "\xed\xa0\x80"};

	/* Under this run's prefix, so that a build that accepts them leaves
	 * nothing behind. */
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char name[128];

		tu_name(name, sizeof(name), "bad");
		strcat(name, bad[i]);
		ck_assert_int_eq(sluice_shm_create(name, SLUICE_SHM_RAW, 64, NULL, &shm),
				 -SLUICE_EBADNAME);
		ck_assert_ptr_null(strchr(sluice_errdetail(), '\x1b'));
	}
	ck_assert_int_eq(sluice_shm_create("/.", SLUICE_SHM_RAW, 64, NULL, &shm), -SLUICE_EBADNAME);
	ck_assert_int_eq(sluice_shm_create("/..", SLUICE_SHM_RAW, 64, NULL, &shm), -SLUICE_EBADNAME);
	/* Printable UTF-8 is a name. */
	char name[128];
	tu_name(name, sizeof(name), "caf\xc3\xa9");
	ck_assert_int_eq(sluice_shm_create(name, SLUICE_SHM_RAW, 64, NULL, &shm), 0);
	sluice_shm_close(shm);
	sluice_shm_unlink(name);
}
END_TEST

/* A foreign object whose name holds control characters reaches neither the
 * terminal nor the JSON raw. */
START_TEST(ls_escapes_foreign_names)
{
	char name[128], path[512], out[16384], prefix[128];
	int fd;

	tu_name(name, sizeof(name), "esc");
	snprintf(prefix, sizeof(prefix), "%s", name);
	strcat(name, "\x1b[31m\x01\"\\");
	shm_path(path, sizeof(path), name);
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(sh(out, sizeof(out), "%s ls --window 0 --prefix %s", SLUICE_BIN, prefix),
			 0);
	ck_assert_ptr_null(strchr(out, '\x1b'));
	ck_assert_ptr_null(strchr(out, '\x01'));
	ck_assert_msg(strstr(out, "\\x1b[31m\\x01\"\\\\") && strstr(out, "invalid"), "%s", out);
	ck_assert_int_eq(sh(out, sizeof(out),
			    "%s ls --json --window 0 --prefix %s | /usr/bin/python3 -c 'import "
			    "json,sys; t=json.load(sys.stdin); sys.exit(0 if len(t)==1 and "
			    "t[0][\"topic\"].endswith(\"\\\\x1b[31m\\\\x01\\\"\\\\\\\\\") and not "
			    "t[0][\"valid\"] else 1)'",
			    SLUICE_BIN, prefix),
			 0);
	unlink(path);
}
END_TEST

/* Dies holding a topic named name. */
static void dead_topic(const char *name)
{
	pid_t pid = tu_fork();

	if (pid == 0) {
		struct sluice_topic_opts o = {.type_name = "test.Dot", .slot_size = 64,
					      .slot_count = 8};
		struct sluice_pub *p;

		_exit(sluice_pub_open(name, &o, &p) == 0 ? 0 : 1);
	}
	ck_assert_int_eq(tu_wait(pid, 5000), 0);
}

START_TEST(dot_topics_are_listed_and_cleaned)
{
	char name[128], out[8192];

	snprintf(name, sizeof(name), "/.%s", tu_name((char[128]){0}, 128, "dot") + 1);
	dead_topic(name);
	ck_assert_int_eq(sh(out, sizeof(out), "%s ls --window 0 --json --prefix %s", SLUICE_BIN,
			    name),
			 0);
	ck_assert_msg(strstr(out, name) && strstr(out, "test.Dot"), "%s", out);
	ck_assert_int_eq(sh(out, sizeof(out), "%s clean --prefix %s", SLUICE_BIN, name), 0);
	ck_assert_msg(strstr(out, "removed"), "%s", out);
	ck_assert(!exists(name));
}
END_TEST

/* Each kind of broken leftover, made as a dead or broken creator leaves it. */
static void make_invalid(const char *name, int how)
{
	char path[512];
	pid_t pid;
	int fd;

	shm_path(path, sizeof(path), name);
	switch (how) {
	case 0: /* bad magic: another program's bytes */
	case 1: /* truncated: shorter than a header */
		fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0600);
		ck_assert_int_ge(fd, 0);
		char junk[4096];
		memset(junk, 0x5a, sizeof(junk));
		ck_assert_int_eq(write(fd, junk, how == 0 ? sizeof(junk) : 10),
				 how == 0 ? (ssize_t)sizeof(junk) : 10);
		close(fd);
		break;
	case 2: /* never ready: the creator died before publishing */
	case 3: /* wrong size: cut after its creator died */
		pid = tu_fork();
		if (pid == 0) {
			struct sluice_shm *shm;

			if (sluice_shm_create(name, SLUICE_SHM_RAW, 1 << 16, NULL, &shm) != 0)
				_exit(1);
			if (how == 3)
				sluice_shm_publish(shm);
			_exit(0);
		}
		ck_assert_int_eq(tu_wait(pid, 5000), 0);
		if (how == 3)
			ck_assert_int_eq(truncate(path, 8192), 0);
		break;
	case 4: /* a topic whose channel header was scribbled over */
		pid = tu_fork();
		if (pid == 0) {
			struct sluice_topic_opts o = {.type_name = "test.Broken", .slot_size = 64,
						      .slot_count = 8};

			_exit(sluice_topic_create(name, &o) == 0 ? 0 : 1);
		}
		ck_assert_int_eq(tu_wait(pid, 5000), 0);
		fd = open(path, O_RDWR);
		ck_assert_int_ge(fd, 0);
		char ff[64];
		memset(ff, 0xff, sizeof(ff));
		ck_assert_int_eq(pwrite(fd, ff, sizeof(ff), SLUICE_SHM_PAYLOAD_OFFSET), 64);
		close(fd);
		break;
	}
}

static const char *const invalid_kinds[] = {"badmagic", "truncated", "neverready", "wrongsize",
					    "brokentopic"};
static const char *const invalid_reasons[] = {"magic", "smaller than a header", "not READY",
					       "header says", "channel layout"};

START_TEST(clean_removes_invalid_leftovers)
{
	char name[128], prefix[128], out[8192];

	tu_name(name, sizeof(name), invalid_kinds[_i]);
	snprintf(prefix, sizeof(prefix), "%s", name);
	make_invalid(name, _i);
	ck_assert_int_eq(sh(out, sizeof(out), "%s ls --window 0 --prefix %s", SLUICE_BIN, prefix),
			 0);
	ck_assert_msg(strstr(out, "invalid") && strstr(out, invalid_reasons[_i]), "ls: %s", out);
	/* Young, it is kept: its creator may still be at work. */
	ck_assert_int_eq(sh(out, sizeof(out), "%s clean -v --prefix %s", SLUICE_BIN, prefix), 0);
	ck_assert_msg(strstr(out, "0 invalid removed, 1 invalid kept"), "clean: %s", out);
	ck_assert(exists(name));

	/* Still mapped by a live process, it is kept. */
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	pid_t holder = tu_fork();
	if (holder == 0) {
		char path[512];
		int fd;

		shm_path(path, sizeof(path), name);
		fd = open(path, O_RDONLY);
		if (fd < 0 || mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED)
			_exit(1);
		close(fd);
		if (write(fds[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	char c;
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	ck_assert_int_eq(
		sh(out, sizeof(out), "%s clean -v --grace 0 --prefix %s", SLUICE_BIN, prefix), 0);
	ck_assert_msg(strstr(out, "mapped by pid"), "clean: %s", out);
	ck_assert(exists(name));
	kill(holder, SIGKILL);
	tu_wait(holder, 5000);

	/* Old enough and unused: removed, and said so. */
	ck_assert_int_eq(sh(out, sizeof(out), "%s clean --grace 0 --prefix %s", SLUICE_BIN, prefix),
			 0);
	ck_assert_msg(strstr(out, "removed invalid") && strstr(out, "1 invalid removed"),
		      "clean: %s", out);
	ck_assert(!exists(name));
}
END_TEST

/* Another program's object may be meant to outlive its users: a clean that
 * the user did not scope with --prefix leaves it alone. */
START_TEST(global_clean_keeps_foreign_objects)
{
	char name[128], out[16384];

	tu_name(name, sizeof(name), "foreign");
	make_invalid(name, 0);
	ck_assert_int_eq(sh(out, sizeof(out), "%s clean -v --grace 0", SLUICE_BIN), 0);
	ck_assert(exists(name));
	ck_assert_msg(strstr(out, "not sluice's; name it with --prefix"), "clean: %s", out);
	ck_assert_int_eq(sh(out, sizeof(out), "%s clean --grace 0 --prefix %s", SLUICE_BIN, name),
			 0);
	ck_assert(!exists(name));
}
END_TEST

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static const char pipeline_text[] = "topics:\n  c: { type: test.Count }\n"
				    "stages:\n  src: { plugin: t_source, outputs: { out: c } }\n"
				    "  snk: { plugin: t_sink, inputs: { in: c } }\n";

/* 197 bytes: its topic "/NAME.c" is 200 bytes, exactly where the control
 * segment's name used to be cut. */
START_TEST(long_pipeline_name_is_refused)
{
	char path[256], pname[256], out[4096], topic[300];

	snprintf(path, sizeof(path), "/tmp/sluice-seg-long-%ld.yaml", (long)getpid());
	write_file(path, pipeline_text);
	snprintf(pname, sizeof(pname), "%s", tu_name((char[128]){0}, 128, "long") + 1);
	while (strlen(pname) < 197)
		strcat(pname, "x");
	pname[197] = '\0';
	snprintf(topic, sizeof(topic), "/%s.c", pname);
	ck_assert_int_ne(sh(out, sizeof(out),
			    "SLUICE_PLUGIN_PATH=%s timeout 20 %s run %s --name %s 2>&1",
			    T_PLUGIN_DIR, SLUICE_BIN, path, pname),
			 0);
	ck_assert_msg(strstr(out, "pipeline name is 197 bytes"), "run said: %s", out);
	ck_assert(!exists(topic));
	unlink(path);
}
END_TEST

/* A FIFO named like a pipeline's topic: `run` stops at once, with a reason,
 * and leaves none of its own segments behind. */
START_TEST(fifo_named_like_a_topic_stops_run)
{
	char path[256], pname[128], fifo[300], out[4096], prefix[300];

	snprintf(path, sizeof(path), "/tmp/sluice-seg-fifo-%ld.yaml", (long)getpid());
	write_file(path, pipeline_text);
	snprintf(pname, sizeof(pname), "%s", tu_name((char[128]){0}, 128, "pl") + 1);
	snprintf(fifo, sizeof(fifo), "/dev/shm/%s.c", pname);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	int rc = sh(out, sizeof(out), "SLUICE_PLUGIN_PATH=%s timeout 20 %s run %s --name %s 2>&1",
		    T_PLUGIN_DIR, SLUICE_BIN, path, pname);
	ck_assert_msg(rc != 0 && rc != 124 && strstr(out, "FIFO"), "run exited %d: %s", rc, out);
	snprintf(prefix, sizeof(prefix), "/dev/shm/%s.", pname);
	/* Only the FIFO is left. */
	ck_assert_int_eq(sh(out, sizeof(out), "ls -d %s* | wc -l", prefix), 0);
	ck_assert_int_eq(atoi(out), 1);
	unlink(fifo);
	unlink(path);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("shm_hostile");
	TCase *tc = tcase_create("hostile");
	TCase *users = tcase_create("users");

	setenv("SLUICE_PLUGIN_PATH", T_PLUGIN_DIR, 1);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, fifo_and_link_are_refused_promptly);
	tcase_add_test(tc, full_shm_is_enospc_and_leaves_nothing);
	tcase_add_test(tc, names_with_control_characters_are_refused);
	tcase_add_test(tc, ls_escapes_foreign_names);
	tcase_add_test(tc, dot_topics_are_listed_and_cleaned);
	tcase_add_loop_test(tc, clean_removes_invalid_leftovers, 0,
			    (int)(sizeof(invalid_kinds) / sizeof(invalid_kinds[0])));
	tcase_add_test(tc, global_clean_keeps_foreign_objects);
	tcase_add_test(tc, long_pipeline_name_is_refused);
	tcase_add_test(tc, fifo_named_like_a_topic_stops_run);
	suite_add_tcase(s, tc);
	tcase_set_timeout(users, 60);
	tcase_add_unchecked_fixture(users, add_user, del_user);
	tcase_add_test(users, squatted_topic_is_refused);
	suite_add_tcase(s, users);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
