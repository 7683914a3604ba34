/*
 * Guest configuration: xl.cfg settings (xlcfg.c) to struct domcfg.  One
 * handler per key, looked up in a table; each handler checks its value and
 * reports problems through bad(), which adds the file, line and key.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domcfg.h"
#include "xlcfg.h"

struct ctx {
	const char *path;
	const struct xlcfg *x;
	const struct xlcfg_setting *s;
	struct domcfg *cfg;
	char *err;
	size_t errlen;
	const struct xlcfg_setting *cpus; /* applied after vcpus is known */
};

static int bad(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(c->err, c->errlen, "%s:%d: %s: ", c->path,
			 c->s->value.line, c->s->key);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < c->errlen)
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int want_string(struct ctx *c, const char **out)
{
	if (c->s->value.kind != XLCFG_STRING)
		return bad(c, "expected a \"string\"");
	*out = c->s->value.str;
	return 0;
}

static int want_number(struct ctx *c, unsigned long long lo,
		       unsigned long long hi, unsigned long long *out)
{
	if (c->s->value.kind != XLCFG_NUMBER)
		return bad(c, "expected a number");
	if (c->s->value.num < lo || c->s->value.num > hi)
		return bad(c, "%llu is out of range (%llu to %llu)",
			   c->s->value.num, lo, hi);
	*out = c->s->value.num;
	return 0;
}

/* ---- key handlers ---------------------------------------------------------- */

static int key_name(struct ctx *c)
{
	const char *s = NULL;
	int rc = want_string(c, &s);

	if (rc)
		return rc;
	if (!*s || strlen(s) >= sizeof(c->cfg->name))
		return bad(c, "must be 1 to %zu bytes long",
			   sizeof(c->cfg->name) - 1);
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789-_.") != strlen(s))
		return bad(c, "'%s': use letters, digits, '-', '_' and '.'", s);
	strcpy(c->cfg->name, s);
	return 0;
}

static int key_type(struct ctx *c)
{
	const char *s = NULL;
	int rc = want_string(c, &s);

	if (rc)
		return rc;
	if (strcmp(s, "process"))
		return bad(c, "'%s' is not a guest type pvhv runs; use "
			      "\"process\"", s);
	strcpy(c->cfg->type, s);
	return 0;
}

static int key_memory(struct ctx *c)
{
	unsigned long long v = 0;
	int rc = want_number(c, 1, DOMCFG_MAX_MEMORY_MIB, &v);

	if (!rc)
		c->cfg->memory_mib = v;
	return rc;
}

static int key_vcpus(struct ctx *c)
{
	unsigned long long v = 0;
	int rc = want_number(c, 1, DOMCFG_MAX_VCPUS, &v);

	if (!rc)
		c->cfg->vcpus = (unsigned int)v;
	return rc;
}

static int key_cpus(struct ctx *c)
{
	c->cpus = c->s;
	return 0;
}

static int set_string(struct ctx *c, char **dst)
{
	const char *s = NULL;
	int rc = want_string(c, &s);

	if (rc)
		return rc;
	free(*dst);
	*dst = strdup(s);
	return *dst ? 0 : -ENOMEM;
}

/* kernel= relative to the config file's folder, as a person expects when
 * the guest binary sits next to its config. */
static int key_kernel(struct ctx *c)
{
	const char *s = NULL;
	char *dir, buf[PATH_MAX];
	int rc = want_string(c, &s);

	if (rc)
		return rc;
	if (!*s)
		return bad(c, "must name the guest program");
	if (s[0] == '/') {
		snprintf(buf, sizeof(buf), "%s", s);
	} else {
		dir = strdup(c->path);
		if (!dir)
			return -ENOMEM;
		snprintf(buf, sizeof(buf), "%s/%s", dirname(dir), s);
		free(dir);
	}
	free(c->cfg->kernel);
	c->cfg->kernel = strdup(buf);
	return c->cfg->kernel ? 0 : -ENOMEM;
}

static int key_cmdline(struct ctx *c)
{
	return set_string(c, &c->cfg->cmdline);
}

/* extra= joins cmdline= with a space. */
static int key_extra(struct ctx *c)
{
	const char *s = NULL;
	char *joined;
	int rc = want_string(c, &s);

	if (rc)
		return rc;
	if (!c->cfg->cmdline)
		return set_string(c, &c->cfg->cmdline);
	if (asprintf(&joined, "%s %s", c->cfg->cmdline, s) < 0)
		return -ENOMEM;
	free(c->cfg->cmdline);
	c->cfg->cmdline = joined;
	return 0;
}

