/*
 * backends/snd/host_wav.h — the "wav" host side's counters (internal; the
 * host side itself is sndback_host_wav, pvkit/sndback.h).
 */
#ifndef PVKIT_BACKENDS_SND_HOST_WAV_H
#define PVKIT_BACKENDS_SND_HOST_WAV_H

#include <stdint.h>

/* Of one of its streams (a stream_open() result): the writes cut short
 * for going more than a buffer ahead of the clock, and (dropped, may be
 * NULL) the bytes they lost. */
uint64_t sndback_wav_overruns(const void *stream, uint64_t *dropped);

#endif
