/* test_fb_json_runtime.c - sluice_fb_json_print(): any message printed as
 * JSON from its binary schema alone, equal by value to flatc --json; a
 * corrupt schema or message is refused, never read out of bounds; and
 * sluice_fb_json_parse(): JSON built into a caller's buffer. */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pose_sluice.h"
#include "sluice/error.h"
#include "testutil.h"
#include "zoo_build.h"
#include "zoo_sluice.h"

static char dir[64];
static char out[1 << 16];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sluice-jr-XXXXXX");
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

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	fclose(f);
}

START_TEST(zoo_prints_like_flatc)
{
	_Alignas(32) static uint8_t buf[8192];
	sluice_fb_msg m;
	size_t blen, n;
	const uint8_t *bfbs = sluice_bfbs_zoo(&blen);
	char path[128];

	ck_assert_int_eq(zoo_build(buf, sizeof(buf), &m), 0);
	ck_assert_int_eq(sluice_fb_json_print_buffer(bfbs, blen, NULL, buf + m.offset, m.length, NULL,
						     out, sizeof(out), &n),
			 0);
	ck_assert_uint_eq(strlen(out), n);
	snprintf(path, sizeof(path), "%s/zoo.bin", dir);
	write_file(path, buf + m.offset, m.length);
	snprintf(path, sizeof(path), "%s/rt.json", dir);
	write_file(path, out, n);
	ck_assert_int_eq(sh("cd '%s' && '%s' --json --strict-json -o '%s/f' " ZOO_FBS " -- '%s/zoo.bin'",
			    dir, FLATC, dir, dir),
			 0);
	/* the .bfbs carries no nested_flatbuffer attribute (flatc leaves
	 * built-in attributes out), so payload prints as bytes there */
	ck_assert_int_eq(sh("/usr/bin/python3 " JSON_EQUAL " '%s/rt.json' '%s/f/zoo.json' payload",
			    dir, dir),
			 0);
	ck_assert_ptr_nonnull(strstr(out, "\"colors\": \"Green Blue\""));
	ck_assert_ptr_nonnull(strstr(out, "\"home_type\": \"Cage\""));
}
END_TEST

START_TEST(named_table_and_limits)
{
	uint8_t buf[512];
	sluice_fb_builder b;
	sluice_fb_msg m;
	sluice_fb_ref r, f;
	size_t blen;
	const uint8_t *bfbs = sluice_bfbs_pose(&blen);
	sluice_msg_Vec3 pos = {1, 2, 3};
	char small[16];

	sluice_fb_builder_init(&b, buf, sizeof(buf));
	f = sluice_fb_cstring(&b, "map");
	sluice_msg_Header_start(&b);
	sluice_msg_Header_add_frame_id(&b, f);
	sluice_msg_Header_add_seq(&b, 9);
	f = sluice_msg_Header_end(&b);
	sluice_msg_Pose_start(&b);
	sluice_msg_Pose_add_header(&b, f);
	sluice_msg_Pose_add_position(&b, &pos);
	sluice_msg_Pose_add_yaw(&b, 0.5);
	r = sluice_msg_Pose_end(&b);
	ck_assert_int_eq(sluice_msg_Pose_finish(&b, r, &m), 0);
	ck_assert_int_eq(sluice_fb_json_print_buffer(bfbs, blen, "sluice.msg.Pose", buf + m.offset,
						     m.length, NULL, out, sizeof(out), NULL),
			 0);
	ck_assert_ptr_nonnull(strstr(out, "\"frame_id\": \"map\""));
	ck_assert_ptr_nonnull(strstr(out, "\"yaw\": 0.5"));
	ck_assert_ptr_nonnull(strstr(out, "\"y\": 2.0"));
	ck_assert_int_eq(sluice_fb_json_print_buffer(bfbs, blen, "sluice.msg.Nope", buf + m.offset,
						     m.length, NULL, out, sizeof(out), NULL),
			 -SLUICE_EFBSCHEMA);
	/* a struct is not a message */
	ck_assert_int_eq(sluice_fb_json_print_buffer(bfbs, blen, "sluice.msg.Vec3", buf + m.offset,
						     m.length, NULL, out, sizeof(out), NULL),
			 -SLUICE_EFBSCHEMA);
	ck_assert_int_eq(sluice_fb_json_print_buffer(bfbs, blen, NULL, buf + m.offset, m.length,
						     NULL, small, sizeof(small), NULL),
			 -SLUICE_EFBFULL);
	/* a truncated message is refused before anything is printed */
	ck_assert_int_ne(sluice_fb_json_print_buffer(bfbs, blen, NULL, buf + m.offset, m.length - 8,
						     NULL, out, sizeof(out), NULL),
			 0);
}
END_TEST

