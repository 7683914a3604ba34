/*
 * pvkit/proto/errno.h — error numbers of the hypervisor interface.
 *
 * Hypercalls fail with a negative XEN_E* value, and several PV protocols
 * carry these numbers on the wire (store errors, sndif/displif/pvcalls
 * status fields).  They have the values Linux uses on x86 and Arm, but
 * they are a protocol constant, not the host's errno: freestanding pvkit
 * code, which has no <errno.h>, returns -XEN_EINVAL and the like.
 *
 * Only numbers a guest can see are listed (the hypervisor-internal
 * "interrupted" and "restart" codes never cross the interface).
 */
#ifndef PVKIT_PROTO_ERRNO_H
#define PVKIT_PROTO_ERRNO_H

enum xen_errno {
	XEN_EPERM = 1,		/* not permitted */
	XEN_ENOENT = 2,		/* no such entry (path, port, grant…) */
	XEN_ESRCH = 3,		/* no such domain */
	XEN_EIO = 5,		/* I/O error */
	XEN_ENXIO = 6,		/* no such device or address */
	XEN_E2BIG = 7,		/* argument too large */
	XEN_ENOEXEC = 8,	/* not an executable image */
	XEN_EBADF = 9,		/* bad handle */
	XEN_ECHILD = 10,	/* no child */
	XEN_EAGAIN = 11,	/* try again */
	XEN_EWOULDBLOCK = 11,	/* same number as XEN_EAGAIN */
	XEN_ENOMEM = 12,	/* out of memory */
	XEN_EACCES = 13,	/* permission denied */
	XEN_EFAULT = 14,	/* bad guest address */
	XEN_EBUSY = 16,		/* resource busy */
	XEN_EEXIST = 17,	/* already exists */
	XEN_EXDEV = 18,		/* cross-domain link */
	XEN_ENODEV = 19,	/* no such device */
	XEN_ENOTDIR = 20,	/* not a directory */
	XEN_EISDIR = 21,	/* is a directory */
	XEN_EINVAL = 22,	/* invalid argument */
	XEN_ENFILE = 23,	/* system table full */
	XEN_EMFILE = 24,	/* per-domain table full */
	XEN_ENOSPC = 28,	/* no space left */
	XEN_EROFS = 30,		/* read-only */
	XEN_EMLINK = 31,	/* too many links */
	XEN_EDOM = 33,		/* argument out of domain */
	XEN_ERANGE = 34,	/* result out of range */
	XEN_EDEADLK = 35,	/* would deadlock */
	XEN_EDEADLOCK = 35,	/* same number as XEN_EDEADLK */
	XEN_ENAMETOOLONG = 36,	/* name too long */
	XEN_ENOLCK = 37,	/* no locks available */
	XEN_ENOSYS = 38,	/* operation not implemented */
	XEN_ENOTEMPTY = 39,	/* directory not empty */
	XEN_ENODATA = 61,	/* no data */
	XEN_ETIME = 62,		/* timer expired */
	XEN_EBADMSG = 74,	/* malformed message */
	XEN_EOVERFLOW = 75,	/* value too large */
	XEN_EILSEQ = 84,	/* illegal byte sequence */
	XEN_ENOTSOCK = 88,	/* not a socket */
	XEN_EMSGSIZE = 90,	/* message too long */
	XEN_EOPNOTSUPP = 95,	/* operation not supported */
	XEN_EADDRINUSE = 98,	/* address in use */
	XEN_EADDRNOTAVAIL = 99, /* address not available */
	XEN_ENOBUFS = 105,	/* no buffer space */
	XEN_EISCONN = 106,	/* already connected */
	XEN_ENOTCONN = 107,	/* not connected */
	XEN_ETIMEDOUT = 110,	/* timed out */
	XEN_ECONNREFUSED = 111	/* connection refused */
};

#endif
