/* test_loader.c - the loader refuses every kind of bad plugin file with a
 * reason naming the file, finds plugins on the search path, and unloads a
 * library only after its last user is gone. */
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/error.h"
#include "sluice/loader.h"
#include "testutil.h"

#define TP(f) TP_DIR "/" f

/* Opens path, expects code, and expects the detail to name the file and to
 * contain the reason text. */
static void expect_refusal(const char *path, int code, const char *reason)
{
	struct sluice_plugin *p = (struct sluice_plugin *)1;
	int rc = sluice_plugin_open(path, &p);
	const char *d = sluice_errdetail();

	ck_assert_msg(rc == code, "%s: got %d (%s), want %d (%s); detail: %s", path, rc,
	              sluice_strerror(rc), code, sluice_strerror(code), d);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(d, path) != NULL, "detail does not name the file: %s", d);
	ck_assert_msg(strstr(d, reason) != NULL, "detail lacks \"%s\": %s", reason, d);
}

START_TEST(refuse_no_such_file)
{
	expect_refusal(TP("does_not_exist.so"), -ENOENT, "no such file");
}
END_TEST

START_TEST(refuse_name_not_on_path)
{
	struct sluice_plugin *p;
	int rc;

	setenv("SLUICE_PLUGIN_PATH", TP_DIR, 1);
	rc = sluice_plugin_open("no_such_plugin", &p);
	ck_assert_int_eq(rc, -ENOENT);
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), "no_such_plugin"));
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), TP_DIR));
}
END_TEST

START_TEST(refuse_text_file)
{
	expect_refusal(TP("not_elf.so"), -SLUICE_EPLUGIN_NOTSO, "not a shared object");
}
END_TEST

START_TEST(refuse_object_file)
{
	expect_refusal(TP("object.so"), -SLUICE_EPLUGIN_NOTSO, "relocatable object");
}
END_TEST

START_TEST(refuse_missing_entry)
{
	expect_refusal(TP("bad_noentry.so"), -SLUICE_EPLUGIN_NOENTRY, "sluice_plugin_entry");
}
END_TEST

START_TEST(refuse_wrong_magic)
{
	expect_refusal(TP("bad_magic.so"), -SLUICE_EPLUGIN_MAGIC, "magic is 0x4e49554c50544f4e");
}
END_TEST

START_TEST(refuse_newer_abi)
{
	expect_refusal(TP("bad_abi.so"), -SLUICE_EPLUGIN_ABI, "built for plugin ABI 2");
}
END_TEST

START_TEST(refuse_missing_callback)
{
	expect_refusal(TP("bad_callback.so"), -SLUICE_EPLUGIN_CALLBACK,
	               "input 'in' has no on_message");
}
END_TEST

START_TEST(refuse_bad_param)
{
	expect_refusal(TP("bad_param.so"), -SLUICE_EPLUGIN_PARAM,
	               "parameter 'rate': default \"fast\" is not a valid int");
}
END_TEST

START_TEST(refuse_bad_port)
{
	expect_refusal(TP("bad_port.so"), -SLUICE_EPLUGIN_PORT, "port name 'in' used twice");
}
END_TEST

/* puzzle01: the plugin packed the ABI structs to 4 bytes. The fingerprint
 * differs, and the layout tables say exactly which fields moved. */
START_TEST(refuse_puzzle01_packing)
{
	expect_refusal(TP("puzzle01.so"), -SLUICE_EPLUGIN_LAYOUT, "layout fingerprint");
	expect_refusal(TP("puzzle01.so"), -SLUICE_EPLUGIN_LAYOUT,
	               "sluice_param_value.v: plugin offset 12 size 8, host offset 16");
	expect_refusal(TP("puzzle01.so"), -SLUICE_EPLUGIN_LAYOUT,
	               "sluice_param_decl.default_value: plugin offset 12 size 8, host offset 16");
}
END_TEST

