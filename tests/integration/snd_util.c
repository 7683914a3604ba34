/*
 * snd_util.c — see snd_util.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "snd_util.h"

bool sndt_have_numpy(void)
{
	return system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") == 0;
}

bool sndt_have_alsa(void)
{
	char out[8192];

	hvt_sh(out, sizeof(out), "%s --help", PVBACKD_BIN);
	return strstr(out, "\n  alsa") != NULL;
}

int sndt_backd_start(struct sndt *s)
{
	const char *argv[] = {PVBACKD_BIN, "--rundir",	 s->t.rundir,
			      "--backends", "snd",	 "--snd-host",
			      s->host,	    "--verbose", NULL};
	int rc = hvt_daemon_start(argv, s->blog, "pvbackd: ready", 10000,
				  &s->backd);

	if (rc) {
		fprintf(stderr, "pvbackd did not start (%d); its log:\n", rc);
		sndt_dump(s, 0);
	} else {
		s->starts++;
	}
	return rc;
}

int sndt_backd_stop(struct sndt *s, int sig)
{
	return hvt_kill_wait(&s->backd, sig);
}

int sndt_start(struct sndt *s, const char *host)
{
	int rc;

	memset(s, 0, sizeof(*s));
	rc = hvt_start(&s->t, NULL);
	if (rc)
		return rc;
	snprintf(s->blog, sizeof(s->blog), "%s/pvbackd.log", s->t.rundir);
	if (host)
		snprintf(s->host, sizeof(s->host), "%s", host);
	else
		snprintf(s->host, sizeof(s->host), "wav:%s", s->t.rundir);
	rc = pvhv_store_open(s->t.rundir, 0, &s->st);
	return rc ? rc : sndt_backd_start(s);
}

int sndt_stop(struct sndt *s)
{
	int status = sndt_backd_stop(s, SIGTERM), rc;

	if (s->st)
		pvhv_store_close(s->st);
	s->st = NULL;
	if (status != -1 && (!WIFEXITED(status) || WEXITSTATUS(status))) {
		fprintf(stderr, "pvbackd ended with status 0x%x; its log:\n",
			status);
		sndt_dump(s, 0);
	}
	rc = hvt_stop(&s->t);
	if (status != -1 && (!WIFEXITED(status) || WEXITSTATUS(status)))
		return -EIO;
	return rc;
}

void sndt_vsnd(char *buf, size_t len, unsigned int rate, const char *fmt,
	       const char *uid, char type)
{
	snprintf(buf, len,
		 "vsnd = [ [ \"CARD, short-name=Test, sample-rates=%u, "
		 "sample-formats=%s\", \"PCM, name=p0\", "
		 "\"STREAM, unique-id=%s, type=%c\" ] ]\n",
		 rate, fmt, uid, type);
}

int sndt_guest(struct sndt *s, const char *name, const char *cmdline,
	       const char *cfg, domid_t *dom)
{
	return hvt_create(&s->t, name, "guest_snd", cmdline, cfg, dom);
}

pid_t sndt_guest_pid(struct sndt *s, domid_t dom)
{
	struct pvhv_dominfo in;

	if (pvhv_domain_info(s->t.h, dom, &in) || in.pid <= 0)
		return -1;
	return in.pid;
}

unsigned int sndt_backd_count(struct sndt *s, const char *pattern)
{
	return hvt_file_count(s->blog, pattern);
}

void sndt_dump(struct sndt *s, domid_t dom)
{
	static char buf[1 << 16];
	char cmd[400];

	if (dom) {
		long n = hvt_console(&s->t, dom, buf, sizeof(buf));

		fprintf(stderr, "--- the end of dom%u's console:\n%s\n", dom,
			buf + (n > 1500 ? n - 1500 : 0));
	}
	fprintf(stderr, "--- the end of pvbackd's log:\n");
	snprintf(cmd, sizeof(cmd), "tail -n 25 '%s' >&2", s->blog);
	if (system(cmd))
		fprintf(stderr, "(cannot show %s)\n", s->blog);
}

bool sndt_said(struct sndt *s, domid_t dom, const char *pattern)
{
	static char buf[1 << 18];
	char line[256];

	hvt_console(&s->t, dom, buf, sizeof(buf));
	return hvt_find_line(buf, pattern, line, sizeof(line)) == 0;
}

int sndt_expect(struct sndt *s, domid_t dom, const char *pattern, char *line,
		size_t linelen, int timeout_ms)
{
	static char buf[1 << 18];
	char tmp[256];

	if (!line) {
		line = tmp;
		linelen = sizeof(tmp);
	}
	for (int t = 0;; t += 20) {
		struct timespec ts = {0, 20000000};

		if (hvt_console(&s->t, dom, buf, sizeof(buf)) < 0) {
			/* the domain is gone: a guest that failed and ended */
			char cmd[400];

			fprintf(stderr, "dom%u is gone, without '%s'; pvhv's "
				"log:\n", dom, pattern);
			snprintf(cmd, sizeof(cmd), "tail -n 12 '%s' >&2",
				 s->t.log);
			if (system(cmd))
				fprintf(stderr, "(cannot show %s)\n", s->t.log);
			sndt_dump(s, 0);
			return -ESRCH;
		}
		if (hvt_find_line(buf, pattern, line, linelen) == 0)
			return 0;
		if (hvt_find_line(buf, "FAILED", tmp, sizeof(tmp)) == 0) {
			fprintf(stderr, "dom%u: %s\n", dom, tmp);
			sndt_dump(s, dom);
			return -EIO;
		}
		if (t >= timeout_ms)
			break;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "dom%u: no '%s' within %d ms\n", dom, pattern,
		timeout_ms);
	sndt_dump(s, dom);
	return -ETIMEDOUT;
}

