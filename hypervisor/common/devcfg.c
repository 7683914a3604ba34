/*
 * Device settings of a guest config (devcfg.h): the five keys' values to
 * struct devcfg_dev.  This file holds the common reader (settings, value
 * checks, messages) and the one-string types vkb, vdispl, p9 and pvcalls;
 * sound cards are in devcfg_snd.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "devcfg_int.h"
#include "pvkit/proto/9pfs.h"
#include "pvkit/proto/displif.h"
#include "pvkit/proto/kbdif.h"
#include "pvkit/proto/pvcalls.h"
#include "pvkit/proto/sndif.h"
#include "xlcfg.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const type_names[DEVCFG_NTYPES] = {
    [DEVCFG_VKB] = "vkb",	  [DEVCFG_VSND] = "vsnd",
    [DEVCFG_VDISPL] = "vdispl",	  [DEVCFG_P9] = "p9",
    [DEVCFG_PVCALLS] = "pvcalls",
};

/* The store's names: what libxl calls the device kinds. */
static const char *const fe_kinds[DEVCFG_NTYPES] = {
    [DEVCFG_VKB] = XENKBD_DRIVER_NAME,	    [DEVCFG_VSND] = XENSND_DRIVER_NAME,
    [DEVCFG_VDISPL] = XENDISPL_DRIVER_NAME, [DEVCFG_P9] = XEN_9PFS_DRIVER_NAME,
    [DEVCFG_PVCALLS] = PVCALLS_DRIVER_NAME,
};

const char *devcfg_type_name(enum devcfg_type t)
{
	return (unsigned int)t < DEVCFG_NTYPES ? type_names[t] : "?";
}

const char *devcfg_frontend_kind(enum devcfg_type t)
{
	return (unsigned int)t < DEVCFG_NTYPES ? fe_kinds[t] : "?";
}

/* A keyboard served by a backend in a Linux domain lives under
 * backend/vinput; qemu's under backend/vkbd, like the frontend. */
const char *devcfg_backend_kind(const struct devcfg_dev *dev)
{
	if (dev->type == DEVCFG_VKB && dev->u.vkb.linux_backend)
		return "vinput";
	return devcfg_frontend_kind(dev->type);
}

int devcfg_type_from_name(const char *name, enum devcfg_type *t)
{
	for (unsigned int i = 0; i < DEVCFG_NTYPES; i++) {
		if (!strcmp(name, type_names[i]) ||
		    !strcmp(name, fe_kinds[i])) {
			*t = (enum devcfg_type)i;
			return 0;
		}
	}
	return -EINVAL;
}

bool devcfg_is_key(const char *key)
{
	for (unsigned int i = 0; i < DEVCFG_NTYPES; i++)
		if (!strcmp(key, type_names[i]))
			return true;
	return false;
}

/* ---- messages and words ------------------------------------------------- */

int bad(struct pctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->file)
		n = snprintf(c->err, c->errlen, "%s:%d: %s: %s%s", c->file,
			     c->line, c->key, c->where, *c->where ? ": " : "");
	else
		n = snprintf(c->err, c->errlen, "%s: %s%s", c->key, c->where,
			     *c->where ? ": " : "");
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < c->errlen)
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

char *trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

char *first_word(char *s, char **rest)
{
	char *comma = strchr(s, ',');

	if (comma) {
		*comma = '\0';
		*rest = comma + 1;
	} else {
		*rest = s + strlen(s);
	}
	return trim(s);
}

