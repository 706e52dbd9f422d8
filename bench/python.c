/* python.c - sluice-bench python: sluice from Python beside pyzmq ipc://
 * and multiprocessing's Queue and Pipe, two Python processes per run.
 * The measuring is Python's own (bench/python_bench.py); this runs it with
 * the interpreter the package is for, pointing the package at this
 * build's libsluice.so, and passes the arguments on. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#ifndef SLUICE_BENCH_PY_SOURCE
#define SLUICE_BENCH_PY_SOURCE ""
#endif
#ifndef SLUICE_BENCH_PY_PATH
#define SLUICE_BENCH_PY_PATH ""
#endif

/* This program's folder (bin/ of a build or of a prefix), or "". */
static void exe_dir(char *dir, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", dir, len - 1);
	char *slash;

	dir[0] = '\0';
	if (n <= 0)
		return;
	dir[n] = '\0';
	if ((slash = strrchr(dir, '/')))
		*slash = '\0';
	else
		dir[0] = '\0';
}

/* The driver script: $SLUICE_BENCH_PY, else the installed one beside this
 * program's prefix, else the source tree's (a build); *in_tree says which. */
static int find_script(const char *bin, char *path, size_t len, int *in_tree)
{
	const char *env = getenv("SLUICE_BENCH_PY");

	*in_tree = 0;
	if (env && *env) {
		snprintf(path, len, "%s", env);
		return 0;
	}
	if (bin[0] && (size_t)snprintf(path, len, "%s/../share/sluice/bench/python_bench.py", bin) <
			      len &&
	    access(path, R_OK) == 0)
		return 0;
	if (SLUICE_BENCH_PY_SOURCE[0] && access(SLUICE_BENCH_PY_SOURCE, R_OK) == 0) {
		snprintf(path, len, "%s", SLUICE_BENCH_PY_SOURCE);
		*in_tree = 1;
		return 0;
	}
	return -ENOENT;
}

/* The package's environment: this build's library, and in a build tree
 * the package from the source tree. */
static void set_env(const char *bin, int in_tree)
{
	char lib[PATH_MAX + 64], pp[2 * PATH_MAX];
	const char *old = getenv("PYTHONPATH");

	if (!getenv("SLUICE_LIB") && bin[0] &&
	    (size_t)snprintf(lib, sizeof(lib), "%s/../lib/libsluice.so.0", bin) < sizeof(lib) &&
	    access(lib, R_OK) == 0)
		setenv("SLUICE_LIB", lib, 1);
	if (in_tree && SLUICE_BENCH_PY_PATH[0]) {
		if (old && *old)
			snprintf(pp, sizeof(pp), "%s:%s", SLUICE_BENCH_PY_PATH, old);
		else
			snprintf(pp, sizeof(pp), "%s", SLUICE_BENCH_PY_PATH);
		setenv("PYTHONPATH", pp, 1);
	}
}

static int python_main(int argc, char **argv)
{
	char bin[PATH_MAX], script[PATH_MAX + 64];
	const char *py = getenv("SLUICE_PYTHON");
	int in_tree, status;
	pid_t pid;

	if (!py || !*py)
		py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
	exe_dir(bin, sizeof(bin));
	if (find_script(bin, script, sizeof(script), &in_tree) != 0) {
		fprintf(stderr, "sluice-bench python: python_bench.py not found "
				"(set SLUICE_BENCH_PY to its path)\n");
		return 1;
	}
	char **args = calloc((size_t)argc + 2, sizeof(*args));

	if (!args)
		return 1;
	args[0] = (char *)py;
	args[1] = script;
	for (int i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		set_env(bin, in_tree);
		execvp(py, args);
		fprintf(stderr, "sluice-bench python: cannot run %s: %s\n", py, strerror(errno));
		_exit(127);
	}
	free(args);
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		perror("sluice-bench python");
		return 1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

SLUICE_BENCH(python, "Python processes: sluice vs pyzmq ipc://, multiprocessing Queue, Pipe",
	     python_main)
