/* bridge_proc.c - is a process a `sluice bridge`?  From its command line
 * (/proc/PID/cmdline: argv[0] named "sluice", argv[1] "bridge").  The
 * bridge uses it to never send back out what came in from DDS, and
 * `sluice ls` to mark bridged topics.  Needs no DDS. */
#include <stdio.h>
#include <string.h>

#include "bridge.h"

int bridge_pid_is_bridge(int pid)
{
	char path[64], cmd[512];
	const char *base;
	size_t n, a0;
	FILE *f;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if (!(f = fopen(path, "re")))
		return 0;
	n = fread(cmd, 1, sizeof(cmd) - 1, f);
	fclose(f);
	cmd[n] = 0;
	a0 = strlen(cmd);
	base = strrchr(cmd, '/');
	base = base ? base + 1 : cmd;
	return a0 + 1 < n && !strcmp(base, "sluice") && !strcmp(cmd + a0 + 1, "bridge");
}
