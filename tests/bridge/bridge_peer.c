/* bridge_peer.c - the other ends the bridge tests need:
 *   pub TOPIC N [--start S] [--rate HZ] [--gate FAR]  a local lossless
 *        sluice.msg.Pose topic; waits for a subscriber, publishes poses with
 *        header.seq S..S+N-1 (after the first, waits for FAR to have a
 *        subscriber), waits until they are read
 *   check TOPIC N [--first F] [--timeout S] [--slow US]  reads N poses from a
 *        local topic (waiting for it) and requires header.seq F, F+1, ... :
 *        none lost, none twice, in order; --slow: sleeps US microseconds
 *        after each (a slow subscriber)
 *   dds-read DDS_TOPIC N CONFIG DOMAIN [--ready FILE]  a plain Cyclone DDS
 *        participant (no sluice on this end) reads the Schema sample and N
 *        envelopes; makes FILE once the first has come
 *   (pub --gate-file FILE: after the first message, waits for FILE)
 *   dds-write DDS_TOPIC N CONFIG DOMAIN [--bad] [--gate LOCAL]  a plain
 *        Cyclone DDS participant announces a Pose topic and writes N
 *        envelopes; --bad adds a wrong-type, a wrong-hash and a truncated
 *        envelope before every tenth good one; --gate: after the first,
 *        waits for local topic LOCAL to have a subscriber (the test's)
 * Exit status 0 when what was asked for happened, 1 otherwise (it says why). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dds/dds.h>

#include "bridge_envelope.h"
#include "pose_sluice.h"
#include "sluice/channel.h"
#include "sluice/error.h"

#define POSE_TYPE "sluice.msg.Pose"
#define POSE_HASH 0x53504f5345000001ull /* any fixed value both ends agree on */
#define SLOT 1024

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
	nanosleep(&ts, NULL);
}

