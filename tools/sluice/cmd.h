/* cmd.h - how a `sluice` command registers itself.
 *
 * Each command lives in its own file here and registers with
 * SLUICE_CMD(id, name, summary, usage, fn); main.c finds it by name, prints
 * the list for `sluice --help`, and answers `sluice NAME --help` with the
 * command's usage text, so every command has --help without writing it.
 * Adding a command therefore touches no other file (link extra libraries in
 * this folder's CMakeLists.txt). */
#ifndef SLUICE_CLI_CMD_H
#define SLUICE_CLI_CMD_H

#include <stdarg.h>
#include <stdio.h>

struct cli_cmd {
	const char *name;
	const char *summary;               /* one line, for `sluice --help` */
	const char *usage;                 /* full text for `sluice NAME --help` */
	int (*run)(int argc, char **argv); /* argv[0] is the command's name */
	struct cli_cmd *next;
};

void cli_register(struct cli_cmd *cmd);

/* Prints "sluice NAME: " and the message to stderr; returns exit status 1. */
int cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, from a va_list, returning nothing. */
void cli_verror(const char *cmd, const char *fmt, va_list ap);

#define SLUICE_CMD(id, name_, summary_, usage_, fn)                                                \
	static struct cli_cmd cli_cmd_##id = {name_, summary_, usage_, fn, 0};                     \
	__attribute__((constructor)) static void cli_register_##id(void)                           \
	{                                                                                          \
		cli_register(&cli_cmd_##id);                                                       \
	}

#endif
