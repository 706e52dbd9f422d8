/* fu_host.c - the in-memory plugin host of the fusion tests (fu_host.h). */
#include "fu_host.h"

#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gps_sluice.h"
#include "imu_sluice.h"
#include "pose_sluice.h"
#include "sluice/error.h"

static void push(struct fh_topic *t, const void *data, size_t size, uint64_t now)
{
	struct fh_msg *m;

	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->v = realloc(t->v, t->cap * sizeof(*t->v));
		ck_assert_ptr_nonnull(t->v);
	}
	m = &t->v[t->n++];
	m->data = malloc(size);
	ck_assert_ptr_nonnull(m->data);
	memcpy(m->data, data, size);
	m->size = size;
	m->publish_ns = now;
	m->seq = t->seq++;
	t->total++;
}

static int h_publish(const struct sluice_ctx *c, uint32_t out, const void *d, size_t n)
{
	struct fh_stage *s = (struct fh_stage *)c;

	if (out >= FH_MAX_OUT || n > FH_SLOT)
		return -EINVAL;
	if (s->out[out])
		push(s->out[out], d, n, s->clock->now_ns);
	return 0;
}

static int h_loan(const struct sluice_ctx *c, uint32_t out, size_t min_size, void **buf,
                  size_t *cap)
{
	struct fh_stage *s = (struct fh_stage *)c;

	if (out >= FH_MAX_OUT)
		return -EINVAL;
	if (min_size > FH_SLOT)
		return -SLUICE_ETOOBIG;
	/* garbage in the slot, as a reused shared-memory slot would have */
	if (!s->loaned[out])
		memset(s->loan_buf[out], 0xa5, FH_SLOT);
	s->loaned[out] = true;
	*buf = s->loan_buf[out];
	/* every other loan's end is off the builder's 32-byte alignment */
	*cap = s->loans++ % 2 ? FH_SLOT - 24 : FH_SLOT;
	s->cap[out] = *cap;
	return 0;
}

static int h_commit(const struct sluice_ctx *c, uint32_t out, size_t size)
{
	struct fh_stage *s = (struct fh_stage *)c;

	if (out >= FH_MAX_OUT || !s->loaned[out] || size > FH_SLOT)
		return -EINVAL;
	s->loaned[out] = false;
	s->commits++;
	if (size > s->cap[out])
		return -EINVAL;
	/* the message is the loan's last size bytes (plugin.h) */
	if (size && s->out[out])
		push(s->out[out], s->loan_buf[out] + s->cap[out] - size, size, s->clock->now_ns);
	return 0;
}

static int h_commit_at(const struct sluice_ctx *c, uint32_t out, size_t off, size_t len)
{
	struct fh_stage *s = (struct fh_stage *)c;
	uintptr_t base;
	size_t fb_end;

	if (out >= FH_MAX_OUT || !s->loaned[out])
		return -EINVAL;
	s->loaned[out] = false;
	s->commits_at++;
	if (off > s->cap[out] || len > s->cap[out] - off)
		return -EINVAL;
	/* a builder over this loan ends its message at the loan's end trimmed
	 * to SLUICE_FB_MAX_ALIGN (fb_builder.h): built in place means there */
	base = (uintptr_t)s->loan_buf[out];
	fb_end = (size_t)(((base + s->cap[out]) & ~(uintptr_t)(SLUICE_FB_MAX_ALIGN - 1)) - base);
	if (len && off + len != fb_end)
		s->not_in_place++;
	if (len && s->out[out])
		push(s->out[out], s->loan_buf[out] + off, len, s->clock->now_ns);
	return 0;
}

