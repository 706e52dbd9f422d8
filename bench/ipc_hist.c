/* ipc_hist.c - see ipc_hist.h. */
#include <string.h>

#include "ipc_hist.h"

void ipc_hist_reset(struct ipc_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

static unsigned bucket_of(uint64_t v)
{
	if (v < IPC_HIST_LINEAR)
		return (unsigned)v;
	unsigned msb = 63u - (unsigned)__builtin_clzll(v); /* >= SUB_BITS + 1 */
	unsigned octave = msb - IPC_HIST_SUB_BITS;         /* 1 for 1024..2047 */
	unsigned sub = (unsigned)(v >> (msb - IPC_HIST_SUB_BITS)) & ((1u << IPC_HIST_SUB_BITS) - 1);
	unsigned b = IPC_HIST_LINEAR + (octave - 1) * (1u << IPC_HIST_SUB_BITS) + sub;

	return b < IPC_HIST_BUCKETS ? b : IPC_HIST_BUCKETS - 1;
}

/* The middle of bucket b, the best single estimate of its samples. */
static uint64_t value_of(unsigned b)
{
	if (b < IPC_HIST_LINEAR)
		return b;
	unsigned rel = b - IPC_HIST_LINEAR;
	unsigned octave = rel / (1u << IPC_HIST_SUB_BITS) + 1;
	unsigned sub = rel % (1u << IPC_HIST_SUB_BITS);
	unsigned shift = octave; /* bucket width is 2^octave ns */
	uint64_t lo = ((uint64_t)((1u << IPC_HIST_SUB_BITS) | sub)) << shift;

	return lo + ((1ull << shift) >> 1);
}

void ipc_hist_add(struct ipc_hist *h, uint64_t ns)
{
	h->bucket[bucket_of(ns)]++;
	h->count++;
	h->sum += ns;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
}

uint64_t ipc_hist_pct(const struct ipc_hist *h, double p)
{
	if (!h->count)
		return 0;
	if (p >= 1.0)
		return h->max;
	/* rank of the sample, 1-based: the smallest r with r >= p * count */
	uint64_t rank = (uint64_t)(p * (double)h->count);
	if ((double)rank < p * (double)h->count)
		rank++;
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned b = 0; b < IPC_HIST_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= rank) {
			uint64_t v = value_of(b);
			/* never report outside what was actually seen */
			return v < h->min ? h->min : v > h->max ? h->max : v;
		}
	}
	return h->max;
}
