/* ipc_channel.c - transports "sluice-poll" and "sluice-wait": sluice's
 * channel (sluice/channel.h), one lossless topic per direction, each side
 * publishing on one and subscribed to the other. sluice-poll subscribes
 * with SLUICE_SUB_BUSY_POLL (spins, never sleeps: the mode to compare with
 * the floor and iceoryx's busy-poll take); sluice-wait uses the channel's
 * default wait (a bounded spin, then a futex sleep), the mode that costs no
 * CPU when idle. Messages are copied in (publish) and out (take_copy), as
 * with every transport here. The driver creates both topics before the
 * fork and unlinks them afterwards. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc_transport.h"
#include "sluice/channel.h"

struct chan_priv {
	struct sluice_pub *pub;
	struct sluice_sub *sub;
};

static void topic_name(const struct ipc_link *l, int dir, char *buf, size_t len)
{
	snprintf(buf, len, "/%s-%s", l->tag, dir ? "ba" : "ab");
}

static int chan_setup(struct ipc_link *l)
{
	struct sluice_topic_opts o = {.slot_size = (uint32_t)l->size, .delivery = SLUICE_LOSSLESS};
	char name[128];

	/* 64 slots, fewer while the ring passes 4 MiB, down to one: a
	 * ping-pong has one message in flight, and at 4 MiB a second slot
	 * doubles the memory the copies run through (in the VM's faster
	 * mode, 152 us a message with two slots, 131 us with one, the
	 * floor's one mailbox 130 us). */
	o.slot_count = 64;
	while (o.slot_count > 1 && (size_t)o.slot_count * l->size > (4u << 20))
		o.slot_count /= 2;
	for (int dir = 0; dir < 2; dir++) {
		topic_name(l, dir, name, sizeof(name));
		int rc = sluice_topic_create(name, &o);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int chan_open(struct ipc_link *l, unsigned sub_flags)
{
	struct chan_priv *p = calloc(1, sizeof(*p));
	struct sluice_sub_opts so = {.join = SLUICE_JOIN_NEXT, .flags = sub_flags};
	/* SLUICE_BENCH_SPIN_NS=1 makes sluice-wait sleep at once, to time a
	 * bare futex wake-up against eventfd's (the default spins first). */
	const char *spin = getenv("SLUICE_BENCH_SPIN_NS");

	if (spin)
		so.spin_ns = (uint32_t)strtoul(spin, NULL, 10);
	char name[128];
	int rc;

	if (!p)
		return -ENOMEM;
	l->priv = p;
	topic_name(l, l->side, name, sizeof(name));
	if ((rc = sluice_pub_open(name, NULL, &p->pub)) < 0)
		return rc;
	topic_name(l, !l->side, name, sizeof(name));
	return sluice_sub_open(name, &so, &p->sub);
}

static int poll_open(struct ipc_link *l)
{
	return chan_open(l, SLUICE_SUB_BUSY_POLL);
}

static int wait_open(struct ipc_link *l)
{
	return chan_open(l, 0);
}

static int chan_send(struct ipc_link *l, const void *msg)
{
	struct chan_priv *p = l->priv;

	return sluice_pub_publish(p->pub, msg, l->size, -1);
}

static int chan_recv(struct ipc_link *l, void *msg)
{
	struct chan_priv *p = l->priv;
	struct sluice_msg info;
	int n = sluice_sub_take_copy(p->sub, msg, l->size, &info, -1);

	if (n < 0)
		return n;
	if (info.lost_before) {
		/* lossless: never; say what the channel reported */
		uint64_t got = 0;
		if (n >= 8)
			memcpy(&got, msg, 8);
		fprintf(
		    stderr,
		    "sluice-bench ipc: %s side %d: channel seq %llu reports %llu lost before it "
		    "(payload seq %llu)\n",
		    l->t->name, l->side, (unsigned long long)info.seq,
		    (unsigned long long)info.lost_before, (unsigned long long)got);
		return -EPROTO;
	}
	return (size_t)n == l->size ? 0 : -EMSGSIZE;
}

static void chan_close(struct ipc_link *l)
{
	struct chan_priv *p = l->priv;

	if (!p)
		return;
	if (p->sub)
		sluice_sub_close(p->sub);
	if (p->pub)
		sluice_pub_close(p->pub);
	free(p);
}

static void chan_teardown(struct ipc_link *l)
{
	char name[128];

	for (int dir = 0; dir < 2; dir++) {
		topic_name(l, dir, name, sizeof(name));
		sluice_shm_unlink(name);
	}
}

static const char *chan_unsupported(size_t size)
{
	return size > (16u << 20) ? "larger than the bench's topic slots (16 MiB)" : NULL;
}

IPC_TRANSPORT(sluice_poll, .name = "sluice-poll", .crossings = "0", .unsupported = chan_unsupported,
              .setup = chan_setup, .open = poll_open, .send = chan_send, .recv = chan_recv,
              .close = chan_close, .teardown = chan_teardown)
IPC_TRANSPORT(sluice_wait, .name = "sluice-wait", .crossings = "0-2 (spin, then futex)",
              .unsupported = chan_unsupported, .setup = chan_setup, .open = wait_open,
              .send = chan_send, .recv = chan_recv, .close = chan_close, .teardown = chan_teardown)
