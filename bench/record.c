/* record.c - sluice-bench record: how fast recordings are written.  In one
 * run, each row the median of --reps runs, taken in turn so that the
 * machine's drift falls on all of them alike:
 *   - sluice's MCAP writer (sluice_mcap_write_message), 64 B and 64 KiB
 *     messages, uncompressed and zstd, 1 MiB chunks, into a file;
 *   - the same messages written by @mcap/core's McapWriter under Node
 *     (bench/record_mcap_core.mjs), the reference writer;
 *   - the channel's own streaming rate: a publisher process to a
 *     subscriber on one lossless topic, the same sizes;
 *   - the machine's sequential write rate to the same file system:
 *     write() of 64 KiB blocks;
 * every file row ends with fsync() inside the timing.  Then `sluice
 * record` (the CLI, a process of its own) on a lossless topic a publisher
 * process paces at --live-rate messages/s of 64 B for --live-seconds:
 * whether the publisher kept its rate (a lossless topic slows it when the
 * recorder falls behind), and what the file holds. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "sluice/channel.h"
#include "sluice/error.h"
#include "sluice/record.h"
#include "sluice/shm.h"

#ifndef SLUICE_SOURCE_DIR
#define SLUICE_SOURCE_DIR "."
#endif

#define REC_MAX_ROWS 16
#define REC_MAX_REPS 9
#define BIG          65536

struct rec_opts {
	long small, big; /* messages of 64 B, of 64 KiB */
	int reps;
	const char *dir, *json, *sluice, *node_script;
	double live_rate, live_seconds; /* 0 seconds: no live row */
};

struct rec_row {
	const char *what;        /* sluice, mcap_core, channel, seqwrite */
	const char *compression; /* none, zstd, "" */
	size_t size;
	long messages;
	double secs[REC_MAX_REPS];
	int nsecs;
	const char *skipped; /* why, or NULL */
};

struct live_result {
	int ran;
	const char *skipped;
	double target_rate, seconds;
	uint64_t published, recorded, lost;
	double publish_secs; /* the publisher's own time for them */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Message i: the 8-byte little-endian i, then byte k = (7k + 13i) & 255;
 * bench/record_mcap_core.mjs makes the same.  The pattern repeats every
 * 256 messages, so 256 are made and i is written into each as it goes. */
static unsigned char *make_messages(size_t size)
{
	unsigned char *m = malloc(256 * size);

	if (!m)
		return NULL;
	for (unsigned i = 0; i < 256; i++)
		for (size_t k = 0; k < size; k++)
			m[i * size + k] = (unsigned char)((7 * k + 13 * i) & 255);
	return m;
}

static const unsigned char *message(unsigned char *m, size_t size, uint64_t i)
{
	unsigned char *p = m + (i % 256) * size;

	if (size >= 8)
		for (int b = 0; b < 8; b++)
			p[b] = (unsigned char)(i >> (8 * b));
	return p;
}

static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -errno;
	rc = fsync(fd) ? -errno : 0;
	close(fd);
	return rc;
}

static int time_sluice(const char *path, size_t size, long n, const char *comp, double *secs)
{
	struct sluice_mcap_writer_opts wo = {.compression = comp};
	struct sluice_mcap_writer *w;
	unsigned char *m = make_messages(size);
	uint16_t ch;
	int rc;

	if (!m)
		return -ENOMEM;
	uint64_t t0 = now_ns();

	rc = sluice_mcap_writer_open(path, &wo, &w);
	if (rc) {
		free(m);
		return rc;
	}
	rc = sluice_mcap_add_channel(w, 0, "bench", "", &ch);
	for (long i = 0; i < n && !rc; i++) {
		uint64_t t = 1700000000000000000ull + (uint64_t)i;

		rc = sluice_mcap_write_message(w, ch, (uint32_t)i, t, t, message(m, size, (uint64_t)i),
					       size);
	}
	int crc = sluice_mcap_writer_close(w);

	if (!rc)
		rc = crc;
	if (!rc)
		rc = fsync_path(path);
	*secs = (double)(now_ns() - t0) / 1e9;
	free(m);
	unlink(path);
	return rc;
}

