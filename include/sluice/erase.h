/* sluice/erase.h - type erasure in C: an object of any type behind a table
 * of operations, kept inline when small (the seed's small-buffer
 * optimisation, section 3.2) and on the heap otherwise.
 *
 * An erased object is an ops pointer plus a 48-byte buffer aligned to
 * max_align_t. The ops describe the concrete type (size, alignment, how to
 * destroy, move and clone it); an interface extends them by embedding
 * struct sluice_erase_ops as its first member and appending its own
 * methods, so a call is: load ops, load method, call with the object.
 *
 * Rules: erased objects are move-only (a move leaves the source empty);
 * copying needs a clone operation in the ops; the destroy operation runs
 * exactly once per constructed object. Never copy a struct sluice_erased
 * with '=' or memcpy: use sluice_erased_move().
 */
#ifndef SLUICE_ERASE_H
#define SLUICE_ERASE_H

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes kept inline; with the two pointers in front the whole object fills
 * one 64-byte cache line. */
#define SLUICE_ERASE_INLINE 48

/* What the erasure needs to know about a concrete type. */
struct sluice_erase_ops {
	const char *type_name; /* for messages and debugging; may be NULL */
	size_t size;           /* sizeof the concrete object */
	size_t align;          /* alignof the concrete object (0 means 1) */
	/* Releases what the object owns (not its storage). NULL: nothing. */
	void (*destroy)(void *obj);
	/* Move-constructs *dst from *src; src is dead afterwards and is not
	 * destroyed. NULL: the bytes may simply be copied (the usual case; an
	 * object that points into itself needs a move). */
	void (*move)(void *dst, void *src);
	/* Copy-constructs *dst from *src; returns 0 or a negative code.
	 * NULL: the type cannot be copied. */
	int (*clone)(void *dst, const void *src);
};

/* Ops for a plain type: bytes relocatable, nothing to destroy, no clone. */
#define SLUICE_ERASE_PLAIN_OPS(T)                                                                  \
	{                                                                                          \
#T, sizeof(T), alignof(T), NULL, NULL, NULL                                        \
	}

struct sluice_erased {
	const struct sluice_erase_ops *ops; /* NULL when empty */
	void *heap;                         /* the object if on the heap, else NULL */
	alignas(max_align_t) unsigned char buf[SLUICE_ERASE_INLINE];
};

#define SLUICE_ERASED_EMPTY                                                                        \
	{                                                                                          \
		NULL, NULL,                                                                        \
		{                                                                                  \
			0                                                                          \
		}                                                                                  \
	}

/* True when an object of this type is stored inline rather than on the heap. */
static inline bool sluice_erase_fits_inline(const struct sluice_erase_ops *ops)
{
	return ops->size <= SLUICE_ERASE_INLINE && ops->align <= alignof(max_align_t);
}

static inline void sluice_erased_init(struct sluice_erased *e)
{
	e->ops = NULL;
	e->heap = NULL;
}

static inline bool sluice_erased_empty(const struct sluice_erased *e)
{
	return e->ops == NULL;
}

static inline bool sluice_erased_is_inline(const struct sluice_erased *e)
{
	return e->ops != NULL && e->heap == NULL;
}

/* The concrete object, or NULL when empty. */
static inline void *sluice_erased_get(const struct sluice_erased *e)
{
	if (e->heap)
		return e->heap;
	return e->ops ? (void *)e->buf : NULL;
}

/* The ops as the interface type that embeds them, e.g.
 * SLUICE_ERASED_IFACE(&reader, const struct sensor_reader_ops)->read(...). */
#define SLUICE_ERASED_IFACE(e, iface_type) ((iface_type *)(e)->ops)

/* Reserves storage for a new object of type ops in e (destroying what e
 * held), and returns it in *obj for the caller to construct in place. On
 * success e holds the object: construct it fully before anything can
 * destroy e. Returns 0, -EINVAL (bad ops) or -ENOMEM. */
int sluice_erased_emplace(struct sluice_erased *e, const struct sluice_erase_ops *ops, void **obj);

/* Moves the object at src (ops->size bytes, relocated with ops->move if
 * set) into e; the caller must not destroy *src afterwards. */
int sluice_erased_make(struct sluice_erased *e, const struct sluice_erase_ops *ops, void *src);

/* Destroys the held object (once) and leaves e empty. Safe on empty. */
void sluice_erased_reset(struct sluice_erased *e);

/* Moves src's object into dst (dst's old object is destroyed first); src
 * is left empty. A heap object changes owner without being touched. */
void sluice_erased_move(struct sluice_erased *dst, struct sluice_erased *src);

/* Copies src into dst (dst's old object destroyed first) using the ops'
 * clone. Returns 0, -SLUICE_ENOTCOPYABLE when there is no clone, -ENOMEM,
 * or the clone's error (dst is then empty). */
int sluice_erased_clone(struct sluice_erased *dst, const struct sluice_erased *src);

/* The callable variant: a function plus captured state of any type, the
 * callback type of sluice. The capture is an erased object, so small
 * captures cost no allocation. */
typedef int (*sluice_call_fn)(void *capture, void *arg);

struct sluice_callable {
	sluice_call_fn fn; /* NULL when empty */
	struct sluice_erased capture;
};

#define SLUICE_CALLABLE_EMPTY                                                                      \
	{                                                                                          \
		NULL, SLUICE_ERASED_EMPTY                                                          \
	}

/* Binds fn to a capture moved in from cap (as sluice_erased_make). cap_ops
 * may be NULL for a function with no capture (it then receives NULL). */
int sluice_callable_bind(struct sluice_callable *c, sluice_call_fn fn,
                         const struct sluice_erase_ops *cap_ops, void *cap);

static inline int sluice_callable_call(const struct sluice_callable *c, void *arg)
{
	return c->fn(sluice_erased_get(&c->capture), arg);
}

void sluice_callable_reset(struct sluice_callable *c);
void sluice_callable_move(struct sluice_callable *dst, struct sluice_callable *src);
int sluice_callable_clone(struct sluice_callable *dst, const struct sluice_callable *src);

#ifdef __cplusplus
}
#endif
#endif
