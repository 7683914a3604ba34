/*
 * bench_proc.h — CPU time of a whole process (all its threads), for the
 * benches that measure pvkit's daemons (pvhv, pvbackd) next to a baseline
 * process: the sum of /proc/PID/task/TID/schedstat's on-CPU nanoseconds
 * (a daemon may spend less than a clock tick in a phase), else utime +
 * stime from /proc/PID/stat (10 ms ticks).  Seconds, or -1 for a process
 * that is gone.
 */
#ifndef PVKIT_BENCH_PROC_H
#define PVKIT_BENCH_PROC_H

#include <sys/types.h>

double bench_proc_cpu_s(pid_t pid);

#endif
