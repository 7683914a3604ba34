/*
 * The hypercall dispatcher.  Every transport (process guests' socket, dom0's
 * control messages, later KVM port-I/O exits) builds a struct hv_call and
 * lands here; argument memory is reached only through c->mem, so the
 * handlers never know how the call arrived.
 */
#include <errno.h>
#include <string.h>

#include "pvhv.h"
#include "pvkit/proto/console.h"
#include "pvkit/proto/hvm_params.h"
#include "pvkit/proto/sched.h"

/* A guest may not make pvhv copy unbounded amounts for its console. */
#define CONSOLE_WRITE_MAX (64 * 1024)

int hv_copy_from(struct hv_call *c, uint64_t addr, void *dst, size_t len)
{
	return c->mem->copy_from(c, addr, dst, len);
}

int hv_copy_to(struct hv_call *c, uint64_t addr, const void *src, size_t len)
{
	return c->mem->copy_to(c, addr, src, len);
}

static bool is_dom0(const struct hv_call *c)
{
	return c->dom->domid == 0;
}

static long remote_shutdown(struct hv_call *c, uint64_t arg)
{
	struct sched_remote_shutdown rs;
	struct domain *d;
	int rc;

	if (!is_dom0(c))
		return -EPERM;
	rc = hv_copy_from(c, arg, &rs, sizeof(rs));
	if (rc)
		return rc;
	d = rs.domain_id ? hv_domain_find(c->hv, rs.domain_id) : NULL;
	if (!d)
		return -ESRCH;
	hv_domain_shutdown(d, rs.reason);
	return 0;
}

/* Xen's limit on the ports one SCHEDOP_poll may name. */
#define POLL_PORTS_MAX 128

/* Blocking happens in the guest: a process guest sleeps on its own wake
 * eventfd, so poll only checks its arguments, as Xen would, and returns. */
static long sched_poll(struct hv_call *c, uint64_t arg)
{
	evtchn_port_t ports[POLL_PORTS_MAX];
	struct sched_poll sp;
	uint64_t handle = 0;
	int rc = hv_copy_from(c, arg, &sp, sizeof(sp));

	if (rc)
		return rc;
	if (sp.nr_ports > POLL_PORTS_MAX)
		return -EINVAL;
	memcpy(&handle, &sp.ports, sizeof(sp.ports) < sizeof(handle)
					   ? sizeof(sp.ports)
					   : sizeof(handle));
	return hv_copy_from(c, handle, ports, sp.nr_ports * sizeof(ports[0]));
}

static long sched_op(struct hv_call *c, unsigned int cmd, uint64_t arg)
{
	struct sched_shutdown sd;
	int rc;

	switch (cmd) {
	case SCHEDOP_yield:
	case SCHEDOP_block:
		return 0;
	case SCHEDOP_poll:
		return sched_poll(c, arg);
	case SCHEDOP_shutdown:
	case SCHEDOP_shutdown_code:
		if (is_dom0(c))
			return -EINVAL;
		rc = hv_copy_from(c, arg, &sd, sizeof(sd));
		if (rc)
			return rc;
		if (sd.reason > SHUTDOWN_MAX)
			return -EINVAL;
		if (cmd == SCHEDOP_shutdown)
			hv_domain_shutdown(c->dom, sd.reason);
		else
			c->dom->shutdown_reason = sd.reason;
		return 0;
	case SCHEDOP_remote_shutdown:
		return remote_shutdown(c, arg);
	default:
		return -ENOSYS;
	}
}

static long console_io(struct hv_call *c, unsigned int cmd, uint64_t count,
		       uint64_t buf)
{
	char chunk[1024];

	if (cmd == CONSOLEIO_read)
		return -ENOSYS;
	if (cmd != CONSOLEIO_write)
		return -ENOSYS;
	if (count > CONSOLE_WRITE_MAX)
		return -EINVAL;
	for (uint64_t done = 0; done < count;) {
		size_t n = count - done < sizeof(chunk) ? count - done
							 : sizeof(chunk);
		int rc = hv_copy_from(c, buf + done, chunk, n);

		if (rc)
			return rc;
		if (!is_dom0(c))
			hv_console_write(c->dom, chunk, n);
		done += n;
	}
	return 0;
}

static int hvm_param(struct domain *d, uint32_t index, uint64_t *value)
{
	switch (index) {
	case HVM_PARAM_STORE_PFN:
		*value = HV_GFN_STORE;
		return 0;
	case HVM_PARAM_STORE_EVTCHN:
		*value = d->store_port;
		return 0;
	case HVM_PARAM_CONSOLE_PFN:
		*value = HV_GFN_CONSOLE;
		return 0;
	case HVM_PARAM_CONSOLE_EVTCHN:
		*value = d->console_port;
		return 0;
	default:
		return -EINVAL;
	}
}

static long hvm_op(struct hv_call *c, unsigned int cmd, uint64_t arg)
{
	struct xen_hvm_param p;
	struct domain *d;
	int rc;

	if (cmd != HVMOP_get_param)
		return -ENOSYS;
	rc = hv_copy_from(c, arg, &p, sizeof(p));
	if (rc)
		return rc;
	if (p.domid == DOMID_SELF || p.domid == c->dom->domid)
		d = c->dom;
	else if (is_dom0(c))
		d = hv_domain_find(c->hv, p.domid);
	else
		return -EPERM;
	if (!d || d->domid == 0)
		return -ESRCH;
	rc = hvm_param(d, p.index, &p.value);
	if (rc)
		return rc;
	return hv_copy_to(c, arg, &p, sizeof(p));
}

long hv_hypercall(struct hv_call *c)
{
	const uint64_t *a = c->args;

	/* Sub-op numbers are 32-bit in every ABI: wider ones are unknown. */
	if (a[0] > UINT32_MAX)
		return -ENOSYS;
	switch (c->nr) {
	case __HYPERVISOR_grant_table_op:
		/* The count is an int in Xen's ABI: negative is invalid. */
		if (a[2] > UINT32_MAX || (int32_t)(uint32_t)a[2] < 0)
			return -EINVAL;
		return hv_gnttab_op(c, (unsigned int)a[0], a[1],
				    (unsigned int)a[2]);
	case __HYPERVISOR_event_channel_op:
		return hv_evtchn_op(c, (unsigned int)a[0], a[1]);
	case __HYPERVISOR_sched_op:
		return sched_op(c, (unsigned int)a[0], a[1]);
	case __HYPERVISOR_console_io:
		return console_io(c, (unsigned int)a[0], a[1], a[2]);
	case __HYPERVISOR_hvm_op:
		return hvm_op(c, (unsigned int)a[0], a[1]);
	default:
		return -ENOSYS;
	}
}
