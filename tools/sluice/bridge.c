/* bridge.c - `sluice bridge`: local topics to and from DDS through Eclipse
 * Cyclone DDS (docs/bridge.md).  This file parses the command line, makes
 * the DDS participant and the schema topic, and runs the two directions on
 * two threads: local -> DDS here (bridge_out.c), DDS -> local on a second
 * one (bridge_in.c).  Built without Cyclone DDS, the command says so. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "bridge.h"
#include "cmd.h"
#include "sluice/channel.h"
#include "sluice/error.h"

struct bridge_args {
	const char *outs[BRIDGE_MAX_TOPICS], *ins[BRIDGE_MAX_TOPICS];
	char out_names[BRIDGE_MAX_TOPICS][CLI_TOPIC_MAX];
	int n_outs, n_ins, all, verbose;
	uint64_t domain;
	const char *config, *prefix, *pipeline;
	char pipe_prefix[80], strip[82];
};

/* A --prefix is added to segment names: no '/', and short. */
static int check_prefix(const char *p)
{
	if (strchr(p, '/') || strlen(p) > 64)
		return cli_usage_error("bridge", "--prefix wants up to 64 characters without '/', "
						 "not \"%s\"", p);
	return 0;
}

static int add_topic(const char *opt, const char *arg, const char **list, int *n)
{
	char dds[BRIDGE_DDS_NAME_MAX + 1];

	if (*n >= BRIDGE_MAX_TOPICS)
		return cli_usage_error("bridge", "at most %d topics for %s", BRIDGE_MAX_TOPICS,
				       opt);
	if (!arg[0] || arg[0] == '-' || bridge_name_to_dds(arg, dds, sizeof(dds)) != 0 ||
	    strchr(arg + (arg[0] == '/'), '/'))
		return cli_usage_error("bridge", "%s wants a topic name, not \"%s\"", opt, arg);
	list[(*n)++] = arg;
	return 0;
}

static int parse(int argc, char **argv, struct bridge_args *a)
{
	const char *v;
	int rc;

	memset(a, 0, sizeof(*a));
	a->prefix = "";
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--out") || !strcmp(o, "--in")) {
			int out = o[2] == 'o';

			if (!(v = cli_value("bridge", argc, argv, &i)))
				return CLI_USAGE;
			if ((rc = add_topic(o, v, out ? a->outs : a->ins, out ? &a->n_outs : &a->n_ins)))
				return rc;
		} else if (!strcmp(o, "--all")) {
			a->all = 1;
		} else if (!strcmp(o, "--verbose") || !strcmp(o, "-v")) {
			a->verbose = 1;
		} else if (!strcmp(o, "--domain")) {
			if (!(v = cli_value("bridge", argc, argv, &i)))
				return CLI_USAGE;
			if ((rc = cli_u64("bridge", o, v, 0, 232, &a->domain)) != 0)
				return rc;
		} else if (!strcmp(o, "--config")) {
			if (!(a->config = cli_value("bridge", argc, argv, &i)))
				return CLI_USAGE;
		} else if (!strcmp(o, "--pipeline")) {
			if (!(a->pipeline = cli_value("bridge", argc, argv, &i)))
				return CLI_USAGE;
			if (!a->pipeline[0] || (rc = check_prefix(a->pipeline)) != 0)
				return rc ? rc : cli_usage_error("bridge", "--pipeline wants a name");
		} else if (!strcmp(o, "--prefix")) {
			if (!(a->prefix = cli_value("bridge", argc, argv, &i)))
				return CLI_USAGE;
			if ((rc = check_prefix(a->prefix)) != 0)
				return rc;
		} else {
			return cli_usage_error("bridge", "unexpected argument \"%s\"", o);
		}
	}
	if (!a->all && !a->n_outs && !a->n_ins)
		return cli_usage_error("bridge", "nothing to bridge: give --out TOPIC, --in TOPIC "
						 "or --all");
	/* --pipeline P: this bridge's local names are P's topics, /P.NAME both
	 * ways, and their DDS names are made from NAME alone, so that pipelines
	 * of other names on other machines meet on the same DDS topics. */
	if (a->pipeline && a->prefix[0])
		return cli_usage_error("bridge", "--pipeline and --prefix do not go together");
	if (a->pipeline) {
		snprintf(a->pipe_prefix, sizeof(a->pipe_prefix), "%s.", a->pipeline);
		snprintf(a->strip, sizeof(a->strip), "/%s.", a->pipeline);
		a->prefix = a->pipe_prefix;
	}
	/* --out names are local topics: "/name" as the library wants them. */
	for (int i = 0; i < a->n_outs; i++) {
		if ((rc = cli_topic("bridge", a->outs[i], a->pipeline, a->out_names[i],
				    CLI_TOPIC_MAX)))
			return rc;
		a->outs[i] = a->out_names[i];
	}
	return 0;
}

