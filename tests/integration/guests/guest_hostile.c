/*
 * guest_hostile — does one hostile thing, chosen by its first word, and
 * prints what it got.
 *
 *   kernel = "guest_hostile"   cmdline = "<mode> [options]"
 *
 * Modes the guest checks by itself (CHECK lines, then "HOSTILE <mode>
 * PASS|FAIL <n>", then it powers off):
 *   evtchn         send/close/unmask/status on ports 0, free, closed,
 *                  out-of-range; alloc_unbound and bind_interdomain for
 *                  other and missing domains
 *   exhaust-ports  alloc_unbound until refused (-ENOSPC), close them all,
 *                  allocate again; prints PORTS=<n>
 *   exhaust-grant  query_size; setup_table for more frames than allowed,
 *                  with bad counts and for other domains; fills the whole
 *                  table (GRANTS=<n>)
 *   unknown        unknown hypercalls and sub-ops, bad HVM parameters
 *   oversized      pointers outside guest memory or straddling its end,
 *                  counts too large
 *   sandbox        what pvhv's seccomp deny-list and limits refuse
 *   confined       what the guest's own allowlist refuses (and allows)
 *   truncate       resizing or sealing its memory (pvhv's seals refuse)
 * Modes where dom0 does the checking (the guest prints references and
 * answers every event on PORT with a send, until destroyed):
 *   grant-outside  grants of frames past the end of memory and of pvhv's
 *                  own frames: prints GREF_<what>=<ref> lines, PORT=<port>
 *   grant-domains  grants of a good page to itself, to a missing domain,
 *                  to DOMID_INVALID and DOMID_SELF, and an accept_transfer
 *                  entry: GREF_<what>=<ref> lines, PORT=<port>
 *   flip           grants a page rw (GREF=<ref> PORT=<port>), then keeps
 *                  rewriting the entry (flags, domid, frame, one field at
 *                  a time) while dom0 maps it; on each event prints
 *                  FLIPS=<n> and answers
 *   die-mapped     grants a page rw (GREF=<ref> PORT=<port>); on the first
 *                  event prints EXITING and exits at once (status 0), or
 *                  is killed by SIGKILL with "die-mapped kill"
 * And one where pvhv must kill it:
 *   flood short|long|empty|garbage|pipeline   breaks the hypercall ABI;
 *                  prints FLOOD <how>, and SURVIVED if still alive 2 s on
 *   flood calls=N  N hypercalls back to back (legal); prints CALLS=<n>
 *                  MS=<ms>, then powers off
 * Lines that are not checks: READY once references are printed.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl_wire.h"
#include "hostile.h"
#include "pvkit/proto/console.h"
#include "pvkit/proto/hvm_params.h"
#include "pvkit/proto/sched.h"

#define MISSING_DOMID 32000
#define PORT_TRIES 10000

/* ---- checks -------------------------------------------------------------- */

void hostile_check(struct hostile *h, const char *name, long got, long want)
{
	bool ok = got == want;

	guest_say(h->p, "CHECK %s: got %ld want %ld %s\n", name, got, want,
		  ok ? "OK" : "FAIL");
	h->failed += !ok;
}

void hostile_refused(struct hostile *h, const char *name, long got)
{
	bool ok = got < 0;

	guest_say(h->p, "CHECK %s: got %ld want <0 %s\n", name, got,
		  ok ? "OK" : "FAIL");
	h->failed += !ok;
}

void hostile_info(struct hostile *h, const char *name, long got)
{
	guest_say(h->p, "INFO %s: %ld\n", name, got);
}

long hostile_call(struct hostile *h, uint64_t nr, uint64_t a1, uint64_t a2,
		  uint64_t a3)
{
	return pvfront_posix_hypercall(h->p, nr, a1, a2, a3, 0, 0);
}

uint64_t hostile_buf(const struct hostile *h)
{
	return pvfront_posix_gaddr(h->buf);
}

/* ---- event channels ------------------------------------------------------ */

static long evtchn(struct hostile *h, unsigned int cmd, const void *arg,
		   size_t len)
{
	memcpy(h->buf, arg, len);
	return hostile_call(h, __HYPERVISOR_event_channel_op, cmd,
			    hostile_buf(h), 0);
}

