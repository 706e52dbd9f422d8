/* validate.c - checks a plugin descriptor before the host calls anything in
 * it: magic, ABI major and minor, layout of the plugin's minor (naming what
 * differs), descriptor size, then every field. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sluice/error.h"
#include "sluice/loader.h"
#include "common/detail.h"
#include "plugin/internal.h"

#define MAX_STR    256
#define MAX_PARAMS 256
#define MAX_LAYOUT 1024
#define MAX_STATE  ((size_t)1 << 30)
#define MAX_HZ     1e6

/* The most layout rows the host has for any minor. */
#define HOST_ROWS (1 + 8 + 64)

/* Fills rows with the host's layout table as minor `minor` defined it (the
 * members of minors 0..minor, the appendable structs sized as then);
 * returns the count. Generated from the same list as the plugin's table. */
#define HOST_MEMBER(a, s, m, i, v)                                                                 \
	if (SLUICE__IN_MINOR(v, a) && n < HOST_ROWS)                                               \
		rows[n++] = (struct sluice_layout_entry){#s "." #m, (uint32_t)offsetof(struct s, m), \
		                                         (uint32_t)SLUICE__MEMBER_SIZE(s, m)};
#define HOST_STRUCT(a, s, i)                                                                       \
	if (n < HOST_ROWS)                                                                         \
		rows[n++] = (struct sluice_layout_entry){"struct " #s, (uint32_t)alignof(struct s), \
		                                         (uint32_t)SLUICE__SIZE_AT(s, a)};
static size_t host_layout(uint32_t minor, struct sluice_layout_entry *rows)
{
	size_t n = 0;

	rows[n++] = (struct sluice_layout_entry){"byte order, pointer size", SLUICE__BYTE_ORDER,
	                                         (uint32_t)sizeof(void *)};
	SLUICE__ABI_STRUCTS(HOST_STRUCT, minor)
	SLUICE__ABI_MEMBERS(HOST_MEMBER, minor)
	return n;
}

/* The host's fingerprint of minor `minor` (at most its own). */
static uint64_t host_fingerprint(uint32_t minor)
{
	return SLUICE_PLUGIN_FINGERPRINT_AT(minor);
}

static const char *base(const char *file)
{
	return file ? file : "(descriptor)";
}

/* Members renamed since minor 0 (same place, same size): a minor-0
 * plugin's table has the old name. */
static const char *const renamed[][2] = {
    {"sluice_ctx.abi_minor", "sluice_ctx.reserved"},
    {"sluice_plugin_desc.abi_minor", "sluice_plugin_desc.reserved"},
};

static const struct sluice_layout_entry *find_row(const struct sluice_plugin_desc *d,
                                                  const char *what)
{
	for (uint32_t j = 0; j < d->n_layout; j++) {
		const char *w = d->layout[j].what;

		if (w && strnlen(w, MAX_STR) < MAX_STR && !strcmp(w, what))
			return &d->layout[j];
	}
	return NULL;
}

/* The plugin's row for the host's row h, or NULL. */
static const struct sluice_layout_entry *plugin_row(const struct sluice_plugin_desc *d,
                                                    const struct sluice_layout_entry *h)
{
	const struct sluice_layout_entry *p = find_row(d, h->what);

	for (size_t i = 0; !p && i < SLUICE_ARRAY_LEN(renamed); i++)
		if (!strcmp(h->what, renamed[i][0]))
			p = find_row(d, renamed[i][1]);
	return p;
}

/* Describes the rows of the plugin's layout table that differ from the
 * host's (of the plugin's minor) into buf: members first (they say what
 * moved), then whole structs, at most three, then how many more. */
