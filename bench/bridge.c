/* bridge.c - `sluice-bench bridge`: what `sluice bridge` costs over raw
 * Cyclone DDS, on loopback, in one run:
 *  - round trip of 64 B and 1 KiB: local topic -> bridge -> DDS -> bridge ->
 *    local topic -> echo -> and back the same way, beside a ping-pong
 *    between two plain Cyclone DDS processes with the same configuration,
 *    the same envelope type and the same QoS (RELIABLE, KEEP_ALL);
 *  - throughput of 1 KiB messages local -> bridge -> DDS -> bridge -> local,
 *    beside a raw Cyclone writer that batches (dds_write_set_batch, a flush
 *    every --raw-flush writes, default 16, and whenever the history is
 *    full) into a plain reader; and the bridges' CPU per message.
 * Rounds alternate raw and bridged and the medians are reported, because
 * this machine's timings drift (DESIGN.md, "Measuring on this machine"). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#ifndef SLUICE_BENCH_CYCLONEDDS
static int bridge_bench(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("sluice-bench bridge: skipped: built without Cyclone DDS (cyclonedds-dev)\n");
	return 0;
}
#else
#include <dds/dds.h>

#include "bridge_envelope.h"
#include "sluice/channel.h"

#define SLOT 2048
#define ROUNDS_MAX 9

/* Loopback only: lo, no multicast, 127.0.0.1 the one peer. */
static const char loopback_xml[] =
	"<CycloneDDS xmlns=\"https://cdds.io/config\"><Domain Id=\"any\"><General>"
	"<Interfaces><NetworkInterface name=\"lo\"/></Interfaces>"
	"<AllowMulticast>false</AllowMulticast></General><Discovery>"
	"<ParticipantIndex>auto</ParticipantIndex>"
	"<MaxAutoParticipantIndex>16</MaxAutoParticipantIndex>"
	"<Peers><Peer Address=\"127.0.0.1\"/></Peers></Discovery></Domain></CycloneDDS>";

struct cfg {
	long count, thr_count, raw_flush;
	int rounds, domain;
	char sluice[PATH_MAX];
	char xml_path[64];
	char base[32]; /* unique topic stem */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			double t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n ? v[n / 2] : 0;
}

static pid_t child(void)
{
	pid_t p = fork();

	if (p == 0)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	return p;
}

/* What sluice bridge's reader holds of a lossless topic of 64 slots of
 * SLOT bytes (bridge_reader_depth in tools/sluice/bridge.c): 8 MiB of
 * slots, at most 8192 samples. */
#define READER_DEPTH ((8 << 20) / SLOT < 8192 ? (8 << 20) / SLOT : 8192)

static dds_qos_t *lossless_qos(int writer)
{
	dds_qos_t *q = dds_create_qos();
	int32_t depth = writer ? 64 : READER_DEPTH;

	/* what sluice bridge gives a lossless topic of 64 slots */
	dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_MSECS(100));
	dds_qset_history(q, DDS_HISTORY_KEEP_ALL, 0);
	dds_qset_resource_limits(q, depth, DDS_LENGTH_UNLIMITED, depth);
	dds_qset_durability(q, DDS_DURABILITY_TRANSIENT_LOCAL);
	if (writer)
		dds_qset_durability_service(q, 0, DDS_HISTORY_KEEP_LAST, 64, DDS_LENGTH_UNLIMITED,
					    DDS_LENGTH_UNLIMITED, DDS_LENGTH_UNLIMITED);
	return q;
}

/* A participant of its own (call after fork: Cyclone's threads do not
 * survive one), with a writer on `wname` and a reader on `rname`. */
static dds_entity_t raw_join(const struct cfg *c, const char *wname, const char *rname,
			     dds_entity_t *wr, dds_entity_t *rd)
{
	dds_entity_t pp, tw, tr;
	dds_qos_t *q;

	if (dds_create_domain((dds_domainid_t)c->domain, loopback_xml) < 0)
		return -1;
	pp = dds_create_participant((dds_domainid_t)c->domain, NULL, NULL);
	if (pp < 0)
		return pp;
	*wr = *rd = 0;
	if (wname) {
		tw = dds_create_topic(pp, &sluice_bridge_Envelope_desc, wname, NULL, NULL);
		q = lossless_qos(1);
		*wr = dds_create_writer(pp, tw, q, NULL);
		dds_delete_qos(q);
	}
	if (rname) {
		tr = dds_create_topic(pp, &sluice_bridge_Envelope_desc, rname, NULL, NULL);
		q = lossless_qos(0);
		*rd = dds_create_reader(pp, tr, q, NULL);
		dds_delete_qos(q);
		dds_set_status_mask(*rd, DDS_DATA_AVAILABLE_STATUS);
	}
	return (*wr < 0 || *rd < 0) ? -1 : pp;
}

