/*
 * The "headless" host side (pvkit/displback.h): frames stay where the
 * guest drew them and are presented at once; PNGs of them are written on
 * request (dump) or, with ",every", at each frame.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pvkit/back.h"
#include "pvkit/displback.h"

enum every {
	EVERY_NONE,
	EVERY_SAME,	/* DIR/<domid>-<uid>.png at each frame */
	EVERY_NUMBERED, /* DIR/<domid>-<uid>-NNNNNN.png */
};

struct hl_conn;

struct headless {
	char *dir;
	enum every every;
	struct hl_conn *conns;
};

struct hl_conn {
	struct headless *h;
	struct hl_conn *next;
	domid_t domid;
	char name[80]; /* <domid>-<uid>, safe as a file name */
	struct displback_fb fb;
	bool shown;
	uint64_t frames;
	int last_err;
	displback_presented_fn *presented;
	void *ctx;
};

/* "DIR", "DIR,every" or "DIR,every=numbered". */
static int parse_arg(struct headless *h, const char *arg)
{
	const char *comma = strchr(arg, ',');
	size_t len = comma ? (size_t)(comma - arg) : strlen(arg);
	struct stat st;

	if (!len)
		return -EINVAL;
	if (comma && !strcmp(comma + 1, "every"))
		h->every = EVERY_SAME;
	else if (comma && !strcmp(comma + 1, "every=numbered"))
		h->every = EVERY_NUMBERED;
	else if (comma)
		return -EINVAL;
	h->dir = strndup(arg, len);
	if (!h->dir)
		return -ENOMEM;
	if (stat(h->dir, &st))
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static void hl_close(void *host)
{
	struct headless *h = host;

	if (!h)
		return;
	free(h->dir);
	free(h);
}

static int hl_open(struct event_base *base, const char *arg, void **host)
{
	struct headless *h;
	int rc;

	(void)base;
	if (!arg)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	rc = parse_arg(h, arg);
	if (rc) {
		hl_close(h);
		return rc;
	}
	*host = h;
	return 0;
}

static int hl_connector_open(void *host, const struct displback_conn_info *info,
			     void **conn)
{
	struct headless *h = host;
	struct hl_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->h = h;
	c->domid = info->domid;
	/* a guest names its connectors: its own, safe names (a long one is
	 * cut, which only ever meets the same guest's names) */
	(void)pvback_file_name(c->name, sizeof(c->name), info->domid,
			       info->unique_id);
	c->presented = info->presented;
	c->ctx = info->ctx;
	c->next = h->conns;
	h->conns = c;
	*conn = c;
	return 0;
}

static void hl_connector_close(void *conn)
{
	struct hl_conn *c = conn, **p = &c->h->conns;

	while (*p != c)
		p = &(*p)->next;
	*p = c->next;
	free(c);
}

/* c's frame as a PNG; numbered: with the frame's number. */
static int write_frame(struct hl_conn *c, bool numbered)
{
	char path[4096];
	int n;

	if (numbered)
		n = snprintf(path, sizeof(path), "%s/%s-%06llu.png", c->h->dir,
			     c->name, (unsigned long long)c->frames);
	else
		n = snprintf(path, sizeof(path), "%s/%s.png", c->h->dir,
			     c->name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	c->last_err = displback_png_write(path, &c->fb);
	return c->last_err;
}

static int hl_show(void *conn, const struct displback_fb *fb)
{
	struct hl_conn *c = conn;

	if (!fb) {
		c->shown = false;
		return 0;
	}
	c->fb = *fb;
	c->shown = true;
	/* a PNG that cannot be written loses that picture, not the frame:
	 * the guest's flip still completes (last_err keeps the error) */
	if (c->h->every != EVERY_NONE)
		(void)write_frame(c, c->h->every == EVERY_NUMBERED);
	c->frames++;
	c->presented(c->ctx, fb->seq);
	return 0;
}

static int hl_dump(void *host)
{
	struct headless *h = host;
	int n = 0, err = 0;

	for (struct hl_conn *c = h->conns; c; c = c->next) {
		int rc;
		if (!c->shown)
			continue;
		rc = write_frame(c, false);
		if (rc && !err)
			err = rc;
		n += !rc;
	}
	return n || !err ? n : err;
}

const struct displback_host_ops displback_host_headless = {
    .name = "headless",
    .help = "headless:DIR[,every[=numbered]]  frames kept in memory; PNGs "
	    "in DIR on dump (SIGUSR1) or every frame",
    .open = hl_open,
    .close = hl_close,
    .connector_open = hl_connector_open,
    .connector_close = hl_connector_close,
    .show = hl_show,
    .dump = hl_dump,
};
