/* args.c - what the topic commands share (see args.h).  Numbers are strict:
 * "abc", "1x", "", " 1", "-1" for a count, "nan" and out-of-range values are
 * refused, never read as 0 or as their leading digits. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "cmd.h"
#include "sluice/error.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_verror(cmd, fmt, ap);
	va_end(ap);
	return CLI_USAGE;
}

const char *cli_value(const char *cmd, int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		cli_usage_error(cmd, "%s needs a value (see sluice %s --help)", argv[*i], cmd);
		return NULL;
	}
	return argv[++*i];
}

int cli_u64(const char *cmd, const char *opt, const char *text, uint64_t min, uint64_t max,
	    uint64_t *out)
{
	unsigned long long v;
	char *end;

	/* strtoull skips blanks and accepts a sign (wrapping "-1"): refuse both. */
	if (!isdigit((unsigned char)text[0]))
		goto bad;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (*end || errno == ERANGE)
		goto bad;
	if (v < min || v > max)
		return cli_usage_error(cmd, "%s must be between %llu and %llu, not %s", opt,
				       (unsigned long long)min, (unsigned long long)max, text);
	*out = v;
	return 0;
bad:
	return cli_usage_error(cmd, "%s wants a whole number, not \"%s\"", opt, text);
}

int cli_double(const char *cmd, const char *opt, const char *text, double min, double max,
	       double *out)
{
	double v;
	char *end;

	if (!text[0] || isspace((unsigned char)text[0]))
		goto bad;
	errno = 0;
	v = strtod(text, &end);
	if (*end || errno == ERANGE || !isfinite(v))
		goto bad;
	if (v < min || v > max)
		return cli_usage_error(cmd, "%s must be between %g and %g, not %s", opt, min, max,
				       text);
	*out = v;
	return 0;
bad:
	return cli_usage_error(cmd, "%s wants a number, not \"%s\"", opt, text);
}

int cli_topic(const char *cmd, const char *arg, const char *pipeline, char *buf, size_t len)
{
	int n;

	if (pipeline) {
		if (!pipeline[0] || strchr(pipeline, '/'))
			return cli_usage_error(cmd, "--pipeline wants a pipeline's name, not \"%s\"",
					       pipeline);
		n = snprintf(buf, len, "/%s.%s", pipeline, arg[0] == '/' ? arg + 1 : arg);
	} else {
		n = snprintf(buf, len, "%s%s", arg[0] == '/' ? "" : "/", arg);
	}
	if (n < 0 || (size_t)n >= len)
		return cli_usage_error(cmd, "topic name \"%s\" is too long", buf);
	return 0;
}

int cli_lib_error(const char *cmd, const char *topic, int err)
{
	const char *d = sluice_errdetail(), *why = sluice_strerror(err);

	if (!*d)
		fprintf(stderr, "sluice %s: %s: %s\n", cmd, topic, why);
	else if (strstr(d, why))
		fprintf(stderr, "sluice %s: %s\n", cmd, d);
	else
		fprintf(stderr, "sluice %s: %s: %s\n", cmd, d, why);
	return CLI_FAIL;
}

/* A pipeline's topic is "/<pipeline>.<topic>": say so when one's topic
 * part is the bare name the user gave.  Names only, from the directory:
 * nothing found by listing is opened (a FIFO there must not hang us). */
static void hint_pipeline_topics(const char *cmd, const char *bare)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		const char *dot = strrchr(e->d_name, '.');

		if (e->d_type != DT_REG || !dot || dot == e->d_name || strcmp(dot + 1, bare) != 0)
			continue;
		fprintf(stderr, "sluice %s: hint: /%s is topic \"%s\" of pipeline \"%.*s\": "
				"sluice %s %s --pipeline %.*s\n",
			cmd, e->d_name, bare, (int)(dot - e->d_name), e->d_name, cmd, bare,
			(int)(dot - e->d_name), e->d_name);
	}
	if (d)
		closedir(d);
}

int cli_open_topic(const char *cmd, const char *topic, const char *pipeline, int wait,
		   volatile sig_atomic_t *stop, struct sluice_topic_stats *st)
{
	int said = 0;

	for (;;) {
		int rc = sluice_topic_stat(topic, st, NULL, 0);

		if (rc == 0 && (!wait || (st->publisher_pid && st->publisher_alive)))
			return 0;
		/* Not there yet, or still being made: what --wait waits out. */
		if (!wait || (rc && rc != -ENOENT && rc != -SLUICE_ENOTREADY)) {
			cli_lib_error(cmd, topic, rc);
			if (rc == -ENOENT && !pipeline && !strchr(topic + 1, '.'))
				hint_pipeline_topics(cmd, topic + 1);
			return CLI_FAIL;
		}
		if (*stop)
			return CLI_OK;
		if (!said++)
			fprintf(stderr, "sluice %s: waiting for a publisher on %s\n", cmd, topic);
		struct timespec ms = {0, 50000000};
		nanosleep(&ms, NULL);
	}
}

int cli_stream_end(const char *cmd, const char *topic, int err)
{
	const char *d = sluice_errdetail();
	size_t n = strlen(d);

	/* The channel's detail says "the publisher closed" or "... died". */
	if (err == -SLUICE_EOWNERDEAD && n >= 6 && !strcmp(d + n - 6, "closed")) {
		fprintf(stderr, "sluice %s: %s\n", cmd, d);
		return CLI_OK;
	}
	return cli_lib_error(cmd, topic, err);
}
