/*
 * Unit tests for pvhv's store core (hypervisor/pvhv/store*.c): the real
 * tree, permissions, transactions, watches and quotas.  Only the
 * transport is fake: each connection's send callback records the messages
 * the store queued ("with recording transport" in the group name).
 * Clients: dom0 (privileged) and guests 1 and 2, introduced as a toolstack
 * would, so each has its home /local/domain/<id> with data/ it owns.
 */
#include "unit.h"

#include <stdlib.h>

#include "pvkit/store.h"
#include "store.h"

#define MAXMSG 4096

struct msg {
	struct xsd_sockmsg h;
	char p[XENSTORE_PAYLOAD_MAX + 1]; /* NUL added for the asserts */
};

struct cl {
	struct store_conn *c;
	struct msg *m;
	size_t n;
};

struct fx {
	struct store *st;
	struct cl d0, g1, g2;
};

static uint32_t next_req;

static int rec_send(struct store_conn *c, const struct xsd_sockmsg *h,
		    const void *p, size_t len, void *arg)
{
	struct cl *cl = arg;

	(void)c;
	assert_true(len <= XENSTORE_PAYLOAD_MAX);
	assert_int_equal(h->len, len);
	assert_true(cl->n < MAXMSG);
	cl->m[cl->n].h = *h;
	if (len)
		memcpy(cl->m[cl->n].p, p, len);
	cl->m[cl->n].p[len] = '\0';
	cl->n++;
	return 0;
}

static const struct store_conn_ops rec_ops = {.send = rec_send};

static void cl_open(struct fx *f, struct cl *cl, uint16_t domid)
{
	cl->m = calloc(MAXMSG, sizeof(*cl->m));
	assert_non_null(cl->m);
	assert_int_equal(store_conn_new(f->st, domid, &rec_ops, cl, &cl->c), 0);
}

static void cl_close(struct cl *cl)
{
	store_conn_free(cl->c);
	cl->c = NULL;
	free(cl->m);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || store_new(NULL, &f->st) < 0)
		return -1;
	if (store_domain_introduce(f->st, 1, NULL) < 0 ||
	    store_domain_introduce(f->st, 2, NULL) < 0)
		return -1;
	cl_open(f, &f->d0, 0);
	cl_open(f, &f->g1, 1);
	cl_open(f, &f->g2, 2);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	cl_close(&f->d0);
	cl_close(&f->g1);
	cl_close(&f->g2);
	store_free(f->st);
	free(f);
	return 0;
}

/* ---- helpers ------------------------------------------------------------- */

/* Send one request; return its reply (exactly one must come). */
static struct msg *call(struct cl *cl, uint32_t type, uint32_t tx,
			const void *p, size_t len)
{
	struct xsd_sockmsg h = {.type = type,
				.req_id = ++next_req,
				.tx_id = tx,
				.len = (uint32_t)len};
	struct msg *reply = NULL;
	size_t i, before = cl->n;

	assert_int_equal(store_request(cl->c, &h, p), 0);
	store_conn_delivered(cl->c, 1);
	for (i = before; i < cl->n; i++) {
		if (cl->m[i].h.type == XS_WATCH_EVENT)
			continue;
		assert_null(reply);
		reply = &cl->m[i];
		assert_int_equal(reply->h.req_id, h.req_id);
		assert_int_equal(reply->h.tx_id, tx);
	}
	assert_non_null(reply);
	return reply;
}

/* Payload literals carry their NULs: P("a\0b") is 3 bytes. */
#define P(lit)		      lit, sizeof(lit) - 1
#define C(cl, type, lit)      call(cl, type, 0, P(lit))
#define CT(cl, type, tx, lit) call(cl, type, tx, P(lit))

static void is_ok(const struct msg *m)
{
	if (m->h.type == XS_ERROR)
		fail_msg("error reply %s", m->p);
	assert_int_equal(m->h.len, 3);
	assert_string_equal(m->p, "OK");
}

static void is_err(const struct msg *m, const char *name)
{
	assert_int_equal(m->h.type, XS_ERROR);
	assert_string_equal(m->p, name);
	assert_int_equal(m->h.len, strlen(name) + 1);
}

/* The reply's payload is exactly the literal's bytes (NULs included). */
static void is_bytes(const struct msg *m, const char *v, size_t len)
{
	if (m->h.type == XS_ERROR)
		fail_msg("error reply %s", m->p);
	assert_int_equal(m->h.len, len);
	assert_memory_equal(m->p, v, len);
}

#define is_val(m, lit) is_bytes(m, lit, sizeof(lit) - 1)

/* Events since the last clear matching path and token. */
static unsigned int events(struct cl *cl, const char *path, const char *tok)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < cl->n; i++) {
		struct msg *m = &cl->m[i];

		if (m->h.type != XS_WATCH_EVENT)
			continue;
		assert_int_equal(m->h.len, strlen(m->p) +
					       strlen(m->p + strlen(m->p) + 1) +
					       2);
		if ((!path || strcmp(m->p, path) == 0) &&
		    (!tok || strcmp(m->p + strlen(m->p) + 1, tok) == 0))
			n++;
	}
	return n;
}

static void clear(struct cl *cl)
{
	cl->n = 0;
}

static uint32_t tx_begin(struct cl *cl)
{
	struct msg *m = C(cl, XS_TRANSACTION_START, "\0");

	assert_int_equal(m->h.type, XS_TRANSACTION_START);
	return (uint32_t)strtoul(m->p, NULL, 10);
}

/* ---- the tree ------------------------------------------------------------ */

static void initial_tree(void **state)
{
	struct fx *f = *state;

	is_val(C(&f->d0, XS_DIRECTORY, "/\0"), "local\0tool\0");
	is_val(C(&f->d0, XS_GET_PERMS, "/\0"), "n0\0");
	is_val(C(&f->d0, XS_GET_PERMS, "/tool\0"), "n0\0");
	is_val(C(&f->d0, XS_GET_PERMS, "/local/domain/1\0"), "n0\0r1\0");
	is_val(C(&f->d0, XS_GET_PERMS, "/local/domain/1/data\0"), "n1\0");
	is_val(C(&f->d0, XS_READ, "/local\0"), "");
}

