/* json_sink.c - writes every message it receives as one JSON line to a
 * file: the demo's recorder. Its input accepts any type ("*").
 *
 * With `topic` set to the topic its input reads, any type is decoded
 * through the binary schema that topic carries, as `sluice echo` does:
 * {"type": ..., "seq": ..., "publish_ns": ..., "message": {...fields}}.
 * Without it, the demo's types are recognised by their FlatBuffers file
 * identifier (SIMU, SGPS, SPOS), verified, and written field by field with
 * the generated readers: {"type": ..., "seq": ..., "publish_ns": ...,
 * ...fields}. Either way a message is copied out of its slot before it is
 * verified, and only the copy is read (a publisher may still be writing
 * the slot); anything unknown or refused still gets a line saying what it
 * was, so the file accounts for every message. Non-finite numbers, which
 * JSON cannot express, are written as null. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/channel.h>
#include <sluice/error.h>
#include <sluice/fb_json.h>
#include <sluice/plugin.h>

#include "gps_sluice.h"
#include "imu_sluice.h"
#include "pose_sluice.h"

enum { P_PATH, P_APPEND, P_FLUSH_MS, P_TOPIC };

static const struct sluice_param_decl sink_params[] = {
    [P_PATH] = {"path", SLUICE_PARAM_STRING, "out.jsonl", "file to write (JSON lines)"},
    [P_APPEND] = {"append", SLUICE_PARAM_BOOL, "false", "append instead of truncating"},
    [P_FLUSH_MS] = {"flush_ms", SLUICE_PARAM_INT, "200",
                    "flush to the file at least this often, ms (0: every line)"},
    [P_TOPIC] = {"topic", SLUICE_PARAM_STRING, "",
                 "the topic on `in`: decode any type with the schema it carries "
                 "(empty: the demo's types only)"},
};

struct sink {
	FILE *f;
	uint64_t flush_ns, last_flush_ns;
	uint64_t lines, unknown, refused;
	int write_err;
	char topic[256]; /* "" unless decoding through the topic's schema */
	void *schema;    /* the topic's .bfbs, once read and verified */
	size_t schema_len;
	char type[SLUICE_TYPE_NAME_MAX + 1];
	void *copy; /* the message copied out of its slot */
	size_t copy_cap;
	char *json; /* the printer's output */
	size_t json_cap;
};

static int on_msg(void *st, const struct sluice_ctx *ctx, const struct sluice_stage_msg *msg);

static const struct sluice_input_decl sink_inputs[] = {
    {"in", "*", "messages of any type", on_msg},
};

static void put_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.17g", v);
	else
		fputs("null", f);
}

static int file_write(void *f, const char *text, size_t len)
{
	return fwrite(text, 1, len, f) == len ? 0 : -EIO;
}

/* A JSON string that stays valid JSON whatever the message held (the
 * library's escaping: invalid UTF-8 becomes U+FFFD). */
static void put_str(FILE *f, const char *str, size_t n)
{
	sluice_fb_json_string(str, n, file_write, f);
}

static void put_vec3(FILE *f, const char *name, sluice_msg_Vec3 v)
{
	fprintf(f, ",\"%s\":{\"x\":", name);
	put_num(f, v.x);
	fputs(",\"y\":", f);
	put_num(f, v.y);
	fputs(",\"z\":", f);
	put_num(f, v.z);
	fputc('}', f);
}

static void put_array(FILE *f, const char *name, const double *m, int n)
{
	fprintf(f, ",\"%s\":[", name);
	for (int i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		put_num(f, m[i]);
	}
	fputc(']', f);
}

static void put_header(FILE *f, const uint8_t *h)
{
	fprintf(f, ",\"header\":{\"stamp_ns\":%llu,\"frame_id\":",
	        (unsigned long long)sluice_msg_Header_stamp_ns(h));
	if (sluice_msg_Header_frame_id_is_present(h))
		put_str(f, sluice_msg_Header_frame_id(h), sluice_msg_Header_frame_id_len(h));
	else
		fputs("null", f);
	fprintf(f, ",\"seq\":%llu}", (unsigned long long)sluice_msg_Header_seq(h));
}

