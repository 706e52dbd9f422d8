/* play.c - `sluice play FILE.mcap`: recreates a recording's topics, typed
 * with the schemas the file carries, and publishes its messages with their
 * original timing (scaled by --rate; --rate 0: as fast as subscribers take
 * them, lossless). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "cmd.h"
#include "sluice/channel.h"
#include "sluice/error.h"
#include "sluice/record.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct pchan {
	int defined, wanted;
	uint16_t schema;
	char topic[CLI_TOPIC_MAX];
	uint64_t max_len;
	struct sluice_pub *pub;
};

struct pschema {
	int flatbuffer; /* its encoding is "flatbuffer" */
	char name[SLUICE_TYPE_NAME_MAX + 1];
	void *data;
	size_t len;
};

struct player {
	struct pchan ch[65536];
	struct pschema sc[65536];
	const char *prefix;
	char **topics;
	int ntopics;
	double rate;
	uint64_t first, start_ns, base, t0;
	uint64_t sent;
	int err;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int wanted(struct player *p, const char *topic)
{
	if (!p->ntopics)
		return 1;
	for (int i = 0; i < p->ntopics; i++)
		if (!strcmp(p->topics[i], topic) ||
		    (p->topics[i][0] == '/' && !strcmp(p->topics[i] + 1, topic)))
			return 1;
	return 0;
}

static int str_is(struct sluice_mcap_str s, const char *lit)
{
	return s.len == strlen(lit) && !memcmp(s.p, lit, s.len);
}

/* A wanted channel must be what sluice can publish: with a schema, a
 * FlatBuffers one and FlatBuffers messages (the topic is typed with it, so
 * echo and every subscriber will read them as such); without one, its bytes
 * go out on an untyped topic and claim nothing.  A ROS 2 (cdr), protobuf or
 * JSON-schema channel is refused rather than published under a type that
 * would misread it. */
static int playable(const struct player *p, const struct sluice_mcap_rec *r, const char *bare)
{
	const struct pschema *s = &p->sc[r->schema_id];

	if (!r->schema_id)
		return 0;
	if (!s->flatbuffer)
		return cli_error("play", "channel %s: its schema \"%s\" is not encoded as "
				 "flatbuffer: sluice plays FlatBuffers recordings only (--topics "
				 "leaves it out)", bare, s->name);
	if (!str_is(r->encoding, "flatbuffer"))
		return cli_error("play", "channel %s: message encoding \"%.*s\", not flatbuffer "
				 "(--topics leaves it out)", bare,
				 (int)(r->encoding.len > 32 ? 32 : r->encoding.len), r->encoding.p);
	return 0;
}

/* First pass: schemas, channels, the largest message of each. */
static int survey(const struct sluice_mcap_rec *r, void *arg)
{
	struct player *p = arg;

	if (r->kind == SLUICE_MCAP_SCHEMA) {
		struct pschema *s = &p->sc[r->id];
		if (r->name.len > SLUICE_TYPE_NAME_MAX)
			return cli_error("play", "schema %u: name too long for a topic type", r->id);
		memcpy(s->name, r->name.p, r->name.len);
		s->name[r->name.len] = 0;
		s->flatbuffer = str_is(r->encoding, "flatbuffer");
		free(s->data);
		if (!(s->data = malloc(r->len ? r->len : 1)))
			return CLI_FAIL;
		memcpy(s->data, r->data, r->len);
		s->len = r->len;
	} else if (r->kind == SLUICE_MCAP_CHANNEL) {
		struct pchan *c = &p->ch[r->id];
		char bare[CLI_TOPIC_MAX];
		if (r->name.len >= sizeof(bare))
			return cli_error("play", "channel %u: topic name too long", r->id);
		memcpy(bare, r->name.p, r->name.len);
		bare[r->name.len] = 0;
		c->defined = 1;
		c->schema = r->schema_id;
		c->wanted = wanted(p, bare);
		if (c->wanted && playable(p, r, bare))
			return CLI_FAIL;
		if (snprintf(c->topic, sizeof(c->topic), "/%s%s", p->prefix,
			     bare[0] == '/' ? bare + 1 : bare) >= (int)sizeof(c->topic))
			return cli_error("play", "%s%s: topic name too long", p->prefix, bare);
	} else if (r->kind == SLUICE_MCAP_MESSAGE) {
		struct pchan *c = &p->ch[r->channel_id];
		if (r->len > c->max_len)
			c->max_len = r->len;
		if (!p->first || r->log_time < p->first)
			p->first = r->log_time;
	}
	return 0;
}

static int open_pub(struct pchan *c, struct pschema *s)
{
	struct sluice_topic_opts o = {0};
	uint64_t slot = (c->max_len + 63) & ~(uint64_t)63;

	o.slot_size = (uint32_t)(slot ? slot : 64);
	o.delivery = SLUICE_LOSSLESS;
	if (c->schema && s->len) {
		o.type_name = s->name;
		o.schema = s->data;
		o.schema_len = s->len;
	}
	int rc = sluice_pub_open(c->topic, &o, &c->pub);
	if (rc)
		return cli_lib_error("play", c->topic, rc);
	return 0;
}

/* Second pass: each message at its time. */
static int publish(const struct sluice_mcap_rec *r, void *arg)
{
	struct player *p = arg;
	int rc;

	if (stop)
		return CLI_OK + 100; /* ends the scan; not an error */
	if (r->kind != SLUICE_MCAP_MESSAGE)
		return 0;
	struct pchan *c = &p->ch[r->channel_id];
	if (!c->wanted || r->log_time < p->first + p->start_ns)
		return 0;
	if (!c->pub && (rc = open_pub(c, &p->sc[c->schema])) != 0)
		return rc;
	if (!p->t0) {
		p->t0 = now_ns();
		p->base = r->log_time;
	}
	if (p->rate > 0 && r->log_time > p->base) {
		uint64_t due = p->t0 + (uint64_t)((double)(r->log_time - p->base) / p->rate);
		uint64_t now = now_ns();
		while (!stop && now < due) {
			uint64_t d = due - now > 100000000u ? 100000000u : due - now;
			nanosleep(&(struct timespec){0, (long)d}, NULL);
			now = now_ns();
		}
	}
	do {
		rc = sluice_pub_publish(c->pub, r->data, r->len, 100000000);
	} while ((rc == -ETIMEDOUT || rc == -EAGAIN) && !stop);
	if (rc && !stop)
		return cli_lib_error("play", c->topic, rc);
	p->sent++;
	return 0;
}

static int play_main(int argc, char **argv)
{
	const char *path = NULL, *v;
	int loop = 0, rc = 0;
	double start = 0;
	struct player *p = calloc(1, sizeof(*p));

	if (!p)
		return cli_error("play", "out of memory");
	p->rate = 1;
	p->prefix = "";
	p->topics = calloc((size_t)argc, sizeof(char *));
	for (int i = 1; i < argc && rc == 0; i++) {
		if (!strcmp(argv[i], "--rate")) {
			if (!(v = cli_value("play", argc, argv, &i)))
				rc = CLI_USAGE;
			else
				rc = cli_double("play", "--rate", v, 0, 1e6, &p->rate);
		} else if (!strcmp(argv[i], "--start")) {
			if (!(v = cli_value("play", argc, argv, &i)))
				rc = CLI_USAGE;
			else
				rc = cli_double("play", "--start", v, 0, 1e9, &start);
		} else if (!strcmp(argv[i], "--loop")) {
			loop = 1;
		} else if (!strcmp(argv[i], "--prefix")) {
			if (!(p->prefix = cli_value("play", argc, argv, &i)))
				rc = CLI_USAGE;
		} else if (!strcmp(argv[i], "--topics")) {
			while (i + 1 < argc && argv[i + 1][0] != '-')
				p->topics[p->ntopics++] = argv[++i];
			if (!p->ntopics)
				rc = cli_usage_error("play", "--topics needs topic names");
		} else if (argv[i][0] != '-' && !path) {
			path = argv[i];
		} else {
			rc = cli_usage_error("play", "unexpected argument \"%s\"", argv[i]);
		}
	}
	if (!rc && !path)
		rc = cli_usage_error("play", "which file?");
	void *buf = NULL;
	size_t len = 0;
	if (!rc && sluice_mcap_load(path, &buf, &len))
		rc = cli_error("play", "%s", sluice_errdetail());
	unsigned flags = 0;
	if (!rc) {
		struct sluice_mcap_result res;
		int s = sluice_mcap_scan(buf, len, 0, survey, p, NULL);

		/* Cut off (a crash, SIGKILL): play what its complete chunks hold,
		 * as --recover would keep; every chunk played is checked whole
		 * (CRC, every record) before any of its messages is reported. */
		int partial = s == -EBADMSG ? sluice_mcap_scan(buf, len, SLUICE_MCAP_PARTIAL,
							       survey, p, &res)
					    : -1;

		if (partial > 0) {
			rc = partial; /* survey said why */
		} else if (partial == 0) {
			flags = SLUICE_MCAP_PARTIAL;
			fprintf(stderr,
				"sluice play: %s is cut off or damaged (%s): playing the %llu "
				"messages before that; `sluice record --recover %s` rewrites it "
				"as a complete file\n",
				path, res.stopped, (unsigned long long)res.messages, path);
		} else if (s > 0) {
			rc = s; /* survey said why */
		} else if (s) {
			rc = cli_error("play", "%s: refused: %s", path, sluice_errdetail());
		}
	}
	p->start_ns = (uint64_t)(start * 1e9);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!rc && !stop) {
		p->t0 = 0;
		int r = sluice_mcap_scan(buf, len, flags, publish, p, NULL);
		if (r && r != CLI_OK + 100)
			rc = r < 0 ? cli_error("play", "%s: %s", path, sluice_errdetail()) : r;
		if (!loop)
			break;
	}
	for (uint32_t i = 0; i < 65536; i++) {
		if (p->ch[i].pub)
			sluice_pub_close(p->ch[i].pub);
		free(p->sc[i].data);
	}
	if (!rc)
		fprintf(stderr, "sluice play: %s: %llu messages\n", path, (unsigned long long)p->sent);
	free(buf);
	free(p->topics);
	free(p);
	return rc;
}

SLUICE_CMD(play, "play", "publish a recording's messages again",
	   "usage: sluice play FILE.mcap [--rate X] [--loop] [--topics T...] [--start S]\n"
	   "                   [--prefix P]\n\n"
	   "Recreates the recording's topics (lossless), typed with the schemas the file\n"
	   "carries, so `sluice echo` decodes them, and publishes each message with the\n"
	   "original spacing of its log times.  A recording that was cut off (a crash,\n"
	   "SIGKILL) is played up to its last complete chunk, with a note on stderr\n"
	   "(`sluice record --recover FILE` rewrites it whole).\n\n"
	   "  --rate X     X times the original speed (default 1); 0: as fast as the\n"
	   "               subscribers take them\n"
	   "  --loop       start again at the end, until Ctrl-C\n"
	   "  --topics T.. only these topics (names as in the file, or with a leading /)\n"
	   "  --start S    skip the first S seconds\n"
	   "  --prefix P   publish topic T as /PT (e.g. --prefix replay. gives /replay.imu)\n\n"
	   "Exit status: 0 played (or Ctrl-C); 1 the file or a topic failed; 2 bad\n"
	   "arguments.\n",
	   play_main)
