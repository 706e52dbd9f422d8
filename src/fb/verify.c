/* verify.c - the verifier primitives (see sluice/fb_verify.h). Every
 * position is turned into an offset from the buffer start and checked
 * against the length before a byte there is read. */
#include <string.h>

#include "sluice/error.h"
#include "sluice/fb_read.h"
#include "sluice/fb_verify.h"
#include "common/detail.h"

/* FlatBuffers messages stay below 2 GiB, so sums of offsets never wrap. */
#define MAX_MESSAGE 0x7fffffffu

static int bad(int err, const char *what, size_t at)
{
	return sluice__fail(err, "fb verify: %s at byte %zu", what, at);
}

/* n bytes from off lie inside the buffer. */
static int in_bounds(const sluice_fb_verifier *v, size_t off, size_t n)
{
	return off <= v->len && n <= v->len - off;
}

/* Offset of p from the start; p was derived from checked offsets, but a
 * caller's pointer is checked too. */
static int offset_of(const sluice_fb_verifier *v, const uint8_t *p, size_t *off)
{
	if (!p || p < v->buf || (size_t)(p - v->buf) > v->len)
		return bad(-SLUICE_EFBBOUNDS, "pointer outside buffer", 0);
	*off = (size_t)(p - v->buf);
	return 0;
}

int sluice_fb_verify_begin(sluice_fb_verifier *v, const void *buf, size_t len,
			   const sluice_fb_verify_opts *opts, const uint8_t **root)
{
	static const sluice_fb_verify_opts none;
	const uint8_t *b = buf;
	uint32_t off;

	if (!opts)
		opts = &none;
	*root = NULL;
	v->depth = 0;
	v->align_base = 0;
	v->tables = 0;
	v->max_depth = opts->max_depth ? opts->max_depth : SLUICE_FB_DEFAULT_MAX_DEPTH;
	v->max_tables = opts->max_tables ? opts->max_tables : SLUICE_FB_DEFAULT_MAX_TABLES;
	if (!buf || len > MAX_MESSAGE)
		return bad(-SLUICE_EFBBOUNDS, "no buffer or larger than 2 GiB", 0);
	if (opts->size_prefixed) {
		uint32_t n;

		if (len < 4)
			return bad(-SLUICE_EFBBOUNDS, "no room for the size prefix", 0);
		n = sluice_fb_u32(b);
		if (n > len - 4)
			return bad(-SLUICE_EFBBOUNDS, "size prefix larger than the buffer", 0);
		b += 4;
		len = n;
	}
	v->align_base = opts->size_prefixed ? 4 : 0;
	v->buf = b;
	v->len = len;
	if (len < 8)
		return bad(-SLUICE_EFBBOUNDS, "buffer shorter than a root offset and a table", 0);
	if (opts->ident && memcmp(b + 4, opts->ident, 4) != 0)
		return bad(-SLUICE_EFBIDENT, "file identifier differs", 4);
	off = sluice_fb_u32(b);
	if (off == 0 || off >= len)
		return bad(-SLUICE_EFBBOUNDS, "root offset out of bounds", 0);
	*root = b + off;
	return 0;
}

int sluice_fb_verify_table_enter_slow_(sluice_fb_verifier *v, const uint8_t *t,
				       sluice_fb_vtab *tab)
{
	size_t off = 0, vto;
	int64_t vt;
	int rc = offset_of(v, t, &off);

	if (rc)
		return rc;
	if (off & 3)
		return bad(-SLUICE_EFBALIGN, "table not 4-aligned", off);
	if (!in_bounds(v, off, 4))
		return bad(-SLUICE_EFBBOUNDS, "table header out of bounds", off);
	vt = (int64_t)off - sluice_fb_i32(t);
	if (vt < 0 || !in_bounds(v, (size_t)vt, 4))
		return bad(-SLUICE_EFBVTABLE, "vtable out of bounds", off);
	vto = (size_t)vt;
	if (vto & 1)
		return bad(-SLUICE_EFBALIGN, "vtable not 2-aligned", vto);
	tab->t = t;
	tab->vt = v->buf + vto;
	tab->vtsize = sluice_fb_u16(tab->vt);
	tab->tsize = sluice_fb_u16(tab->vt + 2);
	if (tab->vtsize < 4 || (tab->vtsize & 1))
		return bad(-SLUICE_EFBVTABLE, "vtable size odd or below 4", vto);
	if (!in_bounds(v, vto, tab->vtsize))
		return bad(-SLUICE_EFBVTABLE, "vtable runs past the buffer", vto);
	if (tab->tsize < 4)
		return bad(-SLUICE_EFBVTABLE, "table size below 4", vto);
	if (!in_bounds(v, off, tab->tsize))
		return bad(-SLUICE_EFBBOUNDS, "table runs past the buffer", off);
	if (v->depth >= v->max_depth)
		return bad(-SLUICE_EFBDEPTH, "tables nest deeper than the limit", off);
	if (v->tables >= v->max_tables)
		return bad(-SLUICE_EFBTABLES, "more tables than the limit", off);
	v->depth++;
	v->tables++;
	return 0;
}