static int fail(const char *fmt, const char *a, long b)
{
	fprintf(stderr, "bridge_peer: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return 1;
}

/* A pose whose header.seq is seq, built into buf; returns its length. */
static size_t build_pose(void *buf, size_t cap, uint64_t seq, size_t *off)
{
	sluice_fb_builder b;
	sluice_fb_msg m;
	sluice_fb_ref h, r;
	sluice_msg_Vec3 p = {(double)seq, 2.0, 0.0};

	sluice_fb_builder_init(&b, buf, cap);
	h = sluice_msg_Header_create(&b, now_ns(), sluice_fb_string(&b, "map", 3), seq);
	sluice_msg_Pose_start(&b);
	sluice_msg_Pose_add_header(&b, h);
	sluice_msg_Pose_add_position(&b, &p);
	sluice_msg_Pose_add_yaw(&b, 0.25);
	r = sluice_msg_Pose_end(&b);
	if (sluice_msg_Pose_finish(&b, r, &m) != 0)
		return 0;
	*off = m.offset;
	return m.length;
}

static int arg_u64(int argc, char **argv, const char *opt, uint64_t def)
{
	for (int i = 0; i + 1 < argc; i++)
		if (!strcmp(argv[i], opt))
			return (int)strtoull(argv[i + 1], NULL, 10);
	return (int)def;
}

/* Waits (20 s at most) for topic to exist and have a subscriber. */
static int wait_subscriber(const char *topic)
{
	struct sluice_topic_stats st;

	for (uint64_t t0 = now_ns(); now_ns() - t0 < 20000000000ull; sleep_ns(5000000))
		if (sluice_topic_stat(topic, &st, NULL, 0) == 0 && st.subscribers > 0)
			return 0;
	return -1;
}

static const char *arg_str(int argc, char **argv, const char *opt)
{
	for (int i = 0; i + 1 < argc; i++)
		if (!strcmp(argv[i], opt))
			return argv[i + 1];
	return NULL;
}

/* Waits (20 s at most) for a file to exist. */
static int wait_file(const char *path)
{
	for (uint64_t t0 = now_ns(); now_ns() - t0 < 20000000000ull; sleep_ns(5000000))
		if (access(path, F_OK) == 0)
			return 0;
	return -1;
}

/* --gate TOPIC: after the first message, wait for TOPIC (where it arrives
 * after crossing) to have a subscriber, so that one sees all from the first. */
static int cmd_pub(const char *topic, long n, int argc, char **argv)
{
	const char *gate = arg_str(argc, argv, "--gate");
	const char *gate_file = arg_str(argc, argv, "--gate-file");
	struct sluice_topic_opts o = {0};
	struct sluice_topic_stats st;
	struct sluice_pub *pub;
	size_t blen = 0;
	uint64_t start = (uint64_t)arg_u64(argc, argv, "--start", 0);
	int rate = arg_u64(argc, argv, "--rate", 0), rc;
	uint64_t t0;

	o.slot_size = SLOT;
	o.slot_count = 64;
	o.type_name = POSE_TYPE;
	o.schema_hash = POSE_HASH;
	o.schema = sluice_bfbs_pose(&blen);
	o.schema_len = blen;
	if ((rc = sluice_pub_open(topic, &o, &pub)) != 0)
		return fail("pub %s: %ld", topic, rc);
	/* nobody would see what is published before a subscriber joins */
	if (wait_subscriber(topic) != 0)
		return fail("pub %s: no subscriber came (%ld)", topic, 0);
	for (long i = 0; i < n; i++) {
		void *buf;
		size_t off, len;

		if ((rc = sluice_pub_loan(pub, SLOT, &buf, 20000000000ll)) != 0)
			return fail("pub %s: loan: %ld", topic, rc);
		len = build_pose(buf, SLOT, start + (uint64_t)i, &off);
		if (!len || (rc = sluice_pub_commit(pub, off, len)) != 0)
			return fail("pub %s: commit: %ld", topic, rc);
		if (rate)
			sleep_ns(1000000000u / (unsigned)rate);
		if (i == 0 && gate && wait_subscriber(gate) != 0)
			return fail("pub %s: nobody subscribed to %s", topic, (long)0);
		if (i == 0 && gate_file && wait_file(gate_file) != 0)
			return fail("pub %s: %s did not appear", gate_file, (long)0);
	}
	/* stay until every subscriber has read everything (or 20 s) */
	for (t0 = now_ns(); now_ns() - t0 < 20000000000ull; sleep_ns(10000000)) {
		struct sluice_sub_stats subs[8];
		int behind = 0;

		if (sluice_topic_stat(topic, &st, subs, 8) != 0)
			break;
		for (uint32_t k = 0; k < st.subscribers && k < 8; k++)
			behind |= subs[k].alive && subs[k].cursor < st.next_seq;
		if (!behind)
			break;
	}
	sluice_pub_close(pub);
	printf("published %ld\n", n);
	return 0;
}

static int cmd_check(const char *topic, long n, int argc, char **argv)
{
	struct sluice_sub_opts so = {0};
	struct sluice_sub *sub = NULL;
	uint64_t first = (uint64_t)arg_u64(argc, argv, "--first", 0);
	uint64_t deadline = now_ns() + (uint64_t)arg_u64(argc, argv, "--timeout", 20) * 1000000000u;
	uint64_t want = first, lost = 0;
	uint64_t slow_ns = (uint64_t)arg_u64(argc, argv, "--slow", 0) * 1000u;
	int gaps = 0;
	long got = 0;
	int rc;

	for (int i = 0; i < argc; i++)
		gaps |= !strcmp(argv[i], "--gaps");
	so.join = SLUICE_JOIN_OLDEST;
	so.type_name = POSE_TYPE;
	while ((rc = sluice_sub_open(topic, &so, &sub)) != 0) {
		if (now_ns() > deadline)
			return fail("check %s: no topic: %ld", topic, rc);
		sleep_ns(20000000);
	}
	while (got < n && now_ns() < deadline) {
		unsigned char buf[SLOT] __attribute__((aligned(16)));
		struct sluice_msg info;
		int len = sluice_sub_take_copy(sub, buf, sizeof(buf), &info, 100000000);
		const uint8_t *root;
		uint64_t seq;

		if (len == -ETIMEDOUT || len == -EAGAIN || len == -SLUICE_EOWNERDEAD) {
			if (len == -SLUICE_EOWNERDEAD)
				sleep_ns(10000000); /* a bridge restarting: wait for it */
			continue;
		}
		if (len < 0)
			return fail("check %s: take: %ld", topic, len);
		if (info.lost_before)
			return fail("check %s: lost %ld", topic, (long)info.lost_before);
		if (sluice_msg_Pose_verify(buf, (size_t)len) != 0)
			return fail("check %s: message %ld does not verify", topic, got);
		root = sluice_msg_Pose_as_root(buf);
		seq = sluice_msg_Header_seq(sluice_msg_Pose_header(root));
		if (gaps && seq > want) { /* --gaps: a loss is counted, not an error */
			lost += seq - want;
			got += (long)(seq - want);
			want = seq;
		}
		if (seq != want) {
			fprintf(stderr, "bridge_peer: check %s: header.seq %llu where %llu was due "
					"(%s)\n", topic, (unsigned long long)seq,
				(unsigned long long)want, seq < want ? "duplicate" : "lost");
			return 1;
		}
		want++;
		got++;
		if (slow_ns)
			sleep_ns(slow_ns);
	}
	sluice_sub_close(sub);
	printf("check %s: %ld in order, first %llu, lost %llu, duplicates 0\n", topic, got,
	       (unsigned long long)first, (unsigned long long)lost);
	return got == n ? 0 : fail("check %s: only %ld came", topic, got);
}

static dds_entity_t join(const char *config, int domain)
{
	FILE *f = fopen(config, "r");
	static char xml[1 << 16];
	size_t n;

	if (!f)
		return -1;
	n = fread(xml, 1, sizeof(xml) - 1, f);
	fclose(f);
	xml[n] = 0;
	if (dds_create_domain((dds_domainid_t)domain, xml) < 0)
		return -1;
	return dds_create_participant((dds_domainid_t)domain, NULL, NULL);
}

/* The QoS a bridge gives a lossless topic (docs/bridge.md), restated here:
 * this end is meant to be any DDS program, not sluice code. */
static dds_qos_t *lossless_qos(int writer)
{
	dds_qos_t *q = dds_create_qos();

	dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_MSECS(100));
	dds_qset_history(q, DDS_HISTORY_KEEP_ALL, 0);
	dds_qset_resource_limits(q, 64, DDS_LENGTH_UNLIMITED, 64);
	dds_qset_durability(q, DDS_DURABILITY_TRANSIENT_LOCAL);
	if (writer)
		dds_qset_durability_service(q, 0, DDS_HISTORY_KEEP_LAST, 64, DDS_LENGTH_UNLIMITED,
					    DDS_LENGTH_UNLIMITED, DDS_LENGTH_UNLIMITED);
	return q;
}

