/* ipc_iceoryx.c - transport "iceoryx": iceoryx 2.x through its C binding,
 * one publisher and one subscriber per side, the receiver busy-polling
 * iox_sub_take_chunk (iceoryx's fastest mode, as sluice-ring busy-polls).
 * Queues block the publisher when full, so nothing is dropped.
 *
 * iceoryx needs its daemon: setup() starts iox-roudi in the background (its
 * own process group, stopped by pid in teardown) unless one already runs,
 * which is then used and left alone. Children call iox_runtime_init after
 * the fork, each with a name unique to the run.
 *
 * RouDi's built-in mempools end at 4 MiB chunks, and a chunk also holds
 * iceoryx's header. For a message that does not fit one, the bench starts
 * RouDi with a configuration file (a temporary one, removed once RouDi has
 * read it) that has the same pools plus one large enough; every other size
 * gets the built-in configuration, as before. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "iceoryx_binding_c/chunk.h"
#include "iceoryx_binding_c/log.h"
#include "iceoryx_binding_c/publisher.h"
#include "iceoryx_binding_c/runtime.h"
#include "iceoryx_binding_c/subscriber.h"

#include "ipc_transport.h"

/* Driver side: the roudi we started, and the read end of its stdout (kept
 * open: roudi would die of SIGPIPE when it next logs). */
static int roudi_out = -1;

/* The built-in configuration of iceoryx 2.0.3 (iox-roudi without -c, and
 * Debian's /usr/share/doc/iceoryx/roudi_config_example.toml): chunk size
 * and count of each mempool, ascending. */
static const struct {
	unsigned size, count;
} default_pools[] = {
    {128, 10000}, {1024, 5000},  {16384, 1000}, {131072, 200},
    {524288, 50}, {1048576, 30}, {4194304, 10},
};
#define NPOOLS (sizeof(default_pools) / sizeof(default_pools[0]))
/* Room left in a chunk for iceoryx's chunk header (40 bytes in 2.0.3) and
 * the payload's alignment. */
#define CHUNK_ROOM 4096u
/* The largest message the bench gives its own pool (sluice-poll's limit). */
#define IOX_MAX_SIZE (16u << 20)
/* The added pool holds as many chunks as the built-in 4 MiB one. */
#define LARGE_POOL_COUNT 10u

/* A configuration written for this run; removed as soon as RouDi has it. */
static char roudi_cfg[64];

static int needs_own_pool(size_t size)
{
	return size + CHUNK_ROOM > default_pools[NPOOLS - 1].size;
}

/* Writes the built-in pools plus one of chunks that hold size bytes to a
 * temporary file, whose name goes to roudi_cfg. */
static int write_config(size_t size)
{
	unsigned chunk = (unsigned)((size + CHUNK_ROOM + 4095) & ~(size_t)4095);
	int rc = 0;

	snprintf(roudi_cfg, sizeof(roudi_cfg), "/tmp/sluice-bench-roudi-XXXXXX.toml");
	int fd = mkstemps(roudi_cfg, 5);
	if (fd < 0) {
		roudi_cfg[0] = 0;
		return -errno;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		close(fd);
		return rc;
	}
	fprintf(f, "[general]\nversion = 1\n\n[[segment]]\n");
	for (size_t i = 0; i < NPOOLS; i++)
		fprintf(f, "\n[[segment.mempool]]\nsize = %u\ncount = %u\n", default_pools[i].size,
		        default_pools[i].count);
	fprintf(f, "\n[[segment.mempool]]\nsize = %u\ncount = %u\n", chunk, LARGE_POOL_COUNT);
	if (fclose(f) != 0)
		rc = -EIO;
	return rc;
}

static void remove_config(void)
{
	if (roudi_cfg[0])
		unlink(roudi_cfg);
	roudi_cfg[0] = 0;
}

static int roudi_running(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d)) != NULL) {
		char path[300], comm[64] = "";
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, "iox-roudi\n"))
			found = 1;
		fclose(f);
	}
	closedir(d);
	return found;
}

