/*
 * ctl_wire.h — pvhv's control protocol, spoken over <rundir>/pvhv.sock
 * (AF_UNIX, SOCK_SEQPACKET) by pvctl and libpvhv.  One message per packet:
 * a struct pvhv_ctl_hdr, then hdr.len payload bytes; file descriptors
 * travel as SCM_RIGHTS on the same packet.  Every request gets exactly one
 * reply with the same op and req_id; status is 0 or a negative errno, and
 * for a failed request the payload, when present, is a NUL-terminated
 * message for a person.  Messages pvhv sends on its own (PVHV_CTL_NOTIFY)
 * carry req_id 0.
 *
 * The process-guest hypercall channel (fd 3 of a guest) uses
 * struct pvhv_hcall_req / pvhv_hcall_rsp on a socketpair of the same type.
 *
 * Integers are host-endian: both ends always run on the same machine.
 */
#ifndef PVHV_CTL_WIRE_H
#define PVHV_CTL_WIRE_H

#include <stdint.h>

#define PVHV_CTL_VERSION 1
#define PVHV_CTL_SOCKET "pvhv.sock"
/* The store's dom0 socket in the same directory (the xenstored wire). */
#define PVHV_STORE_SOCKET "xenstored.sock"
#define PVHV_CTL_LOCK "pvhv.lock"
#define PVHV_CTL_MAX_PAYLOAD 65536u
#define PVHV_CTL_MAX_FDS 8
#define PVHV_NAME_MAX 64

enum pvhv_ctl_op {
	PVHV_CTL_HELLO = 1,  /* u32 version -> u32 version, u32 client id;
			      * fd[0]: the client's port status page */
	PVHV_CTL_CREATE,     /* struct pvhv_ctl_create + path + text -> u32 domid */
	PVHV_CTL_LIST,       /* -> n * struct pvhv_ctl_dominfo */
	PVHV_CTL_INFO,       /* u32 domid -> struct pvhv_ctl_dominfo */
	PVHV_CTL_PAUSE,      /* u32 domid */
	PVHV_CTL_UNPAUSE,    /* u32 domid */
	PVHV_CTL_DESTROY,    /* u32 domid */
	PVHV_CTL_WAIT,       /* u32 domid -> struct pvhv_ctl_exit, when gone */
	PVHV_CTL_CONSOLE,    /* struct pvhv_ctl_console -> bytes (see below) */
	PVHV_CTL_VCPU_PIN,   /* struct pvhv_ctl_vcpu_pin */
	PVHV_CTL_HYPERCALL,  /* struct pvhv_ctl_hcall + arg bytes -> same */
	PVHV_CTL_DOMAIN_MEM, /* u32 domid -> struct pvhv_ctl_mem + fds */
	PVHV_CTL_NOTIFY,     /* pvhv -> client: struct pvhv_ctl_notify */
	PVHV_CTL_DEVICE_ADD, /* struct pvhv_ctl_device_add + specs -> u32 devid */
	PVHV_CTL_DEVICE_REMOVE, /* struct pvhv_ctl_device_remove -> u32 how,
				 * when the device is gone */
	PVHV_CTL_GRANT_ALLOC, /* struct pvhv_ctl_grant_alloc -> u32 first ref;
			       * fd[0]: the pages (read-write) */
	PVHV_CTL_GRANT_END,   /* struct pvhv_ctl_grant_end -> u32 still mapped */
};

struct pvhv_ctl_hdr {
	uint32_t op;
	uint32_t req_id;
	int32_t status;
	uint32_t len;
};

struct pvhv_ctl_create {
	uint32_t path_len; /* config file name (for messages and relative paths) */
	uint32_t text_len; /* config text, xl.cfg syntax */
};

enum pvhv_dom_state {
	PVHV_DOM_RUNNING = 1,
	PVHV_DOM_PAUSED,
	PVHV_DOM_SHUTDOWN, /* stopped and preserved (on_poweroff/on_crash) */
	PVHV_DOM_DYING,
};

struct pvhv_ctl_dominfo {
	uint32_t domid;
	uint32_t state;           /* enum pvhv_dom_state */
	uint32_t shutdown_reason; /* SHUTDOWN_* when state is SHUTDOWN */
	uint32_t vcpus;
	uint64_t memory_kib;
	uint64_t cpu_time_ns;     /* CPU time used by the guest so far */
	int32_t pid;              /* process guests: the guest's pid */
	uint32_t vwfi;            /* 1 trap, 2 native */
	char name[PVHV_NAME_MAX];
	char type[16];
};

