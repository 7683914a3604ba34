/*
 * guest_store_client — a process guest that uses libpvfront's store client
 * (pvkit/front_xs.h) over its real store ring: start_info.store_mfn and
 * start_info.store_evtchn, started by the posix platform's
 * pvfront_posix_xs_open().
 *
 *   kernel = "guest_store_client"   cmdline = "<mode> [args]"
 *
 * Every run first prints "CLIENT DOM=<domid> FEATURES=<f>".  Modes (DOM
 * below is the guest's own domid, paths without a '/' are relative to its
 * home):
 *   basic        write/read (relative and absolute), mkdir, directory,
 *                get/set_perms, rm, a 2000-byte value, 16 requests in
 *                flight at once; leaves data/visible = "guest";
 *                "BASIC PASS"
 *   watch        watches data/w as "tokA" and /local/domain/DOM/data/w as
 *                "tokB" (checking each initial event), writes data/w/own
 *                (checking both events), prints "WATCH READY", then prints
 *                every event as "EVENT <path> <token>"; an event for
 *                data/w/stop makes it unwatch tokA ("UNWATCHED tokA")
 *   tx           data/race = "start"; a transaction reads it, prints
 *                "TX READ", waits for dom0 to write data/go, writes
 *                data/race = "guest" and commits: "TX CONFLICT EAGAIN"
 *                (dom0 changed data/race meanwhile); the retry reads
 *                dom0's value and commits: "TX RETRY saw=<value>"; an
 *                aborted transaction changes nothing; "TX PASS"
 *   share        data/secret = "x" (the guest's own, private) and
 *                data/shared = "s"; watches data/reader; "SHARE WAITING";
 *                when dom0 writes a domid R to data/reader, makes
 *                data/shared readable by R: "SHARE GRANTED reader=<R>"
 *   eacces OTHER reads, lists, writes and get_perms in OTHER's tree all
 *                give EACCES: "EACCES DENIED"; then waits for dom0 to
 *                write data/go, reads OTHER's data/shared (granted by a
 *                "share" guest), still may not write it: "EACCES PASS"
 *   quota        creates data/q<i> until the store refuses: "QUOTA
 *                nodes=<n> rc=<name>"; sets watches until refused:
 *                "QUOTA watches=<n> rc=<name>"; opens transactions until
 *                refused: "QUOTA transactions=<n> rc=<name>"
 *   reset        a watch and an open transaction, then a ring reset
 *                (XENSTORE_RECONNECT): the transaction is gone (ENOENT),
 *                the watch too, requests work: "RESET PASS"
 *   busy         watches data/busy ("bz"), prints "BUSY READY", then
 *                writes and reads its own nodes in a loop, taking events
 *                between calls, until an event for data/busy/stop:
 *                "BUSY PASS ops=<n> events=<m>"
 * A failed check prints "FAILED <what>: ..."; either way the guest idles
 * after its last line until destroyed (so its console stays readable).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_util.h"
#include "pvkit/front_xs.h"
#include "pvkit/store.h"

#define WAIT_MS 10000

static struct pvfront_posix *P;
static _Noreturn void idle(void);
static struct pvfront_xs xs;
static domid_t self;

/* ---- checks ---------------------------------------------------------------
 */

static const char *ename(int rc)
{
	return rc == 0 ? "OK" : pv_xs_error_name(rc);
}

static void check(const char *what, int rc, int want)
{
	if (rc != want) {
		guest_say(P, "FAILED %s: rc=%d (%s) want %d (%s)\n", what, rc,
			  rc < 0 ? ename(rc) : "", want,
			  want < 0 ? ename(want) : "");
		idle();
	}
}

static void check_str(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want)) {
		guest_say(P, "FAILED %s: '%s' want '%s'\n", what, got, want);
		idle();
	}
}

static char val[XENSTORE_PAYLOAD_MAX + 1];

static const char *rd(uint32_t tx, const char *path)
{
	int n = pvfront_xs_read(&xs, tx, path, val, sizeof(val));

	if (n < 0)
		check(path, n, 0);
	return val;
}

static void wr(uint32_t tx, const char *path, const char *v)
{
	check(path, pvfront_xs_write(&xs, tx, path, v, strlen(v)), 0);
}

static char evbuf[PVFRONT_XS_EVENT_MAX];

/* The next event, waiting up to ms (-XEN_ETIMEDOUT when none came). */
static int next_event(struct pvfront_xs_event *ev, int ms)
{
	int rc;

	pvfront_xs_set_timeout(&xs, ms);
	rc = pvfront_xs_wait_event(&xs, evbuf, sizeof(evbuf), ev);
	pvfront_xs_set_timeout(&xs, WAIT_MS);
	return rc;
}

