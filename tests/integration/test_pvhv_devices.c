/*
 * Guest devices in the store, end to end: a live pvhv, process guests
 * whose configs carry vkb, vsnd, vdispl, p9 and pvcalls, the store read
 * back with Debian's xenstore-ls and with a small dom0 client of the
 * store's wire protocol (which also plays the backend).
 *
 *   layout         every node of a guest with all five types, compared
 *                  with libxl's layout: paths, values, owners and
 *                  permissions (xenstore-ls -f -p; skipped, loudly, without
 *                  xenstore-utils)
 *   hotplug        device-add while the guest runs, seen by a dom0 watch
 *                  on backend/vkbd, complete at the first event; removal
 *                  as xl detaches: online 0, Closing, the backend answers
 *                  Closed, the nodes go (with their empty parents)
 *   removal_kinds  a backend that never answers (timeout), none at all
 *                  (at once), --force; device ids as libxl gives them
 *   errors         bad specs, types, domains and devices
 *   pvctl_cli      pvctl device-add / device-remove and their output
 *   death          a guest's death removes its devices (and a removal in
 *                  progress ends), another guest's stay
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "pvkit/proto/xs_wire.h"

static struct hvt t;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

#define ALL_DEVICES                                                            \
	"vkb = [ \"backend-type=linux, unique-id=kbd0, "                       \
	"feature-abs-pointer=1, feature-disable-keyboard=1, width=800, "       \
	"height=600, multi-touch-width=800, multi-touch-height=600, "          \
	"multi-touch-num-contacts=5\", \"backend-type=qemu\" ]\n"              \
	"vsnd = [ [ \"CARD, short-name=Main, long-name=Main card, "            \
	"sample-rates=44100;48000, sample-formats=s16_le;f32_le, "             \
	"buffer-size=65536\", \"PCM, name=Out, channels-max=2\",\n"            \
	"  \"STREAM, unique-id=pb0, type=p, channels-min=1\", "                \
	"\"STREAM, unique-id=cap0, type=c, sample-rates=48000\" ] ]\n"         \
	"vdispl = [ \"be-alloc=1, connectors=mon0:1920x1080;mon1:800x600\" "   \
	"]\n"                                                                  \
	"p9 = [ \"tag=share, path=/srv/share, security_model=none\" ]\n"       \
	"pvcalls = [ \"\" ]\n"

static int setup(void **state)
{
	(void)state;
	if (hvt_start(&t, NULL))
		return -1;
	return hvt_store_env(&t, sock_path, sizeof(sock_path));
}

static int teardown(void **state)
{
	(void)state;
	return hvt_stop(&t);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* ---- a dom0 client of the store's wire protocol ------------------------- */

#define MAX_EVENTS 512

struct xsc {
	int fd;
	uint32_t next_req;
	char events[MAX_EVENTS][256]; /* paths of queued watch events */
	unsigned int nev;
};

static void xsc_open(struct xsc *c)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};

	memset(c, 0, sizeof(*c));
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock_path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&a, sizeof(a)), 0);
}

static void read_all(int fd, void *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		assert_true(n > 0);
		got += (size_t)n;
	}
}

/* One message, or 0 when none came within timeout_ms. */
static int xsc_recv(struct xsc *c, struct xsd_sockmsg *h, char *buf,
		    int timeout_ms)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};

	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	read_all(c->fd, h, sizeof(*h));
	assert_true(h->len <= XENSTORE_PAYLOAD_MAX);
	read_all(c->fd, buf, h->len);
	buf[h->len] = '\0';
	return 1;
}

static void queue_event(struct xsc *c, const char *payload)
{
	size_t n = strnlen(payload, sizeof(c->events[0]) - 1);

	if (c->nev < MAX_EVENTS) {
		memcpy(c->events[c->nev], payload, n);
		c->events[c->nev++][n] = '\0';
	}
}

/* A request; its reply's payload in out (NUL added).  Returns the reply's
 * type; watch events met on the way are queued. */
