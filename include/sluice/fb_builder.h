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
	uint8_t *end;     /* one past the last usable byte, SLUICE_FB_MAX_ALIGN aligned */
	size_t cap;       /* usable bytes before end */
	size_t head;      /* bytes written, counted back from end */
	size_t minalign;  /* strongest alignment written so far */
	int err;          /* sticky: 0 or a negative code */
	bool in_table;    /* between table_start and table_end */
	bool in_vector;
	size_t table_start;
	unsigned nfields;
	unsigned nslots;  /* highest field id set in this table, plus one */
	struct sluice_fb_field_at fields[SLUICE_FB_MAX_FIELDS];
	unsigned nvt;
	uint32_t vt[SLUICE_FB_VT_CACHE];
} sluice_fb_builder;

/* Where a finished message lies in the caller's buffer. */
typedef struct sluice_fb_msg {
	size_t offset;
	size_t length;
} sluice_fb_msg;

/* Starts building into buf[0..cap). The end is trimmed down to a
 * SLUICE_FB_MAX_ALIGN boundary so that alignment holds in memory too. */
void sluice_fb_builder_init(sluice_fb_builder *b, void *buf, size_t cap);

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
	static const uint8_t zero[SLUICE_FB_MAX_ALIGN];

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

/* Finishes the message with root as its root table. ident is a 4-byte
 * file identifier or NULL; size_prefixed adds a 32-bit length in front.
 * Returns 0 and fills out, or the sticky error. */
int sluice_fb_finish(sluice_fb_builder *b, sluice_fb_ref root, const char *ident,
		     bool size_prefixed, sluice_fb_msg *out);

#ifdef __cplusplus
}
#endif
#endif
