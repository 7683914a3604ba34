/*
 * The vkbd in ring, read by the guest (pvkit/kbdfront.h): copy each slot
 * once, decode, deliver, then free the slots.  Freestanding.
 */
#include "pvkit/kbdfront.h"
#include "pvkit/proto/errno.h"

void kbdfront_ring_init(struct kbdfront_ring *r, struct xenkbd_page *page,
			unsigned int contacts)
{
	r->page = page;
	r->contacts = contacts;
	r->events = 0;
	r->skipped = 0;
}

static void decode_mt(const struct xenkbd_mtouch *m, struct kbdfront_event *o)
{
	o->mt_event = m->event_type;
	o->contact = m->contact_id;
	switch (m->event_type) {
	case XENKBD_MT_EV_DOWN:
	case XENKBD_MT_EV_MOTION:
		o->x = m->u.pos.abs_x;
		o->y = m->u.pos.abs_y;
		break;
	case XENKBD_MT_EV_SHAPE:
		o->major = m->u.shape.major;
		o->minor = m->u.shape.minor;
		break;
	case XENKBD_MT_EV_ORIENT:
		o->orientation = m->u.orientation;
		break;
	default: /* UP, SYN: the header says it all */
		break;
	}
}

bool kbdfront_decode(const union xenkbd_in_event *in, struct kbdfront_event *o)
{
	__builtin_memset(o, 0, sizeof(*o));
	o->type = in->type;
	switch (in->type) {
	case XENKBD_TYPE_KEY:
		o->pressed = in->key.pressed ? 1 : 0;
		o->keycode = in->key.keycode;
		return true;
	case XENKBD_TYPE_MOTION:
		o->x = in->motion.rel_x;
		o->y = in->motion.rel_y;
		o->z = in->motion.rel_z;
		return true;
	case XENKBD_TYPE_POS:
		o->x = in->pos.abs_x;
		o->y = in->pos.abs_y;
		o->z = in->pos.rel_z;
		return true;
	case XENKBD_TYPE_MTOUCH:
		if (in->mtouch.event_type > XENKBD_MT_EV_ORIENT)
			return false;
		decode_mt(&in->mtouch, o);
		return true;
	default:
		return false;
	}
}

int kbdfront_ring_consume(struct kbdfront_ring *r, kbdfront_ring_fn *cb,
			  void *arg)
{
	struct xenkbd_page *pg = r->page;
	/* Acquire: the slots up to prod were written before prod. */
	uint32_t prod = __atomic_load_n(&pg->in_prod, __ATOMIC_ACQUIRE);
	uint32_t cons = __atomic_load_n(&pg->in_cons, __ATOMIC_RELAXED);
	int n = 0;

	if (prod - cons > XENKBD_IN_RING_LEN)
		return -XEN_EIO;
	for (; cons != prod; cons++) {
		union xenkbd_in_event slot;
		struct kbdfront_event ev;

		/* One copy: the backend may rewrite the slot meanwhile. */
		__builtin_memcpy(&slot, &XENKBD_IN_RING_REF(pg, cons),
				 sizeof(slot));
		if (!kbdfront_decode(&slot, &ev) ||
		    (ev.type == XENKBD_TYPE_MTOUCH &&
		     ev.mt_event != XENKBD_MT_EV_SYN &&
		     ev.contact >= r->contacts)) {
			r->skipped++;
			continue;
		}
		r->events++;
		n++;
		if (cb)
			cb(r, &ev, arg);
	}
	/* Release: our reads of the slots are done before the backend may
	 * see them free. */
	__atomic_store_n(&pg->in_cons, cons, __ATOMIC_RELEASE);
	return n;
}
