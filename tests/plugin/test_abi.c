/* test_abi.c - the plugin ABI's versions: a plugin built against the frozen
 * ABI 1.0 header loads and runs in this host (which has appended fields to
 * sluice_ctx and the descriptor since); a newer minor or another major is
 * refused with the reason; the example at the top of plugin.h compiles and
 * runs; the smallest plugin in plugins/ runs without an init. */
#include <check.h>
#include <stdalign.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sluice/error.h"
#include "sluice/loader.h"
#include "sluice/plugin_fb.h"
#include "testutil.h"

#define TP(f) TP_DIR "/" f

/* An in-memory host with every function of this host's minor. */
struct host {
	struct sluice_ctx ctx;                  /* first, so a ctx pointer is a host pointer */
	int64_t last[2];                        /* the last int64 seen on each output */
	int n[2];                               /* messages per output */
	alignas(64) unsigned char slot[2][256]; /* loans end 8 bytes short: off-grid */
	size_t cap;
	int commits, commits_at;
	size_t at_off, at_len; /* the last commit_at */
	double ctx_size;
};

static int h_publish(const struct sluice_ctx *c, uint32_t out, const void *d, size_t n)
{
	struct host *h = (struct host *)c;

	if (out > 1 || n != sizeof(int64_t))
		return -EINVAL;
	memcpy(&h->last[out], d, n);
	h->n[out]++;
	return 0;
}

static int h_loan(const struct sluice_ctx *c, uint32_t out, size_t min, void **buf, size_t *cap)
{
	struct host *h = (struct host *)c;

	if (out > 1 || min > sizeof(h->slot[0]))
		return -EINVAL;
	memset(h->slot[out], 0xa5, sizeof(h->slot[out]));
	*buf = h->slot[out];
	*cap = h->cap = sizeof(h->slot[out]) - 8; /* off the 32-byte grid */
	return 0;
}

static int h_commit_at(const struct sluice_ctx *c, uint32_t out, size_t off, size_t len)
{
	struct host *h = (struct host *)c;

	if (out > 1 || off > h->cap || len > h->cap - off)
		return -EINVAL;
	h->at_off = off;
	h->at_len = len;
	if (len == sizeof(int64_t)) {
		memcpy(&h->last[out], h->slot[out] + off, len);
		h->n[out]++;
	}
	return 0;
}

static int h_commit(const struct sluice_ctx *c, uint32_t out, size_t size)
{
	struct host *h = (struct host *)c;

	h->commits++;
	return size > h->cap ? -EINVAL : h_commit_at(c, out, h->cap - size, size);
}

static int h_commit_at_counted(const struct sluice_ctx *c, uint32_t out, size_t off, size_t len)
{
	((struct host *)c)->commits_at++;
	return h_commit_at(c, out, off, len);
}

static uint64_t h_now(const struct sluice_ctx *c)
{
	(void)c;
	return tu_now_ns();
}

static int h_report(const struct sluice_ctx *c, const char *key, double v)
{
	if (!strcmp(key, "ctx_size"))
		((struct host *)c)->ctx_size = v;
	return 0;
}

static void host_init(struct host *h)
{
	memset(h, 0, sizeof(*h));
	h->ctx = (struct sluice_ctx){.size = sizeof(h->ctx),
	                             .abi_minor = SLUICE_PLUGIN_ABI_MINOR,
	                             .stage_name = "t",
	                             .publish = h_publish,
	                             .loan = h_loan,
	                             .commit = h_commit,
	                             .now_ns = h_now,
	                             .report = h_report,
	                             .commit_at = h_commit_at_counted};
}

/* Opens file (or a name on the search path) and creates a stage with set. */
static struct sluice_stage *open_stage(struct host *h, const char *file,
                                       const struct sluice_param_setting *set, size_t n)
{
	struct sluice_plugin *p;
	struct sluice_stage *s;
	int rc = sluice_plugin_open(file, &p);

	ck_assert_msg(rc == 0, "%s: %s (%s)", file, sluice_strerror(rc), sluice_errdetail());
	rc = sluice_stage_create(p, &h->ctx, set, n, &s);
	ck_assert_msg(rc == 0, "%s: %s (%s)", file, sluice_strerror(rc), sluice_errdetail());
	sluice_plugin_unref(p);
	return s;
}

