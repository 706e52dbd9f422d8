/* serial.c - sluice-bench serial: the seed's serialization table (2.1)
 * measured. Encode and decode cost per message, wire bytes and the seed's
 * columns (zero-copy, schema, human-readable) for the seed's 32-byte
 * Msg {ts, x, y, z} and for a richer message (strings, a vector, a nested
 * table). Every encode call builds one complete message from the same
 * values (for FlatBuffers: a fresh builder, strings and vector, tables,
 * finish with its root offset); decode includes traversing every field.
 * sluice-fb encodes with the generated <T>_create() (every field at once),
 * sluice-fb-add with <T>_start/_add_<field>/_end. C++ flatbuffers is
 * measured by sluice-serial-cpp (tests/fb/bench_cpp.cpp, built beside
 * sluice-bench when flatc and libflatbuffers-dev are there). protobuf-c,
 * cJSON, msgpack-c and Cap'n Proto are adapters in bench/peers/serial_*,
 * built in (SLUICE_SERIAL_<PEER>) when bench/CMakeLists.txt finds their
 * library; without it their rows say skipped. Before timing, every row's
 * decode of its own encode is checked (a peer's field by field); a row
 * that does not give back what was encoded stops the run. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "benchmsg_sluice.h" /* sluicec on tests/fb/schemas/benchmsg.fbs */
#include "serial_peers.h"
#include "sluice/fb.h"

/* ---- the two messages (struct msg32, struct rich: serial_peers.h) ---- */

const struct msg32 m32 = {1700000000123456789ull, 1.5, -2.25, 3.125};
struct rich rich_ref;

static void rich_init(void)
{
	int i;

	rich_ref.ts = 1700000000123456789ull;
	rich_ref.seq = 42;
	strcpy(rich_ref.name, "front-left-camera");
	strcpy(rich_ref.frame, "base_link");
	for (i = 0; i < RICH_N; i++)
		rich_ref.samples[i] = (float)i * 0.5f;
	rich_ref.px = 10.0;
	rich_ref.py = -3.5;
	rich_ref.pz = 0.25;
}

static volatile double sink;

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* A method: encode into buf (returns bytes or 0), decode and traverse
 * (returns a checksum, NAN on a refusal). */
struct method {
	const char *name;
	const char *skip; /* why it is skipped, or NULL */
	bool zero_copy, schema, human;
	size_t (*enc32)(uint8_t *buf, size_t cap);
	double (*dec32)(const uint8_t *buf, size_t len);
	size_t (*encr)(uint8_t *buf, size_t cap);
	double (*decr)(const uint8_t *buf, size_t len);
	/* peers: decode into the message struct, for the round-trip check */
	int (*chk32)(const uint8_t *buf, size_t len, struct msg32 *out);
	int (*chkr)(const uint8_t *buf, size_t len, struct rich *out);
};

static double sum32(const struct msg32 *m)
{
	return (double)m->ts + m->x + m->y + m->z;
}

/* ---- raw memcpy of a POD struct ---- */

static size_t raw_enc32(uint8_t *b, size_t cap)
{
	(void)cap;
	memcpy(b, &m32, sizeof(m32));
	return sizeof(m32);
}

static double raw_dec32(const uint8_t *b, size_t len)
{
	struct msg32 m;

	(void)len;
	memcpy(&m, b, sizeof(m));
	return sum32(&m);
}

static size_t raw_encr(uint8_t *b, size_t cap)
{
	(void)cap;
	memcpy(b, &rich_ref, sizeof(rich_ref));
	return sizeof(rich_ref);
}

static double rich_sum(const struct rich *r)
{
	double s = (double)r->ts + r->seq + r->px + r->py + r->pz + (double)strlen(r->name) +
		   (double)strlen(r->frame);
	int i;

	for (i = 0; i < RICH_N; i++)
		s += r->samples[i];
	return s;
}

static double raw_decr(const uint8_t *b, size_t len)
{
	const struct rich *r = (const struct rich *)(const void *)b;

	(void)len;
	return rich_sum(r);
}

/* ---- hand-rolled little-endian binary, with bounds checks on decode ---- */

