/* topic.c - a topic segment: creation, validation on open, type identity,
 * and reading its counters from outside (stat, list). */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "channel/chan.h"
#include "common/detail.h"
#include "shm/waitq.h"

uint64_t sluice__chan_layout_fp(void)
{
	uint64_t h = sluice_layout_fingerprint();

	/* Bumped when the slot protocol changes with the same field layout, so
	 * that processes built before and after never share a topic. */
	h = sluice__fp_mix(h, CHAN_PROTOCOL);
	SLUICE_FP_STRUCT(h, struct chan_header);
	CHAN_HEADER_FIELDS(SLUICE_FP_X)
	SLUICE_FP_STRUCT(h, struct chan_slot);
	CHAN_SLOT_FIELDS(SLUICE_FP_X)
	SLUICE_FP_STRUCT(h, struct chan_subrec);
	CHAN_SUBREC_FIELDS(SLUICE_FP_X)
	return h;
}

/* Up to this size, large bodies are copied with REP MOVSB where the CPU
 * has ERMS; beyond it memcpy (whose non-temporal stores suit copies much
 * larger than the caches). */
#define CHAN_COPY_MOVSB_MAX (UINT64_C(16) << 20)

/* gcc says "sanitized" with these macros, clang with __has_feature */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CHAN_COPY_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CHAN_COPY_SANITIZED 1
#endif
#endif

#if defined(__x86_64__) && !defined(CHAN_COPY_SANITIZED)
#include <cpuid.h>

/* 1 if the CPU has enhanced REP MOVSB (CPUID.7.0:EBX bit 9), else 0. */
static int erms_check(void)
{
	unsigned a, b, c, d;

	if (__get_cpuid_max(0, NULL) < 7)
		return 0;
	__cpuid_count(7, 0, a, b, c, d);
	(void)a, (void)c, (void)d;
	return (b >> 9) & 1;
}

static _Atomic int erms = -1; /* unknown yet */

/* glibc's memcpy leaves REP MOVSB above the L2 size on AMD CPUs for a
 * vector loop; measured on this project's Zen 5 VMs that loop copies a
 * 1-4 MiB message 20-25 % slower than REP MOVSB, and up to 3x slower into
 * a slot the other core has just read (docs/benchmarks.md, "Size sweep").
 * Where glibc uses REP MOVSB itself (Intel with ERMS) this is the same.
 * Not in sanitizer builds: they see no access made by an asm statement. */
void sluice__chan_copy_large(void *dst, const void *src, size_t len)
{
	int e = atomic_load_explicit(&erms, memory_order_relaxed);

	if (e < 0) {
		e = erms_check();
		atomic_store_explicit(&erms, e, memory_order_relaxed);
	}
	if (!e || len > CHAN_COPY_MOVSB_MAX) {
		memcpy(dst, src, len);
		return;
	}
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(len) : : "memory");
}
#else
void sluice__chan_copy_large(void *dst, const void *src, size_t len)
{
	memcpy(dst, src, len);
}
#endif

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

int sluice__chan_create(const char *topic, const struct sluice_topic_opts *opts,
			struct chan_geom *g)
{
	struct sluice_topic_opts o = opts ? *opts : (struct sluice_topic_opts){0};
	uint64_t slot_size, stride, subs_off, slots_off, schema_off, total;
	int rc;

	if (!o.slot_size)
		o.slot_size = SLUICE_TOPIC_DEFAULT_SLOT_SIZE;
	if (!o.slot_count)
		o.slot_count = SLUICE_TOPIC_DEFAULT_SLOTS;
	if (!o.max_subscribers)
		o.max_subscribers = SLUICE_TOPIC_DEFAULT_SUBSCRIBERS;
	if (!o.delivery)
		o.delivery = SLUICE_LOSSLESS;
	if (!o.type_name)
		o.type_name = "bytes";
	if (o.slot_count > CHAN_MAX_SLOTS || (o.slot_count & (o.slot_count - 1)) ||
	    o.slot_size > CHAN_MAX_SLOT || o.max_subscribers > SLUICE_TOPIC_MAX_SUBSCRIBERS ||
	    (o.delivery != SLUICE_LOSSLESS && o.delivery != SLUICE_LOSSY) ||
	    strlen(o.type_name) > SLUICE_TYPE_NAME_MAX || (o.schema_len && !o.schema) ||
	    o.schema_len > CHAN_MAX_SLOT)
		return sluice__fail(-EINVAL,
				    "%s: bad topic options (slot count must be a power of two up to "
				    "2^24, slot size up to 1 GiB, at most %d subscribers, type name "
				    "up to %d bytes)",
				    topic, SLUICE_TOPIC_MAX_SUBSCRIBERS, SLUICE_TYPE_NAME_MAX);

