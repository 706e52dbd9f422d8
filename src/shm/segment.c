/* segment.c - create, open, validate, reclaim named shared-memory segments.
 *
 * The creator makes the object with O_CREAT|O_EXCL, sizes it, writes the
 * header and its payload's initial state, and only then stores READY with
 * release ordering.  An opener waits (bounded) for READY, then checks every
 * header field against the object's real size before using any of them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
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
	int hugepages; /* advised for huge pages, the kernel allowing */
	char note[160]; /* why the mapping is not what was asked, or "" */
	char name[SLUICE_SHM_NAME_MAX + 1];
};

/* Length of the UTF-8 character at s when it is valid and printable (no
 * C0 or C1 control, no DEL), else 0: a name reaches terminals and JSON. */
static size_t printable_char(const unsigned char *s)
{
	unsigned c = s[0], cp;
	size_t n;

	if (c < 0x20 || c == 0x7f)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp < 0xa0)
		return 0;
	return n;
}

int sluice__shm_check_name(const char *name)
{
	size_t len;

	if (!name)
		return sluice__fail(-SLUICE_EBADNAME, "segment name is NULL");
	len = strnlen(name, SLUICE_SHM_NAME_MAX + 1);
	if (len > SLUICE_SHM_NAME_MAX)
		return sluice__fail(-SLUICE_EBADNAME, "segment name longer than %d bytes",
				    SLUICE_SHM_NAME_MAX);
	for (size_t i = 0, n; i < len; i += n) {
		n = printable_char((const unsigned char *)name + i);
		if (!n)
			return sluice__fail(-SLUICE_EBADNAME,
					    "segment name has a control character or invalid UTF-8 "
					    "at byte %zu",
					    i);
	}
	if (len < 2 || name[0] != '/')
		return sluice__fail(-SLUICE_EBADNAME,
				    "segment name \"%.40s\" must be '/' followed by at least one character",
				    name);
	if (strchr(name + 1, '/'))
		return sluice__fail(-SLUICE_EBADNAME, "segment name \"%s\" has a '/' after the first",
				    name);
	if (!strcmp(name, "/.") || !strcmp(name, "/.."))
		return sluice__fail(-SLUICE_EBADNAME, "segment name \"%s\" names a directory", name);
	return 0;
}

size_t sluice_shm_escape(const char *s, char *buf, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0, n; s[i]; i += n) {
		char tmp[8];
		size_t k;

		n = s[i] == '\\' ? 0 : printable_char((const unsigned char *)s + i);
		if (n) {
			memcpy(tmp, s + i, n);
			k = n;
		} else {
			k = s[i] == '\\' ? (size_t)snprintf(tmp, sizeof(tmp), "\\\\")
					  : (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x",
							     (unsigned char)s[i]);
			n = 1;
		}
		if (cap && o + k < cap)
			memcpy(buf + o, tmp, k);
		else if (cap && o < cap)
			cap = o + 1; /* stop at a whole character */
		o += k;
	}
	if (cap)
		buf[o < cap ? o : cap - 1] = '\0';
	return o;
}

static const char *file_type(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "FIFO";
	if (S_ISLNK(mode))
		return "symbolic link";
	if (S_ISDIR(mode))
		return "directory";
	if (S_ISSOCK(mode))
		return "socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "device";
	return "non-regular file";
}

/* Opens an existing object of a checked name without following a link and
 * without blocking (opening a FIFO blocks), then refuses what is not a
 * regular file: anyone can make a name in /dev/shm.  Returns the fd. */
static int open_object(const char *name, int oflag, struct stat *st)
{
	char path[SLUICE_SHM_NAME_MAX + 16];
	int fd;

	/* Judge before opening where we can, so a device is never opened. */
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	if (lstat(path, st) == 0 && !S_ISREG(st->st_mode))
		return sluice__fail(-SLUICE_ENOTREG, "%s is a %s, not a segment", name,
				    file_type(st->st_mode));
	fd = shm_open(name, oflag | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0) {
		if (errno == ELOOP)
			return sluice__fail(-SLUICE_ENOTREG, "%s is a symbolic link, not a segment",
					    name);
		if (errno == EISDIR)
			return sluice__fail(-SLUICE_ENOTREG, "%s is a directory, not a segment",
					    name);
		return sluice__fail(-errno, "cannot open %s", name);
	}
	if (fstat(fd, st) != 0) {
		int rc = sluice__fail(-errno, "cannot stat %s", name);

		close(fd);
		return rc;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return sluice__fail(-SLUICE_ENOTREG, "%s is a %s, not a segment", name,
				    file_type(st->st_mode));
	}
	return fd;
}

