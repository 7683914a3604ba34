/*
 * The vkbd protocol encoder (kbdback_int.h): normalized host events into
 * one device's in ring, scaled, in frames, never waiting.
 */
#include <errno.h>
#include <string.h>

#include "kbdback_int.h"

#define BTN_MISC 0x100u /* the first pointer button code */

/* ---- arithmetic ---------------------------------------------------------- */

uint32_t kbdback_ring_room(uint32_t prod, uint32_t cons)
{
	uint32_t used = prod - cons, room, to_wrap = 0u - cons;

	if (used > XENKBD_IN_RING_LEN)
		return UINT32_MAX;
	room = XENKBD_IN_RING_LEN - used;
	/*
	 * 2^32 is not a multiple of 51, so index 0xffffffff and index 0
	 * (after the indices wrap) both land in slot 0.  Never have both in
	 * flight: past the wrap, wait until the frontend consumed index
	 * 0xffffffff.  cons == 0 means it has (or the wrap is far ahead).
	 */
	if (cons != 0 && to_wrap >= used && to_wrap - used < room)
		room = to_wrap - used;
	return room;
}

int32_t kbdback_scale(uint32_t v, uint32_t extent)
{
	uint64_t r;

	if (v > KBDBACK_ABS_ONE)
		v = KBDBACK_ABS_ONE;
	r = ((uint64_t)v * extent + KBDBACK_ABS_ONE / 2) / KBDBACK_ABS_ONE;
	return r > INT32_MAX ? INT32_MAX : (int32_t)r;
}

uint32_t kbdback_abs_from_pixels(int64_t p, uint32_t extent)
{
	if (p <= 0 || extent == 0)
		return 0;
	if ((uint64_t)p >= extent)
		return KBDBACK_ABS_ONE;
	return (uint32_t)(((uint64_t)p * KBDBACK_ABS_ONE + extent / 2) /
			  extent);
}

static int32_t clamp(int64_t v, uint32_t max)
{
	if (v < 0)
		return 0;
	return v > (int64_t)max ? (int32_t)max : (int32_t)v;
}

static bool bit(const uint8_t *set, uint32_t n)
{
	return set[n / 8] & (1u << (n % 8));
}

static void set_bit(uint8_t *set, uint32_t n, bool on)
{
	if (on)
		set[n / 8] |= (uint8_t)(1u << (n % 8));
	else
		set[n / 8] &= (uint8_t) ~(1u << (n % 8));
}

/* ---- life ---------------------------------------------------------------- */

void kbdback_enc_init(struct kbdback_enc *e, const struct kbdback_features *f)
{
	memset(e, 0, sizeof(*e));
	e->feat = *f;
	if (!e->feat.width)
		e->feat.width = KBDBACK_DEFAULT_WIDTH;
	if (!e->feat.height)
		e->feat.height = KBDBACK_DEFAULT_HEIGHT;
	e->abs = f->abs && f->req_abs;
	e->raw = e->abs && f->raw && f->req_raw;
	e->mtouch = f->mtouch && f->req_mtouch && f->mt_contacts > 0 &&
		    f->mt_width > 0 && f->mt_height > 0;
}

int kbdback_enc_attach(struct kbdback_enc *e, struct xenkbd_page *page)
{
	uint32_t prod = __atomic_load_n(&page->in_prod, __ATOMIC_RELAXED);
	uint32_t cons = __atomic_load_n(&page->in_cons, __ATOMIC_ACQUIRE);

	if (prod - cons > XENKBD_IN_RING_LEN)
		return -EPROTO;
	e->page = page;
	e->prod = prod;
	e->broken = false;
	return 0;
}

void kbdback_enc_detach(struct kbdback_enc *e)
{
	e->page = NULL;
}

/* ---- writing slots ------------------------------------------------------- */

