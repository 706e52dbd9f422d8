/* ekf.c - the planar inertial EKF (see ekf.h and docs/sensor_fusion.md). */
#include "ekf.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "fu_math.h"

/* Initial uncertainty of what alignment cannot see. */
#define INIT_ACCEL_BIAS_SIGMA 0.1  /* m/s^2 */
#define INIT_GYRO_BIAS_SIGMA  0.01 /* rad/s */
/* A position fix may be this far ahead of the inertial stream and still
 * be applied at once (by extrapolating the state to its stamp); one
 * further ahead waits until the inertial samples catch up. */
#define AHEAD_NS 20000000LL
/* A fix older than this against the state is stale and dropped. */
#define STALE_NS 500000000LL
/* The no-sideslip constraint starts once yaw is known this well (rad^2). */
#define NHC_MAX_YAW_VAR (0.1 * 0.1)
/* Fixes further apart than this restart the alignment window. */
#define ALIGN_GAP_NS 1000000000LL

int fu_ekf_init(struct fu_ekf *f, const struct fu_ekf_config *cfg)
{
	if (cfg->align_fixes < 3 || cfg->align_fixes > FU_ALIGN_MAX || !(cfg->q_scale > 0) ||
	    !(cfg->align_yaw_sigma > 0) || !(cfg->accel_bias_rw >= 0) ||
	    !(cfg->gyro_bias_rw >= 0) || !(cfg->nhc_sigma >= 0) || cfg->nhc_every < 1 ||
	    !(cfg->max_gap_s > 0))
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	f->cfg = *cfg;
	return 0;
}

/* (takes the filter, not the matrix: GCC's -Wstringop-overflow misjudges
 * a 2-D array parameter under ASan) */
static void symmetrize(struct fu_ekf *f)
{
	for (int i = 0; i < FU_N; i++)
		for (int j = i + 1; j < FU_N; j++)
			f->P[i][j] = f->P[j][i] = 0.5 * (f->P[i][j] + f->P[j][i]);
}

/* The generic update with an m-row measurement (m = 1 or 2): innovation y,
 * Jacobian H (m x N), noise R (m x m). Joseph form, so P stays positive
 * semi-definite whatever the rounding. */
static int update(struct fu_ekf *f, int m, const double *H, const double *y, const double *R)
{
	double PHt[FU_N][2], S[2][2], Si[2][2], K[FU_N][2], A[FU_N][FU_N], T[FU_N][FU_N], det;

	for (int i = 0; i < FU_N; i++)
		for (int k = 0; k < m; k++) {
			PHt[i][k] = 0;
			for (int j = 0; j < FU_N; j++)
				PHt[i][k] += f->P[i][j] * H[k * FU_N + j];
		}
	for (int a = 0; a < m; a++)
		for (int b = 0; b < m; b++) {
			S[a][b] = R[a * m + b];
			for (int j = 0; j < FU_N; j++)
				S[a][b] += H[a * FU_N + j] * PHt[j][b];
		}
	if (m == 1) {
		if (!(S[0][0] > 0))
			return -EDOM;
		Si[0][0] = 1.0 / S[0][0];
	} else {
		det = S[0][0] * S[1][1] - S[0][1] * S[1][0];
		if (!(det > 0))
			return -EDOM;
		Si[0][0] = S[1][1] / det;
		Si[1][1] = S[0][0] / det;
		Si[0][1] = -S[0][1] / det;
		Si[1][0] = -S[1][0] / det;
	}
	for (int i = 0; i < FU_N; i++)
		for (int k = 0; k < m; k++) {
			K[i][k] = 0;
			for (int a = 0; a < m; a++)
				K[i][k] += PHt[i][a] * Si[a][k];
		}
	for (int i = 0; i < FU_N; i++)
		for (int k = 0; k < m; k++)
			f->x[i] += K[i][k] * y[k];
	f->x[FU_YAW] = fu_wrap_pi(f->x[FU_YAW]);
	/* A = I - K H; P = A P A^T + K R K^T */
	for (int i = 0; i < FU_N; i++)
		for (int j = 0; j < FU_N; j++) {
			A[i][j] = (i == j);
			for (int k = 0; k < m; k++)
				A[i][j] -= K[i][k] * H[k * FU_N + j];
		}
	for (int i = 0; i < FU_N; i++)
		for (int j = 0; j < FU_N; j++) {
			T[i][j] = 0;
			for (int k = 0; k < FU_N; k++)
				T[i][j] += A[i][k] * f->P[k][j];
		}
	for (int i = 0; i < FU_N; i++)
		for (int j = 0; j < FU_N; j++) {
			double v = 0;

			for (int k = 0; k < FU_N; k++)
				v += T[i][k] * A[j][k];
			for (int a = 0; a < m; a++)
				for (int b = 0; b < m; b++)
					v += K[i][a] * R[a * m + b] * K[j][b];
			f->P[i][j] = v;
		}
	symmetrize(f);
	return 0;
}

