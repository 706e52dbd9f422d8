/* reflect.h - reading a binary schema (.bfbs, reflection.fbs layout) inside
 * the runtime: field ids of reflection.fbs, accessors, and verification of
 * a message against a schema. Internal to src/fb. */
#ifndef SLUICE_FB_REFLECT_H
#define SLUICE_FB_REFLECT_H

#include <stdbool.h>
#include <stdint.h>

#include "sluice/fb_read.h"
#include "sluice/fb_verify.h"

/* reflection.fbs BaseType */
enum rf_base {
	RF_NONE, RF_UTYPE, RF_BOOL, RF_BYTE, RF_UBYTE, RF_SHORT, RF_USHORT, RF_INT, RF_UINT,
	RF_LONG, RF_ULONG, RF_FLOAT, RF_DOUBLE, RF_STRING, RF_VECTOR, RF_OBJ, RF_UNION, RF_ARRAY,
};

/* field ids of reflection.fbs tables */
enum { SC_OBJECTS = 0, SC_ENUMS = 1, SC_IDENT = 2, SC_ROOT = 4 };
enum { OB_NAME = 0, OB_FIELDS = 1, OB_IS_STRUCT = 2, OB_MINALIGN = 3, OB_BYTESIZE = 4 };
/* every field read from a schema must be verified in reflect.c's v_*() */
enum { FD_NAME = 0, FD_TYPE = 1, FD_ID = 2, FD_OFFSET = 3, FD_DEFAULT_INT = 4, FD_DEFAULT_REAL = 5,
       FD_DEPRECATED = 6, FD_REQUIRED = 7, FD_KEY = 8, FD_ATTRIBUTES = 9, FD_OPTIONAL = 11 };
enum { KV_KEY = 0, KV_VALUE = 1 };
enum { TY_BASE = 0, TY_ELEM = 1, TY_INDEX = 2, TY_FIXED = 3 };
enum { EN_NAME = 0, EN_VALUES = 1, EN_IS_UNION = 2, EN_UNDERLYING = 3 };
enum { EV_NAME = 0, EV_VALUE = 1, EV_UNION_TYPE = 3 };

/* A verified schema. */
struct rf_schema {
	const uint8_t *objs, *enums;
	uint32_t nobjs, nenums;
	const uint8_t *root;  /* root Object or NULL */
	const char *ident;    /* file identifier or "" */
};

/* The i-th object or enum, NULL when out of range. */
const uint8_t *rf_obj_at(const struct rf_schema *s, int32_t i);
const uint8_t *rf_enum_at(const struct rf_schema *s, int32_t i);

/* Scalar field of table t with a default. */
static inline int64_t rf_int(const uint8_t *t, unsigned id, unsigned size, int64_t dflt)
{
	const uint8_t *p = sluice_fb_field_ptr(t, id);

	if (!p)
		return dflt;
	switch (size) {
	case 1: return sluice_fb_i8(p);
	case 2: return sluice_fb_u16(p);
	case 4: return sluice_fb_i32(p);
	default: return sluice_fb_i64(p);
	}
}

static inline const char *rf_str(const uint8_t *t, unsigned id)
{
	const uint8_t *s = sluice_fb_field_ref(t, id);

	return s ? (const char *)s + 4 : "";
}

static inline int rf_type_base(const uint8_t *type)
{
	return (int)rf_int(type, TY_BASE, 1, 0);
}

static inline int rf_type_elem(const uint8_t *type)
{
	return (int)rf_int(type, TY_ELEM, 1, 0);
}

static inline int32_t rf_type_index(const uint8_t *type)
{
	return (int32_t)rf_int(type, TY_INDEX, 4, -1);
}

static inline bool rf_is_scalar(int b)
{
	return b >= RF_UTYPE && b <= RF_DOUBLE;
}

/* Bytes of a scalar base type. */
unsigned rf_scalar_size(int b);

/* Verifies bfbs and fills s. */
int rf_schema_open(struct rf_schema *s, const void *bfbs, size_t len);

/* The object named name (NULL: the root), or NULL. */
const uint8_t *rf_find_object(const struct rf_schema *s, const char *name);

/* rf_schema_open, then the table named name (NULL: the root) into *ob;
 * -SLUICE_EFBSCHEMA naming it if there is none. */
int rf_open_table(struct rf_schema *s, const void *bfbs, size_t len, const char *name,
		  const uint8_t **ob);

/* The table that field f of object obj holds as a nested flatbuffer (its
 * nested_flatbuffer attribute, which flatc writes with --bfbs-builtins and
 * sluicec's in-memory schema keeps), or NULL for plain bytes. */
const uint8_t *rf_nested(const struct rf_schema *s, const uint8_t *obj, const uint8_t *f);

/* Inline size and alignment of a struct field's type. */
uint32_t rf_inline_size(const struct rf_schema *s, const uint8_t *type);

/* Verifies table t of object obj. */
/* The union_type of the member of union en with value tag; NULL if none
 * (a member newer than the schema). */
const uint8_t *rf_union_member(const uint8_t *en, int64_t tag);
int rf_verify_table(const struct rf_schema *s, sluice_fb_verifier *v, const uint8_t *obj,
		    const uint8_t *t);

#endif