/* Built against plugin_v1_0.h: minor 0, a shorter descriptor and context
 * than this host's, and still loaded, initialised and run. */
START_TEST(minor0_plugin_runs_in_newer_host)
{
	struct sluice_param_setting set[] = {{"step", "5"}};
	const struct sluice_plugin_desc *d;
	struct sluice_stage *s;
	struct host h;

	host_init(&h);
	s = open_stage(&h, TP("old_v1_0.so"), set, 1);
	d = sluice_stage_descriptor(s);
	ck_assert_uint_eq(d->abi_version, 1);
	ck_assert_uint_eq(d->abi_minor, 0);
	/* The plugin's descriptor really is the shorter, older one. */
	ck_assert_uint_lt(d->desc_size, sizeof(struct sluice_plugin_desc));
	ck_assert_uint_eq(d->desc_size, offsetof(struct sluice_plugin_desc, init2));
	/* It was handed this host's (longer) context and got on with it. */
	ck_assert_double_eq(h.ctx_size, (double)sizeof(struct sluice_ctx));
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(sluice_stage_tick(s), 0);
	ck_assert_int_eq(h.n[0], 3);
	ck_assert_int_eq(h.last[0], 15);
	/* Minor 0's commit: the loan's last bytes. */
	ck_assert_int_eq(h.n[1], 3);
	ck_assert_int_eq(h.last[1], 15);
	ck_assert_int_eq(h.commits, 3);
	sluice_stage_destroy(s);
}
END_TEST

static void expect_refusal(const char *path, int code, const char *reason)
{
	struct sluice_plugin *p = (struct sluice_plugin *)1;
	int rc = sluice_plugin_open(path, &p);
	const char *d = sluice_errdetail();

	ck_assert_msg(rc == code, "%s: got %d (%s), want %d; detail: %s", path, rc,
	              sluice_strerror(rc), code, d);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(d, reason) != NULL, "detail lacks \"%s\": %s", reason, d);
}

START_TEST(newer_minor_refused)
{
	char want[128];

	snprintf(want, sizeof(want), "built for plugin ABI 1.%u, newer than this host's 1.%u",
	         SLUICE_PLUGIN_ABI_MINOR + 1, SLUICE_PLUGIN_ABI_MINOR);
	expect_refusal(TP("bad_minor.so"), -SLUICE_EPLUGIN_ABI, want);
}
END_TEST

START_TEST(other_major_refused)
{
	expect_refusal(TP("bad_abi.so"), -SLUICE_EPLUGIN_ABI, "another major version");
}
END_TEST

/* The fingerprint of minor 0 is the one the frozen header computes: a
 * plugin's minor picks the fingerprint it is checked against. */
START_TEST(fingerprint_per_minor)
{
	struct sluice_plugin *p;
	struct sluice_plugin_desc d;

	ck_assert_int_eq(sluice_plugin_open(TP("old_v1_0.so"), &p), 0);
	/* Only desc_size bytes: the minor-0 descriptor is shorter than ours. */
	memset(&d, 0, sizeof(d));
	memcpy(&d, sluice_plugin_descriptor(p), sluice_plugin_descriptor(p)->desc_size);
	ck_assert_uint_eq(d.fingerprint, SLUICE_PLUGIN_FINGERPRINT_AT(0));
	ck_assert_uint_ne(d.fingerprint, SLUICE_PLUGIN_FINGERPRINT);
	/* Claiming a later minor with minor 0's layout is a layout mismatch. */
	d.abi_minor = SLUICE_PLUGIN_ABI_MINOR;
	ck_assert_int_eq(sluice_plugin_validate(&d, "x"), -SLUICE_EPLUGIN_LAYOUT);
	sluice_plugin_unref(p);
}
END_TEST

/* puzzle01 in a minor-0 plugin: the members it was built with are
 * checked, named, and the renamed ones are not reported as absent. */
START_TEST(minor0_layout_mismatch_refused)
{
	expect_refusal(TP("puzzle01_v1_0.so"), -SLUICE_EPLUGIN_LAYOUT, "for ABI 1.0");
	expect_refusal(TP("puzzle01_v1_0.so"), -SLUICE_EPLUGIN_LAYOUT,
	               "sluice_param_decl.default_value: plugin offset 12 size 8, host offset 16");
	ck_assert_ptr_null(strstr(sluice_errdetail(), "absent"));
}
END_TEST

