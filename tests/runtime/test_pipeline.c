/* test_pipeline.c - pipeline files and `sluice run`: a table of bad files,
 * each refused with file:line:col; real runs in process and thread mode;
 * a stage that crashes and is restarted while the rest go on; Ctrl-C
 * leaving no process and no segment behind; exit statuses that say how a
 * run ended. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sluice/sluice.h"
#include "sluice/pipeline.h"
#include "runtime/model.h"
#include "testutil.h"

/* SLUICE_TEST_BIN runs these tests against another build of the CLI (an
 * older one, to see a test fail before its fix). */
static const char *sluice_bin(void)
{
	const char *b = getenv("SLUICE_TEST_BIN");

	return b && *b ? b : SLUICE_BIN;
}

static const char *write_file(const char *tag, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/sluice-test-%ld-%s.yaml", (long)getpid(), tag);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static const char good[] =
	"topics:\n"
	"  a: { type: test.Count, slots: 64, slot_size: 64 }\n"
	"  b: { type: test.Count, slots: 64, slot_size: 64 }\n"
	"stages:\n"
	"  src:   { plugin: t_source, outputs: { out: a } }\n"
	"  relay: { plugin: t_relay, inputs: { in: a }, outputs: { out: b } }\n"
	"  sink:  { plugin: t_sink, inputs: { in: b } }\n";

struct bad {
	const char *text;
	int line, col;
	const char *says;
};

static const struct bad bad_files[] = {
	{"stages:\n  s: { plugin: no_such_plugin }\n", 2, 3, "plugin \"no_such_plugin\""},
	{"topics:\n  a: { type: test.Count }\nstages:\n"
	 "  s: { plugin: t_source, params: { speed: 3 }, outputs: { out: a } }\n",
	 4, 36, "has no parameter \"speed\""},
	{"topics:\n  a: { type: test.Count }\nstages:\n"
	 "  s: { plugin: t_source, params: { limit: lots }, outputs: { out: a } }\n",
	 4, 36, "is a int"},
	{"topics:\n  a: { type: test.Other }\nstages:\n"
	 "  s: { plugin: t_source, outputs: { out: a } }\n",
	 4, 42, "carries test.Count but topic \"a\" carries test.Other"},
	{"topics:\n  a: { type: test.Count }\nstages:\n"
	 "  k: { plugin: t_sink, inputs: { in: a } }\n",
	 4, 38, "which no stage produces"},
	{"topics:\n  a: { type: test.Count }\nstages:\n"
	 "  s1: { plugin: t_source, outputs: { out: a } }\n"
	 "  s2: { plugin: t_source, outputs: { out: a } }\n",
	 5, 43, "has two producers"},
	{"stages:\n  s: { plugin: t_source, outputs: { out: nowhere } }\n", 2, 42,
	 "unknown topic \"nowhere\""},
	{"topics:\n  a: { type: test.Count, slots: 100 }\nstages:\n  s: { plugin: t_source }\n", 2,
	 33, "power of two"},
	{"topics:\n  a: { type: test.Count, slot_size: 0 }\nstages:\n  s: { plugin: t_source }\n", 2,
	 37, "whole number from 1"},
	{"topics:\n  a: { type: test.Count }\nstages:\n"
	 "  s: { plugin: t_source, outputs: { nope: a } }\n",
	 4, 43, "has no output port \"nope\""},
	{"stages:\n  s: { plugin: t_source, restart: sometimes }\n", 2, 35,
	 "restart must be never, on-failure or always"},
	{"stages:\n  s: { plugin: t_source }\n  s: { plugin: t_source }\n", 3, 3, "defined twice"},
	{"stages:\n  s: [ t_source ]\n", 2, 6, "must be a mapping"},
	{"stages:\n  s: { plugin: t_source, outputs: { out: a }\n", 3, 1, "YAML"},
	{"topics:\n  a: { type: test.Count, delivery: sometimes }\nstages:\n  s: { plugin: t_source }\n",
	 2, 36, "lossless or lossy"},
	{"topics:\n  a: { type: test.Count }\nstages:\n  r: { plugin: t_relay, outputs: { out: a } }\n",
	 4, 3, "input \"in\" of stage r is not connected"},
	{"pipeline: 1\n", 1, 1, "unknown key \"pipeline\""},
	{"topics:\n  a: { slots: 4 }\nstages:\n  s: { plugin: t_source }\n", 2, 3, "has no type"},
	/* scheduling keys */
#define SCHED_ROW(tail) "topics:\n  a: { type: test.Count }\nstages:\n" \
			"  s: { plugin: t_source, outputs: { out: a }, " tail "\n"
	{SCHED_ROW("cpu: abc }"), 4, 52, "cpu must be a CPU list"},
	{SCHED_ROW("cpu: 3-1 }"), 4, 52, "cpu must be a CPU list"},
	{SCHED_ROW("cpu: 1000 }"), 4, 52, "cpu 1000 is not one this process may run on"},
	{SCHED_ROW("sched: { policy: batch } }"), 4, 64, "policy must be fifo, rr or other"},
	{SCHED_ROW("sched: { policy: fifo } }"), 4, 54, "needs a priority"},
	{SCHED_ROW("sched: { policy: other, priority: 5 } }"), 4, 54, "takes no priority"},
	{SCHED_ROW("sched: { policy: rr, priority: 100 } }"), 4, 78, "from 1 to 99"},
	{SCHED_ROW("sched: { prio: 5 } }"), 4, 56, "unknown sched key \"prio\""},
	{SCHED_ROW("lock_memory: maybe }"), 4, 60, "must be true or false"},
	{SCHED_ROW("spin_us: -3 }"), 4, 56, "spin_us must be a whole number"},
#undef SCHED_ROW
};

START_TEST(bad_files_are_refused_with_position)
{
	const struct bad *b = &bad_files[_i];
	const char *path = write_file("bad", b->text);
	struct sluice_pipeline *pl;
	char where[300];

	ck_assert_int_eq(sluice_pipeline_load(path, NULL, &pl), -SLUICE_EPIPELINE);
	ck_assert_ptr_null(pl);
	snprintf(where, sizeof(where), "%s:%d:%d: ", path, b->line, b->col);
	ck_assert_msg(strncmp(sluice_errdetail(), where, strlen(where)) == 0,
		      "file %d: want \"%s...\", got \"%s\"", _i, where, sluice_errdetail());
	ck_assert_msg(strstr(sluice_errdetail(), b->says), "file %d: want \"%s\" in \"%s\"", _i,
		      b->says, sluice_errdetail());
	unlink(path);
}
END_TEST

START_TEST(good_file_loads)
{
	struct sluice_pipeline *pl;
	const char *path = write_file("good", good);

	ck_assert_int_eq(sluice_pipeline_load(path, NULL, &pl), 0);
	sluice_pipeline_free(pl);
	unlink(path);
}
END_TEST

/* Writes text to a fresh file and loads it; the error detail goes to msg. */
static int load_text(const char *tag, const char *text, char *msg, size_t len)
{
	const char *path = write_file(tag, text);
	struct sluice_pipeline *pl = NULL;
	int rc = sluice_pipeline_load(path, NULL, &pl);

	snprintf(msg, len, "%s", rc ? sluice_errdetail() : "");
	sluice_pipeline_free(pl);
	unlink(path);
	return rc;
}

/* A stage whose parameter holds `depth` nested flow sequences: the
 * pipeline's own levels (file, stages, stage, params) come on top. */
static char *nested_param(int depth)
{
	static const char head[] = "stages:\n  s: { plugin: t_source, params: { limit: ";
	size_t n = strlen(head);
	char *t = malloc(n + 2 * (size_t)depth + 8);

	ck_assert_ptr_nonnull(t);
	memcpy(t, head, n);
	memset(t + n, '[', (size_t)depth);
	memset(t + n + depth, ']', (size_t)depth);
	strcpy(t + n + 2 * (size_t)depth, " } }\n");
	return t;
}

/* Nesting up to PL_MAX_DEPTH goes on to the usual checks; one level more
 * is refused at the collection that crosses it, and so is a very deep file
 * (which took libyaml quadratic time: 35 s at 80k levels). */
START_TEST(yaml_nesting_is_limited)
{
	char msg[512], where[64];
	/* 4 levels are the pipeline's: the file, stages, s and params. */
	char *at = nested_param(PL_MAX_DEPTH - 4), *over = nested_param(PL_MAX_DEPTH - 3);
	char *deep = nested_param(400000);
	int col = (int)strlen("  s: { plugin: t_source, params: { limit: ") + 1;

	ck_assert_int_eq(load_text("depth", at, msg, sizeof(msg)), -SLUICE_EPIPELINE);
	ck_assert_msg(strstr(msg, ":2:") && strstr(msg, "must be a single value"), "%s", msg);
	ck_assert_int_eq(load_text("depth", over, msg, sizeof(msg)), -SLUICE_EPIPELINE);
	snprintf(where, sizeof(where), ":2:%d: ", col + PL_MAX_DEPTH - 4);
	ck_assert_msg(strstr(msg, where) && strstr(msg, "more than 64 levels of nesting"),
		      "want %s: %s", where, msg);
	ck_assert_int_eq(load_text("depth", deep, msg, sizeof(msg)), -SLUICE_EPIPELINE);
	ck_assert_msg(strstr(msg, where) && strstr(msg, "levels of nesting"), "%s", msg);
	free(at);
	free(over);
	free(deep);
}
END_TEST

/* A file of exactly PL_MAX_FILE_BYTES loads (the good pipeline padded
 * with a comment); one byte more is refused, naming where it crossed. */
START_TEST(yaml_size_is_limited)
{
	size_t n = strlen(good);
	char *t = malloc(PL_MAX_FILE_BYTES + 2);
	char msg[512];

	ck_assert_ptr_nonnull(t);
	memcpy(t, good, n);
	t[n] = '#';
	memset(t + n + 1, 'x', PL_MAX_FILE_BYTES - n - 2);
	t[PL_MAX_FILE_BYTES - 1] = '\n';
	t[PL_MAX_FILE_BYTES] = '\0';
	ck_assert_int_eq(load_text("size", t, msg, sizeof(msg)), 0);
	t[PL_MAX_FILE_BYTES - 1] = 'x';
	t[PL_MAX_FILE_BYTES] = '\n';
	t[PL_MAX_FILE_BYTES + 1] = '\0';
	ck_assert_int_eq(load_text("size", t, msg, sizeof(msg)), -SLUICE_EPIPELINE);
	snprintf(t, 64, ":8:%zu: ", PL_MAX_FILE_BYTES - n + 1);
	ck_assert_msg(strstr(msg, t) && strstr(msg, "longer than 1048576 bytes"), "want %s: %s", t,
		      msg);
	free(t);
}
END_TEST

/* libyaml's loader compares each anchor with every earlier one: at most
 * PL_MAX_ANCHORS, the next is refused where it stands. */
START_TEST(yaml_anchors_are_limited)
{
	char *t = malloc(64 + 16 * (PL_MAX_ANCHORS + 1));
	char msg[512], where[64];
	int n;

	ck_assert_ptr_nonnull(t);
	for (int over = 0; over <= 1; over++) {
		n = sprintf(t, "stages:\n  s: { plugin: t_source, params: { limit: [");
		for (int i = 0; i < PL_MAX_ANCHORS + over; i++)
			n += sprintf(t + n, "\n    &a%d x,", i);
		sprintf(t + n, " *a0 ] } }\n");
		ck_assert_int_eq(load_text("anchors", t, msg, sizeof(msg)), -SLUICE_EPIPELINE);
		if (!over) {
			ck_assert_msg(strstr(msg, "must be a single value"), "%s", msg);
		} else {
			snprintf(where, sizeof(where), ":%d:5: ", PL_MAX_ANCHORS + 3);
			ck_assert_msg(strstr(msg, where) && strstr(msg, "more than 256 anchors"),
				      "want %s: %s", where, msg);
		}
	}
	free(t);
}
END_TEST

static int shm_left(const char *prefix)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)) != NULL)
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	if (d)
		closedir(d);
	return n;
}

