/* pipeline.c - sluice-bench pipeline: the demo's shape, a 1 kHz source ->
 * a processing stage -> a sink, each its own process under the real stage
 * host (sluice_pipeline_run with the bench_pipe_* plugins), with synthetic
 * payloads.  It measures the end-to-end latency (source commit -> sink
 * callback) and the CPU of each stage in three modes: default, spin_us set
 * on the two waiting stages, and real-time (sched fifo, each stage pinned,
 * lock_memory) where this process may use them; beside the kernel's floor
 * for two sleeping hops, measured in the same run: three processes, a 1 kHz
 * writer and two eventfd wake-ups in series. */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "ipc_hist.h"
#include "ipc_transport.h"
#include "sluice/error.h"
#include "sluice/pipeline.h"

/* A sanitizer build (GCC's macros, or clang's __has_feature). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define BP_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define BP_SANITIZED 1
#endif
#endif
#ifndef BP_SANITIZED
#define BP_SANITIZED 0
#endif

enum bp_mode { BP_FLOOR, BP_DEFAULT, BP_SPIN, BP_RT, BP_FLOOR_RT, BP_NMODES };

static const char *const mode_names[BP_NMODES] = {"floor", "default", "spin", "rt", "floor-rt"};

struct bp_opts {
	double seconds; /* per mode */
	int size;
	int modes; /* bit per enum bp_mode (floor always runs) */
	int spin_us;
	int priority;
	int warmup;
	int rounds;
	const char *json;
};

struct bp_row {
	int round;
	enum bp_mode mode;
	uint64_t n;
	uint64_t p50, p99, p999, max;
	double cpu_pct[3]; /* source, process, sink: % of one CPU */
	char skipped[320]; /* why the mode did not run, or "" */
};

/* The CPUs this process may use. */
static int allowed_cpus(int *cpus, int max)
{
	cpu_set_t set;
	int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	for (int c = 0; c < CPU_SETSIZE && n < max; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	return n;
}

/* --- the floor: two eventfd wake-ups in series ------------------------ */

#define FLOOR_RING 8192 /* send times of the last 8 s of messages */

struct floor_shared {
	_Atomic int ready;
	uint64_t cpu_ns[3];
	int err[3];
	struct ipc_hist h;
	/* message i's send time in [i % FLOOR_RING]; eventfd adds up the
	 * writes that one read collects, so a read may bring several */
	_Atomic uint64_t t0[FLOOR_RING];
};

static uint64_t self_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
}

/* The rt mode's conditions for the floor's processes: -errno on failure. */
static int floor_rt(int cpu, int priority)
{
	struct sched_param sp = {.sched_priority = priority};
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0 ||
	    mlockall(MCL_CURRENT | MCL_FUTURE) != 0 || sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
		return -errno;
	return 0;
}

/* Process `who` of the floor: 0 writes at 1 kHz, 1 passes on, 2 records.
 * messages + 1 are sent: the last one only says stop. */
static int floor_proc(int who, int efd[2], struct floor_shared *sh, const struct bp_opts *o,
                      uint64_t messages)
{
	uint64_t v = 1, c0 = self_cpu_ns(), seen = 0;

	atomic_fetch_add(&sh->ready, 1);
	while (atomic_load(&sh->ready) < 3)
		usleep(100);
	if (who == 0) {
		struct timespec next;

		clock_gettime(CLOCK_MONOTONIC, &next);
		for (uint64_t i = 0; i <= messages; i++) {
			next.tv_nsec += 1000000L;
			if (next.tv_nsec >= 1000000000L) {
				next.tv_sec++;
				next.tv_nsec -= 1000000000L;
			}
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
			atomic_store_explicit(&sh->t0[i % FLOOR_RING], ipc_now_ns(),
			                      memory_order_release);
			if (write(efd[0], &v, sizeof(v)) != sizeof(v))
				return -errno;
		}
	} else {
		while (seen <= messages) {
			if (read(efd[who - 1], &v, sizeof(v)) != sizeof(v))
				return -errno;
			if (who == 1 && write(efd[1], &v, sizeof(v)) != sizeof(v))
				return -errno;
			uint64_t t = ipc_now_ns();

			for (uint64_t k = 0; k < v; k++, seen++) {
				uint64_t t0 = atomic_load_explicit(&sh->t0[seen % FLOOR_RING],
				                                   memory_order_acquire);

				if (who == 2 && seen < messages && seen >= (uint64_t)o->warmup &&
				    t >= t0)
					ipc_hist_add(&sh->h, t - t0);
			}
		}
	}
	sh->cpu_ns[who] = self_cpu_ns() - c0;
	return 0;
}

