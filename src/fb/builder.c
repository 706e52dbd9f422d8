/* builder.c - the back-to-front FlatBuffers builder over a caller's buffer
 * (see sluice/fb_builder.h). Positions are distances from the buffer's end,
 * which stay valid as the message grows towards the front. */
#include <stdint.h>
#include <string.h>

#include "sluice/error.h"
#include "sluice/fb_builder.h"
#include "common/detail.h"

#define MAX_MESSAGE SLUICE_FB_MAX_MESSAGE

static void fail(sluice_fb_builder *b, int err, const char *what)
{
	if (!b->err)
		b->err = sluice__fail(err, "fb builder: %s", what);
}

void sluice_fb_builder_reset(sluice_fb_builder *b)
{
	sluice_fb_builder_init(b, b->end - b->cap, b->cap);
}

/* Pads so that after `extra` more bytes the position is a multiple of
 * align, and checks that padding and extra fit. */
static inline int prep(sluice_fb_builder *b, size_t align, size_t extra)
{
	size_t pad;

	if (__builtin_expect(b->err != 0, 0))
		return 0;
	if (align > b->minalign)
		b->minalign = align;
	pad = (align - ((b->head + extra) & (align - 1))) & (align - 1);
	if (__builtin_expect(extra > b->cap || pad + extra > b->cap - b->head, 0)) {
		fail(b, -SLUICE_EFBFULL, "out of room");
		return 0;
	}
	sluice_fb_pad_(b, pad);
	return 1;
}

/* Claims n bytes that prep() has made room for. */
static uint8_t *claim(sluice_fb_builder *b, size_t n)
{
	b->head += n;
	return b->end - b->head;
}

static void put_u32(sluice_fb_builder *b, uint32_t v)
{
	memcpy(claim(b, 4), &v, 4);
}

static int usable_ref(sluice_fb_builder *b, sluice_fb_ref ref)
{
	if (ref == 0 || ref > b->head) {
		fail(b, -SLUICE_EFBUSAGE, "reference to nothing written");
		return 0;
	}
	return 1;
}

sluice_fb_ref sluice_fb_string(sluice_fb_builder *b, const char *s, size_t len)
{
	uint8_t *p;

	if (b->in_table || b->in_vector)
		fail(b, -SLUICE_EFBUSAGE, "string inside a table");
	if (len > MAX_MESSAGE) {
		fail(b, -SLUICE_EFBFULL, "string too long");
		return 0;
	}
	/* room for the bytes, the NUL and the length word in front */
	if (!prep(b, 4, len + 5))
		return 0;
	p = claim(b, len + 1);
	if (len)
		memcpy(p, s, len);
	p[len] = 0;
	put_u32(b, (uint32_t)len);
	return (sluice_fb_ref)b->head;
}

sluice_fb_ref sluice_fb_cstring(sluice_fb_builder *b, const char *s)
{
	return sluice_fb_string(b, s, s ? strlen(s) : 0);
}

void *sluice_fb_vector_alloc(sluice_fb_builder *b, size_t count, size_t elem_size,
			     size_t align, sluice_fb_ref *ref)
{
	size_t n;
	uint8_t *p;

	*ref = 0;
	if (b->in_table || b->in_vector)
		fail(b, -SLUICE_EFBUSAGE, "vector inside a table");
	if (align == 0 || (align & (align - 1)) || align > SLUICE_FB_MAX_ALIGN)
		fail(b, -SLUICE_EFBUSAGE, "bad vector alignment");
	if (elem_size && count > MAX_MESSAGE / elem_size) {
		fail(b, -SLUICE_EFBFULL, "vector too long");
		return NULL;
	}
	n = count * elem_size;
	/* The length word is 4-aligned and the elements are align-aligned. */
	if (!prep(b, 4, n) || !prep(b, align, n))
		return NULL;
	p = claim(b, n);
	if (!prep(b, 4, 4))
		return NULL;
	put_u32(b, (uint32_t)count);
	*ref = (sluice_fb_ref)b->head;
	return p;
}

