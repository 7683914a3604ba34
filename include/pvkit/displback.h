/*
 * pvkit/displback.h — the display backend: guests' virtual display
 * controllers (vdispl, the displif protocol, version 2) shown on dom0.
 *
 * Two halves, as in the sound backend.
 *
 * The protocol side (struct displback) registers the vdispl device type
 * with a libpvback instance (pvkit/back.h).  For each device it reads the
 * connectors the toolstack wrote in the frontend's directory
 * (device/vdispl/DEV/C/resolution "WxH" and C/unique-id, for C = 0, 1, ...
 * up to DISPLBACK_CONNECTORS_MAX; the device's "be-alloc"), writes
 * "versions" ("2") into the backend directory, and at connect maps every
 * connector's request ring (req-ring-ref / req-event-channel) and event
 * page (evt-ring-ref / evt-event-channel).  A frontend "version" other
 * than 2 fails the device.  A missing unique-id is the connector's index
 * ("0"), one over 63 bytes fails the device; a resolution that is
 * missing, malformed, 0 or over DISPLBACK_RES_MAX in either direction
 * fails the device.  Connectors past DISPLBACK_CONNECTORS_MAX are not
 * served.  The device type is registered with .reconnect_on_restart: a
 * new backend process has no buffers, so a connected frontend is asked
 * to connect again.
 *
 * Objects.  Display buffers (dbufs) and framebuffers (fbs) belong to the
 * device, not to a connector, and are named by the frontend's 64-bit
 * cookies (0 is never valid; a cookie in use is refused with -EEXIST; it
 * may be used again once destroyed / detached).  A dbuf is the guest's
 * pages, mapped (never copied) through its page directory with
 * pvback_dev_map_pgdir(), or with be-alloc the backend's own pages granted
 * to the guest (DBUF_CREATE below); its pixels start data_ofs bytes in and run
 * ceil(width * bpp / 8) bytes a line (displif has no stride field, so the
 * line is the tightest one, as DRM's dumb buffers make it).  An fb is a
 * dbuf seen as width x height pixels of a pixel format (a DRM FOURCC code,
 * PV_DISPLIF_FMT_*, pvkit/displif.h).  As the protocol asks, DBUF_CREATE, DBUF_DESTROY,
 * FB_ATTACH and FB_DETACH are taken on connector 0's ring only; on
 * another connector's ring they are answered -EINVAL.
 *
 * Requests are copied out of the ring once, then checked.  Answers
 * (status 0 or a negative errno, the values displif carries, which are
 * Linux's):
 *
 *   DBUF_CREATE   -EINVAL: cookie 0, flags other than REQ_ALLOC, width,
 *                 height or buffer_sz 0, bpp not 8, 16, 24 or 32,
 *                 data_ofs at or past buffer_sz, or
 *                 data_ofs + height * line over buffer_sz (the pixels do
 *                 not fit the buffer), XENDISPL_DBUF_FLG_REQ_ALLOC when
 *                 the device's be-alloc is not "1" (the toolstack did
 *                 not offer buffers of the backend);
 *                 -EOVERFLOW: a line (width * bpp / 8) or the pixel area
 *                 (height * line + data_ofs) over 32 bits, which no
 *                 buffer_sz can hold;
 *                 -EEXIST: the cookie names a dbuf already;
 *                 -E2BIG: more than DISPLBACK_DBUF_PAGES_MAX pages (one
 *                 mapping of libpvback, PVBACK_MAP_MAX: a 4095 x 4095
 *                 buffer at 32 bpp fits);
 *                 -ENOMEM: over the device's quota, dbufs_max buffers or
 *                 pages_max pages in all (struct displback_limits).
 *                 ENOMEM because the guest asks for more memory than it
 *                 is given, as a DRM driver says when VRAM runs out;
 *                 the guest may free buffers and ask again;
 *                 the page directory's own errors: -EINVAL for a chain
 *                 that ends before ceil(buffer_sz / 4096) references or
 *                 repeats a directory page (a dbuf larger than its grant
 *                 list), else the platform's mapping error for a
 *                 reference not granted (pvback_dev_map_pgdir());
 *                 with REQ_ALLOC: -ENOTSUP when the platform cannot
 *                 grant dom0's pages, the platform's error when it
 *                 cannot make them, and the directory's errors as above
 *                 (a directory page not granted writable too).
 *                 With REQ_ALLOC (be-alloc "1") the pages are the
 *                 backend's: zeroed, granted to the guest writable, their
 *                 grants written into the directory chain the guest
 *                 gave (its next-page references left as they are), for
 *                 the guest to map and draw into; they count against
 *                 the same quota.  DBUF_DESTROY ends those grants
 *                 (pvback_dev_grant_free()); pages the guest still maps
 *                 stay its own until it unmaps them, never reused.
 *   DBUF_DESTROY  -ENOENT: no such dbuf; -EBUSY: one of its fbs is on
 *                 screen or waits for a flip on some connector (the host
 *                 side may be reading its pixels).  Its other fbs are
 *                 detached with it.
 *   FB_ATTACH     -EINVAL: fb cookie 0, a format not PV_DISPLIF_FMT_*, a
 *                 format whose bpp is not the dbuf's, width or height 0
 *                 or larger than the dbuf's; -ENOENT: no such dbuf;
 *                 -EEXIST: the fb cookie is in use.
 *   FB_DETACH     -ENOENT: no such fb; -EBUSY: on screen or waiting for
 *                 a flip.
 *   SET_CONFIG    all zeros: the connector off (the host side shows
 *                 nothing; pending flips are answered with their events
 *                 at once, so the frontend waits for nothing).  Else
 *                 -ENOENT: no such fb; -EINVAL: width or height 0,
 *                 x + width or y + height past the connector's resolution
 *                 or past the fb, bpp not the fb format's; -EBUSY:
 *                 DISPLBACK_FLIPS_MAX + 2 frames wait for the host side
 *                 already; the host side's own error when it refuses the
 *                 frame (nothing changes then).  The region (x, y,
 *                 width, height) of the fb is shown; the new mode holds
 *                 for later flips.
 *   PG_FLIP       -ENOENT: no such fb; -EINVAL: the connector is off, or
 *                 the fb does not cover the mode (its size and bpp
 *                 checked as SET_CONFIG's); -EBUSY: DISPLBACK_FLIPS_MAX
 *                 flips already wait on the connector; the host side's
 *                 error when it refuses the frame.  The answer comes
 *                 when the flip is taken; XENDISPL_EVT_PG_FLIP follows
 *                 when the host side says the frame is on screen (at once
 *                 for headless, at vsync for a real display).  A flip
 *                 that the host side passed over because a later one came
 *                 first gets its event too, in order, before the later
 *                 one's.
 *   GET_EDID      -EINVAL: buffer_sz under XENDISPL_EDID_MAX_SIZE (the
 *                 protocol's minimum); page directory errors as for
 *                 DBUF_CREATE (only the first page is mapped: 128 bytes
 *                 are written).  edid_sz 128: one EDID 1.4 block whose
 *                 preferred mode is the connector's resolution (60 Hz)
 *                 and whose monitor name is the unique-id's first 13
 *                 bytes (displback_edid()).
 *   anything else -ENOTSUP (EOPNOTSUPP: the operation is not one this
 *                 backend knows).
 *
 * Events.  XENDISPL_EVT_PG_FLIP goes on the connector's event page.  A
 * full page (the frontend is not consuming) loses the event: it is
 * counted (displback_stats(), and the backend node "dropped-events"), the
 * backend never waits.  Event or ring indices that make no sense fail the
 * device ("error" says why); other guests go on.
 *
 * The host side (struct displback_host_ops), one file each, puts frames
 * where a person or a test sees them: "headless" (below) now, "sdl" and
 * "drm" later.  displback_host_find() finds one by name.  A host side is
 * opened once per backend with its argument (the part after ':' in
 * "headless:DIR"), on the backend's event loop; it opens one connector per
 * guest connector, and show() gives it frames.  It must never block.
 *
 * The "headless" host side.  Argument: "DIR[,every[=numbered]]".  DIR
 * must be a directory.  Frames stay in guest memory (the mapped pointer,
 * no copy); each is presented at once.  A PNG of a connector's frame is
 * written on request, displback_dump() (pvbackd: SIGUSR1), to
 * DIR/<domid>-<unique-id>.png, replaced atomically (written as a
 * temporary, then renamed); with ",every" also at each frame shown
 * (SET_CONFIG or PG_FLIP), to the same name; with ",every=numbered" to
 * DIR/<domid>-<unique-id>-<NNNNNN>.png instead, NNNNNN counting the
 * connector's frames from 000000 (dumps still go to the plain name).  In
 * file names, bytes of the unique-id other than A-Z a-z 0-9 . _ - become
 * '_', and a leading '.' too (a guest names its connectors).  PNGs are
 * 8-bit RGB (XRGB8888, RGB565: 5 and 6 bits widened by repeating their
 * top bits, as (v << 3) | (v >> 2)) or RGBA (ARGB8888).  Without libpng
 * (PVKIT_HAVE_PNG undefined) frames are kept but no PNG is written:
 * -ENOTSUP.
 *
 * Errors are 0 or a negative errno.
 */
