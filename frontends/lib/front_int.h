/*
 * libpvfront's framework internals, shared by front.c (the instance,
 * waiting, ports, watches, logging), front_pages.c (pages, grants, page
 * directories), front_dev.c (devices: open, keys, connect, close) and
 * front_fsm.c (the xenbus handshake).
 */
#ifndef PVFRONT_FRONT_INT_H
#define PVFRONT_FRONT_INT_H

#include "pvkit/front.h"
#include "pvkit/proto/errno.h"
#include "pvkit/xenbus.h"

#define NS_PER_MS 1000000ull

/* pvfront_dev.phase: where the handshake is (see front_fsm.c). */
enum {
	PH_OFF,	      /* opened, no connect asked for */
	PH_WAIT_BACK, /* Initialising: waiting for the backend's InitWait */
	PH_PUBLISHED, /* Initialised: waiting for the backend's Connected */
	PH_CONNECTED, /* Connected */
	PH_CLOSING,   /* Closing: waiting for the backend to let go */
	PH_CLOSED,    /* Closed: waiting for the backend to offer again */
	PH_FAILED,    /* given up; Closed written */
	PH_GONE,      /* the device's nodes vanished */
};

/* ---- a small string builder for paths and messages ----------------------- */

struct fr_sb {
	char *buf;
	size_t cap, len;
	bool over; /* something did not fit */
};

void fr_sb_init(struct fr_sb *s, char *buf, size_t cap);
void fr_sb_str(struct fr_sb *s, const char *str);
/* At most max bytes of str, anything but printable ASCII as '?' (for
 * values a peer wrote). */
void fr_sb_str_safe(struct fr_sb *s, const char *str, size_t max);
void fr_sb_uint(struct fr_sb *s, uint64_t v);
void fr_sb_int(struct fr_sb *s, int64_t v);
/* 0, or -XEN_ENAMETOOLONG when something was cut. */
int fr_sb_done(const struct fr_sb *s);

size_t fr_strnlen(const char *s, size_t max);
bool fr_streq(const char *a, const char *b);

/* ---- front.c ------------------------------------------------------------- */

uint64_t fr_now(struct pvfront *pf);
/* A deadline timeout_ms from now (0 for none when timeout_ms < 0). */
uint64_t fr_deadline(struct pvfront *pf, int timeout_ms);
/* Milliseconds left until deadline (0 when past, -1 for no deadline). */
int fr_left_ms(struct pvfront *pf, uint64_t deadline);
void fr_log(struct pvfront *pf, unsigned int level, const char *msg);
/* "<path>: <a><b>" in one line. */
void fr_log_dev(struct pvfront_dev *dev, unsigned int level, const char *a,
		const char *b);

/* ---- front_fsm.c --------------------------------------------------------- */

/* The watch on <backend>/state fired. */
void fr_fsm_backend_changed(struct pvfront *pf, struct pvfront_watch *w,
			    const char *path, void *arg);
/* Read the backend's state and move on from there. */
void fr_fsm_kick(struct pvfront_dev *dev);
/* Handshake steps whose time ran out; returns how many. */
int fr_fsm_timeouts(struct pvfront *pf);
/* Earliest deadline of any device's handshake step (0: none). */
uint64_t fr_fsm_next_deadline(struct pvfront *pf);
/* Ask for a connection from whatever phase the device is in. */
void fr_fsm_start(struct pvfront_dev *dev);
/* Write our state (checking the node still exists). */
int fr_fsm_write_state(struct pvfront_dev *dev, enum xenbus_state st);
void fr_fsm_fail(struct pvfront_dev *dev, int err, const char *what,
		 const char *detail);

/* ---- front_dev.c --------------------------------------------------------- */

/* <dev path>/<key> or <backend>/<key> into buf. */
int fr_key_path(const struct pvfront_dev *dev, unsigned int side,
		const char *key, char *buf, size_t cap);

#endif
