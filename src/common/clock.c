/* clock.c - TSC-extrapolated CLOCK_MONOTONIC stamps (see clock.h). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

static bool tsc_ok;
static pthread_once_t tsc_once = PTHREAD_ONCE_INIT;

static void check_tsc(void)
{
#if defined(__x86_64__)
	unsigned a, b, c, d;
	char src[32] = "";
	FILE *f;

	/* CPUID 0x80000007 EDX bit 8: the TSC ticks at one rate in every
	 * power state, on every core. */
	if (!__get_cpuid(0x80000007, &a, &b, &c, &d) || !(d & (1u << 8)))
		return;
	/* The kernel trusts it too: it keeps CLOCK_MONOTONIC with it. */
	f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "re");
	if (!f)
		return;
	if (!fgets(src, sizeof(src), f))
		src[0] = '\0';
	fclose(f);
	tsc_ok = strcmp(src, "tsc\n") == 0;
#endif
}

bool sluice__clock_tsc_ok(void)
{
	pthread_once(&tsc_once, check_tsc);
	return tsc_ok;
}

uint64_t sluice__clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void sluice__clock_init(struct sluice_clock *c)
{
	memset(c, 0, sizeof(*c));
}

uint64_t sluice__clock_anchor(struct sluice_clock *c)
{
#if defined(__x86_64__)
	if (sluice__clock_tsc_ok()) {
		/* The tick count half-way through the clock read goes with it.
		 * A pair whose read was interrupted (preempted, say) is no
		 * anchor: the last one stays, and the next stamp tries again. */
		uint64_t before = __builtin_ia32_rdtsc();
		uint64_t ns = sluice__now_ns();
		uint64_t span = __builtin_ia32_rdtsc() - before;
		uint64_t tsc = before + span / 2;

		if (span > SLUICE_CLOCK_PAIR_TICKS)
			return c->last = ns > c->last ? ns : c->last;

		if (!c->first_ns) {
			c->first_ns = ns;
			c->first_tsc = tsc;
		} else if (ns - c->first_ns >= SLUICE_CLOCK_CALIBRATE_NS && tsc > c->first_tsc) {
			/* The rate over the whole history: the longer, the finer. */
			unsigned __int128 q =
			    ((unsigned __int128)(ns - c->first_ns) << 32) / (tsc - c->first_tsc);

			/* A TSC between 0.25 and 256 GHz, or none to trust. */
			c->mult =
			    q < ((unsigned __int128)1 << 34) && q > (1u << 24) ? (uint64_t)q : 0;
		}
		c->tsc = tsc;
		c->ns = ns;
		return c->last = ns > c->last ? ns : c->last;
	}
#endif
	uint64_t ns = sluice__now_ns();

	return c->last = ns > c->last ? ns : c->last;
}
