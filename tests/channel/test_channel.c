/* test_channel.c - topics: loan/commit/take/release, type identity, one
 * publisher at a time and take-over, lossy loss counts and torn views,
 * sequences across UINT64_MAX, crashes of either side, wait-sets and
 * introspection. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chan_msg.h"
#include "channel/chan.h"
#include "channel/sub.h"
#include "sluice/sluice.h"
#include "testutil.h"

static struct sluice_topic_opts topic_opts(uint32_t delivery, uint32_t slots)
{
	return (struct sluice_topic_opts){
		.slot_size = 256, .slot_count = slots, .delivery = delivery, .type_name = "test.Msg",
		.schema_hash = 0x1234};
}

static struct sluice_sub *sub_of(const char *name, uint32_t join)
{
	struct sluice_sub_opts so = {.type_name = "test.Msg", .schema_hash = 0x1234, .join = join};
	struct sluice_sub *s;

	ck_assert_int_eq(sluice_sub_open(name, &so, &s), 0);
	return s;
}

static void publish_seq(struct sluice_pub *p, uint64_t seq)
{
	unsigned char buf[256];
	size_t len = msg_len(seq, sizeof(buf));

	msg_fill(buf, len, seq);
	ck_assert_int_eq(sluice_pub_publish(p, buf, len, SECOND), 0);
}

static void expect_seq(struct sluice_sub *s, uint64_t seq)
{
	struct sluice_msg m;
	int rc = sluice_sub_take(s, &m, SECOND);

	ck_assert_msg(rc == 0, "take: %s (%s)", sluice_strerror(rc), sluice_errdetail());
	ck_assert_uint_eq(m.seq, seq);
	ck_assert_uint_eq(m.len, msg_len(seq, 256));
	ck_assert(msg_ok(m.data, m.len, seq));
	ck_assert_int_eq(sluice_sub_release(s, &m), 0);
}

START_TEST(loan_commit_take_release)
{
	char name[128];
	struct sluice_pub *p;
	struct sluice_topic_opts o = topic_opts(SLUICE_LOSSLESS, 8);
	struct sluice_msg m;
	void *buf;

	tu_name(name, sizeof(name), "basic");
	ck_assert_int_eq(sluice_pub_open(name, &o, &p), 0);
	ck_assert_uint_eq(sluice_pub_slot_size(p), 256);
	struct sluice_sub *s = sub_of(name, SLUICE_JOIN_NEXT);
	ck_assert_int_eq(sluice_sub_take(s, &m, 0), -EAGAIN);
	ck_assert_int_eq(sluice_sub_take(s, &m, 1000000), -ETIMEDOUT);

	/* Built at the slot's end, as a back-to-front builder does. */
	ck_assert_int_eq(sluice_pub_loan(p, 100, &buf, 0), 0);
	msg_fill((char *)buf + 256 - 40, 40, 0);
	ck_assert_int_eq(sluice_sub_take(s, &m, 0), -EAGAIN); /* a loan is invisible */
	uint64_t before = tu_now_ns();
	ck_assert_int_eq(sluice_pub_commit(p, 256 - 40, 40), 0);
	ck_assert_int_eq(sluice_sub_take(s, &m, 0), 0);
	ck_assert_uint_eq(m.seq, 0);
	ck_assert_uint_eq(m.len, 40);
	ck_assert(msg_ok(m.data, 40, 0));
	/* Zero copy: the view is the publisher's slot itself (mapped twice
	 * here), so a byte changed there shows through the view. */
	((unsigned char *)buf)[255] ^= 0xff;
	ck_assert(!msg_ok(m.data, 40, 0));
	((unsigned char *)buf)[255] ^= 0xff;
	ck_assert_uint_ge(m.stamp_ns, before);
	ck_assert_uint_le(m.stamp_ns, tu_now_ns());
	ck_assert_uint_eq(m.lost_before, 0);
	ck_assert_int_eq(sluice_sub_take(s, &m, 0), -EINVAL); /* one view at a time */
	ck_assert_int_eq(sluice_sub_release(s, &m), 0);

	ck_assert_int_eq(sluice_pub_loan(p, 257, &buf, 0), -SLUICE_ETOOBIG);
	ck_assert_int_eq(sluice_pub_commit(p, 0, 10), -EINVAL);
	publish_seq(p, 1);
	unsigned char copy[256];
	struct sluice_msg info;
	ck_assert_int_eq(sluice_sub_take_copy(s, copy, sizeof(copy), &info, SECOND),
			 (int)msg_len(1, 256));
	ck_assert(msg_ok(copy, info.len, 1));

	struct sluice_sub_stats st;
	sluice_sub_stats(s, &st);
	ck_assert_uint_eq(st.delivered, 2);
	ck_assert_uint_eq(st.lost, 0);
	sluice_sub_close(s);
	sluice_pub_close(p);
	sluice_shm_unlink(name);
}
END_TEST

