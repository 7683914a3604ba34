/*
 * The guest's instance: the store client on the OS's wait, the one wait
 * that hands fired ports to handlers and store watch events to watches,
 * and the small helpers (strings, time, logging) the rest shares.
 */
#include "front_int.h"

/* Ports taken off the OS per wait. */
#define WAIT_BATCH 16u
/* Most callbacks of one kind per dispatch round, so that one busy port or
 * a flood of watch events cannot keep pvfront_poll() from returning. */
#define ROUND_MAX 256u

/* ---- strings ------------------------------------------------------------- */

void fr_sb_init(struct fr_sb *s, char *buf, size_t cap)
{
	*s = (struct fr_sb){.buf = buf, .cap = cap};
	if (cap)
		buf[0] = '\0';
	else
		s->over = true;
}

static void fr_sb_put(struct fr_sb *s, const char *p, size_t n)
{
	if (s->over)
		return;
	if (n >= s->cap - s->len) {
		n = s->cap - s->len - 1;
		s->over = true;
	}
	__builtin_memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = '\0';
}

void fr_sb_str(struct fr_sb *s, const char *str)
{
	fr_sb_put(s, str ? str : "(null)",
		  fr_strnlen(str ? str : "(null)", s->cap + 1));
}

void fr_sb_str_safe(struct fr_sb *s, const char *str, size_t max)
{
	size_t i;
	char c;

	for (i = 0; i < max && str[i]; i++) {
		c = str[i] >= 0x20 && str[i] < 0x7f ? str[i] : '?';
		fr_sb_put(s, &c, 1);
	}
}

