/*
 * The host sides built into sndback (pvkit/sndback.h), found by name.
 */
#include <string.h>

#include "pvkit/sndback.h"

#ifdef PVKIT_HAVE_ALSA
extern const struct sndback_host_ops sndback_host_alsa;
#endif

static const struct sndback_host_ops *const hosts[] = {
    &sndback_host_wav,
#ifdef PVKIT_HAVE_ALSA
    &sndback_host_alsa,
#endif
    NULL,
};

const struct sndback_host_ops *const *sndback_hosts(void)
{
	return hosts;
}

const struct sndback_host_ops *sndback_host_find(const char *spec)
{
	size_t len;

	if (!spec)
		return NULL;
	len = strcspn(spec, ":");
	for (unsigned int i = 0; hosts[i]; i++)
		if (strlen(hosts[i]->name) == len &&
		    !strncmp(hosts[i]->name, spec, len))
			return hosts[i];
	return NULL;
}
