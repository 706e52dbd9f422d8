/* inspect.c - `sluice inspect [PLUGIN]`: what a plugin declares (in the
 * manner of gst-inspect-1.0), or every plugin on the search path. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sluice/erase.h"
#include "sluice/error.h"
#include "sluice/loader.h"
#include "cmd.h"

static const char *type_name(uint32_t t)
{
	const char *name = sluice_param_type_name(t);

	return name ? name : "?";
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static void print_plugin(const struct sluice_plugin *p)
{
	const struct sluice_plugin_desc *d = sluice_plugin_descriptor(p);
	int state_inline =
	    d->state_size <= SLUICE_ERASE_INLINE && d->state_align <= _Alignof(max_align_t);

	printf("Plugin Details:\n");
	printf("  %-18s%s\n", "Name", d->name);
	printf("  %-18s%s\n", "Summary", d->summary);
	printf("  %-18s%s\n", "Version", d->version);
	printf("  %-18s%s\n", "Filename", sluice_plugin_file(p));
	printf("  %-18s%u.%u (layout fingerprint 0x%016llx)\n", "ABI", d->abi_version,
	       d->abi_minor, (unsigned long long)d->fingerprint);
	printf("  %-18s%zu bytes, alignment %zu, kept %s\n", "State", d->state_size, d->state_align,
	       state_inline ? "inline" : "on the heap");
	if (d->tick_hz > 0)
		printf("  %-18s%g Hz\n", "Tick rate", d->tick_hz);
	else
		printf("  %-18snone (runs on message arrival)\n", "Tick rate");
	/* init2 exists only in a descriptor of minor 1 or later. */
	int has_init2 = d->abi_minor >= 1 &&
			d->desc_size >= offsetof(struct sluice_plugin_desc, init2) + sizeof(d->init2) &&
			d->init2;
	char cbs[64];

	snprintf(cbs, sizeof(cbs), "%s%s%s%s", d->init ? ", init" : "", has_init2 ? ", init2" : "",
		 d->on_tick ? ", on_tick" : "", d->fini ? ", fini" : "");
	printf("  %-18s%s\n", "Callbacks", cbs[0] ? cbs + 2 : "none");

	printf("\nParameters:\n");
	if (d->n_params == 0)
		printf("  none\n");
	for (uint32_t i = 0; i < d->n_params; i++) {
		const struct sluice_param_decl *q = &d->params[i];

		printf("  %-16s %-7s ", q->name, type_name(q->type));
		if (q->default_value)
			printf("default: %s\n", q->default_value);
		else
			printf("required (no default)\n");
		if (q->help && *q->help)
			printf("  %-16s %s\n", "", q->help);
	}

	printf("\nInput ports:\n");
	if (d->n_inputs == 0)
		printf("  none (a source)\n");
	for (uint32_t i = 0; i < d->n_inputs; i++)
		printf("  %-16s %-28s %s\n", d->inputs[i].name, d->inputs[i].msg_type,
		       or_empty(d->inputs[i].help));
	printf("\nOutput ports:\n");
	if (d->n_outputs == 0)
		printf("  none (a sink)\n");
	for (uint32_t i = 0; i < d->n_outputs; i++)
		printf("  %-16s %-28s %s\n", d->outputs[i].name, d->outputs[i].msg_type,
		       or_empty(d->outputs[i].help));
}

/* Says on stderr when others than the owner may write path: whoever can
 * put a library where plugins are looked for can run code in every
 * pipeline. The library gives the facts; the judgement is the tool's. */
static void warn_writable(const char *path, const char *what)
{
	struct sluice_file_perm f;

	if (sluice_file_perm(path, &f) < 0 || !(f.group_writable || f.world_writable))
		return;
	fprintf(stderr,
	        "sluice inspect: warning: %s: %s is %s-writable (mode %04o): %s could put code "
	        "there that sluice loads\n",
	        path, what, f.world_writable ? "world" : "group", f.mode,
	        f.world_writable ? "any user" : "any member of its group");
}

static void warn_dirs(void)
{
	const char *p = sluice_plugin_search_path();

	while (*p) {
		size_t n = strcspn(p, ":");
		char dir[4096];

		if (n > 0 && n < sizeof(dir)) {
			memcpy(dir, p, n);
			dir[n] = '\0';
			warn_writable(dir, "plugin directory");
		}
		p += n + (p[n] == ':');
	}
}