static uint8_t *put(uint8_t *p, const void *v, size_t n)
{
	memcpy(p, v, n);
	return p + n;
}

static size_t hand_enc32(uint8_t *b, size_t cap)
{
	uint8_t *p = b;

	(void)cap;
	p = put(p, &m32.ts, 8);
	p = put(p, &m32.x, 8);
	p = put(p, &m32.y, 8);
	p = put(p, &m32.z, 8);
	return (size_t)(p - b);
}

static double hand_dec32(const uint8_t *b, size_t len)
{
	struct msg32 m;

	if (len < 32)
		return NAN;
	memcpy(&m.ts, b, 8);
	memcpy(&m.x, b + 8, 8);
	memcpy(&m.y, b + 16, 8);
	memcpy(&m.z, b + 24, 8);
	return sum32(&m);
}

static size_t hand_encr(uint8_t *b, size_t cap)
{
	uint8_t *p = b;
	uint16_t n1 = (uint16_t)strlen(rich_ref.name), n2 = (uint16_t)strlen(rich_ref.frame);
	uint16_t ns = RICH_N;

	(void)cap;
	p = put(p, &rich_ref.ts, 8);
	p = put(p, &rich_ref.seq, 4);
	p = put(p, &n1, 2);
	p = put(p, rich_ref.name, n1);
	p = put(p, &n2, 2);
	p = put(p, rich_ref.frame, n2);
	p = put(p, &ns, 2);
	p = put(p, rich_ref.samples, sizeof(rich_ref.samples));
	p = put(p, &rich_ref.px, 8);
	p = put(p, &rich_ref.py, 8);
	p = put(p, &rich_ref.pz, 8);
	return (size_t)(p - b);
}

static double hand_decr(const uint8_t *b, size_t len)
{
	size_t at = 0;
	uint64_t ts;
	uint32_t seq;
	uint16_t n1, n2, ns, i;
	double s, v;
	float f;

#define TAKE(dst, n)                                                                          \
	do {                                                                                  \
		if (len - at < (n))                                                           \
			return NAN;                                                           \
		memcpy((dst), b + at, (n));                                                   \
		at += (n);                                                                    \
	} while (0)
	TAKE(&ts, 8);
	TAKE(&seq, 4);
	TAKE(&n1, 2);
	if (len - at < n1)
		return NAN;
	at += n1;
	TAKE(&n2, 2);
	if (len - at < n2)
		return NAN;
	at += n2;
	s = (double)ts + seq + n1 + n2;
	TAKE(&ns, 2);
	for (i = 0; i < ns; i++) {
		TAKE(&f, 4);
		s += f;
	}
	TAKE(&v, 8);
	s += v;
	TAKE(&v, 8);
	s += v;
	TAKE(&v, 8);
	s += v;
#undef TAKE
	return s;
}

/* ---- sluice FlatBuffers: built in place, verified, read in place ----
 * benchmsg.fbs (tests/fb/schemas, the schema the C++ peer uses):
 * Msg { ts: ulong; x: double; y: double; z: double; }
 * Rich { ts: ulong; seq: uint; name: string; frame: string;
 *        samples: [float]; pose: P; }   P { x: double; y: double; z: double; }
 * Encoding calls the code sluicec generates from it. Every encode, of
 * every method, builds a complete message from the same source values
 * into the same buffer: here a fresh builder, the strings and vector,
 * the tables and sluice_fb_finish (root offset, alignment), as the C++
 * peer does Clear(), CreateString/CreateVector, CreateT and Finish. */

/* where the last message was built: at the end of the slot, where it stays
 * (decoding reads it there, nothing is copied) */
static size_t fb_off;

/* <T>_create(): every field at once, the table laid out at compile time */
static size_t fb_enc32(uint8_t *b, size_t cap)
{
	sluice_fb_builder fbb; /* on the stack, as a publisher would keep it */
	sluice_fb_msg m;
	sluice_fb_ref r;

	sluice_fb_builder_init(&fbb, b, cap);
	r = benchmsg_Msg_create(&fbb, m32.ts, m32.x, m32.y, m32.z);
	if (benchmsg_Msg_finish(&fbb, r, &m))
		return 0;
	fb_off = m.offset;
	return m.length;
}

