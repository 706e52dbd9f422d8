/* test_record.c - MCAP recordings: the writer and reader agree, `sluice
 * record` copies a real publisher's messages with the topic's own schema
 * (and flatc decodes one taken out of the file), a file cut at random
 * points is recovered up to its last complete chunk, and damaged files are
 * refused with the reason. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sluice/channel.h"
#include "sluice/error.h"
#include "sluice/fb_json.h"
#include "sluice/record.h"
#include "testutil.h"

/* Has @mcap/core, the reference implementation, read path: all its
 * records and CRCs, the summary and the indexes?  Skipped (said once)
 * when node or the package is missing. */
static void node_check(const char *path, const char *bfbs, uint64_t messages)
{
	static int said;
	char out[160], cmd[1024], expr[64];

	if (!NODE_BIN[0] || access(MCAP_CORE_PKG, R_OK)) {
		if (!said++)
			fprintf(stderr, "test_record: node or @mcap/core missing (scripts/deps.sh "
					"check installs them): not read by @mcap/core\n");
		return;
	}
	snprintf(out, sizeof(out), "%s.node.json", path);
	snprintf(cmd, sizeof(cmd), "'%s' '%s' '%s' %s%s%s > '%s'", NODE_BIN, CHECK_MCAP, path,
		 bfbs ? "'" : "", bfbs ? bfbs : "", bfbs ? "'" : "", out);
	ck_assert_msg(system(cmd) == 0, "@mcap/core refused %s", path);
	ck_assert_double_eq(tu_json_number(out, "s[\"messages\"]"), (double)messages);
	ck_assert_double_eq(tu_json_number(out, "s[\"indexed_messages\"]"), (double)messages);
	ck_assert_double_eq(tu_json_number(out, "s[\"statistics_messages\"]"), (double)messages);
	if (bfbs) {
		snprintf(expr, sizeof(expr), "s[\"schemas_match\"] is True");
		ck_assert_double_eq(tu_json_number(out, expr), 1);
	}
	unlink(out);
}

static void *slurp(const char *path, size_t *len)
{
	void *buf;
	ck_assert_int_eq(sluice_mcap_load(path, &buf, len), 0);
	return buf;
}

static void spill(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	fclose(f);
}

/* Every file a test writes lies in one folder made by main() and removed
 * after the suite, pass or fail. */
static char workdir[64];

static void tmpfile_name(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "%s/%d-%s.mcap", workdir, (int)getpid(), tag);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* What a scan saw. */
struct seen {
	uint64_t per_channel[4];
	uint64_t msgs, chunks;
	uint32_t next_seq[4];
	int seq_ok;
	const void *schema;
	uint64_t schema_len;
	/* chunk ends and the messages before them, for the truncation test */
	uint64_t chunk_end[4096], msgs_at_end[4096];
	int losses_seen;
	unsigned char first_msg[512]; /* a copy: a compressed chunk's bytes go */
	uint64_t first_len;
};

static int see(const struct sluice_mcap_rec *r, void *arg)
{
	struct seen *s = arg;

	switch (r->kind) {
	case SLUICE_MCAP_SCHEMA:
		s->schema = r->data;
		s->schema_len = r->len;
		break;
	case SLUICE_MCAP_MESSAGE:
		if (r->channel_id < 4) {
			if (s->per_channel[r->channel_id] && r->sequence != s->next_seq[r->channel_id])
				s->seq_ok = 0;
			s->next_seq[r->channel_id] = r->sequence + 1;
			s->per_channel[r->channel_id]++;
		}
		if (!s->msgs && r->len <= sizeof(s->first_msg)) {
			memcpy(s->first_msg, r->data, r->len);
			s->first_len = r->len;
		}
		s->msgs++;
		break;
	case SLUICE_MCAP_METADATA:
		if (r->name.len == 13 && !memcmp(r->name.p, "sluice.losses", 13))
			s->losses_seen = 1;
		break;
	case SLUICE_MCAP_CHUNK:
		if (s->chunks < 4096) {
			/* opcode, length, 2 times, size, crc, compression, records */
			s->chunk_end[s->chunks] =
				r->offset + 9 + 8 * 3 + 4 + 4 + r->encoding.len + 8 + r->len;
			s->msgs_at_end[s->chunks] = s->msgs;
		}
		s->chunks++;
		break;
	}
	return 0;
}

/* Writes nmsg messages round-robin on three channels, chunk_size small so
 * that there are many chunks. */
static const char *const compressions[] = {"none", "zstd", "lz4"};

static void write_sample(const char *path, int nmsg, uint64_t chunk_size, const char *comp)
{
	struct sluice_mcap_writer *w;
	struct sluice_mcap_writer_opts o = {.chunk_size = chunk_size, .compression = comp};
	static const unsigned char schema[] = "not really a bfbs, only bytes";
	uint16_t sid, ch[3];
	const char *kv[] = {"a", "1", "b", "2"};

	ck_assert_int_eq(sluice_mcap_writer_open(path, &o, &w), 0);
	ck_assert_int_eq(sluice_mcap_add_schema(w, "t.T", "flatbuffer", schema, sizeof(schema), &sid),
			 0);
	for (int i = 0; i < 3; i++) {
		char topic[16];
		snprintf(topic, sizeof(topic), "topic%d", i);
		ck_assert_int_eq(sluice_mcap_add_channel(w, sid, topic, "flatbuffer", &ch[i]), 0);
	}
	for (int i = 0; i < nmsg; i++) {
		unsigned char data[40];
		memset(data, i & 0xff, sizeof(data));
		ck_assert_int_eq(sluice_mcap_write_message(w, ch[i % 3], (uint32_t)(i / 3),
							   1000 + (uint64_t)i, 900 + (uint64_t)i,
							   data, 1 + (size_t)i % 40),
				 0);
	}
	ck_assert_int_eq(sluice_mcap_add_metadata(w, "sluice.losses", kv, 2), 0);
	ck_assert_int_eq(sluice_mcap_writer_close(w), 0);
}

