/* search.c - where plugins are looked for: $SLUICE_PLUGIN_PATH, then
 * <libdir>/sluice/plugins relative to where the library itself is (beside
 * libsluice.so, or ../<libdir>/ from a program linking libsluice.a), then
 * the configured install directory. Nothing points into a build tree: the
 * build tree has the install layout, so its programs find its plugins the
 * same way, and a moved install prefix keeps working. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice/loader.h"
#include "common/detail.h"
#include "plugin/internal.h"

#ifndef SLUICE_PLUGIN_LIBDIR
#define SLUICE_PLUGIN_LIBDIR "lib"
#endif
#ifndef SLUICE_PLUGIN_INSTALL_DIR
#define SLUICE_PLUGIN_INSTALL_DIR "/usr/local/lib/sluice/plugins"
#endif

/* Cuts path at its last '/', leaving its directory; 0 if it has none. */
static int cut_dir(char *path)
{
	char *slash = strrchr(path, '/');

	if (!slash || slash == path)
		return 0;
	*slash = '\0';
	return 1;
}

static int is_shared(const char *path)
{
	const char *base = strrchr(path, '/');

	return strstr(base ? base + 1 : path, ".so") != NULL;
}

/* The plugin directory relative to the object holding this code. */
static void self_dir(char *out, size_t len)
{
	char obj[PATH_MAX];
	Dl_info info;
	ssize_t n;

	out[0] = '\0';
	/* In libsluice.so: its own directory is <libdir>. */
	if (dladdr((void *)self_dir, &info) && info.dli_fname && is_shared(info.dli_fname) &&
	    realpath(info.dli_fname, obj) && cut_dir(obj)) {
		snprintf(out, len, "%s/sluice/plugins", obj);
		return;
	}
	/* Linked into a program: <prefix>/bin/prog -> <prefix>/<libdir>. */
	n = readlink("/proc/self/exe", obj, sizeof(obj) - 1);
	if (n <= 0)
		return;
	obj[n] = '\0';
	if (cut_dir(obj) && cut_dir(obj))
		snprintf(out, len, "%s/" SLUICE_PLUGIN_LIBDIR "/sluice/plugins", obj);
}

const char *sluice_plugin_search_path(void)
{
	static _Thread_local char buf[3 * PATH_MAX_PLUGIN];
	char self[PATH_MAX_PLUGIN];
	const char *env = getenv("SLUICE_PLUGIN_PATH");
	int same;

	self_dir(self, sizeof(self));
	same = !strcmp(self, SLUICE_PLUGIN_INSTALL_DIR);
	snprintf(buf, sizeof(buf), "%s%s%s%s%s", env && *env ? env : "", env && *env ? ":" : "",
	         same ? "" : self, *self && !same ? ":" : "", SLUICE_PLUGIN_INSTALL_DIR);
	return buf;
}

/* Calls fn for each non-empty directory of the search path. */
static int each_dir(int (*fn)(const char *dir, void *arg), void *arg)
{
	const char *p = sluice_plugin_search_path();
	char dir[PATH_MAX_PLUGIN];

	while (*p) {
		size_t n = strcspn(p, ":");
		int rc;

		if (n > 0 && n < sizeof(dir)) {
			memcpy(dir, p, n);
			dir[n] = '\0';
			rc = fn(dir, arg);
			if (rc)
				return rc;
		}
		p += n;
		if (*p == ':')
			p++;
	}
	return 0;
}

struct find {
	const char *name;
	char *out;
	size_t len;
};

static int find_in(const char *dir, void *arg)
{
	struct find *f = arg;
	struct stat st;
	size_t l = strlen(f->name);
	/* "accum" and "accum.so" name the same file. */
	const char *suffix = l > 3 && !strcmp(f->name + l - 3, ".so") ? "" : ".so";
	int n = snprintf(f->out, f->len, "%s/%s%s", dir, f->name, suffix);

	if (n < 0 || (size_t)n >= f->len)
		return 0;
	return stat(f->out, &st) == 0 && S_ISREG(st.st_mode);
}

int sluice__plugin_resolve(const char *name, char *out, size_t len)
{
	struct find f = {name, out, len};
	int n;

	if (!name || !*name)
		return sluice__fail(-EINVAL, "plugin: empty name");
	if (strchr(name, '/')) {
		n = snprintf(out, len, "%s", name);
		if (n < 0 || (size_t)n >= len)
			return sluice__fail(-ENAMETOOLONG, "%s: path too long", name);
		return 0;
	}
	if (each_dir(find_in, &f))
		return 0;
	return sluice__fail(-ENOENT, "plugin '%s': no such file %s.so in the search path %s", name,
	                    name, sluice_plugin_search_path());
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct each {
	int (*fn)(const char *path, void *arg);
	void *arg;
};

static int list_dir(const char *dir, void *arg)
{
	struct each *e = arg;
	DIR *d = opendir(dir);
	struct dirent *ent;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (!d)
		return 0; /* a missing directory in the path is not an error */
	while ((ent = readdir(d)) != NULL) {
		size_t l = strlen(ent->d_name);

		if (l < 4 || strcmp(ent->d_name + l - 3, ".so") != 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nn = realloc(names, ncap * sizeof(*names));

			if (!nn) {
				rc = -ENOMEM;
				break;
			}
			names = nn;
			cap = ncap;
		}
		names[n] = strdup(ent->d_name);
		if (!names[n]) {
			rc = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (rc == 0 && n > 1)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX_PLUGIN];

		if (rc == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			rc = e->fn(path, e->arg);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int sluice_plugin_foreach(int (*fn)(const char *path, void *arg), void *arg)
{
	struct each e = {fn, arg};

	return each_dir(list_dir, &e);
}