static void expect_event(const char *path, const char *token)
{
	struct pvfront_xs_event ev;

	check("event", next_event(&ev, WAIT_MS), 0);
	check_str("event path", ev.path, path);
	check_str("event token", ev.token, token);
}

static void no_event(int ms)
{
	struct pvfront_xs_event ev;
	int rc = next_event(&ev, ms);

	if (rc == 0) {
		guest_say(P, "FAILED stray event %s %s\n", ev.path, ev.token);
		idle();
	}
	check("no event", rc, -XEN_ETIMEDOUT);
}

/* Wait for an event whose path ends in suffix (others are skipped). */
static void wait_for(const char *suffix)
{
	struct pvfront_xs_event ev;
	size_t n = strlen(suffix), m;

	for (;;) {
		int rc = next_event(&ev, 1000);

		if (rc == -XEN_ETIMEDOUT)
			continue;
		check("wait_for", rc, 0);
		m = strlen(ev.path);
		if (m >= n && !strcmp(ev.path + m - n, suffix))
			return;
	}
}

static void abs_path(char *out, size_t len, domid_t dom, const char *rel)
{
	snprintf(out, len, "/local/domain/%u/%s", dom, rel);
}

/* ---- modes ----------------------------------------------------------------
 */

static void mode_basic(void)
{
	static char big[2000], bufs[16][8];
	struct pvfront_xs_perm perms[4];
	const struct pvfront_xs_perm set[2] = {{self, PVFRONT_XS_PERM_NONE},
					       {0, PVFRONT_XS_PERM_READ}};
	struct pvfront_xs_req r[16];
	const char *names[8];
	char path[96], dir[64];
	int n, i;

	wr(0, "data/b/x", "one");
	check_str("read", rd(0, "data/b/x"), "one");
	abs_path(path, sizeof(path), self, "data/b/x");
	check_str("read abs", rd(0, path), "one");
	check("mkdir", pvfront_xs_mkdir(&xs, 0, "data/b/d"), 0);
	n = pvfront_xs_directory(&xs, 0, "data/b", dir, sizeof(dir), names, 8);
	check("directory", n, 2);
	if (strcmp(names[0], "d") && strcmp(names[1], "d"))
		check("directory names", -1, 0);
	/* A node the guest made is its own: "n<self>". */
	n = pvfront_xs_get_perms(&xs, 0, "data/b/x", perms, 4);
	check("get_perms", n, 1);
	check("owner", perms[0].id, self);
	check("set_perms", pvfront_xs_set_perms(&xs, 0, "data/b/x", set, 2), 0);
	check("get_perms 2", pvfront_xs_get_perms(&xs, 0, "data/b/x", perms, 4),
	      2);
	check("perm 2", perms[1].perms, PVFRONT_XS_PERM_READ);
	check("rm", pvfront_xs_rm(&xs, 0, "data/b"), 0);
	check("read gone", pvfront_xs_read(&xs, 0, "data/b/x", NULL, 0),
	      -XEN_ENOENT);

	/* Larger than the 1 KiB ring in both directions. */
	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	check("big write",
	      pvfront_xs_write(&xs, 0, "data/big", big, sizeof(big)), 0);
	check("big read", pvfront_xs_read(&xs, 0, "data/big", val, sizeof(val)),
	      (int)sizeof(big));
	if (memcmp(val, big, sizeof(big)))
		check("big value", -1, 0);

	/* Many in flight: replies matched by req_id. */
	wr(0, "data/m", "m");
	for (i = 0; i < 16; i++) {
		pvfront_xs_req_init(&r[i], XS_READ, 0, bufs[i],
				    sizeof(bufs[i]));
		pvfront_xs_req_add_str(&r[i], "data/m");
		check("submit", pvfront_xs_submit(&xs, &r[i], NULL, NULL), 0);
	}
	for (i = 16; i-- > 0;) {
		check("in flight", pvfront_xs_wait_req(&xs, &r[i]), 0);
		check("in flight len", (int)pvfront_xs_req_len(&r[i]), 1);
	}
	wr(0, "data/visible", "guest");
	guest_say(P, "BASIC PASS\n");
}

