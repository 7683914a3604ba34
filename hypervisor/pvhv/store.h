/*
 * store.h — pvhv's store (a xenstored): the tree, its permissions,
 * transactions, watches and quotas, with no transport attached.
 *
 * The store is a tree of nodes named by absolute paths ("/local/domain/1/
 * name").  Every node has a value (raw bytes, possibly empty), children and
 * a permission list.  It starts with "/", "/local", "/local/domain" and
 * "/tool", all owned by dom0 with "n0".
 *
 * Clients.  Each client is a struct store_conn: dom0's socket connections
 * (domid 0, privileged) or a guest's ring (domid >= 1).  The transport owns
 * the bytes: it frames one message, checks its header with
 * pv_xs_parse_header(), and hands header and payload to store_request().
 * Everything the store says back (the reply, and watch events for any
 * client) leaves through that client's ops->send, one whole message per
 * call; send queues it and returns 0 or -errno.  A request always gets
 * exactly one reply, XS_ERROR with the error's name on failure.
 *
 *     st_ops = { .send = my_queue };
 *     store_new(NULL, &st);                        // default quotas
 *     store_conn_new(st, 0, &st_ops, sock, &c);    // a dom0 tool
 *     store_request(c, &hdr, payload);             // for each message
 *     store_conn_free(c);                          // on hang-up
 *
 * Paths.  A path not starting with '/' is relative to the client's home,
 * /local/domain/<domid>.  Watch paths may also be "@introduceDomain" and
 * "@releaseDomain".  Unprivileged clients are held to the path_max quota
 * below their home.  Too long paths and bad characters get EINVAL (the wire
 * has no name for ENAMETOOLONG).
 *
 * Permissions.  A node's list "n0 r1 w2 b3": the first entry names the
 * owner and what every domain not listed later may do; later entries grant
 * r (read), w (write), b (both) or n (nothing) to one domain.  The owner
 * and dom0 may do everything.  Reading and listing need r; writing,
 * removing and creating below a node need w (for a new node, on the
 * nearest node that exists); changing permissions needs ownership, and
 * only dom0 may give a node away (EPERM).  A missing node behind a node
 * the client may not access reports EACCES, not ENOENT.  A new node copies
 * its parent's list, except that a guest creating it becomes its owner.
 *
 * Watches.  WATCH "path\0token\0" fires at once (after the OK), then on
 * every write, mkdir, rm and set_perms of the path or anything below it,
 * as WATCH_EVENT "path\0token\0" with the changed path as the watcher
 * wrote it (relative when it watched a relative path).  Removing a subtree
 * also fires the watches set exactly on each removed node.  An event goes
 * only to clients allowed to read the node that changed (for a removal:
 * as it was before); the special watches go to dom0 and to domains that
 * SET_PERMS on the special path grants r.  Changes made in a transaction
 * fire when it commits, never if it aborts.
 *
 * Transactions.  TRANSACTION_START replies the id ("3\0"); requests with
 * that tx_id see the tree as it was plus their own changes.  At
 * TRANSACTION_END "T" the commit fails with EAGAIN when anything the
 * transaction read or wrote changed meanwhile, and with ENOSPC when its
 * new nodes no longer fit the guest's node quota; "F" discards it.
 *
 * Domains.  store_domain_introduce() creates /local/domain/<id> laid out
 * as a toolstack does: the home, "device" and "control" are dom0's and
 * readable by the domain ("n0 r<id>"), and so are "domid" and "name" (the
 * domain's name, when given); "control/shutdown", "data",
 * "drivers", "feature", "attr" and "error" are the domain's ("n<id>").  It
 * fires @introduceDomain; store_domain_release() removes that tree, drops
 * the watches and transactions of the domain's clients, hands nodes it
 * still owned elsewhere to dom0, forgets its grants in other nodes' lists
 * (a later domain with the same id inherits nothing) and fires
 * @releaseDomain.  The INTRODUCE / RELEASE requests of dom0 do the same
 * without creating or removing the home (a toolstack does that).
 *
 * Quotas (for guests; dom0 is exempt): nodes a domain owns (ENOSPC), value
 * bytes per node (ENOSPC), entries per permission list (ENOSPC), watches
 * per client (E2BIG), open transactions per client (ENOSPC), and path
 * length.  Outstanding requests are flow control: each reply counts until
 * the transport reports it delivered with store_conn_delivered(), and
 * while store_conn_throttled() is true the transport should read no more
 * requests from that client (store_request() refuses them with -EBUSY and
 * sends nothing).  So a flooding guest stalls only itself.
 *
 * Everything is single-threaded (pvhv's loop); all calls return 0 or a
 * negative XEN_E* errno.
 */
