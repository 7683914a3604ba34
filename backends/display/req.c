/*
 * The vdispl requests (pvkit/displback.h): display buffers mapped through
 * their page directories, framebuffers on them, each connector's mode and
 * flips handed to the host side, and GET_EDID.  Every request here is the
 * device's private copy, checked field by field.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "displback_int.h"
#include "pvkit/proto/errno.h"

#define PAGE 4096u

/* Statuses go on the wire as this host's errno values; displif means
 * Xen's, which are Linux's.  Every one answered here must agree. */
_Static_assert(EINVAL == XEN_EINVAL && ENOENT == XEN_ENOENT &&
		   EEXIST == XEN_EEXIST && EBUSY == XEN_EBUSY &&
		   ENOMEM == XEN_ENOMEM && E2BIG == XEN_E2BIG &&
		   EOVERFLOW == XEN_EOVERFLOW && ENOTSUP == XEN_EOPNOTSUPP,
	       "errno values differ from displif's");

/* ---- lookups ------------------------------------------------------------- */

static struct dbuf *dbuf_find(struct displ_dev *d, uint64_t cookie)
{
	for (struct dbuf *b = d->dbufs; b; b = b->next)
		if (b->cookie == cookie)
			return b;
	return NULL;
}

static struct fb *fb_find(struct displ_dev *d, uint64_t cookie)
{
	for (struct fb *f = d->fbs; f; f = f->next)
		if (f->cookie == cookie)
			return f;
	return NULL;
}

/* Is fb on screen or waiting to be on some connector?  The host side may
 * be reading its pixels then. */
static bool fb_busy(struct displ_dev *d, const struct fb *fb)
{
	for (unsigned int i = 0; i < d->n; i++) {
		const struct conn *c = &d->conns[i];
		if (c->screen == fb)
			return true;
		for (unsigned int k = 0; k < c->nq; k++)
			if (c->q[k].fb == fb)
				return true;
	}
	return false;
}

static void fb_unlink(struct displ_dev *d, struct fb *fb)
{
	struct fb **p = &d->fbs;

	while (*p != fb)
		p = &(*p)->next;
	*p = fb->next;
	free(fb);
}

/* End our grants of b; pages the guest still maps stay its own. */
static void release_own(struct displ_dev *d, struct dbuf *b)
{
	int rc = pvback_dev_grant_free(d->dev, (void *)b->map);

	if (rc > 0)
		pvback_log(d->db->pb, PVBACK_LOG_DEBUG,
			   "dom%u: dbuf %llx freed while the guest maps %d "
			   "pages of it",
			   pvback_dev_domid(d->dev),
			   (unsigned long long)b->cookie, rc);
}

static void dbuf_unlink(struct displ_dev *d, struct dbuf *b)
{
	struct dbuf **p = &d->dbufs;

	while (*p != b)
		p = &(*p)->next;
	*p = b->next;
	if (b->own)
		release_own(d, b);
	else
		pvback_dev_unmap(d->dev, (void *)b->map);
	d->n_dbufs--;
	d->n_pages -= b->npages;
	free(b);
}

void displ_free_objects(struct displ_dev *d)
{
	while (d->fbs)
		fb_unlink(d, d->fbs);
	while (d->dbufs)
		dbuf_unlink(d, d->dbufs);
}

/* ---- display buffers ------------------------------------------------------
 */

/* The buffer's geometry (see DBUF_CREATE in pvkit/displback.h). */
static int dbuf_check(const struct xendispl_dbuf_create_req *r, uint32_t *line)
{
	uint64_t l, area;

	if (!r->width || !r->height || !r->buffer_sz)
		return -EINVAL;
	if (r->bpp != 8 && r->bpp != 16 && r->bpp != 24 && r->bpp != 32)
		return -EINVAL;
	l = ((uint64_t)r->width * r->bpp + 7) / 8;
	if (l > UINT32_MAX)
		return -EOVERFLOW;
	area = l * r->height + r->data_ofs;
	if (area > UINT32_MAX)
		return -EOVERFLOW;
	if (r->data_ofs >= r->buffer_sz || area > r->buffer_sz)
		return -EINVAL;
	*line = (uint32_t)l;
	return 0;
}

/* REQ_ALLOC: npages of ours, granted to the guest (it draws into them),
 * their grants written into the directory the guest gave. */