/* Room for need slots now?  0, -ENOSPC, or -EPROTO for a broken ring. */
static int reserve(struct kbdback_enc *e, uint32_t need)
{
	/* Acquire: the frontend released in_cons after it finished reading
	 * those slots, so we may overwrite them only after seeing it. */
	uint32_t cons = __atomic_load_n(&e->page->in_cons, __ATOMIC_ACQUIRE);
	uint32_t room = kbdback_ring_room(e->prod, cons);

	if (room == UINT32_MAX) {
		e->broken = true;
		return -EPROTO;
	}
	return room >= need ? 0 : -ENOSPC;
}

static void put_slot(struct kbdback_enc *e, const union xenkbd_in_event *ev)
{
	memcpy(&XENKBD_IN_RING_REF(e->page, e->prod), ev, sizeof(*ev));
	e->prod++;
	e->st.events++;
}

/* Publish the slots written since the last publish. */
static void publish(struct kbdback_enc *e)
{
	/* Release: the slots' contents are visible before the index that
	 * hands them to the frontend. */
	__atomic_store_n(&e->page->in_prod, e->prod, __ATOMIC_RELEASE);
	e->notify = true;
}

static void put_key(struct kbdback_enc *e, uint32_t code, bool pressed)
{
	union xenkbd_in_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.key.type = XENKBD_TYPE_KEY;
	ev.key.pressed = pressed;
	ev.key.keycode = code;
	put_slot(e, &ev);
	set_bit(e->fe_keys, code, pressed);
}

static void put_ptr(struct kbdback_enc *e, int32_t a, int32_t b, int32_t z)
{
	union xenkbd_in_event ev;

	memset(&ev, 0, sizeof(ev));
	if (e->abs) {
		ev.pos.type = XENKBD_TYPE_POS;
		ev.pos.abs_x = a;
		ev.pos.abs_y = b;
		ev.pos.rel_z = z;
	} else {
		ev.motion.type = XENKBD_TYPE_MOTION;
		ev.motion.rel_x = a;
		ev.motion.rel_y = b;
		ev.motion.rel_z = z;
	}
	put_slot(e, &ev);
}

static void put_mt(struct kbdback_enc *e, uint8_t what, unsigned int id,
		   const struct kbdback_contact *c)
{
	union xenkbd_in_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.mtouch.type = XENKBD_TYPE_MTOUCH;
	ev.mtouch.event_type = what;
	ev.mtouch.contact_id = (uint8_t)id;
	if (what == XENKBD_MT_EV_DOWN || what == XENKBD_MT_EV_MOTION) {
		ev.mtouch.u.pos.abs_x = c->x;
		ev.mtouch.u.pos.abs_y = c->y;
	} else if (what == XENKBD_MT_EV_SHAPE) {
		ev.mtouch.u.shape.major = c->major;
		ev.mtouch.u.shape.minor = c->minor;
	} else if (what == XENKBD_MT_EV_ORIENT) {
		ev.mtouch.u.orientation = c->orient;
	}
	put_slot(e, &ev);
}

/* ---- keys ---------------------------------------------------------------- */

/* Release the keys the frontend holds that the host let go, as many as
 * fit: 0 when none is owed any more, else -ENOSPC (or -EPROTO). */
static int settle_keys(struct kbdback_enc *e)
{
	uint32_t cons, room;

	if (!e->keys_owed)
		return 0;
	cons = __atomic_load_n(&e->page->in_cons, __ATOMIC_ACQUIRE);
	room = kbdback_ring_room(e->prod, cons);
	if (room == UINT32_MAX) {
		e->broken = true;
		return -EPROTO;
	}
	for (uint32_t k = 0; k < KBDBACK_KEY_CNT; k++) {
		if (!bit(e->fe_keys, k) || bit(e->src_keys, k))
			continue;
		if (!room)
			return -ENOSPC;
		put_key(e, k, false);
		room--;
	}
	e->keys_owed = false;
	return 0;
}

static bool key_wanted(const struct kbdback_enc *e, uint32_t code)
{
	if (code >= KBDBACK_KEY_CNT)
		return false;
	return code < BTN_MISC ? !e->feat.no_keyboard : !e->feat.no_pointer;
}

