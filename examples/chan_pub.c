/* chan_pub.c - a publisher on a sluice topic: creates it (lossless unless
 * --lossy), builds each message in place in a loaned slot and commits it.
 * Start chan_sub on the same topic first (in another terminal, or with &).
 *
 *   chan_pub [--lossy] [--count N] [--rate HZ] [--size B] [--keep] [TOPIC]
 *
 * A lossless topic makes this publisher wait for its slowest subscriber; a
 * lossy one never waits, and a subscriber that falls a ring behind is told
 * how many messages it lost.  At the end the topic is removed (its
 * subscribers keep their mapping and finish reading) unless --keep. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chan_tick.h"
#include "example_util.h"
#include "sluice/sluice.h"

int main(int argc, char **argv)
{
	const char *topic = "/sluice-example";
	uint64_t count = 1000000, rate = 0;
	uint32_t size = 64;
	int lossy = 0, keep = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--lossy"))
			lossy = 1;
		else if (!strcmp(argv[i], "--keep"))
			keep = 1;
		else if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--rate") && i + 1 < argc)
			rate = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--size") && i + 1 < argc)
			size = (uint32_t)strtoul(argv[++i], NULL, 10);
		else if (argv[i][0] == '/')
			topic = argv[i];
		else {
			fprintf(stderr,
				"usage: %s [--lossy] [--count N] [--rate HZ] [--size B] [--keep] "
				"[/TOPIC]\n",
				argv[0]);
			return 2;
		}
	}
	if (size < TICK_MIN)
		size = TICK_MIN;

	struct sluice_topic_opts o = {.slot_size = size,
				      .slot_count = 64,
				      .delivery = lossy ? SLUICE_LOSSY : SLUICE_LOSSLESS,
				      .type_name = TICK_TYPE};
	struct sluice_pub *pub;
	int rc = sluice_pub_open(topic, &o, &pub);

	if (rc) {
		fprintf(stderr, "chan_pub: %s: %s (%s)\n", topic, sluice_strerror(rc),
			sluice_errdetail());
		return 1;
	}
	printf("chan_pub: %s, %s, %u-byte messages, %llu of them%s\n", topic,
	       lossy ? "lossy" : "lossless", size, (unsigned long long)count,
	       rate ? "" : ", as fast as the topic takes them");
	fflush(stdout);

	struct timespec next;
	uint64_t period = rate ? 1000000000u / rate : 0;
	uint64_t t0 = ex_now_ns();

	clock_gettime(CLOCK_MONOTONIC, &next);
	for (uint64_t n = 0; n < count; n++) {
		void *slot;

		if (period) {
			next.tv_nsec += (long)period;
			while (next.tv_nsec >= 1000000000L) {
				next.tv_nsec -= 1000000000L;
				next.tv_sec++;
			}
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		}
		/* A lossless topic may make us wait; say so if it is for long. */
		while ((rc = sluice_pub_loan(pub, size, &slot, 1000000000)) == -ETIMEDOUT)
			fprintf(stderr, "chan_pub: message %llu: a subscriber is a ring behind "
					"for 1 s; still waiting\n",
				(unsigned long long)n);
		if (rc) {
			fprintf(stderr, "chan_pub: loan: %s (%s)\n", sluice_strerror(rc),
				sluice_errdetail());
			sluice_pub_close(pub);
			return 1;
		}
		tick_fill(slot, size, n);
		sluice_pub_commit(pub, 0, size);
	}
	double secs = (double)(ex_now_ns() - t0) / 1e9;

	printf("chan_pub: published %llu messages in %.2f s (%.2f M msgs/s)\n",
	       (unsigned long long)count, secs, secs > 0 ? (double)count / secs / 1e6 : 0.0);
	sluice_pub_close(pub);
	if (!keep)
		sluice_shm_unlink(topic);
	return 0;
}
