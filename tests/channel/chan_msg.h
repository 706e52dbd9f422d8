/* chan_msg.h - test messages whose every byte follows from their sequence
 * number, so a reader can prove a message whole without other knowledge. */
#ifndef TEST_CHAN_MSG_H
#define TEST_CHAN_MSG_H

#include <stdint.h>
#include <string.h>

#define SECOND 1000000000LL

/* Writes a message of len bytes (>= 16) for seq into buf. */
static inline void msg_fill(void *buf, size_t len, uint64_t seq)
{
	unsigned char *p = buf;
	uint64_t sum = 0;

	memcpy(p, &seq, 8);
	for (size_t i = 16; i < len; i++) {
		p[i] = (unsigned char)(seq * 131 + i);
		sum = sum * 31 + p[i];
	}
	memcpy(p + 8, &sum, 8);
}

/* 1 if buf holds exactly the message msg_fill wrote for seq. */
static inline int msg_ok(const void *buf, size_t len, uint64_t seq)
{
	const unsigned char *p = buf;
	uint64_t got, sum = 0, want;

	if (len < 16)
		return 0;
	memcpy(&got, p, 8);
	if (got != seq)
		return 0;
	for (size_t i = 16; i < len; i++) {
		if (p[i] != (unsigned char)(seq * 131 + i))
			return 0;
		sum = sum * 31 + p[i];
	}
	memcpy(&want, p + 8, 8);
	return want == sum;
}

/* Message length varies with seq, so lengths are checked too. */
static inline size_t msg_len(uint64_t seq, size_t max)
{
	return 16 + (size_t)(seq * 7919 % (max - 15));
}

#endif
