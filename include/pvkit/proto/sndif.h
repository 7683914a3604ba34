/*
 * pvkit/proto/sndif.h — the para-virtual sound protocol ("vsnd").
 *
 * One vsnd device is a virtual sound card.  The toolstack describes the card
 * in the frontend's store directory before the guest starts:
 *
 *   device/vsnd/<dev>/                       card: short-name, long-name and
 *                                            defaults for the levels below
 *   device/vsnd/<dev>/<pcm>/                 PCM device: name
 *   device/vsnd/<dev>/<pcm>/<stream>/        stream: type "p" or "c",
 *                                            unique-id
 *
 * Each level may narrow the PCM settings inherited from the level above
 * (channels-min, channels-max, sample-rates, sample-formats, buffer-size);
 * a lower level may only restrict, never widen.  Lists in the store are
 * joined with XENSND_LIST_SEPARATOR; numbers are decimal strings.
 *
 * The backend lists the protocol versions it speaks in "versions"; the
 * frontend picks one and writes it to "version".  For every stream the
 * frontend then sets up two channels and publishes them in the stream's
 * directory:
 *
 *   ring-ref / event-channel          a one-page request/response ring of
 *                                     struct xensnd_req / struct xensnd_resp
 *                                     (64 bytes each) — the frontend asks,
 *                                     the backend answers;
 *   evt-ring-ref / evt-event-channel  a one-page event page
 *                                     (struct xensnd_event_page followed by
 *                                     struct xensnd_evt slots) — the backend
 *                                     reports, e.g. the play position.
 *
 * A stream's life: XENSND_OP_HW_PARAM_QUERY (optional, repeatable: narrows
 * the configuration space), XENSND_OP_OPEN (format, rate, channels, and a
 * shared buffer described by a chain of page directories), then READ/WRITE
 * of byte ranges of that buffer, TRIGGER start/pause/resume/stop, volume and
 * mute requests, and finally XENSND_OP_CLOSE.  Every response copies id and
 * operation from its request and carries status 0 or a negative errno value.
 *
 * Every request, response and event is 64 bytes: an 8-byte header and a
 * 56-byte union whose reserved member fixes the size on every architecture.
 * Fields are little-endian on all supported hosts; nothing here is packed —
 * the natural layout is the wire layout.
 *
 * This header is layout only.  The ring itself (indices and slots) comes
 * from pvkit/proto/ring.h and the functions in pvkit/ring.h.
 */
#ifndef PVKIT_PROTO_SNDIF_H
#define PVKIT_PROTO_SNDIF_H

#include <stdint.h>

#include "grant_table.h"
#include "ring.h"

/* Highest protocol version described here. */
#define XENSND_PROTOCOL_VERSION 2

/* Sample formats: the value goes into xensnd_open_req.pcm_format, and
 * (1 << value) into the formats mask of a hardware parameter query.
 * S/U/F = signed/unsigned/float, LE/BE = byte order. */
#define XENSND_PCM_FORMAT_S8		     0
#define XENSND_PCM_FORMAT_U8		     1
#define XENSND_PCM_FORMAT_S16_LE	     2
#define XENSND_PCM_FORMAT_S16_BE	     3
#define XENSND_PCM_FORMAT_U16_LE	     4
#define XENSND_PCM_FORMAT_U16_BE	     5
#define XENSND_PCM_FORMAT_S24_LE	     6
#define XENSND_PCM_FORMAT_S24_BE	     7
#define XENSND_PCM_FORMAT_U24_LE	     8
#define XENSND_PCM_FORMAT_U24_BE	     9
#define XENSND_PCM_FORMAT_S32_LE	     10
#define XENSND_PCM_FORMAT_S32_BE	     11
#define XENSND_PCM_FORMAT_U32_LE	     12
#define XENSND_PCM_FORMAT_U32_BE	     13
#define XENSND_PCM_FORMAT_F32_LE	     14 /* IEEE-754 single, -1..1 */
#define XENSND_PCM_FORMAT_F32_BE	     15
#define XENSND_PCM_FORMAT_F64_LE	     16 /* IEEE-754 double, -1..1 */
#define XENSND_PCM_FORMAT_F64_BE	     17
#define XENSND_PCM_FORMAT_IEC958_SUBFRAME_LE 18
#define XENSND_PCM_FORMAT_IEC958_SUBFRAME_BE 19
#define XENSND_PCM_FORMAT_MU_LAW	     20
#define XENSND_PCM_FORMAT_A_LAW		     21
#define XENSND_PCM_FORMAT_IMA_ADPCM	     22
#define XENSND_PCM_FORMAT_MPEG		     23
#define XENSND_PCM_FORMAT_GSM		     24

