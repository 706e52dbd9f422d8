/* ipc.c - `sluice-bench ipc`: the seed's IPC latency table (section 5)
 * measured on this machine, sluice beside the kernel's mechanisms and real
 * peers, in one run.
 *
 * Method: two processes pinned to two CPUs (or one, --same-cpu). Ping-pong:
 * side 0 times each round trip and records half of it (one-way) in a
 * log-linear histogram after a warm-up; side 1 checks and echoes. Streaming:
 * side 0 sends as fast as the transport accepts, side 1 checks every
 * sequence number and counts messages per second. Each run is a fresh pair
 * of child processes whose deadline the driver enforces with SIGKILL, so a
 * hung peer is reported, not waited on; every child and daemon is reaped and
 * every name removed by the adapter's teardown(). */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "ipc_hist.h"
#include "ipc_transport.h"

/* The table's rows, in the order; a name no adapter registered is
 * reported with its reason instead of a figure. */
static const struct {
	const char *name;
	const char *missing;
	int peer; /* another project's library: its failures are retried in --smoke too */
} order[] = {
    {"floor", "not built", 0},
    {"sluice-poll", "sluice channel not built yet", 0},
    {"sluice-wait", "sluice channel not built yet", 0},
    {"sluice-ring", "sluice ring not built yet", 0},
    {"sluice-seqlock", "sluice seqlock not built yet", 0},
    {"pipe", "not built", 0},
    {"uds-stream", "not built", 0},
    {"uds-seqpacket", "not built", 0},
    {"tcp", "not built", 0},
    {"mq", "not built", 0},
    {"eventfd", "not built", 0},
    {"zeromq", "not installed", 1},
    {"iceoryx", "not installed", 1},
    {"dbus", "not installed", 1},
    {"grpc", "not installed", 1},
};
#define NORDER (sizeof(order) / sizeof(order[0]))

static struct ipc_transport *registry;

void ipc_register(struct ipc_transport *t)
{
	t->next = registry;
	registry = t;
}