/* <T>_start, _add_<field> per field, _end: fields chosen at run time */
static size_t fb_add_enc32(uint8_t *b, size_t cap)
{
	sluice_fb_builder fbb; /* on the stack, as a publisher would keep it */
	sluice_fb_msg m;
	sluice_fb_ref r;

	sluice_fb_builder_init(&fbb, b, cap);
	benchmsg_Msg_start(&fbb);
	benchmsg_Msg_add_ts(&fbb, m32.ts);
	benchmsg_Msg_add_x(&fbb, m32.x);
	benchmsg_Msg_add_y(&fbb, m32.y);
	benchmsg_Msg_add_z(&fbb, m32.z);
	r = benchmsg_Msg_end(&fbb);
	if (benchmsg_Msg_finish(&fbb, r, &m))
		return 0;
	fb_off = m.offset;
	return m.length;
}

static int verify_msg32(sluice_fb_verifier *v, const uint8_t *t)
{
	sluice_fb_vtab tab;
	int rc = sluice_fb_verify_table_enter(v, t, &tab);
	unsigned id;

	for (id = 0; !rc && id < 4; id++)
		rc = sluice_fb_verify_field(v, &tab, id, 8, 8, false);
	if (!rc)
		sluice_fb_verify_table_leave(v);
	return rc;
}

static double fb_read32(const uint8_t *b)
{
	const uint8_t *t = sluice_fb_root(b), *p;
	double s = 0;

	p = sluice_fb_field_ptr(t, 0);
	s += p ? (double)sluice_fb_u64(p) : 0;
	p = sluice_fb_field_ptr(t, 1);
	s += p ? sluice_fb_f64(p) : 0;
	p = sluice_fb_field_ptr(t, 2);
	s += p ? sluice_fb_f64(p) : 0;
	p = sluice_fb_field_ptr(t, 3);
	s += p ? sluice_fb_f64(p) : 0;
	return s;
}

static double fb_dec32(const uint8_t *b, size_t len)
{
	b += fb_off;
	if (sluice_fb_verify_buffer(b, len, NULL, verify_msg32))
		return NAN;
	return fb_read32(b);
}

static double fb_read_only32(const uint8_t *b, size_t len)
{
	(void)len;
	return fb_read32(b + fb_off);
}

static size_t fb_encr(uint8_t *b, size_t cap)
{
	sluice_fb_builder fbb;
	sluice_fb_msg m;
	sluice_fb_ref name, frame, samples, pose, r;

	sluice_fb_builder_init(&fbb, b, cap);
	name = sluice_fb_cstring(&fbb, rich_ref.name);
	frame = sluice_fb_cstring(&fbb, rich_ref.frame);
	samples = benchmsg_Rich_create_samples(&fbb, rich_ref.samples, RICH_N);
	pose = benchmsg_P_create(&fbb, rich_ref.px, rich_ref.py, rich_ref.pz);
	r = benchmsg_Rich_create(&fbb, rich_ref.ts, rich_ref.seq, name, frame, samples, pose);
	if (benchmsg_Rich_finish(&fbb, r, &m))
		return 0;
	fb_off = m.offset;
	return m.length;
}

static size_t fb_add_encr(uint8_t *b, size_t cap)
{
	sluice_fb_builder fbb;
	sluice_fb_msg m;
	sluice_fb_ref name, frame, samples, pose, r;

	sluice_fb_builder_init(&fbb, b, cap);
	name = sluice_fb_cstring(&fbb, rich_ref.name);
	frame = sluice_fb_cstring(&fbb, rich_ref.frame);
	samples = benchmsg_Rich_create_samples(&fbb, rich_ref.samples, RICH_N);
	benchmsg_P_start(&fbb);
	benchmsg_P_add_x(&fbb, rich_ref.px);
	benchmsg_P_add_y(&fbb, rich_ref.py);
	benchmsg_P_add_z(&fbb, rich_ref.pz);
	pose = benchmsg_P_end(&fbb);
	benchmsg_Rich_start(&fbb);
	benchmsg_Rich_add_ts(&fbb, rich_ref.ts);
	benchmsg_Rich_add_name(&fbb, name);
	benchmsg_Rich_add_frame(&fbb, frame);
	benchmsg_Rich_add_samples(&fbb, samples);
	benchmsg_Rich_add_pose(&fbb, pose);
	benchmsg_Rich_add_seq(&fbb, rich_ref.seq);
	r = benchmsg_Rich_end(&fbb);
	if (benchmsg_Rich_finish(&fbb, r, &m))
		return 0;
	fb_off = m.offset;
	return m.length;
}

