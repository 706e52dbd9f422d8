/* main.c - sluice-bench: runs one measurement subcommand, or all of them. */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "sluice/plugin.h"
#include "sluice/version.h"

static struct bench_cmd *cmds;

void bench_register(struct bench_cmd *cmd)
{
	struct bench_cmd **p = &cmds;

	/* Keep the list sorted by name so help and "all" are stable. */
	while (*p && strcmp((*p)->name, cmd->name) < 0)
		p = &(*p)->next;
	cmd->next = *p;
	*p = cmd;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sluice-bench SUBCOMMAND [options]   (SUBCOMMAND --help for its options)\n"
		   "       sluice-bench all                   run every subcommand with defaults\n"
		   "       sluice-bench --version\n\n"
		   "subcommands:\n");
	for (struct bench_cmd *c = cmds; c; c = c->next)
		fprintf(f, "  %-16s %s\n", c->name, c->summary);
}

/* --version: this program's version, the library's, and the versions of
 * the binary interfaces a plugin or another process must match. */
static void print_version(const char *prog)
{
	printf("%s %s\n", prog, SLUICE_VERSION_STRING);
	printf("library %s\n", sluice_version());
	printf("plugin ABI %u.%u\n", SLUICE_PLUGIN_ABI_VERSION, SLUICE_PLUGIN_ABI_MINOR);
	printf("segment ABI %u, channel protocol %u\n", sluice_segment_abi_version(),
	       sluice_channel_protocol());
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version")) {
		print_version("sluice-bench");
		return 0;
	}
	if (!strcmp(argv[1], "all")) {
		int rc = 0;

		for (struct bench_cmd *c = cmds; c; c = c->next) {
			char *sub_argv[] = {(char *)c->name, NULL};

			printf("\n== sluice-bench %s\n", c->name);
			fflush(stdout);
			if (c->run(1, sub_argv) != 0)
				rc = 1;
		}
		return rc;
	}
	for (struct bench_cmd *c = cmds; c; c = c->next)
		if (!strcmp(c->name, argv[1]))
			return c->run(argc - 1, argv + 1);
	fprintf(stderr, "sluice-bench: unknown subcommand '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
