/* test_fb_conform.c - the FlatBuffers conformance items of sluicec that
 * reach generated code, each against flatc 2.0.8: data flatc builds is read
 * by the generated C and printed by `sluicec --json` as flatc prints it;
 * data the generated builders (and `sluicec -b`) build passes flatc's
 * reflection verifier and prints the same through flatc. flatc 2.0.8's
 * --json refuses unions of structs and strings, so for those sluicec's JSON
 * is compared with the JSON flatc built the data from. */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf_defaults_sluice.h"
#include "conf_enum_repeat_sluice.h"
#include "conf_union_kinds_sluice.h"
#include "conf_union_ns_sluice.h"
#include "conf_union_vector_sluice.h"
#include "reflection_sluice.h"
#include "sluice/fb_json.h"
#include "testutil.h"

static char dir[64];
static char path_buf[256];

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

#define KINDS FB_SCHEMAS "/conf_union_kinds.fbs"

/* One message per member kind, both unions set, as flatc reads it. */
static const char *const kinds_json[] = {
	"{\"first_type\": \"Note\", \"first\": {\"text\": \"hi\", \"level\": 9}, "
	"\"second_type\": \"At\", \"second\": {\"x\": 1.5, \"y\": -2.25}, \"tail\": 8}",
	"{\"first_type\": \"Big\", \"first\": {\"tag\": -3, \"value\": 0.125}, "
	"\"second_type\": \"Label\", \"second\": \"a label\"}",
	"{\"first_type\": \"Alt\", \"first\": \"\", \"second_type\": \"Big\", "
	"\"second\": {\"tag\": 1, \"value\": -1e300}}",
	"{\"tail\": 1}",
};

static void check_kinds(const uint8_t *buf, size_t n, int which)
{
	const uint8_t *h;
	conf_union_kinds_Point pt;
	conf_union_kinds_Wide w;

	ck_assert_int_eq(conf_union_kinds_Holder_verify(buf, n), 0);
	h = conf_union_kinds_Holder_as_root(buf);
	switch (which) {
	case 0:
		ck_assert_uint_eq(conf_union_kinds_Holder_first_type(h), conf_union_kinds_Thing_Note);
		ck_assert_str_eq(conf_union_kinds_Note_text(conf_union_kinds_Holder_first_as_Note(h)), "hi");
		ck_assert_int_eq(conf_union_kinds_Note_level(conf_union_kinds_Holder_first(h)), 9);
		ck_assert_uint_eq(conf_union_kinds_Holder_second_type(h), conf_union_kinds_Thing_At);
		pt = conf_union_kinds_Holder_second_as_At(h);
		ck_assert(pt.x == 1.5f && pt.y == -2.25f);
		/* the accessor of another member finds nothing */
		ck_assert_ptr_null(conf_union_kinds_Holder_second_as_Label(h));
		ck_assert_int_eq(conf_union_kinds_Holder_tail(h), 8);
		break;
	case 1:
		w = conf_union_kinds_Holder_first_as_Big(h);
		ck_assert(w.tag == -3 && w.value == 0.125);
		ck_assert_str_eq(conf_union_kinds_Holder_second_as_Label(h), "a label");
		ck_assert_uint_eq(conf_union_kinds_Holder_second_as_Label_len(h), 7);
		ck_assert_ptr_null(conf_union_kinds_Holder_second_as_Alt(h));
		break;
	case 2:
		ck_assert_str_eq(conf_union_kinds_Holder_first_as_Alt(h), "");
		w = conf_union_kinds_Holder_second_as_Big(h);
		ck_assert(w.tag == 1 && w.value == -1e300);
		pt = conf_union_kinds_Holder_second_as_At(h);
		ck_assert(pt.x == 0 && pt.y == 0);
		break;
	default:
		ck_assert_uint_eq(conf_union_kinds_Holder_first_type(h), conf_union_kinds_Thing_NONE);
		ck_assert_ptr_null(conf_union_kinds_Holder_first(h));
		ck_assert_int_eq(conf_union_kinds_Holder_tail(h), 1);
	}
}

/* Issue 18 item 2: unions of structs and strings, data from flatc -b and
 * from sluicec -b: read by the generated C, verified by flatc's reflection
 * verifier and by sluice's, printed by sluicec --json as it was written. */
