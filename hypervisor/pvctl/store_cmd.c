/*
 * store_cmd.c — `pvctl store SUBCOMMAND ...`: read, write, ls, rm, watch
 * and chmod on pvhv's store, for people without xenstore-utils.
 *
 * It talks to the store socket through libpvhv's store client (the
 * "store" section of pvkit/hv.h): blocking calls for the simple commands,
 * asynchronous ones where ls asks for all values of a directory at once.
 * What it prints follows Debian's xenstore-read and xenstore-ls byte for
 * byte (their value escapes, ls's indentation, widths and -p column), and
 * write takes xenstore-write's escapes, so scripts can switch between them.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "pvctl.h"

#define TX PVHV_STORE_TX_NONE

struct st {
	struct pvctl *c;
	const char *sub;	/* the subcommand */
	const char *usage;	/* its arguments */
	struct pvhv_store *s;
	char where[4200];	/* the socket, for messages */
};

/* ---- messages ------------------------------------------------------------ */

static const char *explain(int rc)
{
	switch (rc) {
	case -ENOENT: return "no such node";
	case -EACCES: return "permission denied";
	case -EPERM: return "not allowed";
	case -EINVAL: return "the store refused it as invalid";
	case -E2BIG: return "too big for one store message";
	case -ENOSPC: return "over a store quota";
	case -EEXIST: return "already exists";
	case -EAGAIN: return "the store was busy with a conflicting change";
	case -ECONNRESET: return "lost the connection to the store";
	case -EPROTO: return "the store's answer broke the protocol";
	default: return strerror(-rc);
	}
}

static const char *hint(int rc)
{
	switch (rc) {
	case -EACCES:
	case -EPERM:
		return "`pvctl store ls -p PARENT` shows the permissions";
	case -EINVAL:
		return "paths use A-Z a-z 0-9 _ - / @, with no '//' and no "
		       "trailing '/'";
	case -E2BIG:
		return "path and value together must fit in 4096 bytes";
	case -EAGAIN:
		return "try again";
	case -ECONNRESET:
		return "did pvhv stop? `pvctl list` checks";
	case -EPROTO:
		return "is XENSTORED_PATH pointing at pvhv's xenstored.sock?";
	default:
		return NULL;
	}
}

static void up(char *path);

/* "pvctl store SUB: what: problem (hint)"; returns PVCTL_FAIL. */
static int fail(struct st *t, int rc, const char *what)
{
	const char *h = hint(rc);

	fprintf(stderr, "pvctl store %s: %s: %s\n", t->sub, what, explain(rc));
	if (h)
		fprintf(stderr, "(%s)\n", h);
	return PVCTL_FAIL;
}

/* fail() for a request on path: a missing node points at its parent. */
static int fail_path(struct st *t, int rc, const char *path)
{
	char parent[4096];

	if (rc != -ENOENT)
		return fail(t, rc, path);
	fprintf(stderr, "pvctl store %s: %s: %s\n", t->sub, path, explain(rc));
	snprintf(parent, sizeof(parent), "%s", path);
	up(parent);
	if (path[0] != '/' && !parent[0])
		fprintf(stderr, "(a relative path is below /local/domain/0; "
				"`pvctl store ls /local/domain/0` shows what "
				"exists)\n");
	else
		fprintf(stderr, "(`pvctl store ls %s` shows what exists)\n",
			parent[0] ? parent : "/");
	return PVCTL_FAIL;
}

/* ---- connecting ---------------------------------------------------------- */

static void describe_socket(struct st *t)
{
	const char *env = getenv("XENSTORED_PATH");
	char dir[4096];

	if (t->c->rundir)
		snprintf(t->where, sizeof(t->where), "%s/xenstored.sock",
			 t->c->rundir);
	else if (env && *env)
		snprintf(t->where, sizeof(t->where), "%s (XENSTORED_PATH)",
			 env);
	else if (pvhv_default_rundir(dir, sizeof(dir)) == 0)
		snprintf(t->where, sizeof(t->where), "%s/xenstored.sock", dir);
	else
		snprintf(t->where, sizeof(t->where), "the store socket");
}

