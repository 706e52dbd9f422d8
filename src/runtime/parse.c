/* parse.c - reads a pipeline file (YAML, via libyaml's document API) into
 * the model, keeping each item's line and column for error messages.
 * Only the shape is checked here; check.c judges plugins and the graph. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/detail.h"
#include "runtime/model.h"

struct doc {
	const char *file;
	yaml_document_t d;
};

static struct pl_pos pos_of(const yaml_node_t *n)
{
	return (struct pl_pos){(int)n->start_mark.line + 1, (int)n->start_mark.column + 1};
}

static int fail_at(const struct doc *doc, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(const struct doc *doc, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[300];
	va_list ap;
	struct pl_pos p = pos_of(n);

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sluice__fail(-SLUICE_EPIPELINE, "%s:%d:%d: %s", doc->file, p.line, p.col, msg);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int want_mapping(const struct doc *doc, const yaml_node_t *n, const char *what)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail_at(doc, n, "%s must be a mapping (key: value)", what);
	return 0;
}

static int want_scalar(const struct doc *doc, const yaml_node_t *n, const char *what,
		       const char **out)
{
	*out = scalar(n);
	if (!*out || !**out)
		return fail_at(doc, n, "%s must be a non-empty value", what);
	return 0;
}

/* A whole decimal number in [1, max]. */
static int want_count(const struct doc *doc, const yaml_node_t *n, const char *what,
		      uint64_t max, uint32_t *out)
{
	const char *s;
	char *end;
	int rc = want_scalar(doc, n, what, &s);

	if (rc)
		return rc;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || s[0] == '-' || v == 0 || v > max)
		return fail_at(doc, n, "%s must be a whole number from 1 to %llu, not \"%s\"", what,
			       (unsigned long long)max, s);
	*out = (uint32_t)v;
	return 0;
}

#define FOR_PAIRS(doc, map, pair)                                                                  \
	for (yaml_node_pair_t *pair = (map)->data.mapping.pairs.start;                             \
	     pair < (map)->data.mapping.pairs.top; pair++)

static yaml_node_t *node(struct doc *doc, int id)
{
	return yaml_document_get_node(&doc->d, id);
}

static int name_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int parse_topic(struct doc *doc, struct sluice_pipeline *pl, yaml_node_t *k, yaml_node_t *v)
{
	struct pl_topic *t;
	const char *name;
	int rc;

	if ((rc = want_scalar(doc, k, "a topic name", &name)) != 0)
		return rc;
	if (!name_ok(name))
		return fail_at(doc, k, "topic name \"%s\": use letters, digits, '_' and '-'", name);
	for (int i = 0; i < pl->ntopics; i++)
		if (!strcmp(pl->topics[i].name, name))
			return fail_at(doc, k, "topic \"%s\" is defined twice", name);
	if (pl->ntopics == PL_MAX_TOPICS)
		return fail_at(doc, k, "more than %d topics", PL_MAX_TOPICS);
	if ((rc = want_mapping(doc, v, "a topic")) != 0)
		return rc;
	t = &pl->topics[pl->ntopics++];
	t->name = strdup(name);
	t->pos = pos_of(k);
	t->slots = 64;
	t->slot_size = 4096;
	t->delivery = SLUICE_LOSSLESS;
	t->producer = -1;
	FOR_PAIRS(doc, v, p)
	{
		yaml_node_t *pk = node(doc, p->key), *pv = node(doc, p->value);
		const char *key = scalar(pk), *s;

		if (!key)
			return fail_at(doc, pk, "keys must be plain words");
		if (!strcmp(key, "type")) {
			if ((rc = want_scalar(doc, pv, "type", &s)) != 0)
				return rc;
			free(t->type);
			t->type = strdup(s);
		} else if (!strcmp(key, "slots")) {
			if ((rc = want_count(doc, pv, "slots", 1u << 24, &t->slots)) != 0)
				return rc;
			if (t->slots & (t->slots - 1))
				return fail_at(doc, pv, "slots must be a power of two, not %u",
					       t->slots);
		} else if (!strcmp(key, "slot_size")) {
			if ((rc = want_count(doc, pv, "slot_size", 1u << 30, &t->slot_size)) != 0)
				return rc;
		} else if (!strcmp(key, "delivery")) {
			if ((rc = want_scalar(doc, pv, "delivery", &s)) != 0)
				return rc;
			if (!strcmp(s, "lossless"))
				t->delivery = SLUICE_LOSSLESS;
			else if (!strcmp(s, "lossy"))
				t->delivery = SLUICE_LOSSY;
			else
				return fail_at(doc, pv, "delivery must be lossless or lossy, not \"%s\"",
					       s);
		} else {
			return fail_at(doc, pk, "unknown topic key \"%s\" (type, slots, slot_size, "
						"delivery)",
				       key);
		}
	}
	if (!t->type)
		return fail_at(doc, k, "topic \"%s\" has no type", name);
	return 0;
}

