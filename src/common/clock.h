/* clock.h - a publish stamp in CLOCK_MONOTONIC nanoseconds that costs one
 * unserialised TSC read instead of a clock_gettime() call.
 *
 * clock_gettime() takes about 25 ns here and fences the TSC read, which
 * holds back every later store: on a channel's commit path that is a third
 * of a cross-core hand-over.  Where the kernel itself keeps time with an
 * invariant TSC, a stamp is an extrapolation from the last real clock
 * reading (an "anchor"), taken again every SLUICE_CLOCK_ANCHOR_TICKS ticks
 * (under a millisecond), with a rate measured over everything since the
 * first anchor.  The error is the kernel's rate adjustment (NTP slews by at
 * most 500 ppm) over one anchor period: typically a few nanoseconds, at most
 * a few hundred.  Stamps never go backwards.  Elsewhere every stamp is a
 * clock_gettime() call.
 *
 * One struct per caller (a publisher); not shared between threads. */
#ifndef SLUICE_COMMON_CLOCK_H
#define SLUICE_COMMON_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* The plain clock readers every part uses for deadlines and timestamps:
 * CLOCK_MONOTONIC, and any clock, in nanoseconds. */
uint64_t sluice__clock_ns(clockid_t clock);

static inline uint64_t sluice__now_ns(void)
{
	return sluice__clock_ns(CLOCK_MONOTONIC);
}

#define SLUICE_CLOCK_ANCHOR_TICKS (UINT64_C(1) << 21)
/* A clock read that took longer than this (in ticks; 6 us at 2.6 GHz) was
 * interrupted, and its pairing with the TSC is not trusted. */
#define SLUICE_CLOCK_PAIR_TICKS (UINT64_C(1) << 14)
/* Time from the first anchor before the rate is trusted. */
#define SLUICE_CLOCK_CALIBRATE_NS 2000000u

struct sluice_clock {
	uint64_t first_tsc, first_ns; /* the first anchor */
	uint64_t tsc, ns;             /* the latest anchor */
	uint64_t mult;                /* ns per tick << 32; 0 until calibrated */
	uint64_t last;                /* the last stamp handed out */
};

/* Whether this machine's TSC may stand in for CLOCK_MONOTONIC (checked once
 * per process: x86-64, invariant TSC, kernel clocksource "tsc"). */
bool sluice__clock_tsc_ok(void);

void sluice__clock_init(struct sluice_clock *c);

/* Reads the clock for real and moves the anchor; returns the time. */
uint64_t sluice__clock_anchor(struct sluice_clock *c);

static inline uint64_t sluice__clock_now(struct sluice_clock *c)
{
#if defined(__x86_64__)
	if (c->mult) {
		uint64_t d = __builtin_ia32_rdtsc() - c->tsc;

		if (d < SLUICE_CLOCK_ANCHOR_TICKS) {
			uint64_t ns = c->ns + ((d * c->mult) >> 32);

			return c->last = ns > c->last ? ns : c->last;
		}
	}
#endif
	return sluice__clock_anchor(c);
}

#endif
