/*
 * Unit tests for flex (byte) rings (pvkit/flexring.h, ring/flexring.c).
 *
 * The data area sits between guard bytes, so a copy that leaves it is
 * caught here even without a sanitizer.
 */
#include "unit.h"

#include <stdlib.h>

#include "pvkit/flexring.h"
#include "pvkit/proto/errno.h"

#define SZ0 2048u /* XEN_FLEX_RING_SIZE(0) */
#define GUARD 64u
#define GUARD_BYTE 0xEE

struct fixture {
	RING_IDX prod, cons;
	unsigned char mem[GUARD + SZ0 + GUARD];
	struct pv_flex_ring r;
};

static struct fixture fx;

static unsigned char *data(void)
{
	return fx.mem + GUARD;
}

/* An order-0 ring whose indices both start at idx. */
static struct pv_flex_ring *ring_at(RING_IDX idx)
{
	memset(fx.mem, GUARD_BYTE, sizeof(fx.mem));
	memset(data(), 0, SZ0);
	fx.prod = fx.cons = idx;
	assert_int_equal(pv_flex_ring_init(&fx.r, &fx.prod, &fx.cons, data(), 0),
			 0);
	return &fx.r;
}

static void guards_intact(void)
{
	for (unsigned i = 0; i < GUARD; i++) {
		assert_int_equal(fx.mem[i], GUARD_BYTE);
		assert_int_equal(fx.mem[GUARD + SZ0 + i], GUARD_BYTE);
	}
}

static void pattern(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 7);
}

static void sizes_and_orders(void **state)
{
	(void)state;
	assert_int_equal(XEN_FLEX_RING_SIZE(0), 2048);
	assert_int_equal(XEN_FLEX_RING_SIZE(1), 4096);
	assert_int_equal(XEN_FLEX_RING_SIZE(8), 1u << 19);
	assert_int_equal(PV_FLEX_RING_ORDER_MAX, 19);
	assert_int_equal(XEN_FLEX_RING_SIZE(PV_FLEX_RING_ORDER_MAX), 1u << 30);
}

static void init_rejects_bad_args(void **state)
{
	struct pv_flex_ring r;
	RING_IDX p = 0, c = 0;
	unsigned char d[16];

	(void)state;
	assert_int_equal(pv_flex_ring_init(NULL, &p, &c, d, 0), -XEN_EINVAL);
	assert_int_equal(pv_flex_ring_init(&r, NULL, &c, d, 0), -XEN_EINVAL);
	assert_int_equal(pv_flex_ring_init(&r, &p, NULL, d, 0), -XEN_EINVAL);
	assert_int_equal(pv_flex_ring_init(&r, &p, &c, NULL, 0), -XEN_EINVAL);
	assert_int_equal(pv_flex_ring_init(&r, &p, &c, d,
					   PV_FLEX_RING_ORDER_MAX + 1),
			 -XEN_EINVAL);
	assert_int_equal(pv_flex_ring_init(&r, &p, &c, d, 32), -XEN_EINVAL);
	assert_int_equal(pv_flex_ring_init(&r, &p, &c, d, ~0u), -XEN_EINVAL);
}

/* init only records the geometry; the data area is not touched. */
static void init_orders(void **state)
{
	struct pv_flex_ring r;
	RING_IDX p = 0, c = 0;
	unsigned char d[1] = { 0x5a };

	(void)state;
	assert_int_equal(pv_flex_ring_init(&r, &p, &c, d, 0), 0);
	assert_int_equal(r.size, 2048);
	assert_ptr_equal(r.prod, &p);
	assert_ptr_equal(r.cons, &c);
	assert_ptr_equal(r.data, d);
	assert_int_equal(pv_flex_ring_init(&r, &p, &c, d, 8), 0);
	assert_int_equal(r.size, 1u << 19);
	assert_int_equal(pv_flex_ring_init(&r, &p, &c, d,
					   PV_FLEX_RING_ORDER_MAX),
			 0);
	assert_int_equal(r.size, 1u << 30);
	assert_int_equal(pv_flex_ring_writable(&r), 1 << 30);
	assert_int_equal(d[0], 0x5a);
}

