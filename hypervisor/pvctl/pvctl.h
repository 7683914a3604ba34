/*
 * pvctl.h — shared between pvctl's main (pvctl.c: options, help,
 * connecting, naming domains) and its commands (commands.c).
 */
#ifndef PVCTL_PVCTL_H
#define PVCTL_PVCTL_H

#include <stdbool.h>

#include "pvkit/hv.h"

/* Exit codes. */
#define PVCTL_OK 0
#define PVCTL_FAIL 1  /* the request failed */
#define PVCTL_USAGE 2 /* bad command line */

struct pvctl {
	const char *rundir; /* --rundir, or NULL for the default */
	const char *cmd;    /* the command being run */
	const char *args;   /* its usage after the name */
	struct pvhv *h;     /* connected on first use */
};

struct pvctl_cmd {
	const char *name;
	const char *args;    /* after the name in the usage line */
	const char *summary; /* one line for `pvctl --help` */
	const char *help;    /* options and an example */
	int (*run)(struct pvctl *c, int argc, char **argv);
};

extern const struct pvctl_cmd pvctl_cmds[];
extern const unsigned int pvctl_n_cmds;

/* Connect (once); on failure print what to do and return NULL. */
struct pvhv *pvctl_connect(struct pvctl *c);
/* DOM (a domid or a name) to a domid; prints the problem on failure. */
int pvctl_domid(struct pvctl *c, const char *arg, domid_t *out);
/* Print "pvctl CMD: what: <reason>" with a hint; returns PVCTL_FAIL. */
int pvctl_fail(struct pvctl *c, int rc, const char *what);
/* Print a usage error with the way to help; returns PVCTL_USAGE. */
int pvctl_usage(struct pvctl *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* argv holds -h or --help: print the command's help. */
bool pvctl_wants_help(int argc, char **argv);
void pvctl_cmd_help(const struct pvctl_cmd *cmd);

/* Commands of their own files, listed in commands.c's table. */
int pvctl_device_add(struct pvctl *c, int argc, char **argv);
int pvctl_device_remove(struct pvctl *c, int argc, char **argv);
extern const char pvctl_device_add_help[], pvctl_device_remove_help[];
int pvctl_store_run(struct pvctl *c, int argc, char **argv);
extern const char pvctl_store_help[];

#endif
