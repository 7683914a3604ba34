/*
 * Unit tests for grant entries (pvkit/grant.h, ring/grant.c): the guest's
 * access/end_access and the hypervisor's pin/unpin, including a guest that
 * rewrites its entry while the hypervisor pins it.
 */
#include "unit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "pvkit/grant.h"
#include "pvkit/proto/errno.h"

#define FRAME 0x12345u
#define SENTINEL 0xdeadbeefu

static struct grant_entry_v1 entry(uint16_t flags, domid_t domid,
				   uint32_t frame)
{
	return (struct grant_entry_v1){ .flags = flags, .domid = domid,
					.frame = frame };
}

static void assert_entry(const struct grant_entry_v1 *e, unsigned flags,
			 unsigned domid, uint32_t frame)
{
	assert_int_equal(e->flags, flags);
	assert_int_equal(e->domid, domid);
	assert_int_equal(e->frame, frame);
}

static void entry_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct grant_entry_v1), 8);
	assert_int_equal(offsetof(struct grant_entry_v1, flags), 0);
	assert_int_equal(offsetof(struct grant_entry_v1, domid), 2);
	assert_int_equal(offsetof(struct grant_entry_v1, frame), 4);
	assert_int_equal(GTF_permit_access, 1);
	assert_int_equal(GTF_readonly, 4);
	assert_int_equal(GTF_reading, 8);
	assert_int_equal(GTF_writing, 16);
	assert_int_equal(GTF_sub_page, 256);
}

static void access_fills_entry(void **state)
{
	struct grant_entry_v1 e = entry(0, 0, 0);

	(void)state;
	assert_int_equal(pv_grant_access(&e, 5, FRAME, false), 0);
	assert_entry(&e, GTF_permit_access, 5, FRAME);
	e = entry(0, 0xffff, 0xffffffffu);
	assert_int_equal(pv_grant_access(&e, 0, 7, true), 0);
	assert_entry(&e, GTF_permit_access | GTF_readonly, 0, 7);
}

/* An entry whose flags are not clear is still someone's grant. */
static void access_refused_while_in_use(void **state)
{
	static const uint16_t busy[] = {
		GTF_permit_access, GTF_permit_access | GTF_readonly,
		GTF_reading, GTF_writing, GTF_accept_transfer, GTF_PWT,
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(busy) / sizeof(busy[0]); i++) {
		struct grant_entry_v1 e = entry(busy[i], 3, 99);

		assert_int_equal(pv_grant_access(&e, 5, FRAME, false),
				 -XEN_EBUSY);
		assert_entry(&e, busy[i], 3, 99);
	}
}

static void end_access_then_reuse(void **state)
{
	struct grant_entry_v1 e = entry(0, 0, 0);

	(void)state;
	assert_int_equal(pv_grant_access(&e, 1, FRAME, true), 0);
	assert_int_equal(pv_grant_end_access(&e), 0);
	assert_int_equal(e.flags, 0);
	assert_int_equal(pv_grant_access(&e, 2, FRAME + 1, false), 0);
	assert_entry(&e, GTF_permit_access, 2, FRAME + 1);
	/* Ending a free entry is harmless. */
	e = entry(0, 0, 0);
	assert_int_equal(pv_grant_end_access(&e), 0);
	assert_int_equal(e.flags, 0);
}

static void end_access_refused_while_mapped(void **state)
{
	static const uint16_t mapped[] = { GTF_reading, GTF_writing,
					   GTF_reading | GTF_writing };

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		uint16_t f = (uint16_t)(GTF_permit_access | mapped[i]);
		struct grant_entry_v1 e = entry(f, 1, FRAME);

		assert_int_equal(pv_grant_end_access(&e), -XEN_EBUSY);
		assert_int_equal(pv_grant_end_access(&e), -XEN_EBUSY);
		assert_entry(&e, f, 1, FRAME);
		pv_grant_unpin(&e, GTF_reading | GTF_writing);
		assert_int_equal(pv_grant_end_access(&e), 0);
		assert_int_equal(e.flags, 0);
	}
}

static void in_use_reports_mappings(void **state)
{
	struct grant_entry_v1 e = entry(0, 0, 0);

	(void)state;
	assert_false(pv_grant_in_use(&e));
	e.flags = GTF_permit_access | GTF_readonly;
	assert_false(pv_grant_in_use(&e));
	e.flags = GTF_permit_access | GTF_reading;
	assert_true(pv_grant_in_use(&e));
	e.flags = GTF_permit_access | GTF_writing;
	assert_true(pv_grant_in_use(&e));
}

