/*
 * harness.h — integration tests against a real pvhv.
 *
 * hvt_start() runs the pvhv binary of this build in the foreground in a
 * fresh temporary run directory and connects with libpvhv; hvt_stop() sends
 * SIGTERM and checks that pvhv exits cleanly and leaves no socket, lock
 * holder or guest process behind.  Guests are the programs of
 * tests/integration/guests, named by their file name.
 */
#ifndef PVKIT_TEST_HARNESS_H
#define PVKIT_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "pvkit/hv.h"

struct hvt {
	char rundir[256];
	char guestdir[256]; /* copies of the guest programs, see hvt_start() */
	char log[300];
	pid_t pid;     /* pvhv */
	struct pvhv *h;
};

/* extra: NULL-terminated extra pvhv arguments, or NULL.  The guest
 * programs are copied to a fresh world-readable directory (guestdir): a
 * pvhv running as root runs guests as nobody, who may not be able to reach
 * the build tree (a checkout under /root, say). */
int hvt_start(struct hvt *t, const char *const *extra);
/* Where the guest programs are for this pvhv. */
const char *hvt_guest_dir(const struct hvt *t);
/* Point XENSTORED_PATH (read by libxenstore, xenstore-utils, libpvhv and
 * pvctl) at this pvhv's store socket, for this process and the commands it
 * runs; the path is copied to path (a sun_path's size always does). */
int hvt_store_env(const struct hvt *t, char *path, size_t len);
/* 0 when pvhv exited with status 0 and left nothing behind. */
int hvt_stop(struct hvt *t);

/* Write DIR/NAME.cfg for guest program GUEST with cmdline and any extra
 * config lines, then create the domain. */
int hvt_create(struct hvt *t, const char *name, const char *guest,
	       const char *cmdline, const char *extra_cfg, domid_t *out);
/* Path of DIR/NAME.cfg written with the given text (for error tests). */
int hvt_write_cfg(struct hvt *t, const char *name, const char *text,
		  char *path, size_t pathlen);

/* Wait up to timeout_ms for a console line of dom containing pattern;
 * copy that line (without newline) to line.  0, or -ETIMEDOUT. */
int hvt_console_expect(struct hvt *t, domid_t dom, const char *pattern,
		       char *line, size_t linelen, int timeout_ms);
/* The value after "KEY=" in a line, as an unsigned number, or -1. */
long hvt_field(const char *line, const char *key);
/* dom's console so far into buf (cut to len - 1 bytes, NUL-terminated):
 * its length, or -ESRCH when the domain is gone. */
long hvt_console(struct hvt *t, domid_t dom, char *buf, size_t len);
/* The complete line of text holding pattern, into line: 0, or -ENOENT
 * (no such line yet). */
int hvt_find_line(const char *text, const char *pattern, char *line,
		  size_t linelen);
/* The value of the last "KEY=" on dom's console, or -1. */
long hvt_last_field(struct hvt *t, domid_t dom, const char *key);

/* The store value at path, NUL-terminated and cut to len: 0 or -errno. */
int hvt_store_get(struct pvhv_store *st, const char *path, char *buf,
		  size_t len);
/* Wait up to timeout_ms until path holds want (want NULL: until path is
 * gone).  0, or -ETIMEDOUT after saying on stderr what path held. */
int hvt_store_wait(struct pvhv_store *st, const char *path, const char *want,
		   int timeout_ms);
/* Send sig to *pid, reap it and zero *pid: its wait status, or -1 when
 * *pid is 0. */
int hvt_kill_wait(pid_t *pid, int sig);

/* Wait for at least one event on p and drain it: 0, or -ETIMEDOUT. */
int hvt_wait_event(struct pvhv_port *p, int timeout_ms);

/* Run a shell command, capture its stdout+stderr; returns exit status. */
int hvt_sh(char *out, size_t outlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Start a daemon (a backend, say): argv[0] is the program, its stdout
 * and stderr go to log (emptied first), and this waits up to timeout_ms
 * for a line of the log holding ready.  0 with *pid set; -ECHILD when it
 * ended first (reaped), -ETIMEDOUT (left running: *pid set). */
int hvt_daemon_start(const char *const *argv, const char *log,
		     const char *ready, int timeout_ms, pid_t *pid);
/* Lines of the file at path that hold pattern (0 without the file). */
unsigned int hvt_file_count(const char *path, const char *pattern);

int hvt_count_fds(pid_t pid);
long hvt_rss_kib(pid_t pid);
/* Processes whose parent is pid. */
int hvt_count_children(pid_t pid);

#endif