static uint32_t xsc_req(struct xsc *c, uint32_t type, const char *a,
			const char *b, size_t blen, char *out)
{
	struct xsd_sockmsg h = {.type = type, .req_id = ++c->next_req};
	char buf[XENSTORE_PAYLOAD_MAX + 1];
	size_t alen = strlen(a) + 1;

	h.len = (uint32_t)(alen + blen);
	assert_int_equal(write(c->fd, &h, sizeof(h)), sizeof(h));
	assert_int_equal(write(c->fd, a, alen), (ssize_t)alen);
	if (blen)
		assert_int_equal(write(c->fd, b, blen), (ssize_t)blen);
	for (;;) {
		assert_int_equal(xsc_recv(c, &h, buf, 5000), 1);
		if (h.type == XS_WATCH_EVENT) {
			queue_event(c, buf);
			continue;
		}
		assert_int_equal(h.req_id, c->next_req);
		memcpy(out, buf, h.len + 1);
		return h.type;
	}
}

/* The value at path, or NULL (ENOENT and the like). */
static const char *xs_get(struct xsc *c, const char *path)
{
	static char out[XENSTORE_PAYLOAD_MAX + 1];

	return xsc_req(c, XS_READ, path, NULL, 0, out) == XS_READ ? out : NULL;
}

static void xs_put(struct xsc *c, const char *path, const char *val)
{
	char out[XENSTORE_PAYLOAD_MAX + 1];

	assert_int_equal(xsc_req(c, XS_WRITE, path, val, strlen(val), out),
			 XS_WRITE);
}

static void xs_watch(struct xsc *c, const char *path)
{
	char out[XENSTORE_PAYLOAD_MAX + 1], tok[] = "dev";

	assert_int_equal(xsc_req(c, XS_WATCH, path, tok, sizeof(tok), out),
			 XS_WATCH);
}

/* Wait for an event whose path starts with prefix; consumes the queue up
 * to it.  0, or -ETIMEDOUT. */
static int xs_event(struct xsc *c, const char *prefix, int timeout_ms)
{
	struct xsd_sockmsg h;
	char buf[XENSTORE_PAYLOAD_MAX + 1];
	long end = now_ms() + timeout_ms;

	for (;;) {
		for (unsigned int i = 0; i < c->nev; i++) {
			if (strncmp(c->events[i], prefix, strlen(prefix)))
				continue;
			memmove(c->events, c->events + i + 1,
				(c->nev - i - 1) * sizeof(c->events[0]));
			c->nev -= i + 1;
			return 0;
		}
		c->nev = 0;
		if (now_ms() >= end)
			return -ETIMEDOUT;
		if (xsc_recv(c, &h, buf, (int)(end - now_ms())) &&
		    h.type == XS_WATCH_EVENT)
			queue_event(c, buf);
	}
}

/* Wait until path holds want (checked at each event under watch_prefix). */
static void wait_value(struct xsc *c, const char *path, const char *want)
{
	long end = now_ms() + 5000;
	const char *v;

	while (!(v = xs_get(c, path)) || strcmp(v, want)) {
		assert_true(now_ms() < end);
		(void)xs_event(c, "", 100);
	}
}

/* ---- the layout, as libxl writes it ------------------------------------- */

struct lines {
	char **v;
	size_t n, cap;
};

static void add_line(struct lines *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_line(struct lines *l, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		assert_non_null(l->v);
	}
	l->v[l->n] = strdup(buf);
	assert_non_null(l->v[l->n]);
	l->n++;
}

