/* fusion.c - the demo's fusion stage: IMU and GPS in, fused Pose out.
 *
 * Each input has a SensorReader (sensor_reader.h), made at init from the
 * factory that matches the input port's message type and held type-erased,
 * so this file and the filter core (ekf.h) deal only in measurements.
 * Every measurement goes to the EKF; after every pose_every-th inertial
 * step the estimate is published as a sluice.msg.Pose, built in place in
 * a loaned slot. No pose comes out until the filter has aligned: 2 to 6.4
 * s of 10 Hz fixes after the first, depending on how well they show the
 * heading (align_fixes, align_yaw_sigma). */
#include <errno.h>
#include <string.h>

#include <sluice/plugin.h>

#include "ekf.h"
#include "fbpub.h"
#include "pose_sluice.h"
#include "sensor_reader.h"

enum {
	P_LAT,
	P_LON,
	P_ALT,
	P_POSE_EVERY,
	P_ALIGN_FIXES,
	P_ALIGN_YAW_SIGMA,
	P_Q_SCALE,
	P_ACCEL_BIAS_RW,
	P_GYRO_BIAS_RW,
	P_NHC_SIGMA,
	P_ACCEL_NOISE,
	P_GYRO_NOISE,
	P_GPS_SIGMA
};

static const struct sluice_param_decl fusion_params[] = {
    [P_LAT] = {"origin_lat_deg", SLUICE_PARAM_DOUBLE, "48.137154",
               "latitude of the local ENU origin (as gps_sim's), degrees"},
    [P_LON] = {"origin_lon_deg", SLUICE_PARAM_DOUBLE, "11.576124",
               "longitude of the local ENU origin, degrees"},
    [P_ALT] = {"origin_alt_m", SLUICE_PARAM_DOUBLE, "519", "altitude of the origin, m"},
    [P_POSE_EVERY] = {"pose_every", SLUICE_PARAM_INT, "10",
                      "publish after every Nth IMU sample (10: 100 Hz)"},
    [P_ALIGN_FIXES] = {"align_fixes", SLUICE_PARAM_INT, "20",
                       "fewest GPS fixes the initial alignment fits (3..64)"},
    [P_ALIGN_YAW_SIGMA] = {"align_yaw_sigma", SLUICE_PARAM_DOUBLE, "0.06",
                           "alignment takes more fixes (up to 64) until its heading "
                           "is this certain, rad"},
    [P_Q_SCALE] = {"q_scale", SLUICE_PARAM_DOUBLE, "4",
                   "process noise as a multiple of the IMU's stated noise"},
    [P_ACCEL_BIAS_RW] = {"accel_bias_rw", SLUICE_PARAM_DOUBLE, "0.001",
                         "accelerometer bias random walk, m/s^2/sqrt(s)"},
    [P_GYRO_BIAS_RW] = {"gyro_bias_rw", SLUICE_PARAM_DOUBLE, "0.0001",
                        "gyro bias random walk, rad/s/sqrt(s)"},
    [P_NHC_SIGMA] = {"nhc_sigma", SLUICE_PARAM_DOUBLE, "0.1",
                     "no-sideslip constraint, m/s (0: off)"},
    [P_ACCEL_NOISE] = {"accel_noise", SLUICE_PARAM_DOUBLE, "0.05",
                       "IMU accelerometer noise when a message states none, m/s^2"},
    [P_GYRO_NOISE] = {"gyro_noise", SLUICE_PARAM_DOUBLE, "0.005",
                      "IMU gyro noise when a message states none, rad/s"},
    [P_GPS_SIGMA] = {"gps_sigma_m", SLUICE_PARAM_DOUBLE, "3",
                     "GPS horizontal noise when a fix states none, m"},
};

struct fusion {
	struct sluice_erased reader[2]; /* one SensorReader per input */
	struct fu_ekf ekf;
	int64_t pose_every;
	uint64_t steps, pose_seq, bad;
};

static int on_sensor(void *st, const struct sluice_ctx *ctx, const struct sluice_stage_msg *msg);

static const struct sluice_input_decl fusion_inputs[] = {
    {"imu", "sluice.msg.Imu", "inertial samples (the prediction)", on_sensor},
    {"gps", "sluice.msg.GpsFix", "position fixes (the correction)", on_sensor},
};
static const struct sluice_output_decl fusion_outputs[] = {
    {"pose", "sluice.msg.Pose", "fused position, velocity, yaw and covariance (ENU)",
     sluice_bfbs_pose},
};

#define N_INPUTS (sizeof(fusion_inputs) / sizeof(fusion_inputs[0]))

static void fusion_fini(void *st, const struct sluice_ctx *ctx)
{
	struct fusion *s = st;

	for (size_t i = 0; i < N_INPUTS; i++)
		if (!sluice_erased_empty(&s->reader[i])) {
			if (fu_reader_refused(&s->reader[i]))
				sluice_log(ctx, SLUICE_LOG_WARN,
				           "input %s: %llu malformed messages",
				           fusion_inputs[i].name,
				           (unsigned long long)fu_reader_refused(&s->reader[i]));
			sluice_erased_reset(&s->reader[i]);
		}
}

