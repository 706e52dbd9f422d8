/* ls.c - `sluice ls`: the topics on this machine, their type, publisher,
 * subscribers, rate and losses, and what in /dev/shm is broken and why. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bridge.h"
#include "cmd.h"
#include "sluice/channel.h"
#include "sluice/error.h"

#define MAX_TOPICS 1024

struct row {
	char name[SLUICE_SHM_FOUND_NAME_MAX + 1];
	char shown[4 * SLUICE_SHM_FOUND_NAME_MAX + 1]; /* escaped for the terminal */
	char invalid[256];                              /* why it is not a topic, or "" */
	unsigned uid;                                   /* who owns the object */
	struct sluice_topic_stats st;
	uint64_t lost;
	double rate;
	int bridged; /* 1 a bridge publishes it (from DDS), 2 one reads it (to DDS) */
};

struct listing {
	struct row *rows;
	int n;
	const char *prefix;
};

/* Where a bridged topic goes (sluice bridge, docs/bridge.md). */
static const char *const bridged_words[4] = {"", "from-dds", "to-dds", "from-dds+to-dds"};

static int collect(const struct sluice_shm_entry *e, void *arg)
{
	struct listing *l = arg;
	struct sluice_sub_stats subs[64];
	struct row *r;
	int rc;

	if (l->prefix && strncmp(e->name, l->prefix, strlen(l->prefix)) != 0)
		return 0;
	/* Valid segments of other kinds are not topics, and what vanished
	 * since the directory was read is not there: no row for them. */
	if ((!e->error && e->kind != SLUICE_SHM_CHANNEL) || e->error == -ENOENT)
		return 0;
	if (l->n == MAX_TOPICS)
		return 1;
	r = &l->rows[l->n];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", e->name);
	sluice_shm_escape(e->name, r->shown, sizeof(r->shown));
	r->uid = (unsigned)e->uid;
	if (e->error)
		sluice_shm_escape(e->reason, r->invalid, sizeof(r->invalid));
	else if ((rc = sluice_topic_stat(e->name, &r->st, subs, 64)) == -ENOENT)
		return 0;
	else if (rc)
		sluice_shm_escape(sluice_errdetail(), r->invalid, sizeof(r->invalid));
	else
		for (uint32_t i = 0; i < r->st.subscribers && i < 64; i++) {
			r->lost += subs[i].lost;
			if (subs[i].alive && bridge_pid_is_bridge(subs[i].pid))
				r->bridged |= 2;
		}
	if (!r->invalid[0] && r->st.publisher_alive && bridge_pid_is_bridge(r->st.publisher_pid))
		r->bridged |= 1;
	/* The type name comes from shared memory: escape it too. */
	if (!r->invalid[0]) {
		char t[sizeof(r->st.type_name)];

		sluice_shm_escape(r->st.type_name, t, sizeof(t));
		memcpy(r->st.type_name, t, sizeof(t));
	}
	l->n++;
	return 0;
}

/* A JSON string of printable UTF-8 text (already escaped for a terminal). */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

static int cmp_rows(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->name, ((const struct row *)b)->name);
}

