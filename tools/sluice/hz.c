/* hz.c - `sluice hz TOPIC`: how often a topic publishes, from the
 * publisher's own timestamps, once a second. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	const char *topic = NULL;
	double duration = 0;
	struct sluice_sub *sub;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--duration") && i + 1 < argc)
			duration = atof(argv[++i]);
		else if (argv[i][0] != '-' && !topic)
			topic = argv[i];
		else
			return cli_error("hz", "unexpected argument \"%s\"", argv[i]);
	}
	if (!topic)
		return cli_error("hz", "which topic? (sluice ls lists them)");
	rc = sluice_sub_open(topic, NULL, &sub);
	if (rc)
		return cli_error("hz", "%s: %s", topic, sluice_errdetail());
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	uint64_t start = now_ns(), next_print = start + 1000000000u, last_stamp = 0, n = 0, lost = 0;
	double sum = 0, sum2 = 0, mn = INFINITY, mx = 0;

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
		} else if (rc == -SLUICE_EOWNERDEAD) {
			fprintf(stderr, "sluice hz: %s\n", sluice_errdetail());
			struct timespec ms = {0, 100000000};
			nanosleep(&ms, NULL);
		} else if (rc != -ETIMEDOUT && rc != -EAGAIN) {
			sluice_sub_close(sub);
			return cli_error("hz", "%s: %s", topic, sluice_strerror(rc));
		}
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
	return 0;
}

SLUICE_CMD(hz, "hz", "measure how often a topic publishes",
	   "usage: sluice hz TOPIC [--duration S]\n\n"
	   "Subscribes to TOPIC (any type) and prints, once a second, the publishing rate\n"
	   "and the spread of the intervals between messages, computed from the\n"
	   "publisher's own timestamps, plus messages this subscriber lost.  Runs until\n"
	   "Ctrl-C or for --duration seconds.\n",
	   hz_main)
