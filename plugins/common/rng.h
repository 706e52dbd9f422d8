/* rng.h - a small seeded random source for the simulators: xoshiro256**
 * seeded through splitmix64, and Gaussian samples by Box-Muller. The state
 * lives in the caller's stage state (no globals: stages may be threads of
 * one process), so a seed reproduces a run exactly. */
#ifndef FU_RNG_H
#define FU_RNG_H

#include <math.h>
#include <stdint.h>

#include "fu_math.h"

struct fu_rng {
	uint64_t s[4];
	double spare; /* Box-Muller makes two samples; the second waits here */
	int has_spare;
};

static inline uint64_t fu_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void fu_rng_seed(struct fu_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = fu_splitmix64(&seed);
	r->has_spare = 0;
}

static inline uint64_t fu_rng_next(struct fu_rng *r)
{
	uint64_t *s = r->s, x = s[1] * 5, res = ((x << 7) | (x >> 57)) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return res;
}

/* Uniform in (0, 1]: never 0, so log() below is finite. */
static inline double fu_rng_uniform(struct fu_rng *r)
{
	return ((double)(fu_rng_next(r) >> 11) + 1.0) * 0x1.0p-53;
}

/* A standard normal sample. */
static inline double fu_rng_gauss(struct fu_rng *r)
{
	double u1, u2, m;

	if (r->has_spare) {
		r->has_spare = 0;
		return r->spare;
	}
	u1 = fu_rng_uniform(r);
	u2 = fu_rng_uniform(r);
	m = sqrt(-2.0 * log(u1));
	r->spare = m * sin(2.0 * FU_PI * u2);
	r->has_spare = 1;
	return m * cos(2.0 * FU_PI * u2);
}

#endif
