/*
 * A fixture for tests of libpvback's per-device helpers (grants, page
 * directories, event channels): one device of a plain type ("vplain":
 * connect() keeps the device, nothing else) of guest PLAIN_DOM, connected
 * on the fake platform (pvback_fake_platform.h) before each case.
 * Teardown checks that freeing the backend left nothing mapped, bound or
 * granted.
 */
#ifndef PVBACK_TEST_PLAIN_H
#define PVBACK_TEST_PLAIN_H

#include "pvback_fake_platform.h"

#define PLAIN_DOM 3

struct plain_fixture {
	struct event_base *base;
	struct fpf *f;
	struct pvback *b;
	struct pvback_dev *dev; /* connected */
	/* for the case's own use */
	unsigned int events;
	struct pvback_evt *evt;
};

extern struct plain_fixture T;

/* Turn the loop until nothing is left to do. */
void run(void);
int setup(void **state);
int teardown(void **state);

#endif