/* Damaged schemas: every truncation and many single-byte changes are
 * refused or print within bounds (exact-size copies for ASan). */
START_TEST(damaged_schema_is_safe)
{
	_Alignas(32) static uint8_t buf[8192];
	sluice_fb_msg m;
	size_t blen, n, i;
	const uint8_t *bfbs = sluice_bfbs_zoo(&blen);
	uint8_t *copy;
	int refused = 0;

	ck_assert_int_eq(zoo_build(buf, sizeof(buf), &m), 0);
	ck_assert_int_eq(sluice_fb_schema_verify(bfbs, blen), 0);
	for (n = 0; n < blen; n += 7) {
		copy = malloc(n ? n : 1);
		memcpy(copy, bfbs, n);
		ck_assert_int_ne(sluice_fb_schema_verify(copy, n), 0);
		free(copy);
	}
	srand(1);
	for (i = 0; i < 3000; i++) {
		size_t at = (size_t)rand() % blen;

		copy = malloc(blen);
		memcpy(copy, bfbs, blen);
		copy[at] = (uint8_t)rand();
		if (sluice_fb_json_print_buffer(copy, blen, NULL, buf + m.offset, m.length, NULL, out,
						sizeof(out), NULL) != 0)
			refused++;
		free(copy);
	}
	ck_assert_int_gt(refused, 0);
}
END_TEST

/* print -> parse -> every field equal, in a caller's buffer */
START_TEST(parse_round_trip)
{
	_Alignas(32) static uint8_t buf[8192], buf2[8192], scratch[16384];
	sluice_fb_msg m, m2;
	sluice_fb_builder b;
	size_t blen, n;
	const uint8_t *bfbs = sluice_bfbs_zoo(&blen);
	const char *bad;

	ck_assert_int_eq(zoo_build(buf, sizeof(buf), &m), 0);
	ck_assert_int_eq(sluice_fb_json_print_buffer(bfbs, blen, NULL, buf + m.offset, m.length, NULL,
						     out, sizeof(out), &n),
			 0);
	sluice_fb_builder_init(&b, buf2, sizeof(buf2));
	ck_assert_msg(sluice_fb_json_parse(bfbs, blen, NULL, out, n, scratch, sizeof(scratch), &b,
					   false, &m2) == 0,
		      "%s", sluice_errdetail());
	ck_assert_int_eq(zoo_Animal_verify(buf2 + m2.offset, m2.length), 0);
	bad = zoo_check(buf2 + m2.offset);
	ck_assert_msg(bad == NULL, "field %s differs", bad);
	/* scratch too small: refused, not overrun */
	sluice_fb_builder_init(&b, buf2, sizeof(buf2));
	ck_assert_int_eq(sluice_fb_json_parse(bfbs, blen, NULL, out, n, scratch, 64, &b, false, &m2),
			 -SLUICE_EFBFULL);
}
END_TEST

