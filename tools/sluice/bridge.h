/* bridge.h - `sluice bridge`: what its files share (see docs/bridge.md).
 * bridge.c parses the command line and runs the two directions:
 * bridge_out.c (local topics -> DDS) and bridge_in.c (DDS -> local topics);
 * bridge_name.c maps topic names both ways and needs no DDS. */
#ifndef SLUICE_CLI_BRIDGE_H
#define SLUICE_CLI_BRIDGE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "args.h"

#define BRIDGE_MAX_TOPICS 64
#define BRIDGE_DDS_NAME_MAX 256 /* RTPS's limit on a topic name */
#define BRIDGE_DDS_PREFIX "sluice/"
#define BRIDGE_SCHEMA_TOPIC "sluice_schema"

/* The DDS topic name of sluice topic `topic` ("/name" or "name"):
 * "sluice/" + name with [A-Za-z0-9] kept, '.' as '/', '_' as "__" and any
 * other byte as "_xHH".  0, or -ENAMETOOLONG / -EINVAL. */
int bridge_name_to_dds(const char *topic, char *buf, size_t len);

/* The reverse: the sluice segment name ("/" + prefix + name) of DDS topic
 * `dds`; -EINVAL for a name the mapping never makes. */
int bridge_name_from_dds(const char *dds, const char *prefix, char *buf, size_t len);

/* 1 when process pid is a `sluice bridge` (its command line says so). */
int bridge_pid_is_bridge(int pid);

/* A bridged topic's remote DDS peers (bridge_peers.c): the file a running
 * bridge keeps per direction, read by `sluice ls`. */
#define BRIDGE_PEERS_MAX 32
#define BRIDGE_PEER_HOST_MAX 64
struct bridge_peer {
	char guid[33]; /* the remote participant's GUID, hex */
	int pid;       /* a remote sluice bridge's pid, else 0 */
	char host[BRIDGE_PEER_HOST_MAX]; /* its host name, else "-" */
};

/* Up to max peers of local topic `topic` in direction dirn ("in" or "out")
 * of bridge pid; 0 when none or nothing trustworthy is there. */
int bridge_peers_read(int pid, const char *dirn, const char *topic, struct bridge_peer *out,
		      int max);
/* Replaces (text NULL: removes) this pid's file of direction dirn. */
int bridge_peers_write(int pid, const char *dirn, const char *text, size_t len);
/* Removes the files of bridges that are gone. */
void bridge_peers_sweep(void);
int bridge_peer_name_ok(const char *topic);
int bridge_peer_host_ok(const char *host);

#ifdef SLUICE_HAVE_CYCLONEDDS
#include <stdatomic.h>

#include <dds/dds.h>

/* Counters, printed on exit and every --stats period. */
struct bridge_counts {
	atomic_uint_fast64_t out_msgs, out_stalls, out_lost;
	atomic_uint_fast64_t in_msgs, in_dup, in_own, in_stalls, in_gap;
	atomic_uint_fast64_t in_rejected; /* samples our DDS readers' history refused (full) */
	atomic_uint_fast64_t bad_type, bad_hash, bad_payload, bad_size, no_schema;
};

struct bridge {
	atomic_int *stop;
	dds_entity_t pp;
	dds_entity_t schema_topic;
	dds_entity_t schema_wr, schema_rd;
	uint64_t origin;      /* this bridge's id, in every sample it writes */
	const char *prefix;   /* added to the local names of imported topics */
	const char *strip;    /* taken off local names to make DDS names ("" or "/P.") */
	int all;
	const char *outs[BRIDGE_MAX_TOPICS];
	int n_outs;
	const char *ins[BRIDGE_MAX_TOPICS];
	int n_ins;
	int verbose;
	struct bridge_counts c;
};

/* Runs one direction until *b->stop; 0 or CLI_FAIL (said on stderr). */
int bridge_out_run(struct bridge *b);
int bridge_in_run(struct bridge *b);

/* Is this local topic's publisher a `sluice bridge` (this one or another)?
 * Such topics came from DDS and are never sent back out. */
int bridge_topic_is_bridged(const struct sluice_topic_stats *st);

/* Reads topic's binary schema into *bfbs (malloc'd, NULL when it has
 * none); 0 or a negative code. */
int bridge_read_schema(const char *topic, size_t len, void **bfbs);

/* Publishes the Schema sample of a topic this bridge sends out. */
int bridge_announce(struct bridge *b, const char *dds, const struct sluice_topic_stats *st,
		    const void *bfbs, size_t bfbs_len);

/* CLOCK_REALTIME - CLOCK_MONOTONIC, in ns: converts a topic's stamps. */
int64_t bridge_realtime_offset(void);

/* The text of one direction's peers file, built then committed. */
struct bridge_peerbuf {
	char text[BRIDGE_MAX_TOPICS * 1024], last[BRIDGE_MAX_TOPICS * 1024];
	size_t len, last_len;
	int have_last;
};

/* Says this bridge's pid and host in an endpoint's USER_DATA. */
void bridge_peers_userdata(dds_qos_t *q);
/* Adds the remote endpoints matched by ep (a writer or a reader). */
void bridge_peers_add(struct bridge_peerbuf *pb, const char *topic, dds_entity_t ep, int writer);
/* Writes the file of direction dirn when it changed; empties pb. */
void bridge_peers_commit(struct bridge_peerbuf *pb, const char *dirn);

/* The reader and writer QoS of a data topic of this delivery. */
dds_qos_t *bridge_data_qos(uint32_t delivery, uint32_t slot_count, uint32_t slot_size, int writer);
/* How many samples a lossless topic's DDS reader holds (8 MiB of slots,
 * at most 8192, at least a ring). */
int32_t bridge_reader_depth(uint32_t slot_count, uint32_t slot_size);
#endif

#endif
