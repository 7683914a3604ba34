/*
 * test_vm_displ_drm — the display device end to end on a real KMS card,
 * in a QEMU guest with bochs-drm (tests/vm, ctest vm_displ_drm): pvhv, a
 * process guest (tests/integration/guests/guest_displ) and
 * `pvbackd --backends displ --displ-host drm:/dev/dri/card0`.
 *
 *   1. pvbackd's --help lists the drm host side; pvbackd on a card that
 *      is not there ends with status != 0 and a line naming the card;
 *   2. a guest with two connectors (mon0 800x600, mon1 640x480) on a card
 *      with one monitor: mon0 goes on Virtual-1 at 800x600 and mon1 is
 *      said not to be shown (pvbackd's log); the guest's flips 1..4 on
 *      both connectors each get their flip event (guest_displ waits for
 *      each before the next), 4 per connector;
 *   3. the scanout (drmModeGetCrtc -> drmModeGetFB -> dumb map, from a
 *      second fd) equals the guest's last frame, pixel for pixel;
 *   4. pvbackd ends with status 0 on SIGTERM and the CRTC shows what it
 *      showed before (the console), not pvbackd's buffer.
 *
 * Skips (77) without a card (not in QEMU).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "harness.h"
#include "test_displ_pattern.h"

#define CARD "/dev/dri/card0"
#define FRAMES 4u

static int fails;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);   \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			fails++;                                               \
		}                                                              \
	} while (0)

static void show_file(const char *path)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "cat '%s' >&2", path);
	if (system(cmd) < 0)
		perror("system");
}

/* Virtual-1's CRTC, seen from fd. */
static uint32_t virtual1_crtc(int fd)
{
	drmModeResPtr res = drmModeGetResources(fd);
	uint32_t crtc = 0;

	for (int i = 0; res && i < res->count_connectors; i++) {
		drmModeConnectorPtr c = drmModeGetConnector(fd,
							    res->connectors[i]);
		if (c && c->connector_type == DRM_MODE_CONNECTOR_VIRTUAL &&
		    c->encoder_id) {
			drmModeEncoderPtr e = drmModeGetEncoder(fd,
								c->encoder_id);
			crtc = e ? e->crtc_id : 0;
			drmModeFreeEncoder(e);
		}
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	return crtc;
}

static uint32_t crtc_fb(int fd, uint32_t crtc)
{
	drmModeCrtcPtr c = drmModeGetCrtc(fd, crtc);
	uint32_t id = c ? c->buffer_id : 0;

	drmModeFreeCrtc(c);
	return id;
}

/* Pixels of the scanout that differ from frame n of connector 0 (w x h,
 * XRGB8888); -1 when it cannot be read. */
static long scanout_diff(int fd, uint32_t crtc, unsigned int n, uint32_t w,
			 uint32_t h)
{
	drmModeFBPtr fb = drmModeGetFB(fd, crtc_fb(fd, crtc));
	struct drm_mode_map_dumb mp = {0};
	struct drm_gem_close gc = {0};
	uint8_t *map;
	long bad = 0;
	size_t size;

	if (!fb || !fb->handle || fb->width != w || fb->height != h) {
		fprintf(stderr, "scanout: %ux%u, handle %u\n",
			fb ? fb->width : 0, fb ? fb->height : 0,
			fb ? fb->handle : 0);
		drmModeFreeFB(fb);
		return -1;
	}
	mp.handle = gc.handle = fb->handle;
	size = (size_t)fb->pitch * fb->height;
	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &mp)) {
		drmModeFreeFB(fb);
		return -1;
	}
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, (off_t)mp.offset);
	if (map == MAP_FAILED) {
		drmModeFreeFB(fb);
		return -1;
	}
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			struct displ_rgba p = displ_pattern(0, n, x, y, w, h);
			uint32_t want = (uint32_t)p.r << 16 |
					(uint32_t)p.g << 8 | p.b;
			uint32_t got;
			memcpy(&got, map + (size_t)y * fb->pitch + x * 4u, 4);
			got &= 0xffffff;
			if (got != want && bad++ < 5)
				fprintf(stderr, "(%u,%u): 0x%06x, want 0x%06x\n",
					x, y, got, want);
		}
	munmap(map, size);
	drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &gc);
	drmModeFreeFB(fb);
	return bad;
}

