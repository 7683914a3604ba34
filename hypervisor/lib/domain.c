/*
 * domain.c — domain requests (create, list, info, pause, unpause,
 * destroy, wait, vCPU pinning) and console output, buffered or followed.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvc.h"

_Static_assert(PVHV_STATE_RUNNING == (int)PVHV_DOM_RUNNING, "states");
_Static_assert(PVHV_STATE_DYING == (int)PVHV_DOM_DYING, "states");
_Static_assert(PVHV_EXIT_DESTROYED == PVHV_SHUTDOWN_DESTROYED, "exit reasons");
_Static_assert(sizeof(((struct pvhv_dominfo *)0)->name) == PVHV_NAME_MAX,
	       "name size");
_Static_assert(sizeof(((struct pvhv_dominfo *)0)->type) ==
		       sizeof(((struct pvhv_ctl_dominfo *)0)->type),
	       "type size");

/* Room for the biggest LIST reply. */
#define MAX_LIST (PVHV_CTL_MAX_PAYLOAD / sizeof(struct pvhv_ctl_dominfo))

static void from_wire(struct pvhv_dominfo *o, const struct pvhv_ctl_dominfo *w)
{
	memset(o, 0, sizeof(*o));
	o->domid = (domid_t)w->domid;
	o->state = (enum pvhv_state)w->state;
	o->shutdown_reason = w->shutdown_reason;
	o->vcpus = w->vcpus;
	o->memory_kib = w->memory_kib;
	o->cpu_time_ns = w->cpu_time_ns;
	o->pid = w->pid;
	o->vwfi = w->vwfi;
	memcpy(o->name, w->name, sizeof(o->name) - 1);
	memcpy(o->type, w->type, sizeof(o->type) - 1);
}

static int domid_op(struct pvhv *h, uint32_t op, domid_t dom, void *out,
		    size_t out_len)
{
	uint32_t id = dom;

	return hvc_simple(h, op, &id, sizeof(id), out, out_len);
}

/* ---- create ------------------------------------------------------------- */

static int read_file(const char *path, char **text, size_t *len, size_t max)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f)
		return -errno;
	buf = malloc(max + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f) || n > max) {
		int rc = ferror(f) ? -EIO : -EFBIG;

		fclose(f);
		free(buf);
		return rc;
	}
	fclose(f);
	*text = buf;
	*len = n;
	return 0;
}

static int send_create(struct pvhv *h, const char *path, const char *text,
		       size_t len, domid_t *out)
{
	struct pvhv_ctl_create c = { .path_len = (uint32_t)strlen(path),
				     .text_len = (uint32_t)len };
	struct iovec v[3] = {
		{ .iov_base = &c, .iov_len = sizeof(c) },
		{ .iov_base = (void *)path, .iov_len = c.path_len },
		{ .iov_base = (void *)text, .iov_len = len },
	};
	struct hvc_reply r;
	uint32_t id;
	int rc = hvc_request(h, PVHV_CTL_CREATE, v, 3, &r);

	if (rc)
		return rc;
	hvc_close_fds(r.fds, r.nfds);
	if (r.len < sizeof(id))
		return -EPROTO;
	memcpy(&id, r.payload, sizeof(id));
	*out = (domid_t)id;
	return 0;
}

int pvhv_domain_create(struct pvhv *h, const char *cfg_path, domid_t *out,
		       char *err, size_t errlen)
{
	char abs[PATH_MAX], *text = NULL;
	size_t len = 0, max;
	int rc;

	h->errmsg[0] = '\0';
	if (err && errlen)
		err[0] = '\0';
	if (!cfg_path || !out)
		return -EINVAL;
	if (!realpath(cfg_path, abs)) {
		rc = -errno;
		goto fail;
	}
	max = PVHV_CTL_MAX_PAYLOAD - sizeof(struct pvhv_ctl_create) -
	      strlen(abs);
	rc = read_file(abs, &text, &len, max);
	if (!rc)
		rc = send_create(h, abs, text, len, out);
	free(text);
	if (!rc)
		return 0;
fail:
	if (err && errlen) {
		if (h->errmsg[0])
			snprintf(err, errlen, "%s", h->errmsg);
		else if (rc == -EFBIG)
			snprintf(err, errlen, "%s: config file too large",
				 cfg_path);
		else
			snprintf(err, errlen, "%s: %s", cfg_path,
				 strerror(-rc));
	}
	return rc;
}

/* ---- list, info, find --------------------------------------------------------- */

int pvhv_domain_list(struct pvhv *h, struct pvhv_dominfo *info,
		     unsigned int max)
{
	struct hvc_reply r;
	size_t n;
	int rc = hvc_request(h, PVHV_CTL_LIST, NULL, 0, &r);

	if (rc)
		return rc;
	hvc_close_fds(r.fds, r.nfds);
	if (r.len % sizeof(struct pvhv_ctl_dominfo))
		return -EPROTO;
	n = r.len / sizeof(struct pvhv_ctl_dominfo);
	for (size_t i = 0; i < n && i < max; i++) {
		struct pvhv_ctl_dominfo w;

		memcpy(&w, (const char *)r.payload + i * sizeof(w), sizeof(w));
		from_wire(&info[i], &w);
	}
	return (int)n;
}

int pvhv_domain_info(struct pvhv *h, domid_t dom, struct pvhv_dominfo *info)
{
	struct pvhv_ctl_dominfo w;
	int rc = domid_op(h, PVHV_CTL_INFO, dom, &w, sizeof(w));

	if (!rc)
		from_wire(info, &w);
	return rc;
}

