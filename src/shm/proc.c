/* proc.c - process identity that survives pid reuse.
 *
 * A pid alone cannot say whether a segment's owner lives: the pid may have
 * been given to an unrelated process since.  The start time in
 * /proc/<pid>/stat (clock ticks after boot) tells the two apart. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sluice/shm.h"

/* Reads the state letter and start time of pid; 0 or -errno. */
static int read_stat(pid_t pid, char *state, uint64_t *start)
{
	char path[64], buf[1024];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';

	/* The command name (field 2) may hold spaces and ')': skip past the
	 * last ')'.  Then: state (3), ... starttime is field 22. */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -EIO;
	p += 2;
	*state = *p;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -EIO;
		p++;
	}
	*start = strtoull(p, NULL, 10);
	return 0;
}

struct sluice_proc_id sluice_proc_self(void)
{
	static _Thread_local struct sluice_proc_id self;
	pid_t pid = getpid();

	/* Recompute after fork(): the cached pid is the parent's. */
	if (self.pid != pid) {
		char state;
		uint64_t start = 0;

		if (read_stat(pid, &state, &start) != 0)
			start = 0;
		self.pid = pid;
		self.start = start;
	}
	return self;
}

int sluice_proc_alive(struct sluice_proc_id id)
{
	char state;
	uint64_t start;

	if (id.pid <= 0)
		return 0;
	if (kill(id.pid, 0) != 0 && errno == ESRCH)
		return 0;
	if (read_stat(id.pid, &state, &start) != 0)
		/* /proc hidden from us: the pid exists, which is all we know. */
		return 1;
	/* A zombie has died; only its exit status waits to be reaped. */
	if (state == 'Z' || state == 'X')
		return 0;
	return id.start == 0 || start == id.start;
}
