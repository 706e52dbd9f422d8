/* t_plugins.c - three small stages for the runtime's tests, built into
 * three plugins by -DT_SOURCE / -DT_RELAY / -DT_SINK.  Messages are
 * {seq, seq * 3}: a reader can tell a lost, repeated or damaged one. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sluice/plugin.h>

struct count_msg {
	uint64_t seq, triple;
};

#if defined(T_SOURCE)
struct source {
	uint64_t next, limit;
};

static int source_init(void *st, const struct sluice_ctx *ctx, const struct sluice_param_value *p)
{
	struct source *s = st;

	(void)ctx;
	s->limit = (uint64_t)p[0].v.i;
	return 0;
}

static int source_tick(void *st, const struct sluice_ctx *ctx)
{
	struct source *s = st;
	struct count_msg m = {s->next, s->next * 3};

	if (s->limit && s->next >= s->limit)
		return 0;
	s->next++;
	return ctx->publish(ctx, 0, &m, sizeof(m));
}

static const struct sluice_param_decl params[] = {
	{"limit", SLUICE_PARAM_INT, "0", "stop after this many messages (0: never)"},
};
static const struct sluice_output_decl outputs[] = {{"out", "test.Count", "a counter", NULL}};
SLUICE_PLUGIN(.name = "t_source", .version = "1", .summary = "counts at 500 Hz",
	      SLUICE_PARAMS(params), SLUICE_OUTPUTS(outputs), SLUICE_STATE(struct source),
	      .tick_hz = 500, .init = source_init, .on_tick = source_tick);

#elif defined(T_RELAY)
struct relay {
	uint64_t seen;
	const char *die_once;
};

static int relay_init(void *st, const struct sluice_ctx *ctx, const struct sluice_param_value *p)
{
	struct relay *r = st;

	(void)ctx;
	r->die_once = p[0].v.s;
	return 0;
}

static int relay_msg(void *st, const struct sluice_ctx *ctx, const struct sluice_stage_msg *msg)
{
	struct relay *r = st;
	void *buf;
	size_t cap;
	int rc;

	/* Crash once, mid-run, if asked: the marker file says it happened. */
	if (++r->seen == 50 && r->die_once && r->die_once[0] && access(r->die_once, F_OK) != 0) {
		FILE *f = fopen(r->die_once, "w");

		if (f)
			fclose(f);
		raise(SIGKILL);
	}
	/* Forward in place: the message goes at the loan's end (plugin.h). */
	rc = ctx->loan(ctx, 0, msg->size, &buf, &cap);
	if (rc)
		return rc;
	memcpy((char *)buf + cap - msg->size, msg->data, msg->size);
	return ctx->commit(ctx, 0, msg->size);
}

static const struct sluice_param_decl params[] = {
	{"die_once", SLUICE_PARAM_STRING, "", "crash after 50 messages unless this file exists"},
};
static const struct sluice_input_decl inputs[] = {{"in", "test.Count", "counts", relay_msg}};
static const struct sluice_output_decl outputs[] = {{"out", "test.Count", "the same counts", NULL}};
SLUICE_PLUGIN(.name = "t_relay", .version = "1", .summary = "forwards counts in place",
	      SLUICE_PARAMS(params), SLUICE_INPUTS(inputs), SLUICE_OUTPUTS(outputs),
	      SLUICE_STATE(struct relay), .init = relay_init);

#elif defined(T_SINK)
struct sink {
	int64_t expect; /* -1 before the first message */
	double received, gaps, bad;
	int64_t fail_after;
};

static int sink_init(void *st, const struct sluice_ctx *ctx, const struct sluice_param_value *p)
{
	struct sink *s = st;

	(void)ctx;
	s->expect = -1;
	s->fail_after = p[1].v.i;
	return p[0].v.b ? -EINVAL : 0;
}

static int sink_msg(void *st, const struct sluice_ctx *ctx, const struct sluice_stage_msg *msg)
{
	struct sink *s = st;
	struct count_msg m;

	if (msg->size != sizeof(m)) {
		s->bad++;
	} else {
		memcpy(&m, msg->data, sizeof(m));
		if (m.triple != m.seq * 3)
			s->bad++;
		if (s->expect >= 0 && m.seq != (uint64_t)s->expect)
			s->gaps++;
		s->expect = (int64_t)m.seq + 1;
	}
	s->received++;
	if (s->fail_after && s->received >= (double)s->fail_after)
		return -EIO; /* a stage that ends with an error */
	ctx->report(ctx, "received", s->received);
	ctx->report(ctx, "gaps", s->gaps);
	ctx->report(ctx, "bad", s->bad);
	return 0;
}

static const struct sluice_param_decl params[] = {
	{"fail_init", SLUICE_PARAM_BOOL, "false", "init fails"},
	{"fail_after", SLUICE_PARAM_INT, "0", "on_message fails on this message (0: never)"},
};
static const struct sluice_input_decl inputs[] = {{"in", "test.Count", "counts", sink_msg}};
SLUICE_PLUGIN(.name = "t_sink", .version = "1", .summary = "checks counts",
	      SLUICE_PARAMS(params), SLUICE_INPUTS(inputs), SLUICE_STATE(struct sink),
	      .init = sink_init);
#endif
