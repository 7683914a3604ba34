/*
 * tests/unit/test_front_xs_fake.h — the store's end of an in-memory ring page,
 * for the store client's unit tests (test_front_xs*.c).
 *
 * The client under test blocks in its ops' wait(); there the fake plays
 * the store for one step (fake->serve), so everything runs on one thread,
 * deterministically.  Helpers take whole requests off req[] (reassembling
 * ones larger than the ring, at most req_chunk bytes per step) and queue
 * replies that go onto rsp[] as room allows (at most rsp_chunk per step),
 * so messages split at the ring's edge and across steps.
 */
#ifndef PVKIT_TESTS_FRONT_XS_FAKE_H
#define PVKIT_TESTS_FRONT_XS_FAKE_H

#include "unit.h"

#include <stdlib.h>

#include "pvkit/front_xs.h"
#include "pvkit/proto/errno.h"
#include "pvkit/store.h"

#define FAKE_OUT_MAX (256u * 1024u)

struct fake;
/* One step of the store; its result is what wait() returns. */
typedef int fake_serve_fn(struct fake *f);

struct fake {
	struct xenstore_domain_interface *pg;
	unsigned int notifies, waits, wait_limit;
	fake_serve_fn *serve; /* one step of the store, run in wait() */
	bool reconnect_ok;    /* answer XENSTORE_RECONNECT */
	uint32_t req_chunk;   /* most request bytes taken per step (0: all) */
	uint32_t rsp_chunk;   /* most reply bytes put per step (0: all) */
	/* the request being reassembled */
	uint8_t in[PV_XS_MSG_MAX];
	uint32_t in_have;
	/* bytes waiting for room on rsp[] */
	uint8_t *out;
	uint32_t out_head, out_tail;
	void *user;
};

static inline uint32_t fake_ld(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void fake_st(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* A page of exactly the interface's size, so ASan sees any stray access. */
static inline void fake_init(struct fake *f, XENSTORE_RING_IDX start)
{
	memset(f, 0, sizeof(*f));
	f->pg = calloc(1, sizeof(*f->pg));
	f->out = malloc(FAKE_OUT_MAX);
	assert_non_null(f->pg);
	assert_non_null(f->out);
	f->pg->req_prod = f->pg->req_cons = start;
	f->pg->rsp_prod = f->pg->rsp_cons = start;
	f->pg->server_features = XENSTORE_SERVER_FEATURE_RECONNECTION;
	f->reconnect_ok = true;
	f->wait_limit = 100000;
}

static inline void fake_fini(struct fake *f)
{
	free(f->pg);
	free(f->out);
	f->pg = NULL;
	f->out = NULL;
}

/* A whole request into h / payload (NUL added after it), or false. */
static inline bool fake_get_req(struct fake *f, struct xsd_sockmsg *h,
				char *payload)
{
	struct xenstore_domain_interface *pg = f->pg;
	uint32_t cons = pg->req_cons, avail = fake_ld(&pg->req_prod) - cons;
	uint32_t want, n, budget = f->req_chunk ? f->req_chunk : ~0u;

	assert_true(avail <= XENSTORE_RING_SIZE);
	for (;;) {
		want = PV_XS_HDR_SIZE;
		if (f->in_have >= PV_XS_HDR_SIZE) {
			memcpy(h, f->in, sizeof(*h));
			if (h->len > XENSTORE_PAYLOAD_MAX) {
				/* only a scribbled ring gets here */
				f->in_have = 0;
				break;
			}
			want += h->len;
			if (f->in_have == want)
				break;
		}
		n = want - f->in_have;
		n = n < avail ? n : avail;
		n = n < budget ? n : budget;
		if (n == 0) {
			fake_st(&pg->req_cons, cons);
			return false;
		}
		for (uint32_t i = 0; i < n; i++)
			f->in[f->in_have++] =
			    (uint8_t)pg->req[MASK_XENSTORE_IDX(cons + i)];
		cons += n;
		avail -= n;
		budget -= n;
	}
	fake_st(&pg->req_cons, cons);
	if (f->in_have == 0)
		return false;
	memcpy(payload, f->in + PV_XS_HDR_SIZE, h->len);
	payload[h->len] = '\0';
	f->in_have = 0;
	return true;
}

/* Queue raw bytes for rsp[]. */
static inline void fake_put(struct fake *f, const void *p, size_t n)
{
	if (n == 0)
		return;
	assert_true(f->out_tail + n <= FAKE_OUT_MAX);
	memcpy(f->out + f->out_tail, p, n);
	f->out_tail += (uint32_t)n;
}

static inline void fake_msg(struct fake *f, uint32_t type, uint32_t req_id,
			    uint32_t tx_id, const void *p, size_t len)
{
	struct xsd_sockmsg h = {type, req_id, tx_id, (uint32_t)len};

	fake_put(f, &h, sizeof(h));
	fake_put(f, p, len);
}

/* Payload literals with their NULs: P("a\0b") is 3 bytes. */
#define P(lit) lit, sizeof(lit) - 1

/* Move queued bytes onto rsp[] as room (and rsp_chunk) allow. */
static inline void fake_flush(struct fake *f)
{
	struct xenstore_domain_interface *pg = f->pg;
	uint32_t prod = pg->rsp_prod;
	uint32_t room = XENSTORE_RING_SIZE - (prod - fake_ld(&pg->rsp_cons));
	uint32_t n = f->out_tail - f->out_head;

	n = n < room ? n : room;
	if (f->rsp_chunk && n > f->rsp_chunk)
		n = f->rsp_chunk;
	for (uint32_t i = 0; i < n; i++)
		pg->rsp[MASK_XENSTORE_IDX(prod + i)] =
		    (char)f->out[f->out_head + i];
	f->out_head += n;
	if (f->out_head == f->out_tail)
		f->out_head = f->out_tail = 0;
	fake_st(&pg->rsp_prod, prod + n);
}

/* The store's side of XENSTORE_RECONNECT; true when it happened. */
static inline bool fake_reconnect(struct fake *f)
{
	struct xenstore_domain_interface *pg = f->pg;

	if (!f->reconnect_ok || fake_ld(&pg->connection) != XENSTORE_RECONNECT)
		return false;
	pg->req_cons = pg->req_prod = 0;
	pg->rsp_cons = pg->rsp_prod = 0;
	pg->error = XENSTORE_ERROR_NONE;
	f->in_have = 0;
	f->out_head = f->out_tail = 0;
	fake_st(&pg->connection, XENSTORE_CONNECTED);
	return true;
}

static inline int fake_notify(void *arg)
{
	struct fake *f = arg;

	f->notifies++;
	return 0;
}

/* Timeout_ms >= 0 and nothing to do: the time runs out at once. */
static inline int fake_wait(void *arg, int timeout_ms)
{
	struct fake *f = arg;

	if (++f->waits > f->wait_limit)
		fail_msg("client still waiting after %u steps", f->waits);
	if (f->serve)
		return f->serve(f);
	if (timeout_ms < 0)
		fail_msg("client would wait for ever");
	return -XEN_ETIMEDOUT;
}

static const struct pvfront_xs_ops fake_ops = {
    .notify = fake_notify,
    .wait = fake_wait,
};

#endif