sluice_fb_ref sluice_fb_vector(sluice_fb_builder *b, const void *data, size_t count,
			       size_t elem_size, size_t align)
{
	sluice_fb_ref ref;
	void *p = sluice_fb_vector_alloc(b, count, elem_size, align, &ref);

	if (p && count)
		memcpy(p, data, count * elem_size);
	return ref;
}

sluice_fb_ref sluice_fb_struct(sluice_fb_builder *b, const void *v, size_t size, size_t align)
{
	if (b->in_table || b->in_vector)
		fail(b, -SLUICE_EFBUSAGE, "struct inside a table");
	if (!size || align == 0 || (align & (align - 1)) || align > SLUICE_FB_MAX_ALIGN)
		fail(b, -SLUICE_EFBUSAGE, "bad struct size or alignment");
	if (size > MAX_MESSAGE) {
		fail(b, -SLUICE_EFBFULL, "struct too large");
		return 0;
	}
	if (!prep(b, align, size))
		return 0;
	memcpy(claim(b, size), v, size);
	return (sluice_fb_ref)b->head;
}

sluice_fb_ref sluice_fb_ref_vector(sluice_fb_builder *b, const sluice_fb_ref *refs,
				   size_t count)
{
	size_t i;

	if (b->in_table || b->in_vector)
		fail(b, -SLUICE_EFBUSAGE, "vector inside a table");
	if (count > MAX_MESSAGE / 4) {
		fail(b, -SLUICE_EFBFULL, "vector too long");
		return 0;
	}
	if (!prep(b, 4, 4 * count + 4))
		return 0;
	for (i = count; i-- > 0;) {
		if (!usable_ref(b, refs[i]))
			return 0;
		/* The slot is at end-(head+4); the target at end-ref. */
		put_u32(b, (uint32_t)(b->head + 4 - refs[i]));
	}
	put_u32(b, (uint32_t)count);
	return (sluice_fb_ref)b->head;
}

void sluice_fb_table_start_slow_(sluice_fb_builder *b)
{
	if (b->in_table || b->in_vector)
		fail(b, -SLUICE_EFBUSAGE, "tables do not nest: build children first");
	b->in_table = true;
	b->nfields = 0;
	b->nslots = 0;
	b->table_start = b->head;
}

static void record(sluice_fb_builder *b, unsigned id)
{
	b->fields[b->nfields].id = (uint16_t)id;
	b->fields[b->nfields].pos = (uint32_t)b->head;
	b->nfields++;
	if (id >= b->nslots)
		b->nslots = id + 1;
}

static int field_ok(sluice_fb_builder *b, unsigned id)
{
	if (!b->in_table) {
		fail(b, -SLUICE_EFBUSAGE, "field outside a table");
		return 0;
	}
	if (b->nfields >= SLUICE_FB_MAX_FIELDS || id > 0x7ffd) {
		fail(b, -SLUICE_EFBUSAGE, "too many fields or field id too large");
		return 0;
	}
	return !b->err;
}

void sluice_fb_table_scalar(sluice_fb_builder *b, unsigned id, const void *v, size_t size)
{
	if (!field_ok(b, id) || !prep(b, size, size))
		return;
	memcpy(claim(b, size), v, size);
	record(b, id);
}

void sluice_fb_table_struct(sluice_fb_builder *b, unsigned id, const void *v, size_t size,
			    size_t align)
{
	if (!field_ok(b, id) || !prep(b, align, size))
		return;
	memcpy(claim(b, size), v, size);
	record(b, id);
}

void sluice_fb_table_ref(sluice_fb_builder *b, unsigned id, sluice_fb_ref ref)
{
	if (ref == 0 || !field_ok(b, id) || !usable_ref(b, ref) || !prep(b, 4, 4))
		return;
	put_u32(b, (uint32_t)(b->head + 4 - ref));
	record(b, id);
}

/* Finds an earlier vtable equal to the n bytes at vt, to share it. head4
 * is vt's first 4 bytes, passed as a value: reading them back right after
 * two 2-byte stores would stall on store forwarding. */
static uint32_t find_vtable(const sluice_fb_builder *b, const uint8_t *vt, size_t n, uint32_t head4)
{
	unsigned i;
	size_t k;
	uint32_t old4;

	for (i = 0; i < b->nvt && i < SLUICE_FB_VT_CACHE; i++) {
		const uint8_t *old = b->end - b->vt[i];

		/* vtable and table sizes first: most candidates differ there */
		memcpy(&old4, old, 4);
		if (old4 != head4)
			continue;
		for (k = 4; k < n && old[k] == vt[k]; k++)
			;
		if (k == n)
			return b->vt[i];
	}
	return 0;
}