/* Not one of Xen's SHUTDOWN_* reasons: the domain was destroyed. */
#define PVHV_SHUTDOWN_DESTROYED 0x100u

struct pvhv_ctl_exit {
	uint32_t reason; /* SHUTDOWN_poweroff, _crash, ..., _DESTROYED */
	int32_t status;  /* wait status of a process guest */
};

#define PVHV_CONSOLE_FOLLOW 1u
/* Reply: the buffered output.  With FOLLOW, further PVHV_CTL_NOTIFY
 * messages of kind PVHV_NOTIFY_CONSOLE carry new output, and one of kind
 * PVHV_NOTIFY_DIED ends the stream. */
struct pvhv_ctl_console {
	uint32_t domid;
	uint32_t flags;
};

#define PVHV_CPUMASK_WORDS 16 /* up to 1024 host CPUs */
struct pvhv_ctl_vcpu_pin {
	uint32_t domid;
	uint32_t vcpu;
	uint64_t mask[PVHV_CPUMASK_WORDS];
};

/* A dom0 hypercall: args that are pointers in Xen's ABI are byte offsets
 * into the bytes that follow this struct; pvhv writes results back there
 * and the reply carries the whole buffer again. */
struct pvhv_ctl_hcall {
	uint64_t nr;
	uint64_t args[5];
	int64_t ret;
};

/* Reply to DOMAIN_MEM; fds: [0] read-only, [1] read-write guest memory. */
struct pvhv_ctl_mem {
	uint64_t nr_pages;
	uint64_t shared_info_gfn;
	uint32_t vcpus;
	uint32_t vwfi;
};

/* Hot plug of a para-virtual device (hypervisor/pvhv/devices.h).  type is
 * an xl.cfg key: "vkb", "vsnd", "vdispl", "p9" or "pvcalls".  ADD carries
 * n_specs NUL-terminated spec strings after the struct, as they would
 * stand in the config's list (a sound card takes its CARD, PCM and STREAM
 * items, every other type one string); the reply is the new device id. */
#define PVHV_DEVICE_TYPE_MAX 16
struct pvhv_ctl_device_add {
	uint32_t domid;
	uint32_t n_specs;
	char type[PVHV_DEVICE_TYPE_MAX];
};

/* REMOVE is answered once the device is gone, with a u32 PVHV_DEVICE_GONE_*
 * saying how: the backend closed it (after state Closing), no backend had
 * taken it (removed at once), the backend did not close it within
 * timeout_ms (0: 10 s; at most 600 s) and it was removed anyway, FORCE
 * removed it at once, or the domain died meanwhile. */
#define PVHV_DEVICE_FORCE 1u
struct pvhv_ctl_device_remove {
	uint32_t domid;
	uint32_t devid;
	uint32_t flags;
	uint32_t timeout_ms;
	char type[PVHV_DEVICE_TYPE_MAX];
};

enum pvhv_device_gone {
	PVHV_DEVICE_GONE_CLOSED = 1,
	PVHV_DEVICE_GONE_UNUSED,
	PVHV_DEVICE_GONE_TIMED_OUT,
	PVHV_DEVICE_GONE_FORCED,
	PVHV_DEVICE_GONE_DOMAIN,
};

/*
 * dom0's own grants.  dom0 has no grant table in its memory under pvhv, so
 * it asks pvhv to make pages and grant them: GRANT_ALLOC makes count
 * zeroed pages (a memfd, the reply's descriptor, page i at offset i * 4096)
 * and grants page i to domid as dom0's reference first + i, writable
 * unless PVHV_GRANT_READONLY.  The grants belong to the client that asked.
 * GRANT_END ends count of its references from first (all must be live and
 * the client's): the guest can map them no more; the reply says how many
 * the guest still maps, which end when it unmaps them (the memory stays
 * the guest's to read until then, and is never handed to anyone else).
 * A client that goes ends all of its grants.  At most
 * PVHV_GRANT_ALLOC_MAX pages per call.
 */
#define PVHV_GRANT_READONLY 1u
#define PVHV_GRANT_ALLOC_MAX 16384u
struct pvhv_ctl_grant_alloc {
	uint32_t domid;
	uint32_t count;
	uint32_t flags;
};

