/*
 * The vdispl device on libpvback (pvkit/displback.h): connectors from the
 * frontend's directory, each connector's request ring and event page, the
 * host side's connectors, and flip events.  Requests are answered in
 * req.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "displback_int.h"

#define RING_BYTES 4096u

/* ---- connectors from the store --------------------------------------------
 */

/* "WxH", each 1..DISPLBACK_RES_MAX, nothing else. */
static int parse_resolution(const char *s, uint32_t *w, uint32_t *h)
{
	unsigned long v[2];
	char *end;

	for (int i = 0; i < 2; i++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v[i] = strtoul(s, &end, 10);
		if (!v[i] || v[i] > DISPLBACK_RES_MAX)
			return -EINVAL;
		if (*end != (i ? '\0' : XENDISPL_RESOLUTION_SEPARATOR[0]))
			return -EINVAL;
		s = end + 1;
	}
	*w = (uint32_t)v[0];
	*h = (uint32_t)v[1];
	return 0;
}

static int read_conn(struct displ_dev *d, unsigned int i)
{
	struct conn *c = &d->conns[i];
	char key[48], val[32];
	int rc;

	snprintf(key, sizeof(key), "%u/" XENDISPL_FIELD_RESOLUTION, i);
	rc = pvback_dev_read(d->dev, PVBACK_FRONTEND, key, val, sizeof(val));
	if (rc < 0)
		return rc;
	memset(c, 0, sizeof(*c));
	c->d = d;
	c->index = i;
	if (parse_resolution(val, &c->width, &c->height)) {
		pvback_dev_fail(d->dev, -EINVAL,
				"connector %u: resolution '%s' is not WxH "
				"within 1..%u",
				i, val, DISPLBACK_RES_MAX);
		return -EINVAL;
	}
	snprintf(key, sizeof(key), "%u/" XENDISPL_FIELD_UNIQUE_ID, i);
	rc = pvback_dev_read(d->dev, PVBACK_FRONTEND, key, c->uid,
			     sizeof(c->uid));
	if (rc == -ENOENT || rc == 0)
		snprintf(c->uid, sizeof(c->uid), "%u", i);
	else if (rc < 0) {
		pvback_dev_fail(d->dev, rc, "connector %u: unique-id", i);
		return rc;
	}
	return 0;
}

static int read_conns(struct displ_dev *d)
{
	char val[8];
	int rc = 0;

	d->n = 0;
	while (d->n < DISPLBACK_CONNECTORS_MAX) {
		rc = read_conn(d, d->n);
		if (rc)
			break;
		d->n++;
	}
	if (rc == -ENOENT && d->n)
		rc = 0;
	else if (rc == -ENOENT)
		pvback_dev_fail(d->dev, -ENODEV,
				"the device has no connectors");
	else if (rc && !pvback_dev_failed(d->dev))
		pvback_dev_fail(d->dev, rc, "connector %u: resolution", d->n);
	if (rc)
		return rc == -ENOENT ? -ENODEV : rc;
	rc = pvback_dev_read(d->dev, PVBACK_FRONTEND, XENDISPL_FIELD_BE_ALLOC,
			     val, sizeof(val));
	d->be_alloc = rc > 0 && !strcmp(val, "1");
	return 0;
}

/* ---- requests and events
 * -------------------------------------------------------- */

static void fail_ring(struct conn *c, const char *what)
{
	pvback_dev_fail(c->d->dev, -EPROTO, "connector %u: %s indices broken",
			c->index, what);
}