	slot_size = align_up(o.slot_size, 8);
	/* Slots start on a line of their own, so neighbours never share one. */
	stride = align_up(CHAN_SLOT_HEADER + slot_size, 64);
	subs_off = align_up(sizeof(struct chan_header), SLUICE_LINE);
	slots_off = align_up(subs_off + (uint64_t)o.max_subscribers * sizeof(struct chan_subrec),
			     SLUICE_LINE);
	schema_off = slots_off + stride * o.slot_count;
	total = schema_off + o.schema_len;
	if (total > (UINT64_C(1) << 40))
		return sluice__fail(-EINVAL, "%s: topic of %llu bytes is too large", topic,
				    (unsigned long long)total);

	rc = sluice_shm_create(topic, SLUICE_SHM_CHANNEL, total, &o.shm, &g->shm);
	if (rc)
		return rc;
	struct chan_header *h = sluice_shm_payload(g->shm);

	h->layout_fp = sluice__chan_layout_fp();
	h->slot_size = slot_size;
	h->slot_stride = stride;
	h->slot_count = o.slot_count;
	h->max_subs = o.max_subscribers;
	h->delivery = o.delivery;
	h->subs_offset = subs_off;
	h->slots_offset = slots_off;
	h->schema_offset = schema_off;
	h->schema_len = o.schema_len;
	h->base_seq = o.start_seq;
	h->schema_hash = o.schema_hash;
	strcpy(h->type_name, o.type_name);
	atomic_store_explicit(&h->head, o.start_seq, memory_order_relaxed);
	/* Each slot claims the sequence a lap before its first, so "the slot
	 * holds my sequence" alone means "committed" (see chan.h). */
	for (uint64_t i = 0; i < o.slot_count; i++) {
		uint64_t seq = o.start_seq + i;
		struct chan_slot *s = (struct chan_slot *)((unsigned char *)h + slots_off +
							   (seq & (o.slot_count - 1)) * stride);

		atomic_store_explicit(&s->seq, seq - o.slot_count, memory_order_relaxed);
	}
	if (o.schema_len)
		memcpy((char *)h + schema_off, o.schema, o.schema_len);
	sluice_shm_publish(g->shm);
	sluice_shm_close(g->shm);
	g->shm = NULL;
	return sluice__chan_attach(topic, &o.shm, NULL, 0, g);
}

/* Checks the header's constants against the mapped payload and copies them. */
static int validate(const char *topic, struct chan_geom *g)
{
	const struct chan_header *h = sluice_shm_payload(g->shm);
	uint64_t psize = sluice_shm_payload_size(g->shm);
	uint64_t mine = sluice__chan_layout_fp();

	if (psize < sizeof(*h))
		return sluice__fail(-SLUICE_ECORRUPT, "%s: payload too small for a topic", topic);
	if (h->layout_fp != mine)
		return sluice__fail(-SLUICE_ELAYOUT,
				    "%s: channel layout fingerprint %016llx is not this build's %016llx",
				    topic, (unsigned long long)h->layout_fp, (unsigned long long)mine);
	g->slot_size = h->slot_size;
	g->stride = h->slot_stride;
	g->count = h->slot_count;
	g->max_subs = h->max_subs;
	g->delivery = h->delivery;
	g->base_seq = h->base_seq;
	g->schema_len = h->schema_len;
	g->schema_hash = h->schema_hash;
	memcpy(g->type_name, h->type_name, sizeof(g->type_name));
	g->type_name[SLUICE_TYPE_NAME_MAX] = '\0';

	uint64_t subs_off = h->subs_offset, slots_off = h->slots_offset, schema_off = h->schema_offset;
	bool ok = g->count && g->count <= CHAN_MAX_SLOTS && !(g->count & (g->count - 1)) &&
		  g->slot_size % 8 == 0 && g->slot_size <= CHAN_MAX_SLOT &&
		  g->stride >= CHAN_SLOT_HEADER + g->slot_size && g->stride % 64 == 0 &&
		  g->stride <= CHAN_SLOT_HEADER + CHAN_MAX_SLOT + 64 &&
		  g->max_subs <= SLUICE_TOPIC_MAX_SUBSCRIBERS &&
		  (g->delivery == SLUICE_LOSSLESS || g->delivery == SLUICE_LOSSY) &&
		  subs_off % SLUICE_LINE == 0 && subs_off >= sizeof(*h) && subs_off <= psize &&
		  (uint64_t)g->max_subs * sizeof(struct chan_subrec) <= psize - subs_off &&
		  slots_off % SLUICE_LINE == 0 &&
		  slots_off >= subs_off + (uint64_t)g->max_subs * sizeof(struct chan_subrec) &&
		  slots_off <= psize && g->count * g->stride <= psize - slots_off &&
		  schema_off <= psize && g->schema_len <= psize - schema_off;
	if (!ok)
		return sluice__fail(-SLUICE_ECORRUPT,
				    "%s: topic geometry (%llu slots of %llu bytes, %u subscribers) "
				    "does not fit its %llu-byte segment",
				    topic, (unsigned long long)g->count, (unsigned long long)g->slot_size,
				    g->max_subs, (unsigned long long)psize);
	g->mask = g->count - 1;
	g->h = (struct chan_header *)h;
	g->subs = (struct chan_subrec *)((char *)h + subs_off);
	g->slots = (unsigned char *)h + slots_off;
	g->schema = (const unsigned char *)h + schema_off;
	return 0;
}