static void run_good(int threads)
{
	struct sluice_pipeline *pl;
	char name[64], summary[256], prefix[80];
	const char *path = write_file(threads ? "thr" : "proc", good);

	snprintf(name, sizeof(name), "tp%ld%c", (long)getpid(), threads ? 't' : 'p');
	snprintf(summary, sizeof(summary), "/tmp/sluice-test-%s.json", name);
	snprintf(prefix, sizeof(prefix), "%s.", name);
	ck_assert_int_eq(sluice_pipeline_load(path, name, &pl), 0);
	struct sluice_run_opts o = {.duration_s = 2, .threads = threads,
				    .summary_path = summary};
	ck_assert_int_eq(sluice_pipeline_run(pl, &o), 0);
	sluice_pipeline_free(pl);

	double received = tu_json_number(summary, "s[\"figures\"][\"received\"]");
	ck_assert_double_gt(received, 300); /* 500 Hz for about 2 s */
	ck_assert_double_eq(tu_json_number(summary, "s[\"figures\"][\"gaps\"]"), 0);
	ck_assert_double_eq(tu_json_number(summary, "s[\"figures\"][\"bad\"]"), 0);
	ck_assert_double_eq(tu_json_number(summary, "sum(t[\"lost\"] for t in s[\"topics\"])"), 0);
	/* Everything the source sent reached the sink: drained, not cut. */
	ck_assert_double_eq(tu_json_number(summary, "s[\"topics\"][0][\"published\"]"), received);
	ck_assert_double_gt(tu_json_number(summary, "s[\"topics\"][1][\"latency_p50_ns\"]"), 0);
	ck_assert_double_eq(tu_json_number(summary, "sum(x[\"restarts\"] for x in s[\"stages\"])"), 0);
	ck_assert_int_eq(shm_left(prefix), 0);
	unlink(summary);
	unlink(path);
}

