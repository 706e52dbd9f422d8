/* test_channel_hostile.c - a third process writes into a topic's shared
 * memory (slot headers, the publisher's state and pid): the honest
 * publisher and subscriber must lose nothing once it stops, never hang or
 * crash meanwhile, count what it cost, and report an impossible publisher
 * state as such rather than as the end of the stream. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "chan_msg.h"
#include "chan_scribble.h"
#include "channel/chan.h"
#include "sluice/sluice.h"
#include "testutil.h"

#define SLOT 256
#define SLOTS 64

static struct sluice_topic_opts topic_opts(uint32_t delivery)
{
	return (struct sluice_topic_opts){.slot_size = SLOT, .slot_count = SLOTS,
					  .delivery = delivery, .type_name = "test.Msg"};
}

static struct sluice_sub *sub_of(const char *name)
{
	struct sluice_sub_opts so = {.type_name = "test.Msg", .join = SLUICE_JOIN_OLDEST};
	struct sluice_sub *s;

	ck_assert_int_eq(sluice_sub_open(name, &so, &s), 0);
	return s;
}

static int publish(struct sluice_pub *p, uint64_t seq)
{
	unsigned char buf[SLOT];
	size_t len = msg_len(seq, SLOT);

	msg_fill(buf, len, seq);
	return sluice_pub_publish(p, buf, len, 5 * SECOND);
}

/* Runs fn(geometry, arg) in a process of its own, as a foreign writer. */
static void scribble(const char *name, void (*fn)(struct chan_geom *, void *), void *arg)
{
	pid_t pid = tu_fork();

	if (pid == 0) {
		struct chan_geom g;

		if (sluice__chan_attach(name, NULL, NULL, 0, &g) != 0)
			_exit(1);
		fn(&g, arg);
		_exit(0);
	}
	ck_assert_int_eq(tu_wait(pid, 10000), 0);
}

static void set_version_1(struct chan_geom *g, void *arg)
{
	atomic_store(&chan_slot(g, *(uint64_t *)arg)->version, 1);
}

/* (a) One 8-byte write: a lossless slot's version set to 1.  Nothing that
 * a lossless reader needs may depend on it, and the publisher rewrites it:
 * every message still arrives. */
START_TEST(lossless_version_write_loses_nothing)
{
	char name[128];
	struct sluice_topic_opts o = topic_opts(SLUICE_LOSSLESS);
	const uint64_t n = 20000;
	uint64_t slot = 3;

	tu_name(name, sizeof(name), "ver1");
	ck_assert_int_eq(sluice_topic_create(name, &o), 0);
	struct sluice_sub *s = sub_of(name);
	scribble(name, set_version_1, &slot);
	pid_t pid = tu_fork();
	if (pid == 0) {
		struct sluice_pub *p;

		if (sluice_pub_open(name, &o, &p) != 0)
			_exit(1);
		for (uint64_t i = 0; i < n; i++) {
			if (i == n / 2) {
				/* Once more mid-stream, on a slot about to be read. */
				struct chan_geom g;

				if (sluice__chan_attach(name, NULL, NULL, 0, &g) != 0)
					_exit(3);
				atomic_store(&chan_slot(&g, i + 1)->version, 1);
				sluice__chan_detach(&g);
			}
			if (publish(p, i) != 0)
				_exit(2);
		}
		sluice_pub_close(p);
		_exit(0);
	}
	for (uint64_t i = 0; i < n; i++) {
		struct sluice_msg m;
		int rc = sluice_sub_take(s, &m, 5 * SECOND);

		ck_assert_msg(rc == 0, "message %llu: %s (%s)", (unsigned long long)i,
			      sluice_strerror(rc), sluice_errdetail());
		ck_assert_uint_eq(m.seq, i);
		ck_assert_uint_eq(m.lost_before, 0);
		ck_assert(msg_ok(m.data, m.len, i));
		ck_assert_int_eq(sluice_sub_release(s, &m), 0);
	}
	struct sluice_msg m;
	ck_assert_int_eq(sluice_sub_take(s, &m, 5 * SECOND), -SLUICE_EOWNERDEAD);
	struct sluice_sub_stats st;
	sluice_sub_stats(s, &st);
	ck_assert_uint_eq(st.delivered, n);
	ck_assert_uint_eq(st.lost, 0);
	ck_assert_int_eq(tu_wait(pid, 10000), 0);
	sluice_sub_close(s);
	sluice_shm_unlink(name);
}
END_TEST

