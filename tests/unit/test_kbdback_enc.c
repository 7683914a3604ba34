/*
 * Unit tests for the vkbd protocol on both ends: the backend's encoder
 * (backends/input/enc.c) writes normalized events into a plain page, the
 * guest's ring reader (frontends/input/kbdfront_ring.c) reads them back.
 * Scaling, features, the full ring (drop and count, never wait), index
 * wrap at 51 slots and at 2^32, touch frames in protocol order, recovery
 * after lost events, and hostile indices on either side.
 */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>

#include "kbdback_int.h"
#include "pvkit/kbdfront.h"
#include "pvkit/proto/errno.h"

#define KEY_A	 30u
#define KEY_B	 48u
#define BTN_LEFT 0x110u

struct fx {
	_Alignas(4096) unsigned char page[4096];
	struct kbdback_enc e;
	struct kbdfront_ring r;
	struct kbdfront_event got[256];
	unsigned int n;
};

static const struct kbdback_features all_on = {
    .abs = true,
    .raw = true,
    .mtouch = true,
    .width = 800,
    .height = 600,
    .mt_width = 1000,
    .mt_height = 500,
    .mt_contacts = 5,
    .req_abs = true,
    .req_mtouch = true,
};

static struct fx *fx_new(const struct kbdback_features *f, uint32_t idx)
{
	struct fx *x = aligned_alloc(4096, sizeof(*x));
	struct xenkbd_page *pg;

	assert_non_null(x);
	memset(x, 0, sizeof(*x));
	pg = (struct xenkbd_page *)x->page;
	pg->in_prod = pg->in_cons = idx;
	kbdback_enc_init(&x->e, f);
	assert_int_equal(kbdback_enc_attach(&x->e, pg), 0);
	kbdfront_ring_init(&x->r, pg, f->mt_contacts);
	return x;
}

static void collect(struct kbdfront_ring *r, const struct kbdfront_event *ev,
		    void *arg)
{
	struct fx *x = arg;

	(void)r;
	if (x->n < 256)
		x->got[x->n++] = *ev;
}

/* Everything the guest would see now. */
static unsigned int drain(struct fx *x)
{
	x->n = 0;
	assert_true(kbdfront_ring_consume(&x->r, collect, x) >= 0);
	return x->n;
}

static int put(struct fx *x, struct kbdback_event ev)
{
	return kbdback_enc_put(&x->e, &ev);
}

static struct kbdback_event key(uint32_t code, int down)
{
	return (struct kbdback_event){.type = KBDBACK_EV_KEY,
				      .u.key = {code, (uint8_t)down}};
}

static struct kbdback_event absp(uint32_t px, uint32_t py, uint32_t w,
				 uint32_t h)
{
	return (struct kbdback_event){
	    .type = KBDBACK_EV_ABS,
	    .u.abs = {kbdback_abs_from_pixels(px, w),
		      kbdback_abs_from_pixels(py, h)}};
}

static struct kbdback_event touch(unsigned int t, uint64_t id, uint32_t px,
				  uint32_t py)
{
	struct kbdback_event e = {.type = (uint16_t)t};

	e.u.touch.contact = id;
	e.u.touch.x = kbdback_abs_from_pixels(px, 1000);
	e.u.touch.y = kbdback_abs_from_pixels(py, 500);
	return e;
}

static struct kbdback_event frame(void)
{
	return (struct kbdback_event){.type = KBDBACK_EV_TOUCH_FRAME};
}

static void want_mt(const struct kbdfront_event *ev, uint8_t what, uint8_t id)
{
	assert_int_equal(ev->type, XENKBD_TYPE_MTOUCH);
	assert_int_equal(ev->mt_event, what);
	if (what != XENKBD_MT_EV_SYN)
		assert_int_equal(ev->contact, id);
}

/* ---- cases --------------------------------------------------------------- */

