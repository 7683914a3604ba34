/*
 * The "drm" host side (pvkit/displback.h): guests' connectors on real
 * monitors through the kernel's DRM/KMS interface (libdrm).
 *
 * Argument: "[CARD][,connector=NAME...]" (a lone "connector=NAME" names
 * no card).  CARD defaults to the first KMS card in /dev/dri.  The card
 * is opened once, as DRM master; its fd sits on the backend's event loop
 * for page-flip events.
 *
 * Each guest connector takes a real connector and a CRTC that drives it:
 * the next NAME listed that is free, or, with no names, the first free
 * connected connector.  Its mode is the monitor's mode at the guest's
 * resolution when offered, else the smallest one larger in both
 * directions (the frame centred, black around it), else the largest
 * (the frame's middle shown).  A guest connector left without a monitor
 * is not shown: its frames count as presented at once, as headless.
 *
 * Guest memory cannot be scanned out, so each frame is copied into one of
 * two dumb buffers (XRGB8888, RGB565 widened on the way: the one copy),
 * and drmModePageFlip() puts it on screen at the next vblank; presented()
 * comes from the flip's event.  While a flip is in flight, the newest
 * frame waits (uncopied) and replaces any older waiting one.  Closing a
 * connector puts back what the CRTC showed before.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "host_drm.h"
#include "pvkit/displback.h"

#define NAMES_MAX 16u
#define CARD_PATH_MAX 256u

struct dumb {
	uint32_t handle, pitch, fb_id;
	uint64_t size;
	uint8_t *map;
	/* where the last frame in it was drawn, to clear around a new one
	 * only when the place changes */
	uint32_t x, y, w, h;
	bool drawn;
};

struct drm_out;

struct drm_host {
	int fd;
	char path[CARD_PATH_MAX];
	struct event *ev;
	char *names[NAMES_MAX];
	unsigned int n_names;
	struct drm_out *outs;
	uintptr_t next_id;
};

struct drm_out {
	struct drm_host *h;
	struct drm_out *next;
	uintptr_t id; /* the flip's user data: a closed output's flip finds
			 nothing */
	char label[96];
	displback_presented_fn *presented;
	void *ctx;
	bool placed;
	uint32_t conn_id, crtc_id;
	drmModeModeInfo mode;
	drmModeCrtcPtr saved;
	struct dumb buf[2];
	unsigned int front;
	/* the flip in flight */
	bool in_flight, flight_frame;
	uint64_t flight_seq;
	/* the frame waiting for it (pixels still the guest's) or a blank */
	bool waiting, waiting_blank;
	struct displback_fb wait_fb;
};

static void say(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("displ drm: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static const char HINT[] = "use --displ-host headless or sdl";

/* ---- the card --------------------------------------------------------------
 */

/* "HDMI-A-1": the kernel's type name and the type's number, as X and
 * sysfs name connectors. */
static void conn_name(const drmModeConnector *c, char *out, size_t cap)
{
	const char *type = drmModeGetConnectorTypeName(c->connector_type);

	snprintf(out, cap, "%s-%u", type ? type : "Unknown",
		 c->connector_type_id);
}

/* The connector called name, or 0. */
static uint32_t conn_by_name(int fd, const drmModeRes *res, const char *name)
{
	for (int i = 0; i < res->count_connectors; i++) {
		drmModeConnectorPtr c = drmModeGetConnector(fd,
							    res->connectors[i]);
		char n[64];

		if (!c)
			continue;
		conn_name(c, n, sizeof(n));
		drmModeFreeConnector(c);
		if (!strcmp(n, name))
			return res->connectors[i];
	}
	return 0;
}

static void list_conns(int fd, const drmModeRes *res, char *out, size_t cap)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < res->count_connectors && len + 1 < cap; i++) {
		drmModeConnectorPtr c = drmModeGetConnector(fd,
							    res->connectors[i]);
		char n[64];
		int k;

		if (!c)
			continue;
		conn_name(c, n, sizeof(n));
		k = snprintf(out + len, cap - len, "%s%s%s", len ? ", " : "",
			     n,
			     c->connection == DRM_MODE_CONNECTED
				     ? ""
				     : " (nothing plugged in)");
		drmModeFreeConnector(c);
		if (k > 0)
			len += (size_t)k;
	}
}

