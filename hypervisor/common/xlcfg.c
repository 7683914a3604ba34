/*
 * xl.cfg reader: a small hand-written lexer and a recursive-descent parser.
 * All allocation goes through the value tree, freed by xlcfg_free().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xlcfg.h"

/* Nesting deeper than this is certainly a mistake, and bounds recursion. */
#define MAX_DEPTH 16
#define MAX_FILE_SIZE (1024 * 1024)

struct parser {
	const char *file;
	const char *p, *end;
	int line;
	int depth;
	const char *key; /* the setting being read, for messages */
	char *err;
	size_t errlen;
	int rc;
};

static int fail(struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->rc)
		return ps->rc;
	n = snprintf(ps->err, ps->errlen, "%s:%d: %s%s", ps->file, ps->line,
		     ps->key ? ps->key : "", ps->key ? ": " : "");
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < ps->errlen)
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	ps->rc = -EINVAL;
	return ps->rc;
}

/* ---- lexing helpers ---------------------------------------------------- */

/* Skip blanks and comments; newlines too when in_list. */
static void skip_space(struct parser *ps, bool in_list)
{
	while (ps->p < ps->end) {
		char c = *ps->p;

		if (c == '#') {
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			ps->p++;
		} else if (c == '\n' && in_list) {
			ps->line++;
			ps->p++;
		} else {
			break;
		}
	}
}

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One escape after a backslash; *out receives the byte. */
static int lex_escape(struct parser *ps, char *out)
{
	static const char from[] = "nrtab\\'\"";
	static const char to[] = "\n\r\t\a\b\\'\"";
	const char *hit;
	int hi, lo;

	if (ps->p >= ps->end)
		return fail(ps, "unterminated string");
	hit = memchr(from, *ps->p, sizeof(from) - 1);
	if (hit) {
		*out = to[hit - from];
		ps->p++;
		return 0;
	}
	if (*ps->p != 'x' || ps->end - ps->p < 3 ||
	    (hi = hexval(ps->p[1])) < 0 || (lo = hexval(ps->p[2])) < 0)
		return fail(ps, "unknown escape '\\%c' in string", *ps->p);
	*out = (char)(hi * 16 + lo);
	ps->p += 3;
	return 0;
}

static int lex_string(struct parser *ps, struct xlcfg_value *v)
{
	char quote = *ps->p++;
	size_t cap = 16, n = 0;
	char *s = malloc(cap);

	if (!s)
		return -ENOMEM;
	while (ps->p < ps->end && *ps->p != quote) {
		char c = *ps->p++;

		if (c == '\n') {
			free(s);
			return fail(ps, "newline inside a string");
		}
		if (c == '\\' && lex_escape(ps, &c)) {
			free(s);
			return ps->rc;
		}
		if (n + 2 > cap) {
			char *t = realloc(s, cap *= 2);

			if (!t) {
				free(s);
				return -ENOMEM;
			}
			s = t;
		}
		s[n++] = c;
	}
	s[n] = '\0';
	if (ps->p >= ps->end) {
		free(s);
		return fail(ps, "unterminated string");
	}
	ps->p++;
	*v = (struct xlcfg_value){ .kind = XLCFG_STRING, .line = ps->line,
				   .str = s };
	return 0;
}

static int lex_number(struct parser *ps, struct xlcfg_value *v)
{
	const char *start = ps->p;
	char *text, *endp;

	while (ps->p < ps->end && is_ident(*ps->p))
		ps->p++;
	text = strndup(start, (size_t)(ps->p - start));
	if (!text)
		return -ENOMEM;
	errno = 0;
	v->num = strtoull(text, &endp, 0);
	if (*endp || errno) {
		fail(ps, "'%s' is not a number", text);
		free(text);
		return ps->rc;
	}
	/* Whole: an item of a list arrives with stale fields. */
	*v = (struct xlcfg_value){ .kind = XLCFG_NUMBER, .line = ps->line,
				   .str = text, .num = v->num };
	return 0;
}

/* ---- parsing ----------------------------------------------------------- */

static void value_free(struct xlcfg_value *v);
static int parse_value(struct parser *ps, struct xlcfg_value *v);

static int list_append(struct xlcfg_value *list, struct xlcfg_value *item)
{
	struct xlcfg_value *t = realloc(list->items, (list->n_items + 1) *
							     sizeof(*t));

	if (!t)
		return -ENOMEM;
	list->items = t;
	list->items[list->n_items++] = *item;
	return 0;
}

/* After '[': values separated by ',', a trailing ',' allowed, then ']'. */
static int parse_list_items(struct parser *ps, struct xlcfg_value *v)
{
	for (;;) {
		struct xlcfg_value item;
		int rc;

		skip_space(ps, true);
		if (ps->p < ps->end && *ps->p == ']')
			break;
		rc = parse_value(ps, &item);
		if (!rc && (rc = list_append(v, &item)))
			value_free(&item);
		if (rc)
			return rc;
		skip_space(ps, true);
		if (ps->p < ps->end && *ps->p == ',')
			ps->p++;
		else if (ps->p >= ps->end || *ps->p != ']')
			return fail(ps, "expected ',' or ']' in list");
	}
	ps->p++;
	return 0;
}

