/*
 * guest_d0gnt — maps pages that dom0 made and granted to it (dom0's own
 * grants, the memory of displif's be-alloc buffers).
 *
 *   kernel = "guest_d0gnt"   cmdline = "[noconfine]"
 *
 * 1. Shares a page with dom0 read-write and allocates an unbound port for
 *    it; prints "GREF=<ref> PORT=<port>".
 * 2. Each time the port fires it reads a command from the page
 *    (struct d0gnt_cmd, below), does it, prints one line and answers with
 *    a send:
 *      MAP first n ro   maps dom0's refs first .. first + n - 1, checks
 *                       that word 0 of page i is i, writes ~i into word 1
 *                       of each page when not ro, and keeps the mapping:
 *                       "MAPPED err=<0 or errno> bad=<pages that were
 *                       wrong>"
 *      UNMAP            unmaps it: "UNMAPPED uerr=<0 or errno>"
 *      WRITE            writes ~i + 1 into word 1 of each page of the
 *                       kept mapping (dom0 may have ended the grants by
 *                       then: the memory stays the guest's): "WROTE"
 *    A command that is none of these prints "WHAT".
 * It confines itself (PVFRONT_POSIX_CONFINE) unless told "noconfine".
 */
#include <errno.h>
#include <string.h>

#include "guest_util.h"

#define D0GNT_MAP   1u
#define D0GNT_UNMAP 2u
#define D0GNT_WRITE 3u

struct d0gnt_cmd {
	uint32_t op, first, n, ro;
};

static uint32_t *kept;
static uint32_t kept_n;

static void do_map(struct pvfront_posix *p, const struct d0gnt_cmd *c)
{
	grant_ref_t refs[1024];
	unsigned int bad = 0;
	void *addr = NULL;
	int rc = -EINVAL;

	if (!kept && c->n && c->n <= 1024) {
		for (uint32_t i = 0; i < c->n; i++)
			refs[i] = c->first + i;
		rc = pvfront_posix_map_foreign(p, 0, refs, c->n, c->ro != 0,
					       &addr);
	}
	if (rc == 0) {
		kept = addr;
		kept_n = c->n;
		for (uint32_t i = 0; i < c->n; i++) {
			volatile uint32_t *w = kept + (size_t)i * 1024;

			bad += w[0] != i;
			if (!c->ro)
				w[1] = ~i;
		}
	}
	guest_say(p, "MAPPED err=%d bad=%u\n", -rc, bad);
}

int main(int argc, char **argv)
{
	struct pvfront_posix *p = guest_open(argc, argv);
	evtchn_port_t port;
	grant_ref_t ref;
	uint8_t *page = pvfront_posix_alloc_pages(p, 1);

	if (!page)
		guest_fail(p, "alloc_pages", -ENOMEM);
	guest_share(p, page, false, &ref, &port);
	for (;;) {
		struct d0gnt_cmd c;
		int rc;

		if (!guest_wait_port(p, port, -1))
			continue;
		memcpy(&c, page, sizeof(c)); /* once: dom0 may write on */
		if (c.op == D0GNT_MAP) {
			do_map(p, &c);
		} else if (c.op == D0GNT_UNMAP) {
			rc = pvfront_posix_unmap_foreign(p, kept, kept_n);
			kept = NULL;
			guest_say(p, "UNMAPPED uerr=%d\n", -rc);
		} else if (c.op == D0GNT_WRITE && kept) {
			for (uint32_t i = 0; i < kept_n; i++)
				kept[(size_t)i * 1024 + 1] = ~i + 1;
			guest_say(p, "WROTE\n");
		} else {
			guest_say(p, "WHAT\n");
		}
		rc = pvfront_posix_evtchn_send(p, port);
		if (rc)
			guest_fail(p, "evtchn_send", rc);
	}
}
