/* convert.c - sluicec -b and --json through the runtime: the schema goes
 * to its .bfbs in memory, and the runtime's reflection-driven parser,
 * verifier and printer (sluice/fb_json.h) do the rest, so there is one
 * JSON reader, one string decoder and one verifier for both. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bfbs.h"
#include "convert.h"
#include "sluice/fb.h"

/* The largest buffer -b grows to before it gives up. */
#define MAX_CAP ((size_t)1 << 31)

/* Reads a whole file into arena memory (8-aligned, as sc_alloc gives). */
static int slurp(const char *path, uint8_t **out, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f) {
		snprintf(err, errlen, "%s: error: cannot read: %s", path, strerror(errno));
		return -1;
	}
	do {
		buf = sc_grow(buf, &cap, n + 65536, 1);
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	if (ferror(f)) {
		int e = errno ? errno : EIO;

		fclose(f);
		snprintf(err, errlen, "%s: error: cannot read: %s", path, strerror(e));
		return -1;
	}
	fclose(f);
	*out = buf;
	*len = n;
	return 0;
}

int sc_write_file(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "wb");
	int ok, e;

	if (!f) {
		snprintf(err, errlen, "%s: error: cannot write: %s", path, strerror(errno));
		return -1;
	}
	errno = 0;
	ok = fwrite(data, 1, len, f) == len;
	e = errno;
	if (fclose(f) != 0 && ok) {
		ok = 0;
		e = errno;
	}
	if (ok)
		return 0;
	if (!e)
		e = EIO;
	snprintf(err, errlen, "%s: error: cannot write: %s", path, strerror(e));
	return -1;
}

static int schema_bfbs(const struct schema *s, uint8_t **bf, size_t *n, char *err, size_t errlen)
{
	if (!s->root) {
		snprintf(err, errlen, "%s: error: the schema has no root_type", s->main_file);
		return -1;
	}
	return sc_bfbs_json(s, bf, n, err, errlen);
}

/* The runtime's "fb json: L:C: what" as "name:L:C: error: what". */
static void json_error(const char *name, int rc, char *err, size_t errlen)
{
	const char *d = sluice_errdetail();
	int line, col, at = 0;

	if (rc == -SLUICE_EFBJSON && sscanf(d, "fb json: %d:%d: %n", &line, &col, &at) == 2 && at)
		snprintf(err, errlen, "%s:%d:%d: error: %s", name, line, col, d + at);
	else if (d && *d)
		snprintf(err, errlen, "%s: error: %s (%s)", name, sluice_strerror(rc), d);
	else
		snprintf(err, errlen, "%s: error: %s", name, sluice_strerror(rc));
}

int sc_json_parse(const struct schema *s, const char *name, const char *text, size_t len,
		  bool size_prefixed, uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	uint8_t *bf;
	size_t nbf, cap = len < 16384 ? 65536 : len * 4;

	if (schema_bfbs(s, &bf, &nbf, err, errlen))
		return -1;
	/* the message and the parser's work space both grow with the text;
	 * when either is short, start again with both four times larger */
	for (;;) {
		uint8_t *buf = malloc(cap), *scratch = malloc(cap);
		sluice_fb_builder b;
		sluice_fb_msg m;
		int rc = -SLUICE_EFBFULL;

		if (buf && scratch) {
			sluice_fb_builder_init(&b, buf, cap);
			rc = sluice_fb_json_parse(bf, nbf, NULL, text, len, scratch, cap, &b,
						  size_prefixed, &m);
		}
		free(scratch);
		if (rc == -SLUICE_EFBFULL && buf && cap < MAX_CAP) {
			free(buf);
			cap *= 4;
			continue;
		}
		if (rc) {
			free(buf);
			json_error(name, rc, err, errlen);
			return -1;
		}
		*out = sc_alloc(m.length);
		memcpy(*out, buf + m.offset, m.length);
		*outlen = m.length;
		free(buf);
		return 0;
	}
}

int sc_json_to_bin(const struct schema *s, const char *json_path, const char *bin_path,
		   bool size_prefixed, char *err, size_t errlen)
{
	uint8_t *text, *out;
	size_t n, outlen;

	if (slurp(json_path, &text, &n, err, errlen))
		return -1;
	if (sc_json_parse(s, json_path, (const char *)text, n, size_prefixed, &out, &outlen, err,
			  errlen))
		return -1;
	return sc_write_file(bin_path, out, outlen, err, errlen);
}

static int to_file(void *ctx, const char *text, size_t len)
{
	return fwrite(text, 1, len, ctx) == len ? 0 : -EIO;
}

/* Verifies the message buf[0..len) (root: the schema's root_type) and
 * prints it as JSON to out. 0, or -1 with the reason in err. */
static int print_json(const struct schema *s, const void *buf, size_t len, bool size_prefixed,
		      FILE *out, char *err, size_t errlen)
{
	sluice_fb_verify_opts o = {0, 0, NULL, size_prefixed};
	uint8_t *bf;
	size_t nbf;
	int rc;

	if (schema_bfbs(s, &bf, &nbf, err, errlen))
		return -1;
	rc = sluice_fb_json_print(bf, nbf, NULL, buf, len, &o, to_file, out);
	if (rc) {
		snprintf(err, errlen, "error: not a valid %s: %s (%s)", s->root->fullname,
			 sluice_strerror(rc), sluice_errdetail());
		return -1;
	}
	return 0;
}

int sc_bin_to_json(const struct schema *s, const char *bin_path, FILE *out, bool size_prefixed,
		   char *err, size_t errlen)
{
	uint8_t *buf;
	size_t n;
	char why[4096];

	/* slurp's arena block is 8-aligned, so 8-byte fields sit aligned */
	if (slurp(bin_path, &buf, &n, err, errlen))
		return -1;
	if (print_json(s, buf, n, size_prefixed, out, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", bin_path, why);
		return -1;
	}
	return 0;
}
