/* readers.c - test plugin in the shape of issue 7's fusion stage: two
 * inputs, each feeding a sensor reader held as a type-erased object, so the
 * stage's logic knows only the reader interface. One reader is small (kept
 * inline in its erased object), the other large (on the heap); both own
 * memory that fini must release. Links libsluice privately (LINK_SLUICE). */
#include <stdlib.h>
#include <string.h>

#include <sluice/erase.h>
#include <sluice/plugin.h>

/* The interface every reader implements. */
struct reader_iface {
	struct sluice_erase_ops base;
	int (*feed)(void *self, const void *data, size_t size);
	double (*estimate)(const void *self);
};

/* Keeps the last value (small: inline). */
struct last_reader {
	double *last; /* heap, to prove destroy runs */
};

static void last_destroy(void *o)
{
	free(((struct last_reader *)o)->last);
}

static int last_feed(void *self, const void *data, size_t size)
{
	struct last_reader *r = self;

	if (size != sizeof(double))
		return -22;
	memcpy(r->last, data, sizeof(double));
	return 0;
}

static double last_estimate(const void *self)
{
	return *((const struct last_reader *)self)->last;
}

static const struct reader_iface last_iface = {{"last_reader", sizeof(struct last_reader),
                                                _Alignof(struct last_reader), last_destroy, NULL,
                                                NULL},
                                               last_feed,
                                               last_estimate};

/* Averages a window of values (large: heap). */
struct mean_reader {
	double window[32];
	unsigned n;
	char *name;
};

static void mean_destroy(void *o)
{
	free(((struct mean_reader *)o)->name);
}

static int mean_feed(void *self, const void *data, size_t size)
{
	struct mean_reader *r = self;

	if (size != sizeof(double))
		return -22;
	memcpy(&r->window[r->n % 32], data, sizeof(double));
	r->n++;
	return 0;
}

static double mean_estimate(const void *self)
{
	const struct mean_reader *r = self;
	unsigned k = r->n < 32 ? r->n : 32;
	double s = 0;

	for (unsigned i = 0; i < k; i++)
		s += r->window[i];
	return k ? s / k : 0;
}

static const struct reader_iface mean_iface = {{"mean_reader", sizeof(struct mean_reader),
                                                _Alignof(struct mean_reader), mean_destroy, NULL,
                                                NULL},
                                               mean_feed,
                                               mean_estimate};

struct readers {
	struct sluice_erased reader[2];
};

static int readers_init(void *st, const struct sluice_ctx *ctx, const struct sluice_param_value *p)
{
	struct readers *s = st;
	struct last_reader last = {calloc(1, sizeof(double))};
	struct mean_reader *mean;
	void *where;
	int rc;

	(void)ctx;
	(void)p;
	sluice_erased_init(&s->reader[0]);
	sluice_erased_init(&s->reader[1]);
	if (!last.last)
		return -12;
	rc = sluice_erased_make(&s->reader[0], &last_iface.base, &last);
	if (rc < 0) {
		free(last.last);
		return rc;
	}
	rc = sluice_erased_emplace(&s->reader[1], &mean_iface.base, &where);
	if (rc < 0) {
		sluice_erased_reset(&s->reader[0]);
		return rc;
	}
	mean = where;
	memset(mean, 0, sizeof(*mean));
	mean->name = calloc(8, 1);
	return 0;
}

static int on_sensor(void *st, const struct sluice_ctx *ctx, const struct sluice_stage_msg *m)
{
	struct sluice_erased *r = &((struct readers *)st)->reader[m->input];

	(void)ctx;
	/* The stage sees only the interface, whichever reader this is. */
	return SLUICE_ERASED_IFACE(r, const struct reader_iface)
	    ->feed(sluice_erased_get(r), m->data, m->size);
}

static int readers_tick(void *st, const struct sluice_ctx *ctx)
{
	struct readers *s = st;
	double out[2];

	for (int i = 0; i < 2; i++)
		out[i] = SLUICE_ERASED_IFACE(&s->reader[i], const struct reader_iface)
		             ->estimate(sluice_erased_get(&s->reader[i]));
	sluice_report(ctx, "inline0", sluice_erased_is_inline(&s->reader[0]));
	sluice_report(ctx, "inline1", sluice_erased_is_inline(&s->reader[1]));
	return sluice_publish(ctx, 0, out, sizeof(out));
}

static void readers_fini(void *st, const struct sluice_ctx *ctx)
{
	struct readers *s = st;

	(void)ctx;
	sluice_erased_reset(&s->reader[0]);
	sluice_erased_reset(&s->reader[1]);
}

static const struct sluice_input_decl readers_inputs[] = {
    {"fast", "sluice.test.Double", "fed to a last-value reader", on_sensor},
    {"slow", "sluice.test.Double", "fed to a windowed-mean reader", on_sensor},
};
static const struct sluice_output_decl readers_outputs[] = {
    {"estimates", "sluice.test.Double2", "both readers' estimates", NULL},
};

SLUICE_PLUGIN(.name = "readers", .version = "0.1.0",
              .summary = "two sensor readers behind one erased interface",
              SLUICE_INPUTS(readers_inputs), SLUICE_OUTPUTS(readers_outputs),
              SLUICE_STATE(struct readers), .tick_hz = 10, .init = readers_init,
              .on_tick = readers_tick, .fini = readers_fini);
