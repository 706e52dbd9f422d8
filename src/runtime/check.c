/* check.c - judges a parsed pipeline before anything starts: every plugin
 * loads and validates, parameters exist and parse as their declared types,
 * ports exist, topics exist and carry the port's message type, every topic
 * has exactly one producer and every input a producer, and every topic's
 * slot_size holds the smallest valid message of its type where the producer
 * declares the type's binary schema; and the process may use the CPUs,
 * real-time policy and locked memory each stage asks for.  Errors name the
 * file, line and column of the offending item. */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "common/detail.h"
#include "fb/reflect.h"
#include "runtime/model.h"
#include "record/tap.h"

/* An error at a place in the pipeline file: "file:line:col: what". Shared
 * by the checks here, the record/play checks and the Python stages. */
int sluice__pl_fail_at(const struct sluice_pipeline *pl, struct pl_pos p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sluice__fail(-SLUICE_EPIPELINE, "%s:%d:%d: %s", pl->file, p.line, p.col, msg);
}

/* The index of the topic named name in pl->topics, or -1. */
int sluice__pl_find_topic(const struct sluice_pipeline *pl, const char *name)
{
	for (int i = 0; i < pl->ntopics; i++)
		if (!strcmp(pl->topics[i].name, name))
			return i;
	return -1;
}


/* The loader's parameter check, with the message pointing at the file. */
static int check_params(const struct sluice_pipeline *pl, const struct pl_stage *st)
{
	const struct sluice_plugin_desc *d = sluice_plugin_descriptor(st->plugin);
	struct sluice_param_fault at;
	int rc = sluice_params_check_at(d, st->params, (size_t)st->nparams, &at);

	if (rc == 0 || rc == -ENOMEM)
		return rc;
	if (rc == -SLUICE_EPARAM_UNKNOWN)
		return sluice__pl_fail_at(pl, st->param_pos[at.setting], "plugin %s has no parameter \"%s\"",
			       d->name, st->params[at.setting].name);
	if (rc == -SLUICE_EPARAM_VALUE) {
		const struct sluice_param_decl *decl = &d->params[at.decl];

		return sluice__pl_fail_at(pl, st->param_pos[at.setting],
			       "parameter \"%s\" of %s is a %s; \"%s\" is not one", decl->name,
			       d->name, sluice_param_type_name(decl->type),
			       st->params[at.setting].value);
	}
	const struct sluice_param_decl *req = &d->params[at.decl];

	return sluice__pl_fail_at(pl, st->pos, "stage %s must set parameter \"%s\" (%s)", st->name,
		       req->name, req->help ? req->help : "");
}