static void free_lines(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Node lines "PATH = "VALUE" (PERMS)".  The frontend's nodes are the
 * guest's with r0, the backend's dom0's with rD. */
#define FE(rel, val)   add_line(l, "%s/%s = \"%s\" (n%u,r0)", fe, rel, val, d)
#define FERO(rel, val) add_line(l, "%s/%s = \"%s\" (n0,r%u)", fe, rel, val, d)
#define BE(rel, val)   add_line(l, "%s/%s = \"%s\" (n0,r%u)", be, rel, val, d)
#define LX(rel, val)   add_line(l, "%s/%s = \"%s\" (n0)", lx, rel, val)

/* The common part of one device, then its type's nodes via more(). */
static void device(struct lines *l, domid_t d, const char *kind,
		   const char *bkind, unsigned int id,
		   void (*more)(struct lines *, domid_t, const char *,
				const char *, const char *))
{
	char fe[128], be[128], lx[128];

	snprintf(fe, sizeof(fe), "/local/domain/%u/device/%s/%u", d, kind, id);
	snprintf(be, sizeof(be), "/local/domain/0/backend/%s/%u/%u", bkind, d,
		 id);
	snprintf(lx, sizeof(lx), "/libxl/%u/device/%s/%u", d, kind, id);
	add_line(l, "%s = \"\" (n%u,r0)", fe, d);
	FE("backend", be);
	FE("backend-id", "0");
	FE("state", "1");
	add_line(l, "%s = \"\" (n0,r%u)", be, d);
	BE("frontend", fe);
	BE("frontend-id", "D");
	BE("online", "1");
	BE("state", "1");
	add_line(l, "%s = \"\" (n0)", lx);
	LX("frontend", fe);
	LX("backend", be);
	LX("frontend-id", "D");
	LX("online", "1");
	LX("state", "1");
	if (more)
		more(l, d, fe, be, lx);
}

static void vkb0(struct lines *l, domid_t d, const char *fe, const char *be,
		 const char *lx)
{
	static const char *const keys[][2] = {
	    {"unique-id", "kbd0"},
	    {"feature-disable-keyboard", "1"},
	    {"feature-abs-pointer", "1"},
	    {"feature-multi-touch", "1"},
	    {"multi-touch-width", "800"},
	    {"multi-touch-height", "600"},
	    {"multi-touch-num-contacts", "5"},
	    {"width", "800"},
	    {"height", "600"},
	};

	(void)fe;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		BE(keys[i][0], keys[i][1]);
		LX(keys[i][0], keys[i][1]);
	}
}

static void vsnd0(struct lines *l, domid_t d, const char *fe, const char *be,
		  const char *lx)
{
	(void)be;
	(void)lx;
	FE("long-name", "Main card");
	FE("short-name", "Main");
	FE("sample-rates", "44100,48000");
	FE("sample-formats", "s16_le,float_le");
	FE("buffer-size", "65536");
	FE("0", "");
	FE("0/name", "Out");
	FE("0/channels-max", "2");
	FE("0/0", "");
	FE("0/0/unique-id", "pb0");
	FE("0/0/type", "p");
	FE("0/0/channels-min", "1");
	FE("0/1", "");
	FE("0/1/unique-id", "cap0");
	FE("0/1/type", "c");
	FE("0/1/sample-rates", "48000");
}

static void vdispl0(struct lines *l, domid_t d, const char *fe, const char *be,
		    const char *lx)
{
	(void)be;
	(void)lx;
	FERO("be-alloc", "1");
	FE("0", "");
	FERO("0/resolution", "1920x1080");
	FERO("0/unique-id", "mon0");
	FE("1", "");
	FERO("1/resolution", "800x600");
	FERO("1/unique-id", "mon1");
}

static void p90(struct lines *l, domid_t d, const char *fe, const char *be,
		const char *lx)
{
	FE("tag", "share");
	BE("path", "/srv/share");
	BE("security_model", "none");
	LX("path", "/srv/share");
	LX("security_model", "none");
}

/* Everything pvhv writes for ALL_DEVICES, with directories; "D" in a
 * value stands for the domid (filled in by expected()). */
