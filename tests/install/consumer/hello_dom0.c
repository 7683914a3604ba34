/*
 * hello_dom0 — a dom0 program built outside pvkit's tree, against an
 * installed pvkit (tests/install).  It uses libpvring's store codec and
 * libpvhv: starts a guest from an xl.cfg file, waits until the guest has
 * written data/hello in the store, prints it and destroys the guest.
 *
 *   hello_dom0 RUNDIR GUEST.cfg
 *
 * Output: "pvkit <version>" (PVKIT_VERSION, from the build system that
 * found pvkit), "codec ok", "guest <domid> said: <value>".  Exit 0 on
 * success, 1 with a message on stderr otherwise.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pvkit/hv.h"
#include "pvkit/store.h"

#ifndef PVKIT_VERSION
#error "PVKIT_VERSION: the build says which pvkit it found"
#endif

#define WAIT_MS 20000

static int fail(const char *what, int rc)
{
	fprintf(stderr, "hello_dom0: %s: %s\n", what,
		rc < 0 ? strerror(-rc) : "unexpected");
	return 1;
}

/* Build a store READ message and parse it back with libpvring. */
static int codec_check(void)
{
	unsigned char buf[64];
	struct pv_xs_builder b;
	struct xsd_sockmsg hdr;
	const char *name;
	int len;

	pv_xs_build_begin(&b, buf, sizeof(buf), XS_READ, 7, 0);
	pv_xs_build_str(&b, "data/hello");
	len = pv_xs_build_end(&b);
	if (len != (int)(PV_XS_HDR_SIZE + sizeof("data/hello")))
		return fail("pv_xs_build_end", len);
	if (pv_xs_parse_header(buf, (size_t)len, &hdr) != 0 ||
	    hdr.type != XS_READ || hdr.req_id != 7)
		return fail("pv_xs_parse_header", 0);
	name = pv_xs_type_name(hdr.type);
	if (!name || strcmp(name, "READ"))
		return fail("pv_xs_type_name", 0);
	printf("codec ok\n");
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Poll the guest's data/hello until it appears. */
static int wait_hello(struct pvhv_store *s, domid_t dom, char **value)
{
	char path[64];
	int rc = -ENOENT;

	snprintf(path, sizeof(path), "/local/domain/%u/data/hello",
		 (unsigned int)dom);
	for (int t = 0; t < WAIT_MS / 20 && rc == -ENOENT; t++) {
		rc = pvhv_store_read(s, PVHV_STORE_TX_NONE, path, value,
				     NULL);
		if (rc == -ENOENT)
			sleep_ms(20);
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct pvhv *h = NULL;
	struct pvhv_store *s = NULL;
	char err[256] = "", *value = NULL;
	domid_t dom = 0;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: hello_dom0 RUNDIR GUEST.cfg\n");
		return 2;
	}
	printf("pvkit %s\n", PVKIT_VERSION);
	if (codec_check())
		return 1;
	rc = pvhv_open(argv[1], 0, &h);
	if (rc)
		return fail("pvhv_open", rc);
	rc = pvhv_domain_create(h, argv[2], &dom, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "hello_dom0: %s\n", err);
		pvhv_close(h);
		return fail("pvhv_domain_create", rc);
	}
	rc = pvhv_store_open(argv[1], 0, &s);
	if (rc == 0)
		rc = wait_hello(s, dom, &value);
	if (rc == 0)
		printf("guest %u said: %s\n", (unsigned int)dom, value);
	free(value);
	pvhv_store_close(s);
	if (pvhv_domain_destroy(h, dom) && rc == 0)
		rc = -EIO;
	pvhv_close(h);
	return rc ? fail("waiting for the guest's data/hello", rc) : 0;
}
