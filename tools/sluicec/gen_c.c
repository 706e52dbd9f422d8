/* gen_c.c - writes the C header for a schema: readers, builders and a
 * verifier per type, all static inline over the sluice/fb.h runtime. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bfbs.h"
#include "schema.h"

/* The C type of a scalar field, enums by their underlying type. */
static const char *ctype(enum base b)
{
	return sc_c_scalar(b);
}

/* An integer literal of base type b that C parses without warnings. */
static void int_lit(FILE *o, enum base b, bool neg, uint64_t mag)
{
	if (b == B_BOOL) {
		fprintf(o, "%s", mag ? "true" : "false");
	} else if (neg) {
		if (mag == (uint64_t)INT64_MAX + 1)
			fprintf(o, "(-INT64_C(9223372036854775807) - 1)");
		else
			fprintf(o, "(%s)(-INT64_C(%llu))", ctype(b), (unsigned long long)mag);
	} else {
		fprintf(o, "(%s)UINT64_C(%llu)", ctype(b), (unsigned long long)mag);
	}
}

static void float_lit(FILE *o, enum base b, double f)
{
	if (isnan(f))
		fprintf(o, "(%s)NAN", ctype(b));
	else if (isinf(f))
		fprintf(o, "(%s)%sINFINITY", ctype(b), f < 0 ? "-" : "");
	else
		fprintf(o, "(%s)%a", ctype(b), f);
}

static void default_lit(FILE *o, const struct field *f)
{
	enum base b = f->type.base;

	if (sc_is_float(b))
		float_lit(o, b, f->has_default ? f->dflt.f : 0.0);
	else if (f->has_default)
		int_lit(o, b, f->dflt.is_neg, f->dflt.u);
	else
		int_lit(o, b, false, 0);
}

/* C type name of a struct, table pointer or scalar element. */
static void elem_ctype(FILE *o, enum base b, const struct def *ref)
{
	if (b == B_OBJ && ref && ref->kind == D_STRUCT)
		fprintf(o, "%s", ref->cname);
	else if (b == B_BOOL)
		fprintf(o, "uint8_t");
	else
		fprintf(o, "%s", ctype(b));
}

/* True for the value of d that stands for its number: flatc 2.0.8 lets
 * values repeat (it only refuses one equal to the smallest) and a C switch
 * may not; the first name in byte order wins, as in flatc's lookups and in
 * the .bfbs (values sorted by number, then name). */
static bool first_of_value(const struct def *d, size_t i)
{
	size_t k;

	for (k = 0; k < d->nvals; k++)
		if (k != i && d->vals[k].value == d->vals[i].value &&
		    strcmp(d->vals[k].name, d->vals[i].name) < 0)
			return false;
	return true;
}

static void gen_enum(FILE *o, const struct def *d)
{
	size_t i;
	enum base u = d->kind == D_UNION ? B_U8 : d->underlying;

	fprintf(o, "/* %s %s */\n", d->kind == D_UNION ? "union" : "enum", d->fullname);
	fprintf(o, "typedef %s %s_t;\n", ctype(u), d->cname);
	for (i = 0; i < d->nvals; i++) {
		const struct enumval *e = &d->vals[i];
		bool neg = e->value < 0 && u != B_U64;

		fprintf(o, "#define %s_%s ", d->cname, e->name);
		int_lit(o, u, neg, neg ? 0 - (uint64_t)e->value : (uint64_t)e->value);
		fprintf(o, "\n");
	}
	fprintf(o, "static inline const char *%s_name(%s_t v)\n{\n", d->cname, d->cname);
	if (d->bit_flags || d->nvals == 0) {
		for (i = 0; i < d->nvals; i++) {
			fprintf(o, "\tif (v == %s_%s)\n\t\treturn \"%s\";\n", d->cname, d->vals[i].name,
				d->vals[i].name);
		}
	} else {
		fprintf(o, "\tswitch (v) {\n");
		for (i = 0; i < d->nvals; i++)
			if (first_of_value(d, i))
				fprintf(o, "\tcase %s_%s:\n\t\treturn \"%s\";\n", d->cname, d->vals[i].name,
					d->vals[i].name);
		fprintf(o, "\tdefault:\n\t\tbreak;\n\t}\n");
	}
	fprintf(o, "\treturn \"\";\n}\n\n");
}

static void gen_struct(FILE *o, const struct def *d)
{
	size_t i;

	fprintf(o, "/* struct %s: %u bytes, aligned to %u */\n", d->fullname, d->size, d->align);
	fprintf(o, "typedef struct %s {\n", d->cname);
	for (i = 0; i < d->nfields; i++) {
		const struct field *f = &d->fields[i];
		enum base b = f->type.base == B_ARRAY ? f->type.elem : f->type.base;

		fprintf(o, "\t");
		if (i == 0 && d->force_align)
			fprintf(o, "_Alignas(%u) ", d->force_align);
		elem_ctype(o, b, f->type.ref);
		fprintf(o, " %s", f->name);
		if (f->type.base == B_ARRAY)
			fprintf(o, "[%u]", f->type.fixed_len);
		fprintf(o, ";\n");
		if (f->padding)
			fprintf(o, "\tuint8_t sluice_pad%zu_[%u];\n", i, f->padding);
	}
	fprintf(o, "} %s;\n", d->cname);
	fprintf(o, "_Static_assert(sizeof(%s) == %u, \"layout of %s\");\n", d->cname, d->size,
		d->fullname);
	fprintf(o, "_Static_assert(_Alignof(%s) == %u, \"alignment of %s\");\n\n", d->cname,
		d->align, d->fullname);
}

static bool is_struct(const struct def *r)
{
	return r && r->kind == D_STRUCT;
}

/* A field the builders and verifiers require: marked required, or a
 * string key, which flatc makes required. */
static bool needed(const struct field *f)
{
	return f->required || (f->key && f->type.base == B_STRING);
}

/* P_F_as_M(t) per member M of union field F: the table (NULL), struct (by
 * value, zero) or string (NULL) when the union holds an M. */
