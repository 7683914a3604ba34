/*
 * Unit tests for request/response rings (pvkit/ring.h, ring/ring.c).
 *
 * The shared page is plain test memory; "the peer" is the test writing the
 * header indices directly, which is how a hostile guest or backend looks
 * from the other side.
 */
#include "unit.h"

#include <limits.h>

#include "pvkit/ring.h"

#define PAGE 4096u

struct treq {
	uint32_t id;
	uint32_t op;
};

struct trsp {
	uint32_t id;
	int32_t status;
	uint64_t val;
};

#define ENT 16u    /* sizeof(union { treq; trsp; }) */
#define NENTS 128u /* (4096 - 64) / 16 = 252 -> 128 */

static _Alignas(64) unsigned char mem[2 * PAGE];

/* A page full of a pattern, then a freshly initialised ring header. */
static struct pv_sring *fresh(void)
{
	struct pv_sring *s = (struct pv_sring *)mem;

	memset(mem, 0xA5, sizeof(mem));
	pv_sring_init(s);
	return s;
}

static void both_init(struct pv_front_ring *f, struct pv_back_ring *b)
{
	struct pv_sring *s = fresh();

	assert_int_equal(pv_front_ring_init(f, s, PAGE, ENT), 0);
	assert_int_equal(pv_back_ring_init(b, s, PAGE, ENT), 0);
}

/* Front: queue n requests with ids first.., then push. */
static bool send_reqs(struct pv_front_ring *f, uint32_t first, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct treq rq = { .id = first + i, .op = 7 };

		assert_int_equal(pv_front_ring_put_request(f, &rq, sizeof rq),
				 0);
	}
	return pv_front_ring_push_requests(f);
}

/* Back: copy n requests, check their ids, answer each, then push. */
static bool answer_reqs(struct pv_back_ring *b, uint32_t first, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct treq rq;
		struct trsp rs;

		assert_int_equal(pv_back_ring_copy_request(b, &rq, sizeof rq),
				 0);
		assert_int_equal(rq.id, first + i);
		rs = (struct trsp){ .id = rq.id, .status = -1, .val = rq.id };
		assert_int_equal(pv_back_ring_put_response(b, &rs, sizeof rs),
				 0);
	}
	return pv_back_ring_push_responses(b);
}

static void recv_rsps(struct pv_front_ring *f, uint32_t first, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct trsp rs;

		assert_int_equal(pv_front_ring_get_response(f, &rs, sizeof rs),
				 0);
		assert_int_equal(rs.id, first + i);
		assert_int_equal(rs.val, first + i);
	}
}

/* ---- geometry and set-up ------------------------------------------------ */

static void nr_ents_geometry(void **state)
{
	(void)state;
	assert_int_equal(pv_ring_nr_ents(PAGE, 16), 128);
	assert_int_equal(pv_ring_nr_ents(PAGE, 8), 256);
	assert_int_equal(pv_ring_nr_ents(PAGE, 1), 2048);
	assert_int_equal(pv_ring_nr_ents(PAGE, 112), 32); /* a blkif page */
	assert_int_equal(pv_ring_nr_ents(PAGE, 12), 256);
	assert_int_equal(pv_ring_nr_ents(PAGE, 4032), 1);
	assert_int_equal(pv_ring_nr_ents(2 * PAGE, 16), 256);
	assert_int_equal(pv_ring_nr_ents(65, 1), 1);
}

static void nr_ents_nothing_fits(void **state)
{
	(void)state;
	assert_int_equal(pv_ring_nr_ents(PAGE, 4033), 0); /* entry > page */
	assert_int_equal(pv_ring_nr_ents(PAGE, 0), 0);
	assert_int_equal(pv_ring_nr_ents(64, 1), 0);
	assert_int_equal(pv_ring_nr_ents(63, 1), 0);
	assert_int_equal(pv_ring_nr_ents(0, 1), 0);
	assert_int_equal(pv_ring_nr_ents(PAGE, SIZE_MAX), 0);
}

/* A huge claimed ring still yields a count the int returns can hold. */
static void nr_ents_clamped(void **state)
{
	uint32_t n = pv_ring_nr_ents(SIZE_MAX, 1);

	(void)state;
	assert_true(n > 0 && n <= INT_MAX);
	assert_int_equal(n & (n - 1), 0);
	assert_int_equal(pv_ring_nr_ents((size_t)0x80000040u, 1), n);
}