/* One strapdown step over dt with the sample m. */
static void predict(struct fu_ekf *f, const struct fu_meas *m, double dt)
{
	double *x = f->x, c = cos(x[FU_YAW]), s = sin(x[FU_YAW]);
	double ux = m->accel[0] - x[FU_BAX], uy = m->accel[1] - x[FU_BAY];
	double awx = c * ux - s * uy, awy = s * ux + c * uy;  /* world acceleration */
	double dyx = -s * ux - c * uy, dyy = c * ux - s * uy; /* d(aw)/d(yaw) */
	double h2 = 0.5 * dt * dt, F[FU_N][FU_N], T[FU_N][FU_N];
	double qa = f->cfg.q_scale * m->accel_var, qg = f->cfg.q_scale * m->gyro_var;

	memset(F, 0, sizeof(F));
	for (int i = 0; i < FU_N; i++)
		F[i][i] = 1;
	F[FU_PX][FU_VX] = F[FU_PY][FU_VY] = dt;
	F[FU_PX][FU_YAW] = h2 * dyx;
	F[FU_PY][FU_YAW] = h2 * dyy;
	F[FU_VX][FU_YAW] = dt * dyx;
	F[FU_VY][FU_YAW] = dt * dyy;
	/* d(aw)/d(bax) = -(c, s); d(aw)/d(bay) = (s, -c) */
	F[FU_PX][FU_BAX] = -h2 * c;
	F[FU_PY][FU_BAX] = -h2 * s;
	F[FU_VX][FU_BAX] = -dt * c;
	F[FU_VY][FU_BAX] = -dt * s;
	F[FU_PX][FU_BAY] = h2 * s;
	F[FU_PY][FU_BAY] = -h2 * c;
	F[FU_VX][FU_BAY] = dt * s;
	F[FU_VY][FU_BAY] = -dt * c;
	F[FU_YAW][FU_BG] = -dt;

	x[FU_PX] += x[FU_VX] * dt + h2 * awx;
	x[FU_PY] += x[FU_VY] * dt + h2 * awy;
	x[FU_VX] += awx * dt;
	x[FU_VY] += awy * dt;
	x[FU_YAW] = fu_wrap_pi(x[FU_YAW] + (m->gyro_z - x[FU_BG]) * dt);

	/* P = F P F^T + Q */
	for (int i = 0; i < FU_N; i++)
		for (int j = 0; j < FU_N; j++) {
			T[i][j] = 0;
			for (int k = 0; k < FU_N; k++)
				T[i][j] += F[i][k] * f->P[k][j];
		}
	for (int i = 0; i < FU_N; i++)
		for (int j = 0; j < FU_N; j++) {
			double v = 0;

			for (int k = 0; k < FU_N; k++)
				v += T[i][k] * F[j][k];
			f->P[i][j] = v;
		}
	/* the sample's white noise, rotated to the world it is the same
	 * (isotropic), integrated over one step; bias random walks */
	for (int a = 0; a < 2; a++) {
		f->P[FU_PX + a][FU_PX + a] += qa * h2 * h2;
		f->P[FU_PX + a][FU_VX + a] += qa * h2 * dt;
		f->P[FU_VX + a][FU_PX + a] += qa * h2 * dt;
		f->P[FU_VX + a][FU_VX + a] += qa * dt * dt;
	}
	f->P[FU_YAW][FU_YAW] += qg * dt * dt;
	f->P[FU_BAX][FU_BAX] += f->cfg.accel_bias_rw * f->cfg.accel_bias_rw * dt;
	f->P[FU_BAY][FU_BAY] += f->cfg.accel_bias_rw * f->cfg.accel_bias_rw * dt;
	f->P[FU_BG][FU_BG] += f->cfg.gyro_bias_rw * f->cfg.gyro_bias_rw * dt;
	symmetrize(f);
}

