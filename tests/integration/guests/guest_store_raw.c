/*
 * guest_store_raw — talks to its store ring page by hand (the pv_xs_*
 * codec and the ring indices, no client library), to test pvhv's ring
 * transport byte by byte.
 *
 *   kernel = "guest_store_raw"   cmdline = "<mode> [args]"
 *
 * Every run first prints "RING STORE_PORT=<p> STORE_MFN=<m> FEATURES=<f>
 * CONNECTION=<c> ERROR=<e>" (what the page and start_info say).  Modes:
 *   rw NAME        writes data/name = NAME, reads it back; "RW PASS"
 *   wrap           WRITE then READ of data/big with values of many sizes
 *                  up to 2048 bytes (messages larger than the ring), then
 *                  of data/s with short values of every length mod 37
 *                  (headers split at the ring's edge); "WRAP PASS msgs=<n>
 *                  req_hdr_split=<n> rsp_hdr_split=<n>"
 *   pipeline       5 requests written before any reply is read, then 25
 *                  READs (more than the outstanding quota) likewise;
 *                  replies must come in order; "PIPELINE PASS"
 *   interleave     watches data (token "tk"), prints WATCHING, then sends
 *                  batches of requests, reading replies and events as they
 *                  come, until an event for data/dom0 (written by dom0)
 *                  arrived; "INTERLEAVE PASS rounds=<n> events=<n>
 *                  between=<n>" (between: events that came while replies
 *                  were still owed)
 *   eacces OTHER   reads, lists and writes in /local/domain/OTHER: each
 *                  gets EACCES; "EACCES PASS"
 *   broken KIND    a round trip, then "GO=<go port>"; then breaks the
 *                  ring: KIND req (req_prod - req_cons > ring size), rsp
 *                  (rsp_cons beyond rsp_prod) or proto (a header with len
 *                  5000); waits for the error word: "BROKEN ERROR=<e>";
 *                  waits for an event on the go port, reconnects
 *                  (XENSTORE_RECONNECT), checks indices and error are 0,
 *                  does a round trip: "RECONNECT PASS"
 *   noread         watches data/flood (token "fl"), prints "GO=<go port>"
 *                  and "NOREAD READY", then does not touch rsp[] until an
 *                  event on the go port; then READs data/flood, counting
 *                  the events before the reply: "NOREAD PASS events=<n>
 *                  value=<v>"
 *   spin           READs in bursts of 20, as fast as pvhv answers, for
 *                  ever; prints "SPINNING" first, "SPIN=<bursts>" every
 *                  1000 bursts
 *   echo           bystander: watches data/ping; on each change writes its
 *                  value to data/pong; prints "ECHO READY"; runs for ever
 *   use            uses the store (write, read, a watch, an open
 *                  transaction), prints "USED", then idles for ever
 * A failed check prints "FAILED <what>: ..." and exits 1; otherwise the
 * guest idles after its last line until destroyed (its home stays in the
 * store for dom0 to look at).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guest_util.h"
#include "pvkit/store.h"

#define WAIT_MS 10000
#define MAX_EVENTS 64

struct xsr {
	struct pvfront_posix *p;
	struct xenstore_domain_interface *intf;
	evtchn_port_t port;
	uint32_t next_id;
	unsigned int req_split, rsp_split; /* headers split at the edge */
	uint8_t msg[PV_XS_MSG_MAX];        /* the message being read */
	size_t msg_len;
	unsigned int events; /* watch events seen (any path) */
	const char *target;  /* a path of interest, or NULL */
	unsigned int hits;   /* events for target */
};

static struct xsr X;

/* ---- the ring ------------------------------------------------------------ */

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static void notify(struct xsr *x)
{
	int rc = pvfront_posix_evtchn_send(x->p, x->port);

	if (rc)
		guest_fail(x->p, "evtchn_send", rc);
}