static int parse_ports(struct doc *doc, yaml_node_t *map, struct pl_port *ports, int *n,
		       const char *what)
{
	int rc;

	if ((rc = want_mapping(doc, map, what)) != 0)
		return rc;
	FOR_PAIRS(doc, map, p)
	{
		yaml_node_t *pk = node(doc, p->key), *pv = node(doc, p->value);
		const char *port, *topic;

		if ((rc = want_scalar(doc, pk, "a port name", &port)) != 0 ||
		    (rc = want_scalar(doc, pv, "a topic name", &topic)) != 0)
			return rc;
		if (*n == PL_MAX_PORTS)
			return fail_at(doc, pk, "more than %d %s", PL_MAX_PORTS, what);
		ports[*n] = (struct pl_port){.port = strdup(port), .topic = strdup(topic),
					     .pos = pos_of(pv), .index = -1, .topic_index = -1};
		(*n)++;
	}
	return 0;
}

/* A CPU list: "3", "0-3", "0,2,4-5". */
static int parse_cpus(const struct doc *doc, const yaml_node_t *n, struct pl_stage *st)
{
	const char *s;
	int rc = want_scalar(doc, n, "cpu", &s);

	if (rc)
		return rc;
	memset(st->cpus, 0, sizeof(st->cpus));
	for (const char *p = s; *p;) {
		char *end;
		unsigned long lo, hi;

		if (*p < '0' || *p > '9')
			goto bad;
		lo = strtoul(p, &end, 10);
		hi = lo;
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9')
				goto bad;
			hi = strtoul(p, &end, 10);
		}
		if (lo > hi || hi >= PL_MAX_CPUS)
			goto bad;
		for (unsigned long c = lo; c <= hi; c++)
			st->cpus[c / 64] |= 1ull << (c % 64);
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			goto bad;
	}
	st->has_cpus = 1;
	st->cpu_pos = pos_of(n);
	return 0;
bad:
	return fail_at(doc, n, "cpu must be a CPU list like 2 or 0-3,6 (CPUs below %d), not \"%s\"",
		       PL_MAX_CPUS, s);
}

/* sched: { policy: fifo|rr|other, priority: N } */
static int parse_sched(struct doc *doc, yaml_node_t *n, struct pl_stage *st)
{
	int rc, have_prio = 0;
	uint32_t prio = 0;

	if ((rc = want_mapping(doc, n, "sched")) != 0)
		return rc;
	st->has_sched = 1;
	st->sched_policy = SCHED_OTHER;
	st->sched_pos = pos_of(n);
	FOR_PAIRS(doc, n, p)
	{
		yaml_node_t *pk = node(doc, p->key), *pv = node(doc, p->value);
		const char *key = scalar(pk), *s;

		if (!key)
			return fail_at(doc, pk, "keys must be plain words");
		if (!strcmp(key, "policy")) {
			if ((rc = want_scalar(doc, pv, "policy", &s)) != 0)
				return rc;
			if (!strcmp(s, "fifo"))
				st->sched_policy = SCHED_FIFO;
			else if (!strcmp(s, "rr"))
				st->sched_policy = SCHED_RR;
			else if (!strcmp(s, "other"))
				st->sched_policy = SCHED_OTHER;
			else
				return fail_at(doc, pv, "policy must be fifo, rr or other, not \"%s\"",
					       s);
		} else if (!strcmp(key, "priority")) {
			if ((rc = want_count(doc, pv, "priority", 99, &prio)) != 0)
				return rc;
			have_prio = 1;
			st->sched_pos = pos_of(pv);
		} else {
			return fail_at(doc, pk, "unknown sched key \"%s\" (policy, priority)", key);
		}
	}
	if (st->sched_policy == SCHED_OTHER && have_prio)
		return fail_at(doc, n, "sched: policy other takes no priority (fifo or rr do)");
	if (st->sched_policy != SCHED_OTHER && !have_prio)
		return fail_at(doc, n, "sched: a real-time policy needs a priority (1 to 99)");
	st->sched_priority = (int)prio;
	return 0;
}