/* A land vehicle does not slide: velocity across the heading is zero. */
static void constrain_lateral(struct fu_ekf *f)
{
	double c = cos(f->x[FU_YAW]), s = sin(f->x[FU_YAW]);
	double vx = f->x[FU_VX], vy = f->x[FU_VY];
	double H[FU_N] = {0, 0, -s, c, -c * vx - s * vy, 0, 0, 0};
	double y = -(-s * vx + c * vy), R = f->cfg.nhc_sigma * f->cfg.nhc_sigma;

	update(f, 1, H, &y, &R);
}

/* A position fix at its own stamp: the state is extrapolated there along
 * its velocity (the gap is a few milliseconds), h = p + v dt. */
static int position_update(struct fu_ekf *f, const struct fu_meas *m)
{
	double dt = (double)(int64_t)(m->stamp_ns - f->t_ns) * 1e-9;
	double H[2 * FU_N], y[2];
	int rc;

	memset(H, 0, sizeof(H));
	H[0 * FU_N + FU_PX] = 1;
	H[0 * FU_N + FU_VX] = dt;
	H[1 * FU_N + FU_PY] = 1;
	H[1 * FU_N + FU_VY] = dt;
	y[0] = m->pos[0] - (f->x[FU_PX] + f->x[FU_VX] * dt);
	y[1] = m->pos[1] - (f->x[FU_PY] + f->x[FU_VY] * dt);
	rc = update(f, 2, H, y, m->pos_cov);
	if (rc == 0)
		f->n_update++;
	return rc;
}

/* Solves the 4x4 system A x = b in place (Gaussian elimination with
 * partial pivoting); -EDOM when singular. */
static int solve4(double A[4][4], double b[4])
{
	for (int c = 0; c < 4; c++) {
		int piv = c;

		for (int r = c + 1; r < 4; r++)
			if (fabs(A[r][c]) > fabs(A[piv][c]))
				piv = r;
		if (!(fabs(A[piv][c]) > 1e-12))
			return -EDOM;
		for (int k = 0; k < 4; k++) {
			double t = A[c][k];

			A[c][k] = A[piv][k];
			A[piv][k] = t;
		}
		{
			double t = b[c];

			b[c] = b[piv];
			b[piv] = t;
		}
		for (int r = c + 1; r < 4; r++) {
			double q = A[r][c] / A[c][c];

			for (int k = c; k < 4; k++)
				A[r][k] -= q * A[c][k];
			b[r] -= q * b[c];
		}
	}
	for (int c = 3; c >= 0; c--) {
		for (int k = c + 1; k < 4; k++)
			b[c] -= A[c][k] * b[k];
		b[c] /= A[c][c];
	}
	return 0;
}

/* The alignment fit. Over the window the vehicle moves along its heading
 * psi0 + dpsi(t) (dpsi from the gyro) at speed s0 + sig(t) (sig from the
 * forward accelerometer), so a fix at t lies at
 *     p(t) = p0 + s0 R(psi0) C(t) + R(psi0) D(t)
 * which is linear in (p0, w = s0 (cos psi0, sin psi0)) once psi0 in the
 * small D term is known: a few least-squares passes settle it. Returns the
 * variance factor of w (times the fixes' variance) or a negative code. */
static int align_fit(struct fu_ekf *f, double p0[2], double w[2], double *w_var)
{
	int n = f->n_align;
	double psi0 = 0;

	for (int pass = 0; pass < 4; pass++) {
		double N[4][4], b[4], c = cos(psi0), s = sin(psi0), inv[4][4], I[4][4];

		memset(N, 0, sizeof(N));
		memset(b, 0, sizeof(b));
		for (int i = 0; i < n; i++) {
			double cx = f->al_Cx[i], cy = f->al_Cy[i];
			/* the D term, known once psi0 is (skipped on the first pass) */
			double dx = pass ? c * f->al_Dx[i] - s * f->al_Dy[i] : 0;
			double dy = pass ? s * f->al_Dx[i] + c * f->al_Dy[i] : 0;
			double rows[2][4] = {{1, 0, cx, -cy}, {0, 1, cy, cx}};
			double obs[2] = {f->al_e[i] - dx, f->al_n[i] - dy};

			for (int r = 0; r < 2; r++)
				for (int a = 0; a < 4; a++) {
					b[a] += rows[r][a] * obs[r];
					for (int k = 0; k < 4; k++)
						N[a][k] += rows[r][a] * rows[r][k];
				}
		}
		memcpy(I, N, sizeof(I));
		if (solve4(N, b) < 0)
			return -EDOM;
		p0[0] = b[0];
		p0[1] = b[1];
		w[0] = b[2];
		w[1] = b[3];
		psi0 = atan2(w[1], w[0]);
		if (pass == 3) {
			/* var(w) from the normal matrix's inverse (two columns suffice) */
			for (int col = 2; col < 4; col++) {
				double A[4][4], e[4] = {0, 0, 0, 0};

				memcpy(A, I, sizeof(A));
				e[col] = 1;
				if (solve4(A, e) < 0)
					return -EDOM;
				for (int r = 0; r < 4; r++)
					inv[r][col] = e[r];
			}
			*w_var = 0.5 * (inv[2][2] + inv[3][3]);
		}
	}
	return 0;
}

