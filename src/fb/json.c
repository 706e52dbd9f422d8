/* json.c - prints a message as JSON from its binary schema (see
 * sluice/fb_json.h). Printing starts only after the schema and the message
 * have both been verified, so every read below is in bounds. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/detail.h"
#include "fb/reflect.h"
#include "sluice/error.h"
#include "sluice/fb_json.h"

struct out {
	const struct rf_schema *s;
	sluice_fb_json_write write;
	void *ctx;
	int depth;
	int err;
};

static void put(struct out *o, const char *t, size_t n)
{
	if (!o->err)
		o->err = o->write(o->ctx, t, n);
}

static void puts_(struct out *o, const char *t)
{
	put(o, t, strlen(t));
}

static void nl(struct out *o)
{
	static const char spaces[] = "                                                                ";
	int n = 2 * o->depth;

	put(o, "\n", 1);
	while (n > 0) {
		int k = n < (int)sizeof(spaces) - 1 ? n : (int)sizeof(spaces) - 1;

		put(o, spaces, (size_t)k);
		n -= k;
	}
}

static void str_body(struct out *o, const uint8_t *p, uint32_t n);

/* A name from the schema, escaped as any string: the schema travels with
 * the topic, so its names are no more trusted than the message. */
static void name_body(struct out *o, const char *name)
{
	str_body(o, (const uint8_t *)name, (uint32_t)strlen(name));
}

static void key(struct out *o, const char *name, bool *first)
{
	if (!*first)
		put(o, ",", 1);
	*first = false;
	nl(o);
	put(o, "\"", 1);
	name_body(o, name);
	put(o, "\": ", 3);
}

/* Length of the well-formed UTF-8 sequence at s[0..n), or 0 if there is
 * none (stray continuation bytes, overlong forms, surrogates and values
 * past U+10FFFF included). */
static uint32_t utf8_len(const uint8_t *s, uint32_t n)
{
	uint32_t len, cp, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* A JSON string. Valid UTF-8 goes out as it is (flatc --natural-utf8);
 * each byte that is not part of valid UTF-8 becomes U+FFFD, so the output
 * is valid JSON whatever the message holds. flatc instead refuses such a
 * message (or, with --allow-non-utf8, writes \xNN, which is not JSON); a
 * tool printing a live topic should show the message rather than lose it. */
static void str_body(struct out *o, const uint8_t *p, uint32_t n)
{
	uint32_t i = 0, run = 0;
	char esc[8];

	while (i < n) {
		unsigned char c = p[i];
		const char *e = NULL;
		uint32_t len = utf8_len(p + i, n - i);

		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\n': e = "\\n"; break;
		case '\t': e = "\\t"; break;
		case '\r': e = "\\r"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		default:
			if (c < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				e = esc;
			} else if (len == 0) {
				e = "\\ufffd";
				len = 1;
			}
		}
		if (e) {
			put(o, (const char *)p + i - run, run);
			run = 0;
			puts_(o, e);
		} else {
			run += len;
		}
		i += len;
	}
	put(o, (const char *)p + n - run, run);
}

static void str(struct out *o, const uint8_t *p, uint32_t n)
{
	put(o, "\"", 1);
	str_body(o, p, n);
	put(o, "\"", 1);
}

int sluice_fb_json_string(const void *s, size_t n, sluice_fb_json_write write, void *ctx)
{
	struct out o = {.write = write, .ctx = ctx};

	if (n > UINT32_MAX)
		return -EOVERFLOW;
	str(&o, s, (uint32_t)n);
	return o.err;
}

static void real(struct out *o, double d, bool single)
{
	char buf[40];

	if (isnan(d)) {
		puts_(o, "nan");
		return;
	}
	if (isinf(d)) {
		puts_(o, d < 0 ? "-inf" : "inf");
		return;
	}
	snprintf(buf, sizeof(buf), single ? "%.9g" : "%.17g", d);
	if (!strpbrk(buf, ".eE"))
		strcat(buf, ".0");
	puts_(o, buf);
}

