/*
 * devcfg_int.h — what devcfg.c (settings, values, vkb, vdispl, p9,
 * pvcalls) and devcfg_snd.c (sound cards) share.
 *
 * A device string is read one KEY=VALUE at a time (apply()), each key
 * looked up in its type's table of setters; a setter checks the value and
 * stores it in the target.  Every message goes through bad(), which puts
 * "FILE:LINE: KEY: " and the device's place in front.
 */
#ifndef PVHV_DEVCFG_INT_H
#define PVHV_DEVCFG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devcfg.h"

/* Where a message comes from. */
struct pctx {
	char *err;
	size_t errlen;
	const char *file; /* NULL for hot plug: no "FILE:LINE: " */
	int line;
	const char *key; /* the xl.cfg key: "vkb", ... */
	char where[96];	 /* "device 1", "card 0, pcm 0, stream 1", or "" */
	const char *cur; /* the setting being read, for value messages */
};

int bad(struct pctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* What a setter writes into. */
struct target {
	struct devcfg_dev *dev;
	struct devcfg_snd_params *params; /* sound: the item's own */
	struct devcfg_snd_pcm *pcm;
	struct devcfg_snd_stream *stream;
	uint64_t seen; /* bit i: keys[i] was given (set by apply()) */
};

struct keydef {
	const char *name;
	int (*set)(struct pctx *c, struct target *t, const char *val);
};

/* Read every KEY=VALUE of s (modified in place) through keys[0..n-1]
 * (at most 64), noting in t->seen which were given. */
int apply(struct pctx *c, char *s, const struct keydef *keys, unsigned int n,
	  struct target *t);
/* Cut the first comma-separated word off s (trimmed); *rest points after
 * its comma, or at the end. */
char *first_word(char *s, char **rest);
char *trim(char *s);
/* Was the key called name given? */
bool given(const struct target *t, const struct keydef *keys, unsigned int n,
	   const char *name);

/* Value checks; each names c->cur in its message. */
int want_num(struct pctx *c, const char *v, uint32_t lo, uint32_t hi,
	     uint32_t *out);
int want_flag(struct pctx *c, const char *v, bool *out);
int want_text(struct pctx *c, const char *v, const char *forbidden, char **out);
int set_backend(struct pctx *c, struct target *t, const char *v);

/* devcfg_snd.c: one sound card from its items (lines[i] is the line of
 * items[i], or 0). */
int parse_vsnd(struct pctx *c, const char *const *items, const int *lines,
	       unsigned int n, struct devcfg_dev *dev);
void release_vsnd(struct devcfg_vsnd *s);

#endif