static void sring_init_header(void **state)
{
	struct pv_sring *s = (struct pv_sring *)mem;

	(void)state;
	memset(mem, 0xff, sizeof(mem));
	pv_sring_init(s);
	assert_int_equal(s->req_prod, 0);
	assert_int_equal(s->rsp_prod, 0);
	assert_int_equal(s->req_event, 1);
	assert_int_equal(s->rsp_event, 1);
	for (unsigned i = 16; i < PV_SRING_HDR_SIZE; i++)
		assert_int_equal(mem[i], 0);
	assert_int_equal(mem[PV_SRING_HDR_SIZE], 0xff); /* entries untouched */
	assert_int_equal(mem[PAGE - 1], 0xff);
}

static void init_rejects_bad_geometry(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;
	struct pv_sring *s = fresh();

	(void)state;
	assert_int_equal(pv_front_ring_init(&f, NULL, PAGE, ENT), -XEN_EINVAL);
	assert_int_equal(pv_back_ring_init(&b, NULL, PAGE, ENT), -XEN_EINVAL);
	assert_int_equal(pv_front_ring_attach(&f, NULL, PAGE, ENT),
			 -XEN_EINVAL);
	assert_int_equal(pv_back_ring_attach(&b, NULL, PAGE, ENT), -XEN_EINVAL);
	assert_int_equal(pv_front_ring_init(&f, s, PAGE, 0), -XEN_EINVAL);
	assert_int_equal(pv_back_ring_init(&b, s, PAGE, 0), -XEN_EINVAL);
	assert_int_equal(pv_front_ring_init(&f, s, 64, 1), -XEN_EINVAL);
	assert_int_equal(pv_back_ring_init(&b, s, 0, 1), -XEN_EINVAL);
	/* An entry bigger than the page. */
	assert_int_equal(pv_front_ring_init(&f, s, PAGE, PAGE), -XEN_EINVAL);
	assert_int_equal(pv_back_ring_init(&b, s, PAGE, 4033), -XEN_EINVAL);
	assert_int_equal(pv_front_ring_attach(&f, s, PAGE, 4033), -XEN_EINVAL);
	assert_int_equal(pv_back_ring_attach(&b, s, PAGE, 5000), -XEN_EINVAL);
#if SIZE_MAX > UINT32_MAX
	assert_int_equal(pv_front_ring_init(&f, s, SIZE_MAX,
					    (size_t)UINT32_MAX + 1),
			 -XEN_EINVAL);
#endif
}

static void init_state(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;

	(void)state;
	both_init(&f, &b);
	assert_ptr_equal(f.sring, mem);
	assert_int_equal(f.nr_ents, NENTS);
	assert_int_equal(f.ent_size, ENT);
	assert_int_equal(b.nr_ents, NENTS);
	assert_int_equal(pv_front_ring_free(&f), NENTS);
	assert_false(pv_front_ring_full(&f));
	assert_int_equal(pv_front_ring_unconsumed_responses(&f), 0);
	assert_int_equal(pv_back_ring_unconsumed_requests(&b), 0);
}

static void slot_mapping(void **state)
{
	struct pv_sring *s = fresh();

	(void)state;
	assert_ptr_equal(pv_ring_slot(s, NENTS, ENT, 0), mem + 64);
	assert_ptr_equal(pv_ring_slot(s, NENTS, ENT, 130), mem + 64 + 2 * ENT);
	assert_ptr_equal(pv_ring_slot(s, NENTS, ENT, 0xffffffffu),
			 mem + 64 + 127 * ENT);
	assert_ptr_equal(pv_ring_slot(s, 256, ENT, 255), mem + 64 + 255 * ENT);
}

/* ---- frontend ----------------------------------------------------------- */

static void front_fill_to_full(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;
	struct treq rq = { 0 };

	(void)state;
	both_init(&f, &b);
	for (unsigned i = 0; i < NENTS; i++) {
		void *slot = pv_front_ring_next_request(&f);

		assert_ptr_equal(slot, mem + 64 + i * ENT);
		assert_int_equal(pv_front_ring_free(&f), NENTS - 1 - i);
	}
	assert_true(pv_front_ring_full(&f));
	assert_null(pv_front_ring_next_request(&f));
	assert_int_equal(pv_front_ring_put_request(&f, &rq, sizeof rq),
			 -XEN_EAGAIN);
	assert_int_equal(f.req_prod_pvt, NENTS);
	assert_int_equal(((struct pv_sring *)mem)->req_prod, 0); /* unpushed */
}

static void front_put_request_too_big(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;
	unsigned char big[ENT + 1] = { 0 };

	(void)state;
	both_init(&f, &b);
	assert_int_equal(pv_front_ring_put_request(&f, big, ENT + 1),
			 -XEN_EMSGSIZE);
	assert_int_equal(pv_front_ring_free(&f), NENTS);
	assert_int_equal(pv_front_ring_put_request(&f, big, ENT), 0);
	assert_int_equal(pv_front_ring_free(&f), NENTS - 1);
}

