/* sluice/plugin.h - the stage ABI: everything a plugin needs, and nothing
 * else (this header includes only the C library).
 *
 * A plugin is a shared object that exports exactly one function,
 * sluice_plugin_entry(), returning a constant descriptor: who the stage is,
 * its parameters and ports, the size of its state, and its callbacks. The
 * host validates the descriptor before calling anything in it, allocates the
 * state (inline when small), and passes a context of host services (publish,
 * log, clock) to every callback, so a plugin never links against the host.
 *
 * Writing a plugin (tests/plugin builds this very text, so it compiles):
 *
 *     #include <sluice/plugin.h>
 *
 *     struct counter {
 *             int64_t n, step;
 *     };
 *
 *     static int counter_init(void *st, const struct sluice_ctx *ctx,
 *                             const struct sluice_param_value *p, uint32_t n)
 *     {
 *             (void)ctx;
 *             ((struct counter *)st)->step = sluice_param_find(p, n, "step")->v.i;
 *             return 0;
 *     }
 *
 *     static int counter_tick(void *st, const struct sluice_ctx *ctx)
 *     {
 *             struct counter *c = st;
 *
 *             c->n += c->step;
 *             return sluice_publish(ctx, 0, &c->n, sizeof(c->n));
 *     }
 *
 *     static const struct sluice_param_decl params[] = {
 *         {"step", SLUICE_PARAM_INT, "1", "added on every tick"}};
 *     static const struct sluice_output_decl outputs[] = {
 *         {"out", "sluice.Int64", "the running count", NULL}};
 *     SLUICE_PLUGIN(.name = "counter", .version = "1.0.0",
 *                   .summary = "counts at a fixed rate",
 *                   SLUICE_PARAMS(params), SLUICE_OUTPUTS(outputs),
 *                   SLUICE_STATE(struct counter), .tick_hz = 100,
 *                   .init2 = counter_init, .on_tick = counter_tick);
 *
 * Build it with -fvisibility=hidden (only the entry is exported) into
 * <name>.so somewhere on the plugin search path.
 *
 * Compatibility (the SPA / SQLite way): the ABI has a major and a minor
 * version. The descriptor starts with a fixed prefix (magic, major, size,
 * fingerprint, layout table, minor) whose fields are naturally aligned, so
 * every compiler and packing reads it the same way. A minor version only
 * appends fields, to the end of the descriptor and of sluice_ctx, and
 * never raises either struct's alignment; each ABI member is tagged with
 * the minor that added it. A host of minor M loads a plugin of the same
 * major and any minor m <= M: it checks the plugin against the fingerprint
 * of minor m (the members of minors 0..m, with the descriptor and context
 * sized as in m), checks desc_size before reading a field of a later minor,
 * and never calls what the plugin does not have. It refuses, saying why, a
 * plugin of another major or of a newer minor (m > M: it could use context
 * functions this host lacks). A plugin reads ctx->abi_minor or ctx->size
 * to know what its host has; since a newer-minor plugin is never loaded,
 * a plugin can rely on everything of its own minor.
 *
 * Minor 1 added: sluice_ctx.commit_at (commit any (offset, len) of a loan,
 * as the channel does) and sluice_plugin_desc.init2 (init with the
 * parameter count; a new callback rather than a count in the context,
 * because the values are the instance's, handed over once, and a minor-0
 * plugin's three-argument init keeps its exact signature). init and init2
 * are both optional; give at most one. sluice/plugin_fb.h builds a
 * FlatBuffers message in a loan and commits it with commit_at, no copy.
 */
#ifndef SLUICE_PLUGIN_H
#define SLUICE_PLUGIN_H

#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SLUICE_PLUGIN_MAGIC       0x4c50454349554c53ULL /* "SLUICEPL" little-endian */
#define SLUICE_PLUGIN_ABI_VERSION 1u /* the major version: a change refuses older plugins */
#define SLUICE_PLUGIN_ABI_MINOR   1u /* appended fields: older minors stay loadable */
#define SLUICE_PLUGIN_ENTRY       "sluice_plugin_entry"

/* Parameter types. Defaults and values are written as text ("42", "0.5",
 * "true", "imu0") and parsed by the host according to the type. */
enum sluice_param_type {
	SLUICE_PARAM_BOOL = 1,
	SLUICE_PARAM_INT = 2,    /* int64_t */
	SLUICE_PARAM_DOUBLE = 3, /* double */
	SLUICE_PARAM_STRING = 4, /* const char *, owned by the host */
};