static void layout_diff(const struct sluice_plugin_desc *d, char *buf, size_t len)
{
	struct sluice_layout_entry host_rows[HOST_ROWS];
	size_t used = 0, n_host = host_layout(d->abi_minor, host_rows);
	unsigned shown = 0, more = 0;

	buf[0] = '\0';
	if (!d->layout || d->n_layout == 0 || d->n_layout > MAX_LAYOUT) {
		snprintf(buf, len, "; the plugin carries no layout table to compare");
		return;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n_host; i++) {
			const struct sluice_layout_entry *h = &host_rows[i];
			const struct sluice_layout_entry *p = plugin_row(d, h);
			bool whole = strchr(h->what, '.') == NULL;
			int n;

			if (whole != (pass == 1))
				continue;
			if (p && p->offset == h->offset && p->size == h->size)
				continue;
			if (shown == 3 || used >= len) {
				more++;
				continue;
			}
			if (!p)
				n = snprintf(buf + used, len - used, "; %s: absent in plugin",
				             h->what);
			else if (!strncmp(h->what, "struct ", 7))
				n = snprintf(buf + used, len - used,
				             "; %s: plugin sizeof %u alignof %u, host sizeof %u "
				             "alignof %u",
				             h->what, p->size, p->offset, h->size, h->offset);
			else if (whole)
				n = snprintf(buf + used, len - used,
				             "; %s: plugin %u, %u, host %u, %u", h->what, p->offset,
				             p->size, h->offset, h->size);
			else
				n = snprintf(
				    buf + used, len - used,
				    "; %s: plugin offset %u size %u, host offset %u size %u",
				    h->what, p->offset, p->size, h->offset, h->size);
			used += (size_t)n;
			shown++;
		}
	}
	if (more && used < len)
		snprintf(buf + used, len - used, "; and %u more", more);
	if (shown == 0)
		snprintf(buf, len, "; every layout row agrees, so the header versions differ");
}

static int check_ident(const char *s, bool dots)
{
	size_t n;

	if (!s)
		return -1;
	n = strnlen(s, MAX_STR);
	if (n == 0 || n == MAX_STR)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		          (i > 0 && c >= '0' && c <= '9') || (dots && (c == '.' || c == '-'));

		if (!ok)
			return -1;
	}
	return 0;
}

static bool str_ok(const char *s)
{
	return s && strnlen(s, MAX_STR) < MAX_STR;
}

static int check_params(const struct sluice_plugin_desc *d, const char *file)
{
	if (d->n_params > MAX_PARAMS || (d->n_params && !d->params))
		return sluice__fail(-SLUICE_EPLUGIN_PARAM,
		                    "%s: %u parameters declared without a table", base(file),
		                    d->n_params);
	for (uint32_t i = 0; i < d->n_params; i++) {
		const struct sluice_param_decl *p = &d->params[i];
		struct sluice_param_value v;

		if (check_ident(p->name, false))
			return sluice__fail(-SLUICE_EPLUGIN_PARAM,
			                    "%s: parameter %u has no valid name", base(file), i);
		if (!sluice__param_type_name(p->type))
			return sluice__fail(-SLUICE_EPLUGIN_PARAM,
			                    "%s: parameter '%s' has unknown type %u", base(file),
			                    p->name, p->type);
		if (p->default_value && !str_ok(p->default_value))
			return sluice__fail(-SLUICE_EPLUGIN_PARAM,
			                    "%s: parameter '%s': default too long", base(file),
			                    p->name);
		if (p->default_value && sluice__param_parse(p->type, p->default_value, &v) < 0)
			return sluice__fail(-SLUICE_EPLUGIN_PARAM,
			                    "%s: parameter '%s': default \"%s\" is not a valid %s",
			                    base(file), p->name, p->default_value,
			                    sluice__param_type_name(p->type));
		if (p->help && !str_ok(p->help))
			return sluice__fail(-SLUICE_EPLUGIN_PARAM,
			                    "%s: parameter '%s': help too long", base(file),
			                    p->name);
		for (uint32_t j = 0; j < i; j++)
			if (!strcmp(d->params[j].name, p->name))
				return sluice__fail(-SLUICE_EPLUGIN_PARAM,
				                    "%s: parameter '%s' declared twice", base(file),
				                    p->name);
	}
	return 0;
}

/* Port i of all ports (inputs first, then outputs): name, type, help. */
static void port_at(const struct sluice_plugin_desc *d, uint32_t i, const char **name,
                    const char **type, const char **help)
{
	if (i < d->n_inputs) {
		*name = d->inputs[i].name;
		*type = d->inputs[i].msg_type;
		*help = d->inputs[i].help;
	} else {
		*name = d->outputs[i - d->n_inputs].name;
		*type = d->outputs[i - d->n_inputs].msg_type;
		*help = d->outputs[i - d->n_inputs].help;
	}
}

