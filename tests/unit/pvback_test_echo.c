/*
 * The test device "echo" and the helpers of pvback_test_echo.h.
 */
#include "pvback_test_echo.h"

struct counts c;
struct pvt T;

static int echo_probe(struct pvback_dev *dev, void *arg)
{
	(void)arg;
	c.probe++;
	if (c.probe_rc)
		return c.probe_rc;
	return pvback_dev_write(dev, "feature-echo", "1");
}

static void echo_event(struct pvback_evt *evt, void *arg)
{
	struct echo *e = arg;
	volatile uint8_t *page = e->page;
	uint8_t v = page[0]; /* once */

	c.events++;
	if (c.fail_in_event) {
		pvback_dev_fail(pvback_evt_dev(evt), -EPROTO, "echo: told to");
		return;
	}
	page[1] = (uint8_t)(v + 1);
	assert_int_equal(pvback_evt_notify(evt), 0);
}

int echo_connect(struct pvback_dev *dev, void *arg)
{
	struct echo *e = pvback_dev_priv(dev);
	void *page;
	int rc;

	(void)arg;
	c.connect++;
	c.last = dev;
	rc = pvback_dev_map_key(dev, "ring-ref", true, &page);
	if (rc < 0)
		return rc;
	e->page = page;
	rc = pvback_dev_bind_key(dev, "event-channel", echo_event, e, &e->evt);
	if (rc < 0)
		return rc;
	if (c.fail_in_connect)
		pvback_dev_fail(dev, -EIO, "echo: failing in connect");
	return c.connect_rc;
}

static void echo_disconnect(struct pvback_dev *dev, void *arg)
{
	struct echo *e = pvback_dev_priv(dev);

	(void)arg;
	c.disconnect++;
	e->page = NULL;
	e->evt = NULL;
}

static void echo_remove(struct pvback_dev *dev, void *arg)
{
	(void)dev;
	(void)arg;
	c.remove++;
}

const struct pvback_device_ops echo_ops = {
    .type = "vecho",
    .backend_dir = "vechoback",
    .priv_size = sizeof(struct echo),
    .probe = echo_probe,
    .connect = echo_connect,
    .disconnect = echo_disconnect,
    .remove = echo_remove,
};

static void quiet_log(struct pvback *b, enum pvback_log_level level,
		      const char *msg, void *arg)
{
	(void)b;
	(void)level;
	(void)msg;
	(void)arg;
}

/* ---- helpers ---------------------------------------------------------- */

void run(void)
{
	for (int i = 0; i < 20; i++)
		event_base_loop(T.base, EVLOOP_NONBLOCK);
}

void start_backend(void)
{
	assert_int_equal(pvback_new(T.base, &fpf_ops, T.f, &T.b), 0);
	pvback_set_log(T.b, getenv("PVBACK_TEST_LOG") ? NULL : quiet_log, NULL);
	assert_int_equal(pvback_register(T.b, &echo_ops, NULL), 0);
	run();
}

int setup(void **state)
{
	(void)state;
	memset(&c, 0, sizeof(c));
	T.base = event_base_new();
	T.f = fpf_new();
	start_backend();
	return 0;
}

int teardown(void **state)
{
	(void)state;
	pvback_free(T.b);
	/* Everything the framework had is released, and its watches gone. */
	assert_int_equal(fpf_mapped(T.f), 0);
	assert_int_equal(fpf_bound(T.f), 0);
	assert_int_equal(fpf_watches(T.f), 0);
	fpf_free(T.f);
	event_base_free(T.base);
	return 0;
}

const char *be_state(domid_t dom, unsigned int id)
{
	return fpf_read(T.f, BE "/%u/%u/state", dom, id);
}

const char *be_key(domid_t dom, unsigned int id, const char *key)
{
	return fpf_read(T.f, BE "/%u/%u/%s", dom, id, key);
}

void fe_state(domid_t dom, unsigned int id, const char *st)
{
	fpf_write(T.f, st, FE "/state", dom, id);
	run();
}

/* A guest device published as a frontend does: page and port, then
 * Initialised. */
void publish(struct guest *g, domid_t dom, unsigned int id)
{
	char v[16];

	g->dom = dom;
	g->id = id;
	g->ref = fpf_grant(T.f, dom, 10 + id, false);
	g->port = fpf_port_alloc(T.f, dom);
	snprintf(v, sizeof(v), "%u", g->ref);
	fpf_write(T.f, v, FE "/ring-ref", dom, id);
	snprintf(v, sizeof(v), "%u", g->port);
	fpf_write(T.f, v, FE "/event-channel", dom, id);
}

void connect_guest(struct guest *g, domid_t dom, unsigned int id)
{
	fpf_add_device(T.f, "vechoback", "vecho", dom, id);
	run();
	assert_string_equal(be_state(dom, id), "2");
	publish(g, dom, id);
	fe_state(dom, id, "3");
	assert_string_equal(be_state(dom, id), "4");
}

/* The guest pings; the backend answers. */
void ping(struct guest *g, uint8_t v)
{
	uint8_t *page = fpf_page(T.f, g->dom, 10 + g->id);
	unsigned int before = fpf_notified(T.f, g->dom, g->port);

	page[0] = v;
	assert_int_equal(fpf_raise(T.f, g->dom, g->port), 0);
	run();
	assert_int_equal(page[1], (uint8_t)(v + 1));
	assert_int_equal(fpf_notified(T.f, g->dom, g->port), before + 1);
}
