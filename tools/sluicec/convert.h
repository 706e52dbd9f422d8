/* convert.h - sluicec -b and --json: conversion between FlatBuffers binary
 * and JSON through the runtime's reflection (sluice/fb_json.h), driven by
 * the schema's .bfbs built in memory, so that the command line and a
 * program reading a topic parse, verify and print the same way. */
#ifndef SLUICEC_CONVERT_H
#define SLUICEC_CONVERT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "schema.h"

/* Parses JSON text (named name in errors) into a message whose root is the
 * schema's root_type; *out points into arena memory. 0, or -1 with
 * "name:line:col: error: ..." in err. */
int sc_json_parse(const struct schema *s, const char *name, const char *text, size_t len,
		  bool size_prefixed, uint8_t **out, size_t *outlen, char *err, size_t errlen);

/* Reads JSON from json_path, writes the binary message to bin_path. */
int sc_json_to_bin(const struct schema *s, const char *json_path, const char *bin_path,
		   bool size_prefixed, char *err, size_t errlen);

/* Verifies the binary message in bin_path and prints it as JSON to out. */
int sc_bin_to_json(const struct schema *s, const char *bin_path, FILE *out, bool size_prefixed,
		   char *err, size_t errlen);

/* Writes len bytes to path; 0, or -1 with "path: error: cannot write:
 * <strerror>" in err. */
int sc_write_file(const char *path, const void *data, size_t len, char *err, size_t errlen);

#endif
