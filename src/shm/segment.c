/* segment.c - create, open, validate, reclaim named shared-memory segments.
 *
 * The creator makes the object with O_CREAT|O_EXCL, sizes it, writes the
 * header and its payload's initial state, and only then stores READY with
 * release ordering.  An opener waits (bounded) for READY, then checks every
 * header field against the object's real size before using any of them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/detail.h"
#include "shm/layout.h"
#include "shm/segment.h"

/* A segment that never became READY and whose creator cannot be named is
 * taken as abandoned after this long. */
#define ABANDONED_AFTER_S 10

struct sluice_shm {
	void *base;
	size_t map_size;
	struct sluice_shm_header *hdr;
	void *payload;
	size_t payload_size;
	char name[SLUICE_SHM_NAME_MAX + 1];
};

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int sluice__shm_check_name(const char *name)
{
	size_t len;

	if (!name)
		return sluice__fail(-SLUICE_EBADNAME, "segment name is NULL");
	len = strnlen(name, SLUICE_SHM_NAME_MAX + 1);
	if (len < 2 || name[0] != '/')
		return sluice__fail(-SLUICE_EBADNAME,
				    "segment name \"%.40s\" must be '/' followed by at least one character",
				    name);
	if (len > SLUICE_SHM_NAME_MAX)
		return sluice__fail(-SLUICE_EBADNAME, "segment name longer than %d bytes",
				    SLUICE_SHM_NAME_MAX);
	if (strchr(name + 1, '/'))
		return sluice__fail(-SLUICE_EBADNAME, "segment name \"%s\" has a '/' after the first",
				    name);
	return 0;
}

static const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case SLUICE_SHM_RAW:
		return "raw";
	case SLUICE_SHM_SEQLOCK:
		return "seqlock";
	case SLUICE_SHM_RING:
		return "ring";
	case SLUICE_SHM_CHANNEL:
		return "channel";
	default:
		return "unknown";
	}
}

int sluice_shm_create(const char *name, uint32_t kind, size_t payload_size,
		      const struct sluice_shm_opts *opts, struct sluice_shm **out)
{
	unsigned flags = opts ? opts->flags : 0;
	mode_t mode = (flags & SLUICE_SHM_GROUP) ? 0660 : 0600;
	size_t total = SLUICE_SHM_PAYLOAD_OFFSET + payload_size;
	struct sluice_shm *shm;
	int fd, rc;

	*out = NULL;
	rc = sluice__shm_check_name(name);
	if (rc)
		return rc;
	if (payload_size > SIZE_MAX / 2 || kind == 0)
		return sluice__fail(-EINVAL, "bad size or kind for %s", name);

	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return sluice__fail(-errno, "cannot create %s", name);
	/* shm_open applied the umask; group access must be exactly as asked. */
	if (fchmod(fd, mode) != 0 || ftruncate(fd, (off_t)total) != 0) {
		rc = -errno;
		goto fail_unlink;
	}
	shm = calloc(1, sizeof(*shm));
	if (!shm) {
		rc = -ENOMEM;
		goto fail_unlink;
	}
	shm->base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (shm->base == MAP_FAILED) {
		rc = -errno;
		free(shm);
		goto fail_unlink;
	}
	close(fd);

	struct sluice_shm_header *h = shm->base;
	struct sluice_proc_id self = sluice_proc_self();

	/* Who owns it goes first, so a creator that dies here is recognised. */
	h->owner_pid = self.pid;
	h->owner_start = self.start;
	h->owner_uid = (uint32_t)getuid();
	h->magic = SLUICE_SHM_MAGIC;
	h->abi_version = SLUICE_SHM_ABI_VERSION;
	h->fingerprint = sluice_layout_fingerprint();
	h->byte_order = SLUICE_BYTE_ORDER_MARK;
	h->header_size = sizeof(*h);
	h->pointer_size = sizeof(void *);
	h->kind = kind;
	h->total_size = total;
	h->payload_offset = SLUICE_SHM_PAYLOAD_OFFSET;
	h->payload_size = payload_size;
	h->created_ns = now_ns(CLOCK_REALTIME);
	strcpy(h->name, name);

	shm->map_size = total;
	shm->hdr = h;
	shm->payload = (char *)shm->base + SLUICE_SHM_PAYLOAD_OFFSET;
	shm->payload_size = payload_size;
	strcpy(shm->name, name);
	*out = shm;
	return 0;

fail_unlink:
	close(fd);
	shm_unlink(name);
	return sluice__fail(rc, "cannot size or map %s", name);
}

void sluice_shm_publish(struct sluice_shm *shm)
{
	atomic_store_explicit(&shm->hdr->state, SLUICE_SHM_STATE_READY, memory_order_release);
}

