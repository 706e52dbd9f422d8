/* main.c - the sluicec command line: compile a .fbs schema to a C header,
 * or convert data between JSON and binary with a schema (like flatc). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bfbs.h"
#include "convert.h"
#include "schema.h"
#include "sluice/plugin.h"
#include "sluice/version.h"

static void usage(FILE *f)
{
	fputs("usage: sluicec [-I dir]... [-o dir] schema.fbs        write <schema>_sluice.h\n"
	      "       sluicec -b [-I dir]... [-o dir] schema.fbs data.json   write data.bin\n"
	      "       sluicec --json [--size-prefixed] schema.fbs data.bin    print JSON\n"
	      "       sluicec --bfbs [-o dir] schema.fbs                      write <schema>.bfbs\n"
	      "       sluicec --check schema.fbs                              only check\n",
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

int main(int argc, char **argv)
{
	struct schema s;
	const char *outdir = ".", *schema = NULL, *data = NULL;
	const char *incs[64];
	size_t ninc = 0;
	int mode = 0; /* 0 C, 1 -b, 2 --json, 3 --check */
	bool size_prefixed = false;
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
		snprintf(path, sizeof(path), "%s/%s_sluice.h", outdir, base_name(schema));
		rc = sc_gen_c(&s, path, base_name(schema), err, sizeof(err));
		break;
	case 1:
		snprintf(path, sizeof(path), "%s/%s.bin", outdir, base_name(data));
		rc = sc_json_to_bin(&s, data, path, size_prefixed, err, sizeof(err));
		break;
	case 2:
		rc = sc_bin_to_json(&s, data, stdout, size_prefixed, err, sizeof(err));
		break;
	case 4: {
		uint8_t *bf;
		size_t n;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s.bfbs", outdir, base_name(schema));
		rc = sc_bfbs(&s, &bf, &n, err, sizeof(err));
		if (!rc) {
			f = fopen(path, "wb");
			if (!f || fwrite(bf, 1, n, f) != n || fclose(f) != 0) {
				snprintf(err, sizeof(err), "%s: error: cannot write", path);
				rc = -1;
			}
		}
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
