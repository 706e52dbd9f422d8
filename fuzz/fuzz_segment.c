/* fuzz_segment.c - libFuzzer target for the segment header validator: the
 * input is the start of a mapped segment, taken raw or laid over a valid
 * header (so the deeper checks are reached too).  Whatever is accepted must
 * describe a payload inside the object; names taken from the input are
 * judged and escaped, and an accepted name needs no escaping. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shm/layout.h"
#include "shm/segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A header as a creator of this build writes it, for an object of size. */
static void valid_header(struct sluice_shm_header *h, size_t size)
{
	memset(h, 0, sizeof(*h));
	h->magic = SLUICE_SHM_MAGIC;
	h->abi_version = SLUICE_SHM_ABI_VERSION;
	h->fingerprint = sluice_layout_fingerprint();
	h->byte_order = SLUICE_BYTE_ORDER_MARK;
	h->header_size = sizeof(*h);
	h->pointer_size = sizeof(void *);
	h->state = SLUICE_SHM_STATE_READY;
	h->kind = SLUICE_SHM_RING;
	h->total_size = size;
	h->payload_offset = SLUICE_SHM_PAYLOAD_OFFSET;
	h->payload_size = size > SLUICE_SHM_PAYLOAD_OFFSET ? size - SLUICE_SHM_PAYLOAD_OFFSET : 0;
	strcpy(h->name, "/fuzz");
}

static void judge_segment(const uint8_t *data, size_t size, int overlay, uint32_t kind)
{
	struct sluice_shm_header snap;
	/* Exactly size bytes on the heap, so a read past them is caught. */
	size_t obj = overlay ? (size < sizeof(snap) ? sizeof(snap) : size) : size;
	uint8_t *mem = malloc(obj ? obj : 1);

	if (!mem)
		return;
	if (overlay) {
		struct sluice_shm_header h;

		valid_header(&h, obj + (data[0] & 1) * 4096); /* sometimes too big */
		memcpy(mem, &h, sizeof(h));
		memset(mem + sizeof(h), 0, obj - sizeof(h));
		for (size_t i = 0; i < size; i++)
			mem[i] ^= data[i];
	} else {
		memcpy(mem, data, size);
	}
	if (sluice__shm_validate("/fuzz", mem, obj, kind, &snap) == 0) {
		if (snap.magic != SLUICE_SHM_MAGIC || snap.total_size > obj ||
		    snap.payload_offset < sizeof(snap) || snap.payload_offset % SLUICE_LINE ||
		    snap.payload_offset > snap.total_size ||
		    snap.payload_size > snap.total_size - snap.payload_offset ||
		    (kind && snap.kind != kind) || !memchr(snap.name, 0, sizeof(snap.name)))
			abort();
	}
	free(mem);
}

static void judge_name(const uint8_t *data, size_t size)
{
	char name[SLUICE_SHM_NAME_MAX + 2], shown[4 * sizeof(name)];
	size_t n = size < sizeof(name) - 1 ? size : sizeof(name) - 1;

	memcpy(name, data, n);
	name[n] = '\0';
	size_t len = sluice_shm_escape(name, shown, sizeof(shown));
	if (len >= sizeof(shown) || strlen(shown) != len)
		abort();
	for (size_t i = 0; shown[i]; i++)
		if ((unsigned char)shown[i] < 0x20 || shown[i] == 0x7f)
			abort();
	/* A name sluice accepts is shown as it is (no '\\' to double). */
	if (sluice__shm_check_name(name) == 0 && !strchr(name, '\\') && strcmp(name, shown) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];

	data++;
	size--;
	switch (mode % 3) {
	case 0:
		judge_segment(data, size, 0, (mode >> 2) % 5);
		break;
	case 1:
		if (size)
			judge_segment(data, size, 1, (mode >> 2) % 5);
		break;
	default:
		judge_name(data, size);
		break;
	}
	return 0;
}
