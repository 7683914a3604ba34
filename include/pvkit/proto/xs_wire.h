/*
 * pvkit/proto/xs_wire.h — the store (xenstore) wire protocol.
 *
 * The store is a tree of small text values ("/local/domain/1/name" =
 * "guest1") with permissions, watches and transactions.  Clients talk to
 * it with messages; every message is a struct xsd_sockmsg header followed
 * by `len` bytes of payload (at most XENSTORE_PAYLOAD_MAX):
 *
 *   type    an XS_* request type; a reply echoes it, or is XS_ERROR
 *   req_id  chosen by the client, echoed in the reply
 *   tx_id   transaction id, 0 outside a transaction
 *   len     payload length
 *
 * Payloads are NUL-separated strings, e.g. XS_WRITE carries "path\0value"
 * (the value not NUL-terminated), XS_READ carries "path\0".  An XS_ERROR
 * reply carries the error's name ("ENOENT\0"): names, not numbers, cross
 * the wire, and xsd_errors maps between them.  A watch fires as an
 * XS_WATCH_EVENT message whose payload is "path\0token\0"; XS_WATCH_PATH
 * and XS_WATCH_TOKEN index those two strings.
 *
 * Dom0 tools send messages over a Unix socket; a guest uses the store
 * ring page (struct xenstore_domain_interface): two 1 KiB byte rings,
 * requests and responses, each with free-running 32-bit consumer/producer
 * indices reduced with MASK_XENSTORE_IDX, plus an event channel.  The
 * producer writes bytes, issues a write barrier, then advances its index
 * and notifies.
 */
#ifndef PVKIT_PROTO_XS_WIRE_H
#define PVKIT_PROTO_XS_WIRE_H

#include <stdint.h>

#include "errno.h"

enum xsd_sockmsg_type {
	XS_CONTROL,
#define XS_DEBUG XS_CONTROL /* older name of XS_CONTROL */
	XS_DIRECTORY,
	XS_READ,
	XS_GET_PERMS,
	XS_WATCH,
	XS_UNWATCH,
	XS_TRANSACTION_START,
	XS_TRANSACTION_END,
	XS_INTRODUCE,
	XS_RELEASE,
	XS_GET_DOMAIN_PATH,
	XS_WRITE,
	XS_MKDIR,
	XS_RM,
	XS_SET_PERMS,
	XS_WATCH_EVENT,
	XS_ERROR,
	XS_IS_DOMAIN_INTRODUCED,
	XS_RESUME,
	XS_SET_TARGET,
	/* one number (a withdrawn request type) is skipped here */
	XS_RESET_WATCHES = XS_SET_TARGET + 2,
	XS_DIRECTORY_PART,
	XS_TYPE_COUNT,	    /* number of request types */
	XS_INVALID = 0xffff /* never a valid type */
};

/* Modes of the old write-with-flags request. */
#define XS_WRITE_NONE	     "NONE"
#define XS_WRITE_CREATE	     "CREATE"
#define XS_WRITE_CREATE_EXCL "CREATE|EXCL"

/* An error number and the name that goes on the wire for it. */
struct xsd_errors {
	int errnum;
	const char *errstring;
};

/*
 * The errors a store may report.  The order is part of the protocol's
 * history (new names are only ever appended); a reader that meets a name
 * not in the table should treat it as EINVAL.
 */
static const struct xsd_errors xsd_errors[]
#if defined(__GNUC__)
    __attribute__((unused))
#endif
    = {
	{XEN_EINVAL, "EINVAL"},	      {XEN_EACCES, "EACCES"},
	{XEN_EEXIST, "EEXIST"},	      {XEN_EISDIR, "EISDIR"},
	{XEN_ENOENT, "ENOENT"},	      {XEN_ENOMEM, "ENOMEM"},
	{XEN_ENOSPC, "ENOSPC"},	      {XEN_EIO, "EIO"},
	{XEN_ENOTEMPTY, "ENOTEMPTY"}, {XEN_ENOSYS, "ENOSYS"},
	{XEN_EROFS, "EROFS"},	      {XEN_EBUSY, "EBUSY"},
	{XEN_EAGAIN, "EAGAIN"},	      {XEN_EISCONN, "EISCONN"},
	{XEN_E2BIG, "E2BIG"},	      {XEN_EPERM, "EPERM"},
};

struct xsd_sockmsg {
	uint32_t type;	 /* XS_* */
	uint32_t req_id; /* echoed in the reply */
	uint32_t tx_id;	 /* 0: not in a transaction */
	uint32_t len;	 /* payload bytes that follow */
};

/* Index of the strings in an XS_WATCH_EVENT payload. */
enum xs_watch_type { XS_WATCH_PATH = 0, XS_WATCH_TOKEN };

/* Bytes in each of the two rings of the store page. */
#define XENSTORE_RING_SIZE 1024
typedef uint32_t XENSTORE_RING_IDX;
/* Offset in a ring of the free-running index idx. */
#define MASK_XENSTORE_IDX(idx) ((idx) & (XENSTORE_RING_SIZE - 1))

/* The store ring page shared by a guest and the store. */
struct xenstore_domain_interface {
	char req[XENSTORE_RING_SIZE]; /* guest → store */
	char rsp[XENSTORE_RING_SIZE]; /* store → guest: replies, watch events */
	XENSTORE_RING_IDX req_cons, req_prod;
	XENSTORE_RING_IDX rsp_cons, rsp_prod;
	uint32_t server_features; /* XENSTORE_SERVER_FEATURE_* */
	uint32_t connection;	  /* XENSTORE_CONNECTED or _RECONNECT */
	uint32_t error;		  /* XENSTORE_ERROR_* */
};

/* Largest payload of one message; larger ones are a protocol error. */
#define XENSTORE_PAYLOAD_MAX 4096
/* Longest absolute and relative paths; longer ones get an error. */
#define XENSTORE_ABS_PATH_MAX 3072
#define XENSTORE_REL_PATH_MAX 2048

/* server_features bits. */
#define XENSTORE_SERVER_FEATURE_RECONNECTION 1 /* `connection` is used */
#define XENSTORE_SERVER_FEATURE_ERROR	     2 /* `error` is used */

/* connection values. */
#define XENSTORE_CONNECTED 0 /* normal operation */
#define XENSTORE_RECONNECT 1 /* guest asked for a ring reset */

/* error values. */
#define XENSTORE_ERROR_NONE    0
#define XENSTORE_ERROR_COMM    1 /* communication problem */
#define XENSTORE_ERROR_RINGIDX 2 /* an index was out of range */
#define XENSTORE_ERROR_PROTO   3 /* e.g. payload too long */

#endif
