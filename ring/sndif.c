/*
 * The sound protocol's sample formats by name and size (pvkit/sndif.h).
 */
#include "pvkit/sndif.h"
#include "pvkit/proto/errno.h"

static const struct {
	const char *name;
	unsigned char bits;
} formats[PV_SNDIF_NFORMATS] = {
    [XENSND_PCM_FORMAT_S8] = {XENSND_PCM_FORMAT_S8_STR, 8},
    [XENSND_PCM_FORMAT_U8] = {XENSND_PCM_FORMAT_U8_STR, 8},
    [XENSND_PCM_FORMAT_S16_LE] = {XENSND_PCM_FORMAT_S16_LE_STR, 16},
    [XENSND_PCM_FORMAT_S16_BE] = {XENSND_PCM_FORMAT_S16_BE_STR, 16},
    [XENSND_PCM_FORMAT_U16_LE] = {XENSND_PCM_FORMAT_U16_LE_STR, 16},
    [XENSND_PCM_FORMAT_U16_BE] = {XENSND_PCM_FORMAT_U16_BE_STR, 16},
    [XENSND_PCM_FORMAT_S24_LE] = {XENSND_PCM_FORMAT_S24_LE_STR, 32},
    [XENSND_PCM_FORMAT_S24_BE] = {XENSND_PCM_FORMAT_S24_BE_STR, 32},
    [XENSND_PCM_FORMAT_U24_LE] = {XENSND_PCM_FORMAT_U24_LE_STR, 32},
    [XENSND_PCM_FORMAT_U24_BE] = {XENSND_PCM_FORMAT_U24_BE_STR, 32},
    [XENSND_PCM_FORMAT_S32_LE] = {XENSND_PCM_FORMAT_S32_LE_STR, 32},
    [XENSND_PCM_FORMAT_S32_BE] = {XENSND_PCM_FORMAT_S32_BE_STR, 32},
    [XENSND_PCM_FORMAT_U32_LE] = {XENSND_PCM_FORMAT_U32_LE_STR, 32},
    [XENSND_PCM_FORMAT_U32_BE] = {XENSND_PCM_FORMAT_U32_BE_STR, 32},
    [XENSND_PCM_FORMAT_F32_LE] = {XENSND_PCM_FORMAT_F32_LE_STR, 32},
    [XENSND_PCM_FORMAT_F32_BE] = {XENSND_PCM_FORMAT_F32_BE_STR, 32},
    [XENSND_PCM_FORMAT_F64_LE] = {XENSND_PCM_FORMAT_F64_LE_STR, 64},
    [XENSND_PCM_FORMAT_F64_BE] = {XENSND_PCM_FORMAT_F64_BE_STR, 64},
    [XENSND_PCM_FORMAT_IEC958_SUBFRAME_LE] =
	{XENSND_PCM_FORMAT_IEC958_SUBFRAME_LE_STR, 32},
    [XENSND_PCM_FORMAT_IEC958_SUBFRAME_BE] =
	{XENSND_PCM_FORMAT_IEC958_SUBFRAME_BE_STR, 32},
    [XENSND_PCM_FORMAT_MU_LAW] = {XENSND_PCM_FORMAT_MU_LAW_STR, 8},
    [XENSND_PCM_FORMAT_A_LAW] = {XENSND_PCM_FORMAT_A_LAW_STR, 8},
    [XENSND_PCM_FORMAT_IMA_ADPCM] = {XENSND_PCM_FORMAT_IMA_ADPCM_STR, 0},
    [XENSND_PCM_FORMAT_MPEG] = {XENSND_PCM_FORMAT_MPEG_STR, 0},
    [XENSND_PCM_FORMAT_GSM] = {XENSND_PCM_FORMAT_GSM_STR, 0},
};

const char *pv_sndif_format_name(unsigned int format)
{
	return format < PV_SNDIF_NFORMATS ? formats[format].name : NULL;
}

static int same(const char *a, size_t len, const char *b)
{
	for (size_t i = 0; i < len; i++)
		if (b[i] != a[i] || b[i] == '\0')
			return 0;
	return b[len] == '\0';
}

int pv_sndif_format_parse(const char *name, size_t len)
{
	for (unsigned int f = 0; f < PV_SNDIF_NFORMATS; f++)
		if (same(name, len, formats[f].name))
			return (int)f;
	return -XEN_EINVAL;
}

unsigned int pv_sndif_format_bits(unsigned int format)
{
	return format < PV_SNDIF_NFORMATS ? formats[format].bits : 0;
}