static void empty_ring(void **state)
{
	struct pv_flex_ring *r = ring_at(0);
	unsigned char b[8];

	(void)state;
	assert_int_equal(pv_flex_ring_readable(r), 0);
	assert_int_equal(pv_flex_ring_writable(r), SZ0);
	assert_int_equal(pv_flex_ring_read(r, b, 1), -XEN_EAGAIN);
	assert_int_equal(pv_flex_ring_peek(r, b, 1), -XEN_EAGAIN);
	assert_int_equal(pv_flex_ring_read_some(r, b, sizeof b), 0);
	assert_int_equal(pv_flex_ring_read(r, b, 0), 0);
	assert_int_equal(pv_flex_ring_write(r, b, 0), 0);
	assert_int_equal(pv_flex_ring_write_some(r, b, 0), 0);
	assert_int_equal(fx.prod, 0);
	assert_int_equal(fx.cons, 0);
}

static void write_then_read(void **state)
{
	struct pv_flex_ring *r = ring_at(0);
	unsigned char in[100], out[100];

	(void)state;
	pattern(in, sizeof in, 1);
	assert_int_equal(pv_flex_ring_write(r, in, sizeof in), 0);
	assert_int_equal(fx.prod, 100);
	assert_int_equal(fx.cons, 0);
	assert_memory_equal(data(), in, sizeof in);
	assert_int_equal(pv_flex_ring_readable(r), 100);
	assert_int_equal(pv_flex_ring_writable(r), SZ0 - 100);
	assert_int_equal(pv_flex_ring_read(r, out, 60), 0);
	assert_memory_equal(out, in, 60);
	assert_int_equal(fx.cons, 60);
	assert_int_equal(pv_flex_ring_read(r, out, 41), -XEN_EAGAIN);
	assert_int_equal(pv_flex_ring_read(r, out, 40), 0);
	assert_memory_equal(out, in + 60, 40);
	assert_int_equal(pv_flex_ring_readable(r), 0);
	guards_intact();
}

static void whole_write_limits(void **state)
{
	struct pv_flex_ring *r = ring_at(0);
	static unsigned char big[SZ0 + 1];

	(void)state;
	pattern(big, sizeof big, 3);
	assert_int_equal(pv_flex_ring_write(r, big, SZ0 + 1), -XEN_EMSGSIZE);
	assert_int_equal(pv_flex_ring_write(r, big, SIZE_MAX), -XEN_EMSGSIZE);
	assert_int_equal(fx.prod, 0);
	assert_int_equal(pv_flex_ring_write(r, big, SZ0 - 10), 0);
	/* Does not fit now, but could later: all or nothing. */
	assert_int_equal(pv_flex_ring_write(r, big, 11), -XEN_EAGAIN);
	assert_int_equal(fx.prod, SZ0 - 10);
	assert_int_equal(pv_flex_ring_write(r, big, 10), 0);
	assert_int_equal(pv_flex_ring_writable(r), 0);
	assert_int_equal(pv_flex_ring_write(r, big, 1), -XEN_EAGAIN);
	assert_int_equal(pv_flex_ring_write_some(r, big, 1), 0);
	assert_int_equal(pv_flex_ring_readable(r), SZ0);
	guards_intact();
}

static void whole_read_limits(void **state)
{
	struct pv_flex_ring *r = ring_at(0);
	static unsigned char in[SZ0], out[SZ0 + 1];

	(void)state;
	pattern(in, sizeof in, 5);
	assert_int_equal(pv_flex_ring_write(r, in, SZ0), 0);
	assert_int_equal(pv_flex_ring_read(r, out, SZ0 + 1), -XEN_EMSGSIZE);
	assert_int_equal(pv_flex_ring_peek(r, out, SZ0 + 1), -XEN_EMSGSIZE);
	assert_int_equal(pv_flex_ring_read(r, out, SZ0), 0);
	assert_memory_equal(out, in, SZ0);
	assert_int_equal(fx.cons, SZ0);
}

static void some_copies_what_fits(void **state)
{
	struct pv_flex_ring *r = ring_at(0);
	static unsigned char in[SZ0], out[SZ0];

	(void)state;
	pattern(in, sizeof in, 9);
	assert_int_equal(pv_flex_ring_write(r, in, 2000), 0);
	assert_int_equal(pv_flex_ring_write_some(r, in + 2000, 100), 48);
	assert_int_equal(fx.prod, SZ0);
	assert_int_equal(pv_flex_ring_read_some(r, out, 100), 100);
	assert_int_equal(pv_flex_ring_read_some(r, out + 100, SZ0), SZ0 - 100);
	assert_memory_equal(out, in, SZ0);
	assert_int_equal(pv_flex_ring_read_some(r, out, 1), 0);
}