static uint16_t slot(const sluice_fb_vtab *tab, unsigned id)
{
	size_t at = 4 + 2 * (size_t)id;

	return at + 2 <= tab->vtsize ? sluice_fb_u16(tab->vt + at) : 0;
}

int sluice_fb_verify_field_slow_(const sluice_fb_verifier *v, const sluice_fb_vtab *tab,
				 unsigned id, size_t size, size_t align, bool required)
{
	uint16_t o = slot(tab, id);
	size_t at = (size_t)(tab->t - v->buf) + o;

	if (!o)
		return required ? bad(-SLUICE_EFBMISSING, "required field absent",
				      (size_t)(tab->t - v->buf))
				: 0;
	/* Offsets below 4 would overlap the table's vtable offset. */
	if (o < 4 || o + size > tab->tsize)
		return bad(-SLUICE_EFBFIELD, "field outside its table", at);
	if (align > 1 && ((at + v->align_base) & (align - 1)))
		return bad(-SLUICE_EFBALIGN, "field misaligned", at);
	return 0;
}

/* Follows the uoffset at byte off, which the caller has bounds-checked. */
static int follow(const sluice_fb_verifier *v, size_t off, const uint8_t **target)
{
	uint32_t u = sluice_fb_u32(v->buf + off);

	if (u == 0 || u >= v->len || off + u >= v->len)
		return bad(-SLUICE_EFBBOUNDS, "offset points outside the buffer", off);
	*target = v->buf + off + u;
	return 0;
}

int sluice_fb_verify_ref_slow_(const sluice_fb_verifier *v, const sluice_fb_vtab *tab, unsigned id,
			       bool required, const uint8_t **target)
{
	int rc = sluice_fb_verify_field_slow_(v, tab, id, 4, 4, required);
	uint16_t o = slot(tab, id);

	*target = NULL;
	if (rc || !o)
		return rc;
	return follow(v, (size_t)(tab->t - v->buf) + o, target);
}

int sluice_fb_verify_string(const sluice_fb_verifier *v, const uint8_t *p)
{
	size_t off = 0;
	uint32_t n;
	int rc = offset_of(v, p, &off);

	if (rc)
		return rc;
	if (off & 3)
		return bad(-SLUICE_EFBALIGN, "string not 4-aligned", off);
	if (!in_bounds(v, off, 4))
		return bad(-SLUICE_EFBBOUNDS, "string length out of bounds", off);
	n = sluice_fb_u32(p);
	if (!in_bounds(v, off + 4, (size_t)n + 1))
		return bad(-SLUICE_EFBBOUNDS, "string runs past the buffer", off);
	if (p[4 + (size_t)n] != 0)
		return bad(-SLUICE_EFBSTRING, "string not zero-terminated", off);
	return 0;
}

int sluice_fb_verify_struct(const sluice_fb_verifier *v, const uint8_t *p, size_t size,
			    size_t align)
{
	size_t off = 0;
	int rc = offset_of(v, p, &off);

	if (rc)
		return rc;
	if (align > 1 && (off & (align - 1)))
		return bad(-SLUICE_EFBALIGN, "struct misaligned", off);
	if (!in_bounds(v, off, size))
		return bad(-SLUICE_EFBBOUNDS, "struct out of bounds", off);
	return 0;
}

