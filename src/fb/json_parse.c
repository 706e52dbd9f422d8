/* json_parse.c - JSON to a FlatBuffers message, driven by a binary schema
 * (see sluice_fb_json_parse in sluice/fb_json.h). The builder needs a
 * table's children before the table, so each object is read in one pass:
 * strings, vectors and sub-tables are built as they are met, scalars and
 * structs wait in the scratch stack until the closing brace. Every level
 * pops what it pushed, so vectors of built children stay contiguous. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/detail.h"
#include "fb/json_lex.h"
#include "fb/reflect.h"
#include "sluice/error.h"
#include "sluice/fb_json.h"

#define MAX_DEPTH 64

struct jp {
	const struct rf_schema *s;
	struct sluice__jlex x; /* the text and where we are in it */
	sluice_fb_builder *b;
	uint8_t *scratch;
	size_t cap, top;
	int depth;
	/* the field whose value is being read, for error details */
	const char *field, *in;
};

/* A field waiting for its table to start. */
struct pend {
	uint16_t id;
	uint8_t kind; /* 0 scalar, 1 struct, 2 reference */
	uint8_t size;
	uint32_t align;
	uint64_t val;  /* scalar bytes, or a scratch offset for structs */
	sluice_fb_ref ref;
};

static int vfail_at(int line, int col, const char *fmt, va_list ap)
{
	char what[256];

	vsnprintf(what, sizeof(what), fmt, ap);
	return sluice__fail(-SLUICE_EFBJSON, "fb json: %d:%d: %s", line, col, what);
}

