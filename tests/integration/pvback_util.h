/*
 * pvback_util.h — what libpvback's integration tests (test_pvback_*)
 * share: a pvhv (the harness), the echo backend pvback_testd as a process
 * of its own, guests running guest_pvback_echo with pvcalls devices, the
 * store as dom0 sees it, and leak counters for the backend process.
 */
#ifndef PVKIT_TEST_PVBACK_UTIL_H
#define PVKIT_TEST_PVBACK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "harness.h"

/* ASan keeps freed memory in quarantine: resident memory says nothing of
 * leaks there (LeakSanitizer does, when pvback_testd exits). */
#if defined(__SANITIZE_ADDRESS__)
#define PBT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PBT_ASAN 1
#endif
#endif
#ifndef PBT_ASAN
#define PBT_ASAN 0
#endif

struct pbt {
	struct hvt t;
	struct pvhv_store *st;
	pid_t testd; /* pvback_testd, or 0 */
	char log[300];
};

/* Round trips of the loops: $PVBACK_TEST_LOOPS, else def. */
unsigned int pbt_loops(unsigned int def);

/* pvhv, a store connection, and pvback_testd (waits for its READY). */
int pbt_start(struct pbt *k);
/* Start pvback_testd (again). */
int pbt_testd_start(struct pbt *k);
/* Send sig to pvback_testd and reap it: its wait status. */
int pbt_testd_stop(struct pbt *k, int sig);
/* All down: 0 when pvback_testd exited 0 on SIGTERM and pvhv was clean. */
int pbt_stop(struct pbt *k);

/* A guest running guest_pvback_echo with cmdline and ndev pvcalls devices. */
int pbt_guest(struct pbt *k, const char *name, const char *cmdline,
	      unsigned int ndev, domid_t *dom);
/* Wait for a console line of dom holding pattern (20 s). */
int pbt_expect(struct pbt *k, domid_t dom, const char *pattern);
/* Times pattern occurs in dom's console. */
unsigned int pbt_count(struct pbt *k, domid_t dom, const char *pattern);

/* /local/domain/0/backend/pvcalls/DOM/DEV/KEY into buf; -errno. */
int pbt_be_read(struct pbt *k, domid_t dom, unsigned int dev, const char *key,
		char *buf, size_t len);
/* Wait until that node reads want (NULL: until it is gone). */
int pbt_be_wait(struct pbt *k, domid_t dom, unsigned int dev, const char *key,
		const char *want, int timeout_ms);

/* The backend process's descriptors and mappings (lines of
 * /proc/PID/maps). */
int pbt_fds(struct pbt *k);
int pbt_maps(struct pbt *k);
/* Whether pvback_testd's log has a line with pattern. */
bool pbt_testd_said(struct pbt *k, const char *pattern);

#endif