static long send_port(struct hostile *h, evtchn_port_t port)
{
	struct evtchn_send s = { .port = port };

	return evtchn(h, EVTCHNOP_send, &s, sizeof(s));
}

static long close_port(struct hostile *h, evtchn_port_t port)
{
	struct evtchn_close c = { .port = port };

	return evtchn(h, EVTCHNOP_close, &c, sizeof(c));
}

static long alloc_unbound(struct hostile *h, domid_t dom, domid_t remote,
			  evtchn_port_t *port)
{
	struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote };
	long rc = evtchn(h, EVTCHNOP_alloc_unbound, &a, sizeof(a));

	*port = ((struct evtchn_alloc_unbound *)(void *)h->buf)->port;
	return rc;
}

static long bind_inter(struct hostile *h, domid_t remote, evtchn_port_t port)
{
	struct evtchn_bind_interdomain b = { .remote_dom = remote,
					     .remote_port = port };

	return evtchn(h, EVTCHNOP_bind_interdomain, &b, sizeof(b));
}

static void evtchn_status_checks(struct hostile *h)
{
	struct evtchn_status st = { .dom = DOMID_SELF, .port = 100 };
	struct evtchn_unmask um = { .port = 99999 };

	hostile_check(h, "status_free_port", evtchn(h, EVTCHNOP_status, &st,
						    sizeof(st)), 0);
	hostile_check(h, "status_free_port_state",
		      ((struct evtchn_status *)(void *)h->buf)->status,
		      EVTCHNSTAT_closed);
	st.dom = MISSING_DOMID;
	st.port = 1;
	hostile_check(h, "status_missing_domain",
		      evtchn(h, EVTCHNOP_status, &st, sizeof(st)), -ESRCH);
	hostile_check(h, "unmask_bad_port",
		      evtchn(h, EVTCHNOP_unmask, &um, sizeof(um)), -EINVAL);
}

static void mode_evtchn(struct hostile *h)
{
	evtchn_port_t u, a, unused;

	hostile_check(h, "send_port0", send_port(h, 0), -EINVAL);
	hostile_check(h, "send_free_port", send_port(h, 100), -EINVAL);
	hostile_check(h, "send_port_4096", send_port(h, 4096), -EINVAL);
	hostile_check(h, "send_port_max", send_port(h, 0xffffffffu), -EINVAL);
	hostile_check(h, "alloc_unbound", alloc_unbound(h, DOMID_SELF, 0, &u),
		      0);
	hostile_check(h, "send_unbound", send_port(h, u), 0);
	hostile_check(h, "close", close_port(h, u), 0);
	hostile_check(h, "send_closed", send_port(h, u), -EINVAL);
	hostile_check(h, "close_closed", close_port(h, u), -EINVAL);
	hostile_check(h, "close_port0", close_port(h, 0), -EINVAL);
	evtchn_status_checks(h);
	hostile_check(h, "alloc_for_dom0", alloc_unbound(h, 0, 0, &unused),
		      -EPERM);
	hostile_check(h, "alloc_for_missing",
		      alloc_unbound(h, MISSING_DOMID, 0, &unused), -ESRCH);
	hostile_check(h, "bind_missing_domain", bind_inter(h, MISSING_DOMID, 1),
		      -ESRCH);
	hostile_check(h, "bind_dom0_port_not_offered", bind_inter(h, 0, 1),
		      -EINVAL);
	/* Loopback binding is legal in Xen; shown, not judged. */
	if (!alloc_unbound(h, DOMID_SELF, pvfront_posix_domid(h->p), &a))
		hostile_info(h, "bind_loopback", bind_inter(h, DOMID_SELF, a));
}