START_TEST(runs_in_process_mode)
{
	run_good(0);
}
END_TEST

START_TEST(runs_in_thread_mode)
{
	run_good(1);
}
END_TEST

START_TEST(crashed_stage_is_restarted)
{
	char marker[256], text[1024], summary[256], name[64];
	struct sluice_pipeline *pl;

	snprintf(marker, sizeof(marker), "/tmp/sluice-test-%ld.died", (long)getpid());
	unlink(marker);
	snprintf(text, sizeof(text),
		 "topics:\n  a: { type: test.Count }\n  b: { type: test.Count }\n"
		 "stages:\n  src: { plugin: t_source, outputs: { out: a } }\n"
		 "  relay: { plugin: t_relay, params: { die_once: %s }, inputs: { in: a },"
		 " outputs: { out: b }, restart: on-failure }\n"
		 "  sink: { plugin: t_sink, inputs: { in: b } }\n",
		 marker);
	const char *path = write_file("crash", text);
	snprintf(name, sizeof(name), "tc%ld", (long)getpid());
	snprintf(summary, sizeof(summary), "/tmp/sluice-test-%s.json", name);
	ck_assert_int_eq(sluice_pipeline_load(path, name, &pl), 0);
	struct sluice_run_opts o = {.duration_s = 2.5, .summary_path = summary};
	ck_assert_int_eq(sluice_pipeline_run(pl, &o), 0);
	sluice_pipeline_free(pl);
	ck_assert_int_eq(access(marker, F_OK), 0); /* it did crash */
	ck_assert_double_eq(tu_json_number(summary, "s[\"stages\"][1][\"restarts\"]"), 1);
	ck_assert_double_eq(tu_json_number(summary, "s[\"stages\"][0][\"restarts\"]"), 0);
	ck_assert_double_eq(tu_json_number(summary, "s[\"stages\"][2][\"restarts\"]"), 0);
	/* The rest went on: far more than the 50 before the crash arrived. */
	ck_assert_double_gt(tu_json_number(summary, "s[\"figures\"][\"received\"]"), 300);
	unlink(marker);
	unlink(summary);
	unlink(path);
}
END_TEST

