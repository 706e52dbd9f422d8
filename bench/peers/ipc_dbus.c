/* ipc_dbus.c - transport "dbus": method calls through a private
 * dbus-daemon that setup() starts (--nofork, so it is our child and is
 * stopped and reaped by pid in teardown). Side 1 owns a well-known name and
 * answers "Echo" calls with the same byte array; side 0 calls it. Every
 * message crosses the daemon: client -> daemon -> client, hence 4+ kernel
 * crossings one way. Streaming sends no-reply calls and flushes each. */
#include <dbus/dbus.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc_transport.h"

#define BUS_NAME "org.sluice.Bench"
#define OBJ_PATH "/org/sluice/Bench"
#define IFACE    "org.sluice.Bench"

static int dbus_setup_link(struct ipc_link *l)
{
	char *argv[] = {"dbus-daemon", "--session",         "--nofork",
	                "--nopidfile", "--print-address=1", NULL};
	char buf[sizeof(l->addr)];
	size_t have = 0;
	int out = -1;

	pid_t pid = ipc_spawn(argv, &out);
	if (pid < 0)
		return (int)pid;
	l->daemon = pid;
	/* the address is the first line it prints: wait for it, bounded */
	uint64_t end = ipc_now_ns() + 10000000000ull;
	while (ipc_now_ns() < end && have < sizeof(buf) - 1) {
		struct pollfd p = {.fd = out, .events = POLLIN};
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t n = read(out, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = 0;
		char *nl = strchr(buf, '\n');
		if (nl) {
			*nl = 0;
			snprintf(l->addr, sizeof(l->addr), "%s", buf);
			close(out);
			return 0;
		}
	}
	close(out);
	return -ETIMEDOUT;
}

static void dbus_teardown(struct ipc_link *l)
{
	if (l->daemon > 0)
		ipc_stop_pid(l->daemon, 3000);
	/* "unix:path=/tmp/dbus-XXXX,guid=...": a socket file a killed daemon
	 * would leave behind */
	const char *p = strstr(l->addr, "unix:path=");
	if (p) {
		char path[sizeof(l->addr)];
		snprintf(path, sizeof(path), "%s", p + strlen("unix:path="));
		path[strcspn(path, ",;")] = 0;
		unlink(path);
	}
}

struct dbus_priv {
	DBusConnection *conn;
	DBusMessage *call; /* side 1: the call being answered */
};

static struct dbus_priv dp;

static int dbus_open_link(struct ipc_link *l)
{
	DBusError err;

	dbus_error_init(&err);
	dp.conn = dbus_connection_open_private(l->addr, &err);
	if (!dp.conn || !dbus_bus_register(dp.conn, &err)) {
		dbus_error_free(&err);
		return -ECONNREFUSED;
	}
	if (l->side == 1) {
		int r = dbus_bus_request_name(dp.conn, BUS_NAME, DBUS_NAME_FLAG_DO_NOT_QUEUE, &err);
		dbus_error_free(&err);
		if (r != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER)
			return -EADDRINUSE;
	}
	l->priv = &dp;
	return 0;
}

static int append_bytes(DBusMessage *m, const void *msg, size_t size)
{
	const unsigned char *p = msg;

	return dbus_message_append_args(m, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &p, (int)size,
	                                DBUS_TYPE_INVALID)
	           ? 0
	           : -ENOMEM;
}

static int dbus_send_msg(struct ipc_link *l, const void *msg)
{
	DBusMessage *m;

	if (l->side == 0) {
		m = dbus_message_new_method_call(BUS_NAME, OBJ_PATH, IFACE, "Echo");
		if (m && l->mode == IPC_STREAM)
			dbus_message_set_no_reply(m, TRUE);
	} else {
		if (!dp.call)
			return -EPROTO;
		m = dbus_message_new_method_return(dp.call);
		dbus_message_unref(dp.call);
		dp.call = NULL;
	}
	if (!m || append_bytes(m, msg, l->size) < 0) {
		if (m)
			dbus_message_unref(m);
		return -ENOMEM;
	}
	int ok = dbus_connection_send(dp.conn, m, NULL);
	dbus_message_unref(m);
	if (!ok)
		return -ENOMEM;
	dbus_connection_flush(dp.conn);
	return 0;
}

static int dbus_recv_msg(struct ipc_link *l, void *msg)
{
	for (;;) {
		DBusMessage *m = dbus_connection_pop_message(dp.conn);
		if (!m) {
			if (!dbus_connection_read_write(dp.conn, -1))
				return -EPIPE; /* disconnected */
			continue;
		}
		int want =
		    l->side == 0 ? DBUS_MESSAGE_TYPE_METHOD_RETURN : DBUS_MESSAGE_TYPE_METHOD_CALL;
		if (dbus_message_get_type(m) == DBUS_MESSAGE_TYPE_ERROR) {
			dbus_message_unref(m);
			return -EREMOTEIO;
		}
		if (dbus_message_get_type(m) != want ||
		    (want == DBUS_MESSAGE_TYPE_METHOD_CALL &&
		     !dbus_message_is_method_call(m, IFACE, "Echo"))) {
			dbus_message_unref(m); /* NameAcquired and the like */
			continue;
		}
		const unsigned char *p = NULL;
		int n = 0;
		DBusError err;
		dbus_error_init(&err);
		if (!dbus_message_get_args(m, &err, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &p, &n,
		                           DBUS_TYPE_INVALID) ||
		    (size_t)n != l->size) {
			dbus_error_free(&err);
			dbus_message_unref(m);
			return -EBADMSG;
		}
		memcpy(msg, p, l->size);
		if (l->side == 1 && !dbus_message_get_no_reply(m))
			dp.call = m; /* answered by the next send */
		else
			dbus_message_unref(m);
		return 0;
	}
}

static void dbus_close_link(struct ipc_link *l)
{
	(void)l;
	if (dp.call)
		dbus_message_unref(dp.call);
	if (dp.conn) {
		dbus_connection_flush(dp.conn);
		dbus_connection_close(dp.conn);
		dbus_connection_unref(dp.conn);
	}
}

static const char *dbus_unsupported(size_t size)
{
	if (!ipc_in_path("dbus-daemon"))
		return "not installed (no dbus-daemon in PATH)";
	/* the daemon's default message limit is 128 MiB; stay well below */
	return size > (32u << 20) ? "larger than D-Bus messages carry comfortably" : NULL;
}

IPC_TRANSPORT(dbus, .name = "dbus", .crossings = "4+", .unsupported = dbus_unsupported,
              .setup = dbus_setup_link, .open = dbus_open_link, .send = dbus_send_msg,
              .recv = dbus_recv_msg, .close = dbus_close_link, .teardown = dbus_teardown)
