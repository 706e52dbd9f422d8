/* crc32.c - CRC-32 (the reflected 0xEDB88320 polynomial MCAP and zlib use).
 * On x86-64 with PCLMULQDQ, long buffers are folded 64 bytes at a time with
 * carry-less multiplies (the method of Intel's "Fast CRC Computation for
 * Generic Polynomials Using PCLMULQDQ"), 256 at a time where AVX-512 has
 * VPCLMULQDQ: 3-8 times as fast as zlib's braided tables.  The last 16
 * bytes, short buffers and other CPUs go to zlib.  Checksumming must not
 * limit recording. */
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "record/mcap.h"
#include "sluice/record.h"

static uint32_t crc32_zlib(uint32_t crc, const void *buf, size_t len)
{
	return (uint32_t)crc32_z(crc, buf, len);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include <pthread.h>

#define CRC_CLMUL 1
/* Below this, zlib is as fast and the folding's set-up is not repaid. */
#define CLMUL_MIN 128

/*
 * The bits of a reflected CRC: byte j's bit b is the coefficient of
 * x^(127 - 8j - b) in a 16-byte block, so an xmm register loaded from the
 * buffer holds the block's highest 64 coefficients in its low half.  For
 * 64-bit a and b whose bit i stands for x^(63 - i), the 128-bit carry-less
 * product's bit k gathers x^(126 - k) = x^(127 - k) / x: it holds x*a*b in
 * the block's layout.  Moving a block D bits further on (multiplying it by
 * x^D, modulo P, the CRC's polynomial) is then
 *     hi * (x^(D+64) mod P)  +  lo * (x^D mod P)
 * with each constant one power of x lower to pay for that extra x, written
 * reflected (the coefficient of x^(63-i) at bit i).  The products have
 * degree < 96, so the block stays a 128-bit value congruent mod P to what
 * it replaces, and the CRC of the last block is the CRC of everything.
 */
static struct {
	uint64_t k2048_hi, k2048_lo; /* fold by 16 blocks (AVX-512) */
	uint64_t k512_hi, k512_lo;   /* fold by 4 blocks (512 bits) */
	uint64_t k128_hi, k128_lo;   /* fold by one block */
	int have;                    /* the CPU has PCLMULQDQ */
	int have512;                 /* ... and VPCLMULQDQ on AVX-512 registers */
} clmul;
static pthread_once_t clmul_once = PTHREAD_ONCE_INIT;

/* x^n mod P, P = x^32 + 0x04C11DB7 (0xEDB88320 reflected), plain order:
 * bit j the coefficient of x^j. */
static uint32_t xpow_mod(unsigned n)
{
	uint64_t r = 1;

	while (n--) {
		r <<= 1;
		if (r & (1ull << 32))
			r ^= 0x104C11DB7ull;
	}
	return (uint32_t)r;
}

/* A polynomial of degree < 32, written as a 64-bit reflected operand. */
static uint64_t reflect64(uint32_t p)
{
	uint64_t r = 0;

	for (int j = 0; j < 32; j++)
		if (p >> j & 1)
			r |= 1ull << (63 - j);
	return r;
}

static void clmul_init(void)
{
	clmul.k2048_hi = reflect64(xpow_mod(2048 + 64 - 1));
	clmul.k2048_lo = reflect64(xpow_mod(2048 - 1));
	clmul.k512_hi = reflect64(xpow_mod(512 + 64 - 1));
	clmul.k512_lo = reflect64(xpow_mod(512 - 1));
	clmul.k128_hi = reflect64(xpow_mod(128 + 64 - 1));
	clmul.k128_lo = reflect64(xpow_mod(128 - 1));
	__builtin_cpu_init();
	clmul.have = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2");
	clmul.have512 = clmul.have && __builtin_cpu_supports("avx512f") &&
	                __builtin_cpu_supports("vpclmulqdq");
}

int mcap_crc32_have_clmul(void)
{
	pthread_once(&clmul_once, clmul_init);
	return clmul.have;
}

/* x moved on by the distance k is made for, plus the block it lands on. */
__attribute__((target("pclmul,sse2"))) static inline __m128i fold(__m128i x, __m128i k,
                                                                  __m128i block)
{
	__m128i a = _mm_clmulepi64_si128(x, k, 0x00); /* hi * k_hi */
	__m128i b = _mm_clmulepi64_si128(x, k, 0x11); /* lo * k_lo */

	return _mm_xor_si128(_mm_xor_si128(a, b), block);
}

/* The same on four blocks at once, in each 128-bit lane. */
__attribute__((target("avx512f,vpclmulqdq"))) static inline __m512i fold4(__m512i x, __m512i k,
                                                                          __m512i block)
{
	__m512i a = _mm512_clmulepi64_epi128(x, k, 0x00);
	__m512i b = _mm512_clmulepi64_epi128(x, k, 0x11);

	return _mm512_ternarylogic_epi64(a, b, block, 0x96); /* a ^ b ^ block */
}

/* At least 256 bytes, 256 at a time in four chains of four blocks, down to
 * the four blocks x0..x3 of the 128-bit code below; *p and *len move on. */
__attribute__((target("avx512f,vpclmulqdq"))) static void
fold_avx512(const unsigned char **pp, size_t *lenp, uint32_t first, __m128i out[4])
{
	const unsigned char *p = *pp;
	size_t len = *lenp;
	const __m512i k16 = _mm512_broadcast_i32x4(
		_mm_set_epi64x((long long)clmul.k2048_lo, (long long)clmul.k2048_hi));
	const __m512i k4 = _mm512_broadcast_i32x4(
		_mm_set_epi64x((long long)clmul.k512_lo, (long long)clmul.k512_hi));
	/* zext: the start value in the lowest 32 bits, zeros above */
	__m512i y0 = _mm512_xor_si512(_mm512_loadu_si512(p),
	                              _mm512_zextsi128_si512(_mm_cvtsi32_si128((int)first)));
	__m512i y1 = _mm512_loadu_si512(p + 64);
	__m512i y2 = _mm512_loadu_si512(p + 128);
	__m512i y3 = _mm512_loadu_si512(p + 192);

	for (p += 256, len -= 256; len >= 256; p += 256, len -= 256) {
		y0 = fold4(y0, k16, _mm512_loadu_si512(p));
		y1 = fold4(y1, k16, _mm512_loadu_si512(p + 64));
		y2 = fold4(y2, k16, _mm512_loadu_si512(p + 128));
		y3 = fold4(y3, k16, _mm512_loadu_si512(p + 192));
	}
	y1 = fold4(y0, k4, y1);
	y2 = fold4(y1, k4, y2);
	y3 = fold4(y2, k4, y3);
	out[0] = _mm512_extracti32x4_epi32(y3, 0);
	out[1] = _mm512_extracti32x4_epi32(y3, 1);
	out[2] = _mm512_extracti32x4_epi32(y3, 2);
	out[3] = _mm512_extracti32x4_epi32(y3, 3);
	*pp = p;
	*lenp = len;
}

/* wide: AVX-512 for the bulk (only where clmul.have512). */
__attribute__((target("pclmul,sse2"))) static uint32_t crc_clmul(uint32_t crc, const void *buf,
                                                                 size_t len, int wide)
{
	const unsigned char *p = buf;
	__m128i x0, x1, x2, x3;

	if (len < CLMUL_MIN)
		return crc32_zlib(crc, buf, len);
	pthread_once(&clmul_once, clmul_init);
	const __m128i k4 = _mm_set_epi64x((long long)clmul.k512_lo, (long long)clmul.k512_hi);
	const __m128i k1 = _mm_set_epi64x((long long)clmul.k128_lo, (long long)clmul.k128_hi);

	/* zlib's crc is the register inverted; a register's start value is
	 * the same as that value added to the first 32 bits with a zero one. */
	if (len >= 256 && wide) {
		__m128i x[4];

		fold_avx512(&p, &len, ~crc, x);
		x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
	} else {
		x0 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)p), _mm_cvtsi32_si128((int)~crc));
		x1 = _mm_loadu_si128((const __m128i *)(p + 16));
		x2 = _mm_loadu_si128((const __m128i *)(p + 32));
		x3 = _mm_loadu_si128((const __m128i *)(p + 48));
		p += 64;
		len -= 64;
	}
	/* four independent chains, so the multiplies' latency overlaps */
	while (len >= 64) {
		x0 = fold(x0, k4, _mm_loadu_si128((const __m128i *)p));
		x1 = fold(x1, k4, _mm_loadu_si128((const __m128i *)(p + 16)));
		x2 = fold(x2, k4, _mm_loadu_si128((const __m128i *)(p + 32)));
		x3 = fold(x3, k4, _mm_loadu_si128((const __m128i *)(p + 48)));
		p += 64;
		len -= 64;
	}
	x1 = fold(x0, k1, x1);
	x2 = fold(x1, k1, x2);
	x3 = fold(x2, k1, x3);
	while (len >= 16) {
		x3 = fold(x3, k1, _mm_loadu_si128((const __m128i *)p));
		p += 16;
		len -= 16;
	}
	/* x3 is congruent to all of it with a zero start: its CRC from a zero
	 * register (zlib's 0xffffffff, inverted on the way in) is the crc. */
	unsigned char last[16];

	_mm_storeu_si128((__m128i *)last, x3);
	crc = crc32_zlib(0xffffffffu, last, sizeof(last));
	return crc32_zlib(crc, p, len);
}