struct sluice_param_decl {
	const char *name;          /* [A-Za-z_][A-Za-z0-9_]*, unique in the plugin */
	uint32_t type;             /* enum sluice_param_type */
	const char *default_value; /* text that parses as type; NULL: required */
	const char *help;          /* one line */
};

/* A parameter as the plugin's init sees it: one per declared parameter, in
 * declaration order, already parsed and checked by the host. */
struct sluice_param_value {
	const char *name; /* the declaration's name */
	uint32_t type;
	union {
		int b; /* SLUICE_PARAM_BOOL: 0 or 1 */
		int64_t i;
		double d;
		const char *s;
	} v;
};

/* A message handed to on_message, valid only during the call. */
struct sluice_stage_msg {
	const void *data;
	size_t size;
	uint64_t publish_ns; /* CLOCK_MONOTONIC time the publisher committed it */
	uint64_t seq;        /* per-topic sequence number */
	uint32_t input;      /* index of the input port it arrived on */
};

struct sluice_ctx;

typedef int (*sluice_init_fn)(void *state, const struct sluice_ctx *ctx,
                              const struct sluice_param_value *params);
/* init with the parameters' count (minor 1): n_params values, one per
 * declared parameter, so sluice_param_find(params, n_params, ...) works. */
typedef int (*sluice_init2_fn)(void *state, const struct sluice_ctx *ctx,
                               const struct sluice_param_value *params, uint32_t n_params);
typedef int (*sluice_message_fn)(void *state, const struct sluice_ctx *ctx,
                                 const struct sluice_stage_msg *msg);
typedef int (*sluice_tick_fn)(void *state, const struct sluice_ctx *ctx);
typedef void (*sluice_fini_fn)(void *state, const struct sluice_ctx *ctx);

/* An input port: the host calls on_message for each message that arrives on
 * it. A stage with several inputs gets each on its own callback (or the
 * same one, telling them apart by msg->input). */
struct sluice_input_decl {
	const char *name;     /* unique among the stage's ports */
	const char *msg_type; /* fully qualified message type, e.g. "sluice.demo.Imu";
			       * "*" accepts any type */
	const char *help;
	sluice_message_fn on_message; /* required */
};

/* The most input ports, and the most output ports, a plugin may declare
 * (each, not together). The loader refuses more; the host's port tables are
 * this size and are indexed by the plugin's own port index. */
#define SLUICE_PLUGIN_MAX_PORTS 16

struct sluice_output_decl {
	const char *name;
	const char *msg_type;
	const char *help;
	/* Optional: the message type's binary schema (.bfbs), which the host
	 * attaches to the topic so that tools can decode it without compiled-in
	 * types; sluicec's generated sluice_bfbs_<schema>() fits. NULL: none. */
	const uint8_t *(*schema)(size_t *len);
};

/* Log levels for sluice_ctx.log. */
enum sluice_log_level {
	SLUICE_LOG_ERROR = 0,
	SLUICE_LOG_WARN = 1,
	SLUICE_LOG_INFO = 2,
	SLUICE_LOG_DEBUG = 3,
};

/* Host services, passed to every callback. Owned by the host and valid for
 * the stage's life. Each function takes the context itself, so the host can
 * embed it in its own per-stage record. */
struct sluice_ctx {
	uint32_t size;      /* sizeof(struct sluice_ctx) as the host built it */
	uint32_t abi_minor; /* the host's SLUICE_PLUGIN_ABI_MINOR (0 in minor 0) */
	const char *stage_name; /* the instance's name in the pipeline */
	void *host;             /* the host's own data; plugins leave it alone */
	/* Copies size bytes as one message on output port `output`. */
	int (*publish)(const struct sluice_ctx *ctx, uint32_t output, const void *data,
	               size_t size);
	/* Zero copy: borrow a slot of at least min_size bytes on an output,
	 * build the message in it, then commit it (or commit 0 to drop it).
	 * commit() takes the message to be the LAST size bytes of the
	 * *capacity bytes at *buf; commit_at() (minor 1) takes any part. */
	int (*loan)(const struct sluice_ctx *ctx, uint32_t output, size_t min_size, void **buf,
	            size_t *capacity);
	int (*commit)(const struct sluice_ctx *ctx, uint32_t output, size_t size);
	void (*log)(const struct sluice_ctx *ctx, int level, const char *fmt, va_list ap);
	uint64_t (*now_ns)(const struct sluice_ctx *ctx); /* CLOCK_MONOTONIC */
	/* A named figure for the run's summary (e.g. "rmse_fused_m"). */
	int (*report)(const struct sluice_ctx *ctx, const char *key, double value);