static void known_keys(char *buf, size_t len, const struct keydef *keys,
		       unsigned int n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 keys[i].name);

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static int one_setting(struct pctx *c, char *tok, const struct keydef *keys,
		       unsigned int n, struct target *t)
{
	char *eq = strchr(tok, '='), *key, known[512];

	if (!eq)
		return bad(c, "'%s' is not KEY=VALUE", tok);
	*eq = '\0';
	key = trim(tok);
	for (unsigned int i = 0; i < n; i++) {
		if (strcmp(key, keys[i].name))
			continue;
		if (t->seen & (1ull << i))
			return bad(c, "'%s' is given twice", key);
		t->seen |= 1ull << i;
		c->cur = keys[i].name;
		return keys[i].set(c, t, trim(eq + 1));
	}
	known_keys(known, sizeof(known), keys, n);
	if (!*key)
		return bad(c, "a setting without a key: '=%s'", eq + 1);
	return bad(c, "unknown key '%s' (known: %s)", key, known);
}

int apply(struct pctx *c, char *s, const struct keydef *keys, unsigned int n,
	  struct target *t)
{
	char *rest;
	int rc = 0;

	t->seen = 0;
	while (!rc && *s) {
		char *tok = first_word(s, &rest);

		if (*tok) /* blank settings (",,", a trailing ',') are fine */
			rc = one_setting(c, tok, keys, n, t);
		s = rest;
	}
	return rc;
}

bool given(const struct target *t, const struct keydef *keys, unsigned int n,
	   const char *name)
{
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(keys[i].name, name))
			return t->seen & (1ull << i);
	return false;
}

/* ---- values ------------------------------------------------------------- */

/* Decimal or 0x-hex, nothing else (no sign, no octal surprise). */
int want_num(struct pctx *c, const char *v, uint32_t lo, uint32_t hi,
	     uint32_t *out)
{
	const char *digits = v;
	unsigned long long x = 0;
	unsigned int base = 10;

	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		base = 16;
		digits = v + 2;
	}
	if (!*digits)
		return bad(c, "%s: '%s' is not a number", c->cur, v);
	for (const char *p = digits; *p; p++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned int)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned int)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned int)(*p - 'A' + 10);
		else
			return bad(c, "%s: '%s' is not a number", c->cur, v);
		x = x * base + d;
		if (x > 0xffffffffull)
			break;
	}
	if (x < lo || x > hi)
		return bad(c, "%s: %s is out of range (%u to %u)", c->cur, v,
			   lo, hi);
	*out = (uint32_t)x;
	return 0;
}

int want_flag(struct pctx *c, const char *v, bool *out)
{
	if (strcmp(v, "0") && strcmp(v, "1"))
		return bad(c, "%s: '%s': use 0 or 1", c->cur, v);
	*out = v[0] == '1';
	return 0;
}

/* Printable text without the characters in forbidden. */
int want_text(struct pctx *c, const char *v, const char *forbidden, char **out)
{
	size_t n = strlen(v);

	if (n == 0 || n > DEVCFG_MAX_STRING)
		return bad(c, "%s: must be 1 to %d bytes long", c->cur,
			   DEVCFG_MAX_STRING);
	for (const char *p = v; *p; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return bad(c, "%s: control or non-ASCII byte 0x%02x",
				   c->cur, (unsigned char)*p);
		if (strchr(forbidden, *p))
			return bad(c, "%s: '%s' may not contain '%c'", c->cur,
				   v, *p);
	}
	free(*out);
	*out = strdup(v);
	return *out ? 0 : -ENOMEM;
}

/* libxl takes a domain id or name; pvhv has one backend domain. */
int set_backend(struct pctx *c, struct target *t, const char *v)
{
	if (!strcmp(v, "0") || !strcmp(v, "Domain-0")) {
		t->dev->backend = 0;
		return 0;
	}
	return bad(c,
		   "backend: '%s': pvhv runs every backend in dom0 "
		   "(backend=0 or backend=Domain-0)",
		   v);
}

/* ---- vkb ---------------------------------------------------------------- */

static int vkb_type(struct pctx *c, struct target *t, const char *v)
{
	if (strcmp(v, "qemu") && strcmp(v, "linux"))
		return bad(c, "backend-type: '%s': use qemu or linux", v);
	t->dev->u.vkb.linux_backend = !strcmp(v, "linux");
	return 0;
}