static int parse_bool(const struct doc *doc, const yaml_node_t *n, const char *what, int *out)
{
	const char *s;
	int rc = want_scalar(doc, n, what, &s);

	if (rc)
		return rc;
	if (!strcmp(s, "true") || !strcmp(s, "yes"))
		*out = 1;
	else if (!strcmp(s, "false") || !strcmp(s, "no"))
		*out = 0;
	else
		return fail_at(doc, n, "%s must be true or false, not \"%s\"", what, s);
	return 0;
}

/* The keys of a python: stage: 0 when key is neither, else 1 with *rc the
 * result. The file is taken relative to the pipeline file's folder. */
static int parse_python_key(struct doc *doc, struct pl_stage *st, const char *key,
			    yaml_node_t *pv, int *rc)
{
	const char *s, *slash;
	char *end;
	double hz;

	if (strcmp(key, "python") != 0 && strcmp(key, "tick_hz") != 0)
		return 0;
	if ((*rc = want_scalar(doc, pv, key, &s)) != 0)
		return 1;
	if (key[0] == 'p') {
		slash = strrchr(doc->file, '/');
		free(st->python_file);
		if (s[0] == '/' || !slash) {
			st->python_file = strdup(s);
		} else if ((st->python_file = malloc((size_t)(slash - doc->file) + strlen(s) + 2)))
			sprintf(st->python_file, "%.*s/%s", (int)(slash - doc->file), doc->file, s);
		if (!st->python_file)
			*rc = sluice__fail(-ENOMEM, "%s: out of memory", doc->file);
		st->python_pos = pos_of(pv);
		return 1;
	}
	errno = 0;
	hz = strtod(s, &end);
	if (errno || *end || !(hz > 0) || hz > 1e6)
		*rc = fail_at(doc, pv, "tick_hz must be a rate in Hz above 0 and at most 1000000, "
				       "not \"%s\"",
			      s);
	st->tick_hz = hz;
	st->tick_pos = pos_of(pv);
	return 1;
}

/* After a stage's keys: python: is sugar for the python_stage plugin. */
static int python_finish(const struct doc *doc, struct pl_stage *st)
{
	struct pl_pos p = st->python_file ? st->python_pos : st->tick_pos;

	if (st->python_file && st->plugin_name)
		return sluice__fail(-SLUICE_EPIPELINE,
				    "%s:%d:%d: stage %s has both plugin: and python: (give one)",
				    doc->file, p.line, p.col, st->name);
	if (st->tick_hz > 0 && !st->python_file)
		return sluice__fail(-SLUICE_EPIPELINE,
				    "%s:%d:%d: tick_hz is a key of python: stages (a plugin "
				    "declares its own rate)",
				    doc->file, p.line, p.col);
	if (st->python_file && !(st->plugin_name = strdup("python_stage")))
		return sluice__fail(-ENOMEM, "%s: out of memory", doc->file);
	return 0;
}