/* An error at line:col (where what it is about began). */
static int fail_at(int line, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail_at(int line, int col, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail_at(line, col, fmt, ap);
	va_end(ap);
	return rc;
}

/* An error at the current position. */
static int fail(struct jp *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct jp *j, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail_at(j->x.line, j->x.col, fmt, ap);
	va_end(ap);
	return rc;
}

/* An error in the value of the field being read, naming it. */
static int fail_value(struct jp *j, int line, int col, const char *what)
{
	if (!j->field)
		return fail_at(line, col, "%s", what);
	return fail_at(line, col, "%s for field \"%s\" of %s", what, j->field, j->in);
}

static void *push(struct jp *j, size_t n, size_t align)
{
	size_t at = (j->top + align - 1) & ~(align - 1);

	if (at > j->cap || n > j->cap - at)
		return NULL;
	j->top = at + n;
	return j->scratch + at;
}

static int peekc(const struct jp *j)
{
	return sluice__jlex_peek(&j->x);
}

static void adv(struct jp *j)
{
	sluice__jlex_adv(&j->x);
}

static int ws(struct jp *j)
{
	return sluice__jlex_ws(&j->x) ? fail(j, "unterminated comment") : 0;
}

static int expect(struct jp *j, char c)
{
	int rc = ws(j);

	if (rc)
		return rc;
	if (peekc(j) != c) {
		char msg[32] = "expected 'x'";

		msg[10] = c;
		return fail(j, "%s", msg);
	}
	adv(j);
	return 0;
}

/* A string, decoded into scratch (as flatc decodes it: json_lex.h) and
 * NUL-terminated; out and n give it. */
static int string(struct jp *j, const char **out, size_t *n)
{
	size_t room = j->cap - j->top;
	const char *why = NULL;
	char *d = (char *)j->scratch + j->top;
	int rc = j->top < j->cap ? sluice__jlex_string(&j->x, d, room - 1, n, &why) : -2;

	if (rc == -2)
		return -SLUICE_EFBFULL;
	if (rc)
		return fail(j, "%s", why);
	d[*n] = 0;
	j->top += *n + 1;
	*out = d;
	return 0;
}

/* The bare word null (consumed) comes next. */
static bool is_null(struct jp *j)
{
	const char *t;
	size_t left;

	if (ws(j))
		return false; /* the error is met again by what reads the value */
	t = j->x.src + j->x.pos;
	left = j->x.len - j->x.pos;
	if (left < 4 || memcmp(t, "null", 4) != 0 ||
	    (left > 4 && (isalnum((unsigned char)t[4]) || t[4] == '_')))
		return false;
	for (int i = 0; i < 4; i++)
		adv(j);
	return true;
}

/* A bare token (number or identifier), copied NUL-terminated to scratch. */
static int token(struct jp *j, const char **out)
{
	size_t start = j->x.pos;
	char *d;

	while (isalnum(peekc(j)) || peekc(j) == '_' || peekc(j) == '.' || peekc(j) == '-' ||
	       peekc(j) == '+')
		adv(j);
	if (j->x.pos == start)
		return fail(j, "expected a value");
	d = push(j, j->x.pos - start + 1, 1);
	if (!d)
		return -SLUICE_EFBFULL;
	memcpy(d, j->x.src + start, j->x.pos - start);
	d[j->x.pos - start] = 0;
	*out = d;
	return 0;
}

static bool enum_lookup(const struct jp *j, int32_t idx, const char *name, size_t n, int64_t *v)
{
	const uint8_t *en = rf_enum_at(j->s, idx), *vals;
	uint32_t i, cnt;

	if (!en)
		return false;
	vals = sluice_fb_field_ref(en, EN_VALUES);
	cnt = sluice_fb_len(vals);
	for (i = 0; i < cnt; i++) {
		const uint8_t *ev = sluice_fb_vec_ref(vals, i);
		const char *nm = rf_str(ev, EV_NAME);

		if (strlen(nm) == n && memcmp(nm, name, n) == 0) {
			*v = rf_int(ev, EV_VALUE, 8, 0);
			return true;
		}
	}
	return false;
}

static bool fits(int b, int64_t v, bool big)
{
	switch (b) {
	case RF_BOOL: return v == 0 || v == 1;
	case RF_BYTE: return v >= -128 && v <= 127;
	case RF_UTYPE:
	case RF_UBYTE: return v >= 0 && v <= 255;
	case RF_SHORT: return v >= -32768 && v <= 32767;
	case RF_USHORT: return v >= 0 && v <= 65535;
	case RF_INT: return v >= INT32_MIN && v <= INT32_MAX;
	case RF_UINT: return v >= 0 && v <= (int64_t)UINT32_MAX;
	case RF_LONG: return !big;
	case RF_ULONG: return big || v >= 0;
	default: return true;
	}
}

/* A scalar of base type b (enum idx) into out[0..size). */
static int scalar(struct jp *j, int b, int32_t idx, uint8_t *out)
{
	size_t mark = j->top;
	const char *t = NULL;
	size_t n = 0;
	int64_t iv = 0;
	double dv = 0;
	bool big = false, flt = b == RF_FLOAT || b == RF_DOUBLE;
	int rc = ws(j);
	int line, col;

	if (rc)
		return rc;
	line = j->x.line;
	col = j->x.col;
	rc = peekc(j) == '"' ? string(j, &t, &n) : token(j, &t);
	if (rc)
		return rc;
	if (!n)
		n = strlen(t);
	if (!strcmp(t, "true") || !strcmp(t, "false")) {
		iv = t[0] == 't';
		dv = (double)iv;
	} else if (isdigit((unsigned char)t[0]) || t[0] == '-' || t[0] == '+' || t[0] == '.' ||
		   (flt && (!strcmp(t, "nan") || !strcmp(t, "inf") || !strcmp(t, "infinity")))) {
		char *end;

		errno = 0;
		if (flt) {
			dv = strtod(t, &end);
		} else if (t[0] == '-') {
			iv = strtoll(t, &end, 0);
		} else {
			uint64_t u = strtoull(t, &end, 0);

			big = u > (uint64_t)INT64_MAX;
			iv = (int64_t)u;
		}
		if (*end || (errno && !flt))
			return fail_value(j, line, col, "invalid number");
		if (!flt && !fits(b, iv, big))
			return fail_value(j, line, col, "number out of range");
	} else {
		/* enum names, several for bit flags */
		size_t a = 0;

		while (a < n) {
			size_t e = a;
			int64_t x;

			while (e < n && t[e] != ' ')
				e++;
			if (e > a) {
				if (!enum_lookup(j, idx, t + a, e - a, &x))
					return fail_value(j, line, col, "unknown enum value");
				iv |= x;
			}
			a = e + 1;
		}
		dv = (double)iv;
	}
	j->top = mark;
	switch (b) {
	case RF_FLOAT: {
		float f = (float)dv;

		memcpy(out, &f, 4);
		break;
	}
	case RF_DOUBLE:
		memcpy(out, &dv, 8);
		break;
	default: {
		uint64_t u = (uint64_t)iv;

		memcpy(out, &u, rf_scalar_size(b)); /* little-endian host */
	}
	}
	return 0;
}

/* The field of object ob named name[0..n), or NULL. */
static const uint8_t *field_named(const uint8_t *ob, const char *name, size_t n)
{
	const uint8_t *fields = sluice_fb_field_ref(ob, OB_FIELDS);
	uint32_t i, cnt = sluice_fb_len(fields);

	for (i = 0; i < cnt; i++) {
		const uint8_t *f = sluice_fb_vec_ref(fields, i);
		const char *nm = rf_str(f, FD_NAME);

		if (strlen(nm) == n && memcmp(nm, name, n) == 0)
			return f;
	}
	return NULL;
}

/* A key and its colon; *line:*col get where the key began. */
static int key(struct jp *j, const char **name, size_t *n, int *line, int *col)
{
	int rc = ws(j);

	if (rc)
		return rc;
	*line = j->x.line;
	*col = j->x.col;
	rc = peekc(j) == '"' ? string(j, name, n) : token(j, name);
	if (!rc && peekc(j) != '"' && !*n)
		*n = strlen(*name);
	return rc ? rc : expect(j, ':');
}

static int structure(struct jp *j, const uint8_t *ob, uint8_t *out);

/* Skips one JSON value of any kind (for the look-ahead below). */
static int skip_value(struct jp *j, int depth)
{
	size_t mark = j->top;
	const char *t;
	size_t n;
	int rc = ws(j), c;

	if (rc)
		return rc;
	if (depth > MAX_DEPTH)
		return fail(j, "JSON nests too deep");
	c = peekc(j);
	if (c == '"')
		rc = string(j, &t, &n);
	else if (c != '{' && c != '[')
		rc = token(j, &t);
	else {
		char close = c == '{' ? '}' : ']';

		adv(j);
		while (!rc && !(rc = ws(j)) && peekc(j) != close) {
			if (peekc(j) == -1)
				return fail(j, "unexpected end of JSON");
			if (close == '}') {
				rc = peekc(j) == '"' ? string(j, &t, &n) : token(j, &t);
				if (!rc)
					rc = expect(j, ':');
			}
			if (!rc)
				rc = skip_value(j, depth + 1);
			if (!rc && !(rc = ws(j)) && peekc(j) == ',')
				adv(j);
		}
		if (!rc)
			adv(j);
	}
	j->top = mark;
	return rc;
}

/* A union's value came before its _type: finds the type further on in
 * the same object and reads it, leaving the position where it was. */
static int union_type_ahead(struct jp *j, const char *name, size_t nlen, int32_t idx, int64_t *tag)
{
	size_t pos = j->x.pos, mark = j->top;
	int line = j->x.line, col = j->x.col, rc;

	*tag = -1;
	rc = skip_value(j, 0);
	while (!rc && !(rc = ws(j)) && peekc(j) == ',') {
		const char *k;
		size_t kn = 0;

		adv(j);
		if ((rc = ws(j)) || peekc(j) == '}')
			break;
		rc = peekc(j) == '"' ? string(j, &k, &kn) : token(j, &k);
		if (!rc && !kn)
			kn = strlen(k);
		if (!rc)
			rc = expect(j, ':');
		if (rc)
			break;
		if (kn == nlen + 5 && memcmp(k, name, nlen) == 0 && memcmp(k + nlen, "_type", 5) == 0) {
			uint8_t v[8] = {0};

			rc = scalar(j, RF_UTYPE, idx, v);
			if (!rc)
				*tag = v[0];
			break;
		}
		rc = skip_value(j, 0);
	}
	j->x.pos = pos;
	j->x.line = line;
	j->x.col = col;
	j->top = mark;
	return rc;
}

static int array(struct jp *j, const uint8_t *type, uint8_t *out)
{
	int e = rf_type_elem(type);
	const uint8_t *eo = e == RF_OBJ ? rf_obj_at(j->s, rf_type_index(type)) : NULL;
	uint32_t n = (uint16_t)rf_int(type, TY_FIXED, 2, 0), i;
	uint32_t es = eo ? (uint32_t)rf_int(eo, OB_BYTESIZE, 4, 0) : rf_scalar_size(e);
	int rc = expect(j, '[');

	for (i = 0; !rc && i < n; i++) {
		rc = eo ? structure(j, eo, out + i * es) : scalar(j, e, rf_type_index(type), out + i * es);
		if (!rc && i + 1 < n)
			rc = expect(j, ',');
	}
	if (!rc && !ws(j) && peekc(j) == ',')
		adv(j);
	return rc ? rc : expect(j, ']');
}

static int unknown_field(const uint8_t *ob, const char *name, size_t n, int line, int col)
{
	return fail_at(line, col, "unknown field \"%.*s\" in %s", (int)(n < 64 ? n : 64), name,
		       rf_str(ob, OB_NAME));
}

static int structure(struct jp *j, const uint8_t *ob, uint8_t *out)
{
	size_t mark = j->top;
	int rc;

	if (++j->depth > MAX_DEPTH)
		return fail(j, "JSON nests too deep");
	memset(out, 0, (size_t)rf_int(ob, OB_BYTESIZE, 4, 0));
	rc = expect(j, '{');
	while (!rc && !(rc = ws(j)) && peekc(j) != '}') {
		const char *name;
		size_t n = 0;
		const uint8_t *f, *type;
		uint8_t *q;
		int kl, kc;

		rc = key(j, &name, &n, &kl, &kc);
		if (rc)
			break;
		f = field_named(ob, name, n);
		if (!f)
			return unknown_field(ob, name, n, kl, kc);
		type = sluice_fb_field_ref(f, FD_TYPE);
		q = out + (uint16_t)rf_int(f, FD_OFFSET, 2, 0);
		j->top = mark;
		j->field = rf_str(f, FD_NAME);
		j->in = rf_str(ob, OB_NAME);
		if (rf_type_base(type) == RF_OBJ)
			rc = structure(j, rf_obj_at(j->s, rf_type_index(type)), q);
		else if (rf_type_base(type) == RF_ARRAY)
			rc = array(j, type, q);
		else
			rc = scalar(j, rf_type_base(type), rf_type_index(type), q);
		if (!rc && !(rc = ws(j)) && peekc(j) == ',')
			adv(j);
	}
	j->top = mark;
	j->depth--;
	return rc ? rc : expect(j, '}');
}

static int table(struct jp *j, const uint8_t *ob, sluice_fb_ref *ref);

/* The key field of a table object, or NULL. */
static const uint8_t *key_field(const uint8_t *ob)
{
	const uint8_t *fields = sluice_fb_field_ref(ob, OB_FIELDS);
	uint32_t i, n = sluice_fb_len(fields);

	for (i = 0; i < n; i++) {
		const uint8_t *f = sluice_fb_vec_ref(fields, i);
		int b = rf_type_base(sluice_fb_field_ref(f, FD_TYPE));

		if (rf_int(f, FD_KEY, 1, 0) && (b == RF_STRING || (rf_is_scalar(b) && b != RF_UTYPE)))
			return f;
	}
	return NULL;
}

static int key_cmp_at(const uint8_t *f, const uint8_t *pa, const uint8_t *pb);

/* Orders two built tables by the key field ctx, as flatc does. */
static int key_cmp(const uint8_t *a, const uint8_t *b, void *ctx)
{
	const uint8_t *f = ctx;
	unsigned id = (uint16_t)rf_int(f, FD_ID, 2, 0);

	return key_cmp_at(f, sluice_fb_field_ptr(a, id), sluice_fb_field_ptr(b, id));
}

/* Element a of structs against element b by key field f. */
static int struct_key_cmp(const uint8_t *f, const uint8_t *a, const uint8_t *b)
{
	size_t off = (uint16_t)rf_int(f, FD_OFFSET, 2, 0);

	return key_cmp_at(f, a + off, b + off);
}

static void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	while (n--) {
		uint8_t t = *a;

		*a++ = *b;
		*b++ = t;
	}
}

