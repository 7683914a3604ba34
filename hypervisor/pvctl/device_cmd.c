/*
 * device_cmd.c — `pvctl device-add` and `pvctl device-remove`: para-virtual
 * devices plugged into and out of a running guest, as xl's *-attach and
 * *-detach do (libpvhv's pvhv_device_add / pvhv_device_remove).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvctl.h"

const char pvctl_device_add_help[] =
    "TYPE is an xl.cfg device key: vkb, vsnd, vdispl, p9 or pvcalls.  "
    "SPEC is what\nthe config's list would hold for one device, in the "
    "same syntax: one\n\"KEY=VALUE, ...\" string; a sound card takes "
    "one \"CARD, ...\", \"PCM, ...\" or\n\"STREAM, ...\" item per SPEC "
    "argument.  pvctl create's config accepts the\nsame keys (see "
    "pvkit's README).  The device is written to the store where\nlibxl "
    "writes it (frontend /local/domain/DOM/device/KIND/ID, backend\n"
    "/local/domain/0/backend/KIND/DOM/ID, state 1) and gets the next "
    "free id of\nits type, which pvctl prints.\n"
    "\nExamples:\n"
    "  pvctl device-add guest1 vkb 'backend-type=linux, width=800, "
    "height=600'\n"
    "  pvctl device-add guest1 p9 'tag=share, path=/srv/share, "
    "security_model=none'\n"
    "  pvctl device-add guest1 pvcalls\n"
    "  pvctl device-add guest1 vsnd 'CARD, short-name=Hot' 'PCM, "
    "name=Out' \\\n"
    "                               'STREAM, unique-id=out0, type=p'\n";

const char pvctl_device_remove_help[] =
    "As xl's *-detach: the backend is told to let go (online 0, state 5 "
    "Closing)\nand the device's nodes go once it reports state 6 "
    "(Closed), or when the\ntimeout ends anyway.  A device whose backend "
    "is still in state 1 (no\nbackend picked it up) goes at once.\n"
    "\nOptions:\n"
    "  -f, --force          remove at once, without asking the backend\n"
    "  -t, --timeout SECS   how long the backend has (default 10, at "
    "most 600)\n"
    "\nExample:\n  pvctl device-remove guest1 vkb 0\n";

/* ---- device-add --------------------------------------------------------- */

int pvctl_device_add(struct pvctl *c, int argc, char **argv)
{
	unsigned int devid;
	domid_t dom;
	int first = 1, rc;

	if (argc > 1 && !strcmp(argv[1], "--"))
		first = 2;
	if (argc - first < 2)
		return pvctl_usage(c, "missing argument; usage: pvctl %s %s",
				   c->cmd, c->args);
	if (!pvctl_connect(c) || pvctl_domid(c, argv[first], &dom))
		return PVCTL_FAIL;
	rc = pvhv_device_add(c->h, dom, argv[first + 1],
			     (const char *const *)argv + first + 2,
			     (unsigned int)(argc - first - 2), &devid);
	if (rc == -EINVAL && !*pvhv_errmsg(c->h))
		return pvctl_usage(c,
				   "'%s' is not a device type (vkb, vsnd, "
				   "vdispl, p9 or pvcalls)",
				   argv[first + 1]);
	if (rc)
		return pvctl_fail(c, rc, "cannot add the device");
	printf("added %s %u to domain %u\n", argv[first + 1], devid, dom);
	return PVCTL_OK;
}

/* ---- device-remove ------------------------------------------------------ */

struct remove_args {
	bool force;
	unsigned int timeout_ms;
	char *pos[3];
	int npos;
};

static int number(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return !*s || *end || errno || *out > max || s[0] == '-' ? -1 : 0;
}

static int remove_args(struct pvctl *c, int argc, char **argv,
		       struct remove_args *a)
{
	bool opts = true;
	unsigned long v;

	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (opts && !strcmp(s, "--")) {
			opts = false;
		} else if (opts &&
			   (!strcmp(s, "-f") || !strcmp(s, "--force"))) {
			a->force = true;
		} else if (opts &&
			   (!strcmp(s, "-t") || !strcmp(s, "--timeout"))) {
			if (i + 1 == argc || number(argv[++i], 600, &v) || !v)
				return pvctl_usage(c,
						   "%s takes 1 to 600 "
						   "seconds",
						   s);
			a->timeout_ms = (unsigned int)v * 1000;
		} else if (opts && s[0] == '-' && s[1]) {
			return pvctl_usage(c, "unknown option '%s'", s);
		} else if (a->npos == 3) {
			return pvctl_usage(c, "unexpected argument '%s'", s);
		} else {
			a->pos[a->npos++] = argv[i];
		}
	}
	if (a->npos < 3)
		return pvctl_usage(c, "missing argument; usage: pvctl %s %s",
				   c->cmd, c->args);
	return PVCTL_OK;
}

static const char *removal_text(enum pvhv_removal how)
{
	switch (how) {
	case PVHV_REMOVED_CLOSED:
		return "the backend closed it";
	case PVHV_REMOVED_UNUSED:
		return "no backend had picked it up";
	case PVHV_REMOVED_TIMED_OUT:
		return "the backend did not close it in time; removed anyway";
	case PVHV_REMOVED_FORCED:
		return "forced";
	case PVHV_REMOVED_DOMAIN_GONE:
		return "the domain died meanwhile";
	}
	return "?";
}

int pvctl_device_remove(struct pvctl *c, int argc, char **argv)
{
	struct remove_args a = {0};
	enum pvhv_removal how;
	unsigned long devid;
	domid_t dom;
	int rc = remove_args(c, argc, argv, &a);

	if (rc != PVCTL_OK)
		return rc;
	if (number(a.pos[2], 0xffffffffu, &devid))
		return pvctl_usage(c, "DEVID '%s' is not a device id",
				   a.pos[2]);
	if (!pvctl_connect(c) || pvctl_domid(c, a.pos[0], &dom))
		return PVCTL_FAIL;
	rc = pvhv_device_remove(c->h, dom, a.pos[1], (unsigned int)devid,
				a.force ? PVHV_REMOVE_FORCE : 0, a.timeout_ms,
				&how);
	if (rc == -EINVAL && !*pvhv_errmsg(c->h))
		return pvctl_usage(c,
				   "'%s' is not a device type (vkb, vsnd, "
				   "vdispl, p9 or pvcalls)",
				   a.pos[1]);
	if (rc)
		return pvctl_fail(c, rc, "cannot remove the device");
	printf("removed %s %lu from domain %u: %s\n", a.pos[1], devid, dom,
	       removal_text(how));
	return PVCTL_OK;
}
