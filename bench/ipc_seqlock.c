/* ipc_seqlock.c - transport "sluice-seqlock": sluice's latest-value slot
 * (sluice/seqlock.h), one per direction. A receiver polls the write count
 * and copies the value out when it changes. Latest-value is lossy by design:
 * in streaming the consumer sees only the values that were current when it
 * looked, so msgs/s counts distinct values observed (never torn, never out
 * of order), not values written. Each side creates the slot it writes (the
 * creator is the writer) and opens the other's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ipc_transport.h"
#include "sluice/seqlock.h"

struct sl_pair {
	struct sluice_seqlock *w, *r;
	uint64_t seen; /* the reader's last write count */
};

static void sl_name(const struct ipc_link *l, int dir, char *buf, size_t len)
{
	snprintf(buf, len, "/%s-%s", l->tag, dir ? "ba" : "ab");
}

static int sl_open(struct ipc_link *l)
{
	struct sl_pair *p = calloc(1, sizeof(*p));
	char name[128];
	int rc;

	if (!p)
		return -ENOMEM;
	sl_name(l, l->side, name, sizeof(name));
	if ((rc = sluice_seqlock_create(name, l->size, NULL, &p->w)) < 0) {
		free(p);
		return rc;
	}
	/* the peer creates its slot at the same time: wait for it, bounded */
	sl_name(l, !l->side, name, sizeof(name));
	for (int tries = 0; tries < 5000; tries++) {
		rc = sluice_seqlock_open(name, NULL, &p->r);
		if (rc != -ENOENT)
			break;
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	if (rc < 0) {
		sluice_seqlock_close(p->w);
		free(p);
		return rc;
	}
	l->priv = p;
	return 0;
}

static int sl_send(struct ipc_link *l, const void *msg)
{
	struct sl_pair *p = l->priv;

	return sluice_seqlock_write(p->w, msg, l->size);
}

static int sl_recv(struct ipc_link *l, void *msg)
{
	struct sl_pair *p = l->priv;
	uint64_t seq;
	int rc;

	for (;;) {
		while (sluice_seqlock_seq(p->r) == p->seen)
			;
		rc = sluice_seqlock_read(p->r, msg, l->size, &seq);
		if (rc == -EAGAIN)
			continue; /* a writer kept it busy for every retry: look again */
		if (rc < 0)
			return rc;
		if (seq != p->seen) {
			p->seen = seq;
			return 0;
		}
	}
}

static void sl_close(struct ipc_link *l)
{
	struct sl_pair *p = l->priv;

	sluice_seqlock_close(p->w);
	sluice_seqlock_close(p->r);
	free(p);
}

static void sl_teardown(struct ipc_link *l)
{
	char name[128];

	for (int dir = 0; dir < 2; dir++) {
		sl_name(l, dir, name, sizeof(name));
		sluice_shm_unlink(name);
	}
}

IPC_TRANSPORT(sluice_seqlock, .name = "sluice-seqlock", .flags = IPC_LOSSY, .crossings = "0",
              .open = sl_open, .send = sl_send, .recv = sl_recv, .close = sl_close,
              .teardown = sl_teardown)
