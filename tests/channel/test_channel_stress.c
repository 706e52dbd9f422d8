/* test_channel_stress.c - many processes at once: lossless and lossy
 * streams to 1, 4 and 16 subscriber processes checking order, contents and
 * delivered + lost == published; then chaos, SIGKILLing the publisher or a
 * subscriber at random moments, hundreds of times, with every wait bounded. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chan_msg.h"
#include "sluice/sluice.h"
#include "testutil.h"

#define SLOT 256

struct result {
	uint64_t delivered, lost, last_seq, bad;
};

/* A subscriber process: reads until the publisher is gone, checking each
 * message; reports through the pipe. */
static void subscriber(const char *name, int ready_fd, int result_fd, int copy)
{
	struct sluice_sub_opts so = {.type_name = "test.Msg", .join = SLUICE_JOIN_OLDEST};
	struct sluice_sub *s;
	struct result r = {0};
	uint64_t next = 0;
	unsigned char buf[SLOT];

	if (sluice_sub_open(name, &so, &s) != 0)
		_exit(1);
	(void)!write(ready_fd, "r", 1);
	for (;;) {
		struct sluice_msg m;
		int rc;

		if (copy) {
			rc = sluice_sub_take_copy(s, buf, sizeof(buf), &m, 10 * SECOND);
			if (rc >= 0 && !msg_ok(buf, m.len, m.seq))
				r.bad++; /* a torn copy handed out */
		} else {
			rc = sluice_sub_take(s, &m, 10 * SECOND);
			if (rc == 0) {
				int ok = msg_ok(m.data, m.len, m.seq);

				if (sluice_sub_release(s, &m) == 0 && !ok)
					r.bad++;
			}
		}
		if (rc == -SLUICE_EOWNERDEAD)
			break;
		if (rc < 0)
			_exit(2);
		if (m.seq < next || m.seq - next != m.lost_before)
			r.bad++; /* out of order, or a gap not reported as lost */
		next = m.seq + 1;
		r.last_seq = m.seq;
	}
	struct sluice_sub_stats st;
	sluice_sub_stats(s, &st);
	r.delivered = st.delivered;
	r.lost = st.lost;
	(void)!write(result_fd, &r, sizeof(r));
	sluice_sub_close(s);
	_exit(0);
}

static void stream(uint32_t delivery, int nsubs, uint64_t n, int copy)
{
	char name[128];
	struct sluice_topic_opts o = {.slot_size = SLOT, .slot_count = 64, .delivery = delivery,
				      .type_name = "test.Msg"};
	int ready[2], results[2];
	pid_t subs[16];
	char c;

	tu_name(name, sizeof(name), "stream");
	ck_assert_int_eq(sluice_topic_create(name, &o), 0);
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(results), 0);
	for (int i = 0; i < nsubs; i++) {
		subs[i] = tu_fork();
		if (subs[i] == 0)
			subscriber(name, ready[1], results[1], copy);
	}
	for (int i = 0; i < nsubs; i++)
		ck_assert_int_eq(read(ready[0], &c, 1), 1);

	struct sluice_pub *p;
	unsigned char buf[SLOT];
	ck_assert_int_eq(sluice_pub_open(name, &o, &p), 0);
	for (uint64_t seq = 0; seq < n; seq++) {
		void *slot;
		size_t len = msg_len(seq, SLOT);

		/* Half built in place, half copied in. */
		if (seq & 1) {
			ck_assert_int_eq(sluice_pub_loan(p, len, &slot, 10 * SECOND), 0);
			msg_fill((char *)slot + SLOT - len, len, seq);
			ck_assert_int_eq(sluice_pub_commit(p, SLOT - len, len), 0);
		} else {
			msg_fill(buf, len, seq);
			ck_assert_int_eq(sluice_pub_publish(p, buf, len, 10 * SECOND), 0);
		}
	}
	sluice_pub_close(p);

	uint64_t lost_total = 0;
	for (int i = 0; i < nsubs; i++) {
		struct result r;

		ck_assert_int_eq(tu_wait(subs[i], 120000), 0);
		ck_assert_int_eq(read(results[0], &r, sizeof(r)), (int)sizeof(r));
		ck_assert_uint_eq(r.bad, 0);
		ck_assert_uint_eq(r.delivered + r.lost, n);
		ck_assert_uint_eq(r.last_seq, n - 1);
		if (delivery == SLUICE_LOSSLESS)
			ck_assert_uint_eq(r.lost, 0);
		lost_total += r.lost;
	}
	fprintf(stderr, "%s, %d subscriber(s), %llu messages: %llu lost in all\n",
		delivery == SLUICE_LOSSLESS ? "lossless" : "lossy", nsubs, (unsigned long long)n,
		(unsigned long long)lost_total);
	sluice_shm_unlink(name);
	close(ready[0]);
	close(ready[1]);
	close(results[0]);
	close(results[1]);
}

