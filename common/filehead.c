/*
 * filehead.c - the first bytes of a file. See filehead.h.
 */
#include "common/filehead.h"

#include <fcntl.h>
#include <unistd.h>

ssize_t filehead_read(const char *path, void *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap);
	close(fd);
	return n < 0 ? 0 : n;
}
