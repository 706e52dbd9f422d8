/* reflect.c - verifies a binary schema, then messages against it (see
 * reflect.h). A schema read from shared memory is as untrusted as a
 * message: after its layout, every index, size and offset it holds is
 * checked before a message walker relies on it. */
#include <string.h>

#include "common/detail.h"
#include "fb/reflect.h"
#include "sluice/error.h"

static int bad_schema(const char *what)
{
	return sluice__fail(-SLUICE_EFBSCHEMA, "fb schema: %s", what);
}

unsigned rf_scalar_size(int b)
{
	switch (b) {
	case RF_UTYPE: case RF_BOOL: case RF_BYTE: case RF_UBYTE: return 1;
	case RF_SHORT: case RF_USHORT: return 2;
	case RF_INT: case RF_UINT: case RF_FLOAT: return 4;
	case RF_LONG: case RF_ULONG: case RF_DOUBLE: return 8;
	default: return 4;
	}
}

/* ---- layout of the schema itself ---- */

static int v_type(sluice_fb_verifier *v, const uint8_t *t)
{
	sluice_fb_vtab tab;
	int rc = sluice_fb_verify_table_enter(v, t, &tab);

	if (!rc)
		rc = sluice_fb_verify_field(v, &tab, TY_BASE, 1, 1, false);
	if (!rc)
		rc = sluice_fb_verify_field(v, &tab, TY_ELEM, 1, 1, false);
	if (!rc)
		rc = sluice_fb_verify_field(v, &tab, TY_INDEX, 4, 4, false);
	if (!rc)
		rc = sluice_fb_verify_field(v, &tab, TY_FIXED, 2, 2, false);
	if (!rc)
		sluice_fb_verify_table_leave(v);
	return rc;
}

static int v_name(sluice_fb_verifier *v, const sluice_fb_vtab *tab, unsigned id)
{
	const uint8_t *p;
	int rc = sluice_fb_verify_ref(v, tab, id, true, &p);

	return rc ? rc : sluice_fb_verify_string(v, p);
}

static int v_subtable(sluice_fb_verifier *v, const sluice_fb_vtab *tab, unsigned id, bool required,
		      int (*fn)(sluice_fb_verifier *, const uint8_t *))
{
	const uint8_t *p;
	int rc = sluice_fb_verify_ref(v, tab, id, required, &p);

	return rc || !p ? rc : fn(v, p);
}

static int v_table_vector(sluice_fb_verifier *v, const sluice_fb_vtab *tab, unsigned id,
			  bool required, int (*fn)(sluice_fb_verifier *, const uint8_t *))
{
	const uint8_t *p, *e;
	uint32_t n, i;
	int rc = sluice_fb_verify_ref(v, tab, id, required, &p);

	if (rc || !p)
		return rc;
	rc = sluice_fb_verify_vector(v, p, 4, 4, &n);
	for (i = 0; !rc && i < n; i++) {
		rc = sluice_fb_verify_vec_ref(v, p, i, &e);
		if (!rc)
			rc = fn(v, e);
	}
	return rc;
}

static int v_keyvalue(sluice_fb_verifier *v, const uint8_t *t)
{
	sluice_fb_vtab tab;
	const uint8_t *p;
	int rc = sluice_fb_verify_table_enter(v, t, &tab);

	if (!rc)
		rc = v_name(v, &tab, KV_KEY);
	if (!rc)
		rc = sluice_fb_verify_ref(v, &tab, KV_VALUE, false, &p);
	if (!rc && p)
		rc = sluice_fb_verify_string(v, p);
	if (!rc)
		sluice_fb_verify_table_leave(v);
	return rc;
}

