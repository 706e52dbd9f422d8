/* bridge_peers.c - which DDS peers a bridged topic has, for `sluice ls`.
 * Each direction of a running bridge keeps a small text file,
 * /tmp/sluice-bridge-UID/PID.out and PID.in, one line per matched remote
 * reader (out) or writer (in):
 *     LOCAL-TOPIC GUID PID HOST
 * GUID is the remote participant's (32 hex digits); PID and HOST are what
 * a remote sluice bridge puts in its endpoints' USER_DATA ("sluice-bridge
 * pid=N host=H"), 0 and "-" for any other DDS peer.  The file is written
 * anew (temporary + rename) when it changes.  Readers trust nothing in it:
 * the directory must be ours and private, the file ours, regular and small,
 * and every field is checked before it is shown. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bridge.h"

#define PEERS_FILE_MAX 65536

static void peers_dir(char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/sluice-bridge-%u", (unsigned)getuid());
}

/* The directory, opened; made when `make`.  Refused unless it is a real
 * directory of ours that nobody else may write. */
static int peers_dir_open(int make)
{
	char dir[64];
	struct stat s;
	int fd;

	peers_dir(dir, sizeof(dir));
	if (make && mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &s) != 0 || !S_ISDIR(s.st_mode) || s.st_uid != getuid() ||
	    (s.st_mode & 022)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

static int field_ok(const char *s, const char *extra)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return 0;
	return 1;
}

int bridge_peer_name_ok(const char *topic)
{
	return field_ok(topic, "/._-");
}

int bridge_peer_host_ok(const char *host)
{
	return strlen(host) < BRIDGE_PEER_HOST_MAX && field_ok(host, ".-");
}

int bridge_peers_read(int pid, const char *dirn, const char *topic, struct bridge_peer *out,
                      int max)
{
	char name[32], *buf, *line, *save = NULL;
	struct stat s;
	ssize_t n;
	int dfd, fd, k = 0;

	if (pid <= 0 || (strcmp(dirn, "in") && strcmp(dirn, "out")) || max <= 0)
		return 0;
	if ((dfd = peers_dir_open(0)) < 0)
		return 0;
	snprintf(name, sizeof(name), "%d.%s", pid, dirn);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	close(dfd);
	if (fd < 0)
		return 0;
	if (fstat(fd, &s) != 0 || !S_ISREG(s.st_mode) || s.st_uid != getuid() ||
	    s.st_size > PEERS_FILE_MAX || !(buf = malloc(PEERS_FILE_MAX + 1))) {
		close(fd);
		return 0;
	}
	n = read(fd, buf, PEERS_FILE_MAX);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	for (line = strtok_r(buf, "\n", &save); line && k < max;
	     line = strtok_r(NULL, "\n", &save)) {
		char t[256], guid[40], host[BRIDGE_PEER_HOST_MAX + 8];
		int p, used = 0;

		if (sscanf(line, "%255s %39s %d %71s%n", t, guid, &p, host, &used) != 4 ||
		    line[used] != '\0' || strcmp(t, topic) != 0 || strlen(guid) != 32 ||
		    !field_ok(guid, "") || p < 0 ||
		    !(bridge_peer_host_ok(host) || !strcmp(host, "-")))
			continue;
		memcpy(out[k].guid, guid, 33);
		out[k].pid = p;
		memcpy(out[k].host, host, strlen(host) + 1); /* < BRIDGE_PEER_HOST_MAX: checked */
		k++;
	}
	free(buf);
	return k;
}

int bridge_peers_write(int pid, const char *dirn, const char *text, size_t len)
{
	char name[32], tmp[48];
	int dfd, fd, rc = 0;

	if ((dfd = peers_dir_open(1)) < 0)
		return dfd;
	snprintf(name, sizeof(name), "%d.%s", pid, dirn);
	snprintf(tmp, sizeof(tmp), "%d.%s.tmp", pid, dirn);
	if (!text) {
		unlinkat(dfd, name, 0);
		close(dfd);
		return 0;
	}
	unlinkat(dfd, tmp, 0);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		rc = -errno;
	else if (write(fd, text, len) != (ssize_t)len)
		rc = -EIO;
	if (fd >= 0)
		close(fd);
	if (rc == 0 && renameat(dfd, tmp, dfd, name) != 0)
		rc = -errno;
	if (rc)
		unlinkat(dfd, tmp, 0);
	close(dfd);
	return rc;
}

