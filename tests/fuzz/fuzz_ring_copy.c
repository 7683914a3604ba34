/*
 * libFuzzer target: rings whose shared memory a hostile peer controls.
 *
 * Input: a small header (entry size, ring size, the ring's four shared
 * indices, a flex ring's two indices), then a script of operations.  A
 * frontend and a backend both work on one shared area of exactly the
 * ring's size (so ASan sees any slot outside it), while script steps also
 * play the peer and overwrite indices at will.  A flex ring of order 0
 * (2048 bytes, also exactly sized) gets the same treatment.
 *
 * Checked after every step: the private cursors never claim more than the
 * ring holds; a copy-out or get that succeeds after reading a producer
 * index saw one within bounds; pushes notify exactly when the peer's event
 * index is in the published range.  While no hostile step has happened
 * since the last reset, the two ends must also agree on every message and
 * never see -XEN_EIO, and the flex ring must behave as a FIFO.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvkit/flexring.h"
#include "pvkit/ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n",       \
				__FILE__, __LINE__, #cond);                \
			abort();                                           \
		}                                                          \
	} while (0)

#define MAX_ENT 48u
#define FLEX 2048u /* XEN_FLEX_RING_SIZE(0) */
#define HDR_BYTES 27u

struct script {
	const uint8_t *p;
	size_t left;
};

static uint8_t byte(struct script *s)
{
	if (!s->left)
		return 0;
	s->left--;
	return *s->p++;
}

static uint32_t word(struct script *s)
{
	uint32_t w = 0;

	for (int i = 0; i < 4; i++)
		w |= (uint32_t)byte(s) << (8 * i);
	return w;
}

/* A hostile value: a whole new word, or a small step from the old one. */
static RING_IDX hostile(struct script *s, RING_IDX old)
{
	uint8_t m = byte(s);

	return (m & 1) ? word(s) : old + (RING_IDX)(int8_t)byte(s);
}

struct world {
	uint8_t *area;
	size_t bytes, ent;
	struct pv_sring *s;
	struct pv_front_ring f;
	struct pv_back_ring b;
	bool have_f, have_b, honest;
	uint32_t sent, copied, got; /* message ids, honest mode */

	RING_IDX fprod, fcons;
	uint8_t *fdata;
	struct pv_flex_ring fr;
	bool fhonest;
	uint8_t model[FLEX]; /* bytes in the flex ring, honest mode */
	uint32_t mlen, wseq, rseq;
};

static void put_id(uint8_t *dst, size_t ent, uint32_t id)
{
	memset(dst, 0, ent);
	memcpy(dst, &id, ent < 4 ? ent : 4);
}

static bool id_is(const uint8_t *src, size_t ent, uint32_t id)
{
	uint8_t want[MAX_ENT + 8];

	put_id(want, ent, id);
	return memcmp(src, want, ent) == 0;
}

static void check_slot(const struct world *w, const void *slot)
{
	const uint8_t *p = slot;

	CHECK(p >= w->area + PV_SRING_HDR_SIZE);
	CHECK(p + w->ent <= w->area + w->bytes);
}

/* Cursor invariants that hold whatever the peer did. */
static void check_cursors(const struct world *w)
{
	if (w->have_b) {
		const struct pv_back_ring *b = &w->b;

		CHECK((RING_IDX)(b->req_seen - b->req_cons) <= b->nr_ents);
		CHECK((RING_IDX)(b->req_cons - b->rsp_prod_pvt) <= b->nr_ents);
		CHECK((RING_IDX)(b->req_seen - b->rsp_prod_pvt) <= b->nr_ents);
		CHECK((RING_IDX)(b->rsp_prod_pvt - b->rsp_pushed) <= b->nr_ents);
	}
	if (w->have_f) {
		const struct pv_front_ring *f = &w->f;
		RING_IDX pushed = f->req_pushed - f->rsp_cons;

		CHECK((RING_IDX)(f->req_prod_pvt - f->rsp_cons) <= f->nr_ents);
		CHECK(pushed <= (RING_IDX)(f->req_prod_pvt - f->rsp_cons));
		CHECK((RING_IDX)(f->rsp_seen - f->rsp_cons) <= pushed);
	}
}