#ifndef SLUICE_HAVE_CYCLONEDDS
static int bridge_main(int argc, char **argv)
{
	struct bridge_args a;
	int rc = parse(argc, argv, &a);

	if (rc)
		return rc;
	return cli_error("bridge", "this sluice was built without Cyclone DDS "
				   "(install cyclonedds-dev and cyclonedds-tools, then rebuild)");
}
#else
#include "bridge_envelope.h"

static atomic_int stop;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop, 1);
}

int64_t bridge_realtime_offset(void)
{
	struct timespec m, r;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	return ((int64_t)r.tv_sec - m.tv_sec) * 1000000000 + (r.tv_nsec - m.tv_nsec);
}

int bridge_read_schema(const char *topic, size_t len, void **bfbs)
{
	*bfbs = NULL;
	if (!len)
		return 0;
	if (!(*bfbs = malloc(len)))
		return -ENOMEM;
	if (sluice_topic_schema(topic, *bfbs, len) != (int)len) {
		free(*bfbs);
		*bfbs = NULL;
		return -EAGAIN;
	}
	return 0;
}

int bridge_topic_is_bridged(const struct sluice_topic_stats *st)
{
	return st->publisher_pid == getpid() || bridge_pid_is_bridge(st->publisher_pid);
}

/* How many samples a lossless topic's DDS reader holds.  A reader that
 * holds only a ring refuses what the writer has in flight while the bridge
 * is still publishing the last batch into the local topic, and the writer
 * sends a refused sample again only after its next heartbeat: it stalls
 * for its whole max_blocking_time.  The writer has up to Cyclone's WhcHigh
 * (500 kB by default) unacknowledged, some 8000 envelopes of a few bytes;
 * so the reader holds that many, but at most BRIDGE_READER_BYTES of slots
 * and never less than a ring: still a bound, so a slow local subscriber
 * holds the remote writer back, only later. */
#define BRIDGE_READER_MAX 8192
#define BRIDGE_READER_BYTES (8u << 20)

int32_t bridge_reader_depth(uint32_t slot_count, uint32_t slot_size)
{
	uint64_t n = BRIDGE_READER_BYTES / (slot_size ? slot_size : 1);

	if (n > BRIDGE_READER_MAX)
		n = BRIDGE_READER_MAX;
	if (n < slot_count)
		n = slot_count;
	return n > INT32_MAX ? INT32_MAX : (int32_t)n;
}

dds_qos_t *bridge_data_qos(uint32_t delivery, uint32_t slot_count, uint32_t slot_size, int writer)
{
	dds_qos_t *q = dds_create_qos();
	int32_t ring = slot_count > INT32_MAX ? INT32_MAX : (int32_t)slot_count;

	if (delivery == SLUICE_LOSSY) {
		dds_qset_reliability(q, DDS_RELIABILITY_BEST_EFFORT, 0);
		dds_qset_history(q, DDS_HISTORY_KEEP_LAST, ring);
		dds_qset_durability(q, DDS_DURABILITY_VOLATILE);
	} else {
		/* Reliable and nothing replaced: a full history makes the writer
		 * wait (max_blocking_time), so the local ring and the reader's
		 * depth are the bound. The last ring is kept for late joiners, so
		 * that a restarted bridge gets what it missed (duplicates are
		 * dropped by sequence). */
		int32_t depth = writer ? ring : bridge_reader_depth(slot_count, slot_size);

		dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_MSECS(100));
		dds_qset_history(q, DDS_HISTORY_KEEP_ALL, 0);
		dds_qset_resource_limits(q, depth, DDS_LENGTH_UNLIMITED, depth);
		dds_qset_durability(q, DDS_DURABILITY_TRANSIENT_LOCAL);
		if (writer)
			dds_qset_durability_service(q, 0, DDS_HISTORY_KEEP_LAST, ring,
						    DDS_LENGTH_UNLIMITED, DDS_LENGTH_UNLIMITED,
						    DDS_LENGTH_UNLIMITED);
	}
	dds_qset_ignorelocal(q, DDS_IGNORELOCAL_PARTICIPANT);
	bridge_peers_userdata(q); /* so that sluice ls on the far side says who we are */
	return q;
}