#ifndef PVKIT_DISPLBACK_H
#define PVKIT_DISPLBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvkit/displif.h"
#include "pvkit/proto/displif.h"
#include "pvkit/proto/xen.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Protocol versions displback speaks (the "versions" node). */
#define DISPLBACK_VERSIONS "2"
/* Connectors a device may have. */
#define DISPLBACK_CONNECTORS_MAX 8u
/* Largest resolution in either direction (an EDID detailed timing holds
 * 12 bits). */
#define DISPLBACK_RES_MAX 4095u
/* Largest dbuf, in pages: one libpvback mapping (PVBACK_MAP_MAX, 64 MiB:
 * the largest resolution at 32 bpp; 3840x2160 takes 8100, 1920x1080
 * 2025). */
#define DISPLBACK_DBUF_PAGES_MAX 16384u
/* Default quota per device: dbufs, and pages over all of them (128 MiB:
 * two connectors at 3840x2160 XRGB8888, each double-buffered, 32400). */
#define DISPLBACK_DBUFS_MAX 64u
#define DISPLBACK_PAGES_MAX 32768u
/* Flips that may wait for the host side on one connector. */
#define DISPLBACK_FLIPS_MAX 4u

/* ---- pixel formats -----------------------------------------------------
 *
 * The formats are pvkit/displif.h's (PV_DISPLIF_FMT_*), shared with the
 * frontend.  The DISPLBACK_ names below are the same values under the
 * names host sides were first written with.
 */