static void keys_on_the_wire(void **state)
{
	struct fx *x = fx_new(&all_on, 0);
	const union xenkbd_in_event *slot;

	(void)state;
	assert_int_equal(put(x, key(KEY_A, 1)), 0);
	assert_int_equal(put(x, key(KEY_A, 0)), 0);
	assert_true(x->e.notify);
	slot = &XENKBD_IN_RING_REF(x->page, 0);
	assert_int_equal(slot->type, XENKBD_TYPE_KEY);
	assert_int_equal(slot->key.pressed, 1);
	assert_int_equal(slot->key.keycode, KEY_A);
	/* Reserved bytes are zero. */
	for (size_t i = 8; i < XENKBD_IN_EVENT_SIZE; i++)
		assert_int_equal(((const uint8_t *)slot)[i], 0);
	assert_int_equal(((struct xenkbd_page *)x->page)->in_prod, 2);
	assert_int_equal(drain(x), 2);
	assert_int_equal(x->got[1].keycode, KEY_A);
	assert_int_equal(x->got[1].pressed, 0);
	assert_int_equal(x->e.st.events, 2);
	free(x);
}

static void scaling_pixels_and_raw(void **state)
{
	struct kbdback_features f = all_on;
	struct fx *x;

	(void)state;
	f.req_raw = false;
	x = fx_new(&f, 0);
	assert_int_equal(kbdback_scale(0, 800), 0);
	assert_int_equal(kbdback_scale(KBDBACK_ABS_ONE, 800), 800);
	/* Same surface on both sides: pixel for pixel. */
	for (uint32_t p = 0; p < 800; p += 7)
		assert_int_equal(
		    kbdback_scale(kbdback_abs_from_pixels(p, 800), 800), p);
	put(x, absp(400, 300, 800, 600));
	put(x, absp(100, 50, 200, 100)); /* half way on a smaller surface */
	assert_int_equal(drain(x), 2);
	assert_int_equal(x->got[0].type, XENKBD_TYPE_POS);
	assert_int_equal(x->got[0].x, 400);
	assert_int_equal(x->got[0].y, 300);
	assert_int_equal(x->got[1].x, 400);
	assert_int_equal(x->got[1].y, 300);
	free(x);

	f.req_raw = true;
	x = fx_new(&f, 0);
	put(x, absp(800, 0, 800, 600));
	put(x, absp(400, 300, 800, 600));
	assert_int_equal(drain(x), 2);
	assert_int_equal(x->got[0].x, 0x7fff);
	assert_int_equal(x->got[0].y, 0);
	assert_int_equal(x->got[1].x, 0x4000);
	assert_int_equal(x->got[1].y, 0x4000);
	free(x);
}

static void relative_device(void **state)
{
	struct kbdback_features f = all_on;
	struct fx *x;

	(void)state;
	f.req_abs = false; /* the frontend wants relative motion */
	x = fx_new(&f, 0);
	put(x, absp(100, 100, 800, 600)); /* first position: nothing */
	put(x, absp(110, 95, 800, 600));
	put(x, (struct kbdback_event){.type = KBDBACK_EV_MOTION,
				      .u.motion = {-3, 4}});
	put(x,
	    (struct kbdback_event){.type = KBDBACK_EV_WHEEL, .u.wheel = {-1}});
	assert_int_equal(drain(x), 3);
	assert_int_equal(x->got[0].type, XENKBD_TYPE_MOTION);
	assert_int_equal(x->got[0].x, 10);
	assert_int_equal(x->got[0].y, -5);
	assert_int_equal(x->got[1].x, -3);
	assert_int_equal(x->got[1].y, 4);
	assert_int_equal(x->got[2].z, -1);
	free(x);
}