int sluice__chan_attach(const char *topic, const struct sluice_shm_opts *shm_opts,
			const char *type_name, uint64_t schema_hash, struct chan_geom *g)
{
	int rc;

	memset(g, 0, sizeof(*g));
	rc = sluice_shm_open(topic, SLUICE_SHM_CHANNEL, shm_opts, &g->shm);
	if (rc)
		return rc;
	rc = validate(topic, g);
	if (!rc && type_name &&
	    (strcmp(type_name, g->type_name) != 0 ||
	     (schema_hash && g->schema_hash && schema_hash != g->schema_hash)))
		rc = sluice__fail(-SLUICE_ETYPE,
				  "%s carries %s (schema %016llx), not the expected %s (schema %016llx)",
				  topic, g->type_name, (unsigned long long)g->schema_hash, type_name,
				  (unsigned long long)schema_hash);
	if (rc) {
		sluice_shm_close(g->shm);
		g->shm = NULL;
		return rc;
	}
	sluice__waitq_init();
	return 0;
}

void sluice__chan_detach(struct chan_geom *g)
{
	sluice_shm_close(g->shm);
	g->shm = NULL;
}

struct sluice_proc_id sluice__chan_pub_id(const struct chan_geom *g)
{
	struct sluice_proc_id id = {atomic_load_explicit(&g->h->pub_pid, memory_order_relaxed),
				    atomic_load_explicit(&g->h->pub_start, memory_order_relaxed)};
	struct sluice_proc_id copy = {atomic_load_explicit(&g->h->pub_pid2, memory_order_relaxed),
				      atomic_load_explicit(&g->h->pub_start2, memory_order_relaxed)};

	if ((id.pid != copy.pid || id.start != copy.start) && !sluice_proc_alive(id) &&
	    sluice_proc_alive(copy))
		return copy;
	return id;
}

bool sluice__chan_pub_gone(const struct chan_geom *g, const char **why)
{
	uint32_t state = atomic_load_explicit(&g->h->pub_state, memory_order_acquire);
	struct sluice_proc_id pub = sluice__chan_pub_id(g);
	const char *w = NULL;

	if (state == CHAN_PUB_NONE)
		w = "never came";
	else if (state == CHAN_PUB_CLOSED &&
		 atomic_load_explicit(&g->h->closed_at, memory_order_acquire) ==
			 atomic_load_explicit(&g->h->head, memory_order_acquire))
		w = "closed";
	else if (!sluice_proc_alive(pub))
		w = "died";
	if (w && why)
		*why = w;
	return w != NULL;
}

int sluice_topic_create(const char *topic, const struct sluice_topic_opts *opts)
{
	struct chan_geom g;
	int rc = sluice__chan_create(topic, opts, &g);

	if (rc == 0)
		sluice__chan_detach(&g);
	return rc;
}

int sluice_topic_stat(const char *topic, struct sluice_topic_stats *st,
		      struct sluice_sub_stats *subs, size_t nsubs)
{
	struct sluice_shm_opts ro = {.flags = SLUICE_SHM_READONLY, .timeout_ms = 1};
	struct chan_geom g;
	int rc = sluice__chan_attach(topic, &ro, NULL, 0, &g);

	if (rc)
		return rc;
	memset(st, 0, sizeof(*st));
	memcpy(st->type_name, g.type_name, sizeof(st->type_name));
	st->schema_hash = g.schema_hash;
	st->delivery = g.delivery;
	st->slot_size = (uint32_t)g.slot_size;
	st->slot_count = (uint32_t)g.count;
	st->max_subscribers = g.max_subs;
	st->schema_len = g.schema_len;
	st->next_seq = atomic_load_explicit(&g.h->head, memory_order_acquire);
	st->published = st->next_seq - g.base_seq;
	if (st->published) {
		/* The newest slot's stamp, read without touching the hot path. */
		struct chan_slot *s = chan_slot(&g, st->next_seq - 1);

		st->last_publish_ns = atomic_load_explicit(&s->stamp_ns, memory_order_relaxed);
	}
	st->evicted = atomic_load_explicit(&g.h->evicted, memory_order_relaxed);
	uint32_t pub_state = atomic_load_explicit(&g.h->pub_state, memory_order_acquire);
	bool pub_gone = sluice__chan_pub_gone(&g, NULL);

