/* test_json_sink_schema.c - json_sink (the real plugin .so) decodes a type
 * it has no compiled-in reader for (zoo.Animal) through the binary schema
 * its topic carries, as `sluice echo` does; every line is valid JSON (a
 * string that is not UTF-8, a NaN, a message that fails verification). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fu_host.h"
#include "sluice/channel.h"
#include "testutil.h"
#include "zoo_build.h"
#include "zoo_sluice.h"

/* Runs python3 over the file: every line JSON; prints what expr gives. */
static int check_lines(const char *path)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 -c 'import json,sys,math\n"
		 "L=[json.loads(l) for l in open(sys.argv[1], encoding=\"utf-8\")]\n"
		 "assert len(L)==4, L\n"
		 "assert all(d[\"type\"]==\"zoo.Animal\" for d in L), L\n"
		 "assert [d[\"seq\"] for d in L]==[1,2,3,4], L\n"
		 "m=L[0][\"message\"]; assert m[\"name\"]==\"Rex\" and m[\"kind\"]==\"Bird\" and m[\"home\"][\"id\"]==5, m\n"
		 "m=L[1][\"message\"]; assert m[\"name\"]==\"bad \\ufffd\", m; assert m[\"weight\"] is None, m\n"
		 "assert \"message\" not in L[2] and \"error\" in L[2], L[2]\n"
		 "m=L[3][\"message\"]; assert m[\"name\"]==\"q\" and m[\"home_type\"]==\"Cage\", m\n"
		 "' '%s'",
		 path);
	return system(cmd);
}

START_TEST(json_sink_decodes_through_topic_schema)
{
	_Alignas(32) static uint8_t buf[3][4096];
	char topic[96], path[] = "/tmp/sluice-jsink-XXXXXX";
	struct sluice_topic_opts o = {0};
	struct sluice_pub *pub;
	struct fh_clock clock = {1000};
	struct fh_stage sink;
	struct fh_msg msg;
	sluice_fb_msg m[3];
	sluice_fb_builder b;
	sluice_fb_ref n;
	size_t blen;
	int fd;

	tu_name(topic, sizeof(topic), "jsink");
	o.type_name = "zoo.Animal";
	o.schema = sluice_bfbs_zoo(&blen);
	o.schema_len = blen;
	ck_assert_int_eq(sluice_pub_open(topic, &o, &pub), 0);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	{
		struct sluice_param_setting set[] = {{"path", path}, {"topic", topic}};

		ck_assert_int_eq(fh_stage_open(&sink, "json_sink", &clock, set, 2), 0);
	}
	/* the reference Animal */
	ck_assert_int_eq(zoo_build(buf[0], sizeof(buf[0]), &m[0]), 0);
	msg = (struct fh_msg){buf[0] + m[0].offset, m[0].length, 10, 1};
	ck_assert_int_eq(fh_stage_deliver(&sink, 0, &msg), 0);
	/* a name that is not UTF-8 and a NaN */
	sluice_fb_builder_init(&b, buf[1], sizeof(buf[1]));
	n = sluice_fb_string(&b, "bad \xff", 5);
	zoo_Animal_start(&b);
	zoo_Animal_add_name(&b, n);
	zoo_Animal_add_weight(&b, NAN);
	ck_assert_int_eq(zoo_Animal_finish(&b, zoo_Animal_end(&b), &m[1]), 0);
	msg = (struct fh_msg){buf[1] + m[1].offset, m[1].length, 20, 2};
	ck_assert_int_eq(fh_stage_deliver(&sink, 0, &msg), 0);
	/* cut short: refused, still a line */
	msg = (struct fh_msg){buf[0] + m[0].offset, m[0].length / 2, 30, 3};
	ck_assert_int_eq(fh_stage_deliver(&sink, 0, &msg), 0);
	/* a union type without a value (a null member) */
	sluice_fb_builder_init(&b, buf[2], sizeof(buf[2]));
	n = sluice_fb_string(&b, "q", 1);
	zoo_Animal_start(&b);
	zoo_Animal_add_name(&b, n);
	sluice_fb_table_scalar(&b, 15, &(uint8_t){zoo_Home_Cage}, 1); /* home_type only */
	ck_assert_int_eq(zoo_Animal_finish(&b, zoo_Animal_end(&b), &m[2]), 0);
	msg = (struct fh_msg){buf[2] + m[2].offset, m[2].length, 40, 4};
	ck_assert_int_eq(fh_stage_deliver(&sink, 0, &msg), 0);
	fh_stage_close(&sink);
	sluice_pub_close(pub);
	if (access("/usr/bin/python3", X_OK) == 0)
		ck_assert_int_eq(check_lines(path), 0);
	unlink(path);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("json_sink_schema");
	TCase *tc = tcase_create("sink");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, json_sink_decodes_through_topic_schema);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