/* Binds each port of the stage to the plugin's port and the pipeline's topic. */
static int check_ports(struct sluice_pipeline *pl, int si, int outputs)
{
	struct pl_stage *st = &pl->stages[si];
	const struct sluice_plugin_desc *d = sluice_plugin_descriptor(st->plugin);
	struct pl_port *ports = outputs ? st->outputs : st->inputs;
	int n = outputs ? st->noutputs : st->ninputs;
	uint32_t nd = outputs ? d->n_outputs : d->n_inputs;

	for (int i = 0; i < n; i++) {
		struct pl_port *p = &ports[i];
		const char *type = NULL;

		for (uint32_t k = 0; k < nd; k++) {
			const char *pname = outputs ? d->outputs[k].name : d->inputs[k].name;

			if (!strcmp(pname, p->port)) {
				p->index = (int)k;
				type = outputs ? d->outputs[k].msg_type : d->inputs[k].msg_type;
			}
		}
		if (p->index < 0)
			return sluice__pl_fail_at(pl, p->pos, "plugin %s has no %s port \"%s\"", d->name,
				       outputs ? "output" : "input", p->port);
		for (int j = 0; j < i; j++)
			if (ports[j].index == p->index)
				return sluice__pl_fail_at(pl, p->pos, "port \"%s\" of stage %s is connected twice",
					       p->port, st->name);
		p->topic_index = sluice__pl_find_topic(pl, p->topic);
		if (p->topic_index < 0)
			return sluice__pl_fail_at(pl, p->pos, "unknown topic \"%s\"", p->topic);
		struct pl_topic *t = &pl->topics[p->topic_index];

		if (strcmp(type, "*") != 0 && strcmp(type, t->type) != 0)
			return sluice__pl_fail_at(pl, p->pos,
				       "port %s.%s carries %s but topic \"%s\" carries %s", st->name,
				       p->port, type, t->name, t->type);
		if (outputs) {
			if (t->producer == PL_PRODUCER_PLAY)
				return sluice__pl_fail_at(pl, p->pos,
					       "topic \"%s\" has two producers: play and stage %s",
					       t->name, st->name);
			if (t->producer >= 0)
				return sluice__pl_fail_at(pl, p->pos,
					       "topic \"%s\" has two producers: stages %s and %s",
					       t->name, pl->stages[t->producer].name, st->name);
			t->producer = si;
		}
	}
	/* Every declared input must be fed: on_message expects it. */
	if (!outputs)
		for (uint32_t k = 0; k < nd; k++) {
			int bound = 0;

			for (int i = 0; i < n; i++)
				bound |= ports[i].index == (int)k;
			if (!bound)
				return sluice__pl_fail_at(pl, st->pos, "input \"%s\" of stage %s is not connected",
					       d->inputs[k].name, st->name);
		}
	return 0;
}

/* Required tables nest no deeper than this in the size bound below (a
 * required cycle cannot be built at all; the bound stays a lower bound). */
#define MIN_DEPTH 32

/* The fewest bytes table ob's required fields take in a message: the
 * table's offset to its vtable, the required fields inline and what they
 * point to at their smallest (an empty string, vector or table).  Optional
 * fields may be left out, and vtables may be shared, so none is counted
 * here: this is a lower bound that holds for every writer. */
static uint64_t table_min(const struct rf_schema *s, const uint8_t *ob, int depth)
{
	const uint8_t *fields = sluice_fb_field_ref(ob, OB_FIELDS);
	uint32_t n = sluice_fb_len(fields);
	uint64_t size = 4;

	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *f = sluice_fb_vec_ref(fields, i);
		const uint8_t *type = sluice_fb_field_ref(f, FD_TYPE);
		const uint8_t *sub;
		int b = rf_type_base(type);

		if (!rf_int(f, FD_REQUIRED, 1, 0) || rf_int(f, FD_DEPRECATED, 1, 0))
			continue;
		switch (b) {
		case RF_STRING:
			size += 4 + 4 + 1; /* offset, length, the terminating NUL */
			break;
		case RF_VECTOR:
			size += 4 + 4;
			break;
		case RF_UNION:
			size += 4 + 4; /* offset to the smallest table */
			break;
		case RF_OBJ:
			sub = rf_obj_at(s, rf_type_index(type));
			if (sub && rf_int(sub, OB_IS_STRUCT, 1, 0))
				size += (uint64_t)rf_int(sub, OB_BYTESIZE, 4, 0);
			else
				size += 4 + (sub && depth < MIN_DEPTH ? table_min(s, sub, depth + 1) : 4);
			break;
		default:
			size += rf_inline_size(s, type);
			break;
		}
	}
	return size;
}

/* The smallest valid message whose root is table ob: the root offset, the
 * root's vtable up to its highest required field, and table_min(). */
static uint64_t message_min(const struct rf_schema *s, const uint8_t *ob)
{
	const uint8_t *fields = sluice_fb_field_ref(ob, OB_FIELDS);
	uint32_t n = sluice_fb_len(fields);
	int64_t top = -1;

	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *f = sluice_fb_vec_ref(fields, i);
		int64_t id = rf_int(f, FD_ID, 2, 0);

		if (rf_int(f, FD_REQUIRED, 1, 0) && id > top)
			top = id;
	}
	return 4 + 4 + 2 * (uint64_t)(top + 1) + table_min(s, ob, 0);
}

