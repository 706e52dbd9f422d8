/* record.c - `sluice record -o FILE.mcap [TOPIC... | --all]`: subscribes and
 * writes every message into an MCAP file with the topic's binary schema, so
 * Foxglove and the mcap tools decode it; Ctrl-C finalises the file. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "cmd.h"
#include "sluice/channel.h"
#include "sluice/error.h"
#include "sluice/record.h"

#define REC_MAX_TOPICS 64 /* a waitset's limit */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct rtopic {
	char name[CLI_TOPIC_MAX];
	char type[SLUICE_TYPE_NAME_MAX + 1];
	struct sluice_sub *sub; /* NULL while it has no live publisher */
	int has_channel;
	uint16_t channel;
	void *copy;
	size_t cap;
	uint64_t written, lost, torn;
};

/* A schema already in the file: topics of one type share it. */
struct rschema {
	char type[SLUICE_TYPE_NAME_MAX + 1];
	void *data;
	size_t len;
	uint16_t id;
};

struct recorder {
	struct sluice_mcap_writer *w;
	struct rschema schemas[REC_MAX_TOPICS];
	int nschemas;
	struct rtopic t[REC_MAX_TOPICS];
	int n;
	int all;
	const char *prefix; /* --all: only topics whose names start with it */
	struct sluice_waitset *ws;
	int ws_stale;
	int64_t mono_to_real; /* realtime - monotonic, for publish stamps */
};

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int find(struct recorder *r, const char *name)
{
	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->t[i].name, name))
			return i;
	return -1;
}

/* The id of this type and schema in the file, adding it the first time;
 * takes schema (malloc'd). */
static int schema_id(struct recorder *r, const char *type, void *schema, size_t len, uint16_t *id)
{
	for (int i = 0; i < r->nschemas; i++) {
		struct rschema *s = &r->schemas[i];
		if (!strcmp(s->type, type) && s->len == len && !memcmp(s->data, schema, len)) {
			free(schema);
			*id = s->id;
			return 0;
		}
	}
	int rc = sluice_mcap_add_schema(r->w, type, "flatbuffer", schema, len, id);
	if (rc || r->nschemas == REC_MAX_TOPICS) {
		free(schema);
		return rc;
	}
	struct rschema *s = &r->schemas[r->nschemas++];
	snprintf(s->type, sizeof(s->type), "%s", type);
	s->data = schema;
	s->len = len;
	s->id = *id;
	return 0;
}

/* Subscribes to topic t if it has a live publisher; first time (or a new
 * type) its schema and channel go into the file. */
static int attach(struct recorder *r, struct rtopic *t)
{
	struct sluice_topic_stats st;
	struct sluice_sub_opts so = {0};
	void *schema = NULL;
	int rc;

	if (sluice_topic_stat(t->name, &st, NULL, 0) || !st.publisher_alive)
		return 0;
	if (t->has_channel && strcmp(t->type, st.type_name))
		t->has_channel = 0; /* retyped: a new channel */
	if (!t->has_channel) {
		uint16_t sid = 0;
		if (st.schema_len) {
			if (!(schema = malloc(st.schema_len)))
				return -ENOMEM;
			if (sluice_topic_schema(t->name, schema, st.schema_len) !=
			    (int)st.schema_len) {
				free(schema);
				return 0; /* changed under us: next round */
			}
			rc = schema_id(r, st.type_name, schema, st.schema_len, &sid);
			if (rc)
				return rc;
		}
		rc = sluice_mcap_add_channel(r->w, sid, t->name + 1, sid ? "flatbuffer" : "",
					     &t->channel);
		if (rc)
			return rc;
		snprintf(t->type, sizeof(t->type), "%s", st.type_name);
		t->has_channel = 1;
	}
	if (t->cap < st.slot_size) {
		free(t->copy);
		if (!(t->copy = malloc(st.slot_size)))
			return -ENOMEM;
		t->cap = st.slot_size;
	}
	so.join = SLUICE_JOIN_OLDEST;
	if (sluice_sub_open(t->name, &so, &t->sub))
		t->sub = NULL; /* gone again: next round */
	r->ws_stale = 1;
	return 0;
}