static int processes_named(const char *comm)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)) != NULL) {
		char path[300], buf[64] = "";
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && !strncmp(buf, comm, strlen(comm)))
			n++;
		fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

/* The CLI, as a user runs it: Ctrl-C stops it cleanly, nothing is left. */
START_TEST(sigint_leaves_nothing_behind)
{
	char text[1024], name[64], prefix[80], stage[32];

	snprintf(stage, sizeof(stage), "zz%ld", (long)getpid() % 100000);
	snprintf(text, sizeof(text),
		 "topics:\n  a: { type: test.Count }\n  b: { type: test.Count }\n"
		 "stages:\n  %ssrc: { plugin: t_source, outputs: { out: a } }\n"
		 "  %srel: { plugin: t_relay, inputs: { in: a }, outputs: { out: b } }\n"
		 "  %ssnk: { plugin: t_sink, inputs: { in: b } }\n",
		 stage, stage, stage);
	const char *path = write_file("sigint", text);
	snprintf(name, sizeof(name), "ts%ld", (long)getpid());
	snprintf(prefix, sizeof(prefix), "%s.", name);
	pid_t pid = tu_fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		execl(sluice_bin(), "sluice", "run", path, "--name", name, (char *)NULL);
		_exit(127);
	}
	usleep(1000000);
	ck_assert_int_eq(processes_named(stage), 3);
	ck_assert_int_ge(shm_left(prefix), 3);
	kill(pid, SIGINT);
	ck_assert_int_eq(tu_wait(pid, 10000), 130); /* interrupted, nothing failed */
	ck_assert_int_eq(processes_named(stage), 0);
	ck_assert_int_eq(shm_left(prefix), 0);
	unlink(path);
}
END_TEST

/* `sluice run FILE --name NAME ARGS...` with its output thrown away; sends
 * sig after 1 s when sig is not 0.  Returns the exit status. */
static int run_cli(const char *path, const char *name, int sig, const char *a1, const char *a2)
{
	pid_t pid = tu_fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execl(sluice_bin(), "sluice", "run", path, "--name", name, "--quiet", a1, a2,
		      (char *)NULL);
		_exit(127);
	}
	if (sig) {
		usleep(1000000);
		kill(pid, sig);
	}
	return tu_wait(pid, 20000);
}

static const char *sink_file(const char *tag, const char *sink_params, const char *restart)
{
	static char text[1024];

	snprintf(text, sizeof(text),
		 "topics:\n  a: { type: test.Count }\n"
		 "stages:\n  src: { plugin: t_source, outputs: { out: a } }\n"
		 "  sink: { plugin: t_sink, params: { %s }, inputs: { in: a }, restart: %s }\n",
		 sink_params, restart);
	return write_file(tag, text);
}

/* A stage whose on_message returns an error, or whose init fails, makes
 * the run's exit status 1, even when the run is then ended by a signal;
 * the library says which stage. */
START_TEST(failed_stage_exits_1)
{
	static const struct {
		const char *params, *restart;
		int sig;
	} cases[] = {
		{"fail_after: 20", "never", 0},
		{"fail_init: true", "never", 0},
		{"fail_after: 20", "never", SIGINT},
		/* restarted after every failure: its last run failed too */
		{"fail_init: true", "on-failure", SIGTERM},
	};
	char name[64];
	const char *path = sink_file("fail", cases[_i].params, cases[_i].restart);

	snprintf(name, sizeof(name), "tf%ld-%d", (long)getpid(), _i);
	ck_assert_int_eq(run_cli(path, name, cases[_i].sig, "--duration", "3"), 1);

	struct sluice_pipeline *pl;
	struct sluice_run_result res;

	ck_assert_int_eq(sluice_pipeline_load(path, name, &pl), 0);
	struct sluice_run_opts o = {.duration_s = 1.5, .result = &res};
	ck_assert_int_eq(sluice_pipeline_run(pl, &o), 0);
	sluice_pipeline_free(pl);
	ck_assert_int_eq(res.failed_stages, 1);
	ck_assert_str_eq(res.first_failed, "sink");
	unlink(path);
}
END_TEST