static int store_connect(struct st *t)
{
	int rc = pvhv_store_open(t->c->rundir, 0, &t->s);

	if (!rc)
		return 0;
	describe_socket(t);
	fprintf(stderr, "pvctl store: cannot connect to %s: %s\n", t->where,
		strerror(-rc));
	if (rc == -ENOENT || rc == -ECONNREFUSED)
		fprintf(stderr,
			"(is pvhv running? start it with `pvhv%s%s`%s)\n",
			t->c->rundir ? " --rundir " : "",
			t->c->rundir ? t->c->rundir : "",
			getenv("XENSTORED_PATH") && !t->c->rundir
				? ", or unset XENSTORED_PATH"
				: "");
	else if (rc == -EACCES || rc == -EPERM)
		fprintf(stderr, "(run pvctl as the user that started pvhv, or "
				"pass --rundir)\n");
	return PVCTL_FAIL;
}

/* ---- command lines ------------------------------------------------------- */

struct opt {
	char letter;	  /* -x */
	bool *set;	  /* a flag, or */
	const char **val; /* an option taking a value */
};

/* Options of argv[1..] (before "--" and the first operand... anywhere,
 * as getopt does on Linux) into opts, operands into pos (min..max).
 * Returns the operand count, or -1 after a usage message. */
static int parse(struct st *t, int argc, char **argv, const struct opt *opts,
		 char **pos, int min, int max)
{
	bool more_opts = true;
	int n = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct opt *o = opts;

		if (more_opts && !strcmp(a, "--")) {
			more_opts = false;
			continue;
		}
		if (!more_opts || a[0] != '-' || !a[1]) {
			if (n == max)
				return pvctl_usage(t->c, "%s: unexpected "
							 "argument '%s'",
						   t->sub, a),
				       -1;
			pos[n++] = argv[i];
			continue;
		}
		while (o && o->letter && (a[1] != o->letter || a[2]))
			o++;
		if (!o || !o->letter)
			return pvctl_usage(t->c, "%s: unknown option '%s'",
					   t->sub, a),
			       -1;
		if (o->set) {
			*o->set = true;
		} else if (i + 1 < argc) {
			*o->val = argv[++i];
		} else {
			return pvctl_usage(t->c, "%s: %s needs a value",
					   t->sub, a),
			       -1;
		}
	}
	if (n < min)
		return pvctl_usage(t->c, "%s: missing argument; usage: pvctl "
					 "store %s %s",
				   t->sub, t->sub, t->usage),
		       -1;
	return n;
}

/* ---- values as the xenstore tools show and take them --------------------- */

/* Printable with tab, newline and CR named, backslash doubled, bytes
 * 0-7 in octal and other control or non-ASCII bytes in hex.  Returns a
 * malloc'd string or NULL. */
static char *sanitise(const char *v, size_t len)
{
	char *out = malloc(len * 4 + 1), *p = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch == '\t' || ch == '\n' || ch == '\r' || ch == '\\') {
			*p++ = '\\';
			*p++ = ch == '\t' ? 't' : ch == '\n' ? 'n'
					 : ch == '\r' ? 'r' : '\\';
		} else if (ch < 8) {
			p += sprintf(p, "\\%03o", ch);
		} else if (ch < ' ' || ch > '~') {
			p += sprintf(p, "\\x%02x", ch);
		} else {
			*p++ = (char)ch;
		}
	}
	*p = '\0';
	return out;
}

static int digit_val(char ch, int base)
{
	int v = ch >= '0' && ch <= '9'	 ? ch - '0'
		: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
		: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
					 : 99;

	return v < base ? v : -1;
}

/* \t \n \r, \\, \ooo (1-3 octal digits), \xhh (1-2 hex digits); a
 * backslash before anything else is dropped.  In place; the new length. */
