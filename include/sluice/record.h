/* sluice/record.h - recordings: an MCAP writer and a bounds-checked reader.
 *
 * MCAP (https://mcap.dev/spec) is the container Foxglove and the `mcap`
 * tools open.  The writer puts messages into chunks, each followed by its
 * message indexes, and finishes the file with a summary (schemas, channels,
 * statistics, chunk and metadata indexes, summary offsets) and a footer;
 * every chunk, the data section and the summary carry a CRC-32.  Chunks are
 * written to the file as soon as they fill, by a thread the writer owns
 * while the caller fills the next one, so a recording cut off mid-write
 * keeps every complete chunk but the one in flight (sluice_mcap_recover()).
 * A process that holds an open writer should not fork() except to exec.
 *
 * The reader takes a file as untrusted input: every length is checked
 * against what remains before it is used, and a bad magic, a bad CRC or a
 * record that runs past the end is refused with -EBADMSG (sluice_errdetail()
 * says which and where), never a crash.
 *
 * Chunks are written and read uncompressed, "zstd" or "lz4" (lz4's frame
 * format), as the spec names them; another compression is refused with
 * -ENOTSUP. */
#ifndef SLUICE_RECORD_H
#define SLUICE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SLUICE_MCAP_DEFAULT_CHUNK_SIZE (1u << 20)

/* --- writer -------------------------------------------------------------- */

struct sluice_mcap_writer_opts {
	const char *compression; /* NULL, "" or "none"; "zstd"; "lz4" */
	uint64_t chunk_size;     /* a chunk is closed past this many bytes; 0: default */
	const char *profile;     /* Header profile; NULL: "" */
	const char *library;     /* Header library; NULL: "sluice" */
};

struct sluice_mcap_writer;

/* Creates path (truncating it) and writes the magic and the Header. */
int sluice_mcap_writer_open(const char *path, const struct sluice_mcap_writer_opts *opts,
			    struct sluice_mcap_writer **out);

/* Adds a Schema (written at once, outside chunks); *id gets its id (>= 1). */
int sluice_mcap_add_schema(struct sluice_mcap_writer *w, const char *name, const char *encoding,
			   const void *data, size_t len, uint16_t *id);

/* Adds a Channel for topic on schema_id (0: none); *id gets its id. */
int sluice_mcap_add_channel(struct sluice_mcap_writer *w, uint16_t schema_id, const char *topic,
			    const char *message_encoding, uint16_t *id);

/* Appends a Message to the open chunk; the chunk is written when full. */
int sluice_mcap_write_message(struct sluice_mcap_writer *w, uint16_t channel_id,
			      uint32_t sequence, uint64_t log_time, uint64_t publish_time,
			      const void *data, size_t len);

/* Writes a Metadata record (name, npairs key/value pairs: kv[2i], kv[2i+1]),
 * indexed in the summary. */
int sluice_mcap_add_metadata(struct sluice_mcap_writer *w, const char *name,
			     const char *const *kv, size_t npairs);

/* Writes the last chunk, DataEnd, the summary and the footer, and closes
 * the file; frees w whatever happens.  0, or the first write error. */
int sluice_mcap_writer_close(struct sluice_mcap_writer *w);

/* Messages and bytes written so far (for a status line). */
void sluice_mcap_writer_counts(const struct sluice_mcap_writer *w, uint64_t *messages,
			       uint64_t *bytes);

/* --- reader -------------------------------------------------------------- */

enum sluice_mcap_kind {
	SLUICE_MCAP_SCHEMA = 1,
	SLUICE_MCAP_CHANNEL,
	SLUICE_MCAP_MESSAGE,
	SLUICE_MCAP_METADATA,
	SLUICE_MCAP_CHUNK, /* seen after its records were checked and visited */
};

/* A string from the file: not zero-terminated. */
struct sluice_mcap_str {
	const char *p;
	uint32_t len;
};

/* One record, pointing into the caller's buffer (or a chunk's). */
struct sluice_mcap_rec {
	int kind;                      /* enum sluice_mcap_kind */
	uint16_t id;                   /* schema or channel id */
	uint16_t schema_id;            /* channel */
	uint16_t channel_id;           /* message */
	uint32_t sequence;             /* message */
	uint64_t log_time, publish_time; /* message; chunk: start and end */
	struct sluice_mcap_str name;     /* schema, metadata; channel: topic */
	struct sluice_mcap_str encoding; /* schema; channel: message encoding;
					    chunk: compression */
	const void *data;              /* schema data, message data, metadata map */
	uint64_t len;                  /* ... its length; chunk: compressed size */
	uint64_t uncompressed;         /* chunk */
	uint64_t offset;               /* chunk: where it starts in the file */
};

/* Returns 0 to go on, anything else stops the scan and is returned. */
typedef int (*sluice_mcap_fn)(const struct sluice_mcap_rec *rec, void *arg);

enum sluice_mcap_flags {
	/* A file cut off (no DataEnd, footer or summary, or a record running
	 * past the end) is read up to its last complete record outside chunks
	 * or its last complete chunk; the rest is reported in the result. */
	SLUICE_MCAP_PARTIAL = 1 << 0,
};

struct sluice_mcap_result {
	int complete;          /* DataEnd, summary and footer present and valid */
	uint64_t valid_end;    /* bytes of the data section that were read whole */
	uint64_t file_len;
	uint64_t messages, schemas, channels, chunks, metadata;
	uint64_t start_time, end_time; /* log times, 0 if no message */
	uint64_t summary_messages;     /* Statistics' count (complete files) */
	char stopped[160];             /* PARTIAL: why reading stopped early */
};

/* Reads an MCAP file held in buf, calling fn (may be NULL) for each schema,
 * channel, metadata and message in file order (a chunk's records only after
 * the whole chunk was checked) and once per chunk.  0, -EBADMSG (detail:
 * what is wrong, at which offset), -ENOTSUP, or fn's non-zero value. */
int sluice_mcap_scan(const void *buf, size_t len, unsigned flags, sluice_mcap_fn fn, void *arg,
		     struct sluice_mcap_result *res);

/* Reads a whole file into memory (*buf malloc'd); -errno. */
int sluice_mcap_load(const char *path, void **buf, size_t *len);

/* Finds key in a metadata map (rec->data, rec->len): 1 and *val, or 0. */
int sluice_mcap_map_get(const void *map, uint64_t len, const char *key,
			struct sluice_mcap_str *val);

/* Writes out_path, a complete file holding what in_path has up to its last
 * complete chunk.  res (may be NULL) describes what was read. */
int sluice_mcap_recover(const char *in_path, const char *out_path,
			struct sluice_mcap_result *res);

/* CRC-32 (ISO-HDLC, as zlib and MCAP): crc over len more bytes. */
uint32_t sluice_crc32(uint32_t crc, const void *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
