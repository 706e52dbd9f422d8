/* params.c - parameter values as text: parsing by declared type. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/error.h"
#include "sluice/loader.h"
#include "plugin/internal.h"

const char *sluice__param_type_name(uint32_t type)
{
	switch (type) {
	case SLUICE_PARAM_BOOL:
		return "bool";
	case SLUICE_PARAM_INT:
		return "int";
	case SLUICE_PARAM_DOUBLE:
		return "double";
	case SLUICE_PARAM_STRING:
		return "string";
	default:
		return NULL;
	}
}

const char *sluice_param_type_name(uint32_t type)
{
	return sluice__param_type_name(type);
}

static int parse_bool(const char *t, int *out)
{
	static const char *const yes[] = {"true", "1", "yes", "on"};
	static const char *const no[] = {"false", "0", "no", "off"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcmp(t, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcmp(t, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -SLUICE_EPARAM_VALUE;
}

int sluice__param_parse(uint32_t type, const char *text, struct sluice_param_value *v)
{
	char *end;

	if (!text)
		return -SLUICE_EPARAM_VALUE;
	v->type = type;
	switch (type) {
	case SLUICE_PARAM_BOOL:
		return parse_bool(text, &v->v.b);
	case SLUICE_PARAM_INT: {
		long long x;

		errno = 0;
		x = strtoll(text, &end, 0);
		if (!*text || *end || errno)
			return -SLUICE_EPARAM_VALUE;
		v->v.i = x;
		return 0;
	}
	case SLUICE_PARAM_DOUBLE: {
		double x;

		errno = 0;
		x = strtod(text, &end);
		if (!*text || *end || errno || !isfinite(x))
			return -SLUICE_EPARAM_VALUE;
		v->v.d = x;
		return 0;
	}
	case SLUICE_PARAM_STRING:
		v->v.s = text;
		return 0;
	default:
		return -SLUICE_EPARAM_VALUE;
	}
}