static void back_copy(struct world *w, struct script *sc)
{
	struct pv_back_ring *b = &w->b;
	uint8_t buf[MAX_ENT + 8];
	uint8_t a = byte(sc);
	size_t len = (a & 0x80) ? w->ent + (a & 7) : w->ent;
	RING_IDX cons = b->req_cons, ans = b->rsp_prod_pvt;
	bool refresh = b->req_seen == b->req_cons;
	RING_IDX prod = w->s->req_prod;
	int rc = pv_back_ring_copy_request(b, buf, len);

	CHECK(rc == 0 || rc == -XEN_EAGAIN || rc == -XEN_EIO ||
	      rc == -XEN_EMSGSIZE);
	CHECK(rc != -XEN_EMSGSIZE || len > w->ent);
	if (w->honest)
		CHECK(rc == (w->f.req_pushed == cons ? -XEN_EAGAIN
			     : len > w->ent	    ? -XEN_EMSGSIZE
						    : 0));
	if (rc != 0) {
		CHECK(b->req_cons == cons);
		return;
	}
	CHECK(len <= w->ent && b->req_cons == cons + 1);
	/* The claim read by this call was within the ring. */
	if (refresh) {
		CHECK((RING_IDX)(prod - ans) <= b->nr_ents);
		CHECK((RING_IDX)(prod - cons) <= b->nr_ents);
		CHECK(prod != cons);
	}
	if (w->honest) {
		CHECK(id_is(buf, w->ent, w->copied));
		w->copied++;
	}
}

static void back_answer(struct world *w, struct script *sc)
{
	struct pv_back_ring *b = &w->b;
	uint8_t buf[MAX_ENT + 8];
	uint8_t a = byte(sc);
	RING_IDX before = b->rsp_prod_pvt;
	uint32_t id = b->rsp_prod_pvt; /* honest mode: ids are indices */
	void *slot;
	int rc;

	if (w->honest)
		put_id(buf, w->ent, id ^ 0x5a5a5a5au);
	else
		memset(buf, a, sizeof(buf));
	if (a & 1) {
		slot = pv_back_ring_next_response(b);
		if (slot) {
			check_slot(w, slot);
			memcpy(slot, buf, w->ent);
		}
		CHECK((slot != NULL) == (before != b->req_cons));
		return;
	}
	rc = pv_back_ring_put_response(b, buf, (a & 2) ? w->ent + 1 : w->ent);
	CHECK(rc == 0 || rc == -XEN_EAGAIN || rc == -XEN_EMSGSIZE);
	CHECK((rc == -XEN_EMSGSIZE) == ((a & 2) != 0));
	CHECK(b->rsp_prod_pvt == before + (rc == 0));
}

static void front_request(struct world *w, struct script *sc)
{
	struct pv_front_ring *f = &w->f;
	uint8_t buf[MAX_ENT + 8];
	uint8_t a = byte(sc);
	bool full = pv_front_ring_full(f);
	void *slot;
	int rc;

	put_id(buf, w->ent, w->sent);
	if (a & 1) {
		slot = pv_front_ring_next_request(f);
		CHECK((slot == NULL) == full);
		if (!slot)
			return;
		check_slot(w, slot);
		memcpy(slot, buf, w->ent);
	} else {
		rc = pv_front_ring_put_request(f, buf,
					       (a & 2) ? w->ent + 1 : w->ent);
		if (a & 2) {
			CHECK(rc == -XEN_EMSGSIZE);
			return;
		}
		CHECK(rc == (full ? -XEN_EAGAIN : 0));
		if (rc)
			return;
	}
	w->sent++;
}

static void front_get(struct world *w, struct script *sc)
{
	struct pv_front_ring *f = &w->f;
	uint8_t buf[MAX_ENT + 8];
	size_t len = (byte(sc) & 0x80) ? w->ent + 1 : w->ent;
	RING_IDX cons = f->rsp_cons, pushed = f->req_pushed;
	bool refresh = f->rsp_seen == f->rsp_cons;
	RING_IDX prod = w->s->rsp_prod;
	int rc = pv_front_ring_get_response(f, buf, len);

	CHECK(rc == 0 || rc == -XEN_EAGAIN || rc == -XEN_EIO ||
	      rc == -XEN_EMSGSIZE);
	if (w->honest)
		CHECK(rc == (w->b.rsp_pushed == cons ? -XEN_EAGAIN
			     : len > w->ent	     ? -XEN_EMSGSIZE
						     : 0));
	if (rc != 0) {
		CHECK(f->rsp_cons == cons);
		return;
	}
	CHECK(len == w->ent && f->rsp_cons == cons + 1);
	if (refresh) {
		CHECK(prod != cons);
		CHECK((RING_IDX)(prod - cons) <= (RING_IDX)(pushed - cons));
	}
	if (w->honest) {
		CHECK(id_is(buf, w->ent, w->got ^ 0x5a5a5a5au));
		w->got++;
	}
}