static void put_imu(FILE *f, const uint8_t *m)
{
	put_header(f, sluice_msg_Imu_header(m));
	if (sluice_msg_Imu_accel_is_present(m))
		put_vec3(f, "accel", sluice_msg_Imu_accel(m));
	if (sluice_msg_Imu_gyro_is_present(m))
		put_vec3(f, "gyro", sluice_msg_Imu_gyro(m));
	if (sluice_msg_Imu_accel_cov_is_present(m))
		put_array(f, "accel_cov", sluice_msg_Imu_accel_cov(m).m, 9);
	if (sluice_msg_Imu_gyro_cov_is_present(m))
		put_array(f, "gyro_cov", sluice_msg_Imu_gyro_cov(m).m, 9);
	if (sluice_msg_Imu_temperature_is_present(m)) {
		fputs(",\"temperature\":", f);
		put_num(f, sluice_msg_Imu_temperature(m));
	}
}

static void put_gps(FILE *f, const uint8_t *m)
{
	const char *kind = sluice_msg_FixKind_name(sluice_msg_GpsFix_kind(m));

	put_header(f, sluice_msg_GpsFix_header(m));
	fputs(",\"kind\":", f);
	if (kind)
		put_str(f, kind, strlen(kind));
	else
		fprintf(f, "%d", (int)sluice_msg_GpsFix_kind(m));
	if (sluice_msg_GpsFix_position_is_present(m)) {
		sluice_msg_GeoPoint p = sluice_msg_GpsFix_position(m);

		fputs(",\"position\":{\"lat_deg\":", f);
		put_num(f, p.lat_deg);
		fputs(",\"lon_deg\":", f);
		put_num(f, p.lon_deg);
		fputs(",\"alt_m\":", f);
		put_num(f, p.alt_m);
		fputc('}', f);
	}
	if (sluice_msg_GpsFix_covariance_is_present(m))
		put_array(f, "covariance", sluice_msg_GpsFix_covariance(m).m, 9);
	fprintf(f, ",\"satellites\":%u", (unsigned)sluice_msg_GpsFix_satellites(m));
}

static void put_pose(FILE *f, const uint8_t *m)
{
	put_header(f, sluice_msg_Pose_header(m));
	if (sluice_msg_Pose_position_is_present(m))
		put_vec3(f, "position", sluice_msg_Pose_position(m));
	if (sluice_msg_Pose_velocity_is_present(m))
		put_vec3(f, "velocity", sluice_msg_Pose_velocity(m));
	if (sluice_msg_Pose_orientation_is_present(m)) {
		sluice_msg_Quat q = sluice_msg_Pose_orientation(m);
		double a[4] = {q.x, q.y, q.z, q.w};

		fputs(",\"orientation\":{\"x\":", f);
		put_num(f, a[0]);
		fputs(",\"y\":", f);
		put_num(f, a[1]);
		fputs(",\"z\":", f);
		put_num(f, a[2]);
		fputs(",\"w\":", f);
		put_num(f, a[3]);
		fputc('}', f);
	}
	fputs(",\"yaw\":", f);
	put_num(f, sluice_msg_Pose_yaw(m));
	if (sluice_msg_Pose_covariance_is_present(m))
		put_array(f, "covariance", sluice_msg_Pose_covariance(m).m, 36);
}

struct known {
	const char *ident, *type;
	int (*verify)(const void *buf, size_t len);
	const uint8_t *(*root)(const void *buf);
	void (*put)(FILE *f, const uint8_t *m);
};

static const struct known known_types[] = {
    {"SIMU", "sluice.msg.Imu", sluice_msg_Imu_verify, sluice_msg_Imu_as_root, put_imu},
    {"SGPS", "sluice.msg.GpsFix", sluice_msg_GpsFix_verify, sluice_msg_GpsFix_as_root, put_gps},
    {"SPOS", "sluice.msg.Pose", sluice_msg_Pose_verify, sluice_msg_Pose_as_root, put_pose},
};