START_TEST(write_then_read)
{
	char path[128];
	size_t len;
	struct seen *s = calloc(1, sizeof(*s));
	struct sluice_mcap_result res;

	tmpfile_name(path, sizeof(path), "wr");
	write_sample(path, 3000, 2048, compressions[_i]);
	void *buf = slurp(path, &len);
	s->seq_ok = 1;
	ck_assert_int_eq(sluice_mcap_scan(buf, len, 0, see, s, &res), 0);
	ck_assert_int_eq(res.complete, 1);
	ck_assert_uint_eq(res.messages, 3000);
	ck_assert_uint_eq(res.summary_messages, 3000);
	ck_assert_uint_eq(res.channels, 3);
	ck_assert_uint_eq(res.schemas, 1);
	ck_assert_uint_gt(res.chunks, 20);
	ck_assert_uint_eq(res.start_time, 1000);
	ck_assert_uint_eq(res.end_time, 3999);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(s->per_channel[i], 1000);
	ck_assert_int_eq(s->seq_ok, 1);
	ck_assert_int_eq(s->losses_seen, 1);
	node_check(path, NULL, 3000);
	free(buf);
	free(s);
	unlink(path);
}
END_TEST

static uint64_t le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Every offset the summary gives: each ChunkIndex's chunk and its
 * MessageIndexes, each MetadataIndex's record, with their lengths. */
static void check_summary_offsets(const unsigned char *f, size_t len, uint64_t *nmeta)
{
	ck_assert_uint_ge(len, 8 + 29 + 8);
	const unsigned char *foot = f + len - 8 - 29;
	ck_assert_uint_eq(foot[0], 0x02);
	uint64_t at = le(foot + 9, 8), end = le(foot + 17, 8);
	uint64_t nchunks = 0;

	ck_assert_uint_gt(at, 0);
	*nmeta = 0;
	while (at < end) {
		uint8_t op = f[at];
		uint64_t rlen = le(f + at + 1, 8);
		const unsigned char *r = f + at + 9;

		ck_assert_uint_le(at + 9 + rlen, len);
		if (op == 0x08) { /* ChunkIndex */
			uint64_t off = le(r + 16, 8), clen = le(r + 24, 8);
			uint32_t maplen = (uint32_t)le(r + 32, 4);

			ck_assert_uint_eq(f[off], 0x06);
			ck_assert_uint_eq(9 + le(f + off + 1, 8), clen);
			for (uint32_t i = 0; i < maplen; i += 10) {
				uint64_t mi = le(r + 36 + i + 2, 8);
				ck_assert_uint_eq(f[mi], 0x07);
				ck_assert_uint_eq(le(f + mi + 9, 2), le(r + 36 + i, 2));
			}
			nchunks++;
		} else if (op == 0x0d) { /* MetadataIndex */
			uint64_t off = le(r, 8), mlen = le(r + 8, 8);

			ck_assert_uint_eq(f[off], 0x0c);
			ck_assert_uint_eq(9 + le(f + off + 1, 8), mlen);
			(*nmeta)++;
		}
		at += 9 + rlen;
	}
	ck_assert_uint_gt(nchunks, 3);
}

/* Full-size chunks of messages up to 100 KiB, metadata between them: the
 * chunks' CRCs (computed while they fill), the data section's and every
 * offset in the summary, read by @mcap/core too. */
START_TEST(big_messages_full_chunks)
{
	char path[128];
	struct sluice_mcap_writer *w;
	struct sluice_mcap_writer_opts o = {.compression = compressions[_i]};
	const char *kv[] = {"k", "v"};
	size_t len, max = 100000;
	unsigned char *data = malloc(max);
	uint64_t nmeta, x = 12345;
	uint16_t ch[2];
	int n = 200;

	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < max; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		data[i] = (unsigned char)(x >> 56);
	}
	tmpfile_name(path, sizeof(path), "big");
	ck_assert_int_eq(sluice_mcap_writer_open(path, &o, &w), 0);
	ck_assert_int_eq(sluice_mcap_add_channel(w, 0, "a", "", &ch[0]), 0);
	ck_assert_int_eq(sluice_mcap_add_channel(w, 0, "b", "", &ch[1]), 0);
	for (int i = 0; i < n; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		size_t sz = i % 7 == 0 ? (size_t)(x >> 40) % 64 : (size_t)(x >> 40) % max;

		ck_assert_int_eq(sluice_mcap_write_message(w, ch[i % 2], (uint32_t)(i / 2),
							   (uint64_t)i, (uint64_t)i,
							   data + (x >> 20) % (max - sz + 1), sz),
				 0);
		if (i % 25 == 24)
			ck_assert_int_eq(sluice_mcap_add_metadata(w, "m", kv, 1), 0);
	}
	ck_assert_int_eq(sluice_mcap_writer_close(w), 0);
	unsigned char *buf = slurp(path, &len);
	struct sluice_mcap_result res;

	ck_assert_int_eq(sluice_mcap_scan(buf, len, 0, NULL, NULL, &res), 0);
	ck_assert_int_eq(res.complete, 1);
	ck_assert_uint_eq(res.messages, (uint64_t)n);
	ck_assert_uint_eq(res.metadata, 8);
	check_summary_offsets(buf, len, &nmeta);
	ck_assert_uint_eq(nmeta, 8);
	node_check(path, NULL, (uint64_t)n);
	free(buf);
	free(data);
	unlink(path);
}
END_TEST

/* Every message verifies against the schema the file carries, under the
 * schema's name (copied out first: a FlatBuffer wants its alignment). */
struct verify_all {
	const void *schema;
	uint64_t schema_len;
	char name[128];
	uint64_t ok, bad;
};

static int verify_msg(const struct sluice_mcap_rec *r, void *arg)
{
	struct verify_all *v = arg;
	static _Alignas(16) unsigned char copy[1024];

	if (r->kind == SLUICE_MCAP_SCHEMA && r->name.len < sizeof(v->name)) {
		v->schema = r->data; /* outside chunks: the file's own bytes */
		v->schema_len = r->len;
		memcpy(v->name, r->name.p, r->name.len);
		v->name[r->name.len] = 0;
	} else if (r->kind == SLUICE_MCAP_MESSAGE) {
		if (r->len <= sizeof(copy)) {
			memcpy(copy, r->data, r->len);
			if (sluice_fb_json_verify(v->schema, v->schema_len, v->name, copy, r->len,
						  NULL) == 0) {
				v->ok++;
				return 0;
			}
		}
		v->bad++;
	}
	return 0;
}