static int v_field(sluice_fb_verifier *v, const uint8_t *t)
{
	sluice_fb_vtab tab;
	int rc = sluice_fb_verify_table_enter(v, t, &tab);

	if (!rc)
		rc = v_name(v, &tab, FD_NAME);
	if (!rc)
		rc = v_subtable(v, &tab, FD_TYPE, true, v_type);
	if (!rc)
		rc = sluice_fb_verify_field(v, &tab, FD_ID, 2, 2, false);
	if (!rc)
		rc = sluice_fb_verify_field(v, &tab, FD_OFFSET, 2, 2, false);
	if (!rc)
		rc = sluice_fb_verify_field(v, &tab, 4, 8, 8, false);
	if (!rc)
		rc = sluice_fb_verify_field(v, &tab, 5, 8, 8, false);
	if (!rc)
		rc = sluice_fb_verify_field(v, &tab, FD_DEPRECATED, 1, 1, false);
	if (!rc)
		rc = sluice_fb_verify_field(v, &tab, FD_REQUIRED, 1, 1, false);
	if (!rc)
		rc = sluice_fb_verify_field(v, &tab, FD_KEY, 1, 1, false);
	if (!rc)
		rc = v_table_vector(v, &tab, FD_ATTRIBUTES, false, v_keyvalue);
	if (!rc)
		rc = sluice_fb_verify_field(v, &tab, FD_OPTIONAL, 1, 1, false);
	if (!rc)
		sluice_fb_verify_table_leave(v);
	return rc;
}

static int v_object(sluice_fb_verifier *v, const uint8_t *t)
{
	sluice_fb_vtab tab;
	int rc = sluice_fb_verify_table_enter(v, t, &tab);

	if (!rc)
		rc = v_name(v, &tab, OB_NAME);
	if (!rc)
		rc = v_table_vector(v, &tab, OB_FIELDS, true, v_field);
	if (!rc)
		rc = sluice_fb_verify_field(v, &tab, OB_IS_STRUCT, 1, 1, false);
	if (!rc)
		rc = sluice_fb_verify_field(v, &tab, OB_MINALIGN, 4, 4, false);
	if (!rc)
		rc = sluice_fb_verify_field(v, &tab, OB_BYTESIZE, 4, 4, false);
	if (!rc)
		sluice_fb_verify_table_leave(v);
	return rc;
}

static int v_enumval(sluice_fb_verifier *v, const uint8_t *t)
{
	sluice_fb_vtab tab;
	int rc = sluice_fb_verify_table_enter(v, t, &tab);

	if (!rc)
		rc = v_name(v, &tab, EV_NAME);
	if (!rc)
		rc = sluice_fb_verify_field(v, &tab, EV_VALUE, 8, 8, false);
	if (!rc)
		rc = v_subtable(v, &tab, EV_UNION_TYPE, false, v_type);
	if (!rc)
		sluice_fb_verify_table_leave(v);
	return rc;
}

static int v_enum(sluice_fb_verifier *v, const uint8_t *t)
{
	sluice_fb_vtab tab;
	int rc = sluice_fb_verify_table_enter(v, t, &tab);

	if (!rc)
		rc = v_name(v, &tab, EN_NAME);
	if (!rc)
		rc = v_table_vector(v, &tab, EN_VALUES, true, v_enumval);
	if (!rc)
		rc = sluice_fb_verify_field(v, &tab, EN_IS_UNION, 1, 1, false);
	if (!rc)
		rc = v_subtable(v, &tab, EN_UNDERLYING, true, v_type);
	if (!rc)
		sluice_fb_verify_table_leave(v);
	return rc;
}

static int v_schema(sluice_fb_verifier *v, const uint8_t *t)
{
	sluice_fb_vtab tab;
	int rc = sluice_fb_verify_table_enter(v, t, &tab);

	if (!rc)
		rc = v_table_vector(v, &tab, SC_OBJECTS, true, v_object);
	if (!rc)
		rc = v_table_vector(v, &tab, SC_ENUMS, true, v_enum);
	if (!rc)
		rc = v_subtable(v, &tab, SC_ROOT, false, v_object);
	if (!rc) {
		const uint8_t *p;

		rc = sluice_fb_verify_ref(v, &tab, SC_IDENT, false, &p);
		if (!rc && p)
			rc = sluice_fb_verify_string(v, p);
	}
	if (!rc)
		sluice_fb_verify_table_leave(v);
	return rc;
}

/* ---- meaning: indices, kinds, sizes ---- */

const uint8_t *rf_obj_at(const struct rf_schema *s, int32_t i)
{
	return i >= 0 && (uint32_t)i < s->nobjs ? sluice_fb_vec_ref(s->objs, (uint32_t)i) : NULL;
}

