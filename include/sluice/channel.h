/* sluice/channel.h - topics: one publisher, many subscribers, zero copy.
 *
 * A topic is a shared-memory segment holding a ring of fixed-size slots.
 * The publisher loans a slot, builds its message in place and commits it;
 * each subscriber takes a read-only view of the same bytes and releases it.
 * Delivery is chosen per topic:
 *  - lossless: the publisher waits while the slowest live subscriber is a
 *    whole ring behind; a subscriber that died is evicted, never waited on;
 *  - lossy: the publisher never waits; a lapped subscriber is told exactly
 *    how many messages it lost, and a view overwritten while it was read is
 *    reported as torn when released.
 * The topic records its message type (name, schema hash, optional binary
 * schema) and refuses subscribers that expect another type.
 *
 * Timeouts are in nanoseconds: 0 never waits (-EAGAIN when it would have),
 * a negative value waits without limit, and a positive one returns
 * -ETIMEDOUT when it runs out. */
#ifndef SLUICE_CHANNEL_H
#define SLUICE_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/shm.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sluice_delivery {
	SLUICE_LOSSLESS = 1,
	SLUICE_LOSSY = 2,
};

#define SLUICE_TYPE_NAME_MAX 127
#define SLUICE_TOPIC_DEFAULT_SLOTS 64
#define SLUICE_TOPIC_DEFAULT_SLOT_SIZE 4096
#define SLUICE_TOPIC_DEFAULT_SUBSCRIBERS 32
#define SLUICE_TOPIC_MAX_SUBSCRIBERS 1024

/* What a topic is made of; used by the first publisher, which creates it.
 * Zero fields take the defaults above. */
struct sluice_topic_opts {
	struct sluice_shm_opts shm;
	uint32_t slot_size;       /* bytes a message may take */
	uint32_t slot_count;      /* a power of two */
	uint32_t max_subscribers;
	uint32_t delivery;        /* enum sluice_delivery; default lossless */
	const char *type_name;    /* e.g. "sluice.demo.Imu"; default "bytes" */
	uint64_t schema_hash;     /* 0: none */
	const void *schema;       /* optional binary schema (.bfbs) carried by the topic */
	size_t schema_len;
	uint64_t start_seq;       /* first sequence number (tests start near UINT64_MAX) */
	uint32_t spin_ns;         /* a waiting publisher spins this long first; 0 = default */
};

/* Creates a topic with no publisher yet (a pipeline runner makes its
 * topics before starting stages).  -EEXIST if it exists. */
int sluice_topic_create(const char *topic, const struct sluice_topic_opts *opts);

/* --- publisher ---------------------------------------------------------- */

struct sluice_pub;

/* Becomes the publisher of `topic`, creating it from opts if it does not
 * exist.  An existing topic must carry the same type name and schema hash.
 * -EBUSY while another publisher lives; a dead one's topic is taken over and
 * its sequence continued. */
int sluice_pub_open(const char *topic, const struct sluice_topic_opts *opts,
		    struct sluice_pub **out);

/* Gives up the publisher role; the topic stays for its subscribers. */
void sluice_pub_close(struct sluice_pub *pub);

size_t sluice_pub_slot_size(const struct sluice_pub *pub);

/* Loans the next slot for writing in place: *buf gets slot_size bytes.
 * In lossless mode it waits (up to timeout_ns) for the slowest subscriber.
 * -SLUICE_ETOOBIG if size exceeds the slot.  Until committed, nobody sees
 * the loan; loaning again without a commit returns the same slot. */
int sluice_pub_loan(struct sluice_pub *pub, size_t size, void **buf, int64_t timeout_ns);

/* Publishes the loaned slot's bytes [offset, offset + len), stamping the
 * sequence number and the CLOCK_MONOTONIC time of the call (read from the
 * TSC where the kernel's clock is the TSC: see src/common/clock.h); wakes
 * sleeping subscribers. */
int sluice_pub_commit(struct sluice_pub *pub, size_t offset, size_t len);

/* loan + copy + commit, stamped with the time of the call (or, if it had
 * to wait for room, the time the room was there). */
int sluice_pub_publish(struct sluice_pub *pub, const void *data, size_t len,
		       int64_t timeout_ns);

/* The sequence number the next commit will carry. */
uint64_t sluice_pub_next_seq(const struct sluice_pub *pub);

/* --- subscriber --------------------------------------------------------- */

enum sluice_join {
	SLUICE_JOIN_NEXT = 0,   /* the first message published after joining */
	SLUICE_JOIN_OLDEST = 1, /* the oldest message the topic still holds */
};

enum sluice_sub_flags {
	SLUICE_SUB_BUSY_POLL = 1 << 0, /* waits spin and never sleep */
};

struct sluice_sub_opts {
	struct sluice_shm_opts shm;
	const char *type_name; /* NULL accepts any type (generic tools) */
	uint64_t schema_hash;  /* 0: not checked */
	uint32_t join;         /* enum sluice_join */
	unsigned flags;        /* enum sluice_sub_flags */
	uint32_t spin_ns;      /* spin before sleeping; 0 = default (20 us, halved
				  down to none while messages come later than that) */
};