/* Open path as a KMS card we drive (master, dumb buffers, connectors and
 * CRTCs): the fd, or -errno after saying why (quiet: only the errno). */
static int open_card(const char *path, bool quiet)
{
	int fd = open(path, O_RDWR | O_CLOEXEC), rc;
	drmModeResPtr res;
	uint64_t dumb = 0;

	if (fd < 0) {
		rc = -errno;
		if (!quiet)
			say("cannot open %s: %s: name a card that is there (ls "
			    "/dev/dri), get read-write access to it (the "
			    "'video' group), or %s",
			    path, strerror(errno), HINT);
		return rc;
	}
	res = drmModeGetResources(fd);
	if (!res || !res->count_connectors || !res->count_crtcs ||
	    drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &dumb) || !dumb) {
		if (!quiet)
			say("%s is not a KMS card (no modesetting, connectors "
			    "or dumb buffers): name another (ls /dev/dri) or "
			    "%s",
			    path, HINT);
		drmModeFreeResources(res);
		close(fd);
		return -ENODEV;
	}
	drmModeFreeResources(res);
	if (!drmIsMaster(fd) && drmSetMaster(fd)) {
		if (!quiet)
			say("%s is in use: another display server (X, a "
			    "Wayland compositor) drives it; stop it or switch "
			    "to a free console, or run pvbackd inside it with "
			    "--displ-host sdl, or use --displ-host headless",
			    path);
		close(fd);
		return -EBUSY;
	}
	return fd;
}

/* The first card in the DRI directory ($PVKIT_DRI_DIR for tests, else
 * /dev/dri) that open_card() takes, by number; when none does, why the
 * first one failed. */
static int find_card(char *path, size_t cap)
{
	const char *dir = getenv("PVKIT_DRI_DIR");
	char first[CARD_PATH_MAX] = "";

	if (!dir || !*dir)
		dir = "/dev/dri";
	for (unsigned int n = 0; n < 64; n++) {
		struct stat st;
		int fd;

		snprintf(path, cap, "%s/card%u", dir, n);
		if (stat(path, &st))
			continue;
		fd = open_card(path, true);
		if (fd >= 0)
			return fd;
		if (!first[0])
			snprintf(first, sizeof(first), "%s", path);
	}
	if (!first[0]) {
		say("no %s/card*: %s", dir, HINT);
		return -ENODEV;
	}
	snprintf(path, cap, "%s", first);
	return open_card(path, false);
}

/* "[CARD][,connector=NAME...]" */
static int parse_arg(struct drm_host *h, const char *arg, const char **card)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	int rc = 0, i = 0;

	if (!copy)
		return -ENOMEM;
	*card = NULL;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save), i++) {
		if (!strncmp(tok, "connector=", 10)) {
			if (!tok[10] || h->n_names == NAMES_MAX) {
				say("connector=%s: %s", tok + 10,
				    tok[10] ? "too many connectors named"
					    : "a connector's name (e.g. "
					      "HDMI-A-1) is missing");
				rc = -EINVAL;
				break;
			}
			h->names[h->n_names] = strdup(tok + 10);
			if (!h->names[h->n_names++]) {
				rc = -ENOMEM;
				break;
			}
		} else if (i == 0 && tok == copy) {
			if (strlen(tok) >= sizeof(h->path)) {
				rc = -ENAMETOOLONG;
				break;
			}
			*card = arg; /* its first tok bytes */
			snprintf(h->path, sizeof(h->path), "%s", tok);
		} else {
			say("'%s': not an option of the drm host side (it "
			    "takes [CARD][,connector=NAME...])",
			    tok);
			rc = -EINVAL;
			break;
		}
	}
	free(copy);
	return rc;
}