static void pin_writable(void **state)
{
	struct grant_entry_v1 e = entry(0, 0, 0);
	uint32_t frame = SENTINEL;

	(void)state;
	pv_grant_access(&e, 0, FRAME, false);
	assert_int_equal(pv_grant_pin(&e, 0, false, &frame), GNTST_okay);
	assert_int_equal(frame, FRAME);
	assert_entry(&e, GTF_permit_access | GTF_reading | GTF_writing, 0,
		     FRAME);
	assert_true(pv_grant_in_use(&e));
	/* A second mapping pins again. */
	frame = SENTINEL;
	assert_int_equal(pv_grant_pin(&e, 0, true, &frame), GNTST_okay);
	assert_int_equal(frame, FRAME);
	assert_int_equal(e.flags,
			 GTF_permit_access | GTF_reading | GTF_writing);
}

static void pin_readonly(void **state)
{
	struct grant_entry_v1 e = entry(0, 0, 0);
	uint32_t frame = SENTINEL;

	(void)state;
	/* Read-only mapping of a writable grant: GTF_reading only. */
	pv_grant_access(&e, 4, FRAME, false);
	assert_int_equal(pv_grant_pin(&e, 4, true, &frame), GNTST_okay);
	assert_int_equal(frame, FRAME);
	assert_int_equal(e.flags, GTF_permit_access | GTF_reading);
	/* Read-only mapping of a read-only grant. */
	e = entry(0, 0, 0);
	pv_grant_access(&e, 4, FRAME, true);
	assert_int_equal(pv_grant_pin(&e, 4, true, &frame), GNTST_okay);
	assert_int_equal(e.flags,
			 GTF_permit_access | GTF_readonly | GTF_reading);
}

static void pin_readonly_grant_writable(void **state)
{
	struct grant_entry_v1 e = entry(0, 0, 0);
	uint32_t frame = SENTINEL;

	(void)state;
	pv_grant_access(&e, 4, FRAME, true);
	assert_int_equal(pv_grant_pin(&e, 4, false, &frame),
			 GNTST_general_error);
	assert_int_equal(frame, SENTINEL);
	assert_entry(&e, GTF_permit_access | GTF_readonly, 4, FRAME);
	/* Even while already mapped read-only. */
	assert_int_equal(pv_grant_pin(&e, 4, true, &frame), GNTST_okay);
	assert_int_equal(pv_grant_pin(&e, 4, false, &frame),
			 GNTST_general_error);
	assert_int_equal(e.flags,
			 GTF_permit_access | GTF_readonly | GTF_reading);
}

static void pin_wrong_domid(void **state)
{
	static const domid_t others[] = { 0, 2, 4, DOMID_SELF, 0xffff };
	struct grant_entry_v1 e = entry(0, 0, 0);

	(void)state;
	pv_grant_access(&e, 3, FRAME, false);
	for (unsigned i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		uint32_t frame = SENTINEL;

		assert_int_equal(pv_grant_pin(&e, others[i], true, &frame),
				 GNTST_general_error);
		assert_int_equal(pv_grant_pin(&e, others[i], false, &frame),
				 GNTST_general_error);
		assert_int_equal(frame, SENTINEL);
	}
	assert_entry(&e, GTF_permit_access, 3, FRAME);
}

/* Entries that permit no mapping: free, revoked, transfer, v2-only. */
static void pin_not_permitted(void **state)
{
	static const uint16_t bad[] = {
		GTF_invalid,
		GTF_readonly,
		GTF_accept_transfer,
		GTF_accept_transfer | GTF_transfer_committed,
		GTF_transitive,
		GTF_permit_access | GTF_sub_page,
		GTF_permit_access | GTF_sub_page | GTF_readonly,
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct grant_entry_v1 e = entry(bad[i], 1, FRAME);
		uint32_t frame = SENTINEL;

		assert_int_equal(pv_grant_pin(&e, 1, true, &frame),
				 GNTST_general_error);
		assert_int_equal(frame, SENTINEL);
		assert_entry(&e, bad[i], 1, FRAME);
	}
}

