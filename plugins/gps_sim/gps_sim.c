/* gps_sim.c - the demo's satellite receiver: 10 Hz position fixes of the
 * figure-eight vehicle (common/trajectory.h) with white Gaussian noise,
 * reported as WGS-84 latitude/longitude/altitude around a reference origin
 * (the truth's local ENU frame is centred there) with an ENU covariance.
 *
 * It reads the same CLOCK_MONOTONIC as imu_sim, so it sees the same
 * vehicle whether it runs in imu_sim's process or in its own. */
#include <errno.h>
#include <string.h>

#include <sluice/plugin.h>

#include "fbpub.h"
#include "geodesy.h"
#include "gps_sluice.h"
#include "rng.h"
#include "trajectory.h"

enum { P_SEED, P_SIGMA, P_LAT, P_LON, P_ALT, P_AMPLITUDE, P_PERIOD };

static const struct sluice_param_decl gps_params[] = {
    [P_SEED] = {"seed", SLUICE_PARAM_INT, "2", "noise seed (same seed, same noise)"},
    [P_SIGMA] = {"sigma_m", SLUICE_PARAM_DOUBLE, "2.5",
                 "horizontal noise per axis, m (1 sigma); vertical is 1.5x"},
    [P_LAT] = {"origin_lat_deg", SLUICE_PARAM_DOUBLE, "48.137154",
               "latitude of the local ENU origin, degrees"},
    [P_LON] = {"origin_lon_deg", SLUICE_PARAM_DOUBLE, "11.576124",
               "longitude of the local ENU origin, degrees"},
    [P_ALT] = {"origin_alt_m", SLUICE_PARAM_DOUBLE, "519", "altitude of the origin, m"},
    [P_AMPLITUDE] = {"amplitude_m", SLUICE_PARAM_DOUBLE, "50",
                     "figure-eight half-width A, m (imu_sim must agree)"},
    [P_PERIOD] = {"period_s", SLUICE_PARAM_DOUBLE, "60",
                  "time for one figure-eight, s (imu_sim must agree)"},
};

static const struct sluice_output_decl gps_outputs[] = {
    {"fix", "sluice.msg.GpsFix", "10 Hz geodetic fixes with ENU covariance",
     sluice_bfbs_gps},
};

struct gps_sim {
	struct fu_traj traj;
	struct fu_geo_origin origin;
	struct fu_rng rng;
	double sigma;
	uint64_t seq;
};

struct gps_sample {
	uint64_t stamp_ns, seq;
	double lat, lon, alt, sigma;
};

static int build_fix(sluice_fb_builder *b, const void *arg, sluice_fb_msg *out)
{
	const struct gps_sample *s = arg;
	sluice_msg_GeoPoint pos = {s->lat, s->lon, s->alt};
	sluice_msg_Cov3 cov;
	sluice_fb_ref h, r;

	memset(&cov, 0, sizeof(cov));
	cov.m[0] = cov.m[4] = s->sigma * s->sigma;
	cov.m[8] = 2.25 * s->sigma * s->sigma;
	h = fu_build_header(b, s->stamp_ns, "gps", s->seq);
	sluice_msg_GpsFix_start(b);
	sluice_msg_GpsFix_add_header(b, h);
	sluice_msg_GpsFix_add_kind(b, sluice_msg_FixKind_Fix3D);
	sluice_msg_GpsFix_add_position(b, &pos);
	sluice_msg_GpsFix_add_covariance(b, &cov);
	sluice_msg_GpsFix_add_satellites(b, 9);
	r = sluice_msg_GpsFix_end(b);
	return sluice_msg_GpsFix_finish(b, r, out);
}

static int gps_init(void *st, const struct sluice_ctx *ctx, const struct sluice_param_value *p)
{
	struct gps_sim *s = st;

	if (!(p[P_SIGMA].v.d >= 0)) {
		sluice_log(ctx, SLUICE_LOG_ERROR, "sigma_m must be >= 0");
		return -EINVAL;
	}
	if (fu_traj_init(&s->traj, p[P_AMPLITUDE].v.d, p[P_PERIOD].v.d) < 0) {
		sluice_log(ctx, SLUICE_LOG_ERROR, "amplitude_m must be > 0 and period_s >= 1");
		return -EINVAL;
	}
	if (fu_geo_origin_init(&s->origin, p[P_LAT].v.d, p[P_LON].v.d, p[P_ALT].v.d) < 0) {
		sluice_log(ctx, SLUICE_LOG_ERROR, "origin latitude must be within +-89 degrees");
		return -EINVAL;
	}
	fu_rng_seed(&s->rng, (uint64_t)p[P_SEED].v.i);
	s->sigma = p[P_SIGMA].v.d;
	return 0;
}

static int gps_tick(void *st, const struct sluice_ctx *ctx)
{
	struct gps_sim *s = st;
	uint64_t now = sluice_now_ns(ctx);
	struct fu_truth t;
	struct gps_sample m;
	double enu[3];

	fu_traj_at(&s->traj, now, &t);
	enu[0] = t.x + s->sigma * fu_rng_gauss(&s->rng);
	enu[1] = t.y + s->sigma * fu_rng_gauss(&s->rng);
	enu[2] = 1.5 * s->sigma * fu_rng_gauss(&s->rng);
	fu_geo_from_enu(&s->origin, enu, &m.lat, &m.lon, &m.alt);
	m.stamp_ns = now;
	m.seq = s->seq++;
	m.sigma = s->sigma;
	return sluice_fb_publish(ctx, 0, 512, build_fix, &m);
}

SLUICE_PLUGIN(.name = "gps_sim", .version = "1.0.0",
              .summary = "10 Hz noisy GPS fixes of the figure-eight vehicle",
              SLUICE_PARAMS(gps_params), SLUICE_OUTPUTS(gps_outputs), SLUICE_STATE(struct gps_sim),
              .tick_hz = 10, .init = gps_init, .on_tick = gps_tick);
