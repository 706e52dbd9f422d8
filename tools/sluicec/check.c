/* check.c - resolves names in a parsed schema, lays out structs, assigns
 * field ids and rejects everything flatc 2.0.8 rejects, plus the limits
 * flatc forgets (a table's inline size under 64 KiB, ids in range). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"
#include "schema.h"

int sc_check(struct schema *s, struct lexer *lx);

static struct def *lookup(const struct schema *s, const char *name, const char *ns)
{
	char buf[2048];
	char *cut;
	struct def *d;

	snprintf(buf, sizeof(buf), "%s", ns ? ns : "");
	/* innermost namespace first, then each enclosing one */
	for (;;) {
		char full[4096];

		snprintf(full, sizeof(full), "%s%s%s", buf, *buf ? "." : "", name);
		d = sc_find(s, full);
		if (d)
			return d;
		if (!*buf)
			return NULL;
		cut = strrchr(buf, '.');
		if (cut)
			*cut = 0;
		else
			*buf = 0;
	}
}

static void resolve(struct schema *s, struct lexer *lx, struct type *t, const struct loc *l,
		    const struct def *user)
{
	struct def *d;
	bool vec = t->base == B_VECTOR || t->base == B_ARRAY;

	if (!t->ref_name)
		return;
	d = lookup(s, t->ref_name, t->ref_ns);
	if (!d)
		lex_error(lx, l, "type referenced but not defined (check namespace): %s",
			  t->ref_name);
	t->ref = d;
	/* flatc needs an enum's size where it is used: declared before use */
	if ((d->kind == D_ENUM || d->kind == D_UNION) && user && d->order > user->order)
		lex_error(lx, l, "enum or union %s used before its declaration", t->ref_name);
	if (d->kind == D_ENUM) {
		if (vec)
			t->elem = d->underlying;
		else
			t->base = d->underlying;
	} else if (d->kind == D_UNION) {
		if (t->base == B_ARRAY)
			lex_error(lx, l, "fixed-length arrays of unions are not allowed");
		if (vec)
			t->elem = B_UNION;
		else
			t->base = B_UNION;
	} else {
		if (vec)
			t->elem = B_OBJ;
		else
			t->base = B_OBJ;
	}
}

static bool fits(enum base b, bool neg, uint64_t mag)
{
	switch (b) {
	case B_BOOL:
		return !neg && mag <= 1;
	case B_I8:
		return neg ? mag <= 128 : mag <= 127;
	case B_U8:
	case B_UTYPE:
		return !neg && mag <= 255;
	case B_I16:
		return neg ? mag <= 32768 : mag <= 32767;
	case B_U16:
		return !neg && mag <= 65535;
	case B_I32:
		return neg ? mag <= 2147483648u : mag <= 2147483647u;
	case B_U32:
		return !neg && mag <= 4294967295u;
	case B_I64:
		return neg ? mag <= (uint64_t)INT64_MAX + 1 : mag <= (uint64_t)INT64_MAX;
	case B_U64:
		return !neg;
	default:
		return true;
	}
}

