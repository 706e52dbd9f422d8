/* serial_cjson.c - cJSON (libcjson-dev) rows of `sluice-bench serial`.
 * Encode builds the cJSON tree from the values and prints it, unformatted,
 * into the buffer (cJSON_PrintPreallocated), then frees the tree; decode
 * parses (cJSON allocates a node per value), reads every field and frees.
 * cJSON keeps numbers as doubles, which cannot hold every 64-bit
 * timestamp, so ts travels as a decimal string (as protobuf's JSON mapping
 * does with 64-bit integers). */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "serial_peers.h"

static char *u64_text(char *end, uint64_t v)
{
	*--end = 0;
	do
		*--end = (char)('0' + v % 10);
	while (v /= 10);
	return end;
}

static int text_u64(const cJSON *j, uint64_t *v)
{
	const char *s = cJSON_GetStringValue(j);
	char *end;

	if (!s || !*s)
		return -1;
	*v = strtoull(s, &end, 10);
	return *end ? -1 : 0;
}

static size_t print_free(cJSON *o, uint8_t *b, size_t cap)
{
	size_t n = 0;

	if (o && cJSON_PrintPreallocated(o, (char *)b, (int)cap, 0))
		n = strlen((const char *)b);
	cJSON_Delete(o);
	return n;
}

size_t serial_cjson_enc32(uint8_t *b, size_t cap)
{
	char tmp[24];
	cJSON *o = cJSON_CreateObject();

	if (!cJSON_AddStringToObject(o, "ts", u64_text(tmp + sizeof(tmp), m32.ts)) ||
	    !cJSON_AddNumberToObject(o, "x", m32.x) || !cJSON_AddNumberToObject(o, "y", m32.y) ||
	    !cJSON_AddNumberToObject(o, "z", m32.z)) {
		cJSON_Delete(o);
		return 0;
	}
	return print_free(o, b, cap);
}

static int num(const cJSON *o, const char *key, double *v)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(j))
		return -1;
	*v = j->valuedouble;
	return 0;
}

int serial_cjson_dec32(const uint8_t *b, size_t len, struct msg32 *out)
{
	cJSON *o = cJSON_ParseWithLength((const char *)b, len);
	int rc = -1;

	if (!o)
		return -1;
	if (!text_u64(cJSON_GetObjectItemCaseSensitive(o, "ts"), &out->ts) && !num(o, "x", &out->x) &&
	    !num(o, "y", &out->y) && !num(o, "z", &out->z))
		rc = 0;
	cJSON_Delete(o);
	return rc;
}

size_t serial_cjson_encr(uint8_t *b, size_t cap)
{
	char tmp[24];
	cJSON *o = cJSON_CreateObject(), *p;

	if (!cJSON_AddStringToObject(o, "ts", u64_text(tmp + sizeof(tmp), rich_ref.ts)) ||
	    !cJSON_AddNumberToObject(o, "seq", rich_ref.seq) ||
	    !cJSON_AddStringToObject(o, "name", rich_ref.name) ||
	    !cJSON_AddStringToObject(o, "frame", rich_ref.frame) ||
	    !cJSON_AddItemToObject(o, "samples", cJSON_CreateFloatArray(rich_ref.samples, RICH_N)) ||
	    !(p = cJSON_AddObjectToObject(o, "pose")) || !cJSON_AddNumberToObject(p, "x", rich_ref.px) ||
	    !cJSON_AddNumberToObject(p, "y", rich_ref.py) ||
	    !cJSON_AddNumberToObject(p, "z", rich_ref.pz)) {
		cJSON_Delete(o);
		return 0;
	}
	return print_free(o, b, cap);
}

static int str(const cJSON *o, const char *key, char *dst, size_t cap)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
	size_t n;

	if (!s || (n = strlen(s)) >= cap)
		return -1;
	memcpy(dst, s, n + 1);
	return 0;
}

int serial_cjson_decr(const uint8_t *b, size_t len, struct rich *out)
{
	cJSON *o = cJSON_ParseWithLength((const char *)b, len);
	const cJSON *a, *e, *p;
	double seq;
	int rc = -1, i = 0;

	if (!o)
		return -1;
	if (text_u64(cJSON_GetObjectItemCaseSensitive(o, "ts"), &out->ts) || num(o, "seq", &seq) ||
	    str(o, "name", out->name, sizeof(out->name)) ||
	    str(o, "frame", out->frame, sizeof(out->frame)))
		goto done;
	out->seq = (uint32_t)seq;
	a = cJSON_GetObjectItemCaseSensitive(o, "samples");
	if (!cJSON_IsArray(a))
		goto done;
	cJSON_ArrayForEach(e, a)
	{
		if (i == RICH_N || !cJSON_IsNumber(e))
			goto done;
		out->samples[i++] = (float)e->valuedouble;
	}
	p = cJSON_GetObjectItemCaseSensitive(o, "pose");
	if (i != RICH_N || !cJSON_IsObject(p) || num(p, "x", &out->px) || num(p, "y", &out->py) ||
	    num(p, "z", &out->pz))
		goto done;
	rc = 0;
done:
	cJSON_Delete(o);
	return rc;
}