static int run_prog(char *const argv[], int timeout_ms, const char *out_path)
{
	pid_t pid = tu_fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (out_path) {
			int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			dup2(fd, 1);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return tu_wait(pid, timeout_ms);
}

/* A real publisher process: waits for a subscriber, publishes n copies of
 * the sample message (lossless), closes. */
static void publisher(const char *topic, const void *bfbs, size_t bfbs_len, const void *msg,
		      size_t msg_len, int n, uint32_t delivery, pid_t pause)
{
	struct sluice_topic_opts o = {.type_name = "sluice.msg.GpsFix", .schema = bfbs,
				      .schema_len = bfbs_len, .slot_size = 256, .slot_count = 16,
				      .delivery = delivery};
	struct sluice_pub *pub;
	struct sluice_topic_stats st;

	if (sluice_pub_open(topic, &o, &pub))
		_exit(3);
	for (int i = 0; i < 1000; i++) {
		if (sluice_topic_stat(topic, &st, NULL, 0) == 0 && st.subscribers > 0)
			break;
		usleep(10000);
	}
	if (pause) /* the subscriber sleeps while a lossy topic laps it */
		kill(pause, SIGSTOP);
	for (int i = 0; i < n; i++)
		if (sluice_pub_publish(pub, msg, msg_len, 5000000000LL))
			_exit(4);
	if (pause)
		kill(pause, SIGCONT);
	sluice_pub_close(pub);
	_exit(0);
}

START_TEST(record_real_publisher)
{
	char topic[64], path[128], msgpath[128], outdir[128], cmd[512];
	size_t bfbs_len, msg_len, len;
	void *bfbs = slurp(GPS_BFBS, &bfbs_len), *msg = slurp(GPS_SAMPLE, &msg_len);
	struct seen *s = calloc(1, sizeof(*s));
	struct sluice_mcap_result res;
	struct sluice_topic_stats st;
	struct sluice_sub_stats subs[4];
	const int n = 2000;

	tu_name(topic, sizeof(topic), "rec");
	tmpfile_name(path, sizeof(path), "cli");
	pid_t pub = tu_fork();
	if (pub == 0)
		publisher(topic, bfbs, bfbs_len, msg, msg_len, n, SLUICE_LOSSLESS, 0);
	pid_t rec = tu_fork();
	if (rec == 0) {
		execl(SLUICE_BIN, SLUICE_BIN, "record", "-o", path, "--chunk-size", "4096",
		      "--compression", compressions[_i], topic, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(tu_wait(pub, 20000), 0);
	/* the recorder has taken everything: its cursor reached the head, or
	 * it left the topic at its end (and the last one out removed it) */
	int done = 0;
	for (int i = 0; i < 2000 && !done; i++) {
		int rc = sluice_topic_stat(topic, &st, subs, 4);
		ck_assert(rc == 0 || rc == -ENOENT);
		done = rc == -ENOENT || !st.subscribers || subs[0].cursor == st.next_seq;
		if (!done)
			usleep(5000);
	}
	ck_assert(done);
	kill(rec, SIGTERM);
	ck_assert_int_eq(tu_wait(rec, 10000), 0);

	void *buf = slurp(path, &len);
	s->seq_ok = 1;
	ck_assert_int_eq(sluice_mcap_scan(buf, len, 0, see, s, &res), 0);
	ck_assert_int_eq(res.complete, 1);
	ck_assert_uint_eq(res.messages, n);
	ck_assert_uint_eq(s->per_channel[0], n);
	ck_assert_int_eq(s->seq_ok, 1);
	ck_assert_uint_gt(res.chunks, 1);
	ck_assert_int_eq(s->losses_seen, 1);
	/* the schema in the file is byte for byte what the topic carried */
	ck_assert_uint_eq(s->schema_len, bfbs_len);
	ck_assert_int_eq(memcmp(s->schema, bfbs, bfbs_len), 0);
	ck_assert_uint_eq(s->first_len, msg_len);
	ck_assert_int_eq(memcmp(s->first_msg, msg, msg_len), 0);
	node_check(path, GPS_BFBS, n);
	struct verify_all va = {0};
	ck_assert_int_eq(sluice_mcap_scan(buf, len, 0, verify_msg, &va, &res), 0);
	ck_assert_str_eq(va.name, "sluice.msg.GpsFix");
	ck_assert_uint_eq(va.ok, n);
	ck_assert_uint_eq(va.bad, 0);

	/* Debian's flatc decodes a message taken out of the file */
	snprintf(msgpath, sizeof(msgpath), "%s/%d-msg.bin", workdir, (int)getpid());
	snprintf(outdir, sizeof(outdir), "%s/%d-out", workdir, (int)getpid());
	spill(msgpath, s->first_msg, s->first_len);
	char *fargv[] = {FLATC, "--json", "--raw-binary", "--strict-json", "-o", outdir, GPS_BFBS,
			 "--", msgpath, NULL};
	ck_assert_int_eq(run_prog(fargv, 20000, NULL), 0);
	snprintf(cmd, sizeof(cmd), "%s/%d-msg.json", outdir, (int)getpid());
	ck_assert_double_eq(tu_json_number(cmd, "s[\"position\"][\"lon_deg\"]"), 2.25);
	unlink(cmd);
	rmdir(outdir);
	unlink(msgpath);

	/* sluice info reads it (and says the count) */
	snprintf(cmd, sizeof(cmd), "%s/%d-info.json", workdir, (int)getpid());
	char *iargv[] = {SLUICE_BIN, "info", "--json", path, NULL};
	ck_assert_int_eq(run_prog(iargv, 20000, cmd), 0);
	ck_assert_double_eq(tu_json_number(cmd, "s[\"channels\"][0][\"messages\"]"), n);
	ck_assert_double_eq(tu_json_number(cmd, "s[\"channels\"][0][\"lost\"]"), 0);
	unlink(cmd);
	free(buf);
	free(bfbs);
	free(msg);
	free(s);
	unlink(path);
}
END_TEST

START_TEST(truncated_recovered_to_last_chunk)
{
	char path[128], cut[128], out[128];
	size_t len, rlen;
	struct seen *s = calloc(1, sizeof(*s)), *r = calloc(1, sizeof(*r));
	struct sluice_mcap_result res;

	tmpfile_name(path, sizeof(path), "full");
	tmpfile_name(cut, sizeof(cut), "cut");
	tmpfile_name(out, sizeof(out), "recovered");
	write_sample(path, 2000, 1024, compressions[_i]);
	unsigned char *buf = slurp(path, &len);
	ck_assert_int_eq(sluice_mcap_scan(buf, len, 0, see, s, &res), 0);
	ck_assert_uint_gt(s->chunks, 20);
	srand(14);
	for (int k = 0; k < 20; k++) {
		/* past the magic and Header (30 bytes), before the end */
		size_t at = 40 + (size_t)rand() % (len - 41);
		/* msgs_at_end[c] counts the messages up to and with chunk c */
		uint64_t want = 0;
		for (uint64_t c = 0; c < s->chunks; c++)
			if (s->chunk_end[c] <= at)
				want = s->msgs_at_end[c];
		spill(cut, buf, at);
		/* refused as it is ... */
		void *cb = slurp(cut, &rlen);
		ck_assert_int_eq(sluice_mcap_scan(cb, rlen, 0, NULL, NULL, &res), -EBADMSG);
		free(cb);
		/* ... and recovered up to its last complete chunk */
		ck_assert_int_eq(sluice_mcap_recover(cut, out, &res), 0);
		ck_assert_uint_eq(res.messages, want);
		void *rb = slurp(out, &rlen);
		memset(r, 0, sizeof(*r));
		ck_assert_int_eq(sluice_mcap_scan(rb, rlen, 0, see, r, &res), 0);
		ck_assert_int_eq(res.complete, 1);
		ck_assert_uint_eq(res.messages, want);
		ck_assert_uint_eq(res.channels, 3);
		if (k % 4 == 0)
			node_check(out, NULL, want);
		free(rb);
	}
	free(buf);
	free(s);
	free(r);
	unlink(path);
	unlink(cut);
	unlink(out);
}
END_TEST

/* A lossy topic that laps the recorder: what it lost is counted in the
 * file's "sluice.losses" and by sluice info, and with what it wrote makes
 * up everything published. */
START_TEST(lossy_losses_counted)
{
	char topic[64], path[128], json[160];
	size_t bfbs_len, msg_len, len;
	void *bfbs = slurp(GPS_BFBS, &bfbs_len), *msg = slurp(GPS_SAMPLE, &msg_len);
	struct sluice_mcap_result res;
	const int n = 500;

	tu_name(topic, sizeof(topic), "lossy");
	tmpfile_name(path, sizeof(path), "lossy");
	snprintf(json, sizeof(json), "%s.info.json", path);
	pid_t rec = tu_fork();
	if (rec == 0) {
		execl(SLUICE_BIN, SLUICE_BIN, "record", "-o", path, topic, (char *)NULL);
		_exit(127);
	}
	pid_t pub = tu_fork();
	if (pub == 0)
		publisher(topic, bfbs, bfbs_len, msg, msg_len, n, SLUICE_LOSSY, rec);
	ck_assert_int_eq(tu_wait(pub, 20000), 0);
	/* the recorder takes what is left, finds the publisher gone, leaves */
	struct sluice_topic_stats st;
	struct sluice_sub_stats subs[4];
	int rc = 0;
	for (int i = 0; i < 2000; i++) {
		rc = sluice_topic_stat(topic, &st, subs, 4);
		if (rc == -ENOENT || !st.subscribers)
			break;
		usleep(5000);
	}
	kill(rec, SIGTERM);
	ck_assert_int_eq(tu_wait(rec, 10000), 0);
	void *buf = slurp(path, &len);
	ck_assert_int_eq(sluice_mcap_scan(buf, len, 0, NULL, NULL, &res), 0);
	ck_assert_uint_lt(res.messages, n); /* 16 slots, the recorder stopped */
	char *iargv[] = {SLUICE_BIN, "info", "--json", path, NULL};
	ck_assert_int_eq(run_prog(iargv, 20000, json), 0);
	double lost = tu_json_number(json, "s[\"channels\"][0][\"lost\"]");
	ck_assert_double_eq(lost + (double)res.messages, n);
	node_check(path, NULL, res.messages);
	unlink(json);
	free(buf);
	free(bfbs);
	free(msg);
	unlink(path);
}
END_TEST

/* `sluice record` killed (SIGKILL) mid-recording leaves a file that
 * `sluice info` refuses and `sluice record --recover` rewrites whole, with
 * every message of its complete chunks. */
START_TEST(killed_recorder_recovered)
{
	char topic[64], path[128];
	size_t bfbs_len, msg_len, len;
	void *bfbs = slurp(GPS_BFBS, &bfbs_len), *msg = slurp(GPS_SAMPLE, &msg_len);
	struct sluice_mcap_result res;
	struct seen *s = calloc(1, sizeof(*s));
	const int n = 1000;

	tu_name(topic, sizeof(topic), "kill");
	tmpfile_name(path, sizeof(path), "killed");
	pid_t rec = tu_fork();
	if (rec == 0) {
		execl(SLUICE_BIN, SLUICE_BIN, "record", "-o", path, "--chunk-size", "2000", topic,
		      (char *)NULL);
		_exit(127);
	}
	pid_t pub = tu_fork();
	if (pub == 0)
		publisher(topic, bfbs, bfbs_len, msg, msg_len, n, SLUICE_LOSSLESS, 0);
	ck_assert_int_eq(tu_wait(pub, 20000), 0);
	kill(rec, SIGKILL);
	ck_assert_int_eq(tu_wait(rec, 10000), 128 + SIGKILL);

	char *info[] = {SLUICE_BIN, "info", path, NULL};
	ck_assert_int_eq(run_prog(info, 20000, "/dev/null"), 1);
	char *recover[] = {SLUICE_BIN, "record", "--recover", path, NULL};
	ck_assert_int_eq(run_prog(recover, 20000, NULL), 0);
	ck_assert_int_eq(run_prog(info, 20000, "/dev/null"), 0);
	void *buf = slurp(path, &len);
	s->seq_ok = 1;
	ck_assert_int_eq(sluice_mcap_scan(buf, len, 0, see, s, &res), 0);
	ck_assert_int_eq(res.complete, 1);
	/* chunks of ~2000 bytes hold ~15 messages: most of the 1000 are there */
	ck_assert_uint_gt(res.messages, n / 2);
	ck_assert_uint_le(res.messages, n);
	ck_assert_int_eq(s->seq_ok, 1);
	ck_assert_uint_eq(s->schema_len, bfbs_len);
	node_check(path, GPS_BFBS, res.messages);
	free(buf);
	free(s);
	free(bfbs);
	free(msg);
	unlink(path);
}
END_TEST

/* A lossless publisher with room for n messages: waits for the recorder
 * to subscribe, stops it (SIGSTOP), publishes n, then interrupts it
 * (SIGINT, then SIGCONT), so that n messages are queued when the stop
 * comes; stays until the recorder has left. */
static void publisher_interrupting(const char *topic, const void *bfbs, size_t bfbs_len,
				   const void *msg, size_t msg_len, int n, pid_t rec)
{
	struct sluice_topic_opts o = {.type_name = "sluice.msg.GpsFix", .schema = bfbs,
				      .schema_len = bfbs_len, .slot_size = 256, .slot_count = 2048,
				      .delivery = SLUICE_LOSSLESS};
	struct sluice_pub *pub;
	struct sluice_topic_stats st;
	int i;

	if (sluice_pub_open(topic, &o, &pub))
		_exit(3);
	for (i = 0; i < 1000; i++) {
		if (sluice_topic_stat(topic, &st, NULL, 0) == 0 && st.subscribers > 0)
			break;
		usleep(10000);
	}
	if (i == 1000)
		_exit(5);
	kill(rec, SIGSTOP);
	for (i = 0; i < n; i++)
		if (sluice_pub_publish(pub, msg, msg_len, 0))
			_exit(4); /* it never waits: every message has a slot */
	kill(rec, SIGINT);
	kill(rec, SIGCONT);
	for (i = 0; i < 2000; i++) {
		if (sluice_topic_stat(topic, &st, NULL, 0) || st.subscribers == 0)
			break;
		usleep(5000);
	}
	sluice_pub_close(pub);
	_exit(0);
}

/* Ctrl-C with far more than one batch (256) queued on a lossless topic:
 * the recorder takes all of it before it finishes the file. */
START_TEST(interrupt_keeps_everything_queued)
{
	char topic[64], path[128];
	size_t bfbs_len, msg_len, len;
	void *bfbs = slurp(GPS_BFBS, &bfbs_len), *msg = slurp(GPS_SAMPLE, &msg_len);
	struct sluice_mcap_result res;
	struct seen *s = calloc(1, sizeof(*s));
	const int n = 2000;

	tu_name(topic, sizeof(topic), "intr");
	tmpfile_name(path, sizeof(path), "intr");
	pid_t rec = tu_fork();
	if (rec == 0) {
		execl(SLUICE_BIN, SLUICE_BIN, "record", "-o", path, topic, (char *)NULL);
		_exit(127);
	}
	pid_t pub = tu_fork();
	if (pub == 0)
		publisher_interrupting(topic, bfbs, bfbs_len, msg, msg_len, n, rec);
	ck_assert_int_eq(tu_wait(rec, 20000), 0);
	ck_assert_int_eq(tu_wait(pub, 20000), 0);
	void *buf = slurp(path, &len);
	s->seq_ok = 1;
	ck_assert_int_eq(sluice_mcap_scan(buf, len, 0, see, s, &res), 0);
	ck_assert_int_eq(res.complete, 1);
	ck_assert_uint_eq(res.messages, n);
	ck_assert_int_eq(s->seq_ok, 1);
	node_check(path, GPS_BFBS, n);
	free(buf);
	free(s);
	free(bfbs);
	free(msg);
	unlink(path);
}
END_TEST

/* record -> play -> echo: `sluice play` recreates the topic typed from the
 * file's schema and `sluice echo` decodes every message by value. */
/* `sluice echo TOPIC --wait --oldest -n COUNT` with its output in out. */
static pid_t start_echo(const char *topic, const char *count, const char *out)
{
	pid_t pid = tu_fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		execl(SLUICE_BIN, SLUICE_BIN, "echo", topic, "--wait", "--oldest", "-n", count,
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* The lines echo wrote to out, each the sample GPS fix (and also, if
 * given, holding `also`). */
static int echo_lines(const char *out, const char *also)
{
	char line[1024];
	int lines = 0;
	FILE *f = fopen(out, "r");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		ck_assert_ptr_nonnull(strstr(line, "\"lon_deg\": 2.25"));
		if (also)
			ck_assert_ptr_nonnull(strstr(line, also));
		lines++;
	}
	fclose(f);
	return lines;
}

START_TEST(play_then_echo)
{
	char topic[64], prefix[64], path[128], out[160];
	size_t bfbs_len, msg_len;
	void *bfbs = slurp(GPS_BFBS, &bfbs_len), *msg = slurp(GPS_SAMPLE, &msg_len);
	struct sluice_mcap_writer *w;
	uint16_t sid, ch;
	const int n = 50;

	tmpfile_name(path, sizeof(path), "play");
	snprintf(out, sizeof(out), "%s.echo", path);
	ck_assert_int_eq(sluice_mcap_writer_open(path, NULL, &w), 0);
	ck_assert_int_eq(sluice_mcap_add_schema(w, "sluice.msg.GpsFix", "flatbuffer", bfbs,
						bfbs_len, &sid), 0);
	ck_assert_int_eq(sluice_mcap_add_channel(w, sid, "gps", "flatbuffer", &ch), 0);
	for (int i = 0; i < n; i++) /* 40 ms apart: two seconds in all */
		ck_assert_int_eq(sluice_mcap_write_message(w, ch, (uint32_t)i,
							   1000000000ull + 40000000ull * (uint64_t)i,
							   0, msg, msg_len), 0);
	ck_assert_int_eq(sluice_mcap_writer_close(w), 0);

	tu_name(prefix, sizeof(prefix), "play");
	strcat(prefix, ".");
	snprintf(topic, sizeof(topic), "%sgps", prefix);
	pid_t echo = start_echo(topic, "50", out);
	char *play[] = {SLUICE_BIN, "play", path, "--prefix", prefix + 1, NULL};
	ck_assert_int_eq(run_prog(play, 20000, NULL), 0);
	ck_assert_int_eq(tu_wait(echo, 10000), 0);
	int lines = echo_lines(out, "\"frame_id\": \"gps\"");
	ck_assert_int_eq(lines, n);
	unlink(out);
	unlink(path);
	free(bfbs);
	free(msg);
}
END_TEST

/* `sluice play` of a recording cut off mid-write plays every message of
 * its complete chunks (echo decodes each), says on stderr that the file
 * is cut off and how to make it whole, and exits 0. */
START_TEST(play_cut_off_recording)
{
	char topic[64], prefix[64], path[128], cut[128], out[160], err[160];
	size_t bfbs_len, msg_len, len;
	void *bfbs = slurp(GPS_BFBS, &bfbs_len), *msg = slurp(GPS_SAMPLE, &msg_len);
	struct sluice_mcap_writer *w;
	struct sluice_mcap_writer_opts wo = {.chunk_size = 2000};
	struct sluice_mcap_result res;
	uint16_t sid, ch;
	const int n = 50;

	tmpfile_name(path, sizeof(path), "playcut-src");
	tmpfile_name(cut, sizeof(cut), "playcut");
	snprintf(out, sizeof(out), "%s.echo", cut);
	snprintf(err, sizeof(err), "%s.err", cut);
	ck_assert_int_eq(sluice_mcap_writer_open(path, &wo, &w), 0);
	ck_assert_int_eq(sluice_mcap_add_schema(w, "sluice.msg.GpsFix", "flatbuffer", bfbs,
						bfbs_len, &sid), 0);
	ck_assert_int_eq(sluice_mcap_add_channel(w, sid, "gps", "flatbuffer", &ch), 0);
	for (int i = 0; i < n; i++) /* 20 ms apart */
		ck_assert_int_eq(sluice_mcap_write_message(w, ch, (uint32_t)i,
							   1000000000ull + 20000000ull * (uint64_t)i,
							   0, msg, msg_len), 0);
	ck_assert_int_eq(sluice_mcap_writer_close(w), 0);
	/* cut in the middle of the data section */
	unsigned char *buf = slurp(path, &len);
	spill(cut, buf, len / 2);
	free(buf);
	buf = slurp(cut, &len);
	ck_assert_int_eq(sluice_mcap_scan(buf, len, SLUICE_MCAP_PARTIAL, NULL, NULL, &res), 0);
	free(buf);
	uint64_t want = res.messages;
	ck_assert_uint_gt(want, 0);
	ck_assert_uint_lt(want, n);

	tu_name(prefix, sizeof(prefix), "pcut");
	strcat(prefix, ".");
	snprintf(topic, sizeof(topic), "%sgps", prefix);
	char count[24];
	snprintf(count, sizeof(count), "%llu", (unsigned long long)want);
	pid_t echo = start_echo(topic, count, out);
	pid_t play = tu_fork();
	if (play == 0) {
		int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		execl(SLUICE_BIN, SLUICE_BIN, "play", cut, "--prefix", prefix + 1, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(tu_wait(play, 20000), 0);
	ck_assert_int_eq(tu_wait(echo, 10000), 0);
	uint64_t lines = echo_lines(out, NULL);
	ck_assert_uint_eq(lines, want);
	FILE *f = fopen(err, "r");
	ck_assert_ptr_nonnull(f);
	char note[1024] = "";
	ck_assert_ptr_nonnull(fgets(note, sizeof(note), f));
	fclose(f);
	char say[256];
	snprintf(say, sizeof(say), "sluice play: %s is cut off or damaged (", cut);
	ck_assert_msg(strstr(note, say), "play said: %s", note);
	snprintf(say, sizeof(say), "playing the %llu messages before that; `sluice record "
		 "--recover %s`", (unsigned long long)want, cut);
	ck_assert_msg(strstr(note, say), "play said: %s", note);
	unlink(out);
	unlink(err);
	unlink(cut);
	unlink(path);
	free(bfbs);
	free(msg);
}
END_TEST

/* Runs argv with stderr into err_path; its exit status. */
static int run_err(char *const argv[], int timeout_ms, const char *err_path)
{
	pid_t pid = tu_fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	return tu_wait(pid, timeout_ms);
}

static void expect_in_file(const char *path, const char *want)
{
	char text[2048] = "";
	FILE *f = fopen(path, "r");

	ck_assert_ptr_nonnull(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = 0;
	fclose(f);
	ck_assert_msg(strstr(text, want), "want \"%s\" in \"%s\"", want, text);
}

/* A recording written by @mcap/core (the reference writer: its Schema and
 * Channel records sit inside zstd chunks) plays: its FlatBuffers channel
 * decodes in echo, from `sluice play` and from a pipeline's play: section
 * (which once kept channel names pointing into a freed chunk: the
 * sanitizer builds watch).  Its ROS 2 channel (ros2msg schema, cdr
 * messages) is refused with the reason by both, never published as a
 * FlatBuffers type. */
START_TEST(mcap_core_recording_played)
{
	char path[128], out[160], err[160], yaml[160], text[1024], prefix[64], topic[96];
	char cmd[1024];
	const int n = 20;

	if (!NODE_BIN[0] || access(MCAP_CORE_PKG, R_OK)) {
		fprintf(stderr, "test_record: node or @mcap/core missing (scripts/deps.sh check "
				"installs them): mcap_core_recording_played not run\n");
		return;
	}
	tmpfile_name(path, sizeof(path), "core");
	snprintf(out, sizeof(out), "%s.echo", path);
	snprintf(err, sizeof(err), "%s.err", path);
	snprintf(yaml, sizeof(yaml), "%s.yaml", path);
	snprintf(cmd, sizeof(cmd), "'%s' '%s' '%s' '%s' '%s' %d", NODE_BIN, WRITE_MCAP_CORE, path,
		 GPS_BFBS, GPS_SAMPLE, n);
	ck_assert_msg(system(cmd) == 0, "%s failed", cmd);

	/* all topics: the ros channel is refused, nothing published */
	char *all[] = {SLUICE_BIN, "play", path, "--rate", "0", NULL};
	ck_assert_int_eq(run_err(all, 20000, err), 1);
	expect_in_file(err, "channel ros: its schema \"std_msgs/msg/String\" is not encoded as "
			    "flatbuffer");

	/* the gps channel alone plays, and echo decodes every message */
	tu_name(prefix, sizeof(prefix), "core");
	strcat(prefix, ".");
	snprintf(topic, sizeof(topic), "%sgps", prefix);
	pid_t echo = start_echo(topic, "20", out);
	char *gps[] = {SLUICE_BIN, "play", path, "--topics", "gps", "--prefix", prefix + 1, NULL};
	ck_assert_int_eq(run_err(gps, 20000, err), 0);
	ck_assert_int_eq(tu_wait(echo, 10000), 0);
	int lines = echo_lines(out, NULL);
	ck_assert_int_eq(lines, n);

	/* a pipeline's play: section: gps is accepted, ros refused at its line */
	const char *tmpl = "topics:\n"
			   "  gps: { type: sluice.msg.GpsFix, slots: 16, slot_size: 256 }\n"
			   "play: { file: %s, topics: [%s] }\n"
			   "stages:\n"
			   "  sink: { plugin: json_sink, params: { path: %s.jsonl, topic: gps }, "
			   "inputs: { in: gps } }\n";
	snprintf(text, sizeof(text), tmpl, path, "gps", path);
	FILE *y = fopen(yaml, "w");
	ck_assert_ptr_nonnull(y);
	fputs(text, y);
	fclose(y);
	char *check[] = {SLUICE_BIN, "run", "--check", yaml, NULL};
	ck_assert_int_eq(run_err(check, 20000, err), 0);
	snprintf(text, sizeof(text),
		 "topics:\n"
		 "  gps: { type: sluice.msg.GpsFix, slots: 16, slot_size: 256 }\n"
		 "  ros: { type: sluice.msg.GpsFix, slots: 16, slot_size: 256 }\n"
		 "play: { file: %s, topics: [ros] }\n"
		 "stages:\n"
		 "  sink: { plugin: json_sink, params: { path: %s.jsonl, topic: ros }, "
		 "inputs: { in: ros } }\n",
		 path, path);
	y = fopen(yaml, "w");
	ck_assert_ptr_nonnull(y);
	fputs(text, y);
	fclose(y);
	ck_assert_int_eq(run_err(check, 20000, err), 2);
	expect_in_file(err, "has message encoding \"cdr\" and a schema not in flatbuffer: only "
			    "FlatBuffers channels are played");
	unlink(yaml);
	unlink(err);
	unlink(out);
	unlink(path);
}
END_TEST

/* Options are parsed strictly (exit 2, nothing done), and `sluice info
 * --recover` writes a complete file from a cut one. */
START_TEST(cli_arguments_and_info_recover)
{
	char path[128], cut[128], out[128];
	size_t len;

	tmpfile_name(path, sizeof(path), "args");
	tmpfile_name(cut, sizeof(cut), "args-cut");
	tmpfile_name(out, sizeof(out), "args-out");
	char *a1[] = {SLUICE_BIN, "record", "-o", path, "--chunk-size", "1x", "/t", NULL};
	char *a2[] = {SLUICE_BIN, "record", "-o", path, "--compression", "gzip", "/t", NULL};
	char *a3[] = {SLUICE_BIN, "record", "/t", NULL};
	char *a4[] = {SLUICE_BIN, "record", "-o", path, "--duration", "-1", "/t", NULL};
	char *a5[] = {SLUICE_BIN, "info", NULL};
	char *a6[] = {SLUICE_BIN, "info", "--recover", cut, NULL};
	char *a7[] = {SLUICE_BIN, "play", path, "--rate", "fast", NULL};
	char **bad[] = {a1, a2, a3, a4, a5, a6, a7};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(run_prog(bad[i], 10000, "/dev/null"), 2);
	ck_assert_int_ne(access(path, F_OK), 0); /* nothing was written */

	write_sample(path, 600, 1024, "zstd");
	unsigned char *buf = slurp(path, &len);
	spill(cut, buf, len * 2 / 3);
	char *rec[] = {SLUICE_BIN, "info", "--recover", cut, "-o", out, NULL};
	ck_assert_int_eq(run_prog(rec, 10000, NULL), 0);
	char *info[] = {SLUICE_BIN, "info", out, NULL};
	ck_assert_int_eq(run_prog(info, 10000, "/dev/null"), 0);
	free(buf);
	unlink(path);
	unlink(cut);
	unlink(out);
}
END_TEST

/* --all follows topics that appear while recording (limited by --prefix
 * to this run's own names, as the machine is shared). */
START_TEST(record_all_follows_new_topics)
{
	char a[64], b[64], prefix[64], path[128];
	size_t bfbs_len, msg_len, len;
	void *bfbs = slurp(GPS_BFBS, &bfbs_len), *msg = slurp(GPS_SAMPLE, &msg_len);
	struct sluice_mcap_result res;
	struct seen *s = calloc(1, sizeof(*s));

	tu_name(a, sizeof(a), "allA");
	tu_name(b, sizeof(b), "allB");
	/* "/sluice-t<pid>-": up to the second '-' */
	snprintf(prefix, sizeof(prefix), "%s", a);
	*(strchr(strchr(prefix, '-') + 1, '-') + 1) = 0;
	tmpfile_name(path, sizeof(path), "all");
	pid_t rec = tu_fork();
	if (rec == 0) {
		execl(SLUICE_BIN, SLUICE_BIN, "record", "-o", path, "--all", "--prefix", prefix,
		      (char *)NULL);
		_exit(127);
	}
	pid_t pa = tu_fork();
	if (pa == 0)
		publisher(a, bfbs, bfbs_len, msg, msg_len, 100, SLUICE_LOSSLESS, 0);
	ck_assert_int_eq(tu_wait(pa, 20000), 0);
	usleep(300000);
	pid_t pb = tu_fork(); /* a topic that appears later */
	if (pb == 0)
		publisher(b, bfbs, bfbs_len, msg, msg_len, 70, SLUICE_LOSSLESS, 0);
	ck_assert_int_eq(tu_wait(pb, 20000), 0);
	struct sluice_topic_stats st;
	for (int i = 0; i < 2000; i++) {
		int rc = sluice_topic_stat(b, &st, NULL, 0);
		if (rc == -ENOENT || !st.subscribers)
			break;
		usleep(5000);
	}
	kill(rec, SIGTERM);
	ck_assert_int_eq(tu_wait(rec, 10000), 0);
	void *buf = slurp(path, &len);
	ck_assert_int_eq(sluice_mcap_scan(buf, len, 0, see, s, &res), 0);
	ck_assert_uint_eq(res.channels, 2);
	ck_assert_uint_eq(res.schemas, 1); /* one type: one schema */
	ck_assert_uint_eq(s->per_channel[0], 100);
	ck_assert_uint_eq(s->per_channel[1], 70);
	node_check(path, GPS_BFBS, 170);
	free(buf);
	free(s);
	free(bfbs);
	free(msg);
	unlink(path);
}
END_TEST

static void expect_refused(const void *buf, size_t len, const char *why)
{
	struct sluice_mcap_result res;
	ck_assert_int_eq(sluice_mcap_scan(buf, len, 0, NULL, NULL, &res), -EBADMSG);
	ck_assert_msg(strstr(sluice_errdetail(), why), "detail \"%s\" lacks \"%s\"",
		      sluice_errdetail(), why);
}

START_TEST(corrupt_files_refused_with_reason)
{
	char path[128];
	size_t len;
	struct seen *s = calloc(1, sizeof(*s));
	struct sluice_mcap_result res;

	tmpfile_name(path, sizeof(path), "corrupt");
	write_sample(path, 500, 1024, NULL);
	unsigned char *buf = slurp(path, &len), *bad = malloc(len);
	ck_assert_int_eq(sluice_mcap_scan(buf, len, 0, see, s, &res), 0);

	memcpy(bad, buf, len);
	bad[1] = 'X';
	expect_refused(bad, len, "bad magic");

	/* a byte inside the first chunk's records */
	memcpy(bad, buf, len);
	bad[s->chunk_end[0] - 5] ^= 0x40;
	expect_refused(bad, len, "bad CRC");

	/* a record whose length runs past the end: the Header's */
	memcpy(bad, buf, len);
	bad[8 + 1 + 6] = 0x7f;
	expect_refused(bad, len, "claims");

	/* a byte of the summary */
	memcpy(bad, buf, len);
	bad[len - 8 - 29 - 3] ^= 1;
	expect_refused(bad, len, "summary");

	/* cut off */
	expect_refused(buf, len / 2, "");

	/* a channel whose schema no Schema record defines before it */
	{
		struct sluice_mcap_writer *w;
		uint16_t sid, ch;
		size_t olen;

		ck_assert_int_eq(sluice_mcap_writer_open(path, NULL, &w), 0);
		ck_assert_int_eq(sluice_mcap_add_schema(w, "t.T", "flatbuffer", "x", 1, &sid), 0);
		ck_assert_int_eq(sluice_mcap_add_channel(w, sid, "orphan", "flatbuffer", &ch), 0);
		ck_assert_int_eq(sluice_mcap_writer_close(w), 0);
		unsigned char *o = slurp(path, &olen);
		unsigned char *at = memmem(o, olen, "orphan", 6);
		ck_assert_ptr_nonnull(at);
		/* u16 schema id, u32 topic length, the topic */
		ck_assert_uint_eq(at[-6], sid);
		at[-6] = 9;
		expect_refused(o, olen, "channel 0 refers to schema 9, which no Schema record");
		free(o);
	}

	/* any single byte flipped: never a crash (the sanitizer builds watch) */
	srand(7);
	for (int k = 0; k < 2000; k++) {
		memcpy(bad, buf, len);
		size_t at = (size_t)rand() % len;
		bad[at] = (unsigned char)rand();
		sluice_mcap_scan(bad, len, k & 1 ? SLUICE_MCAP_PARTIAL : 0, NULL, NULL, &res);
		sluice_mcap_scan(bad, at, SLUICE_MCAP_PARTIAL, NULL, NULL, &res);
	}

	/* and the command says why, exit status 1 */
	memcpy(bad, buf, len);
	bad[s->chunk_end[0] - 5] ^= 0x40;
	spill(path, bad, len);
	char *iargv[] = {SLUICE_BIN, "info", path, NULL};
	ck_assert_int_eq(run_prog(iargv, 20000, "/dev/null"), 1);
	free(buf);
	free(bad);
	free(s);
	unlink(path);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("record");

	tcase_set_timeout(tc, 60);
	/* each: uncompressed, zstd, lz4 */
	tcase_add_loop_test(tc, write_then_read, 0, 3);
	tcase_add_loop_test(tc, big_messages_full_chunks, 0, 3);
	tcase_add_loop_test(tc, record_real_publisher, 0, 3);
	tcase_add_loop_test(tc, truncated_recovered_to_last_chunk, 0, 3);
	tcase_add_test(tc, lossy_losses_counted);
	tcase_add_test(tc, killed_recorder_recovered);
	tcase_add_test(tc, interrupt_keeps_everything_queued);
	tcase_add_test(tc, play_then_echo);
	tcase_add_test(tc, play_cut_off_recording);
	tcase_add_test(tc, mcap_core_recording_played);
	tcase_add_test(tc, cli_arguments_and_info_recover);
	tcase_add_test(tc, record_all_follows_new_topics);
	tcase_add_test(tc, corrupt_files_refused_with_reason);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	snprintf(workdir, sizeof(workdir), "/tmp/sluice-rec-XXXXXX");
	if (!mkdtemp(workdir))
		return 1;
	int rc = tu_run(make_suite);
	nftw(workdir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
