/* convert.h - schema-driven conversion between FlatBuffers binary and JSON,
 * without generated code (sluicec -b and --json). */
#ifndef SLUICEC_CONVERT_H
#define SLUICEC_CONVERT_H

#include <stdbool.h>
#include <stdio.h>

#include "schema.h"

/* Reads JSON from json_path, writes the binary message to bin_path. */
int sc_json_to_bin(const struct schema *s, const char *json_path, const char *bin_path,
		   bool size_prefixed, char *err, size_t errlen);

/* Verifies the binary message in bin_path and prints it as JSON to out. */
int sc_bin_to_json(const struct schema *s, const char *bin_path, FILE *out, bool size_prefixed,
		   char *err, size_t errlen);

#endif
