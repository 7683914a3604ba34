/*
 * guest_util.h — what the test guests share: opening the platform, the
 * page pattern dom0 checks, command-line words, ping-pong.
 *
 * The pattern: byte i of a shared page is (i * 31 + 7) & 0xff.
 */
#ifndef GUEST_UTIL_H
#define GUEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "pvkit/guest_posix.h"

#define GUEST_PAGE_SIZE 4096u

static inline uint8_t guest_pattern(unsigned int i)
{
	return (uint8_t)(i * 31u + 7u);
}

/* Open the platform (confined unless argv has "noconfine"); on failure
 * print to stderr and exit 2. */
struct pvfront_posix *guest_open(int argc, char **argv);

/* argv has word exactly. */
bool guest_has(int argc, char **argv, const char *word);
/* The number after "key" (e.g. "events=") in argv, or def. */
unsigned long guest_value(int argc, char **argv, const char *key,
			  unsigned long def);

/* A zeroed page filled with the pattern; exits on failure. */
uint8_t *guest_pattern_page(struct pvfront_posix *p);

/* Grant page to dom0, allocate a port for dom0, print
 * "GREF=<ref> PORT=<port>"; exits on failure. */
void guest_share(struct pvfront_posix *p, void *page, bool readonly,
		 grant_ref_t *ref, evtchn_port_t *port);

/* Wait for events on port (others are ignored); returns how many times
 * it fired in this wake-up (0 or 1, events coalesce). */
unsigned int guest_wait_port(struct pvfront_posix *p, evtchn_port_t port,
			     int timeout_ms);

/* Print on the console, and on stderr if the console fails. */
#define GUEST_SAY(p, ...) guest_say(p, __VA_ARGS__)
void guest_say(struct pvfront_posix *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Give up: print why and exit 1 (a crash, for pvhv). */
_Noreturn void guest_fail(struct pvfront_posix *p, const char *what, int rc);

#endif
