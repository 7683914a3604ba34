/*
 * store_cmd.h — shared by the files of `pvctl store`: store_cmd.c (the
 * command, its options and messages, read, write, rm, watch, chmod) and
 * store_ls.c (ls).  Functions shared between them are named stc_*.
 */
#ifndef PVCTL_STORE_CMD_H
#define PVCTL_STORE_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "pvctl.h"

/* One run of a subcommand. */
struct stc {
	struct pvctl *c;
	const char *sub;	/* the subcommand */
	const char *usage;	/* its arguments */
	struct pvhv_store *s;	/* after stc_connect() */
	char where[4200];	/* the socket, for messages */
};

/* An option: -x alone (set), or -x VALUE (val). */
struct stc_opt {
	char letter;
	bool *set;
	const char **val;
};

/* Options anywhere in argv[1..] (until "--") into opts, operands into
 * pos (min..max of them).  The operand count, or -1 after a usage
 * message. */
int stc_parse(struct stc *t, int argc, char **argv,
	      const struct stc_opt *opts, char **pos, int min, int max);
/* Open the store; PVCTL_OK, or PVCTL_FAIL after saying what to do. */
int stc_connect(struct stc *t);
/* "pvctl store SUB: what: problem" and a hint; returns PVCTL_FAIL.  The
 * _path form points a missing node at its parent. */
int stc_fail(struct stc *t, int rc, const char *what);
int stc_fail_path(struct stc *t, int rc, const char *path);
/* A store error for a person. */
const char *stc_explain(int rc);
/* A value as xenstore-read shows it (malloc'd, NULL on no memory). */
char *stc_sanitise(const char *v, size_t len);
/* dir/name without doubling a '/' (malloc'd). */
char *stc_join(const char *dir, const char *name);

/* store_ls.c */
int stc_ls(struct stc *t, int argc, char **argv);

#endif