START_TEST(union_kinds_json_both_ways)
{
	char path[256];
	uint8_t *buf;
	size_t n;
	int tool;

	ck_assert_int_eq(sh("printf '%%s' '%s' > '%s/k.json'", kinds_json[_i], dir), 0);
	for (tool = 0; tool < 2; tool++) {
		if (tool == 0)
			ck_assert_int_eq(sh("cd '%s' && rm -f k.bin && '%s' -b '%s' k.json", dir, FLATC, KINDS), 0);
		else
			ck_assert_int_eq(sh("rm -f '%s/k.bin' && '%s' -b -o '%s' '%s' '%s/k.json'", dir, SLUICEC,
					    dir, KINDS, dir),
					 0);
		snprintf(path, sizeof(path), "%s/k.bin", dir);
		n = slurp(path, &buf);
		check_kinds(buf, n, _i);
		free(buf);
		flatc_verifies(KINDS, path);
		ck_assert_int_eq(sh("'%s' --json '%s' '%s' > '%s/s.json'", SLUICEC, KINDS, path, dir), 0);
		ck_assert_int_eq(sh("/usr/bin/python3 " JSON_EQUAL " '%s/k.json' '%s/s.json'", dir, dir), 0);
	}
}
END_TEST

/* The generated builders write each kind; flatc's verifier accepts it. */
START_TEST(union_kinds_built_here)
{
	uint8_t mem[512];
	sluice_fb_builder b;
	sluice_fb_msg m;
	sluice_fb_ref wide, label;
	conf_union_kinds_Wide w;
	char path[256];
	uint8_t *buf;
	size_t n;

	memset(&w, 0, sizeof(w));
	w.tag = -3;
	w.value = 0.125;
	sluice_fb_builder_init(&b, mem, sizeof(mem));
	label = sluice_fb_cstring(&b, "a label");
	wide = conf_union_kinds_Holder_first_create_Big(&b, &w);
	conf_union_kinds_Holder_start(&b);
	conf_union_kinds_Holder_add_first(&b, conf_union_kinds_Thing_Big, wide);
	conf_union_kinds_Holder_add_second(&b, conf_union_kinds_Thing_Label, label);
	ck_assert_int_eq(conf_union_kinds_Holder_finish(&b, conf_union_kinds_Holder_end(&b), &m), 0);
	/* the struct stands on its own, 8-aligned in the message */
	ck_assert_uint_eq((uintptr_t)(conf_union_kinds_Holder_first(mem + m.offset) - (mem + m.offset)) % 8, 0);
	snprintf(path, sizeof(path), "%s/c.bin", dir);
	spit(path, mem + m.offset, m.length);
	n = slurp(path, &buf);
	check_kinds(buf, n, 1);
	free(buf);
	flatc_verifies(KINDS, path);
	ck_assert_int_eq(sh("printf '%%s' '%s' > '%s/k.json'", kinds_json[1], dir), 0);
	ck_assert_int_eq(sh("'%s' --json '%s' '%s' > '%s/s.json'", SLUICEC, KINDS, path, dir), 0);
	ck_assert_int_eq(sh("/usr/bin/python3 " JSON_EQUAL " '%s/k.json' '%s/s.json'", dir, dir), 0);
}
END_TEST

/* A struct member must lie inside the buffer and be aligned; a string
 * member must be a string: both verifiers refuse what is not. */
START_TEST(union_kinds_hostile)
{
	uint8_t mem[512], *msg, *bad;
	sluice_fb_builder b;
	sluice_fb_msg m;
	sluice_fb_ref wide;
	conf_union_kinds_Wide w;
	const uint8_t *h, *slot;
	uint32_t off;
	size_t at;
	char path[256];

	memset(&w, 0, sizeof(w));
	sluice_fb_builder_init(&b, mem, sizeof(mem));
	wide = conf_union_kinds_Holder_first_create_Big(&b, &w);
	conf_union_kinds_Holder_start(&b);
	conf_union_kinds_Holder_add_first(&b, conf_union_kinds_Thing_Big, wide);
	ck_assert_int_eq(conf_union_kinds_Holder_finish(&b, conf_union_kinds_Holder_end(&b), &m), 0);
	msg = mem + m.offset;
	h = conf_union_kinds_Holder_as_root(msg);
	slot = sluice_fb_field_ptr(h, 1); /* first's value: an offset */
	at = (size_t)(slot - msg);
	bad = malloc(m.length);
	/* the offset moved by 4: the 8-aligned struct becomes misaligned */
	memcpy(bad, msg, m.length);
	memcpy(&off, bad + at, 4);
	off += 4;
	memcpy(bad + at, &off, 4);
	ck_assert_int_eq(conf_union_kinds_Holder_verify(bad, m.length), -SLUICE_EFBALIGN);
	/* the struct runs past the end of a buffer cut short */
	memcpy(bad, msg, m.length);
	ck_assert_int_ne(conf_union_kinds_Holder_verify(bad, m.length - 4), 0);
	/* the type says string: the struct's bytes are no string */
	memcpy(bad, msg, m.length);
	bad[sluice_fb_field_ptr(h, 0) - msg] = conf_union_kinds_Thing_Label;
	memset(bad + (conf_union_kinds_Holder_first(h) - msg), 0xff, 4);
	ck_assert_int_eq(conf_union_kinds_Holder_verify(bad, m.length), -SLUICE_EFBBOUNDS);
	snprintf(path, sizeof(path), "%s/bad.bin", dir);
	spit(path, bad, m.length);
	ck_assert_int_ne(sh("'%s' --json '%s' '%s' > /dev/null 2>&1", SLUICEC, KINDS, path), 0);
	free(bad);
}
END_TEST