static int time_seqwrite(const char *path, long n, double *secs)
{
	unsigned char *m = make_messages(BIG);
	int fd, rc = 0;

	if (!m)
		return -ENOMEM;
	uint64_t t0 = now_ns();

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(m);
		return -errno;
	}
	for (long i = 0; i < n && !rc; i++) {
		const unsigned char *p = message(m, BIG, (uint64_t)i);
		size_t left = BIG;

		while (left && !rc) {
			ssize_t k = write(fd, p + (BIG - left), left);

			if (k < 0 && errno != EINTR)
				rc = -errno;
			else if (k > 0)
				left -= (size_t)k;
		}
	}
	if (!rc && fsync(fd))
		rc = -errno;
	close(fd);
	*secs = (double)(now_ns() - t0) / 1e9;
	free(m);
	unlink(path);
	return rc;
}

static int have_node(const struct rec_opts *o, const char **why)
{
	char pkg[PATH_MAX];
	const char *dir = strrchr(o->node_script, '/');

	if (access(o->node_script, R_OK)) {
		*why = "bench/record_mcap_core.mjs not found (--node-script)";
		return 0;
	}
	if (system("command -v node >/dev/null 2>&1") != 0) {
		*why = "node not installed (scripts/deps.sh check installs it)";
		return 0;
	}
	/* node_modules beside the script's folder: the source tree's */
	snprintf(pkg, sizeof(pkg), "%.*s/../node_modules/@mcap/core/package.json",
		 dir ? (int)(dir - o->node_script) : 1, dir ? o->node_script : ".");
	if (access(pkg, R_OK)) {
		*why = "@mcap/core not installed (scripts/deps.sh check runs npm ci)";
		return 0;
	}
	return 1;
}

static int time_node(const struct rec_opts *o, const char *path, size_t size, long n,
		     const char *comp, double *secs)
{
	char cmd[PATH_MAX * 3], line[256];
	FILE *p;
	int rc = -EIO;

	snprintf(cmd, sizeof(cmd), "node '%s' '%s' %zu %ld %s", o->node_script, path, size, n, comp);
	p = popen(cmd, "r");
	if (!p)
		return -errno;
	if (fgets(line, sizeof(line), p)) {
		const char *s = strstr(line, "\"seconds\":");

		if (s && sscanf(s + 10, "%lf", secs) == 1)
			rc = 0;
	}
	if (pclose(p) != 0)
		rc = -EIO;
	unlink(path);
	return rc;
}