START_TEST(type_identity)
{
	char name[128];
	struct sluice_pub *p, *p2;
	struct sluice_sub *s;
	struct sluice_topic_opts o = topic_opts(SLUICE_LOSSLESS, 8);
	const char schema[] = "binary schema bytes";
	char got[64];

	o.schema = schema;
	o.schema_len = sizeof(schema);
	tu_name(name, sizeof(name), "type");
	ck_assert_int_eq(sluice_pub_open(name, &o, &p), 0);

	struct sluice_sub_opts so = {.type_name = "test.Other"};
	ck_assert_int_eq(sluice_sub_open(name, &so, &s), -SLUICE_ETYPE);
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), "test.Msg"));
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), "test.Other"));
	so.type_name = "test.Msg";
	so.schema_hash = 0x9999;
	ck_assert_int_eq(sluice_sub_open(name, &so, &s), -SLUICE_ETYPE);
	/* No type asked: a generic tool takes any. */
	ck_assert_int_eq(sluice_sub_open(name, NULL, &s), 0);
	sluice_sub_close(s);

	struct sluice_topic_opts other = topic_opts(SLUICE_LOSSLESS, 8);
	other.type_name = "test.Other";
	sluice_pub_close(p);
	ck_assert_int_eq(sluice_pub_open(name, &other, &p2), -SLUICE_ETYPE);

	ck_assert_int_eq(sluice_topic_schema(name, got, sizeof(got)), (int)sizeof(schema));
	ck_assert_str_eq(got, schema);
	sluice_shm_unlink(name);
}
END_TEST

START_TEST(second_publisher_refused_then_take_over)
{
	char name[128];
	struct sluice_topic_opts o = topic_opts(SLUICE_LOSSLESS, 16);
	struct sluice_pub *p;
	int ready[2];
	char c;

	tu_name(name, sizeof(name), "takeover");
	ck_assert_int_eq(pipe(ready), 0);
	pid_t pid = tu_fork();
	if (pid == 0) {
		struct sluice_pub *cp;

		if (sluice_pub_open(name, &o, &cp) != 0)
			_exit(1);
		for (uint64_t i = 0; i < 5; i++) {
			unsigned char buf[256];

			msg_fill(buf, msg_len(i, 256), i);
			sluice_pub_publish(cp, buf, msg_len(i, 256), SECOND);
		}
		(void)!write(ready[1], "r", 1);
		pause();
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	struct sluice_sub *s = sub_of(name, SLUICE_JOIN_OLDEST);
	ck_assert_int_eq(sluice_pub_open(name, &o, &p), -EBUSY);
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), "alive"));

	kill(pid, SIGKILL);
	ck_assert_int_eq(tu_wait(pid, 5000), 128 + SIGKILL);
	for (uint64_t i = 0; i < 5; i++)
		expect_seq(s, i);
	/* Nothing left and the publisher is dead: said, not waited on. */
	struct sluice_msg m;
	uint64_t t0 = tu_now_ns();
	ck_assert_int_eq(sluice_sub_take(s, &m, 2 * SECOND), -SLUICE_EOWNERDEAD);
	ck_assert_uint_lt(tu_now_ns() - t0, 100000000u);

	ck_assert_int_eq(sluice_pub_open(name, &o, &p), 0);
	ck_assert_uint_eq(sluice_pub_next_seq(p), 5);
	publish_seq(p, 5);
	expect_seq(s, 5);
	sluice_sub_close(s);
	sluice_pub_close(p);
	sluice_shm_unlink(name);
	close(ready[0]);
	close(ready[1]);
}
END_TEST

START_TEST(lossy_lapped_subscriber_counts_exactly)
{
	char name[128];
	struct sluice_topic_opts o = topic_opts(SLUICE_LOSSY, 8);
	struct sluice_pub *p;

	tu_name(name, sizeof(name), "lapped");
	ck_assert_int_eq(sluice_pub_open(name, &o, &p), 0);
	struct sluice_sub *s = sub_of(name, SLUICE_JOIN_NEXT);
	for (uint64_t i = 0; i < 20; i++)
		publish_seq(p, i); /* never waits, whatever the subscriber does */
	struct sluice_msg m;
	ck_assert_int_eq(sluice_sub_take(s, &m, 0), 0);
	ck_assert_uint_eq(m.seq, 12);
	ck_assert_uint_eq(m.lost_before, 12);
	ck_assert(msg_ok(m.data, m.len, 12));
	ck_assert_int_eq(sluice_sub_release(s, &m), 0);
	for (uint64_t i = 13; i < 20; i++)
		expect_seq(s, i);
	struct sluice_sub_stats st;
	sluice_sub_stats(s, &st);
	ck_assert_uint_eq(st.lost, 12);
	ck_assert_uint_eq(st.delivered, 8);
	ck_assert_uint_eq(st.delivered + st.lost, 20);
	sluice_sub_close(s);
	sluice_pub_close(p);
	sluice_shm_unlink(name);
}
END_TEST