static void push(struct world *w, bool front)
{
	RING_IDX *ev = front ? &w->s->req_event : &w->s->rsp_event;
	RING_IDX old = front ? w->f.req_pushed : w->b.rsp_pushed;
	RING_IDX new_idx = front ? w->f.req_prod_pvt : w->b.rsp_prod_pvt;
	RING_IDX event = *ev;
	bool notify = front ? pv_front_ring_push_requests(&w->f)
			    : pv_back_ring_push_responses(&w->b);

	CHECK(notify == (old != new_idx && pv_ring_event_due(event, old,
							       new_idx)));
	if (old != new_idx)
		CHECK((front ? w->s->req_prod : w->s->rsp_prod) == new_idx);
}

static void final_check(struct world *w, bool front)
{
	int rc = front ? pv_front_ring_final_check_for_responses(&w->f)
		       : pv_back_ring_final_check_for_requests(&w->b);

	CHECK(rc >= 0 || rc == -XEN_EIO);
	CHECK(rc != -XEN_EIO || !w->honest);
	CHECK(rc < 0 || (unsigned)rc <= (front ? w->f.nr_ents : w->b.nr_ents));
	if (rc == 0)
		CHECK(front ? w->s->rsp_event == w->f.rsp_cons + 1
			    : w->s->req_event == w->b.req_cons + 1);
}

/* ---- flex ring ---------------------------------------------------------- */

static void flex_write(struct world *w, struct script *sc)
{
	static uint8_t src[FLEX + 16];
	uint8_t a = byte(sc);
	size_t len = ((size_t)byte(sc) << 4 | (a >> 4)) % (FLEX + 16);
	RING_IDX p0 = w->fprod, c0 = w->fcons;
	bool bad = (RING_IDX)(p0 - c0) > FLEX;
	uint32_t room = bad ? 0 : FLEX - (p0 - c0);
	int rc;

	for (size_t i = 0; i < len; i++)
		src[i] = (uint8_t)(w->wseq + i);
	if (a & 1) {
		rc = pv_flex_ring_write_some(&w->fr, src, len);
		CHECK(bad ? rc == -XEN_EIO
			  : rc == (int)(len < room ? len : room));
	} else {
		rc = pv_flex_ring_write(&w->fr, src, len);
		CHECK(bad ? rc == -XEN_EIO
			  : rc == (len > FLEX ? -XEN_EMSGSIZE
				   : len > room ? -XEN_EAGAIN : 0));
		rc = rc == 0 ? (int)len : 0;
	}
	if (rc < 0) {
		CHECK(w->fprod == p0);
		return;
	}
	CHECK(w->fprod == p0 + (RING_IDX)rc && w->fcons == c0);
	if (w->fhonest) {
		memcpy(w->model + w->mlen, src, (size_t)rc);
		w->mlen += (uint32_t)rc;
	}
	w->wseq += (uint32_t)rc;
}

static void flex_read(struct world *w, struct script *sc)
{
	static uint8_t dst[FLEX + 16];
	uint8_t a = byte(sc);
	size_t len = ((size_t)byte(sc) << 4 | (a >> 4)) % (FLEX + 16);
	RING_IDX p0 = w->fprod, c0 = w->fcons;
	uint32_t used = p0 - c0;
	bool bad = used > FLEX, consume = (a & 3) != 2;
	int rc;

	if ((a & 3) == 1) {
		rc = pv_flex_ring_read_some(&w->fr, dst, len);
		CHECK(bad ? rc == -XEN_EIO
			  : rc == (int)(len < used ? len : used));
	} else {
		rc = (a & 3) == 2 ? pv_flex_ring_peek(&w->fr, dst, len)
				  : pv_flex_ring_read(&w->fr, dst, len);
		CHECK(bad ? rc == -XEN_EIO
			  : rc == (len > FLEX ? -XEN_EMSGSIZE
				   : len > used ? -XEN_EAGAIN : 0));
		rc = rc == 0 ? (int)len : rc;
	}
	if (rc < 0) {
		CHECK(w->fcons == c0 && w->fprod == p0);
		return;
	}
	CHECK(w->fprod == p0 && w->fcons == c0 + (consume ? (RING_IDX)rc : 0));
	if (w->fhonest) {
		CHECK(w->mlen == used);
		CHECK(memcmp(dst, w->model, (size_t)rc) == 0);
		if (consume) {
			memmove(w->model, w->model + rc, w->mlen - (size_t)rc);
			w->mlen -= (uint32_t)rc;
		}
	}
}