static void check_enum(struct schema *s, struct lexer *lx, struct def *d)
{
	struct sc_map values = {0};
	size_t i, j;

	for (i = 0; i < d->nvals; i++) {
		struct enumval *e = &d->vals[i];
		bool neg = e->utype.fixed_len != 0;
		uint64_t mag = neg ? 0 - (uint64_t)e->value : (uint64_t)e->value;

		e->utype.fixed_len = 0;
		if (sc_map_add(&d->valmap, e->name, i) != i)
			lex_error(lx, &e->loc, "enum value already exists: %s", e->name);
		if (d->kind == D_UNION) {
			if (i == 0)
				continue;
			resolve(s, lx, &e->utype, &e->loc, NULL);
			if (e->utype.base != B_STRING &&
			    (e->utype.base != B_OBJ || e->utype.ref->kind == D_ENUM ||
			     e->utype.ref->kind == D_UNION))
				lex_error(lx, &e->loc, "union value type may only be table/struct/string: %s",
					  e->name);
			if (neg || mag > 255)
				lex_error(lx, &e->loc, "enum value does not fit, \"%s\"", e->name);
		} else if (d->bit_flags) {
			uint32_t bits = 8 * sc_scalar_size(d->underlying);

			if (neg || mag >= bits)
				lex_error(lx, &e->loc, "bit flag out of range of underlying integral type");
			e->value = (int64_t)((uint64_t)1 << mag);
		} else if (!fits(d->underlying, neg, mag)) {
			lex_error(lx, &e->loc, "enum value does not fit, \"%s\"", e->name);
		}
	}
	/* flatc 2.0.8 accepts values in any order, and repeated ones too,
	 * except the smallest (its uniqueness check compares each value with
	 * the smallest only): a union's members with NONE's 0 */
	(void)values;
	{
		bool u64 = d->underlying == B_U64;
		size_t min = 0;

		for (i = 1; i < d->nvals; i++)
			if (u64 ? (uint64_t)d->vals[i].value < (uint64_t)d->vals[min].value
				: d->vals[i].value < d->vals[min].value)
				min = i;
		size_t a = d->nvals, b = d->nvals; /* the two first names with it */

		for (j = 0; j < d->nvals; j++) {
			if (d->vals[j].value != d->vals[min].value)
				continue;
			if (a == d->nvals || strcmp(d->vals[j].name, d->vals[a].name) < 0) {
				b = a;
				a = j;
			} else if (b == d->nvals || strcmp(d->vals[j].name, d->vals[b].name) < 0) {
				b = j;
			}
		}
		if (b < d->nvals)
			lex_error(lx, &d->vals[a > b ? a : b].loc,
				  "all enum values must be unique: %s and %s are both %lld",
				  d->vals[a].name, d->vals[b].name, (long long)d->vals[min].value);
	}
}

/* Lays out one struct whose member structs are laid out. */
static void layout_one(struct lexer *lx, struct def *d)
{
	size_t i;
	uint64_t off = 0;
	uint32_t align = 1;
	const struct attr *fa;

	d->nest = 1;
	for (i = 0; i < d->nfields; i++) {
		struct field *f = &d->fields[i];
		struct def *r = f->type.ref;
		uint64_t fs;
		uint32_t fa2;

		if (r && r->kind == D_STRUCT && r->nest + 1 > d->nest)
			d->nest = r->nest + 1;
		/* 64 bits: [S:65535] of a large S overflows 32 */
		fs = f->type.base == B_ARRAY ? (uint64_t)sc_inline_size(&(struct type){
						       .base = f->type.elem, .ref = r}) *
						       f->type.fixed_len
					     : sc_inline_size(&f->type);
		fa2 = sc_inline_align(&f->type);
		off = (off + fa2 - 1) & ~(uint64_t)(fa2 - 1);
		if (off + fs > SC_MAX_STRUCT_SIZE)
			lex_error(lx, &f->loc, "struct %s is larger than %u bytes at field %s",
				  d->name, SC_MAX_STRUCT_SIZE, f->name);
		if (i > 0)
			d->fields[i - 1].padding = (uint32_t)off - (d->fields[i - 1].offset +
								    sc_inline_size(&d->fields[i - 1].type));
		f->offset = (uint32_t)off;
		off += fs;
		if (fa2 > align)
			align = fa2;
	}
	fa = sc_attr(d->attrs, "force_align");
	if (fa) {
		char *end;
		long v = fa->value ? strtol(fa->value, &end, 0) : 0;

		if (!fa->value || *end || v < (long)align || v > 32 || (v & (v - 1)))
			lex_error(lx, &d->loc,
				  "force_align must be a power of two integer ranging from the "
				  "struct's natural alignment to 32");
		align = (uint32_t)v;
		d->force_align = align;
	}
	off = (off + align - 1) & ~(uint64_t)(align - 1);
	if (off > SC_MAX_STRUCT_SIZE)
		lex_error(lx, &d->loc, "struct %s is larger than %u bytes", d->name,
			  SC_MAX_STRUCT_SIZE);
	d->align = align;
	d->size = (uint32_t)off;
	if (d->nfields)
		d->fields[d->nfields - 1].padding =
			d->size - (d->fields[d->nfields - 1].offset +
				   sc_inline_size(&d->fields[d->nfields - 1].type));
	if (d->size == 0)
		lex_error(lx, &d->loc, "size 0 structs not allowed");
}

