/* json_print.c - prints a (verified) FlatBuffers message as JSON, driven by
 * the schema in memory: what sluicec --json does. The layout follows
 * flatc --json --strict-json: fields present in the buffer, enums by name,
 * bit flags as space-separated names, nested flatbuffers as objects. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "dynverify.h"
#include "sluice/fb.h"

struct jp {
	FILE *o;
	int depth;
};

static void nl(struct jp *j)
{
	fprintf(j->o, "\n%*s", 2 * j->depth, "");
}

static void str(struct jp *j, const uint8_t *p, uint32_t n)
{
	uint32_t i;

	fputc('"', j->o);
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		switch (c) {
		case '"': fputs("\\\"", j->o); break;
		case '\\': fputs("\\\\", j->o); break;
		case '\n': fputs("\\n", j->o); break;
		case '\t': fputs("\\t", j->o); break;
		case '\r': fputs("\\r", j->o); break;
		case '\b': fputs("\\b", j->o); break;
		case '\f': fputs("\\f", j->o); break;
		default:
			if (c < 0x20)
				fprintf(j->o, "\\u%04x", c);
			else
				fputc(c, j->o);
		}
	}
	fputc('"', j->o);
}

static void number(struct jp *j, enum base b, const uint8_t *p, int64_t *iv, bool *is_int)
{
	*is_int = true;
	switch (b) {
	case B_BOOL: *iv = sluice_fb_u8(p) != 0; break;
	case B_I8: *iv = sluice_fb_i8(p); break;
	case B_UTYPE:
	case B_U8: *iv = sluice_fb_u8(p); break;
	case B_I16: *iv = sluice_fb_i16(p); break;
	case B_U16: *iv = sluice_fb_u16(p); break;
	case B_I32: *iv = sluice_fb_i32(p); break;
	case B_U32: *iv = sluice_fb_u32(p); break;
	case B_I64: *iv = sluice_fb_i64(p); break;
	case B_U64: *iv = (int64_t)sluice_fb_u64(p); break;
	default: *is_int = false; break;
	}
	(void)j;
}

static void dbl(struct jp *j, double d, bool single)
{
	char buf[64];

	if (isnan(d)) {
		fputs("nan", j->o);
		return;
	}
	if (isinf(d)) {
		fputs(d < 0 ? "-inf" : "inf", j->o);
		return;
	}
	snprintf(buf, sizeof(buf), single ? "%.9g" : "%.17g", d);
	/* keep it a float to the eye, as flatc does */
	if (!strpbrk(buf, ".eE"))
		strcat(buf, ".0");
	fputs(buf, j->o);
}

static void scalar(struct jp *j, enum base b, const struct def *e, const uint8_t *p)
{
	int64_t v = 0;
	bool is_int;

	if (b == B_F32) {
		dbl(j, sluice_fb_f32(p), true);
		return;
	}
	if (b == B_F64) {
		dbl(j, sluice_fb_f64(p), false);
		return;
	}
	number(j, b, p, &v, &is_int);
	if (b == B_BOOL) {
		fputs(v ? "true" : "false", j->o);
		return;
	}
	if (e && (e->kind == D_ENUM || e->kind == D_UNION)) {
		size_t i;

		for (i = 0; i < e->nvals; i++)
			if (e->vals[i].value == v) {
				fprintf(j->o, "\"%s\"", e->vals[i].name);
				return;
			}
		if (e->bit_flags && v) {
			uint64_t rest = (uint64_t)v;
			char names[1024] = "";

			for (i = 0; i < e->nvals; i++) {
				uint64_t bit = (uint64_t)e->vals[i].value;

				if (bit && (rest & bit) == bit) {
					if (names[0])
						strncat(names, " ", sizeof(names) - strlen(names) - 1);
					strncat(names, e->vals[i].name, sizeof(names) - strlen(names) - 1);
					rest &= ~bit;
				}
			}
			if (!rest) {
				fprintf(j->o, "\"%s\"", names);
				return;
			}
		}
	}
	if (b == B_U64)
		fprintf(j->o, "%" PRIu64, (uint64_t)v);
	else
		fprintf(j->o, "%" PRId64, v);
}

static void table(struct jp *j, const struct def *d, const uint8_t *t);

static void structure(struct jp *j, const struct def *d, const uint8_t *p)
{
	size_t i;
	uint32_t k;

	fputc('{', j->o);
	j->depth++;
	for (i = 0; i < d->nfields; i++) {
		const struct field *f = &d->fields[i];
		const uint8_t *q = p + f->offset;

		if (i)
			fputc(',', j->o);
		nl(j);
		fprintf(j->o, "\"%s\": ", f->name);
		if (f->type.base == B_ARRAY) {
			struct type e = {.base = f->type.elem, .ref = f->type.ref};
			uint32_t sz = sc_inline_size(&e);

			fputc('[', j->o);
			j->depth++;
			for (k = 0; k < f->type.fixed_len; k++) {
				if (k)
					fputc(',', j->o);
				nl(j);
				if (e.base == B_OBJ)
					structure(j, e.ref, q + k * sz);
				else
					scalar(j, e.base, e.ref, q + k * sz);
			}
			j->depth--;
			nl(j);
			fputc(']', j->o);
		} else if (f->type.base == B_OBJ) {
			structure(j, f->type.ref, q);
		} else {
			scalar(j, f->type.base, f->type.ref, q);
		}
	}
	j->depth--;
	nl(j);
	fputc('}', j->o);
}