static const struct ipc_transport *find_transport(const char *name)
{
	for (const struct ipc_transport *t = registry; t; t = t->next)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

enum fault { FAULT_NONE, FAULT_CORRUPT, FAULT_DROP };

struct opts {
	int sel[NORDER]; /* selected rows */
	size_t sizes[16];
	int nsizes;
	double duration;   /* s of measurement per run */
	double warmup;     /* s of warm-up per ping-pong run */
	uint64_t count;    /* at most this many round trips / messages; 0 = time only */
	uint64_t warm_min; /* at least this many warm-up round trips */
	int cpu[2];
	int rounds;
	int pingpong, stream;
	int verify; /* check every byte, not only sequence and tail */
	int smoke;
	double timeout; /* s before a run's children are killed; 0 = derived */
	enum fault fault;
	/* --inject-fail T:R[:K]: side 1 of transport T aborts in round R, in
	 * the first K tries of each run (tests of the retry and the medians) */
	int inject_idx, inject_round, inject_times;
	double disturb_share; /* others' share of the measuring CPUs that flags a run */
	const char *json, *csv, *plot;
	char out_json[300], out_csv[300], out_plot[300], out_txt[300];
};

/* What one run's children report, in a shared mapping the driver reads
 * after reaping them. */
struct ipc_shared {
	_Atomic int ready;    /* barrier: both sides opened */
	_Atomic int abort;    /* one side failed: the other stops */
	_Atomic int done;     /* side 1 saw STOP: side 0 may close */
	_Atomic int first;    /* 1 + the side that failed first: its error is the cause */
	_Atomic int phase[2]; /* where each side is, for the report of a hang */
	int rc[2];
	char err[2][240];
	uint64_t rtts;  /* round trips including warm-up */
	uint64_t cs[2]; /* context switches of each side during the run */
	uint64_t msgs, first_ns, last_ns;
	struct ipc_hist hist;
};

enum phase { PH_FORKED, PH_OPENING, PH_BARRIER, PH_RUNNING, PH_STOPPING, PH_CLOSING, PH_DONE };
static const char *const phase_name[] = {
    "forked", "opening", "waiting for peer", "running", "stopping", "closing", "done"};

/* How long a child of an IPC_EXIT transport may take to exit. */
#define EXIT_GRACE_S 3

/* Per-child state (each child is a fresh process). */
static struct ipc_shared *g_sh;
static const struct opts *g_o;
static uint64_t g_expect = 1;
static int g_inject; /* this run's side 1 aborts (--inject-fail) */

uint64_t ipc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void *ipc_map_shared(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void sleep_ns(long ns)
{
	struct timespec ts = {ns / 1000000000L, ns % 1000000000L};

	nanosleep(&ts, NULL);
}

pid_t ipc_spawn(char *const argv[], int *out_fd)
{
	int p[2] = {-1, -1};

	if (out_fd && pipe(p) < 0)
		return -errno;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		if (out_fd) {
			close(p[0]);
			close(p[1]);
		}
		return -e;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* a daemon we started must not outlive us */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		setpgid(0, 0); /* Ctrl-C is ours to handle, not the daemon's */
		FILE *devnull = fopen("/dev/null", "r+");
		if (devnull) {
			dup2(fileno(devnull), 0);
			dup2(fileno(devnull), 2);
			if (!out_fd)
				dup2(fileno(devnull), 1);
		}
		if (out_fd) {
			dup2(p[1], 1);
			close(p[0]);
			close(p[1]);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (out_fd) {
		close(p[1]);
		*out_fd = p[0];
	}
	return pid;
}

int ipc_in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[1024];

	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
		if (n && access(buf, X_OK) == 0)
			return 1;
		path += n + (path[n] == ':');
	}
	return 0;
}

int ipc_stop_pid(pid_t pid, int ms)
{
	int st = -1;

	if (pid <= 0)
		return -1;
	kill(pid, SIGTERM);
	for (int waited = 0; waited < ms; waited += 5) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		sleep_ns(5000000);
	}
	kill(pid, SIGKILL);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

/* --- messages ---------------------------------------------------------- */

/* First 8 bytes: the sequence number; last 8: a function of it, so a torn
 * or shifted message is caught cheaply; with --verify every byte between
 * follows a pattern too. */
static uint64_t tail_of(uint64_t seq)
{
	return ~seq * 0x9e3779b97f4a7c15ull;
}

static void fill(unsigned char *buf, size_t size, uint64_t seq, int full)
{
	uint64_t tail = tail_of(seq);

	memcpy(buf, &seq, 8);
	if (full)
		for (size_t i = 8; i < size - 8; i++)
			buf[i] = (unsigned char)(seq * 131u + i);
	memcpy(buf + size - 8, &tail, 8);
}

/* 0 if buf is message seq (any seq if seq == 0), else -EBADMSG. */
static int check(const unsigned char *buf, size_t size, uint64_t *seq_out, int full)
{
	uint64_t seq, tail;

	memcpy(&seq, buf, 8);
	memcpy(&tail, buf + size - 8, 8);
	if (tail != tail_of(seq))
		return -EBADMSG;
	if (full && seq != IPC_SEQ_STOP)
		for (size_t i = 8; i < size - 8; i++)
			if (buf[i] != (unsigned char)(seq * 131u + i))
				return -EBADMSG;
	*seq_out = seq;
	return 0;
}

__attribute__((format(printf, 2, 3))) static void fail(int side, const char *fmt, ...)
{
	va_list ap;

	if (g_sh->rc[side])
		return;
	g_sh->rc[side] = -1;
	int none = 0;
	atomic_compare_exchange_strong(&g_sh->first, &none, side + 1);
	va_start(ap, fmt);
	vsnprintf(g_sh->err[side], sizeof(g_sh->err[side]), fmt, ap);
	va_end(ap);
	atomic_store(&g_sh->abort, 1);
}

int ipc_deliver(struct ipc_link *l, const void *msg)
{
	uint64_t seq;

	if (check(msg, l->size, &seq, g_o->verify) < 0) {
		uint64_t got;
		memcpy(&got, msg, 8);
		fail(1, "message corrupt (seq field %llu, expected %llu)", (unsigned long long)got,
		     (unsigned long long)g_expect);
		return -EBADMSG;
	}
	if (seq == IPC_SEQ_STOP) {
		atomic_store(&g_sh->done, 1);
		return 1;
	}
	if ((l->t->flags & IPC_LOSSY) ? seq < g_expect : seq != g_expect) {
		fail(1, "message lost or out of order: got seq %llu, expected %s%llu",
		     (unsigned long long)seq, (l->t->flags & IPC_LOSSY) ? ">= " : "",
		     (unsigned long long)g_expect);
		return -EPROTO;
	}
	g_expect = seq + 1;
	if (l->mode == IPC_STREAM) {
		uint64_t t = ipc_now_ns();
		if (!g_sh->msgs)
			g_sh->first_ns = t;
		g_sh->last_ns = t;
		g_sh->msgs++;
	}
	return 0;
}

/* --- the two sides ------------------------------------------------------ */

static int ping(struct ipc_link *l, unsigned char *out, unsigned char *in)
{
	const struct ipc_transport *t = l->t;
	const struct opts *o = g_o;
	uint64_t seq = 0, got = 0, n = 0;
	int rc;

	/* warm-up: caches, page faults, the peer's lazy set-up, CPU clocks */
	uint64_t warm_end = ipc_now_ns() + (uint64_t)(o->warmup * 1e9);
	while (seq < o->warm_min || ipc_now_ns() < warm_end) {
		fill(out, l->size, ++seq, o->verify);
		if ((rc = t->send(l, out)) < 0 || (rc = t->recv(l, in)) < 0) {
			fail(0, "warm-up round trip %llu: %s", (unsigned long long)seq,
			     strerror(-rc));
			return rc;
		}
		if (check(in, l->size, &got, o->verify) < 0 || got != seq) {
			fail(0, "echo corrupt in warm-up (seq %llu sent, %llu back)",
			     (unsigned long long)seq, (unsigned long long)got);
			return -EBADMSG;
		}
		if (atomic_load_explicit(&g_sh->abort, memory_order_relaxed))
			return -ECANCELED;
	}
	ipc_hist_reset(&g_sh->hist);
	uint64_t end = ipc_now_ns() + (uint64_t)(o->duration * 1e9);
	for (;;) {
		fill(out, l->size, ++seq, o->verify);
		uint64_t t0 = ipc_now_ns();
		if ((rc = t->send(l, out)) < 0 || (rc = t->recv(l, in)) < 0) {
			fail(0, "round trip %llu: %s", (unsigned long long)seq, strerror(-rc));
			return rc;
		}
		uint64_t t1 = ipc_now_ns();
		ipc_hist_add(&g_sh->hist, (t1 - t0) / 2);
		if (check(in, l->size, &got, o->verify) < 0 || got != seq) {
			fail(0, "echo corrupt or out of order (seq %llu sent, %llu back)",
			     (unsigned long long)seq, (unsigned long long)got);
			return -EBADMSG;
		}
		n++;
		if ((o->count && n >= o->count) || (o->duration > 0 && t1 >= end))
			break;
	}
	g_sh->rtts = seq;
	atomic_store(&g_sh->phase[0], PH_STOPPING);
	fill(out, l->size, IPC_SEQ_STOP, 0);
	if ((rc = t->send(l, out)) < 0 || (rc = t->recv(l, in)) < 0) {
		fail(0, "stop message not echoed: %s", strerror(-rc));
		return rc;
	}
	if (check(in, l->size, &got, 0) < 0 || got != IPC_SEQ_STOP) {
		fail(0, "stop message came back corrupt");
		return -EBADMSG;
	}
	return 0;
}

static int produce(struct ipc_link *l, unsigned char *out)
{
	const struct opts *o = g_o;
	uint64_t end = ipc_now_ns() + (uint64_t)(o->duration * 1e9);
	uint64_t seq = 0;
	int rc;

	for (;;) {
		fill(out, l->size, ++seq, o->verify);
		if ((rc = l->t->send(l, out)) < 0) {
			fail(0, "send %llu: %s", (unsigned long long)seq, strerror(-rc));
			return rc;
		}
		if (o->count && seq >= o->count)
			break;
		/* reading the clock costs as much as a fast send: not every time */
		if (o->duration > 0 && !(seq & 15) && ipc_now_ns() >= end)
			break;
		if (!(seq & 1023) && atomic_load_explicit(&g_sh->abort, memory_order_relaxed))
			return -ECANCELED;
	}
	atomic_store(&g_sh->phase[0], PH_STOPPING);
	fill(out, l->size, IPC_SEQ_STOP, 0);
	if ((rc = l->t->send(l, out)) < 0) {
		fail(0, "stop message: send: %s", strerror(-rc));
		return rc;
	}
	/* stay open until the consumer has everything: some peers drop what
	 * is in flight when the sender goes away */
	while (!atomic_load(&g_sh->done) && !atomic_load(&g_sh->abort))
		sleep_ns(200000);
	return 0;
}

static int serve_generic(struct ipc_link *l, unsigned char *buf)
{
	const struct opts *o = g_o;
	int rc;

	for (;;) {
		if ((rc = l->t->recv(l, buf)) < 0) {
			fail(1, "receive after seq %llu: %s", (unsigned long long)(g_expect - 1),
			     strerror(-rc));
			return rc;
		}
		uint64_t seq;
		memcpy(&seq, buf, 8);
		/* --fault: prove that the checks catch a damaged or lost message */
		if (seq == 100 && o->fault == FAULT_CORRUPT)
			buf[l->size / 2] ^= 0x5a, buf[l->size - 1] ^= 0x01;
		if (seq == 100 && o->fault == FAULT_DROP)
			continue;
		rc = ipc_deliver(l, buf);
		if (rc < 0)
			return rc;
		if (l->mode == IPC_PINGPONG) {
			int s = l->t->send(l, buf);
			if (s < 0) {
				fail(1, "echo of seq %llu: %s", (unsigned long long)seq,
				     strerror(-s));
				return s;
			}
		}
		if (rc == 1)
			return 0;
	}
}

static uint64_t ctx_switches(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_nvcsw + ru.ru_nivcsw);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void child(struct ipc_link *l, int side, const sigset_t *oldmask, pid_t parent)
{
	const struct opts *o = g_o;
	int rc;

	sigprocmask(SIG_SETMASK, oldmask, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	pin(o->cpu[side]);
	l->side = side;
	atomic_store(&g_sh->phase[side], PH_OPENING);
	if ((rc = l->t->open(l)) < 0) {
		fail(side, "side %d open: %s", side, strerror(-rc));
		_exit(1);
	}
	atomic_fetch_add(&g_sh->ready, 1);
	atomic_store(&g_sh->phase[side], PH_BARRIER);
	uint64_t give_up = ipc_now_ns() + 20000000000ull;
	while (atomic_load(&g_sh->ready) < 2 && !atomic_load(&g_sh->abort) &&
	       ipc_now_ns() < give_up)
		sleep_ns(100000);
	if (atomic_load(&g_sh->ready) < 2) {
		l->t->close(l);
		_exit(1);
	}

	size_t cap = (l->size + 63) & ~(size_t)63;
	unsigned char *a = aligned_alloc(64, cap), *b = aligned_alloc(64, cap);
	if (!a || !b)
		_exit(1);
	memset(a, 0, cap);
	memset(b, 0, cap);
	uint64_t cs0 = ctx_switches();
	atomic_store(&g_sh->phase[side], PH_RUNNING);
	if (g_inject && side == 1) {
		/* --inject-fail: die as iceoryx 2.0.3 does now and then (an
		 * assertion, SIGABRT), without leaving a core file */
		struct rlimit no_core = {0, 0};
		setrlimit(RLIMIT_CORE, &no_core);
		abort();
	}
	if (side == 0)
		rc = l->mode == IPC_PINGPONG ? ping(l, a, b) : produce(l, a);
	else
		rc = l->t->serve ? l->t->serve(l) : serve_generic(l, a);
	g_sh->cs[side] = ctx_switches() - cs0;
	if (rc < 0)
		fail(side, "side %d: %s", side, strerror(-rc)); /* unless it said more already */
	atomic_store(&g_sh->phase[side], PH_CLOSING);
	l->t->close(l);
	atomic_store(&g_sh->phase[side], PH_DONE);
	free(a);
	free(b);
	if (l->t->flags & IPC_EXIT) {
		/* iceoryx 2.0.3 now and then waits forever in its runtime's
		 * destructor for roudi's answer: the work is done, cut it short */
		alarm(EXIT_GRACE_S);
		exit(rc < 0 ? 1 : 0);
	}
	_exit(rc < 0 ? 1 : 0);
}

/* --- the driver ---------------------------------------------------------- */

static volatile int interrupted;
static FILE *g_human;    /* the table and notes: stdout, or stderr when stdout carries JSON/CSV */
static sigset_t g_mask0; /* signal mask before cmd_ipc blocked SIGINT/SIGTERM */

/* Waits for both children until the deadline; kills them past it. Returns
 * 0, or -ETIMEDOUT if they had to be killed. Ctrl-C ends them as well. */
static int reap(pid_t pid[2], int status[2], double timeout_s, int *first_bad)
{
	sigset_t set;
	int left = 2, rc = 0;
	uint64_t deadline = ipc_now_ns() + (uint64_t)(timeout_s * 1e9);

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	while (left > 0) {
		for (int i = 0; i < 2; i++) {
			if (pid[i] > 0 && waitpid(pid[i], &status[i], WNOHANG) == pid[i]) {
				pid[i] = 0;
				left--;
				/* a side that failed cannot be answered: a survivor
				 * spinning on it would only wait for the deadline */
				int bad = !WIFEXITED(status[i]) || WEXITSTATUS(status[i]);
				if (bad && *first_bad < 0)
					*first_bad = i; /* the cause, not the side we kill */
				if (bad && pid[!i] > 0)
					kill(pid[!i], SIGKILL);
			}
		}
		if (!left)
			break;
		uint64_t now = ipc_now_ns();
		if (now >= deadline || interrupted) {
			for (int i = 0; i < 2; i++)
				if (pid[i] > 0) {
					kill(pid[i], SIGKILL);
					waitpid(pid[i], &status[i], 0);
					pid[i] = 0;
				}
			rc = -ETIMEDOUT;
			break;
		}
		/* sleep until a child ends: no polling that would steal the CPUs
		 * the children measure on */
		uint64_t wait_ns = deadline - now;
		struct timespec ts = {(time_t)(wait_ns / 1000000000u),
		                      (long)(wait_ns % 1000000000u)};
		int sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGINT || sig == SIGTERM)
			interrupted = 1;
	}
	return rc;
}

/* The result of one transport at one size (both modes). */
struct row {
	int idx; /* into order[] */
	size_t size;
	int have_lat, have_tput;
	uint64_t p50, p90, p99, p999, max, samples;
	double msgs_per_s;
	double cs_per_msg; /* context switches per one-way message, ping-pong */
	int failed;
	char skipped[512]; /* "" if measured */
	/* one round's row: what happened to it */
	char retried[256]; /* why its first try failed, if it was tried again */
	int disturbed;     /* competing load: kept out of the medians if possible */
	char disturb[160]; /* how it was disturbed */
	/* the medians' row: which rounds they are of (bit r: round r + 1) */
	unsigned used, excluded_failed, excluded_disturbed;
	int nrounds;
};

static unsigned run_counter;

/* CPU time around one run, in clock ticks: what the measuring CPUs (--cpus)
 * spent busy (/proc/stat: all but idle and iowait; steal counts, as the
 * hypervisor gave the vCPU to someone else), and what this run's processes
 * used (RUSAGE_CHILDREN: both sides, their threads, a daemon reaped by
 * teardown). The difference is other processes' load. */
struct cpu_sample {
	uint64_t busy, total, ours;
	int ok;
};
static struct cpu_sample g_load[2]; /* before and after the last run */

static void sample_cpus(struct cpu_sample *c)
{
	char line[512];
	struct rusage ru;
	FILE *f = fopen("/proc/stat", "r");

	memset(c, 0, sizeof(*c));
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v[8] = {0};
		int cpu;
		if (strncmp(line, "cpu", 3) || line[3] < '0' || line[3] > '9' ||
		    sscanf(line + 3, "%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1],
		           &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 9)
			continue;
		if (cpu != g_o->cpu[0] && cpu != g_o->cpu[1])
			continue;
		uint64_t total = 0;
		for (int k = 0; k < 8; k++)
			total += v[k];
		c->total += total;
		c->busy += total - v[3] - v[4];
		c->ok = 1;
	}
	fclose(f);
	getrusage(RUSAGE_CHILDREN, &ru);
	uint64_t us = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
	              (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	c->ours = us * (uint64_t)sysconf(_SC_CLK_TCK) / 1000000u;
}

static int knock_on(int status)
{
	return WIFSIGNALED(status) && (WTERMSIG(status) == SIGPIPE || WTERMSIG(status) == SIGKILL);
}

/* One run: set up, fork both sides, reap, tear down. 0 or -1 with why. */
static int run_mode(const struct ipc_transport *t, size_t size, enum ipc_mode mode,
                    struct ipc_shared *sh, char *why, size_t whylen)
{
	struct ipc_link l;
	sigset_t block, old;
	pid_t pid[2] = {0, 0};
	int status[2] = {0, 0};
	int rc;

	memset(&l, 0, sizeof(l));
	for (int i = 0; i < 4; i++)
		l.fd[i] = -1;
	l.t = t;
	l.size = size;
	l.mode = mode;
	l.side = -1;
	snprintf(l.tag, sizeof(l.tag), "sluice-b%ld-%u", (long)getpid(), run_counter++);

	memset(sh, 0, offsetof(struct ipc_shared, hist));
	ipc_hist_reset(&sh->hist);
	g_expect = 1;

	if (t->setup && (rc = t->setup(&l)) < 0) {
		snprintf(why, whylen, "failed: setup: %s", strerror(-rc));
		if (t->teardown)
			t->teardown(&l);
		return -1;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	old = g_mask0; /* the children get the mask we started with */
	fflush(NULL);
	sample_cpus(&g_load[0]);
	pid_t me = getpid();
	for (int side = 0; side < 2; side++) {
		pid[side] = fork();
		if (pid[side] == 0)
			child(&l, side, &old, me);
		if (pid[side] < 0) {
			pid[side] = 0;
			atomic_store(&sh->abort, 1);
			snprintf(sh->err[side], sizeof(sh->err[side]), "fork: %s", strerror(errno));
			sh->rc[side] = -1;
		}
	}
	/* the children hold what they need; an end kept open here would hide a
	 * dead peer's EOF from the survivor */
	for (int i = 0; i < 4; i++)
		if (l.fd[i] >= 0) {
			close(l.fd[i]);
			l.fd[i] = -1;
		}
	double timeout = g_o->timeout > 0
	                     ? g_o->timeout
	                     : g_o->warmup + (g_o->duration > 0 ? g_o->duration : 0) + 20.0;
	int first_bad = -1;
	rc = reap(pid, status, timeout, &first_bad);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	if (t->teardown)
		t->teardown(&l);
	sample_cpus(&g_load[1]);

	if (rc == -ETIMEDOUT) {
		int p0 = atomic_load(&sh->phase[0]), p1 = atomic_load(&sh->phase[1]);
		char after[48] = "";
		if (!interrupted)
			snprintf(after, sizeof(after), " after %.0f s", timeout);
		snprintf(why, whylen, "failed: %s%s (killed; side 0 %s, side 1 %s%s)%s%s",
		         interrupted ? "interrupted" : "timed out", after, phase_name[p0],
		         phase_name[p1], mode == IPC_STREAM ? ", streaming" : "",
		         sh->err[0][0] || sh->err[1][0] ? ": " : "",
		         sh->err[0][0] ? sh->err[0] : sh->err[1]);
		return -1;
	}
	/* a side that died of its own signal (an assertion's SIGABRT, a
	 * SIGSEGV) is the cause, whatever its peer said about it afterwards */
	for (int side = 0; side < 2; side++)
		if (WIFSIGNALED(status[side]) && !knock_on(status[side]) &&
		    WTERMSIG(status[side]) != SIGALRM && !sh->err[side][0]) {
			snprintf(why, whylen, "failed: side %d killed by signal %d (%s)", side,
			         WTERMSIG(status[side]), strsignal(WTERMSIG(status[side])));
			return -1;
		}
	int first = atomic_load(&sh->first) - 1;
	if (first >= 0 && sh->err[first][0]) {
		snprintf(why, whylen, "failed: %s", sh->err[first]);
		return -1;
	}
	/* both may be found dead at once: a broken pipe or our SIGKILL is the
	 * consequence, another signal the cause */
	if (first_bad >= 0 && knock_on(status[first_bad]) && WIFSIGNALED(status[!first_bad]) &&
	    !knock_on(status[!first_bad]))
		first_bad = !first_bad;
	for (int k = 0; k < 2; k++) {
		int side = first_bad == 1 ? !k : k;
		if (!sh->rc[side] && WIFSIGNALED(status[side]) &&
		    WTERMSIG(status[side]) == SIGALRM && atomic_load(&sh->phase[side]) == PH_DONE) {
			fprintf(stderr,
			        "note: %s side %d hung in exit (in the peer library) and was "
			        "stopped after %d s; its results stand\n",
			        t->name, side, EXIT_GRACE_S);
			continue;
		}
		if (sh->rc[side] || !WIFEXITED(status[side]) || WEXITSTATUS(status[side])) {
			const char *e = sh->err[side][0] ? sh->err[side] : sh->err[!side];
			if (e[0])
				snprintf(why, whylen, "failed: %s", e);
			else if (WIFSIGNALED(status[side]))
				snprintf(why, whylen, "failed: side %d killed by signal %d", side,
				         WTERMSIG(status[side]));
			else
				snprintf(why, whylen, "failed: side %d exit status %d", side,
				         WEXITSTATUS(status[side]));
			return -1;
		}
	}
	return 0;
}

/* Competing load during a run that succeeded: other processes (or the
 * hypervisor, as steal) took more than --disturbed-share of the measuring
 * CPUs' time while it ran, and at least 3 clock ticks of it. A transport's
 * own threads and daemons are its cost, not load, and are not counted; the
 * floor's own level is no criterion, as it jumps 4x on these VMs. */
static void check_load(enum ipc_mode mode, struct row *r)
{
	const struct cpu_sample *a = &g_load[0], *b = &g_load[1];

	if (!a->ok || !b->ok || b->total <= a->total)
		return;
	uint64_t busy = b->busy - a->busy, ours = b->ours - a->ours;
	uint64_t other = busy > ours ? busy - ours : 0, total = b->total - a->total;
	double share = (double)other / (double)total;
	if (other >= 3 && share > g_o->disturb_share && !r->disturbed) {
		long hz = sysconf(_SC_CLK_TCK);
		r->disturbed = 1;
		snprintf(r->disturb, sizeof(r->disturb),
		         "other processes took %.0f%% of CPUs %d,%d while %s ran (%.2f of %.2f "
		         "CPU-s)",
		         share * 100, g_o->cpu[0], g_o->cpu[1],
		         mode == IPC_STREAM ? "streaming" : "ping-pong", (double)other / (double)hz,
		         (double)total / (double)hz);
	}
}

/* One mode of one round, tried again once in fresh processes if it failed
 * (peers such as iceoryx 2.0.3 abort now and then; a load spike can time a
 * run out). In --smoke, the test suite's mode, only peers are retried: a
 * failure of sluice or of the kernel's transports is a bug to see. */
static int run_retry(const struct ipc_transport *t, int idx, int round, size_t size,
                     enum ipc_mode mode, struct ipc_shared *sh, struct row *r)
{
	const struct opts *o = g_o;
	int inject = o->inject_times && idx == o->inject_idx && round == o->inject_round;

	for (int attempt = 0;; attempt++) {
		g_inject = inject && attempt < o->inject_times;
		int rc = run_mode(t, size, mode, sh, r->skipped, sizeof(r->skipped));
		g_inject = 0;
		if (rc == 0) {
			r->skipped[0] = '\0';
			check_load(mode, r);
			return 0;
		}
		if (attempt == 1 || interrupted || (o->smoke && !order[idx].peer))
			return -1;
		size_t n = strlen(r->retried);
		snprintf(r->retried + n, sizeof(r->retried) - n, "%s%s%s", n ? "; " : "",
		         mode == IPC_STREAM ? "streaming " : "", r->skipped);
	}
}

static void run_row(int idx, int round, size_t size, struct ipc_shared *sh, struct row *r)
{
	const struct ipc_transport *t = find_transport(order[idx].name);
	const char *why;

	memset(r, 0, sizeof(*r));
	r->idx = idx;
	r->size = size;
	if (!t) {
		snprintf(r->skipped, sizeof(r->skipped), "skipped: %s", order[idx].missing);
		return;
	}
	if (t->unsupported && (why = t->unsupported(size)) != NULL) {
		snprintf(r->skipped, sizeof(r->skipped), "skipped: %s", why);
		return;
	}
	if (g_o->pingpong) {
		if (run_retry(t, idx, round, size, IPC_PINGPONG, sh, r) < 0) {
			r->failed = 1;
			return;
		}
		r->have_lat = 1;
		r->p50 = ipc_hist_pct(&sh->hist, 0.50);
		r->p90 = ipc_hist_pct(&sh->hist, 0.90);
		r->p99 = ipc_hist_pct(&sh->hist, 0.99);
		r->p999 = ipc_hist_pct(&sh->hist, 0.999);
		r->max = sh->hist.max;
		r->samples = sh->hist.count;
		r->cs_per_msg =
		    sh->rtts ? (double)(sh->cs[0] + sh->cs[1]) / (2.0 * (double)sh->rtts) : 0;
	}
	if (interrupted)
		return;
	if (g_o->stream) {
		if (run_retry(t, idx, round, size, IPC_STREAM, sh, r) < 0) {
			/* a round counts whole or not at all */
			r->failed = 1;
			r->have_lat = 0;
			return;
		}
		r->have_tput = 1;
		uint64_t span = sh->last_ns - sh->first_ns;
		r->msgs_per_s =
		    sh->msgs > 1 && span ? (double)(sh->msgs - 1) * 1e9 / (double)span : 0;
	}
}

/* "1,3" for the rounds in mask. */
static const char *round_list(unsigned mask, int nr, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int r = 0; r < nr && n < len; r++)
		if (mask & (1u << r))
			n += (size_t)snprintf(buf + n, len - n, "%s%d", n ? "," : "", r + 1);
	return buf;
}

/* What the medians of a row leave out, in a few words ("" if nothing). */
static void row_caveat(const struct row *r, char *buf, size_t len)
{
	char a[64], b[64], c[64];

	buf[0] = '\0';
	if (!r->used || (!r->excluded_failed && !r->excluded_disturbed && !r->disturbed))
		return;
	snprintf(buf, len, "[rounds %s of %d%s%s%s%s%s]", round_list(r->used, r->nrounds, a, 64),
	         r->nrounds, r->excluded_failed ? "; failed: " : "",
	         round_list(r->excluded_failed, r->nrounds, b, 64),
	         r->excluded_disturbed ? "; left out, disturbed by load: " : "",
	         round_list(r->excluded_disturbed, r->nrounds, c, 64),
	         r->disturbed ? "; every round disturbed by load" : "");
}

/* The note on round r of a row (a retry, a failure, load), or 0 if none. */
static int round_note(const struct row *x, int r, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (x->failed)
		n += (size_t)snprintf(buf + n, len - n, "round %d failed, left out: %s%s%s", r + 1,
		                      x->skipped, x->retried[0] ? " (first try: " : "", x->retried);
	else if (x->retried[0])
		n += (size_t)snprintf(buf + n, len - n,
		                      "round %d retried once, the retry counts; "
		                      "first try %s",
		                      r + 1, x->retried);
	if (x->failed && x->retried[0] && n < len)
		n += (size_t)snprintf(buf + n, len - n, ")");
	if (x->disturbed && n < len)
		snprintf(buf + n, len - n, "%sround %d disturbed by load: %s", n ? "; " : "", r + 1,
		         x->disturb);
	return buf[0] != '\0';
}

/* --- output --------------------------------------------------------------- */

static void fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns < 10000)
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	else if (ns < 10000000)
		snprintf(buf, len, "%.1f us", (double)ns / 1e3);
	else
		snprintf(buf, len, "%.1f ms", (double)ns / 1e6);
}

