/*
 * pvkit/sndif.h — the sound protocol's sample formats by name and size,
 * shared by the toolstack side (xl.cfg's vsnd), the backend and the
 * frontend so that all three spell and size them alike.
 *
 * The store spells formats as sndif does ("s16_le", "float_le", ...,
 * XENSND_PCM_FORMAT_*_STR); a format's number is its XENSND_PCM_FORMAT_*
 * value and (1 << number) its bit in a query's formats mask.
 *
 * Freestanding C11.
 */
#ifndef PVKIT_SNDIF_H
#define PVKIT_SNDIF_H

#include <stddef.h>

#include "pvkit/proto/sndif.h"

/* Formats 0 .. PV_SNDIF_NFORMATS - 1 exist. */
#define PV_SNDIF_NFORMATS (XENSND_PCM_FORMAT_GSM + 1)

/* "s16_le", or NULL for a number that is no format. */
const char *pv_sndif_format_name(unsigned int format);

/* The format whose name is name[0..len) exactly (no NUL needed), or
 * -XEN_EINVAL. */
int pv_sndif_format_parse(const char *name, size_t len);

/* Bits a sample takes in a buffer (24-bit formats travel in 32), or 0 for
 * a format that is not linear PCM (IMA ADPCM, MPEG, GSM) or no format. */
unsigned int pv_sndif_format_bits(unsigned int format);

#endif