/* An enum value by name, bit flags as names, else the number. */
static bool enum_name(struct out *o, int32_t idx, int64_t v)
{
	const uint8_t *en, *vals;
	uint32_t i, n;
	uint64_t rest = (uint64_t)v;
	bool any = false;

	if (idx < 0 || (uint32_t)idx >= o->s->nenums)
		return false;
	en = sluice_fb_vec_ref(o->s->enums, (uint32_t)idx);
	vals = sluice_fb_field_ref(en, EN_VALUES);
	n = sluice_fb_len(vals);
	for (i = 0; i < n; i++) {
		const uint8_t *ev = sluice_fb_vec_ref(vals, i);

		if (rf_int(ev, EV_VALUE, 8, 0) == v) {
			put(o, "\"", 1);
			name_body(o, rf_str(ev, EV_NAME));
			put(o, "\"", 1);
			return true;
		}
	}
	/* bit flags: every set bit is a single-bit value of the enum */
	for (i = 0; i < n && rest; i++) {
		uint64_t bit = (uint64_t)rf_int(sluice_fb_vec_ref(vals, i), EV_VALUE, 8, 0);

		if (bit && !(bit & (bit - 1)) && (rest & bit))
			rest &= ~bit;
	}
	if (rest || !v)
		return false;
	put(o, "\"", 1);
	for (i = 0; i < n; i++) {
		const uint8_t *ev = sluice_fb_vec_ref(vals, i);
		uint64_t bit = (uint64_t)rf_int(ev, EV_VALUE, 8, 0);

		if (bit && !(bit & (bit - 1)) && ((uint64_t)v & bit)) {
			if (any)
				put(o, " ", 1);
			name_body(o, rf_str(ev, EV_NAME));
			any = true;
		}
	}
	put(o, "\"", 1);
	return true;
}

static void scalar(struct out *o, int b, int32_t idx, const uint8_t *p)
{
	char buf[32];
	int64_t v;

	switch (b) {
	case RF_FLOAT: real(o, sluice_fb_f32(p), true); return;
	case RF_DOUBLE: real(o, sluice_fb_f64(p), false); return;
	case RF_BOOL: puts_(o, sluice_fb_u8(p) ? "true" : "false"); return;
	case RF_BYTE: v = sluice_fb_i8(p); break;
	case RF_UTYPE:
	case RF_UBYTE: v = sluice_fb_u8(p); break;
	case RF_SHORT: v = sluice_fb_i16(p); break;
	case RF_USHORT: v = sluice_fb_u16(p); break;
	case RF_INT: v = sluice_fb_i32(p); break;
	case RF_UINT: v = sluice_fb_u32(p); break;
	case RF_LONG: v = sluice_fb_i64(p); break;
	default: v = (int64_t)sluice_fb_u64(p); break;
	}
	if (idx >= 0 && enum_name(o, idx, v))
		return;
	if (b == RF_ULONG)
		snprintf(buf, sizeof(buf), "%" PRIu64, (uint64_t)v);
	else
		snprintf(buf, sizeof(buf), "%" PRId64, v);
	puts_(o, buf);
}

static const uint8_t *obj(const struct out *o, int32_t idx)
{
	return sluice_fb_vec_ref(o->s->objs, (uint32_t)idx);
}

/* Structs may nest as deep as a schema says (flatc sets no limit), but
 * printing recurses: past this many levels it stops with an error rather
 * than run out of stack. */
#define MAX_PRINT_DEPTH 4096

