/*
 * host_sdl.h — the display backend's "sdl" host side (host_sdl.c): each
 * guest connector in an SDL2 window of its own on dom0's desktop, and
 * that window a touch surface of the guest that owns it.
 *
 * Argument: "[software][,novsync][,dir=DIR]" (any order, may be empty).
 *
 *   - One window per connector, titled "dom<domid> <name> — <unique-id>
 *     (WxH)" (the guest's name when it has one; the domid comes first:
 *     it tells guests apart, a name need not),
 *     first at the connector's resolution, resizable: the picture keeps
 *     the connector's aspect, centred with black bars (letterbox).  A
 *     frame's pixels are uploaded from the guest's mapped memory into a
 *     streaming texture (SDL_UpdateTexture: the one copy) of the frame's
 *     format (XRGB8888, ARGB8888 shown opaque, RGB565), drawn and
 *     presented with vsync (SDL_RENDERER_PRESENTVSYNC; "novsync" leaves
 *     it out).  presented() comes after SDL_RenderPresent() returned,
 *     i.e. after the vsync the frame waited for.  One vsync per
 *     drawing run, not one per window: the first window presented
 *     waits, the others follow right after it, so many windows keep
 *     the screen's rate and the loop waits a frame at most.  "software"
 *     asks for SDL's software renderer (no GPU; also what tests read
 *     back).
 *   - Rendering happens on the backend's event loop, never inside
 *     show(): show() keeps the newest frame and wakes the loop; frames
 *     that come faster than the screen takes them are passed over
 *     (their presented() is covered by the later one's).  SDL's event
 *     queue is pumped from a timer (SDL has no descriptor for it).
 *   - Input: a mouse press and drag in a window is one touch contact
 *     (and also the pointer: position and buttons), fingers on a touch
 *     screen are contacts of their own (multi-touch), the wheel and keys
 *     go along; all aimed at the window's guest only
 *     (kbdback_event.target = its domid; .target_devs: its vkbd whose
 *     devid is the connector's number when it has one, else all of
 *     its vkbds) in that connector's
 *     coordinates: the picture's area, black bars excluded, is
 *     0 .. KBDBACK_ABS_ONE each way, so a guest whose vkbd has the
 *     connector's width and height gets the connector's pixels.  They go
 *     to pvsdl_input() (backends/sdl/pvsdl.h), which pvbackd points at
 *     the input backend.
 *   - Closing a window only minimizes it: the guest's monitor stays
 *     until its device goes.
 *   - "dir=DIR": dump() (pvbackd: SIGUSR1) writes each window's picture
 *     as it is on screen, read back from the renderer, as
 *     DIR/<domid>-<unique-id>.png (RGB; bytes of the unique-id other
 *     than A-Z a-z 0-9 . _ - become '_').
 *
 * No display (no $DISPLAY / $WAYLAND_DISPLAY): open() fails with
 * -ENODEV; SDL_VIDEODRIVER=offscreen runs it without one.
 */
#ifndef PVKIT_DISPLBACK_HOST_SDL_H
#define PVKIT_DISPLBACK_HOST_SDL_H

#include "pvkit/displback.h"

extern const struct displback_host_ops displback_host_sdl;

#endif