/* The explicit stack of layout(): a struct and the field to look at next. */
struct lay {
	struct def *d;
	size_t next;
};

/* Structs are laid out after their member structs, depth first with an
 * explicit stack (st, one entry per struct of the schema at most: a struct
 * on the path twice is a cycle): each struct once, whatever the order of
 * declaration, however deep, and no recursion on the C stack. */
static void layout(struct lexer *lx, struct def *top, struct lay *st)
{
	size_t n = 0;

	if (top->size)
		return;
	st[n++].d = top;
	st[0].next = 0;
	top->on_path = true;
	while (n > 0) {
		struct def *d = st[n - 1].d;
		struct field *f = NULL;
		struct def *r = NULL;

		while (st[n - 1].next < d->nfields) {
			f = &d->fields[st[n - 1].next++];
			r = f->type.ref;
			if (r && r->kind == D_STRUCT && !r->size)
				break;
			r = NULL;
		}
		if (!r) {
			layout_one(lx, d);
			d->on_path = false;
			n--;
			continue;
		}
		if (r->on_path) {
			if (r == d)
				lex_error(lx, &f->loc, "struct %s contains itself", d->name);
			lex_error(lx, &f->loc, "struct %s contains itself (through field %s.%s)",
				  r->name, d->name, f->name);
		}
		r->on_path = true;
		st[n].d = r;
		st[n++].next = 0;
	}
}

/* An enum field's implicit default, 0, must be one of its values (bit
 * flags aside), in a table or a struct, as flatc has it. */
static void enum_zero(struct lexer *lx, const struct field *f)
{
	const struct def *e = f->type.ref;
	size_t i;

	if (!e || e->kind != D_ENUM || e->bit_flags || !sc_is_integer(f->type.base))
		return;
	for (i = 0; i < e->nvals && e->vals[i].value != 0; i++)
		;
	if (i == e->nvals)
		lex_error(lx, &f->loc, "default value of 0 for field %s is not part of enum %s", f->name,
			  e->name);
}

/* hash: "fnv1_32" and the like, on a field (or vector) of integers of the
 * hash's width, as flatc checks it. */
static void check_hash(struct lexer *lx, const struct field *f)
{
	const struct attr *a = sc_attr(f->attrs, "hash");
	enum base b = f->type.base == B_VECTOR ? f->type.elem : f->type.base;
	const char *v, *bits;

	if (!a)
		return;
	v = a->value ? a->value : "";
	switch (b) {
	case B_I16: case B_U16: bits = "16"; break;
	case B_I32: case B_U32: bits = "32"; break;
	case B_I64: case B_U64: bits = "64"; break;
	default:
		lex_error(lx, &f->loc, "only short, ushort, int, uint, long and ulong data types support hashing.");
	}
	if ((strncmp(v, "fnv1_", 5) != 0 || strcmp(v + 5, bits) != 0) &&
	    (strncmp(v, "fnv1a_", 6) != 0 || strcmp(v + 6, bits) != 0))
		lex_error(lx, &f->loc, "Unknown hashing algorithm for %s bit types: %s", bits, v);
}

static void check_struct_fields(struct lexer *lx, struct def *d)
{
	struct sc_map names = {0};
	const struct field *key = NULL;
	size_t i;

	for (i = 0; i < d->nfields; i++) {
		struct field *f = &d->fields[i];
		enum base b = f->type.base == B_ARRAY ? f->type.elem : f->type.base;

		/* flatc knows a struct as one only once declared: a struct used
		 * in a struct before its declaration is refused as not one */
		if (!(sc_is_scalar(b) || (b == B_OBJ && f->type.ref->kind == D_STRUCT)) ||
		    f->type.base == B_VECTOR || (b == B_OBJ && f->type.ref->order > d->order))
			lex_error(lx, &f->loc, "structs may contain only scalar or struct fields");
		if (f->has_default || f->optional)
			lex_error(lx, &f->loc, "default values are not supported for struct fields");
		if (sc_attr(f->attrs, "deprecated"))
			lex_error(lx, &f->loc, "can't deprecate fields in a struct");
		check_hash(lx, f);
		enum_zero(lx, f);
		/* flatc keeps a struct's key in the .bfbs (vectors of it sort by it) */
		f->key = sc_attr(f->attrs, "key") != NULL;
		if (f->key && key)
			lex_error(lx, &f->loc, "only one field may be set as 'key'");
		if (f->key)
			key = f;
		if (sc_map_add(&names, f->name, i) != i)
			lex_error(lx, &f->loc, "field already exists: %s", f->name);
		if (strcmp(f->name, d->name) == 0)
			lex_error(lx, &f->loc, "field name can not be the same as table/struct name");
	}
}

