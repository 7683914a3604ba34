/*
 * guest_grant — shares one page with dom0 and answers its events.
 *
 *   kernel = "guest_grant"   cmdline = "ro|rw [events=N] [noconfine]"
 *
 * 1. Prints "GUEST <domid> vwfi=<trap|native>", then fills a page with the
 *    pattern (byte i = (i * 31 + 7) & 0xff), grants it to dom0 read-only
 *    (ro) or read-write (rw), allocates an unbound port for dom0, and
 *    prints "GREF=<ref> PORT=<port>".
 * 2. Every time the port fires, the guest answers with one send on it
 *    (ping-pong).  Before answering, if the page starts with '!', it
 *    prints "DOM0 WROTE: <text>" — the NUL-terminated text after the '!'
 *    (at most 200 bytes, anything outside printable ASCII as '.') — and
 *    puts the pattern's first byte back.  The line is on the console
 *    before the answer is sent.
 * 3. With events=N, after the N-th answer it prints "EVENTS=<N>" and
 *    shuts down (poweroff).  Without, it runs until destroyed.
 * It confines itself (PVFRONT_POSIX_CONFINE) unless told "noconfine".
 */
#include <string.h>

#include "guest_util.h"
#include "pvkit/proto/sched.h"

#define TEXT_MAX 200

static void report_write(struct pvfront_posix *p, volatile uint8_t *page)
{
	char text[TEXT_MAX + 1];
	size_t n = 0;

	/* Dom0 may still be writing: read each byte once. */
	for (; n < TEXT_MAX; n++) {
		uint8_t c = page[1 + n];

		if (!c)
			break;
		text[n] = c >= 0x20 && c < 0x7f ? (char)c : '.';
	}
	text[n] = '\0';
	guest_say(p, "DOM0 WROTE: %s\n", text);
	page[0] = guest_pattern(0);
}

int main(int argc, char **argv)
{
	struct pvfront_posix *p = guest_open(argc, argv);
	bool rw = guest_has(argc, argv, "rw");
	unsigned long limit = guest_value(argc, argv, "events=", 0);
	unsigned long answered = 0;
	evtchn_port_t port;
	grant_ref_t ref;
	uint8_t *page;

	guest_say(p, "GUEST %u vwfi=%s\n", pvfront_posix_domid(p),
		  pvfront_posix_vwfi_native(p) ? "native" : "trap");
	page = guest_pattern_page(p);
	guest_share(p, page, !rw, &ref, &port);
	for (;;) {
		int rc;

		if (!guest_wait_port(p, port, -1))
			continue;
		if (rw && ((volatile uint8_t *)page)[0] == '!')
			report_write(p, page);
		rc = pvfront_posix_evtchn_send(p, port);
		if (rc)
			guest_fail(p, "evtchn_send", rc);
		if (limit && ++answered == limit) {
			guest_say(p, "EVENTS=%lu\n", answered);
			pvfront_posix_shutdown(p, SHUTDOWN_poweroff);
		}
	}
}