static void fmt_rate(char *buf, size_t len, double r)
{
	if (r >= 1e6)
		snprintf(buf, len, "%.2f M", r / 1e6);
	else if (r >= 1e3)
		snprintf(buf, len, "%.1f k", r / 1e3);
	else
		snprintf(buf, len, "%.0f", r);
}

static void print_table(FILE *f, const struct row *rows, int n)
{
	fprintf(f, "%-15s %8s %9s %9s %9s %9s %9s %10s %9s %-9s %7s\n", "transport", "size", "p50",
	        "p90", "p99", "p99.9", "max", "msgs/s", "MB/s", "crossings", "cs/msg");
	for (int i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		const struct ipc_transport *t = find_transport(order[r->idx].name);
		char c[5][16], rate[16], mb[16];

		if (r->skipped[0] && !r->have_lat && !r->have_tput) {
			fprintf(f, "%-15s %8zu %s\n", order[r->idx].name, r->size, r->skipped);
			continue;
		}
		uint64_t v[5] = {r->p50, r->p90, r->p99, r->p999, r->max};
		for (int k = 0; k < 5; k++)
			if (r->have_lat)
				fmt_ns(c[k], sizeof(c[k]), v[k]);
			else
				snprintf(c[k], sizeof(c[k]), "-");
		if (r->have_tput) {
			fmt_rate(rate, sizeof(rate), r->msgs_per_s);
			snprintf(mb, sizeof(mb), "%.1f", r->msgs_per_s * (double)r->size / 1e6);
		} else {
			snprintf(rate, sizeof(rate), "-");
			snprintf(mb, sizeof(mb), "-");
		}
		char caveat[256];
		row_caveat(r, caveat, sizeof(caveat));
		fprintf(f, "%-15s %8zu %9s %9s %9s %9s %9s %10s %9s %-9s %7.2f%s%s%s%s\n",
		        order[r->idx].name, r->size, c[0], c[1], c[2], c[3], c[4], rate, mb,
		        t ? t->crossings : "?", r->cs_per_msg, r->skipped[0] ? "  " : "",
		        r->skipped, caveat[0] ? "  " : "", caveat);
	}
}

