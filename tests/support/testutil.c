/* testutil.c - see testutil.h. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

/* The prefix is fixed by the first process of the run, before Check forks,
 * so names made in forked test processes share it. */
static char prefix[64];

static void init_prefix(void)
{
	if (!prefix[0])
		snprintf(prefix, sizeof(prefix), "sluice-t%ld-", (long)getpid());
}

const char *tu_name(char *buf, size_t len, const char *tag)
{
	static atomic_uint counter;

	init_prefix();
	snprintf(buf, len, "/%s%ld-%u-%s", prefix, (long)getpid(),
		 atomic_fetch_add(&counter, 1), tag ? tag : "x");
	return buf;
}

int tu_sweep_names(void)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	int n = 0;
	char path[300];

	init_prefix();
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		snprintf(path, sizeof(path), "/%s", e->d_name);
		if (shm_unlink(path) == 0)
			n++;
	}
	closedir(d);
	return n;
}

pid_t tu_fork(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* The parent may have died before prctl took effect. */
		if (getppid() != parent)
			_exit(127);
	}
	return pid;
}

uint64_t tu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

long long tu_syscr(pid_t pid)
{
	char path[64], line[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "syscr: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

int tu_wait(pid_t pid, int timeout_ms)
{
	uint64_t deadline = tu_now_ns() + (uint64_t)timeout_ms * 1000000u;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -1;
		if (tu_now_ns() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		usleep(1000);
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int tu_run(struct Suite *(*make_suite)(void))
{
	SRunner *sr;
	int failed;

	init_prefix();
	sr = srunner_create(make_suite());
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tu_sweep_names();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

double tu_json_number(const char *file, const char *expr)
{
	char cmd[2048];
	double v = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); "
		 "print(float(%s))' %s",
		 expr, file);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_msg(fscanf(p, "%lf", &v) == 1, "no number from %s in %s", expr, file);
	pclose(p);
	return v;
}
