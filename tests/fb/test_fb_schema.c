/* test_fb_schema.c - sluicec's schema checks: a table of bad schemas, each
 * refused with "file:line:col: error: ..."; each that flatc 2.0.8 also
 * refuses is run through flatc to prove it; the limits flatc forgets are
 * marked. Valid schemas, some unusual, are accepted. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema.h"
#include "testutil.h"

struct bad {
	const char *name;
	const char *text;
	const char *msg;   /* a part of the expected message */
	int line, col;     /* 0: not checked */
	int flatc_rejects; /* 1: flatc 2.0.8 refuses it too; 0: a sluicec-only rule */
};

static const struct bad bad[] = {
	{"unknown type", "table T { a: Foo; }", "not defined", 1, 11, 1},
	{"duplicate field", "table T { a: int; a: int; }", "field already exists", 1, 19, 1},
	{"duplicate type", "table T { a: int; }\ntable T { b: int; }", "already exists", 2, 1, 1},
	{"enum without type", "enum E { A }", "underlying integer type", 1, 8, 1},
	{"enum of float", "enum E : float { A }", "integral", 1, 10, 1},
	{"enum of bool", "enum E : bool { A }", "integral", 1, 10, 1},
	{"enum value too big", "enum E : ubyte { A = 256 }", "does not fit", 1, 18, 1},
	{"negative unsigned enum", "enum E : uint { A = -1 }", "does not fit", 0, 0, 1},
	{"enum name twice", "enum E : int { A, A }", "already exists", 1, 19, 1},
	{"enum value twice", "enum E : int { A = 1, B = 1 }", "all enum values must be unique: A and B are both 1", 1, 23, 1},
	{"union member at 0", "table A { x: int; } union U { A = 0 }", "A and NONE are both 0", 0, 0, 1},
	{"two keys in a struct", "struct S { a: int (key); b: int (key); }", "only one field may be set as 'key'", 1, 26, 1},
	{"attribute on an enum value", "attribute \"x\"; enum E : int { A (x: 1) }", "expected '}'", 0, 0, 1},
	{"bit flag too high", "enum E : ubyte (bit_flags) { A = 8 }", "bit flag", 0, 0, 1},
	{"string in struct", "struct S { s: string; }", "structs may contain only", 1, 12, 1},
	{"vector in struct", "struct S { v: [int]; }", "structs may contain only", 0, 0, 1},
	{"table in struct", "table X { a: int; }\nstruct S { t: X; }", "structs may contain only", 2, 12, 1},
	{"union in struct", "table A { x: int; } union U { A } struct S { u: U; }", "structs may contain only", 0, 0, 1},
	{"string array", "struct S { a: [string:2]; }", "structs may contain only", 0, 0, 1},
	{"struct default", "struct S { a: int = 1; }", "struct fields", 0, 0, 1},
	{"deprecated struct field", "struct S { a: int (deprecated); }", "can't deprecate", 1, 12, 1},
	{"union of an int", "table A { a: int; } union U { A, N: int }", "table/struct/string", 1, 34, 1},
	{"hash on a float", "table T { a: float (hash: \"fnv1_32\"); }", "support hashing", 1, 11, 1},
	{"hash of another width", "table T { a: int (hash: \"fnv1_64\"); }", "Unknown hashing algorithm for 32 bit", 1, 11, 1},
	{"hash unknown", "table T { a: [ulong] (hash: \"md5\"); }", "Unknown hashing algorithm for 64 bit", 1, 11, 1},
	{"field named as its table", "table T { T: int; }", "same as table/struct name", 1, 11, 1},
	{"field named as its struct", "struct S { S: int; }", "same as table/struct name", 1, 12, 1},
	{"quoted default of two spaces", "enum C : ubyte (bit_flags) { R, G } table T { c: C = \"R  G\"; }", "unknown enum value", 0, 0, 1},
	{"quoted default not in the enum", "enum C : ubyte { R, G, B } table T { c: C = \"G B\"; }", "not part of enum", 0, 0, 1},
	{"enum without 0 in a table", "enum E : int { A = 1 } table T { a: E; }", "not part of enum", 1, 34, 1},
	{"enum without 0 in a struct", "enum E : int { A = 1 } struct S { a: E; }", "not part of enum", 1, 35, 1},
	{"doc comment after code", "table T { x: int; } /// no", "on a line on its own", 0, 0, 1},
	{"empty file", "", "input file is empty", 0, 0, 1},
	{"only a comment", "// nothing here\n", "input file is empty", 0, 0, 1},
	{"rpc_service without calls", "table T { a: int; } rpc_service S {}", "rpc name", 0, 0, 1},
	{"rpc of a struct", "struct P { a: int; } table T { a: int; } rpc_service S { f(P): T; }", "must be tables", 0, 0, 1},
	{"rpc of an enum", "enum E : int { A } table T { a: int; } rpc_service S { f(T): E; }", "must be tables", 0, 0, 1},
	{"rpc of a union", "table A { a: int; } union U { A } rpc_service S { f(U): A; }", "must be tables", 0, 0, 1},
	{"rpc twice", "table T { a: int; } rpc_service S { f(T): T; f(T): T; }", "rpc already exists", 1, 46, 1},
	{"service twice", "table T { a: int; } rpc_service S { f(T): T; }\nrpc_service S { g(T): T; }", "service already exists", 2, 1, 1},
	{"rpc of an unknown type", "table T { a: int; } rpc_service S { f(T): Nope; }", "not defined", 0, 0, 1},
	{"rpc undeclared attribute", "table T { a: int; } rpc_service S { f(T): T (foo); }", "declared before use", 0, 0, 1},
	{"string default", "table T { s: string = \"x\"; }", "default value", 0, 0, 1},
	{"required scalar", "table T { a: int (required); }", "required", 1, 11, 1},
	{"undeclared attribute", "table T { a: int (foo); }", "declared before use", 1, 19, 1},
	{"some ids", "table T { a: int (id: 0); b: int; }", "all fields or no fields", 0, 0, 1},
	{"id gap", "table T { a: int (id: 0); b: int (id: 2); }", "consecutive", 1, 27, 1},
	{"id twice", "table T { a: int (id: 0); b: int (id: 0); }", "consecutive", 0, 0, 1},
	{"id not a number", "table T { a: int (id: \"x\"); }", "id", 0, 0, 1},
	{"negative id", "table T { a: int (id: -1); }", "out of range", 0, 0, 1},
	{"union id 0", "table A { x: int; } union U { A }\ntable T { u: U (id: 0); }", "at least 1", 2, 11, 1},
	{"root is struct", "struct S { a: int; }\nroot_type S;", "table", 2, 1, 1},
	{"root unknown", "root_type Nope;", "root type", 1, 1, 1},
	{"root in other namespace", "namespace a; table T {a:int;} namespace b; root_type T;", "root type", 0, 0, 1},
	{"identifier length", "file_identifier \"ABC\";", "exactly 4", 1, 17, 1},
	{"force_align 3", "struct S (force_align: 3) { a: int; }", "force_align", 0, 0, 1},
	{"force_align below natural", "struct S (force_align: 2) { a: int; }", "force_align", 0, 0, 1},
	{"force_align 64", "struct S (force_align: 64) { a: int; }", "force_align", 0, 0, 1},
	{"force_align without value", "struct S (force_align) { a: int; }", "force_align", 0, 0, 1},
	{"array in table", "table T { a: [int:3]; }", "wrapped in struct", 0, 0, 1},
	{"array of length 0", "struct S { a: [int:0]; }", "array size", 0, 0, 1},
	{"vector of vectors", "table T { a: [[int]]; }", "nested vector", 0, 0, 1},
	{"default out of range", "table T { a: ubyte = 300; }", "out of range", 0, 0, 1},
	{"negative unsigned default", "table T { a: ubyte = -1; }", "out of range", 0, 0, 1},
	{"long default too big", "table T { a: long = 9223372036854775808; }", "out of range", 0, 0, 1},
	{"float default for int", "table T { a: int = 1.5; }", "integer field", 0, 0, 1},
	{"bool default for int", "table T { a: int = true; }", "bool fields only", 0, 0, 1},
	{"hex default for float", "table T { a: float = 0x10; }", "float field", 0, 0, 1},
	{"enum default not a member", "enum E : int { A, B } table T { e: E = 7; }", "not part of enum", 0, 0, 1},
	{"enum default unknown name", "enum E : int { A, B } table T { e: E = C; }", "unknown enum value", 0, 0, 1},
	{"enum default float", "enum E : int { A } table T { e: E = 0.5; }", "integer field", 0, 0, 1},
	{"enum used before declared", "table T { a: E; }\nenum E : int { X }", "before its declaration", 1, 11, 1},
	{"union used before declared", "table T { u: U; } union U { T }", "before its declaration", 1, 11, 1},
	{"two keys", "table T { a: int (key); b: int (key); }", "only one field", 0, 0, 1},
	{"key on a table", "table X { a: int; } table T { a: X (key); }", "'key' field", 0, 0, 1},
	{"key on a vector", "table T { a: [int] (key); }", "'key' field", 0, 0, 1},
	{"missing semicolon", "table T { a: int }", "expected ';'", 1, 18, 1},
	{"unterminated comment", "table T { a: int; } /* x", "unterminated comment", 1, 21, 1},
	{"unterminated string", "file_identifier \"ABCD;", "unterminated string", 1, 17, 1},
	{"include after declaration", "table T { a: int; }\ninclude \"x.fbs\";", "before declarations", 2, 1, 1},
	{"include missing", "include \"nope_nope.fbs\";", "include file", 1, 1, 1},
	{"optional string", "table T { s: string = null; }", "optional", 0, 0, 1},
	{"optional struct", "struct S { a: int; } table T { s: S = null; }", "optional", 0, 0, 1},
	{"optional required", "table T { a: int = null (required); }", "required", 0, 0, 1},
	{"union type name taken", "table A { x: int; } union U { A } table T { u: U; u_type: int; }", "u_type", 0, 0, 1},
	{"union member twice", "table A { x: int; } union U { A, A } table T { u: U; }", "already exists", 0, 0, 1},
	{"union member NONE", "table NONE { x: int; } union U { NONE } table T { u: U; }", "already exists", 0, 0, 1},
	{"union member unknown", "union U { Nope } table T { u: U; }", "not defined", 0, 0, 1},
	{"empty struct", "struct S { }", "size 0", 0, 0, 1},
	{"nested_flatbuffer on [int]", "table A { x: int; } table T { n: [int] (nested_flatbuffer: \"A\"); }", "vector of ubyte", 0, 0, 1},
	{"nested_flatbuffer unknown", "table T { n: [ubyte] (nested_flatbuffer: \"Q\"); }", "no table", 0, 0, 1},
	{"stray character", "table T { a: int; } $", "unexpected character", 1, 21, 1},
	{"misspelt keyword", "tabel T { a: int; }", "expected a declaration", 1, 1, 1},
	{"empty default", "table T { a: int = ; }", "default value", 1, 20, 1},
	{"empty namespace part", "namespace a..b;", "namespace", 0, 0, 1},
	{"json in schema", "{ \"a\": 1 }", "JSON", 1, 1, 1},
	{"structs in a cycle", "struct A { b: B; }\nstruct B { a: A; }", "structs may contain only", 1, 12, 1},
	{"struct used before its declaration", "struct A { b: B; }\nstruct B { x: int; }", "structs may contain only", 1, 12, 1},
	/* limits flatc 2.0.8 forgets */
	{"table of 128 KiB", "struct B { a: [double:8000]; }\ntable T { x: B; y: B; }", "too large", 2, 1, 0},
	{"struct inside itself", "struct S { a: int; s: S; }", "contains itself", 0, 0, 0},
	{"struct over 2 GiB", "struct A { x: [ulong:65535]; }\nstruct B { a: [A:65535]; }\ntable T { b: [B]; }",
	 "larger than 2147483647 bytes", 2, 12, 0},
	/* outside what sluicec supports (flatc accepts them for some languages) */
	{"array of unions", "table A { x: int; } union U { A } struct S { u: [U:2]; }", "arrays of unions", 1, 46, 1},
};

