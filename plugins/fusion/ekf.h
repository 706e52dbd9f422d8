/* ekf.h - the fusion stage's filter core: a planar inertial navigation
 * extended Kalman filter. It consumes measurements (sensor_reader.h) and
 * knows nothing of the sensors or messages they came from.
 *
 * State (8): east, north position (m); east, north velocity (m/s); yaw
 * (rad, counter-clockwise from east); forward and left accelerometer bias
 * (m/s^2); gyro bias (rad/s). Inertial measurements drive the prediction,
 * position measurements the update; a land-vehicle constraint (no sideways
 * velocity) is applied as a pseudo-measurement. Before the first estimate
 * the filter aligns itself from a short run of position fixes: the path
 * the gyro and accelerometer describe over the window, fitted to the
 * fixes, gives the initial heading, speed and position. docs/sensor_fusion.md has the
 * equations. */
#ifndef FU_EKF_H
#define FU_EKF_H

#include <stdbool.h>
#include <stdint.h>

#include "sensor_reader.h"

#define FU_N         8 /* state size */
#define FU_ALIGN_MAX 64
#define FU_PENDING   4

enum { FU_PX, FU_PY, FU_VX, FU_VY, FU_YAW, FU_BAX, FU_BAY, FU_BG };

struct fu_ekf_config {
	int align_fixes;        /* fewest fixes for the initial alignment, 3..FU_ALIGN_MAX */
	double align_yaw_sigma; /* more fixes until the fit's heading is this good, rad */
	double q_scale;         /* process noise = q_scale x the IMU's per-sample variance */
	double accel_bias_rw;   /* accelerometer bias random walk, m/s^2/sqrt(s) */
	double gyro_bias_rw;    /* gyro bias random walk, rad/s/sqrt(s) */
	double nhc_sigma;       /* sideways-velocity pseudo-measurement, m/s; 0: off */
	int nhc_every;          /* apply it every this many predictions */
	double max_gap_s;       /* a longer gap between inertial samples restarts integration */
};

struct fu_ekf {
	struct fu_ekf_config cfg;
	bool aligned;
	uint64_t t_ns; /* time of the state: the last inertial sample */
	bool have_t;
	double x[FU_N];
	double P[FU_N][FU_N];
	double psi; /* gyro integral, for alignment */
	uint64_t n_predict, n_update, n_stale;
	/* alignment: inertial integrals since the window's first fix (heading
	 * change psi - al_psi0; speed change al_sig; C = int (cos, sin) of the
	 * heading change; D = int al_sig (cos, sin)), and per fix its position
	 * and the integrals at its stamp */
	int n_align;
	uint64_t al_last_ns;
	double al_psi0, al_sig, al_C[2], al_D[2], al_var;
	double al_e[FU_ALIGN_MAX], al_n[FU_ALIGN_MAX];
	double al_Cx[FU_ALIGN_MAX], al_Cy[FU_ALIGN_MAX], al_Dx[FU_ALIGN_MAX], al_Dy[FU_ALIGN_MAX];
	/* position fixes stamped ahead of the inertial stream, oldest first */
	int n_pending;
	struct fu_meas pending[FU_PENDING];
};

/* Returns 0 or -EINVAL for a configuration out of range. */
int fu_ekf_init(struct fu_ekf *f, const struct fu_ekf_config *cfg);

/* Feeds one measurement of any kind; returns 1 when the state advanced
 * to a new time (an inertial sample after alignment), 0 when not, or a
 * negative code for an unknown kind. */
int fu_ekf_feed(struct fu_ekf *f, const struct fu_meas *m);

/* The estimate as a pose: position, velocity, yaw and their covariance
 * in the Pose message's 6x6 layout (x y z roll pitch yaw); the filter does
 * not estimate z, roll or pitch and marks them with a large variance. */
void fu_ekf_pose_cov(const struct fu_ekf *f, double cov[36]);

#endif