/* A stage whose init fails every time is restarted 4 times, then its
 * restarts are exhausted (not retried every 5 s for ever). */
START_TEST(failing_init_exhausts_restarts)
{
	char name[64], summary[256];
	const char *path = sink_file("exhaust", "fail_init: true", "always");
	struct sluice_pipeline *pl;
	struct sluice_run_result res;

	snprintf(name, sizeof(name), "tx%ld", (long)getpid());
	snprintf(summary, sizeof(summary), "/tmp/sluice-test-%s.json", name);
	ck_assert_int_eq(sluice_pipeline_load(path, name, &pl), 0);
	/* back-off 100 + 200 + 400 + 800 ms: done after 1.5 s; a sixth start
	 * would come at 3.1 s */
	struct sluice_run_opts o = {.duration_s = 4, .summary_path = summary,
				    .result = &res};
	ck_assert_int_eq(sluice_pipeline_run(pl, &o), 0);
	sluice_pipeline_free(pl);
	ck_assert_double_eq(tu_json_number(summary, "s[\"stages\"][1][\"restarts\"]"), 4);
	ck_assert_int_eq(res.failed_stages, 1);
	unlink(summary);
	unlink(path);
}
END_TEST

/* Clean end: 0; SIGTERM: 143; an invalid file (also with --check) or a
 * bad option: 2; a run that cannot start: 3. */
START_TEST(exit_status_says_how_it_ended)
{
	char name[64];
	const char *path = sink_file("ok", "fail_after: 0", "never");

	snprintf(name, sizeof(name), "te%ld", (long)getpid());
	ck_assert_int_eq(run_cli(path, name, 0, "--duration", "0.5"), 0);
	ck_assert_int_eq(run_cli(path, name, SIGTERM, NULL, NULL), 143);
	ck_assert_int_eq(run_cli(path, name, 0, "--duration", "1x"), 2);
	ck_assert_int_eq(run_cli(path, name, 0, "--duration", "abc"), 2);
	ck_assert_int_eq(run_cli(path, name, 0, "--duration", NULL), 2);
	ck_assert_int_eq(run_cli(path, name, 0, "--bogus", NULL), 2);
	/* valid, but already running under that name: could not start */
	pid_t first = tu_fork();
	if (first == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execl(sluice_bin(), "sluice", "run", path, "--name", name, "--quiet", "--duration",
		      "3", (char *)NULL);
		_exit(127);
	}
	usleep(700000);
	ck_assert_int_eq(run_cli(path, name, 0, "--duration", "0.5"), 3);
	ck_assert_int_eq(tu_wait(first, 10000), 0);
	unlink(path);
	path = write_file("bad", bad_files[0].text);
	ck_assert_int_eq(run_cli(path, name, 0, "--check", NULL), 2);
	ck_assert_int_eq(run_cli(path, name, 0, NULL, NULL), 2);
	unlink(path);
}
END_TEST

/* The scheduling keys reach the model as written. */
START_TEST(sched_keys_are_parsed)
{
	static const char text[] =
		"topics:\n  a: { type: test.Count }\nstages:\n"
		"  s: { plugin: t_source, outputs: { out: a }, cpu: 0, spin_us: 50,\n"
		"       sched: { policy: other }, lock_memory: false }\n"
		"  k: { plugin: t_sink, inputs: { in: a }, spin_us: 0 }\n";
	const char *path = write_file("schedkeys", text);
	struct sluice_pipeline *pl;

	ck_assert_msg(sluice_pipeline_load(path, NULL, &pl) == 0, "%s", sluice_errdetail());
	const struct pl_stage *s = &pl->stages[0], *k = &pl->stages[1];
	ck_assert_int_eq(s->has_cpus, 1);
	ck_assert_uint_eq(s->cpus[0], 1);
	ck_assert_int_eq(s->has_sched, 1);
	ck_assert_int_eq(s->sched_policy, SCHED_OTHER);
	ck_assert_int_eq(s->lock_memory, 0);
	ck_assert_int_eq(s->has_spin, 1);
	ck_assert_uint_eq(s->spin_us, 50);
	ck_assert_int_eq(k->has_spin, 1);
	ck_assert_uint_eq(k->spin_us, 0);
	ck_assert_int_eq(k->has_cpus, 0);
	ck_assert_int_eq(k->has_sched, 0);
	sluice_pipeline_free(pl);
	unlink(path);
}
END_TEST

