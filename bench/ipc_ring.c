/* ipc_ring.c - transport "sluice-ring": sluice's SPSC ring (sluice/ring.h),
 * one ring per direction, both ends busy-polling (SLUICE_RING_BUSY_POLL) so
 * that it compares with the floor and with iceoryx's busy-poll take. The
 * driver creates both rings and unlinks them; each child opens them by name,
 * as two unrelated processes would. Messages are copied in and out (push and
 * pop), like every other transport here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "ipc_transport.h"
#include "sluice/ring.h"

struct ring_pair {
	struct sluice_ring *r[2]; /* r[0] carries 0 -> 1, r[1] carries 1 -> 0 */
};

static void ring_name(const struct ipc_link *l, int dir, char *buf, size_t len)
{
	snprintf(buf, len, "/%s-%s", l->tag, dir ? "ba" : "ab");
}

static uint64_t ring_slots(size_t size)
{
	uint64_t n = 64;

	/* a few MiB per ring at most */
	while (n > 2 && n * size > (4u << 20))
		n /= 2;
	return n;
}

static int ring_setup(struct ipc_link *l)
{
	struct ring_pair *p = calloc(1, sizeof(*p));
	char name[128];
	int rc;

	if (!p)
		return -ENOMEM;
	l->priv = p;
	for (int dir = 0; dir < 2; dir++) {
		ring_name(l, dir, name, sizeof(name));
		rc = sluice_ring_create(name, l->size, ring_slots(l->size), NULL, &p->r[dir]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int ring_open(struct ipc_link *l)
{
	/* the driver's handles stay in the driver; this process opens its own */
	struct ring_pair *mine = calloc(1, sizeof(*mine));
	struct sluice_ring_opts o = {.flags = SLUICE_RING_BUSY_POLL};
	char name[128];
	int rc;

	if (!mine)
		return -ENOMEM;
	for (int dir = 0; dir < 2; dir++) {
		ring_name(l, dir, name, sizeof(name));
		if ((rc = sluice_ring_open(name, &o, &mine->r[dir])) < 0) {
			if (dir)
				sluice_ring_close(mine->r[0]);
			free(mine);
			return rc;
		}
	}
	l->priv = mine;
	return 0;
}

static int ring_send(struct ipc_link *l, const void *msg)
{
	struct ring_pair *p = l->priv;

	return sluice_ring_push_wait(p->r[l->side], msg, -1);
}

static int ring_recv(struct ipc_link *l, void *msg)
{
	struct ring_pair *p = l->priv;

	return sluice_ring_pop_wait(p->r[!l->side], msg, -1);
}

static void ring_close(struct ipc_link *l)
{
	struct ring_pair *p = l->priv;

	sluice_ring_close(p->r[0]);
	sluice_ring_close(p->r[1]);
	free(p);
}

static void ring_teardown(struct ipc_link *l)
{
	struct ring_pair *p = l->priv;
	char name[128];

	for (int dir = 0; dir < 2; dir++) {
		if (p && p->r[dir])
			sluice_ring_close(p->r[dir]);
		ring_name(l, dir, name, sizeof(name));
		sluice_shm_unlink(name);
	}
	free(p);
}

static const char *ring_unsupported(size_t size)
{
	return size > (16u << 20) ? "larger than the bench's ring slots (16 MiB)" : NULL;
}

IPC_TRANSPORT(sluice_ring, .name = "sluice-ring", .crossings = "0", .unsupported = ring_unsupported,
              .setup = ring_setup, .open = ring_open, .send = ring_send, .recv = ring_recv,
              .close = ring_close, .teardown = ring_teardown)
