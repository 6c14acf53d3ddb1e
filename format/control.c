/*
 * control.c - see control.h.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "format/control.h"

/* A directory of uid's that nobody else may enter, as lstat() sees it. */
static int private_dir(const char *path, uid_t uid)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == uid &&
	       (st.st_mode & 077) == 0 ? 0 : -1;
}

/* A directory of uid's (its own permissions are its owner's business). */
static int owned_dir(const char *path, uid_t uid)
{
	struct stat st;
	return path && path[0] == '/' && stat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
	       st.st_uid == uid ? 0 : -1;
}

int ml_control_dir(int which, uid_t uid, const char *xdg_runtime_dir, int create,
                   char *out, size_t n)
{
	char base[256];
	int len;
	switch (which) {
	case 0:
		if (!xdg_runtime_dir || owned_dir(xdg_runtime_dir, uid) < 0)
			return -1;
		len = snprintf(out, n, "%s/memledger", xdg_runtime_dir);
		break;
	case 1:
		snprintf(base, sizeof base, "/run/user/%u", (unsigned)uid);
		if (owned_dir(base, uid) < 0)
			return -1;
		len = snprintf(out, n, "%s/memledger", base);
		break;
	case 2:
		len = snprintf(out, n, "/tmp/memledger-%u", (unsigned)uid);
		break;
	default:
		return -1;
	}
	if (len < 0 || (size_t)len >= n)
		return -1;
	/* mkdir fails on anything already there, a symbolic link included;
	 * what is there is then checked like a new directory. */
	if (create && mkdir(out, 0700) < 0 && errno != EEXIST)
		return -1;
	return private_dir(out, uid);
}

int ml_control_sock_path(const char *dir, long pid, char *out, size_t n)
{
	struct sockaddr_un sa;
	int len = snprintf(out, n, "%s/%ld.sock", dir, pid);
	return len < 0 || (size_t)len >= n || (size_t)len >= sizeof sa.sun_path ? -1 : 0;
}