int sndt_check(const char *fmt, ...)
{
	char args[2048], cmd[2300];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s %s", SND_TONE_CHECK, args);
	fflush(stdout);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	if (WEXITSTATUS(st))
		fprintf(stderr, "check failed (%d): %s\n", WEXITSTATUS(st),
			cmd);
	return WEXITSTATUS(st);
}

const char *sndt_path(struct sndt *s, char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", s->t.rundir, name);
	return buf;
}

const char *sndt_wav(struct sndt *s, char *buf, size_t len, domid_t dom,
		     const char *uid, const char *suffix)
{
	snprintf(buf, len, "%s/%u-%s%s.wav", s->t.rundir, (unsigned int)dom,
		 uid, suffix ? suffix : "");
	return buf;
}

domid_t sndt_next_domid(struct sndt *s)
{
	struct pvhv_dominfo in[64];
	int n = pvhv_domain_list(s->t.h, in, 64);
	domid_t d = 1;

	for (bool taken = true; taken && n >= 0; d += taken) {
		taken = false;
		for (int i = 0; i < n && i < 64; i++)
			taken |= in[i].domid == d;
	}
	return d;
}

uint32_t sndt_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *b = buf;

	crc = ~crc;
	while (len--) {
		crc ^= *b++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static void le(uint8_t *b, uint32_t v, int n)
{
	for (int i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

int sndt_write_wav(const char *path, unsigned int rate, unsigned int ch,
		   unsigned int bits, bool fl, bool ext, const void *data,
		   size_t len)
{
	/* the sub-format GUID after its first two bytes (the tag) */
	static const uint8_t guid[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
					 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38,
					 0x9b, 0x71};
	uint8_t h[68];
	unsigned int fb = ch * bits / 8, fmt = ext ? 40 : 16;
	size_t hl = 20 + fmt + 8;
	FILE *f = fopen(path, "wb");

	if (!f)
		return -errno;
	memcpy(h, "RIFF", 4);
	le(h + 4, (uint32_t)(hl - 8 + len), 4);
	memcpy(h + 8, "WAVEfmt ", 8);
	le(h + 16, fmt, 4);
	le(h + 20, ext ? 0xfffe : fl ? 3 : 1, 2);
	le(h + 22, ch, 2);
	le(h + 24, rate, 4);
	le(h + 28, rate * fb, 4);
	le(h + 32, fb, 2);
	le(h + 34, bits, 2);
	if (ext) {
		le(h + 36, 22, 2);   /* the extension's size */
		le(h + 38, bits, 2); /* valid bits */
		le(h + 40, ch == 2 ? 3 : 4, 4); /* channel mask: FL|FR, FC */
		le(h + 44, fl ? 3 : 1, 2);
		memcpy(h + 46, guid, sizeof(guid));
	}
	memcpy(h + 20 + fmt, "data", 4);
	le(h + 24 + fmt, (uint32_t)len, 4);
	if (fwrite(h, hl, 1, f) != 1 || (len && fwrite(data, len, 1, f) != 1)) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) ? -errno : 0;
}