/* A publisher process streams n messages to this process's subscriber. */
static int time_channel(size_t size, long n, double *secs)
{
	char topic[64];
	struct sluice_topic_opts to = {.slot_size = (uint32_t)size,
				       .slot_count = size > 4096 ? 64 : 1024,
				       .delivery = SLUICE_LOSSLESS,
				       .type_name = "bench.Bytes"};
	struct sluice_sub_opts so = {.join = SLUICE_JOIN_OLDEST};
	struct sluice_sub *sub;
	int rc, status;

	snprintf(topic, sizeof(topic), "/sbrecch.%ld", (long)getpid());
	sluice_shm_unlink(topic);
	if ((rc = sluice_topic_create(topic, &to)) != 0)
		return rc;
	if ((rc = sluice_sub_open(topic, &so, &sub)) != 0) {
		sluice_shm_unlink(topic);
		return rc;
	}
	uint64_t t0 = now_ns();
	pid_t pid = fork();

	if (pid == 0) {
		struct sluice_pub *pub;
		unsigned char *m = make_messages(size);

		if (!m || sluice_pub_open(topic, &to, &pub))
			_exit(1);
		for (long i = 0; i < n; i++)
			if (sluice_pub_publish(pub, message(m, size, (uint64_t)i), size,
					       5000000000LL))
				_exit(1);
		sluice_pub_close(pub);
		_exit(0);
	}
	if (pid < 0) {
		rc = -errno;
		goto out;
	}
	for (long got = 0; got < n && !rc;) {
		struct sluice_msg msg;

		rc = sluice_sub_take(sub, &msg, 5000000000LL);
		if (!rc) {
			got++;
			if (sluice_sub_release(sub, &msg))
				rc = -SLUICE_ETORN;
		}
	}
	*secs = (double)(now_ns() - t0) / 1e9;
	waitpid(pid, &status, 0);
	if (!rc && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		rc = -EIO;
out:
	sluice_sub_close(sub);
	sluice_shm_unlink(topic);
	return rc;
}

/* --- sluice record on a paced lossless topic ----------------------------- */

struct live_shared {
	uint64_t published;
	uint64_t secs_ns;
	int err;
};

static void live_publisher(const char *topic, const struct rec_opts *o, struct live_shared *sh)
{
	struct sluice_topic_opts to = {.slot_size = 64, .slot_count = 1u << 16,
				       .delivery = SLUICE_LOSSLESS, .type_name = "bench.Bytes"};
	struct sluice_topic_stats st;
	struct sluice_pub *pub;
	unsigned char *m = make_messages(64);
	uint64_t total = (uint64_t)(o->live_rate * o->live_seconds), batch, i = 0, t0;
	double ns_per_msg = 1e9 / o->live_rate;

	if (!m || sluice_pub_open(topic, &to, &pub)) {
		sh->err = 1;
		_exit(1);
	}
	/* until the recorder has joined (it looks for topics every 200 ms) */
	for (t0 = now_ns(); now_ns() - t0 < 10000000000ull;) {
		if (!sluice_topic_stat(topic, &st, NULL, 0) && st.subscribers > 0)
			break;
		nanosleep(&(struct timespec){0, 5000000}, NULL);
	}
	/* batches of 1 ms worth, each started at its time */
	batch = (uint64_t)(o->live_rate / 1000) ? (uint64_t)(o->live_rate / 1000) : 1;
	t0 = now_ns();
	while (i < total) {
		uint64_t due = t0 + (uint64_t)((double)i * ns_per_msg);

		while (now_ns() < due)
			;
		for (uint64_t k = 0; k < batch && i < total; k++, i++)
			if (sluice_pub_publish(pub, message(m, 64, i), 64, 10000000000LL)) {
				sh->err = 2;
				goto done;
			}
	}
done:
	sh->secs_ns = now_ns() - t0;
	sh->published = i;
	sluice_pub_close(pub);
	free(m);
	_exit(sh->err ? 1 : 0);
}

struct count_arg {
	const char *channel; /* the losses' key */
	uint64_t msgs;
	uint64_t lost;
};

static int count_rec(const struct sluice_mcap_rec *r, void *arg)
{
	struct count_arg *c = arg;
	struct sluice_mcap_str v;

	if (r->kind == SLUICE_MCAP_MESSAGE)
		c->msgs++;
	else if (r->kind == SLUICE_MCAP_METADATA && r->name.len == 13 &&
		 !memcmp(r->name.p, "sluice.losses", 13) &&
		 sluice_mcap_map_get(r->data, r->len, c->channel, &v) && v.len < 24) {
		char num[24];

		memcpy(num, v.p, v.len);
		num[v.len] = 0;
		c->lost += strtoull(num, NULL, 10);
	}
	return 0;
}

static void run_live(const struct rec_opts *o, struct live_result *res)
{
	char topic[64], path[PATH_MAX];
	struct live_shared *sh;
	pid_t pub, rec;
	int status;

	res->target_rate = o->live_rate;
	res->seconds = o->live_seconds;
	if (access(o->sluice, X_OK)) {
		res->skipped = "the sluice CLI was not found (--sluice)";
		return;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		res->skipped = "mmap failed";
		return;
	}
	memset(sh, 0, sizeof(*sh));
	snprintf(topic, sizeof(topic), "/sbreclive.%ld", (long)getpid());
	snprintf(path, sizeof(path), "%s/sluice-bench-live-%ld.mcap", o->dir, (long)getpid());
	sluice_shm_unlink(topic);
	rec = fork();
	if (rec == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, 2);
		execl(o->sluice, "sluice", "record", "-o", path, topic, (char *)NULL);
		_exit(127);
	}
	pub = fork();
	if (pub == 0)
		live_publisher(topic, o, sh);
	waitpid(pub, &status, 0);
	/* the recorder has taken everything when it lets go of the topic */
	struct sluice_topic_stats st;
	uint64_t t0 = now_ns();

	while (now_ns() - t0 < 20000000000ull && !sluice_topic_stat(topic, &st, NULL, 0) &&
	       st.subscribers > 0)
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	kill(rec, SIGINT);
	waitpid(rec, &status, 0);
	res->published = sh->published;
	res->publish_secs = (double)sh->secs_ns / 1e9;
	if (sh->err || !WIFEXITED(status) || WEXITSTATUS(status)) {
		res->skipped = sh->err ? "the publisher failed" : "sluice record failed";
	} else {
		void *buf;
		size_t len;
		struct count_arg c = {.channel = topic + 1};

		if (sluice_mcap_load(path, &buf, &len) == 0) {
			if (sluice_mcap_scan(buf, len, 0, count_rec, &c, NULL) == 0) {
				res->recorded = c.msgs;
				res->lost = c.lost;
				res->ran = 1;
			} else {
				res->skipped = "the recording is refused";
			}
			free(buf);
		} else {
			res->skipped = "no recording";
		}
	}
	unlink(path);
	sluice_shm_unlink(topic);
	munmap(sh, sizeof(*sh));
}

