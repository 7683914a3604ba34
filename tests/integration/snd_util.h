/*
 * snd_util.h — what the sound device's end-to-end tests share: a pvhv (the
 * harness), a pvbackd serving vsnd (--backends snd --snd-host HOST), the
 * process guests running guests/guest_snd.c, and the checks of what came
 * out (snd_tone.py, numpy).
 *
 * The run directory is the WAV host side's directory (wav:RUNDIR: guest
 * D's stream ID plays to RUNDIR/D-ID.wav, records from RUNDIR/D-ID-in.wav)
 * and where the ALSA tests' files go: hvt_stop() empties it.
 */
#ifndef PVKIT_TEST_SND_UTIL_H
#define PVKIT_TEST_SND_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness.h"

struct sndt {
	struct hvt t;
	struct pvhv_store *st;
	pid_t backd;	 /* pvbackd, or 0 */
	char host[1024]; /* its --snd-host */
	char blog[300];	 /* its stdout and stderr */
	unsigned int starts;
};

/* True when python3 has numpy (the checks need it). */
bool sndt_have_numpy(void);
/* True when this pvbackd has the ALSA host side (its --help lists it). */
bool sndt_have_alsa(void);

/* pvhv, then pvbackd with --snd-host host (NULL: wav:RUNDIR). */
int sndt_start(struct sndt *s, const char *host);
/* pvbackd (again, same host side); waits for its "ready". */
int sndt_backd_start(struct sndt *s);
/* Send sig to pvbackd and reap it; its wait status (-1: none ran). */
int sndt_backd_stop(struct sndt *s, int sig);
/* Everything down; 0 when pvbackd ended with status 0 on SIGTERM and
 * pvhv was clean. */
int sndt_stop(struct sndt *s);

/* A vsnd line for xl.cfg: one card, one pcm, one stream of type 'p' or
 * 'c' with unique-id uid, the card allowing rate and fmt. */
void sndt_vsnd(char *buf, size_t len, unsigned int rate, const char *fmt,
	       const char *uid, char type);
/* A guest running guest_snd with cmdline and the vsnd line cfg. */
int sndt_guest(struct sndt *s, const char *name, const char *cmdline,
	       const char *cfg, domid_t *dom);
/* The guest's pid (a process guest), or -1. */
pid_t sndt_guest_pid(struct sndt *s, domid_t dom);
/* Wait for a console line of dom with pattern (into line); on timeout,
 * or when the guest said FAILED, show its console and pvbackd's log and
 * return -ETIMEDOUT / -EIO. */
int sndt_expect(struct sndt *s, domid_t dom, const char *pattern, char *line,
		size_t linelen, int timeout_ms);
/* dom's console has a complete line with pattern (no waiting, quiet). */
bool sndt_said(struct sndt *s, domid_t dom, const char *pattern);
/* The end of dom's console and of pvbackd's log on stderr. */
void sndt_dump(struct sndt *s, domid_t dom);
/* Lines of pvbackd's log (since it last started) holding pattern. */
unsigned int sndt_backd_count(struct sndt *s, const char *pattern);

/* Run snd_tone.py with these arguments (printf-style), its output on our
 * stdout; its exit status (0: the check passed, 77: skipped). */
int sndt_check(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* path in the run directory into buf. */
const char *sndt_path(struct sndt *s, char *buf, size_t len,
		      const char *name);

/* The WAV host side's file of guest dom's stream uid (its unique-id, one
 * pvback_file_name() leaves as it is) in the run directory:
 * RUNDIR/<dom>-<uid><suffix>.wav (suffix "-in" for capture, or NULL). */
const char *sndt_wav(struct sndt *s, char *buf, size_t len, domid_t dom,
		     const char *uid, const char *suffix);
/* The domid pvhv gives the next guest: the lowest one free (for a file a
 * guest reads at once, which must be there before it starts). */
domid_t sndt_next_domid(struct sndt *s);

/* CRC-32 as zlib's, as guest_snd prints it. */
uint32_t sndt_crc32(uint32_t crc, const void *buf, size_t len);
/* Write a PCM WAV (tag 1, or 3 for float) holding data; with ext, its
 * format the extensible way (tag 0xFFFE, the tag in the sub-format, as
 * sox writes files of more than 16 bits or 2 channels). */
int sndt_write_wav(const char *path, unsigned int rate, unsigned int ch,
		   unsigned int bits, bool fl, bool ext, const void *data,
		   size_t len);

#endif
