/* bench.h - how a sluice-bench subcommand registers itself.
 *
 * Each subcommand lives in its own file under bench/ and registers with
 * SLUICE_BENCH(name, summary, fn); main.c finds it by name. Adding a
 * subcommand therefore touches no other file. */
#ifndef SLUICE_BENCH_H
#define SLUICE_BENCH_H

struct bench_cmd {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand's name */
	struct bench_cmd *next;
};

void bench_register(struct bench_cmd *cmd);

#define SLUICE_BENCH(id, summary_, fn)                                                          \
	static struct bench_cmd bench_cmd_##id = {#id, summary_, fn, 0};                        \
	__attribute__((constructor)) static void bench_register_##id(void)                    \
	{                                                                                       \
		bench_register(&bench_cmd_##id);                                                \
	}

/* Subcommands whose name has a '-' register with this form. */
#define SLUICE_BENCH_NAMED(id, name_, summary_, fn)                                             \
	static struct bench_cmd bench_cmd_##id = {name_, summary_, fn, 0};                      \
	__attribute__((constructor)) static void bench_register_##id(void)                    \
	{                                                                                       \
		bench_register(&bench_cmd_##id);                                                \
	}

#endif