static dds_qos_t *schema_qos(void)
{
	dds_qos_t *q = dds_create_qos();

	dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
	dds_qset_durability(q, DDS_DURABILITY_TRANSIENT_LOCAL);
	dds_qset_history(q, DDS_HISTORY_KEEP_LAST, 1);
	return q;
}

static int cmd_dds_read(const char *name, long n, const char *config, int domain,
			const char *ready)
{
	dds_entity_t pp = join(config, domain), st, rs, dt, rd;
	dds_qos_t *q;
	uint64_t deadline = now_ns() + 20000000000ull, want = 0;
	long got = 0;
	int have_schema = 0;

	if (pp < 0)
		return fail("dds-read %s: cannot join domain %ld", config, domain);
	q = schema_qos();
	st = dds_create_topic(pp, &sluice_bridge_Schema_desc, "sluice_schema", NULL, NULL);
	rs = dds_create_reader(pp, st, q, NULL);
	dds_delete_qos(q);
	q = lossless_qos(0);
	dt = dds_create_topic(pp, &sluice_bridge_Envelope_desc, name, NULL, NULL);
	rd = dds_create_reader(pp, dt, q, NULL);
	dds_delete_qos(q);
	if (rs < 0 || rd < 0)
		return fail("dds-read %s: cannot create readers (%ld)", name, rs < 0 ? rs : rd);
	while ((got < n || !have_schema) && now_ns() < deadline) {
		void *s[16] = {0};
		dds_sample_info_t inf[16];
		int k = dds_take(rs, s, inf, 16, 16);

		for (int i = 0; i < k; i++) {
			const sluice_bridge_Schema *sc = s[i];

			if (inf[i].valid_data && !strcmp(sc->topic, name)) {
				printf("schema %s: %s, %u bytes of bfbs, delivery %u\n", sc->topic,
				       sc->type_name, sc->bfbs._length, sc->delivery);
				have_schema = 1;
			}
		}
		if (k > 0)
			dds_return_loan(rs, s, k);
		k = dds_take(rd, s, inf, 16, 16);
		for (int i = 0; i < k; i++) {
			const sluice_bridge_Envelope *e = s[i];
			const uint8_t *root;

			if (!inf[i].valid_data)
				continue;
			if (strcmp(e->type_name, POSE_TYPE) ||
			    sluice_msg_Pose_verify(e->payload._buffer, e->payload._length) != 0)
				return fail("dds-read %s: envelope %ld is not a Pose", name, got);
			root = sluice_msg_Pose_as_root(e->payload._buffer);
			if (sluice_msg_Header_seq(sluice_msg_Pose_header(root)) != want ||
			    e->seq != want) {
				fprintf(stderr, "bridge_peer: dds-read %s: envelope %llu where %llu "
						"was due\n", name, (unsigned long long)e->seq,
					(unsigned long long)want);
				return 1;
			}
			want++;
			got++;
			if (got == 1 && ready) {
				/* --ready FILE: the first came, so the bridge's
				 * writer has found this reader (a reader can see
				 * a writer before the writer sees it) */
				FILE *f = fopen(ready, "w");

				if (!f)
					return fail("dds-read: cannot make %s%ld", ready, 0);
				fclose(f);
			}
		}
		if (k > 0)
			dds_return_loan(rd, s, k);
		else
			sleep_ns(2000000);
	}
	dds_delete(pp);
	printf("dds-read %s: %ld envelopes in order\n", name, got);
	return got == n && have_schema ? 0 : fail("dds-read %s: only %ld came", name, got);
}

