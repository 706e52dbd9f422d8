/* schema.h - sluicec's in-memory model of a parsed .fbs schema, shared by
 * the parser, the checks, the C generator and the data converters. */
#ifndef SLUICEC_SCHEMA_H
#define SLUICEC_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Base types, in reflection.fbs's BaseType order where it has one. */
enum base {
	B_NONE = 0,
	B_UTYPE = 1, /* the hidden type field of a union */
	B_BOOL = 2,
	B_I8 = 3,
	B_U8 = 4,
	B_I16 = 5,
	B_U16 = 6,
	B_I32 = 7,
	B_U32 = 8,
	B_I64 = 9,
	B_U64 = 10,
	B_F32 = 11,
	B_F64 = 12,
	B_STRING = 13,
	B_VECTOR = 14,
	B_OBJ = 15, /* table or struct */
	B_UNION = 16,
	B_ARRAY = 17,
};

enum def_kind { D_ENUM, D_UNION, D_STRUCT, D_TABLE };

struct def;

/* A string-keyed hash map to a number, in the arena: checks of names stay
 * linear however many fields, values or types a schema has. */
struct sc_map {
	const char **keys;
	size_t *vals;
	size_t cap, n;
};

/* Limits sluicec keeps (docs/messages.md): a vtable holds 16-bit offsets,
 * so a table has at most 32765 slots (a union takes two); a struct is
 * smaller than 2 GiB, the largest FlatBuffer. Structs nest as deep as
 * flatc lets them (no limit). */
#define SC_MAX_TABLE_SLOTS  0x7ffd
#define SC_MAX_STRUCT_SIZE  0x7fffffffu

struct type {
	enum base base;
	enum base elem;       /* element of a vector or array */
	struct def *ref;      /* enum, union, struct or table (of base or elem) */
	uint32_t fixed_len;   /* arrays */
	const char *ref_name; /* as written, until resolved */
	const char *ref_ns;   /* namespace where it was written */
};

/* A literal value: integers kept exactly, floats as double. */
struct value {
	bool is_float;
	bool is_neg;
	char lit;    /* as written: 'i' integer, 'x' hex, 'f' float, 'b' true/false */
	uint64_t u;  /* magnitude or bit pattern of an integer */
	double f;
};

struct attr {
	const char *name;
	const char *value; /* NULL if none */
	struct attr *next;
};

struct loc {
	const char *file;
	int line, col;
};

struct field {
	const char *name;
	struct type type;
	struct loc loc;
	int id;             /* vtable slot; for unions the value slot */
	bool has_id;
	bool deprecated, required, key, optional;
	bool has_default;
	struct value dflt;  /* scalars; enums as their number */
	const char *nested; /* nested_flatbuffer root type name */
	struct def *nested_def;
	uint32_t offset;    /* struct fields: byte offset; tables: unused */
	uint32_t padding;   /* struct fields: bytes of padding after it */
	struct attr *attrs;
	const char *doc;
};

struct enumval {
	const char *name;
	int64_t value;      /* bit pattern of an unsigned value as well */
	struct type utype;  /* unions: the member table */
	struct loc loc;
};

struct def {
	enum def_kind kind;
	const char *name;
	const char *ns;       /* "" or "a.b" */
	const char *fullname; /* "a.b.Name" */
	const char *cname;    /* "a_b_Name" */
	struct loc loc;
	bool in_main;         /* declared in the file being compiled */
	struct field *fields;
	size_t nfields;
	struct enumval *vals;
	size_t nvals;
	enum base underlying; /* enums; unions use B_UTYPE (u8) */
	bool bit_flags;
	uint32_t size, align; /* structs */
	uint32_t force_align;
	struct attr *attrs;
	const char *doc;
	int order;            /* declaration order */
	struct sc_map valmap; /* enums and unions: value name -> index */
	int nest;             /* structs: levels of struct nesting, 1 if none */
	bool on_path;         /* structs: being laid out (cycle check) */
};

/* An rpc_service: kept for the .bfbs (services), nothing is generated. */
struct rpccall {
	const char *name;
	struct type req, resp; /* tables */
	struct attr *attrs;
	struct loc loc;
};

struct service {
	const char *fullname;
	struct loc loc;
	struct attr *attrs;
	struct rpccall *calls;
	size_t ncalls;
	size_t ndefs_before; /* defs declared before it (flatc checks those) */
};

/* A schema file read, with the files it includes as found (the path
 * strings flatc would build), for the .bfbs's fbs_files. */
struct sc_file {
	const char *path;
	const char **incs;
	size_t nincs, capincs;
};

struct schema {
	struct def **defs;
	size_t ndefs;
	struct def *root;
	char ident[5];        /* file_identifier, "" if none */
	const char *ext;
	const char *main_file;
	const char **includes; /* direct includes of the main file */
	size_t nincludes;
	struct service *services;
	size_t nservices, capservices;
	struct sc_file *files; /* every file read, the main file first */
	size_t nfiles, capfiles;
	const char **attrs;   /* declared attributes */
	size_t nattrs;
	const char **incdirs; /* -I paths */
	size_t nincdirs;
	bool no_includes;     /* refuse include (fuzzing) */
	struct sc_map names;  /* full name -> index in defs */
	struct sc_map attr_names; /* declared attributes */
};

/* Arena allocation: everything lives until sc_free_all(). */
void *sc_alloc(size_t n);
char *sc_strdup(const char *s);
char *sc_strndup(const char *s, size_t n);
void *sc_grow(void *p, size_t *cap, size_t n, size_t elem); /* ensure room for n */
void sc_free_all(void);

/* Adds key -> val unless key is there; returns the value now under key. */
size_t sc_map_add(struct sc_map *m, const char *key, size_t val);
/* True, with *val, if key is there. */
bool sc_map_get(const struct sc_map *m, const char *key, size_t *val);

/* Parses text as file `name` (and its includes) into s. Returns 0, or -1
 * with "file:line:col: message" in err. */
int sc_parse(struct schema *s, const char *name, const char *text, size_t len, char *err,
	     size_t errlen);
int sc_parse_file(struct schema *s, const char *path, char *err, size_t errlen);

/* Helpers on types. */
bool sc_is_scalar(enum base b);
bool sc_is_integer(enum base b);
bool sc_is_float(enum base b);
uint32_t sc_scalar_size(enum base b);
const char *sc_c_scalar(enum base b); /* "uint32_t" ... */
const char *sc_fb_name(enum base b);  /* "u32" ... runtime suffix */
const char *sc_base_name(enum base b); /* as .fbs spells it */
/* Size and alignment of a field stored inline (structs, scalars). */
uint32_t sc_inline_size(const struct type *t);
uint32_t sc_inline_align(const struct type *t);
/* A union or a vector of unions: a hidden _type field takes the slot
 * before the field's own. */
static inline bool sc_two_slots(const struct type *t)
{
	return t->base == B_UNION || (t->base == B_VECTOR && t->elem == B_UNION);
}
/* Finds a definition by full name. */
struct def *sc_find(const struct schema *s, const char *fullname);
/* Finds an attribute on a list. */
const struct attr *sc_attr(const struct attr *a, const char *name);

/* Code generation: writes the C header for s to path. 0 or -1. */
int sc_gen_c(const struct schema *s, const char *path, const char *base, char *err,
	     size_t errlen);

#endif
