/* ctor.c - libraries whose constructors misbehave, for the scanner's tests,
 * one per build: CTOR_MARKER (not a plugin: no entry; its constructor writes
 * the file named by $SLUICE_TEST_MARKER, so a test sees whether it ran),
 * CTOR_ABORT, CTOR_SEGV, CTOR_HANG (plugins whose constructor aborts,
 * crashes or never returns). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sluice/plugin.h>

__attribute__((constructor)) static void ctor(void)
{
#if defined(CTOR_MARKER)
	const char *m = getenv("SLUICE_TEST_MARKER");
	FILE *f = m && *m ? fopen(m, "w") : NULL;

	if (f) {
		fputs("a constructor ran\n", f);
		fclose(f);
	}
#elif defined(CTOR_ABORT)
	abort();
#elif defined(CTOR_SEGV)
	raise(SIGSEGV);
#elif defined(CTOR_HANG)
	for (;;)
		pause();
#endif
}

#if defined(CTOR_MARKER)
/* An ordinary library: something exported, but no sluice_plugin_entry. */
__attribute__((visibility("default"))) int ctor_marker_value(void);
int ctor_marker_value(void)
{
	return 42;
}
#else
static int ctor_init(void *st, const struct sluice_ctx *ctx, const struct sluice_param_value *p)
{
	(void)st;
	(void)ctx;
	(void)p;
	return 0;
}

static int ctor_tick(void *st, const struct sluice_ctx *ctx)
{
	(void)st;
	(void)ctx;
	return 0;
}

SLUICE_PLUGIN(.name = "ctor", .version = "1", .summary = "a constructor that misbehaves",
              .state_size = 8, .state_align = 8, .tick_hz = 1, .init = ctor_init,
              .on_tick = ctor_tick);
#endif