static sluice_fb_msg built;

/* A table {0: 42.5, 1: "in place"}, remembering where it was finished. */
static int build_table(sluice_fb_builder *b, const void *arg, sluice_fb_msg *out)
{
	sluice_fb_ref str = sluice_fb_cstring(b, "in place"), root;
	int rc;

	(void)arg;
	sluice_fb_table_start(b);
	sluice_fb_add_f64(b, 0, 42.5, 0);
	sluice_fb_table_ref(b, 1, str);
	root = sluice_fb_table_end(b, NULL, 0);
	rc = sluice_fb_finish(b, root, NULL, false, out);
	built = *out;
	return rc;
}

static int build_fails(sluice_fb_builder *b, const void *arg, sluice_fb_msg *out)
{
	(void)b;
	(void)arg;
	(void)out;
	return -SLUICE_EFBFULL;
}

/* sluice_fb_publish commits the message at the offset the builder left it
 * at, even where the loan's end is off the builder's 32-byte grid (the
 * old size-only commit would have needed it moved to the loan's end). */
START_TEST(fb_publish_commits_where_built)
{
	struct host h;
	uintptr_t base;

	host_init(&h);
	ck_assert_int_eq(sluice_fb_publish(&h.ctx, 0, 64, build_table, NULL), 0);
	ck_assert_int_eq(h.commits_at, 1);
	ck_assert_int_eq(h.commits, 0);
	ck_assert_uint_gt(built.length, 0);
	ck_assert_uint_eq(h.at_off, built.offset);
	ck_assert_uint_eq(h.at_len, built.length);
	base = (uintptr_t)h.slot[0];
	ck_assert_uint_eq(h.at_off + h.at_len,
	                  ((base + h.cap) & ~(uintptr_t)(SLUICE_FB_MAX_ALIGN - 1)) - base);
	ck_assert_uint_ne(h.at_off + h.at_len, h.cap);
	/* A failed build drops the loan (commit_at of 0 bytes) and says why. */
	ck_assert_int_eq(sluice_fb_publish(&h.ctx, 0, 64, build_fails, NULL), -SLUICE_EFBFULL);
	ck_assert_int_eq(h.commits_at, 2);
	ck_assert_uint_eq(h.at_len, 0);
}
END_TEST

/* The example at the top of plugin.h, cut out of the comment by CMake. */
START_TEST(header_example_runs)
{
	struct sluice_param_setting set[] = {{"step", "2"}};
	struct sluice_stage *s;
	struct host h;

	host_init(&h);
	s = open_stage(&h, TP("example_counter.so"), set, 1);
	ck_assert_ptr_nonnull(sluice_stage_descriptor(s)->init2);
	ck_assert_int_eq(sluice_stage_tick(s), 0);
	ck_assert_int_eq(sluice_stage_tick(s), 0);
	ck_assert_int_eq(h.n[0], 2);
	ck_assert_int_eq(h.last[0], 4);
	sluice_stage_destroy(s);
}
END_TEST

/* plugins/counter: no init at all. */
START_TEST(smallest_plugin_runs)
{
	struct sluice_stage *s;
	struct host h;

	host_init(&h);
	s = open_stage(&h, "counter", NULL, 0);
	ck_assert_ptr_null(sluice_stage_descriptor(s)->init);
	ck_assert_int_eq(sluice_stage_tick(s), 0);
	ck_assert_int_eq(sluice_stage_tick(s), 0);
	ck_assert_int_eq(h.last[0], 2);
	sluice_stage_destroy(s);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *su = suite_create("abi");
	TCase *t = tcase_create("abi");

	tcase_add_test(t, minor0_plugin_runs_in_newer_host);
	tcase_add_test(t, newer_minor_refused);
	tcase_add_test(t, other_major_refused);
	tcase_add_test(t, fingerprint_per_minor);
	tcase_add_test(t, minor0_layout_mismatch_refused);
	tcase_add_test(t, fb_publish_commits_where_built);
	tcase_add_test(t, header_example_runs);
	tcase_add_test(t, smallest_plugin_runs);
	suite_add_tcase(su, t);
	return su;
}

int main(void)
{
	return tu_run(make_suite);
}
