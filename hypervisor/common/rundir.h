/*
 * rundir.h — where pvhv, pvctl and libpvhv meet when no --rundir is given:
 * $PVKIT_RUNDIR if set; else /run/pvkit for root; else
 * $XDG_RUNTIME_DIR/pvkit; else /run/pvkit.  One rule, so the daemon and
 * its clients always agree.
 */
#ifndef PVHV_RUNDIR_H
#define PVHV_RUNDIR_H

#include <stddef.h>

/* 0, or -ENAMETOOLONG when buf is too small. */
int hv_default_rundir(char *buf, size_t len);

#endif