static int vkb_id(struct pctx *c, struct target *t, const char *v)
{
	return want_text(c, v, "", &t->dev->u.vkb.unique_id);
}

#define VKB_FLAG(fn, field)                                                    \
	static int fn(struct pctx *c, struct target *t, const char *v)         \
	{                                                                      \
		return want_flag(c, v, &t->dev->u.vkb.field);                  \
	}
VKB_FLAG(vkb_nokbd, disable_keyboard)
VKB_FLAG(vkb_noptr, disable_pointer)
VKB_FLAG(vkb_abs, abs_pointer)
VKB_FLAG(vkb_raw, raw_pointer)
VKB_FLAG(vkb_mt, multi_touch)

#define VKB_NUM(fn, field, max)                                                \
	static int fn(struct pctx *c, struct target *t, const char *v)         \
	{                                                                      \
		return want_num(c, v, 1, max, &t->dev->u.vkb.field);           \
	}
VKB_NUM(vkb_mtw, mt_width, DEVCFG_MAX_PIXELS)
VKB_NUM(vkb_mth, mt_height, DEVCFG_MAX_PIXELS)
VKB_NUM(vkb_mtc, mt_contacts, DEVCFG_MAX_CONTACTS)
VKB_NUM(vkb_w, width, DEVCFG_MAX_PIXELS)
VKB_NUM(vkb_h, height, DEVCFG_MAX_PIXELS)

static const struct keydef vkb_keys[] = {
    {"backend", set_backend},
    {"backend-type", vkb_type},
    {XENKBD_FIELD_UNIQUE_ID, vkb_id},
    {XENKBD_FIELD_FEAT_DSBL_KEYBRD, vkb_nokbd},
    {XENKBD_FIELD_FEAT_DSBL_POINTER, vkb_noptr},
    {XENKBD_FIELD_FEAT_ABS_POINTER, vkb_abs},
    {XENKBD_FIELD_FEAT_RAW_POINTER, vkb_raw},
    {XENKBD_FIELD_FEAT_MTOUCH, vkb_mt},
    {XENKBD_FIELD_MT_WIDTH, vkb_mtw},
    {XENKBD_FIELD_MT_HEIGHT, vkb_mth},
    {XENKBD_FIELD_MT_NUM_CONTACTS, vkb_mtc},
    {XENKBD_FIELD_WIDTH, vkb_w},
    {XENKBD_FIELD_HEIGHT, vkb_h},
};

/* What xl insists on after reading the string: the backend type, and a
 * multi-touch surface described in full. */
static int vkb_check(struct pctx *c, const struct target *t)
{
	struct devcfg_vkb *k = &t->dev->u.vkb;
	unsigned int mt = !!k->mt_width + !!k->mt_height + !!k->mt_contacts;

	if (!given(t, vkb_keys, N(vkb_keys), "backend-type"))
		return bad(c, "backend-type missing (linux: a backend in a "
			      "domain, such as pvkit's, under backend/vinput; "
			      "qemu: qemu's, under backend/vkbd)");
	if (mt && mt < 3)
		return bad(c,
			   "multi-touch needs multi-touch-width, "
			   "multi-touch-height and multi-touch-num-contacts");
	if (mt == 0 && k->multi_touch)
		return bad(c,
			   "feature-multi-touch=1 needs multi-touch-width, "
			   "multi-touch-height and multi-touch-num-contacts");
	if (mt && !k->multi_touch &&
	    given(t, vkb_keys, N(vkb_keys), XENKBD_FIELD_FEAT_MTOUCH))
		return bad(c, "feature-multi-touch=0 contradicts the "
			      "multi-touch-* settings");
	k->multi_touch = mt == 3;
	return 0;
}

