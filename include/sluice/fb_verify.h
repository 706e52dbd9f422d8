/* sluice/fb_verify.h - checks that an untrusted buffer is a well-formed
 * FlatBuffers message before anything reads it.
 *
 * The checks are the union of those of the C++ flatbuffers::Verifier and
 * flatcc's verifier: every offset and length in bounds, alignment, vtable
 * sanity, fields inside their table, strings zero-terminated, count × size
 * without overflow, nesting depth and table-count limits (against depth
 * bombs and shared-subtree bombs), union type/value consistency and
 * required fields. Generated verifiers call these primitives per field. */
#ifndef SLUICE_FB_VERIFY_H
#define SLUICE_FB_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SLUICE_FB_DEFAULT_MAX_DEPTH 64
#define SLUICE_FB_DEFAULT_MAX_TABLES 1000000

typedef struct sluice_fb_verify_opts {
	unsigned max_depth;  /* 0: SLUICE_FB_DEFAULT_MAX_DEPTH */
	size_t max_tables;   /* 0: SLUICE_FB_DEFAULT_MAX_TABLES */
	const char *ident;   /* 4-byte file identifier to require, or NULL */
	bool size_prefixed;  /* the buffer starts with a 32-bit length */
} sluice_fb_verify_opts;

/* Verification state; a plain struct so it lives on the stack. */
typedef struct sluice_fb_verifier {
	const uint8_t *buf; /* the message proper, after any size prefix */
	size_t len;
	/* bytes before buf in the buffer (the size prefix): alignment counts
	 * from the buffer's start, as flatc's writers and verifier count it */
	size_t align_base;
	unsigned depth, max_depth;
	size_t tables, max_tables;
} sluice_fb_verifier;

/* A verified table header: where the table and its vtable are. */
typedef struct sluice_fb_vtab {
	const uint8_t *t;
	const uint8_t *vt;
	uint16_t vtsize; /* bytes in the vtable */
	uint16_t tsize;  /* bytes of inline table data */
} sluice_fb_vtab;

/* Checks the envelope (size prefix, identifier, root offset) and returns
 * the root table's address in *root, ready for a table verifier. */
int sluice_fb_verify_begin(sluice_fb_verifier *v, const void *buf, size_t len,
			   const sluice_fb_verify_opts *opts, const uint8_t **root);

/* Out-of-line half of sluice_fb_verify_table_enter(): all checks, with
 * the failure's detail. */
int sluice_fb_verify_table_enter_slow_(sluice_fb_verifier *v, const uint8_t *t,
				       sluice_fb_vtab *tab);

/* Enters table t: header, vtable, depth and table count. Pair with
 * sluice_fb_verify_table_leave(). Inline so that a generated verifier
 * keeps the table in registers; anything odd takes the slow path. */
static inline int sluice_fb_verify_table_enter(sluice_fb_verifier *v, const uint8_t *t,
					       sluice_fb_vtab *tab)
{
	size_t off = (size_t)(t - v->buf);
	int32_t so;
	int64_t vt;
	uint16_t vts, ts;

	if (t < v->buf || (off & 3) || off > v->len || v->len - off < 4)
		return sluice_fb_verify_table_enter_slow_(v, t, tab);
	memcpy(&so, t, 4);
	vt = (int64_t)off - so;
	if (vt < 0 || (vt & 1) || (uint64_t)vt + 4 > v->len)
		return sluice_fb_verify_table_enter_slow_(v, t, tab);
	memcpy(&vts, v->buf + vt, 2);
	memcpy(&ts, v->buf + vt + 2, 2);
	if (vts < 4 || (vts & 1) || (uint64_t)vt + vts > v->len || ts < 4 || ts > v->len - off ||
	    v->depth >= v->max_depth || v->tables >= v->max_tables)
		return sluice_fb_verify_table_enter_slow_(v, t, tab);
	tab->t = t;
	tab->vt = v->buf + vt;
	tab->vtsize = vts;
	tab->tsize = ts;
	v->depth++;
	v->tables++;
	return 0;
}

static inline void sluice_fb_verify_table_leave(sluice_fb_verifier *v)
{
	if (v->depth)
		v->depth--;
}

/* Out-of-line halves of the two checks below: they find and report what
 * is wrong once the inline fast path has seen that something is. */
int sluice_fb_verify_field_slow_(const sluice_fb_verifier *v, const sluice_fb_vtab *tab,
				 unsigned id, size_t size, size_t align, bool required);
int sluice_fb_verify_ref_slow_(const sluice_fb_verifier *v, const sluice_fb_vtab *tab, unsigned id,
			       bool required, const uint8_t **target);

/* The vtable entry of field id (0: absent). */
static inline uint16_t sluice_fb_vtab_slot_(const sluice_fb_vtab *tab, unsigned id)
{
	size_t at = 4 + 2 * (size_t)id;
	uint16_t o = 0;

	if (at + 2 <= tab->vtsize)
		memcpy(&o, tab->vt + at, 2);
	return o;
}