static int sink_init(void *st, const struct sluice_ctx *ctx, const struct sluice_param_value *p)
{
	struct sink *s = st;
	const char *path = p[P_PATH].v.s;

	if (!path || !*path || p[P_FLUSH_MS].v.i < 0) {
		sluice_log(ctx, SLUICE_LOG_ERROR, "path must not be empty, flush_ms >= 0");
		return -EINVAL;
	}
	s->f = fopen(path, p[P_APPEND].v.b ? "a" : "w");
	if (!s->f) {
		int e = errno;

		sluice_log(ctx, SLUICE_LOG_ERROR, "%s: %s", path, strerror(e));
		return -e;
	}
	s->flush_ns = (uint64_t)p[P_FLUSH_MS].v.i * 1000000u;
	s->last_flush_ns = sluice_now_ns(ctx);
	if (p[P_TOPIC].v.s && *p[P_TOPIC].v.s) {
		if (strlen(p[P_TOPIC].v.s) >= sizeof(s->topic)) {
			sluice_log(ctx, SLUICE_LOG_ERROR, "topic name too long");
			return -ENAMETOOLONG;
		}
		strcpy(s->topic, p[P_TOPIC].v.s);
		s->json_cap = 1 << 20;
		s->json = malloc(s->json_cap);
		if (!s->json)
			return -ENOMEM;
	}
	return 0;
}

/* Reads and verifies the topic's schema; 0 once it is there. Tried again
 * at each message until it is (the topic may get its publisher later). */
static int load_schema(struct sink *s, const struct sluice_ctx *ctx)
{
	struct sluice_topic_stats st;
	void *b;
	int rc;

	if (s->schema)
		return 0;
	if ((rc = sluice_topic_stat(s->topic, &st, NULL, 0)) != 0)
		return rc;
	if (!st.schema_len)
		return -ENOENT;
	b = malloc(st.schema_len);
	if (!b)
		return -ENOMEM;
	if (sluice_topic_schema(s->topic, b, st.schema_len) != (int)st.schema_len) {
		free(b);
		return -EIO;
	}
	if ((rc = sluice_fb_schema_verify(b, st.schema_len)) != 0) {
		sluice_log(ctx, SLUICE_LOG_ERROR, "%s carries a broken schema: %s", s->topic,
		           sluice_errdetail());
		free(b);
		return rc;
	}
	s->schema = b;
	s->schema_len = st.schema_len;
	memcpy(s->type, st.type_name, sizeof(s->type));
	return 0;
}

/* Room for a copy of n bytes, aligned as a builder aligns a message. */
static int reserve_copy(struct sink *s, size_t n)
{
	size_t cap = (n + SLUICE_FB_MAX_ALIGN - 1) & ~(size_t)(SLUICE_FB_MAX_ALIGN - 1);
	void *b;

	if (n <= s->copy_cap && s->copy)
		return 0;
	b = aligned_alloc(SLUICE_FB_MAX_ALIGN, cap ? cap : SLUICE_FB_MAX_ALIGN);
	if (!b)
		return -ENOMEM;
	free(s->copy);
	s->copy = b;
	s->copy_cap = cap;
	return 0;
}

/* The printer's JSON on one line: layout white space dropped (JSON strings
 * hold no raw newlines) and nan/inf, which JSON lacks, written as null. */
static void put_json_line(FILE *f, const char *j)
{
	bool in_str = false;

	for (const char *p = j; *p; p++) {
		if (in_str) {
			fputc(*p, f);
			if (*p == '\\' && p[1])
				fputc(*++p, f);
			else if (*p == '"')
				in_str = false;
		} else if (*p == '"') {
			in_str = true;
			fputc(*p, f);
		} else if (*p == '\n') {
			while (p[1] == ' ')
				p++;
		} else if (!strncmp(p, "nan", 3) || !strncmp(p, "inf", 3) ||
		           !strncmp(p, "-nan", 4) || !strncmp(p, "-inf", 4)) {
			fputs("null", f);
			p += *p == '-' ? 3 : 2;
		} else {
			fputc(*p, f);
		}
	}
}

/* One line through the topic's schema; 0, or -1 when the schema is not
 * there (yet), so that the demo's path is tried. */
