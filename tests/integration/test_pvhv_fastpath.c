/*
 * The guest->dom0 event fast path (ctl_wire.h) on a real pvhv with real
 * guest_grant guests: after the first send of a link the guest raises
 * dom0's port by writing a descriptor pvhv handed it, and its read-only
 * status word says whether that descriptor still serves the port.
 *
 *   - round trips run with pvhv stopped (SIGSTOP): neither direction
 *     needs it once set up (vwfi=trap and native);
 *   - dom0 closing its end clears the guest's word, the guest drops its
 *     descriptor, and a new link of the same guest port gets a new
 *     generation and a new descriptor; the old one reaches nobody;
 *   - the guest closing its port clears its word;
 *   - a guest that dies (crash or destroy) leaves no descriptor and no
 *     mapping of its status page behind in pvhv.
 *
 * The test looks into the guest from outside, as root or as the guest's
 * ancestor may: pidfd_getfd() copies the guest's descriptors, and
 * /proc/<pid>/mem reads its status page.  To close the guest's port the
 * test speaks for the guest on the guest's own hypercall socket (copied
 * the same way) while guest_grant sleeps: the very packet the guest would
 * send.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl_wire.h"
#include "harness.h"
#include "pvkit/proto/sched.h"

#define WAIT_MS 5000

static int setup(void **state)
{
	static struct hvt t;

	*state = &t;
	return hvt_start(&t, NULL);
}

static int teardown(void **state)
{
	return hvt_stop(*state);
}

struct guest {
	domid_t dom;
	evtchn_port_t gport; /* the guest's port */
	pid_t pid;
	struct pvhv_port *p; /* ours */
};

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* ---- looking into the guest ------------------------------------------- */

static int grab(pid_t pid, int fd)
{
	int pidfd = pidfd_open(pid, 0), copy;

	assert_true(pidfd >= 0);
	copy = pidfd_getfd(pidfd, fd, 0);
	close(pidfd);
	return copy;
}

/* The guest's eventfds other than its wake eventfd (fd 5, one vCPU). */
static int guest_eventfds(pid_t pid, int *fds, int max)
{
	char path[64], link[340], target[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);
		ssize_t len;

		if (e->d_name[0] == '.' || fd == PVHV_GUEST_FD_WAKE0)
			continue;
		snprintf(link, sizeof(link), "%s/%s", path, e->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (strcmp(target, "anon_inode:[eventfd]") == 0 && n < max)
			fds[n++] = fd;
	}
	closedir(d);
	return n;
}

/* The descriptor the guest keeps for its one dom0 link, copied. */
static int grab_fast_fd(const struct guest *g)
{
	int fds[4], n = guest_eventfds(g->pid, fds, 4);

	assert_int_equal(n, 1);
	return grab(g->pid, fds[0]);
}

/* Wait until the guest keeps no fast-path descriptor. */
static void expect_no_fast_fd(const struct guest *g)
{
	int fds[4];

	for (int ms = 0; guest_eventfds(g->pid, fds, 4) != 0; ms += 5) {
		if (ms > WAIT_MS)
			fail_msg("the guest still keeps a stale descriptor");
		sleep_ms(5);
	}
}

/* Word port of the guest's status page, read through its mapping. */
static uint32_t guest_word(const struct guest *g, evtchn_port_t port)
{
	char path[64], line[512];
	unsigned long start = 0, end;
	uint32_t w = 0xdeadbeef;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)g->pid);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "pvhv-guest-ports") &&
		    sscanf(line, "%lx-%lx", &start, &end) == 2)
			break;
	fclose(f);
	assert_true(start != 0);
	assert_true(start + 4 * (unsigned long)port < end);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)g->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &w, sizeof(w), (off_t)(start + 4 * port)),
			 sizeof(w));
	close(fd);
	return w;
}

/* Speak for the guest: EVTCHNOP_close of port on its own channel, the
 * argument in its last page (guest_grant uses the first free ones). */