/* What can be known before a run about a topic's slot_size: the producer's
 * schema bounds its messages from below.  What a plugin loans or writes
 * beyond that (optional fields, strings, vectors) its descriptor does not
 * say, so only the run can find out. */
static int check_slot_size(const struct sluice_pipeline *pl, const struct pl_stage *st,
			   const struct pl_port *p)
{
	const struct sluice_plugin_desc *d = sluice_plugin_descriptor(st->plugin);
	const struct sluice_output_decl *od = &d->outputs[p->index];
	const struct pl_topic *t = &pl->topics[p->topic_index];
	struct rf_schema s;
	const uint8_t *ob, *bfbs;
	size_t len = 0;
	uint64_t want = t->slot_size ? t->slot_size : SLUICE_TOPIC_DEFAULT_SLOT_SIZE;
	uint64_t min, slot = (want + 7) & ~7ull; /* as the topic rounds it */

	if (!od->schema || !(bfbs = od->schema(&len)) || !len)
		return 0;
	if (rf_open_table(&s, bfbs, len, t->type, &ob) != 0)
		return sluice__pl_fail_at(pl, p->pos, "port %s.%s: the schema plugin %s declares for %s: %s",
			       st->name, p->port, d->name, t->type, sluice_errdetail());
	min = message_min(&s, ob);
	if (slot < min)
		return sluice__pl_fail_at(pl, t->pos,
			       "slot_size %llu of topic \"%s\" is too small: the smallest valid %s "
			       "takes %llu bytes (its required fields), and stage %s writes it",
			       (unsigned long long)want, t->name, t->type, (unsigned long long)min,
			       st->name);
	return 0;
}

/* The effective capability set, from /proc (no libcap): 0 when unknown. */
static uint64_t cap_effective(void)
{
	char line[128];
	unsigned long long caps = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps;
}

#define CAP_BIT_IPC_LOCK 14 /* linux/capability.h */
#define CAP_BIT_SYS_NICE 23

int sluice__pipeline_check_sched(const struct sluice_pipeline *pl, const struct pl_stage *st)
{
	uint64_t caps = cap_effective();
	struct rlimit rl;

	if (st->has_cpus) {
		cpu_set_t allowed;

		CPU_ZERO(&allowed);
		if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
			return sluice__pl_fail_at(pl, st->cpu_pos, "stage %s: cannot read this process's CPUs: %s",
				       st->name, strerror(errno));
		for (int c = 0; c < PL_MAX_CPUS; c++)
			if ((st->cpus[c / 64] >> (c % 64) & 1) &&
			    (c >= CPU_SETSIZE || !CPU_ISSET(c, &allowed)))
				return sluice__pl_fail_at(pl, st->cpu_pos,
					       "stage %s: cpu %d is not one this process may run on "
					       "(it may use %d CPUs; see taskset -p or the cgroup's "
					       "cpuset)",
					       st->name, c, CPU_COUNT(&allowed));
	}
	if (st->has_sched && st->sched_policy != SCHED_OTHER) {
		const char *pol = st->sched_policy == SCHED_FIFO ? "fifo" : "rr";
		int max = sched_get_priority_max(st->sched_policy);

		if (max > 0 && st->sched_priority > max)
			return sluice__pl_fail_at(pl, st->sched_pos, "stage %s: sched %s priority %d is above %d",
				       st->name, pol, st->sched_priority, max);
		if (!(caps >> CAP_BIT_SYS_NICE & 1)) {
			if (getrlimit(RLIMIT_RTPRIO, &rl) != 0)
				rl.rlim_cur = 0;
			if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)st->sched_priority)
				return sluice__pl_fail_at(pl, st->sched_pos,
					       "stage %s: sched %s priority %d is not permitted: this "
					       "process lacks CAP_SYS_NICE and its RLIMIT_RTPRIO is %llu "
					       "(raise it to %d, e.g. ulimit -r %d or rtprio in "
					       "limits.conf, or grant CAP_SYS_NICE)",
					       st->name, pol, st->sched_priority,
					       (unsigned long long)rl.rlim_cur, st->sched_priority,
					       st->sched_priority);
		}
	}
	if (st->lock_memory && !(caps >> CAP_BIT_IPC_LOCK & 1)) {
		if (getrlimit(RLIMIT_MEMLOCK, &rl) != 0)
			rl.rlim_cur = 0;
		/* A bounded limit makes mlockall(MCL_FUTURE) fail later mappings
		 * (a topic, a plugin's buffers) once it is reached. */
		if (rl.rlim_cur != RLIM_INFINITY)
			return sluice__pl_fail_at(pl, st->lock_pos,
				       "stage %s: lock_memory is not permitted: this process lacks "
				       "CAP_IPC_LOCK and its RLIMIT_MEMLOCK is %llu KiB, not unlimited "
				       "(ulimit -l unlimited or memlock in limits.conf, or grant "
				       "CAP_IPC_LOCK)",
				       st->name, (unsigned long long)rl.rlim_cur / 1024);
	}
	return 0;
}