/* Cache-attribute bits do not stop a pin and are kept. */
static void pin_keeps_other_bits(void **state)
{
	uint16_t f = GTF_permit_access | GTF_PWT | GTF_PCD;
	struct grant_entry_v1 e = entry(f, 1, FRAME);
	uint32_t frame;

	(void)state;
	assert_int_equal(pv_grant_pin(&e, 1, false, &frame), GNTST_okay);
	assert_int_equal(e.flags, f | GTF_reading | GTF_writing);
	pv_grant_unpin(&e, GTF_reading | GTF_writing);
	assert_int_equal(e.flags, f);
}

static void unpin_clears_only_mapping_bits(void **state)
{
	struct grant_entry_v1 e = entry(0, 0, 0);
	uint32_t frame;

	(void)state;
	pv_grant_access(&e, 1, FRAME, false);
	pv_grant_pin(&e, 1, false, &frame);
	pv_grant_unpin(&e, GTF_writing);
	assert_int_equal(e.flags, GTF_permit_access | GTF_reading);
	assert_int_equal(pv_grant_end_access(&e), -XEN_EBUSY);
	/* Bits other than reading/writing are ignored. */
	pv_grant_unpin(&e, 0xffff & (uint16_t)~GTF_reading);
	assert_int_equal(e.flags, GTF_permit_access | GTF_reading);
	pv_grant_unpin(&e, GTF_reading);
	assert_int_equal(e.flags, GTF_permit_access);
	pv_grant_unpin(&e, GTF_reading | GTF_writing); /* idempotent */
	assert_entry(&e, GTF_permit_access, 1, FRAME);
	assert_int_equal(pv_grant_end_access(&e), 0);
	/* Once ended, no new pin. */
	assert_int_equal(pv_grant_pin(&e, 1, true, &frame),
			 GNTST_general_error);
}

/* ---- a guest racing the pin -------------------------------------------- */

struct race {
	struct grant_entry_v1 e;
	atomic_bool stop;
	atomic_ulong flips;
};

static uint32_t head(uint16_t flags, domid_t domid)
{
	struct {
		uint16_t f;
		domid_t d;
	} h = { flags, domid };
	uint32_t w;

	memcpy(&w, &h, sizeof(w));
	return w;
}

/* The guest keeps swapping its entry between "read-only for domain 1"
 * and "writable for domain 2", wiping any in-use bits as it goes. */
static void *hostile_guest(void *arg)
{
	struct race *r = arg;
	_Atomic uint32_t *w = (_Atomic uint32_t *)(void *)&r->e;
	const uint32_t a = head(GTF_permit_access | GTF_readonly, 1);
	const uint32_t b = head(GTF_permit_access, 2);

	while (!atomic_load(&r->stop)) {
		atomic_store(w, a);
		atomic_store(w, b);
		atomic_fetch_add(&r->flips, 1);
	}
	return NULL;
}

static void pin_races_hostile_guest(void **state)
{
	static struct race r;
	pthread_t t;
	unsigned long okay_ro = 0;

	(void)state;
	r.e = entry(GTF_permit_access | GTF_readonly, 1, FRAME);
	atomic_store(&r.stop, false);
	atomic_store(&r.flips, 0);
	assert_int_equal(pthread_create(&t, NULL, hostile_guest, &r), 0);
	while (atomic_load(&r.flips) == 0)
		; /* the guest is running */
	for (int i = 0; i < 20000; i++) {
		uint32_t frame;

		/* Domain 1 never holds a writable grant. */
		assert_int_not_equal(pv_grant_pin(&r.e, 1, false, &frame),
				     GNTST_okay);
		if (pv_grant_pin(&r.e, 1, true, &frame) == GNTST_okay) {
			assert_int_equal(frame, FRAME);
			okay_ro++;
		}
	}
	atomic_store(&r.stop, true);
	pthread_join(t, NULL);
	print_message("read-only pins won %lu of 20000 races\n", okay_ro);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(entry_layout),
	cmocka_unit_test(access_fills_entry),
	cmocka_unit_test(access_refused_while_in_use),
	cmocka_unit_test(end_access_then_reuse),
	cmocka_unit_test(end_access_refused_while_mapped),
	cmocka_unit_test(in_use_reports_mappings),
	cmocka_unit_test(pin_writable),
	cmocka_unit_test(pin_readonly),
	cmocka_unit_test(pin_readonly_grant_writable),
	cmocka_unit_test(pin_wrong_domid),
	cmocka_unit_test(pin_not_permitted),
	cmocka_unit_test(pin_keeps_other_bits),
	cmocka_unit_test(unpin_clears_only_mapping_bits),
	cmocka_unit_test(pin_races_hostile_guest),
};

PV_UNIT_MAIN("grant", tests)