static int write_env(dds_entity_t wr, const char *type, uint64_t hash, uint64_t seq, void *p,
		     size_t len)
{
	sluice_bridge_Envelope e = {0};

	e.type_name = (char *)type;
	e.schema_hash = hash;
	e.seq = seq;
	e.stamp_ns = now_ns();
	e.origin = 0x7065657200000000ull | (uint64_t)getpid(); /* not a bridge's id */
	e.payload._buffer = p;
	e.payload._length = e.payload._maximum = (uint32_t)len;
	/* a full history (slow reader) times out: write it again */
	for (;;) {
		dds_return_t r = dds_write(wr, &e);

		if (r != DDS_RETCODE_TIMEOUT)
			return r;
	}
}

static int cmd_dds_write(const char *name, long n, const char *config, int domain, int bad,
			 const char *gate)
{
	dds_entity_t pp = join(config, domain), st, ws, dt, wr;
	sluice_bridge_Schema sc = {0};
	dds_publication_matched_status_t m = {0};
	unsigned char buf[SLOT] __attribute__((aligned(16)));
	size_t blen = 0;
	dds_qos_t *q;
	uint64_t t0;

	if (pp < 0)
		return fail("dds-write %s: cannot join domain %ld", config, domain);
	q = schema_qos();
	st = dds_create_topic(pp, &sluice_bridge_Schema_desc, "sluice_schema", NULL, NULL);
	ws = dds_create_writer(pp, st, q, NULL);
	dds_delete_qos(q);
	q = lossless_qos(1);
	dt = dds_create_topic(pp, &sluice_bridge_Envelope_desc, name, NULL, NULL);
	wr = dds_create_writer(pp, dt, q, NULL);
	dds_delete_qos(q);
	if (ws < 0 || wr < 0)
		return fail("dds-write %s: cannot create writers (%ld)", name, ws < 0 ? ws : wr);
	sc.topic = (char *)name;
	sc.type_name = POSE_TYPE;
	sc.schema_hash = POSE_HASH;
	sc.delivery = SLUICE_LOSSLESS;
	sc.slot_size = SLOT;
	sc.slot_count = 64;
	sc.origin = 0x7065657200000000ull | (uint64_t)getpid();
	sc.bfbs._buffer = (uint8_t *)sluice_bfbs_pose(&blen);
	sc.bfbs._length = sc.bfbs._maximum = (uint32_t)blen;
	dds_write(ws, &sc);
	/* the bridge makes its reader when it has seen the schema */
	for (t0 = now_ns(); now_ns() - t0 < 20000000000ull && m.current_count == 0;
	     sleep_ns(10000000))
		dds_get_publication_matched_status(wr, &m);
	if (m.current_count == 0)
		return fail("dds-write %s: no reader matched (%ld)", name, 0);
	for (long i = 0; i < n; i++) {
		size_t off, len = build_pose(buf, SLOT, (uint64_t)i, &off);

		if (bad && i % 10 == 0) {
			write_env(wr, "sluice.msg.Imu", POSE_HASH, (uint64_t)i, buf + off, len);
			write_env(wr, POSE_TYPE, POSE_HASH ^ 1, (uint64_t)i, buf + off, len);
			write_env(wr, POSE_TYPE, POSE_HASH, (uint64_t)i, buf + off, len / 2);
		}
		if (write_env(wr, POSE_TYPE, POSE_HASH, (uint64_t)i, buf + off, len) != 0)
			return fail("dds-write %s: dds_write failed at %ld", name, i);
		if (i == 0 && gate) {
			dds_write_flush(wr);
			if (wait_subscriber(gate) != 0)
				return fail("dds-write: nobody subscribed to %s (%ld)", gate, 0);
		}
	}
	if (dds_wait_for_acks(wr, DDS_SECS(20)) != 0)
		return fail("dds-write %s: not acknowledged (%ld)", name, 0);
	dds_delete(pp);
	printf("dds-write %s: %ld envelopes%s\n", name, n, bad ? " and bad ones" : "");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bridge_peer pub|check|dds-read|dds-write NAME N ...\n");
		return 2;
	}
	long n = strtol(argv[3], NULL, 10);

	if (!strcmp(argv[1], "pub"))
		return cmd_pub(argv[2], n, argc, argv);
	if (!strcmp(argv[1], "check"))
		return cmd_check(argv[2], n, argc, argv);
	if (argc < 6)
		return fail("%s wants CONFIG DOMAIN%ld", argv[1], 0);
	if (!strcmp(argv[1], "dds-read"))
		return cmd_dds_read(argv[2], n, argv[4], atoi(argv[5]),
				    arg_str(argc, argv, "--ready"));
	if (!strcmp(argv[1], "dds-write"))
		return cmd_dds_write(argv[2], n, argv[4], atoi(argv[5]),
				     arg_str(argc, argv, "--bad") != NULL || !strcmp(argv[argc - 1], "--bad"),
				     arg_str(argc, argv, "--gate"));
	return fail("unknown command %s%ld", argv[1], 0);
}
