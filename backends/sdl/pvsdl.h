/*
 * pvsdl.h — what pvkit's SDL2 host sides share inside one process.
 *
 * SDL has one event queue per process.  When pvbackd runs the input
 * backend's "sdl" window and the display backend's "sdl" windows at once,
 * whoever called SDL_PollEvent() would take the other's events.  So both
 * go through this file instead:
 *
 *     if (pvsdl_open(err, sizeof(err))) ...     // SDL video, counted
 *     pvsdl_watch(SDL_GetWindowID(win), on_event, me);
 *     pvsdl_pump();                              // from a timer: every
 *                                                // event to its window
 *     pvsdl_unwatch(SDL_GetWindowID(win));
 *     pvsdl_close();
 *
 * pvsdl_pump() hands each event to the callback of the window it names
 * (SDL_GetWindowID); an event that names no window (SDL_QUIT, a finger on
 * a touch device without a window) goes to every callback.  Either user
 * may pump: the events reach their owners all the same.
 *
 * The input sink.  A display window is also where a person touches a
 * guest's screen: the display host side turns mouse and finger events in
 * its windows into normalized input events (pvkit/kbdback.h) aimed at
 * the guest that owns the window (kbdback_event.target = its domid) and
 * gives them to pvsdl_input().  pvbackd points the sink at the input
 * backend (kbdback_inject()); with no sink they are dropped.  The sink is
 * per process, as SDL's event queue is.
 *
 * Also here: SDL scancodes and mouse buttons as Linux input codes.
 *
 * Built into the input backend's kbdback_core (so the installed kbdback
 * holds it); the display backend links that for its windows.
 *
 * Single-threaded: everything runs on the caller's event loop thread.
 */
#ifndef PVKIT_PVSDL_H
#define PVKIT_PVSDL_H

#include <stddef.h>
#include <stdint.h>

#include <SDL.h>

#include "pvkit/kbdback.h"

/* SDL video and events up (SDL counts the opens), hints set for pvkit:
 * mouse and touch kept apart (no synthesized echoes), no signal handlers
 * of SDL's.  0, or -ENODEV with a message for a person in err. */
int pvsdl_open(char *err, size_t errlen);
void pvsdl_close(void);

typedef void pvsdl_event_fn(void *arg, const SDL_Event *ev);
/* Events of window id to fn.  -ENOMEM, -EEXIST. */
int pvsdl_watch(uint32_t window_id, pvsdl_event_fn *fn, void *arg);
void pvsdl_unwatch(uint32_t window_id);
/* Every event waiting, each to its window's callback; at most a bounded
 * number per call, so one flood cannot hold the loop.  How many. */
unsigned int pvsdl_pump(void);
/* The window an event names, 0 for none. */
uint32_t pvsdl_event_window(const SDL_Event *ev);

typedef void pvsdl_input_fn(void *arg, const struct kbdback_event *ev,
			    unsigned int n);
/* Where pvsdl_input() sends events (NULL: nowhere). */
void pvsdl_set_input(pvsdl_input_fn *fn, void *arg);
void pvsdl_input(const struct kbdback_event *ev, unsigned int n);
/* Events given to pvsdl_input() so far, sink or none (for tests). */
uint64_t pvsdl_input_count(void);

/* A Linux key code for an SDL scancode, or 0. */
uint32_t pvsdl_key(unsigned int scancode);
/* BTN_LEFT .. BTN_EXTRA for an SDL mouse button, or 0. */
uint32_t pvsdl_button(uint8_t button);

#define PVSDL_BTN_LEFT	 0x110u
#define PVSDL_BTN_RIGHT	 0x111u
#define PVSDL_BTN_MIDDLE 0x112u
#define PVSDL_BTN_SIDE	 0x113u
#define PVSDL_BTN_EXTRA	 0x114u

#endif
