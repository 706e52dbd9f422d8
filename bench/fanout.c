/* fanout.c - sluice-bench fanout: one publisher, 1/2/4/8 subscribers, each
 * its own process, on one lossless topic.  Per message it times the
 * publisher's loan + commit (the payload fill is left out: it does not
 * depend on the subscribers), and per subscriber the time from just before
 * the commit to the take returning; for each message the earliest and the
 * latest subscriber give the "first" and "last" latencies.  Subscribers
 * sleep (the channel's default wait) or busy-poll; polling is run only
 * where every subscriber and the publisher have a CPU of their own. */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "ipc_hist.h"
#include "ipc_transport.h"
#include "sluice/channel.h"
#include "sluice/error.h"
#include "sluice/shm.h"

#define FAN_MAX_SUBS 64
#define FAN_WARMUP   100 /* messages left out of every figure */

enum fan_mode { FAN_SLEEP, FAN_POLL };

struct fan_opts {
	int subs[8], nsubs;
	size_t sizes[8];
	int nsizes;
	int modes; /* bit per enum fan_mode */
	int messages;
	int interval_us;
	const char *json;
};

/* Lives in a MAP_SHARED mapping: the children write, the driver reads
 * after reaping them. */
struct fan_shared {
	_Atomic int ready;
	uint64_t first_seq;
	uint64_t cpu_ns[FAN_MAX_SUBS]; /* user + system over the message loop */
	int err[FAN_MAX_SUBS];
	uint64_t recv[]; /* [sub][message] take-return times, ns */
};

struct fan_row {
	int subs;
	size_t size;
	enum fan_mode mode;
	int messages;
	uint64_t pub_p50, pub_p99, pub_p999;
	uint64_t first_p50, first_p99, first_p999;
	uint64_t last_p50, last_p99, last_p999;
	double sub_cpu_pct, pub_cpu_pct;
};

static uint64_t cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
}

