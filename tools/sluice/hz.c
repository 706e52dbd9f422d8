/* hz.c - `sluice hz TOPIC`: how often a topic publishes, from the
 * publisher's own timestamps, once a second. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "cmd.h"
#include "sluice/channel.h"
#include "sluice/error.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int hz_main(int argc, char **argv)
{
	const char *topic_arg = NULL, *pipeline = NULL, *v;
	char topic[CLI_TOPIC_MAX];
	double duration = 0;
	int wait = 0, rc;
	struct sluice_topic_stats st;
	struct sluice_sub *sub;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--duration")) {
			if (!(v = cli_value("hz", argc, argv, &i)))
				return CLI_USAGE;
			/* Up to ~115 days: the nanoseconds fit in 64 bits. */
			if ((rc = cli_double("hz", "--duration", v, 1e-3, 1e7, &duration)) != 0)
				return rc;
		} else if (!strcmp(argv[i], "--pipeline")) {
			if (!(pipeline = cli_value("hz", argc, argv, &i)))
				return CLI_USAGE;
		} else if (!strcmp(argv[i], "--wait")) {
			wait = 1;
		} else if (argv[i][0] != '-' && !topic_arg) {
			topic_arg = argv[i];
		} else {
			return cli_usage_error("hz", "unexpected argument \"%s\"", argv[i]);
		}
	}
	if (!topic_arg)
		return cli_usage_error("hz", "which topic? (sluice ls lists them)");
	if ((rc = cli_topic("hz", topic_arg, pipeline, topic, sizeof(topic))) != 0)
		return rc;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if ((rc = cli_open_topic("hz", topic, pipeline, wait, &stop, &st)) != 0 || stop)
		return rc;
	rc = sluice_sub_open(topic, NULL, &sub);
	if (rc)
		return cli_lib_error("hz", topic, rc);

	uint64_t start = now_ns(), next_print = start + 1000000000u, last_stamp = 0, n = 0, lost = 0;
	double sum = 0, sum2 = 0, mn = INFINITY, mx = 0;
	int gone = 0;

	while (!stop && (duration <= 0 || now_ns() - start < (uint64_t)(duration * 1e9))) {
		struct sluice_msg m;

		rc = sluice_sub_take(sub, &m, 100000000);
		if (rc == 0) {
			if (last_stamp) {
				double dt = (double)(m.stamp_ns - last_stamp) / 1e9;

				sum += dt;
				sum2 += dt * dt;
				mn = dt < mn ? dt : mn;
				mx = dt > mx ? dt : mx;
				n++;
			}
			last_stamp = m.stamp_ns;
			lost += m.lost_before;
			if (sluice_sub_release(sub, &m) != 0)
				lost++;
		} else if (rc == -SLUICE_EOWNERDEAD && wait) {
			/* Said once per publisher that goes, then wait for the next. */
			if (!gone)
				fprintf(stderr, "sluice hz: %s; waiting for the next\n",
					sluice_errdetail());
			gone = 1;
			struct timespec ms = {0, 100000000};
			nanosleep(&ms, NULL);
			continue;
		} else if (rc != -ETIMEDOUT && rc != -EAGAIN) {
			sluice_sub_close(sub);
			return cli_stream_end("hz", topic, rc);
		}
		if (rc == 0)
			gone = 0;
		if (now_ns() >= next_print) {
			next_print += 1000000000u;
			if (n == 0) {
				printf("no new messages\n");
			} else {
				double mean = sum / (double)n;
				double sd = sqrt(fmax(0, sum2 / (double)n - mean * mean));

				printf("average rate: %.3f Hz  min: %.3f ms  max: %.3f ms  std dev: %.3f ms"
				       "  window: %llu  lost: %llu\n",
				       1.0 / mean, mn * 1e3, mx * 1e3, sd * 1e3,
				       (unsigned long long)n + 1, (unsigned long long)lost);
			}
			fflush(stdout);
			n = 0;
			sum = sum2 = 0;
			mn = INFINITY;
			mx = 0;
		}
	}
	sluice_sub_close(sub);
	return CLI_OK;
}

SLUICE_CMD(hz, "hz", "measure how often a topic publishes",
	   "usage: sluice hz TOPIC [--duration S] [--wait] [--pipeline NAME]\n\n"
	   "Subscribes to TOPIC (any type) and prints, once a second, the publishing rate\n"
	   "and the spread of the intervals between messages, computed from the\n"
	   "publisher's own timestamps, plus messages this subscriber lost.  Runs until\n"
	   "Ctrl-C, for --duration seconds, or until the publisher closes the topic.\n\n"
	   "  --duration S     stop after S seconds (0.001 to 1e7)\n"
	   "  --wait           wait for the topic and its publisher to appear, and for the\n"
	   "                   next publisher when one goes\n"
	   "  --pipeline NAME  TOPIC is a topic of pipeline NAME (/NAME.TOPIC)\n\n"
	   "Exit status: 0 done (the duration, Ctrl-C, the publisher closed); 1 the topic\n"
	   "cannot be read (missing, damaged, the publisher died, evicted); 2 bad\n"
	   "arguments.\n",
	   hz_main)
