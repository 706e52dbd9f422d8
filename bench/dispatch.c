/* dispatch.c - `sluice-bench dispatch`: the seed's table 3.3 measured. The
 * cost of one call reaching the same tiny callee (add the argument to a
 * sum) directly, through a function pointer, through a vtable struct,
 * through an erased object stored inline and on the heap, and through the
 * host's call into a dlopen'd plugin stage. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sluice/erase.h"
#include "sluice/error.h"
#include "sluice/loader.h"
#include "bench.h"

/* How the compiler is kept from inlining or devirtualising what is timed:
 * every callee is noinline, and every pointer the loops call through (the
 * function pointer, the vtable object, the erased object, the stage) is
 * passed through an empty asm that the compiler must assume changed it, so
 * it cannot know the target. The loops sum what the callees return and the
 * sum is stored to a volatile, so the calls cannot be dropped. */
#define HIDE(p) __asm__ volatile("" : "+r"(p))
#if defined(__has_attribute)
#if __has_attribute(noipa)
/* noipa also stops GCC from folding identical callees together and from
 * tailoring register use across the call, as a call into another
 * translation unit (or a plugin) would be. */
#define NOINLINE __attribute__((noipa))
#endif
#endif
#ifndef NOINLINE
#define NOINLINE __attribute__((noinline))
#endif

struct counter {
	uint64_t sum;
};

NOINLINE static uint64_t add_direct(struct counter *c, uint64_t x)
{
	return c->sum + x;
}

typedef uint64_t (*add_fn)(void *self, uint64_t x);

NOINLINE static uint64_t add_any(void *self, uint64_t x)
{
	return ((struct counter *)self)->sum + x;
}

/* A vtable struct in the C style: the object points at its ops. */
struct adder_ops {
	add_fn add;
};
struct vt_counter {
	const struct adder_ops *ops;
	uint64_t sum;
};

NOINLINE static uint64_t add_vt(void *self, uint64_t x)
{
	return ((struct vt_counter *)self)->sum + x;
}

static const struct adder_ops vt_ops = {add_vt};

/* The erased interface: erase ops first, then the method. */
struct adder_iface {
	struct sluice_erase_ops base;
	add_fn add;
};

struct big_counter {
	uint64_t sum;
	uint64_t pad[15]; /* 128 bytes: too big for the inline buffer */
};

static const struct adder_iface small_iface = {
    {"counter", sizeof(struct counter), _Alignof(struct counter), NULL, NULL, NULL}, add_any};
static const struct adder_iface big_iface = {
    {"big_counter", sizeof(struct big_counter), _Alignof(struct big_counter), NULL, NULL, NULL},
    add_any};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

enum { M_DIRECT, M_FNPTR, M_VTABLE, M_ERASED_INLINE, M_ERASED_HEAP, M_PLUGIN, M_COUNT };
static const char *const method_names[M_COUNT] = {"direct",        "fnptr",       "vtable",
                                                  "erased-inline", "erased-heap", "plugin"};

/* One timed loop per method. The callee only reads its object and returns
 * a value the loop sums, so no store-to-load chain through memory links one
 * call to the next: what remains is the cost of reaching the callee. */
NOINLINE static uint64_t loop_direct(uint64_t n)
{
	struct counter c = {1};
	struct counter *p = &c;
	uint64_t acc = 0;

	HIDE(p);
	for (uint64_t i = 0; i < n; i++)
		acc += add_direct(p, i);
	return acc;
}

NOINLINE static uint64_t loop_fnptr(uint64_t n)
{
	struct counter c = {1};
	void *p = &c;
	add_fn f = add_any;
	uint64_t acc = 0;

	HIDE(f);
	HIDE(p);
	for (uint64_t i = 0; i < n; i++)
		acc += f(p, i);
	return acc;
}