static void read_write_mkdir(void **state)
{
	struct fx *f = *state;

	is_ok(C(&f->d0, XS_WRITE, "/tool/a/b/c\0hello"));
	is_val(C(&f->d0, XS_READ, "/tool/a/b/c\0"), "hello");
	is_val(C(&f->d0, XS_READ, "/tool/a/b\0"), "");
	/* Values are raw bytes: NULs and all. */
	is_ok(C(&f->d0, XS_WRITE, "/tool/bin\0x\0y"));
	assert_int_equal(C(&f->d0, XS_READ, "/tool/bin\0")->h.len, 3);
	is_ok(C(&f->d0, XS_WRITE, "/tool/a/b/c\0"));
	is_val(C(&f->d0, XS_READ, "/tool/a/b/c\0"), "");
	is_ok(C(&f->d0, XS_MKDIR, "/tool/m/n\0"));
	is_ok(C(&f->d0, XS_MKDIR, "/tool/a\0")); /* exists: fine, unchanged */
	is_val(C(&f->d0, XS_DIRECTORY, "/tool/a\0"), "b\0");
	is_val(C(&f->d0, XS_DIRECTORY, "/tool\0"), "a\0bin\0m\0");
	is_err(C(&f->d0, XS_READ, "/tool/none\0"), "ENOENT");
	is_err(C(&f->d0, XS_DIRECTORY, "/tool/none\0"), "ENOENT");
}

static void rm_subtree(void **state)
{
	struct fx *f = *state;

	is_ok(C(&f->d0, XS_WRITE, "/tool/a/b/c\0v"));
	is_ok(C(&f->d0, XS_RM, "/tool/a\0"));
	is_err(C(&f->d0, XS_READ, "/tool/a/b/c\0"), "ENOENT");
	is_err(C(&f->d0, XS_READ, "/tool/a\0"), "ENOENT");
	is_val(C(&f->d0, XS_DIRECTORY, "/tool\0"), "");
	/* A missing child of an existing node: fine; deeper: ENOENT. */
	is_ok(C(&f->d0, XS_RM, "/tool/a\0"));
	is_err(C(&f->d0, XS_RM, "/tool/a/b\0"), "ENOENT");
	is_err(C(&f->d0, XS_RM, "/\0"), "EINVAL");
}

static void relative_paths_and_domain_path(void **state)
{
	struct fx *f = *state;

	is_ok(C(&f->g1, XS_WRITE, "data/x\0one"));
	is_val(C(&f->d0, XS_READ, "/local/domain/1/data/x\0"), "one");
	is_val(C(&f->g1, XS_READ, "/local/domain/1/data/x\0"), "one");
	is_val(C(&f->g1, XS_GET_DOMAIN_PATH, "1\0"), "/local/domain/1\0");
	is_val(C(&f->g1, XS_GET_DOMAIN_PATH, "7\0"), "/local/domain/7\0");
	is_err(C(&f->g1, XS_GET_DOMAIN_PATH, "x\0"), "EINVAL");
	is_err(C(&f->g1, XS_GET_DOMAIN_PATH, "70000\0"), "EINVAL");
	/* dom0's relative paths are under /local/domain/0. */
	is_ok(C(&f->d0, XS_WRITE, "rel\0v"));
	is_val(C(&f->d0, XS_READ, "/local/domain/0/rel\0"), "v");
}

/* ---- hostile input ----------------------------------------------------------
 */

static void hostile_payload_shapes(void **state)
{
	struct fx *f = *state;

	is_err(call(&f->g1, XS_READ, 0, NULL, 0), "EINVAL");
	is_err(C(&f->g1, XS_READ, "data"), "EINVAL");	   /* no NUL */
	is_err(C(&f->g1, XS_READ, "data\0x\0"), "EINVAL"); /* two strings */
	is_err(C(&f->g1, XS_READ, "data\0x"), "EINVAL");
	is_err(C(&f->g1, XS_WRITE, "data/x"), "EINVAL"); /* no NUL at all */
	is_err(C(&f->g1, XS_WATCH, "data\0"), "EINVAL"); /* no token */
	is_err(C(&f->g1, XS_WATCH, "data\0tok"), "EINVAL");
	is_err(C(&f->g1, XS_SET_PERMS, "data\0"), "EINVAL");
	is_err(C(&f->g1, XS_DIRECTORY_PART, "data\0"), "EINVAL");
	is_err(C(&f->g1, XS_DIRECTORY_PART, "data\0x\0"), "EINVAL");
	is_err(C(&f->g1, XS_DIRECTORY_PART, "data\0-1\0"), "EINVAL");
	is_err(C(&f->g1, XS_TRANSACTION_END, "\0"), "EINVAL");
	is_err(C(&f->d0, XS_INTRODUCE, "5\0"), "EINVAL");
	is_err(C(&f->d0, XS_INTRODUCE,
		 "0\0"
		 "1\0"
		 "2\0"),
	       "EINVAL");
	is_err(C(&f->d0, XS_INTRODUCE,
		 "5\0x\0"
		 "2\0"),
	       "EINVAL");
	is_err(C(&f->d0, XS_RELEASE, "\0"), "EINVAL");
}

static void hostile_paths(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = {
	    "data//x",	 "data/x/",	     "/",	    "", "data/a b",
	    "data/\x80", "@introduceDomain", "/tool/@x/../"};
	char big[XENSTORE_PAYLOAD_MAX];
	size_t i, l;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		l = strlen(bad[i]) + 1;
		memcpy(big, bad[i], l);
		memcpy(big + l, "v", 1);
		if (strcmp(bad[i], "/") != 0)
			is_err(call(&f->g1, XS_WRITE, 0, big, l + 1), "EINVAL");
		is_err(call(&f->g1, XS_READ, 0, big, l),
		       strcmp(bad[i], "/") ? "EINVAL" : "EACCES");
	}
	/* Longer than an absolute path may be: EINVAL (ENAMETOOLONG has no
	 * name on the wire). */
	big[0] = '/';
	memset(big + 1, 'a', 3100);
	big[3101] = '\0';
	is_err(call(&f->d0, XS_WRITE, 0, big, 3103), "EINVAL");
	/* A guest's relative path over its quota (2048). */
	memcpy(big, "data/", 5);
	memset(big + 5, 'b', 2100);
	big[2105] = '\0';
	is_err(call(&f->g1, XS_WRITE, 0, big, 2106), "EINVAL");
}