static long guest_close_port(const struct guest *g, evtchn_port_t port)
{
	struct evtchn_close cl = { .port = port };
	struct pvhv_hcall_req req = { .nr = __HYPERVISOR_event_channel_op,
				      .args = { EVTCHNOP_close } };
	struct pvhv_hcall_rsp rsp = { 0 };
	int sock = grab(g->pid, PVHV_GUEST_FD_HCALL);
	int mem = grab(g->pid, PVHV_GUEST_FD_MEM);
	struct stat st;
	off_t off;

	assert_true(sock >= 0 && mem >= 0);
	assert_int_equal(fstat(mem, &st), 0);
	off = st.st_size - 4096;
	assert_int_equal(pwrite(mem, &cl, sizeof(cl), off), sizeof(cl));
	req.args[1] = PVHV_GUEST_BASE + (uint64_t)off;
	assert_int_equal(send(sock, &req, sizeof(req), 0), sizeof(req));
	assert_int_equal(recv(sock, &rsp, sizeof(rsp), 0), sizeof(rsp));
	close(sock);
	close(mem);
	return (long)rsp.ret;
}

/* ---- dom0's side -------------------------------------------------------- */

static bool readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 1;
}

static void ping_pong(struct pvhv_port *p, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(pvhv_port_notify(p), 0);
		assert_int_equal(hvt_wait_event(p, WAIT_MS), 0);
	}
}

static void link_port(struct hvt *t, struct guest *g)
{
	assert_int_equal(pvhv_evtchn_bind_interdomain(t->h, g->dom, g->gport,
						      &g->p),
			 0);
	pvhv_port_drain(g->p); /* a new link starts pending */
}

static void start(struct hvt *t, const char *name, const char *vwfi,
		  struct guest *g)
{
	struct pvhv_dominfo info;
	char cfg[64], line[256];

	snprintf(cfg, sizeof(cfg), "vwfi = \"%s\"", vwfi);
	assert_int_equal(hvt_create(t, name, "guest_grant", "ro", cfg,
				    &g->dom),
			 0);
	assert_int_equal(hvt_console_expect(t, g->dom, "GREF=", line,
					    sizeof(line), WAIT_MS),
			 0);
	g->gport = (evtchn_port_t)hvt_field(line, "PORT");
	assert_int_equal(pvhv_domain_info(t->h, g->dom, &info), 0);
	g->pid = info.pid;
	link_port(t, g);
}

/* fd reaches our port p: one write, one event. */
static void reaches(int fd, struct pvhv_port *p)
{
	uint64_t one = 1;

	assert_true(pvhv_port_drain(p) >= 0);
	assert_int_equal(write(fd, &one, sizeof(one)), sizeof(one));
	assert_true(readable(pvhv_port_fd(p), WAIT_MS));
	assert_int_equal(pvhv_port_drain(p), 1);
}

static int pvhv_eventfds(const struct hvt *t)
{
	char path[64], link[600], target[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)t->pid);
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d))) {
		ssize_t len;

		snprintf(link, sizeof(link), "%s/%s", path, e->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		n += strcmp(target, "anon_inode:[eventfd]") == 0;
	}
	closedir(d);
	return n;
}

static bool pvhv_maps_status_page(const struct hvt *t)
{
	char path[64], line[512];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)t->pid);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		found |= strstr(line, "pvhv-guest-ports") != NULL;
	fclose(f);
	return found;
}

/* ---- cases -------------------------------------------------------------- */

static void without_pvhv(struct hvt *t, const char *vwfi)
{
	struct guest g;
	uint32_t w;
	int fd;

	start(t, vwfi, vwfi, &g);
	ping_pong(g.p, 100);
	w = guest_word(&g, g.gport);
	assert_true(w & PVHV_GUEST_PORT_VALID);
	fd = grab_fast_fd(&g);
	reaches(fd, g.p);
	close(fd);
	/* Both directions without pvhv: it cannot run. */
	assert_int_equal(kill(t->pid, SIGSTOP), 0);
	ping_pong(g.p, 2000);
	assert_int_equal(kill(t->pid, SIGCONT), 0);
	/* Exactly one answer per event, none lost or doubled. */
	sleep_ms(20);
	assert_int_equal(pvhv_port_drain(g.p), 0);
	assert_int_equal(guest_word(&g, g.gport), w);
	assert_int_equal(pvhv_port_unbind(g.p), 0);
	assert_int_equal(pvhv_domain_destroy(t->h, g.dom), 0);
}

static void round_trips_without_pvhv_trap(void **state)
{
	without_pvhv(*state, "trap");
}

static void round_trips_without_pvhv_native(void **state)
{
	without_pvhv(*state, "native");
}

