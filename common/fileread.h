/*
 * fileread.h - a whole file in memory.
 */
#ifndef MEMLEDGER_COMMON_FILEREAD_H
#define MEMLEDGER_COMMON_FILEREAD_H

#include <stddef.h>

/**
 * Read the whole file at path (a regular file or a pipe) into a malloc'd
 * buffer with a NUL after it: *out, *len bytes without the NUL; the
 * caller frees *out. At most max bytes. 0, or -1 with errno set: open's,
 * fstat's or read's error, EISDIR for a folder, EINVAL for another kind
 * of file (a device, a socket), EFBIG past max, ENOMEM.
 */
int fileread_all(const char *path, size_t max, char **out, size_t *len);

#endif