/* The CPUs this process may run on (its affinity, not just those online). */
static int allowed_cpus(int *cpus, int max)
{
	cpu_set_t set;
	int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	for (int c = 0; c < CPU_SETSIZE && n < max; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	return n;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static int subscriber(const char *topic, int idx, const struct fan_opts *o, enum fan_mode mode,
                      struct fan_shared *sh)
{
	struct sluice_sub_opts so = {.join = SLUICE_JOIN_NEXT,
	                             .flags = mode == FAN_POLL ? SLUICE_SUB_BUSY_POLL : 0};
	uint64_t *recv = sh->recv + (size_t)idx * (size_t)o->messages;
	struct sluice_sub *s;
	uint64_t c0;
	int rc;

	if ((rc = sluice_sub_open(topic, &so, &s)) != 0)
		return rc;
	c0 = cpu_ns();
	atomic_fetch_add_explicit(&sh->ready, 1, memory_order_release);
	for (int got = 0; got < o->messages;) {
		struct sluice_msg m;
		uint64_t head;

		rc = sluice_sub_take(s, &m, 5 * 1000000000LL);
		uint64_t t = ipc_now_ns();
		if (rc)
			break;
		uint64_t i = m.seq - sh->first_seq;
		memcpy(&head, m.data, sizeof(head));
		if ((rc = sluice_sub_release(s, &m)) != 0)
			break;
		if (i >= (uint64_t)o->messages || head != m.seq) {
			rc = -EPROTO;
			break;
		}
		recv[i] = t;
		got++;
	}
	sh->cpu_ns[idx] = cpu_ns() - c0;
	sluice_sub_close(s);
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Publishes o->messages paced messages of `size` bytes; commit[i] gets the
 * time just before message i's commit, *pub its loan + commit costs. */
static int publish_all(struct sluice_pub *p, const struct fan_opts *o, size_t size,
                       uint64_t *commit, struct ipc_hist *pub, uint64_t first_seq)
{
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	for (int i = 0; i < o->messages; i++) {
		uint64_t seq = first_seq + (uint64_t)i;
		void *buf;
		int rc;

		next.tv_nsec += o->interval_us * 1000L;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		uint64_t t0 = ipc_now_ns();
		if ((rc = sluice_pub_loan(p, size, &buf, 5 * 1000000000LL)) != 0)
			return rc;
		uint64_t t1 = ipc_now_ns();
		memset(buf, (int)(seq & 0xff), size);
		memcpy(buf, &seq, sizeof(seq));
		uint64_t t2 = ipc_now_ns();
		if ((rc = sluice_pub_commit(p, 0, size)) != 0)
			return rc;
		uint64_t t3 = ipc_now_ns();
		commit[i] = t2;
		if (i >= FAN_WARMUP)
			ipc_hist_add(pub, (t1 - t0) + (t3 - t2));
	}
	return 0;
}

static int run_one(int nsubs, size_t size, enum fan_mode mode, const struct fan_opts *o,
                   struct fan_row *row)
{
	struct sluice_topic_opts to = {
	    .slot_size = (uint32_t)size, .delivery = SLUICE_LOSSLESS, .type_name = "bench.Fanout"};
	size_t shared_len =
	    sizeof(struct fan_shared) + sizeof(uint64_t) * (size_t)nsubs * (size_t)o->messages;
	struct fan_shared *sh = ipc_map_shared(shared_len);
	uint64_t *commit = calloc((size_t)o->messages, sizeof(uint64_t));
	uint64_t *lat = calloc((size_t)nsubs, sizeof(uint64_t));
	struct ipc_hist *h = calloc(3, sizeof(*h)); /* publish, first, last */
	int cpus[CPU_SETSIZE], ncpu = allowed_cpus(cpus, CPU_SETSIZE);
	cpu_set_t old_affinity;
	pid_t pid[FAN_MAX_SUBS];
	struct sluice_pub *p = NULL;
	char topic[96];
	uint64_t c0 = 0, c1 = 0, w0 = 0, w1 = 1;
	int rc = 0, started = 0;

	sched_getaffinity(0, sizeof(old_affinity), &old_affinity);
	if (!sh || !commit || !lat || !h) {
		rc = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < 3; i++)
		ipc_hist_reset(&h[i]);
	to.slot_count = 64;
	while (to.slot_count > 4 && (size_t)to.slot_count * size > (4u << 20))
		to.slot_count /= 2;
	snprintf(topic, sizeof(topic), "/sluice-bench-fanout-%d", (int)getpid());
	sluice_shm_unlink(topic);
	if ((rc = sluice_pub_open(topic, &to, &p)) != 0) {
		fprintf(stderr, "fanout: %s: %s (%s)\n", topic, sluice_strerror(rc),
		        sluice_errdetail());
		goto out;
	}
	sh->first_seq = sluice_pub_next_seq(p);
	if (mode == FAN_POLL)
		pin(cpus[0]);
	for (; started < nsubs; started++) {
		pid_t c = fork();

		if (c < 0) {
			rc = -errno;
			goto reap;
		}
		if (c == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (mode == FAN_POLL)
				pin(cpus[1 + started % (ncpu - 1)]);
			sh->err[started] = subscriber(topic, started, o, mode, sh);
			_exit(sh->err[started] ? 1 : 0);
		}
		pid[started] = c;
	}
	for (int waited = 0; atomic_load_explicit(&sh->ready, memory_order_acquire) < nsubs;
	     waited++) {
		if (waited > 5000) {
			rc = -ETIMEDOUT;
			goto reap;
		}
		usleep(1000);
	}
	c0 = cpu_ns();
	w0 = ipc_now_ns();
	rc = publish_all(p, o, size, commit, &h[0], sh->first_seq);
	c1 = cpu_ns();
	w1 = ipc_now_ns();
reap:
	for (int i = 0; i < started; i++) {
		int st = rc ? ipc_stop_pid(pid[i], 100) : -1;

		if (!rc && waitpid(pid[i], &st, 0) != pid[i])
			st = -1;
		if (!rc && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
			rc = sh->err[i] ? sh->err[i] : -ECHILD;
			fprintf(stderr, "fanout: subscriber %d failed: %s\n", i,
			        sluice_strerror(rc));
		}
	}
	if (rc)
		goto out;
	double sub_cpu = 0;
	for (int m = FAN_WARMUP; m < o->messages; m++) {
		for (int s = 0; s < nsubs; s++)
			lat[s] = sh->recv[(size_t)s * (size_t)o->messages + (size_t)m] - commit[m];
		qsort(lat, (size_t)nsubs, sizeof(*lat), cmp_u64);
		ipc_hist_add(&h[1], lat[0]);
		ipc_hist_add(&h[2], lat[nsubs - 1]);
	}
	for (int s = 0; s < nsubs; s++)
		sub_cpu += (double)sh->cpu_ns[s];
	*row = (struct fan_row){
	    .subs = nsubs,
	    .size = size,
	    .mode = mode,
	    .messages = o->messages - FAN_WARMUP,
	    .pub_p50 = ipc_hist_pct(&h[0], 0.5),
	    .pub_p99 = ipc_hist_pct(&h[0], 0.99),
	    .pub_p999 = ipc_hist_pct(&h[0], 0.999),
	    .first_p50 = ipc_hist_pct(&h[1], 0.5),
	    .first_p99 = ipc_hist_pct(&h[1], 0.99),
	    .first_p999 = ipc_hist_pct(&h[1], 0.999),
	    .last_p50 = ipc_hist_pct(&h[2], 0.5),
	    .last_p99 = ipc_hist_pct(&h[2], 0.99),
	    .last_p999 = ipc_hist_pct(&h[2], 0.999),
	    .sub_cpu_pct = 100.0 * sub_cpu / nsubs / (double)(w1 - w0),
	    .pub_cpu_pct = 100.0 * (double)(c1 - c0) / (double)(w1 - w0),
	};
out:
	if (mode == FAN_POLL)
		sched_setaffinity(0, sizeof(old_affinity), &old_affinity);
	if (p) {
		sluice_pub_close(p);
		sluice_shm_unlink(topic);
	}
	if (sh)
		munmap(sh, shared_len);
	free(commit);
	free(lat);
	free(h);
	return rc;
}

static const char *mode_name(enum fan_mode m)
{
	return m == FAN_POLL ? "poll" : "sleep";
}

static void fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns < 10000)
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	else if (ns < 10000000)
		snprintf(buf, len, "%.1f us", (double)ns / 1e3);
	else
		snprintf(buf, len, "%.1f ms", (double)ns / 1e6);
}

static void print_table(FILE *f, const struct fan_row *r, int n)
{
	fprintf(f, "%4s %7s %5s | %9s | %9s %9s %9s | %9s %9s %9s | %7s %7s\n", "subs", "size",
	        "mode", "pub p50", "first p50", "p99", "p99.9", "last p50", "p99", "p99.9",
	        "cpu/sub", "cpu pub");
	for (int i = 0; i < n; i++) {
		char v[10][16];
		uint64_t x[] = {r[i].pub_p50,  r[i].first_p50, r[i].first_p99, r[i].first_p999,
		                r[i].last_p50, r[i].last_p99,  r[i].last_p999};

		for (int k = 0; k < 7; k++)
			fmt_ns(v[k], sizeof(v[k]), x[k]);
		fprintf(f, "%4d %7zu %5s | %9s | %9s %9s %9s | %9s %9s %9s | %6.1f%% %6.1f%%\n",
		        r[i].subs, r[i].size, mode_name(r[i].mode), v[0], v[1], v[2], v[3], v[4],
		        v[5], v[6], r[i].sub_cpu_pct, r[i].pub_cpu_pct);
	}
}

static void write_json(FILE *f, const struct fan_row *r, int n)
{
	fprintf(f, "[");
	for (int i = 0; i < n; i++)
		fprintf(
		    f,
		    "%s\n  {\"subscribers\": %d, \"size\": %zu, \"mode\": \"%s\", "
		    "\"messages\": %d, \"publish_ns_p50\": %llu, \"publish_ns_p99\": %llu, "
		    "\"publish_ns_p999\": %llu, \"first_p50_ns\": %llu, \"first_p99_ns\": %llu, "
		    "\"first_p999_ns\": %llu, \"last_p50_ns\": %llu, \"last_p99_ns\": %llu, "
		    "\"last_p999_ns\": %llu, \"sub_cpu_pct\": %.2f, \"pub_cpu_pct\": %.2f}",
		    i ? "," : "", r[i].subs, r[i].size, mode_name(r[i].mode), r[i].messages,
		    (unsigned long long)r[i].pub_p50, (unsigned long long)r[i].pub_p99,
		    (unsigned long long)r[i].pub_p999, (unsigned long long)r[i].first_p50,
		    (unsigned long long)r[i].first_p99, (unsigned long long)r[i].first_p999,
		    (unsigned long long)r[i].last_p50, (unsigned long long)r[i].last_p99,
		    (unsigned long long)r[i].last_p999, r[i].sub_cpu_pct, r[i].pub_cpu_pct);
	fprintf(f, "\n]\n");
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: sluice-bench fanout [options]\n"
	        "  --subs LIST         subscriber counts (default 1,2,4,8; at most %d)\n"
	        "  --sizes LIST        message sizes in bytes (default 64,65536)\n"
	        "  --modes LIST        sleep,poll (default both; poll only where the\n"
	        "                      publisher and every subscriber have a CPU each)\n"
	        "  --messages N        messages per run, the first %d not counted (default 20000)\n"
	        "  --interval-us N     publish one message every N us (default 100)\n"
	        "  --smoke             a short run (1,2 subscribers, 600 messages)\n"
	        "  --json PATH         also write the rows as a JSON array ('-': stdout,\n"
	        "                      the table then goes to stderr)\n",
	        FAN_MAX_SUBS, FAN_WARMUP);
}