static void sift(uint8_t *v, size_t root, size_t n, size_t es, const uint8_t *kf)
{
	for (;;) {
		size_t c = 2 * root + 1;

		if (c >= n)
			return;
		if (c + 1 < n && struct_key_cmp(kf, v + c * es, v + (c + 1) * es) < 0)
			c++;
		if (struct_key_cmp(kf, v + root * es, v + c * es) >= 0)
			return;
		swap_bytes(v + root * es, v + c * es, es);
		root = c;
	}
}

/* Sorts n structs of es bytes at v by their key field kf in place (a
 * heap sort: no allocation, n log n), as flatc sorts a vector of structs
 * with a key so readers can binary-search it. */
static void sort_structs(uint8_t *v, size_t n, size_t es, const uint8_t *kf)
{
	size_t i;

	for (i = n / 2; i-- > 0;)
		sift(v, i, n, es, kf);
	for (i = n; i-- > 1;) {
		swap_bytes(v, v + i * es, es);
		sift(v, 0, i, es, kf);
	}
}

/* Two key values at pa and pb (NULL: absent, the default) by field f. */
static int key_cmp_at(const uint8_t *f, const uint8_t *pa, const uint8_t *pb)
{
	int base = rf_type_base(sluice_fb_field_ref(f, FD_TYPE));

	if (base == RF_STRING) {
		const uint8_t *sa = pa ? sluice_fb_deref(pa) : NULL, *sb = pb ? sluice_fb_deref(pb) : NULL;
		uint32_t la = sluice_fb_len(sa), lb = sluice_fb_len(sb);
		int c = la && lb ? memcmp(sa + 4, sb + 4, la < lb ? la : lb) : 0;

		return c ? c : (la > lb) - (la < lb);
	}
	if (base == RF_FLOAT || base == RF_DOUBLE) {
		const uint8_t *dp = sluice_fb_field_ptr(f, FD_DEFAULT_REAL);
		double d = dp ? sluice_fb_f64(dp) : 0.0;
		double x = pa ? (base == RF_FLOAT ? sluice_fb_f32(pa) : sluice_fb_f64(pa)) : d;
		double y = pb ? (base == RF_FLOAT ? sluice_fb_f32(pb) : sluice_fb_f64(pb)) : d;

		return (x > y) - (x < y);
	}
	{
		int64_t d = rf_int(f, FD_DEFAULT_INT, 8, 0), x = d, y = d;
		bool sgn = base == RF_BYTE || base == RF_SHORT || base == RF_INT || base == RF_LONG;
		unsigned n = rf_scalar_size(base);

		if (pa) {
			uint64_t u = 0;

			memcpy(&u, pa, n);
			x = sgn && n < 8 ? (int64_t)(u << (64 - 8 * n)) >> (64 - 8 * n) : (int64_t)u;
		}
		if (pb) {
			uint64_t u = 0;

			memcpy(&u, pb, n);
			y = sgn && n < 8 ? (int64_t)(u << (64 - 8 * n)) >> (64 - 8 * n) : (int64_t)u;
		}
		if (!sgn)
			return ((uint64_t)x > (uint64_t)y) - ((uint64_t)x < (uint64_t)y);
		return (x > y) - (x < y);
	}
}