/* Sleep until some event (or 100 ms); fail after WAIT_MS since start. */
static void wait_some(struct xsr *x, long start, const char *what)
{
	evtchn_port_t got[16];

	if (now_ms() - start > WAIT_MS)
		guest_fail(x->p, what, -ETIMEDOUT);
	if (pvfront_posix_wait(x->p, got, 16, 100) < 0)
		guest_fail(x->p, "wait", -EIO);
}

static void ring_write(struct xsr *x, const void *buf, size_t len)
{
	const uint8_t *src = buf;
	long start = now_ms();

	if (MASK_XENSTORE_IDX(x->intf->req_prod) + PV_XS_HDR_SIZE >
	    XENSTORE_RING_SIZE)
		x->req_split++;
	while (len) {
		uint32_t prod = x->intf->req_prod;
		uint32_t cons = __atomic_load_n(&x->intf->req_cons,
						__ATOMIC_ACQUIRE);
		uint32_t space = XENSTORE_RING_SIZE - (prod - cons);
		uint32_t off = MASK_XENSTORE_IDX(prod), n;

		if (!space) {
			wait_some(x, start, "ring_write");
			continue;
		}
		n = len < space ? (uint32_t)len : space;
		if (n > XENSTORE_RING_SIZE - off)
			n = XENSTORE_RING_SIZE - off;
		memcpy(x->intf->req + off, src, n);
		/* The bytes before the index that publishes them. */
		__atomic_store_n(&x->intf->req_prod, prod + n,
				 __ATOMIC_RELEASE);
		notify(x);
		src += n;
		len -= n;
	}
}

/* Take up to want bytes from rsp[] into the message buffer. */
static size_t ring_take(struct xsr *x, size_t want)
{
	uint32_t cons = x->intf->rsp_cons;
	uint32_t prod = __atomic_load_n(&x->intf->rsp_prod, __ATOMIC_ACQUIRE);
	uint32_t off = MASK_XENSTORE_IDX(cons), n = prod - cons;

	if (n > want)
		n = (uint32_t)want;
	if (n > XENSTORE_RING_SIZE - off)
		n = XENSTORE_RING_SIZE - off;
	if (!n)
		return 0;
	if (x->msg_len == 0 && off + PV_XS_HDR_SIZE > XENSTORE_RING_SIZE)
		x->rsp_split++;
	memcpy(x->msg + x->msg_len, x->intf->rsp + off, n);
	x->msg_len += n;
	/* Read before the space is handed back. */
	__atomic_store_n(&x->intf->rsp_cons, cons + n, __ATOMIC_RELEASE);
	notify(x);
	return n;
}

/* The next message (reply or event) into x->msg; *hdr its header. */
static const char *ring_read(struct xsr *x, struct xsd_sockmsg *hdr)
{
	long start = now_ms();

	x->msg_len = 0;
	for (;;) {
		size_t need = PV_XS_HDR_SIZE;

		if (x->msg_len >= PV_XS_HDR_SIZE) {
			memcpy(hdr, x->msg, sizeof(*hdr));
			if (hdr->len > XENSTORE_PAYLOAD_MAX)
				guest_fail(x->p, "reply length", -EPROTO);
			need += hdr->len;
		}
		if (x->msg_len == need)
			return (const char *)x->msg + PV_XS_HDR_SIZE;
		if (!ring_take(x, need - x->msg_len))
			wait_some(x, start, "ring_read");
	}
}

/* ---- requests ------------------------------------------------------------ */

/* Send one request of payload parts (strings with their NUL, then an
 * optional raw value); its req_id. */
static uint32_t send_req(struct xsr *x, uint32_t type, uint32_t tx,
			 const char *s1, const char *s2, const void *val,
			 size_t vlen)
{
	static uint8_t buf[PV_XS_MSG_MAX];
	struct pv_xs_builder b;
	uint32_t id = ++x->next_id;
	int n;

	pv_xs_build_begin(&b, buf, sizeof(buf), type, id, tx);
	if (s1)
		pv_xs_build_str(&b, s1);
	if (s2)
		pv_xs_build_str(&b, s2);
	if (vlen)
		pv_xs_build_bytes(&b, val, vlen);
	n = pv_xs_build_end(&b);
	if (n < 0)
		guest_fail(x->p, "build", n);
	ring_write(x, buf, (size_t)n);
	return id;
}

