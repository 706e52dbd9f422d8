/* ipc_floor.c - transport "floor": the physical floor of inter-core
 * messaging, a raw cache-line ping-pong in a shared page.
 *
 * Each direction has a mailbox laid out exactly like the message; the
 * sequence number in its first 8 bytes is the flag. The sender copies the
 * body, then stores the sequence with release; the receiver spins on it with
 * acquire and copies out. A 56-byte message is one cache line each way; 64
 * bytes are two. No PAUSE in the spin: on a VM, pause-loop exiting could hand
 * the vCPU to the host and measure the hypervisor instead of the cache.
 * Streaming adds an acknowledgement word on its own line (one slot, so the
 * sender must wait until the receiver has copied the last message out).
 * Bodies of 256 KiB to 16 MiB are copied as the channel copies them (REP
 * MOVSB where the CPU has ERMS, src/channel/topic.c), so that the floor
 * stays a floor where glibc's memcpy is slower (above L2 on AMD). */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#include "ipc_transport.h"

#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#include <cpuid.h>

static void floor_copy(void *dst, const void *src, size_t len)
{
	static int erms = -1;
	unsigned a, b = 0, c, d;

	if (erms < 0) {
		if (__get_cpuid_max(0, NULL) >= 7)
			__cpuid_count(7, 0, a, b, c, d);
		erms = (b >> 9) & 1;
	}
	if (!erms || len < (256u << 10) || len > (16u << 20)) {
		memcpy(dst, src, len);
		return;
	}
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(len) : : "memory");
}
#else
#define floor_copy memcpy
#endif

/* mailboxes start on 128-byte boundaries: the adjacent-line prefetcher
 * must not couple them */
struct box {
	_Atomic uint64_t ack; /* streaming: the last sequence copied out */
	char pad[120];
	_Atomic uint64_t seq; /* first 8 bytes of the message */
	                      /* then size - 8 bytes of body */
};

static size_t box_len(size_t size)
{
	return (offsetof(struct box, seq) + size + 127) & ~(size_t)127;
}

static struct box *box_at(struct ipc_link *l, int dir)
{
	return (struct box *)((char *)l->shared + (size_t)dir * box_len(l->size));
}

static int floor_setup(struct ipc_link *l)
{
	l->shared_len = 2 * box_len(l->size);
	l->shared = ipc_map_shared(l->shared_len);
	return l->shared ? 0 : -ENOMEM;
}

static int floor_open(struct ipc_link *l)
{
	l->last_seq = 0;
	return 0;
}

static int floor_send(struct ipc_link *l, const void *msg)
{
	struct box *b = box_at(l, l->side);
	uint64_t seq;

	memcpy(&seq, msg, 8);
	if (l->mode == IPC_STREAM) {
		uint64_t prev = atomic_load_explicit(&b->seq, memory_order_relaxed);
		while (atomic_load_explicit(&b->ack, memory_order_acquire) != prev)
			;
	}
	floor_copy((char *)&b->seq + 8, (const char *)msg + 8, l->size - 8);
	atomic_store_explicit(&b->seq, seq, memory_order_release);
	return 0;
}

static int floor_recv(struct ipc_link *l, void *msg)
{
	struct box *b = box_at(l, !l->side);
	uint64_t seq;

	while ((seq = atomic_load_explicit(&b->seq, memory_order_acquire)) == l->last_seq)
		;
	floor_copy((char *)msg + 8, (char *)&b->seq + 8, l->size - 8);
	memcpy(msg, &seq, 8);
	l->last_seq = seq;
	if (l->mode == IPC_STREAM)
		atomic_store_explicit(&b->ack, seq, memory_order_release);
	return 0;
}

static void floor_close(struct ipc_link *l)
{
	(void)l;
}

static void floor_teardown(struct ipc_link *l)
{
	if (l->shared)
		munmap(l->shared, l->shared_len);
}

IPC_TRANSPORT(floor, .name = "floor", .crossings = "0", .setup = floor_setup, .open = floor_open,
              .send = floor_send, .recv = floor_recv, .close = floor_close,
              .teardown = floor_teardown)