NOINLINE static uint64_t loop_vtable(uint64_t n)
{
	struct vt_counter c = {&vt_ops, 1};
	struct vt_counter *p = &c;
	uint64_t acc = 0;

	HIDE(p);
	for (uint64_t i = 0; i < n; i++)
		acc += p->ops->add(p, i);
	return acc;
}

NOINLINE static uint64_t loop_erased(struct sluice_erased *e, uint64_t n)
{
	uint64_t acc = 0;

	HIDE(e);
	for (uint64_t i = 0; i < n; i++)
		acc +=
		    SLUICE_ERASED_IFACE(e, const struct adder_iface)->add(sluice_erased_get(e), i);
	return acc;
}

NOINLINE static uint64_t loop_plugin(struct sluice_stage *s, uint64_t n)
{
	struct sluice_stage_msg m = {0};
	uint64_t acc = 0;

	HIDE(s);
	for (uint64_t i = 0; i < n; i++) {
		m.seq = i;
		acc += (uint64_t)sluice_stage_on_message(s, &m);
	}
	return acc;
}

static int nop_publish(const struct sluice_ctx *c, uint32_t o, const void *d, size_t n)
{
	(void)c;
	(void)o;
	(void)d;
	(void)n;
	return -ENOTSUP;
}

static uint64_t ctx_now(const struct sluice_ctx *c)
{
	(void)c;
	return now_ns();
}

static const struct sluice_ctx bench_ctx = {.size = sizeof(struct sluice_ctx),
                                            .stage_name = "bench",
                                            .publish = nop_publish,
                                            .now_ns = ctx_now};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: sluice-bench dispatch [--iters N] [--repeats R] [--json]\n"
	        "\n"
	        "Times one call to the same tiny callee (it returns a field of its object\n"
	        "plus the argument) by six routes: direct, fnptr, vtable, erased-inline,\n"
	        "erased-heap, and plugin (the host's sluice_stage_on_message() into the\n"
	        "dlopen'd bench_noop plugin).\n"
	        "Each repeat runs every method for N calls (default 2000000), methods\n"
	        "interleaved; the figure is the median over R repeats (default 51) of\n"
	        "ns/call, loop overhead included; \"x fnptr\" is the median of each\n"
	        "repeat's ratio to fnptr (the goal: erased-inline <= 1.2).\n"
	        "--json prints [{\"method\": ..., \"ns_per_call\": ..., \"x_fnptr\": ...}, ...]\n"
	        "only.\n");
}

