/* test_embed.c - the library embedded in a program of its own, as an
 * application would use it: a run in a thread of this process, stopped
 * with sluice_pipeline_stop() from another thread or from this program's
 * own signal handler.  The library must print nothing to this process's
 * stdout or stderr, and must leave its SIGINT/SIGTERM handling alone,
 * during the run and after; what a stage's host has to say reaches the
 * program through the event callback.  Only <sluice/sluice.h> is included: it must
 * declare the pipeline API too. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sluice/sluice.h"
#include "testutil.h"

static const char pipeline_text[] =
	"topics:\n"
	"  a: { type: test.Count, slots: 64, slot_size: 64 }\n"
	"  b: { type: test.Count, slots: 64, slot_size: 64 }\n"
	"stages:\n"
	"  src:   { plugin: t_source, outputs: { out: a } }\n"
	"  relay: { plugin: t_relay, inputs: { in: a }, outputs: { out: b } }\n"
	"  sink:  { plugin: t_sink, inputs: { in: b } }\n";

/* The same with a sink whose on_message fails: its host stops it, and
 * says why through the event callback, not on stderr. */
static const char failing_text[] =
	"topics:\n"
	"  a: { type: test.Count, slots: 64, slot_size: 64 }\n"
	"  b: { type: test.Count, slots: 64, slot_size: 64 }\n"
	"stages:\n"
	"  src:   { plugin: t_source, outputs: { out: a } }\n"
	"  relay: { plugin: t_relay, inputs: { in: a }, outputs: { out: b } }\n"
	"  sink:  { plugin: t_sink, params: { fail_after: 20 }, inputs: { in: b } }\n";

/* This program's own handler: it stops the run, as sluice run's does. */
static struct sluice_pipeline *volatile g_pl;
static volatile sig_atomic_t g_handled;

static void my_handler(int sig)
{
	g_handled = sig;
	if (g_pl)
		sluice_pipeline_stop(g_pl, sig);
}

struct runarg {
	struct sluice_pipeline *pl;
	struct sluice_run_opts o;
	struct sluice_run_result res;
	atomic_int ticks, finals, events, sink_stopped;
	int rc;
};

static void on_report(void *arg, const struct sluice_run_stats *st)
{
	struct runarg *a = arg;

	if (st->final)
		atomic_fetch_add(&a->finals, 1);
	else
		atomic_fetch_add(&a->ticks, 1);
}

static void on_event(void *arg, const struct sluice_run_event *ev)
{
	struct runarg *a = arg;

	atomic_fetch_add(&a->events, 1);
	if (ev->kind == SLUICE_RUN_STAGE_STOPPED && ev->stage && !strcmp(ev->stage, "sink") &&
	    ev->text && *ev->text)
		atomic_fetch_add(&a->sink_stopped, 1);
}

static void *runner(void *p)
{
	struct runarg *a = p;

	a->rc = sluice_pipeline_run(a->pl, &a->o);
	return NULL;
}

static int dir_has_prefix(const char *prefix)
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

/* Whether sig's handler is still mine. */
static int still_mine(int sig)
{
	struct sigaction now;

	sigaction(sig, NULL, &now);
	return now.sa_handler == my_handler;
}

/* Runs the pipeline in a thread with fds 1 and 2 sent to a file; stops it
 * with signal sig raised in this process (my handler calls
 * sluice_pipeline_stop), or with a plain call from this thread if sig is
 * 0.  Checks what the library wrote and what it did to the handlers. */
