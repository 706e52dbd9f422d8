/* test_fusion.c - the sensor-fusion demo's plugins (plugins/imu_sim,
 * gps_sim, fusion, monitor, json_sink) driven in-process through the
 * loader as the pipeline of examples/sensor_fusion.yaml, on a simulated
 * clock: the fusion must beat raw GPS by a clear margin, every message
 * must verify, the monitor's figures must agree with an independent
 * computation, and json_sink's file must parse as JSON lines. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fu_host.h"
#include "gps_sluice.h"
#include "imu_sluice.h"
#include "pose_sluice.h"
#include "sluice/error.h"
#include "testutil.h"
#include "trajectory.h"

#define MS 1000000ULL

struct run_opts {
	double seconds;
	uint64_t t0_ns;          /* the simulated CLOCK_MONOTONIC at the start */
	uint64_t gps_lag_ns;     /* GPS delivered this much after publication */
	uint64_t imu_lag_ns;     /* IMU likewise */
	unsigned jitter_us;      /* IMU tick period 1 ms +- this */
	double restart_fusion_s; /* > 0: the fusion stage is recreated then */
	const char *imu_seed, *gps_seed;
	bool sink;
};

struct pipe {
	struct fh_clock clock;
	struct fh_stage imu, gps, fusion, monitor, sink;
	struct fh_topic t_imu, t_gps, t_truth, t_pose;
	char sink_path[64];
	struct fu_traj traj;
	/* the test's own scoring of every pose against the analytic truth */
	uint64_t poses, first_pose_ns, scored;
	double sum_sq;
	double rmse_fused, rmse_gps, n_fused, n_gps;
};

static void open_fusion(struct pipe *p)
{
	ck_assert_int_eq(fh_stage_open(&p->fusion, "fusion", &p->clock, NULL, 0), 0);
	p->fusion.out[0] = &p->t_pose;
}

static void pipe_open(struct pipe *p, const struct run_opts *o)
{
	struct sluice_param_setting imu_set[] = {{"seed", o->imu_seed}};
	struct sluice_param_setting gps_set[] = {{"seed", o->gps_seed}};
	struct sluice_param_setting sink_set[] = {{"path", p->sink_path}, {"flush_ms", "0"}};

	memset(p, 0, sizeof(*p));
	p->clock.now_ns = o->t0_ns;
	ck_assert_int_eq(fu_traj_init(&p->traj, 50, 60), 0);
	fh_topic_init(&p->t_imu, "imu", "SIMU");
	fh_topic_init(&p->t_gps, "gps", "SGPS");
	fh_topic_init(&p->t_truth, "truth", "SPOS");
	fh_topic_init(&p->t_pose, "pose", "SPOS");
	p->t_gps.delay_ns = o->gps_lag_ns;
	p->t_imu.delay_ns = o->imu_lag_ns;

	ck_assert_int_eq(fh_stage_open(&p->imu, "imu_sim", &p->clock, imu_set, 1), 0);
	p->imu.out[0] = &p->t_imu;
	p->imu.out[1] = &p->t_truth;
	ck_assert_int_eq(fh_stage_open(&p->gps, "gps_sim", &p->clock, gps_set, 1), 0);
	p->gps.out[0] = &p->t_gps;
	open_fusion(p);
	ck_assert_int_eq(fh_stage_open(&p->monitor, "monitor", &p->clock, NULL, 0), 0);
	/* the ports of examples/sensor_fusion.yaml */
	fh_subscribe(&p->t_imu, &p->fusion, 0);
	fh_subscribe(&p->t_gps, &p->fusion, 1);
	fh_subscribe(&p->t_pose, &p->monitor, 0);
	fh_subscribe(&p->t_gps, &p->monitor, 1);
	fh_subscribe(&p->t_truth, &p->monitor, 2);
	if (o->sink) {
		int fd;

		strcpy(p->sink_path, "/tmp/fu-sink-XXXXXX");
		fd = mkstemp(p->sink_path);
		ck_assert_int_ge(fd, 0);
		close(fd);
		ck_assert_int_eq(fh_stage_open(&p->sink, "json_sink", &p->clock, sink_set, 2), 0);
		fh_subscribe(&p->t_pose, &p->sink, 0);
	}
}

