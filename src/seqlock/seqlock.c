/* seqlock.c - a latest-value slot: one writer, many lock-free readers.
 *
 * The C11 recipe: the value is stored as relaxed atomic words, so a reader
 * racing a writer reads stale or new words but never undefined behaviour.
 * The writer makes the sequence odd, fences (release), writes the words,
 * then makes it even with release.  The reader loads the sequence with
 * acquire, copies the words, fences (acquire) and rereads the sequence: if
 * it changed or was odd, the copy may be torn and is retried. */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomics.h"
#include "common/detail.h"
#include "shm/layout.h"
#include "shm/segment.h"
#include "sluice/seqlock.h"

/* A read that meets a write in progress this many times gives up. */
#define READ_RETRIES 100000

struct sluice_seqlock {
	struct sluice_shm *shm;
	struct sluice_seqlock_shared *sh;
	_Atomic uint64_t *words;
	size_t nwords;  /* read once at open: the mapping is untrusted */
	uint64_t seq;   /* writer: the last even sequence it stored */
	bool writer;
};

static size_t value_offset(void)
{
	return (sizeof(struct sluice_seqlock_shared) + SLUICE_LINE - 1) / SLUICE_LINE * SLUICE_LINE;
}

static bool writer_alive(const struct sluice_seqlock *sl)
{
	struct sluice_proc_id w = {
		atomic_load_explicit(&sl->sh->writer_pid, memory_order_relaxed),
		atomic_load_explicit(&sl->sh->writer_start, memory_order_relaxed),
	};

	return sluice_proc_alive(w);
}

static int claim_writer(struct sluice_seqlock *sl)
{
	struct sluice_proc_id self = sluice_proc_self();

	atomic_store_explicit(&sl->sh->writer_start, self.start, memory_order_relaxed);
	atomic_store_explicit(&sl->sh->writer_pid, self.pid, memory_order_release);
	/* Resume after the last complete write; a write cut short by a crash
	 * left the sequence odd, and it stays odd until this writer's first
	 * write, so its half-written value is never read as valid. */
	sl->seq = atomic_load_explicit(&sl->sh->seq, memory_order_relaxed) & ~(uint64_t)1;
	if (atomic_load_explicit(&sl->sh->seq, memory_order_relaxed) & 1)
		sl->seq += 2;
	sl->writer = true;
	return 0;
}

int sluice_seqlock_create(const char *name, size_t value_size, const struct sluice_shm_opts *opts,
			  struct sluice_seqlock **out)
{
	struct sluice_seqlock *sl;
	size_t words = (value_size + 7) / 8;
	int rc;

	*out = NULL;
	if (value_size == 0 || value_size > (SIZE_MAX >> 4))
		return sluice__fail(-EINVAL, "seqlock value size %zu", value_size);
	sl = calloc(1, sizeof(*sl));
	if (!sl)
		return -ENOMEM;
	rc = sluice_shm_create(name, SLUICE_SHM_SEQLOCK, value_offset() + words * 8, opts, &sl->shm);
	if (rc) {
		free(sl);
		return rc;
	}
	sl->sh = sluice_shm_payload(sl->shm);
	sl->sh->value_size = words * 8;
	sl->sh->value_offset = value_offset();
	sl->words = (_Atomic uint64_t *)((char *)sl->sh + value_offset());
	sl->nwords = words;
	claim_writer(sl);
	sluice_shm_publish(sl->shm);
	*out = sl;
	return 0;
}

int sluice_seqlock_open(const char *name, const struct sluice_shm_opts *opts,
			struct sluice_seqlock **out)
{
	struct sluice_seqlock *sl;
	size_t psize;
	uint64_t vsize, voff;
	int rc;

	*out = NULL;
	sl = calloc(1, sizeof(*sl));
	if (!sl)
		return -ENOMEM;
	rc = sluice_shm_open(name, SLUICE_SHM_SEQLOCK, opts, &sl->shm);
	if (rc) {
		free(sl);
		return rc;
	}
	sl->sh = sluice_shm_payload(sl->shm);
	psize = sluice_shm_payload_size(sl->shm);
	if (psize < sizeof(*sl->sh)) {
		rc = sluice__fail(-SLUICE_ECORRUPT, "%s: payload too small for a seqlock", name);
		goto fail;
	}
	vsize = sl->sh->value_size;
	voff = sl->sh->value_offset;
	if (vsize == 0 || vsize % 8 || voff % 8 || voff < sizeof(*sl->sh) || voff > psize ||
	    vsize > psize - voff) {
		rc = sluice__fail(-SLUICE_ECORRUPT, "%s: value at %llu+%llu outside a %zu-byte payload",
				  name, (unsigned long long)voff, (unsigned long long)vsize, psize);
		goto fail;
	}
	sl->words = (_Atomic uint64_t *)((char *)sl->sh + voff);
	sl->nwords = vsize / 8;
	*out = sl;
	return 0;
fail:
	sluice_shm_close(sl->shm);
	free(sl);
	return rc;
}