void bridge_peers_sweep(void)
{
	int dfd = peers_dir_open(0);
	struct dirent *de;
	DIR *d;

	if (dfd < 0)
		return;
	if (!(d = fdopendir(dfd))) {
		close(dfd);
		return;
	}
	/* what bridges killed before they could remove it left behind */
	while ((de = readdir(d)) != NULL) {
		int pid = atoi(de->d_name);

		if (pid > 0 && pid != getpid() && !bridge_pid_is_bridge(pid))
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

#ifdef SLUICE_HAVE_CYCLONEDDS
#include <limits.h>

void bridge_peers_userdata(dds_qos_t *q)
{
	char host[HOST_NAME_MAX + 1] = "", ud[BRIDGE_PEER_HOST_MAX + 48];

	if (gethostname(host, sizeof(host)) != 0 || !bridge_peer_host_ok(host))
		snprintf(host, sizeof(host), "-");
	snprintf(ud, sizeof(ud), "sluice-bridge pid=%d host=%s", (int)getpid(), host);
	dds_qset_userdata(q, ud, strlen(ud));
}

/* One line for remote endpoint ep. */
static void add_line(struct bridge_peerbuf *pb, const char *topic,
                     const dds_builtintopic_endpoint_t *ep)
{
	char guid[33], host[BRIDGE_PEER_HOST_MAX] = "-", ud[BRIDGE_PEER_HOST_MAX + 48] = "";
	void *v = NULL;
	size_t sz = 0;
	int pid = 0;

	for (int i = 0; i < 16; i++)
		snprintf(guid + 2 * i, 3, "%02x", ep->participant_key.v[i]);
	/* USER_DATA is the remote's to write: parsed with bounds, checked. */
	if (ep->qos && dds_qget_userdata(ep->qos, &v, &sz) && v && sz < sizeof(ud)) {
		char h[BRIDGE_PEER_HOST_MAX];
		int p;

		memcpy(ud, v, sz);
		ud[sz] = '\0';
		if (sscanf(ud, "sluice-bridge pid=%d host=%63s", &p, h) == 2 && p > 0 &&
		    bridge_peer_host_ok(h)) {
			pid = p;
			memcpy(host, h, strlen(h) + 1);
		}
	}
	dds_free(v);
	if (pb->len + 512 < sizeof(pb->text))
		pb->len += (size_t)snprintf(pb->text + pb->len, sizeof(pb->text) - pb->len,
		                            "%s %s %d %s\n", topic, guid, pid, host);
}

void bridge_peers_add(struct bridge_peerbuf *pb, const char *topic, dds_entity_t ep, int writer)
{
	dds_instance_handle_t h[BRIDGE_PEERS_MAX];
	dds_return_t n;

	if (!bridge_peer_name_ok(topic) || strlen(topic) > 255)
		return;
	n = writer ? dds_get_matched_subscriptions(ep, h, BRIDGE_PEERS_MAX)
	           : dds_get_matched_publications(ep, h, BRIDGE_PEERS_MAX);
	for (int i = 0; i < n && i < BRIDGE_PEERS_MAX; i++) {
		dds_builtintopic_endpoint_t *e = writer
		                                     ? dds_get_matched_subscription_data(ep, h[i])
		                                     : dds_get_matched_publication_data(ep, h[i]);

		if (e) {
			add_line(pb, topic, e);
			dds_builtintopic_free_endpoint(e);
		}
	}
}

void bridge_peers_commit(struct bridge_peerbuf *pb, const char *dirn)
{
	/* rewritten only when it changed */
	if (pb->have_last && pb->len == pb->last_len && !memcmp(pb->text, pb->last, pb->len)) {
		pb->len = 0;
		return;
	}
	if (bridge_peers_write((int)getpid(), dirn, pb->text, pb->len) == 0) {
		memcpy(pb->last, pb->text, pb->len);
		pb->last_len = pb->len;
		pb->have_last = 1;
	}
	pb->len = 0;
}
#endif