static int raw_write(dds_entity_t wr, const void *p, size_t len, uint64_t seq, uint64_t stamp)
{
	sluice_bridge_Envelope e = {0};
	dds_return_t r;

	e.type_name = "bytes";
	e.seq = seq;
	e.stamp_ns = stamp;
	e.payload._buffer = (uint8_t *)p;
	e.payload._length = e.payload._maximum = (uint32_t)len;
	/* a full history: send what is batched, so that acks can come */
	while ((r = dds_write(wr, &e)) == DDS_RETCODE_TIMEOUT)
		dds_write_flush(wr);
	return r;
}

/* Takes what is there; calls fn for each sample; returns how many. */
static int raw_take(dds_entity_t rd, void (*fn)(const sluice_bridge_Envelope *, void *),
		    void *arg)
{
	void *s[64] = {0};
	dds_sample_info_t inf[64];
	int n = dds_take(rd, s, inf, 64, 64), k = 0;

	for (int i = 0; i < n; i++)
		if (inf[i].valid_data) {
			fn(s[i], arg);
			k++;
		}
	if (n > 0)
		dds_return_loan(rd, s, n);
	return k;
}

static void wait_matched(dds_entity_t wr)
{
	dds_publication_matched_status_t m = {0};

	for (uint64_t t0 = now_ns(); now_ns() - t0 < 20000000000ull && !m.current_count;
	     sleep_ms(5))
		dds_get_publication_matched_status(wr, &m);
}

struct pong_arg {
	dds_entity_t wr;
};

static void pong_one(const sluice_bridge_Envelope *e, void *arg)
{
	struct pong_arg *a = arg;

	raw_write(a->wr, e->payload._buffer, e->payload._length, e->seq, 0);
}

/* The raw pong process: every ping back as it came. */
static void raw_ponger(const struct cfg *c, const char *ping, const char *pong)
{
	struct pong_arg a;
	dds_entity_t rd, pp = raw_join(c, pong, ping, &a.wr, &rd), ws;

	if (pp < 0)
		_exit(1);
	ws = dds_create_waitset(pp);
	dds_waitset_attach(ws, rd, 0);
	for (;;) {
		if (!raw_take(rd, pong_one, &a))
			dds_waitset_wait(ws, NULL, 0, DDS_MSECS(100));
	}
}

struct got {
	uint64_t want;
	int seen;
};

static void got_one(const sluice_bridge_Envelope *e, void *arg)
{
	struct got *g = arg;

	if (e->seq == g->want)
		g->seen = 1;
}

