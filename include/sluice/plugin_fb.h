/* sluice/plugin_fb.h - a plugin builds a FlatBuffers message in a loaned
 * output slot and commits it where the builder left it: no copy.
 *
 *     sluice_fb_builder b;
 *     sluice_fb_msg m;
 *     int rc = sluice_fb_loan(ctx, 0, 512, &b);
 *
 *     if (rc < 0)
 *             return rc;
 *     ... my_Type_start(&b); ...; rc = my_Type_finish(&b, root, &m);
 *     return sluice_fb_commit(ctx, 0, rc, &m);
 *
 * or, with the building in a function, sluice_fb_publish(ctx, 0, 512,
 * build, arg). The builder writes back to front from the loan's end
 * (trimmed to SLUICE_FB_MAX_ALIGN), so the message rarely ends where the
 * loan does; commit_at (ABI minor 1) publishes it at its own offset. */
#ifndef SLUICE_PLUGIN_FB_H
#define SLUICE_PLUGIN_FB_H

#include <errno.h>

#include "sluice/fb_builder.h"
#include "sluice/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Loans at least min_size bytes on output and starts b over the whole
 * loan. 0, or the loan's negative error (nothing is then loaned). */
static inline int sluice_fb_loan(const struct sluice_ctx *ctx, uint32_t output, size_t min_size,
                                 sluice_fb_builder *b)
{
	void *buf = NULL;
	size_t cap = 0;
	int rc = sluice_loan(ctx, output, min_size, &buf, &cap);

	if (rc < 0)
		return rc;
	if (!buf || cap < min_size) {
		sluice_commit_at(ctx, output, 0, 0);
		return -EPROTO; /* the host broke its promise */
	}
	sluice_fb_builder_init(b, buf, cap);
	return 0;
}

/* Ends a sluice_fb_loan: build_rc is what finishing the message returned
 * (sluice_fb_finish or a generated <Type>_finish, which filled *m). On
 * success the message is committed where it lies; on an error the loan is
 * dropped and the error returned. */
static inline int sluice_fb_commit(const struct sluice_ctx *ctx, uint32_t output, int build_rc,
                                   const sluice_fb_msg *m)
{
	if (build_rc < 0) {
		sluice_commit_at(ctx, output, 0, 0);
		return build_rc;
	}
	return sluice_commit_at(ctx, output, m->offset, m->length);
}

/* Builds one message with b and finishes it into *out; returns 0 or the
 * builder's negative error. */
typedef int (*sluice_fb_build_fn)(sluice_fb_builder *b, const void *arg, sluice_fb_msg *out);

/* Loan, build(b, arg, &m), commit: one message published with no copy. */
static inline int sluice_fb_publish(const struct sluice_ctx *ctx, uint32_t output, size_t min_size,
                                    sluice_fb_build_fn build, const void *arg)
{
	sluice_fb_builder b;
	sluice_fb_msg m = {0, 0};
	int rc = sluice_fb_loan(ctx, output, min_size, &b);

	if (rc < 0)
		return rc;
	return sluice_fb_commit(ctx, output, build(&b, arg, &m), &m);
}

#ifdef __cplusplus
}
#endif
#endif
