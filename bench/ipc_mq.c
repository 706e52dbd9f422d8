/* ipc_mq.c - transport "mq": two POSIX message queues, one per direction,
 * named after the run and unlinked by teardown whatever the children did. */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ipc_transport.h"

struct mq_priv {
	mqd_t q[2];
};

static void name_of(const struct ipc_link *l, int dir, char *buf, size_t len)
{
	snprintf(buf, len, "/%s-%s", l->tag, dir ? "ba" : "ab");
}

static long max_msgs(size_t size)
{
	/* a few messages in flight; the per-user RLIMIT_MSGQUEUE counts bytes */
	long n = (long)((1u << 20) / size);
	return n < 1 ? 1 : n > 10 ? 10 : n;
}

static int mq_setup(struct ipc_link *l)
{
	struct mq_attr attr = {.mq_maxmsg = max_msgs(l->size), .mq_msgsize = (long)l->size};
	char name[128];

	/* large messages need a larger per-user byte budget: raise it if allowed */
	struct rlimit rl;
	rlim_t need = 4 * (rlim_t)attr.mq_maxmsg * (rlim_t)(l->size + 64) + 65536;
	if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0 && rl.rlim_cur < need) {
		rl.rlim_cur = need;
		if (rl.rlim_max < need)
			rl.rlim_max = need;
		setrlimit(RLIMIT_MSGQUEUE, &rl);
	}
	for (int dir = 0; dir < 2; dir++) {
		name_of(l, dir, name, sizeof(name));
		mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
		if (q == (mqd_t)-1)
			return -errno;
		mq_close(q);
	}
	return 0;
}

static int mq_open_link(struct ipc_link *l)
{
	struct mq_priv *p = malloc(sizeof(*p));
	char name[128];

	if (!p)
		return -ENOMEM;
	for (int dir = 0; dir < 2; dir++) {
		name_of(l, dir, name, sizeof(name));
		/* side 0 sends on "ab" (dir 0) and receives on "ba" */
		int send_dir = l->side;
		p->q[dir] = mq_open(name, (dir == send_dir ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
		if (p->q[dir] == (mqd_t)-1) {
			int e = errno;
			if (dir)
				mq_close(p->q[0]);
			free(p);
			return -e;
		}
	}
	l->priv = p;
	return 0;
}

static int mq_send_msg(struct ipc_link *l, const void *msg)
{
	struct mq_priv *p = l->priv;

	while (mq_send(p->q[l->side], msg, l->size, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static int mq_recv_msg(struct ipc_link *l, void *msg)
{
	struct mq_priv *p = l->priv;
	ssize_t n;

	while ((n = mq_receive(p->q[!l->side], msg, l->size, NULL)) < 0)
		if (errno != EINTR)
			return -errno;
	return (size_t)n == l->size ? 0 : -EMSGSIZE;
}

static void mq_close_link(struct ipc_link *l)
{
	struct mq_priv *p = l->priv;

	if (!p)
		return;
	mq_close(p->q[0]);
	mq_close(p->q[1]);
	free(p);
}

static void mq_teardown(struct ipc_link *l)
{
	char name[128];

	for (int dir = 0; dir < 2; dir++) {
		name_of(l, dir, name, sizeof(name));
		mq_unlink(name); /* ENOENT when setup failed early: fine */
	}
}

/* Linux refuses a queue whose message size exceeds fs.mqueue.msgsize_max
 * unless the caller has CAP_SYS_RESOURCE; say so instead of failing. */
static const char *mq_unsupported(size_t size)
{
	static char why[96];
	long max = 8192;
	FILE *f = fopen("/proc/sys/fs/mqueue/msgsize_max", "r");

	if (f) {
		if (fscanf(f, "%ld", &max) != 1)
			max = 8192;
		fclose(f);
	}
	if ((long)size <= max)
		return NULL;
	struct mq_attr attr = {.mq_maxmsg = 1, .mq_msgsize = (long)size};
	char name[64];
	snprintf(name, sizeof(name), "/sluice-b%ld-probe", (long)getpid());
	mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	if (q != (mqd_t)-1) {
		mq_close(q);
		mq_unlink(name);
		return NULL;
	}
	snprintf(why, sizeof(why), "message larger than fs.mqueue.msgsize_max (%ld)", max);
	return why;
}

IPC_TRANSPORT(mq, .name = "mq", .crossings = "2", .unsupported = mq_unsupported, .setup = mq_setup,
              .open = mq_open_link, .send = mq_send_msg, .recv = mq_recv_msg,
              .close = mq_close_link, .teardown = mq_teardown)
