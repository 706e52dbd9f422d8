/* main.c - the sluicec command line: compile a .fbs schema to a C header,
 * or convert data between JSON and binary with a schema (like flatc). */
#define _DEFAULT_SOURCE /* realpath */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bfbs.h"
#include "convert.h"
#include "schema.h"
#include "sluice/plugin.h"
#include "sluice/version.h"

static void usage(FILE *f)
{
	fputs("usage: sluicec [-I dir]... [-o dir] [--gen-all] schema.fbs     write <schema>_sluice.h\n"
	      "       sluicec -b [-I dir]... [-o dir] schema.fbs data.json   write data.bin (.ext)\n"
	      "       sluicec --json [--size-prefixed] schema.fbs data.bin    print JSON\n"
	      "       sluicec --bfbs [-o dir] schema.fbs                      write <schema>.bfbs\n"
	      "       sluicec --check schema.fbs                              only check\n"
	      "--gen-all (or --gen-includes) also writes <name>_sluice.h for every\n"
	      "schema it includes, directly or not, which <schema>_sluice.h #includes.\n",
	      f);
}

/* --version: this program's version, the library's, and the versions of
 * the binary interfaces a plugin or another process must match. */
static void print_version(const char *prog)
{
	printf("%s %s\n", prog, SLUICE_VERSION_STRING);
	printf("library %s\n", sluice_version());
	printf("plugin ABI %u.%u\n", SLUICE_PLUGIN_ABI_VERSION, SLUICE_PLUGIN_ABI_MINOR);
	printf("segment ABI %u, channel protocol %u\n", sluice_segment_abi_version(),
	       sluice_channel_protocol());
}

/* "dir/name.fbs" -> "name" */
static char *base_name(const char *path)
{
	const char *n = strrchr(path, '/');
	char *b, *dot;

	b = sc_strdup(n ? n + 1 : path);
	dot = strrchr(b, '.');
	if (dot)
		*dot = 0;
	return b;
}

/* The file an include names, found as the parser finds it: beside the
 * including file, then in each -I directory.  NULL if none is readable. */
static char *find_include(const char *from, const char *name, const char **incs, size_t ninc)
{
	const char *slash = strrchr(from, '/');
	char path[4096];
	size_t i;

	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%.*s%s", slash ? (int)(slash - from + 1) : 0, from, name);
	if (access(path, R_OK) == 0)
		return sc_strdup(path);
	for (i = 0; i < ninc; i++) {
		snprintf(path, sizeof(path), "%s/%s", incs[i], name);
		if (access(path, R_OK) == 0)
			return sc_strdup(path);
	}
	return NULL;
}

struct gen_all {
	const char **incs;
	size_t ninc;
	const char *outdir;
	char **done; /* real paths already generated */
	size_t ndone, cap;
};

/* Writes <base>_sluice.h for schema file path, then for what it includes,
 * each file once (includes may repeat or cycle; the parser bounds depth). */
static int gen_tree(struct gen_all *g, const char *path, char *err, size_t errlen)
{
	struct schema s;
	char real[PATH_MAX], out[4096];
	size_t i;

	if (!realpath(path, real))
		snprintf(real, sizeof(real), "%s", path);
	for (i = 0; i < g->ndone; i++)
		if (strcmp(g->done[i], real) == 0)
			return 0;
	g->done = sc_grow(g->done, &g->cap, g->ndone + 1, sizeof(*g->done));
	g->done[g->ndone++] = sc_strdup(real);
	memset(&s, 0, sizeof(s));
	s.incdirs = g->incs;
	s.nincdirs = g->ninc;
	if (sc_parse_file(&s, path, err, errlen) != 0)
		return -1;
	snprintf(out, sizeof(out), "%s/%s_sluice.h", g->outdir, base_name(path));
	if (sc_gen_c(&s, out, base_name(path), err, errlen) != 0)
		return -1;
	for (i = 0; i < s.nincludes; i++) {
		char *inc = find_include(path, s.includes[i], g->incs, g->ninc);

		if (!inc) {
			snprintf(err, errlen, "%s: error: unable to load include file: %s", path,
				 s.includes[i]);
			return -1;
		}
		if (gen_tree(g, inc, err, errlen) != 0)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct schema s;
	const char *outdir = ".", *schema = NULL, *data = NULL;
	const char *incs[64];
	size_t ninc = 0;
	int mode = 0; /* 0 C, 1 -b, 2 --json, 3 --check */
	bool size_prefixed = false, gen_all = false;
	char err[4600], path[4096];
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-I") == 0 && i + 1 < argc && ninc < 64) {
			incs[ninc++] = argv[++i];
		} else if (strcmp(a, "-o") == 0 && i + 1 < argc) {
			outdir = argv[++i];
		} else if (strcmp(a, "-b") == 0 || strcmp(a, "--binary") == 0) {
			mode = 1;
		} else if (strcmp(a, "--json") == 0 || strcmp(a, "-t") == 0) {
			mode = 2;
		} else if (strcmp(a, "--check") == 0) {
			mode = 3;
		} else if (strcmp(a, "--bfbs") == 0 || strcmp(a, "--schema") == 0) {
			mode = 4;
		} else if (strcmp(a, "--gen-all") == 0 || strcmp(a, "--gen-includes") == 0) {
			gen_all = true;
		} else if (strcmp(a, "--size-prefixed") == 0) {
			size_prefixed = true;
		} else if (strcmp(a, "--raw-binary") == 0 || strcmp(a, "--strict-json") == 0 ||
			   strcmp(a, "--c") == 0) {
			/* accepted for flatc compatibility; nothing to do */
		} else if (strcmp(a, "--version") == 0) {
			print_version("sluicec");
			return 0;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "sluicec: unknown option %s\n", a);
			usage(stderr);
			return 2;
		} else if (!schema) {
			schema = a;
		} else if (!data) {
			data = a;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!schema || ((mode == 1 || mode == 2) && !data)) {
		usage(stderr);
		return 2;
	}
	memset(&s, 0, sizeof(s));
	s.incdirs = incs;
	s.nincdirs = ninc;
	if (sc_parse_file(&s, schema, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		sc_free_all();
		return 1;
	}
	switch (mode) {
	case 0:
		if (gen_all) {
			struct gen_all g = {.incs = incs, .ninc = ninc, .outdir = outdir};

			rc = gen_tree(&g, schema, err, sizeof(err));
			break;
		}
		snprintf(path, sizeof(path), "%s/%s_sluice.h", outdir, base_name(schema));
		rc = sc_gen_c(&s, path, base_name(schema), err, sizeof(err));
		break;
	case 1:
		/* named with the schema's file_extension, as flatc names it */
		snprintf(path, sizeof(path), "%s/%s.%s", outdir, base_name(data),
			 s.ext && *s.ext ? s.ext : "bin");
		rc = sc_json_to_bin(&s, data, path, size_prefixed, err, sizeof(err));
		break;
	case 2:
		rc = sc_bin_to_json(&s, data, stdout, size_prefixed, err, sizeof(err));
		break;
	case 4: {
		uint8_t *bf;
		size_t n;

		snprintf(path, sizeof(path), "%s/%s.bfbs", outdir, base_name(schema));
		rc = sc_bfbs(&s, &bf, &n, err, sizeof(err));
		if (!rc)
			rc = sc_write_file(path, bf, n, err, sizeof(err));
		break;
	}
	default:
		break;
	}
	if (rc)
		fprintf(stderr, "%s\n", err);
	sc_free_all();
	return rc ? 1 : 0;
}