static int own_pages(struct displ_dev *d, grant_ref_t dir,
		     unsigned int npages, void **map)
{
	grant_ref_t *refs;
	int rc;

	if (!d->be_alloc)
		return -EINVAL; /* the toolstack did not offer it */
	refs = calloc(npages, sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	rc = pvback_dev_grant_alloc(d->dev, npages, false, refs, map);
	if (!rc) {
		rc = pvback_dev_fill_pgdir(d->dev, dir, refs, npages);
		if (rc)
			(void)pvback_dev_grant_free(d->dev, *map);
	}
	free(refs);
	return rc;
}

static int dbuf_create(struct displ_dev *d, const struct xendispl_req *req)
{
	const struct xendispl_dbuf_create_req *r = &req->op.dbuf_create;
	const struct displback_limits *lim = &d->db->limits;
	bool own = r->flags & XENDISPL_DBUF_FLG_REQ_ALLOC;
	unsigned int npages;
	struct dbuf *b;
	uint32_t line;
	void *map;
	int rc;

	if (!r->dbuf_cookie ||
	    (r->flags & ~(uint32_t)XENDISPL_DBUF_FLG_REQ_ALLOC))
		return -EINVAL;
	if (own && !d->be_alloc)
		return -EINVAL;
	if (dbuf_find(d, r->dbuf_cookie))
		return -EEXIST;
	rc = dbuf_check(r, &line);
	if (rc)
		return rc;
	npages = (unsigned int)(((uint64_t)r->buffer_sz + PAGE - 1) / PAGE);
	if (npages > DISPLBACK_DBUF_PAGES_MAX)
		return -E2BIG;
	if (d->n_dbufs >= lim->dbufs_max ||
	    npages > lim->pages_max - d->n_pages)
		return -ENOMEM;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	rc = own ? own_pages(d, r->gref_directory, npages, &map)
		 : pvback_dev_map_pgdir(d->dev, r->gref_directory, npages,
					DISPLBACK_DBUF_PAGES_MAX, false, &map);
	if (rc) {
		free(b);
		return rc;
	}
	*b = (struct dbuf){.next = d->dbufs,
			   .cookie = r->dbuf_cookie,
			   .map = map,
			   .width = r->width,
			   .height = r->height,
			   .bpp = r->bpp,
			   .line = line,
			   .data_ofs = r->data_ofs,
			   .npages = npages,
			   .own = own};
	d->dbufs = b;
	d->n_dbufs++;
	d->n_pages += npages;
	return 0;
}

static int dbuf_destroy(struct displ_dev *d, const struct xendispl_req *req)
{
	struct dbuf *b = dbuf_find(d, req->op.dbuf_destroy.dbuf_cookie);
	struct fb *f, *next;

	if (!b)
		return -ENOENT;
	for (f = d->fbs; f; f = f->next)
		if (f->db == b && fb_busy(d, f))
			return -EBUSY;
	for (f = d->fbs; f; f = next) {
		next = f->next;
		if (f->db == b)
			fb_unlink(d, f);
	}
	dbuf_unlink(d, b);
	return 0;
}

/* ---- framebuffers -----------------------------------------------------------
 */

static int fb_attach(struct displ_dev *d, const struct xendispl_req *req)
{
	const struct xendispl_fb_attach_req *r = &req->op.fb_attach;
	unsigned int bpp = pv_displif_format_bpp(r->pixel_format);
	struct dbuf *b;
	struct fb *f;

	if (!r->fb_cookie || !bpp)
		return -EINVAL;
	b = dbuf_find(d, r->dbuf_cookie);
	if (!b)
		return -ENOENT;
	if (fb_find(d, r->fb_cookie))
		return -EEXIST;
	if (bpp != b->bpp || !r->width || !r->height || r->width > b->width ||
	    r->height > b->height)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	*f = (struct fb){.next = d->fbs,
			 .cookie = r->fb_cookie,
			 .db = b,
			 .width = r->width,
			 .height = r->height,
			 .fourcc = r->pixel_format,
			 .bpp = bpp};
	d->fbs = f;
	return 0;
}

static int fb_detach(struct displ_dev *d, const struct xendispl_req *req)
{
	struct fb *f = fb_find(d, req->op.fb_detach.fb_cookie);

	if (!f)
		return -ENOENT;
	if (fb_busy(d, f))
		return -EBUSY;
	fb_unlink(d, f);
	return 0;
}

/* ---- frames ----------------------------------------------------------------
 */

/* Does fb cover the region and have its depth? */
static bool fb_fits(const struct fb *f, uint32_t x, uint32_t y, uint32_t w,
		    uint32_t h, uint32_t bpp)
{
	return f->bpp == bpp && (uint64_t)x + w <= f->width &&
	       (uint64_t)y + h <= f->height;
}

/* Frames up to seq are on screen: flips among them get their events. */
void displ_presented(void *ctx, uint64_t seq)
{
	struct conn *c = ctx;
	unsigned int k = 0;

	while (k < c->nq && c->q[k].seq <= seq) {
		c->screen = c->q[k].fb;
		if (c->q[k].flip)
			displ_flip_event(c, c->q[k].fb->cookie);
		k++;
	}
	memmove(c->q, c->q + k, (c->nq - k) * sizeof(c->q[0]));
	c->nq -= k;
}

/* Hand c's mode region of f to the host side as the next frame. */
static int show(struct conn *c, struct fb *f, bool flip)
{
	const struct displback_host_ops *ops = c->d->db->host_ops;
	const struct dbuf *b = f->db;
	struct displback_fb fr = {.pixels = b->map + b->data_ofs +
					    (size_t)c->y * b->line +
					    (size_t)c->x * (b->bpp / 8),
				  .width = c->w,
				  .height = c->h,
				  .stride = b->line,
				  .fourcc = f->fourcc,
				  .cookie = f->cookie,
				  .seq = ++c->seq};
	unsigned int flips = 0;
	int rc;

	for (unsigned int k = 0; k < c->nq; k++)
		flips += c->q[k].flip;
	if (c->nq == QUEUE_MAX || (flip && flips >= DISPLBACK_FLIPS_MAX))
		return -EBUSY;
	/* queued first: the host side may call presented() from show() */
	c->q[c->nq++] = (struct frame){.fb = f, .seq = fr.seq, .flip = flip};
	rc = ops->show(c->hconn, &fr);
	if (rc) {
		for (unsigned int k = 0; k < c->nq; k++)
			if (c->q[k].seq == fr.seq) {
				c->q[k] = c->q[--c->nq];
				break;
			}
	}
	return rc;
}

/* The connector off: nothing shown, waiting flips done. */
static int conn_off(struct conn *c)
{
	int rc = c->d->db->host_ops->show(c->hconn, NULL);

	if (rc)
		return rc;
	for (unsigned int k = 0; k < c->nq; k++)
		if (c->q[k].flip)
			displ_flip_event(c, c->q[k].fb->cookie);
	c->nq = 0;
	c->screen = NULL;
	c->on = false;
	return 0;
}

static int set_config(struct conn *c, const struct xendispl_req *req)
{
	const struct xendispl_set_config_req *r = &req->op.set_config;
	static const struct xendispl_set_config_req off;
	uint32_t ox = c->x, oy = c->y, ow = c->w, oh = c->h, obpp = c->bpp;
	struct fb *f;
	int rc;

	if (!memcmp(r, &off,
		    offsetof(struct xendispl_set_config_req, bpp) +
			sizeof(r->bpp)))
		return conn_off(c);
	f = fb_find(c->d, r->fb_cookie);
	if (!f)
		return -ENOENT;
	if (!r->width || !r->height || (uint64_t)r->x + r->width > c->width ||
	    (uint64_t)r->y + r->height > c->height ||
	    !fb_fits(f, r->x, r->y, r->width, r->height, r->bpp))
		return -EINVAL;
	c->x = r->x, c->y = r->y, c->w = r->width, c->h = r->height;
	c->bpp = r->bpp;
	rc = show(c, f, false);
	if (rc) {
		c->x = ox, c->y = oy, c->w = ow, c->h = oh, c->bpp = obpp;
		return rc;
	}
	c->on = true;
	return 0;
}

static int pg_flip(struct conn *c, const struct xendispl_req *req)
{
	struct fb *f = fb_find(c->d, req->op.pg_flip.fb_cookie);

	if (!f)
		return -ENOENT;
	if (!c->on || !fb_fits(f, c->x, c->y, c->w, c->h, c->bpp))
		return -EINVAL;
	return show(c, f, true);
}

/* ---- EDID ---------------------------------------------------------------- */

static int get_edid(struct conn *c, const struct xendispl_req *req,
		    struct xendispl_resp *resp)
{
	const struct xendispl_get_edid_req *r = &req->op.get_edid;
	uint8_t *page;
	int rc;

	if (r->buffer_sz < XENDISPL_EDID_MAX_SIZE)
		return -EINVAL;
	/* only the first page is written; the chain must still hold it */
	rc = pvback_dev_map_pgdir(c->d->dev, r->gref_directory, 1, 1, true,
				  (void **)&page);
	if (rc)
		return rc;
	rc = displback_edid(page, c->width, c->height, c->uid);
	pvback_dev_unmap(c->d->dev, page);
	if (!rc)
		resp->op.get_edid.edid_sz = XENDISPL_EDID_BLOCK_SIZE;
	return rc;
}

/* ---- dispatch --------------------------------------------------------------
 */

static int handle(struct conn *c, const struct xendispl_req *req,
		  struct xendispl_resp *resp)
{
	struct displ_dev *d = c->d;
	bool device_wide = req->operation >= XENDISPL_OP_DBUF_CREATE &&
			   req->operation <= XENDISPL_OP_FB_DETACH;

	if (device_wide && c->index)
		return -EINVAL;
	switch (req->operation) {
	case XENDISPL_OP_DBUF_CREATE:
		return dbuf_create(d, req);
	case XENDISPL_OP_DBUF_DESTROY:
		return dbuf_destroy(d, req);
	case XENDISPL_OP_FB_ATTACH:
		return fb_attach(d, req);
	case XENDISPL_OP_FB_DETACH:
		return fb_detach(d, req);
	case XENDISPL_OP_SET_CONFIG:
		return set_config(c, req);
	case XENDISPL_OP_PG_FLIP:
		return pg_flip(c, req);
	case XENDISPL_OP_GET_EDID:
		return get_edid(c, req, resp);
	default:
		return -ENOTSUP;
	}
}

void displ_handle(struct conn *c, const struct xendispl_req *req,
		  struct xendispl_resp *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->id = req->id;
	resp->operation = req->operation;
	resp->status = handle(c, req, resp);
}