static void front_push_nothing(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;
	struct pv_sring *s;

	(void)state;
	both_init(&f, &b);
	s = f.sring;
	s->req_prod = 0x1234; /* would be rewritten by a real push */
	assert_false(pv_front_ring_push_requests(&f));
	assert_int_equal(s->req_prod, 0x1234);
}

static void roundtrip(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;
	struct pv_sring *s;

	(void)state;
	both_init(&f, &b);
	s = f.sring;
	assert_true(send_reqs(&f, 100, 3)); /* req_event 1 is in (0, 3] */
	assert_int_equal(s->req_prod, 3);
	assert_int_equal(pv_back_ring_unconsumed_requests(&b), 3);
	assert_true(answer_reqs(&b, 100, 3));
	assert_int_equal(s->rsp_prod, 3);
	assert_int_equal(pv_front_ring_unconsumed_responses(&f), 3);
	recv_rsps(&f, 100, 3);
	assert_int_equal(pv_front_ring_free(&f), NENTS);
	assert_int_equal(pv_front_ring_unconsumed_responses(&f), 0);
}

/* Responses free slots: a full ring drains and fills again. */
static void full_ring_cycles(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;

	(void)state;
	both_init(&f, &b);
	for (uint32_t round = 0; round < 5; round++) {
		send_reqs(&f, round * NENTS, NENTS);
		assert_true(pv_front_ring_full(&f));
		assert_int_equal(pv_back_ring_unconsumed_requests(&b), NENTS);
		answer_reqs(&b, round * NENTS, NENTS);
		recv_rsps(&f, round * NENTS, NENTS);
		assert_int_equal(pv_front_ring_free(&f), NENTS);
	}
}

static void front_get_response_empty_and_too_big(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;
	unsigned char big[ENT + 1];
	struct trsp rs;

	(void)state;
	both_init(&f, &b);
	assert_int_equal(pv_front_ring_get_response(&f, &rs, sizeof rs),
			 -XEN_EAGAIN);
	send_reqs(&f, 1, 1);
	answer_reqs(&b, 1, 1);
	assert_int_equal(pv_front_ring_get_response(&f, big, ENT + 1),
			 -XEN_EMSGSIZE);
	assert_int_equal(f.rsp_cons, 0); /* not consumed */
	recv_rsps(&f, 1, 1);
}

/* ---- frontend against a hostile backend -------------------------------- */

static void front_rsp_beyond_pushed(void **state)
{
	static const RING_IDX bad[] = { 3, 4, 129, 1000, 0x80000000u,
					0xffffffffu };
	struct pv_front_ring f;
	struct pv_back_ring b;
	struct trsp rs;

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		both_init(&f, &b);
		send_reqs(&f, 1, 2);
		f.sring->rsp_prod = bad[i];
		assert_int_equal(pv_front_ring_get_response(&f, &rs, sizeof rs),
				 -XEN_EIO);
		assert_int_equal(pv_front_ring_unconsumed_responses(&f),
				 -XEN_EIO);
		assert_int_equal(pv_front_ring_final_check_for_responses(&f),
				 -XEN_EIO);
		assert_int_equal(f.rsp_cons, 0);
		f.sring->rsp_prod = 2; /* exactly what was pushed: fine */
		assert_int_equal(pv_front_ring_unconsumed_responses(&f), 2);
	}
}

/* Claimed but unpushed requests cannot have been answered. */
static void front_rsp_for_unpushed(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;

	(void)state;
	both_init(&f, &b);
	assert_non_null(pv_front_ring_next_request(&f));
	assert_non_null(pv_front_ring_next_request(&f));
	f.sring->rsp_prod = 1;
	assert_int_equal(pv_front_ring_unconsumed_responses(&f), -XEN_EIO);
	assert_true(pv_front_ring_push_requests(&f));
	assert_int_equal(pv_front_ring_unconsumed_responses(&f), 1);
}

static void front_rsp_prod_backwards(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;

	(void)state;
	both_init(&f, &b);
	send_reqs(&f, 1, 4);
	answer_reqs(&b, 1, 2);
	recv_rsps(&f, 1, 2);
	f.sring->rsp_prod = 1; /* behind what we already consumed */
	assert_int_equal(pv_front_ring_unconsumed_responses(&f), -XEN_EIO);
	f.sring->rsp_prod = 0xfffffff0u;
	assert_int_equal(pv_front_ring_unconsumed_responses(&f), -XEN_EIO);
	f.sring->rsp_prod = 2;
	assert_int_equal(pv_front_ring_unconsumed_responses(&f), 0);
}

/* ---- backend ------------------------------------------------------------ */

