/*
 * guest_hello — a process guest built outside pvkit's tree, against an
 * installed pvkit (tests/install): the posix platform and libpvfront's
 * store client.  It confines itself, writes "hello from pvkit <version>"
 * to data/hello in its store home, says so on the console and idles
 * until destroyed.  A failure goes to the console and exits 1.
 */
#include <stdio.h>
#include <string.h>

#include "pvkit/front_xs.h"
#include "pvkit/guest_posix.h"

#ifndef PVKIT_VERSION
#error "PVKIT_VERSION: the build says which pvkit it found"
#endif

static struct pvfront_xs xs;

int main(void)
{
	const char msg[] = "hello from pvkit " PVKIT_VERSION;
	struct pvfront_posix *p;
	evtchn_port_t ports[8];
	int rc;

	rc = pvfront_posix_open(PVFRONT_POSIX_CONFINE, &p);
	if (rc) {
		fprintf(stderr, "guest_hello: open: %d\n", rc);
		return 1;
	}
	rc = pvfront_posix_xs_open(p, &xs, 0);
	if (rc == 0)
		rc = pvfront_xs_write(&xs, 0, "data/hello", msg, strlen(msg));
	if (rc) {
		pvfront_posix_console_printf(p, "guest_hello: store: %d\n", rc);
		return 1;
	}
	pvfront_posix_console_printf(p, "guest_hello: wrote data/hello\n");
	for (;;)
		(void)pvfront_posix_wait(p, ports, 8, -1);
}