/* Collects fixes (with the inertial integrals at their stamps) until the
 * window is full, then fits the inertial path to them (align_fit) and
 * starts the filter there. */
static void align_add(struct fu_ekf *f, const struct fu_meas *m)
{
	double back, c, s, p0[2], w[2], w_var, s0, var_w, psi0, dpsi, speed;
	double *x = f->x;
	int n = f->n_align;

	if (n > 0 && (m->stamp_ns <= f->al_last_ns || m->stamp_ns - f->al_last_ns > ALIGN_GAP_NS))
		n = 0; /* out of order or a gap: start the window again */
	if (n == 0) {
		f->al_psi0 = f->psi;
		f->al_sig = 0;
		f->al_C[0] = f->al_C[1] = f->al_D[0] = f->al_D[1] = 0;
		f->al_var = 0;
	}
	f->al_last_ns = m->stamp_ns;
	/* the integrals run to the state's time; take them back to the fix's */
	back = (double)(int64_t)(f->t_ns - m->stamp_ns) * 1e-9;
	c = cos(f->psi - f->al_psi0);
	s = sin(f->psi - f->al_psi0);
	f->al_Cx[n] = f->al_C[0] - c * back;
	f->al_Cy[n] = f->al_C[1] - s * back;
	f->al_Dx[n] = f->al_D[0] - f->al_sig * c * back;
	f->al_Dy[n] = f->al_D[1] - f->al_sig * s * back;
	f->al_e[n] = m->pos[0];
	f->al_n[n] = m->pos[1];
	f->al_var += 0.5 * (m->pos_cov[0] + m->pos_cov[3]);
	f->n_align = ++n;
	if (n < f->cfg.align_fixes)
		return;

	if (align_fit(f, p0, w, &w_var) < 0) {
		f->n_align = 0; /* degenerate (cannot happen with moving fixes) */
		return;
	}
	s0 = hypot(w[0], w[1]);
	var_w = w_var * f->al_var / n; /* al_var is a sum until here */
	/* a longer window sees the heading better: grow it until the fit
	 * knows the heading well enough, or the window is full */
	if (var_w > f->cfg.align_yaw_sigma * f->cfg.align_yaw_sigma * s0 * s0 && n < FU_ALIGN_MAX)
		return;
	f->al_var /= n;
	f->n_align = 0;
	psi0 = atan2(w[1], w[0]);
	dpsi = f->psi - f->al_psi0;
	speed = s0 + f->al_sig;
	memset(f->P, 0, sizeof(f->P));
	memset(f->x, 0, sizeof(f->x));
	c = cos(psi0);
	s = sin(psi0);
	x[FU_PX] = p0[0] + s0 * (c * f->al_C[0] - s * f->al_C[1]) + c * f->al_D[0] - s * f->al_D[1];
	x[FU_PY] = p0[1] + s0 * (s * f->al_C[0] + c * f->al_C[1]) + s * f->al_D[0] + c * f->al_D[1];
	if (s0 > 3.0 * sqrt(var_w)) {
		x[FU_YAW] = fu_wrap_pi(psi0 + dpsi);
		/* plus what an uncalibrated gyro turns over the window */
		f->P[FU_YAW][FU_YAW] = var_w / (s0 * s0) + 0.02 * 0.02;
	} else {
		/* too slow to tell the heading: say so and let the filter find it */
		x[FU_YAW] = 0;
		f->P[FU_YAW][FU_YAW] = FU_PI * FU_PI;
	}
	x[FU_VX] = speed * cos(x[FU_YAW]);
	x[FU_VY] = speed * sin(x[FU_YAW]);
	/* the window's fixes pin the end of the path down well, but the
	 * inertial path bends with the unknown biases: stay modest */
	f->P[FU_PX][FU_PX] = f->P[FU_PY][FU_PY] = 4.0 * f->al_var / n + 0.25;
	f->P[FU_VX][FU_VX] = f->P[FU_VY][FU_VY] = var_w + 0.1 * 0.1;
	f->P[FU_BAX][FU_BAX] = f->P[FU_BAY][FU_BAY] = INIT_ACCEL_BIAS_SIGMA * INIT_ACCEL_BIAS_SIGMA;
	f->P[FU_BG][FU_BG] = INIT_GYRO_BIAS_SIGMA * INIT_GYRO_BIAS_SIGMA;
	f->aligned = true;
}

