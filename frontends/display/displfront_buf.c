/*
 * Display buffers and framebuffers of the guest's vdispl device
 * (pvkit/displfront.h): shapes, cookies, DBUF_CREATE / DBUF_DESTROY and
 * FB_ATTACH / FB_DETACH on connector 0's ring.  Freestanding.
 */
#include "displfront_impl.h"
#include "pvkit/proto/errno.h"

/* ---- display buffers and framebuffers ---------------------------------------
 */

/* The buffer's size for a shape, 0 when it is not valid. */
static uint32_t shape(const struct displfront_dbuf_params *p, uint32_t *stride)
{
	uint64_t line, size;

	if (!p || !p->width || !p->height ||
	    (p->bpp != 8 && p->bpp != 16 && p->bpp != 24 && p->bpp != 32))
		return 0;
	line = (uint64_t)p->width * (p->bpp / 8u);
	size = (uint64_t)p->data_ofs + line * p->height;
	if (size > 0xffffffffu)
		return 0;
	if (stride)
		*stride = (uint32_t)line;
	return (uint32_t)size;
}

size_t displfront_dbuf_pages(const struct displfront_dbuf_params *p)
{
	uint32_t size = shape(p, NULL);

	return ((size_t)size + PVFRONT_PAGE_SIZE - 1u) / PVFRONT_PAGE_SIZE;
}

size_t displfront_dbuf_dir_pages(const struct displfront_dbuf_params *p)
{
	size_t n = displfront_dbuf_pages(p);

	return n ? pvfront_pgdir_pages(n) : 0;
}

static bool cookie_used(const struct displfront *df, uint64_t cookie)
{
	const struct displfront_dbuf *db;
	const struct displfront_fb *fb;

	for (db = df->dbufs; db; db = db->next)
		if (db->cookie == cookie)
			return true;
	for (fb = df->fbs; fb; fb = fb->next)
		if (fb->cookie == cookie)
			return true;
	return false;
}

static uint64_t new_cookie(struct displfront *df)
{
	do
		df->next_cookie++;
	while (!df->next_cookie || cookie_used(df, df->next_cookie));
	return df->next_cookie;
}

static void unlink_dbuf(struct displfront *df, struct displfront_dbuf *db)
{
	struct displfront_dbuf **pp;

	for (pp = &df->dbufs; *pp; pp = &(*pp)->next)
		if (*pp == db) {
			*pp = db->next;
			return;
		}
}

static bool listed(const struct displfront *df,
		   const struct displfront_dbuf *db)
{
	const struct displfront_dbuf *d;

	for (d = df->dbufs; d; d = d->next)
		if (d == db)
			return true;
	return false;
}

/* Share the buffer's pages (or, be-alloc, only its directory). */
static int share(struct displfront *df, struct displfront_dbuf *db,
		 const struct displfront_dbuf_params *p, bool be)
{
	int rc = pvfront_pgdir_alloc(
	    pvfront_dev_front(&df->dev), &db->pd,
	    pvfront_dev_backend_id(&df->dev), displfront_dbuf_pages(p),
	    be ? NULL : p->refs, p->dir_refs,
	    be ? PVFRONT_PGDIR_BACKEND_ALLOC : 0);

	if (rc)
		return rc;
	db->shared = true;
	if (!be)
		db->pixels =
		    (uint8_t *)pvfront_pages_addr(&db->pd.buf) + p->data_ofs;
	return 0;
}

/* be-alloc: the backend's grants, as it wrote them into the directory,
 * into refs, and mapped. */
static int map_backend_pages(struct displfront *df, struct displfront_dbuf *db,
			     grant_ref_t *refs)
{
	size_t n = db->pd.npages;
	void *a;
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++)
		rc = pvfront_pgdir_get(&db->pd, i, &refs[i]);
	if (!rc)
		rc = pvfront_map_grants(pvfront_dev_front(&df->dev),
					pvfront_dev_backend_id(&df->dev), refs,
					n, false, &a);
	if (rc)
		return rc;
	db->map = a;
	db->pixels = (uint8_t *)a + db->data_ofs;
	return 0;
}