static void expected(struct lines *l, domid_t d)
{
	static const char *const kinds[] = {"vkbd", "vsnd", "vdispl", "9pfs",
					    "pvcalls"};
	static const char *const bkinds[] = {"vinput", "vkbd", "vsnd",
					     "vdispl", "9pfs", "pvcalls"};

	for (size_t i = 0; i < 5; i++)
		add_line(l, "/local/domain/%u/device/%s = \"\" (n0,r%u)", d,
			 kinds[i], d);
	for (size_t i = 0; i < 6; i++) {
		add_line(l, "/local/domain/0/backend/%s = \"\" (n0)",
			 bkinds[i]);
		add_line(l, "/local/domain/0/backend/%s/%u = \"\" (n0)",
			 bkinds[i], d);
	}
	add_line(l, "/libxl/%u = \"\" (n0)", d);
	add_line(l, "/libxl/%u/device = \"\" (n0)", d);
	for (size_t i = 0; i < 5; i++)
		add_line(l, "/libxl/%u/device/%s = \"\" (n0)", d, kinds[i]);
	device(l, d, "vkbd", "vinput", 0, vkb0);
	device(l, d, "vkbd", "vkbd", 1, NULL);
	device(l, d, "vsnd", "vsnd", 0, vsnd0);
	device(l, d, "vdispl", "vdispl", 0, vdispl0);
	device(l, d, "9pfs", "9pfs", 0, p90);
	device(l, d, "pvcalls", "pvcalls", 0, NULL);
	for (size_t i = 0; i < l->n; i++) {
		char *p = strstr(l->v[i], "\"D\"");

		if (p) {
			char buf[512];

			*p = '\0';
			snprintf(buf, sizeof(buf), "%s\"%u\"%s", l->v[i], d,
				 p + 3);
			free(l->v[i]);
			l->v[i] = strdup(buf);
		}
	}
}

/* Is path one of domain d's device nodes (or their directories)? */
static bool selected(const char *path, domid_t d)
{
	char pre[64];
	unsigned int dom;
	int n = 0;

	snprintf(pre, sizeof(pre), "/local/domain/%u/device/", d);
	if (!strncmp(path, pre, strlen(pre)))
		return true;
	snprintf(pre, sizeof(pre), "/libxl/%u", d);
	if (!strncmp(path, pre, strlen(pre)) &&
	    (!path[strlen(pre)] || path[strlen(pre)] == '/'))
		return true;
	if (strncmp(path, "/local/domain/0/backend/", 24))
		return false;
	/* backend/KIND itself, or backend/KIND/D and below */
	path = strchr(path + 24, '/');
	if (!path)
		return true;
	return sscanf(path, "/%u%n", &dom, &n) == 1 && dom == d &&
	       (!path[n] || path[n] == '/');
}

/* xenstore-ls -f -p of the whole store, d's device lines, normalised to
 * "PATH = "VALUE" (PERMS)". */
static void dump(struct lines *l, domid_t d)
{
	size_t cap = 1 << 20;
	char *out = malloc(cap), *line, *save = NULL;

	assert_non_null(out);
	assert_int_equal(hvt_sh(out, cap, "xenstore-ls -f -p /"), 0);
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strstr(line, " = \""), *perm = strrchr(line, '(');
		char *endq = perm;

		assert_non_null(eq);
		assert_non_null(perm);
		*eq = '\0';
		while (endq > eq && *endq != '"')
			endq--;
		*endq = '\0';
		if (selected(line, d))
			add_line(l, "%s = \"%s\" %s", line, eq + 4, perm);
	}
	free(out);
}

static bool have_xenstore_ls(void)
{
	char out[256];

	if (hvt_sh(out, sizeof(out), "command -v xenstore-ls") == 0)
		return true;
	fprintf(stderr, "SKIP: xenstore-ls (Debian's xenstore-utils) is not "
			"installed, so the layout is not compared; "
			"scripts/deps.sh installs it\n");
	return false;
}

static void compare_layout(domid_t d)
{
	struct lines want = {0}, got = {0};
	size_t i = 0, j = 0;
	int bad = 0;

	expected(&want, d);
	dump(&got, d);
	qsort(want.v, want.n, sizeof(*want.v), cmp_str);
	qsort(got.v, got.n, sizeof(*got.v), cmp_str);
	while (i < want.n || j < got.n) {
		int c = i == want.n  ? 1
			: j == got.n ? -1
				     : strcmp(want.v[i], got.v[j]);

		if (c < 0)
			fprintf(stderr, "missing: %s\n", want.v[i++]), bad++;
		else if (c > 0)
			fprintf(stderr, "unexpected: %s\n", got.v[j++]), bad++;
		else
			i++, j++;
	}
	free_lines(&want);
	free_lines(&got);
	assert_int_equal(bad, 0);
}