static void note_event(struct xsr *x, const char *payload, uint32_t len)
{
	const char *s[2];

	if (pv_xs_split(payload, len, s, 2) != 2)
		guest_fail(x->p, "watch event payload", -EPROTO);
	x->events++;
	x->hits += x->target && !strcmp(s[0], x->target);
}

/* Read messages until the reply to id; events on the way are noted.
 * The reply payload is copied to out (NUL-terminated); its type. */
static uint32_t wait_reply(struct xsr *x, uint32_t id, char *out,
			   size_t outlen)
{
	for (;;) {
		struct xsd_sockmsg h;
		const char *pl = ring_read(x, &h);

		if (h.type == XS_WATCH_EVENT && h.req_id == 0) {
			note_event(x, pl, h.len);
			continue;
		}
		if (h.req_id != id) {
			guest_say(x->p, "got req_id %u want %u\n", h.req_id,
				  id);
			guest_fail(x->p, "reply order", -EPROTO);
		}
		if (out) {
			size_t n = h.len < outlen - 1 ? h.len : outlen - 1;

			memcpy(out, pl, n);
			out[n] = '\0';
		}
		return h.type;
	}
}

static uint32_t call(struct xsr *x, uint32_t type, const char *s1,
		     const char *s2, const void *val, size_t vlen, char *out,
		     size_t outlen)
{
	return wait_reply(x, send_req(x, type, 0, s1, s2, val, vlen), out,
			  outlen);
}

static void expect(struct xsr *x, const char *what, uint32_t type,
		   uint32_t want, const char *got, const char *want_payload)
{
	if (type == want && (!want_payload || !strcmp(got, want_payload)))
		return;
	guest_say(x->p, "%s: type %u payload '%s', want %u '%s'\n", what,
		  type, got, want, want_payload ? want_payload : "*");
	guest_fail(x->p, what, -EPROTO);
}

static void write_ok(struct xsr *x, const char *path, const char *val)
{
	char out[64];

	expect(x, path, call(x, XS_WRITE, path, NULL, val, strlen(val), out,
			     sizeof(out)),
	       XS_WRITE, out, "OK");
}

static void read_is(struct xsr *x, const char *path, const char *val)
{
	char out[256];

	expect(x, path, call(x, XS_READ, path, NULL, NULL, 0, out,
			     sizeof(out)),
	       XS_READ, out, val);
}

static void watch(struct xsr *x, const char *path, const char *token)
{
	char out[64];

	expect(x, "watch", call(x, XS_WATCH, path, token, NULL, 0, out,
				sizeof(out)),
	       XS_WATCH, out, "OK");
}

/* ---- modes --------------------------------------------------------------- */

static void mode_rw(struct xsr *x, const char *name)
{
	char out[64];

	write_ok(x, "data/name", name);
	read_is(x, "data/name", name);
	expect(x, "missing", call(x, XS_READ, "data/none", NULL, NULL, 0, out,
				  sizeof(out)),
	       XS_ERROR, out, "ENOENT");
	guest_say(x->p, "RW PASS\n");
}

static void fill(uint8_t *buf, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)('a' + (i * 7 + seed) % 26);
}

