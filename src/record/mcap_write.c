/* mcap_write.c - the MCAP writer: records into chunks, chunks straight to
 * the file with their message indexes, a summary and footer at close.
 * A full chunk is written by a thread of the writer's own while the caller
 * fills the next one, so that checksumming and copying overlap the kernel's
 * write; everything else is written in order after it. */
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
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

struct wchan {
	uint64_t count;    /* messages in the file */
	struct mbuf index; /* this chunk's (log_time, offset) pairs */
};

struct sluice_mcap_writer {
	int fd;
	int err;           /* first write error; later writes are skipped */
	uint64_t off;      /* bytes written */
	uint32_t data_crc; /* over everything before DataEnd */
	int in_data;
	uint64_t chunk_size;
	struct mbuf chunk; /* the open chunk's records */
	struct mbuf zbuf;  /* ... compressed */
	int comp;          /* enum mcap_compression */
	const char *comp_name;
	uint64_t chunk_start, chunk_end, chunk_msgs;
	struct mbuf schemas, channels, chunk_idx, meta_idx; /* summary copies */
	uint16_t nschemas;
	uint32_t nchannels, nmeta, nchunks;
	struct wchan *chans;
	uint64_t messages, start, end;
	/* The chunk being written: head (Chunk header), body (its records or
	 * their compressed form), tail (its MessageIndexes).  The I/O thread
	 * owns io_job while io_busy; the mutex hands it over. */
	struct mbuf head, tail;
	struct mbuf io_job[3];
	pthread_t io_thread;
	int io_started;
	pthread_mutex_t io_mu;
	pthread_cond_t io_cv;
	int io_busy, io_stop, io_err;
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

/* The offset of a Chunk header's uncompressed_crc field. */
#define CHUNK_CRC_AT (1 + 8 + 8 + 8 + 8)

/* The checksums of a chunk, done by whoever writes it (the I/O thread):
 * an uncompressed chunk's CRC (patched into its header; a compressed one's
 * was done beside its compression) and the data section's CRC over it. */
static void job_crc(uint32_t *data_crc, struct mbuf job[3], int uncompressed)
{
	uint32_t body_crc = sluice_crc32(0, job[1].p, job[1].len);

	if (uncompressed)
		put_le(job[0].p + CHUNK_CRC_AT, body_crc, 4);
	*data_crc = sluice_crc32(*data_crc, job[0].p, job[0].len);
	*data_crc = mcap_crc32_combine(*data_crc, body_crc, job[1].len);
	*data_crc = sluice_crc32(*data_crc, job[2].p, job[2].len);
}

static int write_job(int fd, struct mbuf job[3], char *why, size_t why_len)
{
	int rc = 0;

	for (int i = 0; i < 3 && !rc; i++)
		rc = write_all(fd, job[i].p, job[i].len, why, why_len);
	return rc;
}

static void *io_main(void *arg)
{
	struct sluice_mcap_writer *w = arg;

	pthread_mutex_lock(&w->io_mu);
	for (;;) {
		while (!w->io_busy && !w->io_stop)
			pthread_cond_wait(&w->io_cv, &w->io_mu);
		if (!w->io_busy)
			break;
		pthread_mutex_unlock(&w->io_mu);
		char why[sizeof(w->io_why)];

		/* data_crc is ours while busy: the caller waits before using it */
		job_crc(&w->data_crc, w->io_job, w->comp == MCAP_NONE);
		int rc = write_job(w->fd, w->io_job, why, sizeof(why));

		pthread_mutex_lock(&w->io_mu);
		if (rc && !w->io_err) {
			w->io_err = rc;
			memcpy(w->io_why, why, sizeof(why));
		}
		w->io_busy = 0;
		pthread_cond_broadcast(&w->io_cv);
	}
	pthread_mutex_unlock(&w->io_mu);
	return NULL;
}

/* Waits for the chunk in flight; its write error, once, becomes w->err. */
static int io_wait(struct sluice_mcap_writer *w)
{
	int err;

	if (!w->io_started)
		return w->err;
	pthread_mutex_lock(&w->io_mu);
	while (w->io_busy)
		pthread_cond_wait(&w->io_cv, &w->io_mu);
	err = w->io_err;
	pthread_mutex_unlock(&w->io_mu);
	if (err && !w->err)
		w->err = sluice__fail(err, "%s", w->io_why);
	return w->err;
}

static void swap_mbuf(struct mbuf *a, struct mbuf *b)
{
	struct mbuf t = *a;

	*a = *b;
	*b = t;
}

/* Hands head, body and tail to the I/O thread (the buffers of the last
 * job come back in their place), or writes them here without one. */
static int io_submit(struct sluice_mcap_writer *w, struct mbuf *body)
{
	int rc = io_wait(w);

	if (rc)
		return rc;
	if (!w->io_started) {
		char why[sizeof(w->io_why)];
		struct mbuf job[3] = {w->head, *body, w->tail};

		job_crc(&w->data_crc, job, w->comp == MCAP_NONE);
		if ((rc = write_job(w->fd, job, why, sizeof(why))) != 0)
			w->err = sluice__fail(rc, "%s", why);
		return w->err;
	}
	swap_mbuf(&w->io_job[0], &w->head);
	swap_mbuf(&w->io_job[1], body);
	swap_mbuf(&w->io_job[2], &w->tail);
	pthread_mutex_lock(&w->io_mu);
	w->io_busy = 1;
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

/* Writes the open chunk, then one MessageIndex per channel in it (through
 * the I/O thread), and keeps its ChunkIndex for the summary. */
static int flush_chunk(struct sluice_mcap_writer *w)
{
	struct mbuf *h = &w->head, *mi = &w->tail, ci = {0};
	uint64_t chunk_off = w->off, records = w->chunk.len;
	size_t at;
	uint32_t nidx = 0;

	if (!w->chunk_msgs)
		return w->err;
	if (w->chunk.oom)
		return sluice__fail(-ENOMEM, "out of memory building a chunk");
	struct mbuf *body = &w->chunk;
	size_t nlen = strlen(w->comp_name);
	uint32_t records_crc = 0; /* uncompressed: the I/O thread's (job_crc) */

	if (w->comp != MCAP_NONE) {
		records_crc = sluice_crc32(0, w->chunk.p, records);
		int rc = mcap_compress(w->comp, w->chunk.p, records, &w->zbuf);
		if (rc)
			return rc;
		body = &w->zbuf;
	}
	uint64_t plen = body->len;

	h->len = 0;
	mi->len = 0;
	mbuf_u8(h, MCAP_CHUNK);
	mbuf_u64(h, 8 + 8 + 8 + 4 + 4 + nlen + 8 + plen);
	mbuf_u64(h, w->chunk_start);
	mbuf_u64(h, w->chunk_end);
	mbuf_u64(h, records);
	mbuf_u32(h, records_crc);
	mbuf_str(h, w->comp_name, nlen);
	mbuf_u64(h, plen);
	uint64_t chunk_len = h->len + plen, mi_start = chunk_off + chunk_len;

	/* ChunkIndex: the map of channel -> MessageIndex offset comes first */
	for (uint32_t i = 0; i < w->nchannels; i++)
		nidx += w->chans[i].index.len ? 1 : 0;
	at = mbuf_rec_begin(&ci, MCAP_CHUNK_INDEX);
	mbuf_u64(&ci, w->chunk_start);
	mbuf_u64(&ci, w->chunk_end);
	mbuf_u64(&ci, chunk_off);
	mbuf_u64(&ci, chunk_len);
	mbuf_u32(&ci, nidx * 10);
	for (uint32_t i = 0; i < w->nchannels; i++) {
		struct mbuf *ix = &w->chans[i].index;
		if (!ix->len)
			continue;
		mbuf_u16(&ci, (uint16_t)i);
		mbuf_u64(&ci, mi_start + mi->len);
		size_t mat = mbuf_rec_begin(mi, MCAP_MESSAGE_INDEX);
		mbuf_u16(mi, (uint16_t)i);
		mbuf_u32(mi, (uint32_t)ix->len);
		mbuf_put(mi, ix->p, ix->len);
		mbuf_rec_end(mi, mat);
		if (ix->oom) {
			mbuf_free(&ci);
			return sluice__fail(-ENOMEM, "out of memory indexing a chunk");
		}
		ix->len = 0;
	}
	mbuf_u64(&ci, mi->len);
	mbuf_str(&ci, w->comp_name, nlen);
	mbuf_u64(&ci, plen);
	mbuf_u64(&ci, records);
	mbuf_rec_end(&ci, at);
	mbuf_put(&w->chunk_idx, ci.p, ci.len);
	mbuf_free(&ci);
	if (h->oom || mi->oom || w->chunk_idx.oom)
		return sluice__fail(-ENOMEM, "out of memory keeping the chunk index");
	/* The data section's CRC: uncompressed, the body's is known. */
	w->off += chunk_len + mi->len;
	w->nchunks++;
	w->chunk_msgs = 0;
	int rc = io_submit(w, body);

	/* what comes back is the next chunk's buffer */
	w->chunk.len = 0;
	w->zbuf.len = 0;
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

	if (len > SIZE_MAX - head || mbuf_reserve(&w->chunk, head + len) ||
	    mbuf_reserve(&c->index, 16))
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
	return 0;
}

int mcap_add_metadata_raw(struct sluice_mcap_writer *w, const char *name, size_t name_len,
                          const void *map, size_t map_len)
{
	struct mbuf b = {0}, ix = {0};
	size_t at;

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
	int rc = wr_buf(w, &b);
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
	*bytes = w->off + w->chunk.len;
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
	mbuf_free(&w->zbuf);
	mbuf_free(&w->head);
	mbuf_free(&w->tail);
	for (int i = 0; i < 3; i++)
		mbuf_free(&w->io_job[i]);
	mbuf_free(&w->schemas);
	mbuf_free(&w->channels);
	mbuf_free(&w->chunk_idx);
	mbuf_free(&w->meta_idx);
	free(w);
	return rc;
}
