/*
 * xlcfg.h — reader for the xl.cfg file syntax.
 *
 * A file is a series of KEY = VALUE settings separated by newlines or ';'.
 * A VALUE is a "string" or 'string' (C-style backslash escapes), a NUMBER
 * (decimal, 0-prefixed octal, 0x-prefixed hex), or a [list, of, values]
 * that may nest and span lines.  '#' starts a comment.  A key given twice
 * keeps its last value, as xl does.
 *
 * This layer knows syntax only; what a key means is the caller's business
 * (domcfg.c for domains).  Every value remembers its line, so the caller's
 * errors can name the file, the line and the key.
 */
#ifndef PVHV_XLCFG_H
#define PVHV_XLCFG_H

#include <stddef.h>

enum xlcfg_kind {
	XLCFG_STRING,
	XLCFG_NUMBER,
	XLCFG_LIST,
};

struct xlcfg_value {
	enum xlcfg_kind kind;
	int line;
	char *str;                 /* STRING: unescaped text; NUMBER: as written */
	unsigned long long num;    /* NUMBER */
	struct xlcfg_value *items; /* LIST */
	size_t n_items;
};

struct xlcfg_setting {
	char *key;
	int line;
	struct xlcfg_value value;
};

struct xlcfg {
	char *file; /* name used in messages */
	struct xlcfg_setting *settings;
	size_t n_settings;
};

/* Parse len bytes of text; file names it in messages.  0, or -EINVAL with
 * "FILE:LINE: message" in err, or -ENOMEM. */
int xlcfg_parse(const char *file, const char *text, size_t len,
		struct xlcfg **out, char *err, size_t errlen);

/* Read and parse a file.  -errno of the read, with a message, on failure. */
int xlcfg_load(const char *path, struct xlcfg **out, char *err,
	       size_t errlen);

void xlcfg_free(struct xlcfg *cfg);

/* The setting for key (the last one when repeated), or NULL. */
const struct xlcfg_setting *xlcfg_get(const struct xlcfg *cfg,
				      const char *key);

#endif