START_TEST(parse_errors)
{
	_Alignas(32) static uint8_t buf[4096], scratch[4096];
	sluice_fb_msg m;
	sluice_fb_builder b;
	size_t blen;
	const uint8_t *bfbs = sluice_bfbs_zoo(&blen);
	static const char *const bad[] = {
		"{ name: \"a\",\n  nosuch: 1 }",
		"{ name: \"a\", age: 70000 }",
		"{ name: \"a\", kind: Fish }",
		"{ name: \"a\", home: { id: 1 } }",
		"{ name: \"a\", tags: [ { name: \"t\" } ",
		"{ age: 1 }",
		"{ name: \"a\" } trailing",
		"{ name: 5 }",
	};
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;

		sluice_fb_builder_init(&b, buf, sizeof(buf));
		rc = sluice_fb_json_parse(bfbs, blen, NULL, bad[i], strlen(bad[i]), scratch,
					  sizeof(scratch), &b, false, &m);
		ck_assert_msg(rc != 0, "accepted: %s", bad[i]);
	}
	sluice_fb_builder_init(&b, buf, sizeof(buf));
	ck_assert_int_eq(sluice_fb_json_parse(bfbs, blen, NULL, bad[0], strlen(bad[0]), scratch,
					      sizeof(scratch), &b, false, &m),
			 -SLUICE_EFBJSON);
	ck_assert_ptr_nonnull(strstr(sluice_errdetail(), "2:"));
	/* the detail names the field, its table and where it is */
	{
		static const char *const cases[][2] = {
			{"{ \"name\": \"a\", \"agee\": 1 }",
			 "fb json: 1:16: unknown field \"agee\" in zoo.Animal"},
			{"{ \"age\": 1 }", "fb json: 1:12: required field \"name\" missing in zoo.Animal"},
			{"{ name: \"a\",\n  tags: [ { name: \"t\", weight: 1e99x } ] }",
			 "fb json: 2:32: invalid number for field \"weight\" of zoo.Tag"},
			{"{ name: \"a\", age: 70000 }",
			 "fb json: 1:19: number out of range for field \"age\" of zoo.Animal"},
			{"{ name: \"a\", kind: Fish }",
			 "fb json: 1:20: unknown enum value for field \"kind\" of zoo.Animal"},
			{"{ name: \"a\", pos: { x: 1, w: 2 } }",
			 "fb json: 1:27: unknown field \"w\" in zoo.Vec3"},
			{"{ name: \"a\", home: { id: 1 } }",
			 "fb json: 1:14: union \"home\" of zoo.Animal without a home_type"},
			{"{ name: 5 }", "fb json: 1:9: expected a string for field \"name\" of zoo.Animal"},
		};

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			sluice_fb_builder_init(&b, buf, sizeof(buf));
			ck_assert_int_eq(sluice_fb_json_parse(bfbs, blen, NULL, cases[i][0],
							      strlen(cases[i][0]), scratch,
							      sizeof(scratch), &b, false, &m),
					 -SLUICE_EFBJSON);
			ck_assert_msg(!strncmp(sluice_errdetail(), cases[i][1], strlen(cases[i][1])),
				      "%s: got \"%s\", wanted \"%s\"", cases[i][0], sluice_errdetail(),
				      cases[i][1]);
		}
	}
	/* keyed tables are sorted */
	{
		const char *keyed = "{ name: \"k\", tags: [ { name: \"m\" }, { name: \"b\" }, { name: \"a\" } ] }";
		const uint8_t *a;

		sluice_fb_builder_init(&b, buf, sizeof(buf));
		ck_assert_int_eq(sluice_fb_json_parse(bfbs, blen, NULL, keyed, strlen(keyed), scratch,
						      sizeof(scratch), &b, false, &m),
				 0);
		a = zoo_Animal_as_root(buf + m.offset);
		ck_assert_str_eq(zoo_Tag_name(zoo_Animal_tags_at(a, 0)), "a");
		ck_assert_str_eq(zoo_Tag_name(zoo_Animal_tags_at(a, 2)), "m");
		ck_assert_ptr_nonnull(zoo_Animal_tags_by_key(a, "b"));
	}
	/* a union's type after its value, comments and trailing commas */
	{
		const char *ok = "{ // a comment\n name: \"a\", home: { id: 7, }, /* x */ home_type: \"Cage\", "
				 "colors: \"Red Blue\", }";

		sluice_fb_builder_init(&b, buf, sizeof(buf));
		ck_assert_msg(sluice_fb_json_parse(bfbs, blen, NULL, ok, strlen(ok), scratch,
						   sizeof(scratch), &b, false, &m) == 0,
			      "%s", sluice_errdetail());
		ck_assert_int_eq(zoo_Animal_verify(buf + m.offset, m.length), 0);
		ck_assert_uint_eq(zoo_Cage_id(zoo_Animal_home(zoo_Animal_as_root(buf + m.offset))), 7);
		ck_assert_uint_eq(zoo_Animal_colors(zoo_Animal_as_root(buf + m.offset)),
				  zoo_Color_Red | zoo_Color_Blue);
	}
}
END_TEST

