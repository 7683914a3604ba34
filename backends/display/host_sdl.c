/*
 * The "sdl" host side (host_sdl.h): guests' connectors in SDL2 windows,
 * and those windows as the guests' touch surfaces.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "host_sdl.h"
#include "pvkit/back.h"
#include "pvsdl.h"

/* How often SDL's queue is looked at: input latency, at worst. */
#define PUMP_US 4000
/* The host contact id of the mouse's touch (a finger's ids are SDL's). */
#define MOUSE_CONTACT UINT64_MAX

struct sdl_conn;

struct sdl_host {
	struct event_base *base;
	struct event *pump;   /* timer: SDL's event queue */
	struct event *render; /* activated when a window has to be drawn */
	bool software, vsync;
	char *dir;	/* dump()'s PNGs, or NULL */
	uint64_t pass; /* on_render() runs */
	struct sdl_conn *conns;
};

struct sdl_conn {
	struct sdl_host *h;
	struct sdl_conn *next;
	domid_t domid;
	unsigned int index;    /* the connector's number in its device */
	uint32_t res_w, res_h; /* the connector's resolution */
	char name[80]; /* <domid>-<uid>, safe as a file name */
	SDL_Window *win;
	uint32_t win_id;
	SDL_Renderer *ren;
	SDL_Texture *tex;
	uint32_t tex_fourcc, tex_w, tex_h;
	struct displback_fb fb; /* the newest frame, not yet uploaded */
	bool fresh;		/* fb waits for its upload */
	bool on;		/* the texture holds a frame to show */
	bool dirty;		/* the window must be drawn again */
	uint64_t pass;		/* the on_render() run that last drew it */
	int vsync;		/* as the renderer is set: 1, 0, -1 unknown */
	bool owed;		/* presented(owed_seq) after the next present */
	uint64_t owed_seq;
	bool mouse_down; /* the left button: the mouse's contact touches */
	bool hover;	 /* a pointer position waits (see on_mouse) */
	int hover_x, hover_y;
	displback_presented_fn *presented;
	void *ctx;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t sdl_format(uint32_t fourcc)
{
	switch (fourcc) {
	case DISPLBACK_FMT_XRGB8888:
		return SDL_PIXELFORMAT_RGB888; /* SDL's name for XRGB8888 */
	case DISPLBACK_FMT_ARGB8888:
		return SDL_PIXELFORMAT_ARGB8888;
	case DISPLBACK_FMT_RGB565:
		return SDL_PIXELFORMAT_RGB565;
	default:
		return SDL_PIXELFORMAT_UNKNOWN;
	}
}

/* The picture's place in an area of ow x oh: the connector's aspect,
 * as large as fits, centred. */
static SDL_Rect letterbox(const struct sdl_conn *c, int ow, int oh)
{
	SDL_Rect r = {0, 0, ow, oh};

	if (ow <= 0 || oh <= 0)
		return r;
	if ((int64_t)ow * c->res_h > (int64_t)oh * c->res_w) /* wider */
		r.w = (int)((int64_t)oh * c->res_w / c->res_h);
	else
		r.h = (int)((int64_t)ow * c->res_h / c->res_w);
	r.x = (ow - r.w) / 2;
	r.y = (oh - r.h) / 2;
	return r;
}

/* ---- drawing ------------------------------------------------------------- */

/* The newest frame into the texture: the one copy of its pixels. */
static int upload(struct sdl_conn *c)
{
	const struct displback_fb *fb = &c->fb;

	if (!c->tex || c->tex_fourcc != fb->fourcc || c->tex_w != fb->width ||
	    c->tex_h != fb->height) {
		if (c->tex)
			SDL_DestroyTexture(c->tex);
		c->tex = SDL_CreateTexture(c->ren, sdl_format(fb->fourcc),
					   SDL_TEXTUREACCESS_STREAMING,
					   (int)fb->width, (int)fb->height);
		if (!c->tex)
			return -ENOMEM;
		/* a monitor shows no transparency: alpha is not blended */
		SDL_SetTextureBlendMode(c->tex, SDL_BLENDMODE_NONE);
		c->tex_fourcc = fb->fourcc;
		c->tex_w = fb->width;
		c->tex_h = fb->height;
	}
	if (SDL_UpdateTexture(c->tex, NULL, fb->pixels, (int)fb->stride))
		return -EIO;
	return 0;
}

/* Clear, the picture letterboxed (when on), not presented yet. */
static void compose(struct sdl_conn *c)
{
	int ow = 0, oh = 0;

	SDL_SetRenderDrawColor(c->ren, 0, 0, 0, 0xff);
	SDL_RenderClear(c->ren);
	if (!c->on || SDL_GetRendererOutputSize(c->ren, &ow, &oh))
		return;
	SDL_Rect dst = letterbox(c, ow, oh);
	SDL_RenderCopy(c->ren, c->tex, NULL, &dst);
}

/* Draw c and present it; wait: at the vsync (when vsync is on). */
static void draw(struct sdl_conn *c, bool wait)
{
	int want = c->h->vsync && wait;
	bool owed = c->owed;
	uint64_t seq = c->owed_seq;

	if (c->fresh) {
		c->fresh = false;
		/* a frame that cannot be uploaded leaves the last one up;
		 * the guest's flip completes all the same */
		if (!upload(c))
			c->on = true;
		else if (!c->tex)
			c->on = false; /* nothing left to show */
	}
	c->dirty = false;
	c->owed = false;
	compose(c);
	if (c->vsync != want) {
		/* the GL renderer sets the interval on the context in use:
		 * this renderer's, once its commands ran */
		SDL_RenderFlush(c->ren);
		if (!SDL_RenderSetVSync(c->ren, want))
			c->vsync = want;
	}
	SDL_RenderPresent(c->ren); /* with vsync: returns after it */
	if (owed)
		c->presented(c->ctx, seq);
}

static void on_render(evutil_socket_t fd, short what, void *arg)
{
	struct sdl_host *h = arg;
	bool waited = false, more = false;

	(void)fd;
	(void)what;

	/* One vsync per run, not one per window: the first window
	 * presented waits for it, the others go right after (one screen,
	 * one vblank), so four windows still run at the screen's rate and
	 * the loop waits one frame at most.  Each window is drawn once per
	 * run: a frame shown from its presented() (the next queued flip)
	 * waits for the next run, and so for the next vsync.  presented()
	 * may also lead to show() on another connector: walk from the head
	 * again after each window drawn. */
	h->pass++;
	for (bool again = true; again;) {
		again = false;
		for (struct sdl_conn *c = h->conns; c; c = c->next) {
			if (!c->dirty)
				continue;
			if (c->pass == h->pass) {
				more = true;
				continue;
			}
			c->pass = h->pass;
			draw(c, !waited);
			waited = true;
			again = true;
			break;
		}
	}
	if (more)
		event_active(h->render, EV_TIMEOUT, 0);
}

static void wake(struct sdl_conn *c)
{
	c->dirty = true;
	event_active(c->h->render, EV_TIMEOUT, 0);
}

/* ---- input --------------------------------------------------------------- */

static struct kbdback_event *ev_new(struct sdl_conn *c,
				    struct kbdback_event *ev, unsigned int type)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = (uint16_t)type;
	ev->target = c->domid;
	/* the guest's vkbd of the connector's number, if it has one */
	ev->target_devs = c->index < 32 ? 1u << c->index : 0;
	ev->time_ns = now_ns();
	return ev;
}