static int parse_ints(char *s, long *out, int max, long lo, long hi)
{
	int n = 0;

	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		char *end;
		long v = strtol(tok, &end, 10);

		if (*end || v < lo || v > hi || n == max)
			return -1;
		out[n++] = v;
	}
	return n;
}

static int parse_opts(int argc, char **argv, struct fan_opts *o)
{
	static const struct option lo[] = {{"subs", required_argument, 0, 's'},
	                                   {"sizes", required_argument, 0, 'z'},
	                                   {"modes", required_argument, 0, 'm'},
	                                   {"messages", required_argument, 0, 'n'},
	                                   {"interval-us", required_argument, 0, 'i'},
	                                   {"json", required_argument, 0, 'j'},
	                                   {"smoke", no_argument, 0, 'k'},
	                                   {"help", no_argument, 0, 'h'},
	                                   {0, 0, 0, 0}};
	long v[8];
	int c, n;

	*o = (struct fan_opts){.subs = {1, 2, 4, 8},
	                       .nsubs = 4,
	                       .sizes = {64, 65536},
	                       .nsizes = 2,
	                       .modes = 3,
	                       .messages = 20000,
	                       .interval_us = 100};
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			if ((n = parse_ints(optarg, v, 8, 1, FAN_MAX_SUBS)) <= 0)
				goto bad;
			for (int i = 0; i < n; i++)
				o->subs[i] = (int)v[i];
			o->nsubs = n;
			break;
		case 'z':
			if ((n = parse_ints(optarg, v, 8, 16, 16 << 20)) <= 0)
				goto bad;
			for (int i = 0; i < n; i++)
				o->sizes[i] = (size_t)v[i];
			o->nsizes = n;
			break;
		case 'm':
			o->modes = 0;
			for (char *tok = strtok(optarg, ","); tok; tok = strtok(NULL, ",")) {
				if (!strcmp(tok, "sleep"))
					o->modes |= 1 << FAN_SLEEP;
				else if (!strcmp(tok, "poll"))
					o->modes |= 1 << FAN_POLL;
				else
					goto bad;
			}
			break;
		case 'n':
			o->messages = atoi(optarg);
			if (o->messages <= FAN_WARMUP)
				goto bad;
			break;
		case 'i':
			o->interval_us = atoi(optarg);
			if (o->interval_us < 0 || o->interval_us > 1000000)
				goto bad;
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'k':
			o->subs[0] = 1;
			o->subs[1] = 2;
			o->nsubs = 2;
			o->messages = 600;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			goto bad;
		}
	}
	if (optind == argc)
		return 0;