/* Under the table: every round left out of a median or retried, and why. */
static void print_notes(FILE *f, struct row *const *rounds, int nr, int nrows)
{
	char note[1024];

	for (int i = 0; i < nrows; i++)
		for (int r = 0; r < nr; r++)
			if (round_note(&rounds[r][i], r, note, sizeof(note)))
				fprintf(f, "note: %s %zu B %s\n", order[rounds[r][i].idx].name,
				        rounds[r][i].size, note);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static FILE *open_out(const char *path)
{
	if (!strcmp(path, "-"))
		return stdout;
	FILE *f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "sluice-bench ipc: %s: %s\n", path, strerror(errno));
	return f;
}

static void close_out(FILE *f)
{
	if (f && f != stdout)
		fclose(f);
	else if (f)
		fflush(f);
}

static void json_rounds(FILE *f, const char *key, unsigned mask, int nr)
{
	fprintf(f, "\"%s\": [", key);
	for (int r = 0, k = 0; r < nr; r++)
		if (mask & (1u << r))
			fprintf(f, "%s%d", k++ ? ", " : "", r + 1);
	fprintf(f, "], ");
}

static void write_json(const char *path, const struct row *rows, int n, struct row *const *rounds)
{
	FILE *f = open_out(path);

	if (!f)
		return;
	fprintf(f, "[\n");
	for (int i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		fprintf(f, "  {\"transport\": \"%s\", \"size\": %zu, ", order[r->idx].name,
		        r->size);
		if (r->have_lat)
			fprintf(f,
			        "\"p50_ns\": %llu, \"p90_ns\": %llu, \"p99_ns\": %llu, "
			        "\"p999_ns\": %llu, \"max_ns\": %llu, ",
			        (unsigned long long)r->p50, (unsigned long long)r->p90,
			        (unsigned long long)r->p99, (unsigned long long)r->p999,
			        (unsigned long long)r->max);
		else
			fprintf(f, "\"p50_ns\": null, \"p90_ns\": null, \"p99_ns\": null, "
			           "\"p999_ns\": null, \"max_ns\": null, ");
		if (r->have_tput)
			fprintf(f, "\"msgs_per_s\": %.0f, ", r->msgs_per_s);
		else
			fprintf(f, "\"msgs_per_s\": null, ");
		/* which rounds the medians are of, which were left out and why */
		fprintf(f, "\"rounds\": %d, ", r->nrounds);
		json_rounds(f, "rounds_used", r->used, r->nrounds);
		json_rounds(f, "rounds_failed", r->excluded_failed, r->nrounds);
		json_rounds(f, "rounds_disturbed_left_out", r->excluded_disturbed, r->nrounds);
		fprintf(f, "\"all_rounds_disturbed\": %s, \"notes\": [",
		        r->disturbed ? "true" : "false");
		char note[1024];
		for (int k = 0, any = 0; k < r->nrounds; k++)
			if (round_note(&rounds[k][i], k, note, sizeof(note))) {
				fprintf(f, "%s", any++ ? ", " : "");
				json_str(f, note);
			}
		fprintf(f, "], \"skipped\": ");
		if (r->skipped[0])
			json_str(f, r->skipped);
		else
			fprintf(f, "null");
		fprintf(f, "}%s\n", i + 1 < n ? "," : "");
	}
	fprintf(f, "]\n");
	close_out(f);
}

