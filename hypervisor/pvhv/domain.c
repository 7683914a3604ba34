/*
 * Domains: creation from a configuration, the layout of a new guest's
 * first pages, shutdown, death and destruction.
 *
 * A guest's life: hv_domain_create() builds memory, grant table, ports and
 * start pages, then starts the engine.  The guest stops by asking
 * (SCHEDOP_shutdown), by crashing, or by being destroyed; the engine
 * reports every stop through hv_domain_exited(), which applies on_poweroff
 * or on_crash and, unless the domain is preserved, releases everything it
 * held.  Memory that dom0 still maps stays alive in those mappings (the
 * memfd) until they go.
 */
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "pvhv.h"
#include "pvkit/grant.h"
#include "pvkit/proto/sched.h"
#include "store.h"

#define FIRST_GUEST_DOMID 1
#define LAST_GUEST_DOMID (DOMID_FIRST_RESERVED - 1)

struct domain *hv_domain_find(struct hv *hv, domid_t domid)
{
	if (domid == 0)
		return hv->dom0;
	for (struct domain *d = hv->domains; d; d = d->next)
		if (d->domid == domid)
			return d;
	return NULL;
}

static struct domain *find_by_name(struct hv *hv, const char *name)
{
	for (struct domain *d = hv->domains; d; d = d->next)
		if (!strcmp(d->cfg.name, name))
			return d;
	return NULL;
}

static int alloc_domid(struct hv *hv, domid_t *out)
{
	for (unsigned int id = FIRST_GUEST_DOMID; id <= LAST_GUEST_DOMID; id++) {
		if (!hv_domain_find(hv, (domid_t)id)) {
			*out = (domid_t)id;
			return 0;
		}
	}
	return -ENOSPC;
}

/* Keep the list sorted by domid, as `pvctl list` shows it. */
static void link_domain(struct hv *hv, struct domain *d)
{
	struct domain **pp = &hv->domains;

	while (*pp && (*pp)->domid < d->domid)
		pp = &(*pp)->next;
	d->next = *pp;
	*pp = d;
}

static void unlink_domain(struct hv *hv, struct domain *d)
{
	for (struct domain **pp = &hv->domains; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			return;
		}
	}
}

static void fill_start_info(struct domain *d)
{
	start_info_t *si = hv_mem_ptr(&d->mem, 0, sizeof(*si));
	const char *cmd = d->cfg.cmdline ? d->cfg.cmdline : "";

	memset(si, 0, sizeof(*si));
	snprintf(si->magic, sizeof(si->magic), "xen-3.0-x86_64");
	si->nr_pages = d->mem.nr_pages;
	si->shared_info = (unsigned long)HV_GFN_SHARED_INFO << HV_PAGE_SHIFT;
	si->store_mfn = HV_GFN_STORE;
	si->store_evtchn = d->store_port;
	si->console.domU.mfn = HV_GFN_CONSOLE;
	si->console.domU.evtchn = d->console_port;
	snprintf((char *)si->cmd_line, sizeof(si->cmd_line), "%s", cmd);
	si->first_p2m_pfn = d->mem.first_free_gfn;
	si->nr_p2m_frames = d->mem.nr_pages - d->mem.first_free_gfn;
}

/* The toolstack's part of a new grant table: entries 0 and 1 give dom0
 * (console and store service) the two ring pages. */
static void reserved_grants(struct domain *d)
{
	struct grant_entry_v1 *g =
		hv_mem_ptr(&d->mem, (uint64_t)HV_GFN_GRANT << HV_PAGE_SHIFT,
			   2 * sizeof(*g));

	pv_grant_access(&g[GNTTAB_RESERVED_CONSOLE], 0, HV_GFN_CONSOLE, false);
	pv_grant_access(&g[GNTTAB_RESERVED_XENSTORE], 0, HV_GFN_STORE, false);
}

static int build_memory(struct domain *d, char *err, size_t errlen)
{
	uint64_t pages = d->cfg.memory_mib << (20 - HV_PAGE_SHIFT);
	uint64_t first_free = HV_GFN_GRANT + d->cfg.max_grant_frames;
	char name[PVHV_NAME_MAX + 16];
	int rc;

	if (first_free + 16 > pages) {
		snprintf(err, errlen, "memory: %llu MiB leave no room after "
			 "%llu frames of start pages and grant table",
			 (unsigned long long)d->cfg.memory_mib,
			 (unsigned long long)first_free);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "pvhv-dom%u-%s", d->domid, d->cfg.name);
	rc = hv_mem_create(&d->mem, name, pages);
	if (rc) {
		snprintf(err, errlen, "cannot allocate %llu MiB of guest "
			 "memory: %s", (unsigned long long)d->cfg.memory_mib,
			 strerror(-rc));
		return rc;
	}
	d->mem.first_free_gfn = first_free;
	d->shinfo = hv_mem_ptr(&d->mem,
			       (uint64_t)HV_GFN_SHARED_INFO << HV_PAGE_SHIFT,
			       sizeof(*d->shinfo));
	return 0;
}

