/*
 * fileread.c - a whole file in memory. See fileread.h.
 */
#include "common/fileread.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int fileread_all(const char *path, size_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), saved;
	struct stat st;
	char *buf = NULL, *nb;
	size_t cap, n = 0;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto out_close;
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto out_close;
	}
	/* a regular file's size is known: one read, and one more to see the end */
	cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
	if (cap - 1 > max) {
		errno = EFBIG;
		goto out_close;
	}
	if (!(buf = malloc(cap)))
		goto out_close;
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > max) {
				errno = EFBIG;
				goto out_close;
			}
			if (!(nb = realloc(buf, cap * 2)))
				goto out_close;
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0)
			goto out_close;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = 0;
	*out = buf;
	*len = n;
	return 0;
out_close:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return -1;
}
