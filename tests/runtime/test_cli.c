/* test_cli.c - the topic tools refuse bad arguments and tell the truth:
 * every number option is parsed strictly (exit 2, naming the option), a
 * topic that cannot be opened says why, `echo --wait` waits for a
 * publisher, `pub --type --schema` creates a topic, `hz` and `echo` end
 * once when the publisher goes (0 when it closed, 1 when it died), and a
 * pipeline's topic is found by --pipeline or hinted at. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gps_sluice.h"
#include "sluice/sluice.h"
#include "testutil.h"

static const char gps_json[] = "{\"header\": {\"stamp_ns\": 42, \"frame_id\": \"gps\", \"seq\": 7}, "
			       "\"kind\": \"Fix3D\", \"satellites\": 9}";

/* SLUICE_TEST_BIN runs these tests against another build of the CLI (an
 * older one, to see a test fail before its fix). */
static const char *bin(void)
{
	const char *b = getenv("SLUICE_TEST_BIN");

	return b && *b ? b : SLUICE_BIN;
}

/* Runs `sluice ARGS` through the shell, at most 10 s (timeout's 124 then);
 * its stderr into err.  Returns the exit status. */
static int sh(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int sh(char *err, size_t errlen, const char *fmt, ...)
{
	char args[2048], cmd[4096], path[128];
	va_list ap;
	FILE *f;
	size_t n = 0;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "/tmp/sluice-test-%ld-cli.err", (long)getpid());
	snprintf(cmd, sizeof(cmd), "timeout 10 %s %s >/dev/null 2>%s", bin(), args, path);
	st = system(cmd);
	if ((f = fopen(path, "r")) != NULL) {
		n = fread(err, 1, errlen - 1, f);
		fclose(f);
	}
	err[n] = '\0';
	unlink(path);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* A live topic, so that a tool that misreads a number goes on to do the
 * wrong thing (print nothing and exit 0, run forever) instead of failing
 * for want of a topic. */
static const struct {
	const char *args, *option;
} bad_numbers[] = {
	{"echo %s -n abc", "-n"},          {"echo %s -n 1x", "-n"},
	{"echo %s -n 0", "-n"},            {"echo %s -n ''", "-n"},
	{"echo %s -n ' 1'", "-n"},         {"echo %s -n", "-n"},
	{"hz %s --duration abc", "--duration"}, {"hz %s --duration 1x", "--duration"},
	{"hz %s --duration -1", "--duration"},  {"hz %s --duration nan", "--duration"},
	{"pub %s '{}' --rate abc", "--rate"},   {"pub %s '{}' --rate 2x", "--rate"},
	{"pub %s '{}' -n -1", "-n"},            {"pub %s '{}' -n 99999999999999999999", "-n"},
	{"pub %s '{}' --slots 3", "--slots"},   {"pub %s '{}' --slot-size x", "--slot-size"},
};

START_TEST(number_options_are_strict)
{
	char name[128], args[512], err[4096];
	struct sluice_pub *p;
	struct sluice_topic_opts o = {.type_name = "test.Cli", .slot_size = 64, .slot_count = 8};

	tu_name(name, sizeof(name), "num");
	ck_assert_int_eq(sluice_pub_open(name, &o, &p), 0);
	snprintf(args, sizeof(args), bad_numbers[_i].args, name);
	int rc = sh(err, sizeof(err), "%s", args);

	ck_assert_msg(rc == 2, "sluice %s: exit %d, want 2 (%s)", args, rc, err);
	ck_assert_msg(strstr(err, bad_numbers[_i].option), "sluice %s: \"%s\" does not name %s",
		      args, err, bad_numbers[_i].option);
	sluice_pub_close(p);
	sluice_shm_unlink(name);
}
END_TEST

/* "cannot open /nope" alone does not say why; and a bare name that is a
 * pipeline's topic gets a hint, --pipeline finds it. */
START_TEST(missing_topic_says_why_and_hints)
{
	char name[128], err[4096], pl[160], seg[200];
	struct sluice_pub *p;
	struct sluice_topic_opts o = {.type_name = "test.Cli", .slot_size = 64, .slot_count = 8};

	tu_name(name, sizeof(name), "nope");
	ck_assert_int_eq(sh(err, sizeof(err), "echo %s", name), 1);
	ck_assert_msg(strstr(err, "No such file or directory"), "echo said \"%s\"", err);
	ck_assert_int_eq(sh(err, sizeof(err), "hz %s --duration 1", name), 1);
	ck_assert_msg(strstr(err, "No such file or directory"), "hz said \"%s\"", err);

	/* "/<pipeline>.<topic>", as sluice run names them; the pipeline's
	 * name carries this run's prefix so the sweep removes it. */
	snprintf(pl, sizeof(pl), "%s", name + 1);
	*strrchr(pl, '-') = '\0';
	snprintf(pl + strlen(pl), sizeof(pl) - strlen(pl), "-pl");
	ck_assert_int_lt(snprintf(seg, sizeof(seg), "/%s.imu%ld", pl, (long)getpid()), (int)sizeof(seg));
	ck_assert_int_eq(sluice_pub_open(seg, &o, &p), 0);
	ck_assert_int_eq(sluice_pub_publish(p, "x", 1, 0), 0);
	ck_assert_int_eq(sh(err, sizeof(err), "echo imu%ld", (long)getpid()), 1);
	ck_assert_msg(strstr(err, "--pipeline") && strstr(err, pl), "no hint in \"%s\"", err);
	ck_assert_int_eq(sh(err, sizeof(err), "echo imu%ld --pipeline %s --oldest -n 1",
			    (long)getpid(), pl),
			 0);
	sluice_pub_close(p);
	sluice_shm_unlink(seg);
}
END_TEST

static void write_schema(char *path, size_t len)
{
	size_t n;
	const uint8_t *b = sluice_bfbs_gps(&n);
	FILE *f;

	snprintf(path, len, "/tmp/sluice-test-%ld-gps.bfbs", (long)getpid());
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fwrite(b, 1, n, f), n);
	fclose(f);
}