static void mode_wrap(struct xsr *x)
{
	static uint8_t val[2048];
	static char out[4096];
	unsigned int msgs = 0;

	for (unsigned int i = 0; i < 60; i++) {
		size_t n = i == 0 ? sizeof(val) : (i * 397u + 1) % 2049;
		uint32_t type;

		fill(val, n, i);
		type = call(x, XS_WRITE, "data/big", NULL, val, n, out,
			    sizeof(out));
		expect(x, "write big", type, XS_WRITE, out, "OK");
		type = call(x, XS_READ, "data/big", NULL, NULL, 0, out,
			    sizeof(out));
		if (type != XS_READ || x->msg_len != PV_XS_HDR_SIZE + n ||
		    memcmp(out, val, n))
			guest_fail(x->p, "read big", -EPROTO);
		msgs += 2;
	}
	/* Small messages of every length mod 37 walk the headers across
	 * every offset of the edge. */
	for (unsigned int i = 0; i < 400; i++) {
		size_t n = i % 37;

		fill(val, n, i);
		val[n] = '\0';
		write_ok(x, "data/s", (const char *)val);
		read_is(x, "data/s", (const char *)val);
		msgs += 2;
	}
	guest_say(x->p, "WRAP PASS msgs=%u req_hdr_split=%u "
		  "rsp_hdr_split=%u\n", msgs, x->req_split, x->rsp_split);
}

/* n READs of data/p<i % 3> in flight, then the replies in order. */
static void burst(struct xsr *x, unsigned int n)
{
	uint32_t ids[32];
	char path[32], want[32], out[64];

	for (unsigned int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "data/p%u", i % 3);
		ids[i] = send_req(x, XS_READ, 0, path, NULL, NULL, 0);
	}
	for (unsigned int i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "v%u", i % 3);
		expect(x, "burst", wait_reply(x, ids[i], out, sizeof(out)),
		       XS_READ, out, want);
	}
}

static void mode_pipeline(struct xsr *x)
{
	uint32_t ids[5];
	char out[64];

	ids[0] = send_req(x, XS_WRITE, 0, "data/p0", NULL, "v0", 2);
	ids[1] = send_req(x, XS_WRITE, 0, "data/p1", NULL, "v1", 2);
	ids[2] = send_req(x, XS_WRITE, 0, "data/p2", NULL, "v2", 2);
	ids[3] = send_req(x, XS_READ, 0, "data/p1", NULL, NULL, 0);
	ids[4] = send_req(x, XS_DIRECTORY, 0, "data", NULL, NULL, 0);
	for (int i = 0; i < 3; i++)
		expect(x, "write", wait_reply(x, ids[i], out, sizeof(out)),
		       XS_WRITE, out, "OK");
	expect(x, "read", wait_reply(x, ids[3], out, sizeof(out)), XS_READ,
	       out, "v1");
	expect(x, "directory", wait_reply(x, ids[4], out, sizeof(out)),
	       XS_DIRECTORY, out, "p0"); /* first name of "p0\0p1\0p2\0" */
	burst(x, 25);
	guest_say(x->p, "PIPELINE PASS\n");
}

static void mode_interleave(struct xsr *x)
{
	unsigned int rounds = 0, between = 0;
	long start = now_ms();
	char out[256];

	x->target = "data/dom0";
	watch(x, "data", "tk");
	guest_say(x->p, "WATCHING\n");
	while (!x->hits) {
		uint32_t ids[4];
		char v[16];

		if (now_ms() - start > WAIT_MS)
			guest_fail(x->p, "no event for data/dom0", -ETIMEDOUT);
		snprintf(v, sizeof(v), "%u", rounds);
		/* The write's own event comes after the first reply, before
		 * the last. */
		ids[0] = send_req(x, XS_DIRECTORY, 0, "data", NULL, NULL, 0);
		ids[1] = send_req(x, XS_WRITE, 0, "data/self", NULL, v,
				  strlen(v));
		ids[2] = send_req(x, XS_READ, 0, "data/self", NULL, NULL, 0);
		ids[3] = send_req(x, XS_READ, 0, "data/self", NULL, NULL, 0);
		for (int i = 0; i < 4; i++) {
			unsigned int before = x->events;
			uint32_t t = wait_reply(x, ids[i], out, sizeof(out));

			between += i > 0 ? x->events - before : 0;
			if (i >= 2)
				expect(x, "read self", t, XS_READ, out, v);
		}
		rounds++;
	}
	if (!between)
		guest_fail(x->p, "no event came between replies", -EPROTO);
	guest_say(x->p, "INTERLEAVE PASS rounds=%u events=%u between=%u\n",
		  rounds, x->events, between);
}

