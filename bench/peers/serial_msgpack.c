/* serial_msgpack.c - msgpack-c (libmsgpack-dev) rows of
 * `sluice-bench serial`. A message is a map with the same keys as the JSON
 * rows (msgpack carries no schema); the pose is a nested map. Encode packs
 * the values into the buffer through a packer writing straight into it;
 * decode unpacks into msgpack_objects (msgpack_unpack with a zone kept for
 * the process, cleared per call), looks every key up and reads its value. */
#include <string.h>

#include <msgpack.h>

#include "serial_peers.h"

struct fixed_buf {
	uint8_t *b;
	size_t len, cap;
};

static int fixed_write(void *data, const char *p, size_t n)
{
	struct fixed_buf *f = data;

	if (f->cap - f->len < n)
		return -1;
	memcpy(f->b + f->len, p, n);
	f->len += n;
	return 0;
}

static int key(msgpack_packer *pk, const char *k)
{
	size_t n = strlen(k);

	return msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, k, n);
}

size_t serial_msgpack_enc32(uint8_t *b, size_t cap)
{
	struct fixed_buf f = {b, 0, cap};
	msgpack_packer pk;

	msgpack_packer_init(&pk, &f, fixed_write);
	if (msgpack_pack_map(&pk, 4) || key(&pk, "ts") || msgpack_pack_uint64(&pk, m32.ts) ||
	    key(&pk, "x") || msgpack_pack_double(&pk, m32.x) || key(&pk, "y") ||
	    msgpack_pack_double(&pk, m32.y) || key(&pk, "z") || msgpack_pack_double(&pk, m32.z))
		return 0;
	return f.len;
}

static msgpack_zone zone;
static int zone_ready;

static const msgpack_object *unpack(const uint8_t *b, size_t len, msgpack_object *root)
{
	size_t off = 0;

	if (!zone_ready) {
		if (!msgpack_zone_init(&zone, 2048))
			return NULL;
		zone_ready = 1;
	}
	msgpack_zone_clear(&zone);
	if (msgpack_unpack((const char *)b, len, &off, &zone, root) != MSGPACK_UNPACK_SUCCESS ||
	    root->type != MSGPACK_OBJECT_MAP)
		return NULL;
	return root;
}

static const msgpack_object *get(const msgpack_object *map, const char *k)
{
	size_t n = strlen(k);
	uint32_t i;

	for (i = 0; i < map->via.map.size; i++) {
		const msgpack_object_kv *kv = &map->via.map.ptr[i];

		if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == n &&
		    !memcmp(kv->key.via.str.ptr, k, n))
			return &kv->val;
	}
	return NULL;
}

static int f64(const msgpack_object *map, const char *k, double *v)
{
	const msgpack_object *o = get(map, k);

	if (!o || o->type != MSGPACK_OBJECT_FLOAT64)
		return -1;
	*v = o->via.f64;
	return 0;
}

static int u64(const msgpack_object *map, const char *k, uint64_t *v)
{
	const msgpack_object *o = get(map, k);

	if (!o || o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return -1;
	*v = o->via.u64;
	return 0;
}

int serial_msgpack_dec32(const uint8_t *b, size_t len, struct msg32 *out)
{
	msgpack_object root;
	const msgpack_object *m = unpack(b, len, &root);

	if (!m || u64(m, "ts", &out->ts) || f64(m, "x", &out->x) || f64(m, "y", &out->y) ||
	    f64(m, "z", &out->z))
		return -1;
	return 0;
}

size_t serial_msgpack_encr(uint8_t *b, size_t cap)
{
	struct fixed_buf f = {b, 0, cap};
	msgpack_packer pk;
	size_t n1 = strlen(rich_ref.name), n2 = strlen(rich_ref.frame);
	int i, rc;

	msgpack_packer_init(&pk, &f, fixed_write);
	rc = msgpack_pack_map(&pk, 6) || key(&pk, "ts") || msgpack_pack_uint64(&pk, rich_ref.ts) ||
	     key(&pk, "seq") || msgpack_pack_uint32(&pk, rich_ref.seq) || key(&pk, "name") ||
	     msgpack_pack_str_with_body(&pk, rich_ref.name, n1) || key(&pk, "frame") ||
	     msgpack_pack_str_with_body(&pk, rich_ref.frame, n2) || key(&pk, "samples") ||
	     msgpack_pack_array(&pk, RICH_N);
	for (i = 0; !rc && i < RICH_N; i++)
		rc = msgpack_pack_float(&pk, rich_ref.samples[i]);
	if (rc || key(&pk, "pose") || msgpack_pack_map(&pk, 3) || key(&pk, "x") ||
	    msgpack_pack_double(&pk, rich_ref.px) || key(&pk, "y") ||
	    msgpack_pack_double(&pk, rich_ref.py) || key(&pk, "z") ||
	    msgpack_pack_double(&pk, rich_ref.pz))
		return 0;
	return f.len;
}

static int str(const msgpack_object *map, const char *k, char *dst, size_t cap)
{
	const msgpack_object *o = get(map, k);

	if (!o || o->type != MSGPACK_OBJECT_STR || o->via.str.size >= cap)
		return -1;
	memcpy(dst, o->via.str.ptr, o->via.str.size);
	dst[o->via.str.size] = 0;
	return 0;
}

int serial_msgpack_decr(const uint8_t *b, size_t len, struct rich *out)
{
	msgpack_object root;
	const msgpack_object *m = unpack(b, len, &root), *a, *p;
	uint64_t seq;
	uint32_t i;

	if (!m || u64(m, "ts", &out->ts) || u64(m, "seq", &seq) || seq > UINT32_MAX ||
	    str(m, "name", out->name, sizeof(out->name)) ||
	    str(m, "frame", out->frame, sizeof(out->frame)))
		return -1;
	out->seq = (uint32_t)seq;
	a = get(m, "samples");
	if (!a || a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size != RICH_N)
		return -1;
	for (i = 0; i < RICH_N; i++) {
		const msgpack_object *e = &a->via.array.ptr[i];

		if (e->type != MSGPACK_OBJECT_FLOAT32)
			return -1;
		out->samples[i] = (float)e->via.f64;
	}
	p = get(m, "pose");
	if (!p || p->type != MSGPACK_OBJECT_MAP || f64(p, "x", &out->px) || f64(p, "y", &out->py) ||
	    f64(p, "z", &out->pz))
		return -1;
	return 0;
}