static size_t unescape(char *v)
{
	char *in = v, *out = v;

	while (*in) {
		int base = 0, max = 0, d, val = 0;

		if (*in != '\\' || !in[1]) {
			*out++ = *in++;
			continue;
		}
		in++;
		if (*in == 'x' && digit_val(in[1], 16) >= 0) {
			base = 16, max = 2, in++;
		} else if (digit_val(*in, 8) >= 0) {
			base = 8, max = 3;
		} else {
			*out++ = *in == 't' ? '\t' : *in == 'n' ? '\n'
						  : *in == 'r' ? '\r' : *in;
			in++;
			continue;
		}
		for (; max && (d = digit_val(*in, base)) >= 0; max--, in++)
			val = val * base + d;
		*out++ = (char)val;
	}
	return (size_t)(out - v);
}

/* ---- read, write, rm ----------------------------------------------------- */

static int sub_read(struct st *t, int argc, char **argv)
{
	bool raw = false, with_path = false;
	struct opt opts[] = { { 'R', &raw, NULL }, { 'p', &with_path, NULL },
			      { 0 } };
	char **pos = calloc((size_t)argc, sizeof(*pos));
	int n = pos ? parse(t, argc, argv, opts, pos, 1, argc) : -1;
	int rc = n < 0 ? PVCTL_USAGE : store_connect(t);

	for (int i = 0; rc == PVCTL_OK && i < n; i++) {
		char *v, *text = NULL;
		size_t len;
		int e = pvhv_store_read(t->s, TX, pos[i], &v, &len);

		if (e) {
			rc = fail_path(t, e, pos[i]);
			break;
		}
		if (with_path)
			printf("%s: ", pos[i]);
		if (raw)
			fwrite(v, 1, len, stdout);
		else if ((text = sanitise(v, len)))
			printf("%s\n", text);
		else
			rc = fail(t, -ENOMEM, pos[i]);
		free(text);
		free(v);
	}
	free(pos);
	return rc;
}

static int sub_write(struct st *t, int argc, char **argv)
{
	bool raw = false;
	struct opt opts[] = { { 'R', &raw, NULL }, { 0 } };
	char **pos = calloc((size_t)argc, sizeof(*pos));
	int n = pos ? parse(t, argc, argv, opts, pos, 2, argc) : -1;
	int rc = PVCTL_USAGE;

	if (n > 0 && n % 2)
		pvctl_usage(t->c, "write: PATH and VALUE come in pairs");
	else if (n > 0)
		rc = store_connect(t);
	for (int i = 0; rc == PVCTL_OK && i < n; i += 2) {
		size_t len = raw ? strlen(pos[i + 1]) : unescape(pos[i + 1]);
		int e = pvhv_store_write(t->s, TX, pos[i], pos[i + 1], len);

		if (e)
			rc = fail_path(t, e, pos[i]);
	}
	free(pos);
	return rc;
}

/* The parent of path in place ("" when there is none). */
static void up(char *path)
{
	char *slash = strrchr(path, '/');

	if (slash && slash != path)
		*slash = '\0';
	else
		path[0] = '\0';
}

/* rm -t: remove the parents that are left with no children and no value. */
static int tidy(struct st *t, const char *path)
{
	char *p = strdup(path);
	int rc = 0;

	if (!p)
		return -ENOMEM;
	for (up(p); !rc && p[0]; up(p)) {
		char **names, *v;
		unsigned int n;
		size_t len;

		if (pvhv_store_directory(t->s, TX, p, &names, &n))
			break;
		free(names);
		if (n || pvhv_store_read(t->s, TX, p, &v, &len))
			break;
		free(v);
		if (len)
			break;
		rc = pvhv_store_rm(t->s, TX, p);
	}
	free(p);
	return rc;
}

static int sub_rm(struct st *t, int argc, char **argv)
{
	bool tidy_up = false;
	struct opt opts[] = { { 't', &tidy_up, NULL }, { 0 } };
	char **pos = calloc((size_t)argc, sizeof(*pos));
	int n = pos ? parse(t, argc, argv, opts, pos, 1, argc) : -1;
	int rc = n < 0 ? PVCTL_USAGE : store_connect(t);

	for (int i = 0; rc == PVCTL_OK && i < n; i++) {
		int e = pvhv_store_rm(t->s, TX, pos[i]);

		if (!e && tidy_up)
			e = tidy(t, pos[i]);
		if (e)
			rc = fail_path(t, e, pos[i]);
	}
	free(pos);
	return rc;
}

