/*
 * hostile.h — shared by guest_hostile.c (hypercall misuse, grant entries)
 * and hostile_host.c (its channel, its sandbox, its memory).
 *
 * Each check prints one console line
 *     CHECK <name>: got <value> want <value> OK|FAIL
 * and a mode ends with "HOSTILE <mode> PASS" or "HOSTILE <mode> FAIL <n>".
 * The wanted values are Xen's answers.
 */
#ifndef HOSTILE_H
#define HOSTILE_H

#include <stdint.h>

#include "guest_util.h"

struct hostile {
	struct pvfront_posix *p;
	uint8_t *buf; /* a page of guest memory for argument structures */
	uint64_t mem_end; /* guest address just past guest memory */
	unsigned int failed;
};

/* got must equal want. */
void hostile_check(struct hostile *h, const char *name, long got, long want);
/* got must be negative (an error, whichever). */
void hostile_refused(struct hostile *h, const char *name, long got);
/* Just print. */
void hostile_info(struct hostile *h, const char *name, long got);

long hostile_call(struct hostile *h, uint64_t nr, uint64_t a1, uint64_t a2,
		  uint64_t a3);
uint64_t hostile_buf(const struct hostile *h);

/* hostile_host.c */
void mode_flood(struct hostile *h, int argc, char **argv);
void mode_sandbox(struct hostile *h);
void mode_confined(struct hostile *h);
void mode_truncate(struct hostile *h);

#endif