static int add_listed(const char *name, void *arg)
{
	struct recorder *r = arg;

	if (find(r, name) >= 0 || r->n == REC_MAX_TOPICS)
		return 0;
	if (r->prefix && strncmp(name, r->prefix, strlen(r->prefix)))
		return 0;
	snprintf(r->t[r->n].name, sizeof(r->t[r->n].name), "%s", name);
	r->n++;
	return 0;
}

/* Picks up new topics (--all) and publishers that came back. */
static int refresh(struct recorder *r)
{
	int rc;

	if (r->all)
		sluice_topic_list(add_listed, r);
	for (int i = 0; i < r->n; i++)
		if (!r->t[i].sub && (rc = attach(r, &r->t[i])) != 0)
			return rc;
	if (r->ws_stale) {
		sluice_waitset_free(r->ws);
		r->ws = NULL;
		if (sluice_waitset_new(&r->ws) == 0)
			for (int i = 0; i < r->n; i++)
				if (r->t[i].sub)
					sluice_waitset_add(r->ws, r->t[i].sub);
		r->ws_stale = 0;
	}
	return 0;
}

/* Takes what topic t holds now: copy out, release, write.  A copy torn by
 * a lossy publisher is dropped and counted as lost. */
static int drain(struct recorder *r, struct rtopic *t, int *took)
{
	struct sluice_msg m;
	int rc, budget = 256;

	while (budget-- > 0) {
		rc = sluice_sub_take(t->sub, &m, 0);
		if (rc == -EAGAIN || rc == -ETIMEDOUT)
			return 0;
		if (rc) {
			/* the publisher went (or we were evicted): wait for the next */
			sluice_sub_close(t->sub);
			t->sub = NULL;
			r->ws_stale = 1;
			return 0;
		}
		uint64_t log_time = now_ns(CLOCK_REALTIME);
		size_t len = m.len <= t->cap ? m.len : t->cap;
		memcpy(t->copy, m.data, len);
		t->lost += m.lost_before;
		if (sluice_sub_release(t->sub, &m) == -SLUICE_ETORN) {
			t->torn++;
			continue;
		}
		rc = sluice_mcap_write_message(r->w, t->channel, (uint32_t)m.seq, log_time,
					       (uint64_t)((int64_t)m.stamp_ns + r->mono_to_real),
					       t->copy, len);
		if (rc)
			return rc;
		t->written++;
		(*took)++;
	}
	return 0;
}

static void status_line(struct recorder *r, uint64_t t0)
{
	uint64_t msgs, bytes, lost = 0;
	double secs = (double)(now_ns(CLOCK_MONOTONIC) - t0) / 1e9;

	sluice_mcap_writer_counts(r->w, &msgs, &bytes);
	for (int i = 0; i < r->n; i++)
		lost += r->t[i].lost + r->t[i].torn;
	fprintf(stderr, "\rrecording %d topics: %llu msgs, %.1f MB, %.0f msg/s, %llu lost   ", r->n,
		(unsigned long long)msgs, (double)bytes / 1e6, secs > 0 ? (double)msgs / secs : 0.0,
		(unsigned long long)lost);
}

/* The losses go into the file as Metadata "sluice.losses": per topic,
 * messages lost to overruns plus copies torn while read. */
static int write_losses(struct recorder *r)
{
	const char *kv[2 * REC_MAX_TOPICS];
	char val[REC_MAX_TOPICS][24];
	size_t n = 0;

	for (int i = 0; i < r->n; i++) {
		if (!r->t[i].has_channel)
			continue;
		snprintf(val[n], sizeof(val[n]), "%llu",
			 (unsigned long long)(r->t[i].lost + r->t[i].torn));
		kv[2 * n] = r->t[i].name + 1;
		kv[2 * n + 1] = val[n];
		n++;
	}
	return sluice_mcap_add_metadata(r->w, "sluice.losses", kv, n);
}