static int parse_vkb(struct pctx *c, const char *s, struct devcfg_dev *dev)
{
	struct target t = {.dev = dev};
	char *copy = strdup(s);
	int rc;

	if (!copy)
		return -ENOMEM;
	rc = apply(c, copy, vkb_keys, N(vkb_keys), &t);
	free(copy);
	return rc ? rc : vkb_check(c, &t);
}

/* ---- vdispl ------------------------------------------------------------- */

static int vdispl_alloc(struct pctx *c, struct target *t, const char *v)
{
	return want_flag(c, v, &t->dev->u.vdispl.be_alloc);
}

/* "ID:WxH" */
static int one_connector(struct pctx *c, char *s, struct devcfg_connector *k)
{
	char *colon = strchr(s, ':'), *x, *id;
	int rc;

	if (!colon)
		return bad(c, "connectors: '%s' is not ID:WIDTHxHEIGHT", s);
	*colon = '\0';
	id = trim(s);
	x = strchr(colon + 1, 'x');
	if (!x)
		return bad(c, "connectors: '%s' is not WIDTHxHEIGHT",
			   colon + 1);
	*x = '\0';
	rc = want_text(c, id, " ,;:", &k->unique_id);
	if (!rc)
		rc = want_num(c, trim(colon + 1), 1, DEVCFG_MAX_PIXELS,
			      &k->width);
	if (!rc)
		rc = want_num(c, trim(x + 1), 1, DEVCFG_MAX_PIXELS, &k->height);
	return rc;
}

static int vdispl_conns(struct pctx *c, struct target *t, const char *v)
{
	struct devcfg_vdispl *d = &t->dev->u.vdispl;
	char *copy = strdup(v), *p, *semi;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	for (p = copy; !rc && p; p = semi) {
		semi = strchr(p, ';');
		if (semi)
			*semi++ = '\0';
		p = trim(p);
		if (!*p)
			continue;
		if (d->n_conns == DEVCFG_MAX_CONNECTORS)
			rc = bad(c, "connectors: more than %d",
				 DEVCFG_MAX_CONNECTORS);
		else
			rc = one_connector(c, p, &d->conns[d->n_conns++]);
	}
	free(copy);
	for (unsigned int i = 0; !rc && i < d->n_conns; i++)
		for (unsigned int j = 0; !rc && j < i; j++)
			if (!strcmp(d->conns[i].unique_id,
				    d->conns[j].unique_id))
				rc = bad(c, "connectors: '%s' is used twice",
					 d->conns[i].unique_id);
	return rc;
}

static const struct keydef vdispl_keys[] = {
    {"backend", set_backend},
    {XENDISPL_FIELD_BE_ALLOC, vdispl_alloc},
    {"connectors", vdispl_conns},
};

static int parse_vdispl(struct pctx *c, const char *s, struct devcfg_dev *dev)
{
	struct target t = {.dev = dev};
	char *copy = strdup(s);
	int rc;

	if (!copy)
		return -ENOMEM;
	rc = apply(c, copy, vdispl_keys, N(vdispl_keys), &t);
	free(copy);
	if (!rc && dev->u.vdispl.n_conns == 0)
		rc = bad(c, "connectors missing: a display needs at least one "
			    "(connectors=ID:WIDTHxHEIGHT;...)");
	return rc;
}

/* ---- p9 ----------------------------------------------------------------- */

static int p9_tag(struct pctx *c, struct target *t, const char *v)
{
	return want_text(c, v, " ", &t->dev->u.p9.tag);
}

static int p9_path(struct pctx *c, struct target *t, const char *v)
{
	if (v[0] != '/')
		return bad(c, "path: '%s' is not an absolute path", v);
	if (strlen(v) > DEVCFG_MAX_PATH)
		return bad(c, "path: longer than %d bytes", DEVCFG_MAX_PATH);
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20)
			return bad(c, "path: control byte 0x%02x",
				   (unsigned char)*p);
	free(t->dev->u.p9.path);
	t->dev->u.p9.path = strdup(v);
	return t->dev->u.p9.path ? 0 : -ENOMEM;
}

