/* pipeline/tap_check.c - a pipeline's record: and play: sections when the
 * pipeline is loaded: their topics resolved, and the recording play: reads
 * loaded and checked against the topics it is to produce.  Apart from the
 * running (tap.c), so that the loader needs only the MCAP reader. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/detail.h"
#include "record/tap.h"
#include "sluice/error.h"
#include "sluice/record.h"


/* Names and data are copies: a record inside a compressed chunk lives
 * only as long as the scan is in that chunk. */
struct fschema {
	uint16_t id;
	int flatbuffer; /* its encoding is "flatbuffer" */
	struct sluice_mcap_str name;
	const void *data;
	uint64_t len;
};

struct fchannel {
	uint16_t id, schema;
	struct sluice_mcap_str topic, encoding;
	uint64_t max_len;
};

/* What a recording holds: its schemas, channels and largest messages. */
struct survey {
	struct fschema *s;
	struct fchannel *c;
	size_t ns, nc;
	char why[200];
};

static int str_is(struct sluice_mcap_str s, const char *z)
{
	return s.len == strlen(z) && !memcmp(s.p, z, s.len);
}

/* A copy of s in *out (freed with free((void *)out->p)). */
static int str_dup(struct sluice_mcap_str s, struct sluice_mcap_str *out)
{
	char *p = malloc(s.len + 1u);

	if (!p)
		return -ENOMEM;
	memcpy(p, s.p, s.len);
	p[s.len] = 0;
	*out = (struct sluice_mcap_str){p, s.len};
	return 0;
}

static int survey_rec(const struct sluice_mcap_rec *r, void *arg)
{
	struct survey *sv = arg;

	if (r->kind == SLUICE_MCAP_SCHEMA) {
		struct fschema *p = realloc(sv->s, (sv->ns + 1) * sizeof(*p));

		if (!p)
			return -ENOMEM;
		sv->s = p;
		void *d = malloc(r->len ? r->len : 1);
		struct fschema f = {r->id, str_is(r->encoding, "flatbuffer"), {0}, d, r->len};

		if (!d || str_dup(r->name, &f.name)) {
			free(d);
			return -ENOMEM;
		}
		memcpy(d, r->data, r->len);
		p[sv->ns++] = f;
	} else if (r->kind == SLUICE_MCAP_CHANNEL) {
		struct fchannel *p = realloc(sv->c, (sv->nc + 1) * sizeof(*p));
		struct fchannel f = {r->id, r->schema_id, {0}, {0}, 0};

		if (!p)
			return -ENOMEM;
		sv->c = p;
		if (str_dup(r->name, &f.topic))
			return -ENOMEM;
		if (str_dup(r->encoding, &f.encoding)) {
			free((void *)f.topic.p);
			return -ENOMEM;
		}
		p[sv->nc++] = f;
	} else if (r->kind == SLUICE_MCAP_MESSAGE) {
		for (size_t i = 0; i < sv->nc; i++)
			if (sv->c[i].id == r->channel_id && r->len > sv->c[i].max_len)
				sv->c[i].max_len = r->len;
	}
	return 0;
}

static void survey_free(struct survey *sv)
{
	for (size_t i = 0; i < sv->ns; i++) {
		free((void *)sv->s[i].data);
		free((void *)sv->s[i].name.p);
	}
	for (size_t i = 0; i < sv->nc; i++) {
		free((void *)sv->c[i].topic.p);
		free((void *)sv->c[i].encoding.p);
	}
	free(sv->s);
	free(sv->c);
}

/* A recorded topic stands for pipeline topic `name` when it is named so,
 * or "<pipeline>.<name>" (how a pipeline's recorder and `sluice record`
 * name a pipeline's topics), with or without a leading '/'. */
static int channel_matches(struct sluice_mcap_str t, const char *name)
{
	size_t n = strlen(name);

	if (t.len && t.p[0] == '/') {
		t.p++;
		t.len--;
	}
	if (t.len == n && !memcmp(t.p, name, n))
		return 1;
	return t.len > n && t.p[t.len - n - 1] == '.' && !memcmp(t.p + t.len - n, name, n);
}