static int parse_list(struct parser *ps, struct xlcfg_value *v)
{
	int rc;

	if (++ps->depth > MAX_DEPTH)
		return fail(ps, "lists nested deeper than %d", MAX_DEPTH);
	ps->p++;
	*v = (struct xlcfg_value){ .kind = XLCFG_LIST, .line = ps->line };
	rc = parse_list_items(ps, v);
	if (rc)
		value_free(v);
	ps->depth--;
	return rc;
}

static int parse_value(struct parser *ps, struct xlcfg_value *v)
{
	char c;

	skip_space(ps, ps->depth > 0);
	if (ps->p >= ps->end)
		return fail(ps, "missing value");
	c = *ps->p;
	if (c == '"' || c == '\'')
		return lex_string(ps, v);
	if (c >= '0' && c <= '9')
		return lex_number(ps, v);
	if (c == '[')
		return parse_list(ps, v);
	return fail(ps, "a value must be a \"string\", a number or a [list]");
}

static int add_setting(struct xlcfg *cfg, char *key, int line,
		       struct xlcfg_value *v)
{
	struct xlcfg_setting *t = realloc(cfg->settings,
					  (cfg->n_settings + 1) * sizeof(*t));

	if (!t)
		return -ENOMEM;
	cfg->settings = t;
	cfg->settings[cfg->n_settings++] =
		(struct xlcfg_setting){ .key = key, .line = line, .value = *v };
	return 0;
}

static int parse_setting(struct parser *ps, struct xlcfg *cfg)
{
	const char *start = ps->p;
	struct xlcfg_value v;
	int line = ps->line, rc;
	char *key;

	while (ps->p < ps->end && is_ident(*ps->p))
		ps->p++;
	key = strndup(start, (size_t)(ps->p - start));
	if (!key)
		return -ENOMEM;
	ps->key = key;
	skip_space(ps, false);
	if (ps->p >= ps->end || *ps->p != '=') {
		rc = fail(ps, "expected '=' after the key"); /* names key */
		ps->key = NULL;
		free(key);
		return rc;
	}
	ps->p++;
	rc = parse_value(ps, &v);
	if (!rc && (rc = add_setting(cfg, key, line, &v)))
		value_free(&v);
	ps->key = NULL;
	if (rc)
		free(key);
	return rc;
}

/* A setting ends at a newline, a ';', a comment or the end of the text. */
static int end_of_setting(struct parser *ps)
{
	skip_space(ps, false);
	if (ps->p >= ps->end)
		return 0;
	if (*ps->p != '\n' && *ps->p != ';')
		return fail(ps, "unexpected '%c' after the value", *ps->p);
	if (*ps->p == '\n')
		ps->line++;
	ps->p++;
	return 0;
}

static int parse_file(struct parser *ps, struct xlcfg *cfg)
{
	int rc;

	for (;;) {
		skip_space(ps, false);
		if (ps->p >= ps->end)
			return 0;
		if (*ps->p == '\n' || *ps->p == ';') {
			ps->line += *ps->p == '\n';
			ps->p++;
			continue;
		}
		if (!is_ident_start(*ps->p))
			return fail(ps, "expected a key, found '%c'", *ps->p);
		rc = parse_setting(ps, cfg);
		if (!rc)
			rc = end_of_setting(ps);
		if (rc)
			return rc;
	}
}

int xlcfg_parse(const char *file, const char *text, size_t len,
		struct xlcfg **out, char *err, size_t errlen)
{
	struct parser ps = { .file = file, .p = text, .end = text + len,
			     .line = 1, .err = err, .errlen = errlen };
	struct xlcfg *cfg = calloc(1, sizeof(*cfg));
	int rc;

	if (!cfg || !(cfg->file = strdup(file))) {
		free(cfg);
		snprintf(err, errlen, "%s: out of memory", file);
		return -ENOMEM;
	}
	if (memchr(text, '\0', len))
		rc = fail(&ps, "the file contains a NUL byte");
	else
		rc = parse_file(&ps, cfg);
	if (rc) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", file);
		xlcfg_free(cfg);
		return rc;
	}
	*out = cfg;
	return 0;
}

static int read_all(int fd, char **buf, size_t *len)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_size > MAX_FILE_SIZE)
		return -EFBIG;
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf)
		return -ENOMEM;
	n = read(fd, *buf, (size_t)st.st_size);
	if (n < 0) {
		free(*buf);
		return -errno;
	}
	*len = (size_t)n;
	return 0;
}

int xlcfg_load(const char *path, struct xlcfg **out, char *err,
	       size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-rc));
		return rc;
	}
	rc = read_all(fd, &buf, &len);
	close(fd);
	if (rc) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 rc == -EINVAL ? "not a regular file" : strerror(-rc));
		return rc;
	}
	rc = xlcfg_parse(path, buf, len, out, err, errlen);
	free(buf);
	return rc;
}

static void value_free(struct xlcfg_value *v)
{
	for (size_t i = 0; i < v->n_items; i++)
		value_free(&v->items[i]);
	free(v->items);
	free(v->str);
}

void xlcfg_free(struct xlcfg *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_settings; i++) {
		free(cfg->settings[i].key);
		value_free(&cfg->settings[i].value);
	}
	free(cfg->settings);
	free(cfg->file);
	free(cfg);
}

const struct xlcfg_setting *xlcfg_get(const struct xlcfg *cfg,
				      const char *key)
{
	for (size_t i = cfg->n_settings; i-- > 0;)
		if (!strcmp(cfg->settings[i].key, key))
			return &cfg->settings[i];
	return NULL;
}
