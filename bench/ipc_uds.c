/* ipc_uds.c - transports "uds-stream" and "uds-seqpacket": a connected pair
 * of Unix domain sockets. A stream socket may split a large message across
 * calls; a seqpacket socket keeps message boundaries, so one message is one
 * send and one recv and must fit the socket buffer, which is raised for it. */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipc_transport.h"

static void grow_buffers(int fd, size_t size)
{
	int want = (int)(2 * size + 65536);

	/* FORCE works for root beyond net.core.[rw]mem_max; else best effort */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
}

static int uds_setup(struct ipc_link *l, int type)
{
	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, &l->fd[0]) < 0)
		return -errno;
	if (l->size > 65536) {
		grow_buffers(l->fd[0], l->size);
		grow_buffers(l->fd[1], l->size);
	}
	return 0;
}

static int stream_setup(struct ipc_link *l)
{
	return uds_setup(l, SOCK_STREAM);
}

static int seqpacket_setup(struct ipc_link *l)
{
	return uds_setup(l, SOCK_SEQPACKET);
}

static int uds_open(struct ipc_link *l)
{
	close(l->fd[!l->side]);
	l->fd[!l->side] = -1;
	return 0;
}

static int stream_send(struct ipc_link *l, const void *msg)
{
	return ipc_write_all(l->fd[l->side], msg, l->size);
}

static int stream_recv(struct ipc_link *l, void *msg)
{
	return ipc_read_all(l->fd[l->side], msg, l->size);
}

static int seqpacket_send(struct ipc_link *l, const void *msg)
{
	ssize_t n;

	do
		n = send(l->fd[l->side], msg, l->size, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == l->size ? 0 : -EMSGSIZE;
}

static int seqpacket_recv(struct ipc_link *l, void *msg)
{
	ssize_t n;

	do
		n = recv(l->fd[l->side], msg, l->size, MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	return (size_t)n == l->size ? 0 : -EMSGSIZE;
}

static void uds_close(struct ipc_link *l)
{
	if (l->fd[l->side] >= 0)
		close(l->fd[l->side]);
}

static void uds_teardown(struct ipc_link *l)
{
	for (int i = 0; i < 2; i++)
		if (l->fd[i] >= 0)
			close(l->fd[i]);
}

IPC_TRANSPORT(uds_stream, .name = "uds-stream", .crossings = "2", .setup = stream_setup,
              .open = uds_open, .send = stream_send, .recv = stream_recv, .close = uds_close,
              .teardown = uds_teardown)
IPC_TRANSPORT(uds_seqpacket, .name = "uds-seqpacket", .crossings = "2", .setup = seqpacket_setup,
              .open = uds_open, .send = seqpacket_send, .recv = seqpacket_recv, .close = uds_close,
              .teardown = uds_teardown)
