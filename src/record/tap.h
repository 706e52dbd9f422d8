/* tap.h - a pipeline's record: and play: sections, run by the supervisor
 * (src/runtime/run.c) as child processes of its own, forked before any
 * stage: the recorder subscribes to the named topics before any stage
 * starts and writes them to an MCAP file until the last stage has drained;
 * the player publishes a recording's messages as the producer of the named
 * topics. */
#ifndef SLUICE_RECORD_TAP_H
#define SLUICE_RECORD_TAP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/model.h"
#include "sluice/pipeline.h"

struct sluice__tap;

/* At load: resolves record and play topics, loads the recording play
 * reads and checks that it holds each topic with the topic's type and
 * messages that fit its slots.  Marks those topics produced by play.
 * file:line:col errors. */
int sluice__tap_check(struct sluice_pipeline *pl);

/* Frees what the two sections hold in pl. */
void sluice__tap_free_model(struct sluice_pipeline *pl);

/* The .bfbs the recording carries for topic ti (produced by play). */
const void *sluice__tap_play_schema(const struct sluice_pipeline *pl, int ti, size_t *len);

/* After the topics exist and before any stage starts: starts the recorder
 * (it has subscribed when this returns) and the player (its topics open).  stop_sources and stop_all are the run's stop
 * words, which the player obeys.  *out is NULL when the pipeline has
 * neither section. */
int sluice__tap_start(struct sluice_pipeline *pl, const _Atomic uint32_t *stop_sources,
                      const _Atomic uint32_t *stop_all, struct sluice__tap **out);

/* Lets the player (play:) start, once the stages are ready. */
int sluice__tap_play(struct sluice__tap *t);

/* Whether the player has ended: the recording is played (no loop), it
 * failed, or it was stopped. */
int sluice__tap_play_ended(const struct sluice__tap *t);

/* After every stage has stopped: ends the player, lets the recorder take
 * what is left and finish the file, frees t.  0, or the first error of
 * either (sluice_errdetail() says what).  If rec is not NULL and the
 * recorder finished its file: *rec says what it holds (rec->file points
 * into the pipeline) and *recorded is set to 1. */
int sluice__tap_close(struct sluice__tap *t, struct sluice_record_report *rec, int *recorded);

#endif