static int member(struct jp *j, const uint8_t *mt, sluice_fb_ref *ref);

/* The hash a field's integers may be given by name with (hash: "fnv1a_32"
 * and the like, kept for the JSON tools), or NULL. */
static const char *hash_of(const uint8_t *f)
{
	const uint8_t *attrs = sluice_fb_field_ref(f, FD_ATTRIBUTES);
	uint32_t i;

	for (i = 0; i < sluice_fb_len(attrs); i++) {
		const uint8_t *kv = sluice_fb_vec_ref(attrs, i);

		if (strcmp(rf_str(kv, KV_KEY), "hash") == 0)
			return rf_str(kv, KV_VALUE);
	}
	return NULL;
}

/* FNV-1 or FNV-1a of s[0..n), 32 or 64 bits, as flatc's hash.h. */
static uint64_t fnv(const char *s, size_t n, bool a, bool wide)
{
	uint64_t h = wide ? 0xcbf29ce484222645ULL : 0x811c9dc5u;
	uint64_t prime = wide ? 0x100000001b3ULL : 0x01000193u;
	size_t i;

	for (i = 0; i < n && s[i]; i++) {
		if (a)
			h ^= (unsigned char)s[i];
		h *= prime;
		if (!a)
			h ^= (unsigned char)s[i];
		if (!wide)
			h &= 0xffffffffu;
	}
	return h;
}