static int ls_main(int argc, char **argv)
{
	int json = 0;
	double window = 0.25;
	struct listing l = {calloc(MAX_TOPICS, sizeof(struct row)), 0, NULL};

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--prefix") && i + 1 < argc)
			l.prefix = argv[++i];
		else if (!strcmp(argv[i], "--window") && i + 1 < argc)
			window = atof(argv[++i]);
		else
			return cli_error("ls", "unexpected argument \"%s\"", argv[i]);
	}
	if (!l.rows)
		return cli_error("ls", "out of memory");
	int rc = sluice_shm_list(collect, &l);
	if (rc < 0) {
		free(l.rows);
		return cli_error("ls", "%s", sluice_errdetail());
	}
	/* The rate: published counts sampled over a short window. */
	if (window > 0 && l.n) {
		struct timespec ts = {(time_t)window, (long)((window - (time_t)window) * 1e9)};

		nanosleep(&ts, NULL);
		for (int i = 0; i < l.n; i++) {
			struct sluice_topic_stats now;

			if (!l.rows[i].invalid[0] &&
			    sluice_topic_stat(l.rows[i].name, &now, NULL, 0) == 0)
				l.rows[i].rate = (double)(now.published - l.rows[i].st.published) / window;
		}
	}
	qsort(l.rows, (size_t)l.n, sizeof(struct row), cmp_rows);
	if (json)
		printf("[");
	else
		printf("%-32s %-22s %-8s %5s %6s %12s %10s %8s\n", "TOPIC", "TYPE", "DELIVERY", "PUB",
		       "SUBS", "PUBLISHED", "RATE/S", "LOST");
	for (int i = 0; i < l.n; i++) {
		struct row *r = &l.rows[i];
		const char *dl = r->st.delivery == SLUICE_LOSSY ? "lossy" : "lossless";

		if (r->invalid[0] && json) {
			printf("%s\n  {\"topic\": ", i ? "," : "");
			json_str(r->shown);
			printf(", \"valid\": false, \"uid\": %u, \"invalid\": ", r->uid);
			json_str(r->invalid);
			printf("}");
		} else if (r->invalid[0]) {
			printf("%-32s invalid: %s\n", r->shown, r->invalid);
		} else if (json) {
			printf("%s\n  {\"topic\": ", i ? "," : "");
			json_str(r->shown);
			printf(", \"valid\": true, \"uid\": %u, \"type\": ", r->uid);
			json_str(r->st.type_name);
			printf(", \"delivery\": \"%s\", "
			       "\"publisher_pid\": %d, \"publisher_alive\": %s, \"subscribers\": %u, "
			       "\"published\": %llu, \"rate_hz\": %.1f, \"lost\": %llu",
			       dl, (int)r->st.publisher_pid,
			       r->st.publisher_alive ? "true" : "false", r->st.subscribers,
			       (unsigned long long)r->st.published, r->rate,
			       (unsigned long long)r->lost);
			if (r->bridged)
				printf(", \"bridged\": \"%s\"}", bridged_words[r->bridged]);
			else
				printf("}");
		} else {
			printf("%-32s %-22s %-8s %5d%s %6u %12llu %10.1f %8llu%s%s\n", r->shown,
			       r->st.type_name, dl, (int)r->st.publisher_pid,
			       r->st.publisher_pid && !r->st.publisher_alive ? "!" : " ",
			       r->st.subscribers, (unsigned long long)r->st.published, r->rate,
			       (unsigned long long)r->lost, r->bridged ? "  " : "",
			       r->bridged ? bridged_words[r->bridged] : "");
		}
	}
	if (json)
		printf("%s]\n", l.n ? "\n" : "");
	free(l.rows);
	return 0;
}

SLUICE_CMD(ls, "ls", "list the topics on this machine",
	   "usage: sluice ls [--json] [--window S] [--prefix /NAME]\n\n"
	   "Lists every topic in /dev/shm: its message type, delivery, publisher pid (marked\n"
	   "with ! when that process is dead), subscribers, messages published, the\n"
	   "rate over a short window (--window, default 0.25 s) and messages lost by\n"
	   "subscribers.  Whatever else is there and is not a valid segment (a broken or\n"
	   "half-made one, a foreign object, a FIFO or link) is listed as \"invalid\" with\n"
	   "the reason; `sluice clean` removes such leftovers.  Names and type names are\n"
	   "shown with bytes that are not printable UTF-8 as \\xHH and '\\' doubled.\n"
	   "--prefix lists only names that start with /NAME.  --json prints an array\n"
	   "of objects instead, with the owner's uid (\"valid\": false and \"invalid\":\n"
	   "reason for what is not a topic).  A topic a sluice bridge publishes (it came\n"
	   "from DDS) or reads (it goes to DDS) ends its line with from-dds or to-dds\n"
	   "(\"bridged\" in --json).\n",
	   ls_main)