/* Only once mcap_crc32_have_clmul() said yes. */
uint32_t mcap_crc32_clmul(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&clmul_once, clmul_init);
	return crc_clmul(crc, buf, len, clmul.have512);
}

uint32_t mcap_crc32_clmul128(uint32_t crc, const void *buf, size_t len)
{
	return crc_clmul(crc, buf, len, 0);
}
#else
int mcap_crc32_have_clmul(void)
{
	return 0;
}

uint32_t mcap_crc32_clmul(uint32_t crc, const void *buf, size_t len)
{
	return crc32_zlib(crc, buf, len);
}

uint32_t mcap_crc32_clmul128(uint32_t crc, const void *buf, size_t len)
{
	return crc32_zlib(crc, buf, len);
}
#endif

uint32_t mcap_crc32_zlib(uint32_t crc, const void *buf, size_t len)
{
	return crc32_zlib(crc, buf, len);
}

uint32_t sluice_crc32(uint32_t crc, const void *buf, size_t len)
{
	/* zlib answers a NULL buffer with its start value, 0: an empty mbuf's
	 * NULL must leave a running CRC as it is */
	if (!len)
		return crc;
#ifdef CRC_CLMUL
	if (len >= CLMUL_MIN && mcap_crc32_have_clmul())
		return mcap_crc32_clmul(crc, buf, len);
#endif
	return crc32_zlib(crc, buf, len);
}

uint32_t mcap_crc32_combine(uint32_t crc1, uint32_t crc2, uint64_t len2)
{
	return (uint32_t)crc32_combine(crc1, crc2, (z_off_t)len2);
}
