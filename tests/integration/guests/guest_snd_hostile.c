/*
 * guest_snd_hostile — a vsnd frontend written by hand that sends the
 * sound backend bad requests, one act per run, chosen by its first word.
 *
 *   kernel = "guest_snd_hostile"   cmdline = "<act> [n=N] [noconfine]"
 *
 * The card must have stream 0/0 (playback) and 0/1 (capture), s16_le at
 * 48000 Hz with 2 channels allowed.  The handshake, the pages and the
 * ports are libpvfront's; every request is a raw struct xensnd_req put on
 * the ring here, so nothing in frontends/snd tidies it up first.
 *
 * Each request answered prints one line
 *     R <label>: status=<n> [more=...]
 * (a request not answered within 5 s: status=timeout; a response whose id
 * or operation is not the request's: status=mismatch).  The test holds
 * the expected value of every label.  Acts:
 *
 *   params   HW_PARAM_QUERY and OPEN with rates, formats and channel
 *            counts the stream does not allow, a period over the buffer
 *   bounds   WRITE/READ/SET_VOLUME ranges past the buffer, with
 *            offset+length wrapping in 32 bits, a partial frame
 *   grants   OPEN with page directories of bad grants (never granted,
 *            revoked, zero), a directory chain looping on itself or over
 *            two pages, a chain too short, buffer_sz 0 or over the limits
 *   state    requests in the wrong stream state and the wrong direction
 *   unknown  operations sndif does not have
 *   ringjunk answers one request, then moves req_prod far past what the
 *            ring holds and notifies; then idles (never polls again)
 *   evtjunk  a running stream whose event page's in_cons is far past
 *            in_prod (answers waited for without polling the store from
 *            then on, so the failed device is not set up again); then
 *            idles
 *   stall    a running stream (10 ms periods) fed 1.5 s of sound (as
 *            fast as its buffer allows) whose event page is never
 *            drained: prints "EVT full prod=P
 *            cons=0" and keeps asking (answers still come: "R alive-K"),
 *            then drains it and prints "EVT after-drain new=N"
 *   race     n (default 300) WRITEs each rewritten in the ring slot by a
 *            second thread, from before it is pushed until it is answered
 *            (so while the backend reads it), between two versions (offset
 *            0, 48 bytes of 0x11 / offset 4096, 80 bytes of 0x22; the
 *            rest of the buffer 0x33; ids i and i|0x8000) until it is
 *            answered: prints "RACE n=N answered=A ids=I" where I counts
 *            responses carrying either id
 *   kick     [ms=M] notifies the request ring's port as fast as it can
 *            for M ms (5000) with nothing on the ring: "KICK start", then
 *            "KICK end kicks=K ms=T"
 *   tree KEY=VALUE  before connecting, sets device/vsnd/0/KEY in its own
 *            directory to VALUE (a stream tree the backend must refuse),
 *            connects (3 s at most): "TREE connect=RC"; then idles
 *            without polling, so the failed device is not set up again
 *   rename ID  before connecting, rewrites stream 0/0's unique-id in its
 *            own directory to ID ("RENAME to=ID rc=R"), then opens the
 *            stream and WRITEs 4096 bytes of 0x5a
 *   addstream ID  before connecting, creates a PCM of its own in its
 *            directory (1, stream 0: type p, unique-id ID; "ADDSTREAM
 *            id=ID rc=R"), connects with it as a third stream, opens it
 *            and WRITEs 4096 bytes of 0x5a
 *   flood    [ms=M] fills every free slot with an unknown operation,
 *            pushes, takes the answers, again, for M ms (5000), never
 *            waiting for an event: "FLOOD start", then "FLOOD end sent=S
 *            answered=A wrong=W ms=T" (W: answers other than -ENOTSUP)
 *
 * Acts that leave the device working end with "R final: status=0" (a good
 * request answered after the bad ones).  Then "HOSTILE <act> READY", and
 * the guest idles (a guest process ends when the test says).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guest_util.h"
#include "pvkit/front.h"
#include "pvkit/proto/sndif.h"
#include "pvkit/ring.h"

#define T_MS	  5000
#define RATE	  48000u
#define FRAME	  4u /* s16_le, 2 channels */
#define NEVER_REF 40000u
#define BUF_PAGES 16u /* the good buffers: 64 KiB */
#define BUF_BYTES (BUF_PAGES * GUEST_PAGE_SIZE)
#define ST_PLAY	  0u
#define ST_CAP	  1u

struct hstream {
	const char *key; /* "0/0/" */
	struct pvfront_pages ring, evt;
	struct pvfront_port rport, eport;
	struct pv_front_ring fr;
	struct pvfront_pgdir buf;
	grant_ref_t refs[BUF_PAGES], dir_refs[1];
};

static struct pvfront pf;
static struct pvfront_dev dev;
static struct hstream hs[3] = {{.key = "0/0/"},
			       {.key = "0/1/"},
			       {.key = "1/0/"}}; /* the last: addstream's */
static unsigned int n_streams = 2;
static struct pvfront_posix *gp;
static const char *act;
static uint16_t next_id = 1;
static bool no_poll; /* wait for answers without running the handshake */