static int run_floor(const struct bp_opts *o, int rt, const int *cpus, int ncpu, struct bp_row *row)
{
	uint64_t messages = (uint64_t)(o->seconds * 1000.0);
	struct floor_shared *sh = ipc_map_shared(sizeof(*sh));
	int efd[2] = {eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC)};
	pid_t pid[3];
	int started = 0, rc = 0;
	uint64_t w0 = ipc_now_ns();

	if (!sh || efd[0] < 0 || efd[1] < 0) {
		rc = -ENOMEM;
		goto out;
	}
	ipc_hist_reset(&sh->h);
	for (; started < 3; started++) {
		pid_t c = fork();

		if (c < 0) {
			rc = -errno;
			break;
		}
		if (c == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			sh->err[started] = rt ? floor_rt(cpus[started % ncpu], o->priority) : 0;
			if (!sh->err[started])
				sh->err[started] = floor_proc(started, efd, sh, o, messages);
			_exit(sh->err[started] ? 1 : 0);
		}
		pid[started] = c;
	}
	for (int i = 0; i < started; i++) {
		int st = rc ? ipc_stop_pid(pid[i], 100) : -1;

		if (!rc && waitpid(pid[i], &st, 0) != pid[i])
			st = -1;
		if (!rc && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
			rc = sh->err[i] ? sh->err[i] : -ECHILD;
			/* a failure makes the others wait forever: stop them */
			for (int k = i + 1; k < started; k++)
				ipc_stop_pid(pid[k], 100);
			break;
		}
	}
	if (rc)
		goto out;
	double wall = (double)(ipc_now_ns() - w0);

	*row = (struct bp_row){.mode = rt ? BP_FLOOR_RT : BP_FLOOR,
	                       .n = sh->h.count,
	                       .p50 = ipc_hist_pct(&sh->h, 0.5),
	                       .p99 = ipc_hist_pct(&sh->h, 0.99),
	                       .p999 = ipc_hist_pct(&sh->h, 0.999),
	                       .max = ipc_hist_pct(&sh->h, 1)};
	for (int i = 0; i < 3; i++)
		row->cpu_pct[i] = 100.0 * (double)sh->cpu_ns[i] / wall;
out:
	if (efd[0] >= 0)
		close(efd[0]);
	if (efd[1] >= 0)
		close(efd[1]);
	if (sh)
		munmap(sh, sizeof(*sh));
	return rc;
}

/* --- the pipeline under the stage host ------------------------------- */

struct bp_result {
	double figure[6]; /* e2e_n, p50, p99, p999, max, bad */
	int have[6];
	uint64_t cpu_ns[3];
	double elapsed_s;
	int failed;
};

static const char *const figure_keys[6] = {"e2e_n",       "e2e_p50_ns", "e2e_p99_ns",
                                           "e2e_p999_ns", "e2e_max_ns", "bad"};