START_TEST(lossless_1_subscriber_1e6)
{
	stream(SLUICE_LOSSLESS, 1, 1000000, 0);
}
END_TEST

START_TEST(lossless_4_subscribers)
{
	stream(SLUICE_LOSSLESS, 4, 250000, 0);
}
END_TEST

START_TEST(lossless_16_subscribers)
{
	stream(SLUICE_LOSSLESS, 16, 60000, 1);
}
END_TEST

START_TEST(lossy_4_subscribers)
{
	stream(SLUICE_LOSSY, 4, 300000, _i);
}
END_TEST

START_TEST(lossy_16_subscribers)
{
	stream(SLUICE_LOSSY, 16, 100000, 0);
}
END_TEST

/* --- chaos -------------------------------------------------------------- */

struct control {
	_Atomic int stop;
	_Atomic int violations;
	_Atomic uint64_t published;
	char why[128];
};

static void violation(struct control *ctl, const char *why)
{
	if (atomic_fetch_add(&ctl->violations, 1) == 0)
		snprintf(ctl->why, sizeof(ctl->why), "%s", why);
}

static void chaos_publisher(const char *name, const struct sluice_topic_opts *o,
			    struct control *ctl)
{
	struct sluice_pub *p = NULL;
	uint64_t t0 = tu_now_ns();
	unsigned char buf[SLOT];

	/* The previous publisher was reaped: taking over must work at once. */
	while (sluice_pub_open(name, o, &p) != 0)
		if (tu_now_ns() - t0 > 2 * SECOND) {
			violation(ctl, "publisher could not take over");
			_exit(1);
		}
	while (!atomic_load(&ctl->stop)) {
		uint64_t seq = sluice_pub_next_seq(p);
		size_t len = msg_len(seq, SLOT);
		uint64_t t1 = tu_now_ns();
		int rc;

		msg_fill(buf, len, seq);
		rc = sluice_pub_publish(p, buf, len, SECOND);
		if (rc == 0)
			atomic_fetch_add(&ctl->published, 1);
		else if (rc != -ETIMEDOUT || tu_now_ns() - t1 > 2 * SECOND)
			violation(ctl, "publish failed");
		else
			violation(ctl, "publisher blocked a whole second");
	}
	sluice_pub_close(p);
	_exit(0);
}

static void chaos_subscriber(const char *name, uint32_t delivery, struct control *ctl)
{
	struct sluice_sub_opts so = {.type_name = "test.Msg"};
	struct sluice_sub *s;
	uint64_t next = 0, first = 0;
	int have = 0;

	if (sluice_sub_open(name, &so, &s) != 0) {
		violation(ctl, "subscriber could not join");
		_exit(1);
	}
	while (!atomic_load(&ctl->stop)) {
		struct sluice_msg m;
		int rc = sluice_sub_take(s, &m, 200000000);

		if (rc == -ETIMEDOUT || rc == -SLUICE_EOWNERDEAD) {
			usleep(1000);
			continue;
		}
		if (rc) {
			violation(ctl, delivery == SLUICE_LOSSLESS && rc == -SLUICE_EEVICTED
					       ? "live lossless subscriber evicted"
					       : "take failed");
			break;
		}
		int ok = msg_ok(m.data, m.len, m.seq);

		if (!have) {
			first = m.seq - m.lost_before;
			have = 1;
		} else if (m.seq < next || m.seq - next != m.lost_before) {
			violation(ctl, "out of order or unreported gap");
		}
		if (delivery == SLUICE_LOSSLESS && m.lost_before)
			violation(ctl, "lossless subscriber lost messages");
		next = m.seq + 1;
		if (sluice_sub_release(s, &m) == 0 && !ok)
			violation(ctl, "torn message delivered as valid");
	}
	struct sluice_sub_stats st;
	sluice_sub_stats(s, &st);
	if (have && st.delivered + st.lost != next - first)
		violation(ctl, "delivered + lost != published while subscribed");
	_exit(0);
}