static int verify_pose(sluice_fb_verifier *v, const uint8_t *t)
{
	sluice_fb_vtab tab;
	int rc = sluice_fb_verify_table_enter(v, t, &tab);
	unsigned id;

	for (id = 0; !rc && id < 3; id++)
		rc = sluice_fb_verify_field(v, &tab, id, 8, 8, false);
	if (!rc)
		sluice_fb_verify_table_leave(v);
	return rc;
}

static int verify_rich(sluice_fb_verifier *v, const uint8_t *t)
{
	sluice_fb_vtab tab;
	const uint8_t *p;
	uint32_t n;
	int rc = sluice_fb_verify_table_enter(v, t, &tab);

	if (!rc)
		rc = sluice_fb_verify_field(v, &tab, 0, 8, 8, false);
	if (!rc)
		rc = sluice_fb_verify_field(v, &tab, 1, 4, 4, false);
	if (!rc && !(rc = sluice_fb_verify_ref(v, &tab, 2, false, &p)) && p)
		rc = sluice_fb_verify_string(v, p);
	if (!rc && !(rc = sluice_fb_verify_ref(v, &tab, 3, false, &p)) && p)
		rc = sluice_fb_verify_string(v, p);
	if (!rc && !(rc = sluice_fb_verify_ref(v, &tab, 4, false, &p)) && p)
		rc = sluice_fb_verify_vector(v, p, 4, 4, &n);
	if (!rc && !(rc = sluice_fb_verify_ref(v, &tab, 5, false, &p)) && p)
		rc = verify_pose(v, p);
	if (!rc)
		sluice_fb_verify_table_leave(v);
	return rc;
}

static double fb_readr(const uint8_t *b)
{
	const uint8_t *t = sluice_fb_root(b), *p, *v;
	double s = 0;
	uint32_t i, n;

	p = sluice_fb_field_ptr(t, 0);
	s += p ? (double)sluice_fb_u64(p) : 0;
	p = sluice_fb_field_ptr(t, 1);
	s += p ? sluice_fb_u32(p) : 0;
	s += sluice_fb_len(sluice_fb_field_ref(t, 2));
	s += sluice_fb_len(sluice_fb_field_ref(t, 3));
	v = sluice_fb_field_ref(t, 4);
	n = sluice_fb_len(v);
	for (i = 0; i < n; i++)
		s += sluice_fb_f32(v + 4 + 4 * (size_t)i);
	v = sluice_fb_field_ref(t, 5);
	for (i = 0; i < 3; i++) {
		p = sluice_fb_field_ptr(v, i);
		s += p ? sluice_fb_f64(p) : 0;
	}
	return s;
}

static double fb_decr(const uint8_t *b, size_t len)
{
	b += fb_off;
	if (sluice_fb_verify_buffer(b, len, NULL, verify_rich))
		return NAN;
	return fb_readr(b);
}

static double fb_read_onlyr(const uint8_t *b, size_t len)
{
	(void)len;
	return fb_readr(b + fb_off);
}

/* ---- sprintf / strtod JSON ---- */

static size_t json_enc32(uint8_t *b, size_t cap)
{
	int n = snprintf((char *)b, cap, "{\"ts\":%" PRIu64 ",\"x\":%.17g,\"y\":%.17g,\"z\":%.17g}",
			 m32.ts, m32.x, m32.y, m32.z);
	return n > 0 ? (size_t)n : 0;
}