static void mode_eacces(struct xsr *x, const char *other)
{
	static const char *const tails[] = { "", "/data", "/data/missing",
					     "/control" };
	char path[64], out[64];

	for (unsigned int i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		snprintf(path, sizeof(path), "/local/domain/%s%s", other,
			 tails[i]);
		expect(x, path, call(x, XS_READ, path, NULL, NULL, 0, out,
				     sizeof(out)),
		       XS_ERROR, out, "EACCES");
		expect(x, path, call(x, XS_DIRECTORY, path, NULL, NULL, 0, out,
				     sizeof(out)),
		       XS_ERROR, out, "EACCES");
	}
	snprintf(path, sizeof(path), "/local/domain/%s/data/x", other);
	expect(x, "write", call(x, XS_WRITE, path, NULL, "x", 1, out,
				sizeof(out)),
	       XS_ERROR, out, "EACCES");
	guest_say(x->p, "EACCES PASS\n");
}

static evtchn_port_t go_port(struct xsr *x)
{
	evtchn_port_t port;
	int rc = pvfront_posix_evtchn_alloc_unbound(x->p, 0, &port);

	if (rc)
		guest_fail(x->p, "alloc_unbound", rc);
	guest_say(x->p, "GO=%u\n", port);
	return port;
}

static void wait_go(struct xsr *x, evtchn_port_t port)
{
	long start = now_ms();

	while (!guest_wait_port(x->p, port, 100))
		if (now_ms() - start > 60000)
			guest_fail(x->p, "no go event", -ETIMEDOUT);
}

static void wait_word(struct xsr *x, const uint32_t *word, uint32_t want,
		      const char *what)
{
	long start = now_ms();

	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) != want)
		wait_some(x, start, what);
}

static void reconnect(struct xsr *x)
{
	struct xenstore_domain_interface *i = x->intf;

	__atomic_store_n(&i->connection, XENSTORE_RECONNECT, __ATOMIC_RELEASE);
	notify(x);
	wait_word(x, &i->connection, XENSTORE_CONNECTED, "reconnect");
	if (i->req_cons || i->req_prod || i->rsp_cons || i->rsp_prod ||
	    i->error)
		guest_fail(x->p, "indices after reconnect", -EPROTO);
}

static void mode_broken(struct xsr *x, const char *kind)
{
	struct xenstore_domain_interface *i = x->intf;
	uint32_t want = XENSTORE_ERROR_RINGIDX;
	evtchn_port_t go;

	write_ok(x, "data/before", "1");
	go = go_port(x);
	if (!strcmp(kind, "req")) {
		__atomic_store_n(&i->req_prod, i->req_cons + 2000,
				 __ATOMIC_RELEASE);
	} else if (!strcmp(kind, "rsp")) {
		__atomic_store_n(&i->rsp_cons, i->rsp_prod + 7,
				 __ATOMIC_RELEASE);
	} else {
		struct xsd_sockmsg h = { .type = XS_WRITE, .req_id = 99,
					 .len = 5000 };
		uint8_t junk[64] = { 0 };

		ring_write(x, &h, sizeof(h));
		ring_write(x, junk, sizeof(junk));
		want = XENSTORE_ERROR_PROTO;
	}
	notify(x);
	wait_word(x, &i->error, want, "error word");
	guest_say(x->p, "BROKEN ERROR=%u\n", i->error);
	wait_go(x, go);
	if (i->error != want)
		guest_fail(x->p, "error word changed", -EPROTO);
	reconnect(x);
	x->msg_len = 0;
	write_ok(x, "data/after", "ok");
	read_is(x, "data/after", "ok");
	read_is(x, "data/before", "1");
	guest_say(x->p, "RECONNECT PASS\n");
}

