/*
 * Unit tests for 2-level event bitmaps (pvkit/evtchn.h, ring/evtchn.c).
 *
 * Word width follows xen_ulong_t (32 bits on i386, 64 elsewhere, Arm32
 * included), so every expectation is written in terms of
 * PV_EVTCHN_2L_BITS.
 */
#include "unit.h"


#include "pvkit/evtchn.h"
#include "pvkit/proto/errno.h"

#define BITS PV_EVTCHN_2L_BITS
#define PORTS PV_EVTCHN_2L_PORTS
#define ONE ((xen_ulong_t)1)

static struct shared_info si;

static struct vcpu_info *vcpu(void)
{
	memset(&si, 0, sizeof(si));
	return &si.vcpu_info[0];
}

static bool pending_bit(evtchn_port_t p)
{
	return (si.evtchn_pending[p / BITS] >> (p % BITS)) & 1;
}

static void geometry(void **state)
{
	(void)state;
	assert_int_equal(BITS, sizeof(xen_ulong_t) * 8);
	assert_int_equal(PORTS, BITS * BITS);
	assert_int_equal(PORTS, EVTCHN_2L_NR_CHANNELS);
	assert_int_equal(sizeof(si.evtchn_pending) * 8, PORTS);
	assert_int_equal(sizeof(si.evtchn_mask) * 8, PORTS);
#if defined(__i386__)
	assert_int_equal(PORTS, 1024);
#else
	assert_int_equal(PORTS, 4096); /* x86_64, aarch64 and armhf */
#endif
}

static void set_pending_wakes_once(void **state)
{
	struct vcpu_info *v = vcpu();

	(void)state;
	assert_int_equal(pv_evtchn_set_pending(&si, v, 5), 1);
	assert_true(si.evtchn_pending[0] == (ONE << 5));
	assert_true(v->evtchn_pending_sel == ONE);
	assert_int_equal(v->evtchn_upcall_pending, 1);
	/* Already pending: merged, no wake. */
	assert_int_equal(pv_evtchn_set_pending(&si, v, 5), 0);
	/* Another port, same word: selector already set. */
	assert_int_equal(pv_evtchn_set_pending(&si, v, 6), 0);
	assert_true(si.evtchn_pending[0] == ((ONE << 5) | (ONE << 6)));
	/* Another word: selector bit set, but the vCPU is already told. */
	assert_int_equal(pv_evtchn_set_pending(&si, v, BITS + 3), 0);
	assert_true(si.evtchn_pending[1] == (ONE << 3));
	assert_true(v->evtchn_pending_sel == 3);
	assert_int_equal(v->evtchn_upcall_pending, 1);
}

static void set_pending_masked(void **state)
{
	struct vcpu_info *v = vcpu();

	(void)state;
	assert_int_equal(pv_evtchn_mask(&si, 7), 0);
	assert_int_equal(pv_evtchn_set_pending(&si, v, 7), 0);
	assert_true(pending_bit(7));
	assert_true(v->evtchn_pending_sel == 0);
	assert_int_equal(v->evtchn_upcall_pending, 0);
	/* Unmasking delivers what arrived while masked. */
	assert_int_equal(pv_evtchn_unmask(&si, v, 7), 1);
	assert_int_equal(pv_evtchn_is_masked(&si, 7), 0);
	assert_true(v->evtchn_pending_sel == ONE);
	assert_int_equal(v->evtchn_upcall_pending, 1);
	assert_int_equal(pv_evtchn_unmask(&si, v, 7), 0); /* not masked */
}

static void unmask_without_pending(void **state)
{
	struct vcpu_info *v = vcpu();

	(void)state;
	pv_evtchn_mask(&si, BITS + 1);
	assert_int_equal(pv_evtchn_unmask(&si, v, BITS + 1), 0);
	assert_true(v->evtchn_pending_sel == 0);
	assert_int_equal(v->evtchn_upcall_pending, 0);
	assert_int_equal(pv_evtchn_unmask(&si, v, 9), 0); /* never masked */
}

static void mask_and_query(void **state)
{
	(void)state;
	vcpu();
	assert_int_equal(pv_evtchn_is_masked(&si, 40), 0);
	assert_int_equal(pv_evtchn_mask(&si, 40), 0);
	assert_int_equal(pv_evtchn_mask(&si, 40), 0);
	assert_int_equal(pv_evtchn_is_masked(&si, 40), 1);
	assert_true(si.evtchn_mask[40 / BITS] == ONE << (40 % BITS));
	assert_int_equal(pv_evtchn_is_pending(&si, 40), 0);
	assert_int_equal(pv_evtchn_is_masked(&si, 41), 0);
}