/* Shared by the processes of the next test (an anonymous shared mapping). */
struct ctl {
	_Atomic int scribbling_done;
	_Atomic uint64_t settled_from; /* first seq published a lap after it stopped */
	_Atomic uint64_t total;        /* messages published in all */
};

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Random values in random slot header fields, some wild, some a little
 * before or after the slot's sequence (those make a reader wait or skip). */
static void scribble_headers(struct chan_geom *g, void *arg)
{
	struct ctl *c = arg;
	uint64_t x = 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	uint64_t until = tu_now_ns() + 300000000u;

	while (tu_now_ns() < until) {
		for (int k = 0; k < 64; k++) {
			uint64_t r = rnd(&x);
			struct chan_slot *sl = chan_slot(g, r >> 40);
			uint64_t seq = atomic_load(&sl->seq);
			uint64_t near = seq + (r >> 20) % (4 * SLOTS) - 2 * SLOTS;

			switch (r % 6) {
			case 0:
				atomic_store(&sl->version, rnd(&x));
				break;
			case 1:
				atomic_store(&sl->seq, rnd(&x));
				break;
			case 2:
				atomic_store(&sl->seq, near);
				break;
			case 3:
				atomic_store(&sl->offset, (uint32_t)rnd(&x));
				break;
			case 4:
				atomic_store(&sl->len, (uint32_t)rnd(&x));
				break;
			default:
				atomic_store(&sl->stamp_ns, rnd(&x));
				break;
			}
		}
		usleep(100);
	}
	atomic_store(&c->scribbling_done, 1);
}

/* (b) Slot headers randomised for a while, in both modes: the subscriber
 * neither crashes nor hangs, every gap is counted (delivered + lost ==
 * published, each message's lost_before is its gap), and a lap after the
 * scribbling stopped the lossless stream is whole again. */
START_TEST(random_slot_headers_recover)
{
	char name[128];
	uint32_t mode = _i ? SLUICE_LOSSY : SLUICE_LOSSLESS;
	struct sluice_topic_opts o = topic_opts(mode);
	struct ctl *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			     -1, 0);

	ck_assert_ptr_ne(c, MAP_FAILED);
	atomic_store(&c->settled_from, UINT64_MAX);
	tu_name(name, sizeof(name), "randhdr");
	ck_assert_int_eq(sluice_topic_create(name, &o), 0);
	struct sluice_sub *s = sub_of(name);
	pid_t pub = tu_fork();
	if (pub == 0) {
		struct sluice_pub *p;
		uint64_t i = 0, stop = UINT64_MAX;

		if (sluice_pub_open(name, &o, &p) != 0)
			_exit(1);
		for (; i < stop; i++) {
			if (stop == UINT64_MAX && atomic_load(&c->scribbling_done)) {
				atomic_store(&c->settled_from, i + SLOTS);
				stop = i + 20 * SLOTS;
			}
			if (publish(p, i) != 0)
				_exit(2);
			if (mode == SLUICE_LOSSY && i % 16 == 0)
				usleep(20); /* let the reader keep up, mostly */
		}
		atomic_store(&c->total, i);
		sluice_pub_close(p);
		_exit(0);
	}
	pid_t scr = tu_fork();
	if (scr == 0) {
		struct chan_geom g;

		if (sluice__chan_attach(name, NULL, NULL, 0, &g) != 0)
			_exit(1);
		scribble_headers(&g, c);
		_exit(0);
	}
	uint64_t next = 0, delivered = 0, torn = 0, bad_after = 0, after = 0, corrupt = 0;
	for (;;) {
		struct sluice_msg m;
		int rc = sluice_sub_take(s, &m, 5 * SECOND);

		if (rc == -SLUICE_EOWNERDEAD)
			break;
		if (rc == -SLUICE_ECORRUPT && next < atomic_load(&c->settled_from)) {
			corrupt++; /* said while the writes go on: read on */
			continue;
		}
		ck_assert_msg(rc == 0, "after %llu: %s (%s)", (unsigned long long)next,
			      sluice_strerror(rc), sluice_errdetail());
		ck_assert_uint_eq(m.seq, next + m.lost_before);
		next = m.seq + 1;
		uint64_t settled = atomic_load(&c->settled_from);
		int ok = msg_ok(m.data, m.len, m.seq);
		rc = sluice_sub_release(s, &m);
		if (rc == -SLUICE_ETORN) {
			torn++;
			continue;
		}
		ck_assert_int_eq(rc, 0);
		delivered++;
		if (m.seq >= settled) {
			after++;
			/* Losses counted at settled happened before it. */
			if (!ok || (mode == SLUICE_LOSSLESS && m.lost_before && m.seq > settled))
				bad_after++;
		}
	}
	ck_assert_int_eq(tu_wait(scr, 10000), 0);
	ck_assert_int_eq(tu_wait(pub, 10000), 0);
	uint64_t total = atomic_load(&c->total);
	struct sluice_sub_stats st;
	sluice_sub_stats(s, &st);
	printf("%s: %llu published, %llu delivered, %llu lost (%llu torn), %llu ECORRUPT; "
	       "%llu after settling, %llu of them bad\n",
	       mode == SLUICE_LOSSY ? "lossy" : "lossless", (unsigned long long)total,
	       (unsigned long long)delivered, (unsigned long long)st.lost,
	       (unsigned long long)torn, (unsigned long long)corrupt, (unsigned long long)after,
	       (unsigned long long)bad_after);
	ck_assert_uint_eq(next, total);
	ck_assert_uint_eq(st.delivered, delivered);
	ck_assert_uint_eq(st.delivered + st.lost, total);
	ck_assert_uint_gt(after, 0);
	ck_assert_uint_eq(bad_after, 0);
	if (mode == SLUICE_LOSSLESS) /* a whole lap and more with nothing lost */
		ck_assert_uint_ge(after, 19 * SLOTS - 1);
	sluice_sub_close(s);
	sluice_shm_unlink(name);
	munmap(c, sizeof(*c));
}
END_TEST