	/* Minor 1. */
	/* Publishes the loan's bytes [offset, offset + len), where they lie, as
	 * the channel's sluice_pub_commit does: a FlatBuffers builder's message
	 * (sluice_fb_msg) is committed without moving it. len 0 drops the loan. */
	int (*commit_at)(const struct sluice_ctx *ctx, uint32_t output, size_t offset,
	                 size_t len);
};

/* One line of a plugin's layout table: what the plugin's compiler made of
 * one ABI struct member (or a struct's size and alignment, or a machine
 * property). The host compares it with its own to name a mismatch. */
struct sluice_layout_entry {
	const char *what;
	uint32_t offset; /* offsetof, or alignof for a whole struct */
	uint32_t size;   /* sizeof */
};

struct sluice_plugin_desc {
	/* Fixed prefix: never changes, naturally aligned under any packing. */
	uint64_t magic;       /* SLUICE_PLUGIN_MAGIC */
	uint32_t abi_version; /* SLUICE_PLUGIN_ABI_VERSION */
	uint32_t desc_size;   /* sizeof(struct sluice_plugin_desc) as built */
	uint64_t fingerprint; /* SLUICE_PLUGIN_FINGERPRINT as built */
	const struct sluice_layout_entry *layout;
	uint32_t n_layout;
	uint32_t abi_minor; /* SLUICE_PLUGIN_ABI_MINOR as built (minor 0 left it 0) */

	/* Version 1. */
	const char *name;    /* unique; [A-Za-z0-9_-]+ */
	const char *version; /* the plugin's own version */
	const char *summary; /* one line */
	const struct sluice_param_decl *params;
	uint32_t n_params;
	uint32_t n_inputs;
	const struct sluice_input_decl *inputs;
	const struct sluice_output_decl *outputs;
	uint32_t n_outputs;
	uint32_t flags;         /* none defined yet; must be 0 */
	size_t state_size;      /* bytes of per-instance state the host allocates, zeroed */
	size_t state_align;     /* its alignment (power of two) */
	double tick_hz;         /* > 0: on_tick runs at this rate; 0: never */
	sluice_init_fn init;    /* optional (minor 0 required it) */
	sluice_tick_fn on_tick; /* required when tick_hz > 0 */
	sluice_fini_fn fini;    /* optional */

	/* Minor 1. */
	sluice_init2_fn init2; /* optional; init with the parameter count; not with init */
};

typedef const struct sluice_plugin_desc *(*sluice_plugin_entry_fn)(void);

/* --- the layout fingerprint ------------------------------------------- */

/* Every ABI struct, every member: X(a, struct, member, index-in-struct,
 * minor-that-added-it), a being passed through (the minor the fingerprint
 * or table is made for). The fingerprint and the layout tables, the
 * plugin's and the host's, are all generated from this one list. */