static void back_empty(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;
	struct treq rq;
	struct trsp rs = { 0 };

	(void)state;
	both_init(&f, &b);
	assert_int_equal(pv_back_ring_copy_request(&b, &rq, sizeof rq),
			 -XEN_EAGAIN);
	assert_null(pv_back_ring_next_response(&b));
	assert_int_equal(pv_back_ring_put_response(&b, &rs, sizeof rs),
			 -XEN_EAGAIN);
	assert_false(pv_back_ring_push_responses(&b));
	assert_int_equal(b.sring->rsp_prod, 0);
}

static void back_copy_too_big_keeps_request(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;
	unsigned char big[ENT + 1];
	struct trsp rs = { 0 };

	(void)state;
	both_init(&f, &b);
	send_reqs(&f, 9, 1);
	assert_int_equal(pv_back_ring_copy_request(&b, big, ENT + 1),
			 -XEN_EMSGSIZE);
	assert_int_equal(b.req_cons, 0);
	answer_reqs(&b, 9, 1);
	send_reqs(&f, 10, 1);
	assert_int_equal(pv_back_ring_copy_request(&b, big, ENT), 0);
	assert_int_equal(pv_back_ring_put_response(&b, big, ENT + 1),
			 -XEN_EMSGSIZE);
	assert_int_equal(b.rsp_prod_pvt, 1);
	assert_int_equal(pv_back_ring_put_response(&b, &rs, sizeof rs), 0);
}

/* next_response hands out the slot of the request being answered. */
static void back_next_response_slot(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;
	struct treq rq;

	(void)state;
	both_init(&f, &b);
	send_reqs(&f, 1, 2);
	assert_int_equal(pv_back_ring_copy_request(&b, &rq, sizeof rq), 0);
	assert_ptr_equal(pv_back_ring_next_response(&b), mem + 64);
	assert_null(pv_back_ring_next_response(&b)); /* only one consumed */
	assert_int_equal(pv_back_ring_copy_request(&b, &rq, sizeof rq), 0);
	assert_ptr_equal(pv_back_ring_next_response(&b), mem + 64 + ENT);
	assert_true(pv_back_ring_push_responses(&b));
	assert_int_equal(b.sring->rsp_prod, 2);
}

static void back_req_prod_far_past(void **state)
{
	static const RING_IDX bad[] = { NENTS + 1, 1000, 0x80000000u,
					0xfffffffeu, 0xffffffffu };
	struct pv_front_ring f;
	struct pv_back_ring b;
	struct treq rq;

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		both_init(&f, &b);
		b.sring->req_prod = bad[i];
		assert_int_equal(pv_back_ring_copy_request(&b, &rq, sizeof rq),
				 -XEN_EIO);
		assert_int_equal(pv_back_ring_unconsumed_requests(&b),
				 -XEN_EIO);
		assert_int_equal(pv_back_ring_final_check_for_requests(&b),
				 -XEN_EIO);
		assert_int_equal(b.req_cons, 0);
	}
	/* Exactly a full ring is legal. */
	both_init(&f, &b);
	b.sring->req_prod = NENTS;
	for (unsigned i = 0; i < NENTS; i++)
		assert_int_equal(pv_back_ring_copy_request(&b, &rq, sizeof rq),
				 0);
	assert_int_equal(pv_back_ring_copy_request(&b, &rq, sizeof rq),
			 -XEN_EAGAIN);
}

/* Requests only fit in slots freed by published answers. */
static void back_outstanding_beyond_answers(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;
	struct treq rq;
	struct trsp rs = { 0 };

	(void)state;
	both_init(&f, &b);
	b.sring->req_prod = NENTS;
	for (unsigned i = 0; i < NENTS; i++)
		pv_back_ring_copy_request(&b, &rq, sizeof rq);
	b.sring->req_prod = NENTS + 1; /* 129 outstanding, none answered */
	assert_int_equal(pv_back_ring_copy_request(&b, &rq, sizeof rq),
			 -XEN_EIO);
	/* An answer frees its slot only once published. */
	assert_int_equal(pv_back_ring_put_response(&b, &rs, sizeof rs), 0);
	assert_int_equal(pv_back_ring_copy_request(&b, &rq, sizeof rq),
			 -XEN_EIO);
	assert_true(pv_back_ring_push_responses(&b));
	assert_int_equal(pv_back_ring_copy_request(&b, &rq, sizeof rq), 0);
	assert_int_equal(b.req_cons, NENTS + 1);
}

/* Slots holding answers not yet published cannot carry new requests: the
 * frontend cannot have seen them, so a claim on them is corrupt, and the
 * backend must not read its own answers back as requests. */
