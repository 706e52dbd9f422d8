/* ipc_zeromq.c - transport "zeromq": a ZMQ_PAIR socket pair over ipc://
 * (a Unix socket path in /tmp, removed by teardown). Each message goes
 * through libzmq's I/O thread on both sides, so a one-way trip costs the
 * socket's system calls plus two thread hand-offs. Built only when libzmq
 * is found (bench/CMakeLists.txt). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "ipc_transport.h"

struct zmq_priv {
	void *ctx, *sock;
};

static struct zmq_priv zp; /* one per child process */

static int zmq_setup_link(struct ipc_link *l)
{
	snprintf(l->addr, sizeof(l->addr), "/tmp/%s.zmq", l->tag);
	return 0;
}

static int zmq_open_link(struct ipc_link *l)
{
	char url[300];
	int linger = 2000;

	snprintf(url, sizeof(url), "ipc://%s", l->addr);
	zp.ctx = zmq_ctx_new();
	if (!zp.ctx)
		return -errno;
	zp.sock = zmq_socket(zp.ctx, ZMQ_PAIR);
	if (!zp.sock)
		return -errno;
	/* keep a last echo that is still queued when we close */
	zmq_setsockopt(zp.sock, ZMQ_LINGER, &linger, sizeof(linger));
	int rc = l->side ? zmq_bind(zp.sock, url) : zmq_connect(zp.sock, url);
	if (rc < 0)
		return -zmq_errno();
	l->priv = &zp;
	return 0;
}

static int zmq_send_msg(struct ipc_link *l, const void *msg)
{
	for (;;) {
		if (zmq_send(zp.sock, msg, l->size, 0) >= 0)
			return 0;
		if (zmq_errno() != EINTR)
			return -zmq_errno();
	}
}

static int zmq_recv_msg(struct ipc_link *l, void *msg)
{
	for (;;) {
		int n = zmq_recv(zp.sock, msg, l->size, 0);
		if (n >= 0)
			return (size_t)n == l->size ? 0 : -EMSGSIZE;
		if (zmq_errno() != EINTR)
			return -zmq_errno();
	}
}

static void zmq_close_link(struct ipc_link *l)
{
	(void)l;
	if (zp.sock)
		zmq_close(zp.sock);
	if (zp.ctx)
		zmq_ctx_term(zp.ctx);
}

static void zmq_teardown(struct ipc_link *l)
{
	unlink(l->addr);
}

static const char *zmq_unsupported(size_t size)
{
	(void)size;
#ifdef SLUICE_TSAN
	/* libzmq is not built with TSan: its own lock-free queues between our
	 * thread and its I/O thread show up as races that are not ours */
	return "not run under TSan (libzmq is not instrumented)";
#else
	return NULL;
#endif
}

IPC_TRANSPORT(zeromq, .name = "zeromq", .crossings = "2+ (I/O threads)",
              .unsupported = zmq_unsupported, .setup = zmq_setup_link, .open = zmq_open_link,
              .send = zmq_send_msg, .recv = zmq_recv_msg, .close = zmq_close_link,
              .teardown = zmq_teardown)