static void mode_noread(struct xsr *x)
{
	char out[64];
	evtchn_port_t go;
	uint32_t id;

	watch(x, "data/flood", "fl");
	go = go_port(x);
	x->events = 0;
	guest_say(x->p, "NOREAD READY\n");
	wait_go(x, go);
	id = send_req(x, XS_READ, 0, "data/flood", NULL, NULL, 0);
	expect(x, "read flood", wait_reply(x, id, out, sizeof(out)), XS_READ,
	       out, NULL);
	guest_say(x->p, "NOREAD PASS events=%u value=%s\n", x->events, out);
}

static _Noreturn void mode_spin(struct xsr *x)
{
	write_ok(x, "data/p0", "v0");
	write_ok(x, "data/p1", "v1");
	write_ok(x, "data/p2", "v2");
	guest_say(x->p, "SPINNING\n");
	for (unsigned long n = 1;; n++) {
		burst(x, 20);
		if (n % 1000 == 0)
			guest_say(x->p, "SPIN=%lu\n", n);
	}
}

/* Events that arrive while a request is out are noted by wait_reply();
 * any event means "read data/ping again". */
static _Noreturn void mode_echo(struct xsr *x)
{
	unsigned int seen = 0;
	char val[256];

	watch(x, "data/ping", "p");
	guest_say(x->p, "ECHO READY\n");
	for (;;) {
		if (x->events == seen) {
			struct xsd_sockmsg h;
			const char *pl = ring_read(x, &h);

			if (h.type != XS_WATCH_EVENT)
				guest_fail(x->p, "echo: not an event", -EPROTO);
			note_event(x, pl, h.len);
			continue;
		}
		seen = x->events;
		if (call(x, XS_READ, "data/ping", NULL, NULL, 0, val,
			 sizeof(val)) == XS_READ)
			write_ok(x, "data/pong", val);
	}
}

static void mode_use(struct xsr *x)
{
	char out[64];

	write_ok(x, "data/used", "yes");
	read_is(x, "data/used", "yes");
	watch(x, "data", "u");
	expect(x, "tx", call(x, XS_TRANSACTION_START, "", NULL, NULL, 0, out,
			     sizeof(out)),
	       XS_TRANSACTION_START, out, NULL);
	send_req(x, XS_WRITE, (uint32_t)strtoul(out, NULL, 10), "data/intx",
		 NULL, "1", 1);
	guest_say(x->p, "USED\n");
}

/* The test reads the store and destroys the guest when it is done. */
static _Noreturn void idle(struct xsr *x)
{
	evtchn_port_t got[16];

	for (;;)
		(void)pvfront_posix_wait(x->p, got, 16, 1000);
}

int main(int argc, char **argv)
{
	struct xsr *x = &X;
	const struct start_info *si;
	const char *mode = argc > 1 ? argv[1] : "";
	const char *arg = argc > 2 ? argv[2] : "";

	x->p = guest_open(argc, argv);
	si = pvfront_posix_start_info(x->p);
	x->port = si->store_evtchn;
	x->intf = (void *)((uint8_t *)si + si->store_mfn * GUEST_PAGE_SIZE);
	guest_say(x->p, "RING STORE_PORT=%u STORE_MFN=%lu FEATURES=%u "
		  "CONNECTION=%u ERROR=%u\n", x->port,
		  (unsigned long)si->store_mfn, x->intf->server_features,
		  x->intf->connection, x->intf->error);
	if (!strcmp(mode, "rw"))
		mode_rw(x, arg);
	else if (!strcmp(mode, "wrap"))
		mode_wrap(x);
	else if (!strcmp(mode, "pipeline"))
		mode_pipeline(x);
	else if (!strcmp(mode, "interleave"))
		mode_interleave(x);
	else if (!strcmp(mode, "eacces"))
		mode_eacces(x, arg);
	else if (!strcmp(mode, "broken"))
		mode_broken(x, arg);
	else if (!strcmp(mode, "noread"))
		mode_noread(x);
	else if (!strcmp(mode, "spin"))
		mode_spin(x);
	else if (!strcmp(mode, "echo"))
		mode_echo(x);
	else if (!strcmp(mode, "use"))
		mode_use(x);
	else
		guest_fail(x->p, "unknown mode", -EINVAL);
	idle(x);
}
