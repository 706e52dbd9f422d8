/* run.c - `sluice run FILE`: validate a pipeline file and run it; Ctrl-C
 * and SIGTERM stop the run (the handlers are the tool's, not the library's). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cmd.h"
#include "run_table.h"
#include "sluice/error.h"
#include "sluice/pipeline.h"

/* `sluice run`'s exit statuses (its --help and README.md list them). */
enum {
	RUN_CLEAN = 0,       /* every stage ended clean (or was stopped clean) */
	RUN_STAGE_FAILED = 1, /* a stage failed: wins over how the run was stopped */
	RUN_USAGE = 2,       /* bad arguments or an invalid pipeline file */
	RUN_NOT_STARTED = 3, /* valid, but could not be started (topics, in use) */
	/* 128 + N: stopped by signal N (130 SIGINT, 143 SIGTERM), nothing failed */
};

/* The run a signal stops; set while sluice_pipeline_run() runs. */
static struct sluice_pipeline *volatile running;

static void on_signal(int sig)
{
	struct sluice_pipeline *pl = running;

	if (pl)
		sluice_pipeline_stop(pl, sig);
}

/* Runs pl with SIGINT and SIGTERM asking it to stop; restores them after. */
static int run_stoppable(struct sluice_pipeline *pl, const struct sluice_run_opts *o)
{
	struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
	int rc;

	sigemptyset(&sa.sa_mask);
	running = pl;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	rc = sluice_pipeline_run(pl, o);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	running = NULL;
	return rc;
}

static int run_main(int argc, char **argv)
{
	struct sluice_run_result res;
	struct run_view view = {.live = isatty(STDOUT_FILENO) ? 1 : 0};
	struct sluice_run_opts o = {.result = &res,
				    .report = run_view_report,
				    .event = run_view_event,
				    .arg = &view};
	const char *file = NULL, *name = NULL, *v;
	int check_only = 0;
	struct sluice_pipeline *pl;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--duration")) {
			if (!(v = cli_value("run", argc, argv, &i)))
				return RUN_USAGE;
			/* Up to ~115 days: the nanoseconds fit in 64 bits. */
			if ((rc = cli_double("run", a, v, 0, 1e7, &o.duration_s)) != 0)
				return RUN_USAGE;
		} else if (!strcmp(a, "--threads")) {
			o.threads = 1;
		} else if (!strcmp(a, "--keep")) {
			o.keep = 1;
		} else if (!strcmp(a, "--quiet")) {
			view.live = -1;
		} else if (!strcmp(a, "--summary")) {
			if (!(o.summary_path = cli_value("run", argc, argv, &i)))
				return RUN_USAGE;
		} else if (!strcmp(a, "--name")) {
			if (!(name = cli_value("run", argc, argv, &i)))
				return RUN_USAGE;
		} else if (!strcmp(a, "--check")) {
			check_only = 1;
		} else if (a[0] == '-' || file) {
			return cli_usage_error("run", "unexpected argument \"%s\" (see sluice run --help)",
					       a);
		} else {
			file = a;
		}
	}
	if (!file)
		return cli_usage_error("run", "which pipeline file? (see sluice run --help)");
	rc = sluice_pipeline_load(file, name, &pl);
	if (rc) {
		const char *d = sluice_errdetail();

		cli_error("run", "%s", *d ? d : sluice_strerror(rc));
		return RUN_USAGE;
	}
	if (check_only) {
		printf("%s: valid\n", file);
		sluice_pipeline_free(pl);
		return RUN_CLEAN;
	}
	rc = run_stoppable(pl, &o);
	sluice_pipeline_free(pl);
	if (rc) {
		cli_error("run", "%s (%s)", sluice_strerror(rc), sluice_errdetail());
		return RUN_NOT_STARTED;
	}
	if (res.failed_stages) {
		cli_error("run", "%d stage%s failed (first: %s)", res.failed_stages,
			  res.failed_stages > 1 ? "s" : "", res.first_failed);
		return RUN_STAGE_FAILED;
	}
	if (res.signal)
		return 128 + res.signal;
	return RUN_CLEAN;
}

SLUICE_CMD(run, "run",
	   "run a pipeline file: stages as processes (or threads), live figures",
	   "usage: sluice run FILE [--duration S] [--threads] [--summary FILE.json] [--keep]\n"
	   "                       [--name NAME] [--quiet] [--check]\n\n"
	   "Checks FILE (YAML: topics and stages), creates its topics, starts every stage as\n"
	   "a process of its own (--threads: as threads of this one), and shows per topic\n"
	   "rate, end-to-end latency and losses, and per stage CPU and restarts, once a\n"
	   "second (a table on a terminal, a line otherwise).  Ctrl-C or SIGTERM, or the end\n"
	   "of --duration, stops the sources, lets the rest drain, and prints a summary.\n\n"
	   "  --duration S     stop after S seconds\n"
	   "  --threads        all stages as threads of one process\n"
	   "  --summary FILE   also write the summary as JSON\n"
	   "  --keep           leave the topics in /dev/shm at exit\n"
	   "  --name NAME      topic names start with NAME instead of the file's name\n"
	   "  --quiet          no live output, only the summary\n"
	   "  --check          validate FILE and exit\n\n"
	   "Exit status:\n"
	   "  0        every stage ended clean, or the run was stopped clean by --duration\n"
	   "  1        a stage failed: its init or a callback returned an error, it crashed,\n"
	   "           it had to be killed at stop, or its restarts were exhausted (5\n"
	   "           failures in a row before it was ready); a stage restarted after a\n"
	   "           failure counts only if its last run failed too.  Wins over 130/143.\n"
	   "  2        bad arguments, or FILE is not a valid pipeline (--check says why)\n"
	   "  3        FILE is valid but the run could not start (a topic in use by a live\n"
	   "           process, the pipeline already running, no room in /dev/shm)\n"
	   "  130      stopped by SIGINT (Ctrl-C) and nothing failed\n"
	   "  143      stopped by SIGTERM and nothing failed\n",
	   run_main)