#define UVEC FB_SCHEMAS "/conf_union_vector.fbs"

static const char *const uvec_json[] = {
	"{\"pieces_type\": [\"Knight\", \"At\", \"Note\", \"Time\", \"Knight\"], "
	"\"pieces\": [{\"name\": \"k1\", \"moves\": 3}, {\"file\": 4, \"rank\": -7}, \"n\", "
	"{\"seconds\": 90.5}, {}], \"last_type\": \"At\", \"last\": {\"file\": 1, \"rank\": 2}, "
	"\"history_type\": [\"Note\"], \"history\": [\"e4\"], \"id\": 77}",
	"{\"pieces_type\": [], \"pieces\": [], \"first\": 1, \"extra\": 2, \"tail\": 3}",
	"{\"history_type\": [\"Time\", \"Time\"], \"history\": [{\"seconds\": 1}, {\"seconds\": -2}]}",
};

static void check_uvec(const uint8_t *buf, size_t n, int which)
{
	const uint8_t *bd;
	conf_union_vector_Square sq;
	conf_union_vector_Clock ck;

	ck_assert_int_eq(conf_union_vector_Board_verify(buf, n), 0);
	bd = conf_union_vector_Board_as_root(buf);
	switch (which) {
	case 0:
		ck_assert_uint_eq(conf_union_vector_Board_pieces_len(bd), 5);
		ck_assert_uint_eq(conf_union_vector_Board_pieces_type_len(bd), 5);
		ck_assert_uint_eq(conf_union_vector_Board_pieces_type_at(bd, 0), conf_union_vector_Piece_Knight);
		ck_assert_str_eq(conf_union_vector_Knight_name(conf_union_vector_Board_pieces_at(bd, 0)), "k1");
		ck_assert_uint_eq(conf_union_vector_Knight_moves(conf_union_vector_Board_pieces_at(bd, 0)), 3);
		ck_assert_uint_eq(conf_union_vector_Board_pieces_type_at(bd, 1), conf_union_vector_Piece_At);
		memcpy(&sq, conf_union_vector_Board_pieces_at(bd, 1), sizeof(sq));
		ck_assert(sq.file == 4 && sq.rank == -7);
		ck_assert_uint_eq(conf_union_vector_Board_pieces_type_at(bd, 2), conf_union_vector_Piece_Note);
		ck_assert_str_eq((const char *)conf_union_vector_Board_pieces_at(bd, 2) + 4, "n");
		memcpy(&ck, conf_union_vector_Board_pieces_at(bd, 3), sizeof(ck));
		ck_assert(ck.seconds == 90.5);
		ck_assert_uint_eq(conf_union_vector_Knight_moves(conf_union_vector_Board_pieces_at(bd, 4)), 8);
		ck_assert_ptr_null(conf_union_vector_Board_pieces_at(bd, 5));
		ck_assert_uint_eq(conf_union_vector_Board_pieces_type_at(bd, 5), 0);
		sq = conf_union_vector_Board_last_as_At(bd);
		ck_assert(sq.file == 1 && sq.rank == 2);
		ck_assert_uint_eq(conf_union_vector_Board_history_len(bd), 1);
		ck_assert_uint_eq(conf_union_vector_Board_id(bd), 77);
		ck_assert_int_eq(conf_union_vector_Board_tail(bd), -1);
		break;
	case 1:
		ck_assert(conf_union_vector_Board_pieces_is_present(bd));
		ck_assert_uint_eq(conf_union_vector_Board_pieces_len(bd), 0);
		ck_assert_int_eq(conf_union_vector_Board_extra(bd), 2);
		break;
	default:
		ck_assert(!conf_union_vector_Board_pieces_is_present(bd));
		ck_assert_uint_eq(conf_union_vector_Board_history_type_at(bd, 1), conf_union_vector_Piece_Time);
		memcpy(&ck, conf_union_vector_Board_history_at(bd, 1), sizeof(ck));
		ck_assert(ck.seconds == -2);
	}
}