static void on_report(void *arg, const struct sluice_run_stats *st)
{
	struct bp_result *r = arg;

	if (!st->final)
		return;
	r->elapsed_s = st->elapsed_s;
	for (int s = 0; s < st->nstages && s < 3; s++)
		r->cpu_ns[s] = st->stages[s].cpu_ns;
	for (int i = 0; i < st->nfigures; i++)
		for (int k = 0; k < 6; k++)
			if (!strcmp(st->figures[i].key, figure_keys[k])) {
				r->figure[k] = st->figures[i].value;
				r->have[k] = 1;
			}
}

static void on_event(void *arg, const struct sluice_run_event *ev)
{
	struct bp_result *r = arg;

	switch (ev->kind) {
	case SLUICE_RUN_STAGE_KILLED:
	case SLUICE_RUN_STAGE_FAILED:
	case SLUICE_RUN_STAGE_EXHAUSTED:
	case SLUICE_RUN_START_FAILED:
		r->failed = 1;
		fprintf(stderr, "pipeline: stage %s failed (%d)\n", ev->stage ? ev->stage : "?",
		        ev->value);
		break;
	case SLUICE_RUN_STAGE_STOPPED:
	case SLUICE_RUN_STAGE_LOG:
		if (ev->text && ev->kind == SLUICE_RUN_STAGE_STOPPED)
			fprintf(stderr, "pipeline: stage %s: %s\n", ev->stage ? ev->stage : "?",
			        ev->text);
		break;
	default:
		break;
	}
}

/* The scheduling keys of stage i (0 source, 1 process, 2 sink) in mode m. */
static void stage_keys(enum bp_mode m, int i, const struct bp_opts *o, const int *cpus, int ncpu,
                       char *buf, size_t len)
{
	buf[0] = '\0';
	if (m == BP_SPIN && i > 0)
		snprintf(buf, len, ", spin_us: %d", o->spin_us);
	else if (m == BP_RT)
		snprintf(buf, len,
		         ", cpu: %d, sched: { policy: fifo, priority: %d }, lock_memory: true",
		         cpus[i % ncpu], o->priority);
}

static int write_file(const char *path, enum bp_mode m, const struct bp_opts *o, const int *cpus,
                      int ncpu)
{
	char k[3][160];
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	for (int i = 0; i < 3; i++)
		stage_keys(m, i, o, cpus, ncpu, k[i], sizeof(k[i]));
	fprintf(f,
	        "# written by sluice-bench pipeline (mode %s)\n"
	        "topics:\n"
	        "  raw: { type: sluice.bench.Pipeline, slots: 64, slot_size: %d }\n"
	        "  out: { type: sluice.bench.Pipeline, slots: 64, slot_size: %d }\n"
	        "stages:\n"
	        "  source:  { plugin: bench_pipe_source, params: { size: %d }, outputs: { out: raw "
	        "}%s }\n"
	        "  process: { plugin: bench_pipe_relay, inputs: { in: raw }, outputs: { out: out "
	        "}%s }\n"
	        "  sink:    { plugin: bench_pipe_sink, params: { warmup: %d }, inputs: { in: out "
	        "}%s }\n",
	        mode_names[m], o->size, o->size, o->size, k[0], k[1], o->warmup, k[2]);
	return fclose(f) == 0 ? 0 : -errno;
}

static int run_pipeline(enum bp_mode m, const struct bp_opts *o, const int *cpus, int ncpu,
                        struct bp_row *row)
{
	struct bp_result res;
	struct sluice_pipeline *pl = NULL;
	char path[128], name[64];
	int rc;