static void write_csv(const char *path, const struct row *rows, int n)
{
	FILE *f = open_out(path);

	if (!f)
		return;
	fprintf(f, "transport,size,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,msgs_per_s,crossings,"
	           "cs_per_msg,skipped\n");
	for (int i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		const struct ipc_transport *t = find_transport(order[r->idx].name);

		fprintf(f, "%s,%zu,", order[r->idx].name, r->size);
		if (r->have_lat)
			fprintf(f, "%llu,%llu,%llu,%llu,%llu,", (unsigned long long)r->p50,
			        (unsigned long long)r->p90, (unsigned long long)r->p99,
			        (unsigned long long)r->p999, (unsigned long long)r->max);
		else
			fprintf(f, ",,,,,");
		if (r->have_tput)
			fprintf(f, "%.0f", r->msgs_per_s);
		fprintf(f, ",\"%s\",%.3f,\"%s\"\n", t ? t->crossings : "", r->cs_per_msg,
		        r->skipped);
	}
	close_out(f);
}

/* gnuplot: one chart per size, transports along x, one-way latency
 * percentiles on a log y axis, as PNG and SVG. */
static void write_plot(const char *prefix, const struct row *rows, int n, const struct opts *o)
{
	for (int s = 0; s < o->nsizes; s++) {
		char dat[512], gp[512], base[480];
		int any = 0;

		if (s == 0)
			snprintf(base, sizeof(base), "%s", prefix);
		else
			snprintf(base, sizeof(base), "%s-%zu", prefix, o->sizes[s]);
		snprintf(dat, sizeof(dat), "%s.dat", base);
		snprintf(gp, sizeof(gp), "%s.gp", base);
		FILE *f = fopen(dat, "w");
		if (!f) {
			fprintf(stderr, "sluice-bench ipc: %s: %s\n", dat, strerror(errno));
			return;
		}
		fprintf(f, "# transport p50 p90 p99 p99.9 max (one-way ns, size %zu B)\n",
		        o->sizes[s]);
		for (int i = 0; i < n; i++)
			if (rows[i].size == o->sizes[s] && rows[i].have_lat) {
				fprintf(f, "%s %llu %llu %llu %llu %llu\n", order[rows[i].idx].name,
				        (unsigned long long)rows[i].p50,
				        (unsigned long long)rows[i].p90,
				        (unsigned long long)rows[i].p99,
				        (unsigned long long)rows[i].p999,
				        (unsigned long long)rows[i].max);
				any = 1;
			}
		fclose(f);
		if (!any)
			continue;
		f = fopen(gp, "w");
		if (!f)
			return;
		fprintf(
		    f,
		    "set title 'sluice-bench ipc: one-way latency (round trip / 2), %zu-byte "
		    "messages' noenhanced\n"
		    "set ylabel 'one-way latency (log scale)'\n"
		    "set logscale y\nset grid ytics mytics\nset key outside right top\n"
		    "set xtics rotate by -40 noenhanced\nset style data points\nset pointsize 1.4\n"
		    "set offsets 0.5, 0.5, 0, 0\n"
		    "set ytics ('10 ns' 10, '100 ns' 100, '1 us' 1e3, '10 us' 1e4, '100 us' 1e5, "
		    "'1 ms' 1e6, '10 ms' 1e7, '100 ms' 1e8, '1 s' 1e9)\n",
		    o->sizes[s]);
		for (int k = 0; k < 2; k++) {
			if (k == 0)
				fprintf(f,
				        "set terminal pngcairo size 1100,600 noenhanced\n"
				        "set output '%s.png'\n",
				        base);
			else
				fprintf(f,
				        "set terminal svg size 1100,600 dynamic noenhanced\n"
				        "set output '%s.svg'\n",
				        base);
			fprintf(f,
			        "plot '%s' using 0:2:xtic(1) title 'p50' pt 7, "
			        "'' using 0:3 title 'p90' pt 5, '' using 0:4 title 'p99' pt 9, "
			        "'' using 0:5 title 'p99.9' pt 11, '' using 0:6 title 'max' pt 2\n",
			        dat);
		}
		fclose(f);
		char *argv[] = {"gnuplot", gp, NULL};
		pid_t pid = ipc_spawn(argv, NULL);
		if (pid < 0) {
			fprintf(stderr, "sluice-bench ipc: gnuplot: %s\n", strerror(-pid));
			return;
		}
		int st = 0;
		for (int waited = 0; waited < 30000 && waitpid(pid, &st, WNOHANG) == 0;
		     waited += 10)
			sleep_ns(10000000);
		if (waitpid(pid, &st, WNOHANG) == 0) {
			ipc_stop_pid(pid, 100);
			fprintf(stderr, "sluice-bench ipc: gnuplot timed out\n");
		} else if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr,
			        "sluice-bench ipc: gnuplot failed (is gnuplot-nox installed?)\n");
		} else {
			fprintf(g_human, "plot: %s.png %s.svg\n", base, base);
		}
	}
}

