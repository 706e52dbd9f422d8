/* buf.c - the little-endian byte buffer the MCAP writer builds records in,
 * and the readers of fixed-width fields. */
#include <stdlib.h>
#include <string.h>

#include "record/mcap.h"

const unsigned char mcap_magic[MCAP_MAGIC_LEN] = {0x89, 'M', 'C', 'A', 'P', '0', '\r', '\n'};

int mbuf_reserve(struct mbuf *b, size_t more)
{
	if (b->oom)
		return -1;
	if (b->cap - b->len >= more)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap - b->len < more) {
		if (cap > SIZE_MAX / 2) {
			b->oom = 1;
			return -1;
		}
		cap *= 2;
	}
	unsigned char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void mbuf_put(struct mbuf *b, const void *src, size_t n)
{
	if (n == 0 || mbuf_reserve(b, n))
		return;
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void put_le(struct mbuf *b, uint64_t v, int n)
{
	unsigned char t[8];
	for (int i = 0; i < n; i++)
		t[i] = (unsigned char)(v >> (8 * i));
	mbuf_put(b, t, (size_t)n);
}

void mbuf_u8(struct mbuf *b, uint8_t v)
{
	put_le(b, v, 1);
}

void mbuf_u16(struct mbuf *b, uint16_t v)
{
	put_le(b, v, 2);
}

void mbuf_u32(struct mbuf *b, uint32_t v)
{
	put_le(b, v, 4);
}

void mbuf_u64(struct mbuf *b, uint64_t v)
{
	put_le(b, v, 8);
}

void mbuf_str(struct mbuf *b, const char *s, size_t n)
{
	mbuf_u32(b, (uint32_t)n);
	mbuf_put(b, s, n);
}

size_t mbuf_rec_begin(struct mbuf *b, uint8_t op)
{
	mbuf_u8(b, op);
	size_t at = b->len;
	mbuf_u64(b, 0);
	return at;
}

void mbuf_set_u64(struct mbuf *b, size_t at, uint64_t v)
{
	if (b->oom || at + 8 > b->len)
		return;
	for (int i = 0; i < 8; i++)
		b->p[at + (size_t)i] = (unsigned char)(v >> (8 * i));
}

void mbuf_rec_end(struct mbuf *b, size_t at)
{
	mbuf_set_u64(b, at, b->len - at - 8);
}

void mbuf_free(struct mbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

uint16_t mcap_get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t mcap_get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t mcap_get64(const unsigned char *p)
{
	return (uint64_t)mcap_get32(p) | (uint64_t)mcap_get32(p + 4) << 32;
}