	memset(&res, 0, sizeof(res));
	*row = (struct bp_row){.mode = m};
	snprintf(path, sizeof(path), "/tmp/sluice-bench-pipeline-%d.yaml", (int)getpid());
	snprintf(name, sizeof(name), "sbpipe%d", (int)getpid());
#if BP_SANITIZED
	/* mlockall would lock the sanitizer's shadow memory: terabytes */
	if (m == BP_RT) {
		snprintf(row->skipped, sizeof(row->skipped),
		         "not under a sanitizer (lock_memory would lock its shadow memory)");
		return 0;
	}
#endif
	if ((rc = write_file(path, m, o, cpus, ncpu)) != 0)
		return rc;
	rc = sluice_pipeline_load(path, name, &pl);
	unlink(path);
	if (rc) {
		/* not permitted (rt) is a skipped row that says why, not a failure */
		snprintf(row->skipped, sizeof(row->skipped), "%s", sluice_errdetail());
		return m == BP_RT ? 0 : rc;
	}
	struct sluice_run_opts ro = {
	    .duration_s = o->seconds + 0.3, .report = on_report, .event = on_event, .arg = &res};
	rc = sluice_pipeline_run(pl, &ro);
	sluice_pipeline_free(pl);
	if (rc)
		return rc;
	if (res.failed || !res.have[0] || res.figure[0] < 1 || res.figure[5] != 0)
		return -EPROTO;
	row->n = (uint64_t)res.figure[0];
	row->p50 = (uint64_t)res.figure[1];
	row->p99 = (uint64_t)res.figure[2];
	row->p999 = (uint64_t)res.figure[3];
	row->max = (uint64_t)res.figure[4];
	for (int i = 0; i < 3; i++)
		row->cpu_pct[i] =
		    res.elapsed_s > 0 ? 100.0 * (double)res.cpu_ns[i] / 1e9 / res.elapsed_s : 0;
	return 0;
}

/* --- output ---------------------------------------------------------- */

static void fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns < 10000)
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	else if (ns < 10000000)
		snprintf(buf, len, "%.1f us", (double)ns / 1e3);
	else
		snprintf(buf, len, "%.1f ms", (double)ns / 1e6);
}

/* The floor row a mode is compared with: the rt floor for rt where it ran. */
static const struct bp_row *floor_of(const struct bp_row *r, int n, const struct bp_row *x)
{
	const struct bp_row *f = NULL;

	for (int i = 0; i < n; i++)
		if (r[i].round == x->round && !r[i].skipped[0] &&
		    (r[i].mode == BP_FLOOR || (x->mode == BP_RT && r[i].mode == BP_FLOOR_RT)))
			f = &r[i];
	return f;
}

static void print_table(FILE *f, const struct bp_row *r, int n, const struct bp_opts *o)
{
	fprintf(f, "%5s %-9s %7s | %9s %9s %9s %9s | %9s | %7s %7s %7s\n", "round", "mode", "msgs",
	        "e2e p50", "p99", "p99.9", "max", "p99/floor", "cpu src", "proc", "sink");
	for (int i = 0; i < n; i++) {
		const struct bp_row *fl = floor_of(r, n, &r[i]);
		char v[4][16], ratio[16] = "-";

		if (r[i].skipped[0]) {
			fprintf(f, "%5d %-9s skipped: %s\n", r[i].round, mode_names[r[i].mode],
			        r[i].skipped);
			continue;
		}
		fmt_ns(v[0], sizeof(v[0]), r[i].p50);
		fmt_ns(v[1], sizeof(v[1]), r[i].p99);
		fmt_ns(v[2], sizeof(v[2]), r[i].p999);
		fmt_ns(v[3], sizeof(v[3]), r[i].max);
		if (fl && fl->p99)
			snprintf(ratio, sizeof(ratio), "%.2fx", (double)r[i].p99 / (double)fl->p99);
		fprintf(f, "%5d %-9s %7llu | %9s %9s %9s %9s | %9s | %6.1f%% %6.1f%% %6.1f%%\n",
		        r[i].round, mode_names[r[i].mode], (unsigned long long)r[i].n, v[0], v[1],
		        v[2], v[3], ratio, r[i].cpu_pct[0], r[i].cpu_pct[1], r[i].cpu_pct[2]);
	}
	fprintf(f,
	        "(%d B payloads at 1 kHz, %.1f s per mode; spin: spin_us %d on process and sink; "
	        "rt: sched fifo %d, one CPU each, lock_memory; floor: two eventfd wake-ups in "
	        "series; cpu: %% of one CPU)\n",
	        o->size, o->seconds, o->spin_us, o->priority);
}