int sluice_fb_verify_vector(const sluice_fb_verifier *v, const uint8_t *p, size_t elem_size,
			    size_t align, uint32_t *count)
{
	size_t off = 0;
	uint32_t n;
	int rc = offset_of(v, p, &off);

	*count = 0;
	if (rc)
		return rc;
	if (off & 3)
		return bad(-SLUICE_EFBALIGN, "vector not 4-aligned", off);
	if (!in_bounds(v, off, 4))
		return bad(-SLUICE_EFBBOUNDS, "vector length out of bounds", off);
	n = sluice_fb_u32(p);
	if (elem_size && n > MAX_MESSAGE / elem_size)
		return bad(-SLUICE_EFBOVERFLOW, "element count times size overflows", off);
	if (!in_bounds(v, off + 4, (size_t)n * elem_size))
		return bad(-SLUICE_EFBBOUNDS, "vector runs past the buffer", off);
	/* flatc leaves empty vectors of 8-byte elements 4-aligned: only
	 * elements that exist must be aligned. */
	if (n && align > 4 && ((off + 4 + v->align_base) & (align - 1)))
		return bad(-SLUICE_EFBALIGN, "vector elements misaligned", off);
	*count = n;
	return 0;
}

int sluice_fb_verify_vec_ref(const sluice_fb_verifier *v, const uint8_t *vec, uint32_t i,
			     const uint8_t **target)
{
	size_t off = 0;
	int rc = offset_of(v, vec, &off);

	if (rc)
		return rc;
	off += 4 + 4 * (size_t)i;
	if (!in_bounds(v, off, 4))
		return bad(-SLUICE_EFBBOUNDS, "vector element out of bounds", off);
	return follow(v, off, target);
}

int sluice_fb_verify_string_vector(const sluice_fb_verifier *v, const uint8_t *p)
{
	uint32_t n, i;
	const uint8_t *s;
	int rc = sluice_fb_verify_vector(v, p, 4, 4, &n);

	for (i = 0; !rc && i < n; i++) {
		rc = sluice_fb_verify_vec_ref(v, p, i, &s);
		if (!rc)
			rc = sluice_fb_verify_string(v, s);
	}
	return rc;
}

int sluice_fb_verify_union(const sluice_fb_verifier *v, const sluice_fb_vtab *tab, unsigned tid,
			   unsigned vid, bool required, uint8_t *type, const uint8_t **value)
{
	int rc = sluice_fb_verify_field(v, tab, tid, 1, 1, required);
	size_t at = (size_t)(tab->t - v->buf);

	*type = 0;
	*value = NULL;
	if (rc)
		return rc;
	rc = sluice_fb_verify_ref(v, tab, vid, required, value);
	if (rc)
		return rc;
	if (slot(tab, tid))
		*type = sluice_fb_u8(tab->t + slot(tab, tid));
	if (*type == 0 && *value)
		return bad(-SLUICE_EFBUNION, "union value without a type", at);
	/* A type without a value is a null member, as flatc's verifier has
	 * it (VerifyTable(nullptr) holds): readers find no table. */
	return 0;
}

int sluice_fb_verify_union_vector(const sluice_fb_verifier *v, const sluice_fb_vtab *tab,
				  unsigned tid, unsigned vid, bool required, const uint8_t **types,
				  const uint8_t **values, uint32_t *count)
{
	const uint8_t *tv = NULL, *vv = NULL;
	uint32_t tn = 0, vn = 0;
	size_t at = (size_t)(tab->t - v->buf);
	int rc;

	*types = NULL;
	*values = NULL;
	*count = 0;
	if ((rc = sluice_fb_verify_ref(v, tab, tid, required, &tv)) ||
	    (rc = sluice_fb_verify_ref(v, tab, vid, required, &vv)))
		return rc;
	if (tv && (rc = sluice_fb_verify_vector(v, tv, 1, 1, &tn)))
		return rc;
	if (vv && (rc = sluice_fb_verify_vector(v, vv, 4, 4, &vn)))
		return rc;
	/* both or neither, of one length, as flatc's verifier has it */
	if (!tv != !vv)
		return bad(-SLUICE_EFBUNION, "union vector without its types, or types without it", at);
	if (tn != vn)
		return bad(-SLUICE_EFBUNION, "union vector and its types differ in length", at);
	*types = tv ? tv + 4 : NULL;
	*values = vv;
	*count = vn;
	return 0;
}

int sluice_fb_verify_nested(const sluice_fb_verifier *parent, const uint8_t *vec,
			    sluice_fb_verifier *child, const uint8_t **root)
{
	sluice_fb_verify_opts o;
	uint32_t n;
	int rc = sluice_fb_verify_vector(parent, vec, 1, 1, &n);

	if (rc)
		return rc;
	memset(&o, 0, sizeof(o));
	o.max_depth = parent->max_depth > parent->depth ? parent->max_depth - parent->depth : 1;
	o.max_tables = parent->max_tables > parent->tables ? parent->max_tables - parent->tables : 1;
	return sluice_fb_verify_begin(child, vec + 4, n, &o, root);
}

