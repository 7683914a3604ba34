/*
 * kbdback_int.h — inside the input backend: the protocol encoder.
 *
 * struct kbdback_enc is one device's writer of the vkbd in ring: it takes
 * normalized events (pvkit/kbdback.h), scales them to what the device and
 * its frontend agreed, assembles touch frames, and writes them into the
 * shared page without ever waiting for the guest.  It knows nothing of
 * the store or the event loop, so unit tests drive it on a plain page.
 *
 *     struct kbdback_enc e;
 *     kbdback_enc_init(&e, &features);
 *     rc = kbdback_enc_attach(&e, page);   // -EPROTO: indices make no sense
 *     rc = kbdback_enc_put(&e, &ev);       // 0, -ENOSPC (dropped), -EPROTO
 *     kbdback_enc_flush(&e);               // close an open touch frame
 *     if (e.notify) { notify the guest; e.notify = false; }
 */
#ifndef KBDBACK_INT_H
#define KBDBACK_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "pvkit/kbdback.h"
#include "pvkit/proto/kbdif.h"

/* Contacts forwarded at once.  The worst frame (each contact DOWN, SHAPE,
 * ORIENT and UP, then SYN) must fit the 51-slot ring, so that a frame is
 * always written whole: 12 * 4 + 1 = 49.  Further contacts are filtered. */
#define KBDBACK_MAX_CONTACTS 12u
/* Keys and buttons tracked (Linux's KEY_CNT). */
#define KBDBACK_KEY_CNT 0x300u
/* What a frontend assumes when the backend names no width/height. */
#define KBDBACK_DEFAULT_WIDTH  800u
#define KBDBACK_DEFAULT_HEIGHT 600u
/* The raw pointer's range. */
#define KBDBACK_RAW_MAX 0x7fffu

/* What a device offers (its backend keys) and its frontend asked for. */
struct kbdback_features {
	bool abs, raw, mtouch; /* offered */
	bool no_keyboard, no_pointer;
	uint32_t width, height;
	uint32_t mt_width, mt_height, mt_contacts;
	bool req_abs, req_raw, req_mtouch; /* requested */
};

struct kbdback_contact {
	uint64_t host_id;
	bool used;     /* host_id maps to this protocol id */
	bool src_down; /* the host says the contact touches */
	bool fe_down;  /* the frontend was told DOWN (and no UP since) */
	bool tapped;   /* went down and up inside the open frame */
	bool in_frame; /* has something to say in the open frame */
	bool pos_dirty, shape_dirty, orient_dirty;
	bool has_shape, has_orient;
	int32_t x, y;
	uint32_t major, minor;
	int16_t orient;
};

struct kbdback_enc {
	struct xenkbd_page *page; /* the shared page, or NULL */
	uint32_t prod;		  /* ours: never read back from the page */
	/* In effect: offered and requested. */
	bool abs, raw, mtouch;
	struct kbdback_features feat;
	/* The pointer as the frontend knows it (device units). */
	int32_t ptr_x, ptr_y;
	bool ptr_known;
	uint32_t host_x, host_y; /* last host position, for relative devices */
	bool host_known;
	/* Keys: pressed on the host; pressed as the frontend knows. */
	uint8_t src_keys[KBDBACK_KEY_CNT / 8];
	uint8_t fe_keys[KBDBACK_KEY_CNT / 8];
	bool keys_owed;	 /* a release was dropped: resend when room */
	bool touch_owed; /* a frame was dropped: contacts to bring in line */
	bool frame_open; /* touch events wait for their frame */
	uint8_t order[KBDBACK_MAX_CONTACTS]; /* contacts in frame order */
	unsigned int n_order;
	struct kbdback_contact c[KBDBACK_MAX_CONTACTS];
	struct kbdback_stats st;
	bool notify; /* slots were written since the caller last looked */
	bool broken; /* the frontend's indices made no sense */
};

void kbdback_enc_init(struct kbdback_enc *e, const struct kbdback_features *f);
/* Start writing into page (its current indices are kept: a restarted
 * backend continues where the last one stopped).  -EPROTO when the
 * frontend's in_cons is not within the ring. */
int kbdback_enc_attach(struct kbdback_enc *e, struct xenkbd_page *page);
void kbdback_enc_detach(struct kbdback_enc *e);
/* One host event.  0 (written, or nothing to write), -ENOSPC (dropped
 * and counted), -EPROTO (the frontend broke the ring: stop), -ENOTCONN
 * (not attached). */