static void write_json(FILE *f, const struct bp_row *r, int n, const struct bp_opts *o)
{
	fprintf(f, "[");
	for (int i = 0; i < n; i++) {
		const struct bp_row *fl = floor_of(r, n, &r[i]);

		fprintf(f, "%s\n  {\"round\": %d, \"mode\": \"%s\", \"size\": %d", i ? "," : "",
		        r[i].round, mode_names[r[i].mode], o->size);
		if (r[i].skipped[0]) {
			fprintf(f, ", \"skipped\": \"");
			for (const char *c = r[i].skipped; *c; c++)
				if (*c == '"' || *c == '\\')
					fprintf(f, "\\%c", *c);
				else if ((unsigned char)*c >= 0x20)
					fputc(*c, f);
			fprintf(f, "\"}");
			continue;
		}
		fprintf(
		    f,
		    ", \"messages\": %llu, \"p50_ns\": %llu, \"p99_ns\": %llu, \"p999_ns\": %llu, "
		    "\"max_ns\": %llu, \"cpu_pct\": {\"source\": %.2f, \"process\": %.2f, "
		    "\"sink\": %.2f}",
		    (unsigned long long)r[i].n, (unsigned long long)r[i].p50,
		    (unsigned long long)r[i].p99, (unsigned long long)r[i].p999,
		    (unsigned long long)r[i].max, r[i].cpu_pct[0], r[i].cpu_pct[1],
		    r[i].cpu_pct[2]);
		if (r[i].mode == BP_SPIN)
			fprintf(f, ", \"spin_us\": %d", o->spin_us);
		if (fl && fl->p99)
			fprintf(f, ", \"p99_vs_floor\": %.3f", (double)r[i].p99 / (double)fl->p99);
		fprintf(f, "}");
	}
	fprintf(f, "\n]\n");
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sluice-bench pipeline [options]\n"
	           "  --seconds S         run each mode this long (default 5)\n"
	           "  --size N            payload bytes (default 256, at least 16)\n"
	           "  --modes LIST        default,spin,rt (default all; the eventfd floor always\n"
	           "                      runs, and again under rt's conditions when rt runs)\n"
	           "  --spin-us N         spin mode's spin_us (default 1000: one period)\n"
	           "  --priority N        rt mode's sched fifo priority (default 50)\n"
	           "  --rounds N          repeat the whole set N times (default 1)\n"
	           "  --smoke             a short run (1 s per mode, 50 messages of warm-up)\n"
	           "  --json PATH         also write the rows as a JSON array ('-': stdout,\n"
	           "                      the table then goes to stderr)\n"
	           "rt needs CAP_SYS_NICE or RLIMIT_RTPRIO, and CAP_IPC_LOCK or an unlimited\n"
	           "RLIMIT_MEMLOCK; where they are missing its row says so and is skipped.\n");
}

