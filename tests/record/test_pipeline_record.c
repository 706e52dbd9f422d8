/* test_pipeline_record.c - a pipeline file's record: and play: sections:
 * bad ones refused with file:line:col; a run that records, and a second
 * run on that recording (play -> relay, recorded again) carrying the same
 * messages by value and ending when the recording does; and the demo
 * recorded and its fusion stage re-run from the recording
 * (examples/fusion_replay.yaml) with the live run's RMSE. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice/error.h"
#include "sluice/pipeline.h"
#include "sluice/record.h"
#include "testutil.h"

static char workdir[64];

static void path_in(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "%s/%s", workdir, tag);
}

/* Replaces every @R (the fixture recording) and @F (a file to write). */
static void expand(char *out, size_t cap, const char *text, const char *r, const char *f)
{
	size_t n = 0;

	for (const char *p = text; *p && n + 1 < cap; p++) {
		const char *sub = p[0] == '@' && p[1] == 'R'   ? r
		                  : p[0] == '@' && p[1] == 'F' ? f
		                                               : NULL;

		if (sub) {
			n += (size_t)snprintf(out + n, cap - n, "%s", sub);
			p++;
		} else {
			out[n++] = *p;
		}
	}
	out[n < cap ? n : cap - 1] = '\0';
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* The recording the bad sections name: channel rp.a (test.Count, 16-byte
 * messages), rp.big (100-byte ones), rp.typ (test.Other). */
static void make_fixture(const char *path)
{
	struct sluice_mcap_writer *w;
	uint16_t sc, so, ca, cb, ct;
	unsigned char msg[100] = {0};

	ck_assert_int_eq(sluice_mcap_writer_open(path, NULL, &w), 0);
	ck_assert_int_eq(sluice_mcap_add_schema(w, "test.Count", "flatbuffer", "x", 1, &sc), 0);
	ck_assert_int_eq(sluice_mcap_add_schema(w, "test.Other", "flatbuffer", "y", 1, &so), 0);
	ck_assert_int_eq(sluice_mcap_add_channel(w, sc, "rp.a", "flatbuffer", &ca), 0);
	ck_assert_int_eq(sluice_mcap_add_channel(w, sc, "rp.big", "flatbuffer", &cb), 0);
	ck_assert_int_eq(sluice_mcap_add_channel(w, so, "rp.typ", "flatbuffer", &ct), 0);
	ck_assert_int_eq(sluice_mcap_write_message(w, ca, 0, 1, 1, msg, 16), 0);
	ck_assert_int_eq(sluice_mcap_write_message(w, cb, 0, 2, 2, msg, 100), 0);
	ck_assert_int_eq(sluice_mcap_write_message(w, ct, 0, 3, 3, msg, 16), 0);
	ck_assert_int_eq(sluice_mcap_writer_close(w), 0);
}

struct bad {
	const char *section; /* line 6 of the file */
	const char *extra;   /* another stage, or "" */
	const char *at;      /* the error points at this text's first character */
	const char *says;
};

static const struct bad bad_sections[] = {
    {"record: { file: @F, topics: [a], compresion: zstd }", "", "compresion",
     "unknown record key \"compresion\""},
    {"record: { file: @F, compression: brotli }", "", "brotli", "none, zstd or lz4"},
    {"record: { topics: [a] }", "", "{ topics", "record names no file"},
    {"record: { file: @F, topics: [a, nope] }", "", "nope", "record: unknown topic \"nope\""},
    {"record: { file: @F, topics: a }", "", "a }", "must be a list"},
    {"record: { file: @F, topics: [a, a] }", "", "a]", "named twice"},
    {"record: { file: @F, chunk_size: 0 }", "", "0 }", "chunk_size must be a whole number"},
    {"record: [ a ]", "", "[ a", "record must be a mapping"},
    {"play: { file: @R, topics: [a], rate: -1 }", "", "-1", "rate must be a number"},
    {"play: { file: @R, topics: [a], rate: fast }", "", "fast", "rate must be a number"},
    {"play: { file: @R }", "", "{ file", "play names no topics"},
    {"play: { topics: [a] }", "", "{ topics", "play names no file"},
    {"play: { file: @R, topics: [a], loop: maybe }", "", "maybe", "true or false"},
    {"play: { file: @R, topics: [a], speed: 2 }", "", "speed", "unknown play key \"speed\""},
    {"play: { file: /nonexistent/x.mcap, topics: [a] }", "", "/nonexistent", "play: "},
    {"play: { file: @F, topics: [a] }", "", "@F", "is refused: "},
    {"play: { file: @R, topics: [zz] }", "", "zz", "play: unknown topic \"zz\""},
    {"play: { file: @R, topics: [b] }", "", "b]", "holds no topic \"b\""},
    {"play: { file: @R, topics: [typ] }", "", "typ]",
     "carries test.Other but topic \"typ\" carries test.Count"},
    {"play: { file: @R, topics: [big] }", "", "big]", "has messages of 100 bytes"},
    /* a topic both played and coming in from DDS (the bridge: section) */
    {"play: { file: @R, topics: [a] }\nbridge: { in: [a], domain: 0 }", "", "a], domain",
     "is played from a recording (play:), so it cannot also come in from DDS"},
    {"play: { file: @R, topics: [a] }", "  src: { plugin: t_source, outputs: { out: a } }\n",
     "a } }", "has two producers: play and stage src"},
};

START_TEST(bad_sections_refused_with_position)
{
	const struct bad *b = &bad_sections[_i];
	char rec[128], out[128], yaml[128], tmpl[1024], text[1024], where[400];
	struct sluice_pipeline *pl;

	path_in(rec, sizeof(rec), "fixture.mcap");
	path_in(out, sizeof(out), "bad-out.mcap");
	path_in(yaml, sizeof(yaml), "bad.yaml");
	make_fixture(rec);
	/* a file play is given that is no recording: */
	write_text(out, "not an mcap file");
	snprintf(tmpl, sizeof(tmpl),
	         "topics:\n"
	         "  a: { type: test.Count, slots: 64, slot_size: 64 }\n"
	         "  b: { type: test.Count, slots: 64, slot_size: 64 }\n"
	         "  big: { type: test.Count, slots: 64, slot_size: 64 }\n"
	         "  typ: { type: test.Count, slots: 64, slot_size: 64 }\n"
	         "%s\n"
	         "stages:\n"
	         "%s"
	         "  sink: { plugin: t_sink, inputs: { in: a } }\n",
	         b->section, b->extra);
	expand(text, sizeof(text), tmpl, rec, out);
	write_text(yaml, text);

	/* Where the error should point: found in the text before @R and @F
	 * are expanded (the work folder's random name may hold the same
	 * characters: a row once failed on "-1" in /tmp/sluice-prec-1...),
	 * from the section's line on, then shifted by the expansions before
	 * it on its line. */
	const char *from = strstr(tmpl, b->section[0] == 'r' ? "\nrecord:" : "\nplay:");
	ck_assert_ptr_nonnull(from);
	const char *hit = strstr(from, b->at);
	ck_assert_ptr_nonnull(hit);
	int line = 1, col = 1;
	for (const char *p = tmpl; p < hit; p++, col++) {
		if (*p == '\n') {
			line++;
			col = 0;
		} else if (p[0] == '@' && (p[1] == 'R' || p[1] == 'F')) {
			col += (int)strlen(p[1] == 'R' ? rec : out) - 2;
		}
	}
	ck_assert_int_eq(sluice_pipeline_load(yaml, NULL, &pl), -SLUICE_EPIPELINE);
	ck_assert_ptr_null(pl);
	snprintf(where, sizeof(where), "%s:%d:%d: ", yaml, line, col);
	ck_assert_msg(strncmp(sluice_errdetail(), where, strlen(where)) == 0,
	              "row %d: want \"%s...\", got \"%s\"", _i, where, sluice_errdetail());
	ck_assert_msg(strstr(sluice_errdetail(), b->says), "row %d: want \"%s\" in \"%s\"", _i,
	              b->says, sluice_errdetail());
}
END_TEST

/* What a scan of a recording saw on one channel (by topic name). */
struct taken {
	const char *topic;
	uint16_t channel;
	int have_channel;
	uint64_t n;
	uint64_t values[4096][2];
	int other; /* messages on other channels */
};

static int take_rec(const struct sluice_mcap_rec *r, void *arg)
{
	struct taken *t = arg;

	if (r->kind == SLUICE_MCAP_CHANNEL && r->name.len == strlen(t->topic) &&
	    !memcmp(r->name.p, t->topic, r->name.len)) {
		t->channel = r->id;
		t->have_channel = 1;
	} else if (r->kind == SLUICE_MCAP_MESSAGE) {
		if (!t->have_channel || r->channel_id != t->channel) {
			t->other++;
			return 0;
		}
		ck_assert_uint_eq(r->len, 16);
		ck_assert_uint_lt(t->n, 4096);
		memcpy(t->values[t->n++], r->data, 16);
	}
	return 0;
}

static void scan_file(const char *path, struct taken *t)
{
	void *buf;
	size_t len;
	struct sluice_mcap_result res;

	ck_assert_int_eq(sluice_mcap_load(path, &buf, &len), 0);
	ck_assert_msg(sluice_mcap_scan(buf, len, 0, take_rec, t, &res) == 0, "%s: %s", path,
	              sluice_errdetail());
	ck_assert_int_eq(res.complete, 1);
	free(buf);
}

struct figures {
	double received, gaps, bad;
	int recorded; /* the final report named the recording */
	char rec_file[128];
	uint64_t rec_msgs, rec_bytes;
};

static void on_report(void *arg, const struct sluice_run_stats *s)
{
	struct figures *f = arg;

	if (!s->final)
		return;
	if (s->record) {
		f->recorded = 1;
		snprintf(f->rec_file, sizeof(f->rec_file), "%s", s->record->file);
		f->rec_msgs = s->record->messages;
		f->rec_bytes = s->record->bytes;
	}
	for (int i = 0; i < s->nfigures; i++) {
		if (!strcmp(s->figures[i].key, "received"))
			f->received = s->figures[i].value;
		else if (!strcmp(s->figures[i].key, "gaps"))
			f->gaps = s->figures[i].value;
		else if (!strcmp(s->figures[i].key, "bad"))
			f->bad = s->figures[i].value;
	}
}

/* What went wrong in a run, on stderr, for the test's log. */
static void on_event(void *arg, const struct sluice_run_event *ev)
{
	(void)arg;
	fprintf(stderr, "run event %d: stage %s, value %d %s\n", ev->kind,
	        ev->stage ? ev->stage : "-", ev->value, ev->text ? ev->text : "");
}

static void run_file(const char *yaml, const char *name, int threads, double duration,
                     struct figures *fig)
{
	struct sluice_pipeline *pl;
	struct sluice_run_result res;
	struct sluice_run_opts o = {.duration_s = duration,
	                            .threads = threads,
	                            .result = &res,
	                            .report = on_report,
	                            .event = on_event,
	                            .arg = fig};

	ck_assert_msg(sluice_pipeline_load(yaml, name, &pl) == 0, "%s", sluice_errdetail());
	ck_assert_msg(sluice_pipeline_run(pl, &o) == 0, "%s", sluice_errdetail());
	ck_assert_int_eq(res.failed_stages, 0);
	sluice_pipeline_free(pl);
}

/* Records 300 counts, then plays them (as fast as read) through a relay
 * into a second recording: the same 300 messages by value, in order, and
 * the second run ends on its own when the recording does.  Loop: process
 * mode with zstd, thread mode with lz4, process mode uncompressed. */
START_TEST(record_then_play_same_values)
{
	static const char *const comp[] = {"zstd", "lz4", "none"};
	char f1[128], f2[128], y1[128], y2[128], text[1024], n1[64], n2[64], topic[80];
	struct figures fig = {0};
	struct taken *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	path_in(f1, sizeof(f1), "first.mcap");
	path_in(f2, sizeof(f2), "second.mcap");
	path_in(y1, sizeof(y1), "first.yaml");
	path_in(y2, sizeof(y2), "second.yaml");
	snprintf(n1, sizeof(n1), "rpa%ld", (long)getpid());
	snprintf(n2, sizeof(n2), "rpb%ld", (long)getpid());
	snprintf(text, sizeof(text),
	         "topics:\n"
	         "  a: { type: test.Count, slots: 64, slot_size: 64 }\n"
	         "record: { file: %s, topics: [a], compression: %s, chunk_size: 1000 }\n"
	         "stages:\n"
	         "  src:  { plugin: t_source, params: { limit: 300 }, outputs: { out: a } }\n"
	         "  sink: { plugin: t_sink, inputs: { in: a } }\n",
	         f1, comp[_i]);
	write_text(y1, text);
	/* 300 at 500 Hz: 0.6 s */
	run_file(y1, n1, _i == 1, 2.0, &fig);
	ck_assert_double_eq(fig.received, 300);
	/* the final report says what was recorded */
	struct stat fst;
	ck_assert_int_eq(stat(f1, &fst), 0);
	ck_assert_int_eq(fig.recorded, 1);
	ck_assert_str_eq(fig.rec_file, f1);
	ck_assert_uint_eq(fig.rec_msgs, 300);
	ck_assert_uint_eq(fig.rec_bytes, (uint64_t)fst.st_size);
	snprintf(topic, sizeof(topic), "%s.a", n1);
	a->topic = topic;
	scan_file(f1, a);
	ck_assert_uint_eq(a->n, 300);
	ck_assert_int_eq(a->other, 0);
	for (uint64_t i = 0; i < a->n; i++) {
		ck_assert_uint_eq(a->values[i][0], i);
		ck_assert_uint_eq(a->values[i][1], 3 * i);
	}

	snprintf(text, sizeof(text),
	         "topics:\n"
	         "  a: { type: test.Count, slots: 8, slot_size: 64 }\n"
	         "  b: { type: test.Count, slots: 8, slot_size: 64 }\n"
	         "play: { file: %s, topics: [a], rate: 0 }\n"
	         "record: { file: %s, topics: [b] }\n"
	         "stages:\n"
	         "  relay: { plugin: t_relay, inputs: { in: a }, outputs: { out: b } }\n"
	         "  sink:  { plugin: t_sink, inputs: { in: b } }\n",
	         f1, f2);
	write_text(y2, text);
	memset(&fig, 0, sizeof(fig));
	uint64_t t0 = tu_now_ns();
	/* no duration: it ends with the recording */
	run_file(y2, n2, _i == 1, 0, &fig);
	ck_assert_msg(tu_now_ns() - t0 < 60000000000ull, "the run did not end with its recording");
	ck_assert_double_eq(fig.received, 300);
	ck_assert_int_eq(fig.recorded, 1);
	ck_assert_uint_eq(fig.rec_msgs, 300);
	ck_assert_double_eq(fig.gaps, 0);
	ck_assert_double_eq(fig.bad, 0);
	snprintf(topic, sizeof(topic), "%s.b", n2);
	b->topic = topic;
	scan_file(f2, b);
	ck_assert_uint_eq(b->n, 300);
	ck_assert_int_eq(memcmp(a->values, b->values, sizeof(a->values[0]) * 300), 0);
	free(a);
	free(b);
}
END_TEST

/* play: of a recording that was cut off is refused, saying so and how to
 * make it whole; recovered, the same pipeline loads. */
START_TEST(cut_recording_refused_with_recover)
{
	char rec[128], cut[128], fixed[128], yaml[128], text[1024];
	struct sluice_pipeline *pl;
	struct sluice_mcap_result res;
	void *buf;
	size_t len;

	path_in(rec, sizeof(rec), "cut-src.mcap");
	path_in(cut, sizeof(cut), "cut.mcap");
	path_in(fixed, sizeof(fixed), "cut-fixed.mcap");
	path_in(yaml, sizeof(yaml), "cut.yaml");
	make_fixture(rec);
	ck_assert_int_eq(sluice_mcap_load(rec, &buf, &len), 0);
	FILE *f = fopen(cut, "wb");
	ck_assert_ptr_nonnull(f);
	/* the summary and footer cut off; the chunk with the 3 messages whole */
	ck_assert_uint_eq(fwrite(buf, 1, len - 20, f), len - 20);
	fclose(f);
	free(buf);
	for (int k = 0; k < 2; k++) {
		snprintf(text, sizeof(text),
		         "topics:\n"
		         "  a: { type: test.Count, slots: 64, slot_size: 64 }\n"
		         "play: { file: %s, topics: [a] }\n"
		         "stages:\n"
		         "  sink: { plugin: t_sink, inputs: { in: a } }\n",
		         k ? fixed : cut);
		write_text(yaml, text);
		if (k) {
			ck_assert_msg(sluice_pipeline_load(yaml, NULL, &pl) == 0, "%s",
			              sluice_errdetail());
			sluice_pipeline_free(pl);
			break;
		}
		ck_assert_int_eq(sluice_pipeline_load(yaml, NULL, &pl), -SLUICE_EPIPELINE);
		const char *d = sluice_errdetail();
		char want[300];

		snprintf(want, sizeof(want),
		         "is cut off or damaged: `sluice record --recover %s` rewrites it up to "
		         "its last complete chunk (3 messages)",
		         cut);
		ck_assert_msg(strstr(d, want), "\"%s\" does not say \"%s\"", d, want);
		ck_assert_int_eq(sluice_mcap_recover(cut, fixed, &res), 0);
		ck_assert_uint_eq(res.messages, 3);
	}
}
END_TEST

/* `sluice run` ends its summary with one line saying what the record:
 * section wrote: the file, its messages and its size; --summary's JSON
 * says the same under "record". */
START_TEST(run_prints_what_it_recorded)
{
	char f[128], y[128], out[128], js[128], text[1024], name[64], want[256], line[512];
	struct stat st;

	path_in(f, sizeof(f), "cli.mcap");
	path_in(y, sizeof(y), "cli.yaml");
	path_in(out, sizeof(out), "cli.out");
	path_in(js, sizeof(js), "cli.json");
	snprintf(name, sizeof(name), "rpc%ld", (long)getpid());
	snprintf(text, sizeof(text),
	         "topics:\n"
	         "  a: { type: test.Count, slots: 64, slot_size: 64 }\n"
	         "record: { file: %s, topics: [a] }\n"
	         "stages:\n"
	         "  src:  { plugin: t_source, params: { limit: 300 }, outputs: { out: a } }\n"
	         "  sink: { plugin: t_sink, inputs: { in: a } }\n",
	         f);
	write_text(y, text);
	pid_t pid = tu_fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, 1);
		execl(SLUICE_BIN, SLUICE_BIN, "run", "--quiet", "--duration", "2", "--name", name,
		      "--summary", js, y, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(tu_wait(pid, 60000), 0);
	ck_assert_int_eq(stat(f, &st), 0);
	snprintf(want, sizeof(want), "recorded %s: 300 messages, %llu bytes, 0 lost\n", f,
	         (unsigned long long)st.st_size);
	FILE *o = fopen(out, "r");
	int found = 0, after = 0;

	ck_assert_ptr_nonnull(o);
	while (fgets(line, sizeof(line), o)) {
		after += found && line[0] != '\n';
		found |= !strcmp(line, want);
	}
	fclose(o);
	ck_assert_msg(found, "no line \"%s\" in sluice run's output", want);
	ck_assert_int_eq(after, 0); /* it is the last line */
	ck_assert_double_eq(tu_json_number(js, "s[\"record\"][\"messages\"]"), 300);
	ck_assert_double_eq(tu_json_number(js, "s[\"record\"][\"bytes\"]"), (double)st.st_size);
	ck_assert_double_eq(tu_json_number(js, "s[\"record\"][\"lost\"]"), 0);
	snprintf(line, sizeof(line), "s[\"record\"][\"file\"] == \"%s\"", f);
	ck_assert_double_eq(tu_json_number(js, line), 1);
}
END_TEST

/* play at rate 1 keeps the recorded spacing: 300 messages over 0.6 s
 * take at least most of that to play. */
START_TEST(play_keeps_recorded_timing)
{
	char f[128], y[128], text[1024], n[64];
	struct sluice_mcap_writer *w;
	uint16_t s, c;
	struct figures fig = {0};

	path_in(f, sizeof(f), "timed.mcap");
	path_in(y, sizeof(y), "timed.yaml");
	snprintf(n, sizeof(n), "rpt%ld", (long)getpid());
	ck_assert_int_eq(sluice_mcap_writer_open(f, NULL, &w), 0);
	ck_assert_int_eq(sluice_mcap_add_schema(w, "test.Count", "flatbuffer", "x", 1, &s), 0);
	ck_assert_int_eq(sluice_mcap_add_channel(w, s, "other.a", "flatbuffer", &c), 0);
	for (uint64_t i = 0; i < 100; i++) {
		uint64_t m[2] = {i, 3 * i};
		/* 5 ms apart, from an arbitrary epoch */
		uint64_t t = 1700000000000000000ull + i * 5000000u;

		ck_assert_int_eq(sluice_mcap_write_message(w, c, (uint32_t)i, t, t, m, sizeof(m)),
		                 0);
	}
	ck_assert_int_eq(sluice_mcap_writer_close(w), 0);
	snprintf(text, sizeof(text),
	         "topics:\n"
	         "  a: { type: test.Count, slots: 64, slot_size: 64 }\n"
	         "play: { file: %s, topics: [a], rate: 1 }\n"
	         "stages:\n"
	         "  sink: { plugin: t_sink, inputs: { in: a } }\n",
	         f);
	write_text(y, text);
	uint64_t t0 = tu_now_ns();
	run_file(y, n, 0, 0, &fig);
	/* 99 gaps of 5 ms: not sooner (an upper bound would be a timed test) */
	ck_assert_uint_ge(tu_now_ns() - t0, 495000000u);
	ck_assert_double_eq(fig.received, 100);
	ck_assert_double_eq(fig.gaps, 0);
}
END_TEST

static double summary_figure(const char *file, const char *key)
{
	char expr[128];

	snprintf(expr, sizeof(expr), "s[\"figures\"][\"%s\"]", key);
	return tu_json_number(file, expr);
}

static void run_example(const char *yaml, const char *name, double duration, const char *summary)
{
	struct sluice_pipeline *pl;
	struct sluice_run_result res;
	struct sluice_run_opts o = {
	    .duration_s = duration, .result = &res, .summary_path = summary};

	ck_assert_msg(sluice_pipeline_load(yaml, name, &pl) == 0, "%s", sluice_errdetail());
	ck_assert_msg(sluice_pipeline_run(pl, &o) == 0, "%s", sluice_errdetail());
	ck_assert_int_eq(res.failed_stages, 0);
	sluice_pipeline_free(pl);
}

/* The demo recorded for 8 s (examples/sensor_fusion_record.yaml), then
 * examples/fusion_replay.yaml on that recording: the same fixes scored
 * (n_gps, rmse_gps_m equal), the same number of fused poses scored and
 * the fused RMSE within 5% of the live run's.  Not equal: the replay gives
 * fusion its inputs in the order the recorder received them, and a message
 * that reached fusion late in the live run (a busy machine) was extrapolated
 * differently there (docs/record.md has figures: 5e-7 to 2e-3 relative). */
START_TEST(demo_replay_same_rmse)
{
	char live[128], replay[128], name[64], built[128];

	path_in(live, sizeof(live), "live.json");
	path_in(replay, sizeof(replay), "replay.json");
	path_in(built, sizeof(built), "build");
	/* the examples' paths (build/demo.mcap) are relative: run in workdir */
	ck_assert_int_eq(mkdir(built, 0755) == 0 || errno == EEXIST, 1);
	ck_assert_int_eq(chdir(workdir), 0);
	unsetenv("SLUICE_PLUGIN_PATH");
	snprintf(name, sizeof(name), "rdl%ld", (long)getpid());
	run_example(SOURCE_DIR "/examples/sensor_fusion_record.yaml", name, 8.0, live);
	snprintf(name, sizeof(name), "rdr%ld", (long)getpid());
	run_example(SOURCE_DIR "/examples/fusion_replay.yaml", name, 0, replay);

	double fl = summary_figure(live, "rmse_fused_m"),
	       fr = summary_figure(replay, "rmse_fused_m");

	fprintf(stderr, "demo_replay_same_rmse: rmse_fused_m live %.9f replay %.9f (%.2e rel)\n",
	        fl, fr, fabs(fr - fl) / fl);
	ck_assert_double_gt(summary_figure(live, "n_fused"), 0);
	ck_assert_double_eq(summary_figure(live, "n_fused"), summary_figure(replay, "n_fused"));
	ck_assert_double_eq(summary_figure(live, "n_gps"), summary_figure(replay, "n_gps"));
	ck_assert_double_eq(summary_figure(live, "rmse_gps_m"),
	                    summary_figure(replay, "rmse_gps_m"));
	ck_assert_double_le(fabs(fr - fl), 0.05 * fl);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("pipeline_record");
	TCase *tc = tcase_create("pipeline_record");

	tcase_set_timeout(tc, 90);
	tcase_add_loop_test(tc, bad_sections_refused_with_position, 0,
	                    (int)(sizeof(bad_sections) / sizeof(bad_sections[0])));
	tcase_add_loop_test(tc, record_then_play_same_values, 0, 3);
	tcase_add_test(tc, run_prints_what_it_recorded);
	tcase_add_test(tc, cut_recording_refused_with_recover);
	tcase_add_test(tc, play_keeps_recorded_timing);
	tcase_add_test(tc, demo_replay_same_rmse);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	char cmd[128];

	snprintf(workdir, sizeof(workdir), "/tmp/sluice-prec-XXXXXX");
	if (!mkdtemp(workdir))
		return 1;
	setenv("SLUICE_PLUGIN_PATH", T_PLUGIN_DIR, 1);
	int rc = tu_run(make_suite);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", workdir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_pipeline_record: could not remove %s\n", workdir);
	return rc;
}
