/*
 * Shared pieces of the test guests (guest_util.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest_util.h"

/* Sanitizer builds: LeakSanitizer stops the world with ptrace, which pvhv's
 * filter refuses, and a guest's leaks are not what the tests look for. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

struct pvfront_posix *guest_open(int argc, char **argv)
{
	unsigned int flags = guest_has(argc, argv, "noconfine")
				     ? 0
				     : PVFRONT_POSIX_CONFINE;
	struct pvfront_posix *p;
	int rc = pvfront_posix_open(flags, &p);

	if (rc) {
		fprintf(stderr, "%s: pvfront_posix_open: %s\n", argv[0],
			strerror(-rc));
		exit(2);
	}
	return p;
}

bool guest_has(int argc, char **argv, const char *word)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], word))
			return true;
	return false;
}

unsigned long guest_value(int argc, char **argv, const char *key,
			  unsigned long def)
{
	size_t n = strlen(key);

	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], key, n))
			return strtoul(argv[i] + n, NULL, 0);
	return def;
}

void guest_say(struct pvfront_posix *p, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (pvfront_posix_console_write(p, buf, (size_t)n)) {
		ssize_t w = write(STDERR_FILENO, buf, (size_t)n);

		(void)w;
	}
}

_Noreturn void guest_fail(struct pvfront_posix *p, const char *what, int rc)
{
	guest_say(p, "FAILED %s: %s\n", what, strerror(rc < 0 ? -rc : rc));
	_exit(1);
}

uint8_t *guest_pattern_page(struct pvfront_posix *p)
{
	uint8_t *page = pvfront_posix_alloc_pages(p, 1);

	if (!page)
		guest_fail(p, "alloc_pages", -ENOMEM);
	for (unsigned int i = 0; i < GUEST_PAGE_SIZE; i++)
		page[i] = guest_pattern(i);
	return page;
}

void guest_share(struct pvfront_posix *p, void *page, bool readonly,
		 grant_ref_t *ref, evtchn_port_t *port)
{
	int rc = pvfront_posix_grant_access(p, 0, page, readonly, ref);

	if (rc)
		guest_fail(p, "grant_access", rc);
	rc = pvfront_posix_evtchn_alloc_unbound(p, 0, port);
	if (rc)
		guest_fail(p, "evtchn_alloc_unbound", rc);
	guest_say(p, "GREF=%u PORT=%u\n", *ref, *port);
}

unsigned int guest_wait_port(struct pvfront_posix *p, evtchn_port_t port,
			     int timeout_ms)
{
	evtchn_port_t got[16];
	unsigned int hits = 0;
	int n = pvfront_posix_wait(p, got, 16, timeout_ms);

	if (n < 0)
		guest_fail(p, "wait", n);
	for (int i = 0; i < n; i++)
		hits += got[i] == port;
	return hits;
}