/* ---- ls ------------------------------------------------------------------ */

/* xenstore-ls's layout: without -f, names are indented by depth and a
 * line is kept within the width (the terminal's less 2, else 80) by
 * cutting the value with \...; the permissions (-p) start at column 60,
 * reached with ". . .".  With -f, whole paths and nothing cut. */
#define LS_TAG 8	    /* room kept for the permissions' tag */
#define LS_PERM_COLUMN 60

struct ls {
	struct st *t;
	bool full, perms;
	int width, column;
	unsigned int left; /* replies still to come */
	int err;	   /* the first failure of a whole directory */
};

struct ls_node {
	struct ls *ls;
	char *path;
	char *value;
	size_t len;
	int verr, perr;
	struct pvhv_store_perm *perm;
	unsigned int nperm;
};

static void ls_value(struct pvhv_store *s, int err, const char *value,
		     size_t len, void *arg)
{
	struct ls_node *n = arg;

	(void)s;
	n->ls->left--;
	n->verr = err;
	if (err)
		return;
	n->value = malloc(len + 1);
	if (!n->value) {
		n->verr = -ENOMEM;
		return;
	}
	memcpy(n->value, value, len + 1);
	n->len = len;
}

static void ls_perms(struct pvhv_store *s, int err,
		     const struct pvhv_store_perm *perms, unsigned int n,
		     void *arg)
{
	struct ls_node *node = arg;

	(void)s;
	node->ls->left--;
	node->perr = err;
	if (err)
		return;
	node->perm = malloc(n * sizeof(*perms));
	if (!node->perm) {
		node->perr = -ENOMEM;
		return;
	}
	memcpy(node->perm, perms, n * sizeof(*perms));
	node->nperm = n;
}

/* Run the loop until every reply of the directory is in. */
static int ls_drain(struct ls *ls)
{
	struct pollfd p = { .fd = pvhv_store_fd(ls->t->s), .events = POLLIN };

	while (ls->left) {
		int rc = pvhv_store_process(ls->t->s);

		if (rc < 0)
			return rc;
		if (ls->left && poll(&p, 1, -1) < 0 && errno != EINTR)
			return -errno;
	}
	return 0;
}

static void ls_print_perms(const struct ls_node *n)
{
	char buf[16];

	if (n->perr) {
		fprintf(stderr, "\npvctl store ls: could not read the "
				"permissions of %s: %s\n",
			n->path, explain(n->perr));
		return;
	}
	fputs("  (", stdout);
	for (unsigned int i = 0; i < n->nperm; i++) {
		if (pvhv_store_perm_format(&n->perm[i], buf, sizeof(buf)))
			snprintf(buf, sizeof(buf), "?");
		printf("%s%s", i ? "," : "", buf);
	}
	putchar(')');
}

static int clamp0(int v)
{
	return v < 0 ? 0 : v;
}

static void ls_print(const struct ls *ls, const struct ls_node *n,
		     const char *name, int depth)
{
	int w = 0, room;
	char *text;

	if (ls->full) {
		fputs(n->path, stdout);
	} else {
		w = printf("%*s%.*s", depth, "",
			   clamp0(ls->width - LS_TAG - depth), name);
	}
	text = n->verr ? NULL : sanitise(n->value, n->len);
	room = ls->width - LS_TAG - w;
	if (!text) {
		fputs(":", stdout);
	} else if ((size_t)w + n->len + LS_TAG > (size_t)ls->width) {
		printf(" = \"%.*s\\...\"", clamp0(room), text);
	} else {
		w += printf(" = \"%s\"", text);
		if (ls->perms) {
			int end = ls->column < ls->width ? ls->column
							 : ls->width;

			putchar(' ');
			for (w++; w < end; w++)
				putchar(w & 1 ? '.' : ' ');
		}
	}
	free(text);
	if (ls->perms)
		ls_print_perms(n);
	putchar('\n');
}