/* Applies the waiting fixes the inertial stream has caught up with. */
static void apply_pending(struct fu_ekf *f)
{
	int k = 0;

	while (k < f->n_pending && (int64_t)(f->pending[k].stamp_ns - f->t_ns) <= AHEAD_NS) {
		position_update(f, &f->pending[k]);
		k++;
	}
	if (k > 0) {
		memmove(f->pending, f->pending + k,
		        (size_t)(f->n_pending - k) * sizeof(f->pending[0]));
		f->n_pending -= k;
	}
}

static int feed_inertial(struct fu_ekf *f, const struct fu_meas *m)
{
	int64_t d;
	double dt;

	if (!f->have_t) {
		f->have_t = true;
		f->t_ns = m->stamp_ns;
		return 0;
	}
	d = (int64_t)(m->stamp_ns - f->t_ns);
	if (d <= 0) {
		f->n_stale++; /* a repeat or out of order: the state is already past it */
		return 0;
	}
	dt = (double)d * 1e-9;
	f->t_ns = m->stamp_ns;
	if (dt > f->cfg.max_gap_s) {
		/* the inertial stream stopped for a while: what was integrated
		 * is no longer worth trusting, align again */
		f->aligned = false;
		f->n_align = 0;
		f->n_pending = 0;
		return 0;
	}
	f->psi += m->gyro_z * dt;
	if (!f->aligned) {
		if (f->n_align > 0) { /* inside an alignment window */
			double dp = f->psi - f->al_psi0, c = cos(dp), s = sin(dp);

			f->al_C[0] += c * dt;
			f->al_C[1] += s * dt;
			f->al_D[0] += f->al_sig * c * dt;
			f->al_D[1] += f->al_sig * s * dt;
			f->al_sig += m->accel[0] * dt;
		}
		return 0;
	}
	predict(f, m, dt);
	f->n_predict++;
	/* the constraint ties yaw to the velocity's direction; while both are
	 * still uncertain after alignment it would lock them together on a
	 * wrong heading, so it waits until GPS has settled the yaw */
	if (f->cfg.nhc_sigma > 0 && f->n_predict % (uint64_t)f->cfg.nhc_every == 0 &&
	    f->P[FU_YAW][FU_YAW] < NHC_MAX_YAW_VAR)
		constrain_lateral(f);
	apply_pending(f);
	return 1;
}

static int feed_position(struct fu_ekf *f, const struct fu_meas *m)
{
	int64_t ahead;

	if (!f->have_t)
		return 0; /* no inertial time base yet */
	if (!f->aligned) {
		align_add(f, m);
		return 0;
	}
	ahead = (int64_t)(m->stamp_ns - f->t_ns);
	if (ahead < -STALE_NS) {
		f->n_stale++;
		return 0;
	}
	if (ahead > AHEAD_NS) {
		if (f->n_pending == FU_PENDING) {
			/* the inertial stream lags far behind: use the oldest now */
			position_update(f, &f->pending[0]);
			memmove(f->pending, f->pending + 1,
			        (FU_PENDING - 1) * sizeof(f->pending[0]));
			f->n_pending--;
		}
		f->pending[f->n_pending++] = *m;
		return 0;
	}
	position_update(f, m);
	return 0;
}

int fu_ekf_feed(struct fu_ekf *f, const struct fu_meas *m)
{
	switch (m->kind) {
	case FU_MEAS_INERTIAL:
		return feed_inertial(f, m);
	case FU_MEAS_POSITION:
		return feed_position(f, m);
	default:
		return -EINVAL;
	}
}

void fu_ekf_pose_cov(const struct fu_ekf *f, double cov[36])
{
	/* Pose covariance order: x y z roll pitch yaw */
	static const int map[6] = {FU_PX, FU_PY, -1, -1, -1, FU_YAW};

	for (int i = 0; i < 6; i++)
		for (int j = 0; j < 6; j++) {
			if (map[i] >= 0 && map[j] >= 0)
				cov[i * 6 + j] = f->P[map[i]][map[j]];
			else
				cov[i * 6 + j] = (i == j) ? 1e6 : 0; /* not estimated */
		}
}