/* Issue 11 item 13, from fuzz_json: a union type with no value. The parser
 * builds it, and the generated verifier, sluicec's schema-driven one and
 * the printer's reflection verifier all take it as a null member (as
 * flatc's verifier does); it prints back as the type alone and parses
 * again to the same message. fuzz/seeds/json/union_type_only.json is the
 * input that aborted fuzz_json (with a payload, which exempted it from the
 * generated verifier there). */
START_TEST(union_type_without_value_is_null)
{
	_Alignas(32) static uint8_t buf[4096], buf2[4096], scratch[4096];
	static const char in[] = "{ \"name\": \"a\", \"home_type\": \"Cage\" }";
	sluice_fb_msg m, m2;
	sluice_fb_builder b;
	size_t blen, n;
	const uint8_t *bfbs = sluice_bfbs_zoo(&blen);
	const uint8_t *a;
	char path[128];

	sluice_fb_builder_init(&b, buf, sizeof(buf));
	ck_assert_msg(sluice_fb_json_parse(bfbs, blen, NULL, in, strlen(in), scratch, sizeof(scratch),
					   &b, false, &m) == 0,
		      "%s", sluice_errdetail());
	a = zoo_Animal_as_root(buf + m.offset);
	ck_assert_int_eq(zoo_Animal_home_type(a), zoo_Home_Cage);
	ck_assert_ptr_null(zoo_Animal_home(a));
	ck_assert_msg(zoo_Animal_verify(buf + m.offset, m.length) == 0, "%s", sluice_errdetail());
	ck_assert_msg(sluice_fb_json_print_buffer(bfbs, blen, NULL, buf + m.offset, m.length, NULL,
						  out, sizeof(out), &n) == 0,
		      "%s", sluice_errdetail());
	ck_assert_ptr_nonnull(strstr(out, "\"home_type\": \"Cage\""));
	ck_assert_ptr_null(strstr(out, "\"home\":"));
	sluice_fb_builder_init(&b, buf2, sizeof(buf2));
	ck_assert_int_eq(sluice_fb_json_parse(bfbs, blen, NULL, out, n, scratch, sizeof(scratch), &b,
					      false, &m2),
			 0);
	a = zoo_Animal_as_root(buf2 + m2.offset);
	ck_assert_int_eq(zoo_Animal_verify(buf2 + m2.offset, m2.length), 0);
	ck_assert_int_eq(zoo_Animal_home_type(a), zoo_Home_Cage);
	ck_assert_ptr_null(zoo_Animal_home(a));
	ck_assert_str_eq(zoo_Animal_name(a), "a");
	/* sluicec --json verifies with the schema-driven verifier */
	snprintf(path, sizeof(path), "%s/u.bin", dir);
	write_file(path, buf + m.offset, m.length);
	ck_assert_int_eq(sh("'%s' --json " ZOO_FBS " '%s' > '%s/u.json'", SLUICEC, path, dir), 0);
	ck_assert_int_eq(sh("grep -q '\"home_type\": \"Cage\"' '%s/u.json'", dir), 0);
	/* and flatc reads it too */
	ck_assert_int_eq(sh("cd '%s' && '%s' --json --strict-json -o '%s/f' " ZOO_FBS " -- '%s'", dir,
			    FLATC, dir, path),
			 0);
}
END_TEST

/* The runtime's one string decoder, as flatc 2.0.8 decodes (the same
 * cases run against flatc itself in test_fb_json): \x escapes as bytes,
 * surrogate pairs joined, lone surrogates and non-UTF-8 refused. */