static void deep_paths(void **state)
{
	struct fx *f = *state;
	char p[XENSTORE_ABS_PATH_MAX + 1];
	size_t l = 0;

	/* 1500 levels as dom0: created, readable, removed in one go. */
	while (l + 2 <= 3000) {
		p[l++] = '/';
		p[l++] = 'd';
	}
	p[l] = '\0';
	assert_int_equal(store_write(f->st, p, "deep", 4), 0);
	is_val(call(&f->d0, XS_READ, 0, p, l + 1), "deep");
	is_ok(C(&f->d0, XS_RM, "/d\0"));
	is_err(call(&f->d0, XS_READ, 0, p, l + 1), "ENOENT");
	/* A guest's deep path runs into its node quota, and nothing of it
	 * stays. */
	memcpy(p, "data", 4);
	for (l = 4; l + 2 < 2040; l += 2)
		memcpy(p + l, "/e", 2);
	p[l] = '\0';
	is_err(call(&f->g1, XS_WRITE, 0, p, l + 1), "ENOSPC");
	is_val(C(&f->g1, XS_DIRECTORY, "data\0"), "");
}

static void unknown_and_unsupported_types(void **state)
{
	struct fx *f = *state;

	is_err(call(&f->d0, 999, 0, P("x\0")), "EINVAL");
	is_err(call(&f->d0, XS_WATCH_EVENT, 0, P("x\0t\0")), "EINVAL");
	is_err(call(&f->d0, XS_ERROR, 0, P("EINVAL\0")), "EINVAL");
	is_err(C(&f->d0, XS_CONTROL, "print\0"), "ENOSYS");
	is_err(C(&f->d0, XS_RESUME, "1\0"), "ENOSYS");
	is_err(C(&f->d0, XS_SET_TARGET,
		 "1\0"
		 "2\0"),
	       "ENOSYS");
	is_err(C(&f->g1, XS_CONTROL, "print\0"), "EACCES");
	is_err(C(&f->g1, XS_SET_TARGET,
		 "1\0"
		 "2\0"),
	       "EACCES");
	is_err(C(&f->g1, XS_INTRODUCE,
		 "5\0"
		 "1\0"
		 "2\0"),
	       "EACCES");
	is_err(C(&f->g1, XS_RELEASE, "2\0"), "EACCES");
}

/* ---- permissions
 * ------------------------------------------------------------- */

static void perms_guest_isolation(void **state)
{
	struct fx *f = *state;

	is_ok(C(&f->g2, XS_WRITE, "data/secret\0s"));
	is_err(C(&f->g1, XS_READ, "/local/domain/2/data/secret\0"), "EACCES");
	is_err(C(&f->g1, XS_DIRECTORY, "/local/domain/2/data\0"), "EACCES");
	is_err(C(&f->g1, XS_GET_PERMS, "/local/domain/2/data\0"), "EACCES");
	/* A missing node behind a hidden one is not told apart. */
	is_err(C(&f->g1, XS_READ, "/local/domain/2/data/none\0"), "EACCES");
	is_err(C(&f->g1, XS_WRITE, "/local/domain/2/data/x\0v"), "EACCES");
	is_err(C(&f->g1, XS_MKDIR, "/local/domain/2/data/x\0"), "EACCES");
	is_err(C(&f->g1, XS_RM, "/local/domain/2/data/secret\0"), "EACCES");
	is_err(C(&f->g1, XS_SET_PERMS, "/local/domain/2/data/secret\0b1\0"),
	       "EACCES");
	/* Its own home is readable, not writable; dom0's trees neither. */
	is_val(C(&f->g1, XS_DIRECTORY, "device\0"), "");
	is_err(C(&f->g1, XS_WRITE, "name\0evil"), "EACCES");
	is_err(C(&f->g1, XS_WRITE, "/tool/x\0v"), "EACCES");
	is_err(C(&f->g1, XS_READ, "/tool\0"), "EACCES");
	is_val(C(&f->g2, XS_READ, "data/secret\0"), "s");
}

static void perms_inherit_and_owner(void **state)
{
	struct fx *f = *state;

	/* A guest owns what it creates; dom0 writing there keeps it so. */
	is_ok(C(&f->g1, XS_WRITE, "data/a/b\0v"));
	is_val(C(&f->g1, XS_GET_PERMS, "data/a/b\0"), "n1\0");
	is_ok(C(&f->d0, XS_WRITE, "/local/domain/1/data/a/c\0v"));
	is_val(C(&f->d0, XS_GET_PERMS, "/local/domain/1/data/a/c\0"), "n1\0");
	/* The owner shares it; the list is inherited below. */
	is_ok(C(&f->g1, XS_SET_PERMS, "data/a\0n1\0r2\0"));
	is_val(C(&f->g1, XS_GET_PERMS, "data/a\0"), "n1\0r2\0");
	is_ok(C(&f->g1, XS_WRITE, "data/a/new\0v"));
	is_val(C(&f->g1, XS_GET_PERMS, "data/a/new\0"), "n1\0r2\0");
	is_val(C(&f->g2, XS_READ, "/local/domain/1/data/a/new\0"), "v");
	is_err(C(&f->g2, XS_WRITE, "/local/domain/1/data/a/new\0x"), "EACCES");
	/* r2 on a does not reach the older b (its own list, "n1"). */
	is_err(C(&f->g2, XS_READ, "/local/domain/1/data/a/b\0"), "EACCES");
	/* Guest 2 creating where it may write: the node is its own. */
	is_ok(C(&f->g1, XS_SET_PERMS, "data/a\0n1\0b2\0"));
	is_ok(C(&f->g2, XS_WRITE, "/local/domain/1/data/a/g2\0v"));
	/* ...and guest 1, listed nowhere, no longer sees it. */
	is_err(C(&f->g1, XS_GET_PERMS, "data/a/g2\0"), "EACCES");
	is_val(C(&f->d0, XS_GET_PERMS, "/local/domain/1/data/a/g2\0"),
	       "n2\0b2\0");
	/* Only dom0 gives nodes away; others may not change lists. */
	is_err(C(&f->g1, XS_SET_PERMS, "data/a\0n2\0"), "EPERM");
	is_err(C(&f->g2, XS_SET_PERMS, "/local/domain/1/data/a\0n1\0b2\0"),
	       "EACCES");
	is_ok(C(&f->d0, XS_SET_PERMS, "/local/domain/1/data/a\0r2\0"));
	is_val(C(&f->g1, XS_READ, "data/a\0"), ""); /* r2: others read */
}