/* The host's view of a key, also when its event is lost. */
static void note_key(struct kbdback_enc *e, uint32_t code, bool pressed)
{
	if (!key_wanted(e, code))
		return;
	set_bit(e->src_keys, code, pressed);
	/* A lost release would leave the key stuck in the guest. */
	if (!pressed && bit(e->fe_keys, code))
		e->keys_owed = true;
}

static int do_key(struct kbdback_enc *e, uint32_t code, bool pressed)
{
	int rc;

	if (!key_wanted(e, code)) {
		e->st.filtered++;
		return 0;
	}
	set_bit(e->src_keys, code, pressed);
	rc = reserve(e, 1);
	if (rc) {
		note_key(e, code, pressed);
		return rc;
	}
	put_key(e, code, pressed);
	return 0;
}

/* ---- pointer ------------------------------------------------------------- */

static uint32_t ptr_w(const struct kbdback_enc *e)
{
	return e->raw ? KBDBACK_RAW_MAX : e->feat.width;
}

static uint32_t ptr_h(const struct kbdback_enc *e)
{
	return e->raw ? KBDBACK_RAW_MAX : e->feat.height;
}

static int do_motion(struct kbdback_enc *e, int32_t dx, int32_t dy)
{
	int rc;

	if (e->abs) {
		e->ptr_x = clamp((int64_t)e->ptr_x + dx, ptr_w(e));
		e->ptr_y = clamp((int64_t)e->ptr_y + dy, ptr_h(e));
		e->ptr_known = true;
	}
	rc = reserve(e, 1);
	if (rc)
		return rc;
	if (e->abs)
		put_ptr(e, e->ptr_x, e->ptr_y, 0);
	else
		put_ptr(e, dx, dy, 0);
	return 0;
}

static int do_abs(struct kbdback_enc *e, uint32_t x, uint32_t y)
{
	uint32_t ox = e->host_x, oy = e->host_y;
	bool known = e->host_known;
	int32_t dx, dy;
	int rc;

	e->host_x = x;
	e->host_y = y;
	e->host_known = true;
	if (e->abs) {
		e->ptr_x = kbdback_scale(x, ptr_w(e));
		e->ptr_y = kbdback_scale(y, ptr_h(e));
		e->ptr_known = true;
		rc = reserve(e, 1);
		if (!rc)
			put_ptr(e, e->ptr_x, e->ptr_y, 0);
		return rc;
	}
	/* A relative device gets the difference, in its own pixels. */
	if (!known)
		return 0;
	dx = kbdback_scale(x, e->feat.width) - kbdback_scale(ox, e->feat.width);
	dy = kbdback_scale(y, e->feat.height) -
	     kbdback_scale(oy, e->feat.height);
	if (!dx && !dy)
		return 0;
	rc = reserve(e, 1);
	if (!rc)
		put_ptr(e, dx, dy, 0);
	return rc;
}

static int do_wheel(struct kbdback_enc *e, int32_t dz)
{
	int rc = reserve(e, 1);

	if (rc)
		return rc;
	if (e->abs)
		put_ptr(e, e->ptr_x, e->ptr_y, dz);
	else
		put_ptr(e, 0, 0, dz);
	return 0;
}

/* ---- touch --------------------------------------------------------------- */

static unsigned int contacts(const struct kbdback_enc *e)
{
	return e->feat.mt_contacts < KBDBACK_MAX_CONTACTS
		   ? e->feat.mt_contacts
		   : KBDBACK_MAX_CONTACTS;
}

/* The protocol id of host contact id that touches now, or -1. */
static int find_contact(const struct kbdback_enc *e, uint64_t id)
{
	for (unsigned int i = 0; i < contacts(e); i++)
		if (e->c[i].used && e->c[i].src_down && e->c[i].host_id == id)
			return (int)i;
	return -1;
}