#define DISPLBACK_FOURCC PV_DISPLIF_FOURCC
#define DISPLBACK_FMT_XRGB8888 PV_DISPLIF_FMT_XRGB8888
#define DISPLBACK_FMT_ARGB8888 PV_DISPLIF_FMT_ARGB8888
#define DISPLBACK_FMT_RGB565   PV_DISPLIF_FMT_RGB565

/* pv_displif_format_bpp() / _name(): every displif format is one
 * displback takes. */
unsigned int displback_format_bpp(uint32_t fourcc);
const char *displback_format_name(uint32_t fourcc);

/* ---- EDID --------------------------------------------------------------- */

/* One 128-byte EDID 1.4 block (no extensions, checksum right): digital
 * input, preferred detailed timing width x height at about 60 Hz
 * (reduced blanking; the refresh falls when the pixel clock would pass
 * 655.35 MHz), monitor name name[0..13) (NULL: "pvkit"), manufacturer
 * "PVK".  -EINVAL for a size 0 or over DISPLBACK_RES_MAX. */
int displback_edid(uint8_t out[XENDISPL_EDID_BLOCK_SIZE], uint32_t width,
		   uint32_t height, const char *name);

/* ---- the host side --------------------------------------------------------
 */

/* A frame: the region of an fb a connector shows.  pixels is the first
 * pixel shown (the fb's dbuf mapping + data_ofs + y * stride + x * bpp/8);
 * width x height pixels, stride bytes from a line to the next. */
