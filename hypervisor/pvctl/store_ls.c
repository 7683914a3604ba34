/*
 * store_ls.c — `pvctl store ls`: the tree below a path with its values
 * (and permissions), laid out as Debian's xenstore-ls prints it.  Each
 * directory's values are asked for at once with the store client's
 * asynchronous requests, so a big tree costs one round trip per
 * directory, not per node.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "store_cmd.h"

#define TX PVHV_STORE_TX_NONE

/* xenstore-ls's layout: without -f, names are indented by depth and a
 * line is kept within the width (the terminal's less 2, else 80) by
 * cutting the value with \...; the permissions (-p) start at column 60,
 * reached with ". . .".  With -f, whole paths and nothing cut. */
#define LS_TAG 8	    /* room kept for the permissions' tag */
#define LS_PERM_COLUMN 60

struct ls {
	struct stc *t;
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
			n->path, stc_explain(n->perr));
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
	text = n->verr ? NULL : stc_sanitise(n->value, n->len);
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
		c->path = stc_join(path, names[i]);
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
		return stc_fail_path(ls->t, rc, path);
	nodes = calloc(n + 1, sizeof(*nodes));
	rc = nodes ? ls_ask(ls, nodes, names, n, path) : -ENOMEM;
	if (!rc)
		rc = ls_drain(ls);
	for (unsigned int i = 0; !rc && i < n; i++) {
		ls_print(ls, &nodes[i], names[i], depth);
		rc = ls_dir(ls, nodes[i].path, depth + 1);
	}
	if (rc < 0)
		rc = stc_fail_path(ls->t, rc, path);
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

int stc_ls(struct stc *t, int argc, char **argv)
{
	struct ls ls = { .t = t };
	struct stc_opt opts[] = { { 'f', &ls.full, NULL },
				  { 'p', &ls.perms, NULL },
				  { 0 } };
	char *pos[1] = { "/" };
	int rc;

	if (stc_parse(t, argc, argv, opts, pos, 0, 1) < 0)
		return PVCTL_USAGE;
	rc = stc_connect(t);
	if (rc)
		return rc;
	ls.width = ls_width(ls.full);
	ls.column = ls.full ? 0 : LS_PERM_COLUMN;
	rc = ls_dir(&ls, pos[0], 0);
	fflush(stdout);
	return rc;
}