int bridge_announce(struct bridge *b, const char *dds, const struct sluice_topic_stats *st,
		    const void *bfbs, size_t bfbs_len)
{
	sluice_bridge_Schema sc = {0};
	int rc;

	sc.topic = (char *)dds;
	sc.type_name = (char *)st->type_name;
	sc.schema_hash = st->schema_hash;
	sc.delivery = st->delivery;
	sc.slot_size = st->slot_size;
	sc.slot_count = st->slot_count;
	sc.origin = b->origin;
	sc.bfbs._buffer = (uint8_t *)bfbs;
	sc.bfbs._length = sc.bfbs._maximum = (uint32_t)bfbs_len;
	rc = dds_write(b->schema_wr, &sc);
	dds_write_flush(b->schema_wr);
	return rc;
}

/* The schema topic: one instance per DDS topic, the last sample kept. */
static int make_schema_topic(struct bridge *b)
{
	dds_qos_t *q = dds_create_qos();

	dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
	dds_qset_durability(q, DDS_DURABILITY_TRANSIENT_LOCAL);
	dds_qset_history(q, DDS_HISTORY_KEEP_LAST, 1);
	dds_qset_ignorelocal(q, DDS_IGNORELOCAL_PARTICIPANT);
	b->schema_topic = dds_create_topic(b->pp, &sluice_bridge_Schema_desc, BRIDGE_SCHEMA_TOPIC,
					   NULL, NULL);
	if (b->schema_topic > 0) {
		b->schema_wr = dds_create_writer(b->pp, b->schema_topic, q, NULL);
		b->schema_rd = dds_create_reader(b->pp, b->schema_topic, q, NULL);
	}
	dds_delete_qos(q);
	if (b->schema_topic < 0 || b->schema_wr < 0 || b->schema_rd < 0)
		return cli_error("bridge", "cannot create the DDS topic %s: %s", BRIDGE_SCHEMA_TOPIC,
				 dds_strretcode(b->schema_topic < 0 ? b->schema_topic
						: b->schema_wr < 0 ? b->schema_wr : b->schema_rd));
	return 0;
}

