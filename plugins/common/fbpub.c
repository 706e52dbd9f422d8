/* fbpub.c - the demo's message builders (Header, Pose) that its stages
 * hand to sluice_fb_publish (sluice/plugin_fb.h). */
#include "fbpub.h"

#include <math.h>
#include <string.h>

#include "pose_sluice.h"

sluice_fb_ref fu_build_header(sluice_fb_builder *b, uint64_t stamp_ns, const char *frame_id,
                              uint64_t seq)
{
	sluice_fb_ref f = sluice_fb_cstring(b, frame_id);

	sluice_msg_Header_start(b);
	/* forced: a stamp or seq of 0 is still a value, not "absent" */
	sluice_msg_Header_force_stamp_ns(b, stamp_ns);
	sluice_msg_Header_add_frame_id(b, f);
	sluice_msg_Header_force_seq(b, seq);
	return sluice_msg_Header_end(b);
}

int fu_build_pose(sluice_fb_builder *b, const void *arg, sluice_fb_msg *out)
{
	const struct fu_pose *p = arg;
	sluice_msg_Vec3 pos = {p->x, p->y, 0}, vel = {p->vx, p->vy, 0};
	/* a rotation about the up axis by yaw */
	sluice_msg_Quat q = {0, 0, sin(0.5 * p->yaw), cos(0.5 * p->yaw)};
	sluice_msg_Cov6 cov;
	sluice_fb_ref h, r;

	memcpy(cov.m, p->cov, sizeof(cov.m));
	h = fu_build_header(b, p->stamp_ns, p->frame_id, p->seq);
	sluice_msg_Pose_start(b);
	sluice_msg_Pose_add_header(b, h);
	sluice_msg_Pose_add_position(b, &pos);
	sluice_msg_Pose_add_velocity(b, &vel);
	sluice_msg_Pose_add_orientation(b, &q);
	sluice_msg_Pose_force_yaw(b, p->yaw);
	sluice_msg_Pose_add_covariance(b, &cov);
	r = sluice_msg_Pose_end(b);
	return sluice_msg_Pose_finish(b, r, out);
}
