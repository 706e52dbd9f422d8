/* clean.c - `sluice clean`: removes segments whose owners are all dead. */
#include <dirent.h>
#include <string.h>

#include "cmd.h"
#include "sluice/channel.h"
#include "sluice/error.h"
#include "sluice/shm.h"

static int clean_main(int argc, char **argv)
{
	int dry = 0, removed = 0, kept = 0;
	DIR *d;
	struct dirent *e;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run"))
			dry = 1;
		else
			return cli_error("clean", "unexpected argument \"%s\"", argv[i]);
	}
	d = opendir("/dev/shm");
	if (!d)
		return cli_error("clean", "cannot read /dev/shm");
	while ((e = readdir(d)) != NULL) {
		char name[SLUICE_SHM_NAME_MAX + 1];
		struct sluice_shm_info info;
		size_t len = strlen(e->d_name);
		int rc;

		if (e->d_name[0] == '.' || len >= SLUICE_SHM_NAME_MAX)
			continue;
		name[0] = '/';
		memcpy(name + 1, e->d_name, len + 1);
		/* Only sluice's own segments; anything else is not ours to judge. */
		if (sluice_shm_stat(name, &info) != 0)
			continue;
		if (dry) {
			printf("%s: owner pid %d %s\n", name, (int)info.owner_pid,
			       info.owner_alive ? "alive" : "dead");
			continue;
		}
		rc = info.kind == SLUICE_SHM_CHANNEL ? sluice_topic_reclaim(name)
						     : sluice_shm_reclaim(name);
		if (rc == 0) {
			printf("removed %s (owner pid %d is gone)\n", name, (int)info.owner_pid);
			removed++;
		} else {
			kept++;
		}
	}
	closedir(d);
	if (!dry)
		printf("%d removed, %d in use and kept\n", removed, kept);
	return 0;
}

SLUICE_CMD(clean, "clean", "remove segments whose owners are dead (never a live one)",
	   "usage: sluice clean [--dry-run]\n\n"
	   "Removes every sluice segment in /dev/shm that nobody alive uses: for a topic,\n"
	   "its creator, publisher and all subscribers are gone; for other segments, the\n"
	   "owner that created them is gone (a pid reused by another process does not\n"
	   "count as alive).  Says what it removed.  --dry-run only lists segments and\n"
	   "their owners.\n",
	   clean_main)
