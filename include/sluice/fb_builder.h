/* sluice/fb_builder.h - builds a FlatBuffers message back to front in a
 * buffer the caller owns (a loaned channel slot, a stack array).
 *
 * Nothing is allocated. Running out of room, or misuse, sets a sticky
 * error: later calls do nothing, and sluice_fb_finish() reports it, so the
 * building code checks once at the end. The finished message occupies
 * buf[offset .. offset+length) and can be published where it lies. */
#ifndef SLUICE_FB_BUILDER_H
#define SLUICE_FB_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Fields set in one table at most, and vtables remembered for sharing. */
#define SLUICE_FB_MAX_FIELDS 256
#define SLUICE_FB_VT_CACHE 32
/* The strongest alignment the format allows (force_align included). */
#define SLUICE_FB_MAX_ALIGN 32

/* A finished object: its distance from the end of the buffer. 0 = none. */
typedef uint32_t sluice_fb_ref;

struct sluice_fb_field_at {
	uint16_t id;
	uint32_t pos; /* distance from the end when the field was written */
};

/* A plain struct so it can live on the stack; treat the fields as private. */
typedef struct sluice_fb_builder {
	/* what every message touches first, in one cache line */
	uint8_t *end;     /* one past the last usable byte, SLUICE_FB_MAX_ALIGN aligned */
	size_t cap;       /* usable bytes before end */
	size_t head;      /* bytes written, counted back from end */
	size_t minalign;  /* strongest alignment written so far */
	/* the last vtable written by a generated <T>_create(): its constant
	 * image (the key: equal addresses mean equal bytes) and position */
	const uint8_t *fast_key;
	int err;          /* sticky: 0 or a negative code */
	bool in_table;    /* between table_start and table_end */
	bool in_vector;
	unsigned nvt;
	uint32_t fast_vt;
	size_t table_start;
	unsigned nfields;
	unsigned nslots;  /* highest field id set in this table, plus one */
	uint32_t vt[SLUICE_FB_VT_CACHE];
	struct sluice_fb_field_at fields[SLUICE_FB_MAX_FIELDS];
} sluice_fb_builder;

/* Where a finished message lies in the caller's buffer. */
typedef struct sluice_fb_msg {
	size_t offset;
	size_t length;
} sluice_fb_msg;

/* FlatBuffers offsets are 32-bit and the format caps messages below 2 GiB. */
#define SLUICE_FB_MAX_MESSAGE 0x7fffffffu

/* Starts building into buf[0..cap). The end is trimmed down to a
 * SLUICE_FB_MAX_ALIGN boundary so that alignment holds in memory too.
 * Inline, as it runs once per message: a few stores. */
static inline void sluice_fb_builder_init(sluice_fb_builder *b, void *buf, size_t cap)
{
	uintptr_t start = (uintptr_t)buf;
	uintptr_t end = start + cap;

	/* field by field, not memset: a wide store followed by the narrow
	 * loads of the first table would stall on store forwarding, and the
	 * field table is large. Only what is read before it is written again
	 * is set (a store per field is a good part of a small message's
	 * cost): table_start, nfields and nslots are set by table_start,
	 * fast_vt is read only when fast_key matches. */
	b->head = 0;
	b->err = 0;
	b->in_table = false;
	b->in_vector = false;
	end &= ~(uintptr_t)(SLUICE_FB_MAX_ALIGN - 1);
	if (!buf || end < start)
		end = start;
	b->end = (uint8_t *)end;
	b->cap = end - start;
	if (b->cap > SLUICE_FB_MAX_MESSAGE)
		b->cap = SLUICE_FB_MAX_MESSAGE;
	b->minalign = 1;
	b->nvt = 0;
	b->fast_key = NULL;
}

/* Forgets everything written; the buffer is reused. */
void sluice_fb_builder_reset(sluice_fb_builder *b);

/* The sticky error (0 while all is well). */
static inline int sluice_fb_builder_error(const sluice_fb_builder *b)
{
	return b->err;
}

/* Bytes written so far. */
static inline size_t sluice_fb_builder_size(const sluice_fb_builder *b)
{
	return b->head;
}

/* Strings: a length, the bytes and a terminating NUL. */
sluice_fb_ref sluice_fb_string(sluice_fb_builder *b, const char *s, size_t len);
sluice_fb_ref sluice_fb_cstring(sluice_fb_builder *b, const char *s);

/* A vector of scalars or structs copied from data (count elements of
 * elem_size bytes, aligned to align), already little-endian. */