static int new_contact(struct kbdback_enc *e, uint64_t id)
{
	for (unsigned int i = 0; i < contacts(e); i++) {
		struct kbdback_contact *c = &e->c[i];

		if (!c->used) {
			memset(c, 0, sizeof(*c));
			c->used = true;
			c->host_id = id;
			return (int)i;
		}
	}
	return -1;
}

static void in_frame(struct kbdback_enc *e, unsigned int i)
{
	if (!e->c[i].in_frame) {
		e->c[i].in_frame = true;
		e->order[e->n_order++] = (uint8_t)i;
	}
	e->frame_open = true;
}

static int do_touch(struct kbdback_enc *e, const struct kbdback_event *ev)
{
	uint64_t id = ev->u.touch.contact;
	int i = find_contact(e, id);
	struct kbdback_contact *c;

	if (ev->type == KBDBACK_EV_TOUCH_DOWN && i < 0) {
		i = new_contact(e, id);
		if (i >= 0)
			e->c[i].src_down = true;
	}
	if (i < 0) {
		e->st.filtered++; /* unknown contact, or too many */
		return 0;
	}
	c = &e->c[i];
	switch (ev->type) {
	case KBDBACK_EV_TOUCH_DOWN:
	case KBDBACK_EV_TOUCH_MOTION:
		c->x = kbdback_scale(ev->u.touch.x, e->feat.mt_width);
		c->y = kbdback_scale(ev->u.touch.y, e->feat.mt_height);
		c->pos_dirty = true;
		break;
	case KBDBACK_EV_TOUCH_SHAPE:
		c->major = (uint32_t)kbdback_scale(ev->u.shape.major,
						   e->feat.mt_width);
		c->minor = (uint32_t)kbdback_scale(ev->u.shape.minor,
						   e->feat.mt_width);
		c->shape_dirty = c->has_shape = true;
		break;
	case KBDBACK_EV_TOUCH_ORIENT:
		c->orient = ev->u.orient.degrees;
		c->orient_dirty = c->has_orient = true;
		break;
	default: /* UP */
		c->src_down = false;
		if (!c->fe_down)
			c->tapped = true;
		break;
	}
	in_frame(e, (unsigned int)i);
	return 0;
}

/* The slots contact c needs in the frame; emit them when out is true. */
static uint32_t contact_events(struct kbdback_enc *e, unsigned int id, bool out)
{
	struct kbdback_contact *c = &e->c[id];
	bool down = c->src_down || c->tapped;
	bool fresh = down && !c->fe_down;
	bool lift = (!c->src_down && c->fe_down) || c->tapped;
	bool live = down || c->fe_down;
	bool shape = fresh ? c->has_shape : c->shape_dirty && live;
	bool orient = fresh ? c->has_orient : c->orient_dirty && live;
	bool move = !fresh && c->fe_down && c->pos_dirty;
	uint32_t n = 0;

	if (fresh && (n++, out))
		put_mt(e, XENKBD_MT_EV_DOWN, id, c);
	if (move && (n++, out))
		put_mt(e, XENKBD_MT_EV_MOTION, id, c);
	if (shape && (n++, out))
		put_mt(e, XENKBD_MT_EV_SHAPE, id, c);
	if (orient && (n++, out))
		put_mt(e, XENKBD_MT_EV_ORIENT, id, c);
	if (lift && (n++, out))
		put_mt(e, XENKBD_MT_EV_UP, id, c);
	return n;
}

/* After a frame: what the frontend now knows. */
static void frame_done(struct kbdback_enc *e, bool written)
{
	for (unsigned int i = 0; i < contacts(e); i++) {
		struct kbdback_contact *c = &e->c[i];

		if (written) {
			c->fe_down = c->src_down;
			c->pos_dirty = c->shape_dirty = false;
			c->orient_dirty = false;
		}
		c->in_frame = c->tapped = false;
		if (!c->src_down && !c->fe_down)
			c->used = false;
	}
	e->n_order = 0;
	e->frame_open = false;
	e->touch_owed = !written;
}