/* ---- frames ----------------------------------------------------------------
 */

static void dumb_free(int fd, struct dumb *b)
{
	if (b->fb_id)
		drmModeRmFB(fd, b->fb_id);
	if (b->map)
		munmap(b->map, b->size);
	if (b->handle) {
		struct drm_mode_destroy_dumb d = {.handle = b->handle};
		drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d);
	}
	memset(b, 0, sizeof(*b));
}

static int dumb_new(int fd, struct dumb *b, uint32_t w, uint32_t hgt)
{
	struct drm_mode_create_dumb cr = {.width = w, .height = hgt, .bpp = 32};
	struct drm_mode_map_dumb mp = {0};
	void *map;
	int rc;

	memset(b, 0, sizeof(*b));
	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &cr))
		return -errno;
	b->handle = cr.handle;
	b->pitch = cr.pitch;
	b->size = cr.size;
	if (drmModeAddFB(fd, w, hgt, 24, 32, b->pitch, b->handle, &b->fb_id))
		goto fail;
	mp.handle = b->handle;
	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &mp))
		goto fail;
	map = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   (off_t)mp.offset);
	if (map == MAP_FAILED)
		goto fail;
	b->map = map;
	memset(b->map, 0, b->size);
	return 0;
fail:
	rc = -errno;
	dumb_free(fd, b);
	return rc ? rc : -EIO;
}

static uint32_t widen565(uint16_t p)
{
	uint32_t r = (p >> 11) & 31, g = (p >> 5) & 63, b = p & 31;

	return ((r << 3 | r >> 2) << 16) | ((g << 2 | g >> 4) << 8) |
	       (b << 3 | b >> 2);
}

/* fb (or black, fb NULL) into b, centred on the mode; the frame's middle
 * when it is the larger. */
static void draw(struct drm_out *o, struct dumb *b,
		 const struct displback_fb *fb)
{
	uint32_t mw = o->mode.hdisplay, mh = o->mode.vdisplay;
	uint32_t w, hgt, dx, dy, sx, sy;

	if (!fb) {
		memset(b->map, 0, b->size);
		b->drawn = false;
		return;
	}
	w = fb->width < mw ? fb->width : mw;
	hgt = fb->height < mh ? fb->height : mh;
	dx = (mw - w) / 2;
	dy = (mh - hgt) / 2;
	sx = (fb->width - w) / 2;
	sy = (fb->height - hgt) / 2;
	if (!b->drawn || b->x != dx || b->y != dy || b->w != w || b->h != hgt)
		memset(b->map, 0, b->size);
	b->drawn = true;
	b->x = dx;
	b->y = dy;
	b->w = w;
	b->h = hgt;
	for (uint32_t y = 0; y < hgt; y++) {
		const uint8_t *src = (const uint8_t *)fb->pixels +
				     (size_t)(sy + y) * fb->stride;
		uint8_t *dst = b->map + (size_t)(dy + y) * b->pitch +
			       (size_t)dx * 4;

		if (fb->fourcc == DISPLBACK_FMT_RGB565) {
			const uint16_t *s = (const uint16_t *)(const void *)src +
					    sx;
			uint32_t *d = (uint32_t *)(void *)dst;
			for (uint32_t x = 0; x < w; x++)
				d[x] = widen565(s[x]);
		} else {
			memcpy(dst, src + (size_t)sx * 4, (size_t)w * 4);
		}
	}
}

/* Copy the waiting frame (or blank) into the back buffer and flip to it.
 * A flip the card refuses becomes a plain modeset, shown at once. */