static void nap_ms(unsigned int ms)
{
	struct timespec ts = {ms / 1000u, (long)(ms % 1000u) * 1000000L};

	nanosleep(&ts, NULL);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

_Noreturn static void idle(void)
{
	for (;;)
		nap_ms(1000);
}

/* ---- the handshake ------------------------------------------------------ */

static int put_key(struct pvfront_dev *d, uint32_t tx, const struct hstream *s,
		   const char *name, uint64_t v)
{
	char k[64];

	snprintf(k, sizeof(k), "%s%s", s->key, name);
	return pvfront_dev_write_uint(d, tx, k, v);
}

static const char *version_as; /* "version" as published, if not 2 */

static int publish(struct pvfront_dev *d, uint32_t tx, void *arg)
{
	int rc =
	    version_as
		? pvfront_dev_write(d, tx, XENSND_FIELD_FE_VERSION, version_as)
		: pvfront_dev_write_uint(d, tx, XENSND_FIELD_FE_VERSION,
					 XENSND_PROTOCOL_VERSION);

	(void)arg;
	for (unsigned int i = 0; !rc && i < n_streams; i++) {
		struct hstream *s = &hs[i];

		pv_sring_init(pvfront_pages_addr(&s->ring));
		rc = pv_front_ring_init(&s->fr, pvfront_pages_addr(&s->ring),
					GUEST_PAGE_SIZE,
					sizeof(struct xensnd_req));
		if (!rc)
			rc = put_key(d, tx, s, XENSND_FIELD_RING_REF,
				     pvfront_pages_ref(&s->ring, 0));
		if (!rc)
			rc = put_key(d, tx, s, XENSND_FIELD_EVT_CHNL,
				     pvfront_port_number(&s->rport));
		if (!rc)
			rc = put_key(d, tx, s, XENSND_FIELD_EVT_RING_REF,
				     pvfront_pages_ref(&s->evt, 0));
		if (!rc)
			rc = put_key(d, tx, s, XENSND_FIELD_EVT_EVT_CHNL,
				     pvfront_port_number(&s->eport));
	}
	return rc;
}

static const struct pvfront_dev_ops ops = {.publish = publish};

static void on_port(struct pvfront *f, struct pvfront_port *pt, void *arg)
{
	(void)f;
	(void)pt;
	(void)arg;
}

static void check(const char *what, int rc)
{
	if (rc < 0)
		guest_fail(gp, what, rc);
}

static void connect_card(void)
{
	check("pvfront_dev_open",
	      pvfront_dev_open(&dev, &pf, XENSND_DRIVER_NAME, 0, &ops, NULL));
	for (unsigned int i = 0; i < n_streams; i++) {
		struct hstream *s = &hs[i];

		check("ring",
		      pvfront_dev_alloc_pages(&dev, &s->ring, 1, NULL, 0));
		check("evt",
		      pvfront_dev_alloc_pages(&dev, &s->evt, 1, NULL, 0));
		check("rport",
		      pvfront_dev_alloc_port(&dev, &s->rport, on_port, NULL));
		check("eport",
		      pvfront_dev_alloc_port(&dev, &s->eport, on_port, NULL));
		check("buffer",
		      pvfront_dev_alloc_pgdir(&dev, &s->buf, BUF_PAGES, s->refs,
					      s->dir_refs, 0));
	}
	check("connect", pvfront_dev_connect(&dev, 20000));
}

/* ---- requests ------------------------------------------------------------ */

#define ST_TIMEOUT  1000 /* printed as status=timeout */
#define ST_MISMATCH 1001 /* printed as status=mismatch */

/* Wait for the response to the request with id (or id2); fill *out. */
static int wait_resp(struct hstream *s, uint16_t id, uint16_t id2, uint8_t op,
		     struct xensnd_resp *out)
{
	uint64_t end = now_ms() + T_MS;

	for (;;) {
		int rc = pv_front_ring_get_response(&s->fr, out, sizeof(*out));

		if (rc == 0)
			return (out->id == id || out->id == id2) &&
				       out->operation == op
				   ? out->status
				   : ST_MISMATCH;
		if (rc != -XEN_EAGAIN)
			guest_fail(gp, "response ring", rc);
		if (now_ms() > end)
			return ST_TIMEOUT;
		if (no_poll)
			nap_ms(1);
		else
			(void)pvfront_poll(&pf, 5);
	}
}

static void push(struct hstream *s)
{
	if (pv_front_ring_push_requests(&s->fr))
		check("notify", pvfront_port_notify(&pf, &s->rport));
}

/* Send *r on stream s and wait for the answer. */
static int send_req(struct hstream *s, struct xensnd_req *r,
		    struct xensnd_resp *out)
{
	struct xensnd_req *slot = pv_front_ring_next_request(&s->fr);

	if (!slot)
		guest_fail(gp, "request ring full", -EAGAIN);
	r->id = next_id++;
	memcpy(slot, r, sizeof(*r));
	push(s);
	return wait_resp(s, r->id, r->id, r->operation, out);
}

static void say(const char *label, int status)
{
	if (status == ST_TIMEOUT)
		guest_say(gp, "R %s: status=timeout\n", label);
	else if (status == ST_MISMATCH)
		guest_say(gp, "R %s: status=mismatch\n", label);
	else
		guest_say(gp, "R %s: status=%d\n", label, status);
}

static int simple(unsigned int st, const char *label, uint8_t op)
{
	struct xensnd_req r = {.operation = op};
	struct xensnd_resp a;
	int status = send_req(&hs[st], &r, &a);

	say(label, status);
	return status;
}

static int query(unsigned int st, const char *label, uint64_t formats,
		 uint32_t rmin, uint32_t rmax, uint32_t cmin, uint32_t cmax)
{
	struct xensnd_req r = {.operation = XENSND_OP_HW_PARAM_QUERY};
	struct xensnd_resp a;
	int status;

	r.op.hw_param.formats = formats;
	r.op.hw_param.rates.min = rmin;
	r.op.hw_param.rates.max = rmax;
	r.op.hw_param.channels.min = cmin;
	r.op.hw_param.channels.max = cmax;
	r.op.hw_param.buffer.min = 64;
	r.op.hw_param.buffer.max = 16384;
	r.op.hw_param.period.min = 16;
	r.op.hw_param.period.max = 4096;
	status = send_req(&hs[st], &r, &a);
	if (status == 0)
		guest_say(
		    gp,
		    "R %s: status=0 formats=%#llx rates=%u-%u ch=%u-%u "
		    "buffer=%u-%u period=%u-%u\n",
		    label, (unsigned long long)a.resp.hw_param.formats,
		    a.resp.hw_param.rates.min, a.resp.hw_param.rates.max,
		    a.resp.hw_param.channels.min, a.resp.hw_param.channels.max,
		    a.resp.hw_param.buffer.min, a.resp.hw_param.buffer.max,
		    a.resp.hw_param.period.min, a.resp.hw_param.period.max);
	else
		say(label, status);
	return status;
}

#define S16 (UINT64_C(1) << XENSND_PCM_FORMAT_S16_LE)

static void final_ok(void)
{
	query(ST_PLAY, "final", S16, RATE, RATE, 2, 2);
}

struct open_args {
	uint32_t rate;
	uint8_t format, channels;
	uint32_t buffer_sz, period_sz;
	grant_ref_t dir;
};

static int open_with(unsigned int st, const char *label,
		     const struct open_args *o)
{
	struct xensnd_req r = {.operation = XENSND_OP_OPEN};
	struct xensnd_resp a;
	int status;

	r.op.open.pcm_rate = o->rate;
	r.op.open.pcm_format = o->format;
	r.op.open.pcm_channels = o->channels;
	r.op.open.buffer_sz = o->buffer_sz;
	r.op.open.gref_directory = o->dir;
	r.op.open.period_sz = o->period_sz;
	status = send_req(&hs[st], &r, &a);
	say(label, status);
	return status;
}

/* The good OPEN of stream st, with one change made by the caller. */
static struct open_args good_open(unsigned int st)
{
	struct open_args o = {.rate = RATE,
			      .format = XENSND_PCM_FORMAT_S16_LE,
			      .channels = 2,
			      .buffer_sz = BUF_BYTES,
			      .period_sz = 0,
			      .dir = pvfront_pgdir_ref(&hs[st].buf)};
	return o;
}

static int rw(unsigned int st, const char *label, uint8_t op, uint32_t off,
	      uint32_t len)
{
	struct xensnd_req r = {.operation = op};
	struct xensnd_resp a;
	int status;

	r.op.rw.offset = off;
	r.op.rw.length = len;
	status = send_req(&hs[st], &r, &a);
	say(label, status);
	return status;
}

static int trigger(unsigned int st, const char *label, uint8_t type)
{
	struct xensnd_req r = {.operation = XENSND_OP_TRIGGER};
	struct xensnd_resp a;
	int status;

	r.op.trigger.type = type;
	status = send_req(&hs[st], &r, &a);
	say(label, status);
	return status;
}

/* ---- acts ---------------------------------------------------------------- */

static void act_params(void)
{
	struct open_args o;

	query(ST_PLAY, "q-good", S16, RATE, RATE, 2, 2);
	query(ST_PLAY, "q-rate", S16, 96000, 192000, 2, 2);
	query(ST_PLAY, "q-rate-zero", S16, 0, 0, 2, 2);
	query(ST_PLAY, "q-format",
	      (UINT64_C(1) << XENSND_PCM_FORMAT_F32_LE) |
		  (UINT64_C(1) << XENSND_PCM_FORMAT_MU_LAW),
	      RATE, RATE, 2, 2);
	query(ST_PLAY, "q-format-none", 0, RATE, RATE, 2, 2);
	query(ST_PLAY, "q-format-nobits", UINT64_C(1) << 63, RATE, RATE, 2, 2);
	query(ST_PLAY, "q-channels", S16, RATE, RATE, 3, 8);
	query(ST_PLAY, "q-inverted", S16, RATE, 8000, 2, 2);
	{
		struct xensnd_req r = {.operation = XENSND_OP_HW_PARAM_QUERY};
		struct xensnd_resp a;

		r.op.hw_param.formats = S16;
		r.op.hw_param.rates.min = r.op.hw_param.rates.max = RATE;
		r.op.hw_param.channels.min = r.op.hw_param.channels.max = 2;
		r.op.hw_param.buffer.min = 4096;
		r.op.hw_param.buffer.max = 64;
		r.op.hw_param.period.min = 16;
		r.op.hw_param.period.max = 32;
		say("q-buffer-inverted", send_req(&hs[ST_PLAY], &r, &a));
		r.op.hw_param.buffer.min = 64;
		r.op.hw_param.buffer.max = 4096;
		r.op.hw_param.period.min = 0;
		r.op.hw_param.period.max = 0;
		say("q-period-zero", send_req(&hs[ST_PLAY], &r, &a));
		/* a buffer bigger than the stream may have, in frames */
		r.op.hw_param.buffer.min = 0x7fffffffu;
		r.op.hw_param.buffer.max = 0xffffffffu;
		r.op.hw_param.period.min = 16;
		r.op.hw_param.period.max = 32;
		say("q-buffer-huge", send_req(&hs[ST_PLAY], &r, &a));
	}
	o = good_open(ST_PLAY);
	o.rate = 96000;
	open_with(ST_PLAY, "o-rate", &o);
	o.rate = 0;
	open_with(ST_PLAY, "o-rate-zero", &o);
	o = good_open(ST_PLAY);
	o.format = XENSND_PCM_FORMAT_F32_LE;
	open_with(ST_PLAY, "o-format", &o);
	o.format = 200;
	open_with(ST_PLAY, "o-format-big", &o);
	o = good_open(ST_PLAY);
	o.channels = 3;
	open_with(ST_PLAY, "o-channels", &o);
	o.channels = 0;
	open_with(ST_PLAY, "o-channels-zero", &o);
	o = good_open(ST_PLAY);
	o.period_sz = o.buffer_sz + FRAME;
	open_with(ST_PLAY, "o-period", &o);
	/* none of these opened anything */
	rw(ST_PLAY, "w-after", XENSND_OP_WRITE, 0, 64);
	o = good_open(ST_PLAY);
	open_with(ST_PLAY, "o-good", &o);
	rw(ST_PLAY, "w-good", XENSND_OP_WRITE, 0, 64);
	simple(ST_PLAY, "c-good", XENSND_OP_CLOSE);
	final_ok();
}

static void act_bounds(void)
{
	struct open_args o = good_open(ST_PLAY);

	open_with(ST_PLAY, "o-good", &o);
	rw(ST_PLAY, "w-end", XENSND_OP_WRITE, BUF_BYTES, FRAME);
	rw(ST_PLAY, "w-over", XENSND_OP_WRITE, 0, BUF_BYTES + FRAME);
	rw(ST_PLAY, "w-tail", XENSND_OP_WRITE, BUF_BYTES - FRAME, 2 * FRAME);
	rw(ST_PLAY, "w-wrap", XENSND_OP_WRITE, 0xfffffffcu, 8);
	rw(ST_PLAY, "w-wrap2", XENSND_OP_WRITE, 8, 0xfffffffcu);
	rw(ST_PLAY, "w-max", XENSND_OP_WRITE, 0xffffffffu, 0xffffffffu);
	rw(ST_PLAY, "w-partial", XENSND_OP_WRITE, 0, FRAME + 2);
	rw(ST_PLAY, "v-wrap", XENSND_OP_SET_VOLUME, 0xfffffffcu, 8);
	rw(ST_PLAY, "v-len", XENSND_OP_SET_VOLUME, 0, 4);
	rw(ST_PLAY, "m-wrap", XENSND_OP_MUTE, 0xffffffffu, 2);
	rw(ST_PLAY, "gv-end", XENSND_OP_GET_VOLUME, BUF_BYTES - 4, 8);
	rw(ST_PLAY, "w-last", XENSND_OP_WRITE, BUF_BYTES - FRAME, FRAME);
	rw(ST_PLAY, "w-good", XENSND_OP_WRITE, 4096, 4096);
	rw(ST_PLAY, "w-zero", XENSND_OP_WRITE, BUF_BYTES, 0);
	simple(ST_PLAY, "c-good", XENSND_OP_CLOSE);
	o = good_open(ST_CAP);
	open_with(ST_CAP, "oc-good", &o);
	rw(ST_CAP, "r-end", XENSND_OP_READ, BUF_BYTES, FRAME);
	rw(ST_CAP, "r-over", XENSND_OP_READ, 0, BUF_BYTES + FRAME);
	rw(ST_CAP, "r-wrap", XENSND_OP_READ, 0xfffffff0u, 32);
	rw(ST_CAP, "r-partial", XENSND_OP_READ, 0, 3);
	rw(ST_CAP, "r-good", XENSND_OP_READ, 0, BUF_BYTES);
	simple(ST_CAP, "cc-good", XENSND_OP_CLOSE);
	final_ok();
}

/* A page of our own, granted read-only to the backend, for directories
 * built by hand. */
static grant_ref_t *dir_page(struct pvfront_pages *pg)
{
	check("dir page",
	      pvfront_pages_alloc(&pf, pg, pvfront_dev_backend_id(&dev), 1,
				  NULL, PVFRONT_PAGES_READONLY));
	return pvfront_pages_addr(pg);
}

/* A grant that was good and is no more (revoked just now, so no grant
 * made since can have taken its number). */
static grant_ref_t revoked_ref(void)
{
	struct pvfront_pages pg;
	grant_ref_t ref;

	check("page", pvfront_pages_alloc(
			  &pf, &pg, pvfront_dev_backend_id(&dev), 1, NULL, 0));
	ref = pvfront_pages_ref(&pg, 0);
	check("revoke", pvfront_pages_free(&pf, &pg));
	return ref;
}

static void act_grants(void)
{
	static struct pvfront_pages a, b, c;
	const unsigned int per = (unsigned int)PVFRONT_PGDIR_PER_PAGE;
	grant_ref_t *pa = dir_page(&a), *pb = dir_page(&b), *pc = dir_page(&c);
	grant_ref_t good = hs[ST_PLAY].refs[0];
	struct open_args o;

	/* a: two buffer pages, the first never granted */
	pa[0] = 0;
	pa[1] = NEVER_REF;
	pa[2] = good;
	/* b and c: full directory pages of one good buffer page, a loop */
	for (unsigned int i = 1; i <= per; i++)
		pb[i] = pc[i] = good;

	o = good_open(ST_PLAY);
	o.dir = NEVER_REF;
	open_with(ST_PLAY, "g-dir-never", &o);
	o.dir = 0;
	open_with(ST_PLAY, "g-dir-zero", &o);
	o.dir = pvfront_pages_ref(&a, 0);
	o.buffer_sz = 2 * GUEST_PAGE_SIZE;
	open_with(ST_PLAY, "g-page-never", &o);
	/* b names itself next: the second directory page is the first */
	pb[0] = pvfront_pages_ref(&b, 0);
	o.dir = pvfront_pages_ref(&b, 0);
	o.buffer_sz = (per + 77) * GUEST_PAGE_SIZE;
	open_with(ST_PLAY, "g-loop1", &o);
	/* b -> c -> b: 2048 pages need three directory pages */
	pb[0] = pvfront_pages_ref(&c, 0);
	pc[0] = pvfront_pages_ref(&b, 0);
	o.buffer_sz = 2048u * GUEST_PAGE_SIZE;
	open_with(ST_PLAY, "g-loop2", &o);
	/* c ends the chain where a second page is needed */
	pc[0] = 0;
	o.dir = pvfront_pages_ref(&c, 0);
	o.buffer_sz = (per + 1) * GUEST_PAGE_SIZE;
	open_with(ST_PLAY, "g-short", &o);
	o = good_open(ST_CAP); /* the capture stream's buffer-size: 64 KiB */
	o.buffer_sz = BUF_BYTES + GUEST_PAGE_SIZE;
	open_with(ST_CAP, "g-over-store", &o);
	o = good_open(ST_PLAY);
	o.buffer_sz = 2049u * GUEST_PAGE_SIZE;
	open_with(ST_PLAY, "g-over-max", &o);
	o.buffer_sz = 0xfffffffcu;
	open_with(ST_PLAY, "g-huge", &o);
	o.buffer_sz = 0;
	open_with(ST_PLAY, "g-zero", &o);
	o = good_open(ST_PLAY);
	o.dir = revoked_ref();
	open_with(ST_PLAY, "g-dir-revoked", &o);
	pa[1] = revoked_ref();
	o.dir = pvfront_pages_ref(&a, 0);
	o.buffer_sz = 2 * GUEST_PAGE_SIZE;
	open_with(ST_PLAY, "g-page-revoked", &o);
	/* nothing of that stuck: the stream opens as it should */
	o = good_open(ST_PLAY);
	open_with(ST_PLAY, "o-good", &o);
	rw(ST_PLAY, "w-good", XENSND_OP_WRITE, 0, BUF_BYTES);
	simple(ST_PLAY, "c-good", XENSND_OP_CLOSE);
	final_ok();
}

static void act_state(void)
{
	struct open_args o = good_open(ST_PLAY);

	rw(ST_PLAY, "w-closed", XENSND_OP_WRITE, 0, 64);
	rw(ST_CAP, "r-closed", XENSND_OP_READ, 0, 64);
	trigger(ST_PLAY, "start-closed", XENSND_OP_TRIGGER_START);
	rw(ST_PLAY, "v-closed", XENSND_OP_SET_VOLUME, 0, 8);
	simple(ST_PLAY, "c-closed", XENSND_OP_CLOSE);
	open_with(ST_PLAY, "o-good", &o);
	open_with(ST_PLAY, "o-again", &o);
	trigger(ST_PLAY, "pause-stopped", XENSND_OP_TRIGGER_PAUSE);
	trigger(ST_PLAY, "resume-stopped", XENSND_OP_TRIGGER_RESUME);
	trigger(ST_PLAY, "trigger-unknown", 9);
	rw(ST_PLAY, "r-playback", XENSND_OP_READ, 0, 64);
	trigger(ST_PLAY, "start", XENSND_OP_TRIGGER_START);
	trigger(ST_PLAY, "start-running", XENSND_OP_TRIGGER_START);
	trigger(ST_PLAY, "resume-running", XENSND_OP_TRIGGER_RESUME);
	trigger(ST_PLAY, "pause", XENSND_OP_TRIGGER_PAUSE);
	trigger(ST_PLAY, "pause-paused", XENSND_OP_TRIGGER_PAUSE);
	trigger(ST_PLAY, "start-paused", XENSND_OP_TRIGGER_START);
	trigger(ST_PLAY, "resume", XENSND_OP_TRIGGER_RESUME);
	trigger(ST_PLAY, "stop", XENSND_OP_TRIGGER_STOP);
	trigger(ST_PLAY, "stop-stopped", XENSND_OP_TRIGGER_STOP);
	simple(ST_PLAY, "c-good", XENSND_OP_CLOSE);
	simple(ST_PLAY, "c-again", XENSND_OP_CLOSE);
	rw(ST_PLAY, "w-after-close", XENSND_OP_WRITE, 0, 64);
	o = good_open(ST_CAP);
	open_with(ST_CAP, "oc-good", &o);
	rw(ST_CAP, "w-capture", XENSND_OP_WRITE, 0, 64);
	simple(ST_CAP, "cc-good", XENSND_OP_CLOSE);
	o = good_open(ST_PLAY);
	open_with(ST_PLAY, "o-reopen", &o);
	rw(ST_PLAY, "w-reopen", XENSND_OP_WRITE, 0, 64);
	simple(ST_PLAY, "c-reopen", XENSND_OP_CLOSE);
	final_ok();
}

static void act_unknown(void)
{
	static const uint8_t bad[] = {10, 11, 64, 128, 255};
	char label[32];

	for (unsigned int i = 0; i < sizeof(bad); i++) {
		snprintf(label, sizeof(label), "op-%u", bad[i]);
		simple(ST_PLAY, label, bad[i]);
		snprintf(label, sizeof(label), "op-%u-c", bad[i]);
		simple(ST_CAP, label, bad[i]);
	}
	final_ok();
}

static void act_ringjunk(void)
{
	struct pv_sring *sr = pvfront_pages_addr(&hs[ST_PLAY].ring);

	final_ok(); /* "final" here: the device worked before */
	__atomic_store_n(&sr->req_prod, sr->rsp_prod + 1000u, __ATOMIC_RELEASE);
	check("notify", pvfront_port_notify(&pf, &hs[ST_PLAY].rport));
	guest_say(gp, "HOSTILE %s READY\n", act);
	idle();
}

/* Stream 0 open with 10 ms periods, running, with ms of sound sent:
 * as fast as the buffer allows, never more than the buffer ahead of the
 * time since the first write (the guest's own clock: the event page may
 * be stalled), as a frontend paced by its card keeps (the backend drops
 * what runs further ahead). */
static void play_periods(unsigned int ms, bool open)
{
	uint32_t bytes = RATE / 1000u * FRAME * ms, chunk = RATE / 25u * FRAME;
	char label[32];
	unsigned int k = 0;
	uint64_t t0;

	if (open) {
		struct open_args o = good_open(ST_PLAY);

		o.period_sz = RATE / 100u * FRAME;
		open_with(ST_PLAY, "o-period", &o);
		trigger(ST_PLAY, "start", XENSND_OP_TRIGGER_START);
	}
	t0 = now_ms();
	/* the buffer is silence: the sound does not matter here */
	for (uint32_t done = 0; done < bytes; done += chunk, k++) {
		struct xensnd_req r = {.operation = XENSND_OP_WRITE};
		struct xensnd_resp a;
		int status;

		while (done + chunk >
		       BUF_BYTES + (now_ms() - t0) * (RATE / 1000u) * FRAME)
			nap_ms(5);

		r.op.rw.offset = 0;
		r.op.rw.length = chunk;
		status = send_req(&hs[ST_PLAY], &r, &a);
		if (status) {
			snprintf(label, sizeof(label), "w-%u", k);
			say(label, status);
		}
	}
}

static void act_evtjunk(void)
{
	struct xensnd_event_page *ep = pvfront_pages_addr(&hs[ST_PLAY].evt);
	struct open_args o = good_open(ST_PLAY);

	final_ok();
	o.period_sz = RATE / 100u * FRAME;
	open_with(ST_PLAY, "o-period", &o);
	ep->in_cons = ep->in_prod + 1000u;
	trigger(ST_PLAY, "start", XENSND_OP_TRIGGER_START);
	/* 300 ms in one go; from now on the store is not looked at, so the
	 * device is not set up again behind the test's back */
	no_poll = true;
	rw(ST_PLAY, "w-junk", XENSND_OP_WRITE, 0, RATE / 1000u * FRAME * 300u);
	guest_say(gp, "HOSTILE %s READY\n", act);
	idle();
}

static void act_stall(void)
{
	struct xensnd_event_page *ep = pvfront_pages_addr(&hs[ST_PLAY].evt);
	uint32_t prod, slow = 0;
	char label[32];

	play_periods(1500, true);
	/* the clock plays it out meanwhile; the page fills and stays full */
	for (unsigned int k = 0; k < 20; k++) {
		uint64_t t0 = now_ms(), dt;
		int status;

		snprintf(label, sizeof(label), "alive-%u", k);
		status = query(ST_PLAY, label, S16, RATE, RATE, 2, 2);
		dt = now_ms() - t0;
		if (status == 0 && dt > slow)
			slow = (uint32_t)dt;
		nap_ms(100);
	}
	prod = __atomic_load_n(&ep->in_prod, __ATOMIC_ACQUIRE);
	guest_say(gp, "EVT full prod=%u cons=%u slowest-answer-ms=%u\n", prod,
		  ep->in_cons, slow);
	/* drained: events come again */
	__atomic_store_n(&ep->in_cons, prod, __ATOMIC_RELEASE);
	play_periods(300, false);
	nap_ms(600);
	guest_say(gp, "EVT after-drain new=%u\n",
		  __atomic_load_n(&ep->in_prod, __ATOMIC_ACQUIRE) - prod);
	trigger(ST_PLAY, "stop", XENSND_OP_TRIGGER_STOP);
	simple(ST_PLAY, "c-good", XENSND_OP_CLOSE);
	final_ok();
}

#define RACE_A_OFF 0u
#define RACE_A_LEN 48u
#define RACE_B_OFF 4096u
#define RACE_B_LEN 80u

/* offset and length in one 8-byte store: a mixed pair in the backend's
 * copy could then only come from reading the slot twice, never from
 * catching this guest half-way (the slot is 64-byte aligned, the pair at
 * byte 8; little-endian: offset first). */
static void rw_store(volatile struct xensnd_req *slot, uint32_t off,
		     uint32_t len)
{
	volatile uint64_t *pair =
	    (volatile uint64_t *)(volatile void *)&slot->op.rw;

	__atomic_store_n(pair, (uint64_t)len << 32 | off, __ATOMIC_RELAXED);
}

/* The rewriting thread: while race_slot names a slot, it flips it
 * between the two versions (ids race_id and race_id | 0x8000), as fast
 * as it can; race_gen counts its rounds. */
static struct xensnd_req *volatile race_slot;
static volatile uint16_t race_id;
static volatile uint64_t race_gen, race_flips;
static volatile bool race_stop;

static void *flipper(void *arg)
{
	bool which = false;

	(void)arg;
	while (!__atomic_load_n(&race_stop, __ATOMIC_ACQUIRE)) {
		volatile struct xensnd_req *slot =
		    __atomic_load_n(&race_slot, __ATOMIC_ACQUIRE);

		if (slot) {
			uint16_t id = race_id;

			which = !which;
			slot->id = which ? (uint16_t)(id | 0x8000u) : id;
			if (which)
				rw_store(slot, RACE_B_OFF, RACE_B_LEN);
			else
				rw_store(slot, RACE_A_OFF, RACE_A_LEN);
			race_flips = race_flips + 1;
		}
		__atomic_store_n(&race_gen, race_gen + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* The flipper has let go of the slot it had. */
static void flipper_off(void)
{
	uint64_t g;

	__atomic_store_n(&race_slot, NULL, __ATOMIC_RELEASE);
	g = __atomic_load_n(&race_gen, __ATOMIC_ACQUIRE);
	while (__atomic_load_n(&race_gen, __ATOMIC_ACQUIRE) < g + 2)
		;
}

static void act_race(unsigned int n)
{
	struct hstream *s = &hs[ST_PLAY];
	uint8_t *buf = pvfront_pages_addr(&s->buf.buf);
	struct open_args o = good_open(ST_PLAY);
	unsigned int answered = 0, ids = 0;
	pthread_t th;

	memset(buf, 0x33, BUF_BYTES);
	memset(buf + RACE_A_OFF, 0x11, RACE_A_LEN);
	memset(buf + RACE_B_OFF, 0x22, RACE_B_LEN);
	open_with(ST_PLAY, "o-good", &o);
	if (pthread_create(&th, NULL, flipper, NULL))
		guest_fail(gp, "pthread_create", -EAGAIN);
	for (unsigned int i = 0; i < n; i++) {
		struct xensnd_req *slot = pv_front_ring_next_request(&s->fr);
		uint16_t id = (uint16_t)(i & 0x7fff), id2 = id | 0x8000u;
		struct xensnd_resp a;
		uint64_t end = now_ms() + T_MS;
		int rc;

		if (!slot)
			guest_fail(gp, "request ring full", -EAGAIN);
		slot->id = id;
		slot->operation = XENSND_OP_WRITE;
		rw_store(slot, RACE_A_OFF, RACE_A_LEN);
		race_id = id;
		/* rewritten from before the backend can see it until it has
		 * answered */
		__atomic_store_n(&race_slot, slot, __ATOMIC_RELEASE);
		push(s);
		while ((rc = pv_front_ring_get_response(
			    &s->fr, &a, sizeof(a))) == -XEN_EAGAIN &&
		       now_ms() < end)
			(void)pvfront_poll(&pf, 0);
		flipper_off();
		if (rc)
			break;
		answered++;
		if ((a.id == id || a.id == id2) &&
		    a.operation == XENSND_OP_WRITE && a.status == 0)
			ids++;
	}
	__atomic_store_n(&race_stop, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	guest_say(gp, "RACE n=%u answered=%u ids=%u flips=%llu\n", n, answered,
		  ids, (unsigned long long)race_flips);
	simple(ST_PLAY, "c-good", XENSND_OP_CLOSE);
	final_ok();
}

/* Before connecting: the stream's unique-id (the toolstack's key in the
 * guest's own directory, naming the stream's file or PCM on the host)
 * rewritten to id; then one WRITE of 4096 bytes of 0x5a. */
static void act_rename(const char *id)
{
	const char *path = "device/" XENSND_DRIVER_NAME
			   "/0/0/0/" XENSND_FIELD_STREAM_UNIQUE_ID;
	struct open_args o;
	int rc = pvfront_xs_write(pvfront_xs(&pf), 0, path, id, strlen(id));

	guest_say(gp, "RENAME to=%s rc=%d\n", id, rc);
	connect_card();
	memset(pvfront_pages_addr(&hs[ST_PLAY].buf.buf), 0x5a, 4096);
	o = good_open(ST_PLAY);
	open_with(ST_PLAY, "o-good", &o);
	rw(ST_PLAY, "w-good", XENSND_OP_WRITE, 0, 4096);
	simple(ST_PLAY, "c-good", XENSND_OP_CLOSE);
	final_ok();
}

/* Before connecting: one key of its own directory (device/vsnd/0/KEY)
 * set to VALUE ("KEY=VALUE"); then connect, print "TREE connect=RC" and
 * idle without looking at the store again (a failed device stays so). */
static void act_tree(const char *kv)
{
	char path[128], key[96];
	const char *eq = strchr(kv, '=');
	int rc;

	if (!eq || (size_t)(eq - kv) >= sizeof(key))
		guest_fail(gp, "tree: KEY=VALUE", -EINVAL);
	memcpy(key, kv, (size_t)(eq - kv));
	key[eq - kv] = '\0';
	/* the handshake writes the version itself */
	if (!strcmp(key, XENSND_FIELD_FE_VERSION))
		version_as = eq + 1;
	snprintf(path, sizeof(path), "device/" XENSND_DRIVER_NAME "/0/%s", key);
	rc = pvfront_xs_write(pvfront_xs(&pf), 0, path, eq + 1, strlen(eq + 1));
	guest_say(gp, "TREE %s rc=%d\n", kv, rc);
	check("pvfront_dev_open",
	      pvfront_dev_open(&dev, &pf, XENSND_DRIVER_NAME, 0, &ops, NULL));
	for (unsigned int i = 0; i < 2; i++) {
		struct hstream *st = &hs[i];

		check("ring",
		      pvfront_dev_alloc_pages(&dev, &st->ring, 1, NULL, 0));
		check("evt",
		      pvfront_dev_alloc_pages(&dev, &st->evt, 1, NULL, 0));
		check("rport",
		      pvfront_dev_alloc_port(&dev, &st->rport, on_port, NULL));
		check("eport",
		      pvfront_dev_alloc_port(&dev, &st->eport, on_port, NULL));
	}
	rc = pvfront_dev_connect(&dev, 3000);
	guest_say(gp, "TREE connect=%d\n", rc);
}

/* Before connecting: a PCM of its own (1, stream 0: playback, unique-id
 * id) created in its directory; then that stream opened and 4096 bytes of
 * 0x5a written to it. */
static void act_addstream(const char *id)
{
	static const char *const keys[][2] = {
	    {"device/" XENSND_DRIVER_NAME "/0/1/" XENSND_FIELD_DEVICE_NAME,
	     "mine"},
	    {"device/" XENSND_DRIVER_NAME "/0/1/0/" XENSND_FIELD_TYPE,
	     XENSND_STREAM_TYPE_PLAYBACK},
	    {"device/" XENSND_DRIVER_NAME
	     "/0/1/0/" XENSND_FIELD_STREAM_UNIQUE_ID,
	     NULL},
	};
	struct open_args o;
	int rc = 0;

	for (unsigned int i = 0; i < 3; i++) {
		const char *v = keys[i][1] ? keys[i][1] : id;
		int r = pvfront_xs_write(pvfront_xs(&pf), 0, keys[i][0], v,
					 strlen(v));

		if (r && !rc)
			rc = r;
	}
	guest_say(gp, "ADDSTREAM id=%s rc=%d\n", id, rc);
	n_streams = 3;
	connect_card();
	memset(pvfront_pages_addr(&hs[2].buf.buf), 0x5a, 4096);
	o = good_open(2);
	open_with(2, "o-good", &o);
	rw(2, "w-good", XENSND_OP_WRITE, 0, 4096);
	simple(2, "c-good", XENSND_OP_CLOSE);
	final_ok();
}

/* Requests as fast as the backend answers them, for ms: every free slot
 * filled with an operation sndif does not have, pushed, the answers
 * taken at once, without ever waiting for an event. */
static void act_flood(unsigned int ms)
{
	struct hstream *s = &hs[ST_PLAY];
	uint64_t t0 = now_ms(), end = t0 + ms, sent = 0, answered = 0;
	uint64_t wrong = 0;

	guest_say(gp, "FLOOD start\n");
	while (now_ms() < end) {
		struct xensnd_req *slot;
		struct xensnd_resp a;

		while ((slot = pv_front_ring_next_request(&s->fr))) {
			memset(slot, 0, sizeof(*slot));
			slot->id = (uint16_t)sent++;
			slot->operation = 200;
		}
		push(s);
		while (pv_front_ring_get_response(&s->fr, &a, sizeof(a)) == 0) {
			answered++;
			wrong += a.status != -ENOTSUP;
		}
	}
	/* the last answers */
	while (answered < sent && now_ms() < end + T_MS) {
		struct xensnd_resp a;

		if (pv_front_ring_get_response(&s->fr, &a, sizeof(a)) == 0) {
			answered++;
			wrong += a.status != -ENOTSUP;
		} else {
			nap_ms(1);
		}
	}
	guest_say(gp, "FLOOD end sent=%llu answered=%llu wrong=%llu ms=%llu\n",
		  (unsigned long long)sent, (unsigned long long)answered,
		  (unsigned long long)wrong,
		  (unsigned long long)(now_ms() - t0));
	final_ok();
}

/* The request ring's port notified as fast as it goes, for ms, with
 * nothing on the ring: "KICK start", then "KICK end kicks=K ms=T". */
static void act_kick(unsigned int ms)
{
	uint64_t t0 = now_ms(), kicks = 0;

	guest_say(gp, "KICK start\n");
	while (now_ms() < t0 + ms)
		for (unsigned int i = 0; i < 256; i++, kicks++)
			check("notify",
			      pvfront_port_notify(&pf, &hs[ST_PLAY].rport));
	guest_say(gp, "KICK end kicks=%llu ms=%llu\n",
		  (unsigned long long)kicks,
		  (unsigned long long)(now_ms() - t0));
	final_ok();
}

int main(int argc, char **argv)
{
	gp = guest_open(argc, argv);
	act = argc > 1 ? argv[1] : "";
	check("pvfront_posix_front_open", pvfront_posix_front_open(gp, &pf, 0));
	if (!strcmp(act, "tree")) {
		act_tree(argc > 2 ? argv[2] : "");
		guest_say(gp, "HOSTILE %s READY\n", act);
		idle();
	}
	if (!strcmp(act, "addstream")) {
		act_addstream(argc > 2 ? argv[2] : "x");
		guest_say(gp, "HOSTILE %s READY\n", act);
		idle();
	}
	if (!strcmp(act, "rename")) {
		act_rename(argc > 2 ? argv[2] : "x");
		guest_say(gp, "HOSTILE %s READY\n", act);
		idle();
	}
	connect_card();
	guest_say(gp, "HOSTILE %s CONNECTED dom=%u\n", act,
		  pvfront_posix_domid(gp));
	if (!strcmp(act, "params"))
		act_params();
	else if (!strcmp(act, "bounds"))
		act_bounds();
	else if (!strcmp(act, "grants"))
		act_grants();
	else if (!strcmp(act, "state"))
		act_state();
	else if (!strcmp(act, "unknown"))
		act_unknown();
	else if (!strcmp(act, "ringjunk"))
		act_ringjunk();
	else if (!strcmp(act, "evtjunk"))
		act_evtjunk();
	else if (!strcmp(act, "stall"))
		act_stall();
	else if (!strcmp(act, "race"))
		act_race((unsigned int)guest_value(argc, argv, "n=", 300));
	else if (!strcmp(act, "kick"))
		act_kick((unsigned int)guest_value(argc, argv, "ms=", 5000));
	else if (!strcmp(act, "flood"))
		act_flood((unsigned int)guest_value(argc, argv, "ms=", 5000));
	else
		guest_fail(gp, "unknown act", -EINVAL);
	guest_say(gp, "HOSTILE %s READY\n", act);
	for (;;)
		if (pvfront_poll(&pf, -1) < 0)
			break;
	return 0;
}