int kbdback_enc_flush(struct kbdback_enc *e)
{
	uint32_t n = 0;
	int rc;

	if (!e->frame_open && !e->touch_owed)
		return 0;
	if (!e->page)
		return -ENOTCONN;
	/* After a lost frame every contact is brought in line, in id
	 * order. */
	if (e->touch_owed) {
		e->n_order = 0;
		for (unsigned int i = 0; i < contacts(e); i++) {
			e->c[i].in_frame = false;
			if (e->c[i].used)
				in_frame(e, i);
		}
	}
	for (unsigned int k = 0; k < e->n_order; k++)
		n += contact_events(e, e->order[k], false);
	if (n == 0) {
		frame_done(e, true);
		return 0;
	}
	rc = reserve(e, n + 1);
	if (rc) {
		e->st.dropped += n + 1;
		frame_done(e, false);
		return rc;
	}
	for (unsigned int k = 0; k < e->n_order; k++)
		contact_events(e, e->order[k], true);
	put_mt(e, XENKBD_MT_EV_SYN, 0, NULL);
	e->st.frames++;
	frame_done(e, true);
	publish(e);
	return 0;
}

int kbdback_enc_retry(struct kbdback_enc *e)
{
	uint32_t start = e->prod;
	int rc;

	if (!e->page)
		return -ENOTCONN;
	if (e->broken)
		return -EPROTO;
	rc = settle_keys(e);
	if (!rc && e->touch_owed)
		rc = kbdback_enc_flush(e);
	if (e->prod != start)
		publish(e);
	return rc;
}

bool kbdback_enc_owed(const struct kbdback_enc *e)
{
	return e->keys_owed || e->touch_owed;
}

/* ---- one event ----------------------------------------------------------- */

static bool is_touch(unsigned int type)
{
	return type >= KBDBACK_EV_TOUCH_DOWN && type <= KBDBACK_EV_TOUCH_FRAME;
}

static int dispatch(struct kbdback_enc *e, const struct kbdback_event *ev)
{
	switch (ev->type) {
	case KBDBACK_EV_KEY:
		return do_key(e, ev->u.key.code, ev->u.key.pressed);
	case KBDBACK_EV_MOTION:
		return do_motion(e, ev->u.motion.dx, ev->u.motion.dy);
	case KBDBACK_EV_ABS:
		return do_abs(e, ev->u.abs.x, ev->u.abs.y);
	default: /* WHEEL */
		return do_wheel(e, ev->u.wheel.dz);
	}
}

int kbdback_enc_put(struct kbdback_enc *e, const struct kbdback_event *ev)
{
	uint32_t start = e->prod;
	int rc;

	if (!e->page)
		return -ENOTCONN;
	if (e->broken)
		return -EPROTO;
	if (is_touch(ev->type)) {
		if (!e->mtouch) {
			e->st.filtered++;
			return 0;
		}
		if (ev->type == KBDBACK_EV_TOUCH_FRAME)
			return kbdback_enc_flush(e);
		return do_touch(e, ev);
	}
	if (ev->type < KBDBACK_EV_KEY || ev->type > KBDBACK_EV_WHEEL) {
		e->st.filtered++;
		return 0;
	}
	if (ev->type != KBDBACK_EV_KEY && e->feat.no_pointer) {
		e->st.filtered++;
		return 0;
	}
	/* Keep the host's order: an open touch frame goes first. */
	rc = kbdback_enc_flush(e);
	if (rc == -EPROTO)
		return rc;
	rc = settle_keys(e);
	if (!rc)
		rc = dispatch(e, ev);
	else if (ev->type == KBDBACK_EV_KEY)
		note_key(e, ev->u.key.code, ev->u.key.pressed);
	if (rc == -ENOSPC)
		e->st.dropped++;
	if (e->prod != start)
		publish(e);
	return rc;
}