static int p9_model(struct pctx *c, struct target *t, const char *v)
{
	if (strcmp(v, XEN_9PFS_SECURITY_MODEL_NONE))
		return bad(c, "security_model: '%s': only \"none\" exists", v);
	return want_text(c, v, "", &t->dev->u.p9.security_model);
}

static const struct keydef p9_keys[] = {
    {"backend", set_backend},
    {XEN_9PFS_FIELD_TAG, p9_tag},
    {XEN_9PFS_FIELD_PATH, p9_path},
    {"security_model", p9_model},
};

static int parse_p9(struct pctx *c, const char *s, struct devcfg_dev *dev)
{
	struct target t = {.dev = dev};
	struct devcfg_p9 *p = &dev->u.p9;
	char *copy = strdup(s);
	int rc;

	if (!copy)
		return -ENOMEM;
	rc = apply(c, copy, p9_keys, N(p9_keys), &t);
	free(copy);
	if (!rc && (!p->tag || !p->path || !p->security_model))
		rc = bad(c,
			 "%s missing: a share needs tag, path and "
			 "security_model=none",
			 !p->tag    ? "tag"
			 : !p->path ? "path"
				    : "security_model");
	return rc;
}

/* ---- pvcalls ------------------------------------------------------------ */

static const struct keydef pvcalls_keys[] = {
    {"backend", set_backend},
};

static int parse_pvcalls(struct pctx *c, const char *s, struct devcfg_dev *dev)
{
	struct target t = {.dev = dev};
	char *copy = strdup(s);
	int rc;

	if (!copy)
		return -ENOMEM;
	rc = apply(c, copy, pvcalls_keys, N(pvcalls_keys), &t);
	free(copy);
	return rc;
}

/* ---- one device --------------------------------------------------------- */

static int parse_one(struct pctx *c, enum devcfg_type type,
		     const char *const *items, const int *lines, unsigned int n,
		     struct devcfg_dev *dev)
{
	int rc;

	memset(dev, 0, sizeof(*dev));
	dev->type = type;
	if (type == DEVCFG_VSND) {
		rc = parse_vsnd(c, items, lines, n, dev);
	} else if (n != 1) {
		rc = bad(c, "one \"KEY=VALUE, ...\" string per device, not %u",
			 n);
	} else {
		c->line = lines ? lines[0] : c->line;
		rc = type == DEVCFG_VKB	     ? parse_vkb(c, items[0], dev)
		     : type == DEVCFG_VDISPL ? parse_vdispl(c, items[0], dev)
		     : type == DEVCFG_P9     ? parse_p9(c, items[0], dev)
					     : parse_pvcalls(c, items[0], dev);
	}
	if (rc)
		devcfg_dev_release(dev);
	return rc;
}

int devcfg_parse_spec(enum devcfg_type t, const char *const *spec,
		      unsigned int n, struct devcfg_dev *out, char *err,
		      size_t errlen)
{
	struct pctx c = {
	    .err = err, .errlen = errlen, .key = devcfg_type_name(t)};
	static const char *const none[] = {""};

	if ((unsigned int)t >= DEVCFG_NTYPES)
		return -EINVAL;
	if (n == 0 && t != DEVCFG_VSND) { /* all defaults, as "" */
		spec = none;
		n = 1;
	}
	if (n > DEVCFG_MAX_ITEMS)
		return bad(&c, "more than %d items", DEVCFG_MAX_ITEMS);
	return parse_one(&c, t, spec, NULL, n, out);
}

/* ---- a config setting --------------------------------------------------- */

