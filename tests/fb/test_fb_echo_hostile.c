/* test_fb_echo_hostile.c - `sluice echo` (the real binary) against a hostile
 * fast publisher on a 4-slot lossy topic: messages of varying layout at full
 * speed, and the bytes of each committed message rewritten in the mapping
 * while echo may be reading them. Echo must never crash: it ends only by
 * the SIGTERM the test sends, and every line it printed is valid JSON.
 * Also: a string that is not valid UTF-8 still prints as valid JSON. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sluice/channel.h"
#include "sluice/error.h"
#include "sluice/fb_json.h"
#include "testutil.h"
#include "zoo_build.h"
#include "zoo_sluice.h"

#define RUN_MS 3000

/* Layouts that differ in which fields exist and where their bytes lie. */
static const char *const variants[] = {
	"{ name: \"a\", tags: [ { name: \"t1\" }, { name: \"t2\", weight: 3 } ], "
	"names: [ \"x\", \"yy\", \"zzz\" ] }",
	"{ name: \"bbbbbbbbbbbbbbbbbbbbbbbb\", friend: { name: \"f\", pack: [ { name: \"p\" }, "
	"{ name: \"q\", home_type: Cage, home: { id: 4 } } ] }, scores: [ 1, 2, 3, 4 ] }",
	"{ name: \"c\", home_type: Tag, home: { name: \"h\" }, path: [ { x: 1, y: 2, z: 3 } ], "
	"note: { text: \"n\" } }",
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* One message of layout k into the loaned slot; 0 or an error. */
static int build(void *slot, size_t cap, unsigned k, sluice_fb_msg *m)
{
	static _Alignas(8) uint8_t scratch[8192];
	size_t blen;
	const uint8_t *bfbs = sluice_bfbs_zoo(&blen);
	sluice_fb_builder b;

	if (k == 0)
		return zoo_build(slot, cap, m);
	sluice_fb_builder_init(&b, slot, cap);
	return sluice_fb_json_parse(bfbs, blen, NULL, variants[k - 1], strlen(variants[k - 1]),
				    scratch, sizeof(scratch), &b, false, m);
}

/* The hostile publisher: commits, then keeps rewriting the committed bytes
 * (another message's layout, random words) until its time is up. */
static void publisher(const char *topic, int ready_fd)
{
	struct sluice_topic_opts o = {0};
	struct sluice_pub *pub;
	size_t blen;
	uint64_t seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	uint64_t end;
	unsigned k = 0;

	o.slot_size = 4096;
	o.slot_count = 4;
	o.delivery = SLUICE_LOSSY;
	o.type_name = "zoo.Animal";
	o.schema = sluice_bfbs_zoo(&blen);
	o.schema_len = blen;
	if (sluice_pub_open(topic, &o, &pub) != 0)
		_exit(2);
	if (write(ready_fd, "r", 1) != 1)
		_exit(2);
	end = tu_now_ns() + (uint64_t)(RUN_MS + 2000) * 1000000u;
	while (tu_now_ns() < end) {
		void *slot;
		uint8_t *msg;
		sluice_fb_msg m, other;
		static _Alignas(32) uint8_t alt[4096], orig[4096];

		if (sluice_pub_loan(pub, 4096, &slot, 0) != 0 || build(slot, 4096, k % 4, &m) != 0)
			_exit(3);
		if (build(alt, sizeof(alt), (k + 1) % 4, &other) != 0)
			_exit(3);
		if (sluice_pub_commit(pub, m.offset, m.length) != 0)
			_exit(4);
		msg = (uint8_t *)slot + m.offset;
		memcpy(orig, msg, m.length);
		/* a hostile writer: the committed bytes change under the reader,
		 * staying valid for a few microseconds now and then, long enough
		 * for a verifier to pass, then turning into another layout or
		 * into offsets that point far away */
		for (int r = 0; r < 16; r++) {
			size_t n = m.length < other.length ? m.length : other.length;
			uint64_t until = tu_now_ns() + 5000 + rnd(&seed) % 40000;

			switch (r % 6) {
			case 1: memset(msg + 4, 0x7f, m.length - 4); break;
			case 3: memcpy(msg + 8, alt + other.offset + 8, n - 8); break;
			case 5:
				for (size_t at = 4; at + 4 <= m.length; at += 8)
					memcpy(msg + at, &(uint32_t){0x40000000u | (uint32_t)rnd(&seed)}, 4);
				break;
			default: memcpy(msg, orig, m.length); break; /* valid again */
			}
			while (tu_now_ns() < until)
				;
		}
		k++;
	}
	sluice_pub_close(pub);
	_exit(0);
}

static pid_t start_echo(const char *topic, const char *out_path)
{
	pid_t pid = tu_fork();

	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int null = open("/dev/null", O_WRONLY);

		if (fd < 0 || null < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(null, 2);
		execl(SLUICE_BIN, "sluice", "echo", topic, (char *)NULL);
		_exit(127);
	}
	return pid;
}

START_TEST(echo_survives_hostile_lossy_publisher)
{
	char topic[96], out_path[] = "/tmp/sluice-echo-hostile-XXXXXX", cmd[256];
	int p[2], status = 0, fd;
	pid_t pub, echo;
	char c;
	struct timespec run = {RUN_MS / 1000, (RUN_MS % 1000) * 1000000L};

	tu_name(topic, sizeof(topic), "echo-hostile");
	fd = mkstemp(out_path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(pipe(p), 0);
	pub = tu_fork();
	ck_assert_int_ge(pub, 0);
	if (pub == 0) {
		close(p[0]);
		publisher(topic, p[1]);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1); /* the topic exists */
	close(p[0]);
	echo = start_echo(topic, out_path);
	ck_assert_int_gt(echo, 0);
	nanosleep(&run, NULL);
	kill(echo, SIGTERM);
	ck_assert_int_eq(waitpid(echo, &status, 0), echo);
	kill(pub, SIGKILL);
	tu_wait(pub, 5000);
	/* ended by our SIGTERM (echo stops on it and exits 0), never by a
	 * signal of its own: SIGSEGV, SIGBUS, SIGABRT */
	ck_assert_msg(WIFEXITED(status) || WTERMSIG(status) == SIGTERM,
		      "sluice echo died of signal %d (%s)", WTERMSIG(status),
		      strsignal(WTERMSIG(status)));
	ck_assert_msg(WIFSIGNALED(status) || WEXITSTATUS(status) == 0, "sluice echo exited %d",
		      WEXITSTATUS(status));
	/* what it printed is JSON, one object per line */
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 -c 'import json,sys\n"
		 "n=0\n"
		 "for l in open(sys.argv[1]): json.loads(l); n+=1\n"
		 "sys.exit(0 if n else 3)' '%s'",
		 out_path);
	if (access("/usr/bin/python3", X_OK) == 0)
		ck_assert_int_eq(system(cmd), 0);
	unlink(out_path);
}
END_TEST

/* A string that is not UTF-8 (a stray continuation byte, a truncated
 * sequence, an overlong form, a surrogate) prints as valid JSON with
 * U+FFFD in place of each bad byte; valid UTF-8 stays as it is. */
START_TEST(invalid_utf8_prints_valid_json)
{
	_Alignas(32) static uint8_t buf[1024];
	static char out[8192];
	static const char bad[] = "ok \x80 \xe2\x82 \xc0\xaf \xed\xa0\x80 \xff \xc3\xa9 \"q\"";
	char path[] = "/tmp/sluice-utf8-XXXXXX", cmd[512];
	sluice_fb_builder b;
	sluice_fb_ref n;
	sluice_fb_msg m;
	size_t blen, len;
	const uint8_t *bfbs = sluice_bfbs_zoo(&blen);
	FILE *f;
	int fd;

	sluice_fb_builder_init(&b, buf, sizeof(buf));
	n = sluice_fb_string(&b, bad, sizeof(bad) - 1);
	zoo_Animal_start(&b);
	zoo_Animal_add_name(&b, n);
	ck_assert_int_eq(zoo_Animal_finish(&b, zoo_Animal_end(&b), &m), 0);
	ck_assert_int_eq(sluice_fb_json_print_buffer(bfbs, blen, NULL, buf + m.offset, m.length, NULL,
						     out, sizeof(out), &len),
			 0);
	ck_assert_ptr_nonnull(strstr(out, "\"ok \\ufffd \\ufffd\\ufffd \\ufffd\\ufffd "
					  "\\ufffd\\ufffd\\ufffd \\ufffd \xc3\xa9 \\\"q\\\"\""));
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_uint_eq(fwrite(out, 1, len, f), len);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 -c 'import json,sys\n"
		 "d=json.loads(open(sys.argv[1],\"rb\").read().decode(\"utf-8\"))\n"
		 "sys.exit(0 if d[\"name\"].count(chr(0xfffd))==9 and chr(0xe9) in d[\"name\"] else 4)' "
		 "'%s'",
		 path);
	if (access("/usr/bin/python3", X_OK) == 0)
		ck_assert_int_eq(system(cmd), 0);
	unlink(path);
}
END_TEST