static double json_dec32(const uint8_t *b, size_t len)
{
	struct msg32 m;

	(void)len;
	if (sscanf((const char *)b, "{\"ts\":%" SCNu64 ",\"x\":%lf,\"y\":%lf,\"z\":%lf}", &m.ts, &m.x,
		   &m.y, &m.z) != 4)
		return NAN;
	return sum32(&m);
}

static size_t json_encr(uint8_t *b, size_t cap)
{
	char *p = (char *)b, *end = p + cap;
	int i;

	p += snprintf(p, (size_t)(end - p),
		      "{\"ts\":%" PRIu64 ",\"seq\":%u,\"name\":\"%s\",\"frame\":\"%s\",\"samples\":[",
		      rich_ref.ts, rich_ref.seq, rich_ref.name, rich_ref.frame);
	for (i = 0; i < RICH_N; i++)
		p += snprintf(p, (size_t)(end - p), "%s%.9g", i ? "," : "", rich_ref.samples[i]);
	p += snprintf(p, (size_t)(end - p), "],\"pose\":{\"x\":%.17g,\"y\":%.17g,\"z\":%.17g}}",
		      rich_ref.px, rich_ref.py, rich_ref.pz);
	return (size_t)(p - (char *)b);
}

static double json_decr(const uint8_t *b, size_t len)
{
	struct rich r;
	const char *p = (const char *)b;
	char *end;
	int n = 0, i;

	(void)len;
	memset(&r, 0, sizeof(r));
	if (sscanf(p, "{\"ts\":%" SCNu64 ",\"seq\":%u,\"name\":\"%31[^\"]\",\"frame\":\"%15[^\"]\",\"samples\":[%n",
		   &r.ts, &r.seq, r.name, r.frame, &n) != 4 || !n)
		return NAN;
	p += n;
	for (i = 0; i < RICH_N; i++) {
		r.samples[i] = strtof(p, &end);
		if (end == p)
			return NAN;
		p = end + 1;
	}
	if (sscanf(p, ",\"pose\":{\"x\":%lf,\"y\":%lf,\"z\":%lf}", &r.px, &r.py, &r.pz) != 3)
		return NAN;
	return rich_sum(&r);
}

#define NOT_INSTALLED "not installed (its library was not found when sluice-bench was configured)"
static const char *const no_helper = "sluice-serial-cpp not built beside sluice-bench";

/* A peer adapter's decode (into the struct, strings copied) timed as the
 * others are: every field read, then summed. */
#define PEER_DEC(p)                                                                            \
	static double p##_dec32_sum(const uint8_t *b, size_t len)                              \
	{                                                                                      \
		struct msg32 m;                                                                \
		return serial_##p##_dec32(b, len, &m) ? NAN : sum32(&m);                       \
	}                                                                                      \
	static double p##_decr_sum(const uint8_t *b, size_t len)                               \
	{                                                                                      \
		struct rich r;                                                                 \
		return serial_##p##_decr(b, len, &r) ? NAN : rich_sum(&r);                     \
	}