static void h_log(const struct sluice_ctx *c, int level, const char *fmt, va_list ap)
{
	if (level > SLUICE_LOG_WARN && !getenv("FU_TEST_VERBOSE"))
		return;
	fprintf(stderr, "[%s] ", c->stage_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static uint64_t h_now(const struct sluice_ctx *c)
{
	return ((const struct fh_stage *)c)->clock->now_ns;
}

static int h_report(const struct sluice_ctx *c, const char *key, double v)
{
	struct fh_stage *s = (struct fh_stage *)c;

	for (int i = 0; i < s->n_reports; i++)
		if (!strcmp(s->report[i].key, key)) {
			s->report[i].value = v;
			return 0;
		}
	if (s->n_reports == FH_REPORTS || strlen(key) >= sizeof(s->report[0].key))
		return -ENOSPC;
	strcpy(s->report[s->n_reports].key, key);
	s->report[s->n_reports++].value = v;
	return 0;
}

double fh_report(const struct fh_stage *s, const char *key)
{
	for (int i = 0; i < s->n_reports; i++)
		if (!strcmp(s->report[i].key, key))
			return s->report[i].value;
	return NAN;
}

/* The loader of this tree may refuse an input of type "*" (json_sink's),
 * which the pipeline contract allows; then the plugin is called directly:
 * same entry, same descriptor, parameters parsed here. */
static int open_direct(struct fh_stage *s, const char *name, const struct sluice_param_setting *set,
                       size_t n)
{
	char path[512];
	sluice_plugin_entry_fn entry;
	struct sluice_param_value pv[16];
	const struct sluice_plugin_desc *d;
	int rc;

	snprintf(path, sizeof(path), "%s/%s.so", FU_PLUGIN_DIR, name);
	s->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!s->dl)
		return -SLUICE_EPLUGIN_DLOPEN;
	*(void **)&entry = dlsym(s->dl, SLUICE_PLUGIN_ENTRY);
	if (!entry)
		return -SLUICE_EPLUGIN_NOENTRY;
	d = s->desc = entry();
	if (d->magic != SLUICE_PLUGIN_MAGIC || d->fingerprint != SLUICE_PLUGIN_FINGERPRINT ||
	    d->n_params > 16)
		return -SLUICE_EPLUGIN_LAYOUT;
	for (uint32_t i = 0; i < d->n_params; i++) {
		const char *text = d->params[i].default_value;

		for (size_t k = 0; k < n; k++)
			if (!strcmp(set[k].name, d->params[i].name))
				text = set[k].value;
		pv[i].name = d->params[i].name;
		pv[i].type = d->params[i].type;
		switch (d->params[i].type) {
		case SLUICE_PARAM_BOOL:
			pv[i].v.b = !strcmp(text, "true");
			break;
		case SLUICE_PARAM_INT:
			pv[i].v.i = strtoll(text, NULL, 0);
			break;
		case SLUICE_PARAM_DOUBLE:
			pv[i].v.d = strtod(text, NULL);
			break;
		default:
			pv[i].v.s = text;
		}
	}
	s->state = aligned_alloc(64, (d->state_size + 63) / 64 * 64);
	if (!s->state)
		return -ENOMEM;
	memset(s->state, 0, d->state_size);
	if (d->abi_minor >= 1 && d->init2)
		rc = d->init2(s->state, &s->ctx, pv, d->n_params);
	else
		rc = d->init ? d->init(s->state, &s->ctx, pv) : 0;
	if (rc < 0) {
		free(s->state);
		s->state = NULL;
	}
	return rc;
}

int fh_stage_open(struct fh_stage *s, const char *name, struct fh_clock *clock,
                  const struct sluice_param_setting *set, size_t n)
{
	struct sluice_plugin *p = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->clock = clock;
	s->ctx.size = sizeof(s->ctx);
	s->ctx.abi_minor = SLUICE_PLUGIN_ABI_MINOR;
	s->ctx.commit_at = h_commit_at;
	s->ctx.stage_name = s->name;
	s->ctx.publish = h_publish;
	s->ctx.loan = h_loan;
	s->ctx.commit = h_commit;
	s->ctx.log = h_log;
	s->ctx.now_ns = h_now;
	s->ctx.report = h_report;
	rc = sluice_plugin_open(name, &p);
	if (rc == -SLUICE_EPLUGIN_PORT && !strcmp(name, "json_sink")) {
		fprintf(stderr, "note: the loader refuses json_sink (%s); calling it directly\n",
		        sluice_errdetail());
		return open_direct(s, name, set, n);
	}
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", name, sluice_errdetail());
		return rc;
	}
	rc = sluice_stage_create(p, &s->ctx, set, n, &s->stage);
	sluice_plugin_unref(p); /* the stage holds its own reference */
	return rc;
}

void fh_stage_close(struct fh_stage *s)
{
	if (s->stage) {
		sluice_stage_destroy(s->stage);
		s->stage = NULL;
	}
	if (s->state) {
		if (s->desc->fini)
			s->desc->fini(s->state, &s->ctx);
		free(s->state);
		s->state = NULL;
	}
	if (s->dl && !getenv("SLUICE_NO_DLCLOSE"))
		dlclose(s->dl);
	s->dl = NULL;
}

int fh_stage_tick(struct fh_stage *s)
{
	if (s->stage)
		return sluice_stage_tick(s->stage);
	return s->desc->on_tick ? s->desc->on_tick(s->state, &s->ctx) : -ENOTSUP;
}

int fh_stage_deliver(struct fh_stage *s, uint32_t input, const struct fh_msg *m)
{
	struct sluice_stage_msg sm = {m->data, m->size, m->publish_ns, m->seq, input};

	if (s->stage)
		return sluice_stage_on_message(s->stage, &sm);
	if (input >= s->desc->n_inputs)
		return -EINVAL;
	return s->desc->inputs[input].on_message(s->state, &s->ctx, &sm);
}

void fh_topic_init(struct fh_topic *t, const char *name, const char *ident)
{
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->ident = ident;
}

void fh_topic_clear(struct fh_topic *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].data);
	t->n = 0;
}

void fh_topic_free(struct fh_topic *t)
{
	fh_topic_clear(t);
	free(t->v);
	t->v = NULL;
	t->cap = 0;
}

void fh_subscribe(struct fh_topic *t, struct fh_stage *s, uint32_t input)
{
	ck_assert_int_lt(t->n_subs, FH_MAX_SUBS);
	t->sub[t->n_subs] = s;
	t->sub_input[t->n_subs++] = input;
}

int fh_verify(const void *data, size_t size)
{
	if (size < 8)
		return -EBADMSG;
	if (!memcmp(sluice_fb_identifier(data), "SIMU", 4))
		return sluice_msg_Imu_verify(data, size);
	if (!memcmp(sluice_fb_identifier(data), "SGPS", 4))
		return sluice_msg_GpsFix_verify(data, size);
	if (!memcmp(sluice_fb_identifier(data), "SPOS", 4))
		return sluice_msg_Pose_verify(data, size);
	return -EBADMSG;
}

size_t fh_topic_deliver(struct fh_topic *t, uint64_t now_ns)
{
	size_t n = 0;

	while (n < t->n && t->v[n].publish_ns + t->delay_ns <= now_ns)
		n++;
	for (size_t i = 0; i < n; i++) {
		struct fh_msg *m = &t->v[i];

		if (fh_verify(m->data, m->size) != 0 || memcmp(m->data + 4, t->ident, 4) != 0)
			t->bad++;
		for (int k = 0; k < t->n_subs; k++)
			if (fh_stage_deliver(t->sub[k], t->sub_input[k], m) < 0)
				t->sub[k]->errors++;
	}
	/* subscribers publish on other topics, never on the one they read */
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		free(t->v[i].data);
	memmove(t->v, t->v + n, (t->n - n) * sizeof(*t->v));
	t->n -= n;
	return n;
}