	/* A live publisher whose state a foreign write set to CLOSED is still
	 * shown, so that reclaim does not take its topic. */
	if (pub_state == CHAN_PUB_LIVE || !pub_gone) {
		st->publisher_pid = sluice__chan_pub_id(&g).pid;
		st->publisher_alive = !pub_gone;
	}
	for (uint32_t i = 0; i < g.max_subs; i++) {
		struct chan_subrec *r = &g.subs[i];
		uint32_t state = atomic_load_explicit(&r->state, memory_order_acquire);

		if (state != CHAN_SUB_ACTIVE && state != CHAN_SUB_EVICTED)
			continue;
		if (subs && st->subscribers < nsubs) {
			struct sluice_sub_stats *o = &subs[st->subscribers];
			struct sluice_proc_id id = {atomic_load_explicit(&r->pid, memory_order_relaxed),
						    atomic_load_explicit(&r->start, memory_order_relaxed)};

			o->pid = id.pid;
			o->alive = state == CHAN_SUB_ACTIVE && sluice_proc_alive(id);
			o->cursor = atomic_load_explicit(&r->cursor, memory_order_relaxed);
			o->delivered = atomic_load_explicit(&r->delivered, memory_order_relaxed);
			o->lost = atomic_load_explicit(&r->lost, memory_order_relaxed);
			o->evicted = state == CHAN_SUB_EVICTED;
		}
		st->subscribers++;
	}
	sluice__chan_detach(&g);
	return 0;
}

int sluice_topic_schema(const char *topic, void *buf, size_t cap)
{
	struct sluice_shm_opts ro = {.flags = SLUICE_SHM_READONLY, .timeout_ms = 1};
	struct chan_geom g;
	int rc = sluice__chan_attach(topic, &ro, NULL, 0, &g);

	if (rc)
		return rc;
	if (g.schema_len > INT32_MAX)
		rc = -SLUICE_ECORRUPT;
	else {
		memcpy(buf, g.schema, g.schema_len < cap ? g.schema_len : cap);
		rc = (int)g.schema_len;
	}
	sluice__chan_detach(&g);
	return rc;
}

int sluice_topic_list(int (*fn)(const char *topic, void *arg), void *arg)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	int rc = 0;

	if (!d)
		return sluice__fail(-errno, "cannot list /dev/shm");
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char name[SLUICE_SHM_NAME_MAX + 1];
		struct sluice_shm_info info;

		size_t len = strlen(e->d_name);

		/* Only "." and ".." are not objects: a "/.name" topic is listed
		 * like any other (sluice ls and clean show it too). */
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    len >= SLUICE_SHM_NAME_MAX)
			continue;
		name[0] = '/';
		memcpy(name + 1, e->d_name, len + 1);
		if (sluice_shm_stat(name, &info) == 0 && info.kind == SLUICE_SHM_CHANNEL)
			rc = fn(name, arg);
	}
	closedir(d);
	return rc;
}

int sluice_topic_reclaim(const char *topic)
{
	struct sluice_topic_stats st;
	struct sluice_sub_stats subs[SLUICE_TOPIC_MAX_SUBSCRIBERS];
	struct sluice_shm_info info;
	int rc = sluice_shm_stat(topic, &info);

	if (rc)
		return rc;
	if (info.kind != SLUICE_SHM_CHANNEL)
		return sluice__fail(-SLUICE_EKIND, "%s is not a topic", topic);
	if (info.owner_alive)
		return sluice__fail(-SLUICE_EOWNERLIVE, "%s: its creator (pid %d) is alive", topic,
				    (int)info.owner_pid);
	rc = sluice_topic_stat(topic, &st, subs, SLUICE_TOPIC_MAX_SUBSCRIBERS);
	if (rc)
		return rc;
	if (st.publisher_alive)
		return sluice__fail(-SLUICE_EOWNERLIVE, "%s: its publisher (pid %d) is alive", topic,
				    (int)st.publisher_pid);
	for (uint32_t i = 0; i < st.subscribers && i < SLUICE_TOPIC_MAX_SUBSCRIBERS; i++)
		if (subs[i].alive)
			return sluice__fail(-SLUICE_EOWNERLIVE, "%s: subscriber pid %d is alive",
					    topic, (int)subs[i].pid);
	/* Creator, publisher and subscribers are gone: the segment's own
	 * reclaim does the rest (and rechecks the creator). */
	return sluice_shm_reclaim(topic);
}