/* Checks a READY header against the object's size and this build. */
static int validate(const char *name, const struct sluice_shm_header *h, uint64_t obj_size,
		    uint32_t kind)
{
	uint64_t mine = sluice_layout_fingerprint();

	if (h->abi_version != SLUICE_SHM_ABI_VERSION)
		return sluice__fail(-SLUICE_EVERSION, "%s: segment ABI version %u, this build speaks %u",
				    name, h->abi_version, SLUICE_SHM_ABI_VERSION);
	if (h->fingerprint != mine) {
		/* Say what differs where the header lets us tell. */
		if (h->pointer_size != sizeof(void *))
			return sluice__fail(-SLUICE_ELAYOUT,
					    "%s: made by a build with %u-byte pointers, this one has %zu",
					    name, h->pointer_size, sizeof(void *));
		if (h->header_size != sizeof(*h))
			return sluice__fail(-SLUICE_ELAYOUT,
					    "%s: segment header is %u bytes there, %zu in this build", name,
					    h->header_size, sizeof(*h));
		return sluice__fail(-SLUICE_ELAYOUT,
				    "%s: layout fingerprint %016llx is not this build's %016llx "
				    "(a shared struct's size, alignment or field offsets differ)",
				    name, (unsigned long long)h->fingerprint, (unsigned long long)mine);
	}
	if (h->kind != kind)
		return sluice__fail(-SLUICE_EKIND, "%s: segment is a %s, not a %s", name,
				    kind_name(h->kind), kind_name(kind));
	if (h->total_size > obj_size)
		return sluice__fail(-SLUICE_ETRUNCATED,
				    "%s: header says %llu bytes, the object has only %llu", name,
				    (unsigned long long)h->total_size, (unsigned long long)obj_size);
	if (h->payload_offset < sizeof(*h) || h->payload_offset % SLUICE_LINE ||
	    h->payload_offset > h->total_size || h->payload_size > h->total_size - h->payload_offset)
		return sluice__fail(-SLUICE_ECORRUPT,
				    "%s: payload at %llu+%llu does not fit in %llu bytes", name,
				    (unsigned long long)h->payload_offset,
				    (unsigned long long)h->payload_size,
				    (unsigned long long)h->total_size);
	return 0;
}

static int check_magic(const char *name, uint32_t magic)
{
	if (magic == SLUICE_SHM_MAGIC)
		return 0;
	if (magic == SLUICE_SHM_MAGIC_SWAP)
		return sluice__fail(-SLUICE_ELAYOUT, "%s: written by a machine of the other byte order",
				    name);
	return sluice__fail(-SLUICE_EMAGIC, "%s: magic %08x is not sluice's %08x", name, magic,
			    SLUICE_SHM_MAGIC);
}

/* Maps an existing object, waits for READY and validates it.  With
 * want_kind 0, any kind is accepted (stat). */
static int attach(const char *name, uint32_t want_kind, const struct sluice_shm_opts *opts,
		  struct sluice_shm **out)
{
	unsigned flags = opts ? opts->flags : 0;
	int timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms
						      : SLUICE_SHM_DEFAULT_TIMEOUT_MS;
	int ro = (flags & SLUICE_SHM_READONLY) != 0;
	uint64_t deadline = now_ns(CLOCK_MONOTONIC) + (uint64_t)timeout_ms * 1000000u;
	struct sluice_shm *shm;
	struct sluice_shm_header snap;
	struct stat st;
	void *base = MAP_FAILED;
	size_t size = 0;
	int fd, rc;

	*out = NULL;
	rc = sluice__shm_check_name(name);
	if (rc)
		return rc;
	fd = shm_open(name, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC, 0);
	if (fd < 0)
		return sluice__fail(-errno, "cannot open %s", name);

	for (;;) {
		if (fstat(fd, &st) != 0) {
			rc = sluice__fail(-errno, "cannot stat %s", name);
			goto out;
		}
		size = (size_t)st.st_size;
		if (size >= sizeof(struct sluice_shm_header)) {
			base = mmap(NULL, size, ro ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED,
				    fd, 0);
			if (base == MAP_FAILED) {
				rc = sluice__fail(-errno, "cannot map %s", name);
				goto out;
			}
			const struct sluice_shm_header *h = base;
			uint32_t state = atomic_load_explicit(&((struct sluice_shm_header *)base)->state,
							      memory_order_acquire);

			/* Zero is what a creator has not written yet; anything
			 * else that is not ours never will be. */
			if (h->magic != 0 && (rc = check_magic(name, h->magic)) != 0)
				goto out;
			if (state == SLUICE_SHM_STATE_READY) {
				/* Judge a private copy and use only that: the mapping
				 * can change between a check and a use. */
				memcpy(&snap, base, sizeof(snap));
				rc = check_magic(name, snap.magic);
				if (!rc)
					rc = validate(name, &snap, size, want_kind ? want_kind : snap.kind);
				goto out;
			}
			munmap(base, size);
			base = MAP_FAILED;
		}
		if (now_ns(CLOCK_MONOTONIC) >= deadline) {
			if (size < sizeof(struct sluice_shm_header) && size > 0)
				rc = sluice__fail(-SLUICE_ETRUNCATED,
						  "%s: object is %zu bytes, smaller than a header (%zu)",
						  name, size, sizeof(struct sluice_shm_header));
			else
				rc = sluice__fail(-SLUICE_ENOTREADY,
						  "%s: not READY after %d ms (creator slow or dead)",
						  name, timeout_ms);
			goto out;
		}
		nanosleep(&(struct timespec){0, 500000}, NULL);
	}

out:
	close(fd);
	if (rc) {
		if (base != MAP_FAILED)
			munmap(base, size);
		return rc;
	}
	shm = calloc(1, sizeof(*shm));
	if (!shm) {
		munmap(base, size);
		return -ENOMEM;
	}
	shm->base = base;
	shm->map_size = size;
	shm->hdr = base;
	shm->payload = (char *)base + snap.payload_offset;
	shm->payload_size = snap.payload_size;
	strcpy(shm->name, name);
	*out = shm;
	return 0;
}

