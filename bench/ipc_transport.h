/* ipc_transport.h - the one interface every `sluice-bench ipc` transport
 * adapter implements, and what the driver (ipc.c) offers adapters.
 *
 * A run of one transport at one size goes like this, all in the driver:
 *   setup()     once, in the driver before forking: make names, sockets,
 *               start a daemon, create shared memory;
 *   fork two children, side 0 (ping / producer) and side 1 (pong / consumer):
 *     open()    in each child, after fork (some peers must not see a fork
 *               after they initialised), then a barrier so nobody sends
 *               before the other side listens;
 *     send() / recv() in the driver's loops, or serve() for side 1 when the
 *               peer insists on calling us (gRPC's handler threads);
 *     close()   in each child;
 *   reap both children (killing them if they outlive their deadline);
 *   teardown()  once, in the driver: unlink every name, stop daemons.
 * So a hung peer costs a kill, never a hung benchmark, and names are removed
 * whatever the children did. Adapters register themselves by name with
 * IPC_TRANSPORT(); ipc.c decides the order and reports unregistered names as
 * not installed. */
#ifndef SLUICE_BENCH_IPC_TRANSPORT_H
#define SLUICE_BENCH_IPC_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

enum ipc_mode {
	IPC_PINGPONG = 0, /* side 0 sends, side 1 echoes, side 0 times the round trip */
	IPC_STREAM = 1,   /* side 0 sends as fast as it may, side 1 checks and counts */
};

/* The first 8 bytes of every message are its sequence number; this one
 * tells side 1 that side 0 is done (it is echoed in ping-pong mode). */
#define IPC_SEQ_STOP UINT64_MAX

/* One run of one transport at one size. The driver fills the first block;
 * adapters keep what they need in the second. */
struct ipc_link {
	const struct ipc_transport *t;
	size_t size; /* message size in bytes, >= 16 */
	enum ipc_mode mode;
	int side;     /* in children: 0 or 1; -1 in the driver */
	char tag[64]; /* unique to this run: "sluice-b<pid>-<n>" */

	/* adapter state */
	int fd[4];    /* descriptors made by setup(), inherited; -1 if unused */
	void *shared; /* a MAP_SHARED anonymous area made by setup() */
	size_t shared_len;
	void *priv;        /* per-process state made by open() */
	pid_t daemon;      /* a daemon started by setup(), stopped by teardown() */
	char addr[256];    /* a path, URL or bus address made by setup() */
	uint64_t last_seq; /* adapters that poll for "changed" remember here */
};

enum ipc_flags {
	IPC_LOSSY = 1 << 0, /* latest-value: the consumer may skip messages, never reorder */
	IPC_EXIT = 1 << 1,  /* children end with exit(), not _exit(): the peer's
	                     * static destructors must run (iceoryx deregisters
	                     * from roudi there) */
};

struct ipc_transport {
	const char *name;      /* exactly as in --transports */
	unsigned flags;        /* enum ipc_flags */
	const char *crossings; /* kernel crossings per message, one way, by design */
	/* NULL if this transport can carry `size` bytes, else why not. */
	const char *(*unsupported)(size_t size);
	int (*setup)(struct ipc_link *l);
	int (*open)(struct ipc_link *l);
	/* Send exactly l->size bytes; 0 or a negative errno. */
	int (*send)(struct ipc_link *l, const void *msg);
	/* Receive one message of l->size bytes into msg (blocking or spinning:
	 * the driver bounds the time); 0 or a negative errno. */
	int (*recv)(struct ipc_link *l, void *msg);
	/* Optional, side 1 only: run until the STOP message, calling
	 * ipc_deliver() for each message (and echoing it in ping-pong mode). */
	int (*serve)(struct ipc_link *l);
	void (*close)(struct ipc_link *l);
	void (*teardown)(struct ipc_link *l);
	struct ipc_transport *next;
};

void ipc_register(struct ipc_transport *t);

#define IPC_TRANSPORT(id, ...)                                                                     \
	static struct ipc_transport ipc_t_##id = {__VA_ARGS__};                                    \
	__attribute__((constructor)) static void ipc_register_##id(void)                           \
	{                                                                                          \
		ipc_register(&ipc_t_##id);                                                         \
	}

/* For serve(): hands one received message to the driver, which checks it
 * and counts it. Returns 1 after the STOP message, 0 to go on, or a
 * negative errno when the message is corrupt or out of order. */
int ipc_deliver(struct ipc_link *l, const void *msg);

/* Monotonic time in ns. */
uint64_t ipc_now_ns(void);

/* A MAP_SHARED anonymous mapping of len bytes (page aligned, zeroed), or NULL. */
void *ipc_map_shared(size_t len);

/* Starts argv[0] (searched in PATH) with stdout going to *out_fd (a pipe the
 * caller reads) unless out_fd is NULL, stderr to /dev/null. Returns the pid
 * or a negative errno. */
pid_t ipc_spawn(char *const argv[], int *out_fd);

/* 1 if an executable named prog is found in PATH. */
int ipc_in_path(const char *prog);

/* SIGTERM, wait up to ms, then SIGKILL and reap. Returns the wait status
 * (-1 if pid was not ours). */
int ipc_stop_pid(pid_t pid, int ms);

/* write()/read() exactly len bytes, retrying short transfers and EINTR:
 * 0, or a negative errno (-EPIPE for end of file). */
int ipc_write_all(int fd, const void *buf, size_t len);
int ipc_read_all(int fd, void *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