/* One list item of the setting: a string, or for vsnd a list of them. */
static int parse_item(struct pctx *c, enum devcfg_type type,
		      const struct xlcfg_value *v, struct devcfg_dev *dev)
{
	const char *items[DEVCFG_MAX_ITEMS];
	int lines[DEVCFG_MAX_ITEMS];
	unsigned int n = 0;

	c->line = v->line;
	if (type != DEVCFG_VSND) {
		if (v->kind != XLCFG_STRING)
			return bad(c, "expected a \"KEY=VALUE, ...\" string");
		return parse_one(c, type, (const char *const *)&v->str,
				 &v->line, 1, dev);
	}
	if (v->kind != XLCFG_LIST)
		return bad(c, "expected a list of \"CARD, ...\", \"PCM, ...\" "
			      "and \"STREAM, ...\" strings");
	if (v->n_items > DEVCFG_MAX_ITEMS)
		return bad(c, "more than %d items", DEVCFG_MAX_ITEMS);
	for (; n < v->n_items; n++) {
		if (v->items[n].kind != XLCFG_STRING) {
			c->line = v->items[n].line;
			return bad(c,
				   "item %u: expected a \"CARD|PCM|STREAM, "
				   "KEY=VALUE, ...\" string",
				   n);
		}
		items[n] = v->items[n].str;
		lines[n] = v->items[n].line;
	}
	return parse_one(c, type, items, lines, n, dev);
}

static unsigned int count_type(const struct devcfg *cfg, enum devcfg_type t)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < cfg->n; i++)
		n += cfg->devs[i].type == t;
	return n;
}

int devcfg_parse_setting(struct devcfg *cfg, const char *file,
			 const struct xlcfg_setting *s, char *err,
			 size_t errlen)
{
	struct pctx c = {.err = err,
			 .errlen = errlen,
			 .file = file,
			 .line = s->value.line,
			 .key = s->key};
	const struct xlcfg_value *v = &s->value;
	enum devcfg_type type;
	unsigned int have;
	struct devcfg_dev *grown;
	int rc = 0;

	if (devcfg_type_from_name(s->key, &type) || !devcfg_is_key(s->key))
		return bad(&c, "not a device key");
	if (v->kind != XLCFG_LIST)
		return bad(&c, "expected a list: %s = [ %s ]", s->key,
			   type == DEVCFG_VSND ? "[ \"CARD, ...\", ... ]"
					       : "\"KEY=VALUE, ...\"");
	have = count_type(cfg, type);
	if (have + v->n_items > DEVCFG_MAX_DEVICES)
		return bad(&c, "more than %d devices", DEVCFG_MAX_DEVICES);
	grown = realloc(cfg->devs, (cfg->n + v->n_items + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	cfg->devs = grown;
	for (size_t i = 0; i < v->n_items && !rc; i++) {
		snprintf(c.where, sizeof(c.where), "%s %u",
			 type == DEVCFG_VSND ? "card" : "device",
			 have + (unsigned int)i);
		rc = parse_item(&c, type, &v->items[i], &cfg->devs[cfg->n]);
		if (!rc)
			cfg->n++;
	}
	return rc;
}

/* ---- freeing ------------------------------------------------------------ */

void devcfg_dev_release(struct devcfg_dev *dev)
{
	switch (dev->type) {
	case DEVCFG_VKB:
		free(dev->u.vkb.unique_id);
		break;
	case DEVCFG_VSND:
		release_vsnd(&dev->u.vsnd);
		break;
	case DEVCFG_VDISPL:
		for (unsigned int i = 0; i < dev->u.vdispl.n_conns; i++)
			free(dev->u.vdispl.conns[i].unique_id);
		break;
	case DEVCFG_P9:
		free(dev->u.p9.tag);
		free(dev->u.p9.path);
		free(dev->u.p9.security_model);
		break;
	default:
		break;
	}
	memset(&dev->u, 0, sizeof(dev->u));
}

void devcfg_release(struct devcfg *cfg)
{
	for (unsigned int i = 0; i < cfg->n; i++)
		devcfg_dev_release(&cfg->devs[i]);
	free(cfg->devs);
	cfg->devs = NULL;
	cfg->n = 0;
}