static void default_value(struct schema *s, struct lexer *lx, struct field *f)
{
	const struct attr *a = sc_attr(f->attrs, "$default");
	enum base b = f->type.base;

	if (a) {
		struct def *e = f->type.ref;
		size_t i;

		/* drop the placeholder from the attribute list */
		if (f->attrs == a)
			f->attrs = a->next;
		if (!sc_is_scalar(f->type.base))
			lex_error(lx, &f->loc, "default values currently only supported for scalars in tables");
		if (!e || e->kind != D_ENUM)
			lex_error(lx, &f->loc, "cannot parse value string: %s", a->value);
		{
			/* names separated by single spaces, their values or'ed
			 * (flatc reads "A B" so, bit flags or not) */
			const char *at = a->value;
			uint64_t acc = 0;

			for (;;) {
				const char *sp = strchr(at, ' ');
				char *name = sc_strndup(at, sp ? (size_t)(sp - at) : strlen(at));

				if (!sc_map_get(&e->valmap, name, &i))
					lex_error(lx, &f->loc, "unknown enum value: %s", name);
				acc |= (uint64_t)e->vals[i].value;
				if (!sp)
					break;
				at = sp + 1;
			}
			if (!e->bit_flags) {
				for (i = 0; i < e->nvals && (uint64_t)e->vals[i].value != acc; i++)
					;
				if (i == e->nvals)
					lex_error(lx, &f->loc, "default value %s for field %s is not part of enum %s",
						  a->value, f->name, e->name);
			}
			if (e->underlying != B_U64 && sc_is_integer(e->underlying) &&
			    (int64_t)acc < 0 && e->underlying != B_U8 && e->underlying != B_U16 &&
			    e->underlying != B_U32) {
				f->dflt.is_neg = true;
				f->dflt.u = 0 - acc;
			} else {
				f->dflt.is_neg = false;
				f->dflt.u = acc;
			}
			f->dflt.f = f->dflt.is_neg ? -(double)f->dflt.u : (double)f->dflt.u;
		}
		return;
	}
	(void)s;
	if (!f->has_default && !f->optional)
		enum_zero(lx, f);
	if (!f->has_default)
		return;
	if (!sc_is_scalar(b))
		lex_error(lx, &f->loc, "default values currently only supported for scalars in tables");
	if (f->dflt.lit == 'b' && b != B_BOOL)
		lex_error(lx, &f->loc, "true or false is a default for bool fields only: %s", f->name);
	if (f->dflt.lit == 'x' && sc_is_float(b))
		lex_error(lx, &f->loc, "invalid default value for float field %s", f->name);
	if (sc_is_integer(b)) {
		if (f->dflt.is_float)
			lex_error(lx, &f->loc, "invalid default value for integer field %s", f->name);
		if (!fits(b, f->dflt.is_neg, f->dflt.u))
			lex_error(lx, &f->loc, "default value out of range for field %s", f->name);
		if (f->type.ref && f->type.ref->kind == D_ENUM && !f->type.ref->bit_flags) {
			struct def *e = f->type.ref;
			int64_t v = f->dflt.is_neg ? (int64_t)(0 - f->dflt.u) : (int64_t)f->dflt.u;
			size_t i;

			for (i = 0; i < e->nvals && e->vals[i].value != v; i++)
				;
			if (i == e->nvals)
				lex_error(lx, &f->loc, "default value of %s%llu for field %s is not part of enum %s",
					  f->dflt.is_neg ? "-" : "", (unsigned long long)f->dflt.u,
					  f->name, e->name);
		}
	}
}

