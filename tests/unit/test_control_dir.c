/*
 * test_control_dir.c - where a traced process's control socket may live
 * (format/control.c): only in a real directory of the user's that nobody
 * else can enter, never through a symbolic link, and only under a runtime
 * directory that is the user's.
 */
#include "format/control.h"
#include "tests/unit/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int main(void)
{
	char base[] = "/tmp/memledger-unit-ctl.XXXXXX", dir[256], want[512], other[512], path[512];
	uid_t me = geteuid();
	struct stat st;

	CHECK(mkdtemp(base) != NULL);
	snprintf(want, sizeof want, "%s/memledger", base);

	/* $XDG_RUNTIME_DIR: made on demand, 0700, and found again */
	CHECK_EQ_INT(ml_control_dir(0, me, base, 0, dir, sizeof dir), -1);
	CHECK_EQ_INT(ml_control_dir(0, me, base, 1, dir, sizeof dir), 0);
	CHECK_EQ_STR(dir, want);
	CHECK(stat(want, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
	CHECK_EQ_INT(ml_control_dir(0, me, base, 0, dir, sizeof dir), 0);

	/* others may enter: refused, and left alone */
	CHECK(chmod(want, 0755) == 0);
	CHECK_EQ_INT(ml_control_dir(0, me, base, 1, dir, sizeof dir), -1);
	CHECK(stat(want, &st) == 0 && (st.st_mode & 0777) == 0755);
	CHECK(rmdir(want) == 0);

	/* a symbolic link to a good directory: refused */
	snprintf(other, sizeof other, "%s/elsewhere", base);
	CHECK(mkdir(other, 0700) == 0);
	CHECK(symlink(other, want) == 0);
	CHECK_EQ_INT(ml_control_dir(0, me, base, 1, dir, sizeof dir), -1);
	CHECK(unlink(want) == 0);

	/* a runtime directory that is not the user's, or not absolute, or unset */
	CHECK_EQ_INT(ml_control_dir(0, me + 1, base, 1, dir, sizeof dir), -1);
	CHECK_EQ_INT(ml_control_dir(0, me, "relative/dir", 1, dir, sizeof dir), -1);
	CHECK_EQ_INT(ml_control_dir(0, me, NULL, 1, dir, sizeof dir), -1);
	CHECK_EQ_INT(ml_control_dir(ML_CONTROL_DIRS, me, base, 1, dir, sizeof dir), -1);

	/* /tmp/memledger-UID: always a candidate; the name is per user */
	if (ml_control_dir(2, me, NULL, 1, dir, sizeof dir) == 0) {
		snprintf(want, sizeof want, "/tmp/memledger-%u", (unsigned)me);
		CHECK_EQ_STR(dir, want);
	}

	/* socket paths must fit sun_path */
	CHECK_EQ_INT(ml_control_sock_path("/tmp/memledger-0", 4242, path, sizeof path), 0);
	CHECK_EQ_STR(path, "/tmp/memledger-0/4242.sock");
	memset(other, 'a', 120);
	other[0] = '/';
	other[120] = 0;
	CHECK_EQ_INT(ml_control_sock_path(other, 1, path, sizeof path), -1);

	snprintf(other, sizeof other, "%s/elsewhere", base);
	rmdir(other);
	rmdir(base);
	return CHECK_DONE();
}
