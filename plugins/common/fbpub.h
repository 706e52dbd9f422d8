/* fbpub.h - the demo's shared message builders, published in place with
 * sluice_fb_publish() (sluice/plugin_fb.h). */
#ifndef FU_FBPUB_H
#define FU_FBPUB_H

#include <stddef.h>
#include <stdint.h>

#include <sluice/fb.h>
#include <sluice/plugin_fb.h>

/* The demo's builders fit sluice_fb_build_fn: sluice_fb_publish() loans,
 * builds in place and commits the message where it lies, with no copy. */
typedef sluice_fb_build_fn fu_build_fn;

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
