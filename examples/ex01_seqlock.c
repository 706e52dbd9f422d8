/* ex01_seqlock.c - the seed's ex01: two processes share a latest-value slot.
 *
 * A writer process creates the slot and publishes a pose (sequence,
 * timestamp, x, y, z) at a fixed rate; this process reads it as fast as it
 * can, checks each value is whole, and reports what a read costs and how
 * soon after its write a new value is seen.
 *
 *   ex01_seqlock [--seconds S] [--rate HZ]
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

struct pose {
	uint64_t seq;
	uint64_t stamp_ns;
	double x, y, z;
	uint64_t check; /* seq ^ stamp: a torn value would not match */
};

static void writer(const char *name, double seconds, double rate, int ready_fd)
{
	struct sluice_seqlock *sl;
	uint64_t period = (uint64_t)(1e9 / rate), start, next;
	int rc = sluice_seqlock_create(name, sizeof(struct pose), NULL, &sl);

	(void)!write(ready_fd, &rc, sizeof(rc));
	if (rc)
		_exit(1);
	ex_pin(1);
	start = next = ex_now_ns();
	for (uint64_t seq = 1; ex_now_ns() - start < (uint64_t)(seconds * 1e9); seq++) {
		struct pose p = {.seq = seq, .x = seq * 0.1, .y = seq * 0.2, .z = seq * 0.3};

		while (ex_now_ns() < next)
			; /* pace by spinning: sleeps are coarse on a VM */
		p.stamp_ns = ex_now_ns();
		p.check = p.seq ^ p.stamp_ns;
		sluice_seqlock_write(sl, &p, sizeof(p));
		next += period;
	}
	sluice_seqlock_close(sl);
	_exit(0);
}

int main(int argc, char **argv)
{
	double seconds = 2, rate = 1000;
	char name[64];
	struct sluice_seqlock *sl;
	int fds[2], rc, status;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--rate") && i + 1 < argc)
			rate = atof(argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--seconds S] [--rate HZ]\n", argv[0]);
			return 2;
		}
	}
	if (seconds <= 0 || seconds > 3600 || rate <= 0 || rate > 1e6) {
		fprintf(stderr, "ex01: need 0 < seconds <= 3600 and 0 < rate <= 1e6\n");
		return 2;
	}
	snprintf(name, sizeof(name), "/sluice-ex01-%ld", (long)getpid());
	if (pipe(fds) != 0)
		return 1;
	pid_t pid = fork();
	if (pid == 0)
		writer(name, seconds, rate, fds[1]);
	if (read(fds[0], &rc, sizeof(rc)) != sizeof(rc) || rc != 0 ||
	    (rc = sluice_seqlock_open(name, NULL, &sl)) != 0) {
		fprintf(stderr, "ex01: %s (%s)\n", sluice_strerror(rc), sluice_errdetail());
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		sluice_shm_unlink(name);
		return 1;
	}
	ex_pin(0);

	size_t cap = (size_t)(seconds * rate) + 16, nlat = 0;
	uint64_t *lat = calloc(cap, sizeof(*lat));
	uint64_t reads = 0, torn = 0, busy = 0, last = 0, read_ns = 0;
	struct pose p, first = {0}, final = {0};

	for (uint64_t iter = 0; lat; iter++) {
		/* Poll for the writer's end now and then: waitpid is a syscall. */
		if ((iter & 1023) == 0 && waitpid(pid, &status, WNOHANG) != 0)
			break;
		uint64_t t0 = ex_now_ns();

		rc = sluice_seqlock_read(sl, &p, sizeof(p), NULL);
		uint64_t t1 = ex_now_ns();
		if (rc == -EAGAIN) {
			busy++;
			continue;
		}
		if (rc) {
			fprintf(stderr, "ex01: read: %s (%s)\n", sluice_strerror(rc), sluice_errdetail());
			break;
		}
		reads++;
		read_ns += t1 - t0;
		if (p.check != (p.seq ^ p.stamp_ns) || p.x != p.seq * 0.1)
			torn++;
		if (p.seq != last) {
			/* First sight of a new value: how long after its write. */
			if (nlat < cap && p.seq)
				lat[nlat++] = t1 - p.stamp_ns;
			if (!first.seq)
				first = p;
			final = p;
			last = p.seq;
		}
	}
	sluice_seqlock_close(sl);
	sluice_shm_unlink(name);

	printf("ex01 seqlock: writer pid %d published %llu poses at %.0f Hz; reader pid %d\n",
	       (int)pid, (unsigned long long)final.seq, rate, (int)getpid());
	printf("  first seen: seq %llu (%.1f, %.1f, %.1f); last seen: seq %llu (%.1f, %.1f, %.1f)\n",
	       (unsigned long long)first.seq, first.x, first.y, first.z,
	       (unsigned long long)final.seq, final.x, final.y, final.z);
	printf("  reads: %llu whole, %llu torn, %llu gave up during a write\n",
	       (unsigned long long)reads, (unsigned long long)torn, (unsigned long long)busy);
	printf("  read (copy-out of %zu B): %.1f ns mean\n", sizeof(p),
	       reads ? (double)read_ns / (double)reads : 0.0);
	qsort(lat, nlat, sizeof(*lat), ex_cmp_u64);
	printf("  write -> first read: p50 %llu ns, p99 %llu ns over %zu values\n",
	       (unsigned long long)ex_percentile(lat, nlat, 50),
	       (unsigned long long)ex_percentile(lat, nlat, 99), nlat);
	free(lat);
	return torn == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
