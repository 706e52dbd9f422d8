/* json_parse.c - turns JSON into a FlatBuffers message with the schema in
 * memory: what sluicec -b does. Accepts what flatc accepts in practice:
 * unquoted keys and enum names, trailing commas, comments, hex numbers,
 * nan and inf, enums by name ("A B" for bit flags), nested flatbuffers as
 * objects. The JSON is read into a tree first, because a FlatBuffers table
 * is written after its children. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "fb/json_lex.h"
#include "sluice/fb.h"

enum jt { J_NULL, J_BOOL, J_NUM, J_STR, J_IDENT, J_ARR, J_OBJ };

struct jv {
	enum jt t;
	const char *s; /* number text, string or identifier */
	size_t slen;
	struct jv **items;
	const char **keys;
	size_t n;
	int line, col;
};

struct jr {
	struct sluice__jlex x; /* the text and where we are in it */
	const char *file;
	jmp_buf fail;
	char *err;
	size_t errlen;
	int depth;
};

static _Noreturn void jfail(struct jr *r, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static _Noreturn void jfail(struct jr *r, int line, int col, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->err, r->errlen, "%s:%d:%d: error: ", r->file, line, col);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < r->errlen)
		vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	longjmp(r->fail, 1);
}

static int peekc(struct jr *r)
{
	return sluice__jlex_peek(&r->x);
}

static void adv(struct jr *r)
{
	sluice__jlex_adv(&r->x);
}

static void ws(struct jr *r)
{
	if (sluice__jlex_ws(&r->x))
		jfail(r, r->x.line, r->x.col, "unterminated comment");
}