/* An inline field (scalar or struct) of size bytes and alignment align. */
static inline int sluice_fb_verify_field(const sluice_fb_verifier *v, const sluice_fb_vtab *tab,
					 unsigned id, size_t size, size_t align, bool required)
{
	uint16_t o = sluice_fb_vtab_slot_(tab, id);
	size_t at = (size_t)(tab->t - v->buf) + o;

	if (o && o >= 4 && o + size <= tab->tsize && !((at + v->align_base) & (align - 1)))
		return 0;
	if (!o && !required)
		return 0;
	return sluice_fb_verify_field_slow_(v, tab, id, size, align, required);
}

/* An offset field; *target receives what it points to (NULL if absent). */
static inline int sluice_fb_verify_ref(const sluice_fb_verifier *v, const sluice_fb_vtab *tab,
				       unsigned id, bool required, const uint8_t **target)
{
	uint16_t o = sluice_fb_vtab_slot_(tab, id);
	size_t at = (size_t)(tab->t - v->buf) + o;

	if (o >= 4 && (size_t)o + 4 <= tab->tsize && !(at & 3)) {
		uint32_t u;

		memcpy(&u, v->buf + at, 4);
		if (u && u < v->len - at) {
			*target = v->buf + at + u;
			return 0;
		}
	} else if (!o && !required) {
		*target = NULL;
		return 0;
	}
	return sluice_fb_verify_ref_slow_(v, tab, id, required, target);
}

/* A string at p. */
int sluice_fb_verify_string(const sluice_fb_verifier *v, const uint8_t *p);

/* A struct at p (a union's struct member) of size bytes, aligned to align. */
int sluice_fb_verify_struct(const sluice_fb_verifier *v, const uint8_t *p, size_t size,
			    size_t align);

/* A vector at p of elements of elem_size bytes and alignment align. */
int sluice_fb_verify_vector(const sluice_fb_verifier *v, const uint8_t *p, size_t elem_size,
			    size_t align, uint32_t *count);

/* Element i of a verified vector of offsets: *target = what it points to. */
int sluice_fb_verify_vec_ref(const sluice_fb_verifier *v, const uint8_t *vec, uint32_t i,
			     const uint8_t **target);

/* A vector of strings at p. */
int sluice_fb_verify_string_vector(const sluice_fb_verifier *v, const uint8_t *p);

/* A union: type field tid and value field vid. *type and *value receive the
 * tag and what the value points to (a table, struct or string; NULL for
 * NONE). A value without a tag is refused; a tag
 * without a value is a null member (*value NULL), as flatc's verifier
 * accepts it; an unknown tag (a newer writer) is not followed. */
int sluice_fb_verify_union(const sluice_fb_verifier *v, const sluice_fb_vtab *tab, unsigned tid,
			   unsigned vid, bool required, uint8_t *type, const uint8_t **value);

/* A vector of unions: its types vector (field tid, [ubyte]) and values
 * vector (field vid, offsets), both present or both absent and of one
 * length. *types receives the type bytes, *values the values vector (for
 * sluice_fb_verify_vec_ref) and *count the length; each element is left to
 * the caller, to verify by its type (an element of type 0 is not followed). */
int sluice_fb_verify_union_vector(const sluice_fb_verifier *v, const sluice_fb_vtab *tab,
				  unsigned tid, unsigned vid, bool required, const uint8_t **types,
				  const uint8_t **values, uint32_t *count);

/* A nested flatbuffer in a [ubyte] vector: a new verifier over its bytes
 * that keeps the parent's depth and table budget. */
int sluice_fb_verify_nested(const sluice_fb_verifier *parent, const uint8_t *vec,
			    sluice_fb_verifier *child, const uint8_t **root);

/* A verifier function for one table type, as generated code emits them. */
typedef int (*sluice_fb_table_verifier)(sluice_fb_verifier *v, const uint8_t *t);

/* Verifies a whole buffer whose root table is checked by fn. Inline, so
 * that the verifier's state and a generated fn stay in registers. */
static inline int sluice_fb_verify_buffer(const void *buf, size_t len,
					  const sluice_fb_verify_opts *opts,
					  sluice_fb_table_verifier fn)
{
	sluice_fb_verifier v;
	const uint8_t *root;
	uint32_t off;
	int rc;

	/* the common case: no prefix, the right identifier, a plausible root */
	if (buf && len >= 8 && len <= 0x7fffffffu &&
	    (!opts || (!opts->size_prefixed &&
		       (!opts->ident || memcmp((const uint8_t *)buf + 4, opts->ident, 4) == 0)))) {
		memcpy(&off, buf, 4);
		if (off && off < len) {
			v.buf = (const uint8_t *)buf;
			v.len = len;
			v.align_base = 0;
			v.depth = 0;
			v.tables = 0;
			v.max_depth = opts && opts->max_depth ? opts->max_depth : SLUICE_FB_DEFAULT_MAX_DEPTH;
			v.max_tables = opts && opts->max_tables ? opts->max_tables
								: SLUICE_FB_DEFAULT_MAX_TABLES;
			return fn(&v, v.buf + off);
		}
	}
	rc = sluice_fb_verify_begin(&v, buf, len, opts, &root);
	return rc ? rc : fn(&v, root);
}

#ifdef __cplusplus
}
#endif
#endif