static int dispatch_main(int argc, char **argv)
{
	uint64_t iters = 2000000;
	int repeats = 51, json = 0, have_plugin;
	struct sluice_erased small = SLUICE_ERASED_EMPTY, big = SLUICE_ERASED_EMPTY;
	struct counter c0 = {1};
	struct big_counter b0 = {1, {0}};
	struct sluice_plugin *plugin = NULL;
	struct sluice_stage *stage = NULL;
	double *ns[M_COUNT], *ratio[M_COUNT], med[M_COUNT], lo[M_COUNT], rmed[M_COUNT];
	volatile uint64_t sink = 0;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--iters") && i + 1 < argc) {
			iters = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--repeats") && i + 1 < argc) {
			repeats = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "sluice-bench dispatch: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (iters == 0 || repeats < 1 || repeats > 1000) {
		fprintf(stderr, "sluice-bench dispatch: --iters must be > 0, --repeats 1..1000\n");
		return 2;
	}

	if (sluice_erased_make(&small, &small_iface.base, &c0) < 0 ||
	    sluice_erased_make(&big, &big_iface.base, &b0) < 0) {
		fprintf(stderr, "sluice-bench dispatch: %s\n", sluice_errdetail());
		return 1;
	}
	if (!sluice_erased_is_inline(&small) || sluice_erased_is_inline(&big)) {
		fprintf(stderr, "sluice-bench dispatch: erased objects not placed as intended\n");
		return 1;
	}
	rc = sluice_plugin_open("bench_noop", &plugin);
	if (rc == 0)
		rc = sluice_stage_create(plugin, &bench_ctx, NULL, 0, &stage);
	have_plugin = rc == 0;
	if (!have_plugin)
		fprintf(stderr, "sluice-bench dispatch: plugin case skipped: %s: %s\n",
		        sluice_strerror(rc), sluice_errdetail());

	for (int m = 0; m < M_COUNT; m++) {
		ns[m] = calloc((size_t)repeats, sizeof(double));
		ratio[m] = calloc((size_t)repeats, sizeof(double));
		if (!ns[m] || !ratio[m])
			return 1;
	}

	for (int r = 0; r < repeats; r++) {
		for (int m = 0; m < M_COUNT; m++) {
			uint64_t t0, t1;

			if (m == M_PLUGIN && !have_plugin)
				continue;
			t0 = now_ns();
			switch (m) {
			case M_DIRECT:
				sink += loop_direct(iters);
				break;
			case M_FNPTR:
				sink += loop_fnptr(iters);
				break;
			case M_VTABLE:
				sink += loop_vtable(iters);
				break;
			case M_ERASED_INLINE:
				sink += loop_erased(&small, iters);
				break;
			case M_ERASED_HEAP:
				sink += loop_erased(&big, iters);
				break;
			case M_PLUGIN:
				sink += loop_plugin(stage, iters);
				break;
			}
			t1 = now_ns();
			ns[m][r] = (double)(t1 - t0) / (double)iters;
		}
		/* Ratios within one repeat: both sides ran moments apart, in the
		 * same state of a machine whose speed changes between modes. */
		for (int m = 0; m < M_COUNT; m++)
			ratio[m][r] = ns[m][r] / ns[M_FNPTR][r];
	}
	for (int m = 0; m < M_COUNT; m++) {
		med[m] = median(ns[m], repeats); /* sorts ns[m] */
		lo[m] = ns[m][0];
		rmed[m] = median(ratio[m], repeats);
	}

	if (json) {
		int first = 1;

		printf("[");
		for (int m = 0; m < M_COUNT; m++) {
			if (m == M_PLUGIN && !have_plugin)
				continue;
			printf("%s{\"method\": \"%s\", \"ns_per_call\": %.3f, \"x_fnptr\": %.3f}",
			       first ? "" : ", ", method_names[m], med[m], rmed[m]);
			first = 0;
		}
		printf("]\n");
	} else {
		printf("dispatch: %llu calls x %d repeats per method, median ns/call (loop "
		       "included)\n",
		       (unsigned long long)iters, repeats);
		printf("inlining defeated: callees are noinline and every pointer called through "
		       "is laundered by an empty asm, so no target is known at compile time\n\n");
		printf("%-14s %9s %9s %9s\n", "method", "ns/call", "min", "x fnptr");
		for (int m = 0; m < M_COUNT; m++) {
			if (m == M_PLUGIN && !have_plugin) {
				printf("%-14s %9s\n", method_names[m], "skipped");
				continue;
			}
			printf("%-14s %9.3f %9.3f %9.3f\n", method_names[m], med[m], lo[m],
			       rmed[m]);
		}
		printf("\nx fnptr: median of the %d per-repeat ratios to fnptr\n"
		       "erased-inline / fnptr = %.3f (goal <= 1.2): %s\n",
		       repeats, rmed[M_ERASED_INLINE],
		       rmed[M_ERASED_INLINE] <= 1.2 ? "met" : "NOT met");
	}
	(void)sink;
	for (int m = 0; m < M_COUNT; m++) {
		free(ns[m]);
		free(ratio[m]);
	}
	sluice_stage_destroy(stage);
	sluice_plugin_unref(plugin);
	sluice_erased_reset(&small);
	sluice_erased_reset(&big);
	return 0;
}

SLUICE_BENCH(dispatch, "call cost: direct, fnptr, vtable, erased inline/heap, plugin",
             dispatch_main)