static char dir[64];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fputc('\n', f);
	fclose(f);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sluice-fbs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(bad_schema_is_refused)
{
	const struct bad *b = &bad[_i];
	struct schema s;
	char path[256], err[1024], want[300];

	snprintf(path, sizeof(path), "%s/bad%d.fbs", dir, _i);
	write_file(path, b->text);
	memset(&s, 0, sizeof(s));
	ck_assert_msg(sc_parse_file(&s, path, err, sizeof(err)) != 0, "%s: accepted", b->name);
	ck_assert_msg(strstr(err, b->msg) != NULL, "%s: message \"%s\" lacks \"%s\"", b->name, err,
		      b->msg);
	snprintf(want, sizeof(want), "%s:", path);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s: no file name: %s", b->name, err);
	if (b->line) {
		snprintf(want, sizeof(want), "%s:%d:%d: error: ", path, b->line, b->col);
		ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s: \"%s\" is not at %d:%d",
			      b->name, err, b->line, b->col);
	} else {
		int line, col;
		ck_assert_msg(sscanf(err + strlen(path), ":%d:%d: error: ", &line, &col) == 2,
			      "%s: no line:col in %s", b->name, err);
	}
	sc_free_all();
#ifdef FLATC
	{
		char cmd[1024];
		int rc;

		snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' --cpp -o '%s/out' '%s' >/dev/null 2>&1",
			 dir, FLATC, dir, path);
		rc = system(cmd);
		if (b->flatc_rejects)
			ck_assert_msg(rc != 0, "%s: flatc accepts it", b->name);
		else
			ck_assert_msg(rc == 0, "%s: flatc refuses it too; mark it", b->name);
	}