START_TEST(string_escapes_like_flatc)
{
	_Alignas(32) static uint8_t buf[4096], scratch[4096];
	static const struct {
		const char *json, *want; /* want: the name's bytes, or the error */
		bool ok;
	} cases[] = {
		{"{ name: \"\\x41\\x42\" }", "AB", true},
		{"{ name: \"\\ud83d\\ude00!\" }", "\xf0\x9f\x98\x80!", true},
		{"{ name: \"\\u00e9\\u0000z\" }", "\xc3\xa9", true}, /* strcmp stops at the NUL */
		{"{ name: \"\\ud800\" }", "illegal Unicode sequence (unpaired high "
					  "surrogate)", false},
		{"{ name: \"\\udc00\" }", "illegal Unicode sequence (unpaired low "
					  "surrogate)", false},
		{"{ name: \"\\ud800\\u0041\" }", "illegal Unicode sequence (unpaired "
						"high surrogate)", false},
		{"{ name: \"\\xff\" }", "illegal UTF-8 sequence", false},
		{"{ name: \"\\x4g\" }", "escape code must be followed by 2 hex digits",
		 false},
		{"{ name: \"\xc3\" }", "illegal UTF-8 sequence", false},
	};
	size_t blen, i;
	const uint8_t *bfbs = sluice_bfbs_zoo(&blen);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sluice_fb_builder b;
		sluice_fb_msg m;
		int rc;

		sluice_fb_builder_init(&b, buf, sizeof(buf));
		rc = sluice_fb_json_parse(bfbs, blen, NULL, cases[i].json, strlen(cases[i].json),
					  scratch, sizeof(scratch), &b, false, &m);
		if (cases[i].ok) {
			ck_assert_msg(rc == 0, "%s: %s", cases[i].json, sluice_errdetail());
			ck_assert_str_eq(zoo_Animal_name(zoo_Animal_as_root(buf + m.offset)),
					 cases[i].want);
		} else {
			ck_assert_int_eq(rc, -SLUICE_EFBJSON);
			/* the position is where the decoder stopped, on line 1 */
			ck_assert_msg(!strncmp(sluice_errdetail(), "fb json: 1:", 11) &&
					      strstr(sluice_errdetail(), cases[i].want),
				      "%s: got \"%s\"", cases[i].json, sluice_errdetail());
		}
	}
	/* the NUL from \u0000 is kept inside the string */
	{
		sluice_fb_builder b;
		sluice_fb_msg m;

		sluice_fb_builder_init(&b, buf, sizeof(buf));
		ck_assert_int_eq(sluice_fb_json_parse(bfbs, blen, NULL, cases[2].json,
						      strlen(cases[2].json), scratch,
						      sizeof(scratch), &b, false, &m),
				 0);
		ck_assert_uint_eq(zoo_Animal_name_len(zoo_Animal_as_root(buf + m.offset)), 4);
	}
}
END_TEST

/* A schema that keeps nested_flatbuffer (flatc --bfbs-builtins): the bytes
 * are parsed and printed as the table they hold, and verified as one. */
