/*
 * The daemon's listening sockets (control, store) live in the run
 * directory and are made the same way.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "pvhv.h"

int hv_listen_unix(const struct hv *hv, const char *name, int type,
		   char *path, size_t pathlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", hv->rundir,
			 name);
	int fd, rc;

	if (n < 0 || (size_t)n >= sizeof(sa.sun_path) || (size_t)n >= pathlen)
		return -ENAMETOOLONG;
	snprintf(path, pathlen, "%s", sa.sun_path);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(sa.sun_path); /* a stale socket: we hold the run dir's lock */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}