/* One roudi serves every iceoryx user on the machine, so two benches (or a
 * bench and the test suite) running at once must not start and stop it under
 * each other: the whole run, from the roudi check to its stop, holds an
 * exclusive lock. The kernel drops it if we die. */
static int roudi_lock = -1;

static int take_lock(void)
{
	roudi_lock = open("/tmp/sluice-bench-iceoryx.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (roudi_lock < 0)
		return -errno;
	uint64_t end = ipc_now_ns() + 120000000000ull;
	while (flock(roudi_lock, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK || ipc_now_ns() > end) {
			close(roudi_lock);
			roudi_lock = -1;
			return -EBUSY;
		}
		nanosleep(&(struct timespec){0, 20000000}, NULL);
	}
	return 0;
}

static int iox_setup(struct ipc_link *l)
{
	char *argv[] = {"iox-roudi", NULL, NULL, NULL};
	char buf[4096];
	size_t have = 0;
	int rc;

	if ((rc = take_lock()) < 0)
		return rc;
	/* someone else's RouDi: its pools are what they are (a message that
	 * fits none fails its loan, and the run says so) */
	if (roudi_running())
		return 0;
	if (needs_own_pool(l->size)) {
		if ((rc = write_config(l->size)) < 0)
			return rc;
		argv[1] = "-c";
		argv[2] = roudi_cfg;
	}
	pid_t pid = ipc_spawn(argv, &roudi_out);
	if (pid < 0)
		return (int)pid;
	l->daemon = pid;
	/* ready when it says so, within 10 s */
	uint64_t end = ipc_now_ns() + 10000000000ull;
	while (ipc_now_ns() < end) {
		struct pollfd p = {.fd = roudi_out, .events = POLLIN};
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t n = read(roudi_out, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			return -ECHILD; /* it exited: another roudi raced us, or no shm */
		have += (size_t)n;
		buf[have] = 0;
		if (strstr(buf, "RouDi is ready")) {
			remove_config(); /* read at start-up, not needed after */
			return 0;
		}
		if (have > sizeof(buf) / 2) {
			memmove(buf, buf + have / 2, have - have / 2);
			have -= have / 2;
		}
	}
	return -ETIMEDOUT;
}

static void iox_teardown(struct ipc_link *l)
{
	char path[300];

	/* each runtime's socket and lock in /tmp, left when a child was killed */
	for (int side = 0; side < 2; side++) {
		snprintf(path, sizeof(path), "/tmp/%s-s%d", l->tag, side);
		unlink(path);
		snprintf(path, sizeof(path), "/tmp/%s-s%d.lock", l->tag, side);
		unlink(path);
	}
	if (l->daemon > 0) {
		int st = ipc_stop_pid(l->daemon, 5000);
		/* roudi 2.0 aborts on shutdown when a client died without
		 * deregistering (a killed child): then remove what it left, since
		 * it was ours and nobody else's roudi runs (we hold the lock) */
		if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			struct passwd *pw = getpwuid(getuid());
			if (pw) {
				snprintf(path, sizeof(path), "/%s", pw->pw_name);
				shm_unlink(path);
			}
			shm_unlink("/iceoryx_mgmt");
			unlink("/tmp/roudi");
			unlink("/tmp/roudi.lock");
			unlink("/tmp/iox-unique-roudi.lock");
		}
	}
	remove_config();
	if (roudi_out >= 0)
		close(roudi_out);
	roudi_out = -1;
	if (roudi_lock >= 0)
		close(roudi_lock);
	roudi_lock = -1;
}

/* Child side. */
struct iox_priv {
	iox_pub_storage_t pub_storage;
	iox_sub_storage_t sub_storage;
	iox_pub_t pub;
	iox_sub_t sub;
};

static struct iox_priv ip;

static int iox_open(struct ipc_link *l)
{
	char name[100];
	const char *dir[2] = {"ab", "ba"};

	if (roudi_out >= 0)
		close(roudi_out); /* the driver's, not ours */
	if (roudi_lock >= 0)
		close(roudi_lock); /* still held by the driver's descriptor */
	snprintf(name, sizeof(name), "%s-s%d", l->tag, l->side);
	iox_set_loglevel(Iceoryx_LogLevel_Warn); /* its debug lines would bury the table */
	iox_runtime_init(name);

	iox_pub_options_t po;
	iox_pub_options_init(&po);
	po.historyCapacity = 0;
	po.subscriberTooSlowPolicy = ConsumerTooSlowPolicy_WAIT_FOR_CONSUMER;
	ip.pub = iox_pub_init(&ip.pub_storage, "sluice-bench", l->tag, dir[l->side], &po);

	iox_sub_options_t so;
	iox_sub_options_init(&so);
	/* roudi's default pools hold 30 chunks of 1 MiB and 10 of 4 MiB (and
	 * the bench's own pool for larger ones 10): a deep queue of large
	 * messages would exhaust them */
	so.queueCapacity = l->size <= 16384 ? 64 : l->size <= (512u << 10) ? 16 : 4;
	so.historyRequest = 0;
	so.queueFullPolicy = QueueFullPolicy_BLOCK_PRODUCER;
	ip.sub = iox_sub_init(&ip.sub_storage, "sluice-bench", l->tag, dir[!l->side], &so);
	if (!ip.pub || !ip.sub)
		return -ENOMEM;

	/* connected both ways before anyone sends: a chunk published before
	 * the subscription is complete would be lost, not queued */
	uint64_t end = ipc_now_ns() + 10000000000ull;
	while (iox_sub_get_subscription_state(ip.sub) != SubscribeState_SUBSCRIBED ||
	       !iox_pub_has_subscribers(ip.pub)) {
		if (ipc_now_ns() > end)
			return -ETIMEDOUT;
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	l->priv = &ip;
	return 0;
}

static int iox_send(struct ipc_link *l, const void *msg)
{
	void *chunk = NULL;
	enum iox_AllocationResult r;

	while ((r = iox_pub_loan_chunk(ip.pub, &chunk, (uint32_t)l->size)) !=
	       AllocationResult_SUCCESS) {
		if (r == AllocationResult_NO_MEMPOOLS_AVAILABLE)
			return -EMSGSIZE; /* no pool of RouDi's has chunks this large */
		if (r != AllocationResult_RUNNING_OUT_OF_CHUNKS)
			return -ENOMEM;
	}
	memcpy(chunk, msg, l->size);
	iox_pub_publish_chunk(ip.pub, chunk);
	return 0;
}

static int iox_recv(struct ipc_link *l, void *msg)
{
	const void *chunk = NULL;
	enum iox_ChunkReceiveResult r;

	while ((r = iox_sub_take_chunk(ip.sub, &chunk)) != ChunkReceiveResult_SUCCESS)
		if (r != ChunkReceiveResult_NO_CHUNK_AVAILABLE)
			return -EIO;
	memcpy(msg, chunk, l->size);
	iox_sub_release_chunk(ip.sub, chunk);
	return 0;
}

static void iox_close(struct ipc_link *l)
{
	(void)l;
	if (ip.sub)
		iox_sub_deinit(ip.sub);
	if (ip.pub)
		iox_pub_deinit(ip.pub);
	iox_runtime_shutdown();
}

static const char *iox_unsupported(size_t size)
{
	if (!ipc_in_path("iox-roudi") && !roudi_running())
		return "not installed (no iox-roudi in PATH)";
	/* larger ones get a pool of their own (setup), up to this */
	return size > IOX_MAX_SIZE ? "larger than the bench's RouDi pools (16 MiB)" : NULL;
}

IPC_TRANSPORT(iceoryx, .name = "iceoryx", .flags = IPC_EXIT, .crossings = "0",
              .unsupported = iox_unsupported, .setup = iox_setup, .open = iox_open,
              .send = iox_send, .recv = iox_recv, .close = iox_close, .teardown = iox_teardown)
