/* test_fb_interop.c - sluice and flatc 2.0.8 read each other's messages:
 * C writes, flatc's C++ Verifier accepts and C++ and Python read every
 * field equal; C++, Python and flatc -b write, the sluice verifier
 * accepts and C reads every field equal. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "zoo_build.h"
#include "zoo_sluice.h"

static char *tmpdir;

static void setup(void)
{
	char tmpl[] = "/tmp/sluice-fb-XXXXXX";

	tmpdir = strdup(mkdtemp(tmpl));
}

static void teardown(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	free(tmpdir);
}

static int run(const char *fmt, const char *arg1, const char *arg2)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), fmt, arg1, arg2);
	return system(cmd);
}

static size_t slurp(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* The C side reading a file some other writer made. */
static void c_reads(const char *path)
{
	_Alignas(32) static uint8_t buf[8192];
	const char *bad;
	size_t n = slurp(path, buf, sizeof(buf));

	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(zoo_Animal_verify(buf, n), 0);
	bad = zoo_check(buf);
	ck_assert_msg(bad == NULL, "%s: field %s differs", path, bad);
}

START_TEST(c_writes_cpp_and_python_read)
{
	_Alignas(32) static uint8_t buf[8192];
	sluice_fb_msg m;
	char path[512];
	FILE *f;

	ck_assert_int_eq(zoo_build(buf, sizeof(buf), &m), 0);
	snprintf(path, sizeof(path), "%s/c.bin", tmpdir);
	f = fopen(path, "wb");
	ck_assert_uint_eq(fwrite(buf + m.offset, 1, m.length, f), m.length);
	fclose(f);
	ck_assert_int_eq(run("'%s' check '%s'", INTEROP_CPP, path), 0);
	ck_assert_int_eq(run("PYTHONPATH='%s' /usr/bin/python3 " INTEROP_PY " check '%s'",
			     PYGEN_DIR, path),
			 0);
}
END_TEST

/* The same through the generated <T>_create() fast path. */
START_TEST(c_create_writes_cpp_and_python_read)
{
	_Alignas(32) static uint8_t buf[8192];
	sluice_fb_msg m;
	char path[512];
	FILE *f;

	ck_assert_int_eq(zoo_build_create(buf, sizeof(buf), false, &m), 0);
	ck_assert_int_eq(zoo_Animal_verify(buf + m.offset, m.length), 0);
	ck_assert_ptr_null(zoo_check(buf + m.offset));
	snprintf(path, sizeof(path), "%s/create.bin", tmpdir);
	f = fopen(path, "wb");
	ck_assert_uint_eq(fwrite(buf + m.offset, 1, m.length, f), m.length);
	fclose(f);
	ck_assert_int_eq(run("'%s' check '%s'", INTEROP_CPP, path), 0);
	ck_assert_int_eq(run("PYTHONPATH='%s' /usr/bin/python3 " INTEROP_PY " check '%s'",
			     PYGEN_DIR, path),
			 0);
	/* and what flatc --json prints of it is what it prints of the
	 * field-by-field message: the same values */
	ck_assert_int_eq(zoo_build(buf, sizeof(buf), &m), 0);
	snprintf(path, sizeof(path), "%s/c.bin", tmpdir);
	f = fopen(path, "wb");
	ck_assert_uint_eq(fwrite(buf + m.offset, 1, m.length, f), m.length);
	fclose(f);
	ck_assert_int_eq(run("cd '%s' && '" FLATC "' --json --strict-json --defaults-json --raw-binary -o . " ZOO_FBS
			     " -- create.bin c.bin >/dev/null && cmp -s create.json c.json",
			     tmpdir, NULL),
			 0);
}
END_TEST