/* Issue 18 item 2: vectors of unions, data from flatc -b and sluicec -b. */
START_TEST(union_vector_json_both_ways)
{
	char path[256];
	uint8_t *buf;
	size_t n;
	int tool;

	ck_assert_int_eq(sh("printf '%%s' '%s' > '%s/v.json'", uvec_json[_i], dir), 0);
	for (tool = 0; tool < 2; tool++) {
		if (tool == 0)
			ck_assert_int_eq(sh("cd '%s' && rm -f v.bin && '%s' -b '%s' v.json", dir, FLATC, UVEC), 0);
		else
			ck_assert_int_eq(sh("rm -f '%s/v.bin' && '%s' -b -o '%s' '%s' '%s/v.json'", dir, SLUICEC,
					    dir, UVEC, dir),
					 0);
		snprintf(path, sizeof(path), "%s/v.bin", dir);
		n = slurp(path, &buf);
		check_uvec(buf, n, _i);
		free(buf);
		flatc_verifies(UVEC, path);
		ck_assert_int_eq(sh("'%s' --json '%s' '%s' > '%s/s.json'", SLUICEC, UVEC, path, dir), 0);
		ck_assert_int_eq(sh("/usr/bin/python3 " JSON_EQUAL " '%s/v.json' '%s/s.json'", dir, dir), 0);
	}
}
END_TEST

/* JSON both compilers refuse: the values before their types, a NONE
 * element, more values than types. */
START_TEST(union_vector_bad_json)
{
	static const char *const bad[] = {
		"{\"pieces\": [\"x\"], \"pieces_type\": [\"Note\"]}",
		"{\"pieces_type\": [\"NONE\"], \"pieces\": [{}]}",
		"{\"pieces_type\": [\"Note\"], \"pieces\": [\"a\", \"b\"]}",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(sh("printf '%%s' '%s' > '%s/b.json'", bad[i], dir), 0);
		ck_assert_int_ne(sh("cd '%s' && '%s' -b '%s' b.json 2>/dev/null", dir, FLATC, UVEC), 0);
		ck_assert_int_ne(sh("'%s' -b -o '%s' '%s' '%s/b.json' 2>/dev/null", SLUICEC, dir, UVEC, dir), 0);
	}
}
END_TEST

/* The generated builders write a vector of unions; flatc verifies it. */
START_TEST(union_vector_built_here)
{
	uint8_t mem[1024];
	sluice_fb_builder b;
	sluice_fb_msg m;
	sluice_fb_ref refs[3], name, knight, types, values;
	conf_union_vector_Square sq = {4, -7};
	static const conf_union_vector_Piece_t tags[3] = {
		conf_union_vector_Piece_Knight, conf_union_vector_Piece_At, conf_union_vector_Piece_Note};
	char path[256];
	uint8_t *buf;
	size_t n;

	sluice_fb_builder_init(&b, mem, sizeof(mem));
	name = sluice_fb_cstring(&b, "k1");
	conf_union_vector_Knight_start(&b);
	conf_union_vector_Knight_add_name(&b, name);
	conf_union_vector_Knight_add_moves(&b, 3);
	knight = conf_union_vector_Knight_end(&b);
	refs[0] = knight;
	refs[1] = conf_union_vector_Board_pieces_create_At(&b, &sq);
	refs[2] = sluice_fb_cstring(&b, "n");
	types = conf_union_vector_Board_create_pieces_type(&b, tags, 3);
	values = conf_union_vector_Board_create_pieces(&b, refs, 3);
	conf_union_vector_Board_start(&b);
	conf_union_vector_Board_add_pieces_type(&b, types);
	conf_union_vector_Board_add_pieces(&b, values);
	conf_union_vector_Board_add_id(&b, 77);
	ck_assert_int_eq(conf_union_vector_Board_finish(&b, conf_union_vector_Board_end(&b), &m), 0);
	snprintf(path, sizeof(path), "%s/c.bin", dir);
	spit(path, mem + m.offset, m.length);
	n = slurp(path, &buf);
	ck_assert_int_eq(conf_union_vector_Board_verify(buf, n), 0);
	ck_assert_str_eq((const char *)conf_union_vector_Board_pieces_at(conf_union_vector_Board_as_root(buf), 2) + 4, "n");
	free(buf);
	flatc_verifies(UVEC, path);
	ck_assert_int_eq(sh("printf '%%s' '{\"pieces_type\": [\"Knight\", \"At\", \"Note\"], \"pieces\": "
			    "[{\"name\": \"k1\", \"moves\": 3}, {\"file\": 4, \"rank\": -7}, \"n\"], \"id\": 77}' > '%s/e.json'",
			    dir),
			 0);
	ck_assert_int_eq(sh("'%s' --json '%s' '%s' > '%s/s.json'", SLUICEC, UVEC, path, dir), 0);
	ck_assert_int_eq(sh("/usr/bin/python3 " JSON_EQUAL " '%s/e.json' '%s/s.json'", dir, dir), 0);
}
END_TEST