START_TEST(chaos_kills)
{
	uint32_t delivery = _i ? SLUICE_LOSSY : SLUICE_LOSSLESS;
	char name[128], ctlname[128];
	struct sluice_topic_opts o = {.slot_size = SLOT, .slot_count = 16, .delivery = delivery,
				      .type_name = "test.Msg"};
	struct sluice_shm *shm;
	uint64_t seed = 0x853c49e6748fea9bu + _i;
	pid_t kids[3];
	const int kills = 200;

	tu_name(name, sizeof(name), "chaos");
	tu_name(ctlname, sizeof(ctlname), "ctl");
	ck_assert_int_eq(sluice_topic_create(name, &o), 0);
	ck_assert_int_eq(sluice_shm_create(ctlname, SLUICE_SHM_RAW, sizeof(struct control), NULL,
					   &shm),
			 0);
	sluice_shm_publish(shm);
	struct control *ctl = sluice_shm_payload(shm);

	for (int k = 0; k < 3; k++) {
		kids[k] = tu_fork();
		if (kids[k] == 0) {
			if (k == 0)
				chaos_publisher(name, &o, ctl);
			chaos_subscriber(name, delivery, ctl);
		}
	}
	for (int n = 0; n < kills; n++) {
		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		usleep(1000 + seed % 9000);
		int k = (int)((seed >> 20) % 3);

		kill(kids[k], SIGKILL);
		ck_assert_int_eq(tu_wait(kids[k], 5000), 128 + SIGKILL);
		ck_assert_msg(atomic_load(&ctl->violations) == 0, "after kill %d: %s", n, ctl->why);
		kids[k] = tu_fork();
		if (kids[k] == 0) {
			if (k == 0)
				chaos_publisher(name, &o, ctl);
			chaos_subscriber(name, delivery, ctl);
		}
	}
	usleep(100000);
	atomic_store(&ctl->stop, 1);
	for (int k = 0; k < 3; k++)
		ck_assert_int_eq(tu_wait(kids[k], 10000), 0);
	ck_assert_msg(atomic_load(&ctl->violations) == 0, "%s", ctl->why);
	struct sluice_topic_stats ts;
	ck_assert_int_eq(sluice_topic_stat(name, &ts, NULL, 0), 0);
	fprintf(stderr, "chaos (%s): %d kills, %llu messages published, %llu subscribers evicted\n",
		_i ? "lossy" : "lossless", kills, (unsigned long long)ts.published,
		(unsigned long long)ts.evicted);
	/* A publisher killed between its commit and its count leaves the
	 * topic one ahead of the count, at most once per kill. */
	uint64_t counted = atomic_load(&ctl->published);
	ck_assert_uint_ge(ts.published, counted);
	ck_assert_uint_le(ts.published - counted, kills);
	ck_assert_uint_gt(ts.published, 1000);
	sluice_shm_close(shm);
	sluice_shm_unlink(name);
	sluice_shm_unlink(ctlname);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("channel-stress");
	TCase *tc = tcase_create("stress");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, lossless_1_subscriber_1e6);
	tcase_add_test(tc, lossless_4_subscribers);
	tcase_add_test(tc, lossless_16_subscribers);
	tcase_add_loop_test(tc, lossy_4_subscribers, 0, 2);
	tcase_add_test(tc, lossy_16_subscribers);
	tcase_add_loop_test(tc, chaos_kills, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
