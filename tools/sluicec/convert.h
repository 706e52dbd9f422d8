/* convert.h - schema-driven conversion between FlatBuffers binary and JSON,
 * without generated code (sluicec -b and --json). */
#ifndef SLUICEC_CONVERT_H
#define SLUICEC_CONVERT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "schema.h"

/* Parses JSON text into a message whose root is the schema's root_type;
 * *out points into arena memory. 0, or -1 with "file:line:col: ..." in err. */
int sc_json_parse(const struct schema *s, const char *name, const char *text, size_t len,
		  bool size_prefixed, uint8_t **out, size_t *outlen, char *err, size_t errlen);

/* Reads JSON from json_path, writes the binary message to bin_path. */
int sc_json_to_bin(const struct schema *s, const char *json_path, const char *bin_path,
		   bool size_prefixed, char *err, size_t errlen);

/* Prints a message whose root is a `root` after verifying it. */
int sc_print_json(const struct def *root, const void *buf, size_t len, bool size_prefixed,
		  FILE *out);

/* Verifies the binary message in bin_path and prints it as JSON to out. */
int sc_bin_to_json(const struct schema *s, const char *bin_path, FILE *out, bool size_prefixed,
		   char *err, size_t errlen);

#endif
