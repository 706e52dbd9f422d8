/* main.c - the `sluice` command line: dispatches to the command named by
 * the first argument (each registered from its own file, see cmd.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "sluice/plugin.h"
#include "sluice/version.h"

static struct cli_cmd *cmds;

void cli_register(struct cli_cmd *cmd)
{
	struct cli_cmd **p = &cmds;

	/* Sorted by name, so --help lists commands in a stable order. */
	while (*p && strcmp((*p)->name, cmd->name) < 0)
		p = &(*p)->next;
	cmd->next = *p;
	*p = cmd;
}

void cli_verror(const char *cmd, const char *fmt, va_list ap)
{
	fprintf(stderr, "sluice %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_verror(cmd, fmt, ap);
	va_end(ap);
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sluice COMMAND [options]   (sluice COMMAND --help for its options)\n"
	           "       sluice --version          versions of sluice and of its ABIs\n\n"
	           "commands:\n");
	for (struct cli_cmd *c = cmds; c; c = c->next)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\nexit status: 0 success, 1 failure, 2 bad arguments (sluice run adds 3 and\n"
		   "128+signal: sluice run --help); numbers in options are parsed strictly\n");
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

static int is_help(const char *a)
{
	return !strcmp(a, "--help") || !strcmp(a, "-h");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		print_version("sluice");
		return 0;
	}
	if (is_help(argv[1]) || !strcmp(argv[1], "help")) {
		if (argc > 2 && !is_help(argv[2])) {
			for (struct cli_cmd *c = cmds; c; c = c->next)
				if (!strcmp(c->name, argv[2])) {
					fputs(c->usage, stdout);
					return 0;
				}
			fprintf(stderr, "sluice: unknown command '%s'\n", argv[2]);
			return 2;
		}
		usage(stdout);
		return 0;
	}
	for (struct cli_cmd *c = cmds; c; c = c->next) {
		if (strcmp(c->name, argv[1]) != 0)
			continue;
		/* --help anywhere before "--" answers with the usage. */
		for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
			if (is_help(argv[i])) {
				fputs(c->usage, stdout);
				return 0;
			}
		return c->run(argc - 1, argv + 1);
	}
	fprintf(stderr, "sluice: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
