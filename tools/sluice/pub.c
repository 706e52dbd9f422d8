/* pub.c - `sluice pub TOPIC JSON`: publishes messages written as JSON,
 * encoded with the topic's own binary schema, straight into loaned slots. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "sluice/channel.h"
#include "sluice/error.h"
#include "sluice/fb_json.h"

#define SECOND 1000000000LL

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int pub_main(int argc, char **argv)
{
	const char *topic = NULL, *text = NULL;
	long count = 1;
	double rate = 0;
	struct sluice_topic_stats st;
	struct sluice_pub *pub;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			count = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--rate") && i + 1 < argc)
			rate = atof(argv[++i]);
		else if (!topic && argv[i][0] != '-')
			topic = argv[i];
		else if (!text)
			text = argv[i];
		else
			return cli_error("pub", "unexpected argument \"%s\"", argv[i]);
	}
	if (!topic || !text)
		return cli_error("pub", "usage: sluice pub TOPIC JSON [--rate HZ] [-n N]");
	if (rate < 0 || (count <= 0 && rate == 0))
		return cli_error("pub", "-n 0 (forever) needs --rate");
	if ((rc = sluice_topic_stat(topic, &st, NULL, 0)) != 0)
		return cli_error("pub", "%s", sluice_errdetail());
	if (!st.schema_len)
		return cli_error("pub", "%s carries no schema: JSON cannot be encoded", topic);

	void *schema = malloc(st.schema_len);
	size_t scratch_len = 1 << 16;
	void *scratch = malloc(scratch_len);
	struct sluice_topic_opts o = {.type_name = st.type_name, .schema_hash = st.schema_hash};

	if (!schema || !scratch ||
	    sluice_topic_schema(topic, schema, st.schema_len) != (int)st.schema_len) {
		free(schema);
		free(scratch);
		return cli_error("pub", "%s: cannot read its schema", topic);
	}
	if ((rc = sluice_pub_open(topic, &o, &pub)) != 0) {
		free(schema);
		free(scratch);
		return cli_error("pub", "%s", sluice_errdetail());
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	rc = 0;
	for (long sent = 0; !stop && (count <= 0 || sent < count); sent++) {
		void *slot;
		sluice_fb_builder b;
		sluice_fb_msg msg;
		int r = sluice_pub_loan(pub, 0, &slot, 5 * SECOND);

		if (r) {
			rc = cli_error("pub", "%s: %s", topic, sluice_strerror(r));
			break;
		}
		/* Encode in place: the builder fills the loaned slot from its end. */
		sluice_fb_builder_init(&b, slot, sluice_pub_slot_size(pub));
		r = sluice_fb_json_parse(schema, st.schema_len, st.type_name, text, strlen(text),
					 scratch, scratch_len, &b, false, &msg);
		if (r) {
			rc = cli_error("pub", "%s", sluice_errdetail());
			break;
		}
		if ((r = sluice_pub_commit(pub, msg.offset, msg.length)) != 0) {
			rc = cli_error("pub", "%s", sluice_errdetail());
			break;
		}
		if (rate > 0) {
			long step = (long)(1e9 / rate);

			next.tv_nsec += step % 1000000000L;
			next.tv_sec += step / 1000000000L + next.tv_nsec / 1000000000L;
			next.tv_nsec %= 1000000000L;
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		}
	}
	sluice_pub_close(pub);
	free(schema);
	free(scratch);
	return rc;
}

SLUICE_CMD(pub, "pub", "publish messages written as JSON on a topic",
	   "usage: sluice pub TOPIC JSON [--rate HZ] [-n N]\n\n"
	   "Becomes TOPIC's publisher (refused while another lives), encodes JSON with the\n"
	   "binary schema the topic carries, straight into the loaned slot, and publishes\n"
	   "it N times (default 1; 0: until Ctrl-C) at HZ per second (default: at once).\n"
	   "Errors in JSON name line:col.\n",
	   pub_main)