#endif
}
END_TEST

static const char *good[] = {
	"enum E : int { B = 2, A = 1 } table T { e: E = A; }",
	"enum E : byte (bit_flags) { A, B } table T { e: E = B; }",
	"enum E : int { } table T { a: int; }",
	"table T { }",
	"table T { table: int; struct: float; }",
	"enum E : int { A } table T { e: E = null; }",
	"table T { s: string (deprecated, required); x: int; }",
	"table A { x: int; } union U { A, B: A } table T { u: U; }",
	"attribute \"x\"; attribute \"x\"; table T { a: int (x); }",
	"table T { a: int; } root_type T; root_type T;",
	"table T { b: bool = true; f: float = -inf; d: double = nan; l: long = -9223372036854775808; "
	"u: ulong = 0xffffffffffffffff; }",
	"namespace a.b; table T { a: int; } namespace c; table U { t: a.b.T; } root_type U;",
	"table A { x: int; } union U { A } table T { u: U (id: 2); a: int (id: 0); }",
	"rpc_service S { Get(T):T; } table T { a: int; }",
	"table A { x: int; } union U { A } table T { u: [U]; v: [U] (deprecated); }",
	"table A { x: int; } struct P { x: int; } union U { A, P, S: string } table T { u: U; }",
	"union U {} table T { u: U; }",
	"\xef\xbb\xbftable T { a: int; } // after a UTF-8 byte order mark",
};