static void perms_hostile_lists(void **state)
{
	struct fx *f = *state;

	is_ok(C(&f->g1, XS_WRITE, "data/p\0v"));
	is_err(C(&f->g1, XS_SET_PERMS, "data/p\0x1\0"), "EINVAL");
	is_err(C(&f->g1, XS_SET_PERMS, "data/p\0r\0"), "EINVAL");
	is_err(C(&f->g1, XS_SET_PERMS, "data/p\0r99999\0"), "EINVAL");
	is_err(C(&f->g1, XS_SET_PERMS, "data/p\0r1x\0"), "EINVAL");
	is_err(C(&f->g1, XS_SET_PERMS, "data/p\0n1\0r2"), "EINVAL");
	/* Permission lists are capped for guests (5). */
	is_err(C(&f->g1, XS_SET_PERMS, "data/p\0n1\0r2\0r3\0r4\0r5\0r6\0"),
	       "ENOSPC");
	is_ok(C(&f->g1, XS_SET_PERMS, "data/p\0n1\0r2\0r3\0r4\0r5\0"));
	is_err(C(&f->g1, XS_SET_PERMS, "data/none\0n1\0"), "ENOENT");
}

/* ---- watches
 * ----------------------------------------------------------------- */

static void watch_initial_children_siblings(void **state)
{
	struct fx *f = *state;

	is_ok(C(&f->d0, XS_WATCH, "/tool/a\0tok\0"));
	assert_int_equal(events(&f->d0, "/tool/a", "tok"), 1); /* initial */
	assert_int_equal(f->d0.m[0].h.type, XS_WATCH); /* after the OK */
	clear(&f->d0);
	is_ok(C(&f->d0, XS_WRITE, "/tool/a\0v"));
	is_ok(C(&f->d0, XS_WRITE, "/tool/a/b/c\0v"));
	is_ok(C(&f->d0, XS_WRITE, "/tool/ab\0v")); /* a sibling, not a child */
	is_ok(C(&f->d0, XS_MKDIR, "/tool/a/m\0"));
	is_ok(C(&f->d0, XS_MKDIR, "/tool/a/m\0")); /* no change, no event */
	is_ok(C(&f->d0, XS_SET_PERMS, "/tool/a/m\0n0\0r1\0"));
	assert_int_equal(events(&f->d0, NULL, NULL), 4);
	assert_int_equal(events(&f->d0, "/tool/a", "tok"), 1);
	assert_int_equal(events(&f->d0, "/tool/a/b/c", "tok"), 1);
	assert_int_equal(events(&f->d0, "/tool/a/m", "tok"), 2);
	/* Events carry req_id 0 and no transaction. */
	assert_int_equal(f->d0.m[0].h.type, XS_WATCH_EVENT);
	assert_int_equal(f->d0.m[0].h.req_id, 0);
	assert_int_equal(f->d0.m[0].h.tx_id, 0);
}

static void watch_tokens_dup_unwatch_reset(void **state)
{
	struct fx *f = *state;

	is_ok(C(&f->d0, XS_WATCH, "/tool\0one\0"));
	is_ok(C(&f->d0, XS_WATCH, "/tool\0two\0"));
	is_err(C(&f->d0, XS_WATCH, "/tool\0one\0"), "EEXIST");
	clear(&f->d0);
	is_ok(C(&f->d0, XS_WRITE, "/tool/x\0v"));
	assert_int_equal(events(&f->d0, "/tool/x", "one"), 1);
	assert_int_equal(events(&f->d0, "/tool/x", "two"), 1);
	is_ok(C(&f->d0, XS_UNWATCH, "/tool\0one\0"));
	is_err(C(&f->d0, XS_UNWATCH, "/tool\0one\0"), "ENOENT");
	is_err(C(&f->d0, XS_UNWATCH, "/tool\0three\0"), "ENOENT");
	clear(&f->d0);
	is_ok(C(&f->d0, XS_WRITE, "/tool/x\0w"));
	assert_int_equal(events(&f->d0, NULL, "one"), 0);
	assert_int_equal(events(&f->d0, NULL, "two"), 1);
	is_ok(C(&f->d0, XS_RESET_WATCHES, "\0"));
	clear(&f->d0);
	is_ok(C(&f->d0, XS_WRITE, "/tool/x\0z"));
	assert_int_equal(events(&f->d0, NULL, NULL), 0);
}

static void watch_relative_paths(void **state)
{
	struct fx *f = *state;

	is_ok(C(&f->g1, XS_WATCH, "data\0rel\0"));
	assert_int_equal(events(&f->g1, "data", "rel"), 1);
	clear(&f->g1);
	is_ok(C(&f->g1, XS_WRITE, "data/k\0v"));
	is_ok(C(&f->d0, XS_WRITE, "/local/domain/1/data/k/l\0v"));
	assert_int_equal(events(&f->g1, "data/k", "rel"), 1);
	assert_int_equal(events(&f->g1, "data/k/l", "rel"), 1);
	assert_int_equal(events(&f->g1, NULL, NULL), 2);
	/* Unwatch by either spelling. */
	is_ok(C(&f->g1, XS_UNWATCH, "/local/domain/1/data\0rel\0"));
}