int kbdback_enc_put(struct kbdback_enc *e, const struct kbdback_event *ev);
/* Close a touch frame the host left open. */
int kbdback_enc_flush(struct kbdback_enc *e);
/* Make good what was lost (key releases, touch contacts) now, if the
 * ring has room: 0 when nothing is owed any more, -ENOSPC, -EPROTO. */
int kbdback_enc_retry(struct kbdback_enc *e);
bool kbdback_enc_owed(const struct kbdback_enc *e);
/* Slots that can be written now without overwriting one the frontend has
 * not consumed, given the two indices; UINT32_MAX when they are
 * inconsistent.  Exposed for tests. */
uint32_t kbdback_ring_room(uint32_t prod, uint32_t cons);
/* v (0..KBDBACK_ABS_ONE) scaled to 0..extent, rounded. */
int32_t kbdback_scale(uint32_t v, uint32_t extent);

/* Devices the libinput host side has now (its state from open()). */
unsigned int kbdback_libinput_devices(void *state);

/* ---- the script host side's parser (script.c) ---------------------------- */

enum kbd_script_kind {
	KBD_SCRIPT_EVENT = 1,	   /* ev */
	KBD_SCRIPT_WAIT,	   /* ns */
	KBD_SCRIPT_WAIT_CONNECTED, /* count */
	KBD_SCRIPT_LOOP,
};

struct kbd_script_cmd {
	enum kbd_script_kind kind;
	unsigned int line;
	uint64_t ns;
	unsigned int count;
	struct kbdback_event ev;
};

struct kbd_script {
	struct kbd_script_cmd *cmd;
	size_t n, cap;
};

/* Line by line: the state carried between lines. */
struct kbd_script_parser {
	struct kbd_script *s;
	const char *name;
	unsigned int line; /* of the last line parsed */
	uint32_t w, h;
	int32_t target;
	bool touch_open; /* touch events since the last frame */
	bool live;	 /* a FIFO: no loop */
	char *err;
	size_t errlen;
};

void kbd_script_parser_init(struct kbd_script_parser *p, struct kbd_script *s,
			    const char *name, char *err, size_t errlen);
/* Parse one line (without its newline; modified) into more commands of
 * p->s; p->line must have been advanced.  0, -EINVAL (err), -ENOMEM. */
int kbd_script_parse_line(struct kbd_script_parser *p, char *line);

/* Parse text (the contents of file name, used in messages).  0, or
 * -EINVAL with "NAME:LINE: what" in err (-ENOMEM). */
int kbd_script_parse(const char *text, const char *name, struct kbd_script *s,
		     char *err, size_t errlen);
/* Read and parse the file at path (-errno and err when it cannot). */
int kbd_script_load(const char *path, struct kbd_script *s, char *err,
		    size_t errlen);
void kbd_script_free(struct kbd_script *s);

/* ---- the hub (hub.c): host sides to connected devices ----------------------
 */

struct event_base;
struct kbd_src;

/* One device as the hub sees it; kbdback.c fills in the callbacks. */
struct kbd_dev {
	struct kbd_dev *next;
	int domid;
	unsigned int devid;
	struct kbdback_enc enc;
	bool up;	       /* attached: receives events */
	bool failed;	       /* its ring broke; fail() was called */
	uint64_t dropped_told; /* enc.st.dropped when dropped() last ran */
	void (*notify)(struct kbd_dev *d);  /* raise the guest's port */
	void (*fail)(struct kbd_dev *d);    /* the frontend broke the ring */
	void (*dropped)(struct kbd_dev *d); /* the drop counter moved */
};

struct kbdback {
	struct event_base *base;
	struct pvback *pb;
	struct kbd_src *srcs;
	struct kbd_dev *devs;
	unsigned int connected;
	struct kbdback_stats gone; /* counters of devices detached */
	kbdback_log_fn *log;
	void *log_arg;
};

void kbd_hub_init(struct kbdback *kb, struct event_base *base);
void kbd_hub_fini(struct kbdback *kb);
/* Start and stop delivering to d (its enc attached / about to detach). */
void kbd_hub_up(struct kbdback *kb, struct kbd_dev *d);
void kbd_hub_down(struct kbdback *kb, struct kbd_dev *d);
/* The guest consumed (or time passed): deliver what d is owed. */
void kbd_hub_retry(struct kbdback *kb, struct kbd_dev *d);
void kbd_log(struct kbdback *kb, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