static int in_group(gid_t gid)
{
	gid_t groups[256];
	int n = getgroups(256, groups);

	if (gid == getegid())
		return 1;
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

/* A publisher or subscriber uses only its own user's segments (or, with
 * SLUICE_SHM_GROUP, its group's): a name made first by someone else must
 * not receive our messages nor feed us theirs. */
static int check_owner(const char *name, const struct stat *st, unsigned flags)
{
	if (st->st_uid == geteuid())
		return 0;
	if ((flags & SLUICE_SHM_GROUP) && in_group(st->st_gid))
		return 0;
	if (flags & SLUICE_SHM_GROUP)
		return sluice__fail(-SLUICE_EOWNER,
				    "%s is owned by uid %u and group %u, neither this process's "
				    "(uid %u, not in that group)",
				    name, (unsigned)st->st_uid, (unsigned)st->st_gid,
				    (unsigned)geteuid());
	return sluice__fail(-SLUICE_EOWNER,
			    "%s is owned by uid %u, not this process's uid %u "
			    "(someone else made the name first)",
			    name, (unsigned)st->st_uid, (unsigned)geteuid());
}

/* Reserves the whole object now, so a full /dev/shm is a clear error here
 * rather than a SIGBUS at a later first touch of a page. */
static int reserve(const char *name, int fd, size_t total)
{
	struct statvfs vfs;
	int err = posix_fallocate(fd, 0, (off_t)total);

	if (err == 0)
		return 0;
	if (err != ENOSPC)
		return sluice__fail(-err, "cannot reserve %zu bytes for %s: %s", total, name,
				    strerror(err));
	if (fstatvfs(fd, &vfs) != 0)
		return sluice__fail(-ENOSPC, "%s needs %zu bytes, more than /dev/shm has free",
				    name, total);
	return sluice__fail(-ENOSPC, "%s needs %zu bytes, /dev/shm has %llu free (of %llu)", name,
			    total, (unsigned long long)vfs.f_bavail * vfs.f_frsize,
			    (unsigned long long)vfs.f_blocks * vfs.f_frsize);
}

/* The kernel's policy for huge pages in shared memory: the bracketed word of
 * /sys/kernel/mm/transparent_hugepage/shmem_enabled, or "" when unknown. */
static void shmem_thp_policy(char *buf, size_t len)
{
	char line[128];
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "re");
	char *open_br, *close_br;

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(line, sizeof(line), f) && (open_br = strchr(line, '[')) &&
	    (close_br = strchr(open_br, ']'))) {
		*close_br = '\0';
		snprintf(buf, len, "%s", open_br + 1);
	}
	fclose(f);
}

/* Advises [base, base + size) for huge pages where the kernel may give them
 * to shared memory ("advise", "always", "within_size", "force"); otherwise
 * leaves a note saying why not.  Must come before the pages are allocated. */
static void advise_huge(struct sluice_shm *shm, void *base, size_t size)
{
	char policy[32];

	shmem_thp_policy(policy, sizeof(policy));
	if (policy[0] == '\0' || !strcmp(policy, "never") || !strcmp(policy, "deny")) {
		snprintf(shm->note, sizeof(shm->note),
			 "huge pages refused: transparent_hugepage/shmem_enabled is %s; "
			 "using base pages",
			 policy[0] ? policy : "unreadable");
		return;
	}
#ifdef MADV_HUGEPAGE
	if (madvise(base, size, MADV_HUGEPAGE) == 0) {
		shm->hugepages = 1;
		return;
	}
	snprintf(shm->note, sizeof(shm->note), "huge pages refused: madvise: %s; using base pages",
		 strerror(errno));
#else
	(void)base;
	(void)size;
	snprintf(shm->note, sizeof(shm->note), "huge pages not supported by this build");
#endif
}

/* Puts every page of the mapping into memory and into this process's page
 * tables now, so that no message pays a page fault later.  Returns 0, or
 * -errno when the pages cannot be had (a full tmpfs). */