struct pvhv_ctl_grant_end {
	uint32_t first;
	uint32_t count;
};

enum pvhv_notify_kind {
	PVHV_NOTIFY_DIED = 1, /* domid died; port 0 */
	PVHV_NOTIFY_PORT_CLOSED, /* the remote end of port closed */
	PVHV_NOTIFY_CONSOLE,  /* domid's console output follows the struct */
};

struct pvhv_ctl_notify {
	uint32_t kind;
	uint32_t domid;
	uint32_t port;
	uint32_t reason;
};

/* The per-client port status page (HELLO's fd): one 32-bit word per dom0
 * port.  While the port is bound to a guest port the word is
 * VALID | (remote vCPU << VCPU_SHIFT) | remote port, and libpvhv may raise
 * the event in the guest's shared_info itself; pvhv clears it the moment
 * the binding breaks. */
#define PVHV_PORT_STATUS_VALID 0x80000000u
#define PVHV_PORT_STATUS_VCPU_SHIFT 16
#define PVHV_PORT_STATUS_VCPU_MASK 0x7fffu
#define PVHV_PORT_STATUS_PORT_MASK 0xffffu
#define PVHV_DOM0_MAX_PORTS 4096u

/* Process-guest hypercall channel. */
struct pvhv_hcall_req {
	uint64_t nr;
	uint64_t args[5];
};

struct pvhv_hcall_rsp {
	int64_t ret;
};

/* Where a process guest finds its memory and channels. */
#define PVHV_GUEST_FD_HCALL 3
#define PVHV_GUEST_FD_MEM 4
#define PVHV_GUEST_FD_WAKE0 5 /* vCPU n's wake eventfd is fd 5 + n */
/* The guest->dom0 fast path.  Descriptor PVHV_GUEST_FD_PORT_STATUS(n) of
 * a guest with n vCPUs (right after the wake eventfds) is the guest's
 * port status page: a sealed memfd, read-only for the guest, that only
 * pvhv writes, holding one 32-bit word per guest port (the file size says
 * how many).  When a guest sends on a port linked to a dom0 port, pvhv
 * delivers the event as usual and, the first time in that link's life,
 * answers with struct pvhv_hcall_rsp_fast and one descriptor (SCM_RIGHTS):
 * a duplicate of the dom0 port's eventfd.  Word `port` is then `word`
 * (PVHV_GUEST_PORT_VALID | a generation, never the same twice for one
 * guest), and while it stays so, writing 1 to that eventfd is the same
 * EVTCHNOP_send without pvhv.  pvhv zeroes the word the moment the link
 * breaks (either end closes, a peer dies); a new link of the same port
 * gets a new generation and a new descriptor.  The descriptor reaches
 * only the dom0 port of that link: once dom0 closes that port, nothing. */
#define PVHV_GUEST_FD_PORT_STATUS(vcpus) (PVHV_GUEST_FD_WAKE0 + (vcpus))
#define PVHV_GUEST_PORT_VALID 0x80000000u
#define PVHV_GUEST_PORT_GEN_MASK 0x7fffffffu

struct pvhv_hcall_rsp_fast {
	int64_t ret;   /* as in struct pvhv_hcall_rsp */
	uint32_t port; /* the guest port the descriptor serves */
	uint32_t word; /* its status word while the descriptor is valid */
};

/*
 * A process guest maps dom0's grants (GNTTABOP_map_grant_ref with dom 0)
 * itself: pvhv checks each entry and answers with struct
 * pvhv_hcall_rsp_fast whose port is PVHV_GUEST_RSP_GRANT and one
 * descriptor, the memory behind the grants (read-only for GNTMAP_readonly
 * maps); each map op's dev_bus_addr is its page's offset in it, and the
 * guest mmaps that.  All refs of one batch come from one such descriptor
 * and one access mode: an op that would need another is answered
 * GNTST_eagain, to be asked again in a later batch.  host_addr is not
 * used.  Guests whose transport passes no descriptors (KVM) get
 * GNTST_general_error.
 */
#define PVHV_GUEST_RSP_GRANT 0xffffffffu

/* Guest address of gfn 0: ordinary application memory on x86_64 and
 * arm64, clear of where the kernel places mappings and of the shadow
 * ranges of ASan and TSan, so sanitizer-built guests run too. */
#define PVHV_GUEST_BASE 0x7e8000000000ull

#endif