static char *join(const char *dir, const char *name)
{
	size_t dl = strlen(dir);
	bool slash = dl && dir[dl - 1] == '/';
	char *p = malloc(dl + strlen(name) + 2);

	if (p)
		sprintf(p, "%s%s%s", dir, slash ? "" : "/", name);
	return p;
}

static void ls_nodes_free(struct ls_node *nodes, unsigned int n)
{
	for (unsigned int i = 0; nodes && i < n; i++) {
		free(nodes[i].path);
		free(nodes[i].value);
		free(nodes[i].perm);
	}
	free(nodes);
}

/* Ask for the values (and permissions) of every child at once. */
static int ls_ask(struct ls *ls, struct ls_node *nodes, char **names,
		  unsigned int n, const char *path)
{
	for (unsigned int i = 0; i < n; i++) {
		struct ls_node *c = &nodes[i];
		int rc;

		c->ls = ls;
		c->path = join(path, names[i]);
		if (!c->path)
			return -ENOMEM;
		rc = pvhv_store_read_async(ls->t->s, TX, c->path, ls_value, c);
		if (!rc && ls->perms)
			rc = pvhv_store_get_perms_async(ls->t->s, TX, c->path,
							ls_perms, c);
		if (rc)
			return rc;
		ls->left += ls->perms ? 2 : 1;
	}
	return 0;
}

static int ls_dir(struct ls *ls, const char *path, int depth)
{
	struct ls_node *nodes = NULL;
	unsigned int n = 0;
	char **names;
	int rc = pvhv_store_directory(ls->t->s, TX, path, &names, &n);

	if (rc == -ENOENT && depth) /* went away while we looked: fine */
		return 0;
	if (rc)
		return fail_path(ls->t, rc, path);
	nodes = calloc(n + 1, sizeof(*nodes));
	rc = nodes ? ls_ask(ls, nodes, names, n, path) : -ENOMEM;
	if (!rc)
		rc = ls_drain(ls);
	for (unsigned int i = 0; !rc && i < n; i++) {
		ls_print(ls, &nodes[i], names[i], depth);
		rc = ls_dir(ls, nodes[i].path, depth + 1);
	}
	if (rc < 0)
		rc = fail_path(ls->t, rc, path);
	ls_nodes_free(nodes, n);
	free(names);
	return rc;
}

static int ls_width(bool full)
{
	struct winsize ws;

	if (full)
		return INT_MAX / 2;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 2)
		return ws.ws_col - 2;
	return 80;
}

static int sub_ls(struct st *t, int argc, char **argv)
{
	struct ls ls = { .t = t };
	struct opt opts[] = { { 'f', &ls.full, NULL }, { 'p', &ls.perms, NULL },
			      { 0 } };
	char *pos[1] = { "/" };
	int rc;

	if (parse(t, argc, argv, opts, pos, 0, 1) < 0)
		return PVCTL_USAGE;
	rc = store_connect(t);
	if (rc)
		return rc;
	ls.width = ls_width(ls.full);
	ls.column = ls.full ? 0 : LS_PERM_COLUMN;
	rc = ls_dir(&ls, pos[0], 0);
	fflush(stdout);
	return rc;
}

/* ---- watch --------------------------------------------------------------- */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct watching {
	long left; /* events still to print; < 0: no limit */
};

static void watch_event(struct pvhv_store *s, const char *path,
			const char *token, void *arg)
{
	struct watching *w = arg;

	(void)s;
	if (w->left == 0)
		return;
	printf("%s %s\n", path, token);
	fflush(stdout);
	if (w->left > 0)
		w->left--;
}