/* bridge: its topics are the pipeline's; one that comes in from DDS is
 * produced by the bridge, so no stage may produce it too. */
static int check_bridge(struct sluice_pipeline *pl)
{
	struct pl_bridge *b = &pl->bridge;

	for (int i = 0; i < b->n; i++) {
		struct pl_topic *t = NULL;

		for (int k = 0; k < pl->ntopics; k++)
			if (!strcmp(pl->topics[k].name, b->topic[i]))
				t = &pl->topics[k];
		if (!t)
			return sluice__pl_fail_at(pl, b->tpos[i], "bridge: no topic \"%s\" in this pipeline",
				       b->topic[i]);
		for (int k = 0; k < i; k++)
			if (!strcmp(b->topic[k], b->topic[i]))
				return sluice__pl_fail_at(pl, b->tpos[i], "bridge: topic \"%s\" is named twice",
					       b->topic[i]);
		if (b->dir[i] == PL_BRIDGE_IN && t->producer >= 0)
			return sluice__pl_fail_at(pl, b->tpos[i],
				       "bridge: topic \"%s\" is produced by stage %s, so it cannot "
				       "also come in from DDS", t->name, pl->stages[t->producer].name);
		if (b->dir[i] == PL_BRIDGE_IN && t->producer == PL_PRODUCER_PLAY)
			return sluice__pl_fail_at(pl, b->tpos[i],
				       "bridge: topic \"%s\" is played from a recording (play:), so it "
				       "cannot also come in from DDS", t->name);
		if (b->dir[i] == PL_BRIDGE_IN)
			t->producer = PL_PRODUCER_BRIDGE;
	}
	return 0;
}