/* Scores the poses about to be delivered against the analytic truth, over
 * the monitor's window (from 1 s after the first pose). */
static void score_poses(struct pipe *p)
{
	for (size_t i = 0; i < p->t_pose.n; i++) {
		const uint8_t *m = sluice_msg_Pose_as_root(p->t_pose.v[i].data);
		uint64_t t = sluice_msg_Header_stamp_ns(sluice_msg_Pose_header(m));
		sluice_msg_Vec3 pos = sluice_msg_Pose_position(m);
		struct fu_truth tr;

		if (!p->poses++)
			p->first_pose_ns = t;
		if (t < p->first_pose_ns + 1000 * MS)
			continue;
		fu_traj_at(&p->traj, t, &tr);
		p->sum_sq += (pos.x - tr.x) * (pos.x - tr.x) + (pos.y - tr.y) * (pos.y - tr.y);
		p->scored++;
	}
}

static void deliver_all(struct pipe *p)
{
	fh_topic_deliver(&p->t_imu, p->clock.now_ns);
	fh_topic_deliver(&p->t_gps, p->clock.now_ns);
	fh_topic_deliver(&p->t_truth, p->clock.now_ns);
	score_poses(p);
	fh_topic_deliver(&p->t_pose, p->clock.now_ns);
}

static void pipe_run(struct pipe *p, const struct run_opts *o)
{
	uint64_t end = o->t0_ns + (uint64_t)(o->seconds * 1e9), next_gps = o->t0_ns;
	uint64_t restart =
	    o->restart_fusion_s > 0 ? o->t0_ns + (uint64_t)(o->restart_fusion_s * 1e9) : UINT64_MAX;
	unsigned rs = 12345;

	while (p->clock.now_ns < end) {
		uint64_t step = MS;

		if (o->jitter_us)
			step = MS - o->jitter_us * 1000ULL +
			       (uint64_t)(rand_r(&rs) % (2 * o->jitter_us + 1)) * 1000ULL;
		p->clock.now_ns += step;
		ck_assert_int_eq(fh_stage_tick(&p->imu), 0);
		if (p->clock.now_ns >= next_gps) {
			ck_assert_int_eq(fh_stage_tick(&p->gps), 0);
			next_gps += 100 * MS;
		}
		if (p->clock.now_ns >= restart) {
			/* as the supervisor would after a crash: a fresh instance */
			fh_stage_close(&p->fusion);
			open_fusion(p);
			restart = UINT64_MAX;
		}
		deliver_all(p);
	}
}

/* Ends the run: fini reports the final figures. */
static void pipe_close(struct pipe *p)
{
	fh_stage_close(&p->imu);
	fh_stage_close(&p->gps);
	fh_stage_close(&p->fusion);
	fh_stage_close(&p->monitor);
	if (p->sink_path[0])
		fh_stage_close(&p->sink);
	p->rmse_fused = fh_report(&p->monitor, "rmse_fused_m");
	p->rmse_gps = fh_report(&p->monitor, "rmse_gps_m");
	p->n_fused = fh_report(&p->monitor, "n_fused");
	p->n_gps = fh_report(&p->monitor, "n_gps");
	fh_topic_free(&p->t_imu);
	fh_topic_free(&p->t_gps);
	fh_topic_free(&p->t_truth);
	fh_topic_free(&p->t_pose);
}

static struct pipe *run(const struct run_opts *o)
{
	struct pipe *p = calloc(1, sizeof(*p));

	ck_assert_ptr_nonnull(p);
	pipe_open(p, o);
	pipe_run(p, o);
	/* everything that was published arrived intact and was taken */
	ck_assert_uint_eq(p->t_imu.bad + p->t_gps.bad + p->t_truth.bad + p->t_pose.bad, 0);
	ck_assert_uint_eq(p->imu.errors + p->gps.errors + p->fusion.errors + p->monitor.errors, 0);
	pipe_close(p);
	fprintf(stderr,
	        "%.0f s: imu %llu gps %llu truth %llu pose %llu; rmse fused %.3f m (n %.0f), "
	        "gps %.3f m (n %.0f); own check %.3f m\n",
	        o->seconds, (unsigned long long)p->t_imu.total, (unsigned long long)p->t_gps.total,
	        (unsigned long long)p->t_truth.total, (unsigned long long)p->t_pose.total,
	        p->rmse_fused, p->n_fused, p->rmse_gps, p->n_gps,
	        sqrt(p->sum_sq / (double)p->scored));
	return p;
}