const uint8_t *rf_enum_at(const struct rf_schema *s, int32_t i)
{
	return i >= 0 && (uint32_t)i < s->nenums ? sluice_fb_vec_ref(s->enums, (uint32_t)i) : NULL;
}

#define obj_at rf_obj_at
#define enum_at rf_enum_at

static bool is_struct(const uint8_t *obj)
{
	return obj && rf_int(obj, OB_IS_STRUCT, 1, 0) != 0;
}

uint32_t rf_inline_size(const struct rf_schema *s, const uint8_t *type)
{
	int b = rf_type_base(type);

	if (b == RF_OBJ)
		return (uint32_t)rf_int(obj_at(s, rf_type_index(type)), OB_BYTESIZE, 4, 0);
	if (b == RF_ARRAY) {
		uint32_t n = (uint32_t)(uint16_t)rf_int(type, TY_FIXED, 2, 0);
		int e = rf_type_elem(type);
		uint32_t es = e == RF_OBJ ? (uint32_t)rf_int(obj_at(s, rf_type_index(type)),
							     OB_BYTESIZE, 4, 0)
					  : rf_scalar_size(e);
		return n * es;
	}
	return rf_scalar_size(b);
}

/* The table named name as seen from object obj: as written, else in obj's
 * namespace and then each enclosing one, as flatc resolves type names. */
static const uint8_t *find_from(const struct rf_schema *s, const uint8_t *obj, const char *name)
{
	const char *on = rf_str(obj, OB_NAME);
	size_t nl = strlen(name), k = strlen(on);
	char full[512];

	for (;;) {
		const uint8_t *o;

		/* on[0..k) is a namespace prefix ending in '.', or k == 0 */
		if (k + nl < sizeof(full)) {
			memcpy(full, on, k);
			memcpy(full + k, name, nl + 1);
			o = rf_find_object(s, full);
			if (o)
				return o;
		}
		if (k == 0)
			return NULL;
		for (k--; k > 0 && on[k - 1] != '.'; k--)
			;
	}
}

const uint8_t *rf_nested(const struct rf_schema *s, const uint8_t *obj, const uint8_t *f)
{
	const uint8_t *attrs = sluice_fb_field_ref(f, FD_ATTRIBUTES);
	uint32_t n = sluice_fb_len(attrs), i;

	for (i = 0; i < n; i++) {
		const uint8_t *kv = sluice_fb_vec_ref(attrs, i);

		if (strcmp(rf_str(kv, KV_KEY), "nested_flatbuffer") == 0)
			return find_from(s, obj, rf_str(kv, KV_VALUE));
	}
	return NULL;
}

static bool has_nested(const uint8_t *f)
{
	const uint8_t *attrs = sluice_fb_field_ref(f, FD_ATTRIBUTES);
	uint32_t n = sluice_fb_len(attrs), i;

	for (i = 0; i < n; i++)
		if (strcmp(rf_str(sluice_fb_vec_ref(attrs, i), KV_KEY), "nested_flatbuffer") == 0)
			return true;
	return false;
}

/* Checks one type used by a field of a struct (in_struct) or table. */
static int check_type(const struct rf_schema *s, const uint8_t *type, bool in_struct)
{
	int b = rf_type_base(type), e = rf_type_elem(type);
	int32_t idx = rf_type_index(type);

	if (b < RF_UTYPE || b > RF_ARRAY)
		return bad_schema("field of unknown base type");
	if (rf_is_scalar(b))
		return idx < 0 || enum_at(s, idx) ? 0 : bad_schema("enum index out of range");
	if (in_struct && b != RF_OBJ && b != RF_ARRAY)
		return bad_schema("struct field neither scalar, struct nor array");
	switch (b) {
	case RF_STRING:
		return 0;
	case RF_OBJ: {
		const uint8_t *o = obj_at(s, idx);

		if (!o)
			return bad_schema("object index out of range");
		return in_struct && !is_struct(o) ? bad_schema("table inside a struct") : 0;
	}
	case RF_UNION: {
		const uint8_t *en = enum_at(s, idx);

		return en && rf_int(en, EN_IS_UNION, 1, 0) ? 0 : bad_schema("union index wrong");
	}
	case RF_VECTOR:
	case RF_ARRAY:
		if (b == RF_ARRAY && (!in_struct || rf_int(type, TY_FIXED, 2, 0) == 0))
			return bad_schema("array outside a struct or of length 0");
		if (rf_is_scalar(e))
			return idx < 0 || enum_at(s, idx) ? 0 : bad_schema("enum index out of range");
		if (e == RF_OBJ) {
			const uint8_t *o = obj_at(s, idx);

			if (!o)
				return bad_schema("object index out of range");
			return b == RF_ARRAY && !is_struct(o) ? bad_schema("array of tables") : 0;
		}
		if (e == RF_STRING && b == RF_VECTOR)
			return 0;
		if (e == RF_UNION && b == RF_VECTOR) {
			const uint8_t *en = enum_at(s, idx);

			return en && rf_int(en, EN_IS_UNION, 1, 0) ? 0 : bad_schema("union index wrong");
		}
		return bad_schema("vector of unsupported elements");
	default:
		return bad_schema("unsupported field type");
	}
}

