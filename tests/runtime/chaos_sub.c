/* chaos_sub.c - the chaos test's subscriber (tests/runtime/test_chaos.sh):
 * follows one topic and checks every sequence number it is given, while the
 * test kills and stops the processes around it (and stops this one too).
 *
 *   chaos_sub TOPIC RESULT_FILE
 *
 * Lossless topic: each message must be the one after the last (no gap, no
 * duplicate, no loss reported). Lossy topic: each message must come after
 * exactly the messages it says were lost (seq == last + 1 + lost_before), so
 * that delivered + lost = published over what it saw. At SIGTERM it writes
 * one line of key=value figures to RESULT_FILE, with the topic's own count
 * of what this subscriber got and lost, and exits 0; a broken invariant
 * makes it write the line at once (violation=...) and exit 1.
 * CHAOS_SUB_EXPECT_LOSSLESS=1 checks a lossy topic as lossless (to see the
 * checks fire). */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sluice/channel.h"
#include "sluice/error.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

struct tally {
	int lossless;
	uint64_t first, last, delivered, lost, owner_gone, restarts_seen;
	char violation[256];
};

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void report(const char *path, const char *topic, const struct tally *t, const char *extra)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return;
	fprintf(f,
	        "topic=%s delivery=%s first=%" PRIu64 " last=%" PRIu64 " delivered=%" PRIu64
	        " lost=%" PRIu64 " owner_gone=%" PRIu64 " %s violation=%s\n",
	        topic, t->lossless ? "lossless" : "lossy", t->first, t->last, t->delivered, t->lost,
	        t->owner_gone, extra, t->violation[0] ? t->violation : "none");
	fclose(f);
}

/* One message: 0, or -1 with t->violation set. */
static int account(struct tally *t, const struct sluice_msg *m)
{
	if (!t->delivered) {
		/* what it lost before its first message is not in the window */
		t->first = t->last = m->seq;
		t->delivered = 1;
		return 0;
	}
	if (m->seq <= t->last) {
		snprintf(t->violation, sizeof(t->violation),
		         "duplicate_or_reorder:seq=%" PRIu64 ",after=%" PRIu64, m->seq, t->last);
		return -1;
	}
	if (t->lossless && (m->seq != t->last + 1 || m->lost_before)) {
		snprintf(t->violation, sizeof(t->violation),
		         "gap:seq=%" PRIu64 ",after=%" PRIu64 ",lost_before=%" PRIu64, m->seq,
		         t->last, m->lost_before);
		return -1;
	}
	if (!t->lossless && m->seq != t->last + 1 + m->lost_before) {
		snprintf(t->violation, sizeof(t->violation),
		         "miscounted_loss:seq=%" PRIu64 ",after=%" PRIu64 ",lost_before=%" PRIu64,
		         m->seq, t->last, m->lost_before);
		return -1;
	}
	t->lost += m->lost_before;
	t->delivered++;
	t->last = m->seq;
	return 0;
}

int main(int argc, char **argv)
{
	struct sluice_sub_opts so = {.join = SLUICE_JOIN_NEXT};
	struct sluice_topic_stats st;
	struct sluice_sub_stats subs[64];
	struct sluice_sub *sub = NULL;
	struct tally t = {0};
	static unsigned char buf[1 << 16];
	char extra[160] = "";
	int rc = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: chaos_sub TOPIC RESULT_FILE\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	/* the topic may not be there yet */
	for (int i = 0; i < 200 && !stop; i++) {
		rc = sluice_sub_open(argv[1], &so, &sub);
		if (!rc)
			break;
		nap_ms(50);
	}
	if (!sub) {
		snprintf(t.violation, sizeof(t.violation), "cannot_open:%s", sluice_strerror(rc));
		report(argv[2], argv[1], &t, "");
		return 1;
	}
	if ((rc = sluice_topic_stat(argv[1], &st, NULL, 0)) != 0) {
		snprintf(t.violation, sizeof(t.violation), "cannot_stat:%s", sluice_strerror(rc));
		report(argv[2], argv[1], &t, "");
		return 1;
	}
	t.lossless = st.delivery != SLUICE_LOSSY;
	/* a negative control: hold a lossy topic to the lossless rules */
	if (getenv("CHAOS_SUB_EXPECT_LOSSLESS"))
		t.lossless = 1;
	while (!stop) {
		struct sluice_msg m;
		int n = sluice_sub_take_copy(sub, buf, sizeof(buf), &m, 200000000);

		if (n >= 0) {
			if (account(&t, &m) < 0) {
				rc = 1;
				break;
			}
		} else if (n == -ETIMEDOUT || n == -EAGAIN || n == -EINTR) {
			continue;
		} else if (n == -SLUICE_EOWNERDEAD) {
			/* the publishing stage died: it may be restarted */
			t.owner_gone++;
			nap_ms(20);
		} else {
			/* evicted while alive, or any other error: a finding */
			snprintf(t.violation, sizeof(t.violation), "take:%s", sluice_strerror(n));
			rc = 1;
			break;
		}
	}
	/* the topic's own account of this subscriber, beside ours */
	memset(subs, 0, sizeof(subs));
	int ns = sluice_topic_stat(argv[1], &st, subs, 64);
	for (int i = 0; ns == 0 && i < 64; i++)
		if (subs[i].pid == getpid())
			snprintf(extra, sizeof(extra),
			         "topic_delivered=%" PRIu64 " topic_lost=%" PRIu64 " evicted=%d",
			         subs[i].delivered, subs[i].lost, subs[i].evicted);
	report(argv[2], argv[1], &t, extra);
	sluice_sub_close(sub);
	return rc;
}