static void mode_exhaust_ports(struct hostile *h)
{
	static evtchn_port_t ports[PORT_TRIES];
	unsigned int n = 0;
	long rc = 0;

	while (n < PORT_TRIES &&
	       !(rc = alloc_unbound(h, DOMID_SELF, 0, &ports[n])))
		n++;
	guest_say(h->p, "PORTS=%u\n", n);
	hostile_check(h, "alloc_when_full", rc, -ENOSPC);
	for (unsigned int i = 0; i < n; i++)
		if (close_port(h, ports[i]))
			h->failed++;
	hostile_check(h, "alloc_after_close", alloc_unbound(h, DOMID_SELF, 0,
							   &ports[0]),
		      0);
}

/* ---- grant tables -------------------------------------------------------- */

static long gnttab(struct hostile *h, unsigned int cmd, const void *arg,
		   size_t len, uint64_t count)
{
	memcpy(h->buf, arg, len);
	return hostile_call(h, __HYPERVISOR_grant_table_op, cmd,
			    hostile_buf(h), count);
}

static long setup(struct hostile *h, domid_t dom, uint32_t nr, uint64_t count,
		  int16_t *status)
{
	struct gnttab_setup_table t = { .dom = dom, .nr_frames = nr };
	long rc;

	/* The frame list goes in the second half of the page: room for 256. */
	set_xen_guest_handle(t.frame_list,
			     (xen_pfn_t *)(void *)(h->buf + 2048));
	rc = gnttab(h, GNTTABOP_setup_table, &t, sizeof(t), count);
	*status = ((struct gnttab_setup_table *)(void *)h->buf)->status;
	return rc;
}

static void mode_exhaust_grant(struct hostile *h)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	uint32_t max, granted = 0;
	grant_ref_t ref;
	int16_t st;

	hostile_check(h, "query_size", gnttab(h, GNTTABOP_query_size, &q,
					      sizeof(q), 1), 0);
	max = ((struct gnttab_query_size *)(void *)h->buf)->max_nr_frames;
	hostile_info(h, "max_nr_frames", max);
	hostile_check(h, "query_size_count0",
		      gnttab(h, GNTTABOP_query_size, &q, sizeof(q), 0),
		      -EINVAL);
	hostile_check(h, "setup_max_plus_1", setup(h, DOMID_SELF, max + 1, 1,
						   &st), 0);
	hostile_check(h, "setup_max_plus_1_status", st, GNTST_general_error);
	hostile_check(h, "setup_4G_frames", setup(h, DOMID_SELF, 0xffffffffu,
						  1, &st), 0);
	hostile_check(h, "setup_4G_frames_status", st, GNTST_general_error);
	hostile_check(h, "setup_count2", setup(h, DOMID_SELF, 1, 2, &st),
		      -EINVAL);
	hostile_check(h, "setup_count_negative",
		      setup(h, DOMID_SELF, 1, 0x80000000u, &st), -EINVAL);
	hostile_check(h, "setup_dom0", setup(h, 0, 1, 1, &st), 0);
	hostile_check(h, "setup_dom0_status", st, GNTST_permission_denied);
	hostile_check(h, "setup_missing", setup(h, MISSING_DOMID, 1, 1, &st),
		      0);
	hostile_check(h, "setup_missing_status", st, GNTST_bad_domain);
	while (!pvfront_posix_grant_frame(h->p, 0, 4, true, &ref))
		granted++;
	guest_say(h->p, "GRANTS=%u\n", granted);
	hostile_check(h, "table_filled",
		      granted == pvfront_posix_grant_entries(h->p) -
				       GNTTAB_NR_RESERVED_ENTRIES,
		      1);
}

/* ---- unknown calls ------------------------------------------------------- */

static long hvm_param(struct hostile *h, domid_t dom, uint32_t index,
		      uint64_t *value)
{
	struct xen_hvm_param hp = { .domid = dom, .index = index };
	long rc;

	memcpy(h->buf, &hp, sizeof(hp));
	rc = hostile_call(h, __HYPERVISOR_hvm_op, HVMOP_get_param,
			  hostile_buf(h), 0);
	*value = ((struct xen_hvm_param *)(void *)h->buf)->value;
	return rc;
}