static int parse_opts(int argc, char **argv, struct bp_opts *o)
{
	static const struct option lo[] = {
	    {"seconds", required_argument, 0, 's'},  {"size", required_argument, 0, 'z'},
	    {"modes", required_argument, 0, 'm'},    {"spin-us", required_argument, 0, 'p'},
	    {"priority", required_argument, 0, 'r'}, {"rounds", required_argument, 0, 'n'},
	    {"json", required_argument, 0, 'j'},     {"smoke", no_argument, 0, 'k'},
	    {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
	char *end;
	int c;

	*o = (struct bp_opts){.seconds = 5,
	                      .size = 256,
	                      .modes = (1 << BP_DEFAULT) | (1 << BP_SPIN) | (1 << BP_RT),
	                      .spin_us = 1000,
	                      .priority = 50,
	                      .warmup = 200,
	                      .rounds = 1};
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			o->seconds = strtod(optarg, &end);
			if (*end || !(o->seconds >= 0.5 && o->seconds <= 3600))
				goto bad;
			break;
		case 'z':
			o->size = (int)strtol(optarg, &end, 10);
			if (*end || o->size < 16 || o->size > (16 << 20))
				goto bad;
			break;
		case 'm':
			o->modes = 0;
			for (char *tok = strtok(optarg, ","); tok; tok = strtok(NULL, ",")) {
				if (!strcmp(tok, "default"))
					o->modes |= 1 << BP_DEFAULT;
				else if (!strcmp(tok, "spin"))
					o->modes |= 1 << BP_SPIN;
				else if (!strcmp(tok, "rt"))
					o->modes |= 1 << BP_RT;
				else
					goto bad;
			}
			break;
		case 'p':
			o->spin_us = (int)strtol(optarg, &end, 10);
			if (*end || o->spin_us < 1 || o->spin_us > 1000000)
				goto bad;
			break;
		case 'r':
			o->priority = (int)strtol(optarg, &end, 10);
			if (*end || o->priority < 1 || o->priority > 99)
				goto bad;
			break;
		case 'n':
			o->rounds = (int)strtol(optarg, &end, 10);
			if (*end || o->rounds < 1 || o->rounds > 20)
				goto bad;
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'k':
			o->seconds = 1;
			o->warmup = 50;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			goto bad;
		}
	}
	if (optind == argc)
		return 0;
bad:
	usage(stderr);
	return -1;
}

#define BP_MAX_ROWS (20 * BP_NMODES)

static int cmd_pipeline(int argc, char **argv)
{
	struct bp_opts o;
	static struct bp_row rows[BP_MAX_ROWS];
	int cpus[CPU_SETSIZE], ncpu = allowed_cpus(cpus, CPU_SETSIZE);
	int n = 0, failed = 0, rc = parse_opts(argc, argv, &o);
	FILE *table = o.json && !strcmp(o.json, "-") ? stderr : stdout;

	if (rc)
		return rc > 0 ? 0 : 2;
	if (ncpu < 1) {
		fprintf(stderr, "pipeline: cannot read this process's CPUs\n");
		return 1;
	}
	for (int round = 0; round < o.rounds; round++) {
		for (int m = BP_FLOOR; m <= BP_RT; m++) {
			if (m != BP_FLOOR && !(o.modes & (1 << m)))
				continue;
			struct bp_row *row = &rows[n];

			rc = m == BP_FLOOR ? run_floor(&o, 0, cpus, ncpu, row)
			                   : run_pipeline((enum bp_mode)m, &o, cpus, ncpu, row);
			row->round = round;
			if (rc) {
				fprintf(stderr, "pipeline: %s: %s (%s)\n", mode_names[m],
				        sluice_strerror(rc), sluice_errdetail());
				failed = 1;
				continue;
			}
			n++;
			/* the floor under rt's conditions, where rt itself ran */
			if (m == BP_RT && !row->skipped[0]) {
				rc = run_floor(&o, 1, cpus, ncpu, &rows[n]);
				rows[n].round = round;
				if (rc) {
					snprintf(rows[n].skipped, sizeof(rows[n].skipped), "%s",
					         strerror(-rc));
					rows[n].mode = BP_FLOOR_RT;
				}
				n++;
			}
		}
	}
	print_table(table, rows, n, &o);
	if (o.json) {
		FILE *f = strcmp(o.json, "-") ? fopen(o.json, "w") : stdout;

		if (!f) {
			perror(o.json);
			return 1;
		}
		write_json(f, rows, n, &o);
		if (f != stdout)
			fclose(f);
	}
	return failed ? 1 : 0;
}

SLUICE_BENCH(pipeline,
             "a 1 kHz source -> process -> sink pipeline: end-to-end latency and CPU "
             "per stage, default / spin_us / real-time, beside two eventfd hops",
             cmd_pipeline);