static int do_recover(const char *in, const char *out)
{
	struct sluice_mcap_result res;
	char tmp[4096];
	const char *dst = out;

	if (!out) {
		snprintf(tmp, sizeof(tmp), "%s.recovering", in);
		dst = tmp;
	}
	int rc = sluice_mcap_recover(in, dst, &res);
	if (rc) {
		if (!out)
			unlink(tmp);
		return cli_error("record", "%s: %s", in, sluice_errdetail());
	}
	if (!out && rename(tmp, in))
		return cli_error("record", "%s: %s", in, strerror(errno));
	fprintf(stderr, "sluice record: %s: kept %llu messages in %llu chunks%s%s\n",
		out ? out : in, (unsigned long long)res.messages, (unsigned long long)res.chunks,
		res.stopped[0] ? "; dropped the rest: " : "", res.stopped);
	return CLI_OK;
}

static int record_main(int argc, char **argv)
{
	struct recorder *r;
	struct sluice_mcap_writer_opts wo = {0};

	const char *out = NULL, *recover = NULL, *v;
	double duration = 0;
	uint64_t chunk = 0;
	int rc = 0, all = 0;

	if (!(r = calloc(1, sizeof(*r))))
		return cli_error("record", "out of memory");
	for (int i = 1; i < argc && rc == 0; i++) {
		if (!strcmp(argv[i], "-o")) {
			if (!(out = cli_value("record", argc, argv, &i)))
				rc = CLI_USAGE;
		} else if (!strcmp(argv[i], "--all")) {
			all = 1;
		} else if (!strcmp(argv[i], "--prefix")) {
			if (!(r->prefix = cli_value("record", argc, argv, &i)))
				rc = CLI_USAGE;
			else if (r->prefix[0] != '/')
				rc = cli_usage_error("record", "--prefix starts with /");
		} else if (!strcmp(argv[i], "--recover")) {
			if (!(recover = cli_value("record", argc, argv, &i)))
				rc = CLI_USAGE;
		} else if (!strcmp(argv[i], "--duration")) {
			if (!(v = cli_value("record", argc, argv, &i)))
				rc = CLI_USAGE;
			else
				rc = cli_double("record", "--duration", v, 0.001, 1e9, &duration);
		} else if (!strcmp(argv[i], "--chunk-size")) {
			if (!(v = cli_value("record", argc, argv, &i)))
				rc = CLI_USAGE;
			else
				rc = cli_u64("record", "--chunk-size", v, 1, 1ull << 32, &chunk);
		} else if (!strcmp(argv[i], "--compression")) {
			if (!(v = cli_value("record", argc, argv, &i)))
				rc = CLI_USAGE;
			else if (strcmp(v, "none") && strcmp(v, "zstd") && strcmp(v, "lz4"))
				rc = cli_usage_error("record", "--compression must be none, zstd "
							       "or lz4, not \"%s\"", v);
			else
				wo.compression = v;
		} else if (argv[i][0] != '-') {
			if (r->n == REC_MAX_TOPICS)
				rc = cli_usage_error("record", "at most %d topics", REC_MAX_TOPICS);
			else
				rc = cli_topic("record", argv[i], NULL, r->t[r->n++].name,
					       CLI_TOPIC_MAX);
		} else {
			rc = cli_usage_error("record", "unexpected argument \"%s\"", argv[i]);
		}
	}
	if (!rc && recover) {
		free(r);
		return do_recover(recover, out);
	}
	if (!rc && !out)
		rc = cli_usage_error("record", "where to? (-o FILE.mcap)");
	if (!rc && !all && !r->n)
		rc = cli_usage_error("record", "which topics? (TOPIC... or --all)");
	if (!rc && all && r->n)
		rc = cli_usage_error("record", "--all or topic names, not both");
	if (!rc && r->prefix && !all)
		rc = cli_usage_error("record", "--prefix goes with --all");
	if (rc) {
		free(r);
		return rc;
	}
	r->all = all;
	wo.chunk_size = chunk;
	if ((rc = sluice_mcap_writer_open(out, &wo, &r->w)) != 0) {
		free(r);
		return cli_error("record", "%s", sluice_errdetail());
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	r->mono_to_real = (int64_t)(now_ns(CLOCK_REALTIME) - now_ns(CLOCK_MONOTONIC));
	uint64_t t0 = now_ns(CLOCK_MONOTONIC), last_refresh = 0, last_status = t0;
	uint64_t end = duration > 0 ? t0 + (uint64_t)(duration * 1e9) : UINT64_MAX;
	int tty = isatty(2);

	while (!stop && rc == 0) {
		uint64_t now = now_ns(CLOCK_MONOTONIC);
		int took = 0;

		if (now >= end)
			break;
		if (now - last_refresh >= 200000000u) {
			if ((rc = refresh(r)) != 0)
				break;
			last_refresh = now;
		}
		for (int i = 0; i < r->n && rc == 0; i++)
			if (r->t[i].sub)
				rc = drain(r, &r->t[i], &took);
		if (tty && now - last_status >= 1000000000u) {
			status_line(r, t0);
			last_status = now;
		}
		if (!took && rc == 0) {
			if (r->ws && !r->ws_stale)
				sluice_waitset_wait(r->ws, 50000000);
			else
				nanosleep(&(struct timespec){0, 10000000}, NULL);
		}
	}
	/* what arrived before the stop is kept: all of it, not one batch */
	for (int i = 0; i < r->n && rc == 0; i++) {
		int took;
		do {
			took = 0;
			if (r->t[i].sub)
				rc = drain(r, &r->t[i], &took);
		} while (took && rc == 0);
	}
	if (tty)
		status_line(r, t0), fputc('\n', stderr);
	int wrc = rc ? rc : write_losses(r);
	uint64_t msgs, bytes;
	sluice_mcap_writer_counts(r->w, &msgs, &bytes);
	int crc = sluice_mcap_writer_close(r->w);
	for (int i = 0; i < r->n; i++) {
		if (r->t[i].sub)
			sluice_sub_close(r->t[i].sub);
		free(r->t[i].copy);
	}
	sluice_waitset_free(r->ws);
	for (int i = 0; i < r->nschemas; i++)
		free(r->schemas[i].data);
	free(r);
	if (wrc || crc)
		return cli_error("record", "%s: %s", out, sluice_errdetail());
	fprintf(stderr, "sluice record: %s: %llu messages\n", out, (unsigned long long)msgs);
	return CLI_OK;
}

SLUICE_CMD(record, "record", "record topics into an MCAP file",
	   "usage: sluice record -o FILE.mcap [TOPIC... | --all [--prefix /P]] [--duration S]\n"
	   "                     [--compression none|zstd|lz4] [--chunk-size N]\n"
	   "       sluice record --recover FILE [-o OUT]\n\n"
	   "Subscribes to each TOPIC (or every topic, following new ones, with --all)\n"
	   "and writes its messages into an MCAP file that Foxglove and the mcap tools\n"
	   "open: schema encoding flatbuffer with the .bfbs the topic carries, log time =\n"
	   "receive time, publish time = the publisher's stamp, sequence = the topic's\n"
	   "(low 32 bits).  Topics whose publisher is gone are picked up again when one\n"
	   "comes back.  Ctrl-C, SIGTERM or --duration end the recording and finalise the\n"
	   "file.  Messages a lossy topic lost, or that were overwritten while copied, are\n"
	   "counted in the file's Metadata \"sluice.losses\" (sluice info shows them).\n\n"
	   "  -o FILE          the recording (replaced if it exists)\n"
	   "  --all            every topic on this machine, also those that appear later\n"
	   "  --prefix /P      with --all: only topics whose names start with /P\n"
	   "  --duration S     stop after S seconds\n"
	   "  --compression C  none (default), zstd or lz4 (frame format), per chunk\n"
	   "  --chunk-size N   close a chunk past N bytes (default 1 MiB)\n"
	   "  --recover FILE   rewrite a recording that was cut off (a crash, SIGKILL)\n"
	   "                   as a valid file up to its last complete chunk: into OUT,\n"
	   "                   or in place\n\n"
	   "Exit status: 0 done; 1 a topic or the file failed; 2 bad arguments.\n",
	   record_main)