static void mode_unknown(struct hostile *h)
{
	static const uint64_t nrs[] = { 0, 12, 35, 36, 43, 99, 1000,
					1ull << 32, ~0ull };
	static const uint64_t ops[] = { __HYPERVISOR_grant_table_op,
					__HYPERVISOR_event_channel_op,
					__HYPERVISOR_sched_op,
					__HYPERVISOR_console_io,
					__HYPERVISOR_hvm_op };
	const struct start_info *si = pvfront_posix_start_info(h->p);
	char name[64];
	uint64_t v;

	for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
		snprintf(name, sizeof(name), "hypercall_%" PRIu64, nrs[i]);
		hostile_check(h, name, hostile_call(h, nrs[i], 0, 0, 0),
			      -ENOSYS);
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		snprintf(name, sizeof(name), "op%" PRIu64 "_cmd99", ops[i]);
		hostile_check(h, name, hostile_call(h, ops[i], 99,
						    hostile_buf(h), 1),
			      -ENOSYS);
		snprintf(name, sizeof(name), "op%" PRIu64 "_cmd_2^32", ops[i]);
		hostile_check(h, name, hostile_call(h, ops[i], 1ull << 32,
						    hostile_buf(h), 1),
			      -ENOSYS);
	}
	hostile_check(h, "hvm_param_bad_index",
		      hvm_param(h, DOMID_SELF, 9999, &v), -EINVAL);
	hostile_refused(h, "hvm_param_of_dom0",
			hvm_param(h, 0, HVM_PARAM_STORE_PFN, &v));
	hostile_refused(h, "hvm_param_of_missing",
			hvm_param(h, MISSING_DOMID, HVM_PARAM_STORE_PFN, &v));
	hostile_check(h, "hvm_param_store_pfn",
		      hvm_param(h, DOMID_SELF, HVM_PARAM_STORE_PFN, &v), 0);
	hostile_check(h, "hvm_param_store_pfn_value", (long)v,
		      (long)si->store_mfn);
	hostile_check(h, "hvm_param_console_evtchn",
		      hvm_param(h, DOMID_SELF, HVM_PARAM_CONSOLE_EVTCHN, &v),
		      0);
	hostile_check(h, "hvm_param_console_evtchn_value", (long)v,
		      (long)si->console.domU.evtchn);
}

/* ---- pointers and counts ------------------------------------------------- */

static void mode_oversized(struct hostile *h)
{
	uint64_t end = h->mem_end, ok = hostile_buf(h);
	static const struct {
		const char *name;
		uint64_t off;
	} bad[] = {
		{ "null", 0 },
		{ "below_memory", PVHV_GUEST_BASE - 16 },
		{ "wraps", ~0ull - 8 },
	};

	hostile_refused(h, "console_1MiB", hostile_call(h,
		__HYPERVISOR_console_io, CONSOLEIO_write, 1u << 20, ok));
	hostile_refused(h, "console_2^32", hostile_call(h,
		__HYPERVISOR_console_io, CONSOLEIO_write, 1ull << 32, ok));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char name[64];

		snprintf(name, sizeof(name), "console_%s", bad[i].name);
		hostile_check(h, name, hostile_call(h, __HYPERVISOR_console_io,
						    CONSOLEIO_write, 16,
						    bad[i].off),
			      -EFAULT);
		snprintf(name, sizeof(name), "evtchn_send_%s", bad[i].name);
		hostile_check(h, name, hostile_call(h,
			__HYPERVISOR_event_channel_op, EVTCHNOP_send,
			bad[i].off, 0), -EFAULT);
		snprintf(name, sizeof(name), "query_size_%s", bad[i].name);
		hostile_check(h, name, hostile_call(h,
			__HYPERVISOR_grant_table_op, GNTTABOP_query_size,
			bad[i].off, 1), -EFAULT);
	}
	hostile_check(h, "console_straddles_end", hostile_call(h,
		__HYPERVISOR_console_io, CONSOLEIO_write, 16, end - 4),
		-EFAULT);
	hostile_check(h, "evtchn_send_straddles_end", hostile_call(h,
		__HYPERVISOR_event_channel_op, EVTCHNOP_send, end - 2, 0),
		-EFAULT);
	hostile_check(h, "hvm_param_straddles_end", hostile_call(h,
		__HYPERVISOR_hvm_op, HVMOP_get_param, end - 8, 0), -EFAULT);
	hostile_check(h, "query_size_count_2^31-1", hostile_call(h,
		__HYPERVISOR_grant_table_op, GNTTABOP_query_size, ok,
		0x7fffffffu), -EINVAL);
	hostile_check(h, "map_count_negative", hostile_call(h,
		__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, ok,
		0x80000000u), -EINVAL);
	/* sched_poll: at most 128 ports in Xen. */
	{
		struct sched_poll sp = { .nr_ports = 1u << 20 };

		set_xen_guest_handle(sp.ports,
				     (evtchn_port_t *)(void *)(h->buf + 64));
		memcpy(h->buf, &sp, sizeof(sp));
		hostile_check(h, "poll_2^20_ports", hostile_call(h,
			__HYPERVISOR_sched_op, SCHEDOP_poll, ok, 0), -EINVAL);
	}
}