static int check_object(const struct rf_schema *s, const uint8_t *obj)
{
	const uint8_t *fields = sluice_fb_field_ref(obj, OB_FIELDS);
	uint32_t n = sluice_fb_len(fields), i;
	bool st = is_struct(obj);
	int64_t bytesize = rf_int(obj, OB_BYTESIZE, 4, 0);

	if (st && (bytesize <= 0 || bytesize > 0xffff))
		return bad_schema("struct size out of range");
	for (i = 0; i < n; i++) {
		const uint8_t *f = sluice_fb_vec_ref(fields, i);
		const uint8_t *type = sluice_fb_field_ref(f, FD_TYPE);
		uint32_t off = (uint32_t)(uint16_t)rf_int(f, FD_OFFSET, 2, 0);
		int rc = check_type(s, type, st);

		if (rc)
			return rc;
		if (has_nested(f) &&
		    (rf_type_base(type) != RF_VECTOR || rf_type_elem(type) != RF_UBYTE ||
		     !rf_nested(s, obj, f)))
			return bad_schema("nested_flatbuffer on a field that is not [ubyte], or "
					  "naming no table");
		if (st) {
			/* a struct holds no larger struct; one of the same size
			 * (a struct of one struct) is legal, so a hostile schema
			 * may cycle through equal sizes: the printer, the only
			 * walk that recurses into structs without a JSON depth
			 * limit, stops at its own depth limit */
			if (rf_type_base(type) == RF_OBJ || rf_type_elem(type) == RF_OBJ) {
				const uint8_t *inner = obj_at(s, rf_type_index(type));

				if (rf_int(inner, OB_BYTESIZE, 4, 0) > bytesize)
					return bad_schema("struct does not fit in its parent");
			}
			if ((uint64_t)off + rf_inline_size(s, type) > (uint64_t)bytesize)
				return bad_schema("struct field past the struct's size");
		} else if (rf_int(f, FD_ID, 2, 0) > 0x7ffd) {
			return bad_schema("field id out of range");
		}
	}
	return 0;
}

int rf_schema_open(struct rf_schema *s, const void *bfbs, size_t len)
{
	sluice_fb_verifier v;
	sluice_fb_verify_opts o = {0, 0, NULL, false};
	const uint8_t *root;
	uint32_t i;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = sluice_fb_verify_begin(&v, bfbs, len, &o, &root);
	if (!rc)
		rc = v_schema(&v, root);
	if (rc)
		return rc;
	s->objs = sluice_fb_field_ref(root, SC_OBJECTS);
	s->enums = sluice_fb_field_ref(root, SC_ENUMS);
	s->nobjs = sluice_fb_len(s->objs);
	s->nenums = sluice_fb_len(s->enums);
	s->root = sluice_fb_field_ref(root, SC_ROOT);
	s->ident = rf_str(root, SC_IDENT);
	for (i = 0; i < s->nobjs; i++) {
		rc = check_object(s, sluice_fb_vec_ref(s->objs, i));
		if (rc)
			return rc;
	}
	for (i = 0; i < s->nenums; i++) {
		const uint8_t *en = sluice_fb_vec_ref(s->enums, i);
		const uint8_t *vals = sluice_fb_field_ref(en, EN_VALUES);
		uint32_t k, n = sluice_fb_len(vals);

		if (!rf_int(en, EN_IS_UNION, 1, 0))
			continue;
		for (k = 0; k < n; k++) {
			const uint8_t *ut = sluice_fb_field_ref(sluice_fb_vec_ref(vals, k), EV_UNION_TYPE);

			/* members are tables, structs or strings; NONE has none */
			if (ut && k > 0 && rf_type_base(ut) != RF_OBJ && rf_type_base(ut) != RF_STRING)
				return bad_schema("union member neither a table, a struct nor a string");
			if (ut && rf_type_base(ut) == RF_OBJ && !obj_at(s, rf_type_index(ut)))
				return bad_schema("union member index out of range");
		}
	}
	if (s->root) {
		/* the root must be one of the objects checked above */
		for (i = 0; i < s->nobjs && sluice_fb_vec_ref(s->objs, i) != s->root; i++)
			;
		if (i == s->nobjs)
			return bad_schema("root table is not among the objects");
		if (is_struct(s->root))
			return bad_schema("root type is a struct");
	}
	return 0;
}