/* A message being read, in place.  Valid until sluice_sub_release(). */
struct sluice_msg {
	const void *data;
	size_t len;
	uint64_t seq;
	uint64_t stamp_ns;     /* publisher's CLOCK_MONOTONIC at commit / publish */
	uint64_t lost_before;  /* messages this subscriber lost just before this one */
	/* private */
	uint64_t version_;
	uint32_t slot_;
};

struct sluice_sub;

int sluice_sub_open(const char *topic, const struct sluice_sub_opts *opts,
		    struct sluice_sub **out);
void sluice_sub_close(struct sluice_sub *sub);

/* Takes the next message as a view into the slot.  0; -EAGAIN/-ETIMEDOUT
 * when none came in time; -SLUICE_EOWNERDEAD when the topic has no live
 * publisher and nothing is left to read; -SLUICE_EEVICTED if this
 * subscriber was evicted; -SLUICE_ECORRUPT when nothing is left to read and
 * another process has written the topic's shared state into one no
 * publisher makes (a closed or dead-looking publisher that is alive, a head
 * no commit backs): sluice_errdetail() says what, and the subscriber stays
 * usable (the publisher restores its state within a lap).  A message
 * whose slot header such a write made invalid is counted as lost.  One
 * view at a time per subscriber.  A publisher that died without closing
 * is noticed within about 50 ms (its liveness is read from /proc no more
 * often, whether take waits or polls with timeout_ns 0). */
int sluice_sub_take(struct sluice_sub *sub, struct sluice_msg *msg, int64_t timeout_ns);

/* Ends the view.  0 if the bytes stayed intact while they were read;
 * -SLUICE_ETORN if a lossy publisher overwrote the slot meanwhile: whatever
 * was read from the view must then be discarded. */
__attribute__((warn_unused_result)) int sluice_sub_release(struct sluice_sub *sub,
							   struct sluice_msg *msg);

/* Copies the next intact message into buf (never a torn one): returns its
 * length, or a negative code as sluice_sub_take; -SLUICE_ETOOBIG (and the
 * message is skipped as lost) if cap is too small.  info may be NULL. */
int sluice_sub_take_copy(struct sluice_sub *sub, void *buf, size_t cap, struct sluice_msg *info,
			 int64_t timeout_ns);

/* --- waiting on several topics ----------------------------------------- */

struct sluice_waitset;

int sluice_waitset_new(struct sluice_waitset **out);
void sluice_waitset_free(struct sluice_waitset *ws);
/* Adds a subscriber (at most 64); it is identified by its index in the set. */
int sluice_waitset_add(struct sluice_waitset *ws, struct sluice_sub *sub);
/* Waits until any member has a message: returns the index of one that has,
 * or -ETIMEDOUT / -EAGAIN.  Sleeps on all topics at once (futex_waitv). */
int sluice_waitset_wait(struct sluice_waitset *ws, int64_t timeout_ns);

/* --- introspection ------------------------------------------------------ */

struct sluice_sub_stats {
	int32_t pid;
	int alive;
	uint64_t cursor;       /* next sequence it will read */
	uint64_t delivered;
	uint64_t lost;
	int evicted;
};

struct sluice_topic_stats {
	char type_name[SLUICE_TYPE_NAME_MAX + 1];
	uint64_t schema_hash;
	uint32_t delivery;
	uint32_t slot_size, slot_count, max_subscribers;
	uint64_t published;      /* commits since the topic was created */
	uint64_t next_seq;
	uint64_t last_publish_ns; /* 0 if nothing was published */
	uint64_t evicted;        /* subscribers evicted so far */
	int32_t publisher_pid;   /* 0: none */
	int publisher_alive;
	uint32_t subscribers;    /* live entries in subs[] */
	size_t schema_len;       /* bytes of binary schema the topic carries */
};

/* Reads a topic's counters without joining it.  subs may be NULL; else up
 * to nsubs entries are filled (stats->subscribers says how many exist). */
int sluice_topic_stat(const char *topic, struct sluice_topic_stats *stats,
		      struct sluice_sub_stats *subs, size_t nsubs);

/* Copies the topic's binary schema into buf (up to cap bytes); returns its
 * full length, 0 if it has none. */
int sluice_topic_schema(const char *topic, void *buf, size_t cap);

/* Calls fn for every topic segment on this machine (/dev/shm); stops early
 * if fn returns non-zero and returns that value. */
int sluice_topic_list(int (*fn)(const char *topic, void *arg), void *arg);

/* Removes a topic nobody uses any more: its creator, its publisher and
 * every subscriber are gone.  -SLUICE_EOWNERLIVE (detail: who) otherwise. */
int sluice_topic_reclaim(const char *topic);

/* Statistics of this subscriber, as another process would see them. */
void sluice_sub_stats(const struct sluice_sub *sub, struct sluice_sub_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
