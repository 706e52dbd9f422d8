/* detail.h - record a one-line explanation of a failure for sluice_errdetail().
 * Library code never prints; it leaves the detail here and returns a code. */
#ifndef SLUICE_COMMON_DETAIL_H
#define SLUICE_COMMON_DETAIL_H

#include "sluice/error.h"

/* Formats the detail for this thread and returns err unchanged, so that a
 * failure path reads: return sluice__fail(-SLUICE_ELAYOUT, "...", ...); */
int sluice__fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Clears the detail (a call that succeeds after a failure need not). */
void sluice__clear_detail(void);

#endif