static void clear_pending_reports_old_state(void **state)
{
	struct vcpu_info *v = vcpu();

	(void)state;
	pv_evtchn_set_pending(&si, v, 12);
	assert_int_equal(pv_evtchn_is_pending(&si, 12), 1);
	assert_int_equal(pv_evtchn_clear_pending(&si, 12), 1);
	assert_int_equal(pv_evtchn_is_pending(&si, 12), 0);
	assert_int_equal(pv_evtchn_clear_pending(&si, 12), 0);
	assert_true(si.evtchn_pending[0] == 0);
}

/* The last port works in every call; the next is refused by all, and
 * nothing in the page changes. */
static void ports_at_and_past_limit(void **state)
{
	static const evtchn_port_t bad[] = { PORTS, PORTS + 1, 0x7fffffffu,
					     0xffffffffu };
	struct vcpu_info *v = vcpu();
	struct shared_info before;
	const evtchn_port_t last = PORTS - 1;

	(void)state;
	assert_int_equal(pv_evtchn_set_pending(&si, v, last), 1);
	assert_true(si.evtchn_pending[BITS - 1] == ONE << (BITS - 1));
	assert_true(v->evtchn_pending_sel == ONE << (BITS - 1));
	assert_int_equal(pv_evtchn_mask(&si, last), 0);
	assert_true(si.evtchn_mask[BITS - 1] == ONE << (BITS - 1));
	assert_int_equal(pv_evtchn_is_masked(&si, last), 1);
	assert_int_equal(pv_evtchn_is_pending(&si, last), 1);
	assert_int_equal(pv_evtchn_unmask(&si, v, last), 1);
	assert_int_equal(pv_evtchn_clear_pending(&si, last), 1);

	memcpy(&before, &si, sizeof(si));
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pv_evtchn_set_pending(&si, v, bad[i]),
				 -XEN_EINVAL);
		assert_int_equal(pv_evtchn_mask(&si, bad[i]), -XEN_EINVAL);
		assert_int_equal(pv_evtchn_unmask(&si, v, bad[i]),
				 -XEN_EINVAL);
		assert_int_equal(pv_evtchn_clear_pending(&si, bad[i]),
				 -XEN_EINVAL);
		assert_int_equal(pv_evtchn_is_pending(&si, bad[i]),
				 -XEN_EINVAL);
		assert_int_equal(pv_evtchn_is_masked(&si, bad[i]),
				 -XEN_EINVAL);
	}
	assert_memory_equal(&si, &before, sizeof(si));
}

static void scan_collects_in_order(void **state)
{
	struct vcpu_info *v = vcpu();
	evtchn_port_t got[16];
	const evtchn_port_t want[] = { 1, BITS + 6, PORTS - 1 };

	(void)state;
	pv_evtchn_set_pending(&si, v, PORTS - 1);
	pv_evtchn_set_pending(&si, v, 1);
	pv_evtchn_set_pending(&si, v, BITS + 6);
	assert_int_equal(pv_evtchn_scan(&si, v, got, 16), 3);
	assert_memory_equal(got, want, sizeof want);
	for (unsigned w = 0; w < BITS; w++)
		assert_true(si.evtchn_pending[w] == 0);
	assert_true(v->evtchn_pending_sel == 0);
	assert_int_equal(v->evtchn_upcall_pending, 0);
	assert_int_equal(pv_evtchn_scan(&si, v, got, 16), 0);
}

static void scan_skips_masked(void **state)
{
	struct vcpu_info *v = vcpu();
	evtchn_port_t got[4];

	(void)state;
	pv_evtchn_set_pending(&si, v, 3);
	pv_evtchn_mask(&si, 3); /* masked after it was raised */
	pv_evtchn_set_pending(&si, v, 4);
	assert_int_equal(pv_evtchn_scan(&si, v, got, 4), 1);
	assert_int_equal(got[0], 4);
	assert_true(pending_bit(3)); /* kept for later */
	assert_int_equal(pv_evtchn_unmask(&si, v, 3), 1);
	assert_int_equal(v->evtchn_upcall_pending, 1);
	assert_int_equal(pv_evtchn_scan(&si, v, got, 4), 1);
	assert_int_equal(got[0], 3);
	assert_false(pending_bit(3));
}

/* The selector decides which words are looked at. */
static void scan_follows_selector(void **state)
{
	struct vcpu_info *v = vcpu();
	evtchn_port_t got[4];

	(void)state;
	si.evtchn_pending[2] = ONE; /* pending, but never announced */
	v->evtchn_upcall_pending = 1;
	assert_int_equal(pv_evtchn_scan(&si, v, got, 4), 0);
	assert_int_equal(v->evtchn_upcall_pending, 0);
	assert_true(si.evtchn_pending[2] == ONE);
	v->evtchn_pending_sel = ONE << 2;
	assert_int_equal(pv_evtchn_scan(&si, v, got, 4), 1);
	assert_int_equal(got[0], 2 * BITS);
}

