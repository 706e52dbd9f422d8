/* sub.h - the subscriber's private state, shared with the wait-set. */
#ifndef SLUICE_CHANNEL_SUB_H
#define SLUICE_CHANNEL_SUB_H

#include <stdbool.h>
#include <stdint.h>

#include "channel/chan.h"

struct sluice_sub {
	struct chan_geom g;
	struct chan_subrec *rec;
	uint64_t cursor;    /* next sequence to read */
	uint64_t head_seen; /* publisher's head, last read */
	uint64_t delivered, lost, lost_pending;
	uint64_t last_liveness_ns;
	uint32_t off_hint; /* where the last message began: the next likely does */
	uint32_t spin_ns;
	bool busy;
	bool viewing;
	char name[SLUICE_SHM_NAME_MAX + 1];
};

/* A message is readable now (rereads head only if none looked readable). */
bool sluice__sub_has_data(struct sluice_sub *s);
bool sluice__sub_evicted(const struct sluice_sub *s);
/* -SLUICE_EEVICTED, -SLUICE_EOWNERDEAD (publisher gone, nothing left), or 0. */
int sluice__sub_check_gone(struct sluice_sub *s);

#endif