/* echo --wait, started before the topic exists, prints what `pub --type
 * --schema` (which creates the topic) sends. */
START_TEST(echo_waits_and_pub_creates)
{
	char name[128], cmd[1024], schema[128], line[4096], err[4096];

	tu_name(name, sizeof(name), "wait");
	write_schema(schema, sizeof(schema));
	/* Without --type there is nothing to create it from. */
	ck_assert_int_eq(sh(err, sizeof(err), "pub %s '%s'", name, gps_json), 1);
	ck_assert_int_eq(sh(err, sizeof(err), "pub %s '%s' --type sluice.msg.NoSuch --schema %s",
			    name, gps_json, schema),
			 1);
	ck_assert_msg(strstr(err, "NoSuch"), "pub said \"%s\"", err);
	snprintf(cmd, sizeof(cmd), "timeout 20 %s echo %s --wait -n 1", bin(), name);
	FILE *echo = popen(cmd, "r");
	ck_assert_ptr_nonnull(echo);
	usleep(500000); /* echo is waiting for the topic now */
	ck_assert_int_eq(sh(err, sizeof(err),
			    "pub %s '%s' --type sluice.msg.GpsFix --schema %s -n 30 --rate 20", name,
			    gps_json, schema),
			 0);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), echo));
	ck_assert_msg(strstr(line, "\"satellites\": 9"), "echo printed %s", line);
	ck_assert_int_eq(pclose(echo), 0);
	/* The topic it made carries the type and the schema. */
	struct sluice_topic_stats st;
	ck_assert_int_eq(sluice_topic_stat(name, &st, NULL, 0), 0);
	ck_assert_str_eq(st.type_name, "sluice.msg.GpsFix");
	ck_assert_uint_gt(st.schema_len, 0);
	/* Another --type than the topic's is refused. */
	ck_assert_int_eq(sh(err, sizeof(err), "pub %s '{}' --type sluice.msg.Imu", name), 1);
	unlink(schema);
	sluice_shm_unlink(name);
}
END_TEST

/* --schema F.fbs: sluicec (beside sluice) compiles it for the new topic,
 * and echo decodes with what the topic carries. */