struct displback_fb {
	const void *pixels;
	uint32_t width, height;
	uint32_t stride;
	uint32_t fourcc; /* PV_DISPLIF_FMT_* */
	uint64_t cookie; /* the guest's fb cookie, for logs */
	uint64_t seq;	 /* the connector's frame number, from 1 */
};

/* The host side tells that frame seq (and every earlier one of the
 * connector) is on screen.  It may call this from inside show() or later
 * from the event loop, never after connector_close() returned. */
typedef void displback_presented_fn(void *ctx, uint64_t seq);

struct displback_conn_info {
	domid_t domid;
	unsigned int devid;
	unsigned int index;    /* the connector's number in the device */
	const char *unique_id; /* valid until connector_close() */
	/* The guest's name (pvback_dev_guest_name(): printable ASCII, the
	 * guest's to change, so for titles only), or NULL; valid during
	 * connector_open(). */
	const char *guest_name;
	uint32_t width, height; /* its resolution */
	displback_presented_fn *presented;
	void *ctx;
};

struct event_base;

struct displback_host_ops {
	const char *name;
	/* One line for --help: the argument it takes. */
	const char *help;
	/* Open the host side with its argument (may be NULL), on the
	 * backend's event loop (for timers or descriptors of its own). */
	int (*open)(struct event_base *base, const char *arg, void **host);
	void (*close)(void *host);
	/* A guest connector appears (its device connected) / goes (device
	 * disconnected).  Nothing is shown until the first show(). */
	int (*connector_open)(void *host, const struct displback_conn_info *info,
			      void **conn);
	void (*connector_close)(void *conn);
	/*
	 * Show fb from now on, or nothing (fb NULL: the connector is off).
	 * *fb itself is valid only during the call; the pixels it points to
	 * stay mapped until presented() was called for a later frame, or
	 * connector_close() returned, so the host side may read them from
	 * the guest's memory without a copy until then (the guest may be
	 * drawing into them meanwhile: tearing, never a fault).  With fb
	 * NULL the host side must not touch earlier frames after it
	 * returns.  Returns 0, or -errno to refuse the frame (the request
	 * is answered with it and presented() must not come for it).
	 */
	int (*show)(void *conn, const struct displback_fb *fb);
	/* Optional: write out each connector's frame on screen (headless:
	 * its PNGs).  How many were written, or -errno. */
	int (*dump)(void *host);
};

/* Host sides built in, NULL-terminated. */
const struct displback_host_ops *const *displback_hosts(void);
/* By name ("headless", "headless:DIR" also matches), or NULL. */
const struct displback_host_ops *displback_host_find(const char *spec);
extern const struct displback_host_ops displback_host_headless;

/* Write frame fb as a PNG file at path (8-bit RGB, or RGBA for
 * ARGB8888; mode 0644), replacing it atomically.  -EINVAL for an unknown format,
 * -ENOTSUP without libpng, else the error of the file system. */
int displback_png_write(const char *path, const struct displback_fb *fb);

/* ---- the backend ------------------------------------------------------------ */
struct pvback;
struct displback;

/* Quotas per device; a field 0 takes its default. */
struct displback_limits {
	unsigned int dbufs_max; /* DISPLBACK_DBUFS_MAX */
	unsigned int pages_max; /* DISPLBACK_PAGES_MAX */
};

/* Register vdispl with pb; host_ops opened with host_arg (may be NULL).
 * limits may be NULL (the defaults). */
int displback_new(struct pvback *pb, const struct displback_host_ops *host_ops,
		  const char *host_arg, const struct displback_limits *limits,
		  struct displback **out);
/* Disconnects every device, closes the host side.  NULL is fine. */
void displback_free(struct displback *db);

/* The host side's dump() (headless: every connector's PNG now).  How
 * many frames were written, -ENOTSUP when the host side has no dump. */
int displback_dump(struct displback *db);

struct displback_stats {
	uint64_t requests;
	uint64_t errors;	/* requests answered with an error */
	uint64_t events;	/* flip events written */
	uint64_t events_dropped;
};
void displback_stats(const struct displback *db, struct displback_stats *st);

#ifdef __cplusplus
}
#endif

#endif
