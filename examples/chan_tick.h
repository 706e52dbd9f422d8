/* chan_tick.h - the message chan_pub and chan_sub exchange: a number, a
 * check word derived from it, and filler bytes derived from it too, so that
 * the subscriber can tell a damaged or out-of-order message from a good one. */
#ifndef SLUICE_EXAMPLE_CHAN_TICK_H
#define SLUICE_EXAMPLE_CHAN_TICK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define TICK_TYPE "sluice.example.Tick"
#define TICK_MIN  16 /* number + check */

static inline uint64_t tick_mix(uint64_t n)
{
	n ^= n >> 33;
	n *= UINT64_C(0xff51afd7ed558ccd);
	n ^= n >> 33;
	return n;
}

/* Writes tick n into buf (len >= TICK_MIN bytes). */
static inline void tick_fill(unsigned char *buf, size_t len, uint64_t n)
{
	uint64_t check = tick_mix(n);

	memcpy(buf, &n, 8);
	memcpy(buf + 8, &check, 8);
	for (size_t i = TICK_MIN; i < len; i++)
		buf[i] = (unsigned char)(check >> (8 * (i % 8)));
}

/* The tick number in buf, or -1 if any byte is not what tick_fill wrote. */
static inline int64_t tick_check(const unsigned char *buf, size_t len)
{
	uint64_t n, check;

	if (len < TICK_MIN)
		return -1;
	memcpy(&n, buf, 8);
	memcpy(&check, buf + 8, 8);
	if (check != tick_mix(n) || n > INT64_MAX)
		return -1;
	for (size_t i = TICK_MIN; i < len; i++)
		if (buf[i] != (unsigned char)(check >> (8 * (i % 8))))
			return -1;
	return (int64_t)n;
}

#endif