static int check_play_topic(struct sluice_pipeline *pl, struct survey *sv, int k)
{
	struct pl_play *pp = &pl->play;
	struct pl_topic *t;
	const struct fchannel *c = NULL;
	int ti = sluice__pl_find_topic(pl, pp->topics[k]);

	if (ti < 0)
		return sluice__pl_fail_at(pl, pp->topic_pos[k], "play: unknown topic \"%s\"", pp->topics[k]);
	t = &pl->topics[ti];
	for (size_t i = 0; i < sv->nc; i++) {
		if (!channel_matches(sv->c[i].topic, t->name))
			continue;
		if (c)
			return sluice__pl_fail_at(pl, pp->topic_pos[k],
			               "play: %s holds two topics for \"%s\": %.*s and %.*s",
			               pp->file, t->name, (int)c->topic.len, c->topic.p,
			               (int)sv->c[i].topic.len, sv->c[i].topic.p);
		c = &sv->c[i];
	}
	if (!c)
		return sluice__pl_fail_at(pl, pp->topic_pos[k],
		               "play: %s holds no topic \"%s\" (sluice info %s)", pp->file, t->name,
		               pp->file);
	const struct fschema *s = NULL;

	for (size_t i = 0; i < sv->ns && c->schema; i++)
		if (sv->s[i].id == c->schema)
			s = &sv->s[i];
	/* Only what sluice records is played: FlatBuffers messages, typed by a
	 * FlatBuffers schema, or with no schema (the topic carried none) and
	 * no encoding or flatbuffer, taken as the topic's type.  A ROS 2,
	 * protobuf or JSON channel of the same name is refused. */
	if ((c->schema && s && !s->flatbuffer) ||
	    !(str_is(c->encoding, "flatbuffer") || (!c->schema && !c->encoding.len)))
		return sluice__pl_fail_at(pl, pp->topic_pos[k],
		               "play: %s's %.*s has message encoding \"%.*s\"%s: only "
		               "FlatBuffers channels are played", pp->file,
		               (int)c->topic.len, c->topic.p,
		               (int)(c->encoding.len > 32 ? 32 : c->encoding.len), c->encoding.p,
		               c->schema && s && !s->flatbuffer ? " and a schema not in flatbuffer"
		                                                : "");
	if (c->schema && (!s || !str_is(s->name, t->type)))
		return sluice__pl_fail_at(pl, pp->topic_pos[k],
		               "play: %s's %.*s carries %.*s but topic \"%s\" carries %s", pp->file,
		               (int)c->topic.len, c->topic.p, s ? (int)s->name.len : 4,
		               s ? s->name.p : "none", t->name, t->type);
	if (c->max_len > t->slot_size)
		return sluice__pl_fail_at(pl, pp->topic_pos[k],
		               "play: %s's %.*s has messages of %llu bytes; topic \"%s\" has "
		               "slot_size %u",
		               pp->file, (int)c->topic.len, c->topic.p,
		               (unsigned long long)c->max_len, t->name, t->slot_size);
	if (t->producer != -1)
		return sluice__pl_fail_at(pl, pp->topic_pos[k], "play: topic \"%s\" is named twice", t->name);
	t->producer = PL_PRODUCER_PLAY;
	pp->topic_index[k] = ti;
	pp->channel[k] = c->id;
	if (!s)
		return 0;
	pp->schema_len[k] = s->len;
	pp->schema[k] = malloc(s->len ? s->len : 1);
	if (!pp->schema[k])
		return -ENOMEM;
	memcpy((void *)pp->schema[k], s->data, s->len);
	return 0;
}

static int check_play(struct sluice_pipeline *pl)
{
	struct pl_play *pp = &pl->play;
	struct survey sv = {0};
	struct sluice_mcap_result res;
	int rc = sluice_mcap_load(pp->file, &pp->buf, &pp->len);

	if (rc)
		return sluice__pl_fail_at(pl, pp->file_pos, "play: %s", sluice_errdetail());
	rc = sluice_mcap_scan(pp->buf, pp->len, 0, survey_rec, &sv, NULL);
	/* A cut-off recording is refused, not played in part: a run on a
	 * recording is there to be repeated, and a shorter input would change
	 * its figures with nothing said (loading prints nothing). */
	if (rc == -EBADMSG &&
	    sluice_mcap_scan(pp->buf, pp->len, SLUICE_MCAP_PARTIAL, NULL, NULL, &res) == 0)
		rc = sluice__pl_fail_at(pl, pp->file_pos,
		             "play: %s is cut off or damaged: `sluice record --recover %s` "
		             "rewrites it up to its last complete chunk (%llu messages); "
		             "reading stops at: %s",
		             pp->file, pp->file, (unsigned long long)res.messages, res.stopped);
	else if (rc == -ENOMEM)
		rc = sluice__fail(rc, "play: out of memory reading %s", pp->file);
	else if (rc)
		rc = sluice__pl_fail_at(pl, pp->file_pos, "play: %s is refused: %s", pp->file,
		             sluice_errdetail());
	for (int k = 0; k < pp->ntopics && !rc; k++)
		rc = check_play_topic(pl, &sv, k);
	survey_free(&sv);
	return rc;
}

int sluice__tap_check(struct sluice_pipeline *pl)
{
	struct pl_record *r = &pl->record;

	for (int k = 0; k < r->ntopics; k++)
		if ((r->topic_index[k] = sluice__pl_find_topic(pl, r->topics[k])) < 0)
			return sluice__pl_fail_at(pl, r->topic_pos[k], "record: unknown topic \"%s\"",
			               r->topics[k]);
	if (r->on && !r->ntopics) /* none named: all of them */
		for (; r->ntopics < pl->ntopics; r->ntopics++)
			r->topic_index[r->ntopics] = r->ntopics;
	return pl->play.on ? check_play(pl) : 0;
}

void sluice__tap_free_model(struct sluice_pipeline *pl)
{
	struct pl_record *r = &pl->record;
	struct pl_play *pp = &pl->play;

	free(r->file);
	free(r->compression);
	for (int k = 0; k < PL_MAX_TOPICS; k++) {
		free(r->topics[k]);
		free(pp->topics[k]);
		free((void *)pp->schema[k]);
	}
	free(pp->file);
	free(pp->buf);
}

const void *sluice__tap_play_schema(const struct sluice_pipeline *pl, int ti, size_t *len)
{
	for (int k = 0; k < pl->play.ntopics; k++)
		if (pl->play.topic_index[k] == ti) {
			*len = pl->play.schema_len[k];
			return pl->play.schema[k];
		}
	*len = 0;
	return NULL;
}
