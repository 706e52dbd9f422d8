/* scan.c - looking at a plugin file without trusting it: the entry symbol
 * is looked up in the file itself, then the library is loaded and validated
 * in a forked child that answers over a pipe, so whatever its constructors
 * do (abort, crash, hang) happens to the child (the idea of GStreamer's
 * plugin scanner). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sluice/error.h"
#include "sluice/loader.h"
#include "common/detail.h"
#include "plugin/internal.h"

#define DEFAULT_TIMEOUT_MS 10000

/* The child's answer: one write, small enough to be atomic on a pipe. */
struct answer {
	int32_t code;
	char reason[SLUICE_SCAN_TEXT];
	char name[256], version[256], summary[256];
};
_Static_assert(sizeof(struct answer) <= PIPE_BUF, "one atomic write");

int sluice_file_perm(const char *path, struct sluice_file_perm *out)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (stat(path, &st) < 0) {
		int err = errno;

		return sluice__fail(-err, "%s: %s", path, strerror(err));
	}
	out->mode = (unsigned)(st.st_mode & 07777);
	out->uid = (unsigned)st.st_uid;
	out->gid = (unsigned)st.st_gid;
	out->group_writable = (st.st_mode & S_IWGRP) != 0;
	out->world_writable = (st.st_mode & S_IWOTH) != 0;
	return 0;
}

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

static __attribute__((noreturn)) void child(const char *path, int wr, pid_t parent)
{
	struct answer a;
	struct sluice_plugin *p;
	int rc;

	/* Die with the scanner; and keep the caller's stdout for the caller:
	 * a constructor's chatter goes to stderr. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	dup2(STDERR_FILENO, STDOUT_FILENO);
	memset(&a, 0, sizeof(a));
	rc = sluice_plugin_open(path, &p);
	a.code = rc;
	if (rc < 0) {
		copy(a.reason, sizeof(a.reason), sluice_errdetail());
	} else {
		const struct sluice_plugin_desc *d = sluice_plugin_descriptor(p);

		copy(a.name, sizeof(a.name), d->name);
		copy(a.version, sizeof(a.version), d->version);
		copy(a.summary, sizeof(a.summary), d->summary);
	}
	/* No unload, no exit handlers: _exit is all the child does after this. */
	if (write(wr, &a, sizeof(a)) != (ssize_t)sizeof(a))
		_exit(2);
	_exit(0);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the answer until it is complete, the pipe closes or the deadline
 * passes: the bytes read, or -ETIMEDOUT. */
static ssize_t read_answer(int rd, struct answer *a, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	size_t got = 0;

	while (got < sizeof(*a)) {
		struct pollfd pfd = {.fd = rd, .events = POLLIN};
		int64_t left = end - now_ms();
		ssize_t r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		r = read(rd, (char *)a + got, sizeof(*a) - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break; /* the child is gone */
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static void broken(struct sluice_plugin_scan *out, int sig, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void broken(struct sluice_plugin_scan *out, int sig, const char *fmt, ...)
{
	va_list ap;

	out->verdict = SLUICE_SCAN_BROKEN;
	out->signal = sig;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
}

/* Runs the load in a child and fills out from its answer or its death. */
static int scan_in_child(struct sluice_plugin_scan *out, int timeout_ms)
{
	struct answer a;
	int fds[2], status = 0;
	pid_t pid, self = getpid();
	ssize_t got;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return sluice__fail(-errno, "%s: scan: pipe: %s", out->path, strerror(errno));
	/* A constructor that calls exit() would flush the child's copy of our
	 * stdio buffers: empty them first, so nothing is written twice. */
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(fds[0]);
		close(fds[1]);
		return sluice__fail(-err, "%s: scan: fork: %s", out->path, strerror(err));
	}
	if (pid == 0) {
		close(fds[0]);
		child(out->path, fds[1], self);
	}
	close(fds[1]);
	memset(&a, 0, sizeof(a));
	got = read_answer(fds[0], &a, timeout_ms);
	close(fds[0]);
	/* Whatever it is doing now, the child has nothing more to say. */
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got == -ETIMEDOUT) {
		broken(out, 0,
		       "%s: loading it did not finish within %d ms (a constructor that hangs?)",
		       out->path, timeout_ms);
		return 0;
	}
	if (got != (ssize_t)sizeof(a)) {
		if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
			broken(out, WTERMSIG(status),
			       "%s: loading it killed the scanner: %s (signal %d)", out->path,
			       strsignal(WTERMSIG(status)), WTERMSIG(status));
		else if (WIFEXITED(status))
			broken(out, 0, "%s: loading it ended the scanner (exit status %d)",
			       out->path, WEXITSTATUS(status));
		else
			broken(out, 0, "%s: the scanner ended without an answer", out->path);
		return 0;
	}
	a.reason[sizeof(a.reason) - 1] = a.name[sizeof(a.name) - 1] = '\0';
	a.version[sizeof(a.version) - 1] = a.summary[sizeof(a.summary) - 1] = '\0';
	if (a.code < 0) {
		out->verdict = SLUICE_SCAN_REFUSED;
		out->code = a.code;
		copy(out->reason, sizeof(out->reason), a.reason);
		return 0;
	}
	out->verdict = SLUICE_SCAN_PLUGIN;
	copy(out->name, sizeof(out->name), a.name);
	copy(out->version, sizeof(out->version), a.version);
	copy(out->summary, sizeof(out->summary), a.summary);
	return 0;
}

int sluice_plugin_scan(const char *name, int timeout_ms, struct sluice_plugin_scan *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = sluice__plugin_resolve(name, out->path, sizeof(out->path));
	if (rc < 0)
		return rc;
	rc = sluice_file_perm(out->path, &out->file);
	if (rc < 0)
		return rc;
	/* Nothing from the file runs here: ELF header and dynamic symbols only. */
	rc = sluice__plugin_precheck(out->path);
	if (rc < 0) {
		out->verdict =
		    rc == -SLUICE_EPLUGIN_NOENTRY ? SLUICE_SCAN_NOT_PLUGIN : SLUICE_SCAN_REFUSED;
		out->code = rc;
		copy(out->reason, sizeof(out->reason), sluice_errdetail());
		return 0;
	}
	return scan_in_child(out, timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS);
}
