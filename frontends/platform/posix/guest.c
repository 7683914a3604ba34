/*
 * Process guests: taking over what pvhv left (environment, descriptors,
 * memory), the hypercall transport, and the per-vCPU scratch pages that
 * carry hypercall arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl_wire.h"
#include "posix.h"

#if !defined(__x86_64__) && !defined(__i386__)
#error "process guests read start_info, which pvkit/proto/xen.h has for x86"
#endif

#define MAX_VCPUS 64 /* pvhv's limit for vcpus= */

static _Thread_local unsigned int this_vcpu;

/* ---- the environment ----------------------------------------------------- */

static int env_number(const char *name, unsigned long min, unsigned long max,
		      unsigned long *out)
{
	const char *s = getenv(name);
	char *end;

	if (!s || !*s)
		return -ENOENT;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end || *out < min || *out > max)
		return -ENOENT;
	return 0;
}

static int read_env(struct pvfront_posix *p)
{
	const char *vwfi = getenv("PVKIT_VWFI");
	unsigned long domid, vcpus;
	int rc = env_number("PVKIT_DOMID", 1, DOMID_FIRST_RESERVED - 1, &domid);

	if (!rc)
		rc = env_number("PVKIT_VCPUS", 1, MAX_VCPUS, &vcpus);
	if (rc)
		return rc;
	if (!vwfi || (strcmp(vwfi, "trap") && strcmp(vwfi, "native")))
		return -ENOENT;
	p->domid = (domid_t)domid;
	p->nr_vcpus = (unsigned int)vcpus;
	p->native = !strcmp(vwfi, "native");
	return 0;
}

/* ---- descriptors --------------------------------------------------------- */

static int take_fd(int fd, mode_t type)
{
	struct stat st;

	if (fstat(fd, &st) || (st.st_mode & S_IFMT) != type)
		return -EBADF;
	/* A program the guest starts must not inherit its channels. */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC))
		return -errno;
	return 0;
}

static int take_fds(struct pvfront_posix *p)
{
	int rc = take_fd(PVHV_GUEST_FD_HCALL, S_IFSOCK);

	if (!rc)
		rc = take_fd(PVHV_GUEST_FD_MEM, S_IFREG);
	if (rc)
		return rc;
	p->wake_fds = malloc(p->nr_vcpus * sizeof(*p->wake_fds));
	if (!p->wake_fds)
		return -ENOMEM;
	for (unsigned int v = 0; v < p->nr_vcpus; v++) {
		p->wake_fds[v] = PVHV_GUEST_FD_WAKE0 + (int)v;
		if (fcntl(p->wake_fds[v], F_SETFD, FD_CLOEXEC))
			return -EBADF;
	}
	p->hcall_fd = PVHV_GUEST_FD_HCALL;
	p->mem_fd = PVHV_GUEST_FD_MEM;
	p->have_fds = true;
	return 0;
}

/* ---- memory -------------------------------------------------------------- */

static int map_memory(struct pvfront_posix *p)
{
#if UINTPTR_MAX <= 0xffffffffu
	(void)p;
	return -EOPNOTSUPP; /* PVHV_GUEST_BASE needs a 64-bit address space */
#else
	void *want = (void *)(uintptr_t)PVHV_GUEST_BASE, *got;
	struct stat st;

	if (fstat(p->mem_fd, &st))
		return -errno;
	if (st.st_size < 16 * (off_t)PP_PAGE_SIZE || st.st_size % PP_PAGE_SIZE)
		return -EPROTO;
	got = mmap(want, (size_t)st.st_size, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_FIXED_NOREPLACE, p->mem_fd, 0);
	if (got == MAP_FAILED)
		return -errno;
	if (got != want) { /* a kernel that took NOREPLACE for a hint */
		munmap(got, (size_t)st.st_size);
		return -EEXIST;
	}
	p->mem = got;
	p->mem_size = (size_t)st.st_size;
	p->nr_pages = p->mem_size >> PP_PAGE_SHIFT;
	return 0;
#endif
}

