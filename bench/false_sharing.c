/* false_sharing.c - `sluice-bench false-sharing` (seed puzzle02): two
 * processes, pinned to two CPUs, each incrementing its own counter in one
 * shared mapping. Nothing is shared logically, yet when both counters sit
 * in one cache line every increment must take the line from the other core
 * first. Layouts: same line (8 bytes apart), 64 bytes apart (adjacent
 * lines, which the adjacent-line prefetcher of some CPUs still pairs), 128
 * bytes apart, and one process alone as the baseline. Why sluice puts every
 * hot cursor on its own 128-byte-aligned line (DESIGN.md). */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

struct fs_shared {
	_Atomic int ready, go;
	uint64_t count[2];
	uint64_t ns[2];
	/* the counters live in the second page, at the offsets under test */
	_Alignas(4096) unsigned char area[4096];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Increments *c (a relaxed load and store: the counter is ours alone, so
 * no locked instruction, just the cache line's ownership) until the time is
 * up, checking the clock every 64 Ki increments. */
static void spin_count(struct fs_shared *sh, int side, _Atomic uint64_t *c, int nproc,
                       uint64_t duration_ns, int rmw)
{
	atomic_fetch_add(&sh->ready, 1);
	while (atomic_load(&sh->ready) < nproc)
		;
	uint64_t t0 = now_ns(), end = t0 + duration_ns, n = 0, t1;
	do {
		if (rmw)
			for (int i = 0; i < 65536; i++)
				atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
		else
			for (int i = 0; i < 65536; i++)
				atomic_store_explicit(
				    c, atomic_load_explicit(c, memory_order_relaxed) + 1,
				    memory_order_relaxed);
		n += 65536;
	} while ((t1 = now_ns()) < end);
	sh->count[side] = n;
	sh->ns[side] = t1 - t0;
}

/* ns per increment, the mean of the processes; < 0 on failure. */
static double run_layout(struct fs_shared *sh, size_t offset, int nproc, const int cpu[2],
                         uint64_t duration_ns, int rmw)
{
	pid_t pid[2] = {0, 0};
	pid_t me = getpid();

	memset(sh, 0, sizeof(*sh));
	_Atomic uint64_t *c[2] = {(_Atomic uint64_t *)(sh->area + 0),
	                          (_Atomic uint64_t *)(sh->area + offset)};
	fflush(NULL);
	for (int side = 0; side < nproc; side++) {
		pid[side] = fork();
		if (pid[side] < 0)
			return -1;
		if (pid[side] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != me)
				_exit(127);
			pin(cpu[side]);
			spin_count(sh, side, c[side], nproc, duration_ns, rmw);
			_exit(0);
		}
	}
	/* bounded: the children stop themselves after duration; allow 10 s more */
	int ok = 1;
	uint64_t deadline = now_ns() + duration_ns + 10000000000ull;
	for (int side = 0; side < nproc; side++) {
		int st;
		while (waitpid(pid[side], &st, WNOHANG) == 0) {
			if (now_ns() > deadline) {
				kill(pid[side], SIGKILL);
				waitpid(pid[side], &st, 0);
				ok = 0;
				break;
			}
			nanosleep(&(struct timespec){0, 20000000}, NULL);
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			ok = 0;
	}
	double sum = 0;
	for (int side = 0; side < nproc; side++) {
		/* each counter must hold exactly what its owner counted */
		if (atomic_load(c[side]) != sh->count[side] || !sh->count[side])
			ok = 0;
		sum += (double)sh->ns[side] / (double)sh->count[side];
	}
	return ok ? sum / nproc : -1;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int cmd_false_sharing(int argc, char **argv)
{
	double duration = 0.3;
	int rounds = 5, cpu[2] = {0, 1}, rmw = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--duration") && i + 1 < argc)
			duration = atof(argv[++i]);
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--cpus") && i + 1 < argc)
			sscanf(argv[++i], "%d,%d", &cpu[0], &cpu[1]);
		else if (!strcmp(argv[i], "--rmw"))
			rmw = 1;
		else if (!strcmp(argv[i], "--smoke"))
			duration = 0.02, rounds = 1;
		else {
			printf(
			    "usage: sluice-bench false-sharing [--duration S] [--rounds N] "
			    "[--cpus A,B] [--rmw] [--smoke]\n"
			    "  two processes on two CPUs increment their own counters in one\n"
			    "  shared mapping: same cache line, 64 B apart, 128 B apart.\n"
			    "  --rmw: increment with a locked fetch-add instead of load + store\n");
			return strcmp(argv[i], "--help") ? 2 : 0;
		}
	}
	if (rounds < 1 || rounds > 99 || duration <= 0)
		return 2;
	struct fs_shared *sh =
	    mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("sluice-bench false-sharing: mmap");
		return 1;
	}
	static const struct {
		const char *name;
		size_t offset;
		int nproc;
	} layouts[] = {
	    {"alone (one process)", 0, 1},
	    {"same line (8 B apart)", 8, 2},
	    {"64 B padding", 64, 2},
	    {"128 B padding", 128, 2},
	};
	enum { NL = sizeof(layouts) / sizeof(layouts[0]) };
	double res[NL][99];
	uint64_t dns = (uint64_t)(duration * 1e9);
	int rc = 0;

	printf(
	    "sluice-bench false-sharing: CPUs %d,%d, %.2f s per layout, median of %d rounds, %s\n",
	    cpu[0], cpu[1], duration, rounds,
	    rmw ? "locked fetch-add" : "relaxed load + store (no lock)");
	/* rounds interleave the layouts, so a host that moves our vCPUs during
	 * the run affects every layout alike */
	for (int r = 0; r < rounds; r++)
		for (int k = 0; k < NL; k++) {
			res[k][r] =
			    run_layout(sh, layouts[k].offset, layouts[k].nproc, cpu, dns, rmw);
			if (res[k][r] < 0) {
				fprintf(stderr, "sluice-bench false-sharing: %s: run failed\n",
				        layouts[k].name);
				rc = 1;
			}
		}
	double med[NL];
	for (int k = 0; k < NL; k++) {
		qsort(res[k], (size_t)rounds, sizeof(double), cmp_dbl);
		med[k] = res[k][rounds / 2];
	}
	printf("%-24s %12s %10s %14s\n", "layout", "ns/increment", "slowdown", "vs 128 B pad");
	for (int k = 0; k < NL; k++)
		printf("%-24s %12.2f %9.1fx %13.1fx\n", layouts[k].name, med[k], med[k] / med[0],
		       med[k] / med[3]);
	munmap(sh, sizeof(*sh));
	return rc;
}

SLUICE_BENCH_NAMED(false_sharing, "false-sharing",
                   "puzzle02: two processes' counters in one cache line vs padded",
                   cmd_false_sharing)