#ifndef PVHV_STORE_H
#define PVHV_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvkit/proto/xs_wire.h"

struct store;
struct store_conn;

/* Per-domain / per-client limits; store_quota_defaults() gives the
 * defaults a stock xenstored uses.  0 means "no limit". */
struct store_quota {
	unsigned int entry_nb;	  /* nodes a domain may own (1000) */
	unsigned int entry_size;  /* bytes in one node's value (2048) */
	unsigned int perm_nb;	  /* entries in one permission list (5) */
	unsigned int watch_nb;	  /* watches per client (128) */
	unsigned int transaction; /* open transactions per client (10) */
	unsigned int outstanding; /* undelivered replies per client (20) */
	unsigned int path_max;	  /* path length below the home (2048) */
};

void store_quota_defaults(struct store_quota *q);

/* One permission list entry.  The first entry of a list is the owner. */
#define STORE_PERM_NONE	 0u
#define STORE_PERM_READ	 1u
#define STORE_PERM_WRITE 2u
#define STORE_PERM_BOTH	 3u

struct store_perm {
	uint16_t id;   /* domid */
	uint8_t perms; /* STORE_PERM_* */
};

struct store_conn_ops {
	/* Queue one message (a reply or a watch event) to the client. */
	int (*send)(struct store_conn *c, const struct xsd_sockmsg *hdr,
		    const void *payload, size_t len, void *arg);
};

__attribute__((warn_unused_result)) int store_new(const struct store_quota *q,
						  struct store **out);
/* Frees the tree and every connection still open (their ops are not
 * called again). */
void store_free(struct store *st);

__attribute__((warn_unused_result)) int
store_conn_new(struct store *st, uint16_t domid,
	       const struct store_conn_ops *ops, void *arg,
	       struct store_conn **out);
/* Drops the client's watches, aborts its transactions.  NULL is fine. */
void store_conn_free(struct store_conn *c);
uint16_t store_conn_domid(const struct store_conn *c);

/* Execute one request; payload holds hdr->len bytes (NULL when 0).
 * 0 once the reply is queued (whatever the store's verdict was), -EBUSY
 * when the client is throttled, or the send error. */
int store_request(struct store_conn *c, const struct xsd_sockmsg *hdr,
		  const char *payload);
bool store_conn_throttled(const struct store_conn *c);
/* The transport handed n of the client's replies over. */
void store_conn_delivered(struct store_conn *c, unsigned int n);

/* pvhv's own access, as dom0 (absolute paths; watches fire). */
int store_write(struct store *st, const char *path, const void *value,
		size_t len);
int store_mkdir(struct store *st, const char *path);
int store_rm(struct store *st, const char *path);
int store_set_perms(struct store *st, const char *path,
		    const struct store_perm *perms, unsigned int n);
/* Copies up to len bytes of the value into buf; returns the value's full
 * length (which may exceed len) or -errno. */
int store_read(struct store *st, const char *path, void *buf, size_t len);

/* Optional: called for INTRODUCE requests (before the store's own work),
 * so pvhv can check the request against the guest's ring, which it
 * serves already (xs_ring.c); nonzero fails the request. */
typedef int (*store_introduce_fn)(struct store *st, uint16_t domid,
				  uint64_t mfn, uint32_t port, void *arg);
void store_set_introduce_hook(struct store *st, store_introduce_fn fn,
			      void *arg);

int store_domain_introduce(struct store *st, uint16_t domid, const char *name);
int store_domain_release(struct store *st, uint16_t domid);
bool store_domain_introduced(const struct store *st, uint16_t domid);

#endif
