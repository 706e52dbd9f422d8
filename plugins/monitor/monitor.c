/* monitor.c - the demo's referee: RMS horizontal position error of the
 * fused pose and of the raw GPS fixes against the ground truth, reported
 * as rmse_fused_m and rmse_gps_m (with sample counts n_fused, n_gps).
 *
 * Matching is by stamp: truth arrives at 100 Hz and is kept in a ring;
 * an estimate is scored against the truth linearly interpolated to its
 * own stamp (the interpolation error along the curve is ~1e-4 m at 10 ms
 * spacing). An estimate stamped after the newest truth waits in a queue
 * until the truth catches up - the three inputs are separate topics and
 * need not arrive in stamp order. Both errors are scored over the same
 * window: from warmup_s after the first fused pose (the filter's
 * convergence is not what the figure is about) to the end. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/plugin.h>

#include "geodesy.h"
#include "gps_sluice.h"
#include "pose_sluice.h"

#define TRUTH_RING       1024 /* 10 s at 100 Hz */
#define QUEUE            512
#define MAX_TRUTH_GAP_NS 200000000ULL

enum { P_LAT, P_LON, P_ALT, P_WARMUP };

static const struct sluice_param_decl monitor_params[] = {
    [P_LAT] = {"origin_lat_deg", SLUICE_PARAM_DOUBLE, "48.137154",
               "latitude of the local ENU origin (as gps_sim's), degrees"},
    [P_LON] = {"origin_lon_deg", SLUICE_PARAM_DOUBLE, "11.576124",
               "longitude of the local ENU origin, degrees"},
    [P_ALT] = {"origin_alt_m", SLUICE_PARAM_DOUBLE, "519", "altitude of the origin, m"},
    [P_WARMUP] = {"warmup_s", SLUICE_PARAM_DOUBLE, "1",
                  "seconds after the first fused pose before scoring starts"},
};

enum { IN_POSE, IN_GPS, IN_TRUTH, N_IN };

struct sample {
	uint64_t t;
	double x, y;
};

struct queue {
	unsigned head, n;
	struct sample s[QUEUE];
};

struct score {
	double sum_sq, max;
	uint64_t n;
};

#define E2E_KEEP 4096

struct monitor {
	struct fu_geo_origin origin;
	uint64_t warmup_ns;
	struct sample truth[TRUTH_RING];
	uint64_t truth_n;        /* ever received; the ring holds the last TRUTH_RING */
	struct queue pending[2]; /* IN_POSE, IN_GPS */
	struct score score[2];
	bool started;
	uint64_t start_ns;
	uint64_t unmatched, bad, matched_since_report;
	/* End-to-end latency of each pose: from the IMU sample it carries the
	 * time of (fusion stamps poses with its filter time) to its arrival
	 * here, over the last E2E_KEEP poses. */
	uint64_t e2e[E2E_KEEP];
	uint64_t e2e_n;
	uint64_t e2e_sorted[E2E_KEEP]; /* scratch for the percentiles */
};

static int on_msg(void *st, const struct sluice_ctx *ctx, const struct sluice_stage_msg *msg);

static const struct sluice_input_decl monitor_inputs[] = {
    [IN_POSE] = {"pose", "sluice.msg.Pose", "the fused estimate", on_msg},
    [IN_GPS] = {"gps", "sluice.msg.GpsFix", "the raw fixes", on_msg},
    [IN_TRUTH] = {"truth", "sluice.msg.Pose", "the ground truth", on_msg},
};