/* Drops a capability from this process's effective set (no libcap). */
static int drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) != 0)
		return -1;
	data[cap / 32].effective &= ~(1u << (cap % 32));
	return (int)syscall(SYS_capset, &hdr, data);
}

/* In a child that lacks CAP_SYS_NICE / CAP_IPC_LOCK and whose rlimits
 * forbid them, a real-time policy and lock_memory are refused at load
 * (and so by --check), naming what is missing; 0 when the child saw that. */
static int refused_without_privilege(void)
{
	static const char rt[] =
		"topics:\n  a: { type: test.Count }\nstages:\n"
		"  s: { plugin: t_source, outputs: { out: a }, sched: { policy: fifo, priority: 10 } }\n";
	static const char lock[] =
		"topics:\n  a: { type: test.Count }\nstages:\n"
		"  s: { plugin: t_source, outputs: { out: a }, lock_memory: true }\n";
	struct rlimit zero = {0, 0}, small = {65536, 65536};
	char msg[600];

	if (setrlimit(RLIMIT_RTPRIO, &zero) != 0 || setrlimit(RLIMIT_MEMLOCK, &small) != 0)
		return 10;
	if (geteuid() == 0 && (drop_cap(CAP_SYS_NICE) != 0 || drop_cap(CAP_IPC_LOCK) != 0))
		return 11;
	if (load_text("rt", rt, msg, sizeof(msg)) != -SLUICE_EPIPELINE)
		return 12;
	fprintf(stderr, "%s\n", msg);
	if (!strstr(msg, ":4:80: stage s: sched fifo priority 10 is not permitted") ||
	    !strstr(msg, "CAP_SYS_NICE") || !strstr(msg, "RLIMIT_RTPRIO is 0"))
		return 13;
	if (load_text("lock", lock, msg, sizeof(msg)) != -SLUICE_EPIPELINE)
		return 14;
	fprintf(stderr, "%s\n", msg);
	if (!strstr(msg, "lock_memory is not permitted") || !strstr(msg, "CAP_IPC_LOCK") ||
	    !strstr(msg, "RLIMIT_MEMLOCK is 64 KiB"))
		return 15;
	return 0;
}

START_TEST(realtime_needs_privilege)
{
	pid_t pid = tu_fork();

	if (pid == 0)
		_exit(refused_without_privilege());
	ck_assert_int_eq(tu_wait(pid, 20000), 0);
}
END_TEST

/* A process run whose stages pin themselves and spin on their inputs runs
 * as the plain one does. */
START_TEST(runs_with_sched_keys)
{
	static const char text[] =
		"topics:\n"
		"  a: { type: test.Count, slots: 64, slot_size: 64 }\n"
		"stages:\n"
		"  src:  { plugin: t_source, outputs: { out: a }, cpu: 0,\n"
		"          sched: { policy: other } }\n"
		"  sink: { plugin: t_sink, inputs: { in: a }, cpu: 0, spin_us: 20 }\n";
	struct sluice_pipeline *pl;
	char name[64], summary[256], prefix[80];
	const char *path = write_file("schedrun", text);

	snprintf(name, sizeof(name), "tp%lds", (long)getpid());
	snprintf(summary, sizeof(summary), "/tmp/sluice-test-%s.json", name);
	snprintf(prefix, sizeof(prefix), "%s.", name);
	ck_assert_msg(sluice_pipeline_load(path, name, &pl) == 0, "%s", sluice_errdetail());
	struct sluice_run_opts o = {.duration_s = 1, .summary_path = summary};
	ck_assert_int_eq(sluice_pipeline_run(pl, &o), 0);
	sluice_pipeline_free(pl);
	double received = tu_json_number(summary, "s[\"figures\"][\"received\"]");
	ck_assert_double_gt(received, 100);
	ck_assert_double_eq(tu_json_number(summary, "s[\"figures\"][\"gaps\"]"), 0);
	ck_assert_double_eq(tu_json_number(summary, "sum(x[\"restarts\"] for x in s[\"stages\"])"), 0);
	ck_assert_int_eq(shm_left(prefix), 0);
	unlink(summary);
	unlink(path);
}
END_TEST

/* While a run goes on, `sluice ls --sched --json` (into out) until it sees
 * both stage processes; 0 when it did. */
static int ls_sched_until_seen(const char *prefix, const char *out)
{
	char cmd[512], text[8192];

	snprintf(cmd, sizeof(cmd), "%s ls --sched --json --window 0 --prefix /%s >%s", sluice_bin(),
		 prefix, out);
	for (int i = 0; i < 100; i++) {
		FILE *f;
		size_t n = 0;

		if (system(cmd) == 0 && (f = fopen(out, "r"))) {
			n = fread(text, 1, sizeof(text) - 1, f);
			fclose(f);
		}
		text[n] = '\0';
		if (strstr(text, "\"name\": \"src\"") && strstr(text, "\"name\": \"sink\""))
			return 0;
		usleep(50000);
	}
	return 1;
}