/* A name given for an int, uint, long or ulong with a hash: its hash goes
 * into v, as flatc reads it. 0, an error, or 1 when the value is no name
 * (a number, read by scalar()). */
static int hashed(struct jp *j, int b, const char *hash, uint8_t *v)
{
	const char *name = NULL;
	size_t n = 0;
	bool wide = b == RF_LONG || b == RF_ULONG;
	uint64_t h;
	int c, rc;

	if (!hash || (b != RF_INT && b != RF_UINT && !wide))
		return 1;
	if ((rc = ws(j)))
		return rc;
	c = peekc(j);
	if (c != '"' && !isalpha(c) && c != '_')
		return 1;
	rc = c == '"' ? string(j, &name, &n) : token(j, &name);
	if (rc)
		return rc;
	if (!n)
		n = strlen(name);
	h = fnv(name, n, strncmp(hash, "fnv1a_", 6) == 0, wide);
	memcpy(v, &h, wide ? 8 : 4);
	return 0;
}

/* A vector; of unions, tv is its _type vector as built (length, bytes);
 * of integers with a hash (hash: its name), names are hashed. */
static int vector(struct jp *j, const uint8_t *type, const uint8_t *tv, const char *hash,
		  sluice_fb_ref *ref)
{
	size_t mark = j->top, base;
	int e = rf_type_elem(type);
	const uint8_t *eo = e == RF_OBJ ? rf_obj_at(j->s, rf_type_index(type)) : NULL;
	bool st = eo && rf_int(eo, OB_IS_STRUCT, 1, 0);
	uint32_t es = st ? (uint32_t)rf_int(eo, OB_BYTESIZE, 4, 0)
			 : (rf_is_scalar(e) ? rf_scalar_size(e) : (uint32_t)sizeof(sluice_fb_ref));
	uint32_t al = st ? (uint32_t)rf_int(eo, OB_MINALIGN, 4, 1) : es;
	size_t n = 0;
	int rc = expect(j, '[');

	if (al < 1 || al > SLUICE_FB_MAX_ALIGN || (al & (al - 1)))
		return fail(j, "bad alignment in schema");
	base = (j->top + 7) & ~(size_t)7;
	j->top = base;
	while (!rc && !(rc = ws(j)) && peekc(j) != ']') {
		/* element n goes at base + n*es; children pop back to there */
		size_t at = base + n * es;
		uint8_t tmp[8];

		if (st) {
			if (at > j->cap || es > j->cap - at)
				return -SLUICE_EFBFULL;
			j->top = at + es;
			rc = structure(j, eo, j->scratch + at);
		} else if (rf_is_scalar(e)) {
			rc = hashed(j, e, hash, tmp);
			if (rc == 1)
				rc = scalar(j, e, rf_type_index(type), tmp);
			if (!rc && (at > j->cap || es > j->cap - at))
				return -SLUICE_EFBFULL;
			if (!rc)
				memcpy(j->scratch + at, tmp, es);
		} else {
			sluice_fb_ref r = 0;

			j->top = at;
			if (e == RF_STRING) {
				const char *sv = NULL;
				size_t sn;

				if (peekc(j) != '"')
					return fail(j, "expected a string");
				rc = string(j, &sv, &sn);
				if (!rc)
					r = sluice_fb_string(j->b, sv, sn);
			} else if (eo) {
				rc = table(j, eo, &r);
			} else if (e == RF_UNION && tv) {
				/* each member as the type at its index says */
				uint8_t tag = n < sluice_fb_u32(tv) ? tv[4 + n] : 0;
				const uint8_t *en = rf_enum_at(j->s, rf_type_index(type));
				const uint8_t *mt = tag ? rf_union_member(en, tag) : NULL;

				rc = mt ? member(j, mt, &r) : fail(j, "illegal type id for a union value");
			} else {
				rc = fail(j, "unsupported vector element");
			}
			if (!rc && (at > j->cap || es > j->cap - at))
				return -SLUICE_EFBFULL;
			if (!rc)
				memcpy(j->scratch + at, &r, sizeof(r));
		}
		n++;
		j->top = base + n * es;
		if (!rc && !(rc = ws(j)) && peekc(j) == ',')
			adv(j);
	}
	if (!rc)
		rc = expect(j, ']');
	if (!rc && e == RF_UNION && tv && n != sluice_fb_u32(tv))
		rc = fail(j, "a union vector and its _type vector differ in length");
	if (!rc) {
		const uint8_t *skf = st ? key_field(eo) : NULL;

		/* structs with a key go in sorted, as flatc writes them */
		if (skf && rf_is_scalar(rf_type_base(sluice_fb_field_ref(skf, FD_TYPE))))
			sort_structs(j->scratch + base, n, es, skf);
		if (st || rf_is_scalar(e))
			*ref = sluice_fb_vector(j->b, j->scratch + base, n, es, al);
		else {
			sluice_fb_ref *refs = (sluice_fb_ref *)(void *)(j->scratch + base);
			const uint8_t *kf = eo ? key_field(eo) : NULL;

			/* tables with a key go in sorted, as flatc writes them */
			if (kf)
				sluice_fb_sort_refs(j->b, refs, n, key_cmp, (void *)kf);
			*ref = sluice_fb_ref_vector(j->b, refs, n);
		}
	}
	j->top = mark;
	return rc;
}