static void relative_host_absolute_device(void **state)
{
	struct kbdback_features f = all_on;
	struct fx *x;

	(void)state;
	f.req_raw = false;
	x = fx_new(&f, 0);
	put(x, (struct kbdback_event){.type = KBDBACK_EV_MOTION,
				      .u.motion = {30, 40}});
	put(x, (struct kbdback_event){.type = KBDBACK_EV_MOTION,
				      .u.motion = {-100, 10000}});
	put(x,
	    (struct kbdback_event){.type = KBDBACK_EV_WHEEL, .u.wheel = {2}});
	assert_int_equal(drain(x), 3);
	assert_int_equal(x->got[0].x, 30);
	assert_int_equal(x->got[0].y, 40);
	assert_int_equal(x->got[1].x, 0);   /* clamped */
	assert_int_equal(x->got[1].y, 600); /* clamped */
	assert_int_equal(x->got[2].type, XENKBD_TYPE_POS);
	assert_int_equal(x->got[2].z, 2);
	assert_int_equal(x->got[2].y, 600);
	free(x);
}

static void features_need_offer(void **state)
{
	struct kbdback_features f = {.req_abs = true,
				     .req_raw = true,
				     .req_mtouch = true,
				     .mt_width = 10,
				     .mt_height = 10,
				     .mt_contacts = 2};
	struct kbdback_enc e;

	(void)state;
	kbdback_enc_init(&e, &f);
	assert_false(e.abs);
	assert_false(e.raw);
	assert_false(e.mtouch);
	assert_int_equal(e.feat.width, KBDBACK_DEFAULT_WIDTH);
	f.abs = f.raw = true;
	f.req_abs = false;
	kbdback_enc_init(&e, &f);
	assert_false(e.raw); /* raw needs abs */
	f.mtouch = true;
	f.mt_contacts = 0;
	kbdback_enc_init(&e, &f);
	assert_false(e.mtouch);
}

static void disabled_keyboard_and_pointer(void **state)
{
	struct kbdback_features f = all_on;
	struct fx *x;

	(void)state;
	f.no_keyboard = true;
	x = fx_new(&f, 0);
	put(x, key(KEY_A, 1));
	put(x, key(BTN_LEFT, 1));
	assert_int_equal(drain(x), 1);
	assert_int_equal(x->got[0].keycode, BTN_LEFT);
	assert_int_equal(x->e.st.filtered, 1);
	free(x);
	f.no_keyboard = false;
	f.no_pointer = true;
	x = fx_new(&f, 0);
	put(x, key(BTN_LEFT, 1));
	put(x, absp(1, 1, 10, 10));
	put(x, key(KEY_B, 1));
	assert_int_equal(drain(x), 1);
	assert_int_equal(x->got[0].keycode, KEY_B);
	free(x);
}

static void ring_full_drops_and_counts(void **state)
{
	struct fx *x = fx_new(&all_on, 0);

	(void)state;
	for (unsigned int i = 0; i < XENKBD_IN_RING_LEN; i++)
		assert_int_equal(put(x, key(KEY_A, (int)(i & 1) ^ 1)), 0);
	/* Full: the next is dropped at once (never waits). */
	assert_int_equal(put(x, key(KEY_B, 1)), -ENOSPC);
	assert_int_equal(x->e.st.dropped, 1);
	assert_int_equal(drain(x), XENKBD_IN_RING_LEN);
	assert_int_equal(put(x, key(KEY_B, 1)), 0);
	assert_int_equal(drain(x), 1);
	assert_int_equal(x->got[0].keycode, KEY_B);
	free(x);
}

static void lost_release_is_made_good(void **state)
{
	struct fx *x = fx_new(&all_on, 0);
	unsigned int i;

	(void)state;
	put(x, key(KEY_B, 1));
	for (i = 1; i < XENKBD_IN_RING_LEN; i++)
		put(x, key(KEY_A, 1));
	assert_int_equal(put(x, key(KEY_B, 0)), -ENOSPC); /* lost */
	assert_int_equal(drain(x), XENKBD_IN_RING_LEN);
	put(x, key(KEY_A, 0));
	assert_int_equal(drain(x), 2);
	/* First the release the guest missed, then the new event. */
	assert_int_equal(x->got[0].keycode, KEY_B);
	assert_int_equal(x->got[0].pressed, 0);
	assert_int_equal(x->got[1].keycode, KEY_A);
	free(x);
}