int sluice_seqlock_take_over(const char *name, const struct sluice_shm_opts *opts,
			     struct sluice_seqlock **out)
{
	struct sluice_seqlock *sl;
	int rc = sluice_seqlock_open(name, opts, &sl);

	if (rc)
		return rc;
	int32_t expect = atomic_load_explicit(&sl->sh->writer_pid, memory_order_acquire);
	if (writer_alive(sl)) {
		sluice_seqlock_close(sl);
		*out = NULL;
		return sluice__fail(-EBUSY, "%s: writer pid %d is alive", name, (int)expect);
	}
	/* Two would-be writers race here: the pid swap picks one. */
	if (!atomic_compare_exchange_strong(&sl->sh->writer_pid, &expect, sluice_proc_self().pid)) {
		sluice_seqlock_close(sl);
		*out = NULL;
		return sluice__fail(-EBUSY, "%s: another process took over first", name);
	}
	claim_writer(sl);
	*out = sl;
	return 0;
}

void sluice_seqlock_close(struct sluice_seqlock *sl)
{
	if (!sl)
		return;
	sluice_shm_close(sl->shm);
	free(sl);
}

size_t sluice_seqlock_value_size(const struct sluice_seqlock *sl)
{
	return sl->nwords * 8;
}

uint64_t sluice_seqlock_seq(const struct sluice_seqlock *sl)
{
	return atomic_load_explicit(&sl->sh->seq, memory_order_acquire) / 2;
}

int sluice_seqlock_write(struct sluice_seqlock *sl, const void *val, size_t len)
{
	const unsigned char *src = val;
	size_t cap = sl->nwords * 8;

	if (!sl->writer)
		return -EPERM;
	if (len > cap)
		return -SLUICE_ETOOBIG;

	atomic_store_explicit(&sl->sh->seq, sl->seq + 1, memory_order_relaxed);
	/* The odd sequence must be visible before any word changes. */
	sluice__fence_release();
	for (size_t i = 0; i < sl->nwords; i++) {
		uint64_t w = 0;
		size_t off = i * 8;

		if (off < len)
			memcpy(&w, src + off, len - off < 8 ? len - off : 8);
		atomic_store_explicit(&sl->words[i], w, SLUICE_GUARDED_STORE);
	}
	sl->seq += 2;
	atomic_store_explicit(&sl->sh->seq, sl->seq, memory_order_release);
	return 0;
}

static size_t copy_words(struct sluice_seqlock *sl, unsigned char *dst, size_t len)
{
	size_t n = len < sl->nwords * 8 ? len : sl->nwords * 8;

	for (size_t off = 0; off < n; off += 8) {
		uint64_t w = atomic_load_explicit(&sl->words[off / 8], SLUICE_GUARDED_LOAD);

		memcpy(dst + off, &w, n - off < 8 ? n - off : 8);
	}
	return n;
}

int sluice_seqlock_read(struct sluice_seqlock *sl, void *out, size_t len, uint64_t *seq)
{
	uint64_t s1 = 0;

	for (int attempt = 0; attempt < READ_RETRIES; attempt++) {
		s1 = atomic_load_explicit(&sl->sh->seq, memory_order_acquire);
		if (!(s1 & 1)) {
			copy_words(sl, out, len);
			/* The copies must complete before the sequence is reread. */
			sluice__fence_acquire();
			if (atomic_load_explicit(&sl->sh->seq, memory_order_relaxed) == s1) {
				if (seq)
					*seq = s1 / 2;
				return 0;
			}
		}
		if ((attempt & 1023) == 1023) {
			/* A sequence stuck odd may be a writer that died mid-write. */
			if (s1 & 1 && !writer_alive(sl))
				break;
			sched_yield();
		} else {
			sluice__cpu_relax();
		}
	}
	if (s1 & 1 && !writer_alive(sl))
		return sluice__fail(-SLUICE_EOWNERDEAD, "%s: the writer died in the middle of a write",
				    sluice_shm_name(sl->shm));
	return -EAGAIN;
}
