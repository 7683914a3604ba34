/*
 * guest_events — a process guest that prints what its keyboard, pointer
 * and touch device (vkbd 0) receives, on its console (`pvctl console`).
 * Built on the installed guest side: pkg-config pvkit-kbdfront and
 * pvkit-front-posix.
 *
 * It asks for absolute positions and multi-touch (what the backend
 * offers of them is used) and prints one line per event:
 *   "connected abs=A mt=M w=W h=H contacts=C"   when the device connects
 *   "key CODE down" / "key CODE up"              Linux KEY_* / BTN_* code
 *   "motion DX DY DZ" / "pointer X Y DZ"
 *   "touch ID down X Y", "touch ID move X Y", "touch ID shape MAJOR MINOR",
 *   "touch ID orient DEGREES", "touch ID up", "touch frame"
 *   "disconnected (REASON)" when the backend goes (it may come back)
 * It confines itself (PVFRONT_POSIX_CONFINE) and runs until destroyed.
 */
#include <stdio.h>

#include "pvkit/front.h"
#include "pvkit/guest_posix.h"
#include "pvkit/kbdfront.h"

static struct pvfront pf;
static struct kbdfront kf;

static void print_touch(struct pvfront_posix *p, const struct kbdfront_event *ev)
{
	unsigned int id = ev->contact;

	switch (ev->mt_event) {
	case XENKBD_MT_EV_DOWN:
	case XENKBD_MT_EV_MOTION:
		pvfront_posix_console_printf(
		    p, "touch %u %s %d %d\n", id,
		    ev->mt_event == XENKBD_MT_EV_DOWN ? "down" : "move", ev->x,
		    ev->y);
		break;
	case XENKBD_MT_EV_SHAPE:
		pvfront_posix_console_printf(p, "touch %u shape %u %u\n", id,
					     ev->major, ev->minor);
		break;
	case XENKBD_MT_EV_ORIENT:
		pvfront_posix_console_printf(p, "touch %u orient %d\n", id,
					     ev->orientation);
		break;
	case XENKBD_MT_EV_UP:
		pvfront_posix_console_printf(p, "touch %u up\n", id);
		break;
	default:
		pvfront_posix_console_printf(p, "touch frame\n");
		break;
	}
}

static void on_event(struct kbdfront *k, const struct kbdfront_event *ev,
		     void *arg)
{
	struct pvfront_posix *p = arg;

	(void)k;
	switch (ev->type) {
	case XENKBD_TYPE_KEY:
		pvfront_posix_console_printf(p, "key %u %s\n", ev->keycode,
					     ev->pressed ? "down" : "up");
		break;
	case XENKBD_TYPE_MOTION:
		pvfront_posix_console_printf(p, "motion %d %d %d\n", ev->x,
					     ev->y, ev->z);
		break;
	case XENKBD_TYPE_POS:
		pvfront_posix_console_printf(p, "pointer %d %d %d\n", ev->x,
					     ev->y, ev->z);
		break;
	case XENKBD_TYPE_MTOUCH:
		print_touch(p, ev);
		break;
	default:
		break;
	}
}

static void on_link(struct kbdfront *k, bool up, int reason, void *arg)
{
	const struct kbdfront_info *in = kbdfront_info(k);
	struct pvfront_posix *p = arg;

	if (up)
		pvfront_posix_console_printf(
		    p, "connected abs=%d mt=%d w=%u h=%u contacts=%u\n",
		    in->abs, in->mtouch, in->width, in->height,
		    in->mt_contacts);
	else
		pvfront_posix_console_printf(p, "disconnected (%d)\n", reason);
}

static int fail(struct pvfront_posix *p, const char *what, int rc)
{
	if (p)
		pvfront_posix_console_printf(p, "guest_events: %s: %d\n", what,
					     rc);
	else
		fprintf(stderr, "guest_events: %s: %d\n", what, rc);
	return 1;
}

int main(void)
{
	struct pvfront_posix *p = NULL;
	struct kbdfront_config cfg = {
		.want_abs = true,
		.want_mtouch = true,
		.on_event = on_event,
		.on_link = on_link,
	};
	int rc;

	rc = pvfront_posix_open(PVFRONT_POSIX_CONFINE, &p);
	if (rc)
		return fail(NULL, "pvfront_posix_open", rc);
	cfg.arg = p;
	rc = pvfront_posix_front_open(p, &pf, 0);
	if (rc)
		return fail(p, "pvfront_posix_front_open", rc);
	rc = kbdfront_open(&kf, &pf, 0, &cfg, 60000);
	if (rc)
		return fail(p, "kbdfront_open", rc);
	for (;;) {
		rc = pvfront_poll(&pf, -1);
		if (rc < 0)
			return fail(p, "pvfront_poll", rc);
	}
}
