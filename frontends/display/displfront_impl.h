/*
 * What frontends/display's files share (not installed).
 */
#ifndef PVKIT_DISPLFRONT_IMPL_H
#define PVKIT_DISPLFRONT_IMPL_H

#include "pvkit/displfront.h"

/* Largest width or height a "resolution" may name. */
#define DISPLFRONT_RES_MAX 16384u

/* Read the connectors into df->c[].info and df->n, and be-alloc. */
int displfront_walk(struct displfront *df);
/* "<c>/k" for connector c. */
void displfront_conn_key(char *buf, size_t cap, unsigned int c, const char *k);
/* The highest version both speak, from the backend's "versions";
 * -XEN_EOPNOTSUPP when there is none. */
int displfront_pick_version(struct pvfront_dev *dev, unsigned int *version);

/* Requests (displfront.c), for the other files. */
struct displfront_conn *displfront_conn_of(struct displfront *df,
					   unsigned int i);
/* 0 when requests may go: else the device's error or -XEN_ENOTCONN. */
int displfront_link_error(struct displfront *df);
void displfront_req_init(struct xendispl_req *rq, uint8_t op);
/* Send rq on c's ring (once the last request is answered) and wait for
 * its answer: the status, or why there was none. */
int displfront_call(struct displfront_conn *c, struct xendispl_req *rq);
/* be-alloc: unmap the backend's pages of db (displfront_buf.c). */
int displfront_dbuf_unmap(struct displfront *df, struct displfront_dbuf *db);
/* Whether fb is one of the device's framebuffers (displfront_buf.c). */
bool displfront_fb_listed(const struct displfront *df,
			  const struct displfront_fb *fb);

#endif
