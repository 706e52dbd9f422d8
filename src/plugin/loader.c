/* loader.c - opening a plugin file: resolve, check it is a shared object
 * that exports the entry (read from the file, before anything in it runs),
 * dlopen (RTLD_NOW | RTLD_LOCAL), find the entry, validate the descriptor;
 * and the reference count that decides when it may be unloaded. */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sluice/error.h"
#include "sluice/loader.h"
#include "common/detail.h"
#include "plugin/internal.h"

/* dlopen's own message for a non-ELF file is obscure ("invalid ELF header",
 * "file too short"); looking at the header first lets the refusal say what
 * the file is. */
static int check_elf(const char *path)
{
	Elf64_Ehdr h;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		int err = errno;

		if (err == ENOENT)
			return sluice__fail(-ENOENT, "%s: no such file", path);
		return sluice__fail(-err, "%s: cannot open: %s", path, strerror(err));
	}
	n = read(fd, &h, sizeof(h));
	close(fd);
	if (n < (ssize_t)EI_NIDENT || memcmp(h.e_ident, ELFMAG, SELFMAG) != 0)
		return sluice__fail(-SLUICE_EPLUGIN_NOTSO,
		                    "%s: not a shared object (no ELF header)", path);
	if (h.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32))
		return sluice__fail(-SLUICE_EPLUGIN_NOTSO,
		                    "%s: not a shared object for this machine (ELF class %u)", path,
		                    h.e_ident[EI_CLASS]);
	/* e_type sits at the same offset in 32- and 64-bit headers. */
	if (n < (ssize_t)(offsetof(Elf64_Ehdr, e_type) + sizeof(h.e_type)))
		return sluice__fail(-SLUICE_EPLUGIN_NOTSO, "%s: truncated ELF header", path);
	if (h.e_type != ET_DYN)
		return sluice__fail(-SLUICE_EPLUGIN_NOTSO, "%s: not a shared object but an ELF %s",
		                    path,
		                    h.e_type == ET_REL    ? "relocatable object (.o)"
		                    : h.e_type == ET_EXEC ? "executable"
		                    : h.e_type == ET_CORE ? "core file"
		                                          : "file of unknown type");
	return 0;
}

int sluice__plugin_precheck(const char *path)
{
	const char *why;
	int fd, rc = check_elf(path);

	if (rc < 0)
		return rc;
	/* O_NONBLOCK: a FIFO put in place of the file must not hang us. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		int err = errno;

		return sluice__fail(-err, "%s: cannot open: %s", path, strerror(err));
	}
	rc = sluice__elf_fd_exports(fd, SLUICE_PLUGIN_ENTRY, &why);
	close(fd);
	if (rc < 0)
		return sluice__fail(rc, "%s: not a shared object: %s", path,
		                    why ? why : strerror(-rc));
	/* Looked up in the file, not with dlsym: dlopen would run the
	 * constructors of whatever library this is. */
	if (rc == 0)
		return sluice__fail(-SLUICE_EPLUGIN_NOENTRY,
		                    "%s: no exported symbol %s in its dynamic symbol table: not a "
		                    "plugin (not loaded)",
		                    path, SLUICE_PLUGIN_ENTRY);
	return 0;
}

static bool keep_loaded(void)
{
	const char *v = getenv("SLUICE_NO_DLCLOSE");

	return v && *v && strcmp(v, "0") != 0;
}

int sluice_plugin_open(const char *name, struct sluice_plugin **out)
{
	char path[PATH_MAX_PLUGIN];
	struct sluice_plugin *p;
	sluice_plugin_entry_fn entry;
	const char *err;
	void *dl, *sym;
	int rc;

	*out = NULL;
	rc = sluice__plugin_resolve(name, path, sizeof(path));
	if (rc < 0)
		return rc;
	rc = sluice__plugin_precheck(path);
	if (rc < 0)
		return rc;

	dlerror(); /* clear any stale message */
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		err = dlerror();
		return sluice__fail(-SLUICE_EPLUGIN_DLOPEN, "%s: dlopen failed: %s", path,
		                    err ? err : "(no reason given)");
	}

	/* A symbol's value may legitimately be NULL, so dlerror() is what says
	 * whether the lookup failed. */
	dlerror();
	sym = dlsym(dl, SLUICE_PLUGIN_ENTRY);
	err = dlerror();
	if (err || !sym) {
		rc = sluice__fail(-SLUICE_EPLUGIN_NOENTRY, "%s: no exported symbol %s: %s", path,
		                  SLUICE_PLUGIN_ENTRY, err ? err : "its value is NULL");
		goto fail;
	}
	/* POSIX guarantees a data pointer from dlsym converts to a function
	 * pointer; memcpy keeps -Wpedantic quiet about it. */
	memcpy(&entry, &sym, sizeof(entry));

	p = calloc(1, sizeof(*p) + strlen(path) + 1);
	if (!p) {
		rc = sluice__fail(-ENOMEM, "%s: out of memory", path);
		goto fail;
	}
	strcpy(p->path, path);
	p->dl = dl;
	/* The entry is the one call made before validation: it only returns
	 * the address of constant data. */
	p->desc = entry();
	rc = sluice_plugin_validate(p->desc, path);
	if (rc < 0) {
		free(p);
		goto fail;
	}
	atomic_init(&p->refs, 1);
	*out = p;
	return 0;

fail:
	if (!keep_loaded()) {
		dlerror();
		dlclose(dl);
	}
	return rc;
}

struct sluice_plugin *sluice_plugin_ref(struct sluice_plugin *p)
{
	atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
	return p;
}

void sluice_plugin_unref(struct sluice_plugin *p)
{
	if (!p)
		return;
	/* acq_rel: whoever drops the last reference sees every other holder's
	 * use of the library finished. */
	if (atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (p->base) {
		/* derived: the base holds the library */
		sluice_plugin_unref(p->base);
		free(p->owned);
		free(p);
		return;
	}
	if (!keep_loaded())
		dlclose(p->dl); /* a failure here leaves the library mapped: harmless */
	free(p);
}

int sluice__plugin_derive(struct sluice_plugin *base, const struct sluice_plugin_desc *desc,
                          void *owned, struct sluice_plugin **out)
{
	struct sluice_plugin *p;
	int rc;

	*out = NULL;
	rc = sluice_plugin_validate(desc, base->path);
	if (rc < 0) {
		free(owned);
		return rc;
	}
	p = calloc(1, sizeof(*p) + strlen(base->path) + 1);
	if (!p) {
		free(owned);
		return sluice__fail(-ENOMEM, "%s: out of memory", base->path);
	}
	strcpy(p->path, base->path);
	p->dl = base->dl;
	p->desc = desc;
	p->base = sluice_plugin_ref(base);
	p->owned = owned;
	atomic_init(&p->refs, 1);
	*out = p;
	return 0;
}

const struct sluice_plugin_desc *sluice_plugin_descriptor(const struct sluice_plugin *p)
{
	return p->desc;
}

const char *sluice_plugin_file(const struct sluice_plugin *p)
{
	return p->path;
}