static void layout(void **state)
{
	domid_t d;

	(void)state;
	if (!have_xenstore_ls())
		skip();
	assert_int_equal(
	    hvt_create(&t, "all", "guest_grant", "ro", ALL_DEVICES, &d), 0);
	compare_layout(d);
	assert_int_equal(pvhv_domain_destroy(t.h, d), 0);
}

/* ---- hot plug ----------------------------------------------------------- */

static const char *be_path(char *buf, size_t len, const char *bkind, domid_t d,
			   unsigned int id, const char *key)
{
	snprintf(buf, len, "/local/domain/0/backend/%s/%u/%u%s%s", bkind, d, id,
		 key ? "/" : "", key ? key : "");
	return buf;
}

static const char *fe_path(char *buf, size_t len, const char *kind, domid_t d,
			   unsigned int id, const char *key)
{
	snprintf(buf, len, "/local/domain/%u/device/%s/%u%s%s", d, kind, id,
		 key ? "/" : "", key ? key : "");
	return buf;
}

static unsigned int add_vkb(domid_t d, const char *spec)
{
	const char *s[] = {spec};
	unsigned int id = 99;

	assert_int_equal(pvhv_device_add(t.h, d, "vkb", s, 1, &id), 0);
	return id;
}

/* Removal in a child (it blocks until the device is gone): the child's
 * exit status is how it went, or 100 + error. */
static pid_t remove_in_child(domid_t d, unsigned int id, unsigned int ms)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		enum pvhv_removal how = 0;
		struct pvhv *h;
		int rc = pvhv_open(t.rundir, 0, &h);

		if (!rc)
			rc = pvhv_device_remove(h, d, "vkb", id, 0, ms, &how);
		_exit(rc ? 100 - rc : (int)how);
	}
	return pid;
}