static int monitor_init(void *st, const struct sluice_ctx *ctx, const struct sluice_param_value *p)
{
	struct monitor *s = st;

	if (fu_geo_origin_init(&s->origin, p[P_LAT].v.d, p[P_LON].v.d, p[P_ALT].v.d) < 0 ||
	    !(p[P_WARMUP].v.d >= 0 && p[P_WARMUP].v.d < 1e6)) {
		sluice_log(ctx, SLUICE_LOG_ERROR, "bad origin or warmup_s");
		return -EINVAL;
	}
	s->warmup_ns = (uint64_t)(p[P_WARMUP].v.d * 1e9);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(struct monitor *s, const struct sluice_ctx *ctx)
{
	static const char *const rmse_key[2] = {"rmse_fused_m", "rmse_gps_m"};
	static const char *const n_key[2] = {"n_fused", "n_gps"};

	for (int i = 0; i < 2; i++) {
		if (!s->score[i].n)
			continue;
		sluice_report(ctx, rmse_key[i], sqrt(s->score[i].sum_sq / (double)s->score[i].n));
		sluice_report(ctx, n_key[i], (double)s->score[i].n);
	}
	if (s->e2e_n) {
		uint64_t *sorted = s->e2e_sorted;
		size_t n = s->e2e_n < E2E_KEEP ? (size_t)s->e2e_n : E2E_KEEP;

		memcpy(sorted, s->e2e, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), cmp_u64);
		sluice_report(ctx, "e2e_imu_to_monitor_p50_us", sorted[n / 2] / 1e3);
		sluice_report(ctx, "e2e_imu_to_monitor_p99_us", sorted[n * 99 / 100] / 1e3);
	}
	s->matched_since_report = 0;
}

/* The truth at time t: 1 found, 0 not yet (t after the newest), -1 never
 * (t before the oldest kept, or in a gap of the truth stream). */
static int truth_at(const struct monitor *s, uint64_t t, double *x, double *y)
{
	uint64_t n = s->truth_n, lo, hi;
	const struct sample *a, *b;

	if (n == 0)
		return 0;
	hi = n - 1;
	lo = n > TRUTH_RING ? n - TRUTH_RING : 0;
	if (t > s->truth[hi % TRUTH_RING].t)
		return 0;
	if (t < s->truth[lo % TRUTH_RING].t)
		return -1;
	/* the last index whose stamp is <= t */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo + 1) / 2;

		if (s->truth[mid % TRUTH_RING].t <= t)
			lo = mid;
		else
			hi = mid - 1;
	}
	a = &s->truth[lo % TRUTH_RING];
	if (a->t == t) {
		*x = a->x;
		*y = a->y;
		return 1;
	}
	b = &s->truth[(lo + 1) % TRUTH_RING];
	if (b->t - a->t > MAX_TRUTH_GAP_NS)
		return -1;
	{
		double w = (double)(t - a->t) / (double)(b->t - a->t);

		*x = a->x + w * (b->x - a->x);
		*y = a->y + w * (b->y - a->y);
	}
	return 1;
}

/* Scores what it can from queue k; returns the number scored. */
static unsigned drain(struct monitor *s, int k)
{
	struct queue *q = &s->pending[k];
	unsigned done = 0;

	while (q->n) {
		const struct sample *e = &q->s[q->head];
		double tx, ty;
		int rc = truth_at(s, e->t, &tx, &ty);

		if (rc == 0)
			break;
		if (rc < 0) {
			s->unmatched++;
		} else if (s->started && e->t >= s->start_ns) {
			double d2 = (e->x - tx) * (e->x - tx) + (e->y - ty) * (e->y - ty);

			s->score[k].sum_sq += d2;
			s->score[k].n++;
			if (sqrt(d2) > s->score[k].max)
				s->score[k].max = sqrt(d2);
			done++;
		}
		q->head = (q->head + 1) % QUEUE;
		q->n--;
	}
	return done;
}

static void enqueue(struct monitor *s, int k, uint64_t t, double x, double y)
{
	struct queue *q = &s->pending[k];

	if (q->n == QUEUE) { /* truth has stopped coming: forget the oldest */
		q->head = (q->head + 1) % QUEUE;
		q->n--;
		s->unmatched++;
	}
	q->s[(q->head + q->n) % QUEUE] = (struct sample){t, x, y};
	q->n++;
}