static const struct run_opts defaults = {
    .seconds = 60, .t0_ns = 987654321012345ULL, .imu_seed = "1", .gps_seed = "2"};

/* Counts lines of a JSON-lines file with python3's json module, each
 * line's "type" checked against want (NULL: any); -1 if it fails. */
static long json_lines(const char *path, const char *want)
{
	char cmd[1024];
	long n = -1;
	FILE *f;

	snprintf(cmd, sizeof(cmd),
	         "python3 -c 'import json,sys\n"
	         "n=0\n"
	         "for l in open(sys.argv[1], encoding=\"utf-8\"):\n"
	         "  d=json.loads(l); n+=1\n"
	         "  assert isinstance(d, dict), l\n"
	         "  assert sys.argv[2]==\"-\" or d[\"type\"]==sys.argv[2], l\n"
	         "print(n)' '%s' '%s'",
	         path, want ? want : "-");
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	if (pclose(f) != 0)
		n = -1;
	return n;
}

static bool have_python(void)
{
	return system("python3 -c 'import json' 2>/dev/null") == 0;
}

START_TEST(contract_ports_params_rates)
{
	static const struct {
		const char *name;
		double tick_hz;
		const char *ports[4][2]; /* inputs then outputs: name, type */
		int n_in, n_out;
	} want[] = {
	    {"imu_sim", 1000, {{"imu", "sluice.msg.Imu"}, {"truth", "sluice.msg.Pose"}}, 0, 2},
	    {"gps_sim", 10, {{"fix", "sluice.msg.GpsFix"}}, 0, 1},
	    {"fusion",
	     0,
	     {{"imu", "sluice.msg.Imu"}, {"gps", "sluice.msg.GpsFix"}, {"pose", "sluice.msg.Pose"}},
	     2,
	     1},
	    {"monitor",
	     0,
	     {{"pose", "sluice.msg.Pose"},
	      {"gps", "sluice.msg.GpsFix"},
	      {"truth", "sluice.msg.Pose"}},
	     3,
	     0},
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct sluice_plugin *p;
		const struct sluice_plugin_desc *d;

		ck_assert_msg(sluice_plugin_open(want[i].name, &p) == 0, "%s: %s", want[i].name,
		              sluice_errdetail());
		d = sluice_plugin_descriptor(p);
		ck_assert_str_eq(d->name, want[i].name);
		ck_assert(d->tick_hz == want[i].tick_hz);
		ck_assert_uint_eq(d->n_inputs, want[i].n_in);
		ck_assert_uint_eq(d->n_outputs, want[i].n_out);
		for (int k = 0; k < want[i].n_in; k++) {
			ck_assert_str_eq(d->inputs[k].name, want[i].ports[k][0]);
			ck_assert_str_eq(d->inputs[k].msg_type, want[i].ports[k][1]);
		}
		for (int k = 0; k < want[i].n_out; k++) {
			ck_assert_str_eq(d->outputs[k].name, want[i].ports[want[i].n_in + k][0]);
			ck_assert_str_eq(d->outputs[k].msg_type,
			                 want[i].ports[want[i].n_in + k][1]);
		}
		sluice_plugin_unref(p);
	}
}
END_TEST