/* ---- grants for dom0 to try ---------------------------------------------- */

static void grant_or_fail(struct hostile *h, const char *what, domid_t dom,
			  uint32_t frame)
{
	grant_ref_t ref;
	int rc = pvfront_posix_grant_frame(h->p, dom, frame, false, &ref);

	if (rc)
		guest_fail(h->p, what, rc);
	guest_say(h->p, "GREF_%s=%u\n", what, ref);
}

static evtchn_port_t offer_port(struct hostile *h)
{
	evtchn_port_t port;
	int rc = pvfront_posix_evtchn_alloc_unbound(h->p, 0, &port);

	if (rc)
		guest_fail(h->p, "evtchn_alloc_unbound", rc);
	guest_say(h->p, "PORT=%u\nREADY\n", port);
	return port;
}

static _Noreturn void answer_forever(struct hostile *h, evtchn_port_t port)
{
	for (;;)
		if (guest_wait_port(h->p, port, -1))
			pvfront_posix_evtchn_send(h->p, port);
}

static void mode_grant_outside(struct hostile *h)
{
	const struct start_info *si = pvfront_posix_start_info(h->p);
	uint32_t nr = (uint32_t)si->nr_pages;

	grant_or_fail(h, "past_end", 0, nr);
	grant_or_fail(h, "far", 0, nr + 1000);
	grant_or_fail(h, "max", 0, 0xffffffffu);
	grant_or_fail(h, "start_info", 0, 0);
	grant_or_fail(h, "shared_info", 0, 1);
	grant_or_fail(h, "grant_table", 0, 4);
	answer_forever(h, offer_port(h));
}

static void mode_grant_domains(struct hostile *h)
{
	uint8_t *page = guest_pattern_page(h->p);
	uint32_t gfn = (uint32_t)pvfront_posix_gfn(h->p, page);
	struct grant_entry_v1 *e;
	grant_ref_t ref;

	grant_or_fail(h, "self", pvfront_posix_domid(h->p), gfn);
	grant_or_fail(h, "missing", MISSING_DOMID, gfn);
	grant_or_fail(h, "invalid", DOMID_INVALID, gfn);
	grant_or_fail(h, "domid_self", DOMID_SELF, gfn);
	/* An entry of the wrong type, written by hand. */
	if (pvfront_posix_grant_frame(h->p, 0, gfn, false, &ref))
		guest_fail(h->p, "grant_frame", -ENOSPC);
	e = pvfront_posix_grant_entry(h->p, ref);
	__atomic_store_n(&e->flags, (uint16_t)GTF_accept_transfer,
			 __ATOMIC_RELEASE);
	guest_say(h->p, "GREF_transfer=%u\n", ref);
	answer_forever(h, offer_port(h));
}

