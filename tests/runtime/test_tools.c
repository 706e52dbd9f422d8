/* test_tools.c - the topic tools as a user runs them: `sluice ls --json`
 * parses and shows a live topic; `sluice clean` removes a topic whose users
 * are all dead and keeps one whose publisher lives. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gps_sluice.h"
#include "sluice/sluice.h"
#include "testutil.h"

static int topic_exists(const char *name)
{
	char path[300];

	snprintf(path, sizeof(path), "/dev/shm%s", name);
	return access(path, F_OK) == 0;
}

START_TEST(ls_json_parses_and_lists)
{
	char name[128], cmd[512];
	struct sluice_pub *p;
	struct sluice_topic_opts o = {.type_name = "test.Ls", .slot_size = 64, .slot_count = 8};

	tu_name(name, sizeof(name), "ls");
	ck_assert_int_eq(sluice_pub_open(name, &o, &p), 0);
	ck_assert_int_eq(sluice_pub_publish(p, "hello", 5, 0), 0);
	snprintf(cmd, sizeof(cmd),
		 "%s ls --json --window 0 | /usr/bin/python3 -c 'import json,sys; "
		 "t=[x for x in json.load(sys.stdin) if x[\"topic\"]==\"%s\"]; "
		 "sys.exit(0 if t and t[0][\"type\"]==\"test.Ls\" and t[0][\"published\"]==1 "
		 "and t[0][\"publisher_alive\"] else 1)'",
		 SLUICE_BIN, name);
	ck_assert_int_eq(system(cmd), 0);
	sluice_pub_close(p);
	sluice_shm_unlink(name);
}
END_TEST

START_TEST(clean_removes_dead_keeps_live)
{
	char dead[128], live[128], cmd[512];
	struct sluice_pub *p;
	struct sluice_topic_opts o = {.type_name = "test.Clean", .slot_size = 64, .slot_count = 8};

	tu_name(dead, sizeof(dead), "dead");
	tu_name(live, sizeof(live), "live");
	pid_t pid = tu_fork();
	if (pid == 0) {
		struct sluice_pub *cp;

		_exit(sluice_pub_open(dead, &o, &cp) == 0 ? 0 : 1); /* dies holding it */
	}
	ck_assert_int_eq(tu_wait(pid, 5000), 0);
	ck_assert_int_eq(sluice_pub_open(live, &o, &p), 0);
	ck_assert(topic_exists(dead));
	snprintf(cmd, sizeof(cmd), "%s clean > /dev/null", SLUICE_BIN);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert(!topic_exists(dead));
	ck_assert(topic_exists(live));
	/* Its publisher gone, its creator (this process) still keeps it. */
	sluice_pub_close(p);
	ck_assert_int_eq(sluice_topic_reclaim(live), -SLUICE_EOWNERLIVE); /* we created it */
	sluice_shm_unlink(live);
}
END_TEST

/* What `sluice pub` encodes with the topic's schema, `sluice echo` decodes
 * with it: equal by value (compared by Python's json module). */
START_TEST(echo_shows_what_pub_sent)
{
	char name[128], cmd[1024], line[4096];
	const char *json = "{\"header\": {\"stamp_ns\": 42, \"frame_id\": \"gps\", \"seq\": 7}, "
			   "\"kind\": \"Fix3D\", \"satellites\": 9, "
			   "\"position\": {\"lat_deg\": 48.5, \"lon_deg\": 11.25, \"alt_m\": 500.0}}";
	struct sluice_topic_opts o = {.type_name = "sluice.msg.GpsFix", .slot_size = 512,
				      .slot_count = 8};

	tu_name(name, sizeof(name), "echo");
	o.schema = sluice_bfbs_gps(&o.schema_len);
	ck_assert_int_eq(sluice_topic_create(name, &o), 0);
	snprintf(cmd, sizeof(cmd), "timeout 20 %s echo %s -n 2", SLUICE_BIN, name);
	FILE *echo = popen(cmd, "r");
	ck_assert_ptr_nonnull(echo);
	usleep(500000); /* let echo subscribe first */
	snprintf(cmd, sizeof(cmd), "%s pub %s '%s' -n 2 --rate 20", SLUICE_BIN, name, json);
	ck_assert_int_eq(system(cmd), 0);
	for (int i = 0; i < 2; i++) {
		char check[8192];

		ck_assert_ptr_nonnull(fgets(line, sizeof(line), echo));
		line[strcspn(line, "\n")] = '\0';
		snprintf(check, sizeof(check),
			 "/usr/bin/python3 -c 'import json,sys; "
			 "sys.exit(0 if json.loads(sys.argv[1]) == json.loads(sys.argv[2]) else 1)' "
			 "'%s' '%s'",
			 line, json);
		ck_assert_msg(system(check) == 0, "echo printed %s", line);
	}
	ck_assert_int_eq(pclose(echo), 0);
	sluice_shm_unlink(name);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("tools");
	TCase *tc = tcase_create("tools");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ls_json_parses_and_lists);
	tcase_add_test(tc, clean_removes_dead_keeps_live);
	tcase_add_test(tc, echo_shows_what_pub_sent);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