/* A nested flatbuffer given as the object it holds: built whole, with a
 * builder of its own over the free half of scratch, then copied in as the
 * field's [ubyte] (8-aligned, so its 8-byte fields stay aligned). */
static int nested(struct jp *j, const uint8_t *no, sluice_fb_ref *ref)
{
	size_t mark = j->top, cap = ((j->cap - j->top) / 2) & ~(size_t)7;
	uint8_t *buf = push(j, cap, 8);
	sluice_fb_builder *outer = j->b, inner;
	sluice_fb_ref root = 0;
	sluice_fb_msg m;
	int rc;

	if (!buf || cap < 64)
		return -SLUICE_EFBFULL;
	sluice_fb_builder_init(&inner, buf, cap);
	j->b = &inner;
	rc = table(j, no, &root);
	if (!rc)
		rc = sluice_fb_finish(&inner, root, NULL, false, &m);
	j->b = outer;
	if (!rc) {
		*ref = sluice_fb_vector(j->b, buf + m.offset, m.length, 1, 8);
		rc = sluice_fb_builder_error(j->b);
	}
	j->top = mark;
	return rc;
}

/* A union member's value, its union_type mt: a table, a struct written on
 * its own, or a string. */
static int member(struct jp *j, const uint8_t *mt, sluice_fb_ref *ref)
{
	const uint8_t *mo;
	int rc;

	if (rf_type_base(mt) == RF_STRING) {
		const char *sv = NULL;
		size_t sn;

		if ((rc = ws(j)) || peekc(j) != '"')
			return rc ? rc : fail_value(j, j->x.line, j->x.col, "expected a string");
		rc = string(j, &sv, &sn);
		if (!rc)
			*ref = sluice_fb_string(j->b, sv, sn);
		return rc;
	}
	mo = rf_obj_at(j->s, rf_type_index(mt));
	if (rf_int(mo, OB_IS_STRUCT, 1, 0)) {
		size_t sz = (size_t)rf_int(mo, OB_BYTESIZE, 4, 0);
		uint8_t *q = push(j, sz, 8);

		if (!q)
			return -SLUICE_EFBFULL;
		rc = structure(j, mo, q);
		if (!rc)
			*ref = sluice_fb_struct(j->b, q, sz, (size_t)rf_int(mo, OB_MINALIGN, 4, 1));
		return rc;
	}
	return table(j, mo, ref);
}