static void mode_watch(void)
{
	struct pvfront_xs_event ev;
	char abs[96], absown[128];
	bool a_on = true;

	abs_path(abs, sizeof(abs), self, "data/w");
	snprintf(absown, sizeof(absown), "%s/own", abs);
	check("watch A", pvfront_xs_watch(&xs, "data/w", "tokA"), 0);
	expect_event("data/w", "tokA");
	check("watch B", pvfront_xs_watch(&xs, abs, "tokB"), 0);
	expect_event(abs, "tokB");
	wr(0, "data/w/own", "1");
	/* the store fires both, in its own order */
	check("event 1", next_event(&ev, WAIT_MS), 0);
	if (strcmp(ev.token, "tokA"))
		check_str("event 1 path", ev.path, absown);
	else
		check_str("event 1 path", ev.path, "data/w/own");
	check("event 2", next_event(&ev, WAIT_MS), 0);
	if (strcmp(ev.token, "tokA"))
		check_str("event 2 path", ev.path, absown);
	else
		check_str("event 2 path", ev.path, "data/w/own");
	no_event(200);
	guest_say(P, "WATCH READY\n");
	for (;;) {
		int rc = next_event(&ev, 1000);

		if (rc == -XEN_ETIMEDOUT)
			continue;
		check("watching", rc, 0);
		guest_say(P, "EVENT %s %s\n", ev.path, ev.token);
		if (a_on && !strcmp(ev.path, "data/w/stop")) {
			check("unwatch",
			      pvfront_xs_unwatch(&xs, "data/w", "tokA"), 0);
			check("unwatch again",
			      pvfront_xs_unwatch(&xs, "data/w", "tokA"),
			      -XEN_ENOENT);
			a_on = false;
			guest_say(P, "UNWATCHED tokA\n");
		}
	}
}

static void mode_tx(void)
{
	uint32_t tx;
	int rc;

	wr(0, "data/race", "start");
	check("watch go", pvfront_xs_watch(&xs, "data/go", "go"), 0);
	expect_event("data/go", "go");

	check("tx start", pvfront_xs_transaction_start(&xs, &tx), 0);
	check_str("tx read", rd(tx, "data/race"), "start");
	guest_say(P, "TX READ\n");
	wait_for("data/go");
	wr(tx, "data/race", "guest");
	check_str("tx sees own", rd(tx, "data/race"), "guest");
	rc = pvfront_xs_transaction_end(&xs, tx, true);
	check("tx conflict", rc, -XEN_EAGAIN);
	guest_say(P, "TX CONFLICT %s\n", ename(rc));

	check("tx start 2", pvfront_xs_transaction_start(&xs, &tx), 0);
	rd(tx, "data/race");
	guest_say(P, "TX RETRY saw=%s\n", val);
	wr(tx, "data/race", "guest");
	check("tx commit", pvfront_xs_transaction_end(&xs, tx, true), 0);

	check("tx start 3", pvfront_xs_transaction_start(&xs, &tx), 0);
	wr(tx, "data/race", "aborted");
	wr(tx, "data/intx", "1");
	check("tx abort", pvfront_xs_transaction_end(&xs, tx, false), 0);
	check_str("after abort", rd(0, "data/race"), "guest");
	check("intx gone", pvfront_xs_read(&xs, 0, "data/intx", NULL, 0),
	      -XEN_ENOENT);
	guest_say(P, "TX PASS\n");
}

static void mode_share(void)
{
	struct pvfront_xs_perm p[2];

	wr(0, "data/secret", "x");
	wr(0, "data/shared", "s");
	check("watch reader", pvfront_xs_watch(&xs, "data/reader", "rd"), 0);
	expect_event("data/reader", "rd");
	guest_say(P, "SHARE WAITING\n");
	wait_for("data/reader");
	p[0] = (struct pvfront_xs_perm){self, PVFRONT_XS_PERM_NONE};
	p[1] = (struct pvfront_xs_perm){(uint16_t)atoi(rd(0, "data/reader")),
					PVFRONT_XS_PERM_READ};
	check("grant", pvfront_xs_set_perms(&xs, 0, "data/shared", p, 2), 0);
	guest_say(P, "SHARE GRANTED reader=%u\n", p[1].id);
}

static void mode_eacces(const char *other)
{
	struct pvfront_xs_perm perms[4];
	domid_t o = (domid_t)atoi(other);
	const char *names[8];
	char path[96], dir[256];

	abs_path(path, sizeof(path), o, "data/secret");
	check("read", pvfront_xs_read(&xs, 0, path, val, sizeof(val)),
	      -XEN_EACCES);
	check("get_perms", pvfront_xs_get_perms(&xs, 0, path, perms, 4),
	      -XEN_EACCES);
	check("write", pvfront_xs_write(&xs, 0, path, "y", 1), -XEN_EACCES);
	abs_path(path, sizeof(path), o, "data/nothing");
	check("read missing", pvfront_xs_read(&xs, 0, path, NULL, 0),
	      -XEN_EACCES);
	check("write new", pvfront_xs_write(&xs, 0, path, "y", 1), -XEN_EACCES);
	abs_path(path, sizeof(path), o, "data");
	check("directory",
	      pvfront_xs_directory(&xs, 0, path, dir, sizeof(dir), names, 8),
	      -XEN_EACCES);
	check("rm", pvfront_xs_rm(&xs, 0, path), -XEN_EACCES);
	guest_say(P, "EACCES DENIED\n");

	check("watch go", pvfront_xs_watch(&xs, "data/go", "go"), 0);
	expect_event("data/go", "go");
	wait_for("data/go");
	abs_path(path, sizeof(path), o, "data/shared");
	check_str("granted read", rd(0, path), "s");
	check("granted write", pvfront_xs_write(&xs, 0, path, "y", 1),
	      -XEN_EACCES);
	guest_say(P, "EACCES PASS\n");
}

