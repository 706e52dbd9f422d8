/* test_fb_bfbs.c - sluicec's binary schemas (.bfbs): equal by value to
 * what flatc --binary --schema writes (both printed as JSON through
 * reflection.fbs), accepted by flatc's C++ reflection verifier and by the
 * sluice verifier generated from reflection.fbs, and embedded byte for
 * byte in the generated header. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reflection_sluice.h"
#include "testutil.h"
#include "zoo_sluice.h"

static const char *const schemas[] = {
	FB_SCHEMAS "/zoo.fbs",       FB_SCHEMAS "/evo_v1.fbs",  FB_SCHEMAS "/evo_v2.fbs",
	FB_SCHEMAS "/reflection.fbs", PIPE_SCHEMAS "/imu.fbs",  PIPE_SCHEMAS "/gps.fbs",
	PIPE_SCHEMAS "/pose.fbs",     PIPE_SCHEMAS "/common.fbs",
	/* conformance items of issue 18, one schema each */
	FB_SCHEMAS "/conf_quotes.fbs",      FB_SCHEMAS "/conf_deprecated.fbs",
	FB_SCHEMAS "/conf_empty.fbs",        FB_SCHEMAS "/conf_union_ns.fbs",
	FB_SCHEMAS "/conf_struct_key.fbs",   FB_SCHEMAS "/conf_services.fbs",
	FB_SCHEMAS "/conf_union_kinds.fbs",  FB_SCHEMAS "/conf_union_vector.fbs",
	FB_SCHEMAS "/conf_struct_wrap.fbs",  FB_SCHEMAS "/conf_hash.fbs",
	FB_SCHEMAS "/conf_defaults.fbs",      FB_SCHEMAS "/conf_union_vector_req.fbs",
	FB_SCHEMAS "/conf_enum_repeat.fbs",
};

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sluice-bfbs-XXXXXX");
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

/* Both compilers run in folder cwd with args (options and the schema);
 * their dir/{f,s}/<stem>.bfbs, printed as JSON, are equal by value. */
static void same_bfbs(const char *cwd, const char *args, const char *stem)
{
	ck_assert_int_eq(sh("rm -rf '%s/f' '%s/s' '%s/fj' '%s/sj' && mkdir -p '%s/f' '%s/s' '%s/fj' '%s/sj'",
			    dir, dir, dir, dir, dir, dir, dir, dir),
			 0);
	ck_assert_int_eq(sh("cd '%s' && '%s' --binary --schema -o '%s/f' %s", cwd, FLATC, dir, args), 0);
	ck_assert_int_eq(sh("cd '%s' && '%s' --bfbs -o '%s/s' %s", cwd, SLUICEC, dir, args), 0);
	ck_assert_int_eq(sh("'%s' --json --strict-json -o '%s/fj' " FB_SCHEMAS "/reflection.fbs -- '%s/f/%s.bfbs'",
			    FLATC, dir, dir, stem),
			 0);
	ck_assert_int_eq(sh("'%s' --json --strict-json -o '%s/sj' " FB_SCHEMAS "/reflection.fbs -- '%s/s/%s.bfbs'",
			    FLATC, dir, dir, stem),
			 0);
	ck_assert_int_eq(sh("/usr/bin/python3 " JSON_EQUAL " '%s/fj/%s.json' '%s/sj/%s.json'", dir,
			    stem, dir, stem),
			 0);
}

START_TEST(equal_to_flatc)
{
	const char *fbs = schemas[_i];
	const char *base = strrchr(fbs, '/') + 1;
	char stem[64], path[256], args[512];
	uint8_t *buf;
	size_t n;

	snprintf(stem, sizeof(stem), "%.*s", (int)(strchr(base, '.') - base), base);
	snprintf(args, sizeof(args), "'%s'", fbs);
	same_bfbs("/", args, stem);
	snprintf(path, sizeof(path), "%s/s/%s.bfbs", dir, stem);
	ck_assert_int_eq(sh("'%s' bfbs '%s'", INTEROP_CPP, path), 0);
	n = slurp(path, &buf);
	ck_assert_int_eq(reflection_Schema_verify(buf, n), 0);
	free(buf);
}
END_TEST

/* fbs_files and declaration_file as flatc writes them, however the schema
 * is named (absolute, relative, bare, "./", "../") and its includes found
 * (beside the includer, in a sub-folder, "../", through -I, in the main
 * schema's folder, in a cycle); none when it is named without a folder. */