static int child_status(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void gone(struct xsc *c, domid_t d, const char *bkind, unsigned int id)
{
	char p[160];

	assert_null(xs_get(c, fe_path(p, sizeof(p), "vkbd", d, id, NULL)));
	assert_null(xs_get(c, be_path(p, sizeof(p), bkind, d, id, NULL)));
	snprintf(p, sizeof(p), "/libxl/%u/device/vkbd/%u", d, id);
	assert_null(xs_get(c, p));
}

static void hotplug(void **state)
{
	struct xsc c;
	char p[160], q[160];
	unsigned int id;
	domid_t d;
	pid_t child;

	(void)state;
	assert_int_equal(hvt_create(&t, "hot", "guest_grant", "ro", NULL, &d),
			 0);
	xsc_open(&c);
	xs_watch(&c, "/local/domain/0/backend/vkbd");
	assert_int_equal(xs_event(&c, "/local/domain/0/backend/vkbd", 2000), 0);
	id = add_vkb(d, "backend-type=qemu, unique-id=hot0, width=640, "
			"height=480");
	assert_int_equal(id, 0);
	/* At the first event of the backend's directory the whole device is
	 * there: the backend and the frontend side. */
	assert_int_equal(
	    xs_event(&c, be_path(p, sizeof(p), "vkbd", d, 0, NULL), 2000), 0);
	assert_string_equal(
	    xs_get(&c, be_path(p, sizeof(p), "vkbd", d, 0, "state")), "1");
	assert_string_equal(
	    xs_get(&c, be_path(p, sizeof(p), "vkbd", d, 0, "frontend")),
	    fe_path(q, sizeof(q), "vkbd", d, 0, NULL));
	assert_string_equal(
	    xs_get(&c, be_path(p, sizeof(p), "vkbd", d, 0, "height")), "480");
	assert_string_equal(
	    xs_get(&c, fe_path(p, sizeof(p), "vkbd", d, 0, "state")), "1");
	assert_string_equal(
	    xs_get(&c, fe_path(p, sizeof(p), "vkbd", d, 0, "backend")),
	    be_path(q, sizeof(q), "vkbd", d, 0, NULL));
	/* Play the backend: it takes the device (InitWait). */
	xs_put(&c, be_path(p, sizeof(p), "vkbd", d, 0, "state"), "2");
	child = remove_in_child(d, 0, 5000);
	/* pvhv asks it to let go, it answers Closed, the device goes. */
	wait_value(&c, be_path(p, sizeof(p), "vkbd", d, 0, "state"), "5");
	assert_string_equal(
	    xs_get(&c, be_path(p, sizeof(p), "vkbd", d, 0, "online")), "0");
	xs_put(&c, be_path(p, sizeof(p), "vkbd", d, 0, "state"), "6");
	assert_int_equal(child_status(child), PVHV_REMOVED_CLOSED);
	gone(&c, d, "vkbd", 0);
	/* libxl's clean-up: the empty parents went too; the watch saw it. */
	assert_null(xs_get(&c, "/local/domain/0/backend/vkbd"));
	snprintf(p, sizeof(p), "/libxl/%u", d);
	assert_null(xs_get(&c, p));
	snprintf(p, sizeof(p), "/local/domain/%u/device", d);
	assert_non_null(xs_get(&c, p));
	assert_int_equal(xs_event(&c, "/local/domain/0/backend/vkbd", 2000), 0);
	close(c.fd);
	assert_int_equal(pvhv_domain_destroy(t.h, d), 0);
}

static void removal_kinds(void **state)
{
	enum pvhv_removal how;
	struct xsc c;
	char p[160];
	long t0;
	domid_t d;

	(void)state;
	assert_int_equal(hvt_create(&t, "kinds", "guest_grant", "ro",
				    "vkb = [ \"backend-type=linux\" ]", &d),
			 0);
	xsc_open(&c);
	/* A backend that took the device and never answers: the timeout. */
	xs_put(&c, be_path(p, sizeof(p), "vinput", d, 0, "state"), "4");
	t0 = now_ms();
	assert_int_equal(pvhv_device_remove(t.h, d, "vkb", 0, 0, 300, &how), 0);
	assert_int_equal(how, PVHV_REMOVED_TIMED_OUT);
	assert_true(now_ms() - t0 >= 290 && now_ms() - t0 < 5000);
	gone(&c, d, "vinput", 0);
	/* Ids: one more than the highest in use. */
	assert_int_equal(add_vkb(d, "backend-type=linux"), 0);
	assert_int_equal(add_vkb(d, "backend-type=linux"), 1);
	assert_int_equal(add_vkb(d, "backend-type=linux"), 2);
	/* No backend picked 1 up: it goes at once. */
	t0 = now_ms();
	assert_int_equal(pvhv_device_remove(t.h, d, "vkb", 1, 0, 0, &how), 0);
	assert_int_equal(how, PVHV_REMOVED_UNUSED);
	assert_true(now_ms() - t0 < 1000);
	gone(&c, d, "vinput", 1);
	assert_int_equal(add_vkb(d, "backend-type=linux"), 3);
	/* Forced: at once, whatever the backend does. */
	xs_put(&c, be_path(p, sizeof(p), "vinput", d, 3, "state"), "4");
	assert_int_equal(
	    pvhv_device_remove(t.h, d, "vkb", 3, PVHV_REMOVE_FORCE, 0, &how),
	    0);
	assert_int_equal(how, PVHV_REMOVED_FORCED);
	gone(&c, d, "vinput", 3);
	assert_int_equal(
	    pvhv_device_remove(t.h, d, "vkb", 2, PVHV_REMOVE_FORCE, 0, NULL),
	    0);
	assert_int_equal(add_vkb(d, "backend-type=linux"), 1);
	/* A backend that is Closed already: gone at once, closed. */
	xs_put(&c, be_path(p, sizeof(p), "vinput", d, 1, "state"), "6");
	assert_int_equal(pvhv_device_remove(t.h, d, "vkb", 1, 0, 0, &how), 0);
	assert_int_equal(how, PVHV_REMOVED_CLOSED);
	gone(&c, d, "vinput", 1);
	close(c.fd);
	assert_int_equal(pvhv_domain_destroy(t.h, d), 0);
}

static void errors(void **state)
{
	const char *bad_key[] = {"backend-type=linux, colour=blue"};
	const char *card[] = {"PCM, name=x"};
	const char *ok[] = {"backend-type=linux"};
	struct xsc c;
	char p[160];
	pid_t child;
	domid_t d;

	(void)state;
	assert_int_equal(hvt_create(&t, "errs", "guest_grant", "ro", NULL, &d),
			 0);
	assert_int_equal(pvhv_device_add(t.h, d, "vkb", bad_key, 1, NULL),
			 -EINVAL);
	assert_non_null(strstr(pvhv_errmsg(t.h), "vkb: unknown key 'colour'"));
	assert_int_equal(pvhv_device_add(t.h, d, "vsnd", card, 1, NULL),
			 -EINVAL);
	assert_string_equal(pvhv_errmsg(t.h), "vsnd: pcm 0 has no STREAM item");
	assert_int_equal(pvhv_device_add(t.h, d, "vif", ok, 1, NULL), -EINVAL);
	assert_non_null(strstr(pvhv_errmsg(t.h), "unknown device type"));
	assert_int_equal(
	    pvhv_device_add(t.h, d, "averyveryverylongtype", ok, 1, NULL),
	    -EINVAL);
	assert_int_equal(pvhv_device_add(t.h, 999, "vkb", ok, 1, NULL), -ESRCH);
	assert_int_equal(pvhv_device_add(t.h, 0, "vkb", ok, 1, NULL), -ESRCH);
	assert_int_equal(pvhv_device_remove(t.h, d, "vkb", 0, 0, 0, NULL),
			 -ENOENT);
	assert_int_equal(pvhv_device_remove(t.h, d, "vkb", 0, 4, 0, NULL),
			 -EINVAL);
	assert_int_equal(pvhv_device_remove(t.h, d, "vkb", 0, 0, 600001, NULL),
			 -EINVAL);
	/* One removal at a time per device. */
	assert_int_equal(add_vkb(d, "backend-type=linux"), 0);
	xsc_open(&c);
	xs_put(&c, be_path(p, sizeof(p), "vinput", d, 0, "state"), "4");
	xs_watch(&c, be_path(p, sizeof(p), "vinput", d, 0, "state"));
	child = remove_in_child(d, 0, 10000);
	wait_value(&c, p, "5");
	assert_int_equal(pvhv_device_remove(t.h, d, "vkb", 0, 0, 0, NULL),
			 -EBUSY);
	/* A backend that removes its directory counts as closed. */
	be_path(p, sizeof(p), "vinput", d, 0, NULL);
	{
		char out[64];

		assert_int_equal(xsc_req(&c, XS_RM, p, NULL, 0, out), XS_RM);
	}
	assert_int_equal(child_status(child), PVHV_REMOVED_CLOSED);
	gone(&c, d, "vinput", 0);
	close(c.fd);
	assert_int_equal(pvhv_domain_destroy(t.h, d), 0);
}

static int pvctl(char *out, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int pvctl(char *out, size_t len, const char *fmt, ...)
{
	char args[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	return hvt_sh(out, len, "%s --rundir %s %s", PVCTL_BIN, t.rundir, args);
}

static void pvctl_cli(void **state)
{
	char out[4096], want[128];
	struct xsc c;
	domid_t d;

	(void)state;
	assert_int_equal(hvt_create(&t, "cli", "guest_grant", "ro", NULL, &d),
			 0);
	assert_int_equal(pvctl(out, sizeof(out),
			       "device-add cli p9 "
			       "'tag=t, path=/srv, security_model=none'"),
			 0);
	snprintf(want, sizeof(want), "added p9 0 to domain %u\n", d);
	assert_string_equal(out, want);
	assert_int_equal(pvctl(out, sizeof(out),
			       "device-add cli vsnd "
			       "'CARD, short-name=Hot' 'PCM, name=Out' "
			       "'STREAM, unique-id=h0, type=p'"),
			 0);
	assert_int_equal(pvctl(out, sizeof(out), "device-add cli pvcalls"), 0);
	xsc_open(&c);
	snprintf(want, sizeof(want),
		 "/local/domain/%u/device/vsnd/0/0/0/"
		 "unique-id",
		 d);
	assert_string_equal(xs_get(&c, want), "h0");
	snprintf(want, sizeof(want), "/local/domain/%u/device/9pfs/0/tag", d);
	assert_string_equal(xs_get(&c, want), "t");
	assert_int_equal(pvctl(out, sizeof(out), "device-remove cli vsnd 0"),
			 0);
	snprintf(want, sizeof(want),
		 "removed vsnd 0 from domain %u: no "
		 "backend had picked it up\n",
		 d);
	assert_string_equal(out, want);
	assert_int_equal(pvctl(out, sizeof(out),
			       "device-remove -f -t 3 %u "
			       "pvcalls 0",
			       d),
			 0);
	assert_non_null(strstr(out, "forced"));
	assert_int_equal(pvctl(out, sizeof(out),
			       "device-add cli vkb "
			       "'backend-type=linux, width=0'"),
			 1);
	assert_non_null(strstr(out, "width: 0 is out of range"));
	assert_int_equal(pvctl(out, sizeof(out), "device-remove cli p9 7"), 1);
	assert_non_null(strstr(out, "no such device"));
	assert_int_equal(pvctl(out, sizeof(out), "device-remove cli p9"), 2);
	assert_int_equal(pvctl(out, sizeof(out), "device-remove -t 0 cli p9 0"),
			 2);
	assert_int_equal(pvctl(out, sizeof(out), "device-add cli disk x"), 1);
	assert_non_null(strstr(out, "unknown device type"));
	assert_int_equal(pvctl(out, sizeof(out), "device-add --help"), 0);
	assert_non_null(strstr(out, "security_model=none"));
	assert_int_equal(pvctl(out, sizeof(out), "--help"), 0);
	assert_non_null(strstr(out, "device-remove"));
	close(c.fd);
	assert_int_equal(pvhv_domain_destroy(t.h, d), 0);
}

/* ---- death -------------------------------------------------------------- */

static void death(void **state)
{
	char p[160], *out = malloc(1 << 20);
	struct xsc c;
	domid_t a, b;
	pid_t child;

	(void)state;
	assert_non_null(out);
	assert_int_equal(
	    hvt_create(&t, "dies", "guest_grant", "ro", ALL_DEVICES, &a), 0);
	assert_int_equal(
	    hvt_create(&t, "stays", "guest_grant", "ro", ALL_DEVICES, &b), 0);
	xsc_open(&c);
	/* A removal waiting for its backend when the guest dies. */
	xs_put(&c, be_path(p, sizeof(p), "vkbd", a, 1, "state"), "4");
	xs_watch(&c, be_path(p, sizeof(p), "vkbd", a, 1, "state"));
	child = remove_in_child(a, 1, 20000);
	wait_value(&c, p, "5");
	assert_int_equal(pvhv_domain_destroy(t.h, a), 0);
	assert_int_equal(child_status(child), PVHV_REMOVED_DOMAIN_GONE);
	/* Nothing of a's is left; b's is whole. */
	gone(&c, a, "vinput", 0);
	gone(&c, a, "vkbd", 1);
	snprintf(p, sizeof(p), "/libxl/%u", a);
	assert_null(xs_get(&c, p));
	if (have_xenstore_ls()) {
		assert_int_equal(hvt_sh(out, 1 << 20, "xenstore-ls -f /"), 0);
		for (char *line = strtok(out, "\n"); line;
		     line = strtok(NULL, "\n")) {
			char *eq = strstr(line, " = ");

			assert_non_null(eq);
			*eq = '\0';
			/* backend/KIND may stay: b has devices there */
			if (selected(line, a) &&
			    (strncmp(line, "/local/domain/0/backend/", 24) ||
			     strchr(line + 24, '/')))
				fail_msg("left behind: %s", line);
		}
		compare_layout(b);
	}
	close(c.fd);
	assert_int_equal(pvhv_domain_destroy(t.h, b), 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(layout),	     cmocka_unit_test(hotplug),
	    cmocka_unit_test(removal_kinds), cmocka_unit_test(errors),
	    cmocka_unit_test(pvctl_cli),     cmocka_unit_test(death),
	};

	return cmocka_run_group_tests_name("pvhv devices", tests, setup,
					   teardown);
}