/* Request operations (xensnd_req.operation, echoed in the response). */
#define XENSND_OP_OPEN		 0
#define XENSND_OP_CLOSE		 1
#define XENSND_OP_READ		 2 /* capture: backend fills */
#define XENSND_OP_WRITE		 3 /* playback: backend drains */
#define XENSND_OP_SET_VOLUME	 4
#define XENSND_OP_GET_VOLUME	 5
#define XENSND_OP_MUTE		 6
#define XENSND_OP_UNMUTE	 7
#define XENSND_OP_TRIGGER	 8
#define XENSND_OP_HW_PARAM_QUERY 9

/* xensnd_trigger_req.type */
#define XENSND_OP_TRIGGER_START	 0
#define XENSND_OP_TRIGGER_PAUSE	 1
#define XENSND_OP_TRIGGER_STOP	 2
#define XENSND_OP_TRIGGER_RESUME 3

/* Event types (xensnd_evt.type). */
#define XENSND_EVT_CUR_POS 0

/* Device type name in store paths (device/vsnd, backend/vsnd). */
#define XENSND_DRIVER_NAME "vsnd"

/* Joins the items of list-valued store nodes. */
#define XENSND_LIST_SEPARATOR ","

/* Store node names. */
#define XENSND_FIELD_BE_VERSIONS      "versions"
#define XENSND_FIELD_FE_VERSION	      "version"
#define XENSND_FIELD_VCARD_SHORT_NAME "short-name"
#define XENSND_FIELD_VCARD_LONG_NAME  "long-name"
#define XENSND_FIELD_RING_REF	      "ring-ref"
#define XENSND_FIELD_EVT_CHNL	      "event-channel"
#define XENSND_FIELD_EVT_RING_REF     "evt-ring-ref"
#define XENSND_FIELD_EVT_EVT_CHNL     "evt-event-channel"
#define XENSND_FIELD_DEVICE_NAME      "name"
#define XENSND_FIELD_TYPE	      "type"
#define XENSND_FIELD_STREAM_UNIQUE_ID "unique-id"
#define XENSND_FIELD_CHANNELS_MIN     "channels-min"
#define XENSND_FIELD_CHANNELS_MAX     "channels-max"
#define XENSND_FIELD_SAMPLE_RATES     "sample-rates"
#define XENSND_FIELD_SAMPLE_FORMATS   "sample-formats"
#define XENSND_FIELD_BUFFER_SIZE      "buffer-size"

/* Values of a stream's "type" node. */
#define XENSND_STREAM_TYPE_PLAYBACK "p"
#define XENSND_STREAM_TYPE_CAPTURE  "c"

/* Longest item a parser must accept in "sample-rates" and
 * "sample-formats" respectively, in characters. */
#define XENSND_SAMPLE_RATE_MAX_LEN   11
#define XENSND_SAMPLE_FORMAT_MAX_LEN 24

/* Spelling of each sample format in "sample-formats". */
#define XENSND_PCM_FORMAT_S8_STR		 "s8"
#define XENSND_PCM_FORMAT_U8_STR		 "u8"
#define XENSND_PCM_FORMAT_S16_LE_STR		 "s16_le"
#define XENSND_PCM_FORMAT_S16_BE_STR		 "s16_be"
#define XENSND_PCM_FORMAT_U16_LE_STR		 "u16_le"
#define XENSND_PCM_FORMAT_U16_BE_STR		 "u16_be"
#define XENSND_PCM_FORMAT_S24_LE_STR		 "s24_le"
#define XENSND_PCM_FORMAT_S24_BE_STR		 "s24_be"
#define XENSND_PCM_FORMAT_U24_LE_STR		 "u24_le"
#define XENSND_PCM_FORMAT_U24_BE_STR		 "u24_be"
#define XENSND_PCM_FORMAT_S32_LE_STR		 "s32_le"
#define XENSND_PCM_FORMAT_S32_BE_STR		 "s32_be"
#define XENSND_PCM_FORMAT_U32_LE_STR		 "u32_le"
#define XENSND_PCM_FORMAT_U32_BE_STR		 "u32_be"
#define XENSND_PCM_FORMAT_F32_LE_STR		 "float_le"
#define XENSND_PCM_FORMAT_F32_BE_STR		 "float_be"
#define XENSND_PCM_FORMAT_F64_LE_STR		 "float64_le"
#define XENSND_PCM_FORMAT_F64_BE_STR		 "float64_be"
#define XENSND_PCM_FORMAT_IEC958_SUBFRAME_LE_STR "iec958_subframe_le"
#define XENSND_PCM_FORMAT_IEC958_SUBFRAME_BE_STR "iec958_subframe_be"
#define XENSND_PCM_FORMAT_MU_LAW_STR		 "mu_law"
#define XENSND_PCM_FORMAT_A_LAW_STR		 "a_law"
#define XENSND_PCM_FORMAT_IMA_ADPCM_STR		 "ima_adpcm"
#define XENSND_PCM_FORMAT_MPEG_STR		 "mpeg"
#define XENSND_PCM_FORMAT_GSM_STR		 "gsm"