START_TEST(fused_beats_gps_over_60s)
{
	struct run_opts o = defaults;
	struct pipe *p;
	long lines;

	o.sink = true;
	p = run(&o);
	/* rates: 1 kHz IMU, 10 Hz GPS, 100 Hz truth; pose at 100 Hz once aligned (~2 s) */
	ck_assert_uint_eq(p->t_imu.total, 60000);
	ck_assert_uint_eq(p->t_truth.total, 6000);
	ck_assert_uint_ge(p->t_gps.total, 600);
	ck_assert_uint_le(p->t_gps.total, 601);
	ck_assert_uint_ge(p->t_pose.total, 5350); /* aligned within 6.5 s */
	ck_assert_uint_le(p->t_pose.total, 5810); /* 1.9 s at least (20 fixes) */
	/* GPS error is what its noise says (2.5 m per axis: 3.5 m horizontal) */
	ck_assert_msg(p->rmse_gps > 3.0 && p->rmse_gps < 4.1, "rmse_gps %g", p->rmse_gps);
	ck_assert_msg(p->n_gps >= 520 && p->n_fused >= 5250, "n %g %g", p->n_gps, p->n_fused);
	/* the point of the demo: fusion beats raw GPS by a clear margin */
	ck_assert_msg(p->rmse_fused < 0.4 * p->rmse_gps, "fused %g vs gps %g", p->rmse_fused,
	              p->rmse_gps);
	/* the monitor (truth topic, interpolated) agrees with the analytic truth */
	ck_assert_msg(fabs(p->rmse_fused - sqrt(p->sum_sq / (double)p->scored)) <
	                  0.01 * p->rmse_fused,
	              "monitor %g vs own %g", p->rmse_fused, sqrt(p->sum_sq / (double)p->scored));
	/* json_sink wrote one parseable line per pose */
	if (have_python()) {
		lines = json_lines(p->sink_path, "sluice.msg.Pose");
		ck_assert_int_eq(lines, (long)p->t_pose.total);
	} else {
		fprintf(stderr, "python3 missing: JSON parse check skipped\n");
	}
	unlink(p->sink_path);
	free(p);
}
END_TEST

START_TEST(late_gps_and_tick_jitter)
{
	struct run_opts o = defaults;
	struct pipe *p;

	/* fixes arrive 30 ms after the IMU samples of the same instant, and
	 * IMU ticks wander by +-400 us, as on a loaded machine */
	o.seconds = 30;
	o.gps_lag_ns = 30 * MS;
	o.jitter_us = 400;
	p = run(&o);
	ck_assert_msg(p->rmse_fused < 0.4 * p->rmse_gps, "fused %g vs gps %g", p->rmse_fused,
	              p->rmse_gps);
	free(p);
}
END_TEST

START_TEST(late_imu)
{
	struct run_opts o = defaults;
	struct pipe *p;

	/* the other way round: IMU samples arrive 50 ms late, so each fix
	 * is ahead of the filter's state and waits for the IMU to catch up */
	o.seconds = 30;
	o.imu_lag_ns = 50 * MS;
	p = run(&o);
	ck_assert_msg(p->rmse_fused < 0.4 * p->rmse_gps, "fused %g vs gps %g", p->rmse_fused,
	              p->rmse_gps);
	free(p);
}
END_TEST

START_TEST(fusion_restart_realigns)
{
	struct run_opts o = defaults;
	struct pipe *p;

	o.seconds = 40;
	o.restart_fusion_s = 20;
	p = run(&o);
	/* a gap of 1.9 to 6.5 s for each instance's alignment, the rest at 100 Hz */
	ck_assert_uint_ge(p->t_pose.total, 4000 - 1300);
	ck_assert_uint_le(p->t_pose.total, 4000 - 380);
	ck_assert_msg(p->rmse_fused < 0.5 * p->rmse_gps, "fused %g vs gps %g", p->rmse_fused,
	              p->rmse_gps);
	free(p);
}
END_TEST

START_TEST(other_seeds_and_phase)
{
	struct run_opts o = defaults;
	struct pipe *p;

	/* other noise, another place on the figure-eight at the start */
	o.seconds = 30;
	o.imu_seed = "77";
	o.gps_seed = "78";
	o.t0_ns = 5000000000123ULL;
	p = run(&o);
	ck_assert_msg(p->rmse_fused < 0.4 * p->rmse_gps, "fused %g vs gps %g", p->rmse_fused,
	              p->rmse_gps);
	free(p);
}
END_TEST

/* The demo's stages publish with no copy: every message is committed with
 * commit_at exactly where its builder left it, also on the loans (every
 * other one) whose end is off the builder's 32-byte grid, where the old
 * size-only commit forced a memmove to the loan's end. */