static void embed(int threads, int sig, int failing)
{
	char path[256], name[64], prefix[80], out[256];
	struct sigaction mine = {.sa_handler = my_handler};
	struct runarg *a = calloc(1, sizeof(*a));
	pthread_t th;
	int saved1, saved2, fd;
	FILE *f;

	ck_assert_ptr_nonnull(a);
	snprintf(name, sizeof(name), "te%ld%c%d%c", (long)getpid(), threads ? 't' : 'p', sig,
		 failing ? 'f' : 'g');
	snprintf(prefix, sizeof(prefix), "%s.", name);
	snprintf(path, sizeof(path), "/tmp/sluice-test-%s.yaml", name);
	snprintf(out, sizeof(out), "/tmp/sluice-test-%s.out", name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(failing ? failing_text : pipeline_text, f);
	fclose(f);
	ck_assert_int_eq(sluice_pipeline_load(path, name, &a->pl), 0);
	a->o = (struct sluice_run_opts){.threads = threads, .result = &a->res, .report = on_report,
					.event = on_event, .arg = a};

	sigemptyset(&mine.sa_mask);
	ck_assert_int_eq(sigaction(SIGINT, &mine, NULL), 0);
	ck_assert_int_eq(sigaction(SIGTERM, &mine, NULL), 0);
	g_pl = a->pl;
	g_handled = 0;

	/* From here to the restore, a failed assertion would write into the
	 * file: only record, assert after. */
	fflush(stdout);
	fflush(stderr);
	saved1 = dup(1);
	saved2 = dup(2);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 1);
	dup2(fd, 2);
	close(fd);

	int started = pthread_create(&th, NULL, runner, a) == 0;
	uint64_t t0 = tu_now_ns();
	/* Until it reported twice (so it is well into its loop), at most 10 s. */
	while (started && atomic_load(&a->ticks) < 2 && tu_now_ns() - t0 < 10000000000ull) {
		struct timespec ms = {0, 10000000};
		nanosleep(&ms, NULL);
	}
	int mine_during = still_mine(SIGINT) && still_mine(SIGTERM);

	if (sig)
		raise(sig);
	else
		sluice_pipeline_stop(a->pl, 0);
	if (started)
		pthread_join(th, NULL);
	g_pl = NULL;
	int mine_after = still_mine(SIGINT) && still_mine(SIGTERM);

	fflush(stdout);
	fflush(stderr);
	dup2(saved1, 1);
	dup2(saved2, 2);
	close(saved1);
	close(saved2);

	struct stat st;

	ck_assert_int_eq(stat(out, &st), 0);
	if (st.st_size) {
		char buf[512] = "";

		f = fopen(out, "r");
		if (f) {
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);

			buf[n] = '\0';
			fclose(f);
		}
		ck_abort_msg("the library wrote %lld bytes to stdout/stderr: %s",
			     (long long)st.st_size, buf);
	}
	ck_assert(started);
	ck_assert_msg(mine_during, "the run replaced this program's SIGINT/SIGTERM handler");
	ck_assert_msg(mine_after, "the run left this program's SIGINT/SIGTERM handler changed");
	ck_assert_int_eq(g_handled, sig);
	ck_assert_int_eq(a->rc, 0);
	ck_assert_int_eq(a->res.failed_stages, failing);
	ck_assert_int_eq(atomic_load(&a->sink_stopped), failing);
	ck_assert_int_eq(a->res.signal, sig);
	ck_assert_int_eq(a->res.all_ended, 0);
	ck_assert_int_ge(atomic_load(&a->ticks), 2);
	ck_assert_int_eq(atomic_load(&a->finals), 1);
	ck_assert_int_eq(dir_has_prefix(prefix), 0);

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sluice_pipeline_free(a->pl);
	free(a);
	unlink(out);
	unlink(path);
}

START_TEST(threads_stopped_by_call)
{
	embed(1, 0, 0);
}
END_TEST

START_TEST(processes_stopped_by_call)
{
	embed(0, 0, 0);
}
END_TEST

START_TEST(threads_stopped_by_my_sigterm_handler)
{
	embed(1, SIGTERM, 0);
}
END_TEST

START_TEST(processes_stopped_by_my_sigint_handler)
{
	embed(0, SIGINT, 0);
}
END_TEST

START_TEST(threads_failing_stage_says_why_through_events)
{
	embed(1, 0, 1);
}
END_TEST

START_TEST(processes_failing_stage_says_why_through_events)
{
	embed(0, 0, 1);
}
END_TEST

/* A stop asked for before the run is kept for it, and cleared after. */
START_TEST(stop_before_run)
{
	char path[256], name[64];
	struct sluice_pipeline *pl;
	struct sluice_run_result res;
	struct sluice_run_opts o = {.threads = 1, .result = &res, .duration_s = 30};
	FILE *f;

	snprintf(name, sizeof(name), "te%ldb", (long)getpid());
	snprintf(path, sizeof(path), "/tmp/sluice-test-%s.yaml", name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(pipeline_text, f);
	fclose(f);
	ck_assert_int_eq(sluice_pipeline_load(path, name, &pl), 0);
	ck_assert_int_eq(sluice_pipeline_stop(NULL, 0), -EINVAL);
	ck_assert_int_eq(sluice_pipeline_stop(pl, -1), -EINVAL);
	ck_assert_int_eq(sluice_pipeline_stop(pl, SIGTERM), 0);
	uint64_t t0 = tu_now_ns();

	ck_assert_int_eq(sluice_pipeline_run(pl, &o), 0);
	ck_assert_uint_lt(tu_now_ns() - t0, 20000000000ull); /* not the 30 s duration */
	ck_assert_int_eq(res.signal, SIGTERM);
	ck_assert_int_eq(res.failed_stages, 0);
	/* Cleared: the next run goes its duration. */
	o.duration_s = 0.3;
	ck_assert_int_eq(sluice_pipeline_run(pl, &o), 0);
	ck_assert_int_eq(res.signal, 0);
	sluice_pipeline_free(pl);
	unlink(path);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("embed");
	TCase *tc = tcase_create("embed");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, threads_stopped_by_call);
	tcase_add_test(tc, processes_stopped_by_call);
	tcase_add_test(tc, threads_stopped_by_my_sigterm_handler);
	tcase_add_test(tc, processes_stopped_by_my_sigint_handler);
	tcase_add_test(tc, threads_failing_stage_says_why_through_events);
	tcase_add_test(tc, processes_failing_stage_says_why_through_events);
	tcase_add_test(tc, stop_before_run);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	setenv("SLUICE_PLUGIN_PATH", T_PLUGIN_DIR, 1);
	return tu_run(make_suite);
}
