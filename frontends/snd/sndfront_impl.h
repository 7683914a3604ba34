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

#endif
