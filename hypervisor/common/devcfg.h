/*
 * devcfg.h — a guest's para-virtual devices, as the xl.cfg keys vkb, vsnd,
 * vdispl, p9 and pvcalls describe them.
 *
 * Syntax, as xl.cfg(5) has it:
 *
 *   vkb     = [ "backend-type=linux, unique-id=kbd0, width=800, height=600" ]
 *   vdispl  = [ "connectors=mon0:1920x1080;mon1:800x600, be-alloc=1" ]
 *   p9      = [ "tag=share, path=/srv/share, security_model=none" ]
 *   pvcalls = [ "" ]
 *   vsnd    = [ [ "CARD, short-name=Main, sample-rates=44100;48000",
 *                 "PCM, name=Main",
 *                 "STREAM, unique-id=pb0, type=p",
 *                 "STREAM, unique-id=cap0, type=c, channels-max=2" ] ]
 *
 * Each device is one string of comma-separated KEY=VALUE settings (blanks
 * around keys and values are dropped); a sound card is a list of such
 * strings, each headed by CARD, PCM or STREAM (any case): a STREAM belongs
 * to the PCM before it (a first STREAM without one opens a nameless PCM),
 * and the CARD item, at most one, sets the card's own keys.  Every device
 * takes backend=, which must name dom0 ("0" or "Domain-0"): pvhv runs all
 * backends in dom0.  Keys per type:
 *
 *   vkb      backend-type=qemu|linux (required: the store directory of the
 *            backend is backend/vkbd for qemu, backend/vinput for linux),
 *            unique-id=STRING, feature-disable-keyboard=0|1,
 *            feature-disable-pointer=0|1, feature-abs-pointer=0|1,
 *            feature-raw-pointer=0|1, feature-multi-touch=0|1,
 *            multi-touch-width=N, multi-touch-height=N,
 *            multi-touch-num-contacts=N (all three, which imply
 *            feature-multi-touch), width=N, height=N
 *   vsnd     on CARD, PCM and STREAM: sample-rates=R;R;...,
 *            sample-formats=F;F;... (sndif's names: s16_le, float_le, ...;
 *            libxl's f32_le / f64_le spellings are taken too),
 *            channels-min=N, channels-max=N, buffer-size=BYTES;
 *            a lower level narrows what the level above allows;
 *            CARD: short-name, long-name; PCM: name;
 *            STREAM: unique-id (required, unique in the card), type=p|c
 *            (required).  Every PCM needs a STREAM.
 *   vdispl   connectors=ID:WxH;ID:WxH... (required; IDs unique, without
 *            blanks, ',', ';' or ':'), be-alloc=0|1
 *   p9       tag=STRING, path=/ABSOLUTE/PATH, security_model=none (all
 *            three required)
 *   pvcalls  only backend=
 *
 * Numbers are decimal or 0x-hex; their ranges are the DEVCFG_* limits
 * below.  Unknown keys, a key given twice in one device, a setting
 * without '=' and values out of range are refused.  Errors read
 *   "guest.cfg:7: vsnd: card 0, pcm 0, stream 1: unknown key 'rat'
 *    (known: ...)"
 * naming the file, the line of the item, the key, and the device (its
 * device id: devices of one type are numbered 0, 1, ... in the order
 * given) and, for sound, the PCM and stream (their index in the store).
 *
 * devcfg only parses; hypervisor/pvhv/devices.c writes devices to the
 * store.  Hot plug (pvctl device-add) hands the same strings to
 * devcfg_parse_spec().
 */
#ifndef PVHV_DEVCFG_H
#define PVHV_DEVCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xlcfg_setting;

/* Limits: generous for real devices, small enough that a config cannot
 * flood the store. */
#define DEVCFG_MAX_DEVICES    16  /* per type and domain */
#define DEVCFG_MAX_STRING     255 /* ids, names, tags (bytes) */
#define DEVCFG_MAX_PATH	      1024
#define DEVCFG_MAX_PCMS	      8 /* per sound card */
#define DEVCFG_MAX_STREAMS    8 /* per PCM */
#define DEVCFG_MAX_RATES      32
#define DEVCFG_MAX_RATE	      768000u
#define DEVCFG_MAX_CHANNELS   255u /* sndif carries channels in a byte */
#define DEVCFG_MAX_BUFFER     (64u << 20)
#define DEVCFG_MAX_CONNECTORS 16
#define DEVCFG_MAX_PIXELS     32768u /* width or height */
#define DEVCFG_MAX_CONTACTS   256u
#define DEVCFG_MAX_ITEMS      (1 + DEVCFG_MAX_PCMS * (1 + DEVCFG_MAX_STREAMS))