void displ_flip_event(struct conn *c, uint64_t cookie)
{
	struct displback *db = c->d->db;
	struct xendispl_event_page *pg = c->evt_page;
	struct xendispl_evt ev;
	uint32_t cons, used;

	if (!pg || pvback_dev_failed(c->d->dev))
		return;
	/* acquire: the frontend is done with the slots before in_cons */
	cons = __atomic_load_n(&pg->in_cons, __ATOMIC_ACQUIRE);
	used = c->evt_prod - cons;
	if (used > XENDISPL_IN_RING_LEN) {
		fail_ring(c, "event page");
		return;
	}
	if (used == XENDISPL_IN_RING_LEN) {
		db->st.events_dropped++;
		pvback_dev_printf(c->d->dev, "dropped-events", "%llu",
				  (unsigned long long)db->st.events_dropped);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.id = c->evt_id++;
	ev.type = XENDISPL_EVT_PG_FLIP;
	ev.op.pg_flip.fb_cookie = cookie;
	memcpy(&XENDISPL_IN_RING_REF(pg, c->evt_prod), &ev, sizeof(ev));
	c->evt_prod++;
	/* release: the slot is written before the frontend sees in_prod */
	__atomic_store_n(&pg->in_prod, c->evt_prod, __ATOMIC_RELEASE);
	db->st.events++;
	pvback_evt_notify(c->evt_evt);
}

static void on_request(struct pvback_evt *evt, void *arg)
{
	struct conn *c = arg;
	struct displback *db = c->d->db;
	bool notify = false;
	int rc;

	(void)evt;
	for (;;) {
		struct xendispl_req req;
		struct xendispl_resp resp;
		while ((rc = pv_back_ring_copy_request(&c->ring, &req,
						       sizeof(req))) == 0) {
			displ_handle(c, &req, &resp);
			db->st.requests++;
			if (resp.status)
				db->st.errors++;
			(void)pv_back_ring_put_response(&c->ring, &resp,
							sizeof(resp));
		}
		if (pv_back_ring_push_responses(&c->ring))
			notify = true;
		if (rc != -XEN_EAGAIN)
			break;
		rc = pv_back_ring_final_check_for_requests(&c->ring);
		if (rc <= 0)
			break;
	}
	if (notify)
		pvback_evt_notify(c->req_evt);
	if (rc < 0 && rc != -XEN_EAGAIN)
		fail_ring(c, "request ring");
}

static void on_evt_port(struct pvback_evt *evt, void *arg)
{
	/* The frontend consumed events; nothing waits for that. */
	(void)evt;
	(void)arg;
}

/* ---- the device ------------------------------------------------------------
 */

static int displ_probe(struct pvback_dev *dev, void *arg)
{
	(void)arg;
	return pvback_dev_write(dev, XENDISPL_FIELD_BE_VERSIONS,
				DISPLBACK_VERSIONS);
}

static int connect_rings(struct conn *c)
{
	struct pvback_dev *dev = c->d->dev;
	char key[48];
	int rc;

	snprintf(key, sizeof(key), "%u/" XENDISPL_FIELD_REQ_RING_REF, c->index);
	rc = pvback_dev_map_key(dev, key, true, &c->ring_page);
	if (rc)
		return rc;
	/* take the indices up from the page (a frontend that sent early) */
	if (pv_back_ring_attach(&c->ring, c->ring_page, RING_BYTES,
				sizeof(struct xendispl_req)))
		return -EINVAL;
	snprintf(key, sizeof(key), "%u/" XENDISPL_FIELD_EVT_RING_REF, c->index);
	rc = pvback_dev_map_key(dev, key, true, &c->evt_page);
	if (rc)
		return rc;
	c->evt_prod = __atomic_load_n(
	    &((struct xendispl_event_page *)c->evt_page)->in_prod,
	    __ATOMIC_RELAXED);
	snprintf(key, sizeof(key), "%u/" XENDISPL_FIELD_EVT_CHANNEL, c->index);
	rc = pvback_dev_bind_key(dev, key, on_evt_port, c, &c->evt_evt);
	if (rc)
		return rc;
	snprintf(key, sizeof(key), "%u/" XENDISPL_FIELD_REQ_CHANNEL, c->index);
	return pvback_dev_bind_key(dev, key, on_request, c, &c->req_evt);
}

static int open_host_conn(struct conn *c)
{
	struct displback *db = c->d->db;
	char name[64];
	struct displback_conn_info info = {.domid = pvback_dev_domid(c->d->dev),
					   .devid = pvback_dev_devid(c->d->dev),
					   .index = c->index,
					   .unique_id = c->uid,
					   .width = c->width,
					   .height = c->height,
					   .presented = displ_presented,
					   .ctx = c};

	if (pvback_dev_guest_name(c->d->dev, name, sizeof(name)) > 0)
		info.guest_name = name;
	return db->host_ops->connector_open(db->host, &info, &c->hconn);
}

static int check_version(struct pvback_dev *dev)
{
	char ver[16];
	int rc = pvback_dev_read(dev, PVBACK_FRONTEND,
				 XENDISPL_FIELD_FE_VERSION, ver, sizeof(ver));

	if (rc >= 0 && strcmp(ver, DISPLBACK_VERSIONS)) {
		pvback_dev_fail(dev, -EPROTONOSUPPORT,
				"version '%s': this backend speaks %s", ver,
				DISPLBACK_VERSIONS);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

static int displ_connect(struct pvback_dev *dev, void *arg)
{
	struct displ_dev *d = pvback_dev_priv(dev);
	int rc;

	memset(d, 0, sizeof(*d));
	d->dev = dev;
	d->db = arg;
	rc = check_version(dev);
	if (!rc)
		rc = read_conns(d);
	if (rc)
		return rc;
	for (unsigned int i = 0; i < d->n; i++) {
		rc = connect_rings(&d->conns[i]);
		if (rc) {
			pvback_dev_fail(dev, rc,
					"connector %u: cannot map its ring or "
					"event page or bind their ports",
					i);
			return rc;
		}
		rc = open_host_conn(&d->conns[i]);
		if (rc) {
			pvback_dev_fail(dev, rc,
					"connector %u: the host side (%s) "
					"refused it",
					i, d->db->host_ops->name);
			return rc;
		}
	}
	/* requests that came before the ports were bound */
	for (unsigned int i = 0; i < d->n && !pvback_dev_failed(dev); i++)
		on_request(NULL, &d->conns[i]);
	pvback_log(d->db->pb, PVBACK_LOG_INFO,
		   "dom%u vdispl %u connected: %u connectors on %s%s",
		   pvback_dev_domid(dev), pvback_dev_devid(dev), d->n,
		   d->db->host_ops->name,
		   d->be_alloc ? " (be-alloc: buffers of ours on request)" : "");
	return 0;
}

static void displ_disconnect(struct pvback_dev *dev, void *arg)
{
	struct displ_dev *d = pvback_dev_priv(dev);

	(void)arg;
	/* the host side lets go of the pixels before they are unmapped */
	for (unsigned int i = 0; i < d->n; i++) {
		struct conn *c = &d->conns[i];
		if (c->hconn)
			d->db->host_ops->connector_close(c->hconn);
		c->hconn = NULL;
		c->nq = 0;
		c->screen = NULL;
		pvback_evt_unbind(c->req_evt);
		pvback_evt_unbind(c->evt_evt);
		if (c->ring_page)
			pvback_dev_unmap(dev, c->ring_page);
		if (c->evt_page)
			pvback_dev_unmap(dev, c->evt_page);
		memset(c, 0, sizeof(*c));
	}
	displ_free_objects(d);
	d->n = 0;
}

static const struct pvback_device_ops displ_ops = {
    .type = XENDISPL_DRIVER_NAME,
    .priv_size = sizeof(struct displ_dev),
    .probe = displ_probe,
    .connect = displ_connect,
    .disconnect = displ_disconnect,
    .reconnect_on_restart = true,
};

/* ---- the backend
 * ------------------------------------------------------------- */

int displback_new(struct pvback *pb, const struct displback_host_ops *host_ops,
		  const char *host_arg, const struct displback_limits *limits,
		  struct displback **out)
{
	struct displback *db;
	int rc;

	if (!pb || !host_ops || !out)
		return -EINVAL;
	db = calloc(1, sizeof(*db));
	if (!db)
		return -ENOMEM;
	db->pb = pb;
	db->host_ops = host_ops;
	if (limits)
		db->limits = *limits;
	if (!db->limits.dbufs_max)
		db->limits.dbufs_max = DISPLBACK_DBUFS_MAX;
	if (!db->limits.pages_max)
		db->limits.pages_max = DISPLBACK_PAGES_MAX;
	rc = host_ops->open(pvback_base(pb), host_arg, &db->host);
	if (rc) {
		free(db);
		return rc;
	}
	rc = pvback_register(pb, &displ_ops, db);
	if (rc) {
		host_ops->close(db->host);
		free(db);
		return rc;
	}
	*out = db;
	return 0;
}

void displback_free(struct displback *db)
{
	if (!db)
		return;
	pvback_unregister(db->pb, &displ_ops);
	db->host_ops->close(db->host);
	free(db);
}

int displback_dump(struct displback *db)
{
	if (!db->host_ops->dump)
		return -ENOTSUP;
	return db->host_ops->dump(db->host);
}

void displback_stats(const struct displback *db, struct displback_stats *st)
{
	*st = db->st;
}