START_TEST(demo_stages_publish_in_place)
{
	struct run_opts o = defaults;
	struct pipe *p = calloc(1, sizeof(*p));
	struct fh_stage *src[] = {&p->imu, &p->gps, &p->fusion};

	ck_assert_ptr_nonnull(p);
	o.seconds = 10; /* the fusion publishes once aligned, a few seconds in */
	pipe_open(p, &o);
	pipe_run(p, &o);
	for (int i = 0; i < 3; i++) {
		struct fh_stage *s = src[i];

		ck_assert_msg(s->commits_at > 2 && s->commits_at == s->loans,
		              "%s: %llu loans, %llu commit_at", s->name,
		              (unsigned long long)s->loans, (unsigned long long)s->commits_at);
		ck_assert_msg(s->commits == 0, "%s: %llu size-only commits (moved to the loan's end)",
		              s->name, (unsigned long long)s->commits);
		ck_assert_msg(s->not_in_place == 0, "%s: %llu messages not where they were built",
		              s->name, (unsigned long long)s->not_in_place);
	}
	ck_assert_uint_eq(p->imu.commits_at, p->t_imu.total + p->t_truth.total);
	ck_assert_uint_eq(p->gps.commits_at, p->t_gps.total);
	ck_assert_uint_eq(p->fusion.commits_at, p->t_pose.total);
	ck_assert_uint_eq(p->t_imu.bad + p->t_gps.bad + p->t_truth.bad + p->t_pose.bad, 0);
	pipe_close(p);
	free(p);
}
END_TEST

START_TEST(ten_seconds_like_make_demo)
{
	struct run_opts o = defaults;
	double worst = 0;

	/* `make demo` runs about 10 s: alignment and convergence included,
	 * the fusion must still win clearly, whatever the noise and wherever
	 * on the figure-eight the run starts */
	o.seconds = 10;
	for (int i = 0; i < 8; i++) {
		char a[16], b[16];
		struct pipe *p;

		snprintf(a, sizeof(a), "%d", 100 + i);
		snprintf(b, sizeof(b), "%d", 200 + i);
		o.imu_seed = a;
		o.gps_seed = b;
		o.t0_ns = 5000000000123ULL + (uint64_t)i * 7300000000ULL;
		p = run(&o);
		ck_assert_msg(p->n_fused >= 200, "run %d: %g poses scored", i, p->n_fused);
		ck_assert_msg(p->rmse_fused < 0.5 * p->rmse_gps, "run %d: fused %g vs gps %g", i,
		              p->rmse_fused, p->rmse_gps);
		if (p->rmse_fused / p->rmse_gps > worst)
			worst = p->rmse_fused / p->rmse_gps;
		free(p);
	}
	fprintf(stderr, "10 s runs: worst fused/gps ratio %.3f\n", worst);
}
END_TEST

static void *run_thread(void *arg)
{
	return run(arg);
}

START_TEST(two_pipelines_in_threads_are_independent)
{
	struct run_opts o = defaults;
	struct pipe *a, *b, *c;
	pthread_t ta, tb;

	/* stages of one plugin in two threads at once (TSan watches), and
	 * each run as deterministic as a lone one: no shared state */
	o.seconds = 8;
	ck_assert_int_eq(pthread_create(&ta, NULL, run_thread, &o), 0);
	ck_assert_int_eq(pthread_create(&tb, NULL, run_thread, &o), 0);
	ck_assert_int_eq(pthread_join(ta, (void **)&a), 0);
	ck_assert_int_eq(pthread_join(tb, (void **)&b), 0);
	c = run(&o);
	ck_assert(a->rmse_fused == c->rmse_fused && b->rmse_fused == c->rmse_fused);
	ck_assert(a->rmse_gps == c->rmse_gps && b->rmse_gps == c->rmse_gps);
	ck_assert(c->n_fused > 0);
	free(a);
	free(b);
	free(c);
}
END_TEST

START_TEST(seed_sets_the_noise)
{
	struct fh_clock clock = {1000 * MS};
	struct fh_topic t[3];
	struct fh_stage s[3];
	const char *seeds[3] = {"5", "5", "6"};
	double ax[3];

	for (int i = 0; i < 3; i++) {
		struct sluice_param_setting set[] = {{"seed", seeds[i]}};

		fh_topic_init(&t[i], "imu", "SIMU");
		ck_assert_int_eq(fh_stage_open(&s[i], "imu_sim", &clock, set, 1), 0);
		s[i].out[0] = &t[i];
		ck_assert_int_eq(fh_stage_tick(&s[i]), 0);
		ck_assert_uint_eq(t[i].n, 1);
		ck_assert_int_eq(fh_verify(t[i].v[0].data, t[i].v[0].size), 0);
		ax[i] = sluice_msg_Imu_accel(sluice_msg_Imu_as_root(t[i].v[0].data)).x;
		fh_stage_close(&s[i]);
		fh_topic_free(&t[i]);
	}
	ck_assert(ax[0] == ax[1]);
	ck_assert(ax[0] != ax[2]);
}
END_TEST