START_TEST(pub_creates_from_fbs)
{
	char name[128], err[4096], line[4096], cmd[512];

	tu_name(name, sizeof(name), "fbs");
	ck_assert_int_eq(sh(err, sizeof(err), "pub %s '%s' --type sluice.msg.GpsFix --schema %s",
			    name, gps_json, SCHEMA_DIR "/gps.fbs"),
			 0);
	snprintf(cmd, sizeof(cmd), "timeout 10 %s echo %s --oldest -n 1", bin(), name);
	FILE *echo = popen(cmd, "r");
	ck_assert_ptr_nonnull(echo);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), echo));
	ck_assert_msg(strstr(line, "\"satellites\": 9"), "echo printed %s", line);
	ck_assert_int_eq(pclose(echo), 0);
	ck_assert_int_eq(sh(err, sizeof(err), "pub %s-2 '{}' --type sluice.msg.GpsFix --schema "
					      "/nonexistent.fbs",
			    name),
			 1);
	ck_assert_msg(strstr(err, "sluicec"), "pub said \"%s\"", err);
	sluice_shm_unlink(name);
}
END_TEST

/* hz and echo say once that the publisher went and end: 0 when it closed,
 * 1 when it died (the pub_pid=1 scribble of issue 11 item 7 looks so). */
START_TEST(publisher_gone_ends_once)
{
	const char *tool = _i & 1 ? "echo" : "hz";
	int died = _i >= 2;
	char name[128], path[128];
	struct sluice_topic_opts o = {.type_name = "test.Cli", .slot_size = 64, .slot_count = 8};

	tu_name(name, sizeof(name), "gone");
	snprintf(path, sizeof(path), "/tmp/sluice-test-%ld-gone.err", (long)getpid());
	ck_assert_int_eq(sluice_topic_create(name, &o), 0);
	pid_t pub = tu_fork();
	if (pub == 0) {
		struct sluice_pub *p;

		if (sluice_pub_open(name, &o, &p) != 0)
			_exit(1);
		for (int i = 0; i < 20; i++) {
			sluice_pub_publish(p, "0123456789", 10, 0);
			usleep(50000);
		}
		if (died)
			_exit(0); /* without closing: as a crash */
		sluice_pub_close(p);
		_exit(0);
	}
	usleep(100000);
	pid_t t = tu_fork();
	if (t == 0) {
		FILE *e = freopen(path, "w", stderr);
		FILE *n = freopen("/dev/null", "w", stdout);

		(void)e;
		(void)n;
		execl(bin(), "sluice", tool, name, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(tu_wait(pub, 10000), 0);
	int rc = tu_wait(t, 4000); /* -1: still running after the publisher went */
	char err[8192] = "";
	FILE *f = fopen(path, "r");

	if (f) {
		err[fread(err, 1, sizeof(err) - 1, f)] = '\0';
		fclose(f);
	}
	ck_assert_msg(rc == (died ? 1 : 0), "%s: exit %d (%s)", tool, rc, err);
	ck_assert_msg(count_of(err, died ? "the publisher died" : "the publisher closed") == 1, "%s said \"%s\"", tool, err);
	unlink(path);
	sluice_shm_unlink(name);
}
END_TEST

/* A damaged topic (here: truncated behind its header's back) is an error
 * with the library's reason, for echo and hz alike. */
START_TEST(damaged_topic_is_an_error_with_reason)
{
	const char *tool = _i ? "echo" : "hz";
	char name[128], path[300], err[4096];
	struct sluice_topic_opts o = {.type_name = "test.Cli", .slot_size = 64, .slot_count = 8};

	tu_name(name, sizeof(name), "damaged");
	ck_assert_int_eq(sluice_topic_create(name, &o), 0);
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	ck_assert_int_eq(truncate(path, 1000), 0);
	ck_assert_int_eq(sh(err, sizeof(err), "%s %s", tool, name), 1);
	ck_assert_msg(strstr(err, "smaller than its header says"), "%s said \"%s\"", tool, err);
	sluice_shm_unlink(name);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("cli");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, number_options_are_strict, 0,
			    (int)(sizeof(bad_numbers) / sizeof(bad_numbers[0])));
	tcase_add_test(tc, missing_topic_says_why_and_hints);
	tcase_add_test(tc, echo_waits_and_pub_creates);
	tcase_add_test(tc, pub_creates_from_fbs);
	tcase_add_loop_test(tc, publisher_gone_ends_once, 0, 4);
	tcase_add_loop_test(tc, damaged_topic_is_an_error_with_reason, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
