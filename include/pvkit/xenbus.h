/*
 * pvkit/xenbus.h — xenbus device states: names, store encoding, and the
 * transitions pvkit allows.
 *
 * Each end of a PV device publishes its state as a decimal number in the
 * store ("<dir>/state").  A device connects by walking
 *
 *   backend:  Initialising -> InitWait -> (frontend Initialised/Connected)
 *             -> Connected
 *   frontend: Initialising -> Initialised -> Connected
 *
 * and disconnects through Closing -> Closed, after which a frontend may
 * start again at Initialising and a backend at InitWait.  Connected may also
 * pass through Reconfiguring -> Reconfigured.  Any state may jump to
 * Closing or Closed (an end gives up).  A peer that writes a state outside
 * these rules is misbehaving: pv_xenbus_transition_ok() says so, and the
 * frameworks close the device.
 *
 * Freestanding C11.
 */
#ifndef PVKIT_XENBUS_H
#define PVKIT_XENBUS_H

#include <stdbool.h>
#include <stddef.h>

#include "pvkit/proto/xenbus.h"

/* "Connected" etc., or "invalid" for a value outside the enum. */
const char *pv_xenbus_state_name(enum xenbus_state st);

/* Parse a store value ("4", with or without a trailing NUL within len).
 * -XEN_EINVAL for anything but a decimal number naming a state. */
int pv_xenbus_state_parse(const char *val, size_t len, enum xenbus_state *st);

/* Write st as the decimal string the store holds, NUL-terminated, into
 * buf (at least 2 bytes).  Returns the length without the NUL, or
 * -XEN_EINVAL / -XEN_ENOSPC. */
int pv_xenbus_state_format(enum xenbus_state st, char *buf, size_t size);

/* Whether an end may move from one state to another (same state: yes). */
bool pv_xenbus_transition_ok(enum xenbus_state from, enum xenbus_state to);

#endif