#define SLUICE__ABI_MEMBERS(X, a)                                                                  \
	X(a, sluice_param_decl, name, 0, 0)                                                        \
	X(a, sluice_param_decl, type, 1, 0)                                                        \
	X(a, sluice_param_decl, default_value, 2, 0)                                               \
	X(a, sluice_param_decl, help, 3, 0)                                                        \
	X(a, sluice_param_value, name, 0, 0)                                                       \
	X(a, sluice_param_value, type, 1, 0)                                                       \
	X(a, sluice_param_value, v, 2, 0)                                                          \
	X(a, sluice_stage_msg, data, 0, 0)                                                         \
	X(a, sluice_stage_msg, size, 1, 0)                                                         \
	X(a, sluice_stage_msg, publish_ns, 2, 0)                                                   \
	X(a, sluice_stage_msg, seq, 3, 0)                                                          \
	X(a, sluice_stage_msg, input, 4, 0)                                                        \
	X(a, sluice_input_decl, name, 0, 0)                                                        \
	X(a, sluice_input_decl, msg_type, 1, 0)                                                    \
	X(a, sluice_input_decl, help, 2, 0)                                                        \
	X(a, sluice_input_decl, on_message, 3, 0)                                                  \
	X(a, sluice_output_decl, name, 0, 0)                                                       \
	X(a, sluice_output_decl, msg_type, 1, 0)                                                   \
	X(a, sluice_output_decl, help, 2, 0)                                                       \
	X(a, sluice_output_decl, schema, 3, 0)                                                     \
	X(a, sluice_ctx, size, 0, 0)                                                               \
	X(a, sluice_ctx, abi_minor, 1, 0)                                                          \
	X(a, sluice_ctx, stage_name, 2, 0)                                                         \
	X(a, sluice_ctx, host, 3, 0)                                                               \
	X(a, sluice_ctx, publish, 4, 0)                                                            \
	X(a, sluice_ctx, loan, 5, 0)                                                               \
	X(a, sluice_ctx, commit, 6, 0)                                                             \
	X(a, sluice_ctx, log, 7, 0)                                                                \
	X(a, sluice_ctx, now_ns, 8, 0)                                                             \
	X(a, sluice_ctx, report, 9, 0)                                                             \
	X(a, sluice_ctx, commit_at, 10, 1)                                                         \
	X(a, sluice_layout_entry, what, 0, 0)                                                      \
	X(a, sluice_layout_entry, offset, 1, 0)                                                    \
	X(a, sluice_layout_entry, size, 2, 0)                                                      \
	X(a, sluice_plugin_desc, magic, 0, 0)                                                      \
	X(a, sluice_plugin_desc, abi_version, 1, 0)                                                \
	X(a, sluice_plugin_desc, desc_size, 2, 0)                                                  \
	X(a, sluice_plugin_desc, fingerprint, 3, 0)                                                \
	X(a, sluice_plugin_desc, layout, 4, 0)                                                     \
	X(a, sluice_plugin_desc, n_layout, 5, 0)                                                   \
	X(a, sluice_plugin_desc, abi_minor, 6, 0)                                                  \
	X(a, sluice_plugin_desc, name, 7, 0)                                                       \
	X(a, sluice_plugin_desc, version, 8, 0)                                                    \
	X(a, sluice_plugin_desc, summary, 9, 0)                                                    \
	X(a, sluice_plugin_desc, params, 10, 0)                                                    \
	X(a, sluice_plugin_desc, n_params, 11, 0)                                                  \
	X(a, sluice_plugin_desc, n_inputs, 12, 0)                                                  \
	X(a, sluice_plugin_desc, inputs, 13, 0)                                                    \
	X(a, sluice_plugin_desc, outputs, 14, 0)                                                   \
	X(a, sluice_plugin_desc, n_outputs, 15, 0)                                                 \
	X(a, sluice_plugin_desc, flags, 16, 0)                                                     \
	X(a, sluice_plugin_desc, state_size, 17, 0)                                                \
	X(a, sluice_plugin_desc, state_align, 18, 0)                                               \
	X(a, sluice_plugin_desc, tick_hz, 19, 0)                                                   \
	X(a, sluice_plugin_desc, init, 20, 0)                                                      \
	X(a, sluice_plugin_desc, on_tick, 21, 0)                                                   \
	X(a, sluice_plugin_desc, fini, 22, 0)                                                      \
	X(a, sluice_plugin_desc, init2, 23, 1)

/* Every ABI struct as a whole: X(a, struct, index). */
#define SLUICE__ABI_STRUCTS(X, a)                                                                  \
	X(a, sluice_param_decl, 0)                                                                 \
	X(a, sluice_param_value, 1)                                                                \
	X(a, sluice_stage_msg, 2)                                                                  \
	X(a, sluice_input_decl, 3)                                                                 \
	X(a, sluice_output_decl, 4)                                                                \
	X(a, sluice_ctx, 5)                                                                        \
	X(a, sluice_layout_entry, 6)                                                               \
	X(a, sluice_plugin_desc, 7)

/* The size of a struct as minor a defined it: the appendable ones
 * (sluice_ctx, the descriptor) end after the last member of minor a,
 * rounded up to their alignment, which an append never raises; a new minor
 * that appends adds one more level here. The others never change. */
#define SLUICE__END(s, m)    (offsetof(struct s, m) + SLUICE__MEMBER_SIZE(s, m))
#define SLUICE__ROUND(x, al) (((x) + (al) - 1) / (al) * (al))
#define SLUICE__SIZE_AT(s, a) SLUICE__SIZE_##s(a)
#define SLUICE__SIZE_sluice_param_decl(a)   sizeof(struct sluice_param_decl)
#define SLUICE__SIZE_sluice_param_value(a)  sizeof(struct sluice_param_value)
#define SLUICE__SIZE_sluice_stage_msg(a)    sizeof(struct sluice_stage_msg)
#define SLUICE__SIZE_sluice_input_decl(a)   sizeof(struct sluice_input_decl)
#define SLUICE__SIZE_sluice_output_decl(a)  sizeof(struct sluice_output_decl)
#define SLUICE__SIZE_sluice_layout_entry(a) sizeof(struct sluice_layout_entry)
#define SLUICE__SIZE_sluice_ctx(a)                                                                 \
	SLUICE__ROUND(SLUICE__IN_MINOR(1, a) ? SLUICE__END(sluice_ctx, commit_at)                  \
	                                     : SLUICE__END(sluice_ctx, report),                    \
	              alignof(struct sluice_ctx))