static void gen_union_as(FILE *o, const struct def *d, const struct field *f)
{
	const char *P = d->cname, *F = f->name;
	const struct def *r = f->type.ref;
	size_t i;

	for (i = 1; i < r->nvals; i++) {
		const struct enumval *e = &r->vals[i];
		const struct def *m = e->utype.ref;
		long long tag = (long long)e->value;

		if (e->utype.base == B_STRING) {
			fprintf(o, "static inline const char *%s_%s_as_%s(const uint8_t *t)\n{\n", P, F, e->name);
			fprintf(o, "\tconst uint8_t *p = %s_%s_type(t) == %lld ? sluice_fb_field_ref(t, %d) : NULL;\n\n",
				P, F, tag, f->id);
			fprintf(o, "\treturn p ? (const char *)p + 4 : NULL;\n}\n");
			fprintf(o, "static inline uint32_t %s_%s_as_%s_len(const uint8_t *t)\n{\n", P, F, e->name);
			fprintf(o, "\treturn %s_%s_type(t) == %lld ? sluice_fb_len(sluice_fb_field_ref(t, %d)) : 0;\n}\n",
				P, F, tag, f->id);
		} else if (is_struct(m)) {
			fprintf(o, "static inline %s %s_%s_as_%s(const uint8_t *t)\n{\n", m->cname, P, F, e->name);
			fprintf(o, "\t%s v;\n\tconst uint8_t *p = %s_%s_type(t) == %lld ? sluice_fb_field_ref(t, %d) : NULL;\n\n",
				m->cname, P, F, tag, f->id);
			fprintf(o, "\tif (p)\n\t\tmemcpy(&v, p, sizeof(v));\n\telse\n\t\tmemset(&v, 0, sizeof(v));\n");
			fprintf(o, "\treturn v;\n}\n");
		} else {
			fprintf(o, "static inline const uint8_t *%s_%s_as_%s(const uint8_t *t)\n{\n", P, F, e->name);
			fprintf(o, "\treturn %s_%s_type(t) == %lld ? sluice_fb_field_ref(t, %d) : NULL;\n}\n",
				P, F, tag, f->id);
		}
	}
}

static void gen_reader(FILE *o, const struct def *d, const struct field *f)
{
	const char *P = d->cname, *F = f->name;
	enum base b = f->type.base;
	const struct def *r = f->type.ref;

	if (sc_is_scalar(b)) {
		fprintf(o, "static inline %s %s_%s(const uint8_t *t)\n{\n", ctype(b), P, F);
		fprintf(o, "\tconst uint8_t *p = sluice_fb_field_ptr(t, %d);\n", f->id);
		fprintf(o, "\treturn p ? sluice_fb_%s(p) : ", sc_fb_name(b));
		default_lit(o, f);
		fprintf(o, ";\n}\n");
	} else if (b == B_STRING) {
		fprintf(o, "static inline const char *%s_%s(const uint8_t *t)\n{\n", P, F);
		fprintf(o, "\treturn (const char *)sluice_fb_data(sluice_fb_field_ref(t, %d));\n}\n",
			f->id);
		fprintf(o, "static inline uint32_t %s_%s_len(const uint8_t *t)\n{\n", P, F);
		fprintf(o, "\treturn sluice_fb_len(sluice_fb_field_ref(t, %d));\n}\n", f->id);
	} else if (b == B_OBJ && is_struct(r)) {
		fprintf(o, "static inline %s %s_%s(const uint8_t *t)\n{\n", r->cname, P, F);
		fprintf(o, "\t%s v;\n\tconst uint8_t *p = sluice_fb_field_ptr(t, %d);\n\n", r->cname,
			f->id);
		fprintf(o, "\tif (p)\n\t\tmemcpy(&v, p, sizeof(v));\n\telse\n\t\tmemset(&v, 0, sizeof(v));\n");
		fprintf(o, "\treturn v;\n}\n");
		fprintf(o, "static inline const uint8_t *%s_%s_ptr(const uint8_t *t)\n{\n", P, F);
		fprintf(o, "\treturn sluice_fb_field_ptr(t, %d);\n}\n", f->id);
	} else if (b == B_OBJ) {
		fprintf(o, "static inline const uint8_t *%s_%s(const uint8_t *t)\n{\n", P, F);
		fprintf(o, "\treturn sluice_fb_field_ref(t, %d);\n}\n", f->id);
	} else if (b == B_UNION) {
		fprintf(o, "static inline %s_t %s_%s_type(const uint8_t *t)\n{\n", r->cname, P, F);
		fprintf(o, "\tconst uint8_t *p = sluice_fb_field_ptr(t, %d);\n", f->id - 1);
		fprintf(o, "\treturn p ? sluice_fb_u8(p) : 0;\n}\n");
		fprintf(o, "static inline const uint8_t *%s_%s(const uint8_t *t)\n{\n", P, F);
		fprintf(o, "\treturn sluice_fb_field_ref(t, %d);\n}\n", f->id);
		gen_union_as(o, d, f);
	} else if (b == B_VECTOR) {
		enum base e = f->type.elem;

		fprintf(o, "static inline const uint8_t *%s_%s_vec(const uint8_t *t)\n{\n", P, F);
		fprintf(o, "\treturn sluice_fb_field_ref(t, %d);\n}\n", f->id);
		fprintf(o, "static inline uint32_t %s_%s_len(const uint8_t *t)\n{\n", P, F);
		fprintf(o, "\treturn sluice_fb_len(sluice_fb_field_ref(t, %d));\n}\n", f->id);
		/* element i, or a zero value past the end */
		if (e == B_UNION) {
			/* the types beside the values, at the slot before */
			fprintf(o, "static inline const uint8_t *%s_%s_type_vec(const uint8_t *t)\n{\n", P, F);
			fprintf(o, "\treturn sluice_fb_field_ref(t, %d);\n}\n", f->id - 1);
			fprintf(o, "static inline uint32_t %s_%s_type_len(const uint8_t *t)\n{\n", P, F);
			fprintf(o, "\treturn sluice_fb_len(sluice_fb_field_ref(t, %d));\n}\n", f->id - 1);
			fprintf(o, "static inline %s_t %s_%s_type_at(const uint8_t *t, uint32_t i)\n{\n", r->cname, P, F);
			fprintf(o, "\tconst uint8_t *v = sluice_fb_field_ref(t, %d);\n\n", f->id - 1);
			fprintf(o, "\treturn i < sluice_fb_len(v) ? sluice_fb_u8(v + 4 + i) : 0;\n}\n");
			/* an element of type NONE (or past the end) reads as NULL */
			fprintf(o, "static inline const uint8_t *%s_%s_at(const uint8_t *t, uint32_t i)\n{\n", P, F);
			fprintf(o, "\tconst uint8_t *v = sluice_fb_field_ref(t, %d);\n\n", f->id);
			fprintf(o, "\treturn i < sluice_fb_len(v) && %s_%s_type_at(t, i) ? sluice_fb_vec_ref(v, i) : NULL;\n}\n",
				P, F);
		} else if (sc_is_scalar(e)) {
			fprintf(o, "static inline %s %s_%s_at(const uint8_t *t, uint32_t i)\n{\n", ctype(e), P, F);
			fprintf(o, "\tconst uint8_t *v = sluice_fb_field_ref(t, %d);\n\n", f->id);
			fprintf(o, "\treturn i < sluice_fb_len(v) ? sluice_fb_%s(v + 4 + (size_t)i * %u) : 0;\n}\n",
				sc_fb_name(e), sc_scalar_size(e));
		} else if (e == B_OBJ && is_struct(r)) {
			fprintf(o, "static inline %s %s_%s_at(const uint8_t *t, uint32_t i)\n{\n", r->cname, P, F);
			fprintf(o, "\t%s s;\n\tconst uint8_t *v = sluice_fb_field_ref(t, %d);\n\n", r->cname, f->id);
			fprintf(o, "\tif (i < sluice_fb_len(v))\n\t\tmemcpy(&s, v + 4 + (size_t)i * sizeof(s), sizeof(s));\n");
			fprintf(o, "\telse\n\t\tmemset(&s, 0, sizeof(s));\n\treturn s;\n}\n");
		} else if (e == B_STRING) {
			fprintf(o, "static inline const char *%s_%s_at(const uint8_t *t, uint32_t i)\n{\n", P, F);
			fprintf(o, "\tconst uint8_t *v = sluice_fb_field_ref(t, %d);\n\n", f->id);
			fprintf(o, "\treturn i < sluice_fb_len(v) ? (const char *)sluice_fb_vec_ref(v, i) + 4 : NULL;\n}\n");
			fprintf(o, "static inline uint32_t %s_%s_at_len(const uint8_t *t, uint32_t i)\n{\n", P, F);
			fprintf(o, "\tconst uint8_t *v = sluice_fb_field_ref(t, %d);\n\n", f->id);
			fprintf(o, "\treturn i < sluice_fb_len(v) ? sluice_fb_u32(sluice_fb_vec_ref(v, i)) : 0;\n}\n");
		} else {
			fprintf(o, "static inline const uint8_t *%s_%s_at(const uint8_t *t, uint32_t i)\n{\n", P, F);
			fprintf(o, "\tconst uint8_t *v = sluice_fb_field_ref(t, %d);\n\n", f->id);
			fprintf(o, "\treturn i < sluice_fb_len(v) ? sluice_fb_vec_ref(v, i) : NULL;\n}\n");
		}
		if (f->nested_def) {
			fprintf(o, "/* the root table of the nested %s */\n", f->nested_def->fullname);
			fprintf(o, "static inline const uint8_t *%s_%s_nested_root(const uint8_t *t)\n{\n", P, F);
			fprintf(o, "\tconst uint8_t *v = sluice_fb_field_ref(t, %d);\n\n", f->id);
			fprintf(o, "\treturn v ? sluice_fb_root(v + 4) : NULL;\n}\n");
		}
	}
	fprintf(o, "static inline bool %s_%s_is_present(const uint8_t *t)\n{\n", P, F);
	fprintf(o, "\treturn sluice_fb_field(t, %d) != 0;\n}\n", f->id);
}

