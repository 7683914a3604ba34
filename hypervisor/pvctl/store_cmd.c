/*
 * store_cmd.c — `pvctl store SUBCOMMAND ...`: read, write, ls, rm, watch
 * and chmod on pvhv's store, for people without xenstore-utils.
 *
 * It talks to the store socket through libpvhv's store client (the
 * "store" section of pvkit/hv.h): blocking calls for the simple commands,
 * asynchronous ones where ls (store_ls.c) asks for all values of a
 * directory at once.
 * What it prints follows Debian's xenstore-read and xenstore-ls byte for
 * byte (their value escapes, ls's indentation, widths and -p column), and
 * write takes xenstore-write's escapes, so scripts can switch between them.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_wire.h"
#include "store_cmd.h"

#define TX PVHV_STORE_TX_NONE

/* ---- messages ------------------------------------------------------------ */

const char *stc_explain(int rc)
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

/* The parent of path in place ("" when there is none). */
static void up(char *path)
{
	char *slash = strrchr(path, '/');

	if (slash && slash != path)
		*slash = '\0';
	else
		path[0] = '\0';
}

/* "pvctl store SUB: what: problem (hint)"; returns PVCTL_FAIL. */
int stc_fail(struct stc *t, int rc, const char *what)
{
	const char *h = hint(rc);

	fprintf(stderr, "pvctl store %s: %s: %s\n", t->sub, what,
		stc_explain(rc));
	if (h)
		fprintf(stderr, "(%s)\n", h);
	return PVCTL_FAIL;
}

/* stc_fail() for a request on path: a missing node points at its parent. */
int stc_fail_path(struct stc *t, int rc, const char *path)
{
	char parent[4096];

	if (rc != -ENOENT)
		return stc_fail(t, rc, path);
	fprintf(stderr, "pvctl store %s: %s: %s\n", t->sub, path,
		stc_explain(rc));
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

static void describe_socket(struct stc *t)
{
	const char *env = getenv("XENSTORED_PATH");
	char dir[4096];

	if (t->c->rundir)
		snprintf(t->where, sizeof(t->where), "%s/" PVHV_STORE_SOCKET,
			 t->c->rundir);
	else if (env && *env)
		snprintf(t->where, sizeof(t->where), "%s (XENSTORED_PATH)",
			 env);
	else if (pvhv_default_rundir(dir, sizeof(dir)) == 0)
		snprintf(t->where, sizeof(t->where), "%s/" PVHV_STORE_SOCKET, dir);
	else
		snprintf(t->where, sizeof(t->where), "the store socket");
}

int stc_connect(struct stc *t)
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

/* Options may come anywhere before "--", as with GNU getopt (store_cmd.h). */
int stc_parse(struct stc *t, int argc, char **argv,
	      const struct stc_opt *opts, char **pos, int min, int max)
{
	bool more_opts = true;
	int n = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct stc_opt *o = opts;

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
char *stc_sanitise(const char *v, size_t len)
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

static int sub_read(struct stc *t, int argc, char **argv)
{
	bool raw = false, with_path = false;
	struct stc_opt opts[] = { { 'R', &raw, NULL },
				  { 'p', &with_path, NULL },
				  { 0 } };
	char **pos = calloc((size_t)argc, sizeof(*pos));
	int n = pos ? stc_parse(t, argc, argv, opts, pos, 1, argc) : -1;
	int rc = n < 0 ? PVCTL_USAGE : stc_connect(t);

	for (int i = 0; rc == PVCTL_OK && i < n; i++) {
		char *v, *text = NULL;
		size_t len;
		int e = pvhv_store_read(t->s, TX, pos[i], &v, &len);

		if (e) {
			rc = stc_fail_path(t, e, pos[i]);
			break;
		}
		if (with_path)
			printf("%s: ", pos[i]);
		if (raw)
			fwrite(v, 1, len, stdout);
		else if ((text = stc_sanitise(v, len)))
			printf("%s\n", text);
		else
			rc = stc_fail(t, -ENOMEM, pos[i]);
		free(text);
		free(v);
	}
	free(pos);
	return rc;
}

static int sub_write(struct stc *t, int argc, char **argv)
{
	bool raw = false;
	struct stc_opt opts[] = { { 'R', &raw, NULL }, { 0 } };
	char **pos = calloc((size_t)argc, sizeof(*pos));
	int n = pos ? stc_parse(t, argc, argv, opts, pos, 2, argc) : -1;
	int rc = PVCTL_USAGE;

	if (n > 0 && n % 2)
		pvctl_usage(t->c, "write: PATH and VALUE come in pairs");
	else if (n > 0)
		rc = stc_connect(t);
	for (int i = 0; rc == PVCTL_OK && i < n; i += 2) {
		size_t len = raw ? strlen(pos[i + 1]) : unescape(pos[i + 1]);
		int e = pvhv_store_write(t->s, TX, pos[i], pos[i + 1], len);

		if (e)
			rc = stc_fail_path(t, e, pos[i]);
	}
	free(pos);
	return rc;
}

/* dir/name, without doubling a '/'; malloc'd. */
char *stc_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir);
	bool slash = dl && dir[dl - 1] == '/';
	char *p = malloc(dl + strlen(name) + 2);

	if (p)
		sprintf(p, "%s%s%s", dir, slash ? "" : "/", name);
	return p;
}