sluice_fb_ref sluice_fb_vector(sluice_fb_builder *b, const void *data, size_t count,
			       size_t elem_size, size_t align);

/* Reserves a vector of count elements and returns where to write them
 * (NULL after an error), so large vectors can be filled in place. */
void *sluice_fb_vector_alloc(sluice_fb_builder *b, size_t count, size_t elem_size,
			     size_t align, sluice_fb_ref *ref);

/* A struct on its own (a union's struct member): size bytes copied from v,
 * already little-endian, aligned to align. */
sluice_fb_ref sluice_fb_struct(sluice_fb_builder *b, const void *v, size_t size, size_t align);

/* A vector of offsets (tables or strings), in the order given. */
sluice_fb_ref sluice_fb_ref_vector(sluice_fb_builder *b, const sluice_fb_ref *refs,
				   size_t count);

/* Orders finished tables (refs[0..n)) as cmp says, in place, without
 * allocating: what flatc does to a vector of tables with a key field, so
 * readers can binary-search it. cmp gets the two tables' addresses. */
typedef int (*sluice_fb_table_cmp)(const uint8_t *a, const uint8_t *b, void *ctx);
void sluice_fb_sort_refs(const sluice_fb_builder *b, sluice_fb_ref *refs, size_t n,
			 sluice_fb_table_cmp cmp, void *ctx);

/* Tables: start, add fields (in any order), end. Tables do not nest:
 * build children first and add their references. */
void sluice_fb_table_start_slow_(sluice_fb_builder *b);
static inline void sluice_fb_table_start(sluice_fb_builder *b)
{
	if (b->in_table || b->in_vector) {
		sluice_fb_table_start_slow_(b); /* reports the misuse */
		return;
	}
	b->in_table = true;
	b->nfields = 0;
	b->nslots = 0;
	b->table_start = b->head;
}
/* A scalar of size 1, 2, 4 or 8 bytes. */
void sluice_fb_table_scalar(sluice_fb_builder *b, unsigned id, const void *v, size_t size);
/* A struct stored inline. */
void sluice_fb_table_struct(sluice_fb_builder *b, unsigned id, const void *v, size_t size,
			    size_t align);
/* An offset to a table, string or vector; a zero ref adds nothing. */
void sluice_fb_table_ref(sluice_fb_builder *b, unsigned id, sluice_fb_ref ref);
/* Ends the table; required lists field ids that must have been added. */
sluice_fb_ref sluice_fb_table_end(sluice_fb_builder *b, const uint16_t *required,
				  size_t nrequired);

/* Zeroes pad (< 32) bytes of padding in front of what is written. The free
 * space below the head is the builder's to scribble on, so one fixed-size
 * store replaces a byte loop when there is room for it. */
static inline void sluice_fb_pad_(sluice_fb_builder *b, size_t pad)
{
	static const uint8_t zero[SLUICE_FB_MAX_ALIGN] = {0};

	if (!pad)
		return;
	if (b->cap - b->head >= sizeof(zero))
		memcpy(b->end - b->head - sizeof(zero), zero, sizeof(zero));
	else
		memset(b->end - b->head - pad, 0, pad);
	b->head += pad;
}

/* The common case of sluice_fb_table_scalar() inline: room, no error, in a
 * table. Anything else takes the out-of-line path, which reports it. */
static inline void sluice_fb_scalar_(sluice_fb_builder *b, unsigned id, const void *v, size_t size)
{
	size_t pad = (size - (b->head & (size - 1))) & (size - 1);

	if (b->in_table && !b->err && b->nfields < SLUICE_FB_MAX_FIELDS && id <= 0x7ffd &&
	    pad + size <= b->cap - b->head) {
		if (size > b->minalign)
			b->minalign = size;
		sluice_fb_pad_(b, pad);
		b->head += size;
		memcpy(b->end - b->head, v, size);
		b->fields[b->nfields].id = (uint16_t)id;
		b->fields[b->nfields].pos = (uint32_t)b->head;
		b->nfields++;
		if (id >= b->nslots)
			b->nslots = id + 1;
		return;
	}
	sluice_fb_table_scalar(b, id, v, size);
}