static void back_unpublished_answers_stay_private(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;
	struct treq rq;
	struct trsp rs = { .id = 0xabcd };

	(void)state;
	both_init(&f, &b);
	b.sring->req_prod = 2;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pv_back_ring_copy_request(&b, &rq, sizeof rq),
				 0);
		assert_int_equal(pv_back_ring_put_response(&b, &rs, sizeof rs),
				 0);
	}
	b.sring->req_prod = NENTS + 1; /* reuses slot 0, never published */
	assert_int_equal(pv_back_ring_copy_request(&b, &rq, sizeof rq),
			 -XEN_EIO);
	b.sring->req_prod = NENTS;
	assert_int_equal(pv_back_ring_unconsumed_requests(&b), NENTS - 2);
	pv_back_ring_push_responses(&b);
	b.sring->req_prod = NENTS + 2;
	assert_int_equal(pv_back_ring_refresh(&b), NENTS);
}

static void back_req_prod_backwards(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;
	struct treq rq;

	(void)state;
	both_init(&f, &b);
	send_reqs(&f, 1, 5);
	answer_reqs(&b, 1, 5);
	b.sring->req_prod = 3;
	assert_int_equal(pv_back_ring_copy_request(&b, &rq, sizeof rq),
			 -XEN_EIO);
	b.sring->req_prod = 4;
	assert_int_equal(pv_back_ring_unconsumed_requests(&b), -XEN_EIO);
	b.sring->req_prod = 5;
	assert_int_equal(pv_back_ring_unconsumed_requests(&b), 0);
	assert_int_equal(b.req_cons, 5);
	/* Backwards, yet still ahead of every published answer. */
	send_reqs(&f, 6, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pv_back_ring_copy_request(&b, &rq, sizeof rq),
				 0);
	b.sring->req_prod = 7; /* req_cons is 8, rsp_pushed 5 */
	assert_int_equal(pv_back_ring_copy_request(&b, &rq, sizeof rq),
			 -XEN_EIO);
	assert_int_equal(b.req_cons, 8);
}

/* A request copied out stays as copied when the peer rewrites the slot. */
static void back_copy_is_private(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;
	struct treq rq, *slot;

	(void)state;
	both_init(&f, &b);
	slot = pv_front_ring_next_request(&f);
	*slot = (struct treq){ .id = 42, .op = 1 };
	pv_front_ring_push_requests(&f);
	assert_int_equal(pv_back_ring_copy_request(&b, &rq, sizeof rq), 0);
	slot->id = 666;
	assert_int_equal(rq.id, 42);
}

/* ---- event suppression -------------------------------------------------- */

static void event_due_ranges(void **state)
{
	(void)state;
	assert_false(pv_ring_event_due(0, 0, 3));
	assert_true(pv_ring_event_due(1, 0, 3));
	assert_true(pv_ring_event_due(3, 0, 3));
	assert_false(pv_ring_event_due(4, 0, 3));
	assert_false(pv_ring_event_due(5, 5, 5));
	assert_true(pv_ring_event_due(0xffffffffu, 0xfffffffeu, 1));
	assert_true(pv_ring_event_due(0, 0xfffffffeu, 1));
	assert_true(pv_ring_event_due(1, 0xfffffffeu, 1));
	assert_false(pv_ring_event_due(0xfffffffeu, 0xfffffffeu, 1));
	assert_false(pv_ring_event_due(2, 0xfffffffeu, 1));
}

/* push notifies exactly when req_event lies in (old, new]. */
static void front_push_notify_window(void **state)
{
	static const struct {
		RING_IDX event;
		bool notify;
	} cases[] = {
		{ 0, false }, { 1, true }, { 2, true }, { 3, true },
		{ 4, false }, { 0xffffffffu, false }, { 0x80000000u, false },
	};
	struct pv_front_ring f;
	struct pv_back_ring b;

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		both_init(&f, &b);
		f.sring->req_event = cases[i].event;
		assert_int_equal(send_reqs(&f, 1, 3), cases[i].notify);
		/* The second batch starts after 3. */
		f.sring->req_event = cases[i].event + 3;
		assert_int_equal(send_reqs(&f, 4, 3), cases[i].notify);
	}
}

/* push_responses notifies exactly when rsp_event lies in (old, new]. */
static void back_push_notify_window(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;

	(void)state;
	for (RING_IDX ev = 0; ev < 6; ev++) {
		struct treq rq;
		struct trsp rs = { 0 };

		both_init(&f, &b);
		send_reqs(&f, 1, 4);
		for (int i = 0; i < 4; i++)
			pv_back_ring_copy_request(&b, &rq, sizeof rq);
		pv_back_ring_put_response(&b, &rs, sizeof rs);
		pv_back_ring_put_response(&b, &rs, sizeof rs);
		f.sring->rsp_event = ev;
		assert_int_equal(pv_back_ring_push_responses(&b),
				 ev >= 1 && ev <= 2);
		assert_int_equal(f.sring->rsp_prod, 2);
		assert_false(pv_back_ring_push_responses(&b)); /* no change */
		pv_back_ring_put_response(&b, &rs, sizeof rs);
		f.sring->rsp_event = ev + 2; /* now (2, 3] */
		assert_int_equal(pv_back_ring_push_responses(&b), ev == 1);
	}
}

