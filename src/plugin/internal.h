/* internal.h - what the loader's files share and nobody else sees. */
#ifndef SLUICE_PLUGIN_INTERNAL_H
#define SLUICE_PLUGIN_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>

#include "sluice/plugin.h"

#define PATH_MAX_PLUGIN 4096

struct sluice_plugin {
	atomic_int refs;
	void *dl;                              /* dlopen handle */
	const struct sluice_plugin_desc *desc; /* validated */
	/* A derived plugin (sluice__plugin_derive): the one it was made
	 * from, which holds the library, and the memory desc lives in. */
	struct sluice_plugin *base;
	void *owned;
	char path[];
};

/* The descriptor's init2, or NULL where its minor predates it: the host
 * never reads a field the plugin's descriptor does not have (validation
 * has checked desc_size against the minor). */
static inline sluice_init2_fn sluice__desc_init2(const struct sluice_plugin_desc *d)
{
	return d->abi_minor >= 1 ? d->init2 : NULL;
}

/* Resolves a plugin name or path to a file path in out. */
int sluice__plugin_resolve(const char *name, char *out, size_t len);

/* Parses text as a parameter of the given type into v; strings are pointed
 * at, not copied. Returns 0 or -SLUICE_EPARAM_VALUE (no detail recorded). */
int sluice__param_parse(uint32_t type, const char *text, struct sluice_param_value *v);

const char *sluice__param_type_name(uint32_t type);

/* Whether an ELF image exports a function called name in its dynamic
 * symbol table, found as the dynamic linker would (PT_DYNAMIC, hash table),
 * without loading it: 1 yes, 0 no, or -SLUICE_EPLUGIN_NOTSO for a file
 * that is not a well-formed shared object of this machine (*why then says
 * what is wrong; no detail is recorded). The image is untrusted: every
 * read is bounds-checked. From a buffer, or from a file by pread. */
int sluice__elf_exports(const void *buf, size_t len, const char *name, const char **why);
int sluice__elf_fd_exports(int fd, const char *name, const char **why);

/* The checks made on a file before it is dlopened: an ELF shared object
 * of this machine that exports the entry. 0, or a refusal with detail. */
int sluice__plugin_precheck(const char *path);

/* A plugin object for base's library with another descriptor: desc, which
 * lives in owned (freed with the object), e.g. a copy of base's with ports
 * decided at configure time (the runtime's Python stages). desc is
 * validated like a loaded one; the new object holds a reference on base.
 * On failure owned is freed. */
int sluice__plugin_derive(struct sluice_plugin *base, const struct sluice_plugin_desc *desc,
                          void *owned, struct sluice_plugin **out);

#endif