const uint8_t *rf_find_object(const struct rf_schema *s, const char *name)
{
	uint32_t i;

	if (!name)
		return s->root;
	for (i = 0; i < s->nobjs; i++) {
		const uint8_t *o = sluice_fb_vec_ref(s->objs, i);

		if (strcmp(rf_str(o, OB_NAME), name) == 0)
			return is_struct(o) ? NULL : o;
	}
	return NULL;
}

int rf_open_table(struct rf_schema *s, const void *bfbs, size_t len, const char *name,
		  const uint8_t **ob)
{
	int rc = rf_schema_open(s, bfbs, len);

	if (rc)
		return rc;
	*ob = rf_find_object(s, name);
	if (!*ob)
		return sluice__fail(-SLUICE_EFBSCHEMA, "fb json: no table %s in the schema",
				    name ? name : "(root_type)");
	return 0;
}

/* ---- messages against a verified schema ---- */

const uint8_t *rf_union_member(const uint8_t *en, int64_t tag)
{
	const uint8_t *vals = sluice_fb_field_ref(en, EN_VALUES);
	uint32_t i;

	for (i = 0; i < sluice_fb_len(vals); i++) {
		const uint8_t *ev = sluice_fb_vec_ref(vals, i);

		if (rf_int(ev, EV_VALUE, 8, 0) == tag)
			return sluice_fb_field_ref(ev, EV_UNION_TYPE);
	}
	return NULL;
}

/* The value p of a union member whose union_type is t: a table, a struct
 * (standing on its own) or a string. */
static int rf_verify_member(const struct rf_schema *s, sluice_fb_verifier *v, const uint8_t *t,
			    const uint8_t *p)
{
	const uint8_t *o;

	if (rf_type_base(t) == RF_STRING)
		return sluice_fb_verify_string(v, p);
	if (rf_type_base(t) != RF_OBJ)
		return 0;
	o = obj_at(s, rf_type_index(t));
	if (is_struct(o))
		return sluice_fb_verify_struct(v, p, (size_t)rf_int(o, OB_BYTESIZE, 4, 0),
					       (size_t)rf_int(o, OB_MINALIGN, 4, 1));
	return rf_verify_table(s, v, o, p);
}