static int build_channels(struct domain *d, char *err, size_t errlen)
{
	int rc = hv_gnttab_new(d, &d->gnt);

	if (!rc)
		rc = hv_evtchn_new(d, d->cfg.max_event_channels, &d->evt);
	if (!rc)
		rc = hv_evtchn_alloc_unbound(d, 0, &d->console_port);
	if (!rc)
		rc = hv_evtchn_alloc_unbound(d, 0, &d->store_port);
	if (rc)
		snprintf(err, errlen, "cannot set up grant table and event "
			 "channels: %s", strerror(-rc));
	return rc;
}

/* Free everything the domain holds; it must not run any more. */
static void release(struct domain *d)
{
	hv_store_ring_detach(d); /* a creation that failed half way */
	if (d->eng && d->eng->release)
		d->eng->release(d);
	hv_evtchn_free(d->evt);
	hv_gnttab_free(d->gnt);
	hv_mem_destroy(&d->mem);
	free(d->cons.buf);
	free(d->cfg_path);
	free(d->cfg_text);
	domcfg_release(&d->cfg);
	free(d);
}

static void log_warning(void *arg, const char *msg)
{
	(void)arg;
	hv_log(HV_LOG_WARN, "%s", msg);
}

static int new_domain(struct hv *hv, const char *path, const char *text,
		      size_t len, struct domain **out, char *err,
		      size_t errlen)
{
	struct domain *d = calloc(1, sizeof(*d));
	int rc;

	if (!d)
		return -ENOMEM;
	d->hv = hv;
	d->mem.fd = d->mem.ro_fd = -1;
	rc = domcfg_parse(path, text, len, &d->cfg, err, errlen, log_warning,
			  NULL);
	if (rc) {
		free(d);
		return rc;
	}
	d->cfg_path = strdup(path);
	d->cfg_text = malloc(len + 1);
	d->cons.buf = malloc(HV_CONSOLE_BUF);
	if (!d->cfg_path || !d->cfg_text || !d->cons.buf) {
		release(d);
		return -ENOMEM;
	}
	memcpy(d->cfg_text, text, len);
	d->cfg_text[len] = '\0';
	d->cfg_len = len;
	if (d->cfg.vwfi == DOMCFG_VWFI_DEFAULT)
		d->cfg.vwfi = hv->vwfi;
	*out = d;
	return 0;
}

int hv_domain_create(struct hv *hv, const char *path, const char *text,
		     size_t len, domid_t *out, char *err, size_t errlen)
{
	struct domain *d;
	int rc = new_domain(hv, path, text, len, &d, err, errlen);

	if (rc)
		return rc;
	if (find_by_name(hv, d->cfg.name)) {
		snprintf(err, errlen, "%s: name: a domain called '%s' exists "
			 "already", path, d->cfg.name);
		rc = -EEXIST;
		goto fail;
	}
	rc = alloc_domid(hv, &d->domid);
	if (rc) {
		snprintf(err, errlen, "no free domain id");
		goto fail;
	}
	rc = build_memory(d, err, errlen);
	if (!rc)
		rc = build_channels(d, err, errlen);
	if (rc)
		goto fail;
	fill_start_info(d);
	reserved_grants(d);
	/* The ring page is ready before the guest first looks at it; its
	 * requests are read from the loop, after the store introduced it. */
	rc = hv_store_ring_attach(d);
	if (rc) {
		snprintf(err, errlen, "cannot serve the store ring: %s",
			 strerror(-rc));
		goto fail;
	}
	d->eng = &hv_process_engine;
	link_domain(hv, d);
	rc = d->eng->start(d, err, errlen);
	if (rc) {
		unlink_domain(hv, d);
		goto fail;
	}
	d->engine_running = true;
	d->state = PVHV_DOM_RUNNING;
	*out = d->domid;
	/* Its home in the store, and @introduceDomain for the watchers. */
	if (hv->store && (rc = store_domain_introduce(hv->store, d->domid,
						    d->cfg.name)))
		hv_log(HV_LOG_WARN, "domain %u: not introduced to the store "
		       "(%d)", d->domid, rc);
	else if ((rc = hv_devices_create(d)))
		hv_log(HV_LOG_WARN, "domain %u: devices incomplete (%d)",
		       d->domid, rc);
	hv_log(HV_LOG_INFO, "domain %u (%s) created: %llu MiB, %u vCPU(s), "
	       "vwfi=%s", d->domid, d->cfg.name,
	       (unsigned long long)d->cfg.memory_mib, d->cfg.vcpus,
	       domcfg_vwfi_name(d->cfg.vwfi));
	return 0;
fail:
	release(d);
	return rc;
}

