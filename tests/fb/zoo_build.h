/* zoo_build.h - builds and checks the reference zoo.Animal message that
 * the round-trip and interop tests share, so every writer and reader
 * agrees on one set of values. */
#ifndef TEST_FB_ZOO_BUILD_H
#define TEST_FB_ZOO_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "sluice/fb.h"

/* Builds the reference Animal into buf; returns 0 and where it lies. */
int zoo_build(void *buf, size_t cap, sluice_fb_msg *out);

/* The same, with a 32-bit size prefix in front when size_prefixed. */
int zoo_build_ex(void *buf, size_t cap, bool size_prefixed, sluice_fb_msg *out);

/* The same Animal built with the generated <T>_create() fast path for
 * every table but tags[1] (whose weight must stay absent, so it is built
 * field by field: both paths in one message). Its scalars equal to their
 * defaults are stored (force_defaults), which reads the same. */
int zoo_build_create(void *buf, size_t cap, bool size_prefixed, sluice_fb_msg *out);

/* Checks every field of a (verified) reference Animal; returns NULL when
 * all match, or the name of the first field that differs. */
const char *zoo_check(const void *msg);

#endif
