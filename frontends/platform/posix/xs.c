/*
 * The store client (pvkit/front_xs.h) on a process guest: the ring page
 * start_info names, and ops that notify and wait on the store's port.
 *
 * pvfront_posix_wait() hands out whichever ports fired.  While the store
 * client waits for its own port, other ports that fire must not be lost
 * to the guest's other drivers: they are held and, when the wait ends, set
 * pending again in this guest's own shared_info, so the guest's next
 * pvfront_posix_wait() reports them.  Holding them (instead of re-pending
 * at once) keeps the store's wait from spinning on them.
 */
#include <errno.h>
#include <time.h>

#include "posix.h"
#include "pvkit/evtchn.h"
#include "pvkit/front_xs.h"

/* Other ports held during one wait; more than this end the wait early
 * (a spurious wake-up, which the client allows). */
#define HELD_MAX 64u

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int xs_notify(void *arg)
{
	struct pvfront_posix *p = arg;

	return pvfront_posix_evtchn_send(p, p->si->store_evtchn);
}

/* One wait: true when it should end (the store fired, or no room to
 * hold more), with the others added to held[]. */
static bool sort_fired(struct pvfront_posix *p, const evtchn_port_t *got,
		       int n, evtchn_port_t *held, unsigned int *nheld)
{
	bool done = false;

	for (int i = 0; i < n; i++) {
		if (got[i] == p->si->store_evtchn)
			done = true;
		else if (*nheld < HELD_MAX)
			held[(*nheld)++] = got[i];
		else /* cannot hold it: leave it pending, end the wait */
			done = pv_evtchn_set_pending(p->shinfo,
						     &p->shinfo->vcpu_info[0],
						     got[i]) >= 0;
	}
	return done;
}

static int xs_wait(void *arg, int timeout_ms)
{
	struct pvfront_posix *p = arg;
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	evtchn_port_t got[16], held[HELD_MAX];
	unsigned int nheld = 0;
	int rc;

	for (;;) {
		int left = deadline < 0 ? -1 : (int)(deadline - now_ms());
		int n;

		if (deadline >= 0 && left < 0)
			left = 0;
		n = pvfront_posix_wait(p, got, 16, left);
		if (n < 0) {
			rc = n;
			break;
		}
		if (sort_fired(p, got, n, held, &nheld)) {
			rc = 0;
			break;
		}
		if (n == 0 && left >= 0) {
			rc = -XEN_ETIMEDOUT;
			break;
		}
	}
	for (unsigned int i = 0; i < nheld; i++)
		(void)pv_evtchn_set_pending(p->shinfo,
					    &p->shinfo->vcpu_info[0], held[i]);
	return rc;
}

static const struct pvfront_xs_ops posix_xs_ops = {
	.notify = xs_notify,
	.wait = xs_wait,
};

int pvfront_posix_xs_open(struct pvfront_posix *p, struct pvfront_xs *xs,
			  unsigned int flags)
{
	uint64_t mfn = p->si->store_mfn;

	if (mfn == 0 || mfn >= p->nr_pages || p->si->store_evtchn == 0)
		return -ENXIO;
	return pvfront_xs_open(xs,
			       (struct xenstore_domain_interface *)(void *)(
				       p->mem + (mfn << PP_PAGE_SHIFT)),
			       &posix_xs_ops, p, flags);
}
