/* The default run directory (rundir.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "rundir.h"

int hv_default_rundir(char *buf, size_t len)
{
	const char *env = getenv("PVKIT_RUNDIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (geteuid() != 0 && xdg && *xdg)
		n = snprintf(buf, len, "%s/pvkit", xdg);
	else
		n = snprintf(buf, len, "/run/pvkit");
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
