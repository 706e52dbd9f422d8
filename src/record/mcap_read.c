/* mcap_read.c - the MCAP reader: walks a file held in memory, checking
 * every length against what is left before using it, every CRC, and the
 * summary against the data; a file cut off is read up to its last whole
 * chunk when the caller asks for that. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/detail.h"
#include "record/mcap.h"
#include "sluice/record.h"

struct cur {
	const unsigned char *p;
	uint64_t len, pos;
};

static int need(struct cur *c, uint64_t n)
{
	return c->len - c->pos >= n ? 0 : -1;
}

static int u16(struct cur *c, uint16_t *v)
{
	if (need(c, 2))
		return -1;
	*v = mcap_get16(c->p + c->pos);
	c->pos += 2;
	return 0;
}

static int u32(struct cur *c, uint32_t *v)
{
	if (need(c, 4))
		return -1;
	*v = mcap_get32(c->p + c->pos);
	c->pos += 4;
	return 0;
}

static int u64(struct cur *c, uint64_t *v)
{
	if (need(c, 8))
		return -1;
	*v = mcap_get64(c->p + c->pos);
	c->pos += 8;
	return 0;
}

/* A u32-prefixed string or byte run. */
static int str(struct cur *c, struct sluice_mcap_str *s)
{
	uint32_t n;

	if (u32(c, &n) || need(c, n))
		return -1;
	s->p = (const char *)c->p + c->pos;
	s->len = n;
	c->pos += n;
	return 0;
}

static const char *op_name(uint8_t op)
{
	static const char *names[] = {"opcode 0x00", "Header", "Footer", "Schema", "Channel",
				      "Message", "Chunk", "MessageIndex", "ChunkIndex",
				      "Attachment", "AttachmentIndex", "Statistics", "Metadata",
				      "MetadataIndex", "SummaryOffset", "DataEnd"};
	return op < sizeof(names) / sizeof(names[0]) ? names[op] : "private record";
}

/* Parses the body of a record the reader reports.  1: kind filled in; 0: a
 * record it skips; -EBADMSG when the body is shorter than its fields. */
static int parse(uint8_t op, const unsigned char *body, uint64_t len, uint64_t at,
		 struct sluice_mcap_rec *r)
{
	struct cur c = {body, len, 0};
	struct sluice_mcap_str data = {0};
	int bad = 0;

	memset(r, 0, sizeof(*r));
	switch (op) {
	case MCAP_SCHEMA:
		r->kind = SLUICE_MCAP_SCHEMA;
		bad = u16(&c, &r->id) || str(&c, &r->name) || str(&c, &r->encoding) ||
		      str(&c, &data);
		if (!bad && r->id == 0)
			return sluice__fail(-EBADMSG, "Schema at offset %" PRIu64 " has id 0", at);
		r->data = data.p;
		r->len = data.len;
		break;
	case MCAP_CHANNEL:
		r->kind = SLUICE_MCAP_CHANNEL;
		bad = u16(&c, &r->id) || u16(&c, &r->schema_id) || str(&c, &r->name) ||
		      str(&c, &r->encoding) || str(&c, &data);
		break;
	case MCAP_MESSAGE:
		r->kind = SLUICE_MCAP_MESSAGE;
		bad = u16(&c, &r->channel_id) || u32(&c, &r->sequence) || u64(&c, &r->log_time) ||
		      u64(&c, &r->publish_time);
		r->data = body + c.pos;
		r->len = len - (bad ? 0 : c.pos);
		break;
	case MCAP_METADATA:
		r->kind = SLUICE_MCAP_METADATA;
		bad = str(&c, &r->name) || str(&c, &data);
		r->data = data.p;
		r->len = data.len;
		break;
	default:
		return 0;
	}
	if (bad)
		return sluice__fail(-EBADMSG, "%s at offset %" PRIu64 ": %" PRIu64
				    " bytes are too few for its fields", op_name(op), at, len);
	return 1;
}

struct scan {
	const unsigned char *p;
	uint64_t len;
	unsigned flags;
	sluice_mcap_fn fn;
	void *arg;
	struct sluice_mcap_result *res;
	unsigned char chan_seen[65536 / 8];
	unsigned char schema_seen[65536 / 8];
};