/* The common case of sluice_fb_table_ref() inline. */
static inline void sluice_fb_ref_(sluice_fb_builder *b, unsigned id, sluice_fb_ref ref)
{
	size_t pad = (4 - (b->head & 3)) & 3;

	if (ref && ref <= b->head && b->in_table && !b->err &&
	    b->nfields < SLUICE_FB_MAX_FIELDS && id <= 0x7ffd && pad + 4 <= b->cap - b->head) {
		uint32_t off;

		if (b->minalign < 4)
			b->minalign = 4;
		sluice_fb_pad_(b, pad);
		/* the slot is at end-(head+4), the target at end-ref */
		off = (uint32_t)(b->head + 4 - ref);
		b->head += 4;
		memcpy(b->end - b->head, &off, 4);
		b->fields[b->nfields].id = (uint16_t)id;
		b->fields[b->nfields].pos = (uint32_t)b->head;
		b->nfields++;
		if (id >= b->nslots)
			b->nslots = id + 1;
		return;
	}
	if (ref)
		sluice_fb_table_ref(b, id, ref);
}

/* Scalars that equal their schema default are not stored, as flatc does. */
#define SLUICE_FB_ADD_(name, type)                                                        \
	static inline void sluice_fb_add_##name(sluice_fb_builder *b, unsigned id, type v,     \
					       type dflt)                                     \
	{                                                                                  \
		if (v != dflt)                                                             \
			sluice_fb_scalar_(b, id, &v, sizeof(v));                           \
	}
SLUICE_FB_ADD_(u8, uint8_t)
SLUICE_FB_ADD_(i8, int8_t)
SLUICE_FB_ADD_(u16, uint16_t)
SLUICE_FB_ADD_(i16, int16_t)
SLUICE_FB_ADD_(u32, uint32_t)
SLUICE_FB_ADD_(i32, int32_t)
SLUICE_FB_ADD_(u64, uint64_t)
SLUICE_FB_ADD_(i64, int64_t)
#undef SLUICE_FB_ADD_

/* Floats compare bitwise, so -0.0 and NaN defaults behave. */
static inline void sluice_fb_add_f32(sluice_fb_builder *b, unsigned id, float v, float dflt)
{
	if (memcmp(&v, &dflt, sizeof(v)) != 0)
		sluice_fb_scalar_(b, id, &v, sizeof(v));
}

static inline void sluice_fb_add_f64(sluice_fb_builder *b, unsigned id, double v, double dflt)
{
	if (memcmp(&v, &dflt, sizeof(v)) != 0)
		sluice_fb_scalar_(b, id, &v, sizeof(v));
}

static inline void sluice_fb_add_bool(sluice_fb_builder *b, unsigned id, bool v, bool dflt)
{
	uint8_t u = v ? 1 : 0;

	if (v != dflt)
		sluice_fb_scalar_(b, id, &u, 1);
}

/* Whole tables at once: what a generated <T>_create(b, every field) does.
 * The generator knows the table's layout and vtable at compile time, so
 * the table is reserved with one room check (tsize bytes starting phase
 * bytes past a multiple of align, plus vtsize for its vtable), its fields
 * written with fixed-size stores at fixed offsets from the returned
 * address, and its constant vtable copied or shared. why is 0, or
 * SLUICE_FB_CREATE_* for a misuse the generated code found (reported
 * out of line). Returns NULL after an error; then nothing is written.
 * The new head goes to *head, not to the builder, until the table ends:
 * builder fields read back after the byte stores into the table would
 * have to be reloaded (a byte store may alias anything). */
#define SLUICE_FB_CREATE_BADREF 1  /* a reference to nothing written */
#define SLUICE_FB_CREATE_MISSING 2 /* a required field absent */
uint8_t *sluice_fb_create_fail_(sluice_fb_builder *b, int why);
static inline uint8_t *sluice_fb_create_begin_(sluice_fb_builder *b, size_t tsize, size_t align,
					       size_t phase, size_t vtsize, int why, size_t *head)
{
	static const uint8_t zero[SLUICE_FB_MAX_ALIGN] = {0};
	size_t h = b->head, cap = b->cap;
	uint8_t *end = b->end;
	/* the table starts at end - head, so head + phase is a multiple of align */
	size_t nh = ((h + tsize + phase + align - 1) & ~(align - 1)) - phase;

	if (why || b->err || b->in_table || b->in_vector || nh > cap || vtsize > cap - nh)
		return sluice_fb_create_fail_(b, why);
	if (align > b->minalign)
		b->minalign = align;
	/* zero the padding above the table (< align bytes), if any, with one
	 * store; tsize >= align (a field of that alignment follows the
	 * soffset word), so it lands inside what is being claimed */
	if (nh - h != tsize)
		memcpy(end - h - align, zero, align);
	*head = nh;
	return end - nh;
}

