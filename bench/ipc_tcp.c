/* ipc_tcp.c - transport "tcp": one TCP connection over loopback (127.0.0.1)
 * with TCP_NODELAY, so that Nagle's algorithm does not hold small messages
 * back waiting for an acknowledgement. The driver listens on an ephemeral
 * port; side 1 accepts, side 0 connects. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipc_transport.h"

static int tcp_setup(struct ipc_link *l)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);

	l->fd[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l->fd[0] < 0)
		return -errno;
	if (bind(l->fd[0], (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l->fd[0], 1) < 0 ||
	    getsockname(l->fd[0], (struct sockaddr *)&a, &len) < 0)
		return -errno;
	snprintf(l->addr, sizeof(l->addr), "%u", ntohs(a.sin_port));
	return 0;
}

static int tcp_open(struct ipc_link *l)
{
	int one = 1, fd;

	if (l->side == 1) {
		do
			fd = accept4(l->fd[0], NULL, NULL, SOCK_CLOEXEC);
		while (fd < 0 && errno == EINTR);
	} else {
		struct sockaddr_in a = {.sin_family = AF_INET,
		                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		                        .sin_port = htons((uint16_t)atoi(l->addr))};
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			int e = errno;
			close(fd);
			errno = e;
			fd = -1;
		}
	}
	int e = errno;
	close(l->fd[0]);
	l->fd[0] = -1;
	if (fd < 0)
		return -e;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	l->fd[1] = fd;
	return 0;
}

static int tcp_send(struct ipc_link *l, const void *msg)
{
	return ipc_write_all(l->fd[1], msg, l->size);
}

static int tcp_recv(struct ipc_link *l, void *msg)
{
	return ipc_read_all(l->fd[1], msg, l->size);
}

static void tcp_close(struct ipc_link *l)
{
	if (l->fd[1] >= 0)
		close(l->fd[1]);
}

static void tcp_teardown(struct ipc_link *l)
{
	if (l->fd[0] >= 0)
		close(l->fd[0]);
}

IPC_TRANSPORT(tcp, .name = "tcp", .crossings = "2+", .setup = tcp_setup, .open = tcp_open,
              .send = tcp_send, .recv = tcp_recv, .close = tcp_close, .teardown = tcp_teardown)
