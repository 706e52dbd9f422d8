/* test_stage.c - a plugin with parameters instantiated with inline state
 * and with heap state, driven through its callbacks and destroyed; the
 * host side of publish, log and report is implemented here in memory. Run
 * under ASan this also proves init's allocation is freed by fini. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sluice/error.h"
#include "sluice/loader.h"
#include "testutil.h"

#define TP(f) TP_DIR "/" f

/* The in-memory host: what the plugin published, logged and reported. */
struct host {
	struct sluice_ctx ctx; /* first, so a ctx pointer is a host pointer */
	double published[16];
	uint32_t outputs[16];
	int n_published;
	char log[256];
	double final_sum, ticks, inline0, inline1;
	int n_reports;
};

static int h_publish(const struct sluice_ctx *c, uint32_t out, const void *d, size_t n)
{
	struct host *h = (struct host *)c;

	/* Each double published is recorded as one entry. */
	if (n == 0 || n % sizeof(double) || h->n_published + n / sizeof(double) > 16)
		return -EINVAL;
	for (size_t k = 0; k < n / sizeof(double); k++) {
		memcpy(&h->published[h->n_published], (const double *)d + k, sizeof(double));
		h->outputs[h->n_published++] = out;
	}
	return 0;
}

static void h_log(const struct sluice_ctx *c, int level, const char *fmt, va_list ap)
{
	struct host *h = (struct host *)c;

	(void)level;
	vsnprintf(h->log, sizeof(h->log), fmt, ap);
}

static uint64_t h_now(const struct sluice_ctx *c)
{
	(void)c;
	return tu_now_ns();
}

static int h_report(const struct sluice_ctx *c, const char *key, double v)
{
	struct host *h = (struct host *)c;

	h->n_reports++;
	if (!strcmp(key, "final_sum"))
		h->final_sum = v;
	else if (!strcmp(key, "ticks"))
		h->ticks = v;
	else if (!strcmp(key, "inline0"))
		h->inline0 = v;
	else if (!strcmp(key, "inline1"))
		h->inline1 = v;
	else
		return -EINVAL;
	return 0;
}

static void host_init(struct host *h)
{
	memset(h, 0, sizeof(*h));
	h->ctx.size = sizeof(h->ctx);
	h->ctx.stage_name = "acc0";
	h->ctx.publish = h_publish;
	h->ctx.log = h_log;
	h->ctx.now_ns = h_now;
	h->ctx.report = h_report;
}

static int send_int(struct sluice_stage *s, uint32_t input, int64_t v)
{
	struct sluice_stage_msg m = {
	    .data = &v, .size = sizeof(v), .publish_ns = tu_now_ns(), .input = input};

	return sluice_stage_on_message(s, &m);
}

/* Loads file, instantiates it with step=3 label=alpha start=10, checks the
 * state's placement, drives it and destroys it. */
