/* ipc_eventfd.c - transport "eventfd": message bodies in a shared page,
 * an eventfd per direction to say "one more is there" and to wake a
 * sleeping receiver. Ping-pong needs one write() and one read() per
 * message; streaming adds a second eventfd counting free slots, so a
 * sender that runs ahead sleeps instead of overwriting. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ipc_transport.h"

#define SLOTS 16 /* per direction */

struct efd_priv {
	uint64_t sent, got; /* private cursors: each direction has one writer */
};

static size_t slot_len(size_t size)
{
	return (size + 63) & ~(size_t)63;
}

static char *slot(struct ipc_link *l, int dir, uint64_t i)
{
	return (char *)l->shared + ((size_t)dir * SLOTS + (size_t)(i % SLOTS)) * slot_len(l->size);
}

static int efd_setup(struct ipc_link *l)
{
	l->shared_len = 2 * SLOTS * slot_len(l->size);
	l->shared = ipc_map_shared(l->shared_len);
	if (!l->shared)
		return -ENOMEM;
	/* fd[0]: messages 0 -> 1, fd[1]: messages 1 -> 0, fd[2]: free slots
	 * 0 -> 1 (streaming). Semaphore mode: each read takes exactly one. */
	l->fd[0] = eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC);
	l->fd[1] = eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC);
	l->fd[2] = eventfd(SLOTS, EFD_SEMAPHORE | EFD_CLOEXEC);
	for (int i = 0; i < 3; i++)
		if (l->fd[i] < 0)
			return -errno;
	return 0;
}

static int efd_open(struct ipc_link *l)
{
	struct efd_priv *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	l->priv = p;
	return 0;
}

static int efd_take(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) != sizeof(v))
		if (errno != EINTR)
			return -errno;
	return 0;
}

static int efd_give(int fd)
{
	uint64_t one = 1;

	while (write(fd, &one, sizeof(one)) != sizeof(one))
		if (errno != EINTR)
			return -errno;
	return 0;
}

static int efd_send(struct ipc_link *l, const void *msg)
{
	struct efd_priv *p = l->priv;
	int rc;

	if (l->mode == IPC_STREAM && (rc = efd_take(l->fd[2])) < 0)
		return rc;
	memcpy(slot(l, l->side, p->sent++), msg, l->size);
	return efd_give(l->fd[l->side]);
}

static int efd_recv(struct ipc_link *l, void *msg)
{
	struct efd_priv *p = l->priv;
	int rc;

	if ((rc = efd_take(l->fd[!l->side])) < 0)
		return rc;
	memcpy(msg, slot(l, !l->side, p->got++), l->size);
	if (l->mode == IPC_STREAM)
		return efd_give(l->fd[2]);
	return 0;
}

static void efd_close(struct ipc_link *l)
{
	free(l->priv);
	for (int i = 0; i < 3; i++)
		close(l->fd[i]);
}

static void efd_teardown(struct ipc_link *l)
{
	for (int i = 0; i < 3; i++)
		if (l->fd[i] >= 0)
			close(l->fd[i]);
	if (l->shared)
		munmap(l->shared, l->shared_len);
}

IPC_TRANSPORT(eventfd, .name = "eventfd", .crossings = "2", .setup = efd_setup, .open = efd_open,
              .send = efd_send, .recv = efd_recv, .close = efd_close, .teardown = efd_teardown)