/* Rewrite the entry a field at a time, as a guest racing dom0's map. */
static _Noreturn void mode_flip(struct hostile *h)
{
	uint8_t *page = guest_pattern_page(h->p);
	uint32_t gfn = (uint32_t)pvfront_posix_gfn(h->p, page);
	uint32_t bad = (uint32_t)pvfront_posix_start_info(h->p)->nr_pages + 5;
	volatile struct grant_entry_v1 *e;
	evtchn_port_t port;
	grant_ref_t ref;

	guest_share(h->p, page, false, &ref, &port);
	guest_say(h->p, "READY\n");
	e = pvfront_posix_grant_entry(h->p, ref);
	for (uint64_t i = 1;; i++) {
		switch (i % 7) {
		case 0: e->flags = GTF_permit_access | GTF_readonly; break;
		case 1: e->flags = GTF_permit_access; break;
		case 2: e->domid = 7; break;
		case 3: e->frame = bad; break;
		case 4: e->domid = 0; break;
		case 5: e->frame = gfn; break;
		default: e->flags = 0; break;
		}
		if (i % 4096 == 0 && guest_wait_port(h->p, port, 0)) {
			guest_say(h->p, "FLIPS=%" PRIu64 "\n", i);
			pvfront_posix_evtchn_send(h->p, port);
		}
	}
}

static _Noreturn void mode_die_mapped(struct hostile *h, bool kill_self)
{
	evtchn_port_t port;
	grant_ref_t ref;

	guest_share(h->p, guest_pattern_page(h->p), false, &ref, &port);
	guest_say(h->p, "READY\n");
	while (!guest_wait_port(h->p, port, -1))
		;
	guest_say(h->p, "EXITING\n");
	if (kill_self)
		raise(SIGKILL);
	_exit(0);
}

/* ---- main ---------------------------------------------------------------- */

static void finish(struct hostile *h, const char *mode)
{
	if (h->failed)
		guest_say(h->p, "HOSTILE %s FAIL %u\n", mode, h->failed);
	else
		guest_say(h->p, "HOSTILE %s PASS\n", mode);
	pvfront_posix_shutdown(h->p, SHUTDOWN_poweroff);
}

static void open_hostile(struct hostile *h, int argc, char **argv,
			 bool confine)
{
	struct pvfront_posix *p;
	int rc = pvfront_posix_open(0, &p);

	if (rc) {
		fprintf(stderr, "guest_hostile: open: %s\n", strerror(-rc));
		_exit(2);
	}
	h->p = p;
	h->buf = pvfront_posix_alloc_pages(p, 1);
	h->mem_end = PVHV_GUEST_BASE +
		     ((uint64_t)pvfront_posix_start_info(p)->nr_pages << 12);
	if (!h->buf)
		guest_fail(p, "alloc_pages", -ENOMEM);
	if (confine && !guest_has(argc, argv, "noconfine") &&
	    (rc = pvfront_posix_confine(p)))
		guest_fail(p, "confine", rc);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	/* These probe the host or pvhv's own filter: no second filter. */
	bool host = !strcmp(mode, "sandbox") || !strcmp(mode, "truncate");
	struct hostile h = { 0 };

	open_hostile(&h, argc, argv, !host);
	guest_say(h.p, "MODE %s\n", mode);
	if (!strcmp(mode, "evtchn"))
		mode_evtchn(&h);
	else if (!strcmp(mode, "exhaust-ports"))
		mode_exhaust_ports(&h);
	else if (!strcmp(mode, "exhaust-grant"))
		mode_exhaust_grant(&h);
	else if (!strcmp(mode, "unknown"))
		mode_unknown(&h);
	else if (!strcmp(mode, "oversized"))
		mode_oversized(&h);
	else if (!strcmp(mode, "sandbox"))
		mode_sandbox(&h);
	else if (!strcmp(mode, "confined"))
		mode_confined(&h);
	else if (!strcmp(mode, "truncate"))
		mode_truncate(&h);
	else if (!strcmp(mode, "grant-outside"))
		mode_grant_outside(&h);
	else if (!strcmp(mode, "grant-domains"))
		mode_grant_domains(&h);
	else if (!strcmp(mode, "flip"))
		mode_flip(&h);
	else if (!strcmp(mode, "die-mapped"))
		mode_die_mapped(&h, guest_has(argc, argv, "kill"));
	else if (!strcmp(mode, "flood"))
		mode_flood(&h, argc, argv);
	else
		guest_fail(h.p, "unknown mode", -EINVAL);
	finish(&h, mode);
	return 0;
}
