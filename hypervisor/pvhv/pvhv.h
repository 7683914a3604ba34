/*
 * pvhv.h — internals of the pvhv daemon, shared by its source files.
 *
 * pvhv is one thread around one libevent loop.  It owns:
 *   struct hv         the daemon: rundir, control socket, domain table
 *   struct domain     a guest (domid >= 1) or the host side (domid 0):
 *                     memory, grant table, event-channel ports, console,
 *                     and its engine (how the guest runs: process, later kvm)
 *   struct client     a connection on the control socket (pvctl, libpvhv)
 * and one hypercall dispatcher (hypercall.c) that every transport feeds.
 */
#ifndef PVHV_PVHV_H
#define PVHV_PVHV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "ctl_wire.h"
#include "domcfg.h"
#include "pvkit/proto/event_channel.h"
#include "pvkit/proto/grant_table.h"
#include "pvkit/proto/xen.h"

struct event_base;
struct event;
struct hv;
struct store;
struct hv_store_sock;
struct hv_store_ring;
struct domain;
struct client;

/* ---- logging ------------------------------------------------------------ */

enum hv_log_level { HV_LOG_ERROR, HV_LOG_WARN, HV_LOG_INFO, HV_LOG_DEBUG };
void hv_log(enum hv_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void hv_log_set_level(enum hv_log_level lvl);

/* ---- guest memory -------------------------------------------------------- */

#define HV_PAGE_SHIFT 12
#define HV_PAGE_SIZE 4096u

/* Fixed frames at the start of every guest's memory. */
enum {
	HV_GFN_START_INFO = 0,
	HV_GFN_SHARED_INFO = 1,
	HV_GFN_CONSOLE = 2,
	HV_GFN_STORE = 3,
	HV_GFN_GRANT = 4, /* max_grant_frames frames from here */
};

struct hv_mem {
	int fd;            /* memfd, read-write */
	int ro_fd;         /* the same memory, opened read-only (for dom0) */
	uint8_t *base;     /* pvhv's own mapping of all of it */
	uint64_t nr_pages;
	uint64_t first_free_gfn; /* frames before it are pvhv's layout */
};

int hv_mem_create(struct hv_mem *m, const char *name, uint64_t nr_pages);
void hv_mem_destroy(struct hv_mem *m);
/* Pointer to [gpa, gpa + len) inside guest memory, or NULL. */
void *hv_mem_ptr(const struct hv_mem *m, uint64_t gpa, size_t len);

/* ---- hypercalls ---------------------------------------------------------- */

/* How the dispatcher reaches the caller's argument memory.  Process guests
 * pass guest addresses, dom0 passes offsets into its message, KVM guests
 * pass guest-physical addresses: one accessor each. */
struct hv_call;
struct hv_argmem_ops {
	int (*copy_from)(struct hv_call *c, uint64_t addr, void *dst,
			 size_t len);
	int (*copy_to)(struct hv_call *c, uint64_t addr, const void *src,
		       size_t len);
};

#define HV_CALL_MAX_FDS PVHV_CTL_MAX_FDS

struct hv_call {
	struct hv *hv;
	struct domain *dom;     /* the caller */
	struct client *client;  /* dom0 calls: the connection, else NULL */
	unsigned int vcpu;
	uint64_t nr;
	uint64_t args[5];
	const struct hv_argmem_ops *mem;
	void *mem_ctx;
	int fds_out[HV_CALL_MAX_FDS]; /* dom0 calls: fds for the reply */
	unsigned int n_fds_out;
	bool fds_ok;   /* the transport passes descriptors (process guests) */
	bool grant_fd; /* guests: fds_out[0] holds dom0 grants it mapped */
};

/* The one dispatcher: Xen's hypercall numbers and sub-ops, negative errno
 * results.  Unknown hypercalls and sub-ops get -ENOSYS. */
long hv_hypercall(struct hv_call *c);

int hv_copy_from(struct hv_call *c, uint64_t addr, void *dst, size_t len);
int hv_copy_to(struct hv_call *c, uint64_t addr, const void *src,
	       size_t len);

/* ---- grant tables ---------------------------------------------------------- */

struct hv_gnttab;
int hv_gnttab_new(struct domain *d, struct hv_gnttab **out);
void hv_gnttab_free(struct hv_gnttab *g);
long hv_gnttab_op(struct hv_call *c, unsigned int cmd, uint64_t uop,
		  unsigned int count);
/* A dom0 client went away: drop every mapping it held. */
void hv_gnttab_client_gone(struct hv *hv, struct client *cl);

/* dom0's own grants (gnttab_dom0.c; ctl_wire.h, PVHV_CTL_GRANT_*): count
 * pages granted to dom from *first on, *fd their memory; ending them; a
 * client or a guest gone. */
struct hv_d0gnt;
int hv_d0gnt_alloc(struct hv *hv, struct client *cl, domid_t dom,
		   uint32_t count, bool ro, uint32_t *first, int *fd);
int hv_d0gnt_end(struct hv *hv, struct client *cl, uint32_t first,
		 uint32_t count, uint32_t *busy);
void hv_d0gnt_client_gone(struct hv *hv, struct client *cl);
void hv_d0gnt_domain_gone(struct hv *hv, domid_t dom);

/* ---- event channels -------------------------------------------------------- */

struct hv_evtchn;
int hv_evtchn_new(struct domain *d, unsigned int max_ports,
		  struct hv_evtchn **out);
/* Close every port of d, telling the peers. */
void hv_evtchn_free(struct hv_evtchn *e);
long hv_evtchn_op(struct hv_call *c, unsigned int cmd, uint64_t arg);
/* pvhv itself allocates the console and store ports of a new guest. */
int hv_evtchn_alloc_unbound(struct domain *d, domid_t remote,
			    evtchn_port_t *port);
/* Raise port on its domain (used by pvhv-side services). */
int hv_evtchn_raise(struct domain *d, evtchn_port_t port);
void hv_evtchn_client_gone(struct hv *hv, struct client *cl);
/* The guest->dom0 fast path (ctl_wire.h, PVHV_GUEST_FD_PORT_STATUS): the
 * read-only descriptor of d's port status page, made on first use (only
 * domains whose transport can pass descriptors ask: process guests), or
 * -errno.  evtchn.c keeps it until the domain's ports are freed. */
int hv_evtchn_status_fd(struct domain *d);
/* After a hypercall of guest d that handed out a descriptor: the port and
 * status word it serves (true), once; false when none was handed out. */
bool hv_evtchn_fast_handed(struct domain *d, evtchn_port_t *port,
			   uint32_t *word);

/* ---- engines --------------------------------------------------------------- */

struct hv_engine_ops {
	const char *name;
	int (*start)(struct domain *d, char *err, size_t errlen);
	int (*pause)(struct domain *d);
	int (*unpause)(struct domain *d);
	/* Stop the guest for good; the engine calls hv_domain_exited()
	 * when it is gone (possibly from inside this call). */
	void (*kill)(struct domain *d);
	/* Wake vCPU vcpu because an event became pending. */
	void (*kick)(struct domain *d, unsigned int vcpu);
	int (*pin)(struct domain *d, unsigned int vcpu, const cpu_set_t *set);
	uint64_t (*cpu_time_ns)(struct domain *d);
	void (*release)(struct domain *d); /* free engine state */
};

extern const struct hv_engine_ops hv_process_engine;

/* The engine's wake eventfd of vCPU vcpu (process guests), or -1. */
int hv_domain_wake_fd(struct domain *d, unsigned int vcpu);

/* ---- domains ----------------------------------------------------------------- */

#define HV_CONSOLE_BUF (64 * 1024)

struct hv_console {
	char *buf; /* ring of HV_CONSOLE_BUF bytes */
	uint64_t written; /* bytes ever written */
};

struct domain {
	struct hv *hv;
	domid_t domid;
	struct domcfg cfg;
	enum pvhv_dom_state state;
	unsigned int shutdown_reason;
	int exit_status;
	struct hv_mem mem;
	struct shared_info *shinfo;
	struct hv_gnttab *gnt;
	struct hv_evtchn *evt;
	struct hv_console cons;
	evtchn_port_t store_port, console_port;
	const struct hv_engine_ops *eng;
	void *eng_priv;
	char *cfg_path, *cfg_text; /* kept for on_*=restart */
	size_t cfg_len;
	bool shutdown_requested;   /* SCHEDOP_shutdown seen */
	bool destroying;           /* destroy asked: no restart, no preserve */
	bool engine_running;       /* the guest has not exited yet */
	struct hv_dev *devs;       /* its PV devices (devices.c) */
	struct hv_store_ring *store_ring; /* its store ring (xs_ring.c) */
	struct domain *next;
};

struct domain *hv_domain_find(struct hv *hv, domid_t domid);
int hv_domain_create(struct hv *hv, const char *path, const char *text,
		     size_t len, domid_t *out, char *err, size_t errlen);
int hv_domain_destroy(struct domain *d);
/* Engines report a guest that stopped: reason SHUTDOWN_*, status the wait
 * status.  Applies on_poweroff / on_crash.  May free d: the engine must not
 * touch d after this call. */
void hv_domain_exited(struct domain *d, unsigned int reason, int status);
/* A guest asked to shut down (SCHEDOP_shutdown). */
void hv_domain_shutdown(struct domain *d, unsigned int reason);
void hv_console_write(struct domain *d, const char *buf, size_t len);

/* ---- the daemon ------------------------------------------------------------ */

struct hv {
	struct event_base *base;
	char *rundir;
	int lock_fd;
	int ctl_fd;
	struct event *ctl_ev;
	enum domcfg_vwfi vwfi; /* default for domains that do not say */
	struct domain *dom0;
	struct domain *domains; /* guests, by domid */
	struct client *clients;
	uint32_t next_client_id;
	struct store *store;             /* the xenstored (store.h) */
	struct hv_store_sock *store_sock; /* its dom0 socket (xs_socket.c) */
	struct hv_d0gnt *d0gnt;          /* dom0's own grants, when any */
	bool stopping;
};

/* Each client's port status page (ctl_wire.h, PVHV_PORT_STATUS_*). */
#define HV_PORT_STATUS_VALID PVHV_PORT_STATUS_VALID
#define HV_PORT_STATUS_VCPU_SHIFT PVHV_PORT_STATUS_VCPU_SHIFT
#define HV_PORT_STATUS_PORT_MASK PVHV_PORT_STATUS_PORT_MASK
#define HV_DOM0_MAX_PORTS PVHV_DOM0_MAX_PORTS
_Atomic uint32_t *hv_client_port_status(struct client *cl);
uint32_t hv_client_id(const struct client *cl);

/* A listening unix socket DIR/name of type (SOCK_SEQPACKET, SOCK_STREAM),
 * non-blocking; its path goes to path.  The fd, or -errno. */
int hv_listen_unix(const struct hv *hv, const char *name, int type,
		   char *path, size_t pathlen);

int hv_ctl_listen(struct hv *hv);
void hv_ctl_close(struct hv *hv);
/* Tell every client that watches domains (or owns ports) something. */
void hv_ctl_notify(struct hv *hv, struct client *to,
		   const struct pvhv_ctl_notify *n, const void *extra,
		   size_t extra_len);
/* Domain domid is gone and released: answer WAIT and DESTROY requests and
 * tell every client. */
void hv_ctl_domain_died(struct hv *hv, domid_t domid, unsigned int reason,
			int status);
/* New console output of d, for clients that follow it. */
void hv_ctl_console_output(struct hv *hv, struct domain *d, const char *buf,
			   size_t len);
/* Everything about clients: create dom0's view at start, free at exit. */
void hv_ctl_free_clients(struct hv *hv);

/* The store's dom0 socket, DIR/xenstored.sock (xs_socket.c): listen at
 * start (hv->store must exist); close drops every connection and removes
 * the socket file.  Close is fine after a failed or no listen. */
#define HV_STORE_SOCKET PVHV_STORE_SOCKET
int hv_store_listen(struct hv *hv);
void hv_store_close(struct hv *hv);

/* ---- store rings --------------------------------------------------------- */

/* Guest d's store ring page (gfn HV_GFN_STORE) served as a client of the
 * store (xs_ring.c).  Attach before the guest first runs (the page's
 * feature and connection words are set then); detach before the store
 * releases the domain.  Detach is fine when attach failed or never ran. */
int hv_store_ring_attach(struct domain *d);
void hv_store_ring_detach(struct domain *d);

/* pvhv's own dom0 ports (evtchn.c), no client owns them: bind one to
 * guest d's port gport (unbound, waiting for dom0); *port gets the dom0
 * port and *efd its eventfd, which evtchn.c keeps and pvhv's loop watches
 * (the guest raises it, possibly by writing it directly).  notify raises
 * the guest end (-ENOTCONN when the guest closed it); close frees the
 * port, and the guest end becomes unbound. */
int hv_evtchn_pvhv_bind(struct domain *d, evtchn_port_t gport,
			evtchn_port_t *port, int *efd);
int hv_evtchn_pvhv_notify(struct hv *hv, evtchn_port_t port);
void hv_evtchn_pvhv_close(struct hv *hv, evtchn_port_t port);

#endif