/* pvhv wrote it, but a frontend checks what it is about to rely on. */
static int check_start_info(struct pvfront_posix *p)
{
	struct start_info *si = (struct start_info *)p->mem;
	uint64_t first = si->first_p2m_pfn, count = si->nr_p2m_frames;

	if (strncmp(si->magic, "xen-", 4) || si->nr_pages != p->nr_pages)
		return -EPROTO;
	if (si->shared_info % PP_PAGE_SIZE ||
	    si->shared_info >= p->mem_size || si->shared_info == 0)
		return -EPROTO;
	if (first < 4 || first > p->nr_pages || count > p->nr_pages - first ||
	    count < p->nr_vcpus)
		return -EPROTO;
	p->si = si;
	p->shinfo = (struct shared_info *)(p->mem + si->shared_info);
	return 0;
}

static int scratch_init(struct pvfront_posix *p)
{
	p->scratch = calloc(p->nr_vcpus, sizeof(*p->scratch));
	if (!p->scratch)
		return -ENOMEM;
	for (unsigned int v = 0; v < p->nr_vcpus; v++) {
		pthread_mutex_init(&p->scratch[v].lock, NULL);
		p->scratch[v].page = pvfront_posix_alloc_pages(p, 1);
		if (!p->scratch[v].page)
			return -ENOMEM;
	}
	return 0;
}

struct pp_scratch *pp_scratch_get(struct pvfront_posix *p)
{
	struct pp_scratch *s = &p->scratch[this_vcpu < p->nr_vcpus ? this_vcpu
								   : 0];

	pthread_mutex_lock(&s->lock);
	return s;
}

void pp_scratch_put(struct pp_scratch *s)
{
	pthread_mutex_unlock(&s->lock);
}

/* ---- open and close ------------------------------------------------------ */

int pvfront_posix_open(unsigned int flags, struct pvfront_posix **out)
{
	struct pvfront_posix *p;
	int rc;

	*out = NULL;
	if (flags & ~PVFRONT_POSIX_CONFINE)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->hcall_fd = p->mem_fd = -1;
	pthread_mutex_init(&p->hcall_lock, NULL);
	pthread_mutex_init(&p->page_lock, NULL);
	pthread_mutex_init(&p->gnt_lock, NULL);
	pthread_mutex_init(&p->fast_lock, NULL);
	rc = read_env(p);
	if (!rc)
		rc = take_fds(p);
	if (!rc)
		rc = map_memory(p);
	if (!rc)
		rc = check_start_info(p);
	if (!rc)
		rc = pp_pages_init(p);
	if (!rc)
		rc = scratch_init(p);
	if (!rc)
		rc = pp_gnttab_init(p);
	if (!rc)
		rc = pp_fast_init(p);
	if (!rc && (flags & PVFRONT_POSIX_CONFINE))
		rc = pvfront_posix_confine(p);
	if (rc) {
		pvfront_posix_close(p);
		return rc;
	}
	*out = p;
	return 0;
}

void pvfront_posix_close(struct pvfront_posix *p)
{
	if (!p)
		return;
	pp_fast_fini(p);
	pp_foreign_fini(p);
	pp_gnttab_fini(p);
	if (p->scratch)
		for (unsigned int v = 0; v < p->nr_vcpus; v++)
			pthread_mutex_destroy(&p->scratch[v].lock);
	free(p->scratch);
	pp_pages_fini(p);
	if (p->mem)
		munmap(p->mem, p->mem_size);
	if (p->have_fds) {
		close(p->hcall_fd);
		close(p->mem_fd);
		for (unsigned int v = 0; v < p->nr_vcpus; v++)
			close(p->wake_fds[v]);
	}
	free(p->wake_fds);
	pthread_mutex_destroy(&p->hcall_lock);
	pthread_mutex_destroy(&p->page_lock);
	pthread_mutex_destroy(&p->gnt_lock);
	pthread_mutex_destroy(&p->fast_lock);
	free(p);
}

/* ---- accessors ----------------------------------------------------------- */

const struct start_info *pvfront_posix_start_info(struct pvfront_posix *p)
{
	return p->si;
}

struct shared_info *pvfront_posix_shared_info(struct pvfront_posix *p)
{
	return p->shinfo;
}

domid_t pvfront_posix_domid(const struct pvfront_posix *p)
{
	return p->domid;
}

unsigned int pvfront_posix_vcpus(const struct pvfront_posix *p)
{
	return p->nr_vcpus;
}

bool pvfront_posix_vwfi_native(const struct pvfront_posix *p)
{
	return p->native;
}