#define SLUICE__SIZE_sluice_plugin_desc(a)                                                         \
	SLUICE__ROUND(SLUICE__IN_MINOR(1, a) ? SLUICE__END(sluice_plugin_desc, init2)              \
	                                     : SLUICE__END(sluice_plugin_desc, fini),              \
	              alignof(struct sluice_plugin_desc))
/* Whether something added in minor v is part of minor a (written so that
 * no compiler calls the comparison always true for v = 0). */
#define SLUICE__IN_MINOR(v, a) ((uint64_t)(v) < (uint64_t)(a) + 1u)

/* A constant-expression mixer (the finaliser of splitmix64), so that the
 * fingerprint can sit in a static initialiser. */
#define SLUICE__M1(x) (((x) ^ ((x) >> 30)) * 0xbf58476d1ce4e5b9ULL)
#define SLUICE__M2(x) (((x) ^ ((x) >> 27)) * 0x94d049bb133111ebULL)
#define SLUICE__MIX(x)                                                                             \
	(SLUICE__M2(SLUICE__M1((uint64_t)(x))) ^ (SLUICE__M2(SLUICE__M1((uint64_t)(x))) >> 31))

#define SLUICE__MEMBER_SIZE(s, m) sizeof(((struct s *)0)->m)
/* Each term mixes where a member is, how big it is, and which member of which
 * struct it is (struct name length, member index), then all terms are summed;
 * members of later minors than a add nothing. (Minor 0's fingerprint is
 * thereby the one that headers before minor versions computed.) */