START_TEST(lossy_torn_view_is_reported)
{
	char name[128];
	struct sluice_topic_opts o = topic_opts(SLUICE_LOSSY, 4);
	struct sluice_pub *p;
	struct sluice_msg m;
	unsigned char copy[256];

	tu_name(name, sizeof(name), "torn");
	ck_assert_int_eq(sluice_pub_open(name, &o, &p), 0);
	struct sluice_sub *s = sub_of(name, SLUICE_JOIN_NEXT);
	publish_seq(p, 0);
	ck_assert_int_eq(sluice_sub_take(s, &m, 0), 0);
	ck_assert_uint_eq(m.seq, 0);
	/* A slow reader: the publisher laps it while it holds the view. */
	for (uint64_t i = 1; i <= 4; i++)
		publish_seq(p, i);
	ck_assert(!msg_ok(m.data, m.len, 0)); /* the bytes did change under it */
	ck_assert_int_eq(sluice_sub_release(s, &m), -SLUICE_ETORN);
	/* The copying take never returns a torn message. */
	ck_assert_int_eq(sluice_sub_take_copy(s, copy, sizeof(copy), &m, 0), (int)msg_len(1, 256));
	ck_assert_uint_eq(m.seq, 1);
	ck_assert(msg_ok(copy, m.len, 1));
	struct sluice_sub_stats st;
	sluice_sub_stats(s, &st);
	ck_assert_uint_eq(st.lost, 1);
	ck_assert_uint_eq(st.delivered, 1);
	sluice_sub_close(s);
	sluice_pub_close(p);
	sluice_shm_unlink(name);
}
END_TEST

START_TEST(sequences_wrap_past_uint64_max)
{
	char name[128];
	struct sluice_topic_opts o = topic_opts(_i ? SLUICE_LOSSY : SLUICE_LOSSLESS, 4);
	struct sluice_pub *p;

	o.start_seq = UINT64_MAX - 9;
	tu_name(name, sizeof(name), "wrap");
	ck_assert_int_eq(sluice_pub_open(name, &o, &p), 0);
	struct sluice_sub *s = sub_of(name, SLUICE_JOIN_NEXT);
	for (uint64_t k = 0; k < 30; k++) {
		uint64_t seq = UINT64_MAX - 9 + k;

		publish_seq(p, seq);
		expect_seq(s, seq);
	}
	struct sluice_topic_stats ts;
	ck_assert_int_eq(sluice_topic_stat(name, &ts, NULL, 0), 0);
	ck_assert_uint_eq(ts.published, 30);
	ck_assert_uint_eq(ts.next_seq, 20);
	sluice_sub_close(s);
	sluice_pub_close(p);
	sluice_shm_unlink(name);
}
END_TEST

/* The publisher dies holding a loan (both modes): nothing torn is
 * delivered, the subscriber hears of it, and a new publisher goes on. */
START_TEST(publisher_killed_mid_loan)
{
	char name[128];
	uint32_t mode = _i ? SLUICE_LOSSY : SLUICE_LOSSLESS;
	struct sluice_topic_opts o = topic_opts(mode, 4);
	struct sluice_pub *p;

	tu_name(name, sizeof(name), "midloan");
	ck_assert_int_eq(sluice_topic_create(name, &o), 0);
	struct sluice_sub *s = sub_of(name, SLUICE_JOIN_NEXT);
	pid_t pid = tu_fork();
	if (pid == 0) {
		struct sluice_pub *cp;
		void *buf;

		if (sluice_pub_open(name, &o, &cp) != 0)
			_exit(1);
		for (uint64_t i = 0; i < 3; i++) {
			unsigned char b[256];

			msg_fill(b, msg_len(i, 256), i);
			sluice_pub_publish(cp, b, msg_len(i, 256), SECOND);
		}
		sluice_pub_loan(cp, 256, &buf, SECOND);
		memset(buf, 0xee, 256);
		raise(SIGKILL);
	}
	ck_assert_int_eq(tu_wait(pid, 5000), 128 + SIGKILL);
	for (uint64_t i = 0; i < 3; i++)
		expect_seq(s, i);
	struct sluice_msg m;
	ck_assert_int_eq(sluice_sub_take(s, &m, SECOND), -SLUICE_EOWNERDEAD);
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), "died"));
	ck_assert_int_eq(sluice_pub_open(name, &o, &p), 0);
	for (uint64_t i = 3; i < 10; i++) {
		publish_seq(p, i);
		expect_seq(s, i);
	}
	sluice_sub_close(s);
	sluice_pub_close(p);
	sluice_shm_unlink(name);
}
END_TEST