int sluice_shm_open(const char *name, uint32_t kind, const struct sluice_shm_opts *opts,
		    struct sluice_shm **out)
{
	if (kind == 0) {
		*out = NULL;
		return sluice__fail(-EINVAL, "segment kind 0 is not a kind");
	}
	return attach(name, kind, opts, out);
}

void sluice_shm_close(struct sluice_shm *shm)
{
	if (!shm)
		return;
	munmap(shm->base, shm->map_size);
	free(shm);
}

int sluice_shm_unlink(const char *name)
{
	int rc = sluice__shm_check_name(name);

	if (rc)
		return rc;
	if (shm_unlink(name) != 0)
		return sluice__fail(-errno, "cannot unlink %s", name);
	return 0;
}

void *sluice_shm_payload(const struct sluice_shm *shm)
{
	return shm->payload;
}

size_t sluice_shm_payload_size(const struct sluice_shm *shm)
{
	return shm->payload_size;
}

const char *sluice_shm_name(const struct sluice_shm *shm)
{
	return shm->name;
}

struct sluice_proc_id sluice__shm_owner(const struct sluice_shm *shm)
{
	return (struct sluice_proc_id){shm->hdr->owner_pid, shm->hdr->owner_start};
}

int sluice_shm_stat(const char *name, struct sluice_shm_info *info)
{
	struct sluice_shm_opts o = {.flags = SLUICE_SHM_READONLY, .timeout_ms = 1};
	struct sluice_shm *shm;
	int rc = attach(name, 0, &o, &shm);

	if (rc)
		return rc;
	const struct sluice_shm_header *h = shm->hdr;

	memset(info, 0, sizeof(*info));
	info->kind = h->kind;
	info->ready = 1;
	info->payload_size = h->payload_size;
	info->total_size = shm->map_size;
	info->owner_pid = h->owner_pid;
	info->owner_start = h->owner_start;
	info->owner_uid = h->owner_uid;
	info->created_ns = h->created_ns;
	info->owner_alive = sluice_proc_alive(sluice__shm_owner(shm));
	sluice_shm_close(shm);
	return 0;
}

/* Reads just enough of any object to judge whether its owner is gone:
 * 1 stale, 0 live, or a negative error (not ours, unreadable). */
static int judge_stale(const char *name, int fd, const struct stat *st)
{
	struct sluice_shm_header h;
	ssize_t n;

	if ((size_t)st->st_size < sizeof(h)) {
		/* Still being sized, or abandoned before it had a header. */
		return time(NULL) - st->st_ctime > ABANDONED_AFTER_S;
	}
	n = pread(fd, &h, sizeof(h), 0);
	if (n != (ssize_t)sizeof(h))
		return sluice__fail(-EIO, "cannot read %s", name);
	if (h.magic == 0 && h.owner_pid == 0)
		return time(NULL) - st->st_ctime > ABANDONED_AFTER_S;
	if (h.magic != 0 && h.magic != SLUICE_SHM_MAGIC)
		return check_magic(name, h.magic);
	return !sluice_proc_alive((struct sluice_proc_id){h.owner_pid, h.owner_start});
}

int sluice_shm_reclaim(const char *name)
{
	char path[SLUICE_SHM_NAME_MAX + 16];
	struct stat st, again;
	int fd, rc;

	rc = sluice__shm_check_name(name);
	if (rc)
		return rc;
	fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return sluice__fail(-errno, "cannot open %s", name);
	if (fstat(fd, &st) != 0) {
		rc = sluice__fail(-errno, "cannot stat %s", name);
		close(fd);
		return rc;
	}
	rc = judge_stale(name, fd, &st);
	close(fd);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return sluice__fail(-SLUICE_EOWNERLIVE, "%s: owner is alive", name);

	/* Unlink only the object we judged: if the name was replaced in the
	 * meantime, leave the new one alone.  (glibc keeps shm in /dev/shm.) */
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	if (stat(path, &again) == 0 && (again.st_ino != st.st_ino || again.st_dev != st.st_dev))
		return sluice__fail(-EAGAIN, "%s was replaced while being reclaimed", name);
	if (shm_unlink(name) != 0)
		return sluice__fail(-errno, "cannot unlink %s", name);
	return 0;
}
