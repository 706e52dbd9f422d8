/* mcap.h - what the MCAP writer and reader share: opcodes, the magic and a
 * growable little-endian byte buffer. */
#ifndef SLUICE_RECORD_MCAP_H
#define SLUICE_RECORD_MCAP_H

#include <stddef.h>
#include <stdint.h>

enum mcap_op {
	MCAP_HEADER = 0x01,
	MCAP_FOOTER = 0x02,
	MCAP_SCHEMA = 0x03,
	MCAP_CHANNEL = 0x04,
	MCAP_MESSAGE = 0x05,
	MCAP_CHUNK = 0x06,
	MCAP_MESSAGE_INDEX = 0x07,
	MCAP_CHUNK_INDEX = 0x08,
	MCAP_ATTACHMENT = 0x09,
	MCAP_ATTACHMENT_INDEX = 0x0a,
	MCAP_STATISTICS = 0x0b,
	MCAP_METADATA = 0x0c,
	MCAP_METADATA_INDEX = 0x0d,
	MCAP_SUMMARY_OFFSET = 0x0e,
	MCAP_DATA_END = 0x0f,
};

#define MCAP_MAGIC_LEN 8
extern const unsigned char mcap_magic[MCAP_MAGIC_LEN];

/* A footer record: opcode, length, two offsets and a CRC. */
#define MCAP_FOOTER_LEN (1 + 8 + 8 + 8 + 4)

struct mbuf {
	unsigned char *p;
	size_t len, cap;
	int oom; /* a growth failed: every later put is dropped */
};

int mbuf_reserve(struct mbuf *b, size_t more);
void mbuf_put(struct mbuf *b, const void *src, size_t n);
void mbuf_u8(struct mbuf *b, uint8_t v);
void mbuf_u16(struct mbuf *b, uint16_t v);
void mbuf_u32(struct mbuf *b, uint32_t v);
void mbuf_u64(struct mbuf *b, uint64_t v);
void mbuf_str(struct mbuf *b, const char *s, size_t n);
/* Starts a record: writes the opcode and a length to fill in; returns
 * where the length is. */
size_t mbuf_rec_begin(struct mbuf *b, uint8_t op);
void mbuf_rec_end(struct mbuf *b, size_t at);
void mbuf_set_u64(struct mbuf *b, size_t at, uint64_t v);
void mbuf_free(struct mbuf *b);

/* The CRC-32 of A followed by B, from A's, B's and B's length. */
uint32_t mcap_crc32_combine(uint32_t crc1, uint32_t crc2, uint64_t len2);
/* The ways sluice_crc32 has, for the tests: zlib's, and carry-less
 * multiplication, usable where mcap_crc32_have_clmul() says so (with
 * AVX-512 where the CPU has it; clmul128: without). */
uint32_t mcap_crc32_zlib(uint32_t crc, const void *buf, size_t len);
uint32_t mcap_crc32_clmul(uint32_t crc, const void *buf, size_t len);
uint32_t mcap_crc32_clmul128(uint32_t crc, const void *buf, size_t len);
int mcap_crc32_have_clmul(void);

uint16_t mcap_get16(const unsigned char *p);
uint32_t mcap_get32(const unsigned char *p);
uint64_t mcap_get64(const unsigned char *p);

/* The largest chunk the reader decompresses (what a file claims is not
 * allocated blindly). */
#define MCAP_MAX_CHUNK (256u << 20)

enum mcap_compression { MCAP_NONE = 0, MCAP_ZSTD = 1, MCAP_LZ4 = 2 };
/* The kind named by a Chunk's compression string, -1 if unknown. */
int mcap_compression(const char *name, size_t len);
/* zstd's level: its fastest regular one, as @mcap/core's writers use. */
#define MCAP_ZSTD_LEVEL 1
/* Compresses n bytes into dst (replacing what it held); *zctx (NULL at
 * first) keeps zstd's context for the next call, mcap_compress_free()
 * frees it. */
int mcap_compress(int kind, void **zctx, const void *src, size_t n, struct mbuf *dst);
void mcap_compress_free(void *zctx);
/* Decompresses exactly want bytes into dst, or -EBADMSG (chunk at `at`). */
int mcap_decompress(int kind, const void *src, size_t n, void *dst, size_t want, uint64_t at);

/* The writer's entries for strings that are not zero-terminated (what
 * recovery copies out of a file). */
struct sluice_mcap_writer;
int mcap_add_schema_n(struct sluice_mcap_writer *w, const char *name, size_t name_len,
		      const char *encoding, size_t enc_len, const void *data, size_t len,
		      uint16_t *id);
int mcap_add_channel_n(struct sluice_mcap_writer *w, uint16_t schema_id, const char *topic,
		       size_t topic_len, const char *enc, size_t enc_len, uint16_t *id);
int mcap_add_metadata_raw(struct sluice_mcap_writer *w, const char *name, size_t name_len,
			  const void *map, size_t map_len);

#endif
