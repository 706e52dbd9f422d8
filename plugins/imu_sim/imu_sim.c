/* imu_sim.c - the demo's inertial source: a 1 kHz accelerometer and gyro
 * strapped to the figure-eight vehicle (common/trajectory.h), with white
 * noise and a constant bias, plus the ground truth the monitor scores
 * against.
 *
 * Body frame: x forward along the heading, y left, z up. The accelerometer
 * measures specific force, so a level vehicle reads +g on z. Each tick
 * samples the truth at ctx->now_ns, which is also the message's stamp, so
 * a late tick yields a late but exact sample rather than a wrong one. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <sluice/plugin.h>

#include "fbpub.h"
#include "imu_sluice.h"
#include "pose_sluice.h"
#include "rng.h"
#include "trajectory.h"

#define GRAVITY 9.80665

enum {
	P_SEED,
	P_ACCEL_NOISE,
	P_GYRO_NOISE,
	P_ACCEL_BIAS_X,
	P_ACCEL_BIAS_Y,
	P_GYRO_BIAS,
	P_AMPLITUDE,
	P_PERIOD,
	P_TRUTH_EVERY
};

static const struct sluice_param_decl imu_params[] = {
    [P_SEED] = {"seed", SLUICE_PARAM_INT, "1", "noise seed (same seed, same noise)"},
    [P_ACCEL_NOISE] = {"accel_noise", SLUICE_PARAM_DOUBLE, "0.03",
                       "accelerometer white noise per sample, m/s^2 (1 sigma)"},
    [P_GYRO_NOISE] = {"gyro_noise", SLUICE_PARAM_DOUBLE, "0.004",
                      "gyro white noise per sample, rad/s (1 sigma)"},
    [P_ACCEL_BIAS_X] = {"accel_bias_x", SLUICE_PARAM_DOUBLE, "0.05",
                        "constant accelerometer bias on body x, m/s^2"},
    [P_ACCEL_BIAS_Y] = {"accel_bias_y", SLUICE_PARAM_DOUBLE, "-0.03",
                        "constant accelerometer bias on body y, m/s^2"},
    [P_GYRO_BIAS] = {"gyro_bias", SLUICE_PARAM_DOUBLE, "0.005",
                     "constant gyro bias about z, rad/s"},
    [P_AMPLITUDE] = {"amplitude_m", SLUICE_PARAM_DOUBLE, "50",
                     "figure-eight half-width A, m (gps_sim must agree)"},
    [P_PERIOD] = {"period_s", SLUICE_PARAM_DOUBLE, "60",
                  "time for one figure-eight, s (gps_sim must agree)"},
    [P_TRUTH_EVERY] = {"truth_every", SLUICE_PARAM_INT, "10",
                       "publish the truth on every Nth tick (10: 100 Hz)"},
};

enum { OUT_IMU, OUT_TRUTH };

static const struct sluice_output_decl imu_outputs[] = {
    [OUT_IMU] = {"imu", "sluice.msg.Imu", "accelerometer and gyro, body frame, 1 kHz",
                  sluice_bfbs_imu},
    [OUT_TRUTH] = {"truth", "sluice.msg.Pose",
                    "the vehicle's true pose (ENU, local origin)", sluice_bfbs_pose},
};

struct imu_sim {
	struct fu_traj traj;
	struct fu_rng rng;
	double accel_noise, gyro_noise;
	double accel_bias[2], gyro_bias;
	int64_t truth_every;
	uint64_t ticks, imu_seq, truth_seq;
};

/* What one Imu message carries, for the builder. */
struct imu_sample {
	uint64_t stamp_ns, seq;
	double accel[3], gyro[3];
	double accel_var, gyro_var;
};

