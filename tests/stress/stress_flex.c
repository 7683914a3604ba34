/*
 * The flex ring's two streams.  Each side writes one direction and reads
 * the other; a frame goes out either whole (pv_flex_ring_write, all or
 * nothing) or in random pieces (write_some), and comes in either whole
 * (peek the header, then read the frame) or in random pieces (read_some).
 * The two ends choose independently, so every pairing is exercised.
 */
#include <string.h>

#include "stress_int.h"

#define FRAMES_PER_ROUND 8u

static int flex_dir(struct pv_flex_ring *r, struct stress_flex_intf *fx,
		    uint8_t *data, unsigned order, bool out)
{
	uint32_t size = (uint32_t)XEN_FLEX_RING_SIZE(order);

	if (out)
		return pv_flex_ring_init(r, &fx->out_prod, &fx->out_cons,
					 data + size, order);
	return pv_flex_ring_init(r, &fx->in_prod, &fx->in_cons, data, order);
}

int flex_init(struct side *s, void *mem)
{
	struct stress_flex_intf *fx = &s->ctl->flex;
	uint8_t *data = (uint8_t *)mem + (1 + STRESS_RING_PAGES) * STRESS_PAGE;
	bool front = s->me == STRESS_FRONT;
	enum stress_side peer = front ? STRESS_BACK : STRESS_FRONT;

	s->tx.magic = stress_frame_magic(s->me);
	s->rx.magic = stress_frame_magic(peer);
	/* The frontend writes "out" and reads "in"; the backend the reverse. */
	if (flex_dir(&s->tx.ring, fx, data, s->cfg->flex_order, front) ||
	    flex_dir(&s->rx.ring, fx, data, s->cfg->flex_order, !front))
		return side_fail(s, "pv_flex_ring_init refused the ring");
	return 0;
}

bool flex_done(const struct side *s)
{
	return s->tx.seq == s->cfg->frames && s->rx.seq == s->cfg->frames;
}

/* ---- writing ------------------------------------------------------------ */

static void tx_next(struct side *s)
{
	struct flex_tx *t = &s->tx;

	t->size = stress_make_frame(t->buf, s->cfg->seed, t->magic, t->seq);
	t->off = 0;
	t->piecewise = stress_rand(&s->rng) & 1;
}

static void tx_done(struct side *s)
{
	struct flex_tx *t = &s->tx;

	s->st.frames_out++;
	s->st.fbytes_out += t->size;
	s->st.fdigest_out =
		stress_digest(s->st.fdigest_out, stress_frame_csum(t->buf));
	t->seq++;
	t->size = 0;
}

/* Write (part of) the current frame: bytes moved, 0 when there is no room,
 * or -1. */
static int tx_step(struct side *s)
{
	struct flex_tx *t = &s->tx;
	uint32_t want = t->size - t->off;
	int rc;

	if (!t->piecewise) {
		rc = pv_flex_ring_write(&t->ring, t->buf, t->size);
		if (rc == -XEN_EAGAIN)
			return 0;
		if (rc)
			return side_fail(s, "pv_flex_ring_write: %d", rc);
		t->off = t->size;
		return (int)t->size;
	}
	want = 1 + (uint32_t)(stress_rand(&s->rng) % want);
	rc = pv_flex_ring_write_some(&t->ring, t->buf + t->off, want);
	if (rc < 0)
		return side_fail(s, "pv_flex_ring_write_some: %d", rc);
	if (rc > (int)want)
		return side_fail(s, "write_some wrote %d of %u bytes", rc,
				 want);
	s->st.flex_partial += rc > 0 && (uint32_t)rc < want;
	t->off += (uint32_t)rc;
	return rc;
}

static int tx_round(struct side *s)
{
	struct flex_tx *t = &s->tx;
	int moved = 0, rc;
	unsigned i;

	for (i = 0; i < FRAMES_PER_ROUND; i++) {
		if (t->size == 0) {
			if (t->seq == s->cfg->frames)
				break;
			tx_next(s);
		}
		rc = tx_step(s);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			s->st.flex_full++;
			break;
		}
		moved += rc;
		if (t->off == t->size)
			tx_done(s);
	}
	return moved;
}

/* ---- reading ------------------------------------------------------------ */

static int rx_done(struct side *s)
{
	struct flex_rx *r = &s->rx;
	const char *why =
		stress_check_frame(r->buf, s->cfg->seed, r->magic, r->seq);

	if (why)
		return side_fail(s, "flex frame %llu: %s",
				 (unsigned long long)r->seq, why);
	s->st.frames_in++;
	s->st.fbytes_in += r->size;
	s->st.fdigest_in =
		stress_digest(s->st.fdigest_in, stress_frame_csum(r->buf));
	r->seq++;
	r->size = 0;
	r->off = 0;
	r->piecewise = stress_rand(&s->rng) & 1;
	return 0;
}

/* The header is in buf: learn the frame's size, or fail. */
static int rx_header(struct side *s)
{
	struct flex_rx *r = &s->rx;

	r->size = stress_frame_size(r->buf, r->magic, r->seq);
	if (r->size == 0)
		return side_fail(s, "flex frame %llu: bad header",
				 (unsigned long long)r->seq);
	return 0;
}

/* Peek at the header, then take the frame in one read once it is all
 * there: bytes consumed, 0 when not yet complete, or -1. */
static int rx_whole(struct side *s)
{
	struct flex_rx *r = &s->rx;
	const uint32_t hdr = sizeof(struct stress_frame_hdr);
	int rc;

	if (r->size == 0) {
		rc = pv_flex_ring_peek(&r->ring, r->buf, hdr);
		if (rc == -XEN_EAGAIN)
			return 0;
		if (rc)
			return side_fail(s, "pv_flex_ring_peek: %d", rc);
		if (rx_header(s))
			return -1;
	}
	rc = pv_flex_ring_read(&r->ring, r->buf, r->size);
	if (rc == -XEN_EAGAIN)
		return 0;
	if (rc)
		return side_fail(s, "pv_flex_ring_read: %d", rc);
	r->off = r->size;
	return (int)r->size;
}

/* Collect a random-sized piece of the header or the rest of the frame. */
static int rx_piece(struct side *s)
{
	struct flex_rx *r = &s->rx;
	const uint32_t hdr = sizeof(struct stress_frame_hdr);
	uint32_t want = (r->off < hdr ? hdr : r->size) - r->off;
	int rc;

	want = 1 + (uint32_t)(stress_rand(&s->rng) % want);
	rc = pv_flex_ring_read_some(&r->ring, r->buf + r->off, want);
	if (rc < 0)
		return side_fail(s, "pv_flex_ring_read_some: %d", rc);
	if (rc > (int)want)
		return side_fail(s, "read_some read %d of %u bytes", rc, want);
	s->st.flex_partial += rc > 0 && (uint32_t)rc < want;
	r->off += (uint32_t)rc;
	if (rc > 0 && r->off == hdr && rx_header(s))
		return -1;
	return rc;
}

static int rx_round(struct side *s)
{
	struct flex_rx *r = &s->rx;
	int moved = 0, rc;
	unsigned i;

	for (i = 0; i < FRAMES_PER_ROUND && r->seq < s->cfg->frames; i++) {
		rc = r->piecewise ? rx_piece(s) : rx_whole(s);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			s->st.flex_empty++;
			break;
		}
		moved += rc;
		if (r->size && r->off == r->size && rx_done(s))
			return -1;
	}
	return moved;
}

int flex_round(struct side *s)
{
	int out = tx_round(s), in;

	if (out < 0)
		return out;
	in = rx_round(s);
	if (in < 0)
		return in;
	return out + in;
}
