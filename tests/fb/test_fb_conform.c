/* test_fb_conform.c - the FlatBuffers conformance items of sluicec that
 * reach generated code, each against flatc 2.0.8: data flatc builds is read
 * by the generated C and printed by `sluicec --json` as flatc prints it;
 * data the generated builders (and `sluicec -b`) build passes flatc's
 * reflection verifier and prints the same through flatc. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf_union_ns_sluice.h"
#include "testutil.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sluice-conform-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static size_t slurp(const char *path, uint8_t **buf)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	*buf = malloc(n ? n : 1);
	ck_assert_uint_eq(fread(*buf, 1, n, f), n);
	fclose(f);
	return n;
}

static void spit(const char *path, const void *buf, size_t n)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* dir/<stem>.json, as flatc prints bin, equals what sluicec --json prints. */
static void prints_like_flatc(const char *fbs, const char *bin)
{
	ck_assert_int_eq(sh("mkdir -p '%s/fj' && '%s' --json --strict-json --raw-binary -o '%s/fj' '%s' -- '%s'",
			    dir, FLATC, dir, fbs, bin),
			 0);
	ck_assert_int_eq(sh("'%s' --json '%s' '%s' > '%s/s.json'", SLUICEC, fbs, bin, dir), 0);
	ck_assert_int_eq(sh("/usr/bin/python3 " JSON_EQUAL " '%s/s.json' \"%s/fj/$(basename '%s' .bin).json\"",
			    dir, dir, bin),
			 0);
}

/* flatc's reflection verifier accepts bin against flatc's own .bfbs. */
static void flatc_verifies(const char *fbs, const char *bin)
{
	ck_assert_int_eq(sh("mkdir -p '%s/fb' && '%s' --binary --schema -o '%s/fb' '%s'", dir, FLATC,
			    dir, fbs),
			 0);
	ck_assert_int_eq(sh("'%s' verify \"%s/fb/$(basename '%s' .fbs).bfbs\" '%s'", INTEROP_CPP, dir,
			    fbs, bin),
			 0);
}

#define UNION_NS FB_SCHEMAS "/conf_union_ns.fbs"

/* Issue 18 item 1: a union member named after its qualified type. */
START_TEST(union_ns_flatc_data_reads)
{
	char path[256];
	uint8_t *buf;
	size_t n;
	const uint8_t *h, *it;

	ck_assert_int_eq(sh("printf '{ thing_type: \"conf_other_ns_Item\", thing: { label: \"far\", count: -3 }, tail: 4 }' > '%s/u.json'",
			    dir),
			 0);
	ck_assert_int_eq(sh("cd '%s' && '%s' -b '%s' u.json", dir, FLATC, UNION_NS), 0);
	snprintf(path, sizeof(path), "%s/u.bin", dir);
	n = slurp(path, &buf);
	ck_assert_int_eq(conf_union_ns_Holder_verify(buf, n), 0);
	h = conf_union_ns_Holder_as_root(buf);
	ck_assert_uint_eq(conf_union_ns_Holder_thing_type(h), conf_union_ns_Any_conf_other_ns_Item);
	ck_assert_str_eq(conf_union_ns_Any_name(conf_union_ns_Holder_thing_type(h)), "conf_other_ns_Item");
	it = conf_union_ns_Holder_thing(h);
	ck_assert_str_eq(conf_other_ns_Item_label(it), "far");
	ck_assert_int_eq(conf_other_ns_Item_count(it), -3);
	ck_assert_int_eq(conf_union_ns_Holder_tail(h), 4);
	prints_like_flatc(UNION_NS, path);
	free(buf);
	/* the member of the same short name in the schema's own namespace */
	ck_assert_int_eq(sh("printf '{ thing_type: \"Item\", thing: { weight: 2.5 } }' > '%s/u.json' && cd '%s' && '%s' -b '%s' u.json",
			    dir, dir, FLATC, UNION_NS),
			 0);
	n = slurp(path, &buf);
	ck_assert_int_eq(conf_union_ns_Holder_verify(buf, n), 0);
	h = conf_union_ns_Holder_as_root(buf);
	ck_assert_uint_eq(conf_union_ns_Holder_thing_type(h), conf_union_ns_Any_Item);
	ck_assert(conf_union_ns_Item_weight(conf_union_ns_Holder_thing(h)) == 2.5);
	prints_like_flatc(UNION_NS, path);
	free(buf);
}
END_TEST

START_TEST(union_ns_built_here_verifies_in_flatc)
{
	uint8_t mem[512];
	sluice_fb_builder b;
	sluice_fb_msg m;
	sluice_fb_ref label, item;
	char path[256];

	sluice_fb_builder_init(&b, mem, sizeof(mem));
	label = sluice_fb_cstring(&b, "near");
	conf_other_ns_Item_start(&b);
	conf_other_ns_Item_add_label(&b, label);
	conf_other_ns_Item_add_count(&b, 11);
	item = conf_other_ns_Item_end(&b);
	conf_union_ns_Holder_start(&b);
	conf_union_ns_Holder_add_thing(&b, conf_union_ns_Any_conf_other_ns_Item, item);
	ck_assert_int_eq(conf_union_ns_Holder_finish(&b, conf_union_ns_Holder_end(&b), &m), 0);
	snprintf(path, sizeof(path), "%s/c.bin", dir);
	spit(path, mem + m.offset, m.length);
	flatc_verifies(UNION_NS, path);
	prints_like_flatc(UNION_NS, path);
	ck_assert_int_eq(sh("grep -q '\"thing_type\": \"conf_other_ns_Item\"' '%s/fj/c.json'", dir), 0);
	/* and sluicec -b reads flatc's names for the members */
	ck_assert_int_eq(sh("printf '{ thing_type: \"Alias\", thing: { count: 1 } }' > '%s/a.json' && '%s' -b -o '%s' '%s' '%s/a.json'",
			    dir, SLUICEC, dir, UNION_NS, dir),
			 0);
	snprintf(path, sizeof(path), "%s/a.bin", dir);
	flatc_verifies(UNION_NS, path);
	prints_like_flatc(UNION_NS, path);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("fb_conform");
	TCase *tc = tcase_create("conform");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, union_ns_flatc_data_reads);
	tcase_add_test(tc, union_ns_built_here_verifies_in_flatc);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
