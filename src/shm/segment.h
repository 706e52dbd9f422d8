/* segment.h - what the primitives built on segments need beyond the public
 * API: the owner's identity and name checking. */
#ifndef SLUICE_SHM_SEGMENT_H
#define SLUICE_SHM_SEGMENT_H

#include "sluice/shm.h"

int sluice__shm_check_name(const char *name);
struct sluice_proc_id sluice__shm_owner(const struct sluice_shm *shm);

#endif
