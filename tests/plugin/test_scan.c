/* test_scan.c - sluice_plugin_scan(): a library that does not export the
 * entry is never loaded (its constructor does not run); one whose
 * constructor aborts, crashes or hangs is reported as broken and the
 * scanning process goes on; plugins and refusals are told apart; and the
 * permission facts for the writable-directory warning. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sluice/error.h"
#include "sluice/loader.h"
#include "testutil.h"

#define TP(f) TP_DIR "/" f

static const char *marker(void)
{
	static char path[128];

	snprintf(path, sizeof(path), "/tmp/sluice-test-%ld.marker", (long)getpid());
	return path;
}

/* No child of ours is left, running or unreaped. */
static void no_children(void)
{
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}

START_TEST(non_plugin_is_never_loaded)
{
	struct sluice_plugin_scan s;
	struct sluice_plugin *p = NULL;

	unlink(marker());
	setenv("SLUICE_TEST_MARKER", marker(), 1);
	ck_assert_int_eq(sluice_plugin_scan(TP("notplugin_marker.so"), 0, &s), 0);
	ck_assert_int_eq(s.verdict, SLUICE_SCAN_NOT_PLUGIN);
	ck_assert_int_eq(s.code, -SLUICE_EPLUGIN_NOENTRY);
	ck_assert_msg(strstr(s.reason, "dynamic symbol table"), "reason: %s", s.reason);
	/* The loader itself looks before it loads, too. */
	ck_assert_int_eq(sluice_plugin_open(TP("notplugin_marker.so"), &p),
	                 -SLUICE_EPLUGIN_NOENTRY);
	ck_assert_ptr_null(p);
	ck_assert_msg(access(marker(), F_OK) != 0, "the library's constructor ran");
	unlink(marker());
	no_children();
}
END_TEST

START_TEST(aborting_constructor_is_broken)
{
	struct sluice_plugin_scan s;

	ck_assert_int_eq(sluice_plugin_scan(TP("ctor_abort.so"), 0, &s), 0);
	ck_assert_msg(s.verdict == SLUICE_SCAN_BROKEN, "verdict %d: %s", s.verdict, s.reason);
	ck_assert_int_eq(s.signal, SIGABRT);
	ck_assert_ptr_nonnull(strstr(s.reason, "ctor_abort.so"));
	ck_assert_msg(strstr(s.reason, "signal 6"), "reason: %s", s.reason);
	no_children();
}
END_TEST

START_TEST(crashing_constructor_is_broken)
{
	struct sluice_plugin_scan s;

	ck_assert_int_eq(sluice_plugin_scan(TP("ctor_segv.so"), 0, &s), 0);
	/* A sanitizer's SEGV handler turns the signal into an exit status. */
	ck_assert_msg(s.verdict == SLUICE_SCAN_BROKEN, "verdict %d: %s", s.verdict, s.reason);
	ck_assert_ptr_nonnull(strstr(s.reason, "ctor_segv.so"));
	no_children();
}
END_TEST

START_TEST(hanging_constructor_times_out)
{
	struct sluice_plugin_scan s;

	ck_assert_int_eq(sluice_plugin_scan(TP("hang/ctor_hang.so"), 300, &s), 0);
	ck_assert_msg(s.verdict == SLUICE_SCAN_BROKEN, "verdict %d: %s", s.verdict, s.reason);
	ck_assert_msg(strstr(s.reason, "did not finish within 300 ms"), "reason: %s", s.reason);
	no_children();
}
END_TEST

START_TEST(plugins_and_refusals)
{
	struct sluice_plugin_scan s;

	ck_assert_int_eq(sluice_plugin_scan(TP("accum.so"), 0, &s), 0);
	ck_assert_msg(s.verdict == SLUICE_SCAN_PLUGIN, "verdict %d: %s", s.verdict, s.reason);
	ck_assert_str_eq(s.name, "accum");
	ck_assert_str_eq(s.version, "1.2.3");
	ck_assert_str_eq(s.path, TP("accum.so"));

	ck_assert_int_eq(sluice_plugin_scan(TP("bad_magic.so"), 0, &s), 0);
	ck_assert_int_eq(s.verdict, SLUICE_SCAN_REFUSED);
	ck_assert_int_eq(s.code, -SLUICE_EPLUGIN_MAGIC);
	ck_assert_msg(strstr(s.reason, "magic"), "reason: %s", s.reason);

	ck_assert_int_eq(sluice_plugin_scan(TP("not_elf.so"), 0, &s), 0);
	ck_assert_int_eq(s.verdict, SLUICE_SCAN_REFUSED);
	ck_assert_int_eq(s.code, -SLUICE_EPLUGIN_NOTSO);

	/* Exported entry missing (hidden): not a plugin, not loaded. */
	ck_assert_int_eq(sluice_plugin_scan(TP("bad_noentry.so"), 0, &s), 0);
	ck_assert_int_eq(s.verdict, SLUICE_SCAN_NOT_PLUGIN);

	ck_assert_int_eq(sluice_plugin_scan(TP("no_such.so"), 0, &s), -ENOENT);
	no_children();
}
END_TEST

START_TEST(permission_facts)
{
	char dir[128], file[160];
	struct sluice_file_perm p;

	snprintf(dir, sizeof(dir), "/tmp/sluice-test-%ld.dir", (long)getpid());
	snprintf(file, sizeof(file), "%s/x.so", dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(chmod(dir, 0777), 0);
	ck_assert_int_eq(sluice_file_perm(dir, &p), 0);
	ck_assert(p.world_writable);
	ck_assert(p.group_writable);
	ck_assert_uint_eq(p.mode, 0777);
	ck_assert_int_eq(chmod(dir, 0775), 0);
	ck_assert_int_eq(sluice_file_perm(dir, &p), 0);
	ck_assert(!p.world_writable);
	ck_assert(p.group_writable);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(sluice_file_perm(dir, &p), 0);
	ck_assert(!p.world_writable && !p.group_writable);
	ck_assert_uint_eq(p.uid, getuid());

	FILE *f = fopen(file, "w");

	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(chmod(file, 0646), 0);
	ck_assert_int_eq(sluice_file_perm(file, &p), 0);
	ck_assert(p.world_writable && !p.group_writable);
	unlink(file);
	rmdir(dir);
	ck_assert_int_eq(sluice_file_perm(file, &p), -ENOENT);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("scan");
	TCase *t = tcase_create("scan");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, non_plugin_is_never_loaded);
	tcase_add_test(t, aborting_constructor_is_broken);
	tcase_add_test(t, crashing_constructor_is_broken);
	tcase_add_test(t, hanging_constructor_times_out);
	tcase_add_test(t, plugins_and_refusals);
	tcase_add_test(t, permission_facts);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