static int parse_stage(struct doc *doc, struct sluice_pipeline *pl, yaml_node_t *k, yaml_node_t *v)
{
	struct pl_stage *st;
	const char *name, *s;
	int rc;

	if ((rc = want_scalar(doc, k, "a stage name", &name)) != 0)
		return rc;
	if (!name_ok(name))
		return fail_at(doc, k, "stage name \"%s\": use letters, digits, '_' and '-'", name);
	for (int i = 0; i < pl->nstages; i++)
		if (!strcmp(pl->stages[i].name, name))
			return fail_at(doc, k, "stage \"%s\" is defined twice", name);
	if (pl->nstages == PL_MAX_STAGES)
		return fail_at(doc, k, "more than %d stages", PL_MAX_STAGES);
	if ((rc = want_mapping(doc, v, "a stage")) != 0)
		return rc;
	st = &pl->stages[pl->nstages++];
	st->name = strdup(name);
	st->pos = pos_of(k);
	FOR_PAIRS(doc, v, p)
	{
		yaml_node_t *pk = node(doc, p->key), *pv = node(doc, p->value);
		const char *key = scalar(pk);

		if (!key)
			return fail_at(doc, pk, "keys must be plain words");
		if (!strcmp(key, "plugin")) {
			if ((rc = want_scalar(doc, pv, "plugin", &s)) != 0)
				return rc;
			free(st->plugin_name);
			st->plugin_name = strdup(s);
		} else if (!strcmp(key, "params")) {
			if ((rc = want_mapping(doc, pv, "params")) != 0)
				return rc;
			FOR_PAIRS(doc, pv, q)
			{
				yaml_node_t *qk = node(doc, q->key), *qv = node(doc, q->value);
				const char *pname, *pval;

				if ((rc = want_scalar(doc, qk, "a parameter name", &pname)) != 0)
					return rc;
				pval = scalar(qv);
				if (!pval)
					return fail_at(doc, qv, "parameter \"%s\" must be a single value",
						       pname);
				if (st->nparams == PL_MAX_PARAMS)
					return fail_at(doc, qk, "more than %d parameters", PL_MAX_PARAMS);
				st->params[st->nparams].name = strdup(pname);
				st->params[st->nparams].value = strdup(pval);
				st->param_pos[st->nparams++] = pos_of(qk);
			}
		} else if (!strcmp(key, "inputs")) {
			if ((rc = parse_ports(doc, pv, st->inputs, &st->ninputs, "inputs")) != 0)
				return rc;
		} else if (!strcmp(key, "outputs")) {
			if ((rc = parse_ports(doc, pv, st->outputs, &st->noutputs, "outputs")) != 0)
				return rc;
		} else if (!strcmp(key, "restart")) {
			if ((rc = want_scalar(doc, pv, "restart", &s)) != 0)
				return rc;
			if (!strcmp(s, "never"))
				st->restart = SLUICE_RESTART_NEVER;
			else if (!strcmp(s, "on-failure"))
				st->restart = SLUICE_RESTART_ON_FAILURE;
			else if (!strcmp(s, "always"))
				st->restart = SLUICE_RESTART_ALWAYS;
			else
				return fail_at(doc, pv,
					       "restart must be never, on-failure or always, not \"%s\"",
					       s);
		} else if (!strcmp(key, "cpu")) {
			if ((rc = parse_cpus(doc, pv, st)) != 0)
				return rc;
		} else if (!strcmp(key, "sched")) {
			if ((rc = parse_sched(doc, pv, st)) != 0)
				return rc;
		} else if (!strcmp(key, "lock_memory")) {
			if ((rc = parse_bool(doc, pv, "lock_memory", &st->lock_memory)) != 0)
				return rc;
			st->lock_pos = pos_of(pv);
		} else if (!strcmp(key, "spin_us")) {
			const char *sv = scalar(pv);

			/* 0 is allowed: sleep at once */
			if (sv && !strcmp(sv, "0")) {
				st->spin_us = 0;
			} else if ((rc = want_count(doc, pv, "spin_us", 1000000, &st->spin_us)) != 0) {
				return rc;
			}
			st->has_spin = 1;
		} else if (parse_python_key(doc, st, key, pv, &rc)) {
			if (rc)
				return rc;
		} else {
			return fail_at(doc, pk,
				       "unknown stage key \"%s\" (plugin, params, inputs, outputs, "
				       "restart, cpu, sched, lock_memory, spin_us, python, tick_hz)",
				       key);
		}
	}
	if ((rc = python_finish(doc, st)) != 0)
		return rc;
	if (!st->plugin_name)
		return fail_at(doc, k, "stage \"%s\" names no plugin (plugin: or python:)", name);
	return 0;
}

/* topics: [a, b]: names of the file's topics, each once. */
static int parse_topic_list(struct doc *doc, yaml_node_t *n, const char *what, char **names,
			    struct pl_pos *pos, int *count)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return fail_at(doc, n, "%s topics must be a list like [imu, gps]", what);
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *e = node(doc, *it);
		const char *s;
		int rc;

		if ((rc = want_scalar(doc, e, "a topic name", &s)) != 0)
			return rc;
		for (int i = 0; i < *count; i++)
			if (!strcmp(names[i], s))
				return fail_at(doc, e, "%s: topic \"%s\" is named twice", what, s);
		if (*count == PL_MAX_TOPICS)
			return fail_at(doc, e, "more than %d topics", PL_MAX_TOPICS);
		names[*count] = strdup(s);
		pos[(*count)++] = pos_of(e);
	}
	return 0;
}