int pvhv_domain_find(struct pvhv *h, const char *name, domid_t *out)
{
	struct pvhv_dominfo *all = malloc(MAX_LIST * sizeof(*all));
	int n, rc = -ESRCH;

	if (!all)
		return -ENOMEM;
	n = pvhv_domain_list(h, all, MAX_LIST);
	if (n < 0)
		rc = n;
	for (int i = 0; i < n && i < (int)MAX_LIST; i++) {
		if (!strcmp(all[i].name, name)) {
			*out = all[i].domid;
			rc = 0;
			break;
		}
	}
	free(all);
	return rc;
}

/* ---- life cycle ------------------------------------------------------------------ */

int pvhv_domain_pause(struct pvhv *h, domid_t dom)
{
	return domid_op(h, PVHV_CTL_PAUSE, dom, NULL, 0);
}

int pvhv_domain_unpause(struct pvhv *h, domid_t dom)
{
	return domid_op(h, PVHV_CTL_UNPAUSE, dom, NULL, 0);
}

int pvhv_domain_destroy(struct pvhv *h, domid_t dom)
{
	return domid_op(h, PVHV_CTL_DESTROY, dom, NULL, 0);
}

int pvhv_domain_wait(struct pvhv *h, domid_t dom, struct pvhv_exit *ex)
{
	struct pvhv_ctl_exit w;
	int rc = domid_op(h, PVHV_CTL_WAIT, dom, &w, sizeof(w));

	if (!rc && ex) {
		ex->reason = w.reason;
		ex->status = w.status;
	}
	return rc;
}

int pvhv_domain_vcpu_pin(struct pvhv *h, domid_t dom, unsigned int vcpu,
			 const cpu_set_t *cpus)
{
	struct pvhv_ctl_vcpu_pin p = { .domid = dom, .vcpu = vcpu };

	if (!cpus)
		return -EINVAL;
	for (unsigned int c = 0; c < PVHV_CPUMASK_WORDS * 64u; c++)
		if (c < CPU_SETSIZE && CPU_ISSET(c, cpus))
			p.mask[c / 64] |= 1ull << (c % 64);
	return hvc_simple(h, PVHV_CTL_VCPU_PIN, &p, sizeof(p), NULL, 0);
}

/* ---- console ------------------------------------------------------------------ */

static struct hvc_follow **find_follow(struct pvhv *h, domid_t dom)
{
	struct hvc_follow **pp;

	for (pp = &h->follows; *pp; pp = &(*pp)->next)
		if ((*pp)->domid == dom)
			return pp;
	return NULL;
}

static int follow(struct pvhv *h, domid_t dom, pvhv_console_fn *cb,
		  void *arg)
{
	struct hvc_follow **pp = find_follow(h, dom), *f;

	if (pp) {
		(*pp)->cb = cb;
		(*pp)->arg = arg;
		return 0;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	*f = (struct hvc_follow){ .domid = dom, .cb = cb, .arg = arg,
				  .next = h->follows };
	h->follows = f;
	return 0;
}

int pvhv_domain_console(struct pvhv *h, domid_t dom, unsigned int flags,
			pvhv_console_fn *cb, void *arg)
{
	struct pvhv_ctl_console c = { .domid = dom };
	struct iovec v = { .iov_base = &c, .iov_len = sizeof(c) };
	struct hvc_reply r;
	char *copy = NULL;
	int rc;

	if ((flags & ~PVHV_FOLLOW) || !cb)
		return -EINVAL;
	/* pvhv counts each FOLLOW: ask once per domain, or output would
	 * arrive twice. */
	if ((flags & PVHV_FOLLOW) && !find_follow(h, dom))
		c.flags = PVHV_CONSOLE_FOLLOW;
	rc = hvc_request(h, PVHV_CTL_CONSOLE, &v, 1, &r);
	if (rc)
		return rc;
	hvc_close_fds(r.fds, r.nfds);
	/* Copy out of the receive buffer: cb may issue requests. */
	if (r.len && !(copy = malloc(r.len)))
		return -ENOMEM;
	if (r.len)
		memcpy(copy, r.payload, r.len);
	rc = flags & PVHV_FOLLOW ? follow(h, dom, cb, arg) : 0;
	if (!rc && r.len)
		cb(h, dom, copy, r.len, arg);
	free(copy);
	return rc;
}

void pvhv_domain_console_stop(struct pvhv *h, domid_t dom)
{
	struct hvc_follow **pp = find_follow(h, dom), *f;

	if (!pp)
		return;
	f = *pp;
	*pp = f->next;
	free(f);
}

bool hvc_console_deliver(struct pvhv *h, const struct pvhv_ctl_notify *n,
			 const void *extra, size_t len)
{
	struct hvc_follow **pp, *f;

	if (n->domid >= DOMID_FIRST_RESERVED)
		return false;
	pp = find_follow(h, (domid_t)n->domid);
	if (!pp)
		return false;
	f = *pp;
	if (n->kind == PVHV_NOTIFY_CONSOLE) {
		f->cb(h, f->domid, extra, len, f->arg);
		return true;
	}
	if (n->kind == PVHV_NOTIFY_DIED) {
		*pp = f->next;
		f->cb(h, f->domid, NULL, 0, f->arg);
		free(f);
	}
	return false;
}

void hvc_follow_free_all(struct pvhv *h)
{
	while (h->follows) {
		struct hvc_follow *f = h->follows;

		h->follows = f->next;
		free(f);
	}
}
