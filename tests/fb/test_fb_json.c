/* test_fb_json.c - sluicec -b and sluicec --json against flatc 2.0.8: the
 * JSON each prints for the same binary is equal by value, binaries from
 * either side read back equal, and bad input is refused with a position. */
#include <check.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "zoo_build.h"
#include "zoo_sluice.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sluice-json-XXXXXX");
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

/* sluicec --json and flatc --json print the same values for bin. */
static void same_json(const char *bin)
{
	ck_assert_int_eq(sh("'%s' --json " ZOO_FBS " '%s' > '%s/s.json'", SLUICEC, bin, dir), 0);
	ck_assert_int_eq(sh("cd '%s' && '%s' --json --strict-json -o '%s/f' " ZOO_FBS " -- '%s'",
			    dir, FLATC, dir, bin),
			 0);
	ck_assert_int_eq(sh("/usr/bin/python3 " JSON_EQUAL " '%s/s.json' '%s/f/%s'", dir, dir,
			    strrchr(bin, '/') ? "zoo.json" : "zoo.json"),
			 0);
}

static void c_reads(const char *path)
{
	_Alignas(32) static uint8_t buf[8192];
	FILE *f = fopen(path, "rb");
	size_t n;
	const char *bad;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ck_assert_int_eq(zoo_Animal_verify(buf, n), 0);
	bad = zoo_check(buf);
	ck_assert_msg(bad == NULL, "field %s differs", bad);
}

START_TEST(flatc_binary_prints_equal)
{
	char bin[128];

	ck_assert_int_eq(sh("'%s' -b -o '%s' " ZOO_FBS " " ZOO_JSON, FLATC, dir), 0);
	snprintf(bin, sizeof(bin), "%s/zoo.bin", dir);
	same_json(bin);
}
END_TEST

START_TEST(sluicec_binary_reads_and_prints_equal)
{
	char bin[128];

	ck_assert_int_eq(sh("'%s' -b -o '%s' " ZOO_FBS " " ZOO_JSON, SLUICEC, dir), 0);
	snprintf(bin, sizeof(bin), "%s/zoo.bin", dir);
	c_reads(bin);
	same_json(bin);
	/* flatc's C++ Verifier and readers accept what sluicec -b wrote */
#ifdef INTEROP_CPP
	ck_assert_int_eq(sh("'%s' check '%s'", INTEROP_CPP, bin), 0);
#endif
}
END_TEST

START_TEST(c_built_binary_prints_equal)
{
	_Alignas(32) static uint8_t buf[8192];
	sluice_fb_msg m;
	char bin[128];
	FILE *f;

	ck_assert_int_eq(zoo_build(buf, sizeof(buf), &m), 0);
	snprintf(bin, sizeof(bin), "%s/zoo.bin", dir);
	f = fopen(bin, "wb");
	fwrite(buf + m.offset, 1, m.length, f);
	fclose(f);
	same_json(bin);
}
END_TEST

START_TEST(bad_json_is_refused_with_position)
{
	char out[512] = "";
	FILE *p;

	ck_assert_int_eq(sh("printf '{\\n  name: \"x\",\\n  nosuch: 1\\n}\\n' > '%s/bad.json'", dir), 0);
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "'%s' -b -o '%s' " ZOO_FBS " '%s/bad.json' 2>&1; echo rc=$?",
			 SLUICEC, dir, dir);
		p = popen(cmd, "r");
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_gt(fread(out, 1, sizeof(out) - 1, p), 0);
		pclose(p);
	}
	/* the runtime parser's message, at the key (flatc says 3:11, after it) */
	ck_assert_msg(strstr(out, "bad.json:3:3: error: unknown field \"nosuch\" in zoo.Animal") !=
			      NULL,
		      "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "rc=1"));
	/* a missing required field */
	ck_assert_int_eq(sh("echo '{ age: 3 }' > '%s/noname.json'", dir), 0);
	ck_assert_int_ne(sh("'%s' -b -o '%s' " ZOO_FBS " '%s/noname.json' 2>/dev/null", SLUICEC,
			    dir, dir),
			 0);
	/* a value out of range */
	ck_assert_int_eq(sh("echo '{ name: \"a\", age: 70000 }' > '%s/range.json'", dir), 0);
	ck_assert_int_ne(sh("'%s' -b -o '%s' " ZOO_FBS " '%s/range.json' 2>/dev/null", SLUICEC,
			    dir, dir),
			 0);
}
END_TEST

START_TEST(corrupt_binary_is_not_printed)
{
	ck_assert_int_eq(sh("printf '\\377\\377\\377\\377ZOO1xxxx' > '%s/bad.bin'", dir), 0);
	ck_assert_int_ne(sh("'%s' --json " ZOO_FBS " '%s/bad.bin' >/dev/null 2>&1", SLUICEC, dir), 0);
}
END_TEST

