/* test_ports.c - one port limit (SLUICE_PLUGIN_MAX_PORTS) for the loader,
 * the pipeline checker and the host: a plugin at the limit loads and runs
 * wired on its last output; one past it is refused at load with the reason,
 * where it once loaded and made the host index past its publisher table. */
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sluice/error.h"
#include "sluice/loader.h"
#include "sluice/pipeline.h"
#include "testutil.h"

#define TP(f) TP_DIR "/" f

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

/* A pipeline of one stage wired on its last output, `out`. */
static const char *write_pipeline(const char *tag, const char *plugin, const char *out)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/sluice-test-%ld-%s.yaml", (long)getpid(), tag);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
	        "topics:\n  t: { type: test.Count, slots: 16, slot_size: 64 }\n"
	        "stages:\n  s: { plugin: %s, outputs: { %s: t } }\n",
	        plugin, out);
	fclose(f);
	return path;
}

START_TEST(plugin_at_limit_loads)
{
	struct sluice_plugin *p;

	ck_assert_int_eq(sluice_plugin_open(TP("ports_max.so"), &p), 0);
	ck_assert_uint_eq(sluice_plugin_descriptor(p)->n_outputs, SLUICE_PLUGIN_MAX_PORTS);
	sluice_plugin_unref(p);
}
END_TEST

START_TEST(plugin_past_limit_is_refused)
{
	struct sluice_plugin *p = NULL;
	char want[64];
	int rc = sluice_plugin_open(TP("ports_over.so"), &p);

	ck_assert_msg(rc == -SLUICE_EPLUGIN_PORT, "got %d (%s), want -SLUICE_EPLUGIN_PORT", rc,
	              rc < 0 ? sluice_errdetail() : "it loaded");
	ck_assert_ptr_null(p);
	snprintf(want, sizeof(want), "more than the limit of %d", SLUICE_PLUGIN_MAX_PORTS);
	ck_assert_msg(strstr(sluice_errdetail(), want), "detail: %s", sluice_errdetail());
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), "ports_over.so"));
}
END_TEST

/* Runs pipeline path as `name` for a second, in threads, in a child (so a
 * memory error in the host is seen as the child's status); returns that. */
static int run_child(const char *path, const char *name, const char *summary)
{
	pid_t pid = tu_fork();

	if (pid == 0) {
		struct sluice_pipeline *pl;
		struct sluice_run_opts o = {
		    .duration_s = 1, .threads = 1, .summary_path = summary};

		if (sluice_pipeline_load(path, name, &pl) != 0)
			_exit(3);
		_exit(sluice_pipeline_run(pl, &o) == 0 ? 0 : 4);
	}
	return tu_wait(pid, 30000);
}

START_TEST(pipeline_on_last_port_runs)
{
	char name[64], prefix[80], summary[128];
	const char *path = write_pipeline("max", "ports_max", "o15");

	setenv("SLUICE_PLUGIN_PATH", TP_DIR, 1);
	snprintf(name, sizeof(name), "tpm%ld", (long)getpid());
	snprintf(prefix, sizeof(prefix), "%s.", name);
	snprintf(summary, sizeof(summary), "/tmp/sluice-test-%s.json", name);
	ck_assert_int_eq(run_child(path, name, summary), 0);
	/* What the stage published on its last output reached the topic. */
	ck_assert_double_gt(tu_json_number(summary, "s[\"topics\"][0][\"published\"]"), 0);
	ck_assert_int_eq(shm_left(prefix), 0);
	unlink(summary);
	unlink(path);
}
END_TEST

START_TEST(pipeline_past_limit_is_refused)
{
	struct sluice_pipeline *pl = NULL;
	char name[64], prefix[80];
	const char *path = write_pipeline("over", "ports_over", "o16");
	int rc;

	setenv("SLUICE_PLUGIN_PATH", TP_DIR, 1);
	snprintf(name, sizeof(name), "tpo%ld", (long)getpid());
	snprintf(prefix, sizeof(prefix), "%s.", name);
	rc = sluice_pipeline_load(path, name, &pl);
	if (rc == 0) {
		/* The old behaviour: show what running it does, then fail. */
		int st;

		sluice_pipeline_free(pl);
		st = run_child(path, name, NULL);
		ck_abort_msg("a plugin with %d outputs loaded; running it on o16 ended with "
		             "status %d",
		             SLUICE_PLUGIN_MAX_PORTS + 1, st);
	}
	ck_assert_int_eq(rc, -SLUICE_EPIPELINE);
	ck_assert_ptr_null(pl);
	ck_assert_msg(strstr(sluice_errdetail(), "more than the limit"), "detail: %s",
	              sluice_errdetail());
	ck_assert_int_eq(shm_left(prefix), 0);
	unlink(path);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ports");
	TCase *t = tcase_create("limit");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, plugin_at_limit_loads);
	tcase_add_test(t, plugin_past_limit_is_refused);
	tcase_add_test(t, pipeline_on_last_port_runs);
	tcase_add_test(t, pipeline_past_limit_is_refused);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
