/* fbpub.h - publishing a FlatBuffers message built in place in a loaned
 * output slot: loan, build, commit. Shared by the demo's source stages. */
#ifndef FU_FBPUB_H
#define FU_FBPUB_H

#include <stddef.h>
#include <stdint.h>

#include <sluice/fb.h>
#include <sluice/plugin.h>

/* Writes one message with b (its root already finished into *out);
 * returns 0 or the builder's negative error. */
typedef int (*fu_build_fn)(sluice_fb_builder *b, const void *arg, sluice_fb_msg *out);

/* Loans a slot of at least min_size bytes on output, builds the message
 * into it with build(b, arg, ...), and commits it. The ABI (plugin.h) takes
 * the committed message to be the loan's last `size` bytes, which is where
 * the builder, writing back to front over the whole loan, leaves it - so
 * the message is built once, in place, and never copied. (Only when the
 * loan's end is not 32-byte aligned does the builder stop a few bytes
 * short; the message then slides up to the end.) On a build error the
 * loan is committed empty (dropped) and the error returned. */
int fu_publish_built(const struct sluice_ctx *ctx, uint32_t output, size_t min_size,
                     fu_build_fn build, const void *arg);

/* A sluice.msg.Header table; returns its reference (0 after an error). */
sluice_fb_ref fu_build_header(sluice_fb_builder *b, uint64_t stamp_ns, const char *frame_id,
                              uint64_t seq);

/* What a sluice.msg.Pose carries, in the plugins' own terms. */
struct fu_pose {
	uint64_t stamp_ns, seq;
	const char *frame_id;
	double x, y, vx, vy, yaw;
	double cov[36]; /* row-major x y z roll pitch yaw */
};

/* fu_build_fn for a struct fu_pose. */
int fu_build_pose(sluice_fb_builder *b, const void *pose, sluice_fb_msg *out);

#endif