static int kick(struct drm_out *o)
{
	struct drm_host *h = o->h;
	unsigned int back = 1 - o->front;
	bool frame = o->waiting;
	uint64_t seq = o->wait_fb.seq;

	if (!o->waiting && !o->waiting_blank)
		return 0;
	draw(o, &o->buf[back], frame ? &o->wait_fb : NULL);
	o->waiting = o->waiting_blank = false;
	if (!drmModePageFlip(h->fd, o->crtc_id, o->buf[back].fb_id,
			     DRM_MODE_PAGE_FLIP_EVENT, (void *)o->id)) {
		o->in_flight = true;
		o->flight_frame = frame;
		o->flight_seq = seq;
		return 0;
	}
	if (drmModeSetCrtc(h->fd, o->crtc_id, o->buf[back].fb_id, 0, 0,
			   &o->conn_id, 1, &o->mode))
		return -errno;
	o->front = back;
	if (frame)
		o->presented(o->ctx, seq);
	return 0;
}

/* The host whose events drmHandleEvent() is reading (one loop, one
 * thread): the flip's user data is an output's id, looked up in it. */
static struct drm_host *handling;

static void on_flip(int fd, unsigned int frame, unsigned int sec,
		    unsigned int usec, void *data)
{
	struct drm_out *o;
	int rc;

	(void)fd, (void)frame, (void)sec, (void)usec;
	if (!handling)
		return;
	for (o = handling->outs; o && o->id != (uintptr_t)data; o = o->next)
		;
	if (!o || !o->in_flight)
		return; /* the output was closed meanwhile */
	o->in_flight = false;
	o->front = 1 - o->front;
	if (o->flight_frame)
		o->presented(o->ctx, o->flight_seq);
	rc = kick(o);
	if (rc)
		say("%s: a frame could not be shown: %s", o->label,
		    strerror(-rc));
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	drmEventContext ev = {.version = 2, .page_flip_handler = on_flip};

	(void)what;
	handling = arg;
	drmHandleEvent((int)fd, &ev);
	handling = NULL;
}

/* ---- the host side's ops ---------------------------------------------------
 */

static void drm_connector_close(void *conn);

static void drm_close(void *host)
{
	struct drm_host *h = host;

	if (!h)
		return;
	/* connectors still open (the backend closes them first; a test
	 * that failed may not have) */
	while (h->outs)
		drm_connector_close(h->outs);
	if (h->ev)
		event_free(h->ev);
	if (h->fd >= 0)
		close(h->fd);
	for (unsigned int i = 0; i < h->n_names; i++)
		free(h->names[i]);
	free(h);
}

static int drm_open(struct event_base *base, const char *arg, void **host)
{
	struct drm_host *h = calloc(1, sizeof(*h));
	const char *card = NULL;
	int rc = 0;

	if (!h)
		return -ENOMEM;
	h->fd = -1;
	h->next_id = 1;
	if (arg && *arg)
		rc = parse_arg(h, arg, &card);
	if (!rc && card)
		rc = h->fd = open_card(h->path, false);
	else if (!rc)
		rc = h->fd = find_card(h->path, sizeof(h->path));
	if (rc >= 0) {
		drmModeResPtr res = drmModeGetResources(h->fd);
		rc = res ? 0 : -ENODEV;
		for (unsigned int i = 0; !rc && i < h->n_names; i++) {
			char have[512];
			if (conn_by_name(h->fd, res, h->names[i]))
				continue;
			list_conns(h->fd, res, have, sizeof(have));
			say("%s has no connector %s (it has: %s)", h->path,
			    h->names[i], have);
			rc = -ENOENT;
		}
		drmModeFreeResources(res);
	}
	if (!rc) {
		h->ev = event_new(base, h->fd, EV_READ | EV_PERSIST,
				  on_readable, h);
		if (!h->ev || event_add(h->ev, NULL))
			rc = -ENOMEM;
	}
	if (rc < 0) {
		drm_close(h);
		return rc;
	}
	*host = h;
	return 0;
}