static void set_pub_state_closed(struct chan_geom *g, void *arg)
{
	(void)arg;
	atomic_store(&g->h->pub_state, CHAN_PUB_CLOSED);
}

static void set_pub_pid_1(struct chan_geom *g, void *arg)
{
	(void)arg;
	atomic_store(&g->h->pub_pid, 1);
}

static void take_n(struct sluice_sub *s, uint64_t from, uint64_t n)
{
	for (uint64_t i = from; i < from + n; i++) {
		struct sluice_msg m;
		int rc = sluice_sub_take(s, &m, 5 * SECOND);

		ck_assert_msg(rc == 0, "message %llu: %s (%s)", (unsigned long long)i,
			      sluice_strerror(rc), sluice_errdetail());
		ck_assert_uint_eq(m.seq, i);
		ck_assert_uint_eq(m.lost_before, 0);
		ck_assert(msg_ok(m.data, m.len, i));
		ck_assert_int_eq(sluice_sub_release(s, &m), 0);
	}
}

/* (c) pub_state = 2 (closed) or pub_pid = 1 written by a third process
 * while the publisher lives and is idle: the subscriber says the state is
 * impossible (-SLUICE_ECORRUPT) instead of reporting the end of the stream,
 * a second publisher is not let in, the publisher's next lap restores its
 * own fields, and its genuine close later is the end. */