static void watch_rm_fires_removed_children(void **state)
{
	struct fx *f = *state;

	is_ok(C(&f->d0, XS_WRITE, "/tool/r/a/b\0v"));
	is_ok(C(&f->d0, XS_WATCH, "/tool/r/a/b\0deep\0"));
	is_ok(C(&f->d0, XS_WATCH, "/tool/r\0top\0"));
	is_ok(C(&f->d0, XS_WATCH, "/tool\0up\0"));
	clear(&f->d0);
	is_ok(C(&f->d0, XS_RM, "/tool/r\0"));
	assert_int_equal(events(&f->d0, "/tool/r/a/b", "deep"), 1);
	assert_int_equal(events(&f->d0, "/tool/r", "top"), 1);
	assert_int_equal(events(&f->d0, "/tool/r", "up"), 1);
	assert_int_equal(events(&f->d0, NULL, NULL), 3);
	/* Removing what is not there tells nobody. */
	clear(&f->d0);
	is_ok(C(&f->d0, XS_RM, "/tool/r\0"));
	assert_int_equal(events(&f->d0, NULL, NULL), 0);
}

static void watch_denied_nodes_stay_silent(void **state)
{
	struct fx *f = *state;

	is_ok(C(&f->g2, XS_WATCH, "/local/domain/1\0spy\0"));
	is_ok(C(&f->g2, XS_WATCH, "/\0all\0"));
	clear(&f->g2);
	is_ok(C(&f->g1, XS_WRITE, "data/private\0v"));
	is_ok(C(&f->g1, XS_RM, "data/private\0"));
	is_ok(C(&f->d0, XS_WRITE, "/tool/t\0v"));
	assert_int_equal(events(&f->g2, NULL, NULL), 0);
	/* Once shared, it hears. */
	is_ok(C(&f->g1, XS_WRITE, "data/shared\0v"));
	is_ok(C(&f->g1, XS_SET_PERMS, "data/shared\0n1\0r2\0"));
	clear(&f->g2);
	is_ok(C(&f->g1, XS_WRITE, "data/shared\0w"));
	assert_int_equal(events(&f->g2, "/local/domain/1/data/shared", "spy"),
			 1);
	assert_int_equal(events(&f->g2, "/local/domain/1/data/shared", "all"),
			 1);
}

static void watch_special_introduce_release(void **state)
{
	struct fx *f = *state;

	is_ok(C(&f->d0, XS_WATCH, "@introduceDomain\0in\0"));
	is_ok(C(&f->d0, XS_WATCH, "@releaseDomain\0out\0"));
	is_ok(C(&f->g1, XS_WATCH, "@releaseDomain\0out\0"));
	assert_int_equal(events(&f->g1, "@releaseDomain", "out"), 1);
	clear(&f->d0);
	clear(&f->g1);
	assert_int_equal(store_domain_introduce(f->st, 3, "demo"), 0);
	assert_int_equal(events(&f->d0, "@introduceDomain", "in"), 1);
	assert_true(store_domain_introduced(f->st, 3));
	/* its name and domid, dom0's and read-only to it, as xl writes them */
	is_val(C(&f->d0, XS_READ, "/local/domain/3/name\0"), "demo");
	is_val(C(&f->d0, XS_READ, "/local/domain/3/domid\0"), "3");
	is_val(C(&f->d0, XS_GET_PERMS, "/local/domain/3/name\0"), "n0\0r3\0");
	is_err(C(&f->g1, XS_READ, "/local/domain/3/name\0"), "EACCES");
	is_val(C(&f->g1, XS_IS_DOMAIN_INTRODUCED, "3\0"), "T\0");
	assert_int_equal(store_domain_release(f->st, 3), 0);
	assert_int_equal(events(&f->d0, "@releaseDomain", "out"), 1);
	assert_int_equal(events(&f->g1, NULL, NULL), 0); /* not privileged */
	is_err(C(&f->g1, XS_GET_PERMS, "@releaseDomain\0"), "EACCES");
	is_err(C(&f->g1, XS_SET_PERMS, "@releaseDomain\0n1\0"), "EACCES");
	/* dom0 grants it: the guest hears the next one. */
	is_ok(C(&f->d0, XS_SET_PERMS, "@releaseDomain\0n0\0r1\0"));
	is_val(C(&f->g1, XS_GET_PERMS, "@releaseDomain\0"), "n0\0r1\0");
	/* By request too: INTRODUCE / RELEASE from dom0. */
	clear(&f->d0);
	is_ok(C(&f->d0, XS_INTRODUCE,
		"5\0"
		"1234\0"
		"7\0"));
	is_ok(C(&f->d0, XS_INTRODUCE,
		"5\0"
		"1234\0"
		"7\0")); /* no 2nd event */
	assert_int_equal(events(&f->d0, "@introduceDomain", "in"), 1);
	is_val(C(&f->d0, XS_IS_DOMAIN_INTRODUCED, "5\0"), "T\0");
	is_ok(C(&f->d0, XS_RELEASE, "5\0"));
	assert_int_equal(events(&f->g1, "@releaseDomain", "out"), 1);
	is_val(C(&f->d0, XS_IS_DOMAIN_INTRODUCED, "5\0"), "F\0");
	is_err(C(&f->d0, XS_RELEASE, "5\0"), "ENOENT");
	is_val(C(&f->d0, XS_IS_DOMAIN_INTRODUCED, "0\0"), "T\0");
	is_err(C(&f->d0, XS_IS_DOMAIN_INTRODUCED, "zz\0"), "EINVAL");
}

/* ---- transactions
 * ------------------------------------------------------------- */

static void tx_isolation_and_commit(void **state)
{
	struct fx *f = *state;
	uint32_t t;

	is_ok(C(&f->d0, XS_WATCH, "/tool\0w\0"));
	t = tx_begin(&f->d0);
	assert_int_not_equal(t, 0);
	clear(&f->d0);
	is_ok(CT(&f->d0, XS_WRITE, t, "/tool/x/y\0in"));
	is_val(CT(&f->d0, XS_READ, t, "/tool/x/y\0"), "in");
	is_val(CT(&f->d0, XS_DIRECTORY, t, "/tool/x\0"), "y\0");
	is_err(C(&f->d0, XS_READ, "/tool/x/y\0"), "ENOENT");
	assert_int_equal(events(&f->d0, NULL, NULL), 0); /* not before */
	is_ok(CT(&f->d0, XS_TRANSACTION_END, t, "T\0"));
	assert_int_equal(events(&f->d0, "/tool/x/y", "w"), 1);
	is_val(C(&f->d0, XS_READ, "/tool/x/y\0"), "in");
	is_err(CT(&f->d0, XS_READ, t, "/tool/x/y\0"), "ENOENT"); /* gone */
	/* Aborted: nothing happened. */
	t = tx_begin(&f->d0);
	clear(&f->d0);
	is_ok(CT(&f->d0, XS_RM, t, "/tool/x\0"));
	is_err(CT(&f->d0, XS_READ, t, "/tool/x/y\0"), "ENOENT");
	is_ok(CT(&f->d0, XS_TRANSACTION_END, t, "F\0"));
	is_val(C(&f->d0, XS_READ, "/tool/x/y\0"), "in");
	assert_int_equal(events(&f->d0, NULL, NULL), 0);
}