START_TEST(nested_flatbuffer_with_builtins)
{
	_Alignas(32) static uint8_t buf[8192], scratch[8192], bfbs[16384];
	const char *json = "{ name: \"n\", payload: { name: \"inner\", weight: 99 } }";
	const char *junk = "{ name: \"n\", payload: [ 1, 2, 3, 4, 5, 6, 7, 8 ] }";
	sluice_fb_verify_opts o = {0, 0, NULL, false};
	sluice_fb_builder b;
	sluice_fb_msg m;
	size_t blen, zlen;
	const uint8_t *zoo = sluice_bfbs_zoo(&zlen), *a;
	char path[128];
	FILE *f;

	ck_assert_int_eq(sh("'%s' -b --schema --bfbs-builtins -o '%s' " ZOO_FBS, FLATC, dir), 0);
	snprintf(path, sizeof(path), "%s/zoo.bfbs", dir);
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	blen = fread(bfbs, 1, sizeof(bfbs), f);
	fclose(f);
	ck_assert_int_eq(sluice_fb_schema_verify(bfbs, blen), 0);

	sluice_fb_builder_init(&b, buf, sizeof(buf));
	ck_assert_int_eq(sluice_fb_json_parse(bfbs, blen, NULL, json, strlen(json), scratch,
					      sizeof(scratch), &b, false, &m),
			 0);
	ck_assert_int_eq(zoo_Animal_verify(buf + m.offset, m.length), 0);
	a = zoo_Animal_as_root(buf + m.offset);
	ck_assert_int_eq(zoo_Tag_verify_root(zoo_Animal_payload_vec(a) + 4,
					     zoo_Animal_payload_len(a), NULL),
			 0);
	ck_assert_str_eq(zoo_Tag_name(zoo_Animal_payload_nested_root(a)), "inner");
	ck_assert_int_eq(sluice_fb_json_print_buffer(bfbs, blen, NULL, buf + m.offset, m.length,
						     NULL, out, sizeof(out), NULL),
			 0);
	ck_assert_msg(strstr(out, "\"payload\": {") && strstr(out, "\"inner\""), "%s", out);
	/* without the attribute the same bytes print as bytes */
	ck_assert_int_eq(sluice_fb_json_print_buffer(zoo, zlen, NULL, buf + m.offset, m.length,
						     NULL, out, sizeof(out), NULL),
			 0);
	ck_assert_msg(strstr(out, "\"payload\": [") != NULL, "%s", out);

	/* bytes that are no Tag: refused where the schema says they must be one */
	sluice_fb_builder_init(&b, buf, sizeof(buf));
	ck_assert_int_eq(sluice_fb_json_parse(bfbs, blen, NULL, junk, strlen(junk), scratch,
					      sizeof(scratch), &b, false, &m),
			 0);
	ck_assert_int_ne(zoo_Animal_verify(buf + m.offset, m.length), 0);
	ck_assert_int_ne(sluice_fb_json_verify(bfbs, blen, NULL, buf + m.offset, m.length, &o), 0);
	ck_assert_int_eq(sluice_fb_json_verify(zoo, zlen, NULL, buf + m.offset, m.length, &o), 0);
	/* the schema's own flag: no room for the nested builder */
	sluice_fb_builder_init(&b, buf, sizeof(buf));
	ck_assert_int_eq(sluice_fb_json_parse(bfbs, blen, NULL, json, strlen(json), scratch, 200, &b,
					      false, &m),
			 -SLUICE_EFBFULL);
}
END_TEST

struct strbuf {
	char text[128];
	size_t len;
};

static int strbuf_write(void *ctx, const char *text, size_t len)
{
	struct strbuf *b = ctx;

	if (b->len + len >= sizeof(b->text))
		return -ENOSPC;
	memcpy(b->text + b->len, text, len);
	b->len += len;
	b->text[b->len] = 0;
	return 0;
}

/* One string, as every printer (echo, json_sink) writes it: JSON whatever
 * the bytes are. */
START_TEST(json_string_of_any_bytes)
{
	static const char in[] = "a\"b\\\n\x01\xff\xc3\xa9";
	struct strbuf b = {.len = 0};

	ck_assert_int_eq(sluice_fb_json_string(in, sizeof(in) - 1, strbuf_write, &b), 0);
	ck_assert_str_eq(b.text, "\"a\\\"b\\\\\\n\\u0001\\ufffd\xc3\xa9\"");
	b.len = 0;
	ck_assert_int_eq(sluice_fb_json_string("", 0, strbuf_write, &b), 0);
	ck_assert_str_eq(b.text, "\"\"");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("fb_json_runtime");
	TCase *tc = tcase_create("json");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, zoo_prints_like_flatc);
	tcase_add_test(tc, named_table_and_limits);
	tcase_add_test(tc, damaged_schema_is_safe);
	tcase_add_test(tc, parse_round_trip);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, union_type_without_value_is_null);
	tcase_add_test(tc, string_escapes_like_flatc);
	tcase_add_test(tc, nested_flatbuffer_with_builtins);
	tcase_add_test(tc, json_string_of_any_bytes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