static int on_msg(void *st, const struct sluice_ctx *ctx, const struct sluice_stage_msg *msg)
{
	struct monitor *s = st;
	const uint8_t *m;
	unsigned scored = 0;

	switch (msg->input) {
	case IN_POSE:
	case IN_TRUTH: {
		sluice_msg_Vec3 p;
		uint64_t t;

		if (sluice_msg_Pose_verify(msg->data, msg->size) != 0)
			goto bad;
		m = sluice_msg_Pose_as_root(msg->data);
		p = sluice_msg_Pose_position(m);
		t = sluice_msg_Header_stamp_ns(sluice_msg_Pose_header(m));
		if (msg->input == IN_POSE) {
			uint64_t now = sluice_now_ns(ctx);

			if (now > t)
				s->e2e[s->e2e_n++ % E2E_KEEP] = now - t;
			if (!s->started) {
				s->started = true;
				s->start_ns = t + s->warmup_ns;
			}
			enqueue(s, IN_POSE, t, p.x, p.y);
		} else {
			if (s->truth_n && t <= s->truth[(s->truth_n - 1) % TRUTH_RING].t)
				return 0; /* out of order: the ring must stay sorted */
			s->truth[s->truth_n % TRUTH_RING] = (struct sample){t, p.x, p.y};
			s->truth_n++;
		}
		break;
	}
	case IN_GPS: {
		sluice_msg_GeoPoint g;
		double enu[3];

		if (sluice_msg_GpsFix_verify(msg->data, msg->size) != 0)
			goto bad;
		m = sluice_msg_GpsFix_as_root(msg->data);
		if (sluice_msg_GpsFix_kind(m) == sluice_msg_FixKind_None)
			return 0;
		g = sluice_msg_GpsFix_position(m);
		fu_geo_to_enu(&s->origin, g.lat_deg, g.lon_deg, g.alt_m, enu);
		enqueue(s, IN_GPS, sluice_msg_Header_stamp_ns(sluice_msg_GpsFix_header(m)), enu[0],
		        enu[1]);
		break;
	}
	default:
		return -EINVAL;
	}
	scored += drain(s, IN_POSE);
	scored += drain(s, IN_GPS);
	s->matched_since_report += scored;
	/* the runtime keeps the last value: a few reports a second suffice */
	if (s->matched_since_report >= 20)
		report(s, ctx);
	return 0;
bad:
	/* the publisher's fault, not this stage's: refused, counted, logged */
	s->bad++;
	sluice_report(ctx, "monitor_malformed_msgs", (double)s->bad);
	if (s->bad <= 5 || s->bad % 1000 == 0)
		sluice_log(ctx, SLUICE_LOG_WARN,
		           "input %s: malformed message refused (%llu so far)",
		           monitor_inputs[msg->input].name, (unsigned long long)s->bad);
	return 0;
}

static void monitor_fini(void *st, const struct sluice_ctx *ctx)
{
	struct monitor *s = st;

	report(s, ctx);
	if (s->score[0].n)
		sluice_report(ctx, "max_err_fused_m", s->score[0].max);
	if (s->score[1].n)
		sluice_report(ctx, "max_err_gps_m", s->score[1].max);
	sluice_log(ctx, SLUICE_LOG_INFO,
	           "fused %.3f m rms over %llu poses, gps %.3f m rms over %llu fixes",
	           s->score[0].n ? sqrt(s->score[0].sum_sq / (double)s->score[0].n) : NAN,
	           (unsigned long long)s->score[0].n,
	           s->score[1].n ? sqrt(s->score[1].sum_sq / (double)s->score[1].n) : NAN,
	           (unsigned long long)s->score[1].n);
}

SLUICE_PLUGIN(.name = "monitor", .version = "1.0.0",
              .summary = "RMS position error of the fused pose and of raw GPS against truth",
              SLUICE_PARAMS(monitor_params), SLUICE_INPUTS(monitor_inputs),
              SLUICE_STATE(struct monitor), .init = monitor_init, .fini = monitor_fini);
