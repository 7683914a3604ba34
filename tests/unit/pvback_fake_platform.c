/*
 * The fake platform of pvback_fake_platform.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pvback_fake_platform.h"

#define PAGE	    4096u
#define MAX_NODES   512u
#define MAX_WATCHES 64u
#define MAX_EVENTS  1024u
#define MAX_LOGS    64u

struct node {
	char *path;
	char *value;
	size_t len;
};

struct watch {
	bool used;
	char path[256];
	char token[96];
	pvback_watch_fn *cb;
	void *arg;
	unsigned long id;
};

struct fevent {
	unsigned long watch_id;
	char path[256];
};

struct logline {
	char path[256];
	char values[512];
};

struct gref {
	bool used, readonly;
	unsigned int pfn;
};

struct port {
	bool used;
	int efd; /* the backend's end, -1 while unbound */
	unsigned int notified;
};

struct dom {
	int memfd;
	uint8_t *mem;
	struct gref grefs[FPF_PAGES];
	struct port ports[FPF_PORTS];
};

/* dom0's own pages granted to a guest. */
#define FPF_OWNS 64u
#define FPF_OWN_REF0 0x100000u
struct own {
	uint8_t *addr;
	unsigned int n;
	grant_ref_t first;
	domid_t dom;
	bool ro, used;
};

struct bound {
	domid_t dom;
	evtchn_port_t port;
};

struct fpf {
	struct node nodes[MAX_NODES];
	unsigned int nnodes;
	struct watch watches[MAX_WATCHES];
	unsigned long next_watch;
	struct fevent events[MAX_EVENTS];
	unsigned int nev;
	struct logline logs[MAX_LOGS];
	unsigned int nlogs;
	int efd;
	int broken;
	unsigned int conflicts;
	uint32_t next_tx;
	struct dom *doms[FPF_DOMS];
	unsigned int mapped;
	unsigned int bound;
	struct own owns[FPF_OWNS];
	grant_ref_t next_own;
	unsigned int owned;
	int own_err;
	char tmp[4096];
};

/* ---- store ------------------------------------------------------------ */

static struct node *find(struct fpf *f, const char *path)
{
	for (unsigned int i = 0; i < f->nnodes; i++)
		if (strcmp(f->nodes[i].path, path) == 0)
			return &f->nodes[i];
	return NULL;
}