/* P_F_create_M(b, &s) per struct member M of the union (vector) field F: a
 * struct member is written on its own before the table. */
static void gen_struct_members(FILE *o, const struct def *d, const struct field *f)
{
	const struct def *r = f->type.ref;
	size_t i;

	for (i = 1; i < r->nvals; i++)
		if (is_struct(r->vals[i].utype.ref))
			fprintf(o, "static inline sluice_fb_ref %s_%s_create_%s(sluice_fb_builder *b, const %s *v)\n{\n"
				"\treturn sluice_fb_struct(b, v, sizeof(*v), %u);\n}\n",
				d->cname, f->name, r->vals[i].name, r->vals[i].utype.ref->cname,
				r->vals[i].utype.ref->align);
}

static void gen_builder(FILE *o, const struct def *d, const struct field *f)
{
	const char *P = d->cname, *F = f->name;
	enum base b = f->type.base;
	const struct def *r = f->type.ref;

	if (sc_is_scalar(b)) {
		fprintf(o, "static inline void %s_add_%s(sluice_fb_builder *b, %s v)\n{\n", P, F, ctype(b));
		if (f->optional) {
			/* optional scalars are stored whenever they are set */
			if (b == B_BOOL)
				fprintf(o, "\tuint8_t u = v ? 1 : 0;\n\n\tsluice_fb_table_scalar(b, %d, &u, 1);\n", f->id);
			else
				fprintf(o, "\tsluice_fb_table_scalar(b, %d, &v, sizeof(v));\n", f->id);
		} else {
			fprintf(o, "\tsluice_fb_add_%s(b, %d, v, ", sc_fb_name(b), f->id);
			default_lit(o, f);
			fprintf(o, ");\n");
		}
		fprintf(o, "}\n");
		/* stores the value even when it equals the default */
		fprintf(o, "static inline void %s_force_%s(sluice_fb_builder *b, %s v)\n{\n", P, F, ctype(b));
		if (b == B_BOOL)
			fprintf(o, "\tuint8_t u = v ? 1 : 0;\n\n\tsluice_fb_table_scalar(b, %d, &u, 1);\n}\n", f->id);
		else
			fprintf(o, "\tsluice_fb_table_scalar(b, %d, &v, sizeof(v));\n}\n", f->id);
	} else if (b == B_OBJ && is_struct(r)) {
		fprintf(o, "static inline void %s_add_%s(sluice_fb_builder *b, const %s *v)\n{\n", P, F, r->cname);
		fprintf(o, "\tsluice_fb_table_struct(b, %d, v, sizeof(*v), %u);\n}\n", f->id, r->align);
	} else if (b == B_UNION) {
		fprintf(o, "static inline void %s_add_%s(sluice_fb_builder *b, %s_t type, sluice_fb_ref value)\n{\n",
			P, F, r->cname);
		fprintf(o, "\tif (type && value) {\n\t\tsluice_fb_table_scalar(b, %d, &type, 1);\n", f->id - 1);
		fprintf(o, "\t\tsluice_fb_table_ref(b, %d, value);\n\t}\n}\n", f->id);
		gen_struct_members(o, d, f);
	} else {
		fprintf(o, "static inline void %s_add_%s(sluice_fb_builder *b, sluice_fb_ref r)\n{\n", P, F);
		fprintf(o, "\tsluice_fb_ref_(b, %d, r);\n}\n", f->id);
	}
	if (b == B_VECTOR && f->type.elem == B_UNION) {
		/* the types vector, at the slot before the values */
		fprintf(o, "static inline void %s_add_%s_type(sluice_fb_builder *b, sluice_fb_ref r)\n{\n", P, F);
		fprintf(o, "\tsluice_fb_ref_(b, %d, r);\n}\n", f->id - 1);
		fprintf(o, "static inline sluice_fb_ref %s_create_%s_type(sluice_fb_builder *b, const %s_t *v, size_t n)\n{\n",
			P, F, r->cname);
		fprintf(o, "\treturn sluice_fb_vector(b, v, n, 1, 1);\n}\n");
		gen_struct_members(o, d, f);
	}
	if (b == B_VECTOR) {
		enum base e = f->type.elem;

		if (sc_is_scalar(e) || (e == B_OBJ && is_struct(r))) {
			fprintf(o, "static inline sluice_fb_ref %s_create_%s(sluice_fb_builder *b, const ", P, F);
			elem_ctype(o, e, r);
			fprintf(o, " *v, size_t n)\n{\n\treturn sluice_fb_vector(b, v, n, sizeof(*v), %u);\n}\n",
				e == B_OBJ ? r->align : sc_scalar_size(e));
		} else {
			fprintf(o, "static inline sluice_fb_ref %s_create_%s(sluice_fb_builder *b, const sluice_fb_ref *v, size_t n)\n{\n",
				P, F);
			fprintf(o, "\treturn sluice_fb_ref_vector(b, v, n);\n}\n");
		}
	}
}