static int note(struct scan *s, const struct sluice_mcap_rec *r)
{
	struct sluice_mcap_result *res = s->res;

	switch (r->kind) {
	case SLUICE_MCAP_SCHEMA:
		res->schemas++;
		s->schema_seen[r->id / 8] |= (unsigned char)(1u << (r->id % 8));
		break;
	case SLUICE_MCAP_CHANNEL:
		/* Schema 0 is "none"; any other must be defined first, or a reader
		 * would type the channel's messages with whatever comes later. */
		if (r->schema_id && !(s->schema_seen[r->schema_id / 8] & (1u << (r->schema_id % 8))))
			return sluice__fail(-EBADMSG, "channel %u refers to schema %u, which no "
						      "Schema record before it defines", r->id,
					    r->schema_id);
		res->channels++;
		s->chan_seen[r->id / 8] |= (unsigned char)(1u << (r->id % 8));
		break;
	case SLUICE_MCAP_MESSAGE:
		if (!(s->chan_seen[r->channel_id / 8] & (1u << (r->channel_id % 8))))
			return sluice__fail(-EBADMSG, "a message on channel %u, which no Channel "
						      "record before it defines", r->channel_id);
		if (!res->messages || r->log_time < res->start_time)
			res->start_time = r->log_time;
		if (!res->messages || r->log_time > res->end_time)
			res->end_time = r->log_time;
		res->messages++;
		break;
	case SLUICE_MCAP_METADATA:
		res->metadata++;
		break;
	case SLUICE_MCAP_CHUNK:
		res->chunks++;
		break;
	}
	return s->fn ? s->fn(r, s->arg) : 0;
}

/* Walks a chunk's records: checks them all (emit 0), or reports them. */
static int chunk_records(struct scan *s, const unsigned char *p, uint64_t len, uint64_t at,
			 int emit)
{
	uint64_t pos = 0;
	struct sluice_mcap_rec r;
	int rc;

	while (pos < len) {
		if (len - pos < 9)
			return sluice__fail(-EBADMSG, "Chunk at offset %" PRIu64
					    ": a record header runs past its end", at);
		uint8_t op = p[pos];
		uint64_t rlen = mcap_get64(p + pos + 1);
		if (rlen > len - pos - 9)
			return sluice__fail(-EBADMSG, "Chunk at offset %" PRIu64 ": a %s of %" PRIu64
					    " bytes runs past its end", at, op_name(op), rlen);
		if (op == MCAP_CHUNK || op == MCAP_HEADER || op == MCAP_FOOTER ||
		    op == MCAP_DATA_END)
			return sluice__fail(-EBADMSG, "Chunk at offset %" PRIu64 " holds a %s", at,
					    op_name(op));
		rc = parse(op, p + pos + 9, rlen, at, &r);
		if (rc < 0)
			return rc;
		if (rc == 1 && emit && (rc = note(s, &r)) != 0)
			return rc;
		pos += 9 + rlen;
	}
	return 0;
}

static int chunk(struct scan *s, const unsigned char *body, uint64_t len, uint64_t at)
{
	struct cur c = {body, len, 0};
	struct sluice_mcap_rec r = {.kind = SLUICE_MCAP_CHUNK, .offset = at};
	uint32_t crc;
	int rc;

	if (u64(&c, &r.log_time) || u64(&c, &r.publish_time) || u64(&c, &r.uncompressed) ||
	    u32(&c, &crc) || str(&c, &r.encoding) || u64(&c, &r.len))
		return sluice__fail(-EBADMSG, "Chunk at offset %" PRIu64 ": its header is cut", at);
	if (need(&c, r.len))
		return sluice__fail(-EBADMSG, "Chunk at offset %" PRIu64 ": %" PRIu64
				    " bytes of records run past the record", at, r.len);
	int kind = mcap_compression(r.encoding.p, r.encoding.len);
	if (kind < 0)
		return sluice__fail(-ENOTSUP, "Chunk at offset %" PRIu64 " is compressed with "
				    "\"%.*s\", which this build does not read", at,
				    (int)(r.encoding.len > 16 ? 16 : r.encoding.len), r.encoding.p);
	if (kind == MCAP_NONE && r.uncompressed != r.len)
		return sluice__fail(-EBADMSG, "Chunk at offset %" PRIu64 ": uncompressed size %"
				    PRIu64 " differs from its %" PRIu64 " bytes", at,
				    r.uncompressed, r.len);
	if (r.uncompressed > MCAP_MAX_CHUNK)
		return sluice__fail(-EBADMSG, "Chunk at offset %" PRIu64 " claims %" PRIu64
				    " bytes uncompressed, more than %u", at, r.uncompressed,
				    MCAP_MAX_CHUNK);
	const unsigned char *recs = body + c.pos;
	unsigned char *plain = NULL;
	if (kind != MCAP_NONE) {
		if (!(plain = malloc(r.uncompressed ? r.uncompressed : 1)))
			return -ENOMEM;
		rc = mcap_decompress(kind, recs, r.len, plain, r.uncompressed, at);
		if (rc) {
			free(plain);
			return rc;
		}
		recs = plain;
	}
	if (crc && sluice_crc32(0, recs, r.uncompressed) != crc)
		rc = sluice__fail(-EBADMSG, "Chunk at offset %" PRIu64 ": bad CRC", at);
	if (!rc)
		rc = chunk_records(s, recs, r.uncompressed, at, 0);
	if (!rc)
		rc = chunk_records(s, recs, r.uncompressed, at, 1);
	free(plain);
	return rc ? rc : note(s, &r);
}