/* record: { file: run.mcap, topics: [pose, gps], compression: zstd, chunk_size: N } */
static int parse_record(struct doc *doc, struct sluice_pipeline *pl, yaml_node_t *n)
{
	struct pl_record *r = &pl->record;
	int rc;

	if ((rc = want_mapping(doc, n, "record")) != 0)
		return rc;
	if (r->on)
		return fail_at(doc, n, "record is given twice");
	r->on = 1;
	r->pos = pos_of(n);
	FOR_PAIRS(doc, n, p)
	{
		yaml_node_t *pk = node(doc, p->key), *pv = node(doc, p->value);
		const char *key = scalar(pk), *s;

		if (!key)
			return fail_at(doc, pk, "keys must be plain words");
		if (!strcmp(key, "file")) {
			if ((rc = want_scalar(doc, pv, "file", &s)) != 0)
				return rc;
			free(r->file);
			r->file = strdup(s);
		} else if (!strcmp(key, "topics")) {
			if ((rc = parse_topic_list(doc, pv, "record", r->topics, r->topic_pos,
						   &r->ntopics)) != 0)
				return rc;
		} else if (!strcmp(key, "compression")) {
			if ((rc = want_scalar(doc, pv, "compression", &s)) != 0)
				return rc;
			if (strcmp(s, "none") && strcmp(s, "zstd") && strcmp(s, "lz4"))
				return fail_at(doc, pv,
					       "compression must be none, zstd or lz4, not \"%s\"", s);
			free(r->compression);
			r->compression = strdup(s);
		} else if (!strcmp(key, "chunk_size")) {
			if ((rc = want_count(doc, pv, "chunk_size", 1u << 30, &r->chunk_size)) != 0)
				return rc;
		} else {
			return fail_at(doc, pk,
				       "unknown record key \"%s\" (file, topics, compression, "
				       "chunk_size)",
				       key);
		}
	}
	if (!r->file)
		return fail_at(doc, n, "record names no file");
	return 0;
}

/* play: { file: run.mcap, topics: [imu, gps], rate: 1, loop: false } */
static int parse_play(struct doc *doc, struct sluice_pipeline *pl, yaml_node_t *n)
{
	struct pl_play *pp = &pl->play;
	int rc;

	if ((rc = want_mapping(doc, n, "play")) != 0)
		return rc;
	if (pp->on)
		return fail_at(doc, n, "play is given twice");
	pp->on = 1;
	pp->rate = 1;
	pp->pos = pos_of(n);
	FOR_PAIRS(doc, n, p)
	{
		yaml_node_t *pk = node(doc, p->key), *pv = node(doc, p->value);
		const char *key = scalar(pk), *s;

		if (!key)
			return fail_at(doc, pk, "keys must be plain words");
		if (!strcmp(key, "file")) {
			if ((rc = want_scalar(doc, pv, "file", &s)) != 0)
				return rc;
			free(pp->file);
			pp->file = strdup(s);
			pp->file_pos = pos_of(pv);
		} else if (!strcmp(key, "topics")) {
			if ((rc = parse_topic_list(doc, pv, "play", pp->topics, pp->topic_pos,
						   &pp->ntopics)) != 0)
				return rc;
		} else if (!strcmp(key, "rate")) {
			char *end;

			if ((rc = want_scalar(doc, pv, "rate", &s)) != 0)
				return rc;
			errno = 0;
			pp->rate = strtod(s, &end);
			if (errno || *end || !(pp->rate >= 0 && pp->rate <= 1e6))
				return fail_at(doc, pv,
					       "rate must be a number from 0 (as fast as readers "
					       "take) to 1000000, not \"%s\"",
					       s);
		} else if (!strcmp(key, "loop")) {
			if ((rc = parse_bool(doc, pv, "loop", &pp->loop)) != 0)
				return rc;
		} else {
			return fail_at(doc, pk, "unknown play key \"%s\" (file, topics, rate, loop)",
				       key);
		}
	}
	if (!pp->file)
		return fail_at(doc, n, "play names no file");
	if (!pp->ntopics)
		return fail_at(doc, n, "play names no topics (topics: [imu, gps])");
	return 0;
}

/* bridge: { out: [topic...], in: [topic...], domain: N, config: FILE };
 * the topics are checked against the pipeline's once all are read. */