/* Ends a table whose vtable image is not the last one written: writes
 * it below t, shares an equal remembered one instead if there is one,
 * and remembers it. Ends the table like sluice_fb_create_end_(). */
sluice_fb_ref sluice_fb_create_share_(sluice_fb_builder *b, uint8_t *t, size_t head,
				      const uint8_t *vt, size_t vtsize);
/* The vtable of a table whose fields in the absent mask (bit i = field
 * id i) were not given: the image with those entries zeroed, shared or
 * written. Ends the table like sluice_fb_create_end_(). */
sluice_fb_ref sluice_fb_create_sparse_(sluice_fb_builder *b, size_t head, const uint8_t *vt,
				       size_t vtsize, uint64_t absent);

/* Ends a table begun by sluice_fb_create_begin_() at t, head: vt[0..vtsize)
 * is its constant vtable image. When the same image was the last one
 * written, the vtable is shared by comparing addresses, not bytes;
 * otherwise it is written (room was reserved) and shared with an equal
 * earlier one if there is one. */
static inline sluice_fb_ref sluice_fb_create_end_(sluice_fb_builder *b, uint8_t *t, size_t head,
						  const uint8_t *vt, size_t vtsize, uint64_t absent)
{
	uint32_t at;
	int32_t soff;

	if (absent)
		return sluice_fb_create_sparse_(b, head, vt, vtsize, absent);
	if (b->fast_key == vt && b->fast_vt) {
		at = b->fast_vt;
		b->head = head;
	} else if (b->nvt) {
		/* out of line, as a tail call: nothing stays live across it */
		return sluice_fb_create_share_(b, t, head, vt, vtsize);
	} else {
		/* the message's first vtable: nothing to share it with */
		memcpy(t - vtsize, vt, vtsize);
		at = (uint32_t)(head + vtsize);
		b->head = at;
		b->vt[0] = at;
		b->nvt = 1;
		b->fast_key = vt;
		b->fast_vt = at;
	}
	/* the table's first word: how far below it its vtable lies */
	soff = (int32_t)((int64_t)at - (int64_t)head);
	memcpy(t, &soff, 4);
	return (sluice_fb_ref)head;
}

/* Finishes the message with root as its root table. ident is a 4-byte
 * file identifier or NULL; size_prefixed adds a 32-bit length in front.
 * Returns 0 and fills out, or the sticky error. The common case is
 * inline; anything else (an error to report) goes out of line. */
int sluice_fb_finish_slow_(sluice_fb_builder *b, sluice_fb_ref root, const char *ident,
			   bool size_prefixed, sluice_fb_msg *out);
static inline int sluice_fb_finish(sluice_fb_builder *b, sluice_fb_ref root, const char *ident,
				   bool size_prefixed, sluice_fb_msg *out)
{
	static const uint8_t zero[SLUICE_FB_MAX_ALIGN] = {0};
	/* builder fields in locals: read before the byte stores below */
	size_t h = b->head, cap = b->cap, minalign = b->minalign;
	uint8_t *end = b->end;
	size_t align = minalign > 4 ? minalign : 4;
	size_t extra = 4 + (ident ? 4 : 0) + (size_prefixed ? 4 : 0);
	size_t pad = (align - ((h + extra) & (align - 1))) & (align - 1);
	uint32_t v;

	if (b->err || b->in_table || b->in_vector || root == 0 || root > h ||
	    pad + extra > cap - h)
		return sluice_fb_finish_slow_(b, root, ident, size_prefixed, out);
	if (align != minalign)
		b->minalign = align;
	/* zero the padding (< 32 bytes) with one fixed-size store when the
	 * free space below allows, as sluice_fb_pad_() does; it is at most
	 * 4 bytes unless something was aligned to 16 or 32 */
	if (pad) {
		if (pad <= 8 && cap - h >= 8)
			memcpy(end - h - 8, zero, 8);
		else if (cap - h >= sizeof(zero))
			memcpy(end - h - sizeof(zero), zero, sizeof(zero));
		else
			memset(end - h - pad, 0, pad);
		h += pad;
	}
	if (ident) {
		h += 4;
		memcpy(end - h, ident, 4);
	}
	v = (uint32_t)(h + 4 - root);
	h += 4;
	memcpy(end - h, &v, 4);
	if (size_prefixed) {
		v = (uint32_t)h;
		h += 4;
		memcpy(end - h, &v, 4);
	}
	b->head = h;
	if (out) {
		out->offset = cap - h;
		out->length = h;
	}
	return 0;
}

#ifdef __cplusplus
}
#endif
#endif