static void slots_wrap_in_order(void **state)
{
	struct fx *x = fx_new(&all_on, 0);
	uint32_t next = 0;

	(void)state;
	/* 1000 events in uneven batches: the slot index wraps at 51. */
	for (unsigned int round = 0; next < 1000; round++) {
		unsigned int batch = 1 + round % 37, base = next;

		for (unsigned int i = 0; i < batch; i++, next++)
			assert_int_equal(put(x, key(next % 0x2ff, 1)), 0);
		assert_int_equal(drain(x), batch);
		for (unsigned int i = 0; i < batch; i++)
			assert_int_equal(x->got[i].keycode, (base + i) % 0x2ff);
	}
	assert_int_equal(x->e.st.dropped, 0);
	free(x);
}

static void indices_wrap_at_2_32(void **state)
{
	struct fx *x = fx_new(&all_on, 0xffffffffu - 10);
	unsigned int put_ok = 0;

	(void)state;
	/* 0xffffffff and 0 share slot 0: the backend stops at 0xffffffff
	 * until the guest consumed it. */
	assert_int_equal(kbdback_ring_room(0, 0xfffffff0u), 0);
	assert_int_equal(kbdback_ring_room(0xfffffff0u, 0xfffffff0u), 16);
	assert_int_equal(kbdback_ring_room(0, 0), XENKBD_IN_RING_LEN);
	for (unsigned int i = 0; i < 20; i++)
		put_ok += put(x, key(i, 1)) == 0;
	assert_int_equal(put_ok, 11);
	assert_int_equal(drain(x), 11);
	for (unsigned int i = 0; i < 11; i++)
		assert_int_equal(x->got[i].keycode, i);
	for (unsigned int i = 0; i < 60; i++)
		put_ok += put(x, key(100 + i, 1)) == 0;
	assert_int_equal(put_ok, 11 + XENKBD_IN_RING_LEN);
	assert_int_equal(drain(x), XENKBD_IN_RING_LEN);
	for (unsigned int i = 0; i < XENKBD_IN_RING_LEN; i++)
		assert_int_equal(x->got[i].keycode, 100 + i);
	free(x);
}

static void two_finger_frames(void **state)
{
	struct fx *x = fx_new(&all_on, 0);
	unsigned int n;

	(void)state;
	put(x, touch(KBDBACK_EV_TOUCH_DOWN, 7001, 100, 100));
	put(x, touch(KBDBACK_EV_TOUCH_DOWN, 9002, 300, 200));
	put(x, frame());
	put(x, touch(KBDBACK_EV_TOUCH_MOTION, 9002, 320, 210));
	put(x, touch(KBDBACK_EV_TOUCH_MOTION, 7001, 120, 110));
	put(x, frame());
	put(x, touch(KBDBACK_EV_TOUCH_UP, 7001, 0, 0));
	put(x, touch(KBDBACK_EV_TOUCH_UP, 9002, 0, 0));
	put(x, frame());
	n = drain(x);
	assert_int_equal(n, 9);
	want_mt(&x->got[0], XENKBD_MT_EV_DOWN, 0);
	assert_int_equal(x->got[0].x, 100);
	assert_int_equal(x->got[0].y, 100);
	want_mt(&x->got[1], XENKBD_MT_EV_DOWN, 1);
	want_mt(&x->got[2], XENKBD_MT_EV_SYN, 0);
	want_mt(&x->got[3], XENKBD_MT_EV_MOTION, 1);
	assert_int_equal(x->got[3].x, 320);
	want_mt(&x->got[4], XENKBD_MT_EV_MOTION, 0);
	want_mt(&x->got[5], XENKBD_MT_EV_SYN, 0);
	want_mt(&x->got[6], XENKBD_MT_EV_UP, 0);
	want_mt(&x->got[7], XENKBD_MT_EV_UP, 1);
	want_mt(&x->got[8], XENKBD_MT_EV_SYN, 0);
	assert_int_equal(x->e.st.frames, 3);
	/* Ids are reused after UP. */
	put(x, touch(KBDBACK_EV_TOUCH_DOWN, 55, 1, 1));
	put(x, frame());
	assert_int_equal(drain(x), 2);
	want_mt(&x->got[0], XENKBD_MT_EV_DOWN, 0);
	free(x);
}