static void check_table(struct schema *s, struct lexer *lx, struct def *d)
{
	struct sc_map names = {0};
	size_t i, j, nslots = 0, nid = 0, inl = 4;
	bool *used;
	struct field *key = NULL;

	/* each name's first field, so that a union's "<name>_type" can be
	 * looked up among the fields that follow it too */
	for (i = 0; i < d->nfields; i++)
		sc_map_add(&names, d->fields[i].name, i);
	for (i = 0; i < d->nfields; i++) {
		struct field *f = &d->fields[i];
		const struct attr *a;

		nslots += sc_two_slots(&f->type) ? 2 : 1;
		if (nslots > SC_MAX_TABLE_SLOTS)
			lex_error(lx, &f->loc,
				  "table %s has too many fields: a vtable holds at most %d (16-bit "
				  "offsets; a union takes two)",
				  d->name, SC_MAX_TABLE_SLOTS);
		if (sc_map_get(&names, f->name, &j) && j != i)
			lex_error(lx, &f->loc, "field already exists: %s", f->name);
		if (strcmp(f->name, d->name) == 0)
			lex_error(lx, &f->loc, "field name can not be the same as table/struct name");
		if (f->type.base == B_ARRAY)
			lex_error(lx, &f->loc,
				  "fixed-length array in table must be wrapped in struct");
		if (f->type.base == B_VECTOR && f->type.elem == B_NONE)
			lex_error(lx, &f->loc, "bad vector element type");
		f->deprecated = sc_attr(f->attrs, "deprecated") != NULL;
		check_hash(lx, f);
		f->required = sc_attr(f->attrs, "required") != NULL;
		f->key = sc_attr(f->attrs, "key") != NULL;
		a = sc_attr(f->attrs, "id");
		if (a) {
			char *end;
			/* decimal, or hex with 0x, as flatc reads numbers */
			bool hex = a->value && a->value[0] == '0' && (a->value[1] == 'x' || a->value[1] == 'X');
			long v = a->value ? strtol(a->value, &end, hex ? 16 : 10) : -1;

			if (!a->value || *end || v < 0 || v >= SC_MAX_TABLE_SLOTS)
				lex_error(lx, &f->loc, "field id out of range: %s", a->value ? a->value : "");
			f->has_id = true;
			f->id = (int)v;
			nid++;
		}
		if (f->required && sc_is_scalar(f->type.base))
			lex_error(lx, &f->loc, "only non-scalar fields in tables may be 'required'");
		if (f->optional && !sc_is_scalar(f->type.base))
			lex_error(lx, &f->loc, "only scalar fields may be optional (= null)");
		if (f->optional && f->required)
			lex_error(lx, &f->loc, "an optional field cannot be required");
		if (f->key) {
			if (key)
				lex_error(lx, &f->loc, "only one field may be set as 'key'");
			if (!sc_is_scalar(f->type.base) && f->type.base != B_STRING)
				lex_error(lx, &f->loc, "'key' field must be string or scalar type");
			key = f;
		}
		if (sc_two_slots(&f->type)) {
			char tn[512];

			snprintf(tn, sizeof(tn), "%s_type", f->name);
			if (sc_map_get(&names, tn, &j))
				lex_error(lx, &d->fields[j].loc, "field already exists: %s", tn);
		}
		a = sc_attr(f->attrs, "nested_flatbuffer");
		if (a) {
			if (f->type.base != B_VECTOR || f->type.elem != B_U8)
				lex_error(lx, &f->loc, "nested_flatbuffer attribute may only apply to a vector of ubyte");
			f->nested_def = a->value ? lookup(s, a->value, d->ns) : NULL;
			if (!f->nested_def || f->nested_def->kind != D_TABLE)
				lex_error(lx, &f->loc, "nested_flatbuffer names no table: %s",
					  a->value ? a->value : "");
			f->nested = a->value;
		}
		default_value(s, lx, f);
		/* inline bytes: the widest a writer may need, with padding */
		{
			uint32_t sz = f->type.base == B_UNION ? 5 : sc_two_slots(&f->type) ? 8 : sc_inline_size(&f->type);
			uint32_t al = sc_inline_align(&f->type);

			inl += sz + (al > 1 ? al - 1 : 0);
		}
	}
	if (nid && nid != d->nfields)
		lex_error(lx, &d->loc, "either all fields or no fields must have an 'id' attribute");
	if (inl >= 65536)
		lex_error(lx, &d->loc, "table %s is too large: inline fields need %zu bytes (limit 65535)",
			  d->name, inl);
	used = sc_alloc(nslots + 1);
	if (nid) {
		for (i = 0; i < d->nfields; i++) {
			struct field *f = &d->fields[i];
			size_t lo = sc_two_slots(&f->type) ? (size_t)f->id - 1 : (size_t)f->id;

			if (sc_two_slots(&f->type) && f->id == 0)
				lex_error(lx, &f->loc, "union field id must be at least 1: %s", f->name);
			if ((size_t)f->id >= nslots)
				lex_error(lx, &f->loc, "field id's must be consecutive from 0, id %d out of range", f->id);
			for (j = lo; j <= (size_t)f->id; j++) {
				if (used[j])
					lex_error(lx, &f->loc, "field id's must be consecutive from 0, id %zu is used twice", j);
				used[j] = true;
			}
		}
	} else {
		size_t next = 0;

		for (i = 0; i < d->nfields; i++) {
			struct field *f = &d->fields[i];

			if (sc_two_slots(&f->type))
				next++;
			f->id = (int)next++;
		}
	}
}