static int action(struct ctx *c, enum domcfg_action *out)
{
	static const char *const names[] = { "destroy", "restart",
					     "preserve" };
	const char *s = NULL;
	int rc = want_string(c, &s);

	if (rc)
		return rc;
	for (unsigned int i = 0; i < 3; i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum domcfg_action)i;
			return 0;
		}
	}
	return bad(c, "'%s' is not supported; use destroy, restart or "
		      "preserve", s);
}

static int key_on_poweroff(struct ctx *c)
{
	return action(c, &c->cfg->on_poweroff);
}

static int key_on_crash(struct ctx *c)
{
	return action(c, &c->cfg->on_crash);
}

static int key_vwfi(struct ctx *c)
{
	const char *s = NULL;
	int rc = want_string(c, &s);

	if (rc)
		return rc;
	if (!strcmp(s, "trap"))
		c->cfg->vwfi = DOMCFG_VWFI_TRAP;
	else if (!strcmp(s, "native"))
		c->cfg->vwfi = DOMCFG_VWFI_NATIVE;
	else
		return bad(c, "'%s': use \"trap\" or \"native\"", s);
	return 0;
}

static int key_max_grant_frames(struct ctx *c)
{
	unsigned long long v = 0;
	int rc = want_number(c, 1, DOMCFG_MAX_GRANT_FRAMES, &v);

	if (!rc)
		c->cfg->max_grant_frames = (unsigned int)v;
	return rc;
}

static int key_max_event_channels(struct ctx *c)
{
	unsigned long long v = 0;
	int rc = want_number(c, 8, DOMCFG_MAX_EVTCHN, &v);

	if (!rc)
		c->cfg->max_event_channels = (unsigned int)v;
	return rc;
}

static const struct {
	const char *key;
	int (*parse)(struct ctx *c);
} keys[] = {
	{ "name", key_name },
	{ "type", key_type },
	{ "memory", key_memory },
	{ "vcpus", key_vcpus },
	{ "cpus", key_cpus },
	{ "kernel", key_kernel },
	{ "cmdline", key_cmdline },
	{ "extra", key_extra },
	{ "on_poweroff", key_on_poweroff },
	{ "on_crash", key_on_crash },
	{ "vwfi", key_vwfi },
	{ "max_grant_frames", key_max_grant_frames },
	{ "max_event_channels", key_max_event_channels },
};

/* xl keys a config written for Xen may carry; pvhv says it ignores them
 * rather than refusing the file. */
static const char *const ignored[] = {
	"builder", "maxvcpus", "maxmem", "on_reboot", "on_watchdog",
	"on_soft_reset", "ramdisk", "root", "uuid", "vif", "disk",
};

/* A device key given twice counts once, with its last value (as every
 * key does). */
static int device_key(struct ctx *c)
{
	if (xlcfg_get(c->x, c->s->key) != c->s)
		return 0;
	return devcfg_parse_setting(&c->cfg->devs, c->path, c->s, c->err,
				    c->errlen);
}

/* ---- cpus= ------------------------------------------------------------------ */

static int cpu_range(const char *tok, unsigned int ncpus, unsigned int *lo,
		     unsigned int *hi)
{
	char *end;
	unsigned long a = strtoul(tok, &end, 10), b = a;

	if (end == tok)
		return -EINVAL;
	if (*end == '-') {
		const char *p = end + 1;

		b = strtoul(p, &end, 10);
		if (end == p)
			return -EINVAL;
	}
	if (*end || a > b || b >= ncpus)
		return -ERANGE;
	*lo = (unsigned int)a;
	*hi = (unsigned int)b;
	return 0;
}

static int cpu_token(char *tok, unsigned int ncpus, cpu_set_t *set,
		     char *err, size_t errlen)
{
	bool neg = *tok == '^';
	unsigned int lo, hi;
	int rc;

	tok += neg;
	if (!strcmp(tok, "all") && !neg) {
		for (unsigned int i = 0; i < ncpus; i++)
			CPU_SET(i, set);
		return 0;
	}
	rc = cpu_range(tok, ncpus, &lo, &hi);
	if (rc) {
		snprintf(err, errlen, rc == -ERANGE
			 ? "'%s': this host has CPUs 0 to %u"
			 : "'%s' is not a CPU, a range like 0-3, or all",
			 tok, ncpus - 1);
		return -EINVAL;
	}
	for (unsigned int i = lo; i <= hi; i++) {
		if (neg)
			CPU_CLR(i, set);
		else
			CPU_SET(i, set);
	}
	return 0;
}