static int init2_stub(void *st, const struct sluice_ctx *ctx, const struct sluice_param_value *p,
                      uint32_t n)
{
	(void)st;
	(void)ctx;
	(void)p;
	(void)n;
	return 0;
}

/* A descriptor checked directly: the fingerprint alone is not trusted to
 * say everything, fields are checked one by one. */
START_TEST(validate_fields)
{
	struct sluice_plugin *p;
	struct sluice_plugin_desc d;

	ck_assert_int_eq(sluice_plugin_open(TP("accum.so"), &p), 0);
	d = *sluice_plugin_descriptor(p);
	ck_assert_int_eq(sluice_plugin_validate(&d, "x"), 0);
	d.desc_size = 40;
	ck_assert_int_eq(sluice_plugin_validate(&d, "x"), -SLUICE_EPLUGIN_DESC);
	d = *sluice_plugin_descriptor(p);
	d.state_align = 3;
	ck_assert_int_eq(sluice_plugin_validate(&d, "x"), -SLUICE_EPLUGIN_DESC);
	d = *sluice_plugin_descriptor(p);
	d.on_tick = NULL;
	ck_assert_int_eq(sluice_plugin_validate(&d, "x"), -SLUICE_EPLUGIN_CALLBACK);
	/* init is optional; init and init2 together are refused. */
	d = *sluice_plugin_descriptor(p);
	d.init = NULL;
	ck_assert_int_eq(sluice_plugin_validate(&d, "x"), 0);
	d = *sluice_plugin_descriptor(p);
	d.init2 = init2_stub;
	ck_assert_int_eq(sluice_plugin_validate(&d, "x"), -SLUICE_EPLUGIN_CALLBACK);
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), "both init and init2"));
	d = *sluice_plugin_descriptor(p);
	d.n_inputs = 0;
	d.tick_hz = 0;
	d.on_tick = NULL;
	ck_assert_int_eq(sluice_plugin_validate(&d, "x"), -SLUICE_EPLUGIN_PORT);
	d = *sluice_plugin_descriptor(p);
	d.name = "has space";
	ck_assert_int_eq(sluice_plugin_validate(&d, "x"), -SLUICE_EPLUGIN_DESC);
	d = *sluice_plugin_descriptor(p);
	d.fingerprint ^= 1;
	ck_assert_int_eq(sluice_plugin_validate(&d, "x"), -SLUICE_EPLUGIN_LAYOUT);
	/* Same tables but another fingerprint: the header versions differ. */
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), "every layout row agrees"));
	sluice_plugin_unref(p);
}
END_TEST

START_TEST(open_by_name_on_search_path)
{
	struct sluice_plugin *p;

	setenv("SLUICE_PLUGIN_PATH", "/nonexistent-dir:" TP_DIR, 1);
	ck_assert_int_eq(sluice_plugin_open("accum", &p), 0);
	ck_assert_str_eq(sluice_plugin_descriptor(p)->name, "accum");
	ck_assert_str_eq(sluice_plugin_file(p), TP("accum.so"));
	ck_assert_ptr_nonnull(strstr(sluice_plugin_search_path(), "/nonexistent-dir:" TP_DIR ":"));
	sluice_plugin_unref(p);
	ck_assert_int_eq(sluice_plugin_open("accum_big.so", &p), 0);
	ck_assert_str_eq(sluice_plugin_file(p), TP("accum_big.so"));
	sluice_plugin_unref(p);
}
END_TEST

struct seen {
	int accum, puzzle, text, total;
};

static int count_file(const char *path, void *arg)
{
	struct seen *s = arg;

	s->total++;
	s->accum += strcmp(path, TP("accum.so")) == 0;
	s->puzzle += strcmp(path, TP("puzzle01.so")) == 0;
	s->text += strcmp(path, TP("not_elf.so")) == 0;
	return 0;
}

static int stop_at_first(const char *path, void *arg)
{
	(void)path;
	(*(int *)arg)++;
	return 7;
}

