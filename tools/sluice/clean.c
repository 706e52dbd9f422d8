/* clean.c - `sluice clean`: removes segments whose owners are all dead, and
 * broken leftovers (never ready, truncated, foreign magic) nobody uses. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "sluice/channel.h"
#include "sluice/error.h"
#include "sluice/shm.h"

struct clean {
	int dry, verbose, grace_s;
	const char *prefix;
	int removed, kept, invalid_removed, invalid_kept;
};

static void invalid_one(struct clean *c, const struct sluice_shm_entry *e, const char *shown);

static void valid_one(struct clean *c, const struct sluice_shm_entry *e, const char *shown)
{
	int rc;

	if (c->dry) {
		printf("%s: owner pid %d %s\n", shown, (int)e->owner_pid,
		       e->owner_alive ? "alive" : "dead");
		return;
	}
	rc = e->kind == SLUICE_SHM_CHANNEL ? sluice_topic_reclaim(e->name)
					   : sluice_shm_reclaim(e->name);
	if (rc == 0) {
		printf("removed %s (owner pid %d is gone)\n", shown, (int)e->owner_pid);
		c->removed++;
	} else if (rc == -SLUICE_EOWNERLIVE) {
		c->kept++;
	} else {
		/* A segment whose payload cannot be judged (a broken topic). */
		struct sluice_shm_entry bad = *e;

		bad.error = rc;
		snprintf(bad.reason, sizeof(bad.reason), "%s", sluice_errdetail());
		invalid_one(c, &bad, shown);
	}
}

static void invalid_one(struct clean *c, const struct sluice_shm_entry *e, const char *shown)
{
	char why[512];
	int rc;

	sluice_shm_escape(e->reason, why, sizeof(why));
	if (c->dry) {
		printf("%s: invalid (%s)\n", shown, why);
		return;
	}
	/* Another program's object (its own magic, or a glibc named semaphore)
	 * may be meant to outlive its users: only a clean the user scoped with
	 * --prefix may remove it. */
	if (!c->prefix && (e->error == -SLUICE_EMAGIC || !strncmp(e->name, "/sem.", 5))) {
		c->invalid_kept++;
		if (c->verbose)
			printf("kept invalid %s (%s): not sluice's; name it with --prefix to remove\n",
			       shown, why);
		return;
	}
	rc = sluice_shm_reclaim_invalid(e->name, c->grace_s);
	if (rc == 0) {
		printf("removed invalid %s (%s)\n", shown, why);
		c->invalid_removed++;
		return;
	}
	c->invalid_kept++;
	if (c->verbose) {
		char kept[512];

		sluice_shm_escape(sluice_errdetail(), kept, sizeof(kept));
		printf("kept invalid %s (%s): %s\n", shown, why, kept);
	}
}

static int visit(const struct sluice_shm_entry *e, void *arg)
{
	struct clean *c = arg;
	char shown[4 * SLUICE_SHM_FOUND_NAME_MAX + 1];

	/* Not ours to look at, or gone since the directory was read. */
	if ((c->prefix && strncmp(e->name, c->prefix, strlen(c->prefix)) != 0) ||
	    e->error == -ENOENT)
		return 0;
	sluice_shm_escape(e->name, shown, sizeof(shown));
	if (e->error == 0)
		valid_one(c, e, shown);
	else
		invalid_one(c, e, shown);
	return 0;
}

static int clean_main(int argc, char **argv)
{
	struct clean c = {.grace_s = 60};
	int rc;

	for (int i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "--dry-run")) {
			c.dry = 1;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			c.verbose = 1;
		} else if (!strcmp(argv[i], "--prefix") && i + 1 < argc) {
			c.prefix = argv[++i];
		} else if (!strcmp(argv[i], "--grace") && i + 1 < argc) {
			long v = strtol(argv[++i], &end, 10);

			if (end == argv[i] || *end || v < 0 || v > 1000000000)
				return cli_error("clean", "--grace wants whole seconds, not \"%s\"",
						 argv[i]);
			c.grace_s = (int)v;
		} else {
			return cli_error("clean", "unexpected argument \"%s\"", argv[i]);
		}
	}
	rc = sluice_shm_list(visit, &c);
	if (rc < 0)
		return cli_error("clean", "%s", sluice_errdetail());
	if (!c.dry)
		printf("%d removed, %d in use and kept; %d invalid removed, %d invalid kept "
		       "(in use, younger than %d s, or another user's)\n",
		       c.removed, c.kept, c.invalid_removed, c.invalid_kept, c.grace_s);
	return 0;
}

SLUICE_CMD(clean, "clean", "remove segments whose owners are dead (never a live one)",
	   "usage: sluice clean [--dry-run] [-v] [--grace S] [--prefix /NAME]\n\n"
	   "Removes every sluice segment in /dev/shm that nobody alive uses: for a topic,\n"
	   "its creator, publisher and all subscribers are gone; for other segments, the\n"
	   "owner that created them is gone (a pid reused by another process does not\n"
	   "count as alive).  Also removes invalid objects (never made ready, truncated,\n"
	   "inconsistent, a bad name) that are regular files of this user, whose creator\n"
	   "(when the header names one) is gone, that no process has open or mapped and\n"
	   "that have not changed for --grace seconds (default 60).  Objects with another\n"
	   "program's magic and glibc named semaphores (/sem.*) are removed only when\n"
	   "--prefix names them.  FIFOs, links and other users' objects are never\n"
	   "touched.  Says what it\n"
	   "removed; -v also says why each invalid object was kept.  --prefix limits it\n"
	   "to names that start with /NAME.  --dry-run only lists segments, their owners\n"
	   "and what is invalid.\n",
	   clean_main)