static int parse_bridge(struct doc *doc, struct sluice_pipeline *pl, yaml_node_t *k, yaml_node_t *v)
{
	struct pl_bridge *b = &pl->bridge;
	const char *s;
	int rc;

	if ((rc = want_mapping(doc, v, "bridge")) != 0)
		return rc;
	b->present = 1;
	b->pos = pos_of(k);
	FOR_PAIRS(doc, v, p)
	{
		yaml_node_t *pk = node(doc, p->key), *pv = node(doc, p->value);
		const char *key = scalar(pk);

		if (!key)
			return fail_at(doc, pk, "keys must be plain words");
		if (!strcmp(key, "out") || !strcmp(key, "in")) {
			if (pv->type != YAML_SEQUENCE_NODE)
				return fail_at(doc, pv, "bridge %s must be a list of topics", key);
			for (yaml_node_item_t *it = pv->data.sequence.items.start;
			     it < pv->data.sequence.items.top; it++) {
				yaml_node_t *tn = node(doc, *it);

				if ((rc = want_scalar(doc, tn, "a topic name", &s)) != 0)
					return rc;
				if (b->n == PL_MAX_TOPICS)
					return fail_at(doc, tn, "more than %d bridged topics",
						       PL_MAX_TOPICS);
				b->topic[b->n] = strdup(s);
				b->dir[b->n] = key[0] == 'o' ? PL_BRIDGE_OUT : PL_BRIDGE_IN;
				b->tpos[b->n++] = pos_of(tn);
			}
		} else if (!strcmp(key, "domain")) {
			char *end;

			if ((rc = want_scalar(doc, pv, "bridge domain", &s)) != 0)
				return rc;
			errno = 0;
			unsigned long d = strtoul(s, &end, 10);
			if (errno || *end || s[0] < '0' || s[0] > '9' || d > 232)
				return fail_at(doc, pv, "bridge domain must be a whole number from 0 "
							"to 232, not \"%s\"", s);
			b->domain = (uint32_t)d;
		} else if (!strcmp(key, "config")) {
			if ((rc = want_scalar(doc, pv, "bridge config", &s)) != 0)
				return rc;
			free(b->config);
			b->config = strdup(s);
		} else {
			return fail_at(doc, pk, "unknown key \"%s\" in bridge (out, in, domain, "
						"config)", key);
		}
	}
	return 0;
}

static int parse_root(struct doc *doc, struct sluice_pipeline *pl, yaml_node_t *root)
{
	int rc;

	if (!root)
		return sluice__fail(-SLUICE_EPIPELINE, "%s:1:1: the file is empty", doc->file);
	if ((rc = want_mapping(doc, root, "a pipeline file")) != 0)
		return rc;
	FOR_PAIRS(doc, root, p)
	{
		yaml_node_t *k = node(doc, p->key), *v = node(doc, p->value);
		const char *key = scalar(k), *s;

		if (!key)
			return fail_at(doc, k, "keys must be plain words");
		if (!strcmp(key, "name")) {
			if ((rc = want_scalar(doc, v, "name", &s)) != 0)
				return rc;
			if (!name_ok(s))
				return fail_at(doc, v, "name \"%s\": use letters, digits, '_' and '-'",
					       s);
			free(pl->name);
			pl->name = strdup(s);
		} else if (!strcmp(key, "topics") || !strcmp(key, "stages")) {
			int topics = key[0] == 't';

			if ((rc = want_mapping(doc, v, key)) != 0)
				return rc;
			FOR_PAIRS(doc, v, q)
			{
				yaml_node_t *qk = node(doc, q->key), *qv = node(doc, q->value);

				rc = topics ? parse_topic(doc, pl, qk, qv) : parse_stage(doc, pl, qk, qv);
				if (rc)
					return rc;
			}
		} else if (!strcmp(key, "record") || !strcmp(key, "play")) {
			rc = key[0] == 'r' ? parse_record(doc, pl, v) : parse_play(doc, pl, v);
			if (rc)
				return rc;
		} else if (!strcmp(key, "bridge")) {
			if ((rc = parse_bridge(doc, pl, k, v)) != 0)
				return rc;
		} else {
			return fail_at(doc, k,
				       "unknown key \"%s\" (name, topics, stages, bridge, record, play)",
				       key);
		}
	}
	if (pl->nstages == 0)
		return fail_at(doc, root, "no stages");
	return 0;
}

