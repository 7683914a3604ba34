/*
 * backends/display/host_drm.h — the "drm" host side of the display
 * backend: guests' connectors on real monitors through DRM/KMS.
 *
 * Select it with displback_host_find("drm...") (pvbackd: --displ-host
 * drm[:[CARD][,connector=NAME...]]).  Its argument names the card
 * ("/dev/dri/card1"; default: the first KMS card in /dev/dri, or in
 * $PVKIT_DRI_DIR when that is set, for tests) and, with connector=NAME
 * (repeatable; names as the kernel's sysfs gives them, "HDMI-A-1",
 * "Virtual-1"), the real connectors guest connectors go to, in that
 * order; without names, each guest connector takes the first connected
 * connector not in use.  A guest connector with no connector left is not
 * shown (its frames are presented at once) and a line says so.
 *
 * open() fails, after a line on stderr that names the card and what to do,
 * with -ENODEV when there is no card ("no /dev/dri/card*: ... use
 * --displ-host headless or sdl") or the card cannot do modesetting with
 * dumb buffers, -EBUSY when another display server is its master, the
 * open(2) error for a card that cannot be opened, -ENOENT for a
 * connector name the card does not have (the line lists those it has),
 * -EINVAL for an argument it does not understand.
 *
 * Modes: the monitor's mode at the guest connector's resolution, else the
 * smallest larger in both directions (the frame centred on black), else
 * the largest (the frame's middle shown).  Frames are copied once into
 * one of two XRGB8888 dumb buffers (guest memory cannot be scanned out;
 * RGB565 is widened as the headless host side widens it, ARGB8888's alpha
 * is ignored) and flipped to with drmModePageFlip(); presented() comes
 * from the flip's event, read from the card's fd on the backend's loop.
 * A frame given while a flip is in flight waits, uncopied, and a newer
 * one replaces it.  Closing a connector restores what its CRTC showed
 * before (the console).
 */
#ifndef PVKIT_DISPLBACK_HOST_DRM_H
#define PVKIT_DISPLBACK_HOST_DRM_H

#include "pvkit/displback.h"

extern const struct displback_host_ops displback_host_drm;

#endif
