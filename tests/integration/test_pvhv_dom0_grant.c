/*
 * dom0's own grants on a real pvhv (PVHV_CTL_GRANT_ALLOC / _END,
 * pvhv_grant_alloc / pvhv_grant_free) mapped by real process guests
 * (guest_d0gnt, pvfront_posix_map_foreign): what dom0 writes the guest
 * reads and the other way round, over several map batches; grants ended
 * while mapped stay the guest's until it unmaps, and new grants are fresh
 * memory; a guest cannot map what was granted to another guest, read-only
 * grants writable, or references that are none; a guest that dies drops
 * its mappings.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "harness.h"

#define WORDS 1024u /* uint32_t per page */

struct d0gnt_cmd {
	uint32_t op, first, n, ro;
};

struct guest {
	domid_t dom;
	struct d0gnt_cmd *page; /* the guest's command page, mapped */
	struct pvhv_port *port;
};

static int setup(void **state)
{
	static struct hvt t;

	*state = &t;
	return hvt_start(&t, NULL);
}

static int teardown(void **state)
{
	return hvt_stop(*state);
}

static void start(struct hvt *t, const char *name, struct guest *g)
{
	char line[256];
	grant_ref_t ref;

	assert_int_equal(hvt_create(t, name, "guest_d0gnt", "", NULL, &g->dom),
			 0);
	assert_int_equal(
	    hvt_console_expect(t, g->dom, "GREF=", line, sizeof(line), 5000),
	    0);
	ref = (grant_ref_t)hvt_field(line, "GREF");
	assert_int_equal(pvhv_grant_map(t->h, g->dom, &ref, 1,
					PROT_READ | PROT_WRITE,
					(void **)&g->page),
			 0);
	assert_int_equal(
	    pvhv_evtchn_bind_interdomain(
		t->h, g->dom, (evtchn_port_t)hvt_field(line, "PORT"), &g->port),
	    0);
	pvhv_port_drain(g->port);
}

static void stop(struct hvt *t, struct guest *g)
{
	assert_int_equal(pvhv_port_unbind(g->port), 0);
	assert_int_equal(pvhv_grant_unmap(t->h, g->page, 1), 0);
	assert_int_equal(pvhv_domain_destroy(t->h, g->dom), 0);
}

/* Send one command and wait for the answer (it follows the line). */
static void ask(struct guest *g, uint32_t op, uint32_t first, uint32_t n,
		bool ro)
{
	*g->page = (struct d0gnt_cmd){op, first, n, ro};
	assert_int_equal(pvhv_port_notify(g->port), 0);
	assert_int_equal(hvt_wait_event(g->port, 10000), 0);
}

/* MAP: the guest's rc, and its count of pages that were wrong. */
static long map(struct hvt *t, struct guest *g, grant_ref_t first, uint32_t n,
		bool ro, long *bad)
{
	ask(g, 1, first, n, ro);
	if (bad)
		*bad = hvt_last_field(t, g->dom, "bad");
	return hvt_last_field(t, g->dom, "err");
}

static uint32_t *alloc(struct hvt *t, struct guest *g, unsigned int n, bool ro,
		       grant_ref_t *first)
{
	grant_ref_t refs[1024];
	void *mem;

	assert_true(n <= 1024);
	assert_int_equal(pvhv_grant_alloc(t->h, g->dom, n, ro, refs, &mem), 0);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(refs[i], refs[0] + i);
	*first = refs[0];
	return mem;
}

static long unmap(struct hvt *t, struct guest *g)
{
	ask(g, 2, 0, 0, false);
	return hvt_last_field(t, g->dom, "uerr");
}

/* 300 pages (three map batches): both ways, then ended while mapped. */
static void share_both_ways(void **state)
{
	struct hvt *t = *state;
	struct guest g;
	grant_ref_t first, first2;
	uint32_t *mem;
	long bad = -1;

	start(t, "share", &g);
	mem = alloc(t, &g, 300, false, &first);
	for (uint32_t i = 0; i < 300; i++)
		mem[i * WORDS] = i;
	assert_int_equal(map(t, &g, first, 300, false, &bad), 0);
	assert_int_equal(bad, 0);
	for (uint32_t i = 0; i < 300; i++)
		assert_int_equal(mem[i * WORDS + 1], ~i);
	/* Ended while the guest maps all 300: they stay its own. */
	assert_int_equal(pvhv_grant_free(t->h, mem, 300), 300);
	ask(&g, 3, 0, 0, false);
	assert_int_equal(unmap(t, &g), 0);
	/* New grants are fresh pages, and may reuse the references. */
	mem = alloc(t, &g, 4, false, &first2);
	for (uint32_t i = 0; i < 4 * WORDS; i++)
		assert_int_equal(mem[i], 0);
	assert_int_equal(map(t, &g, first2, 4, false, &bad), 0);
	assert_int_equal(bad, 3); /* zeroed: only page 0's word 0 is right */
	assert_int_equal(unmap(t, &g), 0);
	assert_int_equal(pvhv_grant_free(t->h, mem, 4), 0);
	assert_int_equal(pvhv_grant_free(t->h, mem, 4), -EINVAL);
	stop(t, &g);
}

