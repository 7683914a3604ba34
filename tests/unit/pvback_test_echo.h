/*
 * tests/unit/pvback_test_echo.h — what libpvback's unit tests share: the
 * test device "echo" and helpers that play guest and toolstack on the
 * fake platform (pvback_fake_platform.h).
 *
 * The device (type "vecho", backend directory "vechoback"): probe writes
 * feature-echo; connect maps "ring-ref" read-write and binds
 * "event-channel"; each event makes it write byte 0 + 1 to byte 1 of the
 * page and notify.  struct counts says what it was asked to do, and
 * makes it misbehave on request.
 */
#ifndef PVBACK_TEST_ECHO_H
#define PVBACK_TEST_ECHO_H

#include <errno.h>
#include <stdlib.h>

#include <event2/event.h>

#include "pvback_fake_platform.h"
#include "unit.h"

#define BE "/local/domain/0/backend/vechoback"
#define FE "/local/domain/%u/device/vecho/%u"

struct echo {
	uint8_t *page;
	struct pvback_evt *evt;
};

struct counts {
	unsigned int probe, connect, disconnect, remove, events;
	int probe_rc;		 /* returned by probe */
	int connect_rc;		 /* returned by connect, after its work */
	bool fail_in_event;	 /* the event callback fails the device */
	bool fail_in_connect;	 /* connect calls pvback_dev_fail, returns 0 */
	struct pvback_dev *last; /* the last device connect saw */
};

struct pvt {
	struct event_base *base;
	struct fpf *f;
	struct pvback *b;
};

struct guest {
	domid_t dom;
	unsigned int id;
	grant_ref_t ref;
	evtchn_port_t port;
};

extern struct counts c;
extern struct pvt T;
extern const struct pvback_device_ops echo_ops;

int echo_connect(struct pvback_dev *dev, void *arg);
/* Turn the loop until nothing is left to do. */
void run(void);
/* pvback_new + register echo_ops on T.f. */
void start_backend(void);
/* Fresh counts, loop, fake platform and backend; the teardown checks
 * that nothing stayed mapped, bound or watched. */
int setup(void **state);
int teardown(void **state);
const char *be_state(domid_t dom, unsigned int id);
const char *be_key(domid_t dom, unsigned int id, const char *key);
/* The frontend writes its state; the loop runs. */
void fe_state(domid_t dom, unsigned int id, const char *st);
/* Grant a page and allocate a port, published as ring-ref and
 * event-channel. */
void publish(struct guest *g, domid_t dom, unsigned int id);
/* Device added, InitWait, published, Initialised, Connected. */
void connect_guest(struct guest *g, domid_t dom, unsigned int id);
/* The guest writes v, raises the port, and expects v + 1 and a notify. */
void ping(struct guest *g, uint8_t v);

#endif