/* Checks the summary and footer after a DataEnd that ends at `end`. */
static int summary(struct scan *s, uint64_t end)
{
	const unsigned char *p = s->p;
	uint64_t len = s->len;

	if (len - end < MCAP_FOOTER_LEN + MCAP_MAGIC_LEN)
		return sluice__fail(-EBADMSG, "no footer after DataEnd (%" PRIu64 " bytes left)",
				    len - end);
	if (memcmp(p + len - MCAP_MAGIC_LEN, mcap_magic, MCAP_MAGIC_LEN))
		return sluice__fail(-EBADMSG, "bad magic at the end of the file");
	uint64_t foot = len - MCAP_MAGIC_LEN - MCAP_FOOTER_LEN;
	if (p[foot] != MCAP_FOOTER || mcap_get64(p + foot + 1) != 20)
		return sluice__fail(-EBADMSG, "no Footer record before the closing magic");
	uint64_t sum = mcap_get64(p + foot + 9), offs = mcap_get64(p + foot + 17);
	uint32_t crc = mcap_get32(p + foot + 25);
	if (sum && (sum < end || sum > foot))
		return sluice__fail(-EBADMSG, "Footer: summary start %" PRIu64
				    " is outside [%" PRIu64 ", %" PRIu64 "]", sum, end, foot);
	if (offs && (offs < sum || offs > foot))
		return sluice__fail(-EBADMSG, "Footer: summary offset start %" PRIu64
				    " is outside the summary", offs);
	uint64_t from = sum ? sum : foot;
	if (crc && sluice_crc32(0, p + from, foot + 25 - from) != crc)
		return sluice__fail(-EBADMSG, "summary: bad CRC");
	for (uint64_t pos = from; pos < foot;) {
		if (foot - pos < 9)
			return sluice__fail(-EBADMSG, "summary: a record header at offset %" PRIu64
					    " runs into the footer", pos);
		uint8_t op = p[pos];
		uint64_t rlen = mcap_get64(p + pos + 1);
		if (rlen > foot - pos - 9)
			return sluice__fail(-EBADMSG, "summary: a %s at offset %" PRIu64
					    " runs past the footer", op_name(op), pos);
		if (op == MCAP_STATISTICS) {
			if (rlen < 8)
				return sluice__fail(-EBADMSG, "summary: Statistics too short");
			s->res->summary_messages = mcap_get64(p + pos + 9);
			if (s->res->summary_messages != s->res->messages)
				return sluice__fail(-EBADMSG, "Statistics counts %" PRIu64
						    " messages, the data section holds %" PRIu64,
						    s->res->summary_messages, s->res->messages);
		}
		pos += 9 + rlen;
	}
	s->res->complete = 1;
	return 0;
}

/* A file ends early or is damaged at `at`: with PARTIAL, what came
 * before stands and the scan ends well; otherwise the reason is the error. */
static int stop(struct scan *s, int err)
{
	if (!(s->flags & SLUICE_MCAP_PARTIAL) || err == -ENOMEM)
		return err;
	snprintf(s->res->stopped, sizeof(s->res->stopped), "%s", sluice_errdetail());
	return 0;
}