static void vector(struct jp *j, const struct field *f, const uint8_t *vec)
{
	uint32_t n = sluice_fb_len(vec), i;
	enum base e = f->type.elem;
	const struct def *r = f->type.ref;

	if (f->nested_def) {
		table(j, f->nested_def, sluice_fb_root(vec + 4));
		return;
	}
	fputc('[', j->o);
	j->depth++;
	for (i = 0; i < n; i++) {
		const uint8_t *p;

		if (i)
			fputc(',', j->o);
		nl(j);
		if (e == B_STRING) {
			p = sluice_fb_vec_ref(vec, i);
			str(j, p + 4, sluice_fb_u32(p));
		} else if (e == B_OBJ && r->kind == D_TABLE) {
			table(j, r, sluice_fb_vec_ref(vec, i));
		} else if (e == B_OBJ) {
			structure(j, r, vec + 4 + (size_t)i * r->size);
		} else {
			scalar(j, e, r, vec + 4 + (size_t)i * sc_scalar_size(e));
		}
	}
	j->depth--;
	if (n)
		nl(j);
	fputc(']', j->o);
}

static void table(struct jp *j, const struct def *d, const uint8_t *t)
{
	size_t i;
	bool first = true;

	fputc('{', j->o);
	j->depth++;
	for (i = 0; i < d->nfields; i++) {
		const struct field *f = &d->fields[i];
		const uint8_t *p = sluice_fb_field_ptr(t, (unsigned)f->id);
		enum base b = f->type.base;

		if (f->deprecated)
			continue; /* not verified, so not read */
		if (b == B_UNION) {
			const uint8_t *tp = sluice_fb_field_ptr(t, (unsigned)f->id - 1);
			uint8_t ut = tp ? sluice_fb_u8(tp) : 0;
			size_t k;

			if (tp) {
				if (!first)
					fputc(',', j->o);
				first = false;
				nl(j);
				fprintf(j->o, "\"%s_type\": ", f->name);
				scalar(j, B_UTYPE, f->type.ref, tp);
			}
			for (k = 1; p && ut && k < f->type.ref->nvals; k++)
				if (f->type.ref->vals[k].value == ut) {
					fputc(',', j->o);
					nl(j);
					fprintf(j->o, "\"%s\": ", f->name);
					table(j, f->type.ref->vals[k].utype.ref, sluice_fb_deref(p));
				}
			continue;
		}
		if (!p)
			continue;
		if (!first)
			fputc(',', j->o);
		first = false;
		nl(j);
		fprintf(j->o, "\"%s\": ", f->name);
		if (sc_is_scalar(b))
			scalar(j, b, f->type.ref, p);
		else if (b == B_OBJ && f->type.ref->kind == D_STRUCT)
			structure(j, f->type.ref, p);
		else if (b == B_OBJ)
			table(j, f->type.ref, sluice_fb_deref(p));
		else if (b == B_STRING)
			str(j, sluice_fb_deref(p) + 4, sluice_fb_u32(sluice_fb_deref(p)));
		else if (b == B_VECTOR)
			vector(j, f, sluice_fb_deref(p));
	}
	j->depth--;
	if (!first)
		nl(j);
	fputc('}', j->o);
}

int sc_print_json(const struct def *root, const void *buf, size_t len, bool size_prefixed,
		  FILE *out)
{
	struct jp j = {out, 0};
	sluice_fb_verify_opts o = {0, 0, NULL, size_prefixed};
	int rc = sc_verify_buffer(root, buf, len, &o);

	if (rc)
		return rc;
	table(&j, root, size_prefixed ? sluice_fb_root_size_prefixed(buf) : sluice_fb_root(buf));
	fputc('\n', out);
	return 0;
}

int sc_bin_to_json(const struct schema *s, const char *bin_path, FILE *out, bool size_prefixed,
		   char *err, size_t errlen)
{
	FILE *f;
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, got;
	int rc;

	if (!s->root) {
		snprintf(err, errlen, "%s: error: the schema has no root_type", s->main_file);
		return -1;
	}
	f = fopen(bin_path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: error: cannot read", bin_path);
		return -1;
	}
	do {
		buf = sc_grow(buf, &cap, n + 65536, 1);
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	fclose(f);
	/* copy to an 8-aligned block so 8-byte fields sit aligned in memory */
	{
		uint8_t *al = sc_alloc(n ? n : 1);

		memcpy(al, buf, n);
		rc = sc_print_json(s->root, al, n, size_prefixed, out);
	}
	if (rc) {
		snprintf(err, errlen, "%s: error: not a valid %s: %s (%s)", bin_path,
			 s->root->fullname, sluice_strerror(rc), sluice_errdetail());
		return -1;
	}
	return 0;
}
