/* sluice/loader.h - the host side of plugins: finding and loading plugin
 * files, validating their descriptors, and running stage instances.
 *
 * A plugin is loaded once per sluice_plugin_open() and reference-counted:
 * every stage instance holds a reference, so the library is never unloaded
 * while code or data from it can still be reached. Set SLUICE_NO_DLCLOSE=1
 * to keep libraries mapped after the last reference (so that valgrind and
 * ASan can still symbolise the plugin's frames in leak reports).
 *
 * Search path: the directories in $SLUICE_PLUGIN_PATH (colon-separated),
 * then the build tree's plugin directory (for programs run from the build
 * tree), then the install directory. A name without '/' is looked up as
 * <dir>/<name>.so (or <dir>/<name> if it already ends in .so) in that
 * order; a name with '/' is used as a path.
 */
#ifndef SLUICE_LOADER_H
#define SLUICE_LOADER_H

#include <stdbool.h>
#include <stddef.h>

#include "sluice/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sluice_plugin; /* a loaded, validated plugin library */
struct sluice_stage;  /* one running instance of a plugin */

/* Loads and validates a plugin. Every refusal returns a negative code and
 * leaves a detail naming the file and the reason (sluice_errdetail()):
 * -ENOENT, -SLUICE_EPLUGIN_NOTSO, _DLOPEN, _NOENTRY, _MAGIC, _ABI, _LAYOUT,
 * _DESC, _CALLBACK, _PARAM, _PORT. */
int sluice_plugin_open(const char *name_or_path, struct sluice_plugin **out);

struct sluice_plugin *sluice_plugin_ref(struct sluice_plugin *p);
/* Drops a reference; the last one unloads the library. */
void sluice_plugin_unref(struct sluice_plugin *p);

const struct sluice_plugin_desc *sluice_plugin_descriptor(const struct sluice_plugin *p);
const char *sluice_plugin_file(const struct sluice_plugin *p); /* the resolved path */

/* Checks a descriptor as the loader does (file names it in messages).
 * Calls nothing in the descriptor. */
int sluice_plugin_validate(const struct sluice_plugin_desc *d, const char *file);

/* The effective search path, colon-separated (for messages and --help). */
const char *sluice_plugin_search_path(void);

/* Calls fn(path, arg) for every *.so in the search path directories, in
 * path order and by name within a directory; stops early if fn returns
 * non-zero and returns that value. */
int sluice_plugin_foreach(int (*fn)(const char *path, void *arg), void *arg);

/* What sluice_plugin_scan() found out about one file. */
enum sluice_scan_verdict {
	SLUICE_SCAN_PLUGIN,     /* loads and validates: name, version, summary set */
	SLUICE_SCAN_NOT_PLUGIN, /* exports no sluice_plugin_entry: never loaded */
	SLUICE_SCAN_REFUSED,    /* the loader refuses it: code and reason */
	SLUICE_SCAN_BROKEN,     /* loading it crashed or hung the scanning process */
};

/* Who may write a file or directory: the facts, for the caller to judge. */
struct sluice_file_perm {
	unsigned mode; /* permission bits of st_mode */
	unsigned uid, gid;
	bool group_writable, world_writable;
};

#define SLUICE_SCAN_TEXT 512

struct sluice_plugin_scan {
	int verdict;                   /* enum sluice_scan_verdict */
	int code;                      /* REFUSED, NOT_PLUGIN: the loader's negative code */
	int signal;                    /* BROKEN: the signal that ended the scan, or 0 */
	char path[4096];               /* the resolved file */
	char reason[SLUICE_SCAN_TEXT]; /* for every verdict but PLUGIN */
	char name[SLUICE_SCAN_TEXT], version[SLUICE_SCAN_TEXT], summary[SLUICE_SCAN_TEXT];
	struct sluice_file_perm file;
};

/* Looks at a plugin without risking the caller, as GStreamer's plugin
 * scanner does: the file must export the entry in its ELF dynamic symbol
 * table (read from the file; a library that does not is never loaded),
 * and is then loaded and validated in a child process (fork) whose answer
 * comes back over a pipe, so a constructor that aborts, crashes or hangs
 * (past timeout_ms; <= 0 means 10 s) costs only the child. Returns 0 with
 * the verdict in out, or a negative code when the file cannot be found or
 * the child cannot be started. It forks: call it from a single-threaded
 * program. */
int sluice_plugin_scan(const char *name_or_path, int timeout_ms, struct sluice_plugin_scan *out);

/* stat()s path (following links: what would be loaded) into out. */
int sluice_file_perm(const char *path, struct sluice_file_perm *out);

/* A parameter setting as text, e.g. from a pipeline file or a command line. */
struct sluice_param_setting {
	const char *name;
	const char *value;
};

/* Checks settings against a plugin's declarations without instantiating:
 * -SLUICE_EPARAM_UNKNOWN, -SLUICE_EPARAM_VALUE, or -EINVAL for a required
 * parameter left unset. */
int sluice_params_check(const struct sluice_plugin_desc *d, const struct sluice_param_setting *set,
                        size_t n);

/* Where sluice_params_check_at() found the first fault (-1: not concerned). */
struct sluice_param_fault {
	long setting; /* the setting at fault: unknown name, or a value that does not parse */
	long decl;    /* the declaration: of the bad value, or a required one left unset */
};

/* The same check, saying where the fault is (for messages that point at a
 * file position); where may be NULL. */
int sluice_params_check_at(const struct sluice_plugin_desc *d,
                           const struct sluice_param_setting *set, size_t n,
                           struct sluice_param_fault *where);

/* "bool", "int", "double" or "string" for a SLUICE_PARAM_* type; NULL otherwise. */
const char *sluice_param_type_name(uint32_t type);

/* Creates an instance: parses parameters (defaults, then settings),
 * allocates the state (inline in the instance when it fits, else on the
 * heap; zeroed either way), and calls init. ctx must outlive the stage.
 * The stage holds a reference to p. */
int sluice_stage_create(struct sluice_plugin *p, const struct sluice_ctx *ctx,
                        const struct sluice_param_setting *set, size_t n,
                        struct sluice_stage **out);

/* Delivers one message to input msg->input's on_message. */
int sluice_stage_on_message(struct sluice_stage *s, const struct sluice_stage_msg *msg);

/* Calls on_tick (-ENOTSUP for a stage without a tick rate). */
int sluice_stage_tick(struct sluice_stage *s);

/* Calls fini, frees the state and drops the plugin reference. NULL is ignored. */
void sluice_stage_destroy(struct sluice_stage *s);

const struct sluice_plugin_desc *sluice_stage_descriptor(const struct sluice_stage *s);
void *sluice_stage_state(const struct sluice_stage *s);
bool sluice_stage_state_inline(const struct sluice_stage *s);

#ifdef __cplusplus
}
#endif
#endif