/* --- the table ------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const struct rec_row *r)
{
	double s[REC_MAX_REPS];

	memcpy(s, r->secs, sizeof(double) * (size_t)r->nsecs);
	qsort(s, (size_t)r->nsecs, sizeof(double), cmp_double);
	return r->nsecs % 2 ? s[r->nsecs / 2] : (s[r->nsecs / 2 - 1] + s[r->nsecs / 2]) / 2;
}

static double rate(const struct rec_row *r)
{
	return r->nsecs ? (double)r->messages / median(r) : 0;
}

static double mbps(const struct rec_row *r)
{
	return r->nsecs ? (double)r->messages * (double)r->size / median(r) / 1e6 : 0;
}

static const struct rec_row *find_row(const struct rec_row *rows, int n, const char *what,
				      const char *comp, size_t size)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(rows[i].what, what) && !strcmp(rows[i].compression, comp) &&
		    rows[i].size == size && rows[i].nsecs)
			return &rows[i];
	return NULL;
}

static void print_table(FILE *f, const struct rec_opts *o, const struct rec_row *rows, int n,
			const struct live_result *live)
{
	fprintf(f,
		"record: MCAP writing into %s, median of %d runs each (fsync inside every file "
		"row)\n",
		o->dir, o->reps);
	fprintf(f, "%-10s %-5s %7s %9s | %12s %10s\n", "writer", "comp", "size", "messages",
		"msgs/s", "MB/s");
	for (int i = 0; i < n; i++) {
		const struct rec_row *r = &rows[i];

		if (r->skipped) {
			fprintf(f, "%-10s %-5s %7zu %9ld | skipped: %s\n", r->what, r->compression,
				r->size, r->messages, r->skipped);
			continue;
		}
		fprintf(f, "%-10s %-5s %7zu %9ld | %12.0f %10.1f\n", r->what, r->compression,
			r->size, r->messages, rate(r), mbps(r));
	}
	const struct rec_row *s64 = find_row(rows, n, "sluice", "none", 64),
			     *m64 = find_row(rows, n, "mcap_core", "none", 64),
			     *z64 = find_row(rows, n, "sluice", "zstd", 64),
			     *mz64 = find_row(rows, n, "mcap_core", "zstd", 64),
			     *sbig = find_row(rows, n, "sluice", "none", BIG),
			     *seq = find_row(rows, n, "seqwrite", "", BIG);

	if (s64 && m64)
		fprintf(f, "sluice / @mcap/core msgs/s at 64 B: %.1fx uncompressed", rate(s64) / rate(m64));
	if (z64 && mz64)
		fprintf(f, ", %.1fx zstd", rate(z64) / rate(mz64));
	if (s64 && m64)
		fprintf(f, " (goal >= 10x)\n");
	if (sbig && seq)
		fprintf(f, "sluice at 64 KiB / sequential write(): %.2fx (goal >= 0.8x)\n",
			mbps(sbig) / mbps(seq));
	if (live->skipped)
		fprintf(f, "sluice record live: skipped: %s\n", live->skipped);
	else if (live->ran)
		fprintf(f,
			"sluice record live: a lossless 64 B topic paced at %.0f msgs/s for %.1f s: "
			"published %llu in %.2f s (%.0f msgs/s), recorded %llu, lost %llu\n",
			live->target_rate, live->seconds, (unsigned long long)live->published,
			live->publish_secs, (double)live->published / live->publish_secs,
			(unsigned long long)live->recorded, (unsigned long long)live->lost);
}

static void write_json(FILE *f, const struct rec_row *rows, int n, const struct live_result *live)
{
	fprintf(f, "[");
	for (int i = 0; i < n; i++) {
		const struct rec_row *r = &rows[i];

		fprintf(f,
			"%s\n  {\"writer\": \"%s\", \"compression\": \"%s\", \"size\": %zu, "
			"\"messages\": %ld, \"runs\": %d, ",
			i ? "," : "", r->what, r->compression, r->size, r->messages, r->nsecs);
		if (r->skipped)
			fprintf(f, "\"skipped\": \"%s\"}", r->skipped);
		else
			fprintf(f, "\"seconds_median\": %.6f, \"msgs_per_s\": %.1f, \"mb_per_s\": %.3f}",
				median(r), rate(r), mbps(r));
	}
	if (live->skipped)
		fprintf(f, ",\n  {\"writer\": \"sluice_record_live\", \"skipped\": \"%s\"}",
			live->skipped);
	else if (live->ran)
		fprintf(f,
			",\n  {\"writer\": \"sluice_record_live\", \"size\": 64, \"target_rate\": %.0f, "
			"\"seconds\": %.3f, \"published\": %llu, \"publish_seconds\": %.6f, "
			"\"publish_rate\": %.1f, \"recorded\": %llu, \"lost\": %llu}",
			live->target_rate, live->seconds, (unsigned long long)live->published,
			live->publish_secs, (double)live->published / live->publish_secs,
			(unsigned long long)live->recorded, (unsigned long long)live->lost);
	fprintf(f, "\n]\n");
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluice-bench record [options]\n"
		"  --small N           64-byte messages per row (default 500000)\n"
		"  --big N             64 KiB messages per row (default 2048: 128 MiB)\n"
		"  --reps N            runs per row, the median reported (default 3, at most %d)\n"
		"  --dir DIR           where the files go (default $TMPDIR or /tmp)\n"
		"  --live-rate R       sluice record's topic: messages/s (default 1000000)\n"
		"  --live-seconds S    ... for S seconds (default 10; 0: no live row)\n"
		"  --sluice PATH       the sluice CLI (default: beside sluice-bench)\n"
		"  --node-script PATH  bench/record_mcap_core.mjs (default: the source tree's)\n"
		"  --smoke             a short run (small counts, 1 run, a 0.5 s live row)\n"
		"  --json PATH         also write the rows as a JSON array ('-': stdout,\n"
		"                      the table then goes to stderr)\n",
		REC_MAX_REPS);
}

static int parse_opts(int argc, char **argv, struct rec_opts *o, char *self_dir)
{
	static const struct option lo[] = {{"small", required_argument, 0, 's'},
					   {"big", required_argument, 0, 'b'},
					   {"reps", required_argument, 0, 'r'},
					   {"dir", required_argument, 0, 'd'},
					   {"live-rate", required_argument, 0, 'l'},
					   {"live-seconds", required_argument, 0, 't'},
					   {"sluice", required_argument, 0, 'x'},
					   {"node-script", required_argument, 0, 'n'},
					   {"json", required_argument, 0, 'j'},
					   {"smoke", no_argument, 0, 'k'},
					   {"help", no_argument, 0, 'h'},
					   {0, 0, 0, 0}};
	static char sluice_path[PATH_MAX + 8];
	const char *tmp = getenv("TMPDIR");
	char *end;
	int c;

	*o = (struct rec_opts){.small = 500000, .big = 2048, .reps = 3,
			       .dir = tmp && *tmp ? tmp : "/tmp", .live_rate = 1e6,
			       .live_seconds = 10,
			       .node_script = SLUICE_SOURCE_DIR "/bench/record_mcap_core.mjs"};
	snprintf(sluice_path, sizeof(sluice_path), "%s/sluice", self_dir);
	o->sluice = sluice_path;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'b':
		case 'r': {
			long v = strtol(optarg, &end, 10);

			if (*end || v < 1 || (c == 'r' && v > REC_MAX_REPS) || v > 100000000)
				goto bad;
			if (c == 's')
				o->small = v;
			else if (c == 'b')
				o->big = v;
			else
				o->reps = (int)v;
			break;
		}
		case 'l':
		case 't': {
			double v = strtod(optarg, &end);

			if (*end || !(v >= 0 && v <= 1e8) || (c == 'l' && v < 1))
				goto bad;
			*(c == 'l' ? &o->live_rate : &o->live_seconds) = v;
			break;
		}
		case 'd':
			o->dir = optarg;
			break;
		case 'x':
			o->sluice = optarg;
			break;
		case 'n':
			o->node_script = optarg;
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'k':
			o->small = 20000;
			o->big = 32;
			o->reps = 1;
			o->live_rate = 100000;
			o->live_seconds = 0.5;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			goto bad;
		}
	}
	if (optind == argc)
		return 0;
bad:
	usage(stderr);
	return -1;
}

static int cmd_record(int argc, char **argv)
{
	struct rec_opts o;
	struct rec_row rows[REC_MAX_ROWS];
	struct live_result live = {0};
	char self[PATH_MAX - 8], path[PATH_MAX];
	ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
	const char *why = NULL;
	int n = 0, failed = 0, rc;

	self[k > 0 ? k : 0] = 0;
	if (strrchr(self, '/'))
		*strrchr(self, '/') = 0;
	rc = parse_opts(argc, argv, &o, self);
	if (rc)
		return rc > 0 ? 0 : 2;
	FILE *table = o.json && !strcmp(o.json, "-") ? stderr : stdout;
	int node = have_node(&o, &why);

	if (!node)
		fprintf(stderr, "record: @mcap/core rows skipped: %s\n", why);
	for (int z = 0; z < 2; z++) {
		size_t size = z ? BIG : 64;
		long cnt = z ? o.big : o.small;

		rows[n++] = (struct rec_row){.what = "sluice", .compression = "none", .size = size,
					     .messages = cnt};
		rows[n++] = (struct rec_row){.what = "sluice", .compression = "zstd", .size = size,
					     .messages = cnt};
		rows[n++] = (struct rec_row){.what = "mcap_core", .compression = "none",
					     .size = size, .messages = cnt,
					     .skipped = node ? NULL : why};
		rows[n++] = (struct rec_row){.what = "mcap_core", .compression = "zstd",
					     .size = size, .messages = cnt,
					     .skipped = node ? NULL : why};
		rows[n++] = (struct rec_row){.what = "channel", .compression = "", .size = size,
					     .messages = cnt};
	}
	rows[n++] = (struct rec_row){.what = "seqwrite", .compression = "", .size = BIG,
				     .messages = o.big};
	snprintf(path, sizeof(path), "%s/sluice-bench-record-%ld.mcap", o.dir, (long)getpid());
	for (int rep = 0; rep < o.reps; rep++)
		for (int i = 0; i < n; i++) {
			struct rec_row *r = &rows[i];
			double secs = 0;

			if (r->skipped)
				continue;
			if (!strcmp(r->what, "sluice"))
				rc = time_sluice(path, r->size, r->messages, r->compression, &secs);
			else if (!strcmp(r->what, "mcap_core"))
				rc = time_node(&o, path, r->size, r->messages, r->compression, &secs);
			else if (!strcmp(r->what, "channel"))
				rc = time_channel(r->size, r->messages, &secs);
			else
				rc = time_seqwrite(path, r->messages, &secs);
			if (rc) {
				fprintf(stderr, "record: %s %s %zu B: %s\n", r->what, r->compression,
					r->size, sluice_strerror(rc));
				r->skipped = "failed";
				failed = 1;
				continue;
			}
			r->secs[r->nsecs++] = secs;
		}
	if (o.live_seconds > 0)
		run_live(&o, &live);
	if (live.skipped && strcmp(live.skipped, "the sluice CLI was not found (--sluice)"))
		failed = 1;
	print_table(table, &o, rows, n, &live);
	if (o.json) {
		FILE *f = strcmp(o.json, "-") ? fopen(o.json, "w") : stdout;

		if (!f) {
			fprintf(stderr, "record: cannot write %s: %s\n", o.json, strerror(errno));
			return 1;
		}
		write_json(f, rows, n, &live);
		if (f != stdout)
			fclose(f);
		else
			fflush(f);
	}
	return failed;
}

SLUICE_BENCH(record, "MCAP writing: sluice vs @mcap/core, the channel, sequential write; sluice "
		     "record live",
	     cmd_record)