static int put_by_schema(struct sink *s, const struct sluice_ctx *ctx,
                         const struct sluice_stage_msg *msg)
{
	size_t n;
	int rc;

	if (load_schema(s, ctx) != 0)
		return -1;
	rc = reserve_copy(s, msg->size);
	if (!rc)
		rc = sluice_fb_json_print_copy(s->schema, s->schema_len, s->type, msg->data,
		                               msg->size, NULL, s->copy, s->copy_cap, s->json,
		                               s->json_cap, &n);
	fputs("{\"type\":", s->f);
	put_str(s->f, s->type, strlen(s->type));
	fprintf(s->f, ",\"seq\":%llu,\"publish_ns\":%llu", (unsigned long long)msg->seq,
	        (unsigned long long)msg->publish_ns);
	if (rc == 0) {
		fputs(",\"message\":", s->f);
		put_json_line(s->f, s->json);
	} else {
		const char *d = rc == -ENOMEM ? "out of memory" : sluice_errdetail();

		fputs(",\"error\":", s->f);
		put_str(s->f, d, strlen(d));
		fprintf(s->f, ",\"size\":%zu", msg->size);
		s->refused++;
	}
	fputs("}\n", s->f);
	return 0;
}

static int on_msg(void *st, const struct sluice_ctx *ctx, const struct sluice_stage_msg *msg)
{
	struct sink *s = st;
	const struct known *k = NULL;
	const uint8_t *data;
	uint64_t now;

	if (s->topic[0] && put_by_schema(s, ctx, msg) == 0)
		goto written;
	/* what is verified is what is read: a copy the publisher cannot touch */
	if (reserve_copy(s, msg->size) != 0)
		return -ENOMEM;
	memcpy(s->copy, msg->data, msg->size);
	data = s->copy;
	if (msg->size >= 8)
		for (size_t i = 0; i < sizeof(known_types) / sizeof(known_types[0]); i++)
			if (memcmp(sluice_fb_identifier(data), known_types[i].ident, 4) == 0)
				k = &known_types[i];
	fputs("{\"type\":", s->f);
	if (k && k->verify(data, msg->size) == 0) {
		put_str(s->f, k->type, strlen(k->type));
		fprintf(s->f, ",\"seq\":%llu,\"publish_ns\":%llu", (unsigned long long)msg->seq,
		        (unsigned long long)msg->publish_ns);
		k->put(s->f, k->root(data));
	} else {
		/* still a line, so that the file accounts for every message */
		fputs(k ? "null,\"error\":\"failed verification\""
		        : "null,\"error\":\"unknown type\"",
		      s->f);
		if (msg->size >= 8) {
			fputs(",\"identifier\":", s->f);
			put_str(s->f, sluice_fb_identifier(data), 4);
		}
		fprintf(s->f, ",\"seq\":%llu,\"publish_ns\":%llu,\"size\":%zu",
		        (unsigned long long)msg->seq, (unsigned long long)msg->publish_ns,
		        msg->size);
		if (k)
			s->refused++;
		else
			s->unknown++;
	}
	fputs("}\n", s->f);
written:
	s->lines++;
	now = sluice_now_ns(ctx);
	if (s->flush_ns == 0 || now - s->last_flush_ns >= s->flush_ns) {
		fflush(s->f);
		s->last_flush_ns = now;
	}
	if (ferror(s->f)) {
		if (!s->write_err++)
			sluice_log(ctx, SLUICE_LOG_ERROR, "write failed");
		return -EIO;
	}
	return 0;
}

static void sink_fini(void *st, const struct sluice_ctx *ctx)
{
	struct sink *s = st;

	free(s->schema);
	free(s->copy);
	free(s->json);
	s->schema = s->copy = NULL;
	s->json = NULL;
	if (!s->f)
		return;
	if (fclose(s->f) != 0)
		sluice_log(ctx, SLUICE_LOG_ERROR, "closing the file failed");
	s->f = NULL;
	sluice_log(ctx, SLUICE_LOG_INFO, "%llu lines (%llu of unknown type, %llu malformed)",
	           (unsigned long long)s->lines, (unsigned long long)s->unknown,
	           (unsigned long long)s->refused);
}

SLUICE_PLUGIN(.name = "json_sink", .version = "1.0.0",
              .summary = "writes each message as one JSON line to a file",
              SLUICE_PARAMS(sink_params), SLUICE_INPUTS(sink_inputs), SLUICE_STATE(struct sink),
              .init = sink_init, .fini = sink_fini);