static int verify_value(const struct rf_schema *s, sluice_fb_verifier *v, const sluice_fb_vtab *tab,
			const uint8_t *obj, const uint8_t *f, const uint8_t *type)
{
	unsigned id = (unsigned)(uint16_t)rf_int(f, FD_ID, 2, 0);
	int b = rf_type_base(type), e = rf_type_elem(type);
	bool req = rf_int(f, FD_REQUIRED, 1, 0) != 0;
	const uint8_t *p, *x;
	uint32_t n, i;
	int rc;

	if (rf_is_scalar(b))
		return sluice_fb_verify_field(v, tab, id, rf_scalar_size(b), rf_scalar_size(b), false);
	if (b == RF_OBJ) {
		const uint8_t *o = obj_at(s, rf_type_index(type));

		if (is_struct(o))
			return sluice_fb_verify_field(v, tab, id, (size_t)rf_int(o, OB_BYTESIZE, 4, 0),
						      (size_t)rf_int(o, OB_MINALIGN, 4, 1), req);
		rc = sluice_fb_verify_ref(v, tab, id, req, &p);
		return rc || !p ? rc : rf_verify_table(s, v, o, p);
	}
	if (b == RF_UNION) {
		uint8_t ut;
		const uint8_t *en = enum_at(s, rf_type_index(type));
		const uint8_t *vals = sluice_fb_field_ref(en, EN_VALUES);

		if (id == 0)
			return sluice__fail(-SLUICE_EFBSCHEMA, "fb schema: union at id 0");
		rc = sluice_fb_verify_union(v, tab, id - 1, id, req, &ut, &p);
		if (rc || !ut || !p)
			return rc; /* NONE, or a type without a value: a null member */
		for (i = 0; i < sluice_fb_len(vals); i++) {
			const uint8_t *ev = sluice_fb_vec_ref(vals, i);
			const uint8_t *t = sluice_fb_field_ref(ev, EV_UNION_TYPE);

			if (rf_int(ev, EV_VALUE, 8, 0) == ut && t)
				return rf_verify_member(s, v, t, p);
		}
		return 0; /* a member newer than the schema */
	}
	if (b == RF_VECTOR && e == RF_UNION) {
		const uint8_t *en = enum_at(s, rf_type_index(type)), *tv;

		if (id == 0)
			return sluice__fail(-SLUICE_EFBSCHEMA, "fb schema: union vector at id 0");
		rc = sluice_fb_verify_union_vector(v, tab, id - 1, id, req, &tv, &p, &n);
		for (i = 0; !rc && i < n; i++) {
			const uint8_t *mt = tv[i] ? rf_union_member(en, tv[i]) : NULL;

			if (mt && !(rc = sluice_fb_verify_vec_ref(v, p, i, &x)))
				rc = rf_verify_member(s, v, mt, x);
		}
		return rc;
	}
	rc = sluice_fb_verify_ref(v, tab, id, req, &p);
	if (rc || !p)
		return rc;
	if (b == RF_STRING)
		return sluice_fb_verify_string(v, p);
	/* vectors */
	if (rf_is_scalar(e)) {
		const uint8_t *no = e == RF_UBYTE ? rf_nested(s, obj, f) : NULL;
		sluice_fb_verifier c;

		rc = sluice_fb_verify_vector(v, p, rf_scalar_size(e), rf_scalar_size(e), &n);
		if (rc || !no)
			return rc;
		/* the bytes must hold a valid message, as generated verifiers check */
		rc = sluice_fb_verify_nested(v, p, &c, &x);
		return rc ? rc : rf_verify_table(s, &c, no, x);
	}
	if (e == RF_STRING)
		return sluice_fb_verify_string_vector(v, p);
	{
		const uint8_t *o = obj_at(s, rf_type_index(type));

		if (is_struct(o))
			return sluice_fb_verify_vector(v, p, (size_t)rf_int(o, OB_BYTESIZE, 4, 0),
						       (size_t)rf_int(o, OB_MINALIGN, 4, 1), &n);
		rc = sluice_fb_verify_vector(v, p, 4, 4, &n);
		for (i = 0; !rc && i < n; i++) {
			rc = sluice_fb_verify_vec_ref(v, p, i, &x);
			if (!rc)
				rc = rf_verify_table(s, v, o, x);
		}
		return rc;
	}
}

int rf_verify_table(const struct rf_schema *s, sluice_fb_verifier *v, const uint8_t *obj,
		    const uint8_t *t)
{
	const uint8_t *fields = sluice_fb_field_ref(obj, OB_FIELDS);
	uint32_t n = sluice_fb_len(fields), i;
	sluice_fb_vtab tab;
	int rc = sluice_fb_verify_table_enter(v, t, &tab);

	for (i = 0; !rc && i < n; i++) {
		const uint8_t *f = sluice_fb_vec_ref(fields, i);
		const uint8_t *type = sluice_fb_field_ref(f, FD_TYPE);

		/* deprecated fields are not walked, so not printed either */
		if (rf_int(f, FD_DEPRECATED, 1, 0))
			continue;
		rc = verify_value(s, v, &tab, obj, f, type);
	}
	if (!rc)
		sluice_fb_verify_table_leave(v);
	return rc;
}
