/*
 * CPU time of a whole process for the benches that run pvkit's daemons
 * (bench_proc.h).
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench_proc.h"

/* utime + stime of a process (all threads) from /proc/PID/stat, seconds
 * (clock ticks: 10 ms). */
static double cpu_stat_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	p = strrchr(buf, ')'); /* the command may hold spaces */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
				"%lu %lu",
			 &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* A process's CPU time, all threads, seconds: the sum of its threads'
 * /proc/PID/task/TID/schedstat (nanoseconds: a headless pvbackd spends
 * less than a tick in a phase), else /proc/PID/stat. */
double bench_proc_cpu_s(pid_t pid)
{
	char path[64];
	unsigned long long sum = 0, ns;
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return cpu_stat_s(pid);
	while ((e = readdir(d))) {
		char p2[300];
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p2, sizeof(p2), "/proc/%d/task/%s/schedstat", (int)pid,
			 e->d_name);
		f = fopen(p2, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &ns) == 1) {
			sum += ns;
			n++;
		}
		fclose(f);
	}
	closedir(d);
	return n ? (double)sum / 1e9 : cpu_stat_s(pid);
}