START_TEST(foreach_lists_path)
{
	struct seen s = {0};
	int calls = 0;

	setenv("SLUICE_PLUGIN_PATH", TP_DIR, 1);
	ck_assert_int_eq(sluice_plugin_foreach(count_file, &s), 0);
	ck_assert_int_eq(s.accum, 1);
	ck_assert_int_eq(s.puzzle, 1);
	ck_assert_int_eq(s.text, 1);
	ck_assert_int_ge(s.total, 11);
	ck_assert_int_eq(sluice_plugin_foreach(stop_at_first, &calls), 7);
	ck_assert_int_eq(calls, 1);
}
END_TEST

static int nop_publish(const struct sluice_ctx *c, uint32_t o, const void *d, size_t n)
{
	(void)c;
	(void)o;
	(void)d;
	(void)n;
	return 0;
}

static uint64_t nop_now(const struct sluice_ctx *c)
{
	(void)c;
	return 0;
}

static bool lib_loaded(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);

	if (h)
		dlclose(h); /* drop the reference NOLOAD just took */
	return h != NULL;
}

/* The library stays loaded while a stage from it lives, even after the
 * plugin handle itself is released; the last release unloads it. */
START_TEST(refcount_keeps_library)
{
	static const struct sluice_ctx ctx = {
	    .size = sizeof(ctx), .publish = nop_publish, .now_ns = nop_now};
	struct sluice_param_setting set[] = {{"start", "5"}};
	struct sluice_plugin *p;
	struct sluice_stage *s;

	unsetenv("SLUICE_NO_DLCLOSE");
	ck_assert(!lib_loaded(TP("accum.so")));
	ck_assert_int_eq(sluice_plugin_open(TP("accum.so"), &p), 0);
	ck_assert(lib_loaded(TP("accum.so")));
	ck_assert_int_eq(sluice_stage_create(p, &ctx, set, 1, &s), 0);
	sluice_plugin_unref(p);
	ck_assert(lib_loaded(TP("accum.so")));
	ck_assert_int_eq(sluice_stage_tick(s), 0); /* code still mapped */
	sluice_stage_destroy(s);
	ck_assert(!lib_loaded(TP("accum.so")));
}
END_TEST

START_TEST(no_dlclose_keeps_library)
{
	struct sluice_plugin *p;

	setenv("SLUICE_NO_DLCLOSE", "1", 1);
	ck_assert_int_eq(sluice_plugin_open(TP("accum_big.so"), &p), 0);
	sluice_plugin_unref(p);
	ck_assert(lib_loaded(TP("accum_big.so")));
	/* A refused plugin stays mapped too. */
	ck_assert_int_eq(sluice_plugin_open(TP("bad_magic.so"), &p), -SLUICE_EPLUGIN_MAGIC);
	ck_assert(lib_loaded(TP("bad_magic.so")));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("loader");
	TCase *r = tcase_create("refusals");
	TCase *o = tcase_create("open");

	tcase_add_test(r, refuse_no_such_file);
	tcase_add_test(r, refuse_name_not_on_path);
	tcase_add_test(r, refuse_text_file);
	tcase_add_test(r, refuse_object_file);
	tcase_add_test(r, refuse_missing_entry);
	tcase_add_test(r, refuse_wrong_magic);
	tcase_add_test(r, refuse_newer_abi);
	tcase_add_test(r, refuse_missing_callback);
	tcase_add_test(r, refuse_bad_param);
	tcase_add_test(r, refuse_bad_port);
	tcase_add_test(r, refuse_puzzle01_packing);
	tcase_add_test(r, validate_fields);
	tcase_add_test(o, open_by_name_on_search_path);
	tcase_add_test(o, foreach_lists_path);
	tcase_add_test(o, refcount_keeps_library);
	tcase_add_test(o, no_dlclose_keeps_library);
	suite_add_tcase(s, r);
	suite_add_tcase(s, o);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
