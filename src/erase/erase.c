/* erase.c - storage, move, clone and destruction of erased objects
 * (see sluice/erase.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/erase.h"
#include "sluice/error.h"
#include "common/detail.h"

static size_t ops_align(const struct sluice_erase_ops *ops)
{
	return ops->align ? ops->align : 1;
}

static bool ops_valid(const struct sluice_erase_ops *ops)
{
	size_t a;

	if (!ops)
		return false;
	a = ops_align(ops);
	return (a & (a - 1)) == 0;
}

static void *heap_alloc(const struct sluice_erase_ops *ops)
{
	size_t a = ops_align(ops);
	size_t n = ops->size ? ops->size : 1;

	if (a <= alignof(max_align_t))
		return malloc(n);
	/* aligned_alloc wants the size to be a multiple of the alignment. */
	if (n > SIZE_MAX - a)
		return NULL;
	n = (n + a - 1) & ~(a - 1);
	return aligned_alloc(a, n);
}

int sluice_erased_emplace(struct sluice_erased *e, const struct sluice_erase_ops *ops, void **obj)
{
	void *p;

	if (!ops_valid(ops))
		return sluice__fail(-EINVAL, "erase: ops missing or alignment not a power of two");
	sluice_erased_reset(e);
	if (sluice_erase_fits_inline(ops)) {
		p = e->buf;
	} else {
		p = heap_alloc(ops);
		if (!p)
			return sluice__fail(-ENOMEM, "erase: no memory for a %zu-byte %s",
			                    ops->size, ops->type_name ? ops->type_name : "object");
		e->heap = p;
	}
	e->ops = ops;
	*obj = p;
	return 0;
}

int sluice_erased_make(struct sluice_erased *e, const struct sluice_erase_ops *ops, void *src)
{
	void *p;
	int rc = sluice_erased_emplace(e, ops, &p);

	if (rc < 0)
		return rc;
	if (ops->move)
		ops->move(p, src);
	else if (ops->size)
		memcpy(p, src, ops->size);
	return 0;
}

void sluice_erased_reset(struct sluice_erased *e)
{
	const struct sluice_erase_ops *ops = e->ops;
	void *obj = sluice_erased_get(e);
	void *heap = e->heap;

	/* Empty first, so a destroy that somehow reaches e again finds nothing
	 * to destroy: exactly once. */
	e->ops = NULL;
	e->heap = NULL;
	if (!ops)
		return;
	if (ops->destroy)
		ops->destroy(obj);
	free(heap);
}

void sluice_erased_move(struct sluice_erased *dst, struct sluice_erased *src)
{
	const struct sluice_erase_ops *ops = src->ops;

	if (dst == src)
		return;
	sluice_erased_reset(dst);
	if (!ops)
		return;
	if (src->heap) {
		dst->heap = src->heap;
	} else if (ops->move) {
		ops->move(dst->buf, src->buf);
	} else {
		memcpy(dst->buf, src->buf, ops->size);
	}
	dst->ops = ops;
	src->ops = NULL;
	src->heap = NULL;
}

int sluice_erased_clone(struct sluice_erased *dst, const struct sluice_erased *src)
{
	const struct sluice_erase_ops *ops = src->ops;
	void *p;
	int rc;

	if (dst == src)
		return 0;
	if (!ops) {
		sluice_erased_reset(dst);
		return 0;
	}
	if (!ops->clone)
		return sluice__fail(-SLUICE_ENOTCOPYABLE, "erase: %s has no clone operation",
		                    ops->type_name ? ops->type_name : "object");
	rc = sluice_erased_emplace(dst, ops, &p);
	if (rc < 0)
		return rc;
	rc = ops->clone(p, sluice_erased_get(src));
	if (rc < 0) {
		/* The clone failed: nothing was constructed, so nothing is
		 * destroyed; only the storage goes. */
		free(dst->heap);
		dst->ops = NULL;
		dst->heap = NULL;
		return rc;
	}
	return 0;
}
