/* mcap_write.c - the MCAP writer: records into chunks, chunks straight to
 * the file with their message indexes, a summary and footer at close.
 * The caller copies records into the open chunk and checksums them while
 * they are in the cache; a full chunk is compressed and written by a
 * thread of the writer's own while the caller fills the next one (which
 * compresses the next itself rather than wait, when compressing is the
 * slower part); everything else is written in order after it. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/detail.h"
#include "record/mcap.h"
#include "sluice/record.h"

static inline void put_le(unsigned char *p, uint64_t v, int n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(p, &v, (size_t)n); /* one store: the loop is not merged into one */
#else
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
#endif
}

/* mbuf_reserve without a call when there is room: the per-message path. */
static inline int reserve(struct mbuf *b, size_t more)
{
	return !b->oom && b->cap - b->len >= more ? 0 : mbuf_reserve(b, more);
}

struct wchan {
	uint64_t count;    /* messages in the file */
	struct mbuf index; /* this chunk's (log_time, offset) pairs */
};

/* A chunk on its way to the file.  The caller fills recs, tail and map;
 * whoever writes it (the I/O thread) compresses recs, makes the Chunk
 * header and the ChunkIndex, checksums and writes. */
struct chunk_job {
	struct mbuf recs; /* the chunk's records */
	struct mbuf tail; /* its MessageIndex records */
	struct mbuf map;  /* (channel u16, MessageIndex offset in tail u64) pairs */
	uint64_t start, end; /* log times */
	uint64_t off;        /* where the Chunk goes in the file */
	uint32_t recs_crc;   /* the records' CRC, done by the caller */
	int compressed;      /* z holds recs compressed already (the caller's) */
	/* made by the job */
	struct mbuf z;    /* recs compressed */
	struct mbuf head; /* the Chunk record up to its records */
	struct mbuf ci;   /* its ChunkIndex, for the summary */
	uint64_t written; /* bytes it put in the file */
	uint64_t pending; /* recs and tail: what the status line counts */
};

/* Chunks queued for the I/O thread: while it writes one, the next is
 * ready, so that it need not wait for the caller to be scheduled (more
 * slots measured slower here: more buffers, colder caches). */
#define NJOBS 2

struct sluice_mcap_writer {
	int fd;
	int err;           /* first write error; later writes are skipped */
	uint64_t off;      /* bytes written */
	uint32_t data_crc; /* over everything before DataEnd */
	int in_data;
	uint64_t chunk_size;
	struct mbuf chunk; /* the open chunk's records */
	size_t crc_done;   /* ... of which the CRC covers so many bytes */
	uint32_t recs_crc; /* ... that CRC */
	struct mbuf tail, map; /* the open chunk's MessageIndexes (struct chunk_job) */
	struct mbuf z;         /* ... compressed here (compress_here()) */
	void *zctx;            /* ... with this zstd context */
	int comp;          /* enum mcap_compression */
	const char *comp_name;
	uint64_t chunk_start, chunk_end, chunk_msgs;
	struct mbuf schemas, channels, chunk_idx, meta_idx; /* summary copies */
	uint16_t nschemas;
	uint32_t nchannels, nmeta, nchunks;
	struct wchan *chans;
	uint64_t messages, start, end;
	/* The chunks being written, a ring: job q % NJOBS for q_done <= q <
	 * q_sub is the I/O thread's (the mutex hands it over), done ones wait
	 * for the caller to take their ChunkIndex (q_col <= q < q_done).
	 * io_end: where the next chunk goes, the I/O thread's while any is
	 * queued.  raw: queued chunks it has yet to start compressing.
	 * io_pending: the status line's count of what is queued. */
	struct chunk_job jobs[NJOBS];
	uint64_t q_sub, q_done, q_col, io_end, io_pending;
	int raw;
	void *io_zctx; /* the I/O thread's zstd context */
	pthread_t io_thread;
	int io_started;
	pthread_mutex_t io_mu;
	pthread_cond_t io_cv;
	int io_stop, io_err;
	char io_why[160];
};

