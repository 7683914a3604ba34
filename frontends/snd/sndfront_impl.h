/*
 * What frontends/snd's files share (not installed).
 */
#ifndef PVKIT_SNDFRONT_IMPL_H
#define PVKIT_SNDFRONT_IMPL_H

#include "pvkit/sndfront.h"

/* Read the card's streams into sf->s[].info and sf->n. */
int sndfront_walk(struct sndfront *sf);
/* "<pcm>/<stream>/k" for one stream. */
void sndfront_stream_key(char *buf, size_t cap,
			 const struct sndfront_stream_info *in, const char *k);

/* Requests (sndfront.c), one outstanding per stream. */
/* Stream i, or NULL. */
struct sndfront_stream *sndfront_stream_at(struct sndfront *sf, unsigned int i);
/* Why a stream is not open: the card failed (its error), else
 * -XEN_EBADF. */
int sndfront_not_open(const struct sndfront_stream *s);
/* Whether a request may go now (wait: for a nonblocking write still out,
 * whose failure is returned here, once). */
int sndfront_ready(struct sndfront_stream *s, bool wait);
void sndfront_req_init(struct sndfront_stream *s, struct xensnd_req *rq,
		       uint8_t op);
/* Take the stream's answers off its ring. */
void sndfront_take_responses(struct sndfront_stream *s);
/* Put rq on the ring; it is the outstanding request then. */
int sndfront_send(struct sndfront_stream *s, const struct xensnd_req *rq);
/* Wait for the outstanding request's answer: its status, or
 * -XEN_ETIMEDOUT (it stays outstanding). */
int sndfront_wait_done(struct sndfront_stream *s);
/* ready, send, wait_done. */
int sndfront_call(struct sndfront_stream *s, struct xensnd_req *rq);

#endif
