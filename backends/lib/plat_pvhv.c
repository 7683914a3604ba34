/*
 * libpvback's platform on pvhv: the store through libpvhv's store client,
 * grants and event channels through a pvhv handle.  Two descriptors go
 * into the loop: the store's (watch events) and the handle's (pvhv's
 * notices, which must be read even though the store already tells the
 * framework what it needs: a guest's death removes its directories).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "back_int.h"
#include "pvkit/hv.h"

/* One watch: libpvhv's callback has the store handle first, ours not. */
struct pwatch {
	struct pwatch *next;
	pvback_watch_fn *cb;
	void *arg;
	char *path;
	char *token;
};

struct plat {
	struct pvhv *h;
	struct pvhv_store *s;
	struct pwatch *watches;
};

static void on_notice(struct pvhv *h, const struct pvhv_notice *n,
		      const void *extra, size_t len, void *arg)
{
	(void)h;
	(void)n;
	(void)extra;
	(void)len;
	(void)arg;
}

static void pwatch_free(struct pwatch *w)
{
	free(w->path);
	free(w->token);
	free(w);
}

static void p_close(void *ctx)
{
	struct plat *p = ctx;

	pvhv_store_close(p->s);
	pvhv_close(p->h);
	while (p->watches) {
		struct pwatch *w = p->watches;

		p->watches = w->next;
		pwatch_free(w);
	}
	free(p);
}

static int p_open(const void *arg, void **ctx)
{
	struct plat *p = calloc(1, sizeof(*p));
	int rc;

	if (!p)
		return -ENOMEM;
	rc = pvhv_open(arg, 0, &p->h);
	if (rc < 0)
		goto fail;
	rc = pvhv_store_open(arg, 0, &p->s);
	if (rc < 0)
		goto fail;
	pvhv_set_notify_cb(p->h, on_notice, p);
	*ctx = p;
	return 0;
fail:
	p_close(p);
	return rc;
}

static int p_fds(void *ctx, int *fds)
{
	struct plat *p = ctx;

	fds[0] = pvhv_store_fd(p->s);
	fds[1] = pvhv_fd(p->h);
	return 2;
}

static int p_process(void *ctx)
{
	struct plat *p = ctx;
	int rc = pvhv_process(p->h);

	if (rc < 0)
		return rc;
	rc = pvhv_store_process(p->s);
	return rc < 0 ? rc : 0;
}

static int p_tx_start(void *ctx, uint32_t *tx)
{
	return pvhv_store_tx_start(((struct plat *)ctx)->s, tx);
}

static int p_tx_end(void *ctx, uint32_t tx, bool commit)
{
	return pvhv_store_tx_end(((struct plat *)ctx)->s, tx, commit);
}

static int p_read(void *ctx, uint32_t tx, const char *path, char **value,
		  size_t *len)
{
	return pvhv_store_read(((struct plat *)ctx)->s, tx, path, value, len);
}

static int p_write(void *ctx, uint32_t tx, const char *path, const void *value,
		   size_t len)
{
	return pvhv_store_write(((struct plat *)ctx)->s, tx, path, value, len);
}

static int p_rm(void *ctx, uint32_t tx, const char *path)
{
	return pvhv_store_rm(((struct plat *)ctx)->s, tx, path);
}

static int p_directory(void *ctx, uint32_t tx, const char *path, char ***names,
		       unsigned int *n)
{
	return pvhv_store_directory(((struct plat *)ctx)->s, tx, path, names,
				    n);
}

static void on_watch(struct pvhv_store *s, const char *path, const char *token,
		     void *arg)
{
	struct pwatch *w = arg;

	(void)s;
	w->cb(path, token, w->arg);
}

static int p_watch(void *ctx, const char *path, const char *token,
		   pvback_watch_fn *cb, void *arg)
{
	struct plat *p = ctx;
	struct pwatch *w = calloc(1, sizeof(*w));
	int rc = -ENOMEM;

	if (!w)
		return rc;
	w->cb = cb;
	w->arg = arg;
	w->path = strdup(path);
	w->token = strdup(token);
	if (w->path && w->token)
		rc = pvhv_store_watch(p->s, path, token, on_watch, w);
	if (rc < 0) {
		pwatch_free(w);
		return rc;
	}
	w->next = p->watches;
	p->watches = w;
	return 0;
}

static int p_unwatch(void *ctx, const char *path, const char *token)
{
	struct plat *p = ctx;

	for (struct pwatch **pp = &p->watches; *pp; pp = &(*pp)->next) {
		struct pwatch *w = *pp;

		if (strcmp(w->path, path) == 0 &&
		    strcmp(w->token, token) == 0) {
			int rc = pvhv_store_unwatch(p->s, path, token);

			*pp = w->next;
			pwatch_free(w);
			return rc;
		}
	}
	return -ENOENT;
}

static int p_map(void *ctx, domid_t dom, const grant_ref_t *refs,
		 unsigned int n, bool writable, void **addr)
{
	int prot = writable ? PROT_READ | PROT_WRITE : PROT_READ;

	return pvhv_grant_map(((struct plat *)ctx)->h, dom, refs, n, prot,
			      addr);
}

static int p_unmap(void *ctx, void *addr, unsigned int n)
{
	return pvhv_grant_unmap(((struct plat *)ctx)->h, addr, n);
}

static int p_grant_alloc(void *ctx, domid_t dom, unsigned int n,
			 bool readonly, grant_ref_t *refs, void **addr)
{
	return pvhv_grant_alloc(((struct plat *)ctx)->h, dom, n, readonly,
				refs, addr);
}

static int p_grant_free(void *ctx, void *addr, unsigned int n)
{
	return pvhv_grant_free(((struct plat *)ctx)->h, addr, n);
}

static int p_bind(void *ctx, domid_t dom, evtchn_port_t remote, void **port)
{
	struct pvhv_port *pp;
	int rc = pvhv_evtchn_bind_interdomain(((struct plat *)ctx)->h, dom,
					      remote, &pp);

	if (rc == 0)
		*port = pp;
	return rc;
}

static int p_port_fd(void *ctx, void *port)
{
	(void)ctx;
	return pvhv_port_fd(port);
}

static int p_drain(void *ctx, void *port)
{
	(void)ctx;
	return pvhv_port_drain(port);
}

static int p_notify(void *ctx, void *port)
{
	(void)ctx;
	return pvhv_port_notify(port);
}

static void p_unbind(void *ctx, void *port)
{
	(void)ctx;
	(void)pvhv_port_unbind(port);
}

const struct pvback_platform_ops pvback_platform_pvhv = {
    .name = "pvhv",
    .open = p_open,
    .close = p_close,
    .fds = p_fds,
    .process = p_process,
    .tx_start = p_tx_start,
    .tx_end = p_tx_end,
    .read = p_read,
    .write = p_write,
    .rm = p_rm,
    .directory = p_directory,
    .watch = p_watch,
    .unwatch = p_unwatch,
    .map = p_map,
    .unmap = p_unmap,
    .bind = p_bind,
    .port_fd = p_port_fd,
    .drain = p_drain,
    .notify = p_notify,
    .unbind = p_unbind,
    .grant_alloc = p_grant_alloc,
    .grant_free = p_grant_free,
};
