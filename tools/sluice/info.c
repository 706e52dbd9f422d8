/* info.c - `sluice info FILE.mcap`: what a recording holds (like `mcap
 * info`): duration, messages per channel, schemas, chunks, losses; every
 * CRC checked.  `--recover` rewrites a file that was cut off. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "sluice/error.h"
#include "sluice/record.h"

struct ichan {
	int defined;
	uint16_t schema;
	struct sluice_mcap_str topic;
	uint64_t count;
};

struct info {
	struct ichan ch[65536];
	struct sluice_mcap_str schema_name[65536], schema_enc[65536];
	uint32_t schema_len[65536];
	uint64_t chunk_bytes, chunk_min, chunk_max, uncompressed;
	struct sluice_mcap_str compression;
	const void *losses;
	uint64_t losses_len;
};

/* A copy of s: records inside compressed chunks live only while the
 * callback runs. */
static struct sluice_mcap_str dup_str(struct sluice_mcap_str old, struct sluice_mcap_str s)
{
	char *p = malloc(s.len ? s.len : 1);

	free((void *)old.p);
	if (!p)
		return (struct sluice_mcap_str){"?", 1};
	memcpy(p, s.p, s.len);
	return (struct sluice_mcap_str){p, s.len};
}

static int collect(const struct sluice_mcap_rec *r, void *arg)
{
	struct info *in = arg;

	switch (r->kind) {
	case SLUICE_MCAP_SCHEMA:
		in->schema_name[r->id] = dup_str(in->schema_name[r->id], r->name);
		in->schema_enc[r->id] = dup_str(in->schema_enc[r->id], r->encoding);
		in->schema_len[r->id] = (uint32_t)r->len;
		break;
	case SLUICE_MCAP_CHANNEL:
		in->ch[r->id].defined = 1;
		in->ch[r->id].schema = r->schema_id;
		in->ch[r->id].topic = dup_str(in->ch[r->id].topic, r->name);
		break;
	case SLUICE_MCAP_MESSAGE:
		in->ch[r->channel_id].count++;
		break;
	case SLUICE_MCAP_METADATA:
		if (r->name.len == 13 && !memcmp(r->name.p, "sluice.losses", 13)) {
			struct sluice_mcap_str m = {r->data, (uint32_t)r->len};
			in->losses = dup_str((struct sluice_mcap_str){in->losses, 0}, m).p;
			in->losses_len = r->len;
		}
		break;
	case SLUICE_MCAP_CHUNK:
		if (!in->chunk_bytes || r->len < in->chunk_min)
			in->chunk_min = r->len;
		if (r->len > in->chunk_max)
			in->chunk_max = r->len;
		in->chunk_bytes += r->len;
		in->uncompressed += r->uncompressed;
		in->compression = dup_str(in->compression, r->encoding);
		break;
	}
	return 0;
}