/* Vectors of tables with a key come out sorted, from either compiler. */
START_TEST(keyed_vectors_are_sorted)
{
	_Alignas(32) static uint8_t buf[4096];
	const char *tool[2] = {SLUICEC, FLATC};
	char path[128];
	int k;

	ck_assert_int_eq(sh("echo '{ name: \"k\", tags: [ { name: \"m\" }, { name: \"b\", weight: 2 }, "
			    "{ name: \"x\" } ] }' > '%s/keyed.json'",
			    dir),
			 0);
	for (k = 0; k < 2; k++) {
		FILE *f;
		size_t n;
		const uint8_t *a;

		ck_assert_int_eq(sh("'%s' -b -o '%s' " ZOO_FBS " '%s/keyed.json'", tool[k], dir, dir), 0);
		snprintf(path, sizeof(path), "%s/keyed.bin", dir);
		f = fopen(path, "rb");
		ck_assert_ptr_nonnull(f);
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		ck_assert_int_eq(zoo_Animal_verify(buf, n), 0);
		a = zoo_Animal_as_root(buf);
		ck_assert_str_eq(zoo_Tag_name(zoo_Animal_tags_at(a, 0)), "b");
		ck_assert_str_eq(zoo_Tag_name(zoo_Animal_tags_at(a, 1)), "m");
		ck_assert_str_eq(zoo_Tag_name(zoo_Animal_tags_at(a, 2)), "x");
		ck_assert_int_eq(zoo_Tag_weight(zoo_Animal_tags_by_key(a, "b")), 2);
	}
}
END_TEST

/* Reads a zoo.Animal from path: its name into name[0..*n), or false when
 * there is no file (the tool refused the JSON). */
static bool read_name(const char *path, char *name, size_t *n)
{
	_Alignas(32) static uint8_t buf[4096];
	FILE *f = fopen(path, "rb");
	size_t len;
	const uint8_t *a;

	if (!f)
		return false;
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ck_assert_int_eq(zoo_Animal_verify(buf, len), 0);
	a = zoo_Animal_as_root(buf);
	*n = zoo_Animal_name_len(a);
	ck_assert_uint_lt(*n, 64);
	memcpy(name, zoo_Animal_name(a), *n);
	return true;
}

/* Strings decode as flatc 2.0.8 decodes them: \x escapes as bytes,
 * surrogate pairs as one code point, lone surrogates and text that is not
 * UTF-8 refused. Each case: the string's JSON source, and what flatc makes
 * of it (NULL: refused), checked against flatc itself too. */
START_TEST(strings_decode_like_flatc)
{
	static const struct {
		const char *src, *want;
	} cases[] = {
		{"\\x41", "A"},
		{"\\xc3\\xa9", "\xc3\xa9"},
		{"\\ud83d\\ude00", "\xf0\x9f\x98\x80"},
		{"\\uD83D\\uDE00", "\xf0\x9f\x98\x80"},
		{"\\u00e9\\u0041", "\xc3\xa9" "A"},
		{"a\\/b\\\\c\\\"", "a/b\\c\""},
		{"\xc3\xa9", "\xc3\xa9"}, /* raw UTF-8 */
		{"\\ud800", NULL},          /* lone high surrogate */
		{"\\ud800x", NULL},
		{"\\ud800\\u0041", NULL},
		{"\\udc00", NULL},          /* lone low surrogate */
		{"\\ude00\\ud83d", NULL},
		{"\\ud83d\\ud83d\\ude00", NULL},
		{"\\xff", NULL},            /* a byte that is no UTF-8 */
		{"\\xc3", NULL},
		{"\\x4g", NULL},
		{"\\X41", NULL},
		{"\xff", NULL},              /* raw, not UTF-8 */
		{"\xed\xa0\x80", NULL},      /* a surrogate in UTF-8 form */
	};
	const char *tool[2] = {FLATC, SLUICEC};
	size_t i;
	int k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[128], name[64];
		size_t n;
		FILE *f;

		snprintf(path, sizeof(path), "%s/s.json", dir);
		f = fopen(path, "wb");
		ck_assert_ptr_nonnull(f);
		fprintf(f, "{ name: \"%s\" }\n", cases[i].src);
		fclose(f);
		for (k = 0; k < 2; k++) {
			int rc = sh("rm -f '%s/s.bin'; '%s' -b -o '%s' " ZOO_FBS
				    " '%s/s.json' 2>/dev/null",
				    dir, tool[k], dir, dir);
			bool got;

			snprintf(path, sizeof(path), "%s/s.bin", dir);
			got = read_name(path, name, &n);
			ck_assert_msg(got == (cases[i].want != NULL) && got == (rc == 0),
				      "case %zu (%s) by %s: %s", i, cases[i].src, tool[k],
				      got ? "accepted" : "refused");
			if (got) {
				ck_assert_uint_eq(n, strlen(cases[i].want));
				ck_assert_msg(memcmp(name, cases[i].want, n) == 0,
					      "case %zu (%s) by %s: other bytes", i, cases[i].src,
					      tool[k]);
			}
		}
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("fb_json");
	TCase *tc = tcase_create("json");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, flatc_binary_prints_equal);
	tcase_add_test(tc, sluicec_binary_reads_and_prints_equal);
	tcase_add_test(tc, c_built_binary_prints_equal);
	tcase_add_test(tc, bad_json_is_refused_with_position);
	tcase_add_test(tc, corrupt_binary_is_not_printed);
	tcase_add_test(tc, keyed_vectors_are_sorted);
	tcase_add_test(tc, strings_decode_like_flatc);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