static int table(struct jp *j, const uint8_t *ob, sluice_fb_ref *ref)
{
	size_t mark = j->top;
	const uint8_t *fields = sluice_fb_field_ref(ob, OB_FIELDS);
	uint32_t nf = sluice_fb_len(fields), np = 0, i;
	struct pend *p = push(j, (nf + 1) * sizeof(*p), 8);
	uint16_t *req;
	size_t nreq = 0;
	int rc, end_line = 0, end_col = 0;

	if (!p)
		return -SLUICE_EFBFULL;
	if (++j->depth > MAX_DEPTH)
		return fail(j, "JSON nests too deep");
	rc = expect(j, '{');
	while (!rc && !(rc = ws(j)) && peekc(j) != '}') {
		size_t keep = j->top;
		const char *name;
		size_t n = 0;
		const uint8_t *f, *type;
		int b, kl, kc;
		struct pend *e;

		rc = key(j, &name, &n, &kl, &kc);
		if (rc)
			break;
		f = field_named(ob, name, n);
		j->top = keep;
		if (!f)
			return unknown_field(ob, name, n, kl, kc);
		if (np >= nf)
			return fail_at(kl, kc, "field \"%s\" given twice in %s", rf_str(f, FD_NAME),
				       rf_str(ob, OB_NAME));
		j->field = rf_str(f, FD_NAME);
		j->in = rf_str(ob, OB_NAME);
		type = sluice_fb_field_ref(f, FD_TYPE);
		b = rf_type_base(type);
		/* null for a string, vector, table, struct or union: absent, as
		 * flatc reads it (scalars read null below, where optional) */
		if (!rf_is_scalar(b) && is_null(j))
			goto next;
		e = &p[np];
		memset(e, 0, sizeof(*e));
		e->id = (uint16_t)rf_int(f, FD_ID, 2, 0);
		if (rf_is_scalar(b)) {
			uint8_t v[8] = {0};
			uint8_t d8[8];

			rc = hashed(j, b, hash_of(f), v);
			if (rc == 1)
				rc = scalar(j, b, rf_type_index(type), v);
			if (rc)
				break;
			e->kind = 0;
			e->size = (uint8_t)rf_scalar_size(b);
			memcpy(&e->val, v, 8);
			/* a value equal to the default is left out, as builders do */
			if (!rf_int(f, FD_OPTIONAL, 1, 0)) {
				const uint8_t *dp = sluice_fb_field_ptr(f, FD_DEFAULT_REAL);
				double dd = dp ? sluice_fb_f64(dp) : 0.0;

				if (b == RF_FLOAT) {
					float fl = (float)dd;

					memcpy(d8, &fl, 4);
				} else if (b == RF_DOUBLE) {
					memcpy(d8, &dd, 8);
				} else {
					uint64_t di = (uint64_t)rf_int(f, FD_DEFAULT_INT, 8, 0);

					memcpy(d8, &di, 8);
				}
				if (memcmp(d8, v, e->size) == 0)
					goto next;
			}
			np++;
		} else if (b == RF_OBJ && rf_int(rf_obj_at(j->s, rf_type_index(type)), OB_IS_STRUCT, 1, 0)) {
			const uint8_t *so = rf_obj_at(j->s, rf_type_index(type));
			size_t sz = (size_t)rf_int(so, OB_BYTESIZE, 4, 0);
			uint8_t *q = push(j, sz, 8);

			if (!q)
				return -SLUICE_EFBFULL;
			rc = structure(j, so, q);
			if (rc)
				break;
			e->kind = 1;
			e->val = (uint64_t)(q - j->scratch);
			e->size = 0;
			e->align = (uint32_t)rf_int(so, OB_MINALIGN, 4, 1);
			e->ref = (sluice_fb_ref)sz;
			np++;
		} else {
			e->kind = 2;
			if (b == RF_STRING) {
				const char *sv = NULL;
				size_t sn;

				if ((rc = ws(j)) || peekc(j) != '"')
					return rc ? rc : fail_value(j, j->x.line, j->x.col,
								    "expected a string");
				rc = string(j, &sv, &sn);
				if (!rc)
					e->ref = sluice_fb_string(j->b, sv, sn);
				j->top = keep;
			} else if (b == RF_VECTOR) {
				const uint8_t *no = rf_nested(j->s, ob, f);

				/* a nested flatbuffer: its object, or its bytes */
				if (no && !(rc = ws(j)) && peekc(j) == '{')
					rc = nested(j, no, &e->ref);
				else if (!rc && rf_type_elem(type) == RF_UNION) {
					/* the _type vector, read before, as flatc wants */
					const uint8_t *tv = NULL;
					uint32_t k;

					for (k = 0; k < np; k++)
						if (p[k].kind == 2 && p[k].id + 1 == e->id && p[k].ref)
							tv = j->b->end - p[k].ref;
					if (!tv)
						return fail_at(kl, kc, "missing type field for this union value: %s",
							       rf_str(f, FD_NAME));
					rc = vector(j, type, tv, NULL, &e->ref);
				} else if (!rc)
					rc = vector(j, type, NULL, hash_of(f), &e->ref);
			} else if (b == RF_OBJ) {
				rc = table(j, rf_obj_at(j->s, rf_type_index(type)), &e->ref);
			} else if (b == RF_UNION) {
				/* the member named by the _type field read before */
				const uint8_t *en = rf_enum_at(j->s, rf_type_index(type));
				const uint8_t *vals = sluice_fb_field_ref(en, EN_VALUES);
				const uint8_t *mt = NULL;
				uint32_t k;
				int64_t tag = -1;

				for (k = 0; k < np; k++)
					if (p[k].kind == 0 && p[k].id + 1 == e->id)
						tag = (int64_t)(p[k].val & 0xff);
				if (tag < 0 && (rc = union_type_ahead(j, rf_str(f, FD_NAME),
									strlen(rf_str(f, FD_NAME)),
									rf_type_index(type), &tag)))
					break;
				for (k = 0; tag > 0 && k < sluice_fb_len(vals); k++) {
					const uint8_t *ev = sluice_fb_vec_ref(vals, k);
					const uint8_t *ut = sluice_fb_field_ref(ev, EV_UNION_TYPE);

					if (rf_int(ev, EV_VALUE, 8, 0) == tag && ut &&
					    (rf_type_base(ut) == RF_OBJ || rf_type_base(ut) == RF_STRING))
						mt = ut;
				}
				if (!mt)
					return fail_at(kl, kc, "union \"%s\" of %s without a %s_type, or of "
						       "an unknown type", rf_str(f, FD_NAME), rf_str(ob, OB_NAME),
						       rf_str(f, FD_NAME));
				rc = member(j, mt, &e->ref);
				j->top = keep;
			} else {
				rc = fail(j, "unsupported field type");
			}
			if (rc)
				break;
			np++;
		}
next:
		if (!rc && !(rc = ws(j)) && peekc(j) == ',')
			adv(j);
	}
	end_line = j->x.line;
	end_col = j->x.col;
	if (!rc)
		rc = expect(j, '}');
	if (rc)
		return rc;
	req = push(j, (nf + 1) * sizeof(*req), 2);
	if (!req)
		return -SLUICE_EFBFULL;
	for (i = 0; i < nf; i++) {
		const uint8_t *f = sluice_fb_vec_ref(fields, i);
		uint16_t id = (uint16_t)rf_int(f, FD_ID, 2, 0);
		uint32_t k;

		if (!rf_int(f, FD_REQUIRED, 1, 0) || rf_int(f, FD_DEPRECATED, 1, 0))
			continue;
		for (k = 0; k < np && p[k].id != id; k++)
			;
		if (k == np)
			return fail_at(end_line, end_col, "required field \"%s\" missing in %s",
				       rf_str(f, FD_NAME), rf_str(ob, OB_NAME));
		req[nreq++] = id;
	}
	sluice_fb_table_start(j->b);
	for (i = 0; i < np; i++) {
		if (p[i].kind == 0)
			sluice_fb_table_scalar(j->b, p[i].id, &p[i].val, p[i].size);
		else if (p[i].kind == 1)
			sluice_fb_table_struct(j->b, p[i].id, j->scratch + p[i].val, p[i].ref, p[i].align);
		else
			sluice_fb_table_ref(j->b, p[i].id, p[i].ref);
	}
	*ref = sluice_fb_table_end(j->b, req, nreq);
	j->top = mark;
	j->depth--;
	return sluice_fb_builder_error(j->b);
}

int sluice_fb_json_parse(const void *bfbs, size_t bfbs_len, const char *table_name, const char *json,
			 size_t json_len, void *scratch, size_t scratch_len, sluice_fb_builder *b,
			 bool size_prefixed, sluice_fb_msg *out)
{
	struct rf_schema s;
	struct jp j;
	const uint8_t *ob;
	sluice_fb_ref root = 0;
	int rc = rf_open_table(&s, bfbs, bfbs_len, table_name, &ob);

	if (rc)
		return rc;
	memset(&j, 0, sizeof(j));
	j.s = &s;
	sluice__jlex_init(&j.x, json, json_len);
	j.b = b;
	j.scratch = scratch;
	j.cap = scratch ? scratch_len : 0;
	rc = table(&j, ob, &root);
	if (!rc && !(rc = ws(&j)) && j.x.pos != j.x.len)
		rc = fail(&j, "text after the JSON value");
	if (rc)
		return rc;
	return sluice_fb_finish(b, root, strlen(s.ident) == 4 ? s.ident : NULL, size_prefixed, out);
}