/* --- options and main ------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f, "usage: sluice-bench ipc [options]\n"
	           "  --transports A,B,...  from: ");
	for (size_t i = 0; i < NORDER; i++)
		fprintf(f, "%s%s", order[i].name, i + 1 < NORDER ? "," : " (default: all)\n");
	fprintf(
	    f,
	    "  --sizes N,...         message sizes in bytes, >= 16 (default 64)\n"
	    "  --duration S          seconds measured per transport, size and mode (default 1)\n"
	    "  --warmup S            seconds of warm-up round trips (default 0.2)\n"
	    "  --count N             stop after N round trips / messages (default: time only)\n"
	    "  --rounds N            repeat the whole list N times, report medians (default 3)\n"
	    "  --cpus A,B            pin side 0 to CPU A, side 1 to CPU B (default 0,1)\n"
	    "  --same-cpu            pin both sides to the first CPU of --cpus\n"
	    "  --no-stream           latency only;  --no-pingpong  throughput only\n"
	    "  --verify              check every byte of every message, not only seq and tail\n"
	    "  --timeout S           kill a run's processes after S seconds (default: warm-up +\n"
	    "                        duration + 20)\n"
	    "  --json FILE|-  --csv FILE|-   machine-readable results\n"
	    "  --plot PREFIX         gnuplot PREFIX.png and PREFIX.svg (PREFIX-SIZE.* for more "
	    "sizes)\n"
	    "  --out DIR             all of it into DIR: ipc.txt (the table), ipc.json, ipc.csv,\n"
	    "                        ipc.png, ipc.svg (also from $SLUICE_BENCH_OUT)\n"
	    "  --smoke               test mode: 300 round trips and 2000 streamed messages per\n"
	    "                        transport, every byte checked; exit 0 all good, 77 all\n"
	    "                        skipped, 1 any failure\n"
	    "  --fault corrupt|drop  damage or lose message 100 on the receiving side (tests)\n"
	    "  --inject-fail T:R[:K] for tests: side 1 of transport T aborts in round R, in the\n"
	    "                        first K tries of each run (default 1: the retry succeeds)\n"
	    "  --disturbed-share PCT a run during which other processes took more than PCT %%\n"
	    "                        of the measuring CPUs is disturbed by load (default 10)\n\n"
	    "A failed run is tried once more in fresh processes (in --smoke only the peers'\n"
	    "runs); a round that fails twice is left out of the medians, and so is a round\n"
	    "disturbed by load while others were not; notes under the table say which.\n"
	    "Exit status: 0, or 1 when a row has no round that counts (130: interrupted).\n");
}

static int parse_list(char *s, struct opts *o)
{
	for (char *save = NULL, *tok = strtok_r(s, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < NORDER; i++)
			if (!strcmp(order[i].name, tok))
				break;
		if (i == NORDER) {
			fprintf(stderr, "sluice-bench ipc: unknown transport '%s'\n", tok);
			return -1;
		}
		o->sel[i] = 1;
	}
	return 0;
}

static int index_of(const char *name);

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int any = 0;

	memset(o, 0, sizeof(*o));
	o->duration = 1.0;
	o->warmup = 0.2;
	o->warm_min = 100;
	o->cpu[0] = 0;
	o->cpu[1] = 1;
	o->rounds = 3;
	o->disturb_share = 0.10;
	o->pingpong = o->stream = 1;
	int same = 0;
	/* `make bench` runs `sluice-bench all`, which passes no options */
	const char *out_dir = getenv("SLUICE_BENCH_OUT");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDV()                                                                                    \
	do {                                                                                       \
		if (!v) {                                                                          \
			fprintf(stderr, "sluice-bench ipc: %s needs a value\n", a);                \
			return -1;                                                                 \
		}                                                                                  \
		i++;                                                                               \
	} while (0)
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--transports")) {
			NEEDV();
			char *copy = strdup(v);
			int rc = parse_list(copy, o);
			free(copy);
			if (rc < 0)
				return -1;
			any = 1;
		} else if (!strcmp(a, "--sizes")) {
			NEEDV();
			o->nsizes = 0;
			for (const char *p = v; *p;) {
				char *end;
				unsigned long long n = strtoull(p, &end, 10);
				if (end == p || n < 16 || n > (1ull << 30) || o->nsizes == 16) {
					fprintf(
					    stderr,
					    "sluice-bench ipc: bad --sizes '%s' (16 B .. 1 GiB)\n",
					    v);
					return -1;
				}
				o->sizes[o->nsizes++] = (size_t)n;
				p = *end == ',' ? end + 1 : end;
				if (*end && *end != ',')
					return -1;
			}
		} else if (!strcmp(a, "--duration")) {
			NEEDV();
			o->duration = atof(v);
		} else if (!strcmp(a, "--warmup")) {
			NEEDV();
			o->warmup = atof(v);
		} else if (!strcmp(a, "--count")) {
			NEEDV();
			o->count = strtoull(v, NULL, 10);
		} else if (!strcmp(a, "--rounds")) {
			NEEDV();
			o->rounds = atoi(v);
			if (o->rounds < 1 || o->rounds > 15)
				return -1;
		} else if (!strcmp(a, "--cpus")) {
			NEEDV();
			if (sscanf(v, "%d,%d", &o->cpu[0], &o->cpu[1]) != 2)
				return -1;
		} else if (!strcmp(a, "--same-cpu")) {
			same = 1;
		} else if (!strcmp(a, "--no-stream")) {
			o->stream = 0;
		} else if (!strcmp(a, "--no-pingpong")) {
			o->pingpong = 0;
		} else if (!strcmp(a, "--verify")) {
			o->verify = 1;
		} else if (!strcmp(a, "--smoke")) {
			o->smoke = 1;
		} else if (!strcmp(a, "--timeout")) {
			NEEDV();
			o->timeout = atof(v);
		} else if (!strcmp(a, "--fault")) {
			NEEDV();
			o->fault = !strcmp(v, "corrupt") ? FAULT_CORRUPT
			           : !strcmp(v, "drop")  ? FAULT_DROP
			                                 : FAULT_NONE;
			if (o->fault == FAULT_NONE)
				return -1;
		} else if (!strcmp(a, "--inject-fail")) {
			NEEDV();
			char name[64];
			int k = 1, n = sscanf(v, "%63[^:]:%d:%d", name, &o->inject_round, &k);
			o->inject_idx = n >= 2 ? index_of(name) : -1;
			if (o->inject_idx < 0 || o->inject_round < 1 || k < 1 || k > 2) {
				fprintf(stderr,
				        "sluice-bench ipc: bad --inject-fail '%s' "
				        "(TRANSPORT:ROUND[:1|2])\n",
				        v);
				return -1;
			}
			o->inject_times = k;
		} else if (!strcmp(a, "--disturbed-share")) {
			NEEDV();
			char *end;
			double pct = strtod(v, &end);
			if (end == v || *end || pct <= 0 || pct > 100) {
				fprintf(stderr, "sluice-bench ipc: bad --disturbed-share '%s' (0-100)\n",
				        v);
				return -1;
			}
			o->disturb_share = pct / 100;
		} else if (!strcmp(a, "--json")) {
			NEEDV();
			o->json = v;
		} else if (!strcmp(a, "--csv")) {
			NEEDV();
			o->csv = v;
		} else if (!strcmp(a, "--plot")) {
			NEEDV();
			o->plot = v;
		} else if (!strcmp(a, "--out")) {
			NEEDV();
			out_dir = v;
		} else {
			fprintf(stderr, "sluice-bench ipc: unknown option '%s'\n", a);
			usage(stderr);
			return -1;
		}
