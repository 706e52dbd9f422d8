/* dynverify.h - verifies a buffer against a schema held in memory (no
 * generated code), for sluicec's converters and generic tools. */
#ifndef SLUICEC_DYNVERIFY_H
#define SLUICEC_DYNVERIFY_H

#include "schema.h"
#include "sluice/fb.h"

/* Verifies table t of type d with the runtime primitives, following the
 * same rules as generated verifiers. */
int sc_verify_table(sluice_fb_verifier *v, const struct def *d, const uint8_t *t);

/* Verifies a whole buffer whose root is a d. */
int sc_verify_buffer(const struct def *d, const void *buf, size_t len,
		     const sluice_fb_verify_opts *opts);

#endif