/* A scan that stops at max leaves the rest announced, and the following
 * scans take exactly the rest: no port lost, none twice. */
static void scan_resumes_after_max(void **state)
{
	struct vcpu_info *v = vcpu();
	const evtchn_port_t set[] = { 0,        2,        BITS - 1,
				      BITS,     BITS + 1, BITS + 9,
				      3 * BITS, 3 * BITS + 2,
				      PORTS - 2, PORTS - 1 };
	const unsigned n = sizeof(set) / sizeof(set[0]);
	evtchn_port_t got[sizeof(set) / sizeof(set[0])];
	unsigned total = 0, k;

	(void)state;
	for (unsigned i = 0; i < n; i++)
		pv_evtchn_set_pending(&si, v, set[i]);
	while ((k = pv_evtchn_scan(&si, v, got + total, 3)) > 0) {
		assert_true(k <= 3);
		total += k;
		assert_true(total <= n);
		/* More to do: the flag and selector say so. */
		assert_int_equal(v->evtchn_upcall_pending, total < n);
		assert_int_equal(v->evtchn_pending_sel != 0, total < n);
	}
	assert_int_equal(total, n);
	assert_memory_equal(got, set, sizeof set);
	assert_int_equal(v->evtchn_upcall_pending, 0);
}

/* max exactly the number pending: nothing is left, so nothing stays
 * announced. */
static void scan_max_equals_pending(void **state)
{
	struct vcpu_info *v = vcpu();
	evtchn_port_t got[2];

	(void)state;
	pv_evtchn_set_pending(&si, v, 8);
	pv_evtchn_set_pending(&si, v, BITS + 8);
	assert_int_equal(pv_evtchn_scan(&si, v, got, 2), 2);
	assert_int_equal(got[0], 8);
	assert_int_equal(got[1], BITS + 8);
	assert_int_equal(v->evtchn_upcall_pending, 0);
	assert_true(v->evtchn_pending_sel == 0);
}

static void scan_max_zero(void **state)
{
	struct vcpu_info *v = vcpu();
	evtchn_port_t got[1] = { 0xabcd };

	(void)state;
	pv_evtchn_set_pending(&si, v, BITS + 5);
	assert_int_equal(pv_evtchn_scan(&si, v, got, 0), 0);
	assert_int_equal(got[0], 0xabcd);
	assert_int_equal(v->evtchn_upcall_pending, 1);
	assert_true(v->evtchn_pending_sel == ONE << 1);
	assert_true(pending_bit(BITS + 5));
	assert_int_equal(pv_evtchn_scan(&si, v, got, 1), 1);
	assert_int_equal(got[0], BITS + 5);
}

/* After a scan has taken everything, the next event wakes again. */
static void raise_after_scan_wakes(void **state)
{
	struct vcpu_info *v = vcpu();
	evtchn_port_t got[4];

	(void)state;
	assert_int_equal(pv_evtchn_set_pending(&si, v, 20), 1);
	assert_int_equal(pv_evtchn_scan(&si, v, got, 4), 1);
	assert_int_equal(pv_evtchn_set_pending(&si, v, 20), 1);
	assert_int_equal(pv_evtchn_set_pending(&si, v, 21), 0);
	assert_int_equal(pv_evtchn_scan(&si, v, got, 4), 2);
}

/* Every port, one at a time, lands on its own bit and is found. */
static void every_port_roundtrip(void **state)
{
	struct vcpu_info *v = vcpu();
	evtchn_port_t got[2];

	(void)state;
	for (evtchn_port_t p = 0; p < PORTS; p++) {
		assert_int_equal(pv_evtchn_set_pending(&si, v, p), 1);
		assert_true(v->evtchn_pending_sel == ONE << (p / BITS));
		assert_int_equal(pv_evtchn_scan(&si, v, got, 2), 1);
		assert_int_equal(got[0], p);
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(geometry),
	cmocka_unit_test(set_pending_wakes_once),
	cmocka_unit_test(set_pending_masked),
	cmocka_unit_test(unmask_without_pending),
	cmocka_unit_test(mask_and_query),
	cmocka_unit_test(clear_pending_reports_old_state),
	cmocka_unit_test(ports_at_and_past_limit),
	cmocka_unit_test(scan_collects_in_order),
	cmocka_unit_test(scan_skips_masked),
	cmocka_unit_test(scan_follows_selector),
	cmocka_unit_test(scan_resumes_after_max),
	cmocka_unit_test(scan_max_equals_pending),
	cmocka_unit_test(scan_max_zero),
	cmocka_unit_test(raise_after_scan_wakes),
	cmocka_unit_test(every_port_roundtrip),
};

PV_UNIT_MAIN("evtchn", tests)
