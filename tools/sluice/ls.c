/* ls.c - `sluice ls`: the topics on this machine, their type, publisher,
 * subscribers, rate and losses. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "sluice/channel.h"
#include "sluice/error.h"

#define MAX_TOPICS 1024

struct row {
	char name[SLUICE_SHM_NAME_MAX + 1];
	struct sluice_topic_stats st;
	uint64_t lost;
	double rate;
};

struct listing {
	struct row *rows;
	int n;
};

static int collect(const char *topic, void *arg)
{
	struct listing *l = arg;
	struct sluice_sub_stats subs[64];
	struct row *r;

	if (l->n == MAX_TOPICS)
		return 1;
	r = &l->rows[l->n];
	if (sluice_topic_stat(topic, &r->st, subs, 64) != 0)
		return 0; /* vanished or broken: not listed */
	snprintf(r->name, sizeof(r->name), "%s", topic);
	r->lost = 0;
	for (uint32_t i = 0; i < r->st.subscribers && i < 64; i++)
		r->lost += subs[i].lost;
	l->n++;
	return 0;
}

static int cmp_rows(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->name, ((const struct row *)b)->name);
}

static int ls_main(int argc, char **argv)
{
	int json = 0;
	double window = 0.25;
	struct listing l = {calloc(MAX_TOPICS, sizeof(struct row)), 0};

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--window") && i + 1 < argc)
			window = atof(argv[++i]);
		else
			return cli_error("ls", "unexpected argument \"%s\"", argv[i]);
	}
	if (!l.rows)
		return cli_error("ls", "out of memory");
	int rc = sluice_topic_list(collect, &l);
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

			if (sluice_topic_stat(l.rows[i].name, &now, NULL, 0) == 0)
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

		if (json)
			printf("%s\n  {\"topic\": \"%s\", \"type\": \"%s\", \"delivery\": \"%s\", "
			       "\"publisher_pid\": %d, \"publisher_alive\": %s, \"subscribers\": %u, "
			       "\"published\": %llu, \"rate_hz\": %.1f, \"lost\": %llu}",
			       i ? "," : "", r->name, r->st.type_name, dl, (int)r->st.publisher_pid,
			       r->st.publisher_alive ? "true" : "false", r->st.subscribers,
			       (unsigned long long)r->st.published, r->rate,
			       (unsigned long long)r->lost);
		else
			printf("%-32s %-22s %-8s %5d%s %6u %12llu %10.1f %8llu\n", r->name,
			       r->st.type_name, dl, (int)r->st.publisher_pid,
			       r->st.publisher_pid && !r->st.publisher_alive ? "!" : " ",
			       r->st.subscribers, (unsigned long long)r->st.published, r->rate,
			       (unsigned long long)r->lost);
	}
	if (json)
		printf("%s]\n", l.n ? "\n" : "");
	free(l.rows);
	return 0;
}

SLUICE_CMD(ls, "ls", "list the topics on this machine",
	   "usage: sluice ls [--json] [--window S]\n\n"
	   "Lists every topic in /dev/shm: its message type, delivery, publisher pid (marked\n"
	   "with ! when that process is dead), subscribers, messages published, the\n"
	   "rate over a short window (--window, default 0.25 s) and messages lost by\n"
	   "subscribers.  --json prints an array of objects instead.\n",
	   ls_main)