#define SLUICE__FP_MEMBER(a, s, m, i, v)                                                           \
	+(SLUICE__IN_MINOR(v, a)                                                                   \
	      ? SLUICE__MIX(((uint64_t)offsetof(struct s, m) << 32) ^                              \
	                    ((uint64_t)SLUICE__MEMBER_SIZE(s, m) << 16) ^                          \
	                    ((uint64_t)sizeof(#s) << 8) ^ (uint64_t)(i))                           \
	      : 0u)
#define SLUICE__FP_STRUCT(a, s, i)                                                                 \
	+SLUICE__MIX(((uint64_t)SLUICE__SIZE_AT(s, a) << 32) ^ ((uint64_t)alignof(struct s) << 16) ^ \
	             ((uint64_t)0xa5 << 8) ^ (uint64_t)(i))

/* Byte order as a constant: 1 on little-endian, 2 on big-endian machines. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define SLUICE__BYTE_ORDER 2u
#else
#define SLUICE__BYTE_ORDER 1u
#endif

/* The fingerprint of minor a of this major, as this compiler lays it out;
 * a plugin carries the one of its own minor. */
#define SLUICE_PLUGIN_FINGERPRINT_AT(a)                                                            \
	((uint64_t)(SLUICE__MIX(((uint64_t)SLUICE__BYTE_ORDER << 8) | sizeof(void *))              \
	                SLUICE__ABI_MEMBERS(SLUICE__FP_MEMBER, a)                                  \
	                    SLUICE__ABI_STRUCTS(SLUICE__FP_STRUCT, a)))
#define SLUICE_PLUGIN_FINGERPRINT SLUICE_PLUGIN_FINGERPRINT_AT(SLUICE_PLUGIN_ABI_MINOR)

/* Layout table rows (every member of this header: the plugin's own minor).
 * The names are what the host prints on a mismatch. */
#define SLUICE__LAYOUT_MEMBER(a, s, m, i, v)                                                       \
	{#s "." #m, (uint32_t)offsetof(struct s, m), (uint32_t)SLUICE__MEMBER_SIZE(s, m)},
#define SLUICE__LAYOUT_STRUCT(a, s, i)                                                             \
	{"struct " #s, (uint32_t)alignof(struct s), (uint32_t)SLUICE__SIZE_AT(s, a)},
#define SLUICE_PLUGIN_LAYOUT_TABLE                                                                 \
	{"byte order, pointer size", SLUICE__BYTE_ORDER, (uint32_t)sizeof(void *)},                \
	    SLUICE__ABI_STRUCTS(SLUICE__LAYOUT_STRUCT, SLUICE_PLUGIN_ABI_MINOR)                    \
	        SLUICE__ABI_MEMBERS(SLUICE__LAYOUT_MEMBER, SLUICE_PLUGIN_ABI_MINOR)

/* --- writing a plugin ------------------------------------------------- */

#define SLUICE_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SLUICE_PARAMS(a)    .params = (a), .n_params = (uint32_t)SLUICE_ARRAY_LEN(a)
#define SLUICE_INPUTS(a)    .inputs = (a), .n_inputs = (uint32_t)SLUICE_ARRAY_LEN(a)
#define SLUICE_OUTPUTS(a)   .outputs = (a), .n_outputs = (uint32_t)SLUICE_ARRAY_LEN(a)
#define SLUICE_STATE(T)     .state_size = sizeof(T), .state_align = alignof(T)

#if defined(__GNUC__)
#define SLUICE_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define SLUICE_PLUGIN_EXPORT
#endif

/* Defines the descriptor from designated initialisers (name, version,
 * summary, ports, state, callbacks) and the one exported entry function. */
#define SLUICE_PLUGIN(...)                                                                         \
	static const struct sluice_layout_entry sluice__plugin_layout[] = {                        \
	    SLUICE_PLUGIN_LAYOUT_TABLE};                                                           \
	static const struct sluice_plugin_desc sluice__plugin_desc = {                             \
	    .magic = SLUICE_PLUGIN_MAGIC,                                                          \
	    .abi_version = SLUICE_PLUGIN_ABI_VERSION,                                              \
	    .abi_minor = SLUICE_PLUGIN_ABI_MINOR,                                                  \
	    .desc_size = (uint32_t)sizeof(struct sluice_plugin_desc),                              \
	    .fingerprint = SLUICE_PLUGIN_FINGERPRINT,                                              \
	    .layout = sluice__plugin_layout,                                                       \
	    .n_layout = (uint32_t)SLUICE_ARRAY_LEN(sluice__plugin_layout),                         \
	    __VA_ARGS__};                                                                          \
	SLUICE_PLUGIN_EXPORT const struct sluice_plugin_desc *sluice_plugin_entry(void);           \
	const struct sluice_plugin_desc *sluice_plugin_entry(void)                                 \
	{                                                                                          \
		return &sluice__plugin_desc;                                                       \
	}                                                                                          \
	/* a redeclaration, so that the use ends with ';' like any declaration */                  \
	const struct sluice_plugin_desc *sluice_plugin_entry(void)

/* --- calling the host from a plugin ----------------------------------- */

static inline int sluice_publish(const struct sluice_ctx *ctx, uint32_t output, const void *data,
                                 size_t size)
{
	return ctx->publish(ctx, output, data, size);
}

/* Zero copy: borrows a slot of at least min_size bytes on output. */
static inline int sluice_loan(const struct sluice_ctx *ctx, uint32_t output, size_t min_size,
                              void **buf, size_t *capacity)
{
	return ctx->loan(ctx, output, min_size, buf, capacity);
}

/* Publishes the loan's bytes [offset, offset + len) where they lie (len 0
 * drops the loan). Minor 1: every host that loads this plugin has it. */
static inline int sluice_commit_at(const struct sluice_ctx *ctx, uint32_t output, size_t offset,
                                   size_t len)
{
	return ctx->commit_at(ctx, output, offset, len);
}

static inline uint64_t sluice_now_ns(const struct sluice_ctx *ctx)
{
	return ctx->now_ns(ctx);
}

static inline int sluice_report(const struct sluice_ctx *ctx, const char *key, double value)
{
	return ctx->report ? ctx->report(ctx, key, value) : 0;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static inline void
sluice_log(const struct sluice_ctx *ctx, int level, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->log)
		return;
	va_start(ap, fmt);
	ctx->log(ctx, level, fmt, ap);
	va_end(ap);
}

/* The value of the parameter called name, or NULL (a plugin normally
 * indexes params[] by declaration order instead). */
static inline const struct sluice_param_value *
sluice_param_find(const struct sluice_param_value *params, uint32_t n, const char *name)
{
	for (uint32_t i = 0; i < n; i++) {
		const char *a = params[i].name, *b = name;

		while (*a && *a == *b)
			a++, b++;
		if (*a == *b)
			return &params[i];
	}
	return NULL;
}

#ifdef __cplusplus
}
#endif
#endif