#define PEER_ROW(name, p, zc, sch, hum)                                                        \
	{name, NULL, zc, sch, hum, serial_##p##_enc32, p##_dec32_sum, serial_##p##_encr,      \
	 p##_decr_sum, serial_##p##_dec32, serial_##p##_decr}
#define PEER_SKIP(name, zc, sch, hum) {name, NOT_INSTALLED, zc, sch, hum, NULL, NULL, NULL, NULL, NULL, NULL}

#ifdef SLUICE_SERIAL_PBC
PEER_DEC(pbc)
#define PBC_ROW PEER_ROW("protobuf-c", pbc, false, true, false)
#else
#define PBC_ROW PEER_SKIP("protobuf-c", false, true, false)
#endif
#ifdef SLUICE_SERIAL_CJSON
PEER_DEC(cjson)
#define CJSON_ROW PEER_ROW("cjson", cjson, false, false, true)
#else
#define CJSON_ROW PEER_SKIP("cjson", false, false, true)
#endif
#ifdef SLUICE_SERIAL_MSGPACK
PEER_DEC(msgpack)
#define MSGPACK_ROW PEER_ROW("msgpack-c", msgpack, false, false, false)
#else
#define MSGPACK_ROW PEER_SKIP("msgpack-c", false, false, false)
#endif
#ifdef SLUICE_SERIAL_CAPNP
PEER_DEC(capnp)
#define CAPNP_ROW PEER_ROW("capnproto", capnp, true, true, false)
#else
#define CAPNP_ROW PEER_SKIP("capnproto", true, true, false)
#endif

static const struct method methods[] = {
	{"raw-memcpy", NULL, true, false, false, raw_enc32, raw_dec32, raw_encr, raw_decr, NULL, NULL},
	{"hand-binary", NULL, false, false, false, hand_enc32, hand_dec32, hand_encr, hand_decr, NULL, NULL},
	{"sluice-fb", NULL, true, true, false, fb_enc32, fb_dec32, fb_encr, fb_decr, NULL, NULL},
	{"sluice-fb-noverify", NULL, true, true, false, fb_enc32, fb_read_only32, fb_encr, fb_read_onlyr, NULL, NULL},
	{"sluice-fb-add", NULL, true, true, false, fb_add_enc32, fb_dec32, fb_add_encr, fb_decr, NULL, NULL},
	{"sprintf-json", NULL, false, false, true, json_enc32, json_dec32, json_encr, json_decr, NULL, NULL},
	{"cpp-flatbuffers", NULL, true, true, false, NULL, NULL, NULL, NULL, NULL, NULL},
	PBC_ROW,
	CJSON_ROW,
	MSGPACK_ROW,
	CAPNP_ROW,
};

struct result {
	const char *method, *message;
	double enc, dec;            /* medians over the reps */
	double er[32], dr[32];      /* each rep's, in run order */
	size_t bytes;
	bool skipped;
	const char *reason;
	const struct method *m;
};

/* Runs the C++ flatbuffers helper beside this executable; fills the
 * cpp-flatbuffers rows, or leaves them skipped. */
static void run_cpp_peer(struct result *res, int n, long iters, int reps)
{
	char self[4096], cmd[4400], line[256];
	ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;
	FILE *p;

	if (k <= 0)
		return;
	self[k] = 0;
	slash = strrchr(self, '/');
	if (!slash)
		return;
	snprintf(slash + 1, sizeof(self) - (size_t)(slash + 1 - self), "sluice-serial-cpp");
	if (access(self, X_OK) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "'%s' --iters %ld --reps %d", self, iters, reps);
	p = popen(cmd, "r");
	if (!p)
		return;
	while (fgets(line, sizeof(line), p)) {
		char msg[16];
		double e, d;
		unsigned bytes;
		int i;

		if (sscanf(line, "%15s %lf %lf %u", msg, &e, &d, &bytes) != 4)
			continue;
		for (i = 0; i < n; i++)
			if (!strcmp(res[i].method, "cpp-flatbuffers") && !strcmp(res[i].message, msg)) {
				res[i].enc = e;
				res[i].dec = d;
				res[i].bytes = bytes;
				res[i].skipped = false;
				res[i].reason = NULL;
			}
	}
	pclose(p);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One rep: the mean ns per call of iters encodes into buf, then of iters
 * decodes of what the last encode wrote. */
static void measure_rep(size_t (*enc)(uint8_t *, size_t), double (*dec)(const uint8_t *, size_t),
			uint8_t *buf, size_t cap, size_t bytes, long iters, double *enc_ns,
			double *dec_ns)
{
	uint64_t t0 = now_ns();
	double acc = 0;
	long i;

	for (i = 0; i < iters; i++)
		acc += (double)enc(buf, cap);
	*enc_ns = (double)(now_ns() - t0) / (double)iters;
	t0 = now_ns();
	for (i = 0; i < iters; i++)
		acc += dec(buf, bytes);
	*dec_ns = (double)(now_ns() - t0) / (double)iters;
	sink = acc;
}

static double median(const double *v, int n)
{
	double t[32];

	memcpy(t, v, (size_t)n * sizeof(t[0]));
	qsort(t, (size_t)n, sizeof(t[0]), cmp_d);
	return t[n / 2];
}

/* The median over reps of a's time over b's in the same rep. */
static double median_ratio(const double *a, const double *b, int n)
{
	double q[32];
	int r;

	for (r = 0; r < n; r++)
		q[r] = a[r] / b[r];
	return median(q, n);
}

static const struct result *find(const struct result *res, int n, const char *method,
				 const char *message)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(res[i].method, method) && !strcmp(res[i].message, message))
			return &res[i];
	return NULL;
}