static void front_final_check_arms_event(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;

	(void)state;
	both_init(&f, &b);
	send_reqs(&f, 1, 3);
	answer_reqs(&b, 1, 1);
	f.sring->rsp_event = 0x5555;
	/* A response is ready: do not sleep, leave the event index alone. */
	assert_int_equal(pv_front_ring_final_check_for_responses(&f), 1);
	assert_int_equal(f.sring->rsp_event, 0x5555);
	recv_rsps(&f, 1, 1);
	assert_int_equal(pv_front_ring_final_check_for_responses(&f), 0);
	assert_int_equal(f.sring->rsp_event, 2); /* rsp_cons + 1 */
	/* So the next response published notifies. */
	assert_true(answer_reqs(&b, 2, 1));
	assert_int_equal(pv_front_ring_final_check_for_responses(&f), 1);
}

static void back_final_check_arms_event(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;

	(void)state;
	both_init(&f, &b);
	send_reqs(&f, 1, 2);
	f.sring->req_event = 0x7777;
	assert_int_equal(pv_back_ring_final_check_for_requests(&b), 2);
	assert_int_equal(f.sring->req_event, 0x7777);
	answer_reqs(&b, 1, 2);
	assert_int_equal(pv_back_ring_final_check_for_requests(&b), 0);
	assert_int_equal(f.sring->req_event, 3); /* req_cons + 1 */
	/* Without re-arming, a batch past the event index stays silent. */
	f.sring->req_event = 3;
	assert_true(send_reqs(&f, 3, 1));
	assert_false(send_reqs(&f, 4, 1));
	assert_int_equal(pv_back_ring_final_check_for_requests(&b), 2);
}

/* ---- attach and index wrap --------------------------------------------- */

static void attach_at_wrapped_index(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;
	struct pv_sring *s = fresh();
	const RING_IDX start = 0xfffffffcu;

	(void)state;
	s->rsp_prod = start;
	s->req_prod = start;
	assert_int_equal(pv_front_ring_attach(&f, s, PAGE, ENT), 0);
	assert_int_equal(pv_back_ring_attach(&b, s, PAGE, ENT), 0);
	assert_int_equal(f.req_prod_pvt, start);
	assert_int_equal(b.req_cons, start);
	assert_int_equal(pv_front_ring_free(&f), NENTS);
	/* A batch that crosses 2^32: indices fffffffc .. 3. */
	s->req_event = start + 1;
	assert_true(send_reqs(&f, 500, 8));
	assert_int_equal(s->req_prod, 4);
	assert_ptr_equal(pv_ring_slot(s, NENTS, ENT, 0), mem + 64);
	assert_int_equal(((struct treq *)(void *)(mem + 64 + 124 * ENT))->id,
			 500);
	assert_int_equal(((struct treq *)(void *)(mem + 64))->id, 504);
	assert_int_equal(pv_back_ring_unconsumed_requests(&b), 8);
	s->rsp_event = 1; /* the response published at index 0 -> 1 */
	assert_true(answer_reqs(&b, 500, 8));
	recv_rsps(&f, 500, 8);
	assert_int_equal(f.rsp_cons, 4);
	assert_int_equal(pv_front_ring_free(&f), NENTS);
}

/* Many batches starting just below 2^32. */
static void long_run_across_wrap(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b;
	struct pv_sring *s = fresh();
	uint32_t id = 0;

	(void)state;
	s->req_prod = s->rsp_prod = 0xffffff00u;
	assert_int_equal(pv_front_ring_attach(&f, s, PAGE, ENT), 0);
	assert_int_equal(pv_back_ring_attach(&b, s, PAGE, ENT), 0);
	for (unsigned round = 0; round < 300; round++) {
		unsigned n = 1 + (round * 37) % NENTS;

		send_reqs(&f, id, n);
		answer_reqs(&b, id, n);
		recv_rsps(&f, id, n);
		id += n;
	}
	assert_int_equal(s->req_prod, (RING_IDX)(0xffffff00u + id));
	assert_int_equal(s->rsp_prod, s->req_prod);
}

