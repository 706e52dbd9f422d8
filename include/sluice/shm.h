/* sluice/shm.h - named POSIX shared-memory segments with a checked header.
 *
 * A segment is one shm_open() object: a header that says what it is, who
 * made it and how it is laid out, then a payload for one primitive (a
 * seqlock, a ring, a channel).  Opening validates the header against the
 * object's real size before trusting any field, and refuses a segment of
 * another build, version, layout or kind with a reason (sluice_errdetail()).
 */
#ifndef SLUICE_SHM_H
#define SLUICE_SHM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a segment's payload holds. */
enum sluice_shm_kind {
	SLUICE_SHM_RAW = 1,     /* bytes the caller lays out itself */
	SLUICE_SHM_SEQLOCK = 2, /* sluice/seqlock.h */
	SLUICE_SHM_RING = 3,    /* sluice/ring.h */
	SLUICE_SHM_CHANNEL = 4, /* sluice/channel.h */
};

/* Names are "/name": one leading slash, no other, at most this many bytes
 * including the slash. */
#define SLUICE_SHM_NAME_MAX 200

/* How long an opener waits for a creator to publish READY by default. */
#define SLUICE_SHM_DEFAULT_TIMEOUT_MS 1000

enum sluice_shm_flags {
	SLUICE_SHM_GROUP = 1 << 0,    /* create with mode 0660 instead of 0600 */
	SLUICE_SHM_READONLY = 1 << 1, /* open: map read-only */
};

struct sluice_shm_opts {
	unsigned flags;      /* enum sluice_shm_flags */
	int timeout_ms;      /* open: wait for READY at most this long; 0 = default */
};

struct sluice_shm;

/* Creates "name" exclusively (fails with -EEXIST if it exists) with a
 * payload of payload_size bytes, zero-filled.  The segment is not READY
 * until sluice_shm_publish(), so the creator can lay out its payload first. */
int sluice_shm_create(const char *name, uint32_t kind, size_t payload_size,
		      const struct sluice_shm_opts *opts, struct sluice_shm **out);

/* Marks a created segment READY (release ordering): openers may now use it. */
void sluice_shm_publish(struct sluice_shm *shm);

/* Opens an existing segment of the given kind, waiting (bounded) for READY. */
int sluice_shm_open(const char *name, uint32_t kind, const struct sluice_shm_opts *opts,
		    struct sluice_shm **out);

/* Unmaps and frees the handle; the name stays until sluice_shm_unlink(). */
void sluice_shm_close(struct sluice_shm *shm);

/* Removes the name; mappings already open stay valid. */
int sluice_shm_unlink(const char *name);

void *sluice_shm_payload(const struct sluice_shm *shm);
size_t sluice_shm_payload_size(const struct sluice_shm *shm);
const char *sluice_shm_name(const struct sluice_shm *shm);

/* What a segment's header says, read without mapping it for use. */
struct sluice_shm_info {
	uint32_t kind;
	uint32_t ready;            /* 1 when READY was published */
	uint64_t payload_size;
	uint64_t total_size;       /* the object's size (fstat) */
	pid_t owner_pid;
	uint64_t owner_start;      /* owner's start time, clock ticks after boot */
	uid_t owner_uid;
	uint64_t created_ns;       /* CLOCK_REALTIME at creation */
	int owner_alive;           /* 1 alive, 0 dead */
};

/* Fills info for "name" after validating its header like open does. */
int sluice_shm_stat(const char *name, struct sluice_shm_info *info);

/* Removes "name" if its owner is dead (or it never became READY and its
 * creator is gone); -SLUICE_EOWNERLIVE if the owner lives.  Returns 0 when
 * it removed the segment. */
int sluice_shm_reclaim(const char *name);

/* Process identity that survives pid reuse: pid plus start time. */
struct sluice_proc_id {
	pid_t pid;
	uint64_t start; /* /proc/<pid>/stat starttime (clock ticks after boot) */
};

/* The calling process's identity (cached after the first call). */
struct sluice_proc_id sluice_proc_self(void);

/* 1 if that exact process still exists (not a recycled pid), else 0. */
int sluice_proc_alive(struct sluice_proc_id id);

/* The layout fingerprint of this build: every shared struct's size,
 * offsets and alignment, the byte order and the pointer size. */
uint64_t sluice_layout_fingerprint(void);

#ifdef __cplusplus
}
#endif
#endif