void fr_sb_uint(struct fr_sb *s, uint64_t v)
{
	char d[20];
	size_t n = sizeof(d);

	do {
		d[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fr_sb_put(s, d + n, sizeof(d) - n);
}

void fr_sb_int(struct fr_sb *s, int64_t v)
{
	if (v < 0) {
		fr_sb_put(s, "-", 1);
		fr_sb_uint(s, (uint64_t)0 - (uint64_t)v);
	} else {
		fr_sb_uint(s, (uint64_t)v);
	}
}

int fr_sb_done(const struct fr_sb *s)
{
	return s->over ? -XEN_ENAMETOOLONG : 0;
}

size_t fr_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

bool fr_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

int pvfront_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return -XEN_EINVAL;
	for (i = 0; i < len; i++) {
		unsigned int d = (unsigned int)(s[i] - '0');

		if (d > 9 || v > (max - d) / 10)
			return -XEN_EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* ---- time and logging ---------------------------------------------------- */

uint64_t fr_now(struct pvfront *pf)
{
	return pf->ops->now_ns(pf->arg);
}

uint64_t fr_deadline(struct pvfront *pf, int timeout_ms)
{
	uint64_t d;

	if (timeout_ms < 0)
		return 0;
	d = fr_now(pf) + (uint64_t)timeout_ms * NS_PER_MS;
	return d ? d : 1;
}

int fr_left_ms(struct pvfront *pf, uint64_t deadline)
{
	uint64_t now, left;

	if (deadline == 0)
		return -1;
	now = fr_now(pf);
	if (now >= deadline)
		return 0;
	/* Round up, so that a wait does not end just short of it. */
	left = (deadline - now + NS_PER_MS - 1) / NS_PER_MS;
	return left > 0x7fffffff ? 0x7fffffff : (int)left;
}

void fr_log(struct pvfront *pf, unsigned int level, const char *msg)
{
	if (pf->ops->log)
		pf->ops->log(pf->arg, level, msg);
}

void fr_log_dev(struct pvfront_dev *dev, unsigned int level, const char *a,
		const char *b)
{
	char line[256];
	struct fr_sb s;

	fr_sb_init(&s, line, sizeof(line));
	fr_sb_str(&s, dev->path);
	fr_sb_str(&s, ": ");
	fr_sb_str(&s, a);
	if (b)
		fr_sb_str(&s, b);
	fr_log(dev->pf, level, line);
}

/* ---- the store client on the OS's wait ----------------------------------- */

static struct pvfront_port *port_find(struct pvfront *pf, evtchn_port_t port)
{
	struct pvfront_port *p;

	for (p = pf->ports; p; p = p->next)
		if (p->port == port)
			return p;
	return NULL;
}

/* Sort what the OS reported: the store's port (true when it fired), the
 * others marked for their handlers (*others counts them). */
static bool note_fired(struct pvfront *pf, const evtchn_port_t *got, int n,
		       uint32_t *others)
{
	bool store = false;
	struct pvfront_port *p;

	for (int i = 0; i < n; i++) {
		if (got[i] == pf->store_port) {
			store = true;
			continue;
		}
		(*others)++;
		p = port_find(pf, got[i]);
		if (p)
			p->pending = true;
		else
			pf->stray++;
	}
	return store;
}

static int xs_notify(void *arg)
{
	struct pvfront *pf = arg;

	return pf->ops->evtchn_send(pf->arg, pf->store_port);
}

/* The store client waits for its port; other ports that fire meanwhile
 * are held for pvfront_poll() to hand out. */
static int xs_wait(void *arg, int timeout_ms)
{
	struct pvfront *pf = arg;
	uint64_t deadline = fr_deadline(pf, timeout_ms);
	evtchn_port_t got[WAIT_BATCH];
	int n, left;

	for (;;) {
		left = fr_left_ms(pf, deadline);
		n = pf->ops->wait(pf->arg, got, WAIT_BATCH, left);
		if (n < 0)
			return n;
		if (note_fired(pf, got, n > (int)WAIT_BATCH ? 0 : n, &pf->held))
			return 0;
		if (left == 0 || (n == 0 && fr_left_ms(pf, deadline) == 0))
			return -XEN_ETIMEDOUT;
	}
}

static const struct pvfront_xs_ops front_xs_ops = {
    .notify = xs_notify,
    .wait = xs_wait,
};

/* ---- the instance -------------------------------------------------------- */

static bool ops_ok(const struct pvfront_os_ops *o)
{
	return o && o->alloc_pages && o->free_pages && o->grant_access &&
	       o->end_access && o->evtchn_alloc_unbound && o->evtchn_send &&
	       o->evtchn_close && o->wait && o->now_ns && o->store_ring;
}

int pvfront_open(struct pvfront *pf, const struct pvfront_os_ops *ops,
		 void *arg, unsigned int flags)
{
	struct xenstore_domain_interface *page = NULL;
	int rc;

	if (!pf)
		return -XEN_EINVAL;
	__builtin_memset(pf, 0, sizeof(*pf));
	if (!ops_ok(ops) || (flags & ~PVFRONT_OPEN_STORE_RESET))
		return -XEN_EINVAL;
	pf->ops = ops;
	pf->arg = arg;
	pf->store_timeout_ms = 10000;
	pf->handshake_ms = 5000;
	pf->next_token = 1;
	rc = ops->store_ring(arg, &page, &pf->store_port);
	if (rc)
		return rc;
	if (!page)
		return -XEN_ENXIO;
	if (ops->evtchn_unmask)
		(void)ops->evtchn_unmask(arg, pf->store_port);
	rc = pvfront_xs_open(
	    &pf->xs, page, &front_xs_ops, pf,
	    flags & PVFRONT_OPEN_STORE_RESET ? PVFRONT_XS_OPEN_RESET : 0);
	if (rc)
		return rc;
	pvfront_xs_set_timeout(&pf->xs, pf->store_timeout_ms);
	pf->open = true;
	return 0;
}

void pvfront_close(struct pvfront *pf)
{
	if (!pf || !pf->open)
		return;
	while (pf->devs)
		(void)pvfront_dev_close(pf->devs, 0);
	while (pf->ports)
		pvfront_port_free(pf, pf->ports);
	pvfront_xs_close(&pf->xs);
	pf->watches = NULL;
	pf->open = false;
}

struct pvfront_xs *pvfront_xs(struct pvfront *pf)
{
	return &pf->xs;
}

void pvfront_set_store_timeout(struct pvfront *pf, int timeout_ms)
{
	pf->store_timeout_ms = timeout_ms < 0 ? -1 : timeout_ms;
	pvfront_xs_set_timeout(&pf->xs, pf->store_timeout_ms);
}

void pvfront_set_handshake_timeout(struct pvfront *pf, int timeout_ms)
{
	pf->handshake_ms = timeout_ms < 0 ? 0 : timeout_ms;
}

/* ---- ports --------------------------------------------------------------- */

static void port_link(struct pvfront *pf, struct pvfront_port *p,
		      evtchn_port_t port, pvfront_port_fn *fn, void *arg,
		      bool owned)
{
	*p = (struct pvfront_port){.port = port,
				   .fn = fn,
				   .arg = arg,
				   .owned = owned,
				   .next = pf->ports};
	pf->ports = p;
	if (pf->ops->evtchn_unmask)
		(void)pf->ops->evtchn_unmask(pf->arg, port);
}

int pvfront_port_alloc(struct pvfront *pf, struct pvfront_port *p,
		       domid_t remote, pvfront_port_fn *fn, void *arg)
{
	evtchn_port_t port;
	int rc;

	if (!p || !fn)
		return -XEN_EINVAL;
	rc = pf->ops->evtchn_alloc_unbound(pf->arg, remote, &port);
	if (rc)
		return rc;
	if (port == pf->store_port || port_find(pf, port)) {
		/* The OS handed out a port in use: do not touch it. */
		return -XEN_EIO;
	}
	port_link(pf, p, port, fn, arg, true);
	return 0;
}

int pvfront_port_bind(struct pvfront *pf, struct pvfront_port *p,
		      evtchn_port_t port, pvfront_port_fn *fn, void *arg)
{
	if (!p || !fn || port == 0)
		return -XEN_EINVAL;
	if (port == pf->store_port || port_find(pf, port))
		return -XEN_EEXIST;
	port_link(pf, p, port, fn, arg, false);
	return 0;
}

void pvfront_port_free(struct pvfront *pf, struct pvfront_port *p)
{
	struct pvfront_port **pp;

	for (pp = &pf->ports; *pp; pp = &(*pp)->next) {
		if (*pp != p)
			continue;
		*pp = p->next;
		if (p->owned)
			(void)pf->ops->evtchn_close(pf->arg, p->port);
		p->next = NULL;
		p->pending = false;
		p->dev = NULL;
		p->fn = NULL;
		return;
	}
}

int pvfront_port_notify(struct pvfront *pf, struct pvfront_port *p)
{
	return pf->ops->evtchn_send(pf->arg, p->port);
}

evtchn_port_t pvfront_port_number(const struct pvfront_port *p)
{
	return p->port;
}

/* ---- watches ------------------------------------------------------------- */

int pvfront_watch_add(struct pvfront *pf, struct pvfront_watch *w,
		      const char *path, pvfront_watch_fn *fn, void *arg)
{
	struct fr_sb s;
	int rc;

	if (!w || !path || !fn)
		return -XEN_EINVAL;
	*w = (struct pvfront_watch){.path = path, .fn = fn, .arg = arg};
	fr_sb_init(&s, w->token, sizeof(w->token));
	fr_sb_str(&s, "pvf");
	fr_sb_uint(&s, pf->next_token++);
	/* Linked first: the store's first event may come during the call. */
	w->next = pf->watches;
	pf->watches = w;
	rc = pvfront_xs_watch(&pf->xs, path, w->token);
	if (rc)
		(void)pvfront_watch_remove(pf, w);
	return rc;
}

static bool watch_unlink(struct pvfront *pf, struct pvfront_watch *w)
{
	struct pvfront_watch **pp;

	for (pp = &pf->watches; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			w->next = NULL;
			return true;
		}
	}
	return false;
}

int pvfront_watch_remove(struct pvfront *pf, struct pvfront_watch *w)
{
	if (!watch_unlink(pf, w))
		return 0;
	/* Events still queued for it find no watch and are dropped. */
	return pvfront_xs_unwatch(&pf->xs, w->path, w->token);
}

static struct pvfront_watch *watch_find(struct pvfront *pf, const char *token)
{
	struct pvfront_watch *w;

	for (w = pf->watches; w; w = w->next)
		if (fr_streq(w->token, token))
			return w;
	return NULL;
}

/* ---- dispatch ------------------------------------------------------------ */

static struct pvfront_port *first_pending(struct pvfront *pf)
{
	struct pvfront_port *p;

	for (p = pf->ports; p; p = p->next)
		if (p->pending)
			return p;
	return NULL;
}

static int run_ports(struct pvfront *pf)
{
	struct pvfront_port *p;
	int n = 0;

	/* Looked up afresh each time: a handler may free any port. */
	while ((unsigned int)n < ROUND_MAX && (p = first_pending(pf))) {
		p->pending = false;
		p->fn(pf, p, p->arg);
		n++;
	}
	return n;
}

/* Events were lost: every watch hears once that something changed. */
static int refire_watches(struct pvfront *pf)
{
	struct pvfront_watch *w;
	int n = 0;

	for (w = pf->watches; w; w = w->next)
		w->due = true;
	/* Looked up afresh each time: a callback may remove any watch. */
	for (;;) {
		for (w = pf->watches; w && !w->due; w = w->next)
			;
		if (!w)
			return n;
		w->due = false;
		w->fn(pf, w, w->path, w->arg);
		n++;
	}
}

static int run_events(struct pvfront *pf)
{
	struct pvfront_xs_event ev;
	struct pvfront_watch *w;
	int rc, n = 0;

	while ((unsigned int)n < ROUND_MAX) {
		rc = pvfront_xs_next_event(&pf->xs, pf->evbuf,
					   sizeof(pf->evbuf), &ev);
		if (rc == -XEN_EAGAIN)
			break;
		if (rc == -XEN_ENOBUFS) {
			fr_log(pf, PVFRONT_LOG_WARN,
			       "store watch events were lost: rereading");
			n += refire_watches(pf);
			continue;
		}
		if (rc)
			return rc;
		w = watch_find(pf, ev.token);
		if (w) {
			w->fn(pf, w, ev.path, w->arg);
			n++;
		}
		/* Ports that fired during its store calls wait no longer. */
		n += run_ports(pf);
	}
	return n;
}

static int dispatch(struct pvfront *pf)
{
	int ev, n;

	pf->depth++;
	n = run_ports(pf);
	ev = run_events(pf);
	if (ev >= 0) {
		/* and the ports that fired during the events' store calls */
		n += ev + run_ports(pf) + fr_fsm_timeouts(pf);
	}
	pf->depth--;
	return ev < 0 ? ev : n;
}

/* One wait of the OS, capped by the next handshake deadline. */
static int collect(struct pvfront *pf, int timeout_ms)
{
	uint64_t next = fr_fsm_next_deadline(pf);
	evtchn_port_t got[WAIT_BATCH];
	int left = fr_left_ms(pf, next);
	uint32_t others = 0;
	int n;

	if (left >= 0 && (timeout_ms < 0 || left < timeout_ms))
		timeout_ms = left;
	n = pf->ops->wait(pf->arg, got, WAIT_BATCH, timeout_ms);
	if (n < 0)
		return n;
	/* The store's port: its events are read by dispatch() anyway. */
	(void)note_fired(pf, got, n > (int)WAIT_BATCH ? 0 : n, &others);
	return 0;
}

int pvfront_poll(struct pvfront *pf, int timeout_ms)
{
	int rc;

	if (pf->depth)
		return -XEN_EDEADLK;
	rc = dispatch(pf);
	if (rc != 0 || timeout_ms == 0)
		return rc;
	rc = collect(pf, timeout_ms);
	if (rc < 0)
		return rc;
	return dispatch(pf);
}
