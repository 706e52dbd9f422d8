/* mcap_write.c - the MCAP writer: records into chunks, chunks straight to
 * the file with their message indexes, a summary and footer at close. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/detail.h"
#include "record/mcap.h"
#include "sluice/record.h"

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
};

static void wr(struct sluice_mcap_writer *w, const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t left = n;

	if (w->err)
		return;
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
	wr(w, mcap_magic, MCAP_MAGIC_LEN);
	at = mbuf_rec_begin(&h, MCAP_HEADER);
	const char *profile = o.profile ? o.profile : "";
	const char *library = o.library ? o.library : "sluice";
	mbuf_str(&h, profile, strlen(profile));
	mbuf_str(&h, library, strlen(library));
	mbuf_rec_end(&h, at);
	int rc = wr_buf(w, &h);
	if (rc) {
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

/* Writes the open chunk, then one MessageIndex per channel in it, and
 * keeps its ChunkIndex for the summary. */
static int flush_chunk(struct sluice_mcap_writer *w)
{
	struct mbuf h = {0}, mi = {0}, ci = {0};
	uint64_t chunk_off = w->off, records = w->chunk.len;
	size_t at;
	uint32_t nidx = 0;

	if (!w->chunk_msgs)
		return w->err;
	if (w->chunk.oom)
		return sluice__fail(-ENOMEM, "out of memory building a chunk");
	const unsigned char *payload = w->chunk.p;
	uint64_t plen = records;
	size_t nlen = strlen(w->comp_name);
	if (w->comp != MCAP_NONE) {
		int rc = mcap_compress(w->comp, w->chunk.p, records, &w->zbuf);
		if (rc)
			return rc;
		payload = w->zbuf.p;
		plen = w->zbuf.len;
	}
	mbuf_u8(&h, MCAP_CHUNK);
	mbuf_u64(&h, 8 + 8 + 8 + 4 + 4 + nlen + 8 + plen);
	mbuf_u64(&h, w->chunk_start);
	mbuf_u64(&h, w->chunk_end);
	mbuf_u64(&h, records);
	mbuf_u32(&h, sluice_crc32(0, w->chunk.p, records));
	mbuf_str(&h, w->comp_name, nlen);
	mbuf_u64(&h, plen);
	if (h.oom)
		return sluice__fail(-ENOMEM, "out of memory");
	wr(w, h.p, h.len);
	mbuf_free(&h);
	wr(w, payload, plen);
	uint64_t chunk_len = w->off - chunk_off, mi_start = w->off;

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
		mbuf_u64(&ci, w->off);
		size_t mat = mbuf_rec_begin(&mi, MCAP_MESSAGE_INDEX);
		mbuf_u16(&mi, (uint16_t)i);
		mbuf_u32(&mi, (uint32_t)ix->len);
		mbuf_put(&mi, ix->p, ix->len);
		mbuf_rec_end(&mi, mat);
		if (ix->oom || mi.oom) {
			mbuf_free(&mi);
			mbuf_free(&ci);
			return sluice__fail(-ENOMEM, "out of memory indexing a chunk");
		}
		wr(w, mi.p, mi.len);
		mi.len = 0;
		ix->len = 0;
	}
	mbuf_free(&mi);
	mbuf_u64(&ci, w->off - mi_start);
	mbuf_str(&ci, w->comp_name, nlen);
	mbuf_u64(&ci, plen);
	mbuf_u64(&ci, records);
	mbuf_rec_end(&ci, at);
	mbuf_put(&w->chunk_idx, ci.p, ci.len);
	mbuf_free(&ci);
	if (w->chunk_idx.oom)
		return sluice__fail(-ENOMEM, "out of memory keeping the chunk index");
	w->nchunks++;
	w->chunk.len = 0;
	w->chunk_msgs = 0;
	return w->err;
}

int sluice_mcap_write_message(struct sluice_mcap_writer *w, uint16_t channel_id,
			      uint32_t sequence, uint64_t log_time, uint64_t publish_time,
			      const void *data, size_t len)
{
	if (w->err)
		return w->err;
	if (channel_id >= w->nchannels)
		return sluice__fail(-EINVAL, "channel %u was not added", channel_id);
	struct wchan *c = &w->chans[channel_id];
	uint64_t at = w->chunk.len;

	mbuf_u8(&w->chunk, MCAP_MESSAGE);
	mbuf_u64(&w->chunk, 2 + 4 + 8 + 8 + (uint64_t)len);
	mbuf_u16(&w->chunk, channel_id);
	mbuf_u32(&w->chunk, sequence);
	mbuf_u64(&w->chunk, log_time);
	mbuf_u64(&w->chunk, publish_time);
	mbuf_put(&w->chunk, data, len);
	mbuf_u64(&c->index, log_time);
	mbuf_u64(&c->index, at);
	if (w->chunk.oom || c->index.oom)
		return sluice__fail(-ENOMEM, "out of memory buffering a chunk");
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

int sluice_mcap_add_metadata(struct sluice_mcap_writer *w, const char *name,
			     const char *const *kv, size_t npairs)
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

	if ((rc = flush_chunk(w)) != 0)
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

	if (close(w->fd) && !rc)
		rc = sluice__fail(-errno, "closing the recording: %s", strerror(errno));
	for (uint32_t i = 0; i < w->nchannels; i++)
		mbuf_free(&w->chans[i].index);
	free(w->chans);
	mbuf_free(&w->chunk);
	mbuf_free(&w->zbuf);
	mbuf_free(&w->schemas);
	mbuf_free(&w->channels);
	mbuf_free(&w->chunk_idx);
	mbuf_free(&w->meta_idx);
	free(w);
	return rc;
}