static int check_ports(const struct sluice_plugin_desc *d, const char *file)
{
	uint32_t n;

	if (d->n_inputs > SLUICE_PLUGIN_MAX_PORTS || d->n_outputs > SLUICE_PLUGIN_MAX_PORTS)
		return sluice__fail(-SLUICE_EPLUGIN_PORT,
		                    "%s: %u input and %u output ports: more than the limit of %d "
		                    "of each (SLUICE_PLUGIN_MAX_PORTS)",
		                    base(file), d->n_inputs, d->n_outputs, SLUICE_PLUGIN_MAX_PORTS);
	if ((d->n_inputs && !d->inputs) || (d->n_outputs && !d->outputs))
		return sluice__fail(-SLUICE_EPLUGIN_PORT,
		                    "%s: port counts (%u in, %u out) and tables disagree",
		                    base(file), d->n_inputs, d->n_outputs);
	n = d->n_inputs + d->n_outputs;
	for (uint32_t i = 0; i < n; i++) {
		const char *name, *type, *help;
		const char *dir = i < d->n_inputs ? "input" : "output";

		port_at(d, i, &name, &type, &help);
		if (check_ident(name, false))
			return sluice__fail(-SLUICE_EPLUGIN_PORT,
			                    "%s: %s port %u has no valid name", base(file), dir,
			                    i < d->n_inputs ? i : i - d->n_inputs);
		/* An input may take any type ("*"): generic sinks and recorders. */
		bool any = i < d->n_inputs && type && !strcmp(type, "*");

		if (!any && check_ident(type, true))
			return sluice__fail(-SLUICE_EPLUGIN_PORT,
			                    "%s: %s port '%s' has no valid message type name",
			                    base(file), dir, name);
		if (help && !str_ok(help))
			return sluice__fail(-SLUICE_EPLUGIN_PORT, "%s: port '%s': help too long",
			                    base(file), name);
		for (uint32_t j = 0; j < i; j++) {
			const char *other, *t2, *h2;

			port_at(d, j, &other, &t2, &h2);
			if (!strcmp(other, name))
				return sluice__fail(-SLUICE_EPLUGIN_PORT,
				                    "%s: port name '%s' used twice", base(file),
				                    name);
		}
	}
	if (d->n_inputs == 0 && !(d->tick_hz > 0))
		return sluice__fail(-SLUICE_EPLUGIN_PORT,
		                    "%s: no inputs and no tick rate: nothing would ever run it",
		                    base(file));
	return 0;
}

static int check_callbacks(const struct sluice_plugin_desc *d, const char *file)
{
	/* init and init2 are optional; two would leave the host guessing. */
	if (d->init && sluice__desc_init2(d))
		return sluice__fail(-SLUICE_EPLUGIN_CALLBACK,
		                    "%s: both init and init2 given; give one (init2 gets the "
		                    "parameter count)",
		                    base(file));
	if (d->tick_hz > 0 && !d->on_tick)
		return sluice__fail(-SLUICE_EPLUGIN_CALLBACK,
		                    "%s: tick_hz is %g but on_tick is missing", base(file),
		                    d->tick_hz);
	if (d->tick_hz == 0 && d->on_tick)
		return sluice__fail(-SLUICE_EPLUGIN_DESC,
		                    "%s: on_tick given but tick_hz is 0, so it would never run",
		                    base(file));
	for (uint32_t i = 0; i < d->n_inputs; i++)
		if (!d->inputs[i].on_message)
			return sluice__fail(-SLUICE_EPLUGIN_CALLBACK,
			                    "%s: input '%s' has no on_message callback", base(file),
			                    d->inputs[i].name);
	return 0;
}