static void tx_conflict_eagain(void **state)
{
	struct fx *f = *state;
	uint32_t t, u;

	is_ok(C(&f->g1, XS_WRITE, "data/c\0v0"));
	t = tx_begin(&f->g1);
	is_val(CT(&f->g1, XS_READ, t, "data/c\0"), "v0");
	is_ok(CT(&f->g1, XS_WRITE, t, "data/d\0mine"));
	is_ok(C(&f->d0, XS_WRITE, "/local/domain/1/data/c\0v1"));
	is_err(CT(&f->g1, XS_TRANSACTION_END, t, "T\0"), "EAGAIN");
	is_err(C(&f->g1, XS_READ, "data/d\0"), "ENOENT");
	/* Unrelated changes do not conflict. */
	t = tx_begin(&f->g1);
	is_ok(CT(&f->g1, XS_WRITE, t, "data/c\0v2"));
	is_ok(C(&f->g2, XS_WRITE, "data/z\0v"));
	is_ok(CT(&f->g1, XS_TRANSACTION_END, t, "T\0"));
	is_val(C(&f->g1, XS_READ, "data/c\0"), "v2");
	/* Two transactions writing the same node: the second loses. */
	t = tx_begin(&f->g1);
	u = tx_begin(&f->g1);
	assert_int_not_equal(t, u);
	is_ok(CT(&f->g1, XS_WRITE, t, "data/c\0t"));
	is_ok(CT(&f->g1, XS_WRITE, u, "data/c\0u"));
	is_ok(CT(&f->g1, XS_TRANSACTION_END, t, "T\0"));
	is_err(CT(&f->g1, XS_TRANSACTION_END, u, "T\0"), "EAGAIN");
	is_val(C(&f->g1, XS_READ, "data/c\0"), "t");
	/* A node seen absent and then created elsewhere conflicts too. */
	t = tx_begin(&f->g1);
	is_err(CT(&f->g1, XS_READ, t, "data/new\0"), "ENOENT");
	is_ok(C(&f->g1, XS_WRITE, "data/new\0x"));
	is_err(CT(&f->g1, XS_TRANSACTION_END, t, "T\0"), "EAGAIN");
}

static void tx_hostile_ids(void **state)
{
	struct fx *f = *state;
	uint32_t t;

	is_err(CT(&f->g1, XS_READ, 77, "data\0"), "ENOENT");
	is_err(CT(&f->g1, XS_TRANSACTION_END, 77, "T\0"), "ENOENT");
	is_err(C(&f->g1, XS_TRANSACTION_END, "T\0"), "ENOENT");
	t = tx_begin(&f->g1);
	is_err(CT(&f->g1, XS_TRANSACTION_START, t, "\0"), "EBUSY");
	is_err(CT(&f->g1, XS_TRANSACTION_END, t, "X\0"), "EINVAL");
	is_err(CT(&f->g1, XS_TRANSACTION_END, t, "TT\0"), "EINVAL");
	/* Another client's id is not ours. */
	is_err(CT(&f->g2, XS_READ, t, "data\0"), "ENOENT");
	/* WATCH ignores the id. */
	is_ok(CT(&f->g1, XS_WATCH, 999, "data\0t\0"));
	is_ok(CT(&f->g1, XS_TRANSACTION_END, t, "F\0"));
	/* Open ones die with the connection (ASan checks nothing leaks). */
	tx_begin(&f->g2);
	is_ok(CT(&f->g2, XS_WRITE, tx_begin(&f->g2), "data/q\0v"));
}

/* ---- quotas
 * ------------------------------------------------------------------- */

static void quota_nodes_and_others_keep_working(void **state)
{
	struct fx *f = *state;
	char p[64];
	unsigned int i, ok = 0;
	struct msg *m;

	for (i = 0; i < 1100; i++) {
		int l = snprintf(p, sizeof(p), "data/n%u", i);

		m = call(&f->g1, XS_WRITE, 0, p, (size_t)l + 1);
		if (m->h.type == XS_ERROR) {
			is_err(m, "ENOSPC");
			break;
		}
		ok++;
	}
	assert_true(ok > 900 && ok < 1000);
	is_err(C(&f->g1, XS_MKDIR, "data/more\0"), "ENOSPC");
	/* Writing existing nodes still works; removing frees room. */
	is_ok(C(&f->g1, XS_WRITE, "data/n0\0new"));
	is_ok(C(&f->g1, XS_RM, "data/n1\0"));
	is_ok(C(&f->g1, XS_WRITE, "data/more\0v"));
	/* The others are unaffected; dom0 has no node quota. */
	is_ok(C(&f->g2, XS_WRITE, "data/fine\0v"));
	for (i = 0; i < 1100; i++) {
		int l = snprintf(p, sizeof(p), "/tool/n%u", i);

		is_ok(call(&f->d0, XS_WRITE, 0, p, (size_t)l + 1));
	}
}

/* Two transactions that each fit the node quota alone must not both
 * commit: the second finds the room used. */
