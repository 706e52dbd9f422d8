/* ls.c - `sluice ls`: the topics on this machine, their type, publisher,
 * subscribers, rate and losses, and what in /dev/shm is broken and why;
 * with --sched, how the kernel schedules each process that uses them. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bridge.h"
#include "cmd.h"
#include "sluice/channel.h"
#include "sluice/error.h"

#define MAX_TOPICS 1024
#define ROW_PEERS 8

struct row {
	char name[SLUICE_SHM_FOUND_NAME_MAX + 1];
	char shown[4 * SLUICE_SHM_FOUND_NAME_MAX + 1]; /* escaped for the terminal */
	char invalid[256];                              /* why it is not a topic, or "" */
	unsigned uid;                                   /* who owns the object */
	struct sluice_topic_stats st;
	uint64_t lost;
	double rate;
	int bridged; /* 1 a bridge publishes it (from DDS), 2 one reads it (to DDS) */
	int32_t sub_pid[64]; /* live subscribers' processes */
	int nsub_pid;
	struct bridge_peer peers[ROW_PEERS]; /* the bridges' remote DDS peers */
	const char *peer_dir[ROW_PEERS];     /* "in" or "out" */
	int npeers;
};

struct listing {
	struct row *rows;
	int n;
	const char *prefix;
};

/* The DDS peers that bridge pid has for this topic in direction dirn. */
static void add_peers(struct row *r, int pid, const char *dirn)
{
	int n = bridge_peers_read(pid, dirn, r->name, r->peers + r->npeers,
				  ROW_PEERS - r->npeers);

	for (int i = 0; i < n; i++)
		r->peer_dir[r->npeers++] = dirn;
}

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
			if (subs[i].alive && subs[i].pid > 0)
				r->sub_pid[r->nsub_pid++] = subs[i].pid;
			if (subs[i].alive && bridge_pid_is_bridge(subs[i].pid)) {
				r->bridged |= 2;
				add_peers(r, subs[i].pid, "out");
			}
		}
	if (!r->invalid[0] && r->st.publisher_alive && bridge_pid_is_bridge(r->st.publisher_pid)) {
		r->bridged |= 1;
		add_peers(r, r->st.publisher_pid, "in");
	}
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

/* How the kernel runs a process: what a stage's cpu, sched and
 * lock_memory keys set (its spin_us is not visible from outside). */
struct proc_sched {
	char name[4 * 16 + 1]; /* its comm (a stage process: the stage's name) */
	char cpus[256];        /* the CPUs it may run on, as a list */
	const char *policy;
	int priority;
	long locked_kib; /* VmLck; -1 when unknown */
};

static void cpu_list(const cpu_set_t *set, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int c = 0; c < CPU_SETSIZE && n < len; c++) {
		int e = c;

		if (!CPU_ISSET(c, set))
			continue;
		while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, set))
			e++;
		if (e > c)
			n += (size_t)snprintf(buf + n, len - n, "%s%d-%d", n ? "," : "", c, e);
		else
			n += (size_t)snprintf(buf + n, len - n, "%s%d", n ? "," : "", c);
		c = e;
	}
}

/* 0, or -1 when the process is gone or not ours to look at. */
static int proc_sched(pid_t pid, struct proc_sched *ps)
{
	char path[64], line[128];
	struct sched_param sp;
	cpu_set_t set;
	FILE *f;
	int pol;

	memset(ps, 0, sizeof(*ps));
	ps->locked_kib = -1;
	CPU_ZERO(&set);
	if ((pol = sched_getscheduler(pid)) < 0 || sched_getparam(pid, &sp) != 0 ||
	    sched_getaffinity(pid, sizeof(set), &set) != 0)
		return -1;
	pol &= ~SCHED_RESET_ON_FORK;
	ps->policy = pol == SCHED_FIFO    ? "fifo"
		     : pol == SCHED_RR    ? "rr"
		     : pol == SCHED_BATCH ? "batch"
		     : pol == SCHED_IDLE  ? "idle"
					  : "other";
	ps->priority = sp.sched_priority;
	cpu_list(&set, ps->cpus, sizeof(ps->cpus));
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if ((f = fopen(path, "re"))) {
		char comm[17] = "";

		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
		sluice_shm_escape(comm, ps->name, sizeof(ps->name));
	}
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "re"))) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "VmLck: %ld", &ps->locked_kib) == 1)
				break;
		fclose(f);
	}
	return 0;
}

static void json_proc(pid_t pid, const char *role, int first)
{
	struct proc_sched ps;

	printf("%s{\"pid\": %d, \"role\": \"%s\"", first ? "" : ", ", (int)pid, role);
	if (proc_sched(pid, &ps) == 0) {
		printf(", \"name\": ");
		json_str(ps.name);
		printf(", \"cpus\": \"%s\", \"policy\": \"%s\", \"priority\": %d, "
		       "\"locked_kib\": %ld",
		       ps.cpus, ps.policy, ps.priority, ps.locked_kib);
	}
	printf("}");
}

/* The processes of a topic, each with how it is scheduled. */
static void json_procs(const struct row *r)
{
	int first = 1;

	printf(", \"processes\": [");
	if (r->st.publisher_pid && r->st.publisher_alive) {
		json_proc(r->st.publisher_pid, "publisher", first);
		first = 0;
	}
	for (int i = 0; i < r->nsub_pid; i++, first = 0)
		json_proc(r->sub_pid[i], "subscriber", first);
	printf("]");
}