/* What a guest may not map. */
static void refused(void **state)
{
	struct hvt *t = *state;
	struct guest a, b;
	grant_ref_t fb, fro, frw;
	uint32_t *mb, *mro, *mrw;
	long bad;

	start(t, "ga", &a);
	start(t, "gb", &b);
	mro = alloc(t, &a, 2, true, &fro);
	mrw = alloc(t, &a, 2, false, &frw);
	mb = alloc(t, &b, 2, false, &fb);
	assert_int_equal(fb, frw + 2);
	mro[WORDS] = 1;
	mrw[WORDS] = 1;
	/* Granted to the other guest. */
	assert_int_equal(map(t, &a, fb, 2, false, NULL), EPERM);
	assert_int_equal(map(t, &a, fb, 2, true, NULL), EPERM);
	/* Read-only, mapped writable; then read-only it works. */
	assert_int_equal(map(t, &a, fro, 2, false, NULL), EPERM);
	assert_int_equal(map(t, &a, fro, 2, true, &bad), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(unmap(t, &a), 0);
	/* A writable grant mapped read-only: the guest writes nothing. */
	assert_int_equal(map(t, &a, frw, 2, true, &bad), 0);
	assert_int_equal(mrw[1], 0);
	assert_int_equal(unmap(t, &a), 0);
	/* References that are none: reserved, far past, one past. */
	assert_int_equal(map(t, &a, 1, 1, false, NULL), EINVAL);
	assert_int_equal(map(t, &a, 1u << 28, 1, false, NULL), EINVAL);
	/* All or nothing: the last of three is b's. */
	assert_int_equal(map(t, &a, frw, 3, false, NULL), EPERM);
	/* b maps its own; a's attempts changed nothing for it. */
	mb[WORDS] = 1;
	assert_int_equal(map(t, &b, fb, 2, false, &bad), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(unmap(t, &b), 0);
	assert_int_equal(pvhv_grant_free(t->h, mb, 2), 0);
	assert_int_equal(pvhv_grant_free(t->h, mro, 2), 0);
	assert_int_equal(pvhv_grant_free(t->h, mrw, 2), 0);
	stop(t, &a);
	stop(t, &b);
}

/* A guest that dies drops its mappings; a buffer as large as a 4K
 * XRGB8888 frame (8100 pages) is made and ended. */
static void guest_dies_and_large(void **state)
{
	struct hvt *t = *state;
	grant_ref_t refs[8100];
	struct guest g;
	grant_ref_t first;
	uint32_t *mem;
	void *big;
	long bad;

	start(t, "dies", &g);
	mem = alloc(t, &g, 8, false, &first);
	for (uint32_t i = 0; i < 8; i++)
		mem[i * WORDS] = i;
	assert_int_equal(map(t, &g, first, 8, false, &bad), 0);
	assert_int_equal(pvhv_grant_alloc(t->h, g.dom, 8100, false, refs, &big),
			 0);
	memset(big, 0x5a, 8100u * 4096u);
	{
		domid_t dom = g.dom;

		stop(t, &g);
		int rc = pvhv_domain_wait(t->h, dom, NULL);

		assert_true(rc == 0 || rc == -ESRCH); /* gone already */
	}
	/* pvhv has dropped the dead guest's mappings. */
	assert_int_equal(pvhv_grant_free(t->h, mem, 8), 0);
	assert_int_equal(pvhv_grant_free(t->h, big, 8100), 0);
	/* No guest, no grants. */
	assert_int_equal(pvhv_grant_alloc(t->h, g.dom, 1, false, refs, &big),
			 -ESRCH);
}

int main(void)
{
	/* Each case starts its own pvhv. */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(share_both_ways, setup, teardown),
	    cmocka_unit_test_setup_teardown(refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(guest_dies_and_large, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
