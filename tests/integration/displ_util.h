/*
 * displ_util.h — helpers of the display's end-to-end tests
 * (test_displ_headless, test_displ_bealloc): pvbackd with the display
 * backend, and a PNG compared with the guests' pattern
 * (test_displ_pattern.h).
 */
#ifndef DISPL_UTIL_H
#define DISPL_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness.h"

/* pvbackd --backends displ --displ-host host in t's run directory, its
 * output in a log of its own whose name goes to blog; 0 once it is
 * ready (see hvt_daemon_start()). */
int displ_backd_start(struct hvt *t, const char *host, char *blog,
		      size_t bloglen, pid_t *pid);
/* 0 when the PNG at path is w x h, 8-bit RGB (RGBA for ARGB8888), and
 * equals frame n of connector c drawn in fmt pixel for pixel; else -1,
 * saying why on stderr. */
int displ_png_ok(const char *path, uint32_t fmt, unsigned int c,
		 unsigned int n, unsigned int w, unsigned int h);

#endif
