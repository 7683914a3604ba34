/*
 * pvkit/proto/xenbus.h — the states of a PV device connection.
 *
 * A frontend and its backend each publish their state as a decimal number
 * under "state" in their store directory, and react to the other side's.
 * The normal path is:
 *
 *   backend:  Initialising → InitWait (ready for the frontend's details)
 *   frontend: Initialising → Initialised (rings and ports published)
 *   backend:  maps the rings, binds the ports → Connected
 *   frontend: → Connected
 *
 * Either side moves to Closing to shut down, then Closed.  Reconfiguring
 * and Reconfigured are used by devices that change shape while connected.
 * Unknown means the node is missing or unreadable.
 */
#ifndef PVKIT_PROTO_XENBUS_H
#define PVKIT_PROTO_XENBUS_H

enum xenbus_state {
	XenbusStateUnknown = 0,
	XenbusStateInitialising = 1,
	XenbusStateInitWait = 2,    /* waiting for the peer's details */
	XenbusStateInitialised = 3, /* details published, waiting to connect */
	XenbusStateConnected = 4,
	XenbusStateClosing = 5, /* shutting down (error or unplug) */
	XenbusStateClosed = 6,
	XenbusStateReconfiguring = 7,
	XenbusStateReconfigured = 8
};
typedef enum xenbus_state XenbusState;

#endif