/*
 * XENSND_OP_OPEN: configure a stream and hand the backend its buffer.
 * The buffer is buffer_sz bytes in whole pages, listed by the page
 * directory chain starting at gref_directory.  period_sz asks for a
 * XENSND_EVT_CUR_POS event every period_sz bytes played or captured
 * (0: no position events).
 */
struct xensnd_open_req {
	uint32_t pcm_rate;  /* frames per second */
	uint8_t pcm_format; /* XENSND_PCM_FORMAT_* */
	uint8_t pcm_channels;
	uint16_t reserved;
	uint32_t buffer_sz; /* bytes */
	grant_ref_t gref_directory;
	uint32_t period_sz; /* bytes */
};

/*
 * One page of a buffer's page directory: the grant of the next directory
 * page (0 ends the chain), then as many buffer page grants as fit in the
 * page.  The total count is not sent: it is ceil(buffer_sz / 4096).
 * gref[] is declared with one element; index past it within the page.
 */
struct xensnd_page_directory {
	grant_ref_t gref_dir_next_page;
	grant_ref_t gref[1];
};

/*
 * READ/WRITE: a byte range of the shared buffer.  The same struct serves
 * SET_VOLUME/GET_VOLUME (the buffer holds one int32_t per channel, in
 * steps of 0.001 dB, 0 meaning 0 dB) and MUTE/UNMUTE (one uint8_t per
 * channel, non-zero selecting the channel).
 */
struct xensnd_rw_req {
	uint32_t offset;
	uint32_t length;
};

/* TRIGGER: change the running state of an open stream. */
struct xensnd_trigger_req {
	uint8_t type; /* XENSND_OP_TRIGGER_* */
};

/*
 * HW_PARAM_QUERY request and response: the frontend proposes ranges, the
 * backend answers with the subset it can do given the others.  formats is
 * a mask of (1 << XENSND_PCM_FORMAT_*); buffer and period are in frames
 * (a frame is one sample for every channel).
 */
struct xensnd_query_hw_param {
	uint64_t formats;
	struct {
		uint32_t min;
		uint32_t max;
	} rates;
	struct {
		uint32_t min;
		uint32_t max;
	} channels;
	struct {
		uint32_t min;
		uint32_t max;
	} buffer;
	struct {
		uint32_t min;
		uint32_t max;
	} period;
};

/* XENSND_EVT_CUR_POS: the stream position, in bytes since it opened. */
struct xensnd_cur_pos_evt {
	uint64_t position;
};

/* A request slot: 8-byte header, then the operation's arguments. */
struct xensnd_req {
	uint16_t id;	   /* chosen by the frontend, echoed back */
	uint8_t operation; /* XENSND_OP_* */
	uint8_t reserved[5];
	union {
		struct xensnd_open_req open;
		struct xensnd_rw_req rw;
		struct xensnd_trigger_req trigger;
		struct xensnd_query_hw_param hw_param;
		uint8_t reserved[56];
	} op;
};

/* A response slot: only HW_PARAM_QUERY answers with a payload. */
struct xensnd_resp {
	uint16_t id;
	uint8_t operation;
	uint8_t reserved;
	int32_t status; /* 0 or a negative errno value */
	union {
		struct xensnd_query_hw_param hw_param;
		uint8_t reserved1[56];
	} resp;
};

/* An event slot on the event page. */
struct xensnd_evt {
	uint16_t id;
	uint8_t type; /* XENSND_EVT_* */
	uint8_t reserved[5];
	union {
		struct xensnd_cur_pos_evt cur_pos;
		uint8_t reserved[56];
	} op;
};

/*
 * The event page: the backend produces events at in_prod, the frontend
 * consumes them at in_cons (both free-running).  Event slots follow this
 * header up to the end of the page; slot = index % XENSND_IN_RING_LEN.
 */
struct xensnd_event_page {
	uint32_t in_cons;
	uint32_t in_prod;
	uint8_t reserved[56];
};

#define XENSND_EVENT_PAGE_SIZE 4096
#define XENSND_IN_RING_OFFS    (sizeof(struct xensnd_event_page))
#define XENSND_IN_RING_SIZE    (XENSND_EVENT_PAGE_SIZE - XENSND_IN_RING_OFFS)
#define XENSND_IN_RING_LEN     (XENSND_IN_RING_SIZE / sizeof(struct xensnd_evt))
/* The first event slot of the event page at PAGE. */
#define XENSND_IN_RING(page)                                                   \
	((struct xensnd_evt *)((char *)(page) + XENSND_IN_RING_OFFS))
/* The event slot for free-running index IDX. */
#define XENSND_IN_RING_REF(page, idx)                                          \
	(XENSND_IN_RING((page))[(idx) % XENSND_IN_RING_LEN])

#endif