/* --config FILE: its XML, handed to Cyclone for this domain. */
static int make_domain(const char *config, uint32_t domain, dds_entity_t *dom)
{
	FILE *f = fopen(config, "re");
	char *xml;
	long n;

	if (!f)
		return cli_error("bridge", "--config %s: %s", config, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if (n <= 0 || n > (1 << 20) || !(xml = calloc(1, (size_t)n + 1))) {
		fclose(f);
		return cli_error("bridge", "--config %s: empty or too large", config);
	}
	if (fread(xml, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(xml);
		return cli_error("bridge", "--config %s: cannot read it", config);
	}
	fclose(f);
	*dom = dds_create_domain(domain, xml);
	free(xml);
	if (*dom < 0)
		return cli_error("bridge", "--config %s: Cyclone DDS refused it: %s", config,
				 dds_strretcode(*dom));
	return 0;
}

static void print_counts(const struct bridge *b)
{
	const struct bridge_counts *c = &b->c;

	fprintf(stderr,
		"sluice bridge: out %llu (stalls %llu, lost locally %llu); in %llu (duplicates "
		"%llu, own %llu, stalls %llu, gaps %llu, history full %llu); refused: type %llu, "
		"hash %llu, payload %llu, size %llu, schema %llu\n",
		(unsigned long long)c->out_msgs, (unsigned long long)c->out_stalls,
		(unsigned long long)c->out_lost, (unsigned long long)c->in_msgs,
		(unsigned long long)c->in_dup, (unsigned long long)c->in_own,
		(unsigned long long)c->in_stalls, (unsigned long long)c->in_gap,
		(unsigned long long)c->in_rejected,
		(unsigned long long)c->bad_type, (unsigned long long)c->bad_hash,
		(unsigned long long)c->bad_payload, (unsigned long long)c->bad_size,
		(unsigned long long)c->no_schema);
}

static void *in_thread(void *arg)
{
	struct bridge *b = arg;

	if (bridge_in_run(b) != 0)
		atomic_store(b->stop, 1);
	return NULL;
}

static int bridge_main(int argc, char **argv)
{
	struct bridge_args a;
	struct bridge *b;
	dds_entity_t dom = 0;
	pthread_t th;
	int rc = parse(argc, argv, &a);

	if (rc)
		return rc;
	if (a.config && (rc = make_domain(a.config, (uint32_t)a.domain, &dom)) != 0)
		return rc;
	if (!(b = calloc(1, sizeof(*b))))
		return cli_error("bridge", "out of memory");
	b->stop = &stop;
	b->prefix = a.prefix;
	b->strip = a.strip;
	b->all = a.all;
	b->verbose = a.verbose;
	memcpy(b->outs, a.outs, sizeof(a.outs));
	b->n_outs = a.n_outs;
	memcpy(b->ins, a.ins, sizeof(a.ins));
	b->n_ins = a.n_ins;
	if (getrandom(&b->origin, sizeof(b->origin), 0) != sizeof(b->origin))
		b->origin = ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL);
	b->pp = dds_create_participant((dds_domainid_t)a.domain, NULL, NULL);
	if (b->pp < 0) {
		rc = cli_error("bridge", "cannot join DDS domain %llu: %s",
			       (unsigned long long)a.domain, dds_strretcode(b->pp));
		goto out;
	}
	if ((rc = make_schema_topic(b)) != 0)
		goto out;
	/* Writes are queued and sent by dds_write_flush, once per burst. */
	dds_write_set_batch(true);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (pthread_create(&th, NULL, in_thread, b) != 0) {
		rc = cli_error("bridge", "cannot start a thread");
		goto out;
	}
	bridge_peers_sweep();
	fprintf(stderr, "sluice bridge: domain %llu, id %016llx, ready\n",
		(unsigned long long)a.domain, (unsigned long long)b->origin);
	rc = bridge_out_run(b);
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	bridge_peers_write((int)getpid(), "out", NULL, 0);
	bridge_peers_write((int)getpid(), "in", NULL, 0);
	print_counts(b);
out:
	if (b->pp > 0)
		dds_delete(b->pp);
	if (dom > 0)
		dds_delete(dom);
	free(b);
	return rc;
}
#endif

SLUICE_CMD(bridge, "bridge", "forward topics to and from DDS (Cyclone DDS)",
	   "usage: sluice bridge [--out TOPIC]... [--in TOPIC]... [--all] [--domain N]\n"
	   "                     [--config FILE.xml] [--prefix P | --pipeline NAME]\n"
	   "                     [--verbose]\n\n"
	   "Forwards local topics to DDS and DDS topics into local topics, through\n"
	   "Eclipse Cyclone DDS: one DDS topic \"sluice/NAME\" per sluice topic ('.' as '/',\n"
	   "'_' as \"__\", other bytes as \"_xHH\"), each message in an envelope with its\n"
	   "type, schema hash, sequence and publish time; the topic's binary schema goes\n"
	   "once on the DDS topic \"sluice_schema\", so the far side makes a typed local\n"
	   "topic that sluice echo decodes.  Lossless topics are RELIABLE + KEEP_ALL\n"
	   "(a slow reader holds the local publisher back), lossy ones BEST_EFFORT +\n"
	   "KEEP_LAST.  What came in from DDS is never sent back out.  See docs/bridge.md.\n\n"
	   "  --out TOPIC      send local TOPIC to DDS (repeatable)\n"
	   "  --in TOPIC       make DDS topic TOPIC (its sluice name) a local topic\n"
	   "                   (repeatable)\n"
	   "  --all            send every local topic not made by a bridge, and take in\n"
	   "                   every topic a bridge announces\n"
	   "  --domain N       DDS domain id, 0 to 232 (default 0)\n"
	   "  --config FILE    Cyclone DDS XML configuration for the domain\n"
	   "  --prefix P       local topics made from DDS are named /P + NAME\n"
	   "  --pipeline NAME  the topics are pipeline NAME's: /NAME.TOPIC locally (both\n"
	   "                   ways, and --all sends only those), TOPIC on DDS\n"
	   "  --verbose        say which topics are bridged\n\n"
	   "Runs until Ctrl-C or SIGTERM, then prints its counters: messages out and in,\n"
	   "stalls (back-pressure), duplicates dropped, envelopes refused and why.\n\n"
	   "Exit status: 0 stopped; 1 failed (DDS, or built without Cyclone DDS); 2 bad\n"
	   "arguments.\n",
	   bridge_main)