int sluice_plugin_validate(const struct sluice_plugin_desc *d, const char *file)
{
	int rc;

	if (!d)
		return sluice__fail(-SLUICE_EPLUGIN_DESC, "%s: entry returned no descriptor",
		                    base(file));
	if (d->magic != SLUICE_PLUGIN_MAGIC)
		return sluice__fail(-SLUICE_EPLUGIN_MAGIC,
		                    "%s: descriptor magic is 0x%016" PRIx64
		                    ", expected 0x%016" PRIx64,
		                    base(file), d->magic, (uint64_t)SLUICE_PLUGIN_MAGIC);
	if (d->abi_version != SLUICE_PLUGIN_ABI_VERSION)
		return sluice__fail(d->abi_version == 0 ? -SLUICE_EPLUGIN_DESC : -SLUICE_EPLUGIN_ABI,
		                    "%s: built for plugin ABI %u.%u, this host speaks %u.0 to "
		                    "%u.%u: another major version is not compatible",
		                    base(file), d->abi_version, d->abi_minor,
		                    SLUICE_PLUGIN_ABI_VERSION, SLUICE_PLUGIN_ABI_VERSION,
		                    SLUICE_PLUGIN_ABI_MINOR);
	if (d->abi_minor > SLUICE_PLUGIN_ABI_MINOR)
		return sluice__fail(-SLUICE_EPLUGIN_ABI,
		                    "%s: built for plugin ABI %u.%u, newer than this host's %u.%u: "
		                    "it may call host functions this host lacks; rebuild it "
		                    "against this host's plugin.h or update the host",
		                    base(file), d->abi_version, d->abi_minor,
		                    SLUICE_PLUGIN_ABI_VERSION, SLUICE_PLUGIN_ABI_MINOR);
	/* The members the plugin was built with, laid out as the host lays
	 * them: later minors' members are not part of it. */
	if (d->fingerprint != host_fingerprint(d->abi_minor)) {
		char diff[440];

		layout_diff(d, diff, sizeof(diff));
		return sluice__fail(
		    -SLUICE_EPLUGIN_LAYOUT,
		    "%s: layout fingerprint 0x%016" PRIx64 " differs from the host's "
		    "0x%016" PRIx64 " for ABI %u.%u%s",
		    base(file), d->fingerprint, host_fingerprint(d->abi_minor),
		    SLUICE_PLUGIN_ABI_VERSION, d->abi_minor, diff);
	}
	/* Only now may fields past minor 0's be read, and only those of the
	 * plugin's minor: its descriptor must hold them all. */
	if (d->desc_size < SLUICE__SIZE_AT(sluice_plugin_desc, d->abi_minor))
		return sluice__fail(-SLUICE_EPLUGIN_DESC,
		                    "%s: descriptor is %u bytes, an ABI %u.%u descriptor has %zu",
		                    base(file), d->desc_size, SLUICE_PLUGIN_ABI_VERSION,
		                    d->abi_minor,
		                    (size_t)SLUICE__SIZE_AT(sluice_plugin_desc, d->abi_minor));
	if (check_ident(d->name, true))
		return sluice__fail(-SLUICE_EPLUGIN_DESC, "%s: plugin name missing or invalid",
		                    base(file));
	if (!str_ok(d->version) || !str_ok(d->summary))
		return sluice__fail(-SLUICE_EPLUGIN_DESC, "%s: version or summary missing",
		                    base(file));
	if (d->flags != 0)
		return sluice__fail(-SLUICE_EPLUGIN_DESC, "%s: unknown flags 0x%x", base(file),
		                    d->flags);
	if (d->state_size > MAX_STATE || (d->state_align & (d->state_align - 1)) ||
	    d->state_align > 4096)
		return sluice__fail(-SLUICE_EPLUGIN_DESC,
		                    "%s: state size %zu / alignment %zu not acceptable", base(file),
		                    d->state_size, d->state_align);
	if (!isfinite(d->tick_hz) || d->tick_hz < 0 || d->tick_hz > MAX_HZ)
		return sluice__fail(-SLUICE_EPLUGIN_DESC, "%s: tick rate %g Hz out of range",
		                    base(file), d->tick_hz);
	rc = check_params(d, file);
	if (rc == 0)
		rc = check_ports(d, file);
	if (rc == 0)
		rc = check_callbacks(d, file);
	return rc;
}