static int yaml_fail(const char *file, const yaml_parser_t *parser)
{
	return sluice__fail(-SLUICE_EPIPELINE, "%s:%zu:%zu: YAML: %s", file,
			    parser->problem_mark.line + 1, parser->problem_mark.column + 1,
			    parser->problem ? parser->problem : "unreadable");
}

static int limit_at(const char *file, yaml_mark_t m, const char *what, int limit)
{
	return sluice__fail(-SLUICE_EPIPELINE,
			    "%s:%zu:%zu: more than %d %s (the limit for a pipeline file)", file,
			    m.line + 1, m.column + 1, limit, what);
}

static int count_anchor(const char *file, const yaml_event_t *ev, const yaml_char_t *anchor,
			int *anchors)
{
	if (anchor && ++*anchors > PL_MAX_ANCHORS)
		return limit_at(file, ev->start_mark, "anchors", PL_MAX_ANCHORS);
	return 0;
}

/* A first pass over the events of the first document, refusing nesting
 * deeper than PL_MAX_DEPTH and more than PL_MAX_ANCHORS anchors before
 * libyaml's loader sees them.  The scanner keeps a simple-key slot per
 * open flow collection and walks them all for every token, so depth has
 * to be bounded for the whole parse to be linear; the loader checks each
 * new anchor against all earlier ones. */
static int check_shape(const char *file, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, anchors = 0, rc = 0, done = 0;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!rc && !done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = yaml_fail(file, &parser);
			break;
		}
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
			rc = count_anchor(file, &ev, ev.data.sequence_start.anchor, &anchors);
			if (!rc && ++depth > PL_MAX_DEPTH)
				rc = limit_at(file, ev.start_mark, "levels of nesting", PL_MAX_DEPTH);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = count_anchor(file, &ev, ev.data.mapping_start.anchor, &anchors);
			if (!rc && ++depth > PL_MAX_DEPTH)
				rc = limit_at(file, ev.start_mark, "levels of nesting", PL_MAX_DEPTH);
			break;
		case YAML_SCALAR_EVENT:
			rc = count_anchor(file, &ev, ev.data.scalar.anchor, &anchors);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_DOCUMENT_END_EVENT:
		case YAML_STREAM_END_EVENT:
			done = 1; /* the loader reads the first document only */
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}

int sluice__pipeline_parse_text(const char *file, const char *text, size_t len,
				struct sluice_pipeline *pl)
{
	struct doc doc = {.file = file};
	yaml_parser_t parser;
	int rc;

	if (len > PL_MAX_FILE_BYTES) {
		/* Name the place where the limit is crossed. */
		size_t line = 1, col = 1;

		for (size_t i = 0; i < PL_MAX_FILE_BYTES; i++) {
			col++;
			if (text[i] == '\n') {
				line++;
				col = 1;
			}
		}
		return sluice__fail(-SLUICE_EPIPELINE,
				    "%s:%zu:%zu: the file is longer than %u bytes (the limit for a "
				    "pipeline file)",
				    file, line, col, PL_MAX_FILE_BYTES);
	}
	if ((rc = check_shape(file, text, len)) != 0)
		return rc;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc.d)) {
		rc = yaml_fail(file, &parser);
		yaml_parser_delete(&parser);
		return rc;
	}
	rc = parse_root(&doc, pl, yaml_document_get_root_node(&doc.d));
	yaml_document_delete(&doc.d);
	yaml_parser_delete(&parser);
	return rc;
}

int sluice__pipeline_parse(const char *file, struct sluice_pipeline *pl)
{
	FILE *f = fopen(file, "rb");
	char *text;
	size_t len;
	int rc;

	if (!f)
		return sluice__fail(-errno, "%s: cannot open: %s", file, strerror(errno));
	/* One byte past the limit is enough to know it is crossed; a pipe
	 * (a shell's <(...)) reads the same way as a file. */
	text = malloc(PL_MAX_FILE_BYTES + 1);
	if (!text) {
		fclose(f);
		return sluice__fail(-ENOMEM, "%s: out of memory", file);
	}
	errno = 0;
	len = fread(text, 1, PL_MAX_FILE_BYTES + 1, f);
	if (ferror(f)) {
		int e = errno ? errno : EIO;

		rc = sluice__fail(-e, "%s: cannot read: %s", file, strerror(e));
	} else {
		rc = sluice__pipeline_parse_text(file, text, len, pl);
	}
	free(text);
	fclose(f);
	return rc;
}