static void drive(const char *file, bool want_inline, size_t want_align)
{
	struct sluice_param_setting set[] = {
	    {"step", "3"}, {"label", "alpha"}, {"start", "10"}, {"verbose", "yes"}};
	struct sluice_plugin *p;
	struct sluice_stage *s;
	struct host h;
	char label[8];

	host_init(&h);
	ck_assert_int_eq(sluice_plugin_open(file, &p), 0);
	/* The setting's text may go away after create: the stage copied it. */
	snprintf(label, sizeof(label), "alpha");
	set[1].value = label;
	ck_assert_int_eq(sluice_stage_create(p, &h.ctx, set, 4, &s), 0);
	memset(label, 'x', sizeof(label) - 1);
	sluice_plugin_unref(p);

	ck_assert_int_eq(sluice_stage_state_inline(s), want_inline);
	ck_assert_uint_eq((uintptr_t)sluice_stage_state(s) % want_align, 0);
	ck_assert_str_eq(h.log, "accum alpha starts at 10");
	ck_assert_double_eq(sluice_stage_descriptor(s)->tick_hz, 50);

	ck_assert_int_eq(send_int(s, 0, 4), 0);  /* 10 + 4*3 = 22 */
	ck_assert_int_eq(send_int(s, 0, -1), 0); /* 19 */
	ck_assert_int_eq(sluice_stage_tick(s), 0);
	ck_assert_int_eq(send_int(s, 1, 0), 0); /* reset */
	ck_assert_int_eq(send_int(s, 0, 2), 0); /* 6 */
	ck_assert_int_eq(sluice_stage_tick(s), 0);
	ck_assert_int_eq(send_int(s, 2, 0), -EINVAL); /* no third input */
	{
		/* a message of the wrong size is the plugin's to refuse */
		struct sluice_stage_msg m = {.data = "ab", .size = 2, .input = 0};

		ck_assert_int_eq(sluice_stage_on_message(s, &m), -22);
	}

	ck_assert_int_eq(h.n_published, 2);
	ck_assert_double_eq(h.published[0], 19 * 0.5);
	ck_assert_double_eq(h.published[1], 6 * 0.5);
	ck_assert_uint_eq(h.outputs[0], 0);
	ck_assert_double_eq(h.ticks, 2);
	sluice_stage_destroy(s);
	ck_assert_double_eq(h.final_sum, 6); /* fini ran */
}

START_TEST(inline_state)
{
	drive(TP("accum.so"), true, 8);
}
END_TEST

START_TEST(heap_state)
{
	drive(TP("accum_big.so"), false, 64);
}
END_TEST

START_TEST(param_errors)
{
	struct sluice_param_setting unknown[] = {{"start", "1"}, {"stride", "2"}};
	struct sluice_param_setting bad_int[] = {{"start", "1"}, {"step", "3x"}};
	struct sluice_param_setting bad_dbl[] = {{"start", "1"}, {"scale", "nan"}};
	struct sluice_param_setting bad_bool[] = {{"start", "1"}, {"verbose", "maybe"}};
	struct sluice_param_setting ok[] = {{"start", "0x10"}, {"scale", "1e-3"}};
	struct sluice_plugin *p;
	struct sluice_stage *s;
	struct host h;
	const struct sluice_plugin_desc *d;

	host_init(&h);
	ck_assert_int_eq(sluice_plugin_open(TP("accum.so"), &p), 0);
	d = sluice_plugin_descriptor(p);
	ck_assert_int_eq(sluice_params_check(d, unknown, 2), -SLUICE_EPARAM_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), "no parameter 'stride'"));
	ck_assert_int_eq(sluice_params_check(d, bad_int, 2), -SLUICE_EPARAM_VALUE);
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), "\"3x\" is not a valid int"));
	ck_assert_int_eq(sluice_params_check(d, bad_dbl, 2), -SLUICE_EPARAM_VALUE);
	ck_assert_int_eq(sluice_params_check(d, bad_bool, 2), -SLUICE_EPARAM_VALUE);
	ck_assert_int_eq(sluice_params_check(d, NULL, 0), -EINVAL); /* start is required */
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), "required parameter 'start'"));
	ck_assert_int_eq(sluice_params_check(d, ok, 2), 0);

	/* create refuses the same way, and leaks nothing doing so */
	s = (struct sluice_stage *)1;
	ck_assert_int_eq(sluice_stage_create(p, &h.ctx, unknown, 2, &s), -SLUICE_EPARAM_UNKNOWN);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(sluice_stage_create(p, &h.ctx, ok, 2, &s), 0);
	ck_assert_int_eq(send_int(s, 0, 1), 0);
	ck_assert_int_eq(sluice_stage_tick(s), 0);
	ck_assert_double_eq(h.published[0], 17 * 1e-3);
	sluice_stage_destroy(s);
	sluice_plugin_unref(p);
}
END_TEST

static int send_double(struct sluice_stage *s, uint32_t input, double v)
{
	struct sluice_stage_msg m = {.data = &v, .size = sizeof(v), .input = input};

	return sluice_stage_on_message(s, &m);
}

