/*
 * Normalized events: names, key codes, and the table of host sides built
 * in (an explicit table: the optional ones exist only when their library
 * was found at build time).
 */
#include <errno.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libevdev/libevdev.h>

#include "kbdback_int.h"

const char *kbdback_ev_name(unsigned int type)
{
	static const char *const names[] = {
	    [KBDBACK_EV_KEY] = "key",
	    [KBDBACK_EV_MOTION] = "motion",
	    [KBDBACK_EV_ABS] = "abs",
	    [KBDBACK_EV_WHEEL] = "wheel",
	    [KBDBACK_EV_TOUCH_DOWN] = "touch-down",
	    [KBDBACK_EV_TOUCH_MOTION] = "touch-motion",
	    [KBDBACK_EV_TOUCH_UP] = "touch-up",
	    [KBDBACK_EV_TOUCH_SHAPE] = "touch-shape",
	    [KBDBACK_EV_TOUCH_ORIENT] = "touch-orient",
	    [KBDBACK_EV_TOUCH_FRAME] = "touch-frame",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "?";
}

static int from_number(const char *s, uint32_t *code)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s || v >= KBDBACK_KEY_CNT)
		return -EINVAL;
	*code = (uint32_t)v;
	return 0;
}

int kbdback_key_code(const char *name, uint32_t *code)
{
	char up[64];
	size_t n = strlen(name);
	int c;

	if (!n || n + 5 > sizeof(up))
		return -EINVAL;
	if (isdigit((unsigned char)name[0]))
		return from_number(name, code);
	for (size_t i = 0; i <= n; i++)
		up[i] = (char)toupper((unsigned char)name[i]);
	c = libevdev_event_code_from_name(EV_KEY, up);
	if (c < 0 && strncmp(up, "KEY_", 4) && strncmp(up, "BTN_", 4)) {
		char pre[sizeof(up) + 8];

		snprintf(pre, sizeof(pre), "KEY_%s", up);
		c = libevdev_event_code_from_name(EV_KEY, pre);
	}
	if (c < 0 || (unsigned int)c >= KBDBACK_KEY_CNT)
		return -EINVAL;
	*code = (uint32_t)c;
	return 0;
}

static const struct kbdback_source_ops *const sources[] = {
    &kbdback_source_script,
#ifdef PVKIT_HAVE_SDL
    &kbdback_source_sdl,
#endif
#ifdef PVKIT_HAVE_LIBINPUT
    &kbdback_source_libinput,
#endif
    NULL,
};

const struct kbdback_source_ops *const *kbdback_sources(void)
{
	return sources;
}

const struct kbdback_source_ops *kbdback_source_find(const char *name)
{
	size_t n = strcspn(name, ":");

	for (unsigned int i = 0; sources[i]; i++)
		if (strlen(sources[i]->name) == n &&
		    !strncmp(sources[i]->name, name, n))
			return sources[i];
	return NULL;
}