static int watch_loop(struct st *t, struct watching *w)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */
	struct pollfd p = { .fd = pvhv_store_fd(t->s), .events = POLLIN };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (w->left && !interrupted) {
		int rc = pvhv_store_process(t->s);

		if (rc < 0)
			return fail(t, rc, "watching");
		if (w->left && poll(&p, 1, -1) < 0 && errno != EINTR)
			return fail(t, -errno, "watching");
	}
	return PVCTL_OK;
}

static int sub_watch(struct st *t, int argc, char **argv)
{
	const char *count = NULL;
	struct opt opts[] = { { 'n', NULL, &count }, { 0 } };
	char **pos = calloc((size_t)argc, sizeof(*pos));
	int n = pos ? parse(t, argc, argv, opts, pos, 1, argc) : -1;
	struct watching w = { .left = -1 };
	int rc = PVCTL_USAGE;
	char *end;

	if (n > 0 && count) {
		errno = 0;
		w.left = strtol(count, &end, 10);
		if (errno || *end || !*count || w.left <= 0) {
			pvctl_usage(t->c, "watch: -n takes a count above 0, "
					  "not '%s'", count);
			n = -1;
		}
	}
	if (n > 0)
		rc = store_connect(t);
	/* The token is the path as given, so lines tell watches apart. */
	for (int i = 0; rc == PVCTL_OK && i < n; i++) {
		int e = pvhv_store_watch(t->s, pos[i], pos[i], watch_event, &w);

		if (e)
			rc = fail_path(t, e, pos[i]);
	}
	if (rc == PVCTL_OK)
		rc = watch_loop(t, &w);
	free(pos);
	return rc;
}

/* ---- chmod --------------------------------------------------------------- */

struct chmod {
	struct st *t;
	const struct pvhv_store_perm *perm;
	unsigned int n;
};

static int chmod_one(struct chmod *m, const char *path)
{
	int rc = pvhv_store_set_perms(m->t->s, TX, path, m->perm, m->n);

	return rc ? fail_path(m->t, rc, path) : PVCTL_OK;
}

static int chmod_tree(struct chmod *m, const char *path)
{
	unsigned int n = 0;
	char **names;
	int rc = chmod_one(m, path);

	if (rc)
		return rc;
	rc = pvhv_store_directory(m->t->s, TX, path, &names, &n);
	if (rc)
		return fail_path(m->t, rc, path);
	for (unsigned int i = 0; rc == PVCTL_OK && i < n; i++) {
		char *child = join(path, names[i]);

		rc = child ? chmod_tree(m, child) : fail(m->t, -ENOMEM, path);
		free(child);
	}
	free(names);
	return rc;
}

/* -u: the ancestors too, all but "/". */
static int chmod_up(struct chmod *m, const char *path)
{
	char *p = strdup(path);
	int rc = PVCTL_OK;

	if (!p)
		return fail(m->t, -ENOMEM, path);
	for (up(p); rc == PVCTL_OK && p[0]; up(p))
		rc = chmod_one(m, p);
	free(p);
	return rc;
}

static int perms_parse(struct st *t, char **pos, int n,
		       struct pvhv_store_perm *perm)
{
	for (int i = 0; i < n; i++) {
		if (pvhv_store_perm_parse(pos[i], &perm[i]) == 0)
			continue;
		pvctl_usage(t->c, "chmod: '%s' is not a permission: a letter "
				  "n (none), r (read), w (write) or b (both) "
				  "and a domain id, e.g. n0 r5",
			    pos[i]);
		return -1;
	}
	return 0;
}

static int sub_chmod(struct st *t, int argc, char **argv)
{
	bool recurse = false, upwards = false;
	struct opt opts[] = { { 'r', &recurse, NULL }, { 'u', &upwards, NULL },
			      { 0 } };
	char **pos = calloc((size_t)argc, sizeof(*pos));
	struct pvhv_store_perm *perm = calloc((size_t)argc, sizeof(*perm));
	int n = pos && perm ? parse(t, argc, argv, opts, pos, 2, argc) : -1;
	struct chmod m = { .t = t, .perm = perm, .n = (unsigned int)(n - 1) };
	int rc = PVCTL_USAGE;

	if (n > 1 && perms_parse(t, pos + 1, n - 1, perm) == 0)
		rc = store_connect(t);
	if (rc == PVCTL_OK)
		rc = recurse ? chmod_tree(&m, pos[0]) : chmod_one(&m, pos[0]);
	if (rc == PVCTL_OK && upwards)
		rc = chmod_up(&m, pos[0]);
	free(pos);
	free(perm);
	return rc;
}