/* ---- set-up and the script ---------------------------------------------- */

static void reset(struct world *w)
{
	pv_sring_init(w->s);
	w->have_f = pv_front_ring_init(&w->f, w->area, w->bytes, w->ent) == 0;
	w->have_b = pv_back_ring_init(&w->b, w->area, w->bytes, w->ent) == 0;
	CHECK(w->have_f && w->have_b);
	w->honest = true;
	w->sent = w->copied = w->got = 0;
	w->fcons = w->fprod;
	w->fhonest = true;
	w->mlen = 0;
}

static void reattach(struct world *w, uint8_t a)
{
	w->honest = false;
	if (a & 1) {
		int rc = pv_front_ring_attach(&w->f, w->area, w->bytes, w->ent);

		CHECK(rc == 0 || rc == -XEN_EIO);
		w->have_f = rc == 0;
	}
	if (a & 2)
		w->have_b = pv_back_ring_attach(&w->b, w->area, w->bytes,
						w->ent) == 0;
}

static void step(struct world *w, struct script *sc)
{
	uint8_t op = byte(sc);
	bool f = w->have_f, b = w->have_b;

	switch (op % 16) {
	case 0:
		if (b)
			back_copy(w, sc);
		break;
	case 1:
		if (b)
			back_answer(w, sc);
		break;
	case 2:
	case 3:
		if (b)
			(op % 16 == 2 ? push : final_check)(w, false);
		break;
	case 4:
		if (f)
			front_request(w, sc);
		break;
	case 5:
	case 7:
		if (f)
			(op % 16 == 5 ? push : final_check)(w, true);
		break;
	case 6:
		if (f)
			front_get(w, sc);
		break;
	case 8:
		w->s->req_prod = hostile(sc, w->s->req_prod);
		w->honest = false;
		break;
	case 9:
		w->s->rsp_prod = hostile(sc, w->s->rsp_prod);
		w->honest = false;
		break;
	case 10:
		w->s->req_event = hostile(sc, w->s->req_event);
		w->s->rsp_event = hostile(sc, w->s->rsp_event);
		break;
	case 11: flex_write(w, sc); break;
	case 12: flex_read(w, sc); break;
	case 13:
		if (op & 0x10)
			w->fprod = hostile(sc, w->fprod);
		else
			w->fcons = hostile(sc, w->fcons);
		w->fhonest = false;
		break;
	case 14: reset(w); break;
	default: reattach(w, byte(sc)); break;
	}
	check_cursors(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct world w;
	uint8_t hdr[HDR_BYTES] = { 0 };
	struct script sc;

	memcpy(hdr, data, size < HDR_BYTES ? size : HDR_BYTES);
	sc = (struct script){ data + HDR_BYTES,
			      size > HDR_BYTES ? size - HDR_BYTES : 0 };
	w.ent = 1 + hdr[0] % MAX_ENT;
	w.bytes = PV_SRING_HDR_SIZE + w.ent + (hdr[1] | hdr[2] << 8) % 1024;
	w.area = malloc(w.bytes);
	w.fdata = malloc(FLEX);
	CHECK(w.area && w.fdata);
	for (size_t i = 0; i < w.bytes; i++)
		w.area[i] = (uint8_t)(i * 13);
	w.s = (struct pv_sring *)(void *)w.area;
	memcpy(w.area, hdr + 3, 16); /* the peer's indices */
	memcpy(&w.fprod, hdr + 19, 4);
	memcpy(&w.fcons, hdr + 23, 4);
	memset(w.fdata, 0x77, FLEX);
	CHECK(pv_flex_ring_init(&w.fr, &w.fprod, &w.fcons, w.fdata, 0) == 0);
	w.fhonest = w.fprod == w.fcons;
	w.mlen = 0;
	w.wseq = 0;

	/* Both ends resume on whatever the header says. */
	w.honest = false;
	w.have_f = w.have_b = false;
	reattach(&w, 3);
	check_cursors(&w);
	while (sc.left)
		step(&w, &sc);
	free(w.area);
	free(w.fdata);
	return 0;
}
