/*
 * domcfg.h — a guest's configuration, read from an xl.cfg file.
 *
 * Keys (see README, "Guest configuration"):
 *   name          required; letters, digits, '-', '_', '.'; at most 63 bytes
 *   type          "process" (default)
 *   memory        MiB (default 32)
 *   vcpus         number of vCPUs (default 1)
 *   cpus          "all", "0-3,^1", or a list with one such string per vCPU
 *   kernel        the guest program; relative to the config file's folder
 *   cmdline       guest command line (extra= is appended when both given)
 *   extra         as cmdline
 *   on_poweroff   destroy | restart | preserve       (default destroy)
 *   on_crash      destroy | restart | preserve       (default destroy)
 *   vwfi          trap | native (default: pvhv's --vwfi)
 *   max_grant_frames    grant-table frames the guest may set up (default 32)
 *   max_event_channels  event-channel ports (default 1023)
 *   vkb, vsnd, vdispl, p9, pvcalls
 *                 para-virtual devices, as in xl.cfg(5) (devcfg.h); pvhv
 *                 writes them to the store where libxl would
 * Every error names the file, the line and the key.
 */
#ifndef PVHV_DOMCFG_H
#define PVHV_DOMCFG_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctl_wire.h"
#include "devcfg.h"

#define DOMCFG_MAX_VCPUS 64
#define DOMCFG_MAX_MEMORY_MIB (64u * 1024u)
#define DOMCFG_MAX_GRANT_FRAMES 256u
#define DOMCFG_MAX_EVTCHN 4095u

enum domcfg_action { DOMCFG_DESTROY, DOMCFG_RESTART, DOMCFG_PRESERVE };
enum domcfg_vwfi { DOMCFG_VWFI_DEFAULT, DOMCFG_VWFI_TRAP, DOMCFG_VWFI_NATIVE };

struct domcfg {
	char name[PVHV_NAME_MAX];
	char type[16];
	uint64_t memory_mib;
	unsigned int vcpus;
	bool pinned;                       /* cpus= given */
	cpu_set_t cpus[DOMCFG_MAX_VCPUS];  /* per vCPU, when pinned */
	char *kernel;                      /* absolute path */
	char *cmdline;
	enum domcfg_action on_poweroff, on_crash;
	enum domcfg_vwfi vwfi;
	unsigned int max_grant_frames;
	unsigned int max_event_channels;
	struct devcfg devs; /* vkb= ... pvcalls=, in config order */
};

/* Parse config text; path names it in messages and anchors a relative
 * kernel=.  Warnings (keys pvhv accepts but ignores) go to warn.
 * 0, or -EINVAL with "FILE:LINE: KEY: problem" in err. */
int domcfg_parse(const char *path, const char *text, size_t len,
		 struct domcfg *cfg, char *err, size_t errlen,
		 void (*warn)(void *arg, const char *msg), void *arg);

/* Parse a CPU list ("all", "0-3,5,^1") into set; ncpus bounds it. */
int domcfg_parse_cpus(const char *s, unsigned int ncpus, cpu_set_t *set,
		      char *err, size_t errlen);

void domcfg_release(struct domcfg *cfg);
const char *domcfg_vwfi_name(enum domcfg_vwfi v);

#endif
