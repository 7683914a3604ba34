/*
 * guest_crash — shares a page like guest_grant, then crashes on an event.
 *
 *   kernel = "guest_crash"   cmdline = "[segv|abort|exit] [after=N]
 *                                       [noconfine]"
 *
 * Fills a page with the pattern, grants it read-write to dom0, allocates
 * a port for dom0 and prints "GREF=<ref> PORT=<port>".  It answers events
 * with a send, like guest_grant, until the N-th event (default 1): that
 * one is not answered; the guest prints "CRASHING <how>" and then raises
 * SIGSEGV (segv, the default), calls abort() (abort), or exits with
 * status 3 (exit).  Each of these is a crash for pvhv.
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "guest_util.h"

int main(int argc, char **argv)
{
	struct pvfront_posix *p = guest_open(argc, argv);
	unsigned long after = guest_value(argc, argv, "after=", 1), seen = 0;
	const char *how = guest_has(argc, argv, "abort")  ? "abort"
			  : guest_has(argc, argv, "exit") ? "exit"
							  : "segv";
	evtchn_port_t port;
	grant_ref_t ref;

	guest_share(p, guest_pattern_page(p), false, &ref, &port);
	for (;;) {
		int rc;

		if (!guest_wait_port(p, port, -1))
			continue;
		if (++seen >= after)
			break;
		rc = pvfront_posix_evtchn_send(p, port);
		if (rc)
			guest_fail(p, "evtchn_send", rc);
	}
	guest_say(p, "CRASHING %s\n", how);
	if (how[0] == 'a')
		abort();
	if (how[0] == 'e')
		_exit(3);
	raise(SIGSEGV);
	return 4; /* not reached: SIGSEGV's default action ends the process */
}