/* ---- <T>_create(b, every field): the whole table at once ----
 * The generator lays the table out here, so the generated function makes
 * one room check, writes each field with a fixed-size store at a fixed
 * offset and copies (or shares) a constant vtable. */

/* One slot of the table: a field, or a union's hidden type field. */
struct slot {
	const struct field *f;
	bool utype;    /* the type byte of union f */
	unsigned id;   /* vtable slot */
	unsigned size, align;
	bool nullable; /* may be absent: references, structs, optional scalars */
	unsigned off;  /* from the table's start (its soffset word) */
};

static bool c_keyword(const char *n)
{
	static const char *const kw[] = {
		"auto", "break", "case", "char", "const", "continue", "default", "do", "double",
		"else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
		"register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
		"switch", "typedef", "union", "unsigned", "void", "volatile", "while", "bool",
		"true", "false", "_Bool", "_Alignas", "_Alignof", "_Atomic", "_Generic",
		"_Noreturn", "_Static_assert", "_Thread_local", "_Complex", "_Imaginary"};
	size_t i;

	for (i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (!strcmp(n, kw[i]))
			return true;
	return false;
}

/* The parameter for field f: its name, with '_' after a C keyword. */
static void param(FILE *o, const struct field *f, const char *suffix)
{
	fprintf(o, "%s%s%s", f->name, suffix, c_keyword(f->name) && !*suffix ? "_" : "");
}

static int slot_by_align(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	if (x->align != y->align)
		return x->align > y->align ? -1 : 1;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Places the slots (sorted) with the table's start phase bytes past an
 * align boundary: the soffset word at 0, then each slot at the lowest
 * free offset that its alignment allows, so small fields fill the gaps.
 * Returns the table size, or 0 past 64 KiB. */
static unsigned place(struct slot *sl, size_t n, unsigned phase)
{
	static uint8_t used[0x10000];
	unsigned tsize = 4, i, lo = 4;

	memset(used, 0, sizeof(used));
	memset(used, 1, 4);
	for (i = 0; i < n; i++) {
		/* every byte below lo is taken: start there, so thousands of
		 * fields cost linear time, not quadratic */
		unsigned a = sl[i].align, at = lo, k;

		for (;; at++) {
			if ((at + phase) & (a - 1))
				continue;
			if (at + sl[i].size >= sizeof(used))
				return 0;
			for (k = 0; k < sl[i].size && !used[at + k]; k++)
				;
			if (k == sl[i].size)
				break;
		}
		memset(used + at, 1, sl[i].size);
		while (lo < sizeof(used) && used[lo])
			lo++;
		sl[i].off = at;
		if (at + sl[i].size > tsize)
			tsize = at + sl[i].size;
	}
	return tsize;
}

/* Lays out the slots of d, largest alignment first, trying each start
 * phase (a multiple of 4 below the table's alignment) and keeping the
 * smallest table: a table of 8-byte fields is smallest with its soffset
 * word just below an 8-byte boundary, as flatc lays it out. Returns the
 * table size, or 0 when the fast path does not apply (a table over
 * 64 KiB, a field that may be absent with an id of 64 or more: the
 * absent mask is 64 bits). */
static unsigned layout(const struct def *d, struct slot *sl, size_t *nsl, unsigned *align,
		       unsigned *phase)
{
	unsigned tsize = 0, i, n = 0, p;

	*align = 4;
	*phase = 0;
	for (i = 0; i < d->nfields; i++) {
		const struct field *f = &d->fields[i];
		enum base b = f->type.base;
		const struct def *r = f->type.ref;
		struct slot s = {f, false, (unsigned)f->id, 4, 4, true, 0};

		if (f->deprecated)
			continue;
		/* two vectors in two slots: built field by field only */
		if (b == B_VECTOR && f->type.elem == B_UNION)
			return 0;
		if (b == B_UNION) {
			struct slot u = {f, true, (unsigned)f->id - 1, 1, 1, true, 0};

			sl[n++] = u;
		} else if (sc_is_scalar(b)) {
			s.size = s.align = b == B_BOOL ? 1 : sc_scalar_size(b);
			s.nullable = f->optional;
		} else if (b == B_OBJ && is_struct(r)) {
			s.size = r->size;
			s.align = r->align;
		}
		if (s.align > *align)
			*align = s.align;
		sl[n++] = s;
	}
	for (i = 0; i < n; i++)
		if (sl[i].nullable && sl[i].id >= 64)
			return 0;
	qsort(sl, n, sizeof(*sl), slot_by_align);
	for (p = 0; p < *align; p += 4) {
		unsigned t = place(sl, n, p);

		if (t && (!tsize || t < tsize)) {
			tsize = t;
			*phase = p;
		}
	}
	if (tsize)
		place(sl, n, *phase);
	*nsl = n;
	return tsize;
}

static void gen_create(FILE *o, const struct def *d)
{
	struct slot *sl = sc_alloc((2 * d->nfields + 1) * sizeof(*sl));
	size_t n = 0, i;
	unsigned align, phase, tsize = layout(d, sl, &n, &align, &phase), nslots = 0, at;
	const char *P = d->cname;
	bool any_ref = false;
	uint64_t required = 0;

	if (!tsize)
		return;
	for (i = 0; i < n; i++) {
		if (sl[i].id + 1 > nslots)
			nslots = sl[i].id + 1;
		if (needed(sl[i].f))
			required |= (uint64_t)1 << sl[i].id;
		any_ref |= sl[i].nullable && !sl[i].utype && !sc_is_scalar(sl[i].f->type.base) &&
			   !(sl[i].f->type.base == B_OBJ && is_struct(sl[i].f->type.ref));
	}
	fprintf(o, "/* The whole %s at once, every field given (in schema order): scalars are\n"
		   " * stored even when they equal their default (flatc's force_defaults); a zero\n"
		   " * reference, a NULL struct or optional scalar leaves the field out. */\n",
		d->name);
	fprintf(o, "static inline sluice_fb_ref %s_create(sluice_fb_builder *sl_b", P);
	for (i = 0; i < d->nfields; i++) {
		const struct field *f = &d->fields[i];
		enum base b = f->type.base;
		const struct def *r = f->type.ref;

		if (f->deprecated)
			continue;
		fprintf(o, ",\n\t\t");
		if (b == B_UNION) {
			fprintf(o, "%s_t ", r->cname);
			param(o, f, "_type");
			fprintf(o, ", sluice_fb_ref ");
		} else if (sc_is_scalar(b)) {
			fprintf(o, f->optional ? "const %s *" : "%s ", b == B_BOOL ? "bool" : ctype(b));
		} else if (b == B_OBJ && is_struct(r)) {
			fprintf(o, "const %s *", r->cname);
		} else {
			fprintf(o, "sluice_fb_ref ");
		}
		param(o, f, "");
	}
	fprintf(o, ")\n{\n");
	/* the vtable image, little-endian bytes */
	fprintf(o, "\tstatic const uint8_t sl_vt[%u] = {%u, %u, %u, %u", 4 + 2 * nslots,
		(4 + 2 * nslots) & 0xff, (4 + 2 * nslots) >> 8, tsize & 0xff, tsize >> 8);
	{
		/* each slot's offset by id, in one pass (thousands of fields) */
		unsigned *offs = sc_alloc((nslots + 1) * sizeof(*offs));

		for (i = 0; i < n; i++)
			offs[sl[i].id] = sl[i].off;
		for (at = 0; at < nslots; at++)
			fprintf(o, ", %u, %u", offs[at] & 0xff, offs[at] >> 8);
	}
	fprintf(o, "};\n");
	fprintf(o, "\tuint64_t sl_absent = 0;\n\tint sl_why = 0;\n\tuint8_t *sl_t;\n\tsize_t sl_h = 0;\n");
	if (any_ref)
		fprintf(o, "\tuint32_t sl_o;\n");
	fprintf(o, "\n");
	/* which fields are absent, and misuse found before anything is written */
	for (i = 0; i < n; i++) {
		const struct field *f = sl[i].f;

		if (!sl[i].nullable || sl[i].utype)
			continue;
		if (f->type.base == B_UNION) {
			fprintf(o, "\tif (!");
			param(o, f, "_type");
			fprintf(o, " || !");
			param(o, f, "");
			fprintf(o, ")\n\t\tsl_absent |= UINT64_C(3) << %u;\n", sl[i].id - 1);
		} else {
			fprintf(o, "\tif (!");
			param(o, f, "");
			fprintf(o, ")\n\t\tsl_absent |= UINT64_C(1) << %u;\n", sl[i].id);
		}
	}
	if (any_ref) {
		bool or = false;

		fprintf(o, "\tif (");
		for (i = 0; i < n; i++) {
			enum base b = sl[i].f->type.base;

			if (sl[i].utype || sc_is_scalar(b) || (b == B_OBJ && is_struct(sl[i].f->type.ref)))
				continue;
			fprintf(o, "%s", or ? " || " : "");
			param(o, sl[i].f, "");
			fprintf(o, " > sluice_fb_builder_size(sl_b)");
			or = true;
		}
		fprintf(o, ")\n\t\tsl_why = SLUICE_FB_CREATE_BADREF;\n");
	}
	if (required)
		fprintf(o, "\tif (sl_absent & UINT64_C(%llu))\n\t\tsl_why = SLUICE_FB_CREATE_MISSING;\n",
			(unsigned long long)required);
	fprintf(o, "\tsl_t = sluice_fb_create_begin_(sl_b, %u, %u, %u, sizeof(sl_vt), sl_why, &sl_h);\n",
		tsize, align, phase);
	fprintf(o, "\tif (!sl_t)\n\t\treturn 0;\n");
	/* padding inside the table: zero, in runs */
	{
		static uint8_t used[0x10000];
		unsigned k, start;

		memset(used, 0, tsize);
		for (i = 0; i < n; i++)
			memset(used + sl[i].off, 1, sl[i].size);
		for (k = 4; k < tsize;) {
			if (used[k]) {
				k++;
				continue;
			}
			for (start = k; k < tsize && !used[k]; k++)
				;
			fprintf(o, "\tmemset(sl_t + %u, 0, %u);\n", start, k - start);
		}
	}
	for (i = 0; i < n; i++) {
		const struct field *f = sl[i].f;
		enum base b = f->type.base;
		unsigned off = sl[i].off;

		if (sl[i].utype) {
			fprintf(o, "\tsl_t[%u] = (sl_absent >> %u & 1) ? 0 : (uint8_t)", off, sl[i].id);
			param(o, f, "_type");
			fprintf(o, ";\n");
		} else if (b == B_BOOL && !f->optional) {
			fprintf(o, "\tsl_t[%u] = ", off);
			param(o, f, "");
			fprintf(o, " ? 1 : 0;\n");
		} else if (b == B_BOOL) {
			fprintf(o, "\tsl_t[%u] = ", off);
			param(o, f, "");
			fprintf(o, " && *");
			param(o, f, "");
			fprintf(o, " ? 1 : 0;\n");
		} else if (sc_is_scalar(b) && !f->optional) {
			fprintf(o, "\tmemcpy(sl_t + %u, &", off);
			param(o, f, "");
			fprintf(o, ", %u);\n", sl[i].size);
		} else if (sc_is_scalar(b) || (b == B_OBJ && is_struct(f->type.ref))) {
			fprintf(o, "\tif (");
			param(o, f, "");
			fprintf(o, ")\n\t\tmemcpy(sl_t + %u, ", off);
			param(o, f, "");
			fprintf(o, ", %u);\n\telse\n\t\tmemset(sl_t + %u, 0, %u);\n", sl[i].size, off,
				sl[i].size);
		} else {
			/* the slot is sl_h - off from the end, the target at ref */
			fprintf(o, "\tsl_o = (sl_absent >> %u & 1) ? 0 : (uint32_t)(sl_h - %u - ", sl[i].id,
				off);
			param(o, f, "");
			fprintf(o, ");\n\tmemcpy(sl_t + %u, &sl_o, 4);\n", off);
		}
	}
	fprintf(o, "\treturn sluice_fb_create_end_(sl_b, sl_t, sl_h, sl_vt, sizeof(sl_vt), sl_absent);\n}\n");
}

/* switch (tag) verifying the member it names, whose value is at. */
static void gen_member_switch(FILE *o, const struct def *r, const char *in, const char *tag,
			      const char *at)
{
	size_t i;

	fprintf(o, "%sswitch (%s) {\n", in, tag);
	for (i = 1; i < r->nvals; i++) {
		const struct def *m = r->vals[i].utype.ref;

		if (!first_of_value(r, i))
			continue;
		fprintf(o, "%scase %lld:\n", in, (long long)r->vals[i].value);
		if (r->vals[i].utype.base == B_STRING)
			fprintf(o, "%s\tif ((rc = sluice_fb_verify_string(v, %s)))\n", in, at);
		else if (is_struct(m))
			fprintf(o, "%s\tif ((rc = sluice_fb_verify_struct(v, %s, %u, %u)))\n", in, at, m->size,
				m->align);
		else
			fprintf(o, "%s\tif ((rc = %s_verify_table(v, %s)))\n", in, m->cname, at);
		fprintf(o, "%s\t\treturn rc;\n%s\tbreak;\n", in, in);
	}
	fprintf(o, "%sdefault:\n%s\tbreak; /* NONE, or a member newer than this schema */\n%s}\n", in, in, in);
}

static void gen_verify_field(FILE *o, const struct field *f)
{
	enum base b = f->type.base;
	const struct def *r = f->type.ref;
	/* A string key is required, as flatc's verifier and the .bfbs have it. */
	const char *req = needed(f) ? "true" : "false";

	if (sc_is_scalar(b)) {
		fprintf(o, "\tif ((rc = sluice_fb_verify_field(v, &tab, %d, %u, %u, false)))\n\t\treturn rc;\n",
			f->id, sc_scalar_size(b), sc_scalar_size(b));
		return;
	}
	if (b == B_OBJ && is_struct(r)) {
		fprintf(o, "\tif ((rc = sluice_fb_verify_field(v, &tab, %d, %u, %u, %s)))\n\t\treturn rc;\n",
			f->id, r->size, r->align, req);
		return;
	}
	if (b == B_UNION) {
		fprintf(o, "\tif ((rc = sluice_fb_verify_union(v, &tab, %d, %d, %s, &ut, &p)))\n\t\treturn rc;\n",
			f->id - 1, f->id, req);
		/* a type without a value is a null member, as flatc has it */
		gen_member_switch(o, r, "\t", "p ? ut : 0", "p");
		return;
	}
	if (b == B_VECTOR && f->type.elem == B_UNION) {
		fprintf(o, "\t{\n\t\tconst uint8_t *tv, *x;\n\n");
		fprintf(o, "\t\tif ((rc = sluice_fb_verify_union_vector(v, &tab, %d, %d, %s, &tv, &p, &n)))\n\t\t\treturn rc;\n",
			f->id - 1, f->id, req);
		fprintf(o, "\t\tfor (i = 0; i < n; i++) {\n\t\t\tif (!tv[i])\n\t\t\t\tcontinue;\n");
		fprintf(o, "\t\t\tif ((rc = sluice_fb_verify_vec_ref(v, p, i, &x)))\n\t\t\t\treturn rc;\n");
		gen_member_switch(o, r, "\t\t\t", "tv[i]", "x");
		fprintf(o, "\t\t}\n\t}\n");
		return;
	}
	fprintf(o, "\tif ((rc = sluice_fb_verify_ref(v, &tab, %d, %s, &p)))\n\t\treturn rc;\n", f->id, req);
	if (b == B_STRING) {
		fprintf(o, "\tif (p && (rc = sluice_fb_verify_string(v, p)))\n\t\treturn rc;\n");
	} else if (b == B_OBJ) {
		fprintf(o, "\tif (p && (rc = %s_verify_table(v, p)))\n\t\treturn rc;\n", r->cname);
	} else if (b == B_VECTOR) {
		enum base e = f->type.elem;

		if (sc_is_scalar(e) || (e == B_OBJ && is_struct(r))) {
			uint32_t sz = e == B_OBJ ? r->size : sc_scalar_size(e);
			uint32_t al = e == B_OBJ ? r->align : sc_scalar_size(e);

			fprintf(o, "\tif (p && (rc = sluice_fb_verify_vector(v, p, %u, %u, &n)))\n\t\treturn rc;\n",
				sz, al);
			if (f->nested_def) {
				fprintf(o, "\tif (p) {\n\t\tsluice_fb_verifier c;\n\t\tconst uint8_t *r;\n\n");
				fprintf(o, "\t\tif ((rc = sluice_fb_verify_nested(v, p, &c, &r)) || (rc = %s_verify_table(&c, r)))\n\t\t\treturn rc;\n\t}\n",
					f->nested_def->cname);
			}
		} else if (e == B_STRING) {
			fprintf(o, "\tif (p && (rc = sluice_fb_verify_string_vector(v, p)))\n\t\treturn rc;\n");
		} else {
			fprintf(o, "\tif (p) {\n\t\tif ((rc = sluice_fb_verify_vector(v, p, 4, 4, &n)))\n\t\t\treturn rc;\n");
			fprintf(o, "\t\tfor (i = 0; i < n; i++) {\n\t\t\tconst uint8_t *e;\n\n");
			fprintf(o, "\t\t\tif ((rc = sluice_fb_verify_vec_ref(v, p, i, &e)) || (rc = %s_verify_table(v, e)))\n\t\t\t\treturn rc;\n\t\t}\n\t}\n",
				r->cname);
		}
	}
}

static const struct field *key_of(const struct def *d)
{
	size_t i;

	for (i = 0; d && i < d->nfields; i++)
		if (d->fields[i].key && !d->fields[i].deprecated)
			return &d->fields[i];
	return NULL;
}

/* For a table with a key: ordering for the builder, and a binary search
 * over vectors of it, which flatc (and sluicec -b) write sorted. */
static void gen_key(FILE *o, const struct def *d)
{
	const struct field *k = key_of(d);
	const char *P = d->cname;

	if (k) {
		fprintf(o, "static inline int %s_key_cmp(const uint8_t *a, const uint8_t *b, void *ctx)\n{\n", P);
		if (k->type.base == B_STRING) {
			fprintf(o, "\tuint32_t la = %s_%s_len(a), lb = %s_%s_len(b);\n", P, k->name, P, k->name);
			fprintf(o, "\tint c = memcmp(%s_%s(a), %s_%s(b), la < lb ? la : lb);\n\n", P, k->name, P, k->name);
			fprintf(o, "\t(void)ctx;\n\treturn c ? c : (la > lb) - (la < lb);\n}\n");
		} else {
			fprintf(o, "\t%s x = %s_%s(a), y = %s_%s(b);\n\n", ctype(k->type.base), P, k->name, P, k->name);
			fprintf(o, "\t(void)ctx;\n\treturn (x > y) - (x < y);\n}\n");
		}
		fprintf(o, "/* Sorts finished %s tables by %s before they go into a vector. */\n", d->name, k->name);
		fprintf(o, "static inline void %s_sort_by_key(sluice_fb_builder *b, sluice_fb_ref *refs, size_t n)\n{\n", P);
		fprintf(o, "\tsluice_fb_sort_refs(b, refs, n, %s_key_cmp, NULL);\n}\n", P);
	}
}

/* After every table's readers: lookups in vectors of keyed tables. */
static void gen_by_key(FILE *o, const struct def *d)
{
	const char *P = d->cname;
	size_t i;

	for (i = 0; i < d->nfields; i++) {
		const struct field *f = &d->fields[i];
		const struct def *r = f->type.ref;
		const struct field *rk;

		if (f->deprecated || f->type.base != B_VECTOR || f->type.elem != B_OBJ || !r ||
		    r->kind != D_TABLE || !(rk = key_of(r)))
			continue;
		fprintf(o, "/* The %s in %s whose %s is key (the vector sorted by key), or NULL. */\n",
			r->name, f->name, rk->name);
		if (rk->type.base == B_STRING)
			fprintf(o, "static inline const uint8_t *%s_%s_by_key(const uint8_t *t, const char *key)\n{\n", P, f->name);
		else
			fprintf(o, "static inline const uint8_t *%s_%s_by_key(const uint8_t *t, %s key)\n{\n", P, f->name,
				ctype(rk->type.base));
		fprintf(o, "\tuint32_t lo = 0, hi = %s_%s_len(t);\n", P, f->name);
		if (rk->type.base == B_STRING)
			fprintf(o, "\tsize_t kl = strlen(key);\n");
		fprintf(o, "\n\twhile (lo < hi) {\n\t\tuint32_t mid = lo + (hi - lo) / 2;\n");
		fprintf(o, "\t\tconst uint8_t *e = %s_%s_at(t, mid);\n", P, f->name);
		if (rk->type.base == B_STRING) {
			fprintf(o, "\t\tuint32_t el = %s_%s_len(e);\n", r->cname, rk->name);
			fprintf(o, "\t\tint c = memcmp(%s_%s(e) ? %s_%s(e) : \"\", key, el < kl ? el : kl);\n\n",
				r->cname, rk->name, r->cname, rk->name);
			fprintf(o, "\t\tif (!c)\n\t\t\tc = (el > kl) - (el < kl);\n");
		} else {
			fprintf(o, "\t\t%s x = %s_%s(e);\n\t\tint c = (x > key) - (x < key);\n\n",
				ctype(rk->type.base), r->cname, rk->name);
		}
		fprintf(o, "\t\tif (c == 0)\n\t\t\treturn e;\n\t\tif (c < 0)\n\t\t\tlo = mid + 1;\n\t\telse\n\t\t\thi = mid;\n\t}\n\treturn NULL;\n}\n");
	}
}

static void gen_table(FILE *o, const struct schema *s, const struct def *d)
{
	size_t i, nreq = 0;
	const char *P = d->cname;

	fprintf(o, "/* table %s */\n", d->fullname);
	for (i = 0; i < d->nfields; i++)
		if (!d->fields[i].deprecated)
			gen_reader(o, d, &d->fields[i]);
	fprintf(o, "static inline const uint8_t *%s_as_root(const void *buf)\n{\n\treturn sluice_fb_root(buf);\n}\n", P);
	fprintf(o, "static inline const uint8_t *%s_as_root_size_prefixed(const void *buf)\n{\n\treturn sluice_fb_root_size_prefixed(buf);\n}\n", P);
	/* builders */
	fprintf(o, "static inline void %s_start(sluice_fb_builder *b)\n{\n\tsluice_fb_table_start(b);\n}\n", P);
	for (i = 0; i < d->nfields; i++)
		if (!d->fields[i].deprecated)
			gen_builder(o, d, &d->fields[i]);
	gen_create(o, d);
	fprintf(o, "static inline sluice_fb_ref %s_end(sluice_fb_builder *b)\n{\n", P);
	for (i = 0; i < d->nfields; i++)
		nreq += needed(&d->fields[i]) && !d->fields[i].deprecated;
	if (nreq) {
		fprintf(o, "\tstatic const uint16_t required[] = {");
		for (i = 0; i < d->nfields; i++)
			if (needed(&d->fields[i]) && !d->fields[i].deprecated)
				fprintf(o, " %d,", d->fields[i].id);
		fprintf(o, " };\n\n\treturn sluice_fb_table_end(b, required, %zu);\n}\n", nreq);
	} else {
		fprintf(o, "\treturn sluice_fb_table_end(b, NULL, 0);\n}\n");
	}
	{
		const char *id = d == s->root && s->ident[0] ? "" : NULL;
		char lit[16];

		if (id)
			snprintf(lit, sizeof(lit), "\"%s\"", s->ident);
		else
			snprintf(lit, sizeof(lit), "NULL");
		fprintf(o, "static inline int %s_finish(sluice_fb_builder *b, sluice_fb_ref root, sluice_fb_msg *out)\n{\n", P);
		fprintf(o, "\treturn sluice_fb_finish(b, root, %s, false, out);\n}\n", lit);
		fprintf(o, "static inline int %s_finish_size_prefixed(sluice_fb_builder *b, sluice_fb_ref root, sluice_fb_msg *out)\n{\n", P);
		fprintf(o, "\treturn sluice_fb_finish(b, root, %s, true, out);\n}\n", lit);
		/* verifier */
		fprintf(o, "static inline int %s_verify_table(sluice_fb_verifier *v, const uint8_t *t)\n{\n", P);
		fprintf(o, "\tsluice_fb_vtab tab;\n\tconst uint8_t *p = NULL;\n\tuint32_t n = 0, i = 0;\n\tuint8_t ut = 0;\n\tint rc;\n\n");
		fprintf(o, "\t(void)p;\n\t(void)n;\n\t(void)i;\n\t(void)ut;\n");
		fprintf(o, "\tif ((rc = sluice_fb_verify_table_enter(v, t, &tab)))\n\t\treturn rc;\n");
		for (i = 0; i < d->nfields; i++)
			if (!d->fields[i].deprecated)
				gen_verify_field(o, &d->fields[i]);
		fprintf(o, "\tsluice_fb_verify_table_leave(v);\n\treturn 0;\n}\n");
		fprintf(o, "/* Verifies buf[0..len) as a message whose root is a %s. */\n", d->name);
		fprintf(o, "static inline int %s_verify_root(const void *buf, size_t len, const sluice_fb_verify_opts *opts)\n{\n", P);
		fprintf(o, "\treturn sluice_fb_verify_buffer(buf, len, opts, %s_verify_table);\n}\n", P);
		fprintf(o, "static inline int %s_verify(const void *buf, size_t len)\n{\n", P);
		fprintf(o, "\tsluice_fb_verify_opts o = {0, 0, %s, false};\n\n", lit);
		fprintf(o, "\treturn sluice_fb_verify_buffer(buf, len, &o, %s_verify_table);\n}\n", P);
		gen_key(o, d);
		fprintf(o, "static inline int %s_verify_size_prefixed(const void *buf, size_t len)\n{\n", P);
		fprintf(o, "\tsluice_fb_verify_opts o = {0, 0, %s, true};\n\n", lit);
		fprintf(o, "\treturn sluice_fb_verify_buffer(buf, len, &o, %s_verify_table);\n}\n\n", P);
	}
}

/* base made into a C identifier */
static const char *guard_lower(const char *base)
{
	char *c = sc_strdup(base);
	size_t i;

	for (i = 0; c[i]; i++)
		if (!isalnum((unsigned char)c[i]))
			c[i] = '_';
	return c;
}

int sc_gen_c(const struct schema *s, const char *path, const char *base, char *err, size_t errlen)
{
	FILE *o = fopen(path, "w");
	char guard[256];
	size_t i;

	if (!o) {
		snprintf(err, errlen, "%s: error: cannot write: %s", path, strerror(errno));
		return -1;
	}
	for (i = 0; base[i] && i + 12 < sizeof(guard); i++)
		guard[i] = isalnum((unsigned char)base[i]) ? (char)toupper((unsigned char)base[i]) : '_';
	guard[i] = 0;
	fprintf(o, "/* %s_sluice.h - readers, builders and verifiers for %s.\n", base, s->main_file);
	fprintf(o, " * Generated by sluicec: do not edit. */\n");
	fprintf(o, "#ifndef %s_SLUICE_H\n#define %s_SLUICE_H\n\n", guard, guard);
	fprintf(o, "#include <math.h>\n#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n\n");
	fprintf(o, "#include \"sluice/fb.h\"\n");
	fprintf(o, "\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
	if (s->ident[0] && s->root && s->root->in_main)
		fprintf(o, "#define %s_IDENTIFIER \"%s\"\n\n", s->root->cname, s->ident);
	/* Enums and the verifiers' declarations come before the includes:
	 * they need nothing else, and schemas that include each other (a
	 * cycle, which flatc allows) then find each other's in either order. */
	for (i = 0; i < s->ndefs; i++)
		if (s->defs[i]->in_main && (s->defs[i]->kind == D_ENUM || s->defs[i]->kind == D_UNION))
			gen_enum(o, s->defs[i]);
	for (i = 0; i < s->ndefs; i++)
		if (s->defs[i]->in_main && s->defs[i]->kind == D_TABLE)
			fprintf(o, "static inline int %s_verify_table(sluice_fb_verifier *v, const uint8_t *t);\n",
				s->defs[i]->cname);
	if (s->nincludes)
		fprintf(o, "\n#ifdef __cplusplus\n}\n#endif\n\n");
	for (i = 0; i < s->nincludes; i++) {
		const char *n = strrchr(s->includes[i], '/');
		const char *dot;

		n = n ? n + 1 : s->includes[i];
		dot = strrchr(n, '.');
		fprintf(o, "#include \"%.*s_sluice.h\"\n", (int)(dot ? (size_t)(dot - n) : strlen(n)), n);
	}
	if (s->nincludes)
		fprintf(o, "\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n");
	fprintf(o, "\n");
	/* structs after the structs they contain */
	{
		bool *done = sc_alloc(s->ndefs + 1);
		bool progress = true;

		while (progress) {
			progress = false;
			for (i = 0; i < s->ndefs; i++) {
				const struct def *d = s->defs[i];
				size_t j, k;
				bool ready = true;

				if (done[i] || d->kind != D_STRUCT)
					continue;
				for (j = 0; j < d->nfields; j++) {
					const struct def *r = d->fields[j].type.ref;
					for (k = 0; r && r->kind == D_STRUCT && k < s->ndefs; k++)
						if (s->defs[k] == r && !done[k])
							ready = false;
				}
				if (!ready)
					continue;
				done[i] = progress = true;
				if (d->in_main)
					gen_struct(o, d);
			}
		}
	}
	fprintf(o, "\n");
	for (i = 0; i < s->ndefs; i++)
		if (s->defs[i]->in_main && s->defs[i]->kind == D_TABLE)
			gen_table(o, s, s->defs[i]);
	for (i = 0; i < s->ndefs; i++)
		if (s->defs[i]->in_main && s->defs[i]->kind == D_TABLE)
			gen_by_key(o, s->defs[i]);
	/* the schema itself, for topics that carry their own schema */
	{
		uint8_t *bf;
		size_t n, k;

		if (sc_bfbs(s, &bf, &n, err, errlen)) {
			fclose(o);
			return -1;
		}
		fprintf(o, "/* %s as a binary schema (.bfbs, reflection.fbs layout), %zu bytes. */\n",
			s->main_file, n);
		fprintf(o, "static inline const uint8_t *sluice_bfbs_%s(size_t *len)\n{\n", guard_lower(base));
		fprintf(o, "\t_Alignas(8) static const uint8_t data[%zu] = {", n);
		for (k = 0; k < n; k++)
			fprintf(o, "%s%u,", k % 16 ? " " : "\n\t\t", bf[k]);
		fprintf(o, "\n\t};\n\n\t*len = sizeof(data);\n\treturn data;\n}\n\n");
		/* JSON for each table, through the runtime and the schema above */
		for (k = 0; k < s->ndefs; k++) {
			const struct def *d = s->defs[k];

			if (!d->in_main || d->kind != D_TABLE)
				continue;
			fprintf(o, "/* A verified %s as JSON into out[0..cap). */\n", d->fullname);
			fprintf(o, "static inline int %s_print_json(const void *buf, size_t len, char *out, size_t cap)\n{\n", d->cname);
			fprintf(o, "\tsize_t n;\n\tconst uint8_t *bfbs = sluice_bfbs_%s(&n);\n\n", guard_lower(base));
			fprintf(o, "\treturn sluice_fb_json_print_buffer(bfbs, n, \"%s\", buf, len, NULL, out, cap, NULL);\n}\n", d->fullname);
			fprintf(o, "/* JSON text to a %s built with b (see sluice_fb_json_parse). */\n", d->fullname);
			fprintf(o, "static inline int %s_parse_json(const char *json, size_t len, void *scratch, size_t scratch_len,\n"
				   "\t\t\t\t  sluice_fb_builder *b, sluice_fb_msg *out)\n{\n", d->cname);
			fprintf(o, "\tsize_t n;\n\tconst uint8_t *bfbs = sluice_bfbs_%s(&n);\n\n", guard_lower(base));
			fprintf(o, "\treturn sluice_fb_json_parse(bfbs, n, \"%s\", json, len, scratch, scratch_len, b, false, out);\n}\n\n",
				d->fullname);
		}
	}
	fprintf(o, "#ifdef __cplusplus\n}\n#endif\n#endif\n");
	i = (size_t)ferror(o);
	if (fclose(o) != 0 || i) {
		snprintf(err, errlen, "%s: error: cannot write: %s", path,
			 strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}
