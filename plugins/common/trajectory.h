/* trajectory.h - the demo's ground truth: a vehicle driving a figure-eight
 * (a 1:2 Lissajous curve) in the local east-north plane.
 *
 *     x(t) = A sin(w t),   y(t) = (A / 2) sin(2 w t),   w = 2 pi / period
 *
 * The vehicle always points along its velocity (it never stops: the speed
 * stays above 0.66 A w), so heading, yaw rate and body-frame accelerations
 * all follow from the curve's derivatives.
 *
 * Time is CLOCK_MONOTONIC itself: t is the monotonic time in nanoseconds
 * modulo the period (computed in integers, so no precision is lost however
 * long the machine has been up). Every stage that reads the clock - imu_sim
 * and gps_sim, in one process or in several - therefore sees the vehicle at
 * the same place at the same instant, with no epoch to agree on. */
#ifndef FU_TRAJECTORY_H
#define FU_TRAJECTORY_H

#include <stdint.h>

struct fu_traj {
	double amp_m;       /* A */
	double omega;       /* w, rad/s */
	uint64_t period_ns; /* 2 pi / w, whole nanoseconds */
};

/* The vehicle's state at one instant, ENU metres and seconds. */
struct fu_truth {
	double x, y;     /* position */
	double vx, vy;   /* velocity */
	double ax, ay;   /* acceleration */
	double yaw;      /* heading, rad, counter-clockwise from east */
	double yaw_rate; /* rad/s */
	double a_fwd;    /* acceleration along the heading (body x) */
	double a_left;   /* acceleration to the left (body y), the centripetal part */
};

/* Returns 0, or -EINVAL for a non-positive amplitude or a period below 1 s. */
int fu_traj_init(struct fu_traj *t, double amp_m, double period_s);

/* The truth at CLOCK_MONOTONIC time now_ns. */
void fu_traj_at(const struct fu_traj *t, uint64_t now_ns, struct fu_truth *out);

#endif