int displfront_dbuf_unmap(struct displfront *df, struct displfront_dbuf *db)
{
	int rc = pvfront_unmap_grants(pvfront_dev_front(&df->dev), db->map,
				      db->pd.npages);

	if (rc)
		return rc;
	db->map = NULL;
	db->pixels = NULL;
	return 0;
}

static int create_checks(struct displfront *df, struct displfront_dbuf *db,
			 const struct displfront_dbuf_params *p, bool be)
{
	if (!db || !shape(p, NULL) || !p->refs || !p->dir_refs ||
	    listed(df, db) || (p->flags & ~DISPLFRONT_DBUF_BACKEND_ALLOC))
		return -XEN_EINVAL;
	if (p->cookie && cookie_used(df, p->cookie))
		return -XEN_EEXIST;
	if (be && (!df->be_alloc ||
		   !pvfront_can_map_grants(pvfront_dev_front(&df->dev))))
		return -XEN_EOPNOTSUPP;
	return displfront_link_error(df);
}

/* The backend made the buffer but we cannot use it: take it back. */
static void undo_create(struct displfront_conn *c, struct displfront_dbuf *db)
{
	struct xendispl_req rq;

	displfront_req_init(&rq, XENDISPL_OP_DBUF_DESTROY);
	rq.op.dbuf_destroy.dbuf_cookie = db->cookie;
	if (displfront_call(c, &rq) == 0)
		db->live = false;
}

int displfront_dbuf_create(struct displfront *df, struct displfront_dbuf *db,
			   const struct displfront_dbuf_params *p)
{
	struct displfront_conn *c = displfront_conn_of(df, 0);
	bool be = p && (p->flags & DISPLFRONT_DBUF_BACKEND_ALLOC);
	struct xendispl_req rq;
	uint32_t stride = 0, size = shape(p, &stride);
	int rc;

	if (!c)
		return -XEN_EINVAL;
	rc = create_checks(df, db, p, be);
	if (rc)
		return rc;
	__builtin_memset(db, 0, sizeof(*db));
	db->width = p->width;
	db->height = p->height;
	db->bpp = p->bpp;
	db->stride = stride;
	db->data_ofs = p->data_ofs;
	db->size = size;
	rc = share(df, db, p, be);
	if (rc)
		return rc;
	db->cookie = p->cookie ? p->cookie : new_cookie(df);
	db->next = df->dbufs;
	df->dbufs = db;
	displfront_req_init(&rq, XENDISPL_OP_DBUF_CREATE);
	rq.op.dbuf_create.dbuf_cookie = db->cookie;
	rq.op.dbuf_create.width = db->width;
	rq.op.dbuf_create.height = db->height;
	rq.op.dbuf_create.bpp = db->bpp;
	rq.op.dbuf_create.buffer_sz = db->size;
	rq.op.dbuf_create.flags = be ? XENDISPL_DBUF_FLG_REQ_ALLOC : 0;
	rq.op.dbuf_create.gref_directory = pvfront_pgdir_ref(&db->pd);
	rq.op.dbuf_create.data_ofs = db->data_ofs;
	rc = displfront_call(c, &rq);
	if (!rc) {
		db->live = true;
		if (!be)
			return 0;
		rc = map_backend_pages(df, db, p->refs);
		if (!rc)
			return 0;
		undo_create(c, db);
		if (db->live)
			return rc; /* listed: destroy it later */
	}
	/* unanswered: the backend may have made it, so destroy asks it */
	if (rc == -XEN_ETIMEDOUT)
		db->live = true;
	/* refused: give the pages back if we can */
	else if (!pvfront_pgdir_free(pvfront_dev_front(&df->dev), &db->pd)) {
		db->shared = false;
		unlink_dbuf(df, db);
	}
	return rc;
}