int sluice_mcap_scan(const void *buf, size_t len, unsigned flags, sluice_mcap_fn fn, void *arg,
		     struct sluice_mcap_result *res)
{
	struct sluice_mcap_result dummy;
	struct scan *s;
	const unsigned char *p = buf;
	uint64_t pos = MCAP_MAGIC_LEN;
	uint32_t crc;
	int rc = 0;

	if (!res)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	res->file_len = len;
	if (len < MCAP_MAGIC_LEN || memcmp(p, mcap_magic, MCAP_MAGIC_LEN))
		return sluice__fail(-EBADMSG, "bad magic: not an MCAP file");
	if (!(s = calloc(1, sizeof(*s))))
		return -ENOMEM;
	*s = (struct scan){.p = p, .len = len, .flags = flags, .fn = fn, .arg = arg, .res = res};
	crc = sluice_crc32(0, p, MCAP_MAGIC_LEN);
	res->valid_end = pos;
	for (;;) {
		if (len - pos < 9) {
			rc = stop(s, sluice__fail(-EBADMSG, "the file ends at %" PRIu64
						  " bytes without a DataEnd record", (uint64_t)len));
			break;
		}
		uint8_t op = p[pos];
		uint64_t rlen = mcap_get64(p + pos + 1);
		const unsigned char *body = p + pos + 9;
		if (rlen > len - pos - 9) {
			rc = stop(s, sluice__fail(-EBADMSG, "a %s at offset %" PRIu64 " claims %" PRIu64
						  " bytes, only %" PRIu64 " are left", op_name(op),
						  pos, rlen, len - pos - 9));
			break;
		}
		if (pos == MCAP_MAGIC_LEN && op != MCAP_HEADER) {
			rc = sluice__fail(-EBADMSG, "the first record is a %s, not a Header",
					  op_name(op));
			break;
		}
		if (op == MCAP_DATA_END) {
			uint32_t want = rlen >= 4 ? mcap_get32(body) : 0;
			if (rlen < 4 || (want && want != crc)) {
				rc = stop(s, sluice__fail(-EBADMSG, rlen < 4 ? "DataEnd too short" :
							  "data section: bad CRC"));
				break;
			}
			res->valid_end = pos;
			rc = summary(s, pos + 9 + rlen);
			if (rc)
				rc = stop(s, rc);
			break;
		}
		if (op == MCAP_FOOTER) {
			rc = sluice__fail(-EBADMSG, "a Footer at offset %" PRIu64 " before DataEnd",
					  pos);
			break;
		}
		if (op == MCAP_CHUNK) {
			rc = chunk(s, body, rlen, pos);
			if (rc == -EBADMSG)
				rc = stop(s, rc);
			if (rc)
				break;
			if (res->stopped[0])
				break;
		} else {
			struct sluice_mcap_rec r;
			rc = parse(op, body, rlen, pos, &r);
			if (rc < 0 || (rc == 1 && (rc = note(s, &r)) != 0))
				break;
		}
		crc = sluice_crc32(crc, p + pos, 9 + rlen);
		pos += 9 + rlen;
		res->valid_end = pos;
	}
	free(s);
	return rc;
}

int sluice_mcap_load(const char *path, void **buf, size_t *len)
{
	struct stat st;
	/* O_NONBLOCK: a FIFO must not block the open; it is refused below */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	unsigned char *p;
	size_t got = 0;

	if (fd < 0)
		return sluice__fail(-errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return sluice__fail(-EINVAL, "%s: not a regular file", path);
	}
	if (!(p = malloc(st.st_size ? (size_t)st.st_size : 1))) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t k = read(fd, p + got, (size_t)st.st_size - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	*buf = p;
	*len = got;
	return 0;
}

int sluice_mcap_map_get(const void *map, uint64_t len, const char *key,
			struct sluice_mcap_str *val)
{
	struct cur c = {map, len, 0};
	size_t klen = strlen(key);

	while (c.pos < c.len) {
		struct sluice_mcap_str k, v;
		if (str(&c, &k) || str(&c, &v))
			return 0;
		if (k.len == klen && !memcmp(k.p, key, klen)) {
			*val = v;
			return 1;
		}
	}
	return 0;
}