/* An rpc call's request and response are tables; flatc tells a struct
 * only when it was declared before the service. */
static void check_call_type(struct schema *s, struct lexer *lx, const struct service *sv,
			    struct rpccall *c, struct type *t)
{
	struct def *d = lookup(s, t->ref_name, t->ref_ns);

	if (!d)
		lex_error(lx, &c->loc, "type referenced but not defined (check namespace): %s",
			  t->ref_name);
	if (d->kind == D_ENUM || d->kind == D_UNION ||
	    (d->kind == D_STRUCT && (size_t)d->order < sv->ndefs_before))
		lex_error(lx, &c->loc, "rpc request and response types must be tables");
	t->ref = d;
}

static void check_service(struct schema *s, struct lexer *lx, struct service *sv)
{
	size_t i;

	for (i = 0; i < sv->ncalls; i++) {
		check_call_type(s, lx, sv, &sv->calls[i], &sv->calls[i].req);
		check_call_type(s, lx, sv, &sv->calls[i], &sv->calls[i].resp);
	}
}

int sc_check(struct schema *s, struct lexer *lx)
{
	size_t i, j;

	for (i = 0; i < s->ndefs; i++) {
		struct def *d = s->defs[i];

		for (j = 0; j < d->nfields; j++)
			resolve(s, lx, &d->fields[j].type, &d->fields[j].loc, d);
	}
	for (i = 0; i < s->ndefs; i++)
		if (s->defs[i]->kind == D_ENUM || s->defs[i]->kind == D_UNION)
			check_enum(s, lx, s->defs[i]);
	for (i = 0; i < s->ndefs; i++)
		if (s->defs[i]->kind == D_STRUCT)
			check_struct_fields(lx, s->defs[i]);
	{
		struct lay *st = sc_alloc((s->ndefs + 1) * sizeof(*st));

		for (i = 0; i < s->ndefs; i++)
			if (s->defs[i]->kind == D_STRUCT)
				layout(lx, s->defs[i], st);
	}
	for (i = 0; i < s->ndefs; i++) {
		struct def *d = s->defs[i];

		if (d->kind == D_TABLE)
			check_table(s, lx, d);
		else if (d->kind != D_STRUCT && sc_attr(d->attrs, "force_align"))
			lex_error(lx, &d->loc, "force_align applies to structs only");
	}
	for (i = 0; i < s->nservices; i++)
		check_service(s, lx, &s->services[i]);
	if (s->root) {
		struct def *r = lookup(s, s->root->name, s->root->ns);

		if (!r)
			lex_error(lx, &s->root->loc, "unknown root type: %s", s->root->name);
		if (r->kind != D_TABLE)
			lex_error(lx, &s->root->loc, "root type must be a table");
		s->root = r;
	}
	return 0;
}
