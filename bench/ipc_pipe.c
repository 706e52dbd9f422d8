/* ipc_pipe.c - transport "pipe": two anonymous pipes, one per direction.
 * A message larger than the pipe's buffer takes several write() calls; the
 * buffer is grown towards the message size (up to fs.pipe-max-size) so that
 * it usually does not. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "ipc_transport.h"

static int pipe_setup(struct ipc_link *l)
{
	if (pipe(&l->fd[0]) < 0) /* 0 -> 1: read fd[0], write fd[1] */
		return -errno;
	if (pipe(&l->fd[2]) < 0) /* 1 -> 0: read fd[2], write fd[3] */
		return -errno;
	if (l->size > 65536) {
		/* best effort: an unprivileged user may be capped lower */
		fcntl(l->fd[1], F_SETPIPE_SZ, (int)(l->size < (1u << 20) ? l->size : (1u << 20)));
		fcntl(l->fd[3], F_SETPIPE_SZ, (int)(l->size < (1u << 20) ? l->size : (1u << 20)));
	}
	return 0;
}

static int pipe_open(struct ipc_link *l)
{
	/* keep only our two ends, so that a dead peer shows as EOF / EPIPE */
	int keep_r = l->side ? 0 : 2, keep_w = l->side ? 3 : 1;

	for (int i = 0; i < 4; i++)
		if (i != keep_r && i != keep_w) {
			close(l->fd[i]);
			l->fd[i] = -1;
		}
	return 0;
}

static int pipe_send(struct ipc_link *l, const void *msg)
{
	return ipc_write_all(l->fd[l->side ? 3 : 1], msg, l->size);
}

static int pipe_recv(struct ipc_link *l, void *msg)
{
	return ipc_read_all(l->fd[l->side ? 0 : 2], msg, l->size);
}

static void pipe_close(struct ipc_link *l)
{
	for (int i = 0; i < 4; i++)
		if (l->fd[i] >= 0)
			close(l->fd[i]);
}

static void pipe_teardown(struct ipc_link *l)
{
	for (int i = 0; i < 4; i++)
		if (l->fd[i] >= 0)
			close(l->fd[i]);
}

IPC_TRANSPORT(pipe, .name = "pipe", .crossings = "2", .setup = pipe_setup, .open = pipe_open,
              .send = pipe_send, .recv = pipe_recv, .close = pipe_close, .teardown = pipe_teardown)