/* Window point (x, y) as fractions of the picture's area. */
static void to_conn(struct sdl_conn *c, int64_t x, int64_t y, uint32_t *fx,
		    uint32_t *fy)
{
	int ww = 0, wh = 0;

	SDL_GetWindowSize(c->win, &ww, &wh);
	SDL_Rect a = letterbox(c, ww, wh);
	*fx = kbdback_abs_from_pixels(x - a.x, (uint32_t)(a.w > 0 ? a.w : 1));
	*fy = kbdback_abs_from_pixels(y - a.y, (uint32_t)(a.h > 0 ? a.h : 1));
}

/* A touch event of contact at window point (x, y), and its frame. */
static void touch(struct sdl_conn *c, unsigned int type, uint64_t contact,
		  int64_t x, int64_t y)
{
	struct kbdback_event ev[2];

	ev_new(c, &ev[0], type);
	ev[0].u.touch.contact = contact;
	to_conn(c, x, y, &ev[0].u.touch.x, &ev[0].u.touch.y);
	ev_new(c, &ev[1], KBDBACK_EV_TOUCH_FRAME);
	pvsdl_input(ev, 2);
}

static bool inside(struct sdl_conn *c, int x, int y)
{
	int ww = 0, wh = 0;

	SDL_GetWindowSize(c->win, &ww, &wh);
	return x >= 0 && y >= 0 && x < ww && y < wh;
}

