/*
 * guest_displ — a process guest with a vdispl device (frontends/display)
 * that draws known pictures (test_displ_pattern.h) on every connector,
 * double-buffered, and flips them.
 *
 *   kernel = "guest_displ"
 *   cmdline = "[dev=N] [frames=N] [fmt=xrgb8888|argb8888|rgb565]
 *              [errors] [restart] [bealloc] [noconfine]"
 *
 * It opens device dev (default 0) and prints "DISPL <domid> connectors=<n>
 * version=<v>", then per connector "CONN i=I id=UID res=WxH" and, on
 * version 2, "EDID i=I mode=WxH" (the EDID's preferred mode).  Each
 * connector gets two buffers of its resolution in format fmt (default
 * xrgb8888); frame 0 is drawn in the first and shown with SET_CONFIG
 * ("CONFIG i=I"); frames 1 .. frames (default 5) are drawn alternately
 * in the buffer not on screen and flipped on all connectors at once,
 * each waited for.  Every flip event prints "FLIP c=C n=K" (K: the frame
 * that buffer holds).  Then "FLIPS c=C count=N" per connector and "DONE",
 * and it stays (a guest process ends when the test says).  On any error
 * "FAILED <what> <errno>".
 *
 * With "bealloc" every buffer is the backend's (be-alloc,
 * DISPLFRONT_DBUF_BACKEND_ALLOC): it prints "BEALLOC offered=<0|1>" after
 * "DISPL", draws into the backend's pages mapped in the guest, and after
 * "DONE" destroys every buffer (the backend's pages unmapped, then freed)
 * and prints "FREED rc=R".  When be-alloc is not offered it asks for one
 * buffer anyway, prints "BEALLOC try rc=R", shows nothing and says
 * "DONE" and "FREED rc=0".
 *
 * With "errors" it asks connector 0 for what the backend must refuse
 * instead, printing "ERR what=W rc=R" (R the call's result) for each:
 * a flip before any SET_CONFIG (flip_off), a mode past the connector's
 * resolution (mode_big), detaching the framebuffer on screen (detach_on),
 * display buffers of one page until one is refused (quota: R is that one's
 * result, "made=N" how many were made), then switches the connector off, takes
 * everything down ("ERR what=cleanup rc=0") and says "DONE".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_util.h"
#include "pvkit/displfront.h"
#include "pvkit/front.h"
#include "test_displ_pattern.h"

#define NBUF 2u

static struct pvfront pf;
static struct displfront df;
static struct displfront_dbuf dbs[DISPLFRONT_CONNECTORS_MAX][NBUF];
static struct displfront_fb fbs[DISPLFRONT_CONNECTORS_MAX][NBUF];
static unsigned int drawn[DISPLFRONT_CONNECTORS_MAX][NBUF];
static unsigned int flips[DISPLFRONT_CONNECTORS_MAX];
static grant_ref_t *grefs[DISPLFRONT_CONNECTORS_MAX][NBUF];
static grant_ref_t *gdirs[DISPLFRONT_CONNECTORS_MAX][NBUF];
static unsigned int links; /* times the link came up */
static bool be_alloc;       /* "bealloc": the backend's buffers */
static struct pvfront_posix *gp;

static void check(const char *what, int rc)
{
	if (rc < 0)
		guest_fail(gp, what, rc);
}

static void on_flip(struct displfront *d, unsigned int c, uint64_t cookie,
		    void *arg)
{
	(void)d;
	(void)arg;
	for (unsigned int b = 0; b < NBUF; b++)
		if (fbs[c][b].cookie == cookie) {
			flips[c]++;
			guest_say(gp, "FLIP c=%u n=%u\n", c, drawn[c][b]);
			return;
		}
	guest_say(gp, "FLIP c=%u n=unknown\n", c);
}

static void on_link(struct displfront *d, bool up, int reason, void *arg)
{
	(void)d;
	(void)arg;
	links += up;
	guest_say(gp, "LINK up=%d reason=%d\n", up, reason);
}

static void draw(unsigned int c, unsigned int b, unsigned int n, uint32_t fmt)
{
	struct displfront_dbuf *db = &dbs[c][b];
	uint32_t bytes = db->bpp / 8u;

	for (uint32_t y = 0; y < db->height; y++)
		for (uint32_t x = 0; x < db->width; x++)
			displ_pack(
			    fmt,
			    displ_pattern(c, n, x, y, db->width, db->height),
			    db->pixels + (size_t)y * db->stride +
				(size_t)x * bytes);
	drawn[c][b] = n;
}