int domcfg_parse_cpus(const char *s, unsigned int ncpus, cpu_set_t *set,
		      char *err, size_t errlen)
{
	char *copy = strdup(s), *save = NULL, *tok;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	CPU_ZERO(set);
	for (tok = strtok_r(copy, ",", &save); tok && !rc;
	     tok = strtok_r(NULL, ",", &save))
		rc = cpu_token(tok, ncpus, set, err, errlen);
	free(copy);
	if (!rc && CPU_COUNT(set) == 0) {
		snprintf(err, errlen, "'%s' leaves no CPU", s);
		rc = -EINVAL;
	}
	return rc;
}

static int apply_cpus(struct ctx *c)
{
	const struct xlcfg_value *v = &c->s->value;
	unsigned int ncpus = (unsigned int)sysconf(_SC_NPROCESSORS_CONF);
	char msg[256];

	if (v->kind == XLCFG_LIST && v->n_items != c->cfg->vcpus)
		return bad(c, "a list needs one entry per vCPU (%u), not %zu",
			   c->cfg->vcpus, v->n_items);
	for (unsigned int i = 0; i < c->cfg->vcpus; i++) {
		const struct xlcfg_value *one =
			v->kind == XLCFG_LIST ? &v->items[i] : v;

		if (one->kind != XLCFG_STRING)
			return bad(c, "expected a \"CPU list\" string");
		if (domcfg_parse_cpus(one->str, ncpus, &c->cfg->cpus[i], msg,
				      sizeof(msg)))
			return bad(c, "%s", msg);
	}
	c->cfg->pinned = true;
	return 0;
}

/* ---- the whole file ----------------------------------------------------------- */

static int one_setting(struct ctx *c, void (*warn)(void *, const char *),
		       void *arg)
{
	char msg[256];

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (!strcmp(c->s->key, keys[k].key))
			return keys[k].parse(c);
	if (devcfg_is_key(c->s->key))
		return device_key(c);
	for (size_t k = 0; k < sizeof(ignored) / sizeof(ignored[0]); k++) {
		if (!strcmp(c->s->key, ignored[k])) {
			snprintf(msg, sizeof(msg), "%s:%d: %s: ignored by pvhv",
				 c->path, c->s->line, c->s->key);
			if (warn)
				warn(arg, msg);
			return 0;
		}
	}
	return bad(c, "unknown key (README lists the keys pvhv reads)");
}

static void defaults(struct domcfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->type, "process");
	cfg->memory_mib = 32;
	cfg->vcpus = 1;
	cfg->max_grant_frames = 32;
	cfg->max_event_channels = 1023;
}

static int check_required(struct ctx *c)
{
	if (!c->cfg->name[0]) {
		snprintf(c->err, c->errlen, "%s: name: missing (name = \"...\")",
			 c->path);
		return -EINVAL;
	}
	if (!c->cfg->kernel) {
		snprintf(c->err, c->errlen,
			 "%s: kernel: missing (kernel = \"path/to/guest\")",
			 c->path);
		return -EINVAL;
	}
	return 0;
}

int domcfg_parse(const char *path, const char *text, size_t len,
		 struct domcfg *cfg, char *err, size_t errlen,
		 void (*warn)(void *arg, const char *msg), void *arg)
{
	struct ctx c = { .path = path, .cfg = cfg, .err = err,
			 .errlen = errlen };
	struct xlcfg *x;
	int rc = xlcfg_parse(path, text, len, &x, err, errlen);

	if (rc)
		return rc;
	defaults(cfg);
	c.x = x;
	for (size_t i = 0; i < x->n_settings && !rc; i++) {
		c.s = &x->settings[i];
		rc = one_setting(&c, warn, arg);
	}
	if (!rc && c.cpus) {
		c.s = c.cpus;
		rc = apply_cpus(&c);
	}
	if (!rc)
		rc = check_required(&c);
	xlcfg_free(x);
	if (rc)
		domcfg_release(cfg);
	return rc;
}

void domcfg_release(struct domcfg *cfg)
{
	free(cfg->kernel);
	free(cfg->cmdline);
	cfg->kernel = NULL;
	cfg->cmdline = NULL;
	devcfg_release(&cfg->devs);
}

const char *domcfg_vwfi_name(enum domcfg_vwfi v)
{
	return v == DOMCFG_VWFI_NATIVE ? "native"
	       : v == DOMCFG_VWFI_TRAP ? "trap"
				       : "default";
}
