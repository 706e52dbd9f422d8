/* args.h - what the topic commands share: strict parsing of the numbers
 * they take as options (the whole text must be the number, inside the
 * option's range, or the command stops with an error that names the option,
 * exit status 2), topic names (bare, or a pipeline's), opening or waiting
 * for a topic, and error lines that give the library's reason. */
#ifndef SLUICE_CLI_ARGS_H
#define SLUICE_CLI_ARGS_H

#include <signal.h>
#include <stdint.h>

#include "sluice/channel.h"
#include "sluice/shm.h"

/* Exit statuses every command uses (documented in `sluice --help`). */
enum cli_exit {
	CLI_OK = 0,
	CLI_FAIL = 1,  /* the command ran and something failed */
	CLI_USAGE = 2, /* bad arguments: nothing was done */
};

/* The value after option argv[*i]: advances *i and returns it, or prints
 * "OPTION needs a value" and returns NULL. */
const char *cli_value(const char *cmd, int argc, char **argv, int *i);

/* Parses text as a whole unsigned decimal number in [min, max] for option
 * opt: 0, or prints an error naming opt and returns CLI_USAGE. */
int cli_u64(const char *cmd, const char *opt, const char *text, uint64_t min, uint64_t max,
	    uint64_t *out);

/* Parses text as a whole finite number in [min, max]: 0 or CLI_USAGE. */
int cli_double(const char *cmd, const char *opt, const char *text, double min, double max,
	       double *out);

/* Prints "sluice CMD: " and the message; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Room for a topic's segment name. */
#define CLI_TOPIC_MAX (SLUICE_SHM_NAME_MAX + 1)

/* The segment name of topic argument arg: "/<pipeline>.<arg>" when pipeline
 * is not NULL (how `sluice run` names a pipeline's topics), else arg with a
 * leading '/' added if missing.  0 or CLI_USAGE. */
int cli_topic(const char *cmd, const char *arg, const char *pipeline, char *buf, size_t len);

/* Reads topic's stats.  wait: first waits (until *stop) for the topic to
 * exist and have a live publisher.  A topic that is not there gets the
 * library's reason and, when a pipeline's topic has that bare name, a hint
 * (pipeline: the --pipeline given, if any).  0 or CLI_FAIL. */
int cli_open_topic(const char *cmd, const char *topic, const char *pipeline, int wait,
		   volatile sig_atomic_t *stop, struct sluice_topic_stats *st);

/* Prints "sluice CMD: TOPIC: reason" with sluice_errdetail(); CLI_FAIL. */
int cli_lib_error(const char *cmd, const char *topic, int err);

/* A subscriber's take failed with err: a publisher that closed is the end
 * of the stream (said once, CLI_OK); one that died, an eviction or a
 * damaged topic is an error (CLI_FAIL), with the reason. */
int cli_stream_end(const char *cmd, const char *topic, int err);

#endif
