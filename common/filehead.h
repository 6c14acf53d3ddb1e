/*
 * filehead.h - the first bytes of a file, for telling its kind.
 */
#ifndef MEMLEDGER_COMMON_FILEHEAD_H
#define MEMLEDGER_COMMON_FILEHEAD_H

#include <stddef.h>
#include <sys/types.h>

/**
 * Read up to cap bytes from the start of the file at path into buf: how
 * many were read (0 when it cannot be read, as a folder cannot), or -1
 * when it cannot be opened.
 */
ssize_t filehead_read(const char *path, void *buf, size_t cap);

#endif