/* A message that straddles the end of the data area is split in two. */
static void wrap_around_copy(void **state)
{
	struct pv_flex_ring *r = ring_at(2000);
	unsigned char in[100], out[100];

	(void)state;
	pattern(in, sizeof in, 11);
	assert_int_equal(pv_flex_ring_write(r, in, sizeof in), 0);
	assert_memory_equal(data() + 2000, in, 48);
	assert_memory_equal(data(), in + 48, 52);
	assert_int_equal(pv_flex_ring_peek(r, out, sizeof out), 0);
	assert_memory_equal(out, in, sizeof in);
	memset(out, 0, sizeof out);
	assert_int_equal(pv_flex_ring_read(r, out, sizeof out), 0);
	assert_memory_equal(out, in, sizeof in);
	assert_int_equal(fx.cons, 2100);
	guards_intact();
}

/* Indices are free-running: crossing 2^32 changes nothing. */
static void wrap_around_index(void **state)
{
	struct pv_flex_ring *r = ring_at(0xfffffff5u);
	unsigned char in[50], out[50];

	(void)state;
	pattern(in, sizeof in, 13);
	assert_int_equal(pv_flex_ring_write(r, in, sizeof in), 0);
	assert_int_equal(fx.prod, 39);
	assert_int_equal(pv_flex_ring_readable(r), 50);
	assert_memory_equal(data() + (0xfffffff5u & (SZ0 - 1)), in, 11);
	assert_memory_equal(data(), in + 11, 39);
	assert_int_equal(pv_flex_ring_read(r, out, sizeof out), 0);
	assert_memory_equal(out, in, sizeof in);
	assert_int_equal(fx.cons, 39);
}

static void peek_does_not_consume(void **state)
{
	struct pv_flex_ring *r = ring_at(0);
	unsigned char in[20], out[20];

	(void)state;
	pattern(in, sizeof in, 17);
	assert_int_equal(pv_flex_ring_write(r, in, sizeof in), 0);
	assert_int_equal(pv_flex_ring_peek(r, out, 8), 0);
	assert_memory_equal(out, in, 8);
	assert_int_equal(fx.cons, 0);
	assert_int_equal(pv_flex_ring_readable(r), 20);
	assert_int_equal(pv_flex_ring_peek(r, out, 21), -XEN_EAGAIN);
	assert_int_equal(pv_flex_ring_peek(r, out, 0), 0);
	assert_int_equal(pv_flex_ring_read(r, out, 20), 0);
	assert_memory_equal(out, in, 20);
}

/* Corrupt indices: every call fails and touches neither data nor index. */
static void corrupt_indices(void **state)
{
	static const RING_IDX used[] = { SZ0 + 1, 4096, 0x80000000u,
					 0xffffffffu };
	unsigned char b[16] = { 0 };

	(void)state;
	for (unsigned i = 0; i < sizeof(used) / sizeof(used[0]); i++) {
		struct pv_flex_ring *r = ring_at(100);
		unsigned char before[SZ0];

		fx.prod = 100 + used[i];
		memcpy(before, data(), SZ0);
		assert_int_equal(pv_flex_ring_readable(r), -XEN_EIO);
		assert_int_equal(pv_flex_ring_writable(r), -XEN_EIO);
		assert_int_equal(pv_flex_ring_write(r, b, 1), -XEN_EIO);
		assert_int_equal(pv_flex_ring_write_some(r, b, 1), -XEN_EIO);
		assert_int_equal(pv_flex_ring_read(r, b, 1), -XEN_EIO);
		assert_int_equal(pv_flex_ring_read_some(r, b, 1), -XEN_EIO);
		assert_int_equal(pv_flex_ring_peek(r, b, 1), -XEN_EIO);
		assert_int_equal(pv_flex_ring_read(r, b, 0), -XEN_EIO);
		assert_int_equal(fx.prod, 100 + used[i]);
		assert_int_equal(fx.cons, 100);
		assert_memory_equal(data(), before, SZ0);
		guards_intact();
	}
}