/* dom0 closes and binds the same guest port again. */
static void dom0_rebind_new_generation(void **state)
{
	struct hvt *t = *state;
	struct guest g;
	uint64_t one = 1;
	uint32_t w1, w2;
	int old, fresh;

	start(t, "rebind", "trap", &g);
	ping_pong(g.p, 10);
	w1 = guest_word(&g, g.gport);
	assert_true(w1 & PVHV_GUEST_PORT_VALID);
	old = grab_fast_fd(&g);
	assert_int_equal(pvhv_port_unbind(g.p), 0);
	/* Cleared when the unbind returns; the guest, raised by the break,
	 * answers, sees the zero and drops its descriptor. */
	assert_int_equal(guest_word(&g, g.gport), 0);
	expect_no_fast_fd(&g);
	link_port(t, &g);
	ping_pong(g.p, 10);
	w2 = guest_word(&g, g.gport);
	assert_true(w2 & PVHV_GUEST_PORT_VALID);
	assert_int_not_equal(w2, w1);
	fresh = grab_fast_fd(&g);
	reaches(fresh, g.p);
	/* The old descriptor reaches nobody: not the new link. */
	assert_int_equal(write(old, &one, sizeof(one)), sizeof(one));
	assert_false(readable(pvhv_port_fd(g.p), 200));
	assert_int_equal(pvhv_port_drain(g.p), 0);
	close(old);
	close(fresh);
	assert_int_equal(pvhv_port_unbind(g.p), 0);
	assert_int_equal(pvhv_domain_destroy(t->h, g.dom), 0);
}

/* The guest closes its port: its word goes, and once dom0 closes its end
 * pvhv keeps nothing of the link. */
static void guest_close_clears_word(void **state)
{
	struct hvt *t = *state;
	struct evtchn_status st;
	struct guest g;
	int before;

	start(t, "gclose", "trap", &g);
	before = pvhv_eventfds(t);
	ping_pong(g.p, 10);
	assert_true(guest_word(&g, g.gport) & PVHV_GUEST_PORT_VALID);
	assert_int_equal(guest_close_port(&g, g.gport), 0);
	assert_int_equal(guest_word(&g, g.gport), 0);
	/* Our end was raised and is unbound, as after any close. */
	assert_true(readable(pvhv_port_fd(g.p), WAIT_MS));
	assert_int_equal(pvhv_port_status(g.p, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(pvhv_port_unbind(g.p), 0);
	assert_int_equal(pvhv_eventfds(t), before - 1);
	assert_int_equal(pvhv_domain_destroy(t->h, g.dom), 0);
}

/* A guest that held the fast path dies: pvhv keeps no descriptor of it
 * and no mapping of its status page. */
static void dead_guest_leaves_nothing(void **state)
{
	struct hvt *t = *state;
	struct pvhv_dominfo info;
	struct pvhv_exit ex;
	struct guest g;
	int rc, fds = hvt_count_fds(t->pid), efds = pvhv_eventfds(t);

	assert_false(pvhv_maps_status_page(t));
	for (int how = 0; how < 2; how++) {
		start(t, how ? "destroyed" : "killed", "trap", &g);
		ping_pong(g.p, 10);
		assert_true(guest_word(&g, g.gport) & PVHV_GUEST_PORT_VALID);
		assert_true(pvhv_maps_status_page(t));
		if (how) {
			assert_int_equal(pvhv_domain_destroy(t->h, g.dom), 0);
		} else {
			assert_int_equal(kill(g.pid, SIGKILL), 0);
			/* -ESRCH: it was gone before we asked. */
			rc = pvhv_domain_wait(t->h, g.dom, &ex);
			assert_true(rc == 0 || rc == -ESRCH);
			assert_true(rc || ex.reason == SHUTDOWN_crash);
		}
		assert_int_equal(pvhv_domain_info(t->h, g.dom, &info), -ESRCH);
		assert_false(pvhv_maps_status_page(t));
		assert_int_equal(pvhv_port_unbind(g.p), 0);
		assert_int_equal(pvhv_eventfds(t), efds);
		assert_int_equal(hvt_count_fds(t->pid), fds);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(round_trips_without_pvhv_trap,
						setup, teardown),
		cmocka_unit_test_setup_teardown(round_trips_without_pvhv_native,
						setup, teardown),
		cmocka_unit_test_setup_teardown(dom0_rebind_new_generation,
						setup, teardown),
		cmocka_unit_test_setup_teardown(guest_close_clears_word, setup,
						teardown),
		cmocka_unit_test_setup_teardown(dead_guest_leaves_nothing,
						setup, teardown),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("pvhv guest->dom0 fast path", tests,
					   NULL, NULL);
}