/* Types and values must pair up: both verifiers refuse a types vector
 * shorter than the values or a vector without its types. */
START_TEST(union_vector_hostile)
{
	uint8_t mem[512], *bad;
	sluice_fb_builder b;
	sluice_fb_msg m;
	sluice_fb_ref refs[2], types, values;
	static const conf_union_vector_Piece_t tags[2] = {conf_union_vector_Piece_Note,
							  conf_union_vector_Piece_Note};
	char path[256];
	int k;

	for (k = 0; k < 2; k++) {
		sluice_fb_builder_init(&b, mem, sizeof(mem));
		refs[0] = sluice_fb_cstring(&b, "a");
		refs[1] = sluice_fb_cstring(&b, "b");
		types = conf_union_vector_Board_create_pieces_type(&b, tags, 1); /* one short */
		values = conf_union_vector_Board_create_pieces(&b, refs, 2);
		conf_union_vector_Board_start(&b);
		if (k == 0)
			conf_union_vector_Board_add_pieces_type(&b, types);
		conf_union_vector_Board_add_pieces(&b, values);
		ck_assert_int_eq(conf_union_vector_Board_finish(&b, conf_union_vector_Board_end(&b), &m), 0);
		bad = malloc(m.length);
		memcpy(bad, mem + m.offset, m.length);
		ck_assert_int_eq(conf_union_vector_Board_verify(bad, m.length), -SLUICE_EFBUNION);
		snprintf(path, sizeof(path), "%s/bad.bin", dir);
		spit(path, bad, m.length);
		ck_assert_int_ne(sh("'%s' --json '%s' '%s' > /dev/null 2>&1", SLUICEC, UVEC, path), 0);
		ck_assert_int_ne(sh("mkdir -p '%s/fb' && '%s' --binary --schema -o '%s/fb' '%s' && "
				    "'%s' verify '%s/fb/conf_union_vector.bfbs' '%s' 2>/dev/null",
				    dir, FLATC, dir, UVEC, INTEROP_CPP, dir, path),
				 0);
		free(bad);
	}
}
END_TEST

/* Writes dir/deep<n>.fbs, a table T holding a struct n levels deep (S0 a
 * ubyte), and dir/deep<n>.bin, a T whose struct holds 7. */
static void deep_struct(int n)
{
	char path[256];
	FILE *f;
	uint8_t mem[256], seven = 7;
	sluice_fb_builder b;
	sluice_fb_msg m;
	sluice_fb_ref t;
	int i;

	snprintf(path, sizeof(path), "%s/deep%d.fbs", dir, n);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("struct S0 { a: ubyte; }\n", f);
	for (i = 1; i < n; i++)
		fprintf(f, "struct S%d { s: S%d; }\n", i, i - 1);
	fprintf(f, "table T { s: S%d; }\nroot_type T;\n", n - 1);
	ck_assert_int_eq(fclose(f), 0);
	sluice_fb_builder_init(&b, mem, sizeof(mem));
	sluice_fb_table_start(&b);
	sluice_fb_table_struct(&b, 0, &seven, 1, 1);
	t = sluice_fb_table_end(&b, NULL, 0);
	ck_assert_int_eq(sluice_fb_finish(&b, t, NULL, false, &m), 0);
	snprintf(path, sizeof(path), "%s/deep%d.bin", dir, n);
	spit(path, mem + m.offset, m.length);
}