/* The publisher dies after its commit was visible in the slot and before
 * it moved head (both modes; the lost head store is forced by rewinding
 * head).  A subscriber may already hold that message, so the next
 * publisher must go on after it, not write a second message 3. */
START_TEST(publisher_killed_between_commit_and_head)
{
	char name[128];
	uint32_t mode = _i ? SLUICE_LOSSY : SLUICE_LOSSLESS;
	struct sluice_topic_opts o = topic_opts(mode, 8);
	struct sluice_pub *p;

	tu_name(name, sizeof(name), "midcommit");
	ck_assert_int_eq(sluice_topic_create(name, &o), 0);
	struct sluice_sub *s = sub_of(name, SLUICE_JOIN_NEXT);
	pid_t pid = tu_fork();
	if (pid == 0) {
		struct sluice_pub *cp;
		struct chan_geom g;

		if (sluice_pub_open(name, &o, &cp) != 0 ||
		    sluice__chan_attach(name, NULL, NULL, 0, &g) != 0)
			_exit(1);
		for (uint64_t i = 0; i < 4; i++)
			publish_seq(cp, i);
		atomic_store(&g.h->head, 3);
		raise(SIGKILL);
	}
	ck_assert_int_eq(tu_wait(pid, 5000), 128 + SIGKILL);
	for (uint64_t i = 0; i < 4; i++)
		expect_seq(s, i);
	ck_assert_int_eq(sluice_pub_open(name, &o, &p), 0);
	ck_assert_uint_eq(sluice_pub_next_seq(p), 4);
	for (uint64_t i = 4; i < 20; i++) {
		publish_seq(p, i);
		expect_seq(s, i);
	}
	struct sluice_sub_stats st;

	sluice_sub_stats(s, &st);
	ck_assert_uint_eq(st.lost, 0);
	sluice_sub_close(s);
	sluice_pub_close(p);
	sluice_shm_unlink(name);
}
END_TEST