static void warn_parent(const char *file)
{
	char dir[4096];
	const char *slash = strrchr(file, '/');
	size_t n = slash ? (size_t)(slash - file) : 0;

	if (!slash || n >= sizeof(dir))
		return;
	memcpy(dir, file, n ? n : 1);
	dir[n ? n : 1] = '\0';
	warn_writable(dir, "plugin directory");
}

struct listing {
	int good, refused, broken, skipped;
};

static int list_one(const char *path, void *arg)
{
	struct listing *l = arg;
	struct sluice_plugin_scan s;
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	/* Loaded in a child, and only if it exports the entry: a library's
	 * constructor can neither run here nor take the listing down. */
	if (sluice_plugin_scan(path, 0, &s) < 0) {
		printf("  %-16s REFUSED  %s\n", base, sluice_errdetail());
		l->refused++;
		return 0;
	}
	warn_writable(path, "plugin file");
	switch (s.verdict) {
	case SLUICE_SCAN_PLUGIN:
		printf("  %-16s %-8s %s\n", s.name, s.version, s.summary);
		l->good++;
		break;
	case SLUICE_SCAN_NOT_PLUGIN:
		printf("  %-16s SKIPPED  %s\n", base, s.reason);
		l->skipped++;
		break;
	case SLUICE_SCAN_BROKEN:
		printf("  %-16s BROKEN   %s\n", base, s.reason);
		l->broken++;
		break;
	default: /* the reason names the file */
		printf("  %-16s REFUSED  %s\n", base, s.reason);
		l->refused++;
		break;
	}
	return 0;
}

static int inspect_one(const char *name)
{
	struct sluice_plugin_scan s;
	struct sluice_plugin *p;
	int rc = sluice_plugin_scan(name, 0, &s);

	if (rc < 0)
		return cli_error("inspect", "%s: %s", sluice_strerror(rc), sluice_errdetail());
	warn_parent(s.path);
	warn_writable(s.path, "plugin file");
	if (s.verdict == SLUICE_SCAN_BROKEN)
		return cli_error("inspect", "broken plugin: %s", s.reason);
	if (s.verdict != SLUICE_SCAN_PLUGIN)
		return cli_error("inspect", "%s: %s", sluice_strerror(s.code), s.reason);
	/* The child loaded it cleanly: now load it here to print it. */
	rc = sluice_plugin_open(s.path, &p);
	if (rc < 0)
		return cli_error("inspect", "%s: %s", sluice_strerror(rc), sluice_errdetail());
	print_plugin(p);
	sluice_plugin_unref(p);
	return 0;
}

static int inspect_main(int argc, char **argv)
{
	if (argc > 2)
		return cli_error("inspect",
		                 "expected at most one PLUGIN, got %d arguments (see --help)",
		                 argc - 1);
	if (argc == 2)
		return inspect_one(argv[1]);

	struct listing l = {0, 0, 0, 0};

	warn_dirs();
	printf("Plugins on the search path %s:\n", sluice_plugin_search_path());
	sluice_plugin_foreach(list_one, &l);
	printf("\n%d plugin%s", l.good, l.good == 1 ? "" : "s");
	if (l.refused)
		printf(", %d file%s refused", l.refused, l.refused == 1 ? "" : "s");
	if (l.broken)
		printf(", %d broken (loading crashed or hung)", l.broken);
	if (l.skipped)
		printf(", %d not plugin%s (not loaded)", l.skipped, l.skipped == 1 ? "" : "s");
	printf("\n");
	return 0;
}

SLUICE_CMD(inspect, "inspect", "show a plugin's parameters and ports, or list plugins",
           "usage: sluice inspect [PLUGIN]\n"
           "\n"
           "With PLUGIN (a name looked up as NAME.so on the search path, or a path with\n"
           "a '/'), print its name, version, summary, state, tick rate, parameters\n"
           "(type, default, help) and ports (message types). Without, list every\n"
           "plugin on the search path, and every file there that the loader refuses\n"
           "with the reason.\n"
           "\n"
           "Nothing is loaded into sluice itself before it is known to be a plugin:\n"
           "a file must export sluice_plugin_entry in its ELF dynamic symbol table\n"
           "(other libraries are SKIPPED, never loaded), and is then loaded and checked\n"
           "in a child process; one whose loading crashes or hangs (10 s) is BROKEN.\n"
           "Plugin directories and files that others than their owner may write are\n"
           "warned about on stderr.\n"
           "\n"
           "Search path: $SLUICE_PLUGIN_PATH (colon-separated), then the build tree's\n"
           "lib/sluice/plugins, then the install directory.\n"
           "Exit status: 0, or 1 if PLUGIN cannot be loaded or is broken (reason on stderr).\n",
           inspect_main)