static int populate(struct sluice_shm *shm, void *base, size_t size, int ro)
{
	long page = sysconf(_SC_PAGESIZE);

#if defined(MADV_POPULATE_READ) && defined(MADV_POPULATE_WRITE)
	if (madvise(base, size, ro ? MADV_POPULATE_READ : MADV_POPULATE_WRITE) == 0)
		return 0;
	if (errno != EINVAL)
		return -(errno == EFAULT ? ENOSPC : errno);
#endif
	/* Kernels before 5.14: a read of each page maps it (shared memory maps
	 * writable on a read fault; the creator's pages are reserved). */
	if (page <= 0)
		page = 4096;
	for (size_t off = 0; off < size; off += (size_t)page)
		(void)*(volatile const char *)((const char *)base + off);
	(void)shm;
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

	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		char path[SLUICE_SHM_NAME_MAX + 16];
		struct stat st;

		rc = -errno;
		/* A FIFO or link squatting the name is no segment to attach to:
		 * say so rather than "exists". */
		snprintf(path, sizeof(path), "/dev/shm%s", name);
		if (rc == -EEXIST && lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
			return sluice__fail(-SLUICE_ENOTREG, "%s is taken by a %s, not a segment",
					    name, file_type(st.st_mode));
		return sluice__fail(rc, "cannot create %s", name);
	}
	/* shm_open applied the umask; group access must be exactly as asked. */
	if (fchmod(fd, mode) != 0 || ftruncate(fd, (off_t)total) != 0) {
		rc = sluice__fail(-errno, "cannot size %s", name);
		goto fail_unlink;
	}
	shm = calloc(1, sizeof(*shm));
	if (!shm) {
		rc = sluice__fail(-ENOMEM, "no memory for %s", name);
		goto fail_unlink;
	}
	shm->base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (shm->base == MAP_FAILED) {
		rc = sluice__fail(-errno, "cannot map %s", name);
		free(shm);
		goto fail_unlink;
	}
	/* Huge pages are decided when a page is allocated, and fallocate knows
	 * no mapping's advice: advise, then populate through the mapping, then
	 * reserve (a no-op over pages that are there, a clear ENOSPC else). */
	if (flags & SLUICE_SHM_HUGEPAGE) {
		advise_huge(shm, shm->base, total);
		if (shm->hugepages)
			(void)populate(shm, shm->base, total, 0);
	}
	rc = reserve(name, fd, total);
	if (rc == 0 && populate(shm, shm->base, total, 0) != 0)
		rc = sluice__fail(-ENOSPC, "cannot populate %zu bytes for %s", total, name);
	if (rc) {
		munmap(shm->base, total);
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
	h->created_ns = sluice__clock_ns(CLOCK_REALTIME);
	strcpy(h->name, name);

	shm->map_size = total;
	shm->hdr = h;
	shm->payload = (char *)shm->base + SLUICE_SHM_PAYLOAD_OFFSET;
	shm->payload_size = payload_size;
	strcpy(shm->name, name);
	*out = shm;
	return 0;

fail_unlink:
	/* Nothing half-made stays behind (it would hold its space). */
	close(fd);
	shm_unlink(name);
	return rc;
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

int sluice__shm_validate(const char *name, const void *mem, size_t obj_size, uint32_t want_kind,
			 struct sluice_shm_header *snap)
{
	int rc;

	if (obj_size < sizeof(*snap))
		return sluice__fail(-SLUICE_ETRUNCATED,
				    "%s: object is %zu bytes, smaller than a header (%zu)", name,
				    obj_size, sizeof(*snap));
	/* Judge a private copy and use only that: the mapping can change
	 * between a check and a use. */
	memcpy(snap, mem, sizeof(*snap));
	rc = check_magic(name, snap->magic);
	if (rc)
		return rc;
	if (atomic_load_explicit(&snap->state, memory_order_relaxed) != SLUICE_SHM_STATE_READY)
		return sluice__fail(-SLUICE_ENOTREADY, "%s: not READY (creator slow or dead)", name);
	rc = validate(name, snap, obj_size, want_kind ? want_kind : snap->kind);
	if (!rc && !memchr(snap->name, '\0', sizeof(snap->name)))
		rc = sluice__fail(-SLUICE_ECORRUPT, "%s: the name in the header is not terminated",
				  name);
	return rc;
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
	uint64_t deadline = sluice__clock_ns(CLOCK_MONOTONIC) + (uint64_t)timeout_ms * 1000000u;
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
	fd = open_object(name, ro ? O_RDONLY : O_RDWR, &st);
	if (fd < 0)
		return fd;
	/* Read-only opens inspect (ls, stat); whoever exchanges messages
	 * through a segment checks who made it. */
	if (want_kind && !ro && (rc = check_owner(name, &st, flags)) != 0)
		goto out;

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
				rc = sluice__shm_validate(name, base, size, want_kind, &snap);
				goto out;
			}
			munmap(base, size);
			base = MAP_FAILED;
		}
		if (sluice__clock_ns(CLOCK_MONOTONIC) >= deadline) {
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
	/* Whoever exchanges messages through it gets its pages now; an
	 * inspecting open stays cheap. */
	if (!ro) {
		if (flags & SLUICE_SHM_HUGEPAGE)
			advise_huge(shm, base, size);
		rc = populate(shm, base, size, 0);
		if (rc) {
			munmap(base, size);
			free(shm);
			return sluice__fail(rc, "cannot populate %zu bytes of %s", size, name);
		}
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

int sluice_shm_hugepages(const struct sluice_shm *shm)
{
	return shm->hugepages;
}

const char *sluice_shm_note(const struct sluice_shm *shm)
{
	return shm->note[0] ? shm->note : NULL;
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
	fd = open_object(name, O_RDONLY, &st);
	if (fd < 0)
		return fd;
	rc = judge_stale(name, fd, &st);
	close(fd);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return sluice__fail(-SLUICE_EOWNERLIVE, "%s: owner is alive", name);

	/* Unlink only the object we judged: if the name was replaced in the
	 * meantime, leave the new one alone.  (glibc keeps shm in /dev/shm.) */
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	if (lstat(path, &again) == 0 && (again.st_ino != st.st_ino || again.st_dev != st.st_dev))
		return sluice__fail(-EAGAIN, "%s was replaced while being reclaimed", name);
	if (shm_unlink(name) != 0)
		return sluice__fail(-errno, "cannot unlink %s", name);
	return 0;
}

/* A name as found in /dev/shm: "/" and one file name, any bytes. */
static int check_found_name(const char *name)
{
	if (!name || name[0] != '/' || !name[1] || strchr(name + 1, '/') ||
	    strnlen(name, SLUICE_SHM_FOUND_NAME_MAX + 1) > SLUICE_SHM_FOUND_NAME_MAX ||
	    !strcmp(name, "/.") || !strcmp(name, "/.."))
		return sluice__fail(-SLUICE_EBADNAME, "not a name in /dev/shm");
	return 0;
}

/* What the header of a sluice-looking object says about its creator. */
static void read_owner(int fd, const struct stat *st, struct sluice_shm_entry *e)
{
	struct sluice_shm_header h;

	if ((size_t)st->st_size < sizeof(h) || pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return;
	if ((h.magic != SLUICE_SHM_MAGIC && h.magic != 0) || h.owner_pid <= 0)
		return;
	e->owner_pid = h.owner_pid;
	e->owner_alive = sluice_proc_alive((struct sluice_proc_id){h.owner_pid, h.owner_start});
}

/* Fills e for the entry file of the directory dfd, never blocking on it. */
static void judge_entry(int dfd, const char *file, struct sluice_shm_entry *e)
{
	struct sluice_shm_info info;
	struct stat st;
	int fd;

	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "/%s", file);
	if (fstatat(dfd, file, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		e->error = -errno;
		snprintf(e->reason, sizeof(e->reason), "cannot stat: %s", strerror(errno));
		return;
	}
	e->uid = st.st_uid;
	e->mode = st.st_mode;
	e->size = (uint64_t)st.st_size;
	e->age_s = (int64_t)(time(NULL) - (st.st_ctime > st.st_mtime ? st.st_ctime : st.st_mtime));
	if (!S_ISREG(st.st_mode)) {
		e->error = -SLUICE_ENOTREG;
		snprintf(e->reason, sizeof(e->reason), "a %s, not a segment",
			 file_type(st.st_mode));
		return;
	}
	if (sluice__shm_check_name(e->name) != 0) {
		e->error = -SLUICE_EBADNAME;
		snprintf(e->reason, sizeof(e->reason), "%s", sluice_errdetail());
		return;
	}
	e->error = sluice_shm_stat(e->name, &info);
	if (e->error == 0) {
		e->kind = info.kind;
		e->owner_pid = info.owner_pid;
		e->owner_alive = info.owner_alive;
		return;
	}
	snprintf(e->reason, sizeof(e->reason), "%s", sluice_errdetail());
	fd = openat(dfd, file, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			read_owner(fd, &st, e);
		close(fd);
	}
}

int sluice_shm_list(int (*fn)(const struct sluice_shm_entry *e, void *arg), void *arg)
{
	struct sluice_shm_entry *e;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	e = malloc(sizeof(*e));
	if (!e)
		return sluice__fail(-ENOMEM, "no memory to list /dev/shm");
	d = opendir("/dev/shm");
	if (!d) {
		rc = sluice__fail(-errno, "cannot list /dev/shm");
		free(e);
		return rc;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		judge_entry(dirfd(d), de->d_name, e);
		rc = fn(e, arg);
	}
	closedir(d);
	free(e);
	return rc;
}

/* Whether the lines of a /proc/<pid>/maps file name the object. */
static int maps_hold(int fd, dev_t dev, ino_t ino)
{
	FILE *f = fdopen(fd, "r");
	char line[512];
	int found = 0;

	if (!f) {
		close(fd);
		return 0;
	}
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		unsigned long long inode;

		if (sscanf(line, "%*s %*s %*s %x:%x %llu", &maj, &min, &inode) == 3)
			found = inode == (unsigned long long)ino && makedev(maj, min) == dev;
		/* Finish an over-long line before reading the next. */
		while (!strchr(line, '\n') && fgets(line, sizeof(line), f))
			;
	}
	fclose(f);
	return found;
}

/* A process that has the object open or mapped, or 0 when none we can see
 * has: the only sure sign that a broken segment is still used. */
static pid_t holder(dev_t dev, ino_t ino)
{
	DIR *proc = opendir("/proc");
	struct dirent *p;
	pid_t found = 0;

	if (!proc)
		return -1;
	while (!found && (p = readdir(proc)) != NULL) {
		char path[300];
		struct stat st;
		struct dirent *f;
		DIR *fds;
		int fd;

		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/maps", p->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && maps_hold(fd, dev, ino)) {
			found = (pid_t)atol(p->d_name);
			break;
		}
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while (!found && (f = readdir(fds)) != NULL)
			if (f->d_name[0] != '.' && fstatat(dirfd(fds), f->d_name, &st, 0) == 0 &&
			    st.st_ino == ino && st.st_dev == dev)
				found = (pid_t)atol(p->d_name);
		closedir(fds);
	}
	closedir(proc);
	return found;
}

int sluice_shm_reclaim_invalid(const char *name, int grace_s)
{
	struct sluice_shm_entry e;
	struct stat st, again;
	int dfd, fd, rc;
	pid_t user;
	int64_t age;

	rc = check_found_name(name);
	if (rc)
		return rc;
	dfd = open("/dev/shm", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return sluice__fail(-errno, "cannot open /dev/shm");
	fd = openat(dfd, name + 1, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = errno == ELOOP ? sluice__fail(-SLUICE_ENOTREG, "%s is a symbolic link", name)
				    : sluice__fail(-errno, "cannot open %s", name);
		goto out;
	}
	rc = fstat(fd, &st) != 0 ? sluice__fail(-errno, "cannot stat %s", name) : 0;
	if (!rc && !S_ISREG(st.st_mode))
		rc = sluice__fail(-SLUICE_ENOTREG, "%s is a %s", name, file_type(st.st_mode));
	if (!rc && st.st_uid != geteuid())
		rc = sluice__fail(-SLUICE_EOWNER, "%s belongs to uid %u, not to this user", name,
				  (unsigned)st.st_uid);
	if (rc) {
		close(fd);
		goto out;
	}
	memset(&e, 0, sizeof(e));
	read_owner(fd, &st, &e);
	close(fd);
	age = (int64_t)(time(NULL) - (st.st_ctime > st.st_mtime ? st.st_ctime : st.st_mtime));
	if (e.owner_alive) {
		rc = sluice__fail(-SLUICE_EOWNERLIVE, "%s: its creator (pid %d) is alive", name,
				  (int)e.owner_pid);
		goto out;
	}
	if (age < grace_s) {
		rc = sluice__fail(-EAGAIN, "%s changed %lld s ago, within the %d s grace period",
				  name, (long long)age, grace_s);
		goto out;
	}
	/* Nobody holding it is what makes removal safe, whatever the
	 * header (valid or not, sluice's or another program's) says. */
	user = holder(st.st_dev, st.st_ino);
	if (user != 0) {
		rc = user > 0
			     ? sluice__fail(-EBUSY, "%s is open or mapped by pid %d", name, (int)user)
			     : sluice__fail(-EBUSY, "%s: cannot tell who uses it (/proc)", name);
		goto out;
	}
	if (fstatat(dfd, name + 1, &again, AT_SYMLINK_NOFOLLOW) != 0 || again.st_ino != st.st_ino ||
	    again.st_dev != st.st_dev) {
		rc = sluice__fail(-EAGAIN, "%s was replaced while being reclaimed", name);
		goto out;
	}
	if (unlinkat(dfd, name + 1, 0) != 0)
		rc = sluice__fail(-errno, "cannot unlink %s", name);
out:
	close(dfd);
	return rc;
}
