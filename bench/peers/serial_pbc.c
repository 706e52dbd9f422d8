/* serial_pbc.c - protobuf-c (libprotobuf-c-dev, protoc-c) rows of
 * `sluice-bench serial`, on bench/peers/serial_bench.proto. Encode fills
 * the generated structs from the values and packs them into the buffer;
 * decode unpacks (protobuf-c allocates the message, copying strings and
 * the vector), reads every field and frees it. */
#include <string.h>

#include "serial_bench.pb-c.h"
#include "serial_peers.h"

size_t serial_pbc_enc32(uint8_t *b, size_t cap)
{
	Benchmsg__Msg m = BENCHMSG__MSG__INIT;

	m.ts = m32.ts;
	m.x = m32.x;
	m.y = m32.y;
	m.z = m32.z;
	if (benchmsg__msg__get_packed_size(&m) > cap)
		return 0;
	return benchmsg__msg__pack(&m, b);
}

int serial_pbc_dec32(const uint8_t *b, size_t len, struct msg32 *out)
{
	Benchmsg__Msg *m = benchmsg__msg__unpack(NULL, len, b);

	if (!m)
		return -1;
	out->ts = m->ts;
	out->x = m->x;
	out->y = m->y;
	out->z = m->z;
	benchmsg__msg__free_unpacked(m, NULL);
	return 0;
}

size_t serial_pbc_encr(uint8_t *b, size_t cap)
{
	Benchmsg__Rich r = BENCHMSG__RICH__INIT;
	Benchmsg__P p = BENCHMSG__P__INIT;

	p.x = rich_ref.px;
	p.y = rich_ref.py;
	p.z = rich_ref.pz;
	r.ts = rich_ref.ts;
	r.seq = rich_ref.seq;
	r.name = rich_ref.name;
	r.frame = rich_ref.frame;
	r.n_samples = RICH_N;
	r.samples = rich_ref.samples;
	r.pose = &p;
	if (benchmsg__rich__get_packed_size(&r) > cap)
		return 0;
	return benchmsg__rich__pack(&r, b);
}

static int copy_str(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (n >= cap)
		return -1;
	memcpy(dst, s, n + 1);
	return 0;
}

int serial_pbc_decr(const uint8_t *b, size_t len, struct rich *out)
{
	Benchmsg__Rich *r = benchmsg__rich__unpack(NULL, len, b);
	int rc = -1;

	if (!r)
		return -1;
	if (r->n_samples != RICH_N || !r->pose)
		goto done;
	if (copy_str(out->name, sizeof(out->name), r->name) ||
	    copy_str(out->frame, sizeof(out->frame), r->frame))
		goto done;
	out->ts = r->ts;
	out->seq = r->seq;
	memcpy(out->samples, r->samples, sizeof(out->samples));
	out->px = r->pose->x;
	out->py = r->pose->y;
	out->pz = r->pose->z;
	rc = 0;
done:
	benchmsg__rich__free_unpacked(r, NULL);
	return rc;
}