static void pointer_at(struct sdl_conn *c, int x, int y)
{
	struct kbdback_event ev;

	ev_new(c, &ev, KBDBACK_EV_ABS);
	to_conn(c, x, y, &ev.u.abs.x, &ev.u.abs.y);
	pvsdl_input(&ev, 1);
}

static void on_mouse(struct sdl_conn *c, const SDL_Event *e)
{
	struct kbdback_event ev;
	uint32_t code;
	bool down;

	switch (e->type) {
	case SDL_MOUSEMOTION:
		if (e->motion.which == SDL_TOUCH_MOUSEID)
			return; /* a finger's echo */
		if (c->mouse_down) { /* a drag: the contact moves */
			pointer_at(c, e->motion.x, e->motion.y);
			touch(c, KBDBACK_EV_TOUCH_MOTION, MOUSE_CONTACT,
			      e->motion.x, e->motion.y);
			return;
		}
		/* The pointer passing over: held back until the next event
		 * or the pump's end, because when it leaves the window SDL
		 * reports one more motion here (clamped to the edge) and
		 * then SDL_WINDOWEVENT_LEAVE, and that motion is another
		 * window's, not this guest's. */
		if (inside(c, e->motion.x, e->motion.y)) {
			c->hover = true;
			c->hover_x = e->motion.x;
			c->hover_y = e->motion.y;
		}
		return;
	case SDL_MOUSEWHEEL:
		if (e->wheel.which == SDL_TOUCH_MOUSEID || !e->wheel.y)
			return;
		ev_new(c, &ev, KBDBACK_EV_WHEEL);
		ev.u.wheel.dz = e->wheel.y;
		pvsdl_input(&ev, 1);
		return;
	default:
		break;
	}
	code = pvsdl_button(e->button.button);
	down = e->type == SDL_MOUSEBUTTONDOWN;
	if (e->button.which == SDL_TOUCH_MOUSEID || !code)
		return;
	pointer_at(c, e->button.x, e->button.y);
	ev_new(c, &ev, KBDBACK_EV_KEY);
	ev.u.key.code = code;
	ev.u.key.pressed = down;
	pvsdl_input(&ev, 1);
	if (code != PVSDL_BTN_LEFT || down == c->mouse_down)
		return;
	c->mouse_down = down;
	touch(c, down ? KBDBACK_EV_TOUCH_DOWN : KBDBACK_EV_TOUCH_UP,
	      MOUSE_CONTACT, e->button.x, e->button.y);
}

static void on_finger(struct sdl_conn *c, const SDL_TouchFingerEvent *f)
{
	unsigned int type = f->type == SDL_FINGERDOWN ? KBDBACK_EV_TOUCH_DOWN
			    : f->type == SDL_FINGERUP ? KBDBACK_EV_TOUCH_UP
						      : KBDBACK_EV_TOUCH_MOTION;
	int ww = 0, wh = 0;

	/* SDL gives fractions of the window; ours are of the picture */
	SDL_GetWindowSize(c->win, &ww, &wh);
	touch(c, type, (uint64_t)f->fingerId, (int64_t)(f->x * (float)ww),
	      (int64_t)(f->y * (float)wh));
}

static void on_key(struct sdl_conn *c, const SDL_KeyboardEvent *k)
{
	struct kbdback_event ev;
	uint32_t code = pvsdl_key((unsigned int)k->keysym.scancode);

	if (k->repeat || !code)
		return; /* the guest makes its own repeats */
	ev_new(c, &ev, KBDBACK_EV_KEY);
	ev.u.key.code = code;
	ev.u.key.pressed = k->state == SDL_PRESSED;
	pvsdl_input(&ev, 1);
}

static void hover_flush(struct sdl_conn *c)
{
	if (c->hover) {
		c->hover = false;
		pointer_at(c, c->hover_x, c->hover_y);
	}
}