static _Alignas(16) uint8_t buf[1024]; /* Cap'n Proto reads words in place */

static bool rich_equal(const struct rich *a, const struct rich *b)
{
	return a->ts == b->ts && a->seq == b->seq && !strcmp(a->name, b->name) &&
	       !strcmp(a->frame, b->frame) && !memcmp(a->samples, b->samples, sizeof(a->samples)) &&
	       a->px == b->px && a->py == b->py && a->pz == b->pz;
}

/* Encodes and decodes one message of r's row: 0 when decode gives back
 * what was encoded, else says why on stderr. */
static int round_trip(const struct result *r)
{
	bool rich = !strcmp(r->message, "rich");
	size_t (*enc)(uint8_t *, size_t) = rich ? r->m->encr : r->m->enc32;
	double (*dec)(const uint8_t *, size_t) = rich ? r->m->decr : r->m->dec32;
	size_t bytes = enc(buf, sizeof(buf));
	const char *why = NULL;

	if (!bytes)
		why = "encode failed";
	else if (isnan(dec(buf, bytes)))
		why = "decode refused what encode wrote";
	else if (!rich && r->m->chk32) {
		struct msg32 m;

		memset(&m, 0, sizeof(m));
		if (r->m->chk32(buf, bytes, &m) || m.ts != m32.ts || m.x != m32.x || m.y != m32.y ||
		    m.z != m32.z)
			why = "decode does not give back the fields encoded";
	} else if (rich && r->m->chkr) {
		struct rich x;

		memset(&x, 0, sizeof(x));
		if (r->m->chkr(buf, bytes, &x) || !rich_equal(&x, &rich_ref))
			why = "decode does not give back the fields encoded";
	}
	if (why)
		fprintf(stderr, "sluice-bench serial: %s %s: round trip FAILED: %s\n", r->method,
			r->message, why);
	return why ? -1 : 0;
}