int main(void)
{
	struct hvt t;
	struct stat st;
	char out[8192], log[400], line[256];
	const char *argv[12];
	pid_t backd = 0;
	domid_t dom;
	uint32_t crtc, before;
	int probe, status;

	if (stat(CARD, &st)) {
		printf("SKIP: no %s: this test runs in QEMU with bochs-drm "
		       "(ctest -R vm_displ_drm)\n", CARD);
		return 77;
	}
	hvt_sh(out, sizeof(out), "%s --help", PVBACKD_BIN);
	CHECK(strstr(out, "drm[:[CARD][,connector=NAME...]]"),
	      "pvbackd --help lists no drm host side:\n%s", out);

	if (hvt_start(&t, NULL)) {
		fprintf(stderr, "pvhv did not start\n");
		return 1;
	}
	/* 1: a card that is not there */
	snprintf(log, sizeof(log), "%s/pvbackd-nocard.log", t.rundir);
	argv[0] = PVBACKD_BIN;
	argv[1] = "--rundir";
	argv[2] = t.rundir;
	argv[3] = "--backends";
	argv[4] = "displ";
	argv[5] = "--displ-host";
	argv[6] = "drm:/dev/dri/card5";
	argv[7] = "--verbose";
	argv[8] = NULL;
	CHECK(hvt_daemon_start(argv, log, "pvbackd: ready", 20000, &backd) ==
		      -ECHILD,
	      "pvbackd started on a card that is not there");
	CHECK(hvt_file_count(log, "displ drm: cannot open /dev/dri/card5: No "
				  "such file or directory") == 1,
	      "no line naming /dev/dri/card5");
	if (backd)
		hvt_kill_wait(&backd, SIGTERM);
	show_file(log);

	/* 2: the real one */
	probe = open(CARD, O_RDWR | O_CLOEXEC);
	if (probe < 0 || (drmIsMaster(probe) && drmDropMaster(probe))) {
		perror(CARD);
		return 1;
	}
	crtc = virtual1_crtc(probe);
	before = crtc_fb(probe, crtc);
	CHECK(crtc && before, "no CRTC on Virtual-1 (crtc %u, fb %u)", crtc,
	      before);
	snprintf(log, sizeof(log), "%s/pvbackd.log", t.rundir);
	argv[6] = "drm:" CARD;
	if (hvt_daemon_start(argv, log, "pvbackd: ready", 20000, &backd)) {
		fprintf(stderr, "pvbackd did not start:\n");
		show_file(log);
		hvt_stop(&t);
		return 1;
	}
	if (hvt_create(&t, "g1", "guest_displ", "frames=4 fmt=xrgb8888",
		       "vdispl = [ \"connectors=mon0:800x600;mon1:640x480\" ]\n",
		       &dom)) {
		fprintf(stderr, "guest_displ not created\n");
		fails++;
	} else {
		for (unsigned int n = 1; n <= FRAMES; n++)
			for (unsigned int c = 0; c < 2; c++) {
				char want[32];
				snprintf(want, sizeof(want), "FLIP c=%u n=%u",
					 c, n);
				CHECK(!hvt_console_expect(&t, dom, want, line,
							  sizeof(line), 30000),
				      "no '%s' on the guest's console", want);
			}
		CHECK(!hvt_console_expect(&t, dom, "DONE", line, sizeof(line),
					  30000),
		      "guest_displ did not finish");
		CHECK(!hvt_console_expect(&t, dom, "FLIPS c=0 count=4", line,
					  sizeof(line), 1000) &&
			      !hvt_console_expect(&t, dom, "FLIPS c=1 count=4",
						  line, sizeof(line), 1000),
		      "not 4 flip events per connector");
		CHECK(hvt_file_count(log, "mon0 (800x600) on " CARD
					  " Virtual-1") == 1,
		      "mon0 not on Virtual-1");
		CHECK(hvt_file_count(log, "mon1 (640x480): no free connector "
					  "with a monitor") == 1,
		      "mon1's line missing");
		/* 3: the last frame on the monitor */
		{
			long bad = scanout_diff(probe, crtc, FRAMES, 800, 600);
			CHECK(bad == 0, "scanout: %ld pixels differ from frame "
					"%u",
			      bad, FRAMES);
			if (!bad)
				printf("ok: guest frame %u on the monitor, "
				       "800x600 pixel for pixel\n",
				       FRAMES);
		}
	}
	/* 4 */
	status = hvt_kill_wait(&backd, SIGTERM);
	CHECK(WIFEXITED(status) && !WEXITSTATUS(status),
	      "pvbackd ended with status %#x", status);
	CHECK(crtc_fb(probe, crtc) == before,
	      "the CRTC shows fb %u, not the console's %u", crtc_fb(probe, crtc),
	      before);
	if (fails)
		show_file(log);
	close(probe);
	if (hvt_stop(&t))
		fails++;
	printf("%s\n", fails ? "FAILED" : "PASSED");
	return fails ? 1 : 0;
}