static void structure(struct out *o, const uint8_t *ob, const uint8_t *p)
{
	const uint8_t *fields = sluice_fb_field_ref(ob, OB_FIELDS);
	uint32_t n = sluice_fb_len(fields), i, k;
	bool first = true;

	if (o->depth > MAX_PRINT_DEPTH) {
		if (!o->err)
			o->err = sluice__fail(-SLUICE_EFBDEPTH,
					      "fb json: structs nest more than %d levels deep",
					      MAX_PRINT_DEPTH);
		return;
	}
	put(o, "{", 1);
	o->depth++;
	/* in the schema's (name) order: JSON objects are unordered, and one
	 * pass keeps a hostile schema from costing quadratic time */
	for (i = 0; i < n; i++) {
		{
			const uint8_t *f = sluice_fb_vec_ref(fields, i);
			const uint8_t *t = sluice_fb_field_ref(f, FD_TYPE);
			const uint8_t *q = p + (uint16_t)rf_int(f, FD_OFFSET, 2, 0);
			int b = rf_type_base(t);

			key(o, rf_str(f, FD_NAME), &first);
			if (b == RF_OBJ) {
				structure(o, obj(o, rf_type_index(t)), q);
			} else if (b == RF_ARRAY) {
				int e = rf_type_elem(t);
				uint32_t len = (uint16_t)rf_int(t, TY_FIXED, 2, 0);
				const uint8_t *eo = e == RF_OBJ ? obj(o, rf_type_index(t)) : NULL;
				uint32_t es = eo ? (uint32_t)rf_int(eo, OB_BYTESIZE, 4, 0) : rf_scalar_size(e);

				put(o, "[", 1);
				o->depth++;
				for (k = 0; k < len; k++) {
					if (k)
						put(o, ",", 1);
					nl(o);
					if (eo)
						structure(o, eo, q + k * es);
					else
						scalar(o, e, rf_type_index(t), q + k * es);
				}
				o->depth--;
				nl(o);
				put(o, "]", 1);
			} else {
				scalar(o, b, rf_type_index(t), q);
			}
		}
	}
	o->depth--;
	nl(o);
	put(o, "}", 1);
}

static void table(struct out *o, const uint8_t *ob, const uint8_t *t);

static void vector(struct out *o, const uint8_t *type, const uint8_t *vec)
{
	uint32_t n = sluice_fb_len(vec), i;
	int e = rf_type_elem(type);
	const uint8_t *eo = e == RF_OBJ ? obj(o, rf_type_index(type)) : NULL;
	bool st = eo && rf_int(eo, OB_IS_STRUCT, 1, 0);

	put(o, "[", 1);
	o->depth++;
	for (i = 0; i < n && !o->err; i++) {
		if (i)
			put(o, ",", 1);
		nl(o);
		if (e == RF_STRING) {
			const uint8_t *sp = sluice_fb_vec_ref(vec, i);

			str(o, sp + 4, sluice_fb_u32(sp));
		} else if (st) {
			structure(o, eo, vec + 4 + (size_t)i * (uint32_t)rf_int(eo, OB_BYTESIZE, 4, 0));
		} else if (eo) {
			table(o, eo, sluice_fb_vec_ref(vec, i));
		} else {
			scalar(o, e, rf_type_index(type), vec + 4 + (size_t)i * rf_scalar_size(e));
		}
	}
	o->depth--;
	if (n)
		nl(o);
	put(o, "]", 1);
}

/* A union member's value v, its union_type mt: a table, a struct standing
 * on its own or a string; null for a member newer than the schema. */
static void member(struct out *o, const uint8_t *mt, const uint8_t *v)
{
	const uint8_t *mo;

	if (mt && rf_type_base(mt) == RF_STRING) {
		str(o, v + 4, sluice_fb_u32(v));
		return;
	}
	if (!mt || rf_type_base(mt) != RF_OBJ) {
		puts_(o, "null");
		return;
	}
	mo = obj(o, rf_type_index(mt));
	if (rf_int(mo, OB_IS_STRUCT, 1, 0))
		structure(o, mo, v);
	else
		table(o, mo, v);
}

/* A scalar field's default as the little-endian bytes a message holds. */
static const uint8_t *default_bytes(const uint8_t *f, int b, uint8_t out[8])
{
	const uint8_t *dp = sluice_fb_field_ptr(f, FD_DEFAULT_REAL);
	double d = dp ? sluice_fb_f64(dp) : 0.0;
	uint64_t i = (uint64_t)rf_int(f, FD_DEFAULT_INT, 8, 0);

	memset(out, 0, 8);
	if (b == RF_FLOAT) {
		float fl = (float)d;

		memcpy(out, &fl, 4);
	} else if (b == RF_DOUBLE) {
		memcpy(out, &d, 8);
	} else {
		memcpy(out, &i, 8); /* little-endian host: the low bytes first */
	}
	return out;
}