static void protocol_order_in_a_frame(void **state)
{
	struct fx *x = fx_new(&all_on, 0);
	struct kbdback_event sh = {.type = KBDBACK_EV_TOUCH_SHAPE};
	struct kbdback_event orn = {.type = KBDBACK_EV_TOUCH_ORIENT};

	(void)state;
	put(x, touch(KBDBACK_EV_TOUCH_DOWN, 1, 10, 10));
	put(x, frame());
	drain(x);
	/* Host order: orient, shape, motion, motion again. */
	orn.u.orient.contact = 1;
	orn.u.orient.degrees = -45;
	sh.u.shape.contact = 1;
	sh.u.shape.major = kbdback_abs_from_pixels(40, 1000);
	sh.u.shape.minor = kbdback_abs_from_pixels(20, 1000);
	put(x, orn);
	put(x, sh);
	put(x, touch(KBDBACK_EV_TOUCH_MOTION, 1, 20, 20));
	put(x, touch(KBDBACK_EV_TOUCH_MOTION, 1, 30, 25));
	put(x, touch(KBDBACK_EV_TOUCH_UP, 1, 0, 0));
	put(x, frame());
	assert_int_equal(drain(x), 5);
	want_mt(&x->got[0], XENKBD_MT_EV_MOTION, 0); /* the last position */
	assert_int_equal(x->got[0].x, 30);
	assert_int_equal(x->got[0].y, 25);
	want_mt(&x->got[1], XENKBD_MT_EV_SHAPE, 0);
	assert_int_equal(x->got[1].major, 40);
	assert_int_equal(x->got[1].minor, 20);
	want_mt(&x->got[2], XENKBD_MT_EV_ORIENT, 0);
	assert_int_equal(x->got[2].orientation, -45);
	want_mt(&x->got[3], XENKBD_MT_EV_UP, 0);
	want_mt(&x->got[4], XENKBD_MT_EV_SYN, 0);
	free(x);
}

static void tap_inside_one_frame(void **state)
{
	struct fx *x = fx_new(&all_on, 0);

	(void)state;
	put(x, touch(KBDBACK_EV_TOUCH_DOWN, 3, 10, 10));
	put(x, touch(KBDBACK_EV_TOUCH_UP, 3, 0, 0));
	put(x, frame());
	assert_int_equal(drain(x), 3);
	want_mt(&x->got[0], XENKBD_MT_EV_DOWN, 0);
	want_mt(&x->got[1], XENKBD_MT_EV_UP, 0);
	want_mt(&x->got[2], XENKBD_MT_EV_SYN, 0);
	free(x);
}

static void contacts_beyond_the_limit(void **state)
{
	struct fx *x = fx_new(&all_on, 0); /* 5 contacts */

	(void)state;
	for (unsigned int i = 0; i < 7; i++)
		put(x, touch(KBDBACK_EV_TOUCH_DOWN, 100 + i, i, i));
	put(x, frame());
	assert_int_equal(drain(x), 6);
	assert_int_equal(x->e.st.filtered, 2);
	/* An unknown contact's motion or up is filtered too. */
	put(x, touch(KBDBACK_EV_TOUCH_MOTION, 999, 1, 1));
	put(x, touch(KBDBACK_EV_TOUCH_UP, 999, 1, 1));
	assert_int_equal(x->e.st.filtered, 4);
	free(x);
}