START_TEST(lossless_evicts_killed_subscriber)
{
	char name[128];
	struct sluice_topic_opts o = topic_opts(SLUICE_LOSSLESS, 8);
	struct sluice_pub *p;
	int ready[2];
	char c;

	tu_name(name, sizeof(name), "evict");
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(sluice_pub_open(name, &o, &p), 0);
	pid_t pid = tu_fork();
	if (pid == 0) {
		struct sluice_sub *cs;

		if (sluice_sub_open(name, NULL, &cs) != 0)
			_exit(1);
		(void)!write(ready[1], "r", 1);
		pause();
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	for (uint64_t i = 0; i < 8; i++)
		publish_seq(p, i);
	void *buf;
	ck_assert_int_eq(sluice_pub_loan(p, 16, &buf, 0), -EAGAIN); /* full: it waits for him */
	kill(pid, SIGKILL);
	ck_assert_int_eq(tu_wait(pid, 5000), 128 + SIGKILL);
	uint64_t t0 = tu_now_ns();
	ck_assert_int_eq(sluice_pub_loan(p, 16, &buf, 2 * SECOND), 0);
	ck_assert_uint_lt(tu_now_ns() - t0, 100000000u);
	ck_assert_int_eq(sluice_pub_commit(p, 0, 16), 0);
	struct sluice_topic_stats ts;
	struct sluice_sub_stats ss[4];
	ck_assert_int_eq(sluice_topic_stat(name, &ts, ss, 4), 0);
	ck_assert_uint_eq(ts.evicted, 1);
	ck_assert_uint_eq(ts.subscribers, 1);
	ck_assert_int_eq(ss[0].evicted, 1);
	ck_assert_int_eq(ss[0].pid, pid);
	sluice_pub_close(p);
	sluice_shm_unlink(name);
	close(ready[0]);
	close(ready[1]);
}
END_TEST

START_TEST(lossless_stopped_subscriber_blocks_with_timeout)
{
	char name[128];
	struct sluice_topic_opts o = topic_opts(SLUICE_LOSSLESS, 4);
	struct sluice_pub *p;
	int ready[2];
	char c;

	tu_name(name, sizeof(name), "stopped");
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(sluice_pub_open(name, &o, &p), 0);
	pid_t pid = tu_fork();
	if (pid == 0) {
		struct sluice_sub *cs;

		if (sluice_sub_open(name, NULL, &cs) != 0)
			_exit(1);
		(void)!write(ready[1], "r", 1);
		for (uint64_t i = 0; i < 5; i++) {
			struct sluice_msg m;

			if (sluice_sub_take(cs, &m, 10 * SECOND) != 0 || m.seq != i ||
			    sluice_sub_release(cs, &m) != 0)
				_exit(2);
		}
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	kill(pid, SIGSTOP);
	for (uint64_t i = 0; i < 4; i++)
		publish_seq(p, i);
	void *buf;
	uint64_t t0 = tu_now_ns();
	ck_assert_int_eq(sluice_pub_loan(p, 16, &buf, 150000000), -ETIMEDOUT);
	ck_assert_uint_ge(tu_now_ns() - t0, 150000000u);
	kill(pid, SIGCONT);
	publish_seq(p, 4); /* room comes back as the subscriber reads */
	ck_assert_int_eq(tu_wait(pid, 10000), 0);
	sluice_pub_close(p);
	sluice_shm_unlink(name);
	close(ready[0]);
	close(ready[1]);
}
END_TEST

/* A multi-input stage: one wait over two topics, woken by either. */
START_TEST(waitset_wakes_on_any_topic)
{
	char a[128], b[128];
	struct sluice_topic_opts o = topic_opts(SLUICE_LOSSLESS, 8);
	struct sluice_waitset *ws;
	const int rounds = 2000;

	tu_name(a, sizeof(a), "wsa");
	tu_name(b, sizeof(b), "wsb");
	ck_assert_int_eq(sluice_topic_create(a, &o), 0);
	ck_assert_int_eq(sluice_topic_create(b, &o), 0);
	struct sluice_sub *sa = sub_of(a, SLUICE_JOIN_NEXT), *sb = sub_of(b, SLUICE_JOIN_NEXT);
	ck_assert_int_eq(sluice_waitset_new(&ws), 0);
	ck_assert_int_eq(sluice_waitset_add(ws, sa), 0);
	ck_assert_int_eq(sluice_waitset_add(ws, sb), 1);
	ck_assert_int_eq(sluice_waitset_wait(ws, 0), -EAGAIN);
	ck_assert_int_eq(sluice_waitset_wait(ws, 1000000), -ETIMEDOUT);

	pid_t pid = tu_fork();
	if (pid == 0) {
		struct sluice_pub *pa, *pb;

		if (sluice_pub_open(a, &o, &pa) != 0 || sluice_pub_open(b, &o, &pb) != 0)
			_exit(1);
		for (int i = 0; i < rounds; i++) {
			unsigned char buf[256];

			/* Let the waiter fall asleep first, most of the time. */
			usleep(i % 4 ? 200 : 0);
			msg_fill(buf, 64, (uint64_t)i / 2);
			if (sluice_pub_publish(i % 2 ? pb : pa, buf, 64, 5 * SECOND) != 0)
				_exit(2);
		}
		pause();
		_exit(0);
	}
	int got[2] = {0, 0};
	while (got[0] + got[1] < rounds) {
		int i = sluice_waitset_wait(ws, 2 * SECOND);
		struct sluice_msg m;

		ck_assert_msg(i >= 0, "wait: %s", sluice_strerror(i));
		ck_assert_int_eq(sluice_sub_take(i ? sb : sa, &m, 0), 0);
		ck_assert_uint_eq(m.seq, (uint64_t)got[i]);
		ck_assert(msg_ok(m.data, m.len, m.seq));
		ck_assert_int_eq(sluice_sub_release(i ? sb : sa, &m), 0);
		got[i]++;
	}
	ck_assert_int_eq(got[0], rounds / 2);
	ck_assert_int_eq(got[1], rounds / 2);
	/* Its publishers killed: the wait-set reports the topic, take says why. */
	kill(pid, SIGKILL);
	tu_wait(pid, 5000);
	int i = sluice_waitset_wait(ws, 2 * SECOND);
	ck_assert_int_ge(i, 0);
	struct sluice_msg m;
	ck_assert_int_eq(sluice_sub_take(i ? sb : sa, &m, 0), -SLUICE_EOWNERDEAD);
	sluice_waitset_free(ws);
	sluice_sub_close(sa);
	sluice_sub_close(sb);
	sluice_shm_unlink(a);
	sluice_shm_unlink(b);
}
END_TEST

/* The default spin adapts: a message that comes later than a full spin
 * after the wait began halves it, down to none (a subscriber of a 1 kHz
 * topic stops spinning 20 us per message); one a full spin would have
 * caught restores it.  A spin asked for (spin_ns) is kept as given.  A
 * wait-set's spin adapts the same way. */
START_TEST(default_spin_adapts)
{
	char name[128];
	struct sluice_topic_opts o = topic_opts(SLUICE_LOSSLESS, 64);
	struct sluice_sub_opts fixed = {.type_name = "test.Msg", .schema_hash = 0x1234,
					.spin_ns = CHAN_DEFAULT_SPIN_NS};
	struct sluice_sub *s, *f, *w;
	struct sluice_waitset *ws;
	const uint32_t full = CHAN_DEFAULT_SPIN_NS;
	const int late = 20;

	tu_name(name, sizeof(name), "spin");
	ck_assert_int_eq(sluice_topic_create(name, &o), 0);
	s = sub_of(name, SLUICE_JOIN_NEXT);
	ck_assert_int_eq(sluice_sub_open(name, &fixed, &f), 0);
	w = sub_of(name, SLUICE_JOIN_NEXT);
	ck_assert_int_eq(sluice_waitset_new(&ws), 0);
	ck_assert_int_eq(sluice_waitset_add(ws, w), 0);
	ck_assert_uint_eq(s->spin_cur, full);
	ck_assert_uint_eq(ws->spin_cur, full);

	/* the rule, on the subscriber's own state (wait began at t0 = 1 ms) */
	uint32_t want = full;
	for (int i = 0; i < 8; i++) {
		sluice__sub_adapt_spin(s, 1000000, 1000000 + full + 1);
		want = want > CHAN_MIN_SPIN_NS ? want / 2 : 0;
		ck_assert_uint_eq(s->spin_cur, want);
	}
	ck_assert_uint_eq(s->spin_cur, 0);
	sluice__sub_adapt_spin(s, 1000000, 1000000 + full); /* just caught */
	ck_assert_uint_eq(s->spin_cur, full);
	sluice__sub_adapt_spin(s, 1000000, 1000000 + full + 1);
	sluice__sub_adapt_spin(s, 1000000, 5); /* stamped before the wait */
	ck_assert_uint_eq(s->spin_cur, full);
	sluice__sub_adapt_spin(f, 1000000, 9000000);
	ck_assert_uint_eq(f->spin_cur, full);

	/* and in use: messages 1 ms apart, each take waiting for the next */
	pid_t pid = tu_fork();
	if (pid == 0) {
		struct sluice_pub *p;

		if (sluice_pub_open(name, &o, &p) != 0)
			_exit(1);
		for (int i = 0; i < late; i++) {
			unsigned char buf[256];

			usleep(1000);
			msg_fill(buf, 64, (uint64_t)i);
			if (sluice_pub_publish(p, buf, 64, 5 * SECOND) != 0)
				_exit(2);
		}
		pause();
		_exit(0);
	}
	uint32_t least = s->spin_cur, ws_least = ws->spin_cur;
	for (int i = 0; i < late; i++) {
		struct sluice_msg m;

		/* the first half waits in take, the second in the wait-set */
		if (i >= late / 2)
			ck_assert_int_eq(sluice_waitset_wait(ws, 5 * SECOND), 0);
		ck_assert_int_eq(sluice_sub_take(s, &m, 5 * SECOND), 0);
		ck_assert_uint_eq(m.seq, (uint64_t)i);
		ck_assert_int_eq(sluice_sub_release(s, &m), 0);
		ck_assert_int_eq(sluice_sub_take(f, &m, 5 * SECOND), 0);
		ck_assert_int_eq(sluice_sub_release(f, &m), 0);
		ck_assert_uint_eq(f->spin_cur, full);
		if (i < late / 2)
			least = s->spin_cur < least ? s->spin_cur : least;
		else
			ws_least = ws->spin_cur < ws_least ? ws->spin_cur : ws_least;
		ck_assert_int_eq(sluice_sub_take(w, &m, 5 * SECOND), 0);
		ck_assert_uint_eq(m.seq, (uint64_t)i);
		ck_assert_int_eq(sluice_sub_release(w, &m), 0);
	}
	ck_assert_uint_lt(least, full);
	ck_assert_uint_lt(ws_least, full);
	kill(pid, SIGKILL);
	tu_wait(pid, 5000);
	sluice_waitset_free(ws);
	sluice_sub_close(w);
	sluice_sub_close(f);
	sluice_sub_close(s);
	sluice_shm_unlink(name);
}
END_TEST

static int list_finds(const char *topic, void *arg)
{
	return strcmp(topic, arg) == 0;
}

START_TEST(introspection_from_another_process)
{
	char name[128];
	struct sluice_topic_opts o = topic_opts(SLUICE_LOSSLESS, 8);
	struct sluice_pub *p;

	tu_name(name, sizeof(name), "stat");
	ck_assert_int_eq(sluice_pub_open(name, &o, &p), 0);
	struct sluice_sub *s = sub_of(name, SLUICE_JOIN_NEXT);
	for (uint64_t i = 0; i < 5; i++)
		publish_seq(p, i);
	for (uint64_t i = 0; i < 3; i++)
		expect_seq(s, i);
	pid_t pid = tu_fork();
	if (pid == 0) {
		struct sluice_topic_stats ts;
		struct sluice_sub_stats ss[2];

		if (sluice_topic_stat(name, &ts, ss, 2) != 0)
			_exit(1);
		if (ts.published != 5 || ts.subscribers != 1 || ss[0].delivered != 3 ||
		    ss[0].cursor != 3 || !ss[0].alive || ts.publisher_pid != getppid() ||
		    !ts.publisher_alive || ts.last_publish_ns == 0 || strcmp(ts.type_name, "test.Msg") ||
		    ts.delivery != SLUICE_LOSSLESS || ts.slot_count != 8)
			_exit(2);
		_exit(sluice_topic_list(list_finds, name) == 1 ? 0 : 3);
	}
	ck_assert_int_eq(tu_wait(pid, 5000), 0);
	sluice_sub_close(s);
	sluice_pub_close(p);
	sluice_shm_unlink(name);
}
END_TEST

/* A "/.name" topic is a topic like any other to the listing. */
START_TEST(dot_topic_is_listed)
{
	char base[128], name[130];
	struct sluice_topic_opts o = topic_opts(SLUICE_LOSSLESS, 8);
	struct sluice_pub *p;

	tu_name(base, sizeof(base), "dot");
	snprintf(name, sizeof(name), "/.%s", base + 1);
	ck_assert_int_eq(sluice_pub_open(name, &o, &p), 0);
	ck_assert_int_eq(sluice_topic_list(list_finds, name), 1);
	sluice_pub_close(p);
	sluice_shm_unlink(name);
}
END_TEST

/* Large bodies take their own copy routine (chan_copy): every length near
 * its threshold and above, from and into unaligned buffers, arrives whole,
 * and not a byte past the message is written. */
START_TEST(large_messages_copied_whole)
{
	const size_t slot = (2u << 20) + 64;
	const size_t lens[] = {CHAN_COPY_LARGE - 1, CHAN_COPY_LARGE, CHAN_COPY_LARGE + 1,
			       (1u << 20) - 8, 1u << 20, (1u << 20) + 13, slot};
	const size_t n = sizeof(lens) / sizeof(lens[0]);
	struct sluice_topic_opts o = topic_opts(_i ? SLUICE_LOSSY : SLUICE_LOSSLESS, 2);
	unsigned char *src = malloc(slot + 64), *dst = malloc(slot + 64);
	char name[128];
	struct sluice_pub *p;

	ck_assert_ptr_nonnull(src);
	ck_assert_ptr_nonnull(dst);
	o.slot_size = (uint32_t)slot;
	tu_name(name, sizeof(name), "large");
	ck_assert_int_eq(sluice_pub_open(name, &o, &p), 0);
	struct sluice_sub *s = sub_of(name, SLUICE_JOIN_NEXT);
	for (size_t i = 0; i < n; i++) {
		struct sluice_msg info;
		size_t len = lens[i];
		unsigned char *from = src + 1 + i % 7, *to = dst + 3 + i % 5;

		msg_fill(from, len, i);
		memset(dst, 0xa5, slot + 64);
		ck_assert_int_eq(sluice_pub_publish(p, from, len, SECOND), 0);
		ck_assert_int_eq(sluice_sub_take_copy(s, to, slot, &info, SECOND), (int)len);
		ck_assert_uint_eq(info.seq, i);
		ck_assert_msg(msg_ok(to, len, i), "%zu bytes arrived changed", len);
		for (unsigned char *q = dst; q < to; q++)
			ck_assert_uint_eq(*q, 0xa5);
		for (unsigned char *q = to + len; q < dst + slot + 64; q++)
			ck_assert_msg(*q == 0xa5, "%zu bytes: byte %td past the end written", len,
				      q - (to + len));
	}
	/* above the routine's own upper bound it falls back to memcpy */
	size_t big = (17u << 20) + 5;
	unsigned char *a = malloc(big + 8), *b = malloc(big + 8);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	msg_fill(a + 1, big, 99);
	memset(b, 0x5a, big + 8);
	sluice__chan_copy_large(b + 2, a + 1, big);
	ck_assert(msg_ok(b + 2, big, 99));
	ck_assert_uint_eq(b[1], 0x5a);
	ck_assert_uint_eq(b[big + 2], 0x5a);
	free(a);
	free(b);
	sluice_sub_close(s);
	sluice_pub_close(p);
	sluice_shm_unlink(name);
	free(src);
	free(dst);
}
END_TEST

/* take(0) on an empty topic looks for a gone publisher, which costs a
 * /proc read; a poll loop makes one only every CHAN_LIVENESS_NS, and
 * still learns of a death. */
START_TEST(polling_an_empty_topic)
{
	char name[128];
	struct sluice_topic_opts o = topic_opts(SLUICE_LOSSLESS, 4);
	struct sluice_pub *p;
	struct sluice_msg m;
	const int polls = 2000;

	tu_name(name, sizeof(name), "poll0");
	ck_assert_int_eq(sluice_topic_create(name, &o), 0);
	ck_assert_int_eq(sluice_pub_open(name, &o, &p), 0);
	struct sluice_sub *s = sub_of(name, SLUICE_JOIN_NEXT);

	ck_assert_int_eq(sluice_sub_take(s, &m, 0), -EAGAIN);
	long long a = tu_syscr(getpid()), b = tu_syscr(getpid());

	if (a < 0 || b < 0) {
		fprintf(stderr, "SKIP part: /proc/self/io unreadable\n");
	} else {
		for (int i = 0; i < polls; i++)
			ck_assert_int_eq(sluice_sub_take(s, &m, 0), -EAGAIN);
		long long c = tu_syscr(getpid());
		long long reads = (c - b) - (b - a);

		/* A read per poll before; now one per 50 ms of polling. */
		ck_assert_msg(reads < polls / 20, "%lld read syscalls for %d polls", reads, polls);
	}
	sluice_pub_close(p);
	sluice_sub_close(s);
	sluice_shm_unlink(name);

	/* A publisher killed while a subscriber polls: take(0) says so. */
	tu_name(name, sizeof(name), "poll0dead");
	ck_assert_int_eq(sluice_topic_create(name, &o), 0);
	int go[2];
	ck_assert_int_eq(pipe(go), 0);
	pid_t pid = tu_fork();
	if (pid == 0) {
		struct sluice_pub *cp;
		char c = 1;

		if (sluice_pub_open(name, &o, &cp) != 0)
			_exit(1);
		if (write(go[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	char c;
	ck_assert_int_eq(read(go[0], &c, 1), 1);
	s = sub_of(name, SLUICE_JOIN_NEXT);
	ck_assert_int_eq(sluice_sub_take(s, &m, 0), -EAGAIN);
	kill(pid, SIGKILL);
	ck_assert_int_eq(tu_wait(pid, 5000), 128 + SIGKILL);
	int rc = -EAGAIN;
	for (int i = 0; i < 2000 && rc == -EAGAIN; i++) {
		rc = sluice_sub_take(s, &m, 0);
		if (rc == -EAGAIN)
			usleep(1000);
	}
	ck_assert_int_eq(rc, -SLUICE_EOWNERDEAD);
	close(go[0]);
	close(go[1]);
	sluice_sub_close(s);
	sluice_shm_unlink(name);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("channel");
	TCase *tc = tcase_create("channel");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, loan_commit_take_release);
	tcase_add_test(tc, dot_topic_is_listed);
	tcase_add_test(tc, type_identity);
	tcase_add_test(tc, second_publisher_refused_then_take_over);
	tcase_add_test(tc, lossy_lapped_subscriber_counts_exactly);
	tcase_add_test(tc, lossy_torn_view_is_reported);
	tcase_add_loop_test(tc, sequences_wrap_past_uint64_max, 0, 2);
	tcase_add_loop_test(tc, publisher_killed_mid_loan, 0, 2);
	tcase_add_loop_test(tc, publisher_killed_between_commit_and_head, 0, 2);
	tcase_add_test(tc, lossless_evicts_killed_subscriber);
	tcase_add_test(tc, lossless_stopped_subscriber_blocks_with_timeout);
	tcase_add_test(tc, waitset_wakes_on_any_topic);
	tcase_add_test(tc, default_spin_adapts);
	tcase_add_test(tc, polling_an_empty_topic);
	tcase_add_test(tc, introspection_from_another_process);
	tcase_add_loop_test(tc, large_messages_copied_whole, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
