/*
 * 2-level event bitmaps.  Both ends change both bitmaps concurrently, so
 * every bit update is an atomic read-modify-write on the whole word.
 */
#include <stdatomic.h>
#include <stdbool.h>

#include "pvkit/evtchn.h"
#include "pvkit/proto/errno.h"

typedef _Atomic xen_ulong_t aword;

_Static_assert(sizeof(aword) == sizeof(xen_ulong_t),
	       "atomic view must match xen_ulong_t");

static aword *word(xen_ulong_t *map, evtchn_port_t port)
{
	return (aword *)&map[port / PV_EVTCHN_2L_BITS];
}

static xen_ulong_t bit(unsigned int n)
{
	return (xen_ulong_t)1 << (n % PV_EVTCHN_2L_BITS);
}

/* Lowest set bit of a non-zero word. */
static unsigned int lowest(xen_ulong_t w)
{
	if (sizeof(w) <= sizeof(unsigned long))
		return (unsigned int)__builtin_ctzl((unsigned long)w);
	return (unsigned int)__builtin_ctzll(w);
}

/* Atomically set (or clear) bit n of *w; returns whether it was set. */
static bool test_and_set(aword *w, unsigned int n)
{
	return atomic_fetch_or_explicit(w, bit(n), memory_order_seq_cst) &
	       bit(n);
}

static bool test_and_clear(aword *w, unsigned int n)
{
	return atomic_fetch_and_explicit(w, ~bit(n), memory_order_seq_cst) &
	       bit(n);
}

static bool test(const xen_ulong_t *map, evtchn_port_t port)
{
	return atomic_load_explicit(
		       (const aword *)&map[port / PV_EVTCHN_2L_BITS],
		       memory_order_acquire) &
	       bit(port);
}

/* The selector bit of port's word is set; if this turned the vCPU's upcall
 * flag on, it has to be woken. */
static int mark_upcall(struct vcpu_info *v, evtchn_port_t port)
{
	if (test_and_set((aword *)&v->evtchn_pending_sel,
			 port / PV_EVTCHN_2L_BITS))
		return 0;
	/* seq_cst: the selector bit is visible before the flag that makes the
	 * guest read it. */
	return atomic_exchange_explicit(
		       (_Atomic uint8_t *)&v->evtchn_upcall_pending, 1,
		       memory_order_seq_cst) == 0;
}

int pv_evtchn_set_pending(struct shared_info *s, struct vcpu_info *v,
			  evtchn_port_t port)
{
	if (port >= PV_EVTCHN_2L_PORTS)
		return -XEN_EINVAL;
	if (test_and_set(word(s->evtchn_pending, port), port))
		return 0;
	if (test(s->evtchn_mask, port))
		return 0;
	return mark_upcall(v, port);
}

int pv_evtchn_mask(struct shared_info *s, evtchn_port_t port)
{
	if (port >= PV_EVTCHN_2L_PORTS)
		return -XEN_EINVAL;
	test_and_set(word(s->evtchn_mask, port), port);
	return 0;
}

int pv_evtchn_unmask(struct shared_info *s, struct vcpu_info *v,
		     evtchn_port_t port)
{
	if (port >= PV_EVTCHN_2L_PORTS)
		return -XEN_EINVAL;
	if (!test_and_clear(word(s->evtchn_mask, port), port))
		return 0;
	/* seq_cst RMW above orders the unmask before this check, pairing with
	 * set_pending's pending-then-mask order: one of us sees the other. */
	if (!test(s->evtchn_pending, port))
		return 0;
	mark_upcall(v, port);
	return 1;
}

int pv_evtchn_clear_pending(struct shared_info *s, evtchn_port_t port)
{
	if (port >= PV_EVTCHN_2L_PORTS)
		return -XEN_EINVAL;
	return test_and_clear(word(s->evtchn_pending, port), port);
}

int pv_evtchn_is_pending(const struct shared_info *s, evtchn_port_t port)
{
	if (port >= PV_EVTCHN_2L_PORTS)
		return -XEN_EINVAL;
	return test(s->evtchn_pending, port);
}

int pv_evtchn_is_masked(const struct shared_info *s, evtchn_port_t port)
{
	if (port >= PV_EVTCHN_2L_PORTS)
		return -XEN_EINVAL;
	return test(s->evtchn_mask, port);
}

/* Take the pending, unmasked ports of word w, at most max of them.
 * Returns how many; *left is set when bits remained. */
static unsigned int scan_word(struct shared_info *s, unsigned int w,
			      evtchn_port_t *ports, unsigned int max,
			      bool *left)
{
	xen_ulong_t bits = atomic_load_explicit((aword *)&s->evtchn_pending[w],
						memory_order_acquire) &
			   ~atomic_load_explicit((aword *)&s->evtchn_mask[w],
						 memory_order_acquire);
	unsigned int n = 0;

	while (bits && n < max) {
		unsigned int b = lowest(bits);
		evtchn_port_t port = w * PV_EVTCHN_2L_BITS + b;

		bits &= bits - 1;
		if (test_and_clear(word(s->evtchn_pending, port), port))
			ports[n++] = port;
	}
	*left = bits != 0;
	return n;
}

unsigned int pv_evtchn_scan(struct shared_info *s, struct vcpu_info *v,
			    evtchn_port_t *ports, unsigned int max)
{
	aword *selp = (aword *)&v->evtchn_pending_sel;
	xen_ulong_t sel, rest = 0;
	unsigned int n = 0;

	/* Clear the flag before taking the selector: an event raised after
	 * this point sets the flag again and is found by the next scan. */
	atomic_store_explicit((_Atomic uint8_t *)&v->evtchn_upcall_pending, 0,
			      memory_order_seq_cst);
	sel = atomic_exchange_explicit(selp, 0, memory_order_seq_cst);
	while (sel) {
		unsigned int w = lowest(sel);
		bool left = false;

		sel &= sel - 1;
		n += scan_word(s, w, ports + n, max - n, &left);
		if (left)
			rest |= bit(w);
		if (n == max) {
			rest |= sel; /* words not looked at yet */
			break;
		}
	}
	if (rest) {
		atomic_fetch_or_explicit(selp, rest, memory_order_seq_cst);
		atomic_store_explicit(
			(_Atomic uint8_t *)&v->evtchn_upcall_pending, 1,
			memory_order_seq_cst);
	}
	return n;
}
