/* bfbs.h - writes a schema as a binary schema (.bfbs): a FlatBuffers
 * message in the layout of FlatBuffers' reflection.fbs, as flatc 2.0.8
 * writes with --binary --schema. */
#ifndef SLUICEC_BFBS_H
#define SLUICEC_BFBS_H

#include <stddef.h>
#include <stdint.h>

#include "schema.h"

/* Builds the .bfbs of s; *out points into arena memory. 0 or -1. */
int sc_bfbs(const struct schema *s, uint8_t **out, size_t *len, char *err, size_t errlen);

/* The same plus each field's nested_flatbuffer attribute (fully qualified,
 * as flatc --bfbs-builtins keeps it), so that the runtime's JSON parser,
 * verifier and printer treat those bytes as the table they hold: the
 * schema sluicec -b and --json convert with. */
int sc_bfbs_json(const struct schema *s, uint8_t **out, size_t *len, char *err, size_t errlen);

#endif