static void non_touch_closes_the_frame(void **state)
{
	struct fx *x = fx_new(&all_on, 0);

	(void)state;
	put(x, touch(KBDBACK_EV_TOUCH_DOWN, 1, 10, 10));
	put(x, key(KEY_A, 1));
	assert_int_equal(drain(x), 3);
	want_mt(&x->got[0], XENKBD_MT_EV_DOWN, 0);
	want_mt(&x->got[1], XENKBD_MT_EV_SYN, 0);
	assert_int_equal(x->got[2].type, XENKBD_TYPE_KEY);
	/* kbdback_enc_flush() closes what the host left open. */
	put(x, touch(KBDBACK_EV_TOUCH_UP, 1, 0, 0));
	assert_int_equal(drain(x), 0);
	assert_int_equal(kbdback_enc_flush(&x->e), 0);
	assert_int_equal(drain(x), 2);
	free(x);
}

static void lost_frame_is_made_good(void **state)
{
	struct fx *x = fx_new(&all_on, 0);
	unsigned int i;

	(void)state;
	put(x, touch(KBDBACK_EV_TOUCH_DOWN, 1, 10, 10));
	put(x, frame());
	for (i = 3; i < XENKBD_IN_RING_LEN; i++)
		put(x, key(KEY_A, 1));
	/* One slot left: a frame needing three is dropped whole. */
	put(x, touch(KBDBACK_EV_TOUCH_UP, 1, 0, 0));
	put(x, touch(KBDBACK_EV_TOUCH_DOWN, 2, 50, 60));
	assert_int_equal(put(x, frame()), -ENOSPC);
	assert_int_equal(x->e.st.dropped, 3);
	assert_int_equal(drain(x), XENKBD_IN_RING_LEN - 1);
	/* The next frame brings the guest in line: contact 0 went up and
	 * the host's second contact (now id 1) is down. */
	put(x, touch(KBDBACK_EV_TOUCH_MOTION, 2, 55, 65));
	put(x, frame());
	assert_int_equal(drain(x), 3);
	want_mt(&x->got[0], XENKBD_MT_EV_UP, 0);
	want_mt(&x->got[1], XENKBD_MT_EV_DOWN, 1);
	assert_int_equal(x->got[1].x, 55);
	want_mt(&x->got[2], XENKBD_MT_EV_SYN, 0);
	free(x);
}

static void retry_without_new_events(void **state)
{
	struct fx *x = fx_new(&all_on, 0);
	unsigned int i;

	(void)state;
	put(x, key(KEY_B, 1));
	put(x, touch(KBDBACK_EV_TOUCH_DOWN, 1, 10, 10));
	put(x, frame());
	for (i = 3; i < XENKBD_IN_RING_LEN; i++)
		put(x, key(KEY_A, 1));
	assert_int_equal(put(x, key(KEY_B, 0)), -ENOSPC);
	put(x, touch(KBDBACK_EV_TOUCH_UP, 1, 0, 0));
	assert_int_equal(put(x, frame()), -ENOSPC);
	assert_true(kbdback_enc_owed(&x->e));
	assert_int_equal(kbdback_enc_retry(&x->e), -ENOSPC);
	assert_int_equal(drain(x), XENKBD_IN_RING_LEN);
	/* The guest consumed and said so: the backend makes good. */
	x->e.notify = false;
	assert_int_equal(kbdback_enc_retry(&x->e), 0);
	assert_false(kbdback_enc_owed(&x->e));
	assert_true(x->e.notify);
	assert_int_equal(drain(x), 3);
	assert_int_equal(x->got[0].keycode, KEY_B);
	assert_int_equal(x->got[0].pressed, 0);
	want_mt(&x->got[1], XENKBD_MT_EV_UP, 0);
	want_mt(&x->got[2], XENKBD_MT_EV_SYN, 0);
	free(x);
}

static void no_multitouch_requested(void **state)
{
	struct kbdback_features f = all_on;
	struct fx *x;

	(void)state;
	f.req_mtouch = false;
	x = fx_new(&f, 0);
	put(x, touch(KBDBACK_EV_TOUCH_DOWN, 1, 10, 10));
	put(x, frame());
	assert_int_equal(drain(x), 0);
	assert_int_equal(x->e.st.filtered, 2);
	free(x);
}