/* A vector of unions: each member as its type in tv (the _type vector,
 * verified to be as long) says. */
static void union_vector(struct out *o, const uint8_t *type, const uint8_t *vec,
			 const uint8_t *tv)
{
	const uint8_t *en = sluice_fb_vec_ref(o->s->enums, (uint32_t)rf_type_index(type));
	uint32_t n = sluice_fb_len(vec), i;

	put(o, "[", 1);
	o->depth++;
	for (i = 0; i < n && !o->err; i++) {
		uint8_t tag = tv && i < sluice_fb_len(tv) ? tv[4 + i] : 0;
		const uint8_t *mt = tag ? rf_union_member(en, tag) : NULL;

		if (i)
			put(o, ",", 1);
		nl(o);
		member(o, mt, mt ? sluice_fb_vec_ref(vec, i) : NULL);
	}
	o->depth--;
	if (n)
		nl(o);
	put(o, "]", 1);
}

static void table(struct out *o, const uint8_t *ob, const uint8_t *t)
{
	const uint8_t *fields = sluice_fb_field_ref(ob, OB_FIELDS);
	uint32_t n = sluice_fb_len(fields), i, id;
	bool first = true;

	put(o, "{", 1);
	o->depth++;
	/* in the schema's (name) order, one pass, as for structs */
	for (i = 0; i < n && !o->err; i++) {
		{
			const uint8_t *f = sluice_fb_vec_ref(fields, i);
			const uint8_t *type = sluice_fb_field_ref(f, FD_TYPE);
			const uint8_t *p;
			int b;

			uint8_t dflt[8];

			id = (uint32_t)(uint16_t)rf_int(f, FD_ID, 2, 0);
			p = sluice_fb_field_ptr(t, id);
			/* an absent scalar key prints with its default, as flatc
			 * prints it (builders leave a default out) */
			if (!p && rf_int(f, FD_KEY, 1, 0) && rf_is_scalar(rf_type_base(type)) &&
			    !rf_int(f, FD_DEPRECATED, 1, 0))
				p = default_bytes(f, rf_type_base(type), dflt);
			if (!p || rf_int(f, FD_DEPRECATED, 1, 0))
				continue;
			b = rf_type_base(type);
			key(o, rf_str(f, FD_NAME), &first);
			if (rf_is_scalar(b)) {
				scalar(o, b, rf_type_index(type), p);
			} else if (b == RF_STRING) {
				const uint8_t *sp = sluice_fb_deref(p);

				str(o, sp + 4, sluice_fb_u32(sp));
			} else if (b == RF_VECTOR) {
				const uint8_t *vec = sluice_fb_deref(p);
				const uint8_t *no = rf_nested(o->s, ob, f);

				/* a nested flatbuffer as the object it holds, as flatc */
				if (no)
					table(o, no, sluice_fb_root(vec + 4));
				else if (rf_type_elem(type) == RF_UNION)
					union_vector(o, type, vec, id ? sluice_fb_field_ref(t, id - 1) : NULL);
				else
					vector(o, type, vec);
			} else if (b == RF_OBJ) {
				const uint8_t *fo = obj(o, rf_type_index(type));

				if (rf_int(fo, OB_IS_STRUCT, 1, 0))
					structure(o, fo, p);
				else
					table(o, fo, sluice_fb_deref(p));
			} else if (b == RF_UNION) {
				/* the member named by the type field before it */
				const uint8_t *tp = id ? sluice_fb_field_ptr(t, id - 1) : NULL;
				const uint8_t *en = sluice_fb_vec_ref(o->s->enums, (uint32_t)rf_type_index(type));
				const uint8_t *vals = sluice_fb_field_ref(en, EN_VALUES);
				uint32_t k;
				const uint8_t *mt = NULL;

				for (k = 0; tp && k < sluice_fb_len(vals); k++) {
					const uint8_t *ev = sluice_fb_vec_ref(vals, k);
					const uint8_t *ut = sluice_fb_field_ref(ev, EV_UNION_TYPE);

					if (rf_int(ev, EV_VALUE, 8, 0) == sluice_fb_u8(tp) && ut)
						mt = ut;
				}
				member(o, mt, sluice_fb_deref(p));
			}
		}
	}
	o->depth--;
	if (!first)
		nl(o);
	put(o, "}", 1);
}

