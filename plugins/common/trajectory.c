/* trajectory.c - the figure-eight ground truth (see trajectory.h). */
#include "trajectory.h"

#include <errno.h>
#include <math.h>

#include "fu_math.h"

int fu_traj_init(struct fu_traj *t, double amp_m, double period_s)
{
	if (!(amp_m > 0) || !(period_s >= 1.0) || period_s > 1e6)
		return -EINVAL;
	t->amp_m = amp_m;
	t->period_ns = (uint64_t)llround(period_s * 1e9);
	/* w from the rounded period, so the curve closes exactly on it */
	t->omega = 2.0 * FU_PI / ((double)t->period_ns * 1e-9);
	return 0;
}

void fu_traj_at(const struct fu_traj *t, uint64_t now_ns, struct fu_truth *o)
{
	double s = (double)(now_ns % t->period_ns) * 1e-9;
	double u = t->omega * s, a = t->amp_m, w = t->omega;
	double su = sin(u), cu = cos(u), s2 = sin(2 * u), c2 = cos(2 * u);
	double v2, v;

	o->x = a * su;
	o->y = 0.5 * a * s2;
	o->vx = a * w * cu;
	o->vy = a * w * c2;
	o->ax = -a * w * w * su;
	o->ay = -2.0 * a * w * w * s2;
	v2 = o->vx * o->vx + o->vy * o->vy; /* >= (0.66 A w)^2, never 0 */
	v = sqrt(v2);
	o->yaw = atan2(o->vy, o->vx);
	o->yaw_rate = (o->vx * o->ay - o->vy * o->ax) / v2;
	o->a_fwd = (o->vx * o->ax + o->vy * o->ay) / v;
	o->a_left = (o->vx * o->ay - o->vy * o->ax) / v;
}
