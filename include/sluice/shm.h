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
	SLUICE_SHM_GROUP = 1 << 0,    /* create with mode 0660 instead of 0600; open:
				       * accept a segment of one of our groups too */
	SLUICE_SHM_READONLY = 1 << 1, /* open: map read-only */
	SLUICE_SHM_HUGEPAGE = 1 << 2, /* ask for transparent huge pages where the
				       * kernel's shmem setting allows; else 4 KiB
				       * pages, and sluice_shm_note() says why */
};

struct sluice_shm_opts {
	unsigned flags;      /* enum sluice_shm_flags */
	int timeout_ms;      /* open: wait for READY at most this long; 0 = default */
};

struct sluice_shm;

/* Creates "name" exclusively (fails with -EEXIST if it exists) with a
 * payload of payload_size bytes, zero-filled and reserved in /dev/shm
 * (-ENOSPC, naming the size and the space free, when it does not fit).
 * Names are printable UTF-8 without control characters.  The segment is not READY
 * until sluice_shm_publish(), so the creator can lay out its payload first. */
int sluice_shm_create(const char *name, uint32_t kind, size_t payload_size,
		      const struct sluice_shm_opts *opts, struct sluice_shm **out);

/* A creator's, and a read-write opener's, mapping is populated before the
 * call returns (every page is in memory and in this process's page tables),
 * so no page fault happens on the message path; read-only (inspecting)
 * opens are not populated. */

/* Marks a created segment READY (release ordering): openers may now use it. */
void sluice_shm_publish(struct sluice_shm *shm);

/* Opens an existing segment of the given kind, waiting (bounded) for READY.
 * Never blocks on or follows what is not a regular file (-SLUICE_ENOTREG).
 * Unless SLUICE_SHM_READONLY (inspection), refuses a segment owned by
 * another user, or with SLUICE_SHM_GROUP by neither this user nor one of its
 * groups (-SLUICE_EOWNER). */
int sluice_shm_open(const char *name, uint32_t kind, const struct sluice_shm_opts *opts,
		    struct sluice_shm **out);

/* Unmaps and frees the handle; the name stays until sluice_shm_unlink(). */
void sluice_shm_close(struct sluice_shm *shm);

/* Removes the name; mappings already open stay valid. */
int sluice_shm_unlink(const char *name);

void *sluice_shm_payload(const struct sluice_shm *shm);
size_t sluice_shm_payload_size(const struct sluice_shm *shm);
const char *sluice_shm_name(const struct sluice_shm *shm);

/* 1 when SLUICE_SHM_HUGEPAGE was asked for and the mapping was advised for
 * huge pages with the kernel allowing them for shared memory, else 0. */
int sluice_shm_hugepages(const struct sluice_shm *shm);

/* Why the mapping is not what was asked for (huge pages refused by the
 * kernel's setting or by madvise), or NULL when it is. */
const char *sluice_shm_note(const struct sluice_shm *shm);

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

/* Names found in /dev/shm may be as long as a file name ("/" + 255). */
#define SLUICE_SHM_FOUND_NAME_MAX 256

/* One object found in /dev/shm, judged without blocking on it or following
 * a link.  Its name is as found: it may hold bytes a terminal or JSON must
 * not see raw (escape them before printing). */
struct sluice_shm_entry {
	char name[SLUICE_SHM_FOUND_NAME_MAX + 1];
	int error;           /* 0: a valid sluice segment; else why not (-SLUICE_E*, -errno) */
	char reason[256];    /* when error: what is wrong, in words */
	uint32_t kind;       /* when valid */
	mode_t mode;         /* file type and permissions (lstat) */
	uid_t uid;           /* the object's owner (lstat) */
	uint64_t size;       /* bytes (lstat) */
	int64_t age_s;       /* seconds since it last changed (ctime or mtime) */
	pid_t owner_pid;     /* creator named by the header, 0 when none is */
	int owner_alive;     /* 1 when that creator lives */
};

/* Writes s into buf (cap bytes, always terminated when cap > 0) with every
 * byte that is not printable UTF-8 as \xHH and '\\' doubled, so a name
 * or a string read from shared memory can reach a terminal or a JSON
 * string.  Returns the length of the whole escaped text (like snprintf). */
size_t sluice_shm_escape(const char *s, char *buf, size_t cap);

/* Calls fn for every object in /dev/shm (dot names included, "." and ".."
 * not), valid or not, until fn returns non-zero; returns that value, 0, or
 * a negative error if /dev/shm cannot be read. */
int sluice_shm_list(int (*fn)(const struct sluice_shm_entry *e, void *arg), void *arg);

/* Removes an object that cannot be judged as a segment (bad magic, never
 * READY, truncated, inconsistent, a bad name, a topic whose payload is
 * broken) when all of these hold: it is a regular file owned by this user,
 * its header names no living creator, it has not changed for grace_s
 * seconds and no process has it open or mapped.  0 when removed, else the
 * reason it was kept. */
int sluice_shm_reclaim_invalid(const char *name, int grace_s);

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