static int run_serial(int argc, char **argv)
{
	struct result res[2 * sizeof(methods) / sizeof(methods[0])];
	bool json = false;
	long iters = 200000;
	int reps = 7, n = 0, i, k;
	const char *msgs[2] = {"msg32", "rich"};

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
			iters = atol(argv[++i]);
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: sluice-bench serial [--json] [--iters N] [--reps R]\n");
			return !strcmp(argv[i], "--help") ? 0 : 2;
		}
	}
	if (iters < 1)
		iters = 1;
	if (reps < 1 || reps > 31)
		reps = 7;
	rich_init();
	for (k = 0; k < 2; k++)
		for (i = 0; i < (int)(sizeof(methods) / sizeof(methods[0])); i++) {
			const struct method *m = &methods[i];
			struct result *r = &res[n++];

			memset(r, 0, sizeof(*r));
			r->method = m->name;
			r->message = msgs[k];
			r->m = m;
			if (!m->enc32) {
				r->skipped = true;
				r->reason = m->skip ? m->skip : no_helper;
			}
		}
	/* Once, before timing: every row's decode must accept what its encode
	 * wrote, and a peer's must give back every field as encoded. */
	for (i = 0; i < n; i++)
		if (!res[i].skipped && round_trip(&res[i]))
			return 1;
	/* Rep by rep, every method in turn, so that each rep of every method
	 * sees the same machine (a shared VM drifts): ratios are then taken
	 * rep by rep, and their median reported. */
	{
		int rep;

		for (rep = 0; rep < reps; rep++)
			for (i = 0; i < n; i++) {
				struct result *r = &res[i];
				bool rich = !strcmp(r->message, "rich");
				size_t (*enc)(uint8_t *, size_t) = rich ? r->m->encr : r->m->enc32;
				double (*dec)(const uint8_t *, size_t) = rich ? r->m->decr : r->m->dec32;

				if (r->skipped)
					continue;
				r->bytes = enc(buf, sizeof(buf));
				measure_rep(enc, dec, buf, sizeof(buf), r->bytes, iters, &r->er[rep],
					    &r->dr[rep]);
			}
		for (i = 0; i < n; i++)
			if (!res[i].skipped) {
				res[i].enc = median(res[i].er, reps);
				res[i].dec = median(res[i].dr, reps);
			}
	}
	run_cpp_peer(res, n, iters, reps);
	if (json) {
		printf("[");
		for (i = 0; i < n; i++) {
			const struct result *r = &res[i];

			printf("%s\n  {\"method\": \"%s\", \"message\": \"%s\", ", i ? "," : "", r->method,
			       r->message);
			if (r->skipped)
				printf("\"encode_ns\": null, \"decode_ns\": null, \"bytes\": null, ");
			else
				printf("\"encode_ns\": %.1f, \"decode_ns\": %.1f, \"bytes\": %zu, ", r->enc,
				       r->dec, r->bytes);
			printf("\"zero_copy\": %s, \"schema\": %s, \"human_readable\": %s, \"skipped\": %s",
			       r->m->zero_copy ? "true" : "false", r->m->schema ? "true" : "false",
			       r->m->human ? "true" : "false", r->skipped ? "true" : "false");
			if (r->skipped)
				printf(", \"reason\": \"%s\"", r->reason);
			printf("}");
		}
		printf("\n]\n");
		return 0;
	}
	printf("encode: ns to build one complete message (FlatBuffers: builder reset, strings, vector,\n"
	       "tables, finish); decode: verify where the method has it, then read every field.\n"
	       "sluice-fb: generated <T>_create(); sluice-fb-add: <T>_start/_add_*/_end; median of %d reps\n"
	       "of %ld calls, methods interleaved rep by rep (C++ after, in its own process).\n\n",
	       reps, iters);
	printf("%-20s %-6s %10s %10s %6s  %-9s %-6s %-5s\n", "method", "msg", "encode ns", "decode ns",
	       "bytes", "zero-copy", "schema", "human");
	for (i = 0; i < n; i++) {
		const struct result *r = &res[i];

		if (r->skipped) {
			printf("%-20s %-6s skipped: %s\n", r->method, r->message, r->reason);
			continue;
		}
		printf("%-20s %-6s %10.1f %10.1f %6zu  %-9s %-6s %-5s\n", r->method, r->message, r->enc,
		       r->dec, r->bytes, r->m->zero_copy ? "yes" : "no", r->m->schema ? "yes" : "no",
		       r->m->human ? "yes" : "no");
	}
	for (k = 0; k < 2; k++) {
		const struct result *raw = find(res, n, "raw-memcpy", msgs[k]);
		const struct result *hand = find(res, n, "hand-binary", msgs[k]);
		const struct result *fb = find(res, n, "sluice-fb", msgs[k]);
		const struct result *fbr = find(res, n, "sluice-fb-noverify", msgs[k]);

		const struct result *cpp = find(res, n, "cpp-flatbuffers", msgs[k]);

		printf("%s: sluice-fb read/raw read %.2fx (goal <= 2), verify+read/raw read %.2fx, "
		       "encode/hand-binary encode %.2fx (goal <= 3)",
		       msgs[k], median_ratio(fbr->dr, raw->dr, reps), median_ratio(fb->dr, raw->dr, reps),
		       median_ratio(fb->er, hand->er, reps));
		/* the C++ peer runs after, in its own process: medians over medians */
		if (cpp && !cpp->skipped)
			printf(", encode/C++ flatbuffers encode %.2fx (goal < 1), verify+read/C++ %.2fx",
			       fb->enc / cpp->enc, fb->dec / cpp->dec);
		printf("\n");
	}
	return 0;
}

SLUICE_BENCH(serial, "the seed's serialization table 2.1: encode/decode ns, bytes", run_serial)
