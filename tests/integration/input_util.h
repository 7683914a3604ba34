/*
 * input_util.h — what the input device's end-to-end tests share: a pvhv
 * (the harness), a pvbackd fed by a live script (a FIFO in the run
 * directory), guests running guest_input, and their consoles.
 */
#ifndef PVKIT_TEST_INPUT_UTIL_H
#define PVKIT_TEST_INPUT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "harness.h"

struct kbt {
	struct hvt t;
	struct pvhv_store *st;
	pid_t backd;	/* pvbackd, or 0 */
	char fifo[300]; /* its live script */
	char blog[300]; /* its stderr */
	int fifo_fd;	/* our writing end */
};

/* A vkb line for xl.cfg: absolute pointer 800x480, multi-touch 800x480
 * with 5 contacts. */
#define KBT_VKB                                                                \
	"vkb = [ \"backend-type=linux, feature-abs-pointer=1, "                \
	"width=800, height=480, multi-touch-width=800, "                       \
	"multi-touch-height=480, multi-touch-num-contacts=5\" ]\n"

/* pvhv, the FIFO and pvbackd (waits for its "ready"). */
int kbt_start(struct kbt *k);
/* Start pvbackd (again); wait for "ready". */
int kbt_backd_start(struct kbt *k);
/* Send sig to pvbackd and reap it; returns its wait status. */
int kbt_backd_stop(struct kbt *k, int sig);
/* Everything down; 0 when pvbackd exited 0 and pvhv was clean. */
int kbt_stop(struct kbt *k);

/* Lines for the live script (a newline is added). */
int kbt_send(struct kbt *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A guest running guest_input with cmdline and extra config lines (NULL:
 * KBT_VKB). */
int kbt_guest(struct kbt *k, const char *name, const char *cmdline,
	      const char *cfg, domid_t *dom);
/* dom's whole console so far (the tail of it, when long) into buf. */
size_t kbt_console(struct kbt *k, domid_t dom, char *buf, size_t len);
/* Times pattern occurs in dom's console. */
unsigned int kbt_count(struct kbt *k, domid_t dom, const char *pattern);
/* Wait until pattern occurs at least n times in dom's console. */
int kbt_wait_count(struct kbt *k, domid_t dom, const char *pattern,
		   unsigned int n, int timeout_ms);
/* Wait until the last "KEY=" on dom's console is at least v. */
int kbt_wait_field(struct kbt *k, domid_t dom, const char *key, long v,
		   int timeout_ms);
/* The backend device's node (/local/domain/0/backend/vinput/DOM/DEV/key)
 * into buf; -errno when missing. */
int kbt_back_read(struct kbt *k, domid_t dom, unsigned int dev, const char *key,
		  char *buf, size_t len);
/* Wait until that node reads want. */
int kbt_back_wait(struct kbt *k, domid_t dom, unsigned int dev, const char *key,
		  const char *want, int timeout_ms);
/* Times pvbackd removed dom's device 0 (since it last started), and a
 * wait until that count passes before: the backend let the device go,
 * so a new guest with the same domid gets a new device. */
unsigned int kbt_removals(struct kbt *k, domid_t dom);
int kbt_wait_removed(struct kbt *k, domid_t dom, unsigned int before,
		     int timeout_ms);
/* Show the end of dom's console and of pvbackd's log on stderr. */
void kbt_dump(struct kbt *k, domid_t dom);
/* pvbackd's log (since it last started) has a line with pattern; how
 * many. */
bool kbt_backd_said(struct kbt *k, const char *pattern);
unsigned int kbt_backd_count(struct kbt *k, const char *pattern);

#endif
