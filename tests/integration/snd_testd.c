/*
 * snd_testd — the vsnd backend (backends/snd, libpvback) with the WAV host
 * side in a process of its own, for the sound tests until pvbackd serves
 * vsnd: "snd_testd RUNDIR WAVDIR" serves pvhv's store at RUNDIR, prints
 * READY, writes playback to WAVDIR/<unique-id>.wav, ends on SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "pvkit/back.h"
#include "pvkit/sndback.h"

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

int main(int argc, char **argv)
{
	struct event_base *base;
	struct event *sig;
	struct pvback *b = NULL;
	struct sndback *sb = NULL;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: snd_testd RUNDIR WAVDIR\n");
		return 2;
	}
	base = event_base_new();
	if (!base)
		return 1;
	sig = evsignal_new(base, SIGTERM, on_signal, base);
	if (!sig || event_add(sig, NULL))
		return 1;
	rc = pvback_new(base, &pvback_platform_pvhv, argv[1], &b);
	if (rc < 0) {
		fprintf(stderr, "snd_testd: pvback_new: %s\n", strerror(-rc));
		return 1;
	}
	rc = sndback_new(b, &sndback_host_wav, argv[2], &sb);
	if (rc < 0) {
		fprintf(stderr, "snd_testd: sndback_new: %s\n", strerror(-rc));
		pvback_free(b);
		return 1;
	}
	printf("READY\n");
	fflush(stdout);
	event_base_dispatch(base);
	rc = pvback_error(b) ? 1 : 0;
	sndback_free(sb);
	pvback_free(b);
	event_free(sig);
	event_base_free(base);
	return rc;
}