/* Structs nested deeper than 64 levels (flatc sets no limit; sluicec
 * stopped at 64): 300 levels print as flatc prints them; past 4096 the
 * printer stops with an error instead of running out of stack. */
START_TEST(deep_structs_print)
{
	char fbs[256], bin[256];

	deep_struct(300);
	snprintf(fbs, sizeof(fbs), "%s/deep300.fbs", dir);
	snprintf(bin, sizeof(bin), "%s/deep300.bin", dir);
	flatc_verifies(fbs, bin);
	prints_like_flatc(fbs, bin);
	ck_assert_int_eq(sh("grep -c '\"s\"' '%s/s.json' | grep -qx 300", dir), 0);
	deep_struct(5000);
	snprintf(fbs, sizeof(fbs), "%s/deep5000.fbs", dir);
	snprintf(bin, sizeof(bin), "%s/deep5000.bin", dir);
	ck_assert_int_eq(sh("'%s' --bfbs -o '%s' '%s'", SLUICEC, dir, fbs), 0);
	ck_assert_int_ne(sh("'%s' --json '%s' '%s' > '%s/s.json' 2> '%s/err'", SLUICEC, fbs, bin, dir, dir), 0);
	ck_assert_int_eq(sh("grep -q 'nest more than 4096 levels' '%s/err'", dir), 0);
}
END_TEST

/* A struct of one struct (same size): data flatc builds prints as flatc
 * prints it. */
START_TEST(struct_of_one_struct_prints)
{
	char path[256];

	ck_assert_int_eq(sh("printf '{ at: { x: { v: 1.5 } }, many: [ { x: { v: -2 } } ] }' > '%s/w.json' && "
			    "cd '%s' && '%s' -b '%s' w.json",
			    dir, dir, FLATC, FB_SCHEMAS "/conf_struct_wrap.fbs"),
			 0);
	snprintf(path, sizeof(path), "%s/w.bin", dir);
	prints_like_flatc(FB_SCHEMAS "/conf_struct_wrap.fbs", path);
}
END_TEST

static int discard(void *ctx, const char *text, size_t n)
{
	(void)text;
	*(size_t *)ctx += n;
	return 0;
}

/* Equal sizes let a hostile schema make structs cycle (Position holding a
 * Position): the printer stops at its depth limit with -SLUICE_EFBDEPTH
 * instead of recursing until the stack runs out. */
START_TEST(struct_cycle_in_a_hostile_schema)
{
	char path[256];
	uint8_t *bfbs, *msg;
	size_t nb, nm, i, written = 0;
	const uint8_t *schema, *pos = NULL, *x = NULL;

	ck_assert_int_eq(sh("'%s' --bfbs -o '%s' '%s' && printf '{ at: { x: { v: 1 } } }' > '%s/w.json' && "
			    "cd '%s' && '%s' -b '%s' w.json",
			    SLUICEC, dir, FB_SCHEMAS "/conf_struct_wrap.fbs", dir, dir, FLATC,
			    FB_SCHEMAS "/conf_struct_wrap.fbs"),
			 0);
	snprintf(path, sizeof(path), "%s/conf_struct_wrap.bfbs", dir);
	nb = slurp(path, &bfbs);
	snprintf(path, sizeof(path), "%s/w.bin", dir);
	nm = slurp(path, &msg);
	schema = reflection_Schema_as_root(bfbs);
	for (i = 0; i < reflection_Schema_objects_len(schema); i++)
		if (strcmp(reflection_Object_name(reflection_Schema_objects_at(schema, (uint32_t)i)),
			   "conf.struct_wrap.Position") == 0)
			pos = reflection_Schema_objects_at(schema, (uint32_t)i);
	ck_assert_ptr_nonnull(pos);
	x = reflection_Field_type(reflection_Object_fields_at(pos, 0));
	/* Position.x: a Meters (object 0) becomes a Position (object 1) */
	ck_assert_int_eq(reflection_Type_index(x), 0);
	ck_assert_ptr_nonnull(sluice_fb_field_ptr(x, 2));
	bfbs[sluice_fb_field_ptr(x, 2) - bfbs] = 1;
	ck_assert_int_eq(sluice_fb_schema_verify(bfbs, nb), 0);
	/* (the text is thrown away: 4096 levels of indentation is megabytes) */
	ck_assert_int_eq(sluice_fb_json_print(bfbs, nb, NULL, msg, nm, NULL, discard, &written),
			 -SLUICE_EFBDEPTH);
	ck_assert_uint_gt(written, 4096);
	free(bfbs);
	free(msg);
}
END_TEST