START_TEST(bad_params_refused)
{
	struct fh_clock clock = {0};
	struct fh_stage s;
	struct sluice_param_setting neg[] = {{"sigma_m", "-1"}};
	struct sluice_param_setting per[] = {{"period_s", "0.5"}};
	struct sluice_param_setting al[] = {{"align_fixes", "2"}};
	struct sluice_param_setting lat[] = {{"origin_lat_deg", "95"}};
	struct sluice_param_setting dir[] = {{"path", "/nonexistent-dir/x.jsonl"}};

	ck_assert_int_eq(fh_stage_open(&s, "gps_sim", &clock, neg, 1), -EINVAL);
	ck_assert_int_eq(fh_stage_open(&s, "imu_sim", &clock, per, 1), -EINVAL);
	ck_assert_int_eq(fh_stage_open(&s, "fusion", &clock, al, 1), -EINVAL);
	ck_assert_int_eq(fh_stage_open(&s, "monitor", &clock, lat, 1), -EINVAL);
	ck_assert_int_eq(fh_stage_open(&s, "json_sink", &clock, dir, 1), -ENOENT);
	fh_stage_close(&s);
}
END_TEST

/* Runs imu_sim and gps_sim for a moment and returns one message of each
 * demo type (Imu, GpsFix, Pose) in t[0..2]. */
static void sample_messages(struct fh_topic t[3], struct fh_clock *clock)
{
	struct fh_stage imu, gps;

	fh_topic_init(&t[0], "imu", "SIMU");
	fh_topic_init(&t[1], "gps", "SGPS");
	fh_topic_init(&t[2], "truth", "SPOS");
	ck_assert_int_eq(fh_stage_open(&imu, "imu_sim", clock, NULL, 0), 0);
	ck_assert_int_eq(fh_stage_open(&gps, "gps_sim", clock, NULL, 0), 0);
	imu.out[0] = &t[0];
	imu.out[1] = &t[2];
	gps.out[0] = &t[1];
	ck_assert_int_eq(fh_stage_tick(&imu), 0);
	ck_assert_int_eq(fh_stage_tick(&gps), 0);
	fh_stage_close(&imu);
	fh_stage_close(&gps);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(t[i].n, 1);
}

START_TEST(json_sink_writes_every_type)
{
	struct fh_clock clock = {42 * 1000 * MS};
	struct fh_topic t[3];
	struct fh_stage sink;
	char path[] = "/tmp/fu-json-XXXXXX", line[8192];
	struct sluice_param_setting set[] = {{"path", path}};
	struct fh_msg junk;
	uint8_t garbage[64], broken[2048];
	FILE *f;
	int fd, n = 0;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	sample_messages(t, &clock);
	ck_assert_int_eq(fh_stage_open(&sink, "json_sink", &clock, set, 1), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(fh_stage_deliver(&sink, 0, &t[i].v[0]), 0);
	/* an unknown type, and a Pose cut short: still a line each */
	memset(garbage, 'x', sizeof(garbage));
	memcpy(garbage + 4, "\xff\"\x01z", 4); /* an identifier JSON must escape */
	junk = (struct fh_msg){garbage, sizeof(garbage), 1, 7};
	ck_assert_int_eq(fh_stage_deliver(&sink, 0, &junk), 0);
	memcpy(broken, t[2].v[0].data, t[2].v[0].size);
	junk = (struct fh_msg){broken, t[2].v[0].size / 2, 2, 8};
	ck_assert_int_eq(fh_stage_deliver(&sink, 0, &junk), 0);
	fh_stage_close(&sink);

	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		static const char *const starts[] = {
		    "{\"type\":\"sluice.msg.Imu\"", "{\"type\":\"sluice.msg.GpsFix\"",
		    "{\"type\":\"sluice.msg.Pose\"", "{\"type\":null,\"error\":\"unknown type\"",
		    "{\"type\":null,\"error\":\"failed verification\""};

		ck_assert_int_lt(n, 5);
		ck_assert_msg(!strncmp(line, starts[n], strlen(starts[n])), "line %d: %s", n, line);
		ck_assert_str_eq(line + strlen(line) - 2, "}\n");
		if (n == 3) /* the invalid byte replaced, the rest escaped */
			ck_assert_ptr_nonnull(
			    strstr(line, "\"identifier\":\"\\ufffd\\\"\\u0001z\""));
		n++;
	}
	fclose(f);
	ck_assert_int_eq(n, 5);
	if (have_python())
		ck_assert_int_eq(json_lines(path, NULL), 5);
	unlink(path);
	for (int i = 0; i < 3; i++)
		fh_topic_free(&t[i]);
}
END_TEST