/* The scheduling keys are in the summary file as given, and `sluice ls
 * --sched` shows the CPUs and policy the stage processes run with. */
START_TEST(sched_keys_are_shown)
{
	static const char text[] =
		"topics:\n"
		"  a: { type: test.Count, slots: 64, slot_size: 64 }\n"
		"stages:\n"
		"  src:  { plugin: t_source, outputs: { out: a }, cpu: 0,\n"
		"          sched: { policy: other }, lock_memory: false }\n"
		"  sink: { plugin: t_sink, inputs: { in: a }, spin_us: 20 }\n";
	struct sluice_pipeline *pl;
	char name[64], summary[256], prefix[80], lsout[256];
	const char *path = write_file("schedshow", text);
	pid_t pid;

	snprintf(name, sizeof(name), "tp%ldv", (long)getpid());
	snprintf(summary, sizeof(summary), "/tmp/sluice-test-%s.json", name);
	snprintf(lsout, sizeof(lsout), "/tmp/sluice-test-%s-ls.json", name);
	snprintf(prefix, sizeof(prefix), "%s.", name);
	ck_assert_msg(sluice_pipeline_load(path, name, &pl) == 0, "%s", sluice_errdetail());
	pid = tu_fork();
	if (pid == 0)
		_exit(ls_sched_until_seen(prefix, lsout));
	struct sluice_run_opts o = {.duration_s = 2, .summary_path = summary};
	ck_assert_int_eq(sluice_pipeline_run(pl, &o), 0);
	sluice_pipeline_free(pl);
	ck_assert_int_eq(tu_wait(pid, 20000), 0);
	/* the summary: the keys as the file gave them, null where it is silent */
	ck_assert_double_eq(tu_json_number(summary, "s[\"stages\"][0][\"cpu\"] == \"0\""), 1);
	ck_assert_double_eq(
		tu_json_number(summary, "s[\"stages\"][0][\"sched\"][\"policy\"] == \"other\""), 1);
	ck_assert_double_eq(tu_json_number(summary, "s[\"stages\"][0][\"lock_memory\"] == False"), 1);
	ck_assert_double_eq(tu_json_number(summary, "s[\"stages\"][0][\"spin_us\"]"), 0);
	ck_assert_double_eq(tu_json_number(summary, "s[\"stages\"][1][\"cpu\"] is None"), 1);
	ck_assert_double_eq(tu_json_number(summary, "s[\"stages\"][1][\"sched\"] is None"), 1);
	ck_assert_double_eq(tu_json_number(summary, "s[\"stages\"][1][\"spin_us\"]"), 20);
	/* ls: the publisher is the src process, pinned to CPU 0, policy other */
	ck_assert_double_eq(tu_json_number(lsout, "[p for p in s[0][\"processes\"] if "
						  "p[\"role\"] == \"publisher\"][0][\"cpus\"] == \"0\""),
			    1);
	ck_assert_double_eq(tu_json_number(lsout, "[p for p in s[0][\"processes\"] if "
						  "p[\"role\"] == \"publisher\"][0][\"name\"] == \"src\""),
			    1);
	ck_assert_double_eq(tu_json_number(lsout, "all(p[\"policy\"] == \"other\" and "
						  "p[\"locked_kib\"] >= 0 for p in s[0][\"processes\"])"),
			    1);
	ck_assert_int_eq(shm_left(prefix), 0);
	unlink(lsout);
	unlink(summary);
	unlink(path);
}
END_TEST