enum devcfg_type {
	DEVCFG_VKB,
	DEVCFG_VSND,
	DEVCFG_VDISPL,
	DEVCFG_P9,
	DEVCFG_PVCALLS,
	DEVCFG_NTYPES
};

struct devcfg_vkb {
	bool linux_backend; /* backend-type=linux, else qemu */
	char *unique_id;    /* NULL when not given */
	bool disable_keyboard, disable_pointer;
	bool abs_pointer, raw_pointer, multi_touch;
	uint32_t mt_width, mt_height, mt_contacts; /* 0: not given */
	uint32_t width, height;			   /* 0: not given */
};

/* sndif's format numbers (XENSND_PCM_FORMAT_*) fit in a byte. */
#define DEVCFG_NFORMATS 25 /* PV_SNDIF_NFORMATS, checked in devcfg_snd.c */

struct devcfg_snd_params {
	uint32_t rates[DEVCFG_MAX_RATES];
	unsigned int n_rates;
	uint8_t formats[DEVCFG_NFORMATS]; /* XENSND_PCM_FORMAT_* */
	unsigned int n_formats;
	uint32_t channels_min, channels_max, buffer_size; /* 0: not given */
};

struct devcfg_snd_stream {
	char *unique_id;
	bool capture; /* type=c, else p */
	struct devcfg_snd_params params;
};

struct devcfg_snd_pcm {
	char *name; /* NULL when not given */
	struct devcfg_snd_params params;
	struct devcfg_snd_stream streams[DEVCFG_MAX_STREAMS];
	unsigned int n_streams;
};

struct devcfg_vsnd {
	char *short_name, *long_name; /* NULL when not given */
	struct devcfg_snd_params params;
	struct devcfg_snd_pcm *pcms; /* n_pcms of them */
	unsigned int n_pcms;
};

struct devcfg_connector {
	char *unique_id;
	uint32_t width, height;
};

struct devcfg_vdispl {
	bool be_alloc;
	struct devcfg_connector conns[DEVCFG_MAX_CONNECTORS];
	unsigned int n_conns;
};

struct devcfg_p9 {
	char *tag, *path, *security_model;
};

struct devcfg_dev {
	enum devcfg_type type;
	uint16_t backend; /* backend domain: always 0 in pvhv */
	union {
		struct devcfg_vkb vkb;
		struct devcfg_vsnd vsnd;
		struct devcfg_vdispl vdispl;
		struct devcfg_p9 p9;
	} u;
};

/* A guest's devices, in config order (types mixed). */
struct devcfg {
	struct devcfg_dev *devs;
	unsigned int n;
};

/* The xl.cfg key of a type ("vkb", "vsnd", "vdispl", "p9", "pvcalls"). */
const char *devcfg_type_name(enum devcfg_type t);
/* A type from its xl.cfg key, or from its store name ("vkbd", "9pfs"):
 * 0, or -EINVAL. */
int devcfg_type_from_name(const char *name, enum devcfg_type *t);
/* The store's name of the type: the frontend directory (device/<name>),
 * and the backend's (backend/<name>), which for vkb depends on
 * backend-type. */
const char *devcfg_frontend_kind(enum devcfg_type t);
const char *devcfg_backend_kind(const struct devcfg_dev *dev);

/* Is key one of the five device keys? */
bool devcfg_is_key(const char *key);

/* Parse one setting of a device key into cfg, appending its devices.
 * file names the config in messages.  0, -EINVAL with "FILE:LINE: KEY:
 * ..." in err, or -ENOMEM. */
int devcfg_parse_setting(struct devcfg *cfg, const char *file,
			 const struct xlcfg_setting *s, char *err,
			 size_t errlen);

/* One device of type t from n spec strings (a sound card takes several,
 * every other type one, or none for all defaults): what `pvctl
 * device-add` sends.  Errors
 * read "KEY: ...".  On success *out must be released with
 * devcfg_dev_release(). */
int devcfg_parse_spec(enum devcfg_type t, const char *const *spec,
		      unsigned int n, struct devcfg_dev *out, char *err,
		      size_t errlen);

void devcfg_dev_release(struct devcfg_dev *dev);
/* Frees every device; cfg is empty afterwards (and may be reused). */
void devcfg_release(struct devcfg *cfg);

/* sndif's name of format f (XENSND_PCM_FORMAT_*), or NULL. */
const char *devcfg_format_name(unsigned int f);

#endif
