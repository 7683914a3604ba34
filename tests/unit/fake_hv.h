/*
 * tests/unit/fake_hv.h — a small stand-in for the pvhv daemon around the
 * grant-table and event-channel code under test.
 *
 * Real (linked from hypervisor/pvhv): the module under test, mem.c (guest
 * memory is a real memfd) and log.c.  Fake (fake_hv.c), because the real
 * ones pull in the whole daemon (libevent loop, control socket, process
 * engine):
 *   - the domain table: hv_domain_find(), and domain creation and death
 *     done in the order domain.c does them;
 *   - a fake engine: kick() counts and writes the vCPU's wake eventfd,
 *     hv_domain_wake_fd() hands that eventfd out;
 *   - control clients: a status page and a log of notifications;
 *   - argument memory: a plain buffer; addresses are offsets into it, for
 *     guest callers as for dom0 (the process engine's translation of guest
 *     addresses is not under test here).
 */
#ifndef PVKIT_TESTS_FAKE_HV_H
#define PVKIT_TESTS_FAKE_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvhv.h"

#define FAKE_VCPUS 2
#define FAKE_NOTES 64

/* The fake's own client: gnttab.c and evtchn.c never look inside. */
struct client {
	uint32_t id;
	_Atomic uint32_t status[HV_DOM0_MAX_PORTS];
	struct pvhv_ctl_notify notes[FAKE_NOTES];
	unsigned int n_notes;
};

struct fake_engine {
	unsigned int kicks[FAKE_VCPUS];
	int wake[FAKE_VCPUS]; /* -1: the engine has none to give */
};

/* Argument memory of one call. */
struct fake_call {
	struct hv_call c;
	uint8_t *buf;
	size_t len;
	bool read_only; /* copy_to fails: results cannot be written back */
};

/* dom0 as main.c makes it (an event-channel table, no memory). */
void fake_hv_init(struct hv *hv);
/* Every guest dies, then dom0 goes. */
void fake_hv_fini(struct hv *hv);

/* A guest of nr_pages frames, laid out as domain.c does it: memory,
 * grant table of grant_frames frames, max_ports ports, console and store
 * ports, entries 0 and 1 granted to dom0. */
struct domain *fake_domain_new(struct hv *hv, uint64_t nr_pages,
			       unsigned int grant_frames,
			       unsigned int max_ports);
/* The guest dies: unlinked, then ports, grant table and memory released
 * in domain.c's order. */
void fake_domain_die(struct domain *d);
struct fake_engine *fake_engine_of(struct domain *d);

struct client *fake_client_new(uint32_t id);
/* The client disconnects: what control.c's free_client does. */
void fake_client_gone(struct hv *hv, struct client *cl);

/* A call by d (with cl for dom0 clients) whose arguments live in buf. */
void fake_call_init(struct fake_call *fc, struct hv *hv, struct domain *d,
		    struct client *cl, void *buf, size_t len);
/* Close the fds a call handed out. */
void fake_call_close_fds(struct fake_call *fc);

/* File descriptors open in the process (to prove nothing leaked). */
unsigned int fake_open_fds(void);

/* Notifications sent with no addressee. */
extern unsigned int fake_broadcast_notes;

#endif
