/* run.c - `sluice run FILE`: validate a pipeline file and run it. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "sluice/error.h"
#include "sluice/pipeline.h"

static int run_main(int argc, char **argv)
{
	struct sluice_run_opts o = {.live = isatty(STDOUT_FILENO) ? 1 : 0};
	const char *file = NULL, *name = NULL;
	int check_only = 0;
	struct sluice_pipeline *pl;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--duration") && i + 1 < argc) {
			char *end;

			o.duration_s = strtod(argv[++i], &end);
			if (*end || o.duration_s < 0)
				return cli_error("run", "--duration wants seconds, not \"%s\"", argv[i]);
		} else if (!strcmp(a, "--threads")) {
			o.threads = 1;
		} else if (!strcmp(a, "--keep")) {
			o.keep = 1;
		} else if (!strcmp(a, "--quiet")) {
			o.live = -1;
		} else if (!strcmp(a, "--summary") && i + 1 < argc) {
			o.summary_path = argv[++i];
		} else if (!strcmp(a, "--name") && i + 1 < argc) {
			name = argv[++i];
		} else if (!strcmp(a, "--check")) {
			check_only = 1;
		} else if (a[0] == '-' || file) {
			return cli_error("run", "unexpected argument \"%s\" (see sluice run --help)", a);
		} else {
			file = a;
		}
	}
	if (!file)
		return cli_error("run", "which pipeline file? (see sluice run --help)");
	rc = sluice_pipeline_load(file, name, &pl);
	if (rc) {
		const char *d = sluice_errdetail();

		return cli_error("run", "%s", *d ? d : sluice_strerror(rc));
	}
	if (check_only) {
		printf("%s: valid\n", file);
		sluice_pipeline_free(pl);
		return 0;
	}
	rc = sluice_pipeline_run(pl, &o);
	sluice_pipeline_free(pl);
	if (rc)
		return cli_error("run", "%s (%s)", sluice_strerror(rc), sluice_errdetail());
	return 0;
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
	   "  --check          validate FILE and exit\n",
	   run_main)