static void hostile_consumer_index(void **state)
{
	struct fx *x = fx_new(&all_on, 0);
	struct xenkbd_page *pg = (struct xenkbd_page *)x->page;
	struct kbdback_enc e2;

	(void)state;
	put(x, key(KEY_A, 1));
	pg->in_cons = 1000; /* ahead of prod */
	assert_int_equal(put(x, key(KEY_A, 0)), -EPROTO);
	assert_true(x->e.broken);
	assert_int_equal(put(x, key(KEY_A, 0)), -EPROTO);
	pg->in_cons = 0; /* repaired: still refused until attached again */
	assert_int_equal(put(x, key(KEY_A, 0)), -EPROTO);
	/* Attaching to a page whose indices are a ring apart fails. */
	pg->in_prod = 200;
	pg->in_cons = 100;
	kbdback_enc_init(&e2, &all_on);
	assert_int_equal(kbdback_enc_attach(&e2, pg), -EPROTO);
	assert_int_equal(
	    kbdback_enc_put(&e2,
			    &(struct kbdback_event){.type = KBDBACK_EV_KEY}),
	    -ENOTCONN);
	/* A restarted backend continues at the page's indices. */
	pg->in_prod = 77;
	pg->in_cons = 70;
	assert_int_equal(kbdback_enc_attach(&e2, pg), 0);
	assert_int_equal(e2.prod, 77);
	free(x);
}

static void reader_refuses_bad_producer(void **state)
{
	struct fx *x = fx_new(&all_on, 0);
	struct xenkbd_page *pg = (struct xenkbd_page *)x->page;
	union xenkbd_in_event *slot;

	(void)state;
	pg->in_prod = 52;
	assert_int_equal(kbdfront_ring_consume(&x->r, collect, x), -XEN_EIO);
	assert_int_equal(pg->in_cons, 0);
	/* Unknown types and contacts beyond the agreed number are skipped. */
	pg->in_prod = 3;
	slot = &XENKBD_IN_RING_REF(pg, 0);
	slot->type = 99;
	slot = &XENKBD_IN_RING_REF(pg, 1);
	slot->mtouch.type = XENKBD_TYPE_MTOUCH;
	slot->mtouch.event_type = XENKBD_MT_EV_DOWN;
	slot->mtouch.contact_id = 5;
	slot = &XENKBD_IN_RING_REF(pg, 2);
	slot->key.type = XENKBD_TYPE_KEY;
	slot->key.keycode = KEY_B;
	assert_int_equal(drain(x), 1);
	assert_int_equal(x->r.skipped, 2);
	assert_int_equal(pg->in_cons, 3);
	free(x);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(keys_on_the_wire),
    cmocka_unit_test(scaling_pixels_and_raw),
    cmocka_unit_test(relative_device),
    cmocka_unit_test(relative_host_absolute_device),
    cmocka_unit_test(features_need_offer),
    cmocka_unit_test(disabled_keyboard_and_pointer),
    cmocka_unit_test(ring_full_drops_and_counts),
    cmocka_unit_test(lost_release_is_made_good),
    cmocka_unit_test(slots_wrap_in_order),
    cmocka_unit_test(indices_wrap_at_2_32),
    cmocka_unit_test(two_finger_frames),
    cmocka_unit_test(protocol_order_in_a_frame),
    cmocka_unit_test(tap_inside_one_frame),
    cmocka_unit_test(contacts_beyond_the_limit),
    cmocka_unit_test(non_touch_closes_the_frame),
    cmocka_unit_test(lost_frame_is_made_good),
    cmocka_unit_test(retry_without_new_events),
    cmocka_unit_test(no_multitouch_requested),
    cmocka_unit_test(hostile_consumer_index),
    cmocka_unit_test(reader_refuses_bad_producer),
};

PV_UNIT_MAIN("kbdback_enc", tests)