static void quota_nodes_rechecked_at_commit(void **state)
{
	struct fx *f = *state;
	char p[64];
	unsigned int i;
	uint32_t t, u;

	is_ok(C(&f->g1, XS_MKDIR, "data/a\0"));
	is_ok(C(&f->g1, XS_MKDIR, "data/b\0"));
	for (i = 0;; i++) {
		int l = snprintf(p, sizeof(p), "data/n%u", i);
		struct msg *m = call(&f->g1, XS_WRITE, 0, p, (size_t)l + 1);

		if (m->h.type == XS_ERROR)
			break;
	}
	is_ok(C(&f->g1, XS_RM, "data/n0\0"));
	is_ok(C(&f->g1, XS_RM, "data/n1\0"));
	t = tx_begin(&f->g1);
	u = tx_begin(&f->g1);
	is_ok(CT(&f->g1, XS_WRITE, t, "data/a/1\0v"));
	is_ok(CT(&f->g1, XS_WRITE, t, "data/a/2\0v"));
	is_ok(CT(&f->g1, XS_WRITE, u, "data/b/1\0v"));
	is_ok(CT(&f->g1, XS_WRITE, u, "data/b/2\0v"));
	is_ok(CT(&f->g1, XS_TRANSACTION_END, t, "T\0"));
	is_err(CT(&f->g1, XS_TRANSACTION_END, u, "T\0"), "ENOSPC");
	is_err(C(&f->g1, XS_READ, "data/b/1\0"), "ENOENT");
	is_err(C(&f->g1, XS_WRITE, "data/c\0v"), "ENOSPC");
}

static void quota_value_size(void **state)
{
	struct fx *f = *state;
	static char buf[16 + 3000];

	memcpy(buf, "data/v\0", 7);
	memset(buf + 7, 'x', 2049);
	is_err(call(&f->g1, XS_WRITE, 0, buf, 7 + 2049), "ENOSPC");
	is_err(C(&f->g1, XS_READ, "data/v\0"), "ENOENT");
	is_ok(call(&f->g1, XS_WRITE, 0, buf, 7 + 2048));
	is_ok(call(&f->d0, XS_WRITE, 0, P("/tool/big\0")));
	memcpy(buf, "/tool/big\0", 10);
	memset(buf + 10, 'y', 3000);
	is_ok(call(&f->d0, XS_WRITE, 0, buf, 10 + 3000));
}

static void quota_watches(void **state)
{
	struct fx *f = *state;
	char p[64];
	unsigned int i;

	for (i = 0; i < 128; i++) {
		int l = snprintf(p, sizeof(p), "data%c%u", '\0', i);

		is_ok(call(&f->g1, XS_WATCH, 0, p, (size_t)l + 1));
	}
	is_err(C(&f->g1, XS_WATCH, "data\0last\0"), "E2BIG");
	is_ok(C(&f->g1, XS_UNWATCH,
		"data\0"
		"5\0"));
	is_ok(C(&f->g1, XS_WATCH, "data\0last\0"));
	is_ok(C(&f->g2, XS_WATCH, "data\0mine\0"));
	/* dom0 is not limited. */
	for (i = 0; i < 200; i++) {
		int l = snprintf(p, sizeof(p), "/tool%c%u", '\0', i);

		is_ok(call(&f->d0, XS_WATCH, 0, p, (size_t)l + 1));
	}
}

static void quota_transactions(void **state)
{
	struct fx *f = *state;
	unsigned int i;

	for (i = 0; i < 10; i++)
		tx_begin(&f->g1);
	is_err(C(&f->g1, XS_TRANSACTION_START, "\0"), "ENOSPC");
	tx_begin(&f->g2);
	for (i = 0; i < 20; i++)
		tx_begin(&f->d0);
	/* Ending one makes room. */
	is_ok(CT(&f->g1, XS_TRANSACTION_END, 3, "F\0"));
	assert_int_not_equal(tx_begin(&f->g1), 0);
}

static void quota_outstanding_throttles(void **state)
{
	struct fx *f = *state;
	struct xsd_sockmsg h = {.type = XS_READ, .len = 5};
	unsigned int i;

	/* The transport delivers nothing: after 20 replies the guest is
	 * held, and its requests are refused without an answer. */
	for (i = 0; i < 20; i++) {
		assert_false(store_conn_throttled(f->g1.c));
		assert_int_equal(store_request(f->g1.c, &h, "data\0"), 0);
	}
	assert_true(store_conn_throttled(f->g1.c));
	assert_int_equal(store_request(f->g1.c, &h, "data\0"), -XEN_EBUSY);
	assert_int_equal(f->g1.n, 20);
	/* Others are fine; dom0 is never held. */
	is_val(C(&f->g2, XS_READ, "data\0"), "");
	store_conn_delivered(f->g1.c, 5);
	assert_false(store_conn_throttled(f->g1.c));
	is_val(C(&f->g1, XS_READ, "data\0"), "");
	store_conn_delivered(f->g1.c, 1000); /* over-reporting is harmless */
	assert_false(store_conn_throttled(f->g1.c));
}

/* ---- DIRECTORY_PART
 * ------------------------------------------------------------- */

static void directory_part_big_directory(void **state)
{
	struct fx *f = *state;
	char p[128], want[64];
	size_t off = 0, i, len;
	unsigned int got = 0, parts = 0;
	char gen[32] = "";
	struct msg *m;

	for (i = 0; i < 500; i++) {
		int l = snprintf(p, sizeof(p),
				 "/tool/big/child-with-a-long-name-%03zu", i);
		is_ok(call(&f->d0, XS_WRITE, 0, p, (size_t)l + 1));
	}
	is_err(C(&f->d0, XS_DIRECTORY, "/tool/big\0"), "E2BIG");
	for (;;) {
		int l = snprintf(p, sizeof(p), "/tool/big%c%zu", '\0', off);

		m = call(&f->d0, XS_DIRECTORY_PART, 0, p, (size_t)l + 1);
		assert_int_equal(m->h.type, XS_DIRECTORY_PART);
		parts++;
		if (!gen[0])
			strcpy(gen, m->p);
		assert_string_equal(m->p, gen); /* unchanged between parts */
		i = strlen(m->p) + 1;
		len = m->h.len;
		while (i < len && m->p[i]) {
			snprintf(want, sizeof(want),
				 "child-with-a-long-name-%03u", got++);
			assert_string_equal(m->p + i, want);
			off += strlen(m->p + i) + 1;
			i += strlen(m->p + i) + 1;
		}
		if (i < len) { /* the empty string: complete */
			assert_int_equal(i + 1, len);
			break;
		}
		assert_true(parts < 10);
	}
	assert_int_equal(got, 500);
	assert_true(parts >= 3);
	/* Past the end: just the generation and the end mark. */
	m = C(&f->d0, XS_DIRECTORY_PART,
	      "/tool/big\0"
	      "999999\0");
	assert_int_equal(m->h.len, strlen(gen) + 2);
	/* A change moves the generation on. */
	is_ok(C(&f->d0, XS_WRITE, "/tool/big/one-more\0"));
	m = C(&f->d0, XS_DIRECTORY_PART,
	      "/tool/big\0"
	      "0\0");
	assert_string_not_equal(m->p, gen);
	is_err(C(&f->g1, XS_DIRECTORY_PART,
		 "/tool/big\0"
		 "0\0"),
	       "EACCES");
	/* A small directory in one part. */
	m = C(&f->d0, XS_DIRECTORY_PART,
	      "/local\0"
	      "0\0");
	i = strlen(m->p) + 1;
	assert_int_equal(m->h.len, i + 8);
	assert_memory_equal(m->p + i, "domain\0", 8);
}

