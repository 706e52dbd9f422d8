/* serial_peers.h - what bench/serial.c shares with its peer adapters
 * (bench/peers/serial_*.c, serial_capnp.cc), each built into sluice-bench
 * only when its library is found (bench/CMakeLists.txt defines
 * SLUICE_SERIAL_<PEER> then). Every adapter encodes the same values
 * (m32, rich_ref) into buf, one complete message per call, and decodes
 * by parsing and reading every field into the caller's struct (strings
 * copied), returning 0, or -1 when the input is refused. */
#ifndef SLUICE_BENCH_SERIAL_PEERS_H
#define SLUICE_BENCH_SERIAL_PEERS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct msg32 {
	uint64_t ts;
	double x, y, z;
};

#define RICH_N 16
struct rich {
	uint64_t ts;
	uint32_t seq;
	char name[32];
	char frame[16];
	float samples[RICH_N];
	double px, py, pz; /* the nested table */
};

extern const struct msg32 m32;
extern struct rich rich_ref;

#define SERIAL_PEER_DECLARE(p)                                                                 \
	size_t serial_##p##_enc32(uint8_t *b, size_t cap);                                     \
	int serial_##p##_dec32(const uint8_t *b, size_t len, struct msg32 *out);               \
	size_t serial_##p##_encr(uint8_t *b, size_t cap);                                      \
	int serial_##p##_decr(const uint8_t *b, size_t len, struct rich *out);

SERIAL_PEER_DECLARE(pbc)
SERIAL_PEER_DECLARE(cjson)
SERIAL_PEER_DECLARE(msgpack)
SERIAL_PEER_DECLARE(capnp)

#ifdef __cplusplus
}
#endif
#endif