/* A restarted backend reads unanswered requests again. */
static void back_attach_resumes_unanswered(void **state)
{
	struct pv_front_ring f;
	struct pv_back_ring b, b2;
	struct treq rq;

	(void)state;
	both_init(&f, &b);
	send_reqs(&f, 10, 4);
	answer_reqs(&b, 10, 1);
	assert_int_equal(pv_back_ring_copy_request(&b, &rq, sizeof rq), 0);
	assert_int_equal(pv_back_ring_attach(&b2, f.sring, PAGE, ENT), 0);
	assert_int_equal(b2.req_cons, 1);
	assert_int_equal(pv_back_ring_unconsumed_requests(&b2), 3);
	answer_reqs(&b2, 11, 3);
	recv_rsps(&f, 10, 4);
}

static void front_attach_rejects_corrupt_header(void **state)
{
	struct pv_front_ring f;
	struct pv_sring *s = fresh();

	(void)state;
	s->req_prod = NENTS + 1; /* more outstanding than the ring holds */
	s->rsp_prod = 0;
	assert_int_equal(pv_front_ring_attach(&f, s, PAGE, ENT), -XEN_EIO);
	s->req_prod = 5; /* responses ahead of requests */
	s->rsp_prod = 6;
	assert_int_equal(pv_front_ring_attach(&f, s, PAGE, ENT), -XEN_EIO);
	s->req_prod = 3; /* outstanding across the wrap: fine */
	s->rsp_prod = 0xfffffffbu;
	assert_int_equal(pv_front_ring_attach(&f, s, PAGE, ENT), 0);
	assert_int_equal(pv_front_ring_free(&f), NENTS - 8);
	assert_int_equal(f.rsp_cons, 0xfffffffbu);
}

/* The backend attach reads only rsp_prod; a bad req_prod shows up at the
 * first copy. */
static void back_attach_hostile_req_prod(void **state)
{
	struct pv_back_ring b;
	struct pv_sring *s = fresh();
	struct treq rq;

	(void)state;
	s->rsp_prod = 0x10;
	s->req_prod = 0x10 + NENTS + 1;
	assert_int_equal(pv_back_ring_attach(&b, s, PAGE, ENT), 0);
	assert_int_equal(pv_back_ring_copy_request(&b, &rq, sizeof rq),
			 -XEN_EIO);
	s->req_prod = 0x0f;
	assert_int_equal(pv_back_ring_copy_request(&b, &rq, sizeof rq),
			 -XEN_EIO);
}

/* Counts of a ring with the largest entry count stay positive ints; the
 * entries are never touched, so the claimed size needs no memory. */
static void huge_ring_counts(void **state)
{
	struct pv_back_ring b;
	struct pv_front_ring f;
	struct pv_sring *s = fresh();
	int n;

	(void)state;
	assert_int_equal(pv_back_ring_init(&b, s, SIZE_MAX, 1), 0);
	s->req_prod = b.nr_ents;
	n = pv_back_ring_unconsumed_requests(&b);
	assert_true(n > 0);
	assert_int_equal(n, b.nr_ents);
	s->req_prod = b.nr_ents + 1;
	b.req_seen = 0;
	assert_int_equal(pv_back_ring_refresh(&b), -XEN_EIO);
	s->req_prod = b.nr_ents;
	s->rsp_prod = 0;
	assert_int_equal(pv_front_ring_attach(&f, s, SIZE_MAX, 1), 0);
	assert_int_equal(pv_front_ring_free(&f), 0);
	s->rsp_prod = b.nr_ents;
	n = pv_front_ring_unconsumed_responses(&f);
	assert_true(n > 0);
	assert_int_equal(n, b.nr_ents);
}

/* ---- typed wrappers ----------------------------------------------------- */

PV_RING_DEFINE(tst, struct treq, struct trsp);

struct huge {
	unsigned char b[5000];
};
PV_RING_DEFINE(hugering, struct huge, struct treq);

static void typed_wrappers(void **state)
{
	struct tst_front f;
	struct tst_back b;
	struct treq *rq, in;
	struct trsp *rs, out;

	(void)state;
	assert_int_equal(sizeof(union tst_entry), ENT);
	fresh();
	assert_int_equal(tst_front_init(&f, mem, 2 * PAGE), 0);
	assert_int_equal(tst_back_init(&b, mem, 2 * PAGE), 0);
	assert_int_equal(f.r.nr_ents, 256);
	assert_int_equal(tst_final_check_requests(&b), 0);
	rq = tst_next_request(&f);
	assert_ptr_equal(rq, mem + 64);
	*rq = (struct treq){ .id = 77, .op = 3 };
	assert_true(tst_push_requests(&f));
	assert_int_equal(tst_copy_request(&b, &in), 0);
	assert_int_equal(in.id, 77);
	assert_int_equal(tst_copy_request(&b, &in), -XEN_EAGAIN);
	rs = tst_next_response(&b);
	assert_ptr_equal(rs, mem + 64);
	*rs = (struct trsp){ .id = 77, .status = 0, .val = 0x1122334455ull };
	assert_null(tst_next_response(&b));
	assert_int_equal(tst_final_check_responses(&f), 0);
	assert_true(tst_push_responses(&b));
	assert_int_equal(tst_get_response(&f, &out), 0);
	assert_int_equal(out.val, 0x1122334455ull);
	assert_int_equal(tst_get_response(&f, &out), -XEN_EAGAIN);
	assert_int_equal(tst_front_attach(&f, mem, 2 * PAGE), 0);
	assert_int_equal(tst_back_attach(&b, mem, 2 * PAGE), 0);
	assert_int_equal(f.r.req_prod_pvt, 1);
	assert_int_equal(b.r.req_cons, 1);
}

