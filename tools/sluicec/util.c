/* util.c - sluicec's arena allocator and facts about base types. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

/* Each block is linked in front of its payload so sc_free_all() can
 * release everything a parse made, even after an error. */
struct block {
	struct block *next;
	max_align_t payload[];
};

static struct block *blocks;

void *sc_alloc(size_t n)
{
	struct block *b = calloc(1, sizeof(*b) + n);

	if (!b) {
		fputs("sluicec: out of memory\n", stderr);
		exit(2);
	}
	b->next = blocks;
	blocks = b;
	return b->payload;
}

char *sc_strndup(const char *s, size_t n)
{
	char *d = sc_alloc(n + 1);

	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

char *sc_strdup(const char *s)
{
	return sc_strndup(s, strlen(s));
}

void *sc_grow(void *p, size_t *cap, size_t n, size_t elem)
{
	void *q;
	size_t c = *cap ? *cap : 4;

	if (n <= *cap)
		return p;
	while (c < n)
		c *= 2;
	q = sc_alloc(c * elem);
	if (p)
		memcpy(q, p, *cap * elem);
	*cap = c;
	return q;
}

void sc_free_all(void)
{
	while (blocks) {
		struct block *b = blocks;

		blocks = b->next;
		free(b);
	}
}

static size_t hash(const char *k)
{
	size_t h = 14695981039346656037u;

	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211u;
	return h;
}

static size_t *slot(const struct sc_map *m, const char *key)
{
	size_t i = hash(key) & (m->cap - 1);

	while (m->keys[i] && strcmp(m->keys[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return &m->vals[i];
}

bool sc_map_get(const struct sc_map *m, const char *key, size_t *val)
{
	size_t *v;

	if (!m->cap)
		return false;
	v = slot(m, key);
	if (!m->keys[v - m->vals])
		return false;
	*val = *v;
	return true;
}

size_t sc_map_add(struct sc_map *m, const char *key, size_t val)
{
	size_t *v;

	if (2 * (m->n + 1) > m->cap) {
		struct sc_map g = {.cap = m->cap ? 2 * m->cap : 16};

		g.keys = sc_alloc(g.cap * sizeof(*g.keys));
		g.vals = sc_alloc(g.cap * sizeof(*g.vals));
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i]) {
				size_t *w = slot(&g, m->keys[i]);

				g.keys[w - g.vals] = m->keys[i];
				*w = m->vals[i];
			}
		g.n = m->n;
		*m = g;
	}
	v = slot(m, key);
	if (m->keys[v - m->vals])
		return *v;
	m->keys[v - m->vals] = key;
	m->n++;
	*v = val;
	return val;
}

bool sc_is_integer(enum base b)
{
	return b == B_UTYPE || (b >= B_BOOL && b <= B_U64);
}

bool sc_is_float(enum base b)
{
	return b == B_F32 || b == B_F64;
}

bool sc_is_scalar(enum base b)
{
	return sc_is_integer(b) || sc_is_float(b);
}

uint32_t sc_scalar_size(enum base b)
{
	switch (b) {
	case B_UTYPE:
	case B_BOOL:
	case B_I8:
	case B_U8:
		return 1;
	case B_I16:
	case B_U16:
		return 2;
	case B_I32:
	case B_U32:
	case B_F32:
		return 4;
	case B_I64:
	case B_U64:
	case B_F64:
		return 8;
	default:
		return 4; /* offsets */
	}
}

const char *sc_c_scalar(enum base b)
{
	static const char *n[] = {
		[B_UTYPE] = "uint8_t", [B_BOOL] = "bool",      [B_I8] = "int8_t",
		[B_U8] = "uint8_t",    [B_I16] = "int16_t",    [B_U16] = "uint16_t",
		[B_I32] = "int32_t",   [B_U32] = "uint32_t",   [B_I64] = "int64_t",
		[B_U64] = "uint64_t",  [B_F32] = "float",      [B_F64] = "double",
	};
	return sc_is_scalar(b) ? n[b] : "uint32_t";
}

const char *sc_fb_name(enum base b)
{
	static const char *n[] = {
		[B_UTYPE] = "u8", [B_BOOL] = "bool", [B_I8] = "i8",   [B_U8] = "u8",
		[B_I16] = "i16",  [B_U16] = "u16",   [B_I32] = "i32", [B_U32] = "u32",
		[B_I64] = "i64",  [B_U64] = "u64",   [B_F32] = "f32", [B_F64] = "f64",
	};
	return sc_is_scalar(b) ? n[b] : "u32";
}

const char *sc_base_name(enum base b)
{
	static const char *n[] = {
		[B_NONE] = "none",     [B_UTYPE] = "utype",   [B_BOOL] = "bool",
		[B_I8] = "byte",       [B_U8] = "ubyte",      [B_I16] = "short",
		[B_U16] = "ushort",    [B_I32] = "int",       [B_U32] = "uint",
		[B_I64] = "long",      [B_U64] = "ulong",     [B_F32] = "float",
		[B_F64] = "double",    [B_STRING] = "string", [B_VECTOR] = "vector",
		[B_OBJ] = "object",    [B_UNION] = "union",   [B_ARRAY] = "array",
	};
	return b <= B_ARRAY ? n[b] : "?";
}

uint32_t sc_inline_size(const struct type *t)
{
	if (t->base == B_OBJ && t->ref && t->ref->kind == D_STRUCT)
		return t->ref->size;
	if (t->base == B_ARRAY) {
		struct type e = {.base = t->elem, .ref = t->ref};
		return sc_inline_size(&e) * t->fixed_len;
	}
	return sc_scalar_size(t->base);
}

uint32_t sc_inline_align(const struct type *t)
{
	if (t->base == B_OBJ && t->ref && t->ref->kind == D_STRUCT)
		return t->ref->align;
	if (t->base == B_ARRAY) {
		struct type e = {.base = t->elem, .ref = t->ref};
		return sc_inline_align(&e);
	}
	return sc_scalar_size(t->base);
}

struct def *sc_find(const struct schema *s, const char *fullname)
{
	size_t i;

	return sc_map_get(&s->names, fullname, &i) ? s->defs[i] : NULL;
}

const struct attr *sc_attr(const struct attr *a, const char *name)
{
	for (; a; a = a->next)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}
