/* recover.c - rewrites a recording that was cut off (SIGKILL, power loss)
 * as a complete file holding everything up to its last whole chunk. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/detail.h"
#include "record/mcap.h"
#include "sluice/record.h"

struct rewrite {
	struct sluice_mcap_writer *w;
	uint16_t schema[65536];  /* old id -> new id, 0: unknown */
	uint16_t channel[65536]; /* old id -> new id + 1, 0: unknown */
};

static int copy_rec(const struct sluice_mcap_rec *r, void *arg)
{
	struct rewrite *x = arg;
	uint16_t id;
	int rc = 0;

	switch (r->kind) {
	case SLUICE_MCAP_SCHEMA:
		if (x->schema[r->id])
			return 0; /* repeated */
		rc = mcap_add_schema_n(x->w, r->name.p, r->name.len, r->encoding.p,
				       r->encoding.len, r->data, r->len, &id);
		if (!rc)
			x->schema[r->id] = id;
		break;
	case SLUICE_MCAP_CHANNEL:
		if (x->channel[r->id])
			return 0;
		if (r->schema_id && !x->schema[r->schema_id])
			return sluice__fail(-EBADMSG, "channel %u names schema %u, not defined "
						      "before it", r->id, r->schema_id);
		rc = mcap_add_channel_n(x->w, r->schema_id ? x->schema[r->schema_id] : 0,
					r->name.p, r->name.len, r->encoding.p, r->encoding.len,
					&id);
		if (!rc)
			x->channel[r->id] = (uint16_t)(id + 1);
		break;
	case SLUICE_MCAP_MESSAGE:
		rc = sluice_mcap_write_message(x->w, (uint16_t)(x->channel[r->channel_id] - 1),
					       r->sequence, r->log_time, r->publish_time, r->data,
					       r->len);
		break;
	case SLUICE_MCAP_METADATA:
		rc = mcap_add_metadata_raw(x->w, r->name.p, r->name.len, r->data, r->len);
		break;
	}
	return rc;
}

int sluice_mcap_recover(const char *in_path, const char *out_path,
			struct sluice_mcap_result *res)
{
	void *buf;
	size_t len;
	struct rewrite *x;
	int rc;

	if ((rc = sluice_mcap_load(in_path, &buf, &len)) != 0)
		return rc;
	if (!(x = calloc(1, sizeof(*x)))) {
		free(buf);
		return -ENOMEM;
	}
	if ((rc = sluice_mcap_writer_open(out_path, NULL, &x->w)) == 0) {
		rc = sluice_mcap_scan(buf, len, SLUICE_MCAP_PARTIAL, copy_rec, x, res);
		int rc2 = sluice_mcap_writer_close(x->w);
		if (!rc)
			rc = rc2;
	}
	free(x);
	free(buf);
	return rc;
}
