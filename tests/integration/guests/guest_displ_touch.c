/*
 * guest_displ_touch — a process guest with a screen and a touch surface:
 * a vdispl device (frontends/display) whose connectors each show one
 * known picture (test_displ_pattern.h, frame 0, XRGB8888), and a vkbd
 * device (frontends/input) whose events it prints.  For the sdl display
 * host side's end-to-end test: the picture is compared with the window,
 * and a touch in one guest's window must reach that guest only.
 *
 *   kernel = "guest_displ_touch"
 *   cmdline = "[vkbds=N] [noconfine]"
 *
 * Prints "DISPL <domid> connectors=<n>", per connector "CONN i=I id=UID
 * res=WxH" and, once its picture is on screen (SET_CONFIG answered),
 * "SHOWN i=I", then "TOUCH <domid> dev=D abs=A mt=M w=W h=H mtw=..
 * mth=.." when its vkbd D is connected (devices 0 .. vkbds - 1, default
 * 1; asking for absolute positions and multi-touch), "READY", and one
 * line per input event, ending with the device's number:
 *   "EV KEY code=C down=D dev=D"   "EV POS x=X y=Y dev=D"
 *   "EV MOTION x=X y=Y dev=D"  "EV MT DOWN id=I x=X y=Y dev=D"
 *   "EV MT MOTION id=I x=X y=Y dev=D"  "EV MT UP id=I dev=D"
 *   "EV MT SYN dev=D"  (shape and orientation: "EV MT OTHER dev=D")
 * "FAILED <what> <errno>" on an error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_util.h"
#include "pvkit/displfront.h"
#include "pvkit/front.h"
#include "pvkit/kbdfront.h"
#include "test_displ_pattern.h"

static struct pvfront pf;
static struct displfront df;
#define VKBDS 4

static struct kbdfront kf[VKBDS];
static struct displfront_dbuf dbs[DISPLFRONT_CONNECTORS_MAX];
static struct displfront_fb fbs[DISPLFRONT_CONNECTORS_MAX];
static struct pvfront_posix *gp;

static void check(const char *what, int rc)
{
	if (rc < 0)
		guest_fail(gp, what, rc);
}

/* Connector c's picture: frame 0 of the pattern, shown. */
static void show(unsigned int c)
{
	const struct displfront_conn_info *in = displfront_conn_info(&df, c);
	const uint32_t fmt = DISPLFRONT_FMT_XRGB8888;
	struct displfront_dbuf_params p = {
	    .width = in->width, .height = in->height, .bpp = 32};
	struct displfront_dbuf *db = &dbs[c];

	p.refs = calloc(displfront_dbuf_pages(&p), sizeof(grant_ref_t));
	p.dir_refs = calloc(displfront_dbuf_dir_pages(&p), sizeof(grant_ref_t));
	if (!p.refs || !p.dir_refs)
		guest_fail(gp, "calloc", -ENOMEM);
	check("displfront_dbuf_create", displfront_dbuf_create(&df, db, &p));
	check("displfront_fb_attach",
	      displfront_fb_attach(&df, &fbs[c], db, fmt));
	for (uint32_t y = 0; y < db->height; y++)
		for (uint32_t x = 0; x < db->width; x++)
			displ_pack(fmt,
				   displ_pattern(c, 0, x, y, db->width,
						 db->height),
				   db->pixels + (size_t)y * db->stride + x * 4u);
	check("displfront_set_config",
	      displfront_set_config(&df, c, &fbs[c], 0, 0, in->width,
				    in->height));
	guest_say(gp, "SHOWN i=%u\n", c);
}

static void on_event(struct kbdfront *k, const struct kbdfront_event *ev,
		     void *arg)
{
	static const char *const mt[] = {"DOWN", "UP", "MOTION", "SYN"};
	unsigned int d = (unsigned int)(k - kf);

	(void)arg;
	switch (ev->type) {
	case XENKBD_TYPE_KEY:
		guest_say(gp, "EV KEY code=%u down=%u dev=%u\n", ev->keycode,
			  ev->pressed, d);
		return;
	case XENKBD_TYPE_MOTION:
	case XENKBD_TYPE_POS:
		guest_say(gp, "EV %s x=%d y=%d dev=%u\n",
			  ev->type == XENKBD_TYPE_POS ? "POS" : "MOTION", ev->x,
			  ev->y, d);
		return;
	default:
		break;
	}
	if (ev->mt_event == XENKBD_MT_EV_DOWN ||
	    ev->mt_event == XENKBD_MT_EV_MOTION)
		guest_say(gp, "EV MT %s id=%u x=%d y=%d dev=%u\n",
			  mt[ev->mt_event], ev->contact, ev->x, ev->y, d);
	else if (ev->mt_event == XENKBD_MT_EV_UP)
		guest_say(gp, "EV MT UP id=%u dev=%u\n", ev->contact, d);
	else if (ev->mt_event == XENKBD_MT_EV_SYN)
		guest_say(gp, "EV MT SYN dev=%u\n", d);
	else
		guest_say(gp, "EV MT OTHER dev=%u\n", d);
}

int main(int argc, char **argv)
{
	const struct displfront_config dcfg = {0};
	const struct kbdfront_config kcfg = {.want_abs = true,
					     .want_mtouch = true,
					     .on_event = on_event};
	const struct kbdfront_info *ki;
	unsigned int n, vkbds =
			    (unsigned int)guest_value(argc, argv, "vkbds=", 1);

	gp = guest_open(argc, argv);
	check("pvfront_posix_front_open", pvfront_posix_front_open(gp, &pf, 0));
	check("displfront_open", displfront_open(&df, &pf, 0, &dcfg, 20000));
	n = displfront_connectors(&df);
	guest_say(gp, "DISPL %u connectors=%u\n", pvfront_posix_domid(gp), n);
	for (unsigned int c = 0; c < n; c++) {
		const struct displfront_conn_info *in =
		    displfront_conn_info(&df, c);
		guest_say(gp, "CONN i=%u id=%s res=%ux%u\n", c, in->unique_id,
			  in->width, in->height);
	}
	for (unsigned int c = 0; c < n; c++)
		show(c);
	if (!vkbds || vkbds > VKBDS)
		guest_fail(gp, "vkbds=", -EINVAL);
	for (unsigned int d = 0; d < vkbds; d++) {
		check("kbdfront_open",
		      kbdfront_open(&kf[d], &pf, d, &kcfg, 20000));
		ki = kbdfront_info(&kf[d]);
		guest_say(gp,
			  "TOUCH %u dev=%u abs=%d mt=%d w=%u h=%u mtw=%u "
			  "mth=%u\n",
			  pvfront_posix_domid(gp), d, ki->abs, ki->mtouch,
			  ki->width, ki->height, ki->mt_width, ki->mt_height);
	}
	guest_say(gp, "READY\n");
	for (;;)
		check("pvfront_poll", pvfront_poll(&pf, -1));
	return 0;
}
