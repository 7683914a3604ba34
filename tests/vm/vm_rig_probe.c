/*
 * tests/vm/vm_rig_probe.c — the program test_vm_rig.sh runs in the guest to
 * check what vm.sh promises: arguments arrive word for word, --env and
 * --file are in place, modules asked for are loaded with their parameters,
 * the 9p share is writable, and the exit status comes back.  It also checks
 * the kernel devices later tests rely on: a KMS card with a connected
 * connector (bochs on qemu's standard VGA) and two ALSA cards (snd-dummy,
 * snd-aloop).
 *
 * Usage: vm_rig_probe check ARG...   verify everything, exit 0 (1 on error)
 *        vm_rig_probe sleep SECONDS  sleep (to be stopped by the time limit)
 */
#define _DEFAULT_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "vm_rig_probe: FAIL: " __VA_ARGS__);   \
			fputc('\n', stderr);                                   \
			failures++;                                            \
		}                                                              \
	} while (0)

static void check_file(const char *path, const char *want)
{
	char buf[256] = "";
	FILE *f = fopen(path, "r");
	size_t n;

	CHECK(f != NULL, "%s is missing", path);
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	CHECK(strcmp(buf, want) == 0, "%s holds '%s', expected '%s'", path, buf,
	      want);
}

static int file_has(const char *path, const char *needle)
{
	char buf[4096] = "";
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static int module_loaded(const char *name)
{
	char line[256];
	FILE *f = fopen("/proc/modules", "r");
	size_t n = strlen(name);
	int found = 0;

	while (f && fgets(line, sizeof(line), f))
		found |= strncmp(line, name, n) == 0 && line[n] == ' ';
	if (f)
		fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	static const char *const want[] = {"a b", "it's", "$HOME", "", "*"};
	const char *env = getenv("PVKIT_PROBE");
	FILE *out;

	if (argc == 3 && strcmp(argv[1], "sleep") == 0) {
		sleep((unsigned)atoi(argv[2]));
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		fprintf(stderr, "usage: vm_rig_probe check ARG... | sleep S\n");
		return 2;
	}
	CHECK(argc == 2 + 5, "%d arguments, expected 5", argc - 2);
	for (int i = 0; i < 5 && i + 2 < argc; i++)
		CHECK(strcmp(argv[i + 2], want[i]) == 0,
		      "argument %d is '%s', expected '%s'", i, argv[i + 2],
		      want[i]);
	CHECK(env && strcmp(env, "x 'y' $z") == 0, "PVKIT_PROBE is '%s'",
	      env ? env : "(unset)");
	CHECK(getpid() != 1, "the test runs as PID 1");
	check_file("/test/data.txt", "relative\n");
	check_file("/etc/pvkit-probe/abs.txt", "absolute\n");
	CHECK(module_loaded("uinput"), "module uinput is not loaded");
	CHECK(access("/dev/uinput", W_OK) == 0, "no /dev/uinput");
	CHECK(access("/dev/dri/card0", W_OK) == 0, "no /dev/dri/card0");
	CHECK(file_has("/sys/class/drm/card0-Virtual-1/status", "connected"),
	      "bochs: connector Virtual-1 is not connected");
	CHECK(file_has("/proc/asound/cards", "Dummy") &&
		  file_has("/proc/asound/cards", "Loopback"),
	      "ALSA cards Dummy and Loopback missing");
	CHECK(file_has("/sys/module/snd_dummy/parameters/pcm_devs", "2,"),
	      "snd-dummy did not get its parameter pcm_devs=2");
	CHECK(access("/dev/snd/pcmC0D1p", W_OK) == 0,
	      "no /dev/snd/pcmC0D1p (the second dummy PCM)");
	check_file("/mnt/host/from-host.txt", "host\n");
	out = fopen("/mnt/host/from-guest.txt", "w");
	CHECK(out != NULL, "cannot write to the 9p share");
	if (out) {
		fputs("guest\n", out);
		fclose(out);
	}
	printf("vm_rig_probe: %d failures\n", failures);
	return failures ? 1 : 0;
}