#undef NEEDV
	}
	if (!any)
		for (size_t i = 0; i < NORDER; i++)
			o->sel[i] = 1;
	if (out_dir && *out_dir) {
		mkdir(out_dir, 0777);
		snprintf(o->out_json, sizeof(o->out_json), "%s/ipc.json", out_dir);
		snprintf(o->out_csv, sizeof(o->out_csv), "%s/ipc.csv", out_dir);
		snprintf(o->out_plot, sizeof(o->out_plot), "%s/ipc", out_dir);
		snprintf(o->out_txt, sizeof(o->out_txt), "%s/ipc.txt", out_dir);
		o->json = o->json ? o->json : o->out_json;
		o->csv = o->csv ? o->csv : o->out_csv;
		o->plot = o->plot ? o->plot : o->out_plot;
	}
	if (!o->nsizes)
		o->sizes[o->nsizes++] = 64;
	if (o->smoke) {
		o->rounds = 1;
		o->duration = 0;
		o->warmup = 0;
		o->warm_min = 20;
		o->verify = 1;
		if (!o->count)
			o->count = 300;
		if (!o->timeout)
			o->timeout = 30;
	}
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (same || ncpu < 2)
		o->cpu[1] = o->cpu[0];
	if (o->duration <= 0 && !o->count) {
		fprintf(stderr, "sluice-bench ipc: --duration 0 needs --count\n");
		return -1;
	}
	return 0;
}

/* Median of the valid values across rounds, field by field. */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The medians of row i over its rounds that count: a failed round (both
 * tries) never does; a round disturbed by load does only when every round
 * that did not fail was disturbed (then the row says so). A row with no
 * round that counts is the first failure, reported as such. */
static void median_rows(struct row *out, struct row *const *rounds, int nr, int i)
{
	uint64_t v[5][16];
	double tput[16], cs[16];
	int nl = 0, nt = 0;
	unsigned failed = 0, ok = 0, calm = 0;

	for (int r = 0; r < nr; r++) {
		const struct row *x = &rounds[r][i];
		if (x->failed)
			failed |= 1u << r;
		else if (x->have_lat || x->have_tput)
			ok |= 1u << r, calm |= x->disturbed ? 0 : 1u << r;
	}
	unsigned use = calm ? calm : ok;
	int first = 0;
	while (first < nr && !((use | failed) & (1u << first)))
		first++;
	if (!use && failed) {
		while (!(failed & (1u << first)))
			first++;
	}
	*out = rounds[first < nr ? first : 0][i];
	out->retried[0] = '\0';
	out->nrounds = nr;
	out->used = use;
	out->excluded_failed = failed;
	out->excluded_disturbed = ok & ~use;
	out->disturbed = use && !calm;
	if (!use)
		return;
	out->failed = 0;
	out->skipped[0] = '\0';
	for (int r = 0; r < nr; r++) {
		const struct row *x = &rounds[r][i];
		if (!(use & (1u << r)))
			continue;
		if (x->have_lat) {
			v[0][nl] = x->p50, v[1][nl] = x->p90, v[2][nl] = x->p99;
			v[3][nl] = x->p999, v[4][nl] = x->max, cs[nl] = x->cs_per_msg;
			nl++;
		}
		if (x->have_tput)
			tput[nt++] = x->msgs_per_s;
	}
	if (nl) {
		for (int k = 0; k < 5; k++)
			qsort(v[k], (size_t)nl, sizeof(uint64_t), cmp_u64);
		qsort(cs, (size_t)nl, sizeof(double), cmp_dbl);
		out->p50 = v[0][nl / 2], out->p90 = v[1][nl / 2], out->p99 = v[2][nl / 2];
		out->p999 = v[3][nl / 2], out->max = v[4][nl - 1]; /* max of maxima */
		out->cs_per_msg = cs[nl / 2];
	}
	if (nt) {
		qsort(tput, (size_t)nt, sizeof(double), cmp_dbl);
		out->msgs_per_s = tput[nt / 2];
	}
}