static void put_utf8(char *buf, size_t *n, unsigned cp)
{
	if (cp < 0x80) {
		buf[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		buf[(*n)++] = (char)(0xc0 | (cp >> 6));
		buf[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		buf[(*n)++] = (char)(0xe0 | (cp >> 12));
		buf[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		buf[(*n)++] = (char)(0xf0 | (cp >> 18));
		buf[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		buf[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[(*n)++] = (char)(0x80 | (cp & 0x3f));
	}
}

static unsigned hex4(struct jr *r)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		int c = peekc(r);

		if (!isxdigit(c))
			jfail(r, r->x.line, r->x.col, "bad \\u escape");
		v = v * 16 + (unsigned)(isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
		adv(r);
	}
	return v;
}

static void jstring(struct jr *r, struct jv *v)
{
	size_t cap = 16, n = 0;
	char *buf = sc_alloc(cap);

	adv(r);
	for (;;) {
		int c = peekc(r);

		if (c == -1)
			jfail(r, v->line, v->col, "unterminated string");
		adv(r);
		if (n + 8 > cap)
			buf = sc_grow(buf, &cap, n + 8, 1);
		if (c == '"')
			break;
		if (c != '\\') {
			buf[n++] = (char)c;
			continue;
		}
		c = peekc(r);
		adv(r);
		switch (c) {
		case 'n': buf[n++] = '\n'; break;
		case 't': buf[n++] = '\t'; break;
		case 'r': buf[n++] = '\r'; break;
		case 'b': buf[n++] = '\b'; break;
		case 'f': buf[n++] = '\f'; break;
		case '"': case '\\': case '/': buf[n++] = (char)c; break;
		case 'x': {
			unsigned h = 0;
			int i;

			for (i = 0; i < 2; i++) {
				int d = peekc(r);

				if (!isxdigit(d))
					jfail(r, r->x.line, r->x.col, "bad \\x escape");
				h = h * 16 + (unsigned)(isdigit(d) ? d - '0' : (tolower(d) - 'a' + 10));
				adv(r);
			}
			buf[n++] = (char)h;
			break;
		}
		case 'u': {
			unsigned cp = hex4(r);

			/* a surrogate pair makes one code point */
			if (cp >= 0xd800 && cp < 0xdc00 && peekc(r) == '\\') {
				adv(r);
				if (peekc(r) != 'u')
					jfail(r, r->x.line, r->x.col, "bad surrogate pair");
				adv(r);
				cp = 0x10000 + ((cp - 0xd800) << 10) + (hex4(r) - 0xdc00);
			}
			put_utf8(buf, &n, cp);
			break;
		}
		default:
			jfail(r, r->x.line, r->x.col, "unknown escape in string");
		}
	}
	buf[n] = 0;
	v->t = J_STR;
	v->s = buf;
	v->slen = n;
}

static struct jv *jvalue(struct jr *r);

static void jlist(struct jr *r, struct jv *v, bool obj)
{
	size_t cap = 0, kcap = 0;
	char close = obj ? '}' : ']';

	adv(r);
	v->t = obj ? J_OBJ : J_ARR;
	for (;;) {
		ws(r);
		if (peekc(r) == close) {
			adv(r);
			return;
		}
		if (obj) {
			struct jv *k;

			k = jvalue(r);
			if (k->t != J_STR && k->t != J_IDENT)
				jfail(r, k->line, k->col, "expected a field name");
			ws(r);
			if (peekc(r) != ':')
				jfail(r, r->x.line, r->x.col, "expected ':'");
			adv(r);
			v->keys = sc_grow(v->keys, &kcap, v->n + 1, sizeof(*v->keys));
			v->keys[v->n] = k->s;
		}
		v->items = sc_grow(v->items, &cap, v->n + 1, sizeof(*v->items));
		v->items[v->n++] = jvalue(r);
		ws(r);
		if (peekc(r) == ',') {
			adv(r);
			continue;
		}
		if (peekc(r) != close)
			jfail(r, r->x.line, r->x.col, "expected ',' or '%c'", close);
	}
}

static struct jv *jvalue(struct jr *r)
{
	struct jv *v = sc_alloc(sizeof(*v));
	int c;

	ws(r);
	v->line = r->x.line;
	v->col = r->x.col;
	c = peekc(r);
	if (++r->depth > 256)
		jfail(r, v->line, v->col, "JSON nests too deep");
	if (c == '{' || c == '[') {
		jlist(r, v, c == '{');
	} else if (c == '"') {
		jstring(r, v);
	} else if (isdigit(c) || c == '-' || c == '+' || c == '.') {
		size_t start = r->x.pos;

		adv(r);
		while (isalnum(peekc(r)) || peekc(r) == '.' || peekc(r) == '+' || peekc(r) == '-')
			adv(r);
		v->s = sc_strndup(r->x.src + start, r->x.pos - start);
		v->t = J_NUM;
	} else if (isalpha(c) || c == '_') {
		size_t start = r->x.pos;

		while (isalnum(peekc(r)) || peekc(r) == '_' || peekc(r) == '.')
			adv(r);
		v->s = sc_strndup(r->x.src + start, r->x.pos - start);
		v->t = strcmp(v->s, "true") == 0 || strcmp(v->s, "false") == 0 ? J_BOOL
		       : strcmp(v->s, "null") == 0                              ? J_NULL
										: J_IDENT;
	} else {
		jfail(r, v->line, v->col, c == -1 ? "unexpected end of JSON" : "unexpected character");
	}
	r->depth--;
	return v;
}

/* ---- building ---- */

struct jb {
	struct jr *r;
	const struct schema *s;
	sluice_fb_builder *b;
};

static const struct field *find_field(const struct def *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nfields; i++)
		if (strcmp(d->fields[i].name, name) == 0)
			return &d->fields[i];
	return NULL;
}

static bool enum_value(const struct def *e, const char *name, int64_t *v)
{
	size_t i;
	const char *dot = strrchr(name, '.');

	if (dot && strncmp(name, e->name, (size_t)(dot - name)) == 0)
		name = dot + 1;
	for (i = 0; i < e->nvals; i++)
		if (strcmp(e->vals[i].name, name) == 0) {
			*v = e->vals[i].value;
			return true;
		}
	return false;
}

static bool int_fits(enum base b, int64_t v, bool was_unsigned_big)
{
	switch (b) {
	case B_BOOL: return v == 0 || v == 1;
	case B_I8: return v >= -128 && v <= 127;
	case B_UTYPE:
	case B_U8: return v >= 0 && v <= 255;
	case B_I16: return v >= -32768 && v <= 32767;
	case B_U16: return v >= 0 && v <= 65535;
	case B_I32: return v >= INT32_MIN && v <= INT32_MAX;
	case B_U32: return v >= 0 && v <= (int64_t)UINT32_MAX;
	case B_I64: return !was_unsigned_big;
	case B_U64: return was_unsigned_big || v >= 0;
	default: return true;
	}
}

/* Writes the scalar value of v as base b into out (little-endian). */
static void scalar(struct jb *j, enum base b, const struct def *e, const struct jv *v, uint8_t *out)
{
	int64_t iv = 0;
	double dv = 0;
	bool is_float = sc_is_float(b), big = false;

	if (v->t == J_BOOL) {
		iv = v->s[0] == 't';
		dv = (double)iv;
	} else if (v->t == J_NUM || ((v->t == J_STR || v->t == J_IDENT) && !e &&
				     (isdigit((unsigned char)v->s[0]) || v->s[0] == '-' ||
				      v->s[0] == '+' || is_float))) {
		char *end;
		const char *t = v->s;

		errno = 0;
		if (is_float) {
			dv = strtod(t, &end);
		} else if (t[0] == '-') {
			iv = strtoll(t, &end, 0);
		} else {
			uint64_t u = strtoull(t, &end, 0);

			big = u > (uint64_t)INT64_MAX;
			iv = (int64_t)u;
		}
		if (*end || end == t || (errno && !is_float))
			jfail(j->r, v->line, v->col, "invalid number: %s", t);
		if (!is_float && !int_fits(b, iv, big))
			jfail(j->r, v->line, v->col, "constant does not fit in a %s: %s",
			      sc_base_name(b), t);
	} else if ((v->t == J_STR || v->t == J_IDENT) && e) {
		/* one name, or several ORed (bit flags, as flatc allows) */
		char *copy = sc_strdup(v->s), *tok, *save = NULL;

		for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			int64_t x;

			if (!enum_value(e, tok, &x))
				jfail(j->r, v->line, v->col, "unknown enum value %s for %s", tok, e->name);
			iv |= x;
		}
	} else {
		jfail(j->r, v->line, v->col, "expected a %s value", sc_base_name(b));
	}
	switch (b) {
	case B_F32: { float f = (float)dv; memcpy(out, &f, 4); break; }
	case B_F64: memcpy(out, &dv, 8); break;
	default: {
		uint64_t u = (uint64_t)iv;

		memcpy(out, &u, sc_scalar_size(b)); /* little-endian host */
	}
	}
}

static void structure(struct jb *j, const struct def *d, const struct jv *v, uint8_t *out)
{
	size_t i, k;

	if (v->t != J_OBJ)
		jfail(j->r, v->line, v->col, "expected an object for struct %s", d->name);
	memset(out, 0, d->size);
	for (i = 0; i < v->n; i++) {
		const struct field *f = find_field(d, v->keys[i]);
		const struct jv *x = v->items[i];

		if (!f)
			jfail(j->r, x->line, x->col, "unknown field %s in struct %s", v->keys[i], d->name);
		if (f->type.base == B_ARRAY) {
			struct type e = {.base = f->type.elem, .ref = f->type.ref};
			uint32_t sz = sc_inline_size(&e);

			if (x->t != J_ARR || x->n != f->type.fixed_len)
				jfail(j->r, x->line, x->col, "expected an array of %u for %s",
				      f->type.fixed_len, f->name);
			for (k = 0; k < x->n; k++) {
				if (e.base == B_OBJ)
					structure(j, e.ref, x->items[k], out + f->offset + k * sz);
				else
					scalar(j, e.base, e.ref, x->items[k], out + f->offset + k * sz);
			}
		} else if (f->type.base == B_OBJ) {
			structure(j, f->type.ref, x, out + f->offset);
		} else {
			scalar(j, f->type.base, f->type.ref, x, out + f->offset);
		}
	}
}

static sluice_fb_ref table(struct jb *j, const struct def *d, const struct jv *v);

/* Orders two built tables by their key field (ctx), as flatc sorts
 * vectors of tables with a key. */
static int key_cmp(const uint8_t *a, const uint8_t *b, void *ctx)
{
	const struct field *k = ctx;
	const uint8_t *pa = sluice_fb_field_ptr(a, (unsigned)k->id);
	const uint8_t *pb = sluice_fb_field_ptr(b, (unsigned)k->id);

	if (k->type.base == B_STRING) {
		const uint8_t *sa = pa ? sluice_fb_deref(pa) : NULL, *sb = pb ? sluice_fb_deref(pb) : NULL;
		uint32_t la = sluice_fb_len(sa), lb = sluice_fb_len(sb);
		int c = la && lb ? memcmp(sa + 4, sb + 4, la < lb ? la : lb) : 0;

		return c ? c : (la > lb) - (la < lb);
	}
	if (sc_is_float(k->type.base)) {
		double x = pa ? (k->type.base == B_F32 ? sluice_fb_f32(pa) : sluice_fb_f64(pa)) : k->dflt.f;
		double y = pb ? (k->type.base == B_F32 ? sluice_fb_f32(pb) : sluice_fb_f64(pb)) : k->dflt.f;

		return (x > y) - (x < y);
	}
	{
		uint64_t dv = k->dflt.is_neg ? 0 - k->dflt.u : k->dflt.u, x = dv, y = dv;
		unsigned n = sc_scalar_size(k->type.base);
		bool sgn = k->type.base == B_I8 || k->type.base == B_I16 || k->type.base == B_I32 ||
			   k->type.base == B_I64;

		if (pa) {
			x = 0;
			memcpy(&x, pa, n);
		}
		if (pb) {
			y = 0;
			memcpy(&y, pb, n);
		}
		if (sgn && n < 8) {
			/* sign-extend the stored width */
			unsigned sh = 64 - 8 * n;
			x = (uint64_t)((int64_t)(x << sh) >> sh);
			y = (uint64_t)((int64_t)(y << sh) >> sh);
		}
		if (sgn)
			return ((int64_t)x > (int64_t)y) - ((int64_t)x < (int64_t)y);
		return (x > y) - (x < y);
	}
}

static const struct field *key_field(const struct def *d)
{
	size_t i;

	for (i = 0; i < d->nfields; i++)
		if (d->fields[i].key)
			return &d->fields[i];
	return NULL;
}
static int build(const struct schema *s, const struct def *root, struct jr *r,
		 const struct jv *top, const char *ident, bool size_prefixed, uint8_t **out,
		 size_t *outlen);

static sluice_fb_ref vector(struct jb *j, const struct field *f, const struct jv *v)
{
	enum base e = f->type.elem;
	const struct def *r = f->type.ref;
	size_t i;

	if (f->nested_def && v->t == J_OBJ) {
		uint8_t *bytes;
		size_t n;

		if (build(j->s, f->nested_def, j->r, v, NULL, false, &bytes, &n))
			longjmp(j->r->fail, 1);
		return sluice_fb_vector(j->b, bytes, n, 1, 8);
	}
	if (v->t != J_ARR)
		jfail(j->r, v->line, v->col, "expected an array for %s", f->name);
	if (sc_is_scalar(e) || (e == B_OBJ && r->kind == D_STRUCT)) {
		uint32_t sz = e == B_OBJ ? r->size : sc_scalar_size(e);
		uint32_t al = e == B_OBJ ? r->align : sc_scalar_size(e);
		sluice_fb_ref ref;
		uint8_t *p = sluice_fb_vector_alloc(j->b, v->n, sz, al, &ref);

		for (i = 0; p && i < v->n; i++) {
			if (e == B_OBJ)
				structure(j, r, v->items[i], p + i * sz);
			else
				scalar(j, e, r, v->items[i], p + i * sz);
		}
		return ref;
	} else {
		sluice_fb_ref *refs = sc_alloc((v->n + 1) * sizeof(*refs));

		for (i = 0; i < v->n; i++) {
			const struct jv *x = v->items[i];

			if (e == B_STRING) {
				if (x->t != J_STR)
					jfail(j->r, x->line, x->col, "expected a string");
				refs[i] = sluice_fb_string(j->b, x->s, x->slen);
			} else {
				refs[i] = table(j, r, x);
			}
		}
		if (e == B_OBJ && key_field(r))
			sluice_fb_sort_refs(j->b, refs, v->n, key_cmp, (void *)key_field(r));
		return sluice_fb_ref_vector(j->b, refs, v->n);
	}
}

static sluice_fb_ref table(struct jb *j, const struct def *d, const struct jv *v)
{
	sluice_fb_ref *refs;
	uint8_t *tmp;
	uint16_t *req;
	size_t i, nreq = 0;

	if (v->t != J_OBJ)
		jfail(j->r, v->line, v->col, "expected an object for table %s", d->name);
	refs = sc_alloc((v->n + 1) * sizeof(*refs));
	req = sc_alloc((d->nfields + 1) * sizeof(*req));
	/* children first: strings, vectors, tables, union values */
	for (i = 0; i < v->n; i++) {
		const char *key = v->keys[i];
		const struct field *f = find_field(d, key);
		const struct jv *x = v->items[i];

		if (!f) {
			size_t kl = strlen(key);

			if (kl > 5 && strcmp(key + kl - 5, "_type") == 0) {
				char *base = sc_strndup(key, kl - 5);
				const struct field *u = find_field(d, base);

				if (u && u->type.base == B_UNION)
					continue;
			}
			jfail(j->r, x->line, x->col, "unknown field %s in table %s", key, d->name);
		}
		if (x->t == J_NULL)
			continue;
		switch (f->type.base) {
		case B_STRING:
			if (x->t != J_STR)
				jfail(j->r, x->line, x->col, "expected a string for %s", f->name);
			refs[i] = sluice_fb_string(j->b, x->s, x->slen);
			break;
		case B_VECTOR:
			refs[i] = vector(j, f, x);
			break;
		case B_OBJ:
			if (f->type.ref->kind == D_TABLE)
				refs[i] = table(j, f->type.ref, x);
			break;
		case B_UNION: {
			char tn[512];
			size_t k;
			int64_t ut = -1;
			uint8_t b8;

			snprintf(tn, sizeof(tn), "%s_type", f->name);
			for (k = 0; k < v->n; k++)
				if (strcmp(v->keys[k], tn) == 0) {
					scalar(j, B_UTYPE, f->type.ref, v->items[k], &b8);
					ut = b8;
				}
			if (ut < 0)
				jfail(j->r, x->line, x->col, "missing %s for union field %s", tn, f->name);
			for (k = 1; k < f->type.ref->nvals; k++)
				if (f->type.ref->vals[k].value == ut)
					refs[i] = table(j, f->type.ref->vals[k].utype.ref, x);
			if (!refs[i])
				jfail(j->r, x->line, x->col, "union %s has no member %lld", f->type.ref->name,
				      (long long)ut);
			break;
		}
		default:
			break;
		}
	}
	sluice_fb_table_start(j->b);
	for (i = 0; i < v->n; i++) {
		const struct field *f = find_field(d, v->keys[i]);
		const struct jv *x = v->items[i];
		enum base b;

		if (!f) {
			/* a union's type field */
			size_t kl = strlen(v->keys[i]);
			const struct field *u = find_field(d, sc_strndup(v->keys[i], kl - 5));
			uint8_t b8;

			scalar(j, B_UTYPE, u->type.ref, x, &b8);
			if (b8)
				sluice_fb_table_scalar(j->b, (unsigned)u->id - 1, &b8, 1);
			continue;
		}
		if (x->t == J_NULL)
			continue;
		b = f->type.base;
		if (sc_is_scalar(b)) {
			uint8_t val[8], dflt[8];
			struct jv dv = {0};
			char num[64];

			scalar(j, b, f->type.ref, x, val);
			/* like flatc's builders, a value equal to the default is left out */
			if (!f->optional) {
				if (sc_is_float(b))
					snprintf(num, sizeof(num), "%.17g", f->dflt.f);
				else
					snprintf(num, sizeof(num), "%s%llu", f->dflt.is_neg ? "-" : "",
						 (unsigned long long)f->dflt.u);
				dv.t = J_NUM;
				dv.s = num;
				if (sc_is_float(b) && isnan(f->dflt.f))
					dv.s = "nan";
				else if (sc_is_float(b) && isinf(f->dflt.f))
					dv.s = f->dflt.f < 0 ? "-inf" : "inf";
				scalar(j, b, NULL, &dv, dflt);
				if (memcmp(val, dflt, sc_scalar_size(b)) == 0)
					continue;
			}
			sluice_fb_table_scalar(j->b, (unsigned)f->id, val, sc_scalar_size(b));
		} else if (b == B_OBJ && f->type.ref->kind == D_STRUCT) {
			tmp = sc_alloc(f->type.ref->size);
			structure(j, f->type.ref, x, tmp);
			sluice_fb_table_struct(j->b, (unsigned)f->id, tmp, f->type.ref->size,
					       f->type.ref->align);
		} else {
			sluice_fb_table_ref(j->b, (unsigned)f->id, refs[i]);
		}
	}
	for (i = 0; i < d->nfields; i++)
		if (d->fields[i].required)
			req[nreq++] = (uint16_t)d->fields[i].id;
	return sluice_fb_table_end(j->b, req, nreq);
}

/* Builds top as a root `root`, growing the buffer until it fits. */
static int build(const struct schema *s, const struct def *root, struct jr *r,
		 const struct jv *top, const char *ident, bool size_prefixed, uint8_t **out,
		 size_t *outlen)
{
	size_t cap = 1 << 16;

	for (;;) {
		uint8_t *buf = sc_alloc(cap);
		sluice_fb_builder *b = sc_alloc(sizeof(*b));
		struct jb j = {r, s, b};
		sluice_fb_msg m;
		sluice_fb_ref ref;
		int rc;

		sluice_fb_builder_init(b, buf, cap);
		ref = table(&j, root, top);
		rc = sluice_fb_finish(b, ref, ident, size_prefixed, &m);
		if (rc == -SLUICE_EFBFULL && cap < ((size_t)1 << 31)) {
			cap *= 4;
			continue;
		}
		if (rc) {
			snprintf(r->err, r->errlen, "%s: error: %s (%s)", r->file, sluice_strerror(rc),
				 sluice_errdetail());
			return -1;
		}
		*out = buf + m.offset;
		*outlen = m.length;
		return 0;
	}
}

int sc_json_parse(const struct schema *s, const char *name, const char *text, size_t len,
		  bool size_prefixed, uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	struct jr r;
	struct jv *top;

	memset(&r, 0, sizeof(r));
	sluice__jlex_init(&r.x, text, len);
	r.file = name;
	r.err = err;
	r.errlen = errlen;
	if (!s->root) {
		snprintf(err, errlen, "%s: error: the schema has no root_type", s->main_file);
		return -1;
	}
	if (setjmp(r.fail))
		return -1;
	top = jvalue(&r);
	ws(&r);
	if (r.x.pos != r.x.len)
		jfail(&r, r.x.line, r.x.col, "text after the JSON value");
	return build(s, s->root, &r, top, s->ident[0] ? s->ident : NULL, size_prefixed, out,
		     outlen);
}

int sc_json_to_bin(const struct schema *s, const char *json_path, const char *bin_path,
		   bool size_prefixed, char *err, size_t errlen)
{
	FILE *f = fopen(json_path, "rb");
	char *text = NULL;
	size_t cap = 0, n = 0, got, outlen;
	uint8_t *out;

	if (!f) {
		snprintf(err, errlen, "%s: error: cannot read", json_path);
		return -1;
	}
	do {
		text = sc_grow(text, &cap, n + 65536, 1);
		got = fread(text + n, 1, cap - n, f);
		n += got;
	} while (got);
	fclose(f);
	if (sc_json_parse(s, json_path, text, n, size_prefixed, &out, &outlen, err, errlen))
		return -1;
	f = fopen(bin_path, "wb");
	if (!f || fwrite(out, 1, outlen, f) != outlen || fclose(f) != 0) {
		snprintf(err, errlen, "%s: error: cannot write", bin_path);
		return -1;
	}
	return 0;
}