/* ---- domains and pvhv's own calls
 * ---------------------------------------------- */

static void domain_release_drops_state(void **state)
{
	struct fx *f = *state;
	const struct store_perm mine[2] = {{1, STORE_PERM_NONE},
					   {2, STORE_PERM_READ}};
	const struct store_perm grant[2] = {{0, STORE_PERM_NONE},
					    {1, STORE_PERM_BOTH}};
	uint32_t t;

	is_ok(C(&f->g1, XS_WATCH, "data\0w\0"));
	t = tx_begin(&f->g1);
	assert_int_equal(store_write(f->st, "/tool/owned", "v", 1), 0);
	assert_int_equal(store_set_perms(f->st, "/tool/owned", mine, 2), 0);
	assert_int_equal(store_write(f->st, "/tool/granted", "v", 1), 0);
	assert_int_equal(store_set_perms(f->st, "/tool/granted", grant, 2), 0);
	assert_int_equal(store_domain_release(f->st, 1), 0);
	is_err(C(&f->d0, XS_READ, "/local/domain/1\0"), "ENOENT");
	is_val(C(&f->d0, XS_GET_PERMS, "/tool/owned\0"), "n0\0r2\0");
	is_val(C(&f->d0, XS_GET_PERMS, "/tool/granted\0"), "n0\0");
	is_err(CT(&f->g1, XS_TRANSACTION_END, t, "T\0"), "ENOENT");
	is_err(C(&f->g1, XS_UNWATCH, "data\0w\0"), "ENOENT");
	assert_false(store_domain_introduced(f->st, 1));
	/* A new domain 1 starts clean. */
	assert_int_equal(store_domain_introduce(f->st, 1, NULL), 0);
	is_err(C(&f->g1, XS_READ, "/tool/granted\0"), "EACCES");
	is_ok(C(&f->g1, XS_WRITE, "data/again\0v"));
}

static void dom0_api(void **state)
{
	struct fx *f = *state;
	const struct store_perm p[2] = {{1, STORE_PERM_NONE},
					{2, STORE_PERM_READ}};
	char buf[8];

	assert_int_equal(store_write(f->st, "/tool/api/k", "value", 5), 0);
	assert_int_equal(store_read(f->st, "/tool/api/k", buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "value", 5);
	assert_int_equal(store_read(f->st, "/tool/api/k", buf, 2), 5);
	assert_int_equal(store_read(f->st, "/tool/api/none", buf, 2),
			 -XEN_ENOENT);
	assert_int_equal(store_mkdir(f->st, "/tool/api/dir"), 0);
	assert_int_equal(store_set_perms(f->st, "/tool/api/dir", p, 2), 0);
	is_val(C(&f->g2, XS_GET_PERMS, "/tool/api/dir\0"), "n1\0r2\0");
	assert_int_equal(store_rm(f->st, "/tool/api"), 0);
	assert_int_equal(store_read(f->st, "/tool/api/k", buf, 2), -XEN_ENOENT);
	assert_int_equal(store_write(f->st, "relative", "v", 1), -XEN_EINVAL);
	assert_int_equal(store_write(f->st, "/bad//path", "v", 1), -XEN_EINVAL);
	assert_int_equal(store_set_perms(f->st, "/tool", p, 0), -XEN_EINVAL);
	assert_int_equal(store_domain_introduce(f->st, 0, NULL), -XEN_EINVAL);
	assert_int_equal(store_domain_release(f->st, 0), -XEN_EINVAL);
}

static void conn_free_with_state(void **state)
{
	struct fx *f = *state;
	struct cl extra = {0};

	cl_open(f, &extra, 2);
	is_ok(C(&extra, XS_WATCH, "data\0a\0"));
	is_ok(CT(&extra, XS_WRITE, tx_begin(&extra), "data/x\0v"));
	cl_close(&extra);
	/* The others' watches still fire, the closed one's do not. */
	is_ok(C(&f->g2, XS_WATCH, "data\0b\0"));
	clear(&f->g2);
	is_ok(C(&f->g2, XS_WRITE, "data/y\0v"));
	assert_int_equal(events(&f->g2, NULL, NULL), 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static const struct CMUnitTest tests[] = {
    T(initial_tree),
    T(read_write_mkdir),
    T(rm_subtree),
    T(relative_paths_and_domain_path),
    T(hostile_payload_shapes),
    T(hostile_paths),
    T(deep_paths),
    T(unknown_and_unsupported_types),
    T(perms_guest_isolation),
    T(perms_inherit_and_owner),
    T(perms_hostile_lists),
    T(watch_initial_children_siblings),
    T(watch_tokens_dup_unwatch_reset),
    T(watch_relative_paths),
    T(watch_rm_fires_removed_children),
    T(watch_denied_nodes_stay_silent),
    T(watch_special_introduce_release),
    T(tx_isolation_and_commit),
    T(tx_conflict_eagain),
    T(tx_hostile_ids),
    T(quota_nodes_and_others_keep_working),
    T(quota_nodes_rechecked_at_commit),
    T(quota_value_size),
    T(quota_watches),
    T(quota_transactions),
    T(quota_outstanding_throttles),
    T(directory_part_big_directory),
    T(domain_release_drops_state),
    T(dom0_api),
    T(conn_free_with_state),
};

PV_UNIT_MAIN("store_core (real store, recording transport)", tests)