#define MAX_PROCS 256

/* One line per process that uses a listed topic, whatever its role. */
static void print_procs(const struct listing *l)
{
	int32_t pids[MAX_PROCS];
	int n = 0;

	for (int i = 0; i < l->n; i++) {
		const struct row *r = &l->rows[i];
		int32_t cand[65];
		int nc = 0;

		if (r->invalid[0])
			continue;
		if (r->st.publisher_pid && r->st.publisher_alive)
			cand[nc++] = r->st.publisher_pid;
		for (int k = 0; k < r->nsub_pid; k++)
			cand[nc++] = r->sub_pid[k];
		for (int k = 0; k < nc; k++) {
			int seen = 0;

			for (int j = 0; j < n && !seen; j++)
				seen = pids[j] == cand[k];
			if (!seen && n < MAX_PROCS)
				pids[n++] = cand[k];
		}
	}
	printf("\n%-8s %-16s %-12s %-10s %10s  %s\n", "PID", "NAME", "CPUS", "SCHED", "LOCKED",
	       "TOPICS");
	for (int j = 0; j < n; j++) {
		struct proc_sched ps;
		char sched[32], locked[24];

		if (proc_sched(pids[j], &ps) != 0)
			continue; /* gone since, or not ours to look at */
		if (!strcmp(ps.policy, "fifo") || !strcmp(ps.policy, "rr"))
			snprintf(sched, sizeof(sched), "%s %d", ps.policy, ps.priority);
		else
			snprintf(sched, sizeof(sched), "%s", ps.policy);
		if (ps.locked_kib < 0)
			snprintf(locked, sizeof(locked), "?");
		else
			snprintf(locked, sizeof(locked), "%ld KiB", ps.locked_kib);
		printf("%-8d %-16s %-12s %-10s %10s ", (int)pids[j], ps.name, ps.cpus, sched, locked);
		for (int i = 0; i < l->n; i++) {
			const struct row *r = &l->rows[i];

			if (r->invalid[0])
				continue;
			if (r->st.publisher_pid == pids[j] && r->st.publisher_alive)
				printf(" pub:%s", r->shown);
			for (int k = 0; k < r->nsub_pid; k++)
				if (r->sub_pid[k] == pids[j])
					printf(" sub:%s", r->shown);
		}
		printf("\n");
	}
}

/* The fields were checked when read (bridge_peers_read): printable as is. */
static void json_peers(const struct row *r)
{
	printf(", \"dds_peers\": [");
	for (int i = 0; i < r->npeers; i++) {
		const struct bridge_peer *p = &r->peers[i];

		printf("%s{\"direction\": \"%s\", \"participant\": \"%s\"", i ? ", " : "",
		       r->peer_dir[i], p->guid);
		if (p->pid > 0)
			printf(", \"bridge_pid\": %d, \"host\": \"%s\"", p->pid, p->host);
		printf("}");
	}
	printf("]");
}

static void print_peers(const struct row *r)
{
	for (int i = 0; i < r->npeers; i++) {
		const struct bridge_peer *p = &r->peers[i];

		if (p->pid > 0)
			printf("    %s dds peer: sluice bridge pid %d on %s, participant %s\n",
			       strcmp(r->peer_dir[i], "in") ? "to  " : "from", p->pid, p->host,
			       p->guid);
		else
			printf("    %s dds peer: participant %s\n",
			       strcmp(r->peer_dir[i], "in") ? "to  " : "from", p->guid);
	}
}

static int cmp_rows(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->name, ((const struct row *)b)->name);
}

static int ls_main(int argc, char **argv)
{
	int json = 0, sched = 0;
	double window = 0.25;
	struct listing l = {calloc(MAX_TOPICS, sizeof(struct row)), 0, NULL};

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--sched"))
			sched = 1;
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
				printf(", \"bridged\": \"%s\"", bridged_words[r->bridged]);
			if (r->bridged)
				json_peers(r);
			if (sched)
				json_procs(r);
			printf("}");
		} else {
			printf("%-32s %-22s %-8s %5d%s %6u %12llu %10.1f %8llu%s%s\n", r->shown,
			       r->st.type_name, dl, (int)r->st.publisher_pid,
			       r->st.publisher_pid && !r->st.publisher_alive ? "!" : " ",
			       r->st.subscribers, (unsigned long long)r->st.published, r->rate,
			       (unsigned long long)r->lost, r->bridged ? "  " : "",
			       r->bridged ? bridged_words[r->bridged] : "");
			print_peers(r);
		}
	}
	if (json)
		printf("%s]\n", l.n ? "\n" : "");
	else if (sched)
		print_procs(&l);
	free(l.rows);
	return 0;
}

SLUICE_CMD(ls, "ls", "list the topics on this machine",
	   "usage: sluice ls [--json] [--window S] [--prefix /NAME] [--sched]\n\n"
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
	   "(\"bridged\" in --json), followed by one line per remote DDS peer: a\n"
	   "remote sluice bridge's pid and host, or the participant GUID of any other\n"
	   "DDS reader or writer (\"dds_peers\" in --json).  --sched adds, for each process that publishes or\n"
	   "subscribes (a pipeline's stage processes carry the stage's name), how the\n"
	   "kernel runs it: the CPUs it may use, its policy and priority and its locked\n"
	   "memory (VmLck), i.e. what a stage's cpu, sched and lock_memory keys set; a\n"
	   "stage's spin_us is in the run's summary file.\n",
	   ls_main)