bad:
	usage(stderr);
	return -1;
}

static int cmd_fanout(int argc, char **argv)
{
	struct fan_opts o;
	struct fan_row rows[2 * 8 * 8];
	int cpus[CPU_SETSIZE], ncpu = allowed_cpus(cpus, CPU_SETSIZE);
	int n = 0, failed = 0, rc = parse_opts(argc, argv, &o);
	FILE *table = o.json && !strcmp(o.json, "-") ? stderr : stdout;

	if (rc)
		return rc > 0 ? 0 : 2;
	for (int mode = FAN_SLEEP; mode <= FAN_POLL; mode++) {
		if (!(o.modes & (1 << mode)))
			continue;
		for (int s = 0; s < o.nsubs; s++) {
			if (mode == FAN_POLL && o.subs[s] + 1 > ncpu) {
				fprintf(
				    stderr,
				    "fanout: poll with %d subscriber%s skipped: it needs %d CPUs "
				    "(publisher + subscribers), this process may use %d\n",
				    o.subs[s], o.subs[s] > 1 ? "s" : "", o.subs[s] + 1, ncpu);
				continue;
			}
			for (int z = 0; z < o.nsizes; z++) {
				rc = run_one(o.subs[s], o.sizes[z], (enum fan_mode)mode, &o,
				             &rows[n]);
				if (rc) {
					fprintf(stderr, "fanout: %d subscribers, %zu B, %s: %s\n",
					        o.subs[s], o.sizes[z],
					        mode_name((enum fan_mode)mode),
					        sluice_strerror(rc));
					failed = 1;
					continue;
				}
				n++;
			}
		}
	}
	fprintf(table,
	        "fanout: 1 publisher -> N subscriber processes, one lossless topic, a message "
	        "every %d us, %d counted per row\n"
	        "  pub = loan + commit (fill excluded); first/last = commit to the earliest/latest "
	        "subscriber's take\n",
	        o.interval_us, o.messages - FAN_WARMUP);
	print_table(table, rows, n);
	if (o.json) {
		FILE *f = strcmp(o.json, "-") ? fopen(o.json, "w") : stdout;

		if (!f) {
			fprintf(stderr, "fanout: cannot write %s: %s\n", o.json, strerror(errno));
			return 1;
		}
		write_json(f, rows, n);
		if (f != stdout)
			fclose(f);
		else
			fflush(f);
	}
	return failed;
}

SLUICE_BENCH(fanout, "one publisher, 1-8 subscriber processes: publish cost, first/last latency",
             cmd_fanout)