/* ---- the command --------------------------------------------------------- */

static const struct {
	const char *name, *usage;
	int (*run)(struct st *t, int argc, char **argv);
} subs[] = {
	{ "read", "[-R] [-p] PATH...", sub_read },
	{ "write", "[-R] PATH VALUE [PATH VALUE...]", sub_write },
	{ "ls", "[-f] [-p] [PATH]", sub_ls },
	{ "rm", "[-t] PATH...", sub_rm },
	{ "watch", "[-n COUNT] PATH...", sub_watch },
	{ "chmod", "[-r] [-u] PATH PERM...", sub_chmod },
};

const char pvctl_store_help[] =
	"Subcommands (PATH is absolute, or relative to /local/domain/0):\n"
	"  read [-R] [-p] PATH...        print values, escaped as "
	"xenstore-read does\n"
	"      -R  raw bytes, no escapes and no newline\n"
	"      -p  put \"PATH: \" before each value\n"
	"  write [-R] PATH VALUE...      write values (pairs); VALUE takes "
	"\\t \\n \\r \\\\\n"
	"                                \\ooo (octal) and \\xhh (hex) as "
	"xenstore-write does\n"
	"      -R  write VALUE as it is, no escapes\n"
	"  ls [-f] [-p] [PATH]           the tree below PATH (default /) "
	"with values,\n"
	"                                as xenstore-ls prints it\n"
	"      -f  whole paths instead of indented names; nothing cut\n"
	"      -p  permissions too, e.g. (n0,r5)\n"
	"  rm [-t] PATH...               remove nodes and everything "
	"below them\n"
	"      -t  then remove parents left with no children and no value\n"
	"  watch [-n COUNT] PATH...      print \"PATH TOKEN\" for each "
	"change until\n"
	"                                Ctrl-C; the first line of each "
	"watch comes at\n"
	"                                once; TOKEN is the watched PATH\n"
	"      -n COUNT  stop after COUNT lines\n"
	"  chmod [-r] [-u] PATH PERM...  set PATH's permission list\n"
	"      -r  the nodes below PATH too\n"
	"      -u  PATH's parents too (all but /)\n"
	"      PERM is a letter and a domain id: n (none), r (read), w "
	"(write),\n"
	"      b (both).  The first names the owner and what domains not "
	"listed\n"
	"      may do: 'n0 r5' = dom0's, domain 5 may read.\n"
	"\n"
	"The store is pvhv's xenstored: DIR/xenstored.sock of --rundir, "
	"else\n$XENSTORED_PATH when set, else that of the default run "
	"directory.\nEvery pvctl store request comes from dom0, which may "
	"do everything.\n"
	"\nExamples:\n"
	"  pvctl store write /tool/demo/greeting 'hello\\tworld'\n"
	"  pvctl store ls -p /local/domain/1\n"
	"  pvctl store watch -n 5 /local/domain/1/device\n"
	"  pvctl store chmod -r /tool/demo n0 r1\n";

int pvctl_store_run(struct pvctl *c, int argc, char **argv)
{
	struct st t = { .c = c };
	int rc;

	if (argc < 2)
		return pvctl_usage(c, "which subcommand? read, write, ls, rm, "
				      "watch or chmod");
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(argv[1], subs[i].name))
			continue;
		t.sub = subs[i].name;
		t.usage = subs[i].usage;
		rc = subs[i].run(&t, argc - 1, argv + 1);
		pvhv_store_close(t.s);
		return rc;
	}
	return pvctl_usage(c, "no subcommand '%s' (read, write, ls, rm, "
			      "watch, chmod)",
			   argv[1]);
}