int sluice__pipeline_check(struct sluice_pipeline *pl)
{
	int rc;

	for (int i = 0; i < pl->ntopics; i++) {
		struct pl_topic *t = &pl->topics[i];

		if ((size_t)snprintf(t->seg, sizeof(t->seg), "/%s.%s", pl->name, t->name) >=
		    sizeof(t->seg))
			return sluice__pl_fail_at(pl, t->pos, "topic name too long");
		if (strlen(t->type) > SLUICE_TYPE_NAME_MAX)
			return sluice__pl_fail_at(pl, t->pos, "type name longer than %d", SLUICE_TYPE_NAME_MAX);
	}
	/* record: and play: topics; play's are produced before any stage's. */
	if ((rc = sluice__tap_check(pl)) != 0)
		return rc;
	for (int i = 0; i < pl->nstages; i++) {
		struct pl_stage *st = &pl->stages[i];

		rc = sluice_plugin_open(st->plugin_name, &st->plugin);
		if (rc)
			return sluice__pl_fail_at(pl, st->pos, "stage %s: plugin \"%s\": %s", st->name,
				       st->plugin_name, sluice_errdetail());
		if (st->python_file && (rc = sluice__python_stage(pl, st)) != 0)
			return rc;
		if ((rc = check_params(pl, st)) != 0)
			return rc;
		if ((rc = sluice__pipeline_check_sched(pl, st)) != 0)
			return rc;
		if ((rc = check_ports(pl, i, 1)) != 0)
			return rc;
		for (int k = 0; k < st->noutputs; k++)
			if ((rc = check_slot_size(pl, st, &st->outputs[k])) != 0)
				return rc;
	}
	sluice__python_schemas(pl);
	if ((rc = check_bridge(pl)) != 0)
		return rc;
	/* Inputs after all outputs, so producers are known. */
	for (int i = 0; i < pl->nstages; i++) {
		struct pl_stage *st = &pl->stages[i];
		const struct sluice_plugin_desc *d = sluice_plugin_descriptor(st->plugin);

		if ((rc = check_ports(pl, i, 0)) != 0)
			return rc;
		for (int k = 0; k < st->ninputs; k++) {
			struct pl_topic *t = &pl->topics[st->inputs[k].topic_index];

			if (t->producer == -1)
				return sluice__pl_fail_at(pl, st->inputs[k].pos,
					       "input %s.%s reads topic \"%s\", which no stage produces",
					       st->name, st->inputs[k].port, t->name);
		}
		if (st->ninputs == 0 && !(d->tick_hz > 0))
			return sluice__pl_fail_at(pl, st->pos, "stage %s has no inputs and its plugin %s does not tick",
				       st->name, d->name);
	}
	return 0;
}

static void free_model(struct sluice_pipeline *pl)
{
	for (int i = 0; i < pl->ntopics; i++) {
		free(pl->topics[i].name);
		free(pl->topics[i].type);
	}
	for (int i = 0; i < pl->bridge.n; i++)
		free(pl->bridge.topic[i]);
	free(pl->bridge.config);
	for (int i = 0; i < pl->nstages; i++) {
		struct pl_stage *st = &pl->stages[i];

		free(st->name);
		free(st->plugin_name);
		free(st->python_file);
		for (int k = 0; k < st->nparams; k++) {
			free((char *)st->params[k].name);
			free((char *)st->params[k].value);
		}
		for (int k = 0; k < st->ninputs; k++) {
			free(st->inputs[k].port);
			free(st->inputs[k].topic);
		}
		for (int k = 0; k < st->noutputs; k++) {
			free(st->outputs[k].port);
			free(st->outputs[k].topic);
		}
		if (st->plugin)
			sluice_plugin_unref(st->plugin);
	}
	sluice__tap_free_model(pl);
	free(pl->file);
	free(pl->name);
	free(pl);
}

void sluice_pipeline_free(struct sluice_pipeline *pl)
{
	if (pl)
		free_model(pl);
}

int sluice_pipeline_load(const char *file, const char *name_override, struct sluice_pipeline **out)
{
	struct sluice_pipeline *pl = calloc(1, sizeof(*pl));
	int rc;

	*out = NULL;
	if (!pl)
		return -ENOMEM;
	pl->file = strdup(file);
	rc = sluice__pipeline_parse(file, pl);
	if (!rc) {
		if (name_override) {
			free(pl->name);
			pl->name = strdup(name_override);
		}
		if (!pl->name) {
			/* The file's base name, without .yaml. */
			const char *base = strrchr(file, '/');
			char *dot;

			pl->name = strdup(base ? base + 1 : file);
			dot = strrchr(pl->name, '.');
			if (dot && dot != pl->name)
				*dot = '\0';
		}
		rc = sluice__pipeline_check(pl);
	}
	if (rc) {
		free_model(pl);
		return rc;
	}
	*out = pl;
	return 0;
}