static void buffers(unsigned int c, uint32_t fmt)
{
	const struct displfront_conn_info *in = displfront_conn_info(&df, c);

	for (unsigned int b = 0; b < NBUF; b++) {
		struct displfront_dbuf_params p = {
		    .width = in->width,
		    .height = in->height,
		    .bpp = pv_displif_format_bpp(fmt),
		    .flags = be_alloc ? DISPLFRONT_DBUF_BACKEND_ALLOC : 0,
		};

		/* the same shape each time: the arrays are kept */
		if (!grefs[c][b])
			grefs[c][b] = calloc(displfront_dbuf_pages(&p),
					     sizeof(grant_ref_t));
		if (!gdirs[c][b])
			gdirs[c][b] = calloc(displfront_dbuf_dir_pages(&p),
					     sizeof(grant_ref_t));
		p.refs = grefs[c][b];
		p.dir_refs = gdirs[c][b];
		if (!p.refs || !p.dir_refs)
			guest_fail(gp, "calloc", -ENOMEM);
		check("displfront_dbuf_create",
		      displfront_dbuf_create(&df, &dbs[c][b], &p));
		check("displfront_fb_attach",
		      displfront_fb_attach(&df, &fbs[c][b], &dbs[c][b], fmt));
	}
}

/* be-alloc not offered: asking anyway is refused here, before the
 * backend ("BEALLOC try rc=R"). */
static void try_unoffered(void)
{
	static grant_ref_t refs[1], dirs[1];
	static struct displfront_dbuf db;
	struct displfront_dbuf_params p = {
	    .width = 16, .height = 16, .bpp = 32, .refs = refs,
	    .dir_refs = dirs, .flags = DISPLFRONT_DBUF_BACKEND_ALLOC};

	guest_say(gp, "BEALLOC try rc=%d\n",
		  displfront_dbuf_create(&df, &db, &p));
}

/* Switch every connector off and destroy every buffer: "FREED rc=R". */
static void free_all(unsigned int n)
{
	int rc = 0;

	for (unsigned int c = 0; c < n && !rc; c++)
		rc = displfront_set_config(&df, c, NULL, 0, 0, 0, 0);
	for (unsigned int c = 0; c < n && !rc; c++)
		for (unsigned int b = 0; b < NBUF && !rc; b++) {
			rc = displfront_fb_detach(&df, &fbs[c][b]);
			if (!rc)
				rc = displfront_dbuf_destroy(&df, &dbs[c][b]);
		}
	guest_say(gp, "FREED rc=%d\n", rc);
}

static const char *format_arg(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "fmt=", 4))
			return argv[i] + 4;
	return "xrgb8888";
}

static void describe(unsigned int n)
{
	static uint8_t edid[XENDISPL_EDID_MAX_SIZE];

	for (unsigned int c = 0; c < n; c++) {
		const struct displfront_conn_info *in =
		    displfront_conn_info(&df, c);
		uint32_t len = 0, w = 0, h = 0;

		guest_say(gp, "CONN i=%u id=%s res=%ux%u\n", c, in->unique_id,
			  in->width, in->height);
		if (displfront_version(&df) < 2)
			continue;
		check("displfront_get_edid",
		      displfront_get_edid(&df, c, edid, sizeof(edid), &len));
		check("displfront_edid_mode",
		      displfront_edid_mode(edid, len, &w, &h));
		guest_say(gp, "EDID i=%u mode=%ux%u\n", c, w, h);
	}
}

static void err(const char *what, int rc)
{
	guest_say(gp, "ERR what=%s rc=%d\n", what, rc);
}

/* One-page XRGB8888 buffers (16 x 16) until the backend says no. */
static void quota(void)
{
	static struct displfront_dbuf q[200];
	static grant_ref_t refs[200], dirs[200];
	unsigned int n = 0;
	int rc = 0;

	while (n < 200) {
		struct displfront_dbuf_params p = {.width = 16,
						   .height = 16,
						   .bpp = 32,
						   .refs = &refs[n],
						   .dir_refs = &dirs[n]};

		rc = displfront_dbuf_create(&df, &q[n], &p);
		if (rc)
			break;
		n++;
	}
	guest_say(gp, "ERR what=quota rc=%d made=%u\n", rc, n);
	while (n--)
		check("quota destroy", displfront_dbuf_destroy(&df, &q[n]));
}