/* rm -t: remove the parents that are left with no children and no value. */
static int tidy(struct stc *t, const char *path)
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

static int sub_rm(struct stc *t, int argc, char **argv)
{
	bool tidy_up = false;
	struct stc_opt opts[] = { { 't', &tidy_up, NULL }, { 0 } };
	char **pos = calloc((size_t)argc, sizeof(*pos));
	int n = pos ? stc_parse(t, argc, argv, opts, pos, 1, argc) : -1;
	int rc = n < 0 ? PVCTL_USAGE : stc_connect(t);

	for (int i = 0; rc == PVCTL_OK && i < n; i++) {
		int e = pvhv_store_rm(t->s, TX, pos[i]);

		if (!e && tidy_up)
			e = tidy(t, pos[i]);
		if (e)
			rc = stc_fail_path(t, e, pos[i]);
	}
	free(pos);
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

static int watch_loop(struct stc *t, struct watching *w)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */
	struct pollfd p = { .fd = pvhv_store_fd(t->s), .events = POLLIN };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (w->left && !interrupted) {
		int rc = pvhv_store_process(t->s);

		if (rc < 0)
			return stc_fail(t, rc, "watching");
		if (w->left && poll(&p, 1, -1) < 0 && errno != EINTR)
			return stc_fail(t, -errno, "watching");
	}
	return PVCTL_OK;
}

static int sub_watch(struct stc *t, int argc, char **argv)
{
	const char *count = NULL;
	struct stc_opt opts[] = { { 'n', NULL, &count }, { 0 } };
	char **pos = calloc((size_t)argc, sizeof(*pos));
	int n = pos ? stc_parse(t, argc, argv, opts, pos, 1, argc) : -1;
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
		rc = stc_connect(t);
	/* The token is the path as given, so lines tell watches apart. */
	for (int i = 0; rc == PVCTL_OK && i < n; i++) {
		int e = pvhv_store_watch(t->s, pos[i], pos[i], watch_event, &w);

		if (e)
			rc = stc_fail_path(t, e, pos[i]);
	}
	if (rc == PVCTL_OK)
		rc = watch_loop(t, &w);
	free(pos);
	return rc;
}

/* ---- chmod --------------------------------------------------------------- */

struct chmod {
	struct stc *t;
	const struct pvhv_store_perm *perm;
	unsigned int n;
};

static int chmod_one(struct chmod *m, const char *path)
{
	int rc = pvhv_store_set_perms(m->t->s, TX, path, m->perm, m->n);

	return rc ? stc_fail_path(m->t, rc, path) : PVCTL_OK;
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
		return stc_fail_path(m->t, rc, path);
	for (unsigned int i = 0; rc == PVCTL_OK && i < n; i++) {
		char *child = stc_join(path, names[i]);

		rc = child ? chmod_tree(m, child)
			   : stc_fail(m->t, -ENOMEM, path);
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
		return stc_fail(m->t, -ENOMEM, path);
	for (up(p); rc == PVCTL_OK && p[0]; up(p))
		rc = chmod_one(m, p);
	free(p);
	return rc;
}

static int perms_parse(struct stc *t, char **pos, int n,
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

static int sub_chmod(struct stc *t, int argc, char **argv)
{
	bool recurse = false, upwards = false;
	struct stc_opt opts[] = { { 'r', &recurse, NULL },
				  { 'u', &upwards, NULL },
				  { 0 } };
	char **pos = calloc((size_t)argc, sizeof(*pos));
	struct pvhv_store_perm *perm = calloc((size_t)argc, sizeof(*perm));
	int n = pos && perm ? stc_parse(t, argc, argv, opts, pos, 2, argc) : -1;
	struct chmod m = { .t = t, .perm = perm, .n = (unsigned int)(n - 1) };
	int rc = PVCTL_USAGE;

	if (n > 1 && perms_parse(t, pos + 1, n - 1, perm) == 0)
		rc = stc_connect(t);
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
	int (*run)(struct stc *t, int argc, char **argv);
} subs[] = {
	{ "read", "[-R] [-p] PATH...", sub_read },
	{ "write", "[-R] PATH VALUE [PATH VALUE...]", sub_write },
	{ "ls", "[-f] [-p] [PATH]", stc_ls },
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
	struct stc t = { .c = c };
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
