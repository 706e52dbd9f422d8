/* test_record_crc32.c - the CRC-32 recordings are checked with: the
 * carry-less-multiply paths (AVX-512 where the CPU has it, and 128-bit)
 * against zlib's on every length to 4096 and on long buffers, at random
 * alignments, from any start value and continued across calls, and
 * sluice_crc32 against a bit-at-a-time reference. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/mcap.h"
#include "sluice/record.h"
#include "testutil.h"

/* The definition: one bit at a time, reflected 0xEDB88320. */
static uint32_t crc_bitwise(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
	}
	return ~crc;
}

typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);
/* the loop tests' _i: the best path, then the 128-bit one */
static const crc_fn paths[] = {mcap_crc32_clmul, mcap_crc32_clmul128};

/* xorshift: the same bytes on every run */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static unsigned char *random_bytes(size_t n)
{
	unsigned char *b = malloc(n);

	ck_assert_ptr_nonnull(b);
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)rnd();
	return b;
}

START_TEST(check_value)
{
	static const char nine[] = "123456789";

	/* the CRC-32 catalogue's check value */
	ck_assert_uint_eq(sluice_crc32(0, nine, 9), 0xcbf43926u);
	ck_assert_uint_eq(crc_bitwise(0, (const unsigned char *)nine, 9), 0xcbf43926u);
	ck_assert_uint_eq(sluice_crc32(0, NULL, 0), 0);
	ck_assert_uint_eq(sluice_crc32(0x12345678u, NULL, 0), 0x12345678u);
}
END_TEST

START_TEST(clmul_every_length)
{
	if (!mcap_crc32_have_clmul()) {
		fprintf(stderr, "test_record_crc32: no PCLMULQDQ here: zlib's path only\n");
		return;
	}
	unsigned char *b = random_bytes(4096 + 64);

	for (size_t len = 0; len <= 4096; len++) {
		size_t align = (size_t)(rnd() % 64);
		uint32_t start = len % 3 == 0 ? 0 : (uint32_t)rnd();
		uint32_t want = mcap_crc32_zlib(start, b + align, len);

		ck_assert_msg(paths[_i](start, b + align, len) == want,
			      "path %d: length %zu at +%zu from %08x", _i, len, align, start);
		ck_assert_uint_eq(sluice_crc32(start, b + align, len), want);
	}
	free(b);
}
END_TEST

START_TEST(clmul_long_buffers)
{
	if (!mcap_crc32_have_clmul())
		return;
	static const size_t lens[] = {1u << 20, (1u << 20) + 1, (3u << 20) + 15, 5000017};
	unsigned char *b = random_bytes((5u << 20) + 64);

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		for (size_t align = 0; align < 16; align += 5) {
			uint32_t want = mcap_crc32_zlib(0, b + align, lens[i]);

			ck_assert_msg(paths[_i](0, b + align, lens[i]) == want,
				      "path %d: length %zu at +%zu", _i, lens[i], align);
		}
	/* and against the definition, once */
	ck_assert_uint_eq(sluice_crc32(0, b + 3, 1u << 20), crc_bitwise(0, b + 3, 1u << 20));
	/* all ones and all zeros: no chain may cancel out */
	memset(b, 0xff, 70000);
	ck_assert_uint_eq(paths[_i](0, b, 70000), mcap_crc32_zlib(0, b, 70000));
	memset(b, 0, 70000);
	ck_assert_uint_eq(paths[_i](0, b, 70000), mcap_crc32_zlib(0, b, 70000));
	free(b);
}
END_TEST

/* A buffer cut into random pieces, each continuing the last one's CRC, as
 * the writer checksums a chunk while it fills. */
START_TEST(chained)
{
	const size_t n = 3u << 20;
	unsigned char *b = random_bytes(n);
	uint32_t want = mcap_crc32_zlib(0, b, n);

	for (int round = 0; round < 20; round++) {
		uint32_t crc = 0;
		size_t at = 0;

		while (at < n) {
			/* short pieces and long ones, to cross the fast path's threshold */
			size_t piece = round % 2 ? (size_t)(rnd() % 300) : (size_t)(rnd() % 400000);

			if (piece > n - at)
				piece = n - at;
			crc = sluice_crc32(crc, b + at, piece);
			at += piece;
		}
		ck_assert_uint_eq(crc, want);
	}
	/* combining: what the data section's CRC is made with */
	uint32_t a = sluice_crc32(0, b, 100000), c = sluice_crc32(0, b + 100000, n - 100000);
	ck_assert_uint_eq(mcap_crc32_combine(a, c, n - 100000), want);
	free(b);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("record_crc32");
	TCase *tc = tcase_create("crc32");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, check_value);
	tcase_add_loop_test(tc, clmul_every_length, 0, 2);
	tcase_add_loop_test(tc, clmul_long_buffers, 0, 2);
	tcase_add_test(tc, chained);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