static void mode_quota(void)
{
	char path[32];
	uint32_t tx;
	int i, rc = 0;

	for (i = 0; i < 100000 && rc == 0; i++) {
		snprintf(path, sizeof(path), "data/q%d", i);
		rc = pvfront_xs_write(&xs, 0, path, "q", 1);
	}
	guest_say(P, "QUOTA nodes=%d rc=%s\n", i - 1, ename(rc));
	for (i = 0, rc = 0; i < 10000 && rc == 0; i++) {
		snprintf(path, sizeof(path), "tok%d", i);
		rc = pvfront_xs_watch(&xs, "data", path);
	}
	guest_say(P, "QUOTA watches=%d rc=%s\n", i - 1, ename(rc));
	for (i = 0, rc = 0; i < 10000 && rc == 0; i++)
		rc = pvfront_xs_transaction_start(&xs, &tx);
	guest_say(P, "QUOTA transactions=%d rc=%s\n", i - 1, ename(rc));
}

static void mode_reset(void)
{
	uint32_t tx;

	wr(0, "data/r", "1");
	check("watch", pvfront_xs_watch(&xs, "data/r", "r"), 0);
	expect_event("data/r", "r");
	check("tx", pvfront_xs_transaction_start(&xs, &tx), 0);
	check("reset", pvfront_xs_reset(&xs), 0);
	check("tx after reset", pvfront_xs_transaction_end(&xs, tx, true),
	      -XEN_ENOENT);
	wr(0, "data/r", "2");
	no_event(300);
	check_str("read after reset", rd(0, "data/r"), "2");
	check("watch again", pvfront_xs_watch(&xs, "data/r", "r2"), 0);
	expect_event("data/r", "r2");
	guest_say(P, "RESET PASS\n");
}

static void mode_busy(void)
{
	struct pvfront_xs_event ev;
	unsigned int ops = 0, events = 0;
	bool stop = false;
	char path[32], v[16];

	check("watch", pvfront_xs_watch(&xs, "data/busy", "bz"), 0);
	expect_event("data/busy", "bz");
	guest_say(P, "BUSY READY\n");
	while (!stop && ops < 200000) {
		snprintf(path, sizeof(path), "data/own%u", ops % 5);
		snprintf(v, sizeof(v), "%u", ops);
		wr(0, path, v);
		check_str("busy read", rd(0, path), v);
		ops++;
		while (pvfront_xs_next_event(&xs, evbuf, sizeof(evbuf), &ev) ==
		       0) {
			check_str("busy token", ev.token, "bz");
			events++;
			stop |= !strcmp(ev.path, "data/busy/stop");
		}
	}
	check("stopped", stop, true);
	guest_say(P, "BUSY PASS ops=%u events=%u\n", ops, events);
}

static _Noreturn void idle(void)
{
	evtchn_port_t got[16];

	for (;;)
		(void)pvfront_posix_wait(P, got, 16, 1000);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	const struct start_info *si;
	void *page;

	P = guest_open(argc, argv);
	si = pvfront_posix_start_info(P);
	self = pvfront_posix_domid(P);
	page = (uint8_t *)si + si->store_mfn * GUEST_PAGE_SIZE;
	check("open", pvfront_posix_xs_open(P, &xs, 0), 0);
	pvfront_xs_set_timeout(&xs, WAIT_MS);
	guest_say(P, "CLIENT DOM=%u FEATURES=%u\n", self,
		  ((struct xenstore_domain_interface *)page)->server_features);
	if (!strcmp(mode, "basic"))
		mode_basic();
	else if (!strcmp(mode, "watch"))
		mode_watch();
	else if (!strcmp(mode, "tx"))
		mode_tx();
	else if (!strcmp(mode, "share"))
		mode_share();
	else if (!strcmp(mode, "eacces") && argc > 2)
		mode_eacces(argv[2]);
	else if (!strcmp(mode, "quota"))
		mode_quota();
	else if (!strcmp(mode, "reset"))
		mode_reset();
	else if (!strcmp(mode, "busy"))
		mode_busy();
	else
		guest_say(P, "FAILED unknown mode '%s'\n", mode);
	idle();
}