static int build_imu(sluice_fb_builder *b, const void *arg, sluice_fb_msg *out)
{
	const struct imu_sample *s = arg;
	sluice_msg_Vec3 acc = {s->accel[0], s->accel[1], s->accel[2]};
	sluice_msg_Vec3 gyr = {s->gyro[0], s->gyro[1], s->gyro[2]};
	sluice_msg_Cov3 ac, gc;
	sluice_fb_ref h, r;

	memset(&ac, 0, sizeof(ac));
	memset(&gc, 0, sizeof(gc));
	ac.m[0] = ac.m[4] = ac.m[8] = s->accel_var;
	gc.m[0] = gc.m[4] = gc.m[8] = s->gyro_var;
	h = fu_build_header(b, s->stamp_ns, "imu_link", s->seq);
	sluice_msg_Imu_start(b);
	sluice_msg_Imu_add_header(b, h);
	sluice_msg_Imu_add_accel(b, &acc);
	sluice_msg_Imu_add_gyro(b, &gyr);
	sluice_msg_Imu_add_accel_cov(b, &ac);
	sluice_msg_Imu_add_gyro_cov(b, &gc);
	r = sluice_msg_Imu_end(b);
	return sluice_msg_Imu_finish(b, r, out);
}

static int imu_init(void *st, const struct sluice_ctx *ctx, const struct sluice_param_value *p)
{
	struct imu_sim *s = st;
	int rc;

	if (p[P_ACCEL_NOISE].v.d < 0 || p[P_GYRO_NOISE].v.d < 0 || p[P_TRUTH_EVERY].v.i < 1) {
		sluice_log(ctx, SLUICE_LOG_ERROR, "noise must be >= 0 and truth_every >= 1");
		return -EINVAL;
	}
	rc = fu_traj_init(&s->traj, p[P_AMPLITUDE].v.d, p[P_PERIOD].v.d);
	if (rc < 0) {
		sluice_log(ctx, SLUICE_LOG_ERROR, "amplitude_m must be > 0 and period_s >= 1");
		return rc;
	}
	fu_rng_seed(&s->rng, (uint64_t)p[P_SEED].v.i);
	s->accel_noise = p[P_ACCEL_NOISE].v.d;
	s->gyro_noise = p[P_GYRO_NOISE].v.d;
	s->accel_bias[0] = p[P_ACCEL_BIAS_X].v.d;
	s->accel_bias[1] = p[P_ACCEL_BIAS_Y].v.d;
	s->gyro_bias = p[P_GYRO_BIAS].v.d;
	s->truth_every = p[P_TRUTH_EVERY].v.i;
	return 0;
}

static int imu_tick(void *st, const struct sluice_ctx *ctx)
{
	struct imu_sim *s = st;
	uint64_t now = sluice_now_ns(ctx);
	struct fu_truth t;
	struct imu_sample m;
	int rc;

	fu_traj_at(&s->traj, now, &t);
	m.stamp_ns = now;
	m.seq = s->imu_seq++;
	m.accel[0] = t.a_fwd + s->accel_bias[0] + s->accel_noise * fu_rng_gauss(&s->rng);
	m.accel[1] = t.a_left + s->accel_bias[1] + s->accel_noise * fu_rng_gauss(&s->rng);
	m.accel[2] = GRAVITY + s->accel_noise * fu_rng_gauss(&s->rng);
	m.gyro[0] = s->gyro_noise * fu_rng_gauss(&s->rng);
	m.gyro[1] = s->gyro_noise * fu_rng_gauss(&s->rng);
	m.gyro[2] = t.yaw_rate + s->gyro_bias + s->gyro_noise * fu_rng_gauss(&s->rng);
	m.accel_var = s->accel_noise * s->accel_noise;
	m.gyro_var = s->gyro_noise * s->gyro_noise;
	rc = sluice_fb_publish(ctx, OUT_IMU, 512, build_imu, &m);
	if (rc < 0)
		return rc;

	if (s->ticks++ % (uint64_t)s->truth_every == 0) {
		struct fu_pose pose;

		memset(&pose, 0, sizeof(pose)); /* truth: zero covariance */
		pose.stamp_ns = now;
		pose.seq = s->truth_seq++;
		pose.frame_id = "map";
		pose.x = t.x;
		pose.y = t.y;
		pose.vx = t.vx;
		pose.vy = t.vy;
		pose.yaw = t.yaw;
		rc = sluice_fb_publish(ctx, OUT_TRUTH, 1024, fu_build_pose, &pose);
	}
	return rc;
}

SLUICE_PLUGIN(.name = "imu_sim", .version = "1.0.0",
              .summary = "1 kHz IMU on a figure-eight vehicle, with noise and bias; and the truth",
              SLUICE_PARAMS(imu_params), SLUICE_OUTPUTS(imu_outputs), SLUICE_STATE(struct imu_sim),
              .tick_hz = 1000, .init = imu_init, .on_tick = imu_tick);