int pvfront_posix_wake_fd(const struct pvfront_posix *p, unsigned int vcpu)
{
	return vcpu < p->nr_vcpus ? p->wake_fds[vcpu] : -1;
}

int pvfront_posix_set_vcpu(struct pvfront_posix *p, unsigned int vcpu)
{
	if (vcpu >= p->nr_vcpus)
		return -EINVAL;
	this_vcpu = vcpu;
	return 0;
}

int64_t pvfront_posix_gfn(const struct pvfront_posix *p, const void *ptr)
{
	uintptr_t a = (uintptr_t)ptr, base = (uintptr_t)p->mem;

	if (a < base || a - base >= p->mem_size)
		return -EINVAL;
	return (int64_t)((a - base) >> PP_PAGE_SHIFT);
}

uint64_t pvfront_posix_gaddr(const void *ptr)
{
	return (uint64_t)(uintptr_t)ptr;
}

/* ---- hypercalls ---------------------------------------------------------- */

static ssize_t send_req(int fd, const struct pvhv_hcall_req *req)
{
	ssize_t n;

	do
		n = send(fd, req, sizeof(*req), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* The first descriptor of a received message (the rest closed), or -1. */
static int take_rights(struct msghdr *mh)
{
	int got = -1;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm;
	     cm = CMSG_NXTHDR(mh, cm)) {
		size_t n;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (got < 0)
				got = fd;
			else
				close(fd);
		}
	}
	return got;
}

/* A reply: struct pvhv_hcall_rsp, or struct pvhv_hcall_rsp_fast with the
 * guest->dom0 fast path's descriptor (*fd, else -1). */
static ssize_t recv_rsp(int sock, struct pvhv_hcall_rsp_fast *r, int *fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * PVHV_CTL_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = r, .iov_len = sizeof(*r) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	ssize_t n;

	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	*fd = take_rights(&mh);
	if (*fd >= 0 && n != (ssize_t)sizeof(*r)) {
		close(*fd);
		*fd = -1;
	}
	return n;
}

long pp_hypercall_fd(struct pvfront_posix *p, uint64_t nr, const uint64_t a[5],
		     int *grant_fd)
{
	struct pvhv_hcall_req req = { nr, { a[0], a[1], a[2], a[3], a[4] } };
	struct pvhv_hcall_rsp_fast rsp;
	ssize_t n;
	int fd = -1;

	/* One request in flight: replies carry no tag. */
	pthread_mutex_lock(&p->hcall_lock);
	n = send_req(p->hcall_fd, &req);
	if (n == (ssize_t)sizeof(req))
		n = recv_rsp(p->hcall_fd, &rsp, &fd);
	pthread_mutex_unlock(&p->hcall_lock);
	if (fd >= 0 && rsp.port == PVHV_GUEST_RSP_GRANT) {
		/* Memory of dom0's grants this call mapped (ctl_wire.h). */
		if (grant_fd)
			*grant_fd = fd;
		else
			close(fd);
	} else if (fd >= 0) {
		pp_fast_adopt(p, rsp.port, rsp.word, fd);
	}
	if (n < 0)
		return n == -ECONNRESET ? -EPIPE : n;
	if (n == 0)
		return -EPIPE;
	if (n != (ssize_t)sizeof(struct pvhv_hcall_rsp) &&
	    n != (ssize_t)sizeof(rsp))
		return -EIO;
	return (long)rsp.ret;
}

long pvfront_posix_hypercall(struct pvfront_posix *p, uint64_t nr,
			     uint64_t a1, uint64_t a2, uint64_t a3,
			     uint64_t a4, uint64_t a5)
{
	const uint64_t a[5] = { a1, a2, a3, a4, a5 };

	return pp_hypercall_fd(p, nr, a, NULL);
}

long pp_call(struct pvfront_posix *p, unsigned int nr, unsigned int cmd,
	     void *arg, size_t len, uint64_t a3)
{
	struct pp_scratch *s;
	long rc;

	if (len > PP_PAGE_SIZE)
		return -E2BIG;
	s = pp_scratch_get(p);
	memcpy(s->page, arg, len);
	rc = pvfront_posix_hypercall(p, nr, cmd, pvfront_posix_gaddr(s->page),
				     a3, 0, 0);
	memcpy(arg, s->page, len);
	pp_scratch_put(s);
	return rc;
}