/* Writes n bytes to fd: 0, or -errno with why filled in. */
static int write_all(int fd, const void *p, size_t n, char *why, size_t why_len)
{
	const unsigned char *c = p;

	while (n) {
		ssize_t k = write(fd, c, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			int e = k < 0 ? errno : EIO;

			snprintf(why, why_len, "writing the recording: %s",
			         k < 0 ? strerror(e) : "short write");
			return -e;
		}
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Compresses, then builds the Chunk header and ChunkIndex; 0 or -errno
 * with why filled in. */
static int job_build(struct chunk_job *j, int comp, const char *comp_name, void **zctx,
		     char *why, size_t why_len)
{
	struct mbuf *body = &j->recs, *h = &j->head, *ci = &j->ci;
	size_t nlen = strlen(comp_name), at;

	if (comp != MCAP_NONE && !j->compressed) {
		int rc = mcap_compress(comp, zctx, j->recs.p, j->recs.len, &j->z);

		if (rc) {
			snprintf(why, why_len, "%s", rc == -ENOMEM ? "out of memory compressing a chunk"
			                                           : sluice_errdetail());
			return rc;
		}
	}
	if (comp != MCAP_NONE)
		body = &j->z;
	uint64_t plen = body->len;

	h->len = 0;
	mbuf_u8(h, MCAP_CHUNK);
	mbuf_u64(h, 8 + 8 + 8 + 4 + 4 + nlen + 8 + plen);
	mbuf_u64(h, j->start);
	mbuf_u64(h, j->end);
	mbuf_u64(h, j->recs.len);
	mbuf_u32(h, j->recs_crc);
	mbuf_str(h, comp_name, nlen);
	mbuf_u64(h, plen);
	uint64_t chunk_len = h->len + plen, mi_start = j->off + chunk_len;

	ci->len = 0;
	at = mbuf_rec_begin(ci, MCAP_CHUNK_INDEX);
	mbuf_u64(ci, j->start);
	mbuf_u64(ci, j->end);
	mbuf_u64(ci, j->off);
	mbuf_u64(ci, chunk_len);
	mbuf_u32(ci, (uint32_t)j->map.len);
	for (size_t i = 0; i + 10 <= j->map.len; i += 10) {
		mbuf_u16(ci, mcap_get16(j->map.p + i));
		mbuf_u64(ci, mi_start + mcap_get64(j->map.p + i + 2));
	}
	mbuf_u64(ci, j->tail.len);
	mbuf_str(ci, comp_name, nlen);
	mbuf_u64(ci, plen);
	mbuf_u64(ci, j->recs.len);
	mbuf_rec_end(ci, at);
	if (h->oom || ci->oom) {
		snprintf(why, why_len, "out of memory keeping the chunk index");
		return -ENOMEM;
	}
	return 0;
}

/* Builds, checksums (the data section's CRC goes on over it) and writes. */
static int job_run(struct sluice_mcap_writer *w, struct chunk_job *j, void **zctx, char *why,
		   size_t why_len)
{
	int comp = w->comp, fd = w->fd;
	uint32_t *data_crc = &w->data_crc;
	int rc = job_build(j, comp, w->comp_name, zctx, why, why_len);

	if (rc)
		return rc;
	const struct mbuf *body = comp == MCAP_NONE ? &j->recs : &j->z;
	/* the records' CRC is known: only what the caller did not see is read */
	uint32_t body_crc = comp == MCAP_NONE ? j->recs_crc : sluice_crc32(0, body->p, body->len);

	*data_crc = sluice_crc32(*data_crc, j->head.p, j->head.len);
	*data_crc = mcap_crc32_combine(*data_crc, body_crc, body->len);
	*data_crc = sluice_crc32(*data_crc, j->tail.p, j->tail.len);
	if (!(rc = write_all(fd, j->head.p, j->head.len, why, why_len)) &&
	    !(rc = write_all(fd, body->p, body->len, why, why_len)))
		rc = write_all(fd, j->tail.p, j->tail.len, why, why_len);
	j->written = j->head.len + body->len + j->tail.len;
	return rc;
}

static void *io_main(void *arg)
{
	struct sluice_mcap_writer *w = arg;

	pthread_mutex_lock(&w->io_mu);
	for (;;) {
		while (w->q_done == w->q_sub && !w->io_stop)
			pthread_cond_wait(&w->io_cv, &w->io_mu);
		if (w->q_done == w->q_sub)
			break;
		struct chunk_job *j = &w->jobs[w->q_done % NJOBS];
		int skip = w->io_err; /* after a failed write, the file is cut there */

		if (!j->compressed)
			w->raw--;
		pthread_mutex_unlock(&w->io_mu);
		char why[sizeof(w->io_why)];
		int rc = 0;

		/* the job, io_end and data_crc are ours while it is queued: the
		 * caller waits for the queue to empty before using them */
		if (!skip) {
			j->off = w->io_end;
			rc = job_run(w, j, &w->io_zctx, why, sizeof(why));
			w->io_end += j->written;
		}
		pthread_mutex_lock(&w->io_mu);
		if (rc && !w->io_err) {
			w->io_err = rc;
			memcpy(w->io_why, why, sizeof(why));
		}
		w->q_done++;
		pthread_cond_broadcast(&w->io_cv);
	}
	pthread_mutex_unlock(&w->io_mu);
	return NULL;
}

/* Jobs done up to q (read under the mutex): their ChunkIndexes and bytes
 * become the writer's, in file order; the I/O thread's error becomes
 * w->err first. */
static void io_collect(struct sluice_mcap_writer *w, uint64_t q, int err)
{
	if (err && !w->err)
		w->err = sluice__fail(err, "%s", w->io_why);
	for (; w->q_col < q; w->q_col++) {
		struct chunk_job *j = &w->jobs[w->q_col % NJOBS];

		w->io_pending -= j->pending;
		if (w->err)
			continue;
		mbuf_put(&w->chunk_idx, j->ci.p, j->ci.len);
		if (w->chunk_idx.oom)
			w->err = sluice__fail(-ENOMEM, "out of memory keeping the chunk index");
		w->off += j->written;
	}
}

/* Waits until at most `left` chunks are queued, and takes the done ones. */
static int io_wait_left(struct sluice_mcap_writer *w, uint64_t left)
{
	uint64_t done;
	int err;

	if (!w->io_started)
		return w->err;
	pthread_mutex_lock(&w->io_mu);
	while (w->q_sub - w->q_done > left)
		pthread_cond_wait(&w->io_cv, &w->io_mu);
	done = w->q_done;
	err = w->io_err;
	pthread_mutex_unlock(&w->io_mu);
	io_collect(w, done, err);
	return w->err;
}

/* Waits for every chunk queued: what is written next follows them. */
static int io_wait(struct sluice_mcap_writer *w)
{
	return io_wait_left(w, 0);
}

static void swap_mbuf(struct mbuf *a, struct mbuf *b)
{
	struct mbuf t = *a;

	*a = *b;
	*b = t;
}

/* Whether the caller compresses the chunk it hands over itself: when the
 * I/O thread has one queued that it has yet to start compressing, or when
 * the queue is full and the caller would only wait.  So when chunks come
 * faster than one thread compresses them, both threads do. */
static int compress_here(struct sluice_mcap_writer *w)
{
	int yes;

	if (w->comp == MCAP_NONE || !w->io_started || w->err)
		return 0;
	pthread_mutex_lock(&w->io_mu);
	yes = w->raw > 0 || w->q_sub - w->q_done >= NJOBS;
	pthread_mutex_unlock(&w->io_mu);
	return yes;
}

/* Queues the open chunk (w->chunk, w->tail, w->map) for the I/O thread
 * (the buffers of a job done come back in their place), or writes it here
 * without one. */
static int io_submit(struct sluice_mcap_writer *w, uint32_t recs_crc)
{
	int rc, pre = 0;

	if (compress_here(w)) {
		rc = mcap_compress(w->comp, &w->zctx, w->chunk.p, w->chunk.len, &w->z);
		if (rc)
			return w->err = rc == -ENOMEM ? sluice__fail(rc, "out of memory compressing a chunk")
			                              : rc;
		pre = 1;
	}
	/* a free slot: one whose job is done and taken */
	if ((rc = io_wait_left(w, NJOBS - 1)) != 0)
		return rc;
	struct chunk_job *j = &w->jobs[w->q_sub % NJOBS];

	if (pre)
		swap_mbuf(&j->z, &w->z);
	j->compressed = pre;
	swap_mbuf(&j->recs, &w->chunk);
	swap_mbuf(&j->tail, &w->tail);
	swap_mbuf(&j->map, &w->map);
	j->start = w->chunk_start;
	j->end = w->chunk_end;
	j->recs_crc = recs_crc;
	j->pending = j->recs.len + j->tail.len;
	w->io_pending += j->pending;
	if (!w->io_started) {
		char why[sizeof(w->io_why)];

		j->off = w->off;
		rc = job_run(w, j, &w->io_zctx, why, sizeof(why));
		if (rc)
			w->err = sluice__fail(rc, "%s", why);
		w->q_sub++;
		io_collect(w, w->q_sub, 0);
		return w->err;
	}
	pthread_mutex_lock(&w->io_mu);
	if (w->q_done == w->q_sub) {
		/* nothing queued: the I/O thread is idle and every job before is
		 * done; once they are taken, w->off is where this one goes */
		uint64_t done = w->q_done;
		int err = w->io_err;

		pthread_mutex_unlock(&w->io_mu);
		io_collect(w, done, err);
		if (w->err)
			return w->err;
		w->io_end = w->off;
		pthread_mutex_lock(&w->io_mu);
	}
	w->q_sub++;
	w->raw += !pre;
	pthread_cond_broadcast(&w->io_cv);
	pthread_mutex_unlock(&w->io_mu);
	return 0;
}

static void io_stop(struct sluice_mcap_writer *w)
{
	if (!w->io_started)
		return;
	io_wait(w);
	pthread_mutex_lock(&w->io_mu);
	w->io_stop = 1;
	pthread_cond_broadcast(&w->io_cv);
	pthread_mutex_unlock(&w->io_mu);
	pthread_join(w->io_thread, NULL);
	pthread_mutex_destroy(&w->io_mu);
	pthread_cond_destroy(&w->io_cv);
	w->io_started = 0;
}

/* Writes n bytes in order, after the chunk in flight. */
static void wr(struct sluice_mcap_writer *w, const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t left = n;

	if (io_wait(w))
		return; /* the chunk before this goes first */
	while (left) {
		ssize_t k = write(w->fd, c, left);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			w->err = sluice__fail(k < 0 ? -errno : -EIO, "writing the recording: %s",
			                      k < 0 ? strerror(errno) : "short write");
			return;
		}
		c += k;
		left -= (size_t)k;
	}
	if (w->in_data)
		w->data_crc = sluice_crc32(w->data_crc, p, n);
	w->off += n;
}

static int wr_buf(struct sluice_mcap_writer *w, struct mbuf *b)
{
	if (b->oom) {
		mbuf_free(b);
		return sluice__fail(-ENOMEM, "out of memory building a record");
	}
	wr(w, b->p, b->len);
	mbuf_free(b);
	return w->err;
}

int sluice_mcap_writer_open(const char *path, const struct sluice_mcap_writer_opts *opts,
                            struct sluice_mcap_writer **out)
{
	struct sluice_mcap_writer_opts o = opts ? *opts : (struct sluice_mcap_writer_opts){0};
	struct sluice_mcap_writer *w;
	struct mbuf h = {0};
	size_t at;

	const char *cname = o.compression && strcmp(o.compression, "none") ? o.compression : "";
	int comp = mcap_compression(cname, strlen(cname));

	if (comp < 0)
		return sluice__fail(-ENOTSUP, "compression \"%s\": none, zstd or lz4", cname);
	if (!(w = calloc(1, sizeof(*w))))
		return -ENOMEM;
	w->comp = comp;
	w->comp_name = comp == MCAP_ZSTD ? "zstd" : comp == MCAP_LZ4 ? "lz4" : "";
	w->chunk_size = o.chunk_size ? o.chunk_size : SLUICE_MCAP_DEFAULT_CHUNK_SIZE;
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		int e = -errno;
		free(w);
		return sluice__fail(e, "%s: %s", path, strerror(-e));
	}
	w->in_data = 1;
	/* Without the thread, chunks are written by the caller instead. */
	if (pthread_mutex_init(&w->io_mu, NULL) == 0) {
		if (pthread_cond_init(&w->io_cv, NULL) == 0) {
			/* The thread is the library's: the caller's signals (a Ctrl-C
			 * its handler turns into a flag) must reach the caller's
			 * threads, so it starts with every signal blocked. */
			sigset_t all, old;

			sigfillset(&all);
			pthread_sigmask(SIG_SETMASK, &all, &old);
			if (pthread_create(&w->io_thread, NULL, io_main, w) == 0)
				w->io_started = 1;
			else
				pthread_cond_destroy(&w->io_cv);
			pthread_sigmask(SIG_SETMASK, &old, NULL);
		}
		if (!w->io_started)
			pthread_mutex_destroy(&w->io_mu);
	}
	wr(w, mcap_magic, MCAP_MAGIC_LEN);
	at = mbuf_rec_begin(&h, MCAP_HEADER);
	const char *profile = o.profile ? o.profile : "";
	const char *library = o.library ? o.library : "sluice";
	mbuf_str(&h, profile, strlen(profile));
	mbuf_str(&h, library, strlen(library));
	mbuf_rec_end(&h, at);
	int rc = wr_buf(w, &h);
	if (rc) {
		io_stop(w);
		close(w->fd);
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

/* Writes a record built in b to the file and keeps a copy in summary. */
static int wr_keep(struct sluice_mcap_writer *w, struct mbuf *b, struct mbuf *summary)
{
	mbuf_put(summary, b->p, b->len);
	if (summary->oom) {
		mbuf_free(b);
		return sluice__fail(-ENOMEM, "out of memory keeping the summary");
	}
	return wr_buf(w, b);
}

int mcap_add_schema_n(struct sluice_mcap_writer *w, const char *name, size_t name_len,
                      const char *encoding, size_t enc_len, const void *data, size_t len,
                      uint16_t *id)
{
	struct mbuf b = {0};
	size_t at;

	if (w->nschemas == UINT16_MAX)
		return sluice__fail(-ENOSPC, "too many schemas for one file");
	if (len > UINT32_MAX)
		return sluice__fail(-EFBIG, "schema of %zu bytes", len);
	uint16_t sid = (uint16_t)(w->nschemas + 1);
	at = mbuf_rec_begin(&b, MCAP_SCHEMA);
	mbuf_u16(&b, sid);
	mbuf_str(&b, name, name_len);
	mbuf_str(&b, encoding, enc_len);
	mbuf_u32(&b, (uint32_t)len);
	mbuf_put(&b, data, len);
	mbuf_rec_end(&b, at);
	int rc = wr_keep(w, &b, &w->schemas);
	if (rc)
		return rc;
	w->nschemas = sid;
	*id = sid;
	return 0;
}

int sluice_mcap_add_schema(struct sluice_mcap_writer *w, const char *name, const char *encoding,
                           const void *data, size_t len, uint16_t *id)
{
	return mcap_add_schema_n(w, name, strlen(name), encoding, strlen(encoding), data, len, id);
}

int mcap_add_channel_n(struct sluice_mcap_writer *w, uint16_t schema_id, const char *topic,
                       size_t topic_len, const char *enc, size_t enc_len, uint16_t *id)
{
	struct mbuf b = {0};
	size_t at;

	if (w->nchannels >= UINT16_MAX)
		return sluice__fail(-ENOSPC, "too many channels for one file");
	if (schema_id > w->nschemas)
		return sluice__fail(-EINVAL, "schema %u was not added", schema_id);
	struct wchan *c = realloc(w->chans, (w->nchannels + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	w->chans = c;
	memset(&c[w->nchannels], 0, sizeof(*c));
	/* ids from 0, as channel ids may be */
	uint16_t cid = (uint16_t)w->nchannels;
	at = mbuf_rec_begin(&b, MCAP_CHANNEL);
	mbuf_u16(&b, cid);
	mbuf_u16(&b, schema_id);
	mbuf_str(&b, topic, topic_len);
	mbuf_str(&b, enc, enc_len);
	mbuf_u32(&b, 0); /* no metadata */
	mbuf_rec_end(&b, at);
	int rc = wr_keep(w, &b, &w->channels);
	if (rc)
		return rc;
	w->nchannels++;
	*id = cid;
	return 0;
}

int sluice_mcap_add_channel(struct sluice_mcap_writer *w, uint16_t schema_id, const char *topic,
                            const char *message_encoding, uint16_t *id)
{
	return mcap_add_channel_n(w, schema_id, topic, strlen(topic), message_encoding,
	                          strlen(message_encoding), id);
}

/* The records' CRC goes on over what the caller added since: done while
 * they are still in the cache, in pieces long enough for the fast CRC. */
#define CRC_STEP (256u << 10)

static void crc_records(struct sluice_mcap_writer *w)
{
	w->recs_crc = sluice_crc32(w->recs_crc, w->chunk.p + w->crc_done, w->chunk.len - w->crc_done);
	w->crc_done = w->chunk.len;
}

/* Hands the open chunk to the I/O thread with one MessageIndex per channel
 * in it; the ChunkIndex comes back from it (io_collect). */
static int flush_chunk(struct sluice_mcap_writer *w)
{
	struct mbuf *mi = &w->tail, *map = &w->map;

	if (!w->chunk_msgs)
		return w->err;
	if (w->chunk.oom)
		return sluice__fail(-ENOMEM, "out of memory building a chunk");
	crc_records(w);
	mi->len = 0;
	map->len = 0;
	for (uint32_t i = 0; i < w->nchannels; i++) {
		struct mbuf *ix = &w->chans[i].index;
		if (!ix->len)
			continue;
		mbuf_u16(map, (uint16_t)i);
		mbuf_u64(map, mi->len);
		size_t mat = mbuf_rec_begin(mi, MCAP_MESSAGE_INDEX);
		mbuf_u16(mi, (uint16_t)i);
		mbuf_u32(mi, (uint32_t)ix->len);
		mbuf_put(mi, ix->p, ix->len);
		mbuf_rec_end(mi, mat);
		if (ix->oom)
			return sluice__fail(-ENOMEM, "out of memory indexing a chunk");
		ix->len = 0;
	}
	if (mi->oom || map->oom)
		return sluice__fail(-ENOMEM, "out of memory indexing a chunk");
	w->nchunks++;
	w->chunk_msgs = 0;
	int rc = io_submit(w, w->recs_crc);

	/* what comes back is the next chunk's buffer */
	w->chunk.len = 0;
	w->crc_done = 0;
	w->recs_crc = 0;
	return rc;
}

int sluice_mcap_write_message(struct sluice_mcap_writer *w, uint16_t channel_id, uint32_t sequence,
                              uint64_t log_time, uint64_t publish_time, const void *data,
                              size_t len)
{
	if (w->err)
		return w->err;
	if (channel_id >= w->nchannels)
		return sluice__fail(-EINVAL, "channel %u was not added", channel_id);
	struct wchan *c = &w->chans[channel_id];
	uint64_t at = w->chunk.len;
	const size_t head = 1 + 8 + 2 + 4 + 8 + 8;

	if (len > SIZE_MAX - head || reserve(&w->chunk, head + len) || reserve(&c->index, 16))
		return sluice__fail(-ENOMEM, "out of memory buffering a chunk");
	/* One reservation, then the fields in place: this is the hot path. */
	unsigned char *p = w->chunk.p + at;

	p[0] = MCAP_MESSAGE;
	put_le(p + 1, 2 + 4 + 8 + 8 + (uint64_t)len, 8);
	put_le(p + 9, channel_id, 2);
	put_le(p + 11, sequence, 4);
	put_le(p + 15, log_time, 8);
	put_le(p + 23, publish_time, 8);
	if (len)
		memcpy(p + head, data, len);
	w->chunk.len += head + len;
	put_le(c->index.p + c->index.len, log_time, 8);
	put_le(c->index.p + c->index.len + 8, at, 8);
	c->index.len += 16;
	if (!w->chunk_msgs || log_time < w->chunk_start)
		w->chunk_start = log_time;
	if (!w->chunk_msgs || log_time > w->chunk_end)
		w->chunk_end = log_time;
	if (!w->messages || log_time < w->start)
		w->start = log_time;
	if (!w->messages || log_time > w->end)
		w->end = log_time;
	w->chunk_msgs++;
	w->messages++;
	c->count++;
	if (w->chunk.len >= w->chunk_size)
		return flush_chunk(w);
	if (w->chunk.len - w->crc_done >= CRC_STEP)
		crc_records(w);
	return 0;
}

int mcap_add_metadata_raw(struct sluice_mcap_writer *w, const char *name, size_t name_len,
                          const void *map, size_t map_len)
{
	struct mbuf b = {0}, ix = {0};
	size_t at;
	int rc;

	/* its offset is known once the chunk in flight is written */
	if ((rc = io_wait(w)) != 0)
		return rc;
	if (map_len > UINT32_MAX)
		return sluice__fail(-EFBIG, "metadata of %zu bytes", map_len);
	at = mbuf_rec_begin(&b, MCAP_METADATA);
	mbuf_str(&b, name, name_len);
	mbuf_u32(&b, (uint32_t)map_len);
	mbuf_put(&b, map, map_len);
	mbuf_rec_end(&b, at);
	at = mbuf_rec_begin(&ix, MCAP_METADATA_INDEX);
	mbuf_u64(&ix, w->off);
	mbuf_u64(&ix, b.len);
	mbuf_str(&ix, name, name_len);
	mbuf_rec_end(&ix, at);
	mbuf_put(&w->meta_idx, ix.p, ix.len);
	mbuf_free(&ix);
	if (w->meta_idx.oom) {
		mbuf_free(&b);
		return sluice__fail(-ENOMEM, "out of memory keeping the metadata index");
	}
	rc = wr_buf(w, &b);
	if (!rc)
		w->nmeta++;
	return rc;
}

int sluice_mcap_add_metadata(struct sluice_mcap_writer *w, const char *name, const char *const *kv,
                             size_t npairs)
{
	struct mbuf m = {0};

	for (size_t i = 0; i < 2 * npairs; i++)
		mbuf_str(&m, kv[i], strlen(kv[i]));
	if (m.oom)
		return -ENOMEM;
	int rc = mcap_add_metadata_raw(w, name, strlen(name), m.p, m.len);
	mbuf_free(&m);
	return rc;
}

void sluice_mcap_writer_counts(const struct sluice_mcap_writer *w, uint64_t *messages,
                               uint64_t *bytes)
{
	*messages = w->messages;
	*bytes = w->off + w->io_pending + w->chunk.len;
}

/* Writes one summary group and its SummaryOffset into offs. */
static void group(struct sluice_mcap_writer *w, uint8_t op, struct mbuf *recs, struct mbuf *offs,
                  uint32_t *crc)
{
	size_t at;

	if (!recs->len)
		return;
	at = mbuf_rec_begin(offs, MCAP_SUMMARY_OFFSET);
	mbuf_u8(offs, op);
	mbuf_u64(offs, w->off);
	mbuf_u64(offs, recs->len);
	mbuf_rec_end(offs, at);
	*crc = sluice_crc32(*crc, recs->p, recs->len);
	wr(w, recs->p, recs->len);
}

static void statistics(struct sluice_mcap_writer *w, struct mbuf *s)
{
	size_t at = mbuf_rec_begin(s, MCAP_STATISTICS);
	mbuf_u64(s, w->messages);
	mbuf_u16(s, w->nschemas);
	mbuf_u32(s, w->nchannels);
	mbuf_u32(s, 0); /* attachments */
	mbuf_u32(s, w->nmeta);
	mbuf_u32(s, w->nchunks);
	mbuf_u64(s, w->start);
	mbuf_u64(s, w->end);
	mbuf_u32(s, w->nchannels * 10);
	for (uint32_t i = 0; i < w->nchannels; i++) {
		mbuf_u16(s, (uint16_t)i);
		mbuf_u64(s, w->chans[i].count);
	}
	mbuf_rec_end(s, at);
}

static int finish(struct sluice_mcap_writer *w)
{
	struct mbuf b = {0}, stats = {0}, offs = {0};
	uint32_t crc = 0;
	int rc;

	/* the last chunk written, and its CRCs with it */
	if ((rc = flush_chunk(w)) != 0 || (rc = io_wait(w)) != 0)
		return rc;
	mbuf_u8(&b, MCAP_DATA_END);
	mbuf_u64(&b, 4);
	mbuf_u32(&b, w->data_crc);
	w->in_data = 0;
	if ((rc = wr_buf(w, &b)) != 0)
		return rc;
	uint64_t summary_start = w->off;
	statistics(w, &stats);
	if (stats.oom || w->schemas.oom || w->channels.oom) {
		mbuf_free(&stats);
		return sluice__fail(-ENOMEM, "out of memory writing the summary");
	}
	group(w, MCAP_SCHEMA, &w->schemas, &offs, &crc);
	group(w, MCAP_CHANNEL, &w->channels, &offs, &crc);
	group(w, MCAP_STATISTICS, &stats, &offs, &crc);
	group(w, MCAP_METADATA_INDEX, &w->meta_idx, &offs, &crc);
	group(w, MCAP_CHUNK_INDEX, &w->chunk_idx, &offs, &crc);
	mbuf_free(&stats);
	if (offs.oom)
		return sluice__fail(-ENOMEM, "out of memory writing the summary");
	uint64_t offs_start = w->off;
	crc = sluice_crc32(crc, offs.p, offs.len);
	wr(w, offs.p, offs.len);
	mbuf_free(&offs);
	mbuf_u8(&b, MCAP_FOOTER);
	mbuf_u64(&b, 8 + 8 + 4);
	mbuf_u64(&b, summary_start);
	mbuf_u64(&b, offs_start);
	if (b.oom)
		return -ENOMEM;
	crc = sluice_crc32(crc, b.p, b.len);
	mbuf_u32(&b, crc);
	mbuf_put(&b, mcap_magic, MCAP_MAGIC_LEN);
	return wr_buf(w, &b);
}

int sluice_mcap_writer_close(struct sluice_mcap_writer *w)
{
	int rc = finish(w);

	io_stop(w);
	if (!rc)
		rc = w->err;
	if (close(w->fd) && !rc)
		rc = sluice__fail(-errno, "closing the recording: %s", strerror(errno));
	for (uint32_t i = 0; i < w->nchannels; i++)
		mbuf_free(&w->chans[i].index);
	free(w->chans);
	mbuf_free(&w->chunk);
	mbuf_free(&w->tail);
	mbuf_free(&w->map);
	mbuf_free(&w->z);
	mcap_compress_free(w->zctx);
	for (int i = 0; i < NJOBS; i++) {
		struct chunk_job *j = &w->jobs[i];

		mbuf_free(&j->recs);
		mbuf_free(&j->tail);
		mbuf_free(&j->map);
		mbuf_free(&j->z);
		mbuf_free(&j->head);
		mbuf_free(&j->ci);
	}
	mcap_compress_free(w->io_zctx);
	mbuf_free(&w->schemas);
	mbuf_free(&w->channels);
	mbuf_free(&w->chunk_idx);
	mbuf_free(&w->meta_idx);
	free(w);
	return rc;
}
