/* bridge_name.c - sluice topic names <-> DDS topic names (docs/bridge.md).
 * DDS allows [A-Za-z0-9_] (and Cyclone, like ROS 2, '/'); a sluice name
 * is any bytes but '/' and NUL.  The mapping is one to one, so a name that
 * crosses two bridges comes back unchanged. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bridge.h"

static int is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int put(char *buf, size_t len, size_t *n, const char *s)
{
	size_t k = strlen(s);

	if (*n + k >= len)
		return -ENAMETOOLONG;
	memcpy(buf + *n, s, k + 1);
	*n += k;
	return 0;
}

int bridge_name_to_dds(const char *topic, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)(topic[0] == '/' ? topic + 1 : topic);
	size_t n = 0;
	int rc = 0;

	if (!*p || len == 0)
		return -EINVAL;
	buf[0] = 0;
	rc = put(buf, len, &n, BRIDGE_DDS_PREFIX);
	for (; *p && rc == 0; p++) {
		char one[8];

		if (*p == '/')
			return -EINVAL;
		if (is_alnum(*p))
			snprintf(one, sizeof(one), "%c", *p);
		else if (*p == '.')
			snprintf(one, sizeof(one), "/");
		else if (*p == '_')
			snprintf(one, sizeof(one), "__");
		else
			snprintf(one, sizeof(one), "_x%02x", *p);
		rc = put(buf, len, &n, one);
	}
	if (rc == 0 && n > BRIDGE_DDS_NAME_MAX)
		rc = -ENAMETOOLONG;
	return rc;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int bridge_name_from_dds(const char *dds, const char *prefix, char *buf, size_t len)
{
	size_t plen = strlen(BRIDGE_DDS_PREFIX), n;
	const char *p;

	if (strncmp(dds, BRIDGE_DDS_PREFIX, plen) != 0 || !dds[plen])
		return -EINVAL;
	if (strchr(prefix, '/'))
		return -EINVAL;
	n = (size_t)snprintf(buf, len, "/%s", prefix);
	if (n >= len)
		return -ENAMETOOLONG;
	for (p = dds + plen; *p; p++) {
		int c;

		if (is_alnum((unsigned char)*p)) {
			c = *p;
		} else if (*p == '/') {
			c = '.';
		} else if (p[0] == '_' && p[1] == '_') {
			c = '_';
			p++;
		} else if (p[0] == '_' && p[1] == 'x' && hexval(p[2]) >= 0 && hexval(p[3]) >= 0) {
			c = hexval(p[2]) * 16 + hexval(p[3]);
			/* only what the forward mapping escapes: one spelling per name */
			if (c == 0 || c == '/' || c == '.' || c == '_' || is_alnum((unsigned char)c) ||
			    (p[2] >= 'A' && p[2] <= 'F'))
				return -EINVAL;
			p += 3;
		} else {
			return -EINVAL;
		}
		if (n + 1 >= len)
			return -ENAMETOOLONG;
		buf[n++] = (char)c;
	}
	buf[n] = 0;
	return 0;
}