/* A consumer index past the producer is the same as "moved backwards". */
static void consumer_ahead_of_producer(void **state)
{
	struct pv_flex_ring *r = ring_at(500);
	unsigned char b[4];

	(void)state;
	fx.cons = 501;
	assert_int_equal(pv_flex_ring_readable(r), -XEN_EIO);
	assert_int_equal(pv_flex_ring_write(r, b, sizeof b), -XEN_EIO);
	fx.cons = 500 - SZ0; /* exactly full: legal */
	assert_int_equal(pv_flex_ring_readable(r), SZ0);
	assert_int_equal(pv_flex_ring_writable(r), 0);
	assert_int_equal(pv_flex_ring_read(r, b, sizeof b), 0);
}

/* Streams of odd-sized pieces from a high start index, checked byte for
 * byte against the sequence written. */
static void stream_through_wrap(void **state)
{
	struct pv_flex_ring *r = ring_at(0xffff0000u);
	unsigned char in[700], out[700];
	unsigned wseq = 0, rseq = 0;

	(void)state;
	for (unsigned round = 0; round < 500; round++) {
		size_t wlen = 1 + (round * 131) % sizeof in;
		size_t rlen = 1 + (round * 197) % sizeof out;
		int n;

		for (size_t i = 0; i < wlen; i++)
			in[i] = (unsigned char)(wseq + i);
		n = pv_flex_ring_write_some(r, in, wlen);
		assert_true(n >= 0 && (size_t)n <= wlen);
		wseq += (unsigned)n;
		n = pv_flex_ring_read_some(r, out, rlen);
		assert_true(n >= 0 && (size_t)n <= rlen);
		for (int i = 0; i < n; i++)
			assert_int_equal(out[i], (unsigned char)(rseq + i));
		rseq += (unsigned)n;
		assert_int_equal(pv_flex_ring_readable(r), wseq - rseq);
	}
	assert_int_equal(fx.prod, (RING_IDX)(0xffff0000u + wseq));
	guards_intact();
}

/* The two directions of an interface are independent rings. */
static void two_directions(void **state)
{
	struct {
		RING_IDX in_cons, in_prod, out_cons, out_prod;
	} intf = { 0, 0, 0, 0 };
	static unsigned char area[2 * SZ0];
	struct pv_flex_ring in, out;
	unsigned char m[4] = { 1, 2, 3, 4 }, g[4];

	(void)state;
	assert_int_equal(pv_flex_ring_init(&in, &intf.in_prod, &intf.in_cons,
					   area, 0),
			 0);
	assert_int_equal(pv_flex_ring_init(&out, &intf.out_prod,
					   &intf.out_cons, area + SZ0, 0),
			 0);
	assert_int_equal(pv_flex_ring_write(&out, m, sizeof m), 0);
	assert_int_equal(intf.out_prod, 4);
	assert_int_equal(intf.in_prod, 0);
	assert_int_equal(pv_flex_ring_readable(&in), 0);
	assert_memory_equal(area + SZ0, m, 4);
	assert_int_equal(pv_flex_ring_read(&out, g, sizeof g), 0);
	assert_memory_equal(g, m, 4);
}

/* Exactly sized heap data area: a sanitizer build sees any stray byte. */
static void heap_exact_area(void **state)
{
	unsigned char *d = malloc(SZ0);
	unsigned char in[300], out[300];
	RING_IDX p = SZ0 - 150, c = SZ0 - 150;
	struct pv_flex_ring r;

	(void)state;
	assert_non_null(d);
	pattern(in, sizeof in, 23);
	assert_int_equal(pv_flex_ring_init(&r, &p, &c, d, 0), 0);
	assert_int_equal(pv_flex_ring_write(&r, in, sizeof in), 0);
	assert_int_equal(pv_flex_ring_read(&r, out, sizeof out), 0);
	assert_memory_equal(out, in, sizeof in);
	free(d);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(sizes_and_orders),
	cmocka_unit_test(init_rejects_bad_args),
	cmocka_unit_test(init_orders),
	cmocka_unit_test(empty_ring),
	cmocka_unit_test(write_then_read),
	cmocka_unit_test(whole_write_limits),
	cmocka_unit_test(whole_read_limits),
	cmocka_unit_test(some_copies_what_fits),
	cmocka_unit_test(wrap_around_copy),
	cmocka_unit_test(wrap_around_index),
	cmocka_unit_test(peek_does_not_consume),
	cmocka_unit_test(corrupt_indices),
	cmocka_unit_test(consumer_ahead_of_producer),
	cmocka_unit_test(stream_through_wrap),
	cmocka_unit_test(two_directions),
	cmocka_unit_test(heap_exact_area),
};

PV_UNIT_MAIN("flexring", tests)