static int index_of(const char *name)
{
	for (size_t i = 0; i < NORDER; i++)
		if (!strcmp(order[i].name, name))
			return (int)i;
	return -1;
}

/* RATIO_SLEPT: p50, from rounds where `a` slept for most messages. */
enum ratio_of { RATIO_P50, RATIO_P99, RATIO_RATE, RATIO_SLEPT };

static int ratio_have(const struct row *r, enum ratio_of what)
{
	return what == RATIO_RATE ? r->have_tput && r->msgs_per_s > 0 : r->have_lat && r->p50;
}

static double ratio_value(const struct row *r, enum ratio_of what)
{
	return what == RATIO_P99 ? (double)r->p99 : what == RATIO_RATE ? r->msgs_per_s : (double)r->p50;
}

/* A figure of `a` over the same figure of `b` in each round (the floor moves
 * between runs on a VM, so only a ratio taken in the same round means
 * anything): one-way p50 or p99, or streamed messages per second. */
static void print_ratio(FILE *f, struct row *const *rounds, int nr, int nrows, const char *a,
                        const char *b, enum ratio_of what)
{
	static const char *const label[] = {"p50", "p99", "msgs/s", "p50 (slept)"};
	int ia = index_of(a), ib = index_of(b);

	for (int i = 0; i < nrows; i++) {
		if (rounds[0][i].idx != ia)
			continue;
		for (int j = 0; j < nrows; j++) {
			if (rounds[0][j].idx != ib || rounds[0][j].size != rounds[0][i].size)
				continue;
			double q[16];
			int n = 0, spun = 0;
			for (int r = 0; r < nr && n < 16; r++) {
				if (!ratio_have(&rounds[r][i], what) || !ratio_have(&rounds[r][j], what))
					continue;
				if (what == RATIO_SLEPT && rounds[r][i].cs_per_msg < 0.5) {
					spun++;
					continue;
				}
				q[n++] = ratio_value(&rounds[r][i], what) /
				         ratio_value(&rounds[r][j], what);
			}
			if (spun && !n)
				fprintf(f,
				        "p50 (slept) %s / %s (%zu B): %s caught every message "
				        "spinning; SLUICE_BENCH_SPIN_NS=1 makes it sleep\n",
				        a, b, rounds[0][i].size, a);
			if (!n)
				continue;
			fprintf(f, "%s %s / %s (%zu B), per round:", label[what], a, b,
			        rounds[0][i].size);
			for (int r = 0; r < n; r++)
				fprintf(f, " %.2f", q[r]);
			qsort(q, (size_t)n, sizeof(double), cmp_dbl);
			fprintf(f, "  median %.2f\n", q[n / 2]);
		}
	}
}

static int cmd_ipc(int argc, char **argv)
{
	struct opts o;

	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	g_o = &o;
	/* Ctrl-C and SIGTERM are taken only while children run (reap), so that
	 * set-up and tear-down always finish and every name is removed */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, &g_mask0);
	g_sh = ipc_map_shared(sizeof(struct ipc_shared));
	if (!g_sh) {
		perror("sluice-bench ipc: mmap");
		return 1;
	}
	/* a daemon we start reparents here if it forks, so we can reap it */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	int nrows = 0;
	for (size_t i = 0; i < NORDER; i++)
		nrows += o.sel[i] * o.nsizes;
	struct row *rounds[16];
	for (int r = 0; r < o.rounds; r++)
		rounds[r] = calloc((size_t)nrows, sizeof(struct row));
	struct row *final = calloc((size_t)nrows, sizeof(struct row));

	/* with --json - or --csv -, stdout is for the machine: the table goes to stderr */
	g_human =
	    (o.json && !strcmp(o.json, "-")) || (o.csv && !strcmp(o.csv, "-")) ? stderr : stdout;
	fprintf(g_human, "sluice-bench ipc: one-way = round trip / 2; CPUs %d,%d; %s\n", o.cpu[0],
	        o.cpu[1], o.smoke ? "smoke test" : "");
	fflush(stdout);
	for (int r = 0; r < o.rounds; r++) {
		int k = 0;
		for (int s = 0; s < o.nsizes; s++)
			for (size_t i = 0; i < NORDER; i++) {
				if (!o.sel[i])
					continue;
				if (!interrupted) {
					run_row((int)i, r + 1, o.sizes[s], g_sh, &rounds[r][k]);
				} else {
					rounds[r][k].idx = (int)i;
					rounds[r][k].size = o.sizes[s];
					snprintf(rounds[r][k].skipped, sizeof(rounds[r][k].skipped),
					         "skipped: interrupted");
				}
				if (o.rounds > 1 || o.smoke) {
					const struct row *x = &rounds[r][k];
					fprintf(stderr, "  round %d: %-14s %7zu B %s%s%s\n", r + 1,
					        order[i].name, o.sizes[s],
					        x->skipped[0] ? x->skipped : "ok",
					        x->retried[0] ? " (retried)" : "",
					        x->disturbed ? " (disturbed by load)" : "");
				}
				k++;
			}
	}
	for (int i = 0; i < nrows; i++)
		median_rows(&final[i], rounds, o.rounds, i);

	FILE *txt = o.out_txt[0] ? fopen(o.out_txt, "w") : NULL;
	for (FILE *f = g_human; f; f = f == g_human ? txt : NULL) {
		if (o.rounds > 1)
			fprintf(f, "medians of %d rounds\n", o.rounds);
		print_table(f, final, nrows);
		print_notes(f, rounds, o.rounds, nrows);
		/* The channel's goals (issue 3), then the comparison with iceoryx. */
		print_ratio(f, rounds, o.rounds, nrows, "sluice-poll", "floor", RATIO_P50);
		print_ratio(f, rounds, o.rounds, nrows, "sluice-poll", "floor", RATIO_P99);
		print_ratio(f, rounds, o.rounds, nrows, "sluice-poll", "sluice-ring", RATIO_RATE);
		print_ratio(f, rounds, o.rounds, nrows, "sluice-wait", "eventfd", RATIO_SLEPT);
		print_ratio(f, rounds, o.rounds, nrows, "sluice-poll", "iceoryx", RATIO_P50);
		print_ratio(f, rounds, o.rounds, nrows, "sluice-ring", "floor", RATIO_P50);
		print_ratio(f, rounds, o.rounds, nrows, "sluice-ring", "iceoryx", RATIO_P50);
	}
	if (txt)
		fclose(txt);
	if (o.json)
		write_json(o.json, final, nrows, rounds);
	if (o.csv)
		write_csv(o.csv, final, nrows);
	if (o.plot)
		write_plot(o.plot, final, nrows, &o);

	int failed = 0, skipped = 0;
	for (int i = 0; i < nrows; i++) {
		failed += final[i].failed;
		skipped += final[i].skipped[0] && !final[i].failed;
	}
	for (int r = 0; r < o.rounds; r++)
		free(rounds[r]);
	free(final);
	munmap(g_sh, sizeof(struct ipc_shared));
	if (interrupted)
		return 130;
	if (failed)
		return 1;
	if (o.smoke && skipped == nrows)
		return 77;
	return 0;
}

SLUICE_BENCH(ipc, "IPC latency and throughput, sluice beside kernel IPC and peers (seed 5)",
             cmd_ipc)