static bool conn_taken(const struct drm_host *h, uint32_t conn_id)
{
	for (const struct drm_out *o = h->outs; o; o = o->next)
		if (o->placed && o->conn_id == conn_id)
			return true;
	return false;
}

static bool crtc_taken(const struct drm_host *h, uint32_t crtc_id)
{
	for (const struct drm_out *o = h->outs; o; o = o->next)
		if (o->placed && o->crtc_id == crtc_id)
			return true;
	return false;
}

/* A free CRTC that can drive c: the one driving it now first. */
static uint32_t pick_crtc(const struct drm_host *h, const drmModeRes *res,
			  const drmModeConnector *c)
{
	if (c->encoder_id) {
		drmModeEncoderPtr e = drmModeGetEncoder(h->fd, c->encoder_id);
		uint32_t id = e ? e->crtc_id : 0;
		drmModeFreeEncoder(e);
		if (id && !crtc_taken(h, id))
			return id;
	}
	for (int i = 0; i < c->count_encoders; i++) {
		drmModeEncoderPtr e = drmModeGetEncoder(h->fd, c->encoders[i]);
		uint32_t mask = e ? e->possible_crtcs : 0;
		drmModeFreeEncoder(e);
		for (int k = 0; k < res->count_crtcs && k < 32; k++)
			if ((mask >> k & 1) && !crtc_taken(h, res->crtcs[k]))
				return res->crtcs[k];
	}
	return 0;
}

/* The guest's resolution, else the smallest mode larger both ways, else
 * the largest. */
static const drmModeModeInfo *pick_mode(const drmModeConnector *c, uint32_t w,
					uint32_t hgt)
{
	const drmModeModeInfo *best = NULL, *largest = NULL;

	for (int i = 0; i < c->count_modes; i++) {
		const drmModeModeInfo *m = &c->modes[i];
		uint64_t area = (uint64_t)m->hdisplay * m->vdisplay;
		if (m->hdisplay == w && m->vdisplay == hgt)
			return m;
		if (m->hdisplay >= w && m->vdisplay >= hgt &&
		    (!best || area < (uint64_t)best->hdisplay * best->vdisplay))
			best = m;
		if (!largest ||
		    area > (uint64_t)largest->hdisplay * largest->vdisplay)
			largest = m;
	}
	return best ? best : largest;
}

/* A free connector with a monitor and a CRTC for it: o->conn_id,
 * crtc_id and mode set, or false. */
