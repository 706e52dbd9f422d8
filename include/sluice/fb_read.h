/* sluice/fb_read.h - zero-copy reads of FlatBuffers data.
 *
 * Every load goes through memcpy so that a buffer at any address can be
 * read without undefined behaviour; compilers turn it into a plain load.
 * These helpers trust the buffer: verify it first (fb_verify.h) when the
 * writer is not trusted. */
#ifndef SLUICE_FB_READ_H
#define SLUICE_FB_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The format is little-endian; so far only little-endian hosts are built. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "sluice FlatBuffers support needs a little-endian host"
#endif

#define SLUICE_FB_LOAD_(name, type)                                                  \
	static inline type sluice_fb_##name(const void *p)                                \
	{                                                                             \
		type v;                                                               \
		memcpy(&v, p, sizeof(v));                                             \
		return v;                                                             \
	}
SLUICE_FB_LOAD_(u8, uint8_t)
SLUICE_FB_LOAD_(i8, int8_t)
SLUICE_FB_LOAD_(u16, uint16_t)
SLUICE_FB_LOAD_(i16, int16_t)
SLUICE_FB_LOAD_(u32, uint32_t)
SLUICE_FB_LOAD_(i32, int32_t)
SLUICE_FB_LOAD_(u64, uint64_t)
SLUICE_FB_LOAD_(i64, int64_t)
SLUICE_FB_LOAD_(f32, float)
SLUICE_FB_LOAD_(f64, double)
#undef SLUICE_FB_LOAD_

static inline bool sluice_fb_bool(const void *p)
{
	return sluice_fb_u8(p) != 0;
}

/* Follows the unsigned offset stored at p. */
static inline const uint8_t *sluice_fb_deref(const void *p)
{
	return (const uint8_t *)p + sluice_fb_u32(p);
}

/* The root table of a finished buffer (without size prefix). */
static inline const uint8_t *sluice_fb_root(const void *buf)
{
	return buf ? sluice_fb_deref(buf) : NULL;
}

/* The root table of a size-prefixed buffer. */
static inline const uint8_t *sluice_fb_root_size_prefixed(const void *buf)
{
	return buf ? sluice_fb_deref((const uint8_t *)buf + 4) : NULL;
}

/* The 4-character file identifier of a buffer (not NUL-terminated). */
static inline const char *sluice_fb_identifier(const void *buf)
{
	return (const char *)buf + 4;
}

/* Offset of field slot id inside table t, or 0 when the field is absent
 * (past the end of an older writer's vtable, or never set). */
static inline uint16_t sluice_fb_field(const uint8_t *t, unsigned id)
{
	const uint8_t *vt;
	unsigned at = 4 + 2 * id;

	if (!t)
		return 0;
	vt = t - sluice_fb_i32(t);
	return at < sluice_fb_u16(vt) ? sluice_fb_u16(vt + at) : 0;
}

/* Address of a field, or NULL when absent. */
static inline const uint8_t *sluice_fb_field_ptr(const uint8_t *t, unsigned id)
{
	uint16_t o = sluice_fb_field(t, id);
	return o ? t + o : NULL;
}

/* The table, string or vector an offset field points to, or NULL. */
static inline const uint8_t *sluice_fb_field_ref(const uint8_t *t, unsigned id)
{
	uint16_t o = sluice_fb_field(t, id);
	return o ? sluice_fb_deref(t + o) : NULL;
}

/* Element count of a vector or byte length of a string (0 for NULL). */
static inline uint32_t sluice_fb_len(const uint8_t *vec)
{
	return vec ? sluice_fb_u32(vec) : 0;
}

/* First element of a vector, or first byte of a string. */
static inline const uint8_t *sluice_fb_data(const uint8_t *vec)
{
	return vec ? vec + 4 : NULL;
}

/* The i-th element of a vector of offsets (tables or strings). */
static inline const uint8_t *sluice_fb_vec_ref(const uint8_t *vec, uint32_t i)
{
	return sluice_fb_deref(vec + 4 + 4 * (size_t)i);
}

#ifdef __cplusplus
}
#endif
#endif