START_TEST(size_prefixed_c_create_writes_cpp_reads)
{
	_Alignas(32) static uint8_t buf[8192];
	sluice_fb_msg m;
	char path[512];
	FILE *f;

	ck_assert_int_eq(zoo_build_create(buf, sizeof(buf), true, &m), 0);
	ck_assert_int_eq(zoo_Animal_verify_size_prefixed(buf + m.offset, m.length), 0);
	ck_assert_ptr_null(zoo_check(buf + m.offset + 4));
	snprintf(path, sizeof(path), "%s/csp.bin", tmpdir);
	f = fopen(path, "wb");
	ck_assert_uint_eq(fwrite(buf + m.offset, 1, m.length, f), m.length);
	fclose(f);
	ck_assert_int_eq(run("'%s' check-sp '%s'", INTEROP_CPP, path), 0);
}
END_TEST

START_TEST(cpp_writes_c_reads)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/cpp.bin", tmpdir);
	ck_assert_int_eq(run("'%s' write '%s'", INTEROP_CPP, path), 0);
	c_reads(path);
}
END_TEST

START_TEST(python_writes_c_reads)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/py.bin", tmpdir);
	ck_assert_int_eq(run("PYTHONPATH='%s' /usr/bin/python3 " INTEROP_PY " write '%s'",
			     PYGEN_DIR, path),
			 0);
	c_reads(path);
}
END_TEST

/* flatc leaves the empty [double] only 4-aligned here. */
START_TEST(flatc_writes_c_reads)
{
	char path[512];

	ck_assert_int_eq(run("'" FLATC "' -b -o '%s' " ZOO_FBS " '%s'", tmpdir, ZOO_JSON), 0);
	snprintf(path, sizeof(path), "%s/zoo.bin", tmpdir);
	c_reads(path);
}
END_TEST

/* Size-prefixed, with 8- and 16-byte aligned fields: alignment counts
 * from the prefix, and C++ verifies it given exactly prefix + 4 bytes. */
START_TEST(size_prefixed_c_writes_cpp_reads)
{
	_Alignas(32) static uint8_t buf[8192];
	sluice_fb_msg m;
	char path[512];
	FILE *f;

	ck_assert_int_eq(zoo_build_ex(buf, sizeof(buf), true, &m), 0);
	ck_assert_uint_eq(sluice_fb_u32(buf + m.offset), m.length - 4);
	ck_assert_int_eq(zoo_Animal_verify_size_prefixed(buf + m.offset, m.length), 0);
	ck_assert_ptr_null(zoo_check(buf + m.offset + 4));
	snprintf(path, sizeof(path), "%s/sp.bin", tmpdir);
	f = fopen(path, "wb");
	ck_assert_uint_eq(fwrite(buf + m.offset, 1, m.length, f), m.length);
	fclose(f);
	ck_assert_int_eq(run("'%s' check-sp '%s'", INTEROP_CPP, path), 0);
}
END_TEST

START_TEST(size_prefixed_cpp_writes_c_reads)
{
	_Alignas(32) static uint8_t buf[8192];
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/cppsp.bin", tmpdir);
	ck_assert_int_eq(run("'%s' write-sp '%s'", INTEROP_CPP, path), 0);
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ck_assert_int_eq(zoo_Animal_verify_size_prefixed(buf, n), 0);
	ck_assert_ptr_null(zoo_check(buf + 4));
	/* read as if unprefixed, the 8-byte fields are off by 4: refused */
	ck_assert_int_ne(zoo_Animal_verify(buf + 4, n - 4), 0);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("fb_interop");
	TCase *tc = tcase_create("flatc");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, c_writes_cpp_and_python_read);
	tcase_add_test(tc, c_create_writes_cpp_and_python_read);
	tcase_add_test(tc, size_prefixed_c_create_writes_cpp_reads);
	tcase_add_test(tc, cpp_writes_c_reads);
	tcase_add_test(tc, python_writes_c_reads);
	tcase_add_test(tc, flatc_writes_c_reads);
	tcase_add_test(tc, size_prefixed_c_writes_cpp_reads);
	tcase_add_test(tc, size_prefixed_cpp_writes_c_reads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