/* An SDL event of c's window (or of none). */
static void on_event(void *arg, const SDL_Event *e)
{
	struct sdl_conn *c = arg;

	if (e->type == SDL_WINDOWEVENT &&
	    e->window.event == SDL_WINDOWEVENT_LEAVE)
		c->hover = false; /* the motion before was the leaving one */
	else
		hover_flush(c);

	switch (e->type) {
	case SDL_WINDOWEVENT:
		if (e->window.windowID != c->win_id)
			return;
		if (e->window.event == SDL_WINDOWEVENT_CLOSE)
			SDL_MinimizeWindow(c->win);
		else if (e->window.event == SDL_WINDOWEVENT_EXPOSED ||
			 e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
			wake(c);
		return;
	case SDL_MOUSEMOTION:
	case SDL_MOUSEBUTTONDOWN:
	case SDL_MOUSEBUTTONUP:
	case SDL_MOUSEWHEEL:
		on_mouse(c, e);
		return;
	case SDL_FINGERDOWN:
	case SDL_FINGERUP:
	case SDL_FINGERMOTION:
		/* one that names no window is nobody's: every window would
		 * take it, and a touch must reach one guest only */
		if (e->tfinger.windowID == c->win_id)
			on_finger(c, &e->tfinger);
		return;
	case SDL_KEYDOWN:
	case SDL_KEYUP:
		on_key(c, &e->key);
		return;
	default:
		return;
	}
}

static void on_pump(evutil_socket_t fd, short what, void *arg)
{
	struct sdl_host *h = arg;

	(void)fd;
	(void)what;
	pvsdl_pump();
	for (struct sdl_conn *c = h->conns; c; c = c->next)
		hover_flush(c);
}

/* ---- the host side --------------------------------------------------------
 */

/* "[software][,novsync][,dir=DIR]" */
static int parse_arg(struct sdl_host *h, const char *arg)
{
	h->vsync = true;
	while (arg && *arg) {
		size_t len = strcspn(arg, ",");

		if (len == 8 && !strncmp(arg, "software", len))
			h->software = true;
		else if (len == 7 && !strncmp(arg, "novsync", len))
			h->vsync = false;
		else if (len > 4 && !strncmp(arg, "dir=", 4) && !h->dir) {
			h->dir = strndup(arg + 4, len - 4);
			if (!h->dir)
				return -ENOMEM;
		} else
			return -EINVAL;
		arg += len;
		if (*arg == ',' && !*++arg)
			return -EINVAL; /* a trailing comma */
	}
	return 0;
}

static void sdl_close(void *host)
{
	struct sdl_host *h = host;

	if (!h)
		return;
	if (h->pump)
		event_free(h->pump);
	if (h->render)
		event_free(h->render);
	free(h->dir);
	free(h);
	pvsdl_close();
}

static int sdl_open(struct event_base *base, const char *arg, void **host)
{
	struct timeval tv = {0, PUMP_US};
	struct sdl_host *h = calloc(1, sizeof(*h));
	char err[256];
	int rc;

	if (!h)
		return -ENOMEM;
	rc = parse_arg(h, arg);
	if (rc) {
		free(h->dir);
		free(h);
		return rc;
	}
	/* With the software renderer, SDL would still show the window
	 * through OpenGL by default, which without a GPU is a software
	 * rasterizer costing about as much again per frame: blit the
	 * window surface instead (an environment setting wins). */
	if (h->software)
		SDL_SetHintWithPriority(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0",
					SDL_HINT_DEFAULT);
	if (pvsdl_open(err, sizeof(err))) {
		fprintf(stderr, "displ sdl: %s\n", err);
		free(h->dir);
		free(h);
		return -ENODEV;
	}
	h->base = base;
	h->pump = event_new(base, -1, EV_PERSIST, on_pump, h);
	h->render = event_new(base, -1, 0, on_render, h);
	if (!h->pump || !h->render || event_add(h->pump, &tv)) {
		sdl_close(h);
		return -ENOMEM;
	}
	*host = h;
	return 0;
}

static void conn_free(struct sdl_conn *c)
{
	if (c->win_id)
		pvsdl_unwatch(c->win_id);
	if (c->tex)
		SDL_DestroyTexture(c->tex);
	if (c->ren)
		SDL_DestroyRenderer(c->ren);
	if (c->win)
		SDL_DestroyWindow(c->win);
	free(c);
}

static int sdl_connector_open(void *host,
			      const struct displback_conn_info *info,
			      void **conn)
{
	struct sdl_host *h = host;
	struct sdl_conn *c = calloc(1, sizeof(*c));
	uint32_t flags = h->software ? SDL_RENDERER_SOFTWARE
				     : SDL_RENDERER_ACCELERATED;
	char title[200];

	if (!c)
		return -ENOMEM;
	c->h = h;
	c->domid = info->domid;
	c->index = info->index;
	c->res_w = info->width;
	c->res_h = info->height;
	c->presented = info->presented;
	c->ctx = info->ctx;
	/* the PNG's name: the guest picks its connectors' unique-ids */
	(void)pvback_file_name(c->name, sizeof(c->name), info->domid,
			       info->unique_id);
	/* the domid first: it tells guests apart, a name need not */
	snprintf(title, sizeof(title), "dom%u%s%s \xe2\x80\x94 %s (%ux%u)",
		 (unsigned int)info->domid, info->guest_name ? " " : "",
		 info->guest_name ? info->guest_name : "", info->unique_id,
		 info->width, info->height);
	c->win = SDL_CreateWindow(title, SDL_WINDOWPOS_UNDEFINED,
				  SDL_WINDOWPOS_UNDEFINED, (int)info->width,
				  (int)info->height, SDL_WINDOW_RESIZABLE);
	if (!c->win)
		goto fail;
	if (h->vsync)
		flags |= SDL_RENDERER_PRESENTVSYNC;
	c->ren = SDL_CreateRenderer(c->win, -1, flags);
	if (!c->ren && !h->software) /* no GPU renderer: SDL's own */
		c->ren = SDL_CreateRenderer(
		    c->win, -1,
		    SDL_RENDERER_SOFTWARE |
			(h->vsync ? SDL_RENDERER_PRESENTVSYNC : 0));
	if (!c->ren)
		goto fail;
	c->vsync = -1;
	c->win_id = SDL_GetWindowID(c->win);
	if (pvsdl_watch(c->win_id, on_event, c)) {
		c->win_id = 0;
		goto fail;
	}
	c->next = h->conns;
	h->conns = c;
	wake(c); /* black until the first frame */
	*conn = c;
	return 0;
fail:
	fprintf(stderr, "displ sdl: dom%u %s: cannot open a window: %s\n",
		(unsigned int)info->domid, info->unique_id, SDL_GetError());
	conn_free(c);
	return -ENODEV;
}

static void sdl_connector_close(void *conn)
{
	struct sdl_conn *c = conn, **p = &c->h->conns;

	while (*p != c)
		p = &(*p)->next;
	*p = c->next;
	conn_free(c);
}

static int sdl_show(void *conn, const struct displback_fb *fb)
{
	struct sdl_conn *c = conn;

	if (!fb) {
		/* off: the guest's pixels are not touched from now on (the
		 * texture keeps a copy, no longer shown) */
		c->fresh = c->on = c->owed = false;
		wake(c);
		return 0;
	}
	if (sdl_format(fb->fourcc) == SDL_PIXELFORMAT_UNKNOWN)
		return -EINVAL;
	/* the frame before, if not drawn yet, is passed over: this one's
	 * presented() covers it */
	c->fb = *fb;
	c->fresh = true;
	c->owed = true;
	c->owed_seq = fb->seq;
	wake(c);
	return 0;
}

/* The window's picture as on screen, read back, as a PNG. */
static int dump_conn(struct sdl_conn *c)
{
	char path[4096];
	int ow = 0, oh = 0, rc;
	uint8_t *px;

	if (snprintf(path, sizeof(path), "%s/%s.png", c->h->dir, c->name) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	if (SDL_GetRendererOutputSize(c->ren, &ow, &oh) || ow <= 0 || oh <= 0)
		return -EIO;
	px = malloc((size_t)ow * (size_t)oh * 4);
	if (!px)
		return -ENOMEM;
	/* what a present shows, composed again and read before presenting
	 * (after a present the back buffer is undefined) */
	compose(c);
	rc = SDL_RenderReadPixels(c->ren, NULL, SDL_PIXELFORMAT_RGB888, px,
				  ow * 4)
		 ? -EIO
		 : 0;
	SDL_RenderPresent(c->ren);
	if (!rc) {
		struct displback_fb fb = {.pixels = px,
					  .width = (uint32_t)ow,
					  .height = (uint32_t)oh,
					  .stride = (uint32_t)ow * 4,
					  .fourcc = DISPLBACK_FMT_XRGB8888};
		rc = displback_png_write(path, &fb);
	}
	free(px);
	return rc;
}

static int sdl_dump(void *host)
{
	struct sdl_host *h = host;
	int n = 0, err = 0;

	if (!h->dir)
		return -ENOTSUP;
	for (struct sdl_conn *c = h->conns; c; c = c->next) {
		int rc = dump_conn(c);

		if (rc && !err)
			err = rc;
		n += !rc;
	}
	return n || !err ? n : err;
}

const struct displback_host_ops displback_host_sdl = {
    .name = "sdl",
    .help = "sdl[:software][,novsync][,dir=DIR]  a window per connector "
	    "(vsync, letterboxed), touch to its guest; PNGs of the windows "
	    "in DIR on dump (SIGUSR1)",
    .open = sdl_open,
    .close = sdl_close,
    .connector_open = sdl_connector_open,
    .connector_close = sdl_connector_close,
    .show = sdl_show,
    .dump = sdl_dump,
};