/* monster_test.fbs's data, in small: a scalar key left out (its default)
 * prints as flatc prints it, and null for a vector, string or struct is
 * read as absent by both compilers. */
START_TEST(key_default_and_null_like_flatc)
{
	static const char *const fbs = FB_SCHEMAS "/conf_struct_key.fbs";
	char path[256];
	int tool;

	ck_assert_int_eq(sh("printf '{ abilities: null, name: null, stats: [ { id: \"a\", count: 0 }, "
			    "{ id: \"b\", count: 3 } ] }' > '%s/k.json'",
			    dir),
			 0);
	for (tool = 0; tool < 2; tool++) {
		if (tool == 0)
			ck_assert_int_eq(sh("cd '%s' && rm -f k.bin && '%s' -b '%s' k.json", dir, FLATC, fbs), 0);
		else
			ck_assert_int_eq(sh("rm -f '%s/k.bin' && '%s' -b -o '%s' '%s' '%s/k.json'", dir, SLUICEC,
					    dir, fbs, dir),
					 0);
		snprintf(path, sizeof(path), "%s/k.bin", dir);
		flatc_verifies(fbs, path);
		prints_like_flatc(fbs, path);
		ck_assert_int_eq(sh("grep -q '\"count\": 0' '%s/s.json'", dir), 0);
		ck_assert_int_eq(sh("! grep -q 'abilities\\|name' '%s/s.json'", dir), 0);
	}
}
END_TEST

/* Hashed names, struct vectors sorted by key, the file extension: what
 * sluicec -b writes prints as flatc -b's output does, and is named alike. */
START_TEST(hash_sorted_structs_extension_like_flatc)
{
	static const char *const fbs = FB_SCHEMAS "/conf_hash.fbs";

	ck_assert_int_eq(sh("printf '%%s' '{ h32: \"Monster\", hu32: \"x\", h64: \"Some Name\", "
			    "hu64: \"\\u00e9lan\", many: [ \"a\", 7, b ], small: 12, abilities: [ { id: 9, "
			    "distance: 1 }, { id: 2, distance: 5 }, { id: 4, distance: 0 } ] }' > '%s/h.json'",
			    dir),
			 0);
	ck_assert_int_eq(sh("mkdir '%s/hf' '%s/hs' && '%s' -b -o '%s/hf' '%s' '%s/h.json' && "
			    "'%s' -b -o '%s/hs' '%s' '%s/h.json'",
			    dir, dir, FLATC, dir, fbs, dir, SLUICEC, dir, fbs, dir),
			 0);
	/* named with the schema's file_extension by both */
	ck_assert_int_eq(sh("test -f '%s/hf/h.chx' && test -f '%s/hs/h.chx'", dir, dir), 0);
	ck_assert_int_eq(sh("'%s' --json --strict-json --raw-binary -o '%s/hf' '%s' -- '%s/hf/h.chx' && "
			    "'%s' --json --strict-json --raw-binary -o '%s/hs' '%s' -- '%s/hs/h.chx'",
			    FLATC, dir, fbs, dir, FLATC, dir, fbs, dir),
			 0);
	ck_assert_int_eq(sh("/usr/bin/python3 " JSON_EQUAL " '%s/hf/h.json' '%s/hs/h.json'", dir, dir), 0);
	ck_assert_int_eq(sh("grep -q '\"h32\": 1639082957' '%s/hs/h.json'", dir), 0);
	ck_assert_int_eq(sh("tr -d ' \n' < '%s/hs/h.json' | grep -q '\"id\":2.*\"id\":4.*\"id\":9'", dir), 0);
	flatc_verifies(fbs, (sprintf(path_buf, "%s/hs/h.chx", dir), path_buf));
}
END_TEST

/* Defaults in quotes, hex floats, hex ids: an empty Knobs flatc builds
 * reads back with the defaults flatc's .bfbs gives. */