/* Round trips between two plain Cyclone processes: p50 and p99 in ns. */
static int raw_rtt(const struct cfg *c, size_t len, double *p50, double *p99)
{
	char ping[64], pong[64];
	unsigned char buf[SLOT] = {0};
	uint64_t *rtt = calloc((size_t)c->count, sizeof(*rtt));
	dds_entity_t wr, rd, pp, ws;
	pid_t kid;
	int rc = -1;

	snprintf(ping, sizeof(ping), "raw_%s_ping", c->base);
	snprintf(pong, sizeof(pong), "raw_%s_pong", c->base);
	if (!rtt)
		return -1;
	if ((kid = child()) == 0)
		raw_ponger(c, ping, pong);
	/* Cyclone starts threads: a forked child makes its own participant, so
	 * the parent's is made in a child too (one per measurement). */
	int fd[2];
	if (pipe(fd) != 0)
		return -1;
	pid_t me = child();
	if (me == 0) {
		struct got g = {0, 0};

		close(fd[0]);
		if ((pp = raw_join(c, ping, pong, &wr, &rd)) < 0)
			_exit(1);
		ws = dds_create_waitset(pp);
		dds_waitset_attach(ws, rd, 0);
		wait_matched(wr);
		for (long i = -100; i < c->count; i++) {
			uint64_t t0 = now_ns();

			g.want = (uint64_t)(i + 100);
			g.seen = 0;
			memcpy(buf, &g.want, 8);
			raw_write(wr, buf, len, g.want, 0);
			while (!g.seen) {
				if (!raw_take(rd, got_one, &g))
					dds_waitset_wait(ws, NULL, 0, DDS_MSECS(200));
				if (now_ns() - t0 > 5000000000ull)
					_exit(2);
			}
			if (i >= 0)
				rtt[i] = now_ns() - t0;
		}
		qsort(rtt, (size_t)c->count, sizeof(*rtt), cmp_u64);
		uint64_t r[2] = {rtt[c->count / 2], rtt[c->count * 99 / 100]};
		if (write(fd[1], r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	uint64_t r[2];
	if (read(fd[0], r, sizeof(r)) == sizeof(r)) {
		*p50 = (double)r[0];
		*p99 = (double)r[1];
		rc = 0;
	}
	close(fd[0]);
	waitpid(me, NULL, 0);
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	free(rtt);
	return rc;
}

/* --- bridged ------------------------------------------------------------ */

static pid_t start_bridge(const struct cfg *c, char *const *args)
{
	char dom[16];
	char *argv[16];
	int n = 0;
	pid_t p;

	snprintf(dom, sizeof(dom), "%d", c->domain);
	argv[n++] = (char *)c->sluice;
	argv[n++] = "bridge";
	argv[n++] = "--domain";
	argv[n++] = dom;
	argv[n++] = "--config";
	argv[n++] = (char *)c->xml_path;
	while (*args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	if ((p = child()) == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 2);
		execv(c->sluice, argv);
		_exit(127);
	}
	return p;
}

static int open_sub(const char *topic, struct sluice_sub **sub, long wait_ms)
{
	struct sluice_sub_opts so = {0};

	so.join = SLUICE_JOIN_OLDEST;
	for (long t = 0; t < wait_ms; t += 5) {
		if (sluice_sub_open(topic, &so, sub) == 0)
			return 0;
		sleep_ms(5);
	}
	return -1;
}

static int open_pub(const char *topic, struct sluice_pub **pub)
{
	struct sluice_topic_opts o = {0};

	o.slot_size = SLOT;
	o.slot_count = 64;
	return sluice_pub_open(topic, &o, pub);
}

/* The echo at the far end: every ping back on its pong topic. */
static void echo_proc(const char *in, const char *out)
{
	struct sluice_sub *sub;
	struct sluice_pub *pub;
	unsigned char buf[SLOT];

	if (open_pub(out, &pub) != 0 || open_sub(in, &sub, 30000) != 0)
		_exit(1);
	for (;;) {
		struct sluice_msg m;
		int n = sluice_sub_take_copy(sub, buf, sizeof(buf), &m, -1);

		if (n > 0)
			sluice_pub_publish(pub, buf, (size_t)n, -1);
		else if (n != -EAGAIN && n != -ETIMEDOUT)
			sleep_ms(1);
	}
}

struct rig {
	pid_t near, far, echo;
	char ping[96], far_ping[96], pong[96], near_pong[96], thr[96], far_thr[96];
	struct sluice_pub *ping_pub, *thr_pub;
	struct sluice_sub *pong_sub;
};

/* Bridge "near" sends ping and thr, takes pong in; bridge "far" takes ping
 * and thr in (as far.*) and sends the echo's pong. */
static int rig_start(const struct cfg *c, struct rig *r)
{
	snprintf(r->ping, sizeof(r->ping), "/%s.ping", c->base);
	snprintf(r->far_ping, sizeof(r->far_ping), "/far.%s.ping", c->base);
	snprintf(r->pong, sizeof(r->pong), "/echo.%s.pong", c->base);
	snprintf(r->near_pong, sizeof(r->near_pong), "/near.echo.%s.pong", c->base);
	snprintf(r->thr, sizeof(r->thr), "/%s.thr", c->base);
	snprintf(r->far_thr, sizeof(r->far_thr), "/far.%s.thr", c->base);
	if (open_pub(r->ping, &r->ping_pub) != 0 || open_pub(r->thr, &r->thr_pub) != 0)
		return -1;
	if ((r->echo = child()) == 0)
		echo_proc(r->far_ping, r->pong);
	char *near_args[] = {"--out", r->ping, "--out", r->thr, "--in", r->pong + 1,
			     "--prefix", "near.", NULL};
	char *far_args[] = {"--in", r->ping + 1, "--in", r->thr + 1, "--out", r->pong,
			    "--prefix", "far.", NULL};
	r->near = start_bridge(c, near_args);
	r->far = start_bridge(c, far_args);
	return 0;
}

static void rig_stop(struct rig *r)
{
	pid_t p[3] = {r->near, r->far, r->echo};

	for (int i = 0; i < 3; i++)
		if (p[i] > 0) {
			kill(p[i], i < 2 ? SIGTERM : SIGKILL);
			waitpid(p[i], NULL, 0);
		}
	if (r->ping_pub)
		sluice_pub_close(r->ping_pub);
	if (r->thr_pub)
		sluice_pub_close(r->thr_pub);
	if (r->pong_sub)
		sluice_sub_close(r->pong_sub);
	const char *names[] = {r->ping, r->far_ping, r->pong, r->near_pong, r->thr, r->far_thr};
	for (int i = 0; i < 6; i++) {
		char path[128];

		snprintf(path, sizeof(path), "/dev/shm%s", names[i]);
		unlink(path);
	}
}

/* One ping through both bridges and back: waits for the pong carrying
 * the same counter.  0, or -1 after 5 s. */
static int ping_once(struct rig *r, uint64_t k, size_t len, long timeout_ms)
{
	unsigned char buf[SLOT] = {0};
	uint64_t t0 = now_ns();

	memcpy(buf, &k, 8);
	if (sluice_pub_publish(r->ping_pub, buf, len, -1) != 0)
		return -1;
	for (;;) {
		struct sluice_msg m;
		uint64_t got = 0;
		int n;

		if (!r->pong_sub && open_sub(r->near_pong, &r->pong_sub, 1) != 0) {
			sleep_ms(1);
			n = -EAGAIN;
		} else {
			n = sluice_sub_take_copy(r->pong_sub, buf, sizeof(buf), &m, 100000000);
		}
		if (n >= 8) {
			memcpy(&got, buf, 8);
			if (got == k)
				return 0;
		}
		if (now_ns() - t0 > (uint64_t)timeout_ms * 1000000u)
			return -1;
	}
}

static int bridged_rtt(const struct cfg *c, struct rig *r, size_t len, uint64_t *k, double *p50,
		       double *p99)
{
	uint64_t *rtt = calloc((size_t)c->count, sizeof(*rtt));

	if (!rtt)
		return -1;
	for (long i = -100; i < c->count; i++) {
		uint64_t t0 = now_ns();

		if (ping_once(r, ++*k, len, 5000) != 0) {
			free(rtt);
			return -1;
		}
		if (i >= 0)
			rtt[i] = now_ns() - t0;
	}
	qsort(rtt, (size_t)c->count, sizeof(*rtt), cmp_u64);
	*p50 = (double)rtt[c->count / 2];
	*p99 = (double)rtt[c->count * 99 / 100];
	free(rtt);
	return 0;
}

/* CPU time (user + system) of a process so far, in ns. */
static uint64_t cpu_ns(pid_t p)
{
	char path[64], line[1024], *s;
	unsigned long long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)p);
	if (!(f = fopen(path, "r")))
		return 0;
	s = fgets(line, sizeof(line), f);
	fclose(f);
	if (!s || !(s = strrchr(line, ')')))
		return 0;
	/* after ") state": fields 3.. ; utime is field 14, stime 15 */
	if (sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return (ut + st) * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK));
}

