/* callable.c - a function bound to an erased capture: sluice's callback
 * type (see sluice/erase.h). */
#include <errno.h>

#include "sluice/erase.h"
#include "common/detail.h"

int sluice_callable_bind(struct sluice_callable *c, sluice_call_fn fn,
                         const struct sluice_erase_ops *cap_ops, void *cap)
{
	int rc = 0;

	if (!fn)
		return sluice__fail(-EINVAL, "callable: no function");
	sluice_callable_reset(c);
	if (cap_ops) {
		rc = sluice_erased_make(&c->capture, cap_ops, cap);
		if (rc < 0)
			return rc;
	}
	c->fn = fn;
	return 0;
}

void sluice_callable_reset(struct sluice_callable *c)
{
	c->fn = NULL;
	sluice_erased_reset(&c->capture);
}

void sluice_callable_move(struct sluice_callable *dst, struct sluice_callable *src)
{
	if (dst == src)
		return;
	sluice_erased_move(&dst->capture, &src->capture);
	dst->fn = src->fn;
	src->fn = NULL;
}

int sluice_callable_clone(struct sluice_callable *dst, const struct sluice_callable *src)
{
	int rc;

	if (dst == src)
		return 0;
	rc = sluice_erased_clone(&dst->capture, &src->capture);
	if (rc < 0)
		return rc;
	dst->fn = src->fn;
	return 0;
}