/* Issue 7's fusion shape: per-input sensor readers held as erased objects
 * inside the plugin's state (the plugin links its own libsluice copy). */
START_TEST(erased_readers_in_plugin)
{
	struct sluice_plugin *p;
	struct sluice_stage *s;
	struct host h;

	host_init(&h);
	ck_assert_int_eq(sluice_plugin_open(TP("readers.so"), &p), 0);
	ck_assert_int_eq(sluice_stage_create(p, &h.ctx, NULL, 0, &s), 0);
	sluice_plugin_unref(p);
	ck_assert(!sluice_stage_state_inline(s)); /* two 64-byte erased objects */
	ck_assert_int_eq(send_double(s, 0, 1.5), 0);
	ck_assert_int_eq(send_double(s, 0, 2.5), 0);
	ck_assert_int_eq(send_double(s, 1, 4.0), 0);
	ck_assert_int_eq(send_double(s, 1, 8.0), 0);
	ck_assert_int_eq(sluice_stage_tick(s), 0);
	ck_assert_int_eq(h.n_published, 2);
	ck_assert_double_eq(h.published[0], 2.5); /* last value */
	ck_assert_double_eq(h.published[1], 6.0); /* mean */
	ck_assert_double_eq(h.inline0, 1);
	ck_assert_double_eq(h.inline1, 0);
	sluice_stage_destroy(s);
}
END_TEST

/* Stages of one plugin created, driven and destroyed from several threads
 * at once while the creator drops its own reference (what `sluice run
 * --threads` does): the refcount keeps the library until the last stage is
 * gone. Run under TSan, this also checks the count's memory ordering. */
struct worker {
	struct sluice_plugin *plugin;
	int failures;
};

static uint64_t w_now(const struct sluice_ctx *c)
{
	(void)c;
	return 0;
}

static int w_publish(const struct sluice_ctx *c, uint32_t o, const void *d, size_t n)
{
	(void)c;
	(void)o;
	(void)d;
	return n == sizeof(double) ? 0 : -EINVAL;
}

static void *worker_main(void *arg)
{
	static const struct sluice_ctx ctx = {
	    .size = sizeof(ctx), .publish = w_publish, .now_ns = w_now};
	struct sluice_param_setting set[] = {{"start", "1"}, {"label", "w"}};
	struct worker *w = arg;

	for (int i = 0; i < 200; i++) {
		struct sluice_stage *s;

		if (sluice_stage_create(w->plugin, &ctx, set, 2, &s) < 0) {
			w->failures++;
			continue;
		}
		if (send_int(s, 0, i) < 0 || sluice_stage_tick(s) < 0)
			w->failures++;
		sluice_stage_destroy(s);
	}
	sluice_plugin_unref(w->plugin);
	return NULL;
}

START_TEST(stages_from_threads)
{
	struct sluice_plugin *p;
	struct worker w[4];
	pthread_t t[4];

	ck_assert_int_eq(sluice_plugin_open(TP("accum.so"), &p), 0);
	for (int i = 0; i < 4; i++) {
		w[i].plugin = sluice_plugin_ref(p);
		w[i].failures = 0;
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	sluice_plugin_unref(p); /* the workers' references keep it loaded */
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_int_eq(w[i].failures, 0);
	}
}
END_TEST

START_TEST(context_required)
{
	struct sluice_param_setting set[] = {{"start", "1"}};
	struct sluice_plugin *p;
	struct sluice_stage *s;
	struct sluice_ctx empty = {0};

	ck_assert_int_eq(sluice_plugin_open(TP("accum.so"), &p), 0);
	ck_assert_int_eq(sluice_stage_create(p, &empty, set, 1, &s), -EINVAL);
	sluice_plugin_unref(p);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("stage");
	TCase *t = tcase_create("stage");

	tcase_add_test(t, inline_state);
	tcase_add_test(t, heap_state);
	tcase_add_test(t, param_errors);
	tcase_add_test(t, erased_readers_in_plugin);
	tcase_add_test(t, stages_from_threads);
	tcase_add_test(t, context_required);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