/* a is b or below b */
static bool under(const char *a, const char *b)
{
	size_t n = strlen(b);

	return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

static void queue_event(struct fpf *f, const struct watch *w, const char *path)
{
	uint64_t one = 1;

	if (f->nev == MAX_EVENTS)
		abort();
	f->events[f->nev].watch_id = w->id;
	snprintf(f->events[f->nev].path, sizeof(f->events[0].path), "%s", path);
	f->nev++;
	if (write(f->efd, &one, sizeof(one)) != sizeof(one))
		abort();
}

/* A change at path: watches at or above it get path, watches below it
 * (a subtree removed) get their own path. */
static void fire(struct fpf *f, const char *path)
{
	for (unsigned int i = 0; i < MAX_WATCHES; i++) {
		struct watch *w = &f->watches[i];

		if (!w->used)
			continue;
		if (under(path, w->path))
			queue_event(f, w, path);
		else if (under(w->path, path))
			queue_event(f, w, w->path);
	}
}

static void set_node(struct fpf *f, const char *path, const void *v, size_t len)
{
	struct node *n = find(f, path);

	if (!n) {
		if (f->nnodes == MAX_NODES)
			abort();
		n = &f->nodes[f->nnodes++];
		n->path = strdup(path);
		n->value = NULL;
	}
	free(n->value);
	n->value = malloc(len + 1);
	memcpy(n->value, v, len);
	n->value[len] = '\0';
	n->len = len;
}

static void store_write(struct fpf *f, const char *path, const void *v,
			size_t len)
{
	char parent[256];

	snprintf(parent, sizeof(parent), "%s", path);
	for (char *s = strchr(parent + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (!find(f, parent))
			set_node(f, parent, "", 0);
		*s = '/';
	}
	set_node(f, path, v, len);
	fire(f, path);
}

static int store_rm(struct fpf *f, const char *path)
{
	bool any = false;

	for (unsigned int i = 0; i < f->nnodes;) {
		if (under(f->nodes[i].path, path)) {
			free(f->nodes[i].path);
			free(f->nodes[i].value);
			f->nodes[i] = f->nodes[--f->nnodes];
			any = true;
		} else {
			i++;
		}
	}
	if (!any)
		return -ENOENT;
	fire(f, path);
	return 0;
}

static void add_log(struct fpf *f, const char *path, const char *v, size_t len)
{
	struct logline *l = NULL;

	for (unsigned int i = 0; i < f->nlogs && !l; i++)
		if (strcmp(f->logs[i].path, path) == 0)
			l = &f->logs[i];
	if (!l) {
		if (f->nlogs == MAX_LOGS)
			return;
		l = &f->logs[f->nlogs++];
		snprintf(l->path, sizeof(l->path), "%s", path);
		l->values[0] = '\0';
	}
	snprintf(l->values + strlen(l->values),
		 sizeof(l->values) - strlen(l->values), "%s%.*s",
		 l->values[0] ? "," : "", (int)len, v);
}

/* ---- the ops ------------------------------------------------------------ */

static int o_open(const void *arg, void **ctx)
{
	*ctx = (void *)arg;
	return 0;
}

static void o_close(void *ctx)
{
	(void)ctx;
}

static int o_fds(void *ctx, int *fds)
{
	fds[0] = ((struct fpf *)ctx)->efd;
	return 1;
}

static struct watch *watch_by_id(struct fpf *f, unsigned long id)
{
	for (unsigned int i = 0; i < MAX_WATCHES; i++)
		if (f->watches[i].used && f->watches[i].id == id)
			return &f->watches[i];
	return NULL;
}

static int o_process(void *ctx)
{
	struct fpf *f = ctx;
	uint64_t v;

	if (f->broken)
		return f->broken;
	if (read(f->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	/* Events queued by the callbacks run in a later round. */
	for (unsigned int n = f->nev, i = 0; i < n; i++) {
		struct fevent e = f->events[0];
		struct watch *w;

		memmove(f->events, f->events + 1, --f->nev * sizeof(e));
		w = watch_by_id(f, e.watch_id);
		if (w)
			w->cb(e.path, w->token, w->arg);
	}
	return 0;
}

static int o_tx_start(void *ctx, uint32_t *tx)
{
	*tx = ++((struct fpf *)ctx)->next_tx;
	return 0;
}

static int o_tx_end(void *ctx, uint32_t tx, bool commit)
{
	struct fpf *f = ctx;

	(void)tx;
	if (commit && f->conflicts) {
		f->conflicts--;
		return -EAGAIN;
	}
	return 0;
}

static int o_read(void *ctx, uint32_t tx, const char *path, char **value,
		  size_t *len)
{
	struct node *n = find(ctx, path);

	(void)tx;
	if (!n)
		return -ENOENT;
	*value = malloc(n->len + 1);
	memcpy(*value, n->value, n->len + 1);
	if (len)
		*len = n->len;
	return 0;
}

/* A conflicting transaction is not applied: the write happens only at
 * the commit that succeeds, which this fake approximates by writing at
 * once unless a conflict is pending. */
static int o_write(void *ctx, uint32_t tx, const char *path, const void *value,
		   size_t len)
{
	struct fpf *f = ctx;

	if (tx && f->conflicts)
		return 0;
	store_write(f, path, value, len);
	add_log(f, path, value, len);
	return 0;
}

static int o_rm(void *ctx, uint32_t tx, const char *path)
{
	(void)tx;
	return store_rm(ctx, path);
}

static int o_directory(void *ctx, uint32_t tx, const char *path, char ***names,
		       unsigned int *n)
{
	struct fpf *f = ctx;
	size_t pl = strlen(path), bytes = 0;
	unsigned int count = 0;
	char **out, *p;

	(void)tx;
	if (!find(f, path))
		return -ENOENT;
	for (unsigned int i = 0; i < f->nnodes; i++) {
		const char *c = f->nodes[i].path;

		if (strncmp(c, path, pl) == 0 && c[pl] == '/' &&
		    !strchr(c + pl + 1, '/')) {
			count++;
			bytes += strlen(c + pl + 1) + 1;
		}
	}
	out = malloc((count + 1) * sizeof(char *) + bytes);
	p = (char *)(out + count + 1);
	count = 0;
	for (unsigned int i = 0; i < f->nnodes; i++) {
		const char *c = f->nodes[i].path;

		if (strncmp(c, path, pl) == 0 && c[pl] == '/' &&
		    !strchr(c + pl + 1, '/')) {
			out[count++] = p;
			strcpy(p, c + pl + 1);
			p += strlen(p) + 1;
		}
	}
	out[count] = NULL;
	*names = out;
	*n = count;
	return 0;
}

static int o_watch(void *ctx, const char *path, const char *token,
		   pvback_watch_fn *cb, void *arg)
{
	struct fpf *f = ctx;

	for (unsigned int i = 0; i < MAX_WATCHES; i++) {
		struct watch *w = &f->watches[i];

		if (w->used)
			continue;
		w->used = true;
		snprintf(w->path, sizeof(w->path), "%s", path);
		snprintf(w->token, sizeof(w->token), "%s", token);
		w->cb = cb;
		w->arg = arg;
		w->id = ++f->next_watch;
		queue_event(f, w, path);
		return 0;
	}
	return -ENOSPC;
}

static int o_unwatch(void *ctx, const char *path, const char *token)
{
	struct fpf *f = ctx;

	for (unsigned int i = 0; i < MAX_WATCHES; i++) {
		struct watch *w = &f->watches[i];

		if (w->used && !strcmp(w->path, path) &&
		    !strcmp(w->token, token)) {
			w->used = false;
			return 0;
		}
	}
	return -ENOENT;
}

/* ---- grants ---------------------------------------------------------- */

static struct dom *dom_of(struct fpf *f, domid_t d)
{
	struct dom *x;

	if (d >= FPF_DOMS)
		return NULL;
	if (f->doms[d])
		return f->doms[d];
	x = calloc(1, sizeof(*x));
	x->memfd = memfd_create("fpf", MFD_CLOEXEC);
	if (x->memfd < 0 || ftruncate(x->memfd, (off_t)FPF_PAGES * PAGE) < 0)
		abort();
	x->mem = mmap(NULL, (size_t)FPF_PAGES * PAGE, PROT_READ | PROT_WRITE,
		      MAP_SHARED, x->memfd, 0);
	if (x->mem == MAP_FAILED)
		abort();
	for (unsigned int i = 0; i < FPF_PORTS; i++)
		x->ports[i].efd = -1;
	f->doms[d] = x;
	return x;
}

static int o_map(void *ctx, domid_t d, const grant_ref_t *refs, unsigned int n,
		 bool writable, void **addr)
{
	struct fpf *f = ctx;
	struct dom *x = dom_of(f, d);
	uint8_t *base;

	if (!x)
		return -ESRCH;
	for (unsigned int i = 0; i < n; i++) {
		if (refs[i] >= FPF_PAGES || !x->grefs[refs[i]].used)
			return -EINVAL;
		if (writable && x->grefs[refs[i]].readonly)
			return -EPERM;
	}
	base = mmap(NULL, (size_t)n * PAGE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		off_t off = (off_t)x->grefs[refs[i]].pfn * PAGE;
		int prot = writable ? PROT_READ | PROT_WRITE : PROT_READ;

		if (mmap(base + (size_t)i * PAGE, PAGE, prot,
			 MAP_SHARED | MAP_FIXED, x->memfd, off) == MAP_FAILED)
			abort();
	}
	f->mapped += n;
	*addr = base;
	return 0;
}

static int o_grant_alloc(void *ctx, domid_t dom, unsigned int n,
			 bool readonly, grant_ref_t *refs, void **addr)
{
	struct fpf *f = ctx;
	struct own *o = NULL;

	if (f->own_err)
		return f->own_err;
	for (unsigned int i = 0; i < FPF_OWNS && !o; i++)
		if (!f->owns[i].used)
			o = &f->owns[i];
	if (!o)
		return -ENOSPC;
	o->addr = mmap(NULL, (size_t)n * PAGE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (o->addr == MAP_FAILED)
		return -ENOMEM;
	if (!f->next_own)
		f->next_own = FPF_OWN_REF0;
	*o = (struct own){ .addr = o->addr, .n = n, .first = f->next_own,
			   .dom = dom, .ro = readonly, .used = true };
	f->next_own += n;
	f->owned += n;
	for (unsigned int i = 0; i < n; i++)
		refs[i] = o->first + i;
	*addr = o->addr;
	return 0;
}

static int o_grant_free(void *ctx, void *addr, unsigned int n)
{
	struct fpf *f = ctx;

	for (unsigned int i = 0; i < FPF_OWNS; i++) {
		struct own *o = &f->owns[i];

		if (o->used && o->addr == addr && o->n == n) {
			munmap(o->addr, (size_t)n * PAGE);
			f->owned -= n;
			*o = (struct own){ 0 };
			return 0;
		}
	}
	return -EINVAL;
}

static int o_unmap(void *ctx, void *addr, unsigned int n)
{
	struct fpf *f = ctx;

	if (munmap(addr, (size_t)n * PAGE) < 0)
		return -errno;
	f->mapped -= n;
	return 0;
}

/* ---- event channels ---------------------------------------------------- */

static int o_bind(void *ctx, domid_t d, evtchn_port_t remote, void **port)
{
	struct fpf *f = ctx;
	struct dom *x = dom_of(f, d);
	struct bound *b;

	if (!x)
		return -ESRCH;
	if (remote >= FPF_PORTS || !x->ports[remote].used ||
	    x->ports[remote].efd >= 0)
		return -EINVAL;
	x->ports[remote].efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	b = malloc(sizeof(*b));
	b->dom = d;
	b->port = remote;
	f->bound++;
	*port = b;
	return 0;
}

static struct port *port_of(struct fpf *f, void *port)
{
	struct bound *b = port;

	return &f->doms[b->dom]->ports[b->port];
}

static int o_port_fd(void *ctx, void *port)
{
	return port_of(ctx, port)->efd;
}

static int o_drain(void *ctx, void *port)
{
	uint64_t v;

	if (read(port_of(ctx, port)->efd, &v, sizeof(v)) < 0)
		return errno == EAGAIN ? 0 : -errno;
	return (int)v;
}

static int o_notify(void *ctx, void *port)
{
	port_of(ctx, port)->notified++;
	return 0;
}

static void o_unbind(void *ctx, void *port)
{
	struct fpf *f = ctx;
	struct port *p = port_of(f, port);

	close(p->efd);
	p->efd = -1;
	f->bound--;
	free(port);
}

const struct pvback_platform_ops fpf_ops = {
    .name = "fake",
    .open = o_open,
    .close = o_close,
    .fds = o_fds,
    .process = o_process,
    .tx_start = o_tx_start,
    .tx_end = o_tx_end,
    .read = o_read,
    .write = o_write,
    .rm = o_rm,
    .directory = o_directory,
    .watch = o_watch,
    .unwatch = o_unwatch,
    .map = o_map,
    .unmap = o_unmap,
    .grant_alloc = o_grant_alloc,
    .grant_free = o_grant_free,
    .bind = o_bind,
    .port_fd = o_port_fd,
    .drain = o_drain,
    .notify = o_notify,
    .unbind = o_unbind,
};

/* ---- the test's side ------------------------------------------------------
 */

struct fpf *fpf_new(void)
{
	struct fpf *f = calloc(1, sizeof(*f));

	f->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (f->efd < 0)
		abort();
	return f;
}

void fpf_free(struct fpf *f)
{
	for (unsigned int i = 0; i < f->nnodes; i++) {
		free(f->nodes[i].path);
		free(f->nodes[i].value);
	}
	for (unsigned int d = 0; d < FPF_DOMS; d++) {
		if (!f->doms[d])
			continue;
		munmap(f->doms[d]->mem, (size_t)FPF_PAGES * PAGE);
		close(f->doms[d]->memfd);
		free(f->doms[d]);
	}
	for (unsigned int i = 0; i < FPF_OWNS; i++)
		if (f->owns[i].used)
			munmap(f->owns[i].addr, (size_t)f->owns[i].n * PAGE);
	close(f->efd);
	free(f);
}

static const char *vpath(struct fpf *f, const char *fmt, va_list ap)
{
	vsnprintf(f->tmp, sizeof(f->tmp), fmt, ap);
	return f->tmp;
}

void fpf_write(struct fpf *f, const char *value, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	store_write(f, vpath(f, fmt, ap), value, strlen(value));
	va_end(ap);
}

void fpf_rm(struct fpf *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)store_rm(f, vpath(f, fmt, ap));
	va_end(ap);
}

const char *fpf_read(struct fpf *f, const char *fmt, ...)
{
	struct node *n;
	va_list ap;

	va_start(ap, fmt);
	n = find(f, vpath(f, fmt, ap));
	va_end(ap);
	return n ? n->value : NULL;
}

unsigned int fpf_watches(struct fpf *f)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < MAX_WATCHES; i++)
		n += f->watches[i].used;
	return n;
}

const char *fpf_log(struct fpf *f, const char *path)
{
	for (unsigned int i = 0; i < f->nlogs; i++)
		if (strcmp(f->logs[i].path, path) == 0)
			return f->logs[i].values;
	return "";
}

void fpf_clear_log(struct fpf *f)
{
	f->nlogs = 0;
}

void fpf_tx_conflicts(struct fpf *f, unsigned int n)
{
	f->conflicts = n;
}

void fpf_break(struct fpf *f, int err)
{
	uint64_t one = 1;

	f->broken = err;
	if (write(f->efd, &one, sizeof(one)) != sizeof(one))
		abort();
}

void fpf_add_device(struct fpf *f, const char *dir, const char *type,
		    domid_t dom, unsigned int id)
{
	char be[128], fe[128], v[16];

	snprintf(be, sizeof(be), "/local/domain/0/backend/%s/%u/%u", dir, dom,
		 id);
	snprintf(fe, sizeof(fe), "/local/domain/%u/device/%s/%u", dom, type,
		 id);
	snprintf(v, sizeof(v), "%u", dom);
	/* Watch events wait for process(): the framework sees it whole. */
	store_write(f, fe, "", 0);
	fpf_write(f, be, "%s/backend", fe);
	fpf_write(f, "0", "%s/backend-id", fe);
	fpf_write(f, "1", "%s/state", fe);
	fpf_write(f, fe, "%s/frontend", be);
	fpf_write(f, v, "%s/frontend-id", be);
	fpf_write(f, "1", "%s/online", be);
	fpf_write(f, "1", "%s/state", be);
}

uint8_t *fpf_page(struct fpf *f, domid_t dom, unsigned int pfn)
{
	return dom_of(f, dom)->mem + (size_t)pfn * PAGE;
}

grant_ref_t fpf_grant(struct fpf *f, domid_t dom, unsigned int pfn,
		      bool readonly)
{
	struct dom *x = dom_of(f, dom);

	for (grant_ref_t r = 8; r < FPF_PAGES; r++) {
		if (x->grefs[r].used)
			continue;
		x->grefs[r].used = true;
		x->grefs[r].readonly = readonly;
		x->grefs[r].pfn = pfn;
		return r;
	}
	abort();
}

void fpf_revoke(struct fpf *f, domid_t dom, grant_ref_t ref)
{
	dom_of(f, dom)->grefs[ref].used = false;
}

unsigned int fpf_owned(struct fpf *f)
{
	return f->owned;
}

uint8_t *fpf_own_page(struct fpf *f, domid_t dom, grant_ref_t ref,
		      bool *readonly)
{
	for (unsigned int i = 0; i < FPF_OWNS; i++) {
		const struct own *o = &f->owns[i];

		if (o->used && o->dom == dom && ref >= o->first &&
		    ref - o->first < o->n) {
			if (readonly)
				*readonly = o->ro;
			return o->addr + (size_t)(ref - o->first) * PAGE;
		}
	}
	return NULL;
}

void fpf_grant_alloc_fail(struct fpf *f, int err)
{
	f->own_err = err;
}

unsigned int fpf_mapped(struct fpf *f)
{
	return f->mapped;
}

evtchn_port_t fpf_port_alloc(struct fpf *f, domid_t dom)
{
	struct dom *x = dom_of(f, dom);

	for (evtchn_port_t p = 1; p < FPF_PORTS; p++) {
		if (!x->ports[p].used) {
			x->ports[p].used = true;
			return p;
		}
	}
	abort();
}

int fpf_raise(struct fpf *f, domid_t dom, evtchn_port_t port)
{
	struct port *p = &dom_of(f, dom)->ports[port];
	uint64_t one = 1;

	if (p->efd < 0)
		return -ENOTCONN;
	return write(p->efd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

unsigned int fpf_notified(struct fpf *f, domid_t dom, evtchn_port_t port)
{
	return dom_of(f, dom)->ports[port].notified;
}

unsigned int fpf_bound(struct fpf *f)
{
	return f->bound;
}
