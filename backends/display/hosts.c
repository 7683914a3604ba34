/*
 * The display host sides built in (pvkit/displback.h).  sdl and drm join
 * this table when they are written.
 */
#include <string.h>

#include "pvkit/displback.h"
#ifdef PVKIT_HAVE_DRM
#include "host_drm.h"
#endif
#ifdef PVKIT_DISPL_SDL
#include "host_sdl.h"
#endif

static const struct displback_host_ops *const hosts[] = {
    &displback_host_headless,
#ifdef PVKIT_HAVE_DRM
    &displback_host_drm,
#endif
#ifdef PVKIT_DISPL_SDL
    &displback_host_sdl,
#endif
    NULL,
};

const struct displback_host_ops *const *displback_hosts(void)
{
	return hosts;
}

const struct displback_host_ops *displback_host_find(const char *spec)
{
	size_t len = strcspn(spec, ":");

	for (size_t i = 0; hosts[i]; i++)
		if (strlen(hosts[i]->name) == len &&
		    !strncmp(hosts[i]->name, spec, len))
			return hosts[i];
	return NULL;
}
