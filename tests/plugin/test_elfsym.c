/* test_elfsym.c - the ELF dynamic-symbol lookup that decides whether a file
 * is a plugin before anything in it runs. The file is untrusted: truncations
 * of a real plugin, random bytes, and thousands of random
 * corruptions must give an answer (yes, no, or "not a shared object") and
 * never read outside the image (the ASan build checks that: each image is
 * a heap block of exactly its size). */
#include <check.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice/error.h"
#include "plugin/internal.h"
#include "testutil.h"

#define TP(f) TP_DIR "/" f
#define ENTRY SLUICE_PLUGIN_ENTRY

static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint8_t *buf;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	*len = (size_t)st.st_size;
	buf = malloc(*len);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(read(fd, buf, *len), (ssize_t)*len);
	close(fd);
	return buf;
}

/* Looks name up in an exact-size heap copy of the first len bytes. */
static int lookup(const uint8_t *img, size_t len, const char *name)
{
	uint8_t *copy = malloc(len ? len : 1);
	const char *why = NULL;
	int rc;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, img, len);
	rc = sluice__elf_exports(copy, len, name, &why);
	free(copy);
	ck_assert_msg(rc == 0 || rc == 1 || rc == -SLUICE_EPLUGIN_NOTSO, "rc %d", rc);
	if (rc < 0)
		ck_assert_ptr_nonnull(why);
	return rc;
}

START_TEST(finds_what_the_dynamic_linker_finds)
{
	size_t len;
	uint8_t *img = slurp(TP("accum.so"), &len);

	ck_assert_int_eq(lookup(img, len, ENTRY), 1);
	ck_assert_int_eq(lookup(img, len, "sluice_plugin_entr"), 0);
	ck_assert_int_eq(lookup(img, len, "sluice_plugin_entry_"), 0);
	ck_assert_int_eq(lookup(img, len, "malloc"), 0); /* imported, not defined */
	free(img);
	/* Hidden entry: not in the dynamic symbol table at all. */
	img = slurp(TP("bad_noentry.so"), &len);
	ck_assert_int_eq(lookup(img, len, ENTRY), 0);
	free(img);
	img = slurp(TP("notplugin_marker.so"), &len);
	ck_assert_int_eq(lookup(img, len, ENTRY), 0);
	ck_assert_int_eq(lookup(img, len, "ctor_marker_value"), 1);
	free(img);
	img = slurp(TP("accum_sysv.so"), &len); /* DT_HASH only */
	ck_assert_int_eq(lookup(img, len, ENTRY), 1);
	ck_assert_int_eq(lookup(img, len, "sluice_plugin_entr"), 0);
	free(img);
	img = slurp(TP("object.so"), &len); /* a relocatable object */
	ck_assert_int_eq(lookup(img, len, ENTRY), -SLUICE_EPLUGIN_NOTSO);
	free(img);
}
END_TEST

START_TEST(truncations)
{
	size_t len;
	uint8_t *img = slurp(TP("accum.so"), &len);
	int found = 0;

	/* Every length through the headers and tables at the front, then
	 * every 13th (each lookup copies the prefix: keep it quadratic-cheap). */
	for (size_t n = 0; n < len; n += n < 8192 ? 1 : 13)
		found += lookup(img, n, ENTRY) == 1;
	/* Only prefixes that hold every table the lookup needs can say yes. */
	ck_assert_int_gt(found, 0);
	ck_assert_int_eq(lookup(img, sizeof(Elf64_Ehdr), ENTRY), -SLUICE_EPLUGIN_NOTSO);
	free(img);
}
END_TEST

START_TEST(garbage)
{
	uint8_t buf[4096];

	srand(1);
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)rand() % sizeof(buf);

		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)rand();
		/* Half of them with a plausible header, to get past the first checks. */
		if (round % 2 && n >= sizeof(Elf64_Ehdr)) {
			Elf64_Ehdr h;

			memcpy(&h, buf, sizeof(h));
			memcpy(h.e_ident, ELFMAG, SELFMAG);
			h.e_ident[EI_CLASS] = ELFCLASS64;
			h.e_ident[EI_DATA] = ELFDATA2LSB;
			h.e_type = ET_DYN;
			h.e_phentsize = sizeof(Elf64_Phdr);
			h.e_phoff = (uint64_t)rand() % n;
			h.e_phnum = (uint16_t)(rand() % 16);
			memcpy(buf, &h, sizeof(h));
		}
		lookup(buf, n, ENTRY);
	}
}
END_TEST

/* Random corruption of a real plugin: a few bytes at a time, weighted to
 * the headers and tables at the front, where the offsets are. */
static const char *const corrupted[] = {TP("accum.so"), TP("accum_sysv.so")};

START_TEST(corruptions)
{
	size_t len;
	uint8_t *img = slurp(corrupted[_i], &len);
	uint8_t *bad = malloc(len);

	ck_assert_ptr_nonnull(bad);
	srand(2);
	for (int round = 0; round < 5000; round++) {
		size_t span = round % 3 ? (len < 4096 ? len : 4096) : len;

		memcpy(bad, img, len);
		for (int k = 1 + rand() % 8; k > 0; k--)
			bad[(size_t)rand() % span] = (uint8_t)rand();
		lookup(bad, len, ENTRY);
	}
	free(bad);
	free(img);
}
END_TEST

static int find_libc(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	if (info->dlpi_name && strstr(info->dlpi_name, "/libc.so")) {
		snprintf(arg, 4096, "%s", info->dlpi_name);
		return 1;
	}
	return 0;
}

/* A large real library, as the dynamic linker built it (GNU hash,
 * versioned symbols), read through the file route. */
START_TEST(system_library)
{
	char path[4096] = "";
	const char *why;
	int fd;

	dl_iterate_phdr(find_libc, path);
	ck_assert_msg(path[0], "libc not found among the loaded objects");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sluice__elf_fd_exports(fd, "malloc", &why), 1);
	ck_assert_int_eq(sluice__elf_fd_exports(fd, "getpid", &why), 1);
	ck_assert_int_eq(sluice__elf_fd_exports(fd, ENTRY, &why), 0);
	ck_assert_int_eq(sluice__elf_fd_exports(fd, "no_such_symbol_anywhere", &why), 0);
	close(fd);
}
END_TEST

/* The file route (pread) refuses what the buffer route refuses. */
START_TEST(truncated_file)
{
	char path[128];
	size_t len;
	uint8_t *img = slurp(TP("accum.so"), &len);
	const char *why;
	int fd;

	snprintf(path, sizeof(path), "/tmp/sluice-test-%ld.so", (long)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, img, len), (ssize_t)len);
	ck_assert_int_eq(sluice__elf_fd_exports(fd, ENTRY, &why), 1);
	ck_assert_int_eq(ftruncate(fd, 200), 0);
	ck_assert_int_eq(sluice__elf_fd_exports(fd, ENTRY, &why), -SLUICE_EPLUGIN_NOTSO);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	ck_assert_int_eq(sluice__elf_fd_exports(fd, ENTRY, &why), -SLUICE_EPLUGIN_NOTSO);
	close(fd);
	unlink(path);
	free(img);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("elfsym");
	TCase *t = tcase_create("elfsym");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, finds_what_the_dynamic_linker_finds);
	tcase_add_test(t, truncations);
	tcase_add_test(t, garbage);
	tcase_add_loop_test(t, corruptions, 0, 2);
	tcase_add_test(t, truncated_file);
	tcase_add_test(t, system_library);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