/* The pid of the process called comm whose parent is ppid, or 0. */
static pid_t child_named(pid_t ppid, const char *comm)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	while (d && !found && (e = readdir(d))) {
		char path[300], line[512], name[64];
		int pid, pp;
		FILE *f;

		if (sscanf(e->d_name, "%d", &pid) != 1)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		if (!(f = fopen(path, "r")))
			continue;
		if (fgets(line, sizeof(line), f) &&
		    sscanf(line, "%*d (%63[^)]) %*c %d", name, &pp) == 2 && pp == ppid &&
		    !strcmp(name, comm))
			found = pid;
		fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

/* Half a second of the spinning sink's life: its read syscalls into out. */
static int count_sink_reads(const char *out)
{
	pid_t sink = 0;
	long long a, b;
	FILE *f;

	for (int i = 0; i < 200 && !sink; i++) {
		sink = child_named(getppid(), "sink");
		usleep(10000);
	}
	if (!sink)
		return 2;
	usleep(300000);
	a = tu_syscr(sink);
	usleep(500000);
	b = tu_syscr(sink);
	if (a < 0 || b < 0 || !(f = fopen(out, "w")))
		return 3;
	fprintf(f, "%lld\n", b - a);
	fclose(f);
	return 0;
}

/* A stage that spins on its inputs (spin_us) polls them with plain loads:
 * its read syscalls follow the messages (500 a second here), not its
 * polls.  Polling with wait(ws, 0) read /proc/<pid>/stat on every poll,
 * tens of thousands of reads a second. */
START_TEST(spinning_stage_polls_cheaply)
{
	static const char text[] =
		"topics:\n"
		"  a: { type: test.Count, slots: 64, slot_size: 64 }\n"
		"stages:\n"
		"  src:  { plugin: t_source, outputs: { out: a } }\n"
		"  sink: { plugin: t_sink, inputs: { in: a }, spin_us: 200000 }\n";
	struct sluice_pipeline *pl;
	char name[64], prefix[80], out[256];
	const char *path = write_file("spinpoll", text);
	long long reads = -1;
	pid_t pid;
	FILE *f;

	snprintf(name, sizeof(name), "tp%ldp", (long)getpid());
	snprintf(prefix, sizeof(prefix), "%s.", name);
	snprintf(out, sizeof(out), "/tmp/sluice-test-%s-reads", name);
	ck_assert_msg(sluice_pipeline_load(path, name, &pl) == 0, "%s", sluice_errdetail());
	pid = tu_fork();
	if (pid == 0)
		_exit(count_sink_reads(out));
	struct sluice_run_opts o = {.duration_s = 2};
	ck_assert_int_eq(sluice_pipeline_run(pl, &o), 0);
	sluice_pipeline_free(pl);
	ck_assert_int_eq(tu_wait(pid, 20000), 0);
	if ((f = fopen(out, "r"))) {
		if (fscanf(f, "%lld", &reads) != 1)
			reads = -1;
		fclose(f);
	}
	unlink(out);
	unlink(path);
	ck_assert_int_eq(shm_left(prefix), 0);
	/* at most 250 messages in the window: a few reads each, not thousands */
	ck_assert_msg(reads >= 0 && reads < 2500, "the spinning sink made %lld reads in 0.5 s",
		      reads);
}
END_TEST

/* A stage that sleeps on its input between messages (the default) looks
 * up its publisher in /proc at most every 50 ms, and only when no message
 * is there, not on every wait: a few reads in half a second of steady
 * traffic, not one per message. */
START_TEST(waiting_stage_reads_proc_rarely)
{
	static const char text[] =
		"topics:\n"
		"  a: { type: test.Count, slots: 64, slot_size: 64 }\n"
		"stages:\n"
		"  src:  { plugin: t_source, outputs: { out: a } }\n"
		"  sink: { plugin: t_sink, inputs: { in: a } }\n";
	struct sluice_pipeline *pl;
	char name[64], prefix[80], out[256];
	const char *path = write_file("waitpoll", text);
	long long reads = -1;
	pid_t pid;
	FILE *f;

	snprintf(name, sizeof(name), "tp%ldw", (long)getpid());
	snprintf(prefix, sizeof(prefix), "%s.", name);
	snprintf(out, sizeof(out), "/tmp/sluice-test-%s-reads", name);
	ck_assert_msg(sluice_pipeline_load(path, name, &pl) == 0, "%s", sluice_errdetail());
	pid = tu_fork();
	if (pid == 0)
		_exit(count_sink_reads(out));
	struct sluice_run_opts o = {.duration_s = 2};
	ck_assert_int_eq(sluice_pipeline_run(pl, &o), 0);
	sluice_pipeline_free(pl);
	ck_assert_int_eq(tu_wait(pid, 20000), 0);
	if ((f = fopen(out, "r"))) {
		if (fscanf(f, "%lld", &reads) != 1)
			reads = -1;
		fclose(f);
	}
	unlink(out);
	unlink(path);
	ck_assert_int_eq(shm_left(prefix), 0);
	/* about 250 messages in the window, at most 10 liveness looks */
	ck_assert_msg(reads >= 0 && reads < 60, "the waiting sink made %lld reads in 0.5 s", reads);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("pipeline");

	setenv("SLUICE_PLUGIN_PATH", T_PLUGIN_DIR, 1);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, bad_files_are_refused_with_position, 0,
			    (int)(sizeof(bad_files) / sizeof(bad_files[0])));
	tcase_add_test(tc, good_file_loads);
	tcase_add_test(tc, yaml_nesting_is_limited);
	tcase_add_test(tc, yaml_size_is_limited);
	tcase_add_test(tc, yaml_anchors_are_limited);
	tcase_add_test(tc, runs_in_process_mode);
	tcase_add_test(tc, runs_in_thread_mode);
	tcase_add_test(tc, crashed_stage_is_restarted);
	tcase_add_test(tc, sigint_leaves_nothing_behind);
	tcase_add_loop_test(tc, failed_stage_exits_1, 0, 4);
	tcase_add_test(tc, exit_status_says_how_it_ended);
	tcase_add_test(tc, failing_init_exhausts_restarts);
	tcase_add_test(tc, sched_keys_are_parsed);
	tcase_add_test(tc, realtime_needs_privilege);
	tcase_add_test(tc, runs_with_sched_keys);
	tcase_add_test(tc, sched_keys_are_shown);
	tcase_add_test(tc, spinning_stage_polls_cheaply);
	tcase_add_test(tc, waiting_stage_reads_proc_rarely);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