/* Replaces every length-prefixed string `from` in b[0..n) by `to` (same
 * length); returns how many it replaced. */
static int patch_name(uint8_t *b, size_t n, const char *from, const char *to)
{
	size_t k = strlen(from);
	int hits = 0;

	for (size_t i = 4; i + k < n; i++)
		if (sluice_fb_u32(b + i - 4) == k && !memcmp(b + i, from, k) && !b[i + k]) {
			memcpy(b + i, to, k);
			hits++;
		}
	return hits;
}

/* The schema travels with the topic, so its names are escaped like any
 * string: a field and an enum value named with a quote and a byte that is
 * not UTF-8 still print as valid JSON. */
START_TEST(schema_names_are_escaped)
{
	_Alignas(32) static uint8_t buf[8192], bfbs[1 << 16];
	static char out[1 << 16];
	char path[] = "/tmp/sluice-names-XXXXXX", cmd[512];
	sluice_fb_msg m;
	size_t blen, len;
	const uint8_t *orig = sluice_bfbs_zoo(&blen);
	FILE *f;
	int fd;

	ck_assert_uint_le(blen, sizeof(bfbs));
	memcpy(bfbs, orig, blen);
	ck_assert_int_gt(patch_name(bfbs, blen, "legs", "l\"\xffs"), 0);
	ck_assert_int_gt(patch_name(bfbs, blen, "Green", "Gr\\\"n"), 0);
	ck_assert_int_eq(zoo_build(buf, sizeof(buf), &m), 0);
	ck_assert_msg(sluice_fb_json_print_buffer(bfbs, blen, NULL, buf + m.offset, m.length, NULL,
						  out, sizeof(out), &len) == 0,
		      "%s", sluice_errdetail());
	ck_assert_ptr_nonnull(strstr(out, "\"l\\\"\\ufffds\": 4"));
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_uint_eq(fwrite(out, 1, len, f), len);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 -c 'import json,sys\n"
		 "d=json.loads(open(sys.argv[1],\"rb\").read().decode(\"utf-8\"))\n"
		 "sys.exit(0 if d[\"l\\\"\\ufffds\"]==4 and \"Gr\\\\\\\"n\" in d[\"colors\"] else 4)' "
		 "'%s'",
		 path);
	if (access("/usr/bin/python3", X_OK) == 0)
		ck_assert_int_eq(system(cmd), 0);
	unlink(path);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("fb_echo_hostile");
	TCase *tc = tcase_create("echo");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, echo_survives_hostile_lossy_publisher);
	tcase_add_test(tc, invalid_utf8_prints_valid_json);
	tcase_add_test(tc, schema_names_are_escaped);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