START_TEST(forged_publisher_state_is_reported)
{
	char name[128];
	struct sluice_topic_opts o = topic_opts(_i & 1 ? SLUICE_LOSSY : SLUICE_LOSSLESS);
	int pid_field = _i >> 1; /* else pub_state */
	int ready[2], go[2];
	char ch;

	tu_name(name, sizeof(name), "forged");
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(go), 0);
	pid_t pid = tu_fork();
	if (pid == 0) {
		struct sluice_pub *p;
		uint64_t i = 0;

		if (sluice_pub_open(name, &o, &p) != 0)
			_exit(1);
		for (; i < 10; i++)
			if (publish(p, i) != 0)
				_exit(2);
		(void)!write(ready[1], "r", 1);
		if (read(go[0], &ch, 1) != 1)
			_exit(3);
		for (; i < 10 + SLOTS; i++) /* a lap, and no more: lossy too */
			if (publish(p, i) != 0)
				_exit(2);
		(void)!write(ready[1], "r", 1);
		if (read(go[0], &ch, 1) != 1)
			_exit(3);
		sluice_pub_close(p);
		(void)!write(ready[1], "r", 1);
		pause(); /* closed, and alive */
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &ch, 1), 1);
	struct sluice_sub *s = sub_of(name);
	take_n(s, 0, 10);

	scribble(name, pid_field ? set_pub_pid_1 : set_pub_state_closed, NULL);
	struct sluice_msg m;
	int rc = sluice_sub_take(s, &m, 200000000);
	ck_assert_msg(rc == -SLUICE_ECORRUPT, "take after the forged %s: %s (%s)",
		      pid_field ? "pub_pid" : "pub_state", sluice_strerror(rc), sluice_errdetail());
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), pid_field ? "pub_pid" : "pub_state"));
	rc = sluice_sub_take(s, &m, 0);
	ck_assert_int_eq(rc, -SLUICE_ECORRUPT);
	/* The topic's publisher is alive: nobody else may publish. */
	struct sluice_pub *p2;
	ck_assert_int_eq(sluice_pub_open(name, &o, &p2), -EBUSY);

	/* A lap later the publisher has put back what it owns. */
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	take_n(s, 10, SLOTS);
	ck_assert_int_eq(read(ready[0], &ch, 1), 1);
	struct chan_geom g;
	ck_assert_int_eq(sluice__chan_attach(name, NULL, NULL, 0, &g), 0);
	ck_assert_uint_eq(atomic_load(&g.h->pub_state), CHAN_PUB_LIVE);
	ck_assert_int_eq(atomic_load(&g.h->pub_pid), pid);
	sluice__chan_detach(&g);
	ck_assert_int_eq(sluice_sub_take(s, &m, 0), -EAGAIN);

	/* Its real close, its process still alive, is the end of the stream. */
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	ck_assert_int_eq(read(ready[0], &ch, 1), 1);
	rc = sluice_sub_take(s, &m, SECOND);
	ck_assert_msg(rc == -SLUICE_EOWNERDEAD, "after close: %s (%s)", sluice_strerror(rc),
		      sluice_errdetail());
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), "closed"));

	kill(pid, SIGKILL);
	tu_wait(pid, 5000);
	sluice_sub_close(s);
	sluice_shm_unlink(name);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}
END_TEST

/* The fuzz target's driver (chan_scribble.h) over pseudo-random inputs:
 * publisher, subscriber and scribbler take turns in one process. */
START_TEST(scribbled_turns_heal)
{
	char name[128];
	uint8_t in[512];
	uint64_t x = 0x2545f4914f6cdd1dull;

	tu_name(name, sizeof(name), "turns");
	for (int run = 0; run < 400; run++) {
		size_t n = 16 + rnd(&x) % (sizeof(in) - 16);

		for (size_t k = 0; k < n; k++)
			in[k] = (uint8_t)rnd(&x);
		const char *bad = scribble_run(name, in, n);

		ck_assert_msg(bad == NULL, "input %d: %s", run, bad);
	}
}
END_TEST

/* The inputs the fuzz target once failed on (fuzz/seeds/chan_scribble). */
START_TEST(scribble_seeds_heal)
{
	char name[128], path[512];
	DIR *d = opendir(SCRIBBLE_SEEDS);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	tu_name(name, sizeof(name), "seeds");
	while ((e = readdir(d)) != NULL) {
		uint8_t in[4096];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", SCRIBBLE_SEEDS, e->d_name);
		FILE *f = fopen(path, "rb");
		ck_assert_ptr_nonnull(f);
		size_t len = fread(in, 1, sizeof(in), f);
		fclose(f);
		const char *bad = scribble_run(name, in, len);

		ck_assert_msg(bad == NULL, "%s: %s", e->d_name, bad);
		n++;
	}
	closedir(d);
	ck_assert_int_gt(n, 0);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("channel_hostile");
	TCase *tc = tcase_create("hostile");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, lossless_version_write_loses_nothing);
	tcase_add_loop_test(tc, random_slot_headers_recover, 0, 2);
	/* _i: bit 0 lossless or lossy, bit 1 pub_state or pub_pid. */
	tcase_add_loop_test(tc, forged_publisher_state_is_reported, 0, 4);
	tcase_add_test(tc, scribbled_turns_heal);
	tcase_add_test(tc, scribble_seeds_heal);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