START_TEST(quoted_and_hex_defaults)
{
	char path[256];
	uint8_t *buf;
	size_t n;
	const uint8_t *k;

	ck_assert_int_eq(sh("printf '{}' > '%s/d.json' && cd '%s' && '%s' -b '%s' d.json", dir, dir, FLATC,
			    FB_SCHEMAS "/conf_defaults.fbs"),
			 0);
	snprintf(path, sizeof(path), "%s/d.bin", dir);
	n = slurp(path, &buf);
	ck_assert_int_eq(conf_defaults_Knobs_verify(buf, n), 0);
	k = conf_defaults_Knobs_as_root(buf);
	ck_assert_int_eq(conf_defaults_Knobs_q_int(k), 5);
	ck_assert(conf_defaults_Knobs_q_float(k) == 1.5f);
	ck_assert(conf_defaults_Knobs_q_bool(k));
	ck_assert_int_eq(conf_defaults_Knobs_q_long(k), -7);
	ck_assert(isinf(conf_defaults_Knobs_q_inf(k)));
	ck_assert_uint_eq(conf_defaults_Knobs_q_flags(k), conf_defaults_Color_Red | conf_defaults_Color_Blue);
	ck_assert_int_eq(conf_defaults_Knobs_q_level(k), conf_defaults_Level_Low);
	ck_assert(conf_defaults_Knobs_hex(k) == 3.0);
	ck_assert(conf_defaults_Knobs_hex_neg(k) == -0.125f);
	ck_assert(conf_defaults_Knobs_q_hex(k) == 8.0f);
	ck_assert_int_eq(conf_defaults_Knobs_spaced(k), 12);
	free(buf);
}
END_TEST

/* Repeated enum and union values (flatc 2.0.8 accepts them): the header
 * compiles (one case per number), the first name in byte order wins (as
 * flatc has it), data flatc builds
 * reads back and prints as flatc prints it. */
START_TEST(repeated_values)
{
	char path[256];
	uint8_t *buf;
	size_t n;
	const uint8_t *h;

	/* the first name in byte order, as flatc looks it up */
	ck_assert_str_eq(conf_enum_repeat_Mode_name(conf_enum_repeat_Mode_On), "Enabled");
	ck_assert_int_eq(sh("printf '{ mode: Off, wide: One, pick_type: Again, pick: { x: 3 } }' > '%s/r.json' && "
			    "cd '%s' && '%s' -b '%s' r.json",
			    dir, dir, FLATC, FB_SCHEMAS "/conf_enum_repeat.fbs"),
			 0);
	snprintf(path, sizeof(path), "%s/r.bin", dir);
	n = slurp(path, &buf);
	ck_assert_int_eq(conf_enum_repeat_Holder_verify(buf, n), 0);
	h = conf_enum_repeat_Holder_as_root(buf);
	ck_assert_int_eq(conf_enum_repeat_Holder_mode(h), conf_enum_repeat_Mode_Off);
	ck_assert_uint_eq(conf_enum_repeat_Holder_wide(h), conf_enum_repeat_Wide_One);
	ck_assert_uint_eq(conf_enum_repeat_Holder_pick_type(h), 1);
	ck_assert_int_eq(conf_enum_repeat_Leaf_x(conf_enum_repeat_Holder_pick(h)), 3);
	free(buf);
	prints_like_flatc(FB_SCHEMAS "/conf_enum_repeat.fbs", path);
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
	tcase_add_loop_test(tc, union_kinds_json_both_ways, 0,
			    (int)(sizeof(kinds_json) / sizeof(kinds_json[0])));
	tcase_add_test(tc, union_kinds_built_here);
	tcase_add_test(tc, union_kinds_hostile);
	tcase_add_loop_test(tc, union_vector_json_both_ways, 0,
			    (int)(sizeof(uvec_json) / sizeof(uvec_json[0])));
	tcase_add_test(tc, union_vector_bad_json);
	tcase_add_test(tc, union_vector_built_here);
	tcase_add_test(tc, union_vector_hostile);
	tcase_add_test(tc, deep_structs_print);
	tcase_add_test(tc, struct_of_one_struct_prints);
	tcase_add_test(tc, struct_cycle_in_a_hostile_schema);
	tcase_add_test(tc, key_default_and_null_like_flatc);
	tcase_add_test(tc, hash_sorted_structs_extension_like_flatc);
	tcase_add_test(tc, quoted_and_hex_defaults);
	tcase_add_test(tc, repeated_values);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