int sluice_fb_schema_verify(const void *bfbs, size_t bfbs_len)
{
	struct rf_schema s;

	return rf_schema_open(&s, bfbs, bfbs_len);
}

/* Opens the schema at table_name and verifies msg as one: *ob is the
 * table's reflection object, *root the message's root table. */
static int open_verified(struct rf_schema *s, const void *bfbs, size_t bfbs_len,
			 const char *table_name, const void *msg, size_t len,
			 const sluice_fb_verify_opts *opts, const uint8_t **ob, const uint8_t **root)
{
	sluice_fb_verifier v;
	int rc = rf_open_table(s, bfbs, bfbs_len, table_name, ob);

	if (rc)
		return rc;
	rc = sluice_fb_verify_begin(&v, msg, len, opts, root);
	if (rc)
		return rc;
	return rf_verify_table(s, &v, *ob, *root);
}

int sluice_fb_json_verify(const void *bfbs, size_t bfbs_len, const char *table_name,
			  const void *msg, size_t len, const sluice_fb_verify_opts *opts)
{
	struct rf_schema s;
	const uint8_t *ob, *root;

	return open_verified(&s, bfbs, bfbs_len, table_name, msg, len, opts, &ob, &root);
}

int sluice_fb_json_print(const void *bfbs, size_t bfbs_len, const char *table_name, const void *msg,
			 size_t len, const sluice_fb_verify_opts *opts, sluice_fb_json_write write,
			 void *ctx)
{
	struct rf_schema s;
	struct out o;
	const uint8_t *ob, *root;
	int rc = open_verified(&s, bfbs, bfbs_len, table_name, msg, len, opts, &ob, &root);

	if (rc)
		return rc;
	memset(&o, 0, sizeof(o));
	o.s = &s;
	o.write = write;
	o.ctx = ctx;
	table(&o, ob, root);
	put(&o, "\n", 1);
	return o.err;
}

struct bufout {
	char *p;
	size_t cap, n;
};

static int to_buffer(void *ctx, const char *t, size_t n)
{
	struct bufout *b = ctx;

	if (n >= b->cap - b->n)
		return -SLUICE_EFBFULL;
	memcpy(b->p + b->n, t, n);
	b->n += n;
	b->p[b->n] = 0;
	return 0;
}

int sluice_fb_json_print_buffer(const void *bfbs, size_t bfbs_len, const char *table_name,
				const void *msg, size_t len, const sluice_fb_verify_opts *opts,
				char *out, size_t cap, size_t *written)
{
	struct bufout b = {out, cap, 0};
	int rc;

	if (!out || cap == 0)
		return -SLUICE_EFBFULL;
	out[0] = 0;
	rc = sluice_fb_json_print(bfbs, bfbs_len, table_name, msg, len, opts, to_buffer, &b);
	if (written)
		*written = b.n;
	return rc;
}

int sluice_fb_json_print_copy(const void *bfbs, size_t bfbs_len, const char *table_name,
			      const void *msg, size_t len, const sluice_fb_verify_opts *opts,
			      void *copy, size_t copy_cap, char *out, size_t cap, size_t *written)
{
	if (written)
		*written = 0;
	if (out && cap)
		out[0] = 0;
	if (!copy || len > copy_cap)
		return sluice__fail(-SLUICE_EFBFULL, "fb json: a message of %zu bytes, room for %zu",
				    len, copy ? copy_cap : 0);
	/* after this nothing reads msg again: a writer racing us can only
	 * tear the copy, which the verifier then refuses or the channel
	 * reports as torn, never make the printer follow unverified bytes */
	memcpy(copy, msg, len);
	return sluice_fb_json_print_buffer(bfbs, bfbs_len, table_name, copy, len, opts, out, cap,
					   written);
}