struct death {
	struct hv *hv;
	domid_t domid;
	unsigned int reason;
	int status;
};

static void tell_death(evutil_socket_t fd, short what, void *arg)
{
	struct death *dt = arg;

	(void)fd;
	(void)what;
	hv_ctl_domain_died(dt->hv, dt->domid, dt->reason, dt->status);
	free(dt);
}

/* Gone for good: free, then tell the clients.  The telling waits for the
 * loop, so the engine has closed everything (it may still be inside its
 * own callback now) before a client hears of it. */
static void finish(struct domain *d)
{
	struct hv *hv = d->hv;
	struct death *dt = malloc(sizeof(*dt));

	if (d->destroying)
		d->shutdown_reason = PVHV_SHUTDOWN_DESTROYED;
	d->state = PVHV_DOM_DYING;
	unlink_domain(hv, d);
	/* Its ring goes first: the release below then has no client of the
	 * dead guest to send events to. */
	hv_store_ring_detach(d);
	hv_devices_release(d); /* before the store forgets the domain */
	if (hv->store && store_domain_introduced(hv->store, d->domid))
		(void)store_domain_release(hv->store, d->domid);
	hv_log(HV_LOG_INFO, "domain %u (%s) released", d->domid, d->cfg.name);
	if (dt) {
		*dt = (struct death){ hv, d->domid, d->shutdown_reason,
				      d->exit_status };
		if (event_base_once(hv->base, -1, EV_TIMEOUT, tell_death, dt,
				    NULL))
			tell_death(-1, 0, dt);
	}
	release(d);
}

static void restart(struct domain *d)
{
	char err[512];
	domid_t id;
	char *path = d->cfg_path, *text = d->cfg_text;
	size_t len = d->cfg_len;
	struct hv *hv = d->hv;

	d->cfg_path = d->cfg_text = NULL;
	finish(d);
	if (hv->stopping)
		goto out;
	if (hv_domain_create(hv, path, text, len, &id, err, sizeof(err)))
		hv_log(HV_LOG_ERROR, "restart failed: %s", err);
out:
	free(path);
	free(text);
}

void hv_domain_exited(struct domain *d, unsigned int reason, int status)
{
	enum domcfg_action act;

	/* A guest that asked to stop was stopped by us (SIGKILL): its own
	 * reason counts, not the way the process ended. */
	if (d->destroying)
		reason = PVHV_SHUTDOWN_DESTROYED;
	else if (d->shutdown_requested)
		reason = d->shutdown_reason;
	act = reason == SHUTDOWN_crash ? d->cfg.on_crash : d->cfg.on_poweroff;

	d->engine_running = false;
	d->shutdown_reason = reason;
	d->exit_status = status;
	hv_log(HV_LOG_INFO, "domain %u (%s) stopped: %s (status 0x%x)",
	       d->domid, d->cfg.name,
	       reason == SHUTDOWN_crash		    ? "crashed"
	       : reason == PVHV_SHUTDOWN_DESTROYED ? "destroyed"
						    : "shut down",
	       (unsigned int)status);
	if (d->destroying || d->hv->stopping || act == DOMCFG_DESTROY)
		finish(d);
	else if (act == DOMCFG_RESTART)
		restart(d);
	else
		d->state = PVHV_DOM_SHUTDOWN;
}

/* SCHEDOP_shutdown arrives in the middle of the guest's hypercall; the
 * engine is stopped from the loop, after that call has returned. */
static void deferred_kill(evutil_socket_t fd, short what, void *arg)
{
	struct hv *hv = arg;

	(void)fd;
	(void)what;
	for (struct domain *d = hv->domains, *next; d; d = next) {
		next = d->next;
		if (d->shutdown_requested && d->engine_running)
			d->eng->kill(d);
	}
}

void hv_domain_shutdown(struct domain *d, unsigned int reason)
{
	if (d->shutdown_requested)
		return;
	d->shutdown_requested = true;
	d->shutdown_reason = reason;
	event_base_once(d->hv->base, -1, EV_TIMEOUT, deferred_kill, d->hv,
			NULL);
}

int hv_domain_destroy(struct domain *d)
{
	if (d->domid == 0)
		return -EPERM;
	d->destroying = true;
	if (d->engine_running)
		d->eng->kill(d); /* reports through hv_domain_exited() */
	else
		finish(d);
	return 0;
}

void hv_console_write(struct domain *d, const char *buf, size_t len)
{
	struct hv_console *c = &d->cons;

	for (size_t i = 0; i < len; i++)
		c->buf[(c->written + i) % HV_CONSOLE_BUF] = buf[i];
	c->written += len;
	hv_ctl_console_output(d->hv, d, buf, len);
}