/* 1 KiB messages through both bridges: messages per second, and the two
 * bridges' CPU ns per message. */
static int bridged_thr(const struct cfg *c, struct rig *r, double *rate, double *cpu)
{
	int fd[2];
	unsigned char buf[1024] = {0};
	pid_t rx;
	char b;

	if (pipe(fd) != 0)
		return -1;
	if ((rx = child()) == 0) {
		struct sluice_sub *sub;
		unsigned char in[SLOT];
		long got = 0;

		close(fd[0]);
		if (open_sub(r->far_thr, &sub, 30000) != 0)
			_exit(1);
		/* the first (warm-up) message, then the count */
		while (sluice_sub_take_copy(sub, in, sizeof(in), NULL, -1) < 0)
			;
		if (write(fd[1], "r", 1) != 1)
			_exit(1);
		while (got < c->thr_count)
			if (sluice_sub_take_copy(sub, in, sizeof(in), NULL, -1) > 0)
				got++;
		if (write(fd[1], "d", 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	sluice_pub_publish(r->thr_pub, buf, sizeof(buf), -1);
	if (read(fd[0], &b, 1) != 1)
		return -1;
	uint64_t c0 = cpu_ns(r->near) + cpu_ns(r->far), t0 = now_ns();
	for (long i = 0; i < c->thr_count; i++)
		sluice_pub_publish(r->thr_pub, buf, sizeof(buf), -1);
	if (read(fd[0], &b, 1) != 1)
		return -1;
	uint64_t t1 = now_ns(), c1 = cpu_ns(r->near) + cpu_ns(r->far);
	close(fd[0]);
	waitpid(rx, NULL, 0);
	*rate = (double)c->thr_count * 1e9 / (double)(t1 - t0);
	*cpu = (double)(c1 - c0) / (double)c->thr_count;
	return 0;
}

struct thr_rx {
	long got;
	uint64_t first_stamp, last_ns;
};

static void count_one(const sluice_bridge_Envelope *e, void *arg)
{
	struct thr_rx *a = arg;

	if (e->seq == 1)
		a->first_stamp = e->stamp_ns; /* when the writer began */
	if (e->seq >= 1)
		a->got++;
	a->last_ns = now_ns();
}

/* A raw Cyclone writer, batched, into a plain reader; the time is from the
 * writer's first counted write to the reader's last sample (the monotonic
 * clock is the machine's). */
static int raw_thr(const struct cfg *c, double *rate)
{
	char name[64];
	int fd[2];
	pid_t rx, tx;
	uint64_t r = 0;

	snprintf(name, sizeof(name), "raw_%s_thr", c->base);
	if (pipe(fd) != 0)
		return -1;
	if ((rx = child()) == 0) {
		struct thr_rx a = {0, 0, 0};
		dds_entity_t wr, rd, pp = raw_join(c, NULL, name, &wr, &rd), ws;

		close(fd[0]);
		if (pp < 0)
			_exit(1);
		ws = dds_create_waitset(pp);
		dds_waitset_attach(ws, rd, 0);
		while (a.got < c->thr_count)
			if (!raw_take(rd, count_one, &a))
				dds_waitset_wait(ws, NULL, 0, DDS_MSECS(100));
		uint64_t dt = a.last_ns - a.first_stamp;
		if (write(fd[1], &dt, sizeof(dt)) != sizeof(dt))
			_exit(1);
		dds_delete(pp);
		_exit(0);
	}
	close(fd[1]);
	if ((tx = child()) == 0) {
		unsigned char buf[1024] = {0};
		dds_entity_t wr, rd, pp = raw_join(c, name, NULL, &wr, &rd);

		close(fd[0]);
		if (pp < 0)
			_exit(1);
		wait_matched(wr);
		raw_write(wr, buf, sizeof(buf), 0, 0); /* warm-up */
		dds_wait_for_acks(wr, DDS_SECS(10));
		dds_write_set_batch(true);
		uint64_t t0 = now_ns();
		for (long i = 0; i < c->thr_count; i++) {
			raw_write(wr, buf, sizeof(buf), (uint64_t)i + 1, t0);
			if (i % c->raw_flush == c->raw_flush - 1)
				dds_write_flush(wr);
		}
		dds_write_flush(wr);
		pause(); /* until the reader has it all and this is killed */
		_exit(0);
	}
	int ok = read(fd[0], &r, sizeof(r)) == sizeof(r);
	close(fd[0]);
	waitpid(rx, NULL, 0);
	kill(tx, SIGKILL);
	waitpid(tx, NULL, 0);
	if (!ok || !r)
		return -1;
	*rate = (double)c->thr_count * 1e9 / (double)r;
	return 0;
}

static int parse(int argc, char **argv, struct cfg *c)
{
	for (int i = 1; i < argc; i++) {
		long v;
		char *end;

		if (i + 1 >= argc)
			goto bad;
		v = strtol(argv[i + 1], &end, 10);
		if (*end || v < 1)
			goto bad;
		if (!strcmp(argv[i], "--count"))
			c->count = v;
		else if (!strcmp(argv[i], "--thr-count"))
			c->thr_count = v;
		else if (!strcmp(argv[i], "--raw-flush") && v <= 64)
			c->raw_flush = v;
		else if (!strcmp(argv[i], "--rounds") && v <= ROUNDS_MAX)
			c->rounds = (int)v;
		else if (!strcmp(argv[i], "--domain") && v <= 232)
			c->domain = (int)v;
		else
			goto bad;
		i++;
	}
	return 0;
bad:
	fprintf(stderr, "usage: sluice-bench bridge [--count N] [--thr-count N] [--raw-flush N<=64]\n"
			"                           [--rounds R<=%d] [--domain D]\n", ROUNDS_MAX);
	return 2;
}

static int find_sluice(struct cfg *c)
{
	const char *env = getenv("SLUICE");
	char self[PATH_MAX];
	ssize_t n;

	if (env) {
		snprintf(c->sluice, sizeof(c->sluice), "%s", env);
		return access(c->sluice, X_OK);
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -1;
	self[n] = 0;
	*strrchr(self, '/') = 0;
	snprintf(c->sluice, sizeof(c->sluice), "%.*s/sluice", (int)(sizeof(c->sluice) - 8), self);
	return access(c->sluice, X_OK);
}

static int bridge_bench(int argc, char **argv)
{
	struct cfg c = {2000, 20000, 16, 3, (int)(getpid() % 200) + 1, "", "", ""};
	double rp50[2][ROUNDS_MAX], rp99[2][ROUNDS_MAX], bp50[2][ROUNDS_MAX], bp99[2][ROUNDS_MAX];
	double rthr[ROUNDS_MAX], bthr[ROUNDS_MAX], bcpu[ROUNDS_MAX];
	const size_t sizes[2] = {64, 1024};
	struct rig r = {0};
	uint64_t k = 0;
	int rc = 1, fd;

	if (parse(argc, argv, &c) != 0)
		return 2;
	if (find_sluice(&c) != 0) {
		printf("sluice-bench bridge: skipped: no sluice beside sluice-bench (or $SLUICE)\n");
		return 0;
	}
	snprintf(c.base, sizeof(c.base), "bb%d", (int)getpid());
	snprintf(c.xml_path, sizeof(c.xml_path), "/tmp/sluice-bench-dds-XXXXXX");
	if ((fd = mkstemp(c.xml_path)) < 0 ||
	    write(fd, loopback_xml, sizeof(loopback_xml) - 1) != (ssize_t)sizeof(loopback_xml) - 1)
		return 1;
	close(fd);
	if (rig_start(&c, &r) != 0 || ping_once(&r, ++k, 64, 30000) != 0) {
		fprintf(stderr, "sluice-bench bridge: the bridges did not come up\n");
		goto out;
	}
	printf("sluice-bench bridge: loopback, domain %d, %ld round trips per size and round, "
	       "%ld x 1 KiB for throughput, %d rounds (raw and bridged alternate)\n",
	       c.domain, c.count, c.thr_count, c.rounds);
	fflush(stdout);
	for (int round = 0; round < c.rounds; round++) {
		for (int s = 0; s < 2; s++) {
			if (raw_rtt(&c, sizes[s], &rp50[s][round], &rp99[s][round]) != 0 ||
			    bridged_rtt(&c, &r, sizes[s], &k, &bp50[s][round], &bp99[s][round]) != 0) {
				fprintf(stderr, "sluice-bench bridge: a round trip timed out\n");
				goto out;
			}
		}
		if (raw_thr(&c, &rthr[round]) != 0 || bridged_thr(&c, &r, &bthr[round], &bcpu[round])) {
			fprintf(stderr, "sluice-bench bridge: a throughput run failed\n");
			goto out;
		}
	}
	printf("\n%-30s %12s %12s %12s %12s %8s\n", "round trip (median of rounds)", "raw p50 us",
	       "raw p99 us", "bridge p50", "bridge p99", "p50 x");
	for (int s = 0; s < 2; s++) {
		double a = median(rp50[s], c.rounds), b = median(rp99[s], c.rounds);
		double d = median(bp50[s], c.rounds), e = median(bp99[s], c.rounds);

		printf("%-30zu %12.1f %12.1f %12.1f %12.1f %8.2f\n", sizes[s], a / 1e3, b / 1e3,
		       d / 1e3, e / 1e3, d / a);
	}
	double rt = median(rthr, c.rounds), bt = median(bthr, c.rounds);
	printf("\n%-30s %12s %12s %8s %16s\n", "throughput 1 KiB", "raw msg/s", "bridge msg/s",
	       "ratio", "bridge CPU/msg");
	printf("%-30s %12.0f %12.0f %8.2f %13.1f us\n", "(batched writer vs bridges)", rt, bt,
	       bt / rt, median(bcpu, c.rounds) / 1e3);
	rc = 0;
out:
	rig_stop(&r);
	unlink(c.xml_path);
	return rc;
}
#endif

SLUICE_BENCH(bridge, "sluice bridge over Cyclone DDS vs raw Cyclone: round trip, throughput",
	     bridge_bench)