static int fusion_init(void *st, const struct sluice_ctx *ctx, const struct sluice_param_value *p)
{
	struct fusion *s = st;
	struct fu_reader_config rc_cfg = {
	    .origin_lat_deg = p[P_LAT].v.d,
	    .origin_lon_deg = p[P_LON].v.d,
	    .origin_alt_m = p[P_ALT].v.d,
	    .accel_var = p[P_ACCEL_NOISE].v.d * p[P_ACCEL_NOISE].v.d,
	    .gyro_var = p[P_GYRO_NOISE].v.d * p[P_GYRO_NOISE].v.d,
	    .gps_var = p[P_GPS_SIGMA].v.d * p[P_GPS_SIGMA].v.d,
	};
	struct fu_ekf_config cfg = {
	    .align_fixes = (int)p[P_ALIGN_FIXES].v.i,
	    .align_yaw_sigma = p[P_ALIGN_YAW_SIGMA].v.d,
	    .q_scale = p[P_Q_SCALE].v.d,
	    .accel_bias_rw = p[P_ACCEL_BIAS_RW].v.d,
	    .gyro_bias_rw = p[P_GYRO_BIAS_RW].v.d,
	    .nhc_sigma = p[P_NHC_SIGMA].v.d,
	    .nhc_every = 10,
	    .max_gap_s = 0.5,
	};
	int rc;

	for (size_t i = 0; i < N_INPUTS; i++)
		sluice_erased_init(&s->reader[i]);
	if (p[P_POSE_EVERY].v.i < 1 || p[P_ALIGN_FIXES].v.i > FU_ALIGN_MAX ||
	    fu_ekf_init(&s->ekf, &cfg) < 0) {
		sluice_log(ctx, SLUICE_LOG_ERROR,
		           "bad filter parameters (pose_every >= 1, align_fixes 3..%d, "
		           "align_yaw_sigma and q_scale > 0, the rest >= 0)",
		           FU_ALIGN_MAX);
		return -EINVAL;
	}
	s->pose_every = p[P_POSE_EVERY].v.i;
	for (size_t i = 0; i < N_INPUTS; i++) {
		rc = fu_reader_make(&s->reader[i], fusion_inputs[i].msg_type, &rc_cfg);
		if (rc < 0) {
			sluice_log(ctx, SLUICE_LOG_ERROR, "input %s (%s): no sensor reader (%d)",
			           fusion_inputs[i].name, fusion_inputs[i].msg_type, rc);
			fusion_fini(st, ctx);
			return rc;
		}
	}
	return 0;
}

static int publish_pose(struct fusion *s, const struct sluice_ctx *ctx)
{
	const struct fu_ekf *f = &s->ekf;
	struct fu_pose pose;

	pose.stamp_ns = f->t_ns;
	pose.seq = s->pose_seq++;
	pose.frame_id = "map";
	pose.x = f->x[FU_PX];
	pose.y = f->x[FU_PY];
	pose.vx = f->x[FU_VX];
	pose.vy = f->x[FU_VY];
	pose.yaw = f->x[FU_YAW];
	fu_ekf_pose_cov(f, pose.cov);
	return sluice_fb_publish(ctx, 0, 1024, fu_build_pose, &pose);
}

static int on_sensor(void *st, const struct sluice_ctx *ctx, const struct sluice_stage_msg *msg)
{
	struct fusion *s = st;
	struct fu_meas m;
	int rc;

	if (msg->input >= N_INPUTS)
		return -EINVAL;
	rc = fu_reader_read(&s->reader[msg->input], msg->data, msg->size, &m);
	if (rc < 0) {
		/* A malformed input is its publisher's fault, not a failure of
		 * this stage (the host ends a stage whose callback fails): it
		 * is refused, counted in the run's figures, and logged - the
		 * first few, then every 1000th. */
		s->bad++;
		sluice_report(ctx, "fusion_malformed_msgs", (double)s->bad);
		if (s->bad <= 5 || s->bad % 1000 == 0)
			sluice_log(ctx, SLUICE_LOG_WARN,
			           "input %s: malformed message refused (%llu so far)",
			           fusion_inputs[msg->input].name, (unsigned long long)s->bad);
		return 0;
	}
	if (rc == 0)
		return 0;
	rc = fu_ekf_feed(&s->ekf, &m);
	if (rc <= 0)
		return rc;
	if (++s->steps % (uint64_t)s->pose_every == 0)
		return publish_pose(s, ctx);
	return 0;
}

SLUICE_PLUGIN(.name = "fusion", .version = "1.0.0",
              .summary = "EKF fusing IMU and GPS into a pose, sensors behind erased readers",
              SLUICE_PARAMS(fusion_params), SLUICE_INPUTS(fusion_inputs),
              SLUICE_OUTPUTS(fusion_outputs), SLUICE_STATE(struct fusion), .init = fusion_init,
              .fini = fusion_fini);