START_TEST(malformed_input_is_refused_and_counted)
{
	struct fh_clock clock = {42 * 1000 * MS};
	struct fh_topic t[3], pose;
	struct fh_stage fusion, mon;
	uint8_t buf[2048];
	struct fh_msg m;

	sample_messages(t, &clock);
	fh_topic_init(&pose, "pose", "SPOS");
	ck_assert_int_eq(fh_stage_open(&fusion, "fusion", &clock, NULL, 0), 0);
	fusion.out[0] = &pose;
	/* a GpsFix on the IMU input, an IMU on the GPS input, truncations:
	 * refused and counted, and the stage carries on */
	ck_assert_int_eq(fh_stage_deliver(&fusion, 0, &t[1].v[0]), 0);
	ck_assert_int_eq(fh_stage_deliver(&fusion, 1, &t[0].v[0]), 0);
	memcpy(buf, t[0].v[0].data, t[0].v[0].size);
	m = (struct fh_msg){buf, t[0].v[0].size - 9, 0, 0};
	ck_assert_int_eq(fh_stage_deliver(&fusion, 0, &m), 0);
	m = (struct fh_msg){buf, 3, 0, 0};
	ck_assert_int_eq(fh_stage_deliver(&fusion, 0, &m), 0);
	ck_assert(fh_report(&fusion, "fusion_malformed_msgs") == 4);
	/* and the good ones still go in */
	ck_assert_int_eq(fh_stage_deliver(&fusion, 0, &t[0].v[0]), 0);
	ck_assert_int_eq(fh_stage_deliver(&fusion, 1, &t[1].v[0]), 0);
	fh_stage_close(&fusion);
	ck_assert_uint_eq(pose.n, 0); /* not aligned yet: nothing published */
	ck_assert(fh_report(&fusion, "fusion_malformed_msgs") == 4);

	/* the monitor likewise: an Imu on its pose input, a cut GpsFix */
	ck_assert_int_eq(fh_stage_open(&mon, "monitor", &clock, NULL, 0), 0);
	ck_assert_int_eq(fh_stage_deliver(&mon, 0, &t[0].v[0]), 0);
	memcpy(buf, t[1].v[0].data, t[1].v[0].size);
	m = (struct fh_msg){buf, t[1].v[0].size / 2, 0, 0};
	ck_assert_int_eq(fh_stage_deliver(&mon, 1, &m), 0);
	ck_assert_int_eq(fh_stage_deliver(&mon, 2, &t[2].v[0]), 0);
	ck_assert(fh_report(&mon, "monitor_malformed_msgs") == 2);
	fh_stage_close(&mon);
	fh_topic_free(&pose);
	for (int i = 0; i < 3; i++)
		fh_topic_free(&t[i]);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("fusion");
	TCase *tc = tcase_create("pipeline");

	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, contract_ports_params_rates);
	tcase_add_test(tc, demo_stages_publish_in_place);
	tcase_add_test(tc, fused_beats_gps_over_60s);
	tcase_add_test(tc, late_gps_and_tick_jitter);
	tcase_add_test(tc, late_imu);
	tcase_add_test(tc, fusion_restart_realigns);
	tcase_add_test(tc, other_seeds_and_phase);
	tcase_add_test(tc, ten_seconds_like_make_demo);
	tcase_add_test(tc, two_pipelines_in_threads_are_independent);
	tcase_add_test(tc, seed_sets_the_noise);
	tcase_add_test(tc, bad_params_refused);
	tcase_add_test(tc, json_sink_writes_every_type);
	tcase_add_test(tc, malformed_input_is_refused_and_counted);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
