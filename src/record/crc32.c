/* crc32.c - CRC-32 (the reflected 0xEDB88320 polynomial MCAP and zlib use)
 * by zlib, whose braided implementation runs 2-3x faster here than a
 * table sliced by eight: checksumming must not limit recording. */
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "record/mcap.h"
#include "sluice/record.h"

uint32_t sluice_crc32(uint32_t crc, const void *buf, size_t len)
{
	return (uint32_t)crc32_z(crc, buf, len);
}

uint32_t mcap_crc32_combine(uint32_t crc1, uint32_t crc2, uint64_t len2)
{
	return (uint32_t)crc32_combine(crc1, crc2, (z_off_t)len2);
}