static const struct {
	const char *cwd, *args, *stem;
} namings[] = {
	{FB_SCHEMAS "/conf_files", FB_SCHEMAS "/conf_files/conf_files.fbs", "conf_files"},
	{FB_SCHEMAS "/conf_files", "conf_files.fbs", "conf_files"},
	{FB_SCHEMAS "/conf_files", "./conf_files.fbs", "conf_files"},
	{FB_SCHEMAS, "conf_files/conf_files.fbs", "conf_files"},
	{FB_SCHEMAS "/conf_files/sub", "../conf_files.fbs", "conf_files"},
	{FB_SCHEMAS "/conf_files", "sub/conf_files_b.fbs", "conf_files_b"},
	{FB_SCHEMAS "/conf_files/sub", "conf_files_c.fbs", "conf_files_c"},
	{FB_SCHEMAS "/conf_files/sub", "../sub/conf_files_c.fbs", "conf_files_c"},
	{FB_SCHEMAS "/conf_files", "-I lib conf_files_i.fbs", "conf_files_i"},
	{FB_SCHEMAS, "-I conf_files/lib conf_files/conf_files_i.fbs", "conf_files_i"},
	{"/", "-I " FB_SCHEMAS "/conf_files/lib " FB_SCHEMAS "/conf_files/conf_files_i.fbs", "conf_files_i"},
};

START_TEST(file_names_like_flatc)
{
	same_bfbs(namings[_i].cwd, namings[_i].args, namings[_i].stem);
}
END_TEST

/* A table at the vtable's limit (32765 fields) and a schema of 3000
 * tables: the same .bfbs as flatc's, and a header, written in linear time
 * (sorting fields, placing them, indexing types; it took seconds). */
START_TEST(large_schemas_like_flatc)
{
	char path[256];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/big.fbs", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("table Big {\n", f);
	for (i = 0; i < 32765; i++)
		fprintf(f, "  f%d: ubyte;\n", i);
	fputs("}\nroot_type Big;\n", f);
	ck_assert_int_eq(fclose(f), 0);
	same_bfbs(dir, "big.fbs", "big");
	ck_assert_int_eq(sh("'%s' -o '%s' '%s'", SLUICEC, dir, path), 0);
	snprintf(path, sizeof(path), "%s/many.fbs", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (i = 0; i < 3000; i++)
		fprintf(f, "enum E%d : byte { A }\n", i);
	for (i = 0; i < 3000; i++)
		fprintf(f, "table T%d { a: int; n: T%d; e: E%d; }\n", i, (i + 1) % 3000, i);
	fputs("root_type T0;\n", f);
	ck_assert_int_eq(fclose(f), 0);
	same_bfbs(dir, "many.fbs", "many");
}
END_TEST

START_TEST(embedded_in_the_header)
{
	char path[256];
	uint8_t *buf;
	size_t n, en;
	const uint8_t *emb = sluice_bfbs_zoo(&en);
	const uint8_t *schema, *root;

	ck_assert_int_eq(sh("'%s' --bfbs -o '%s' " FB_SCHEMAS "/zoo.fbs", SLUICEC, dir), 0);
	snprintf(path, sizeof(path), "%s/zoo.bfbs", dir);
	n = slurp(path, &buf);
	ck_assert_uint_eq(en, n);
	ck_assert_int_eq(memcmp(emb, buf, n), 0);
	free(buf);
	/* and it reads through the generated reflection readers */
	ck_assert_int_eq(reflection_Schema_verify(emb, en), 0);
	schema = reflection_Schema_as_root(emb);
	root = reflection_Schema_root_table(schema);
	ck_assert_str_eq(reflection_Object_name(root), "zoo.Animal");
	ck_assert_str_eq(reflection_Schema_file_ident(schema), "ZOO1");
	ck_assert_uint_eq(reflection_Schema_objects_len(schema), 7);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("fb_bfbs");
	TCase *tc = tcase_create("bfbs");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, equal_to_flatc, 0, (int)(sizeof(schemas) / sizeof(schemas[0])));
	tcase_add_loop_test(tc, file_names_like_flatc, 0, (int)(sizeof(namings) / sizeof(namings[0])));
	tcase_add_test(tc, large_schemas_like_flatc);
	tcase_add_test(tc, embedded_in_the_header);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