sluice_fb_ref sluice_fb_table_end(sluice_fb_builder *b, const uint16_t *required,
				  size_t nrequired)
{
	size_t obj, tsize, vtsize, i, j;
	unsigned maxid = 0;
	uint8_t *vt;
	uint32_t shared;
	int32_t soff;
	uint16_t v16;

	if (!b->in_table) {
		fail(b, -SLUICE_EFBUSAGE, "table_end without table_start");
		return 0;
	}
	b->in_table = false;
	for (i = 0; i < nrequired; i++) {
		for (j = 0; j < b->nfields && b->fields[j].id != required[i]; j++)
			;
		if (j == b->nfields) {
			if (!b->err)
				b->err = sluice__fail(-SLUICE_EFBREQUIRED,
						      "fb builder: required field %u not added",
						      (unsigned)required[i]);
			return 0;
		}
	}
	/* The soffset to the vtable comes first in the table. */
	if (!prep(b, 4, 4))
		return 0;
	claim(b, 4);
	obj = b->head;
	tsize = obj - b->table_start;
	maxid = b->nslots;
	vtsize = 4 + 2 * (size_t)maxid;
	if (tsize > 0xffff || vtsize > 0xffff) {
		fail(b, -SLUICE_EFBTOOBIG, "table or vtable over 64 KiB");
		return 0;
	}
	/* Build the candidate vtable in place; drop it again if shared. */
	if (!prep(b, 2, vtsize))
		return 0;
	vt = claim(b, vtsize);
	/* a short vtable is zeroed with one fixed-size store that may spill
	 * into the free space below it; a long one the ordinary way */
	if (vtsize <= 64 && b->cap - b->head >= 64 - vtsize) {
		static const uint8_t zero[64];

		memcpy(vt + vtsize - 64, zero, 64);
	} else {
		memset(vt + 4, 0, vtsize - 4);
	}
	v16 = (uint16_t)vtsize;
	memcpy(vt, &v16, 2);
	v16 = (uint16_t)tsize;
	memcpy(vt + 2, &v16, 2);
	for (i = 0; i < b->nfields; i++) {
		v16 = (uint16_t)(obj - b->fields[i].pos);
		memcpy(vt + 4 + 2 * b->fields[i].id, &v16, 2);
	}
	shared = find_vtable(b, vt, vtsize, (uint32_t)vtsize | (uint32_t)tsize << 16);
	if (shared) {
		b->head -= vtsize;
		soff = (int32_t)((int64_t)shared - (int64_t)obj);
	} else {
		soff = (int32_t)(b->head - obj);
		b->vt[b->nvt % SLUICE_FB_VT_CACHE] = (uint32_t)b->head;
		b->nvt++;
	}
	memcpy(b->end - obj, &soff, 4);
	return (sluice_fb_ref)obj;
}

sluice_fb_ref sluice_fb_create_share_(sluice_fb_builder *b, uint8_t *t, size_t head,
				      const uint8_t *vt, size_t vtsize)
{
	uint32_t at, head4;
	int32_t soff;

	memcpy(t - vtsize, vt, vtsize);
	memcpy(&head4, vt, 4);
	at = find_vtable(b, t - vtsize, vtsize, head4);
	if (at) {
		b->head = head;
	} else {
		at = (uint32_t)(head + vtsize);
		b->head = at;
		b->vt[b->nvt % SLUICE_FB_VT_CACHE] = at;
		b->nvt++;
	}
	b->fast_key = vt;
	b->fast_vt = at;
	soff = (int32_t)((int64_t)at - (int64_t)head);
	memcpy(t, &soff, 4);
	return (sluice_fb_ref)head;
}