static void typed_entry_bigger_than_page(void **state)
{
	struct hugering_front f;
	struct hugering_back b;

	(void)state;
	fresh();
	assert_int_equal(sizeof(union hugering_entry), 5000);
	assert_int_equal(hugering_front_init(&f, mem, PAGE), -XEN_EINVAL);
	assert_int_equal(hugering_back_init(&b, mem, PAGE), -XEN_EINVAL);
	assert_int_equal(hugering_front_attach(&f, mem, PAGE), -XEN_EINVAL);
	assert_int_equal(hugering_back_attach(&b, mem, PAGE), -XEN_EINVAL);
	/* Two pages hold one entry: a ring that is full after one request. */
	assert_int_equal(hugering_front_init(&f, mem, 2 * PAGE), 0);
	assert_int_equal(hugering_back_init(&b, mem, 2 * PAGE), 0);
	assert_int_equal(f.r.nr_ents, 1);
	for (unsigned round = 0; round < 3; round++) {
		static struct huge in;
		struct huge *rq = hugering_next_request(&f);
		struct treq *rs, out;

		assert_ptr_equal(rq, mem + 64);
		assert_null(hugering_next_request(&f));
		memset(rq->b, (int)round + 1, sizeof(rq->b));
		/* true each round: the final checks below re-arm the events */
		assert_true(hugering_push_requests(&f));
		assert_int_equal(hugering_copy_request(&b, &in), 0);
		assert_int_equal(in.b[4999], round + 1);
		assert_int_equal(hugering_final_check_requests(&b), 0);
		rs = hugering_next_response(&b);
		assert_ptr_equal(rs, mem + 64);
		*rs = (struct treq){ .id = round, .op = 0 };
		assert_int_equal(hugering_final_check_responses(&f), 0);
		assert_true(hugering_push_responses(&b));
		assert_int_equal(hugering_get_response(&f, &out), 0);
		assert_int_equal(out.id, round);
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(nr_ents_geometry),
	cmocka_unit_test(nr_ents_nothing_fits),
	cmocka_unit_test(nr_ents_clamped),
	cmocka_unit_test(sring_init_header),
	cmocka_unit_test(init_rejects_bad_geometry),
	cmocka_unit_test(init_state),
	cmocka_unit_test(slot_mapping),
	cmocka_unit_test(front_fill_to_full),
	cmocka_unit_test(front_put_request_too_big),
	cmocka_unit_test(front_push_nothing),
	cmocka_unit_test(roundtrip),
	cmocka_unit_test(full_ring_cycles),
	cmocka_unit_test(front_get_response_empty_and_too_big),
	cmocka_unit_test(front_rsp_beyond_pushed),
	cmocka_unit_test(front_rsp_for_unpushed),
	cmocka_unit_test(front_rsp_prod_backwards),
	cmocka_unit_test(back_empty),
	cmocka_unit_test(back_copy_too_big_keeps_request),
	cmocka_unit_test(back_next_response_slot),
	cmocka_unit_test(back_req_prod_far_past),
	cmocka_unit_test(back_outstanding_beyond_answers),
	cmocka_unit_test(back_unpublished_answers_stay_private),
	cmocka_unit_test(back_req_prod_backwards),
	cmocka_unit_test(back_copy_is_private),
	cmocka_unit_test(event_due_ranges),
	cmocka_unit_test(front_push_notify_window),
	cmocka_unit_test(back_push_notify_window),
	cmocka_unit_test(front_final_check_arms_event),
	cmocka_unit_test(back_final_check_arms_event),
	cmocka_unit_test(attach_at_wrapped_index),
	cmocka_unit_test(long_run_across_wrap),
	cmocka_unit_test(back_attach_resumes_unanswered),
	cmocka_unit_test(front_attach_rejects_corrupt_header),
	cmocka_unit_test(back_attach_hostile_req_prod),
	cmocka_unit_test(huge_ring_counts),
	cmocka_unit_test(typed_wrappers),
	cmocka_unit_test(typed_entry_bigger_than_page),
};

PV_UNIT_MAIN("ring", tests)
