/* segment.h - what the primitives built on segments need beyond the public
 * API: the owner's identity and name checking. */
#ifndef SLUICE_SHM_SEGMENT_H
#define SLUICE_SHM_SEGMENT_H

#include "shm/layout.h"
#include "sluice/shm.h"

int sluice__shm_check_name(const char *name);

/* Judges a header in memory (the first bytes of an object of obj_size
 * bytes) as an opener does: copies it into snap and checks the copy.  With
 * want_kind 0 any kind is accepted.  0 or a -SLUICE_E* code. */
int sluice__shm_validate(const char *name, const void *mem, size_t obj_size, uint32_t want_kind,
			 struct sluice_shm_header *snap);
struct sluice_proc_id sluice__shm_owner(const struct sluice_shm *shm);

#endif
