/* sluice/fb_json.h - prints any FlatBuffers message as JSON given its
 * binary schema (.bfbs, as sluicec embeds it with sluice_bfbs_<schema>() or
 * a topic carries it), without compiled-in types.
 *
 * Both the schema and the message are treated as untrusted: the schema is
 * verified (layout and every index it holds), then the message is verified
 * against it, and only then printed. The output follows
 * `flatc --json --strict-json`: fields present in the buffer, enums by name,
 * bit flags as space-separated names, nested flatbuffers as objects.
 * Strings: valid UTF-8 is written as it is (flatc --natural-utf8), and each
 * byte that is not valid UTF-8 as \ufffd (U+FFFD), so that the output stays
 * valid JSON; flatc refuses such a message instead (or writes \xNN, which
 * is not JSON, with --allow-non-utf8). */
#ifndef SLUICE_FB_JSON_H
#define SLUICE_FB_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "sluice/fb_builder.h"
#include "sluice/fb_verify.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Receives the JSON text piece by piece; returns 0 or a negative code,
 * which stops printing and is returned. */
typedef int (*sluice_fb_json_write)(void *ctx, const char *text, size_t len);

/* Writes s[0..n) as one JSON string, quotes included: valid UTF-8 as it
 * is, quotes, backslashes and control characters escaped, and each byte that
 * is not valid UTF-8 as U+FFFD, so the output is JSON whatever s holds. */
int sluice_fb_json_string(const void *s, size_t n, sluice_fb_json_write write, void *ctx);

/* Checks that bfbs is a well-formed binary schema. */
int sluice_fb_schema_verify(const void *bfbs, size_t bfbs_len);

/* Verifies msg as a table named table (fully qualified; NULL for the
 * schema's root_type) against the schema, as generated verifiers would, with
 * no generated code: the check that printing makes first. */
int sluice_fb_json_verify(const void *bfbs, size_t bfbs_len, const char *table, const void *msg,
			  size_t len, const sluice_fb_verify_opts *opts);

/* Verifies msg as a table named table (fully qualified, e.g. "zoo.Animal";
 * NULL for the schema's root_type) and prints it through write. */
int sluice_fb_json_print(const void *bfbs, size_t bfbs_len, const char *table, const void *msg,
			 size_t len, const sluice_fb_verify_opts *opts, sluice_fb_json_write write,
			 void *ctx);

/* The same into out[0..cap), NUL-terminated; *written (if not NULL) gets
 * the length. -SLUICE_EFBFULL when it does not fit. */
int sluice_fb_json_print_buffer(const void *bfbs, size_t bfbs_len, const char *table,
				const void *msg, size_t len, const sluice_fb_verify_opts *opts,
				char *out, size_t cap, size_t *written);

/* The safe way to print a message another process can still write (a slot
 * of a lossy topic, or any untrusted writer's): copies msg[0..len) into
 * copy[0..copy_cap) first, then verifies and prints only the copy, as
 * sluice_fb_json_print_buffer. A reader that verified in place and then
 * walked the shared bytes again could follow offsets changed in between.
 * A channel reader still asks the channel afterwards whether the copy was
 * torn (sluice_sub_release() == -SLUICE_ETORN) and then discards out.
 * -SLUICE_EFBFULL when len > copy_cap. */
int sluice_fb_json_print_copy(const void *bfbs, size_t bfbs_len, const char *table,
			      const void *msg, size_t len, const sluice_fb_verify_opts *opts,
			      void *copy, size_t copy_cap, char *out, size_t cap, size_t *written);

/* Parses JSON text into a message whose root is the table named table
 * (NULL: the schema's root_type), built with b into the caller's buffer (a
 * loaned slot, say) and finished with the schema's file identifier. Work in
 * progress lives in scratch[0..scratch_len) (a few KiB on the stack for
 * most messages); nothing is allocated. Accepts what flatc -b accepts in
 * practice: unquoted keys, trailing commas, comments, enums by name ("A B"
 * for bit flags), nan/inf; a union's _type before or after its value (a
 * vector of unions needs its _type vector first, as flatc does).
 * Errors: -SLUICE_EFBJSON, the builder's, or -SLUICE_EFBFULL when scratch
 * is too small. sluice_errdetail() gives line:col of what the error is
 * about and names the field and its table, e.g. `fb json: 1:14: unknown
 * field "satelites" in sluice.msg.GpsFix`, `fb json: 3:1: required field
 * "header" missing in sluice.msg.GpsFix`. A union's _type without its
 * value is accepted: a null member, as flatc's verifier takes it. */
int sluice_fb_json_parse(const void *bfbs, size_t bfbs_len, const char *table, const char *json,
			 size_t json_len, void *scratch, size_t scratch_len, sluice_fb_builder *b,
			 bool size_prefixed, sluice_fb_msg *out);

#ifdef __cplusplus
}
#endif
#endif
