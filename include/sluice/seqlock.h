/* sluice/seqlock.h - a latest-value slot in shared memory (seed 1.3, ex01).
 *
 * One writer replaces the value; any number of readers copy it out without
 * locks and without ever blocking the writer.  A reader retries while a write
 * is in progress, a bounded number of times, and says so if the writer died
 * in the middle of a write instead of spinning forever. */
#ifndef SLUICE_SEQLOCK_H
#define SLUICE_SEQLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/shm.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sluice_seqlock;

/* Creates a segment holding a value of value_size bytes (rounded up to 8)
 * and becomes its writer.  The value starts as zeros with sequence 0. */
int sluice_seqlock_create(const char *name, size_t value_size, const struct sluice_shm_opts *opts,
			  struct sluice_seqlock **out);

/* Opens an existing slot as a reader. */
int sluice_seqlock_open(const char *name, const struct sluice_shm_opts *opts,
			struct sluice_seqlock **out);

/* Opens an existing slot and takes over as writer; -EBUSY while the
 * recorded writer lives. */
int sluice_seqlock_take_over(const char *name, const struct sluice_shm_opts *opts,
			     struct sluice_seqlock **out);

void sluice_seqlock_close(struct sluice_seqlock *sl);

size_t sluice_seqlock_value_size(const struct sluice_seqlock *sl);

/* Writer: replaces the value with len bytes (len <= value size; the rest is
 * zeroed).  Never blocks.  Returns 0 or -EPERM for a reader handle. */
int sluice_seqlock_write(struct sluice_seqlock *sl, const void *val, size_t len);

/* Reader: copies a consistent value (min(len, value size) bytes) into out.
 * *seq, if given, gets the number of writes the value reflects.  Returns 0,
 * -EAGAIN if every retry met a write in progress, or -SLUICE_EOWNERDEAD if
 * the writer died mid-write. */
int sluice_seqlock_read(struct sluice_seqlock *sl, void *out, size_t len, uint64_t *seq);

/* The number of completed writes, without reading the value. */
uint64_t sluice_seqlock_seq(const struct sluice_seqlock *sl);

#ifdef __cplusplus
}
#endif
#endif