/* Prints s as a JSON string body (what the file says is untrusted text). */
static void json_str(struct sluice_mcap_str s)
{
	putchar('"');
	for (uint32_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static uint64_t loss_of(struct info *in, struct sluice_mcap_str topic)
{
	struct sluice_mcap_str v;
	char key[512], num[24];

	if (!in->losses || topic.len >= sizeof(key))
		return 0;
	memcpy(key, topic.p, topic.len);
	key[topic.len] = 0;
	if (!sluice_mcap_map_get(in->losses, in->losses_len, key, &v) || v.len >= sizeof(num))
		return 0;
	memcpy(num, v.p, v.len);
	num[v.len] = 0;
	return strtoull(num, NULL, 10);
}

static void print_text(const char *path, struct info *in, const struct sluice_mcap_result *res)
{
	double dur = (double)(res->end_time - res->start_time) / 1e9;

	printf("file:        %s (%" PRIu64 " bytes)\n", path, res->file_len);
	printf("messages:    %" PRIu64 "\n", res->messages);
	printf("duration:    %.3f s\n", dur);
	printf("start:       %.9f\nend:         %.9f\n", (double)res->start_time / 1e9,
	       (double)res->end_time / 1e9);
	printf("compression: %.*s: %" PRIu64 " chunks, %" PRIu64 " bytes (min %" PRIu64
	       ", max %" PRIu64 ")\n", in->compression.len ? (int)in->compression.len : 4,
	       in->compression.len ? in->compression.p : "none", res->chunks, in->chunk_bytes,
	       in->chunk_min, in->chunk_max);
	printf("schemas:\n");
	for (uint32_t i = 1; i < 65536; i++)
		if (in->schema_name[i].p)
			printf("  (%u) %.*s [%.*s, %u bytes]\n", i, (int)in->schema_name[i].len,
			       in->schema_name[i].p, (int)in->schema_enc[i].len, in->schema_enc[i].p,
			       in->schema_len[i]);
	printf("channels:\n");
	for (uint32_t i = 0; i < 65536; i++) {
		struct ichan *c = &in->ch[i];
		if (!c->defined)
			continue;
		printf("  (%u) %-24.*s %8" PRIu64 " msgs (%.2f Hz)  schema %u  lost %" PRIu64 "\n",
		       i, (int)c->topic.len, c->topic.p, c->count,
		       dur > 0 ? (double)c->count / dur : 0.0, c->schema, loss_of(in, c->topic));
	}
	printf("CRCs:        ok (data section, summary, every chunk)\n");
}

static void print_json(const char *path, struct info *in, const struct sluice_mcap_result *res)
{
	printf("{\"file\": ");
	json_str((struct sluice_mcap_str){path, (uint32_t)strlen(path)});
	printf(", \"bytes\": %" PRIu64 ", \"messages\": %" PRIu64 ", \"start_ns\": %" PRIu64
	       ", \"end_ns\": %" PRIu64 ", \"chunks\": %" PRIu64 ", \"chunk_bytes\": %" PRIu64
	       ", \"compression\": ", res->file_len, res->messages, res->start_time,
	       res->end_time, res->chunks, in->chunk_bytes);
	json_str(in->compression);
	printf(", \"schemas\": [");
	const char *sep = "";
	for (uint32_t i = 1; i < 65536; i++) {
		if (!in->schema_name[i].p)
			continue;
		printf("%s{\"id\": %u, \"name\": ", sep, i);
		json_str(in->schema_name[i]);
		printf(", \"encoding\": ");
		json_str(in->schema_enc[i]);
		printf(", \"bytes\": %u}", in->schema_len[i]);
		sep = ", ";
	}
	printf("], \"channels\": [");
	sep = "";
	for (uint32_t i = 0; i < 65536; i++) {
		struct ichan *c = &in->ch[i];
		if (!c->defined)
			continue;
		printf("%s{\"id\": %u, \"topic\": ", sep, i);
		json_str(c->topic);
		printf(", \"schema\": %u, \"messages\": %" PRIu64 ", \"lost\": %" PRIu64 "}",
		       c->schema, c->count, loss_of(in, c->topic));
		sep = ", ";
	}
	printf("]}\n");
}

static int info_main(int argc, char **argv)
{
	const char *path = NULL, *out = NULL;
	int json = 0, recover = 0;
	struct sluice_mcap_result res;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--recover"))
			recover = 1;
		else if (!strcmp(argv[i], "-o")) {
			if (!(out = cli_value("info", argc, argv, &i)))
				return CLI_USAGE;
		} else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			return cli_usage_error("info", "unexpected argument \"%s\"", argv[i]);
	}
	if (!path)
		return cli_usage_error("info", "which file?");
	if (recover) {
		if (!out)
			return cli_usage_error("info", "--recover needs -o OUT");
		if (sluice_mcap_recover(path, out, &res))
			return cli_error("info", "%s: %s", path, sluice_errdetail());
		fprintf(stderr, "sluice info: %s: kept %" PRIu64 " messages in %" PRIu64
				" chunks%s%s\n", out, res.messages, res.chunks,
			res.stopped[0] ? "; dropped the rest: " : "", res.stopped);
		return CLI_OK;
	}
	void *buf;
	size_t len;
	struct info *in = calloc(1, sizeof(*in));
	if (!in)
		return cli_error("info", "out of memory");
	if (sluice_mcap_load(path, &buf, &len)) {
		free(in);
		return cli_error("info", "%s", sluice_errdetail());
	}
	int rc = sluice_mcap_scan(buf, len, 0, collect, in, &res);
	if (rc)
		rc = cli_error("info", "%s: refused: %s", path, sluice_errdetail());
	else if (json)
		print_json(path, in, &res);
	else
		print_text(path, in, &res);
	free(buf);
	for (uint32_t i = 0; i < 65536; i++) {
		free((void *)in->ch[i].topic.p);
		free((void *)in->schema_name[i].p);
		free((void *)in->schema_enc[i].p);
	}
	free((void *)in->losses);
	free((void *)in->compression.p);
	free(in);
	return rc;
}

SLUICE_CMD(info, "info", "describe an MCAP recording",
	   "usage: sluice info FILE.mcap [--json]\n"
	   "       sluice info --recover FILE -o OUT\n\n"
	   "Reads the whole recording, checking every CRC and that the summary agrees\n"
	   "with the data, and prints its duration, messages per channel, schemas,\n"
	   "compression, chunk sizes and the losses `sluice record` counted.  A file that\n"
	   "is damaged or cut off is refused with the reason; --recover writes OUT, a\n"
	   "valid file with everything up to its last complete chunk.\n\n"
	   "  --json     one JSON object instead of text\n"
	   "  --recover  rewrite a cut-off FILE into OUT\n\n"
	   "Exit status: 0 read; 1 the file is unreadable or refused; 2 bad arguments.\n",
	   info_main)
