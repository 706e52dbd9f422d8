/* chan_sub.c - a subscriber on a sluice topic: waits for the topic to
 * appear, reads every message in place, checks each one, and counts what
 * it was told it lost (lossy topics) or found torn.  It ends when the
 * publisher has gone and everything it published has been read.
 *
 *   chan_sub [--busy] [--slow US] [/TOPIC]
 *
 * --busy polls instead of sleeping; --slow US holds each view US
 * microseconds, to make a lossy publisher lap this subscriber.  Exit
 * status 0 when every message read was intact and in order, and, on a
 * lossless topic, none was lost. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chan_tick.h"
#include "example_util.h"
#include "sluice/sluice.h"

#define MAX_SAMPLES 1000000

static struct sluice_sub *join(const char *topic, unsigned flags)
{
	struct sluice_sub_opts so = {.type_name = TICK_TYPE, .join = SLUICE_JOIN_OLDEST,
				     .flags = flags};
	struct sluice_sub *sub;
	uint64_t give_up = ex_now_ns() + 30000000000u;

	for (;;) {
		int rc = sluice_sub_open(topic, &so, &sub);

		if (rc == 0)
			return sub;
		if (rc != -ENOENT || ex_now_ns() > give_up) {
			fprintf(stderr, "chan_sub: %s: %s (%s)\n", topic, sluice_strerror(rc),
				sluice_errdetail());
			return NULL;
		}
		struct timespec ms = {0, 10000000};
		nanosleep(&ms, NULL);
	}
}

int main(int argc, char **argv)
{
	const char *topic = "/sluice-example";
	unsigned flags = 0;
	uint64_t slow_ns = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--busy"))
			flags |= SLUICE_SUB_BUSY_POLL;
		else if (!strcmp(argv[i], "--slow") && i + 1 < argc)
			slow_ns = strtoull(argv[++i], NULL, 10) * 1000u;
		else if (argv[i][0] == '/')
			topic = argv[i];
		else {
			fprintf(stderr, "usage: %s [--busy] [--slow US] [/TOPIC]\n", argv[0]);
			return 2;
		}
	}
	struct sluice_sub *sub = join(topic, flags);
	struct sluice_topic_stats st;

	if (!sub)
		return 1;
	/* A lossy publisher may already be done and gone: then the mode is
	 * unknown, and losses are not held against it. */
	int lossy = sluice_topic_stat(topic, &st, NULL, 0) != 0 || st.delivery == SLUICE_LOSSY;
	uint64_t *lat = malloc(MAX_SAMPLES * sizeof(*lat));
	uint64_t got = 0, lost = 0, torn = 0, bad = 0, nlat = 0;
	int64_t expect = -1;
	int rc;

	if (!lat)
		return 1;
	printf("chan_sub: %s (%s), waiting for messages\n", topic, lossy ? "lossy" : "lossless");
	fflush(stdout);
	for (;;) {
		struct sluice_msg m;

		rc = sluice_sub_take(sub, &m, 1000000000);
		if (rc == -ETIMEDOUT)
			continue;
		if (rc)
			break;
		uint64_t now = ex_now_ns();
		int64_t n = tick_check(m.data, m.len);

		if (slow_ns)
			while (ex_now_ns() - now < slow_ns)
				;
		lost += m.lost_before;
		if (expect >= 0)
			expect += (int64_t)m.lost_before;
		if (sluice_sub_release(sub, &m) == -SLUICE_ETORN) {
			/* overwritten while we read it: whatever we saw is void */
			torn++;
			if (expect >= 0)
				expect++;
			continue;
		}
		if (n < 0 || (expect >= 0 && n != expect)) {
			bad++;
			fprintf(stderr, "chan_sub: message %llu: %s\n", (unsigned long long)m.seq,
				n < 0 ? "damaged" : "out of order");
		}
		expect = n >= 0 ? n + 1 : -1; /* after a damaged one, take the next as it comes */
		got++;
		if (nlat < MAX_SAMPLES && now >= m.stamp_ns)
			lat[nlat++] = now - m.stamp_ns;
	}
	if (rc != -SLUICE_EOWNERDEAD)
		fprintf(stderr, "chan_sub: take: %s (%s)\n", sluice_strerror(rc), sluice_errdetail());
	qsort(lat, nlat, sizeof(*lat), ex_cmp_u64);
	printf("chan_sub: read %llu, lost %llu (as told by the topic), torn %llu, bad %llu; "
	       "publish-to-take latency p50 %.1f us, p99 %.1f us\n",
	       (unsigned long long)got, (unsigned long long)lost, (unsigned long long)torn,
	       (unsigned long long)bad, (double)ex_percentile(lat, nlat, 50) / 1e3,
	       (double)ex_percentile(lat, nlat, 99) / 1e3);
	free(lat);
	sluice_sub_close(sub);
	return rc == -SLUICE_EOWNERDEAD && bad == 0 && (lossy || lost + torn == 0) ? 0 : 1;
}