uint8_t *sluice_fb_create_fail_(sluice_fb_builder *b, int why)
{
	if (b->in_table || b->in_vector)
		fail(b, -SLUICE_EFBUSAGE, "tables do not nest: build children first");
	else if (why == SLUICE_FB_CREATE_BADREF)
		fail(b, -SLUICE_EFBUSAGE, "reference to nothing written");
	else if (why == SLUICE_FB_CREATE_MISSING)
		fail(b, -SLUICE_EFBREQUIRED, "required field not given");
	else
		fail(b, -SLUICE_EFBFULL, "out of room");
	return NULL;
}

sluice_fb_ref sluice_fb_create_sparse_(sluice_fb_builder *b, size_t head, const uint8_t *vt,
				       size_t vtsize, uint64_t absent)
{
	size_t obj = head, n = vtsize, i;
	uint8_t *p;
	uint32_t at, head4;
	int32_t soff;
	uint16_t v16;

	/* trailing entries that are absent or unused are left off, as flatc
	 * writes vtables; the room reserved for the whole image suffices */
	while (n > 4) {
		i = (n - 6) / 2;
		if (!(i < 64 && (absent >> i & 1)) && (vt[n - 2] | vt[n - 1]))
			break;
		n -= 2;
	}
	b->head = head + n;
	p = b->end - b->head;
	memcpy(p, vt, n);
	v16 = (uint16_t)n;
	memcpy(p, &v16, 2);
	for (i = 0; 4 + 2 * i < n && i < 64; i++)
		if (absent >> i & 1)
			memset(p + 4 + 2 * i, 0, 2);
	head4 = (uint32_t)n | (uint32_t)(vt[2] | vt[3] << 8) << 16;
	at = find_vtable(b, p, n, head4);
	if (at) {
		b->head -= n;
	} else {
		at = (uint32_t)b->head;
		b->vt[b->nvt % SLUICE_FB_VT_CACHE] = at;
		b->nvt++;
	}
	soff = (int32_t)((int64_t)at - (int64_t)obj);
	memcpy(b->end - obj, &soff, 4);
	return (sluice_fb_ref)obj;
}

int sluice_fb_finish_slow_(sluice_fb_builder *b, sluice_fb_ref root, const char *ident,
			   bool size_prefixed, sluice_fb_msg *out)
{
	size_t extra = 4 + (ident ? 4 : 0) + (size_prefixed ? 4 : 0);

	if (b->in_table || b->in_vector)
		fail(b, -SLUICE_EFBUSAGE, "finish inside a table");
	if (!b->err && !usable_ref(b, root))
		return b->err;
	if (!prep(b, b->minalign > 4 ? b->minalign : 4, extra))
		return b->err;
	if (ident)
		memcpy(claim(b, 4), ident, 4);
	put_u32(b, (uint32_t)(b->head + 4 - root));
	if (size_prefixed)
		put_u32(b, (uint32_t)b->head);
	if (out) {
		out->offset = b->cap - b->head;
		out->length = b->head;
	}
	return 0;
}

/* Heap sort: O(n log n) in place, so sorting needs no memory of its own. */
static void sift(const sluice_fb_builder *b, sluice_fb_ref *r, size_t i, size_t n,
		 sluice_fb_table_cmp cmp, void *ctx)
{
	for (;;) {
		size_t c = 2 * i + 1;
		sluice_fb_ref t;

		if (c >= n)
			return;
		if (c + 1 < n && cmp(b->end - r[c + 1], b->end - r[c], ctx) > 0)
			c++;
		if (cmp(b->end - r[c], b->end - r[i], ctx) <= 0)
			return;
		t = r[i];
		r[i] = r[c];
		r[c] = t;
		i = c;
	}
}

void sluice_fb_sort_refs(const sluice_fb_builder *b, sluice_fb_ref *refs, size_t n,
			 sluice_fb_table_cmp cmp, void *ctx)
{
	size_t i;

	if (b->err || n < 2)
		return;
	for (i = 0; i < n; i++)
		if (refs[i] == 0 || refs[i] > b->head)
			return; /* not tables of this builder: leave them */
	for (i = n / 2; i-- > 0;)
		sift(b, refs, i, n, cmp, ctx);
	for (i = n - 1; i > 0; i--) {
		sluice_fb_ref t = refs[0];

		refs[0] = refs[i];
		refs[i] = t;
		sift(b, refs, 0, i, cmp, ctx);
	}
}