START_TEST(good_schema_is_accepted)
{
	struct schema s;
	char path[256], err[1024];

	snprintf(path, sizeof(path), "%s/good%d.fbs", dir, _i);
	write_file(path, good[_i]);
	memset(&s, 0, sizeof(s));
	ck_assert_msg(sc_parse_file(&s, path, err, sizeof(err)) == 0, "%s: %s", good[_i], err);
	sc_free_all();
}
END_TEST

/* An include is found beside the including file or on -I, once. */
START_TEST(includes_resolve)
{
	struct schema s;
	char path[256], err[1024], sub[256];
	const char *incs[1];

	snprintf(sub, sizeof(sub), "%s/inc", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/inc/common.fbs", dir);
	write_file(path, "namespace c; struct P { x: float; }");
	snprintf(path, sizeof(path), "%s/mid.fbs", dir);
	write_file(path, "include \"common.fbs\"; namespace m; table M { p: c.P; }");
	snprintf(path, sizeof(path), "%s/top.fbs", dir);
	write_file(path, "include \"mid.fbs\"; include \"common.fbs\"; include \"top.fbs\";\n"
			 "table Top { m: m.M; p: c.P; } root_type Top;");
	memset(&s, 0, sizeof(s));
	ck_assert_int_ne(sc_parse_file(&s, path, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "common.fbs"));
	sc_free_all();
	memset(&s, 0, sizeof(s));
	incs[0] = sub;
	s.incdirs = incs;
	s.nincdirs = 1;
	ck_assert_msg(sc_parse_file(&s, path, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(s.ndefs, 3);
	ck_assert_str_eq(s.root->fullname, "Top");
	sc_free_all();
}
END_TEST

/* Writes text to dir/name and parses it; the error goes to err. */
static int parse_text(const char *name, const char *text, char *path, size_t plen, char *err,
		      size_t elen)
{
	struct schema s;
	int rc;

	snprintf(path, plen, "%s/%s", dir, name);
	write_file(path, text);
	memset(&s, 0, sizeof(s));
	rc = sc_parse_file(&s, path, err, elen);
	sc_free_all();
	return rc;
}

/* A chain of n+1 structs S0 < S1 < ... < Sn (Sn nests n+1 deep) used by a
 * table, declared innermost first or outermost first. */
static char *struct_chain(int n, int outer_first)
{
	char *t = malloc(64 + 40 * ((size_t)n + 2)), *p = t;

	ck_assert_ptr_nonnull(t);
	if (outer_first) {
		p += sprintf(p, "table T { s: S%d; }\nroot_type T;\n", n);
		for (int i = n; i >= 1; i--)
			p += sprintf(p, "struct S%d { s: S%d; }\n", i, i - 1);
		sprintf(p, "struct S0 { a: ubyte; }");
	} else {
		p += sprintf(p, "struct S0 { a: ubyte; }\n");
		for (int i = 1; i <= n; i++)
			p += sprintf(p, "struct S%d { s: S%d; }\n", i, i - 1);
		sprintf(p, "table T { s: S%d; }\nroot_type T;", n);
	}
	return t;
}

/* Structs nest as deep as flatc lets them: 65 levels and 100000 levels
 * (linear time; sluicec used to stop at 64). Declared outermost first, a
 * chain is refused at the first struct used before its declaration, as
 * flatc refuses it. */
START_TEST(struct_nesting_like_flatc)
{
	char path[256], err[1024], want[400];
	char *at = struct_chain(64, 0), *deep = struct_chain(100000, 0);
	char *outer = struct_chain(64, 1);

	ck_assert_msg(parse_text("at.fbs", at, path, sizeof(path), err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(parse_text("deep.fbs", deep, path, sizeof(path), err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_int_ne(parse_text("outer.fbs", outer, path, sizeof(path), err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s:3:14: error: structs may contain only scalar or struct fields",
		 path);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "want \"%s\", got \"%s\"", want, err);
	free(at);
	free(deep);
	free(outer);
}
END_TEST

static char *wide_table(int nfields)
{
	char *t = malloc(64 + 24 * (size_t)nfields), *p = t;

	ck_assert_ptr_nonnull(t);
	p += sprintf(p, "table T {\n");
	for (int i = 0; i < nfields; i++)
		p += sprintf(p, "  f%d: ubyte;\n", i);
	sprintf(p, "}\nroot_type T;");
	return t;
}

/* A vtable has 16-bit offsets: 4 + 2 * 32765 bytes is the largest, so a
 * table has at most SC_MAX_TABLE_SLOTS fields (flatc 2.0.8 wraps field
 * 32766's offset to 0 without a word).  The first field over is named. */
START_TEST(table_fields_are_limited)
{
	char path[256], err[1024], want[400];
	char *at = wide_table(SC_MAX_TABLE_SLOTS), *over = wide_table(SC_MAX_TABLE_SLOTS + 1);
	char *wide = wide_table(70000);

	ck_assert_msg(parse_text("at.fbs", at, path, sizeof(path), err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_int_ne(parse_text("over.fbs", over, path, sizeof(path), err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s:%d:3: error: table T has too many fields", path,
		 SC_MAX_TABLE_SLOTS + 2);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "want \"%s\", got \"%s\"", want, err);
	ck_assert_int_ne(parse_text("wide.fbs", wide, path, sizeof(path), err, sizeof(err)), 0);
	ck_assert_msg(strncmp(err + strlen(path), want + strlen(path), strlen(want) - strlen(path)) == 0,
		      "%s", err);
	free(at);
	free(over);
	free(wide);
}
END_TEST

/* "[[[[..." is refused at the second '[' instead of recursing once per
 * bracket (a million of them overflowed the stack). */
START_TEST(nested_vector_bomb_is_refused)
{
	size_t n = 1000000;
	char *t = malloc(n + 32), path[256], err[1024], want[400];

	ck_assert_ptr_nonnull(t);
	strcpy(t, "table T { a: ");
	memset(t + 13, '[', n);
	t[13 + n] = '\0';
	ck_assert_int_ne(parse_text("bomb.fbs", t, path, sizeof(path), err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s:1:14: error: nested vector", path);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "want \"%s\", got \"%s\"", want, err);
	free(t);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("fb_schema");
	TCase *tc = tcase_create("schemas");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, bad_schema_is_refused, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_loop_test(tc, good_schema_is_accepted, 0, (int)(sizeof(good) / sizeof(good[0])));
	tcase_add_test(tc, includes_resolve);
	tcase_add_test(tc, struct_nesting_like_flatc);
	tcase_add_test(tc, table_fields_are_limited);
	tcase_add_test(tc, nested_vector_bomb_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