static void errors(uint32_t fmt)
{
	const struct displfront_conn_info *in = displfront_conn_info(&df, 0);
	int rc;

	buffers(0, fmt);
	err("flip_off", displfront_flip(&df, 0, &fbs[0][0], 0));
	err("mode_big", displfront_set_config(&df, 0, &fbs[0][0], 0, 0,
					      in->width + 1, in->height));
	check("set_config", displfront_set_config(&df, 0, &fbs[0][0], 0, 0,
						  in->width, in->height));
	err("detach_on", displfront_fb_detach(&df, &fbs[0][0]));
	quota();
	rc = displfront_set_config(&df, 0, NULL, 0, 0, 0, 0);
	for (unsigned int b = 0; !rc && b < NBUF; b++) {
		rc = displfront_fb_detach(&df, &fbs[0][b]);
		if (!rc)
			rc = displfront_dbuf_destroy(&df, &dbs[0][b]);
	}
	err("cleanup", rc);
}

/* SET_CONFIG frame base on every connector, then flip frames base + 1
 * .. base + frames, all connectors at once, each waited for. */
static void show(unsigned int n, uint32_t fmt, unsigned int base,
		 unsigned int frames)
{
	for (unsigned int c = 0; c < n; c++) {
		const struct displfront_conn_info *in =
		    displfront_conn_info(&df, c);

		buffers(c, fmt);
		draw(c, 0, base, fmt);
		check("displfront_set_config",
		      displfront_set_config(&df, c, &fbs[c][0], 0, 0, in->width,
					    in->height));
		guest_say(gp, "CONFIG i=%u\n", c);
	}
	for (unsigned int k = 1; k <= frames; k++) {
		for (unsigned int c = 0; c < n; c++) {
			draw(c, k % NBUF, base + k, fmt);
			check("displfront_flip",
			      displfront_flip(&df, c, &fbs[c][k % NBUF],
					      DISPLFRONT_NONBLOCK));
		}
		for (unsigned int c = 0; c < n; c++)
			check("displfront_flip_wait",
			      displfront_flip_wait(&df, c, 10000));
	}
	for (unsigned int c = 0; c < n; c++)
		guest_say(gp, "FLIPS c=%u count=%u\n", c, flips[c]);
}

/* The backend restarts: it forgot our buffers.  Wait for the link to come
 * back, give the old ones up, make new ones and show frames 100 .. 100 +
 * frames ("DONE2"). */
static void restart(unsigned int n, uint32_t fmt, unsigned int frames)
{
	while (links < 2)
		check("pvfront_poll", pvfront_poll(&pf, -1));
	for (unsigned int c = 0; c < n; c++)
		for (unsigned int b = 0; b < NBUF; b++) {
			check("displfront_fb_detach",
			      displfront_fb_detach(&df, &fbs[c][b]));
			check("displfront_dbuf_destroy",
			      displfront_dbuf_destroy(&df, &dbs[c][b]));
		}
	for (unsigned int c = 0; c < n; c++)
		flips[c] = 0;
	show(n, fmt, 100, frames);
	guest_say(gp, "DONE2\n");
}

int main(int argc, char **argv)
{
	uint32_t dev = (uint32_t)guest_value(argc, argv, "dev=", 0);
	unsigned int frames =
	    (unsigned int)guest_value(argc, argv, "frames=", 5);
	uint32_t fmt = displ_format(format_arg(argc, argv));
	const struct displfront_config cfg = {.on_flip = on_flip,
					      .on_link = on_link};
	unsigned int n;

	gp = guest_open(argc, argv);
	if (!fmt)
		guest_fail(gp, "unknown fmt", -EINVAL);
	check("pvfront_posix_front_open", pvfront_posix_front_open(gp, &pf, 0));
	check("displfront_open", displfront_open(&df, &pf, dev, &cfg, 20000));
	n = displfront_connectors(&df);
	guest_say(gp, "DISPL %u connectors=%u version=%u\n",
		  pvfront_posix_domid(gp), n, displfront_version(&df));
	be_alloc = guest_has(argc, argv, "bealloc");
	if (be_alloc) {
		guest_say(gp, "BEALLOC offered=%d\n", displfront_be_alloc(&df));
		if (!displfront_be_alloc(&df)) {
			try_unoffered();
			frames = 0;
			n = 0;
		}
	}
	describe(n);
	if (guest_has(argc, argv, "errors")) {
		errors(fmt);
		frames = 0;
		n = 0;
	}
	show(n, fmt, 0, frames);
	guest_say(gp, "DONE\n");
	if (guest_has(argc, argv, "restart"))
		restart(n, fmt, frames);
	if (be_alloc)
		free_all(n);
	for (;;)
		if (pvfront_poll(&pf, -1) < 0)
			break;
	return 0;
}
