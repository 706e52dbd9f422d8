/* ipc_fdio.c - whole-message read and write on a descriptor, for the
 * byte-stream adapters (pipe, uds-stream, tcp), where one message may take
 * several system calls when it is larger than the kernel's buffer. */
#include <errno.h>
#include <unistd.h>

#include "ipc_transport.h"

int ipc_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ipc_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
