/*
 * The plain-device fixture of pvback_test_plain.h.
 */
#include <string.h>

#include <event2/event.h>

#include "pvback_test_plain.h"
#include "unit.h"

struct plain_fixture T;

static int plain_connect(struct pvback_dev *dev, void *arg)
{
	(void)arg;
	T.dev = dev;
	return 0;
}

static void plain_disconnect(struct pvback_dev *dev, void *arg)
{
	(void)dev;
	(void)arg;
	T.dev = NULL;
}

static const struct pvback_device_ops plain_ops = {
    .type = "vplain",
    .connect = plain_connect,
    .disconnect = plain_disconnect,
};

static void quiet_log(struct pvback *b, enum pvback_log_level level,
		      const char *msg, void *arg)
{
	(void)b;
	(void)level;
	(void)msg;
	(void)arg;
}

void run(void)
{
	for (int i = 0; i < 20; i++)
		event_base_loop(T.base, EVLOOP_NONBLOCK);
}

int setup(void **state)
{
	(void)state;
	memset(&T, 0, sizeof(T));
	T.base = event_base_new();
	T.f = fpf_new();
	assert_int_equal(pvback_new(T.base, &fpf_ops, T.f, &T.b), 0);
	pvback_set_log(T.b, quiet_log, NULL);
	assert_int_equal(pvback_register(T.b, &plain_ops, NULL), 0);
	fpf_add_device(T.f, "vplain", "vplain", PLAIN_DOM, 0);
	fpf_write(T.f, "3", "/local/domain/%u/device/vplain/0/state",
		  PLAIN_DOM);
	run();
	assert_non_null(T.dev);
	return 0;
}

int teardown(void **state)
{
	(void)state;
	pvback_free(T.b);
	assert_int_equal(fpf_mapped(T.f), 0);
	assert_int_equal(fpf_bound(T.f), 0);
	assert_int_equal(fpf_owned(T.f), 0);
	fpf_free(T.f);
	event_base_free(T.base);
	return 0;
}