int displfront_dbuf_destroy(struct displfront *df, struct displfront_dbuf *db)
{
	struct displfront_conn *c = displfront_conn_of(df, 0);
	struct xendispl_req rq;
	int rc;

	if (!c || !db || !listed(df, db))
		return -XEN_EINVAL;
	if (db->fbs)
		return -XEN_EBUSY;
	/* The backend's pages are unmapped before it is asked to free them,
	 * so that it can end its grants at once. */
	if (db->map) {
		rc = displfront_dbuf_unmap(df, db);
		if (rc)
			return rc;
	}
	if (db->live) {
		displfront_req_init(&rq, XENDISPL_OP_DBUF_DESTROY);
		rq.op.dbuf_destroy.dbuf_cookie = db->cookie;
		rc = displfront_call(c, &rq);
		if (rc && rc != -XEN_ENOENT)
			return rc;
		db->live = false;
	}
	if (db->shared) {
		rc = pvfront_pgdir_free(pvfront_dev_front(&df->dev), &db->pd);
		if (rc)
			return rc;
		db->shared = false;
	}
	unlink_dbuf(df, db);
	db->pixels = NULL;
	return 0;
}

bool displfront_fb_listed(const struct displfront *df,
			  const struct displfront_fb *fb)
{
	const struct displfront_fb *f;

	for (f = df->fbs; f; f = f->next)
		if (f == fb)
			return true;
	return false;
}

int displfront_fb_attach_ex(struct displfront *df, struct displfront_fb *fb,
			    struct displfront_dbuf *db, uint32_t width,
			    uint32_t height, uint32_t format, uint64_t cookie)
{
	struct displfront_conn *c = displfront_conn_of(df, 0);
	struct xendispl_req rq;
	int rc;

	if (!c || !fb || !db || !listed(df, db) || displfront_fb_listed(df, fb))
		return -XEN_EINVAL;
	if (!db->live)
		return displfront_link_error(df) ? displfront_link_error(df)
						 : -XEN_EBADF;
	if (pv_displif_format_bpp(format) != db->bpp || !width || !height ||
	    width > db->width || height > db->height)
		return -XEN_EINVAL;
	if (cookie && cookie_used(df, cookie))
		return -XEN_EEXIST;
	__builtin_memset(fb, 0, sizeof(*fb));
	fb->cookie = cookie ? cookie : new_cookie(df);
	fb->db = db;
	fb->width = width;
	fb->height = height;
	fb->format = format;
	displfront_req_init(&rq, XENDISPL_OP_FB_ATTACH);
	rq.op.fb_attach.dbuf_cookie = db->cookie;
	rq.op.fb_attach.fb_cookie = fb->cookie;
	rq.op.fb_attach.width = width;
	rq.op.fb_attach.height = height;
	rq.op.fb_attach.pixel_format = format;
	rc = displfront_call(c, &rq);
	if (rc)
		return rc;
	fb->live = true;
	fb->next = df->fbs;
	df->fbs = fb;
	db->fbs++;
	return 0;
}

int displfront_fb_attach(struct displfront *df, struct displfront_fb *fb,
			 struct displfront_dbuf *db, uint32_t format)
{
	if (!db)
		return -XEN_EINVAL;
	return displfront_fb_attach_ex(df, fb, db, db->width, db->height,
				       format, 0);
}

int displfront_fb_detach(struct displfront *df, struct displfront_fb *fb)
{
	struct displfront_conn *c = displfront_conn_of(df, 0);
	struct displfront_fb **pp;
	struct xendispl_req rq;
	int rc;

	if (!c || !fb || !displfront_fb_listed(df, fb))
		return -XEN_EINVAL;
	if (fb->live) {
		displfront_req_init(&rq, XENDISPL_OP_FB_DETACH);
		rq.op.fb_detach.fb_cookie = fb->cookie;
		rc = displfront_call(c, &rq);
		if (rc && rc != -XEN_ENOENT)
			return rc;
		fb->live = false;
	}
	for (pp = &df->fbs; *pp; pp = &(*pp)->next)
		if (*pp == fb) {
			*pp = fb->next;
			break;
		}
	if (fb->db->fbs)
		fb->db->fbs--;
	return 0;
}
