/* echo.c - `sluice echo TOPIC`: each message as one line of JSON, decoded
 * with the binary schema the topic itself carries (no compiled-in types). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "cmd.h"
#include "sluice/channel.h"
#include "sluice/error.h"
#include "sluice/fb_json.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* The printer indents; one message per line wants none.  JSON strings hold
 * no raw newlines, so a newline and the spaces after it are layout only. */
static void print_one_line(const char *json)
{
	for (const char *p = json; *p; p++) {
		if (*p == '\n') {
			while (p[1] == ' ')
				p++;
			continue;
		}
		putchar(*p);
	}
	putchar('\n');
}

static void print_hex(uint64_t seq, const unsigned char *b, size_t len)
{
	printf("{\"seq\": %llu, \"len\": %zu, \"hex\": \"", (unsigned long long)seq, len);
	for (size_t i = 0; i < len; i++)
		printf("%02x", b[i]);
	printf("\"}\n");
}

/* Prints one message. What is verified is what is read: the slot is
 * copied out first and only the copy is verified and decoded, so a
 * publisher overwriting the slot meanwhile (a lossy topic, or a hostile
 * writer) can tear the copy but never steer the decoder; a torn copy is
 * dropped, not printed. Returns 1 if it was torn. */
static int print_msg(struct sluice_sub *sub, struct sluice_msg *m, const void *schema,
		     size_t schema_len, const char *type, void *copy, size_t copy_cap, char *json,
		     size_t cap)
{
	size_t n = 0;
	int pr = 0;

	if (!schema && m->len <= copy_cap)
		memcpy(copy, m->data, m->len);
	else if (schema)
		pr = sluice_fb_json_print_copy(schema, schema_len, type, m->data, m->len, NULL, copy,
					       copy_cap, json, cap, &n);
	if (sluice_sub_release(sub, m) == -SLUICE_ETORN)
		return 1;
	if (!schema && m->len <= copy_cap)
		print_hex(m->seq, copy, m->len);
	else if (pr == 0 && schema)
		print_one_line(json);
	else
		fprintf(stderr, "sluice echo: message %llu refused: %s\n", (unsigned long long)m->seq,
			schema ? sluice_errdetail() : "larger than the topic's slots");
	return 0;
}

static int echo_main(int argc, char **argv)
{
	const char *topic_arg = NULL, *pipeline = NULL, *v;
	char topic[CLI_TOPIC_MAX];
	uint64_t nmax;
	long count = -1;
	int oldest = 0, wait = 0, rc;
	struct sluice_sub_opts so = {0};
	struct sluice_topic_stats st;
	struct sluice_sub *sub;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n")) {
			if (!(v = cli_value("echo", argc, argv, &i)))
				return CLI_USAGE;
			if ((rc = cli_u64("echo", "-n", v, 1, LONG_MAX, &nmax)) != 0)
				return rc;
			count = (long)nmax;
		} else if (!strcmp(argv[i], "--pipeline")) {
			if (!(pipeline = cli_value("echo", argc, argv, &i)))
				return CLI_USAGE;
		} else if (!strcmp(argv[i], "--oldest")) {
			oldest = 1;
		} else if (!strcmp(argv[i], "--wait")) {
			wait = 1;
		} else if (argv[i][0] != '-' && !topic_arg) {
			topic_arg = argv[i];
		} else {
			return cli_usage_error("echo", "unexpected argument \"%s\"", argv[i]);
		}
	}
	if (!topic_arg)
		return cli_usage_error("echo", "which topic? (sluice ls lists them)");
	if ((rc = cli_topic("echo", topic_arg, pipeline, topic, sizeof(topic))) != 0)
		return rc;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if ((rc = cli_open_topic("echo", topic, pipeline, wait, &stop, &st)) != 0 || stop)
		return rc;
	size_t schema_len = st.schema_len;
	void *schema = schema_len ? malloc(schema_len) : NULL;
	size_t cap = 1 << 20;
	char *json = malloc(cap);
	/* slot-sized, and aligned as a builder aligns a message */
	size_t copy_cap =
		((size_t)st.slot_size + SLUICE_FB_MAX_ALIGN - 1) & ~(size_t)(SLUICE_FB_MAX_ALIGN - 1);
	void *copy = aligned_alloc(SLUICE_FB_MAX_ALIGN, copy_cap ? copy_cap : SLUICE_FB_MAX_ALIGN);
	uint64_t torn = 0;

	if ((schema_len && !schema) || !json || !copy)
		return cli_error("echo", "out of memory");
	if (schema_len && sluice_topic_schema(topic, schema, schema_len) != (int)schema_len) {
		free(schema);
		free(json);
		free(copy);
		return cli_error("echo", "%s: cannot read its schema", topic);
	}
	if (schema_len && (rc = sluice_fb_schema_verify(schema, schema_len)) != 0) {
		free(schema);
		free(json);
		free(copy);
		return cli_error("echo", "%s carries a broken schema: %s", topic, sluice_errdetail());
	}
	so.join = oldest ? SLUICE_JOIN_OLDEST : SLUICE_JOIN_NEXT;
	if ((rc = sluice_sub_open(topic, &so, &sub)) != 0) {
		free(schema);
		free(json);
		free(copy);
		return cli_lib_error("echo", topic, rc);
	}
	rc = 0;
	while (!stop && count != 0) {
		struct sluice_msg m;
		int r = sluice_sub_take(sub, &m, 200000000);

		if (r == -ETIMEDOUT || r == -EAGAIN)
			continue;
		if (r == -SLUICE_EOWNERDEAD && wait) {
			/* No publisher now: wait for the next one. */
			struct timespec ms = {0, 50000000};
			nanosleep(&ms, NULL);
			continue;
		}
		if (r) {
			rc = cli_stream_end("echo", topic, r);
			break;
		}
		if (print_msg(sub, &m, schema, schema_len, st.type_name, copy, copy_cap, json, cap)) {
			torn++;
			continue; /* not printed, so not counted against -n */
		}
		fflush(stdout);
		if (count > 0)
			count--;
	}
	sluice_sub_close(sub);
	if (torn)
		fprintf(stderr, "sluice echo: %llu messages overwritten while read (lossy topic) "
				"were skipped\n", (unsigned long long)torn);
	free(schema);
	free(json);
	free(copy);
	return rc;
}

SLUICE_CMD(echo, "echo", "print a topic's messages as JSON lines",
	   "usage: sluice echo TOPIC [-n N] [--oldest] [--wait] [--pipeline NAME]\n\n"
	   "Subscribes to TOPIC and prints each message as one line of JSON, decoded with\n"
	   "the binary schema the topic carries (every message is verified against it\n"
	   "first).  A topic without a schema prints {seq, len, hex}.  Stops after N\n"
	   "messages, on Ctrl-C, or when the publisher closes the topic.\n\n"
	   "  -n N             stop after N messages (N >= 1)\n"
	   "  --oldest         start from the oldest message the topic still holds\n"
	   "  --wait           wait for the topic and its publisher to appear, and for the\n"
	   "                   next publisher when one goes\n"
	   "  --pipeline NAME  TOPIC is a topic of pipeline NAME (/NAME.TOPIC)\n\n"
	   "Exit status: 0 done (N messages, Ctrl-C, the publisher closed); 1 the topic\n"
	   "cannot be read (missing, damaged, the publisher died, evicted); 2 bad\n"
	   "arguments.\n",
	   echo_main)
