/* ipc_hist.h - a log-linear latency histogram with ns resolution.
 *
 * Values below 1024 ns have a bucket each; above, every power of two is cut
 * into 512 equal buckets, so a reported percentile is within 0.2 % of the
 * true sample. Fixed size and pointer-free, so it can live in a shared
 * mapping that a child fills and the driver reads after reaping it. */
#ifndef SLUICE_BENCH_IPC_HIST_H
#define SLUICE_BENCH_IPC_HIST_H

#include <stdint.h>

#define IPC_HIST_SUB_BITS 9                         /* 512 buckets per octave */
#define IPC_HIST_LINEAR   (2u << IPC_HIST_SUB_BITS) /* exact below 1024 */
#define IPC_HIST_OCTAVES  32                        /* up to ~2^42 ns, 73 minutes */
#define IPC_HIST_BUCKETS  (IPC_HIST_LINEAR + IPC_HIST_OCTAVES * (1u << IPC_HIST_SUB_BITS))

struct ipc_hist {
	uint64_t count;
	uint64_t min, max;
	uint64_t sum;
	uint64_t bucket[IPC_HIST_BUCKETS];
};

void ipc_hist_reset(struct ipc_hist *h);
void ipc_hist_add(struct ipc_hist *h, uint64_t ns);
/* The value below which a fraction p (0..1) of the samples lie; 0 if empty.
 * p = 1 gives the exact maximum. */
uint64_t ipc_hist_pct(const struct ipc_hist *h, double p);

#endif