static bool place(struct drm_out *o, uint32_t w, uint32_t hgt)
{
	struct drm_host *h = o->h;
	drmModeResPtr res = drmModeGetResources(h->fd);
	bool ok = false;
	unsigned int n = h->n_names ? h->n_names : (unsigned int)
		res->count_connectors;

	for (unsigned int i = 0; res && !ok && i < n; i++) {
		uint32_t id = h->n_names ? conn_by_name(h->fd, res, h->names[i])
					 : res->connectors[i];
		drmModeConnectorPtr c;

		if (!id || conn_taken(h, id))
			continue;
		c = drmModeGetConnector(h->fd, id);
		if (c && c->connection == DRM_MODE_CONNECTED &&
		    c->count_modes) {
			o->crtc_id = pick_crtc(h, res, c);
			if (o->crtc_id) {
				o->conn_id = id;
				o->mode = *pick_mode(c, w, hgt);
				ok = true;
			}
		}
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	return ok;
}

static void out_free(struct drm_out *o)
{
	for (unsigned int i = 0; i < 2; i++)
		dumb_free(o->h->fd, &o->buf[i]);
	drmModeFreeCrtc(o->saved);
	free(o);
}

static int drm_connector_open(void *host, const struct displback_conn_info *info,
			      void **conn)
{
	struct drm_host *h = host;
	struct drm_out *o = calloc(1, sizeof(*o));
	char name[64] = "";
	int rc;

	if (!o)
		return -ENOMEM;
	o->h = h;
	o->id = h->next_id++;
	o->presented = info->presented;
	o->ctx = info->ctx;
	snprintf(o->label, sizeof(o->label), "dom%u %s (%ux%u)",
		 (unsigned int)info->domid, info->unique_id, info->width,
		 info->height);
	if (!place(o, info->width, info->height)) {
		say("%s: no free connector with a monitor on %s: not shown",
		    o->label, h->path);
		goto done;
	}
	o->saved = drmModeGetCrtc(h->fd, o->crtc_id);
	for (unsigned int i = 0; i < 2; i++) {
		rc = dumb_new(h->fd, &o->buf[i], o->mode.hdisplay,
			      o->mode.vdisplay);
		if (rc) {
			say("%s: no buffer of %ux%u on %s: %s", o->label,
			    o->mode.hdisplay, o->mode.vdisplay, h->path,
			    strerror(-rc));
			out_free(o);
			return rc;
		}
	}
	if (drmModeSetCrtc(h->fd, o->crtc_id, o->buf[0].fb_id, 0, 0,
			   &o->conn_id, 1, &o->mode)) {
		rc = -errno;
		say("%s: cannot set mode %s on %s: %s", o->label, o->mode.name,
		    h->path, strerror(-rc));
		out_free(o);
		return rc;
	}
	o->placed = true;
	{
		drmModeConnectorPtr c = drmModeGetConnector(h->fd, o->conn_id);
		if (c)
			conn_name(c, name, sizeof(name));
		drmModeFreeConnector(c);
	}
	say("%s on %s %s (CRTC %u), mode %ux%u@%u", o->label, h->path, name,
	    o->crtc_id, o->mode.hdisplay, o->mode.vdisplay, o->mode.vrefresh);
done:
	o->next = h->outs;
	h->outs = o;
	*conn = o;
	return 0;
}

static void drm_connector_close(void *conn)
{
	struct drm_out *o = conn, **p = &o->h->outs;
	struct drm_host *h = o->h;

	while (*p != o)
		p = &(*p)->next;
	*p = o->next;
	if (o->placed) {
		drmModeCrtcPtr s = o->saved;
		/* what the CRTC showed before (the console, say), or off */
		if (s && s->mode_valid && s->buffer_id)
			drmModeSetCrtc(h->fd, o->crtc_id, s->buffer_id, s->x,
				       s->y, &o->conn_id, 1, &s->mode);
		else
			drmModeSetCrtc(h->fd, o->crtc_id, 0, 0, 0, NULL, 0,
				       NULL);
	}
	out_free(o);
}

static int drm_show(void *conn, const struct displback_fb *fb)
{
	struct drm_out *o = conn;
	int rc;

	if (!o->placed) {
		if (fb)
			o->presented(o->ctx, fb->seq);
		return 0;
	}
	if (fb && fb->fourcc != DISPLBACK_FMT_XRGB8888 &&
	    fb->fourcc != DISPLBACK_FMT_ARGB8888 &&
	    fb->fourcc != DISPLBACK_FMT_RGB565)
		return -EINVAL;
	/* a frame waiting already is passed over: the newer one's
	 * presented() covers it */
	o->waiting = fb != NULL;
	o->waiting_blank = fb == NULL;
	if (fb)
		o->wait_fb = *fb;
	if (o->in_flight)
		return 0;
	rc = kick(o);
	if (rc)
		say("%s: a frame could not be shown: %s", o->label,
		    strerror(-rc));
	return rc;
}

const struct displback_host_ops displback_host_drm = {
    .name = "drm",
    .help = "drm[:[CARD][,connector=NAME...]]  real monitors through DRM/KMS "
	    "(default: the first card in /dev/dri; connectors: the first "
	    "free ones)",
    .open = drm_open,
    .close = drm_close,
    .connector_open = drm_connector_open,
    .connector_close = drm_connector_close,
    .show = drm_show,
};
