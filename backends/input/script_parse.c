/*
 * The script host side's parser (the format is in pvkit/kbdback.h): one
 * line at a time into commands (kbd_script_cmd), with the surface, the
 * target and the open touch frame carried from line to line.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kbdback_int.h"

#define MAX_WORDS   8
#define MAX_LINE    512
#define MAX_FILE    (4u << 20)
#define DEFAULT_W   800u
#define DEFAULT_H   600u
#define MAX_WAIT_NS (3600ull * 1000000000ull)

/* ---- parsing ------------------------------------------------------------- */

#define pstate kbd_script_parser

static int perr(struct pstate *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int perr(struct pstate *p, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(p->err, p->errlen, "%s:%u: ", p->name, p->line);

	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static struct kbd_script_cmd *add(struct pstate *p, enum kbd_script_kind k)
{
	struct kbd_script *s = p->s;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		void *n = realloc(s->cmd, cap * sizeof(*s->cmd));

		if (!n)
			return NULL;
		s->cmd = n;
		s->cap = cap;
	}
	memset(&s->cmd[s->n], 0, sizeof(s->cmd[0]));
	s->cmd[s->n].kind = k;
	s->cmd[s->n].line = p->line;
	return &s->cmd[s->n++];
}

static struct kbdback_event *add_ev(struct pstate *p, unsigned int type)
{
	struct kbd_script_cmd *c = add(p, KBD_SCRIPT_EVENT);

	if (!c)
		return NULL;
	c->ev.type = (uint16_t)type;
	c->ev.target = p->target;
	return &c->ev;
}

void kbd_script_parser_init(struct pstate *p, struct kbd_script *s,
			    const char *name, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->s = s;
	p->name = name;
	p->w = DEFAULT_W;
	p->h = DEFAULT_H;
	p->target = KBDBACK_TARGET_ALL;
	p->err = err;
	p->errlen = errlen;
}

static int close_frame(struct pstate *p)
{
	if (!p->touch_open)
		return 0;
	p->touch_open = false;
	return add_ev(p, KBDBACK_EV_TOUCH_FRAME) ? 0 : -ENOMEM;
}

static int num(struct pstate *p, const char *w, const char *what, int64_t lo,
	       int64_t hi, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(w, &end, 10);
	if (errno || *end || end == w)
		return perr(p, "%s: '%s' is not a number", what, w);
	if (v < lo || v > hi)
		return perr(p, "%s: %lld is outside %" PRId64 "..%" PRId64,
			    what, v, lo, hi);
	*out = v;
	return 0;
}

static int need(struct pstate *p, int n, int want, const char *usage)
{
	return n == want ? 0 : perr(p, "expected: %s", usage);
}

static int cmd_size(struct pstate *p, char **w, int n)
{
	int64_t a = 0, b = 0;
	int rc = need(p, n, 3, "size W H");

	if (!rc)
		rc = num(p, w[1], "width", 1, 1 << 20, &a);
	if (!rc)
		rc = num(p, w[2], "height", 1, 1 << 20, &b);
	if (!rc) {
		p->w = (uint32_t)a;
		p->h = (uint32_t)b;
	}
	return rc;
}

static int duration(struct pstate *p, const char *w, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		uint64_t mul;
	} units[] = {{"us", 1000}, {"ms", 1000000}, {"s", 1000000000}};
	char *end;
	unsigned long long v;
	uint64_t mul = 1000000;

	errno = 0;
	v = strtoull(w, &end, 10);
	if (errno || end == w || w[0] == '-')
		return perr(p, "wait: '%s' is not a duration", w);
	if (*end) {
		mul = 0;
		for (unsigned int i = 0; i < 3; i++)
			if (!strcmp(end, units[i].suffix))
				mul = units[i].mul;
		if (!mul)
			return perr(p, "wait: unit '%s' (us, ms or s)", end);
	}
	if (v > MAX_WAIT_NS / mul)
		return perr(p, "wait: %s is longer than an hour", w);
	*ns = v * mul;
	return 0;
}

static int cmd_wait(struct pstate *p, char **w, int n)
{
	struct kbd_script_cmd *c;
	int64_t v = 0;
	uint64_t ns = 0;
	int rc;

	if (n == 3 && !strcmp(w[1], "connected")) {
		rc = num(p, w[2], "wait connected", 1, 4096, &v);
		if (rc || (rc = close_frame(p)))
			return rc;
		c = add(p, KBD_SCRIPT_WAIT_CONNECTED);
		if (c)
			c->count = (unsigned int)v;
		return c ? 0 : -ENOMEM;
	}
	rc = need(p, n, 2, "wait DURATION | wait connected N");
	if (rc || (rc = duration(p, w[1], &ns)) || (rc = close_frame(p)))
		return rc;
	c = add(p, KBD_SCRIPT_WAIT);
	if (c)
		c->ns = ns;
	return c ? 0 : -ENOMEM;
}

static int cmd_target(struct pstate *p, char **w, int n)
{
	int64_t v = 0;
	int rc = need(p, n, 2, "target all|DOMID");

	if (rc)
		return rc;
	if (!strcmp(w[1], "all")) {
		p->target = KBDBACK_TARGET_ALL;
		return 0;
	}
	rc = num(p, w[1], "target", 0, 0x7fef, &v);
	if (!rc)
		p->target = (int32_t)v;
	return rc;
}

/* down|up|press: one or two key events. */
static int key_action(struct pstate *p, uint32_t code, const char *act)
{
	bool press = !strcmp(act, "press");
	struct kbdback_event *e;

	if (!press && strcmp(act, "down") && strcmp(act, "up"))
		return perr(p, "'%s': down, up or press", act);
	if (close_frame(p))
		return -ENOMEM;
	for (int i = 0; i < (press ? 2 : 1); i++) {
		e = add_ev(p, KBDBACK_EV_KEY);
		if (!e)
			return -ENOMEM;
		e->u.key.code = code;
		e->u.key.pressed = press ? i == 0 : !strcmp(act, "down");
	}
	return 0;
}

static int cmd_key(struct pstate *p, char **w, int n)
{
	uint32_t code;
	int rc = need(p, n, 3, "key NAME|CODE down|up|press");

	if (rc)
		return rc;
	if (kbdback_key_code(w[1], &code))
		return perr(p, "key: unknown key '%s'", w[1]);
	return key_action(p, code, w[2]);
}

static int cmd_button(struct pstate *p, char **w, int n)
{
	static const struct {
		const char *name;
		uint32_t code;
	} btns[] = {{"left", 0x110}, {"right", 0x111}, {"middle", 0x112}};
	uint32_t code = 0;
	int rc = need(p, n, 3, "button left|right|middle|CODE down|up|press");

	if (rc)
		return rc;
	for (unsigned int i = 0; i < 3; i++)
		if (!strcasecmp(w[1], btns[i].name))
			code = btns[i].code;
	if (!code && kbdback_key_code(w[1], &code))
		return perr(p, "button: unknown button '%s'", w[1]);
	return key_action(p, code, w[2]);
}

/* A position in the script's surface, as a fraction. */
static int pos(struct pstate *p, char **w, uint32_t *x, uint32_t *y)
{
	int64_t a = 0, b = 0;
	int rc = num(p, w[0], "x", 0, p->w, &a);

	if (!rc)
		rc = num(p, w[1], "y", 0, p->h, &b);
	if (!rc) {
		*x = kbdback_abs_from_pixels(a, p->w);
		*y = kbdback_abs_from_pixels(b, p->h);
	}
	return rc;
}

static int cmd_pointer(struct pstate *p, char **w, int n)
{
	struct kbdback_event ev = {.target = p->target};
	int64_t a = 0, b = 0;
	int rc;

	if (!strcmp(w[0], "wheel")) {
		ev.type = KBDBACK_EV_WHEEL;
		rc = need(p, n, 2, "wheel DZ");
		if (!rc)
			rc = num(p, w[1], "wheel", -1000, 1000, &a);
		ev.u.wheel.dz = (int32_t)a;
	} else if (!strcmp(w[0], "move")) {
		ev.type = KBDBACK_EV_MOTION;
		rc = need(p, n, 3, "move DX DY");
		if (!rc)
			rc = num(p, w[1], "dx", -65536, 65536, &a);
		if (!rc)
			rc = num(p, w[2], "dy", -65536, 65536, &b);
		ev.u.motion.dx = (int32_t)a;
		ev.u.motion.dy = (int32_t)b;
	} else {
		ev.type = KBDBACK_EV_ABS;
		rc = need(p, n, 3, "abs X Y");
		if (!rc)
			rc = pos(p, w + 1, &ev.u.abs.x, &ev.u.abs.y);
	}
	if (rc || (rc = close_frame(p)))
		return rc;
	struct kbdback_event *e = add_ev(p, ev.type);
	if (!e)
		return -ENOMEM;
	*e = ev;
	return 0;
}

static int touch_args(struct pstate *p, char **w, int n,
		      struct kbdback_event *ev)
{
	const char *sub = w[1];
	int64_t a = 0, b = 0;
	int rc;

	if (!strcmp(sub, "down") || !strcmp(sub, "move")) {
		ev->type = sub[0] == 'd' ? KBDBACK_EV_TOUCH_DOWN
					 : KBDBACK_EV_TOUCH_MOTION;
		rc = need(p, n, 5, "touch down|move ID X Y");
		return rc ? rc : pos(p, w + 3, &ev->u.touch.x, &ev->u.touch.y);
	}
	if (!strcmp(sub, "up")) {
		ev->type = KBDBACK_EV_TOUCH_UP;
		return need(p, n, 3, "touch up ID");
	}
	if (!strcmp(sub, "shape")) {
		ev->type = KBDBACK_EV_TOUCH_SHAPE;
		rc = need(p, n, 5, "touch shape ID MAJOR MINOR");
		if (!rc)
			rc = num(p, w[3], "major", 0, p->w, &a);
		if (!rc)
			rc = num(p, w[4], "minor", 0, a, &b);
		if (!rc) {
			ev->u.shape.major = kbdback_abs_from_pixels(a, p->w);
			ev->u.shape.minor = kbdback_abs_from_pixels(b, p->w);
		}
		return rc;
	}
	if (!strcmp(sub, "orient")) {
		ev->type = KBDBACK_EV_TOUCH_ORIENT;
		rc = need(p, n, 4, "touch orient ID DEGREES");
		if (!rc)
			rc = num(p, w[3], "degrees", -180, 180, &a);
		ev->u.orient.degrees = (int16_t)a;
		return rc;
	}
	return perr(p, "touch: '%s' (down, move, shape, orient or up)", sub);
}

static int cmd_touch(struct pstate *p, char **w, int n)
{
	struct kbdback_event ev = {.target = p->target}, *e;
	int64_t id = 0;
	int rc;

	if (n < 3)
		return perr(p,
			    "expected: touch down|move|shape|orient|up ID ...");
	rc = num(p, w[2], "contact id", 0, INT32_MAX, &id);
	if (rc || (rc = touch_args(p, w, n, &ev)))
		return rc;
	/* All members share their first field: the contact. */
	ev.u.touch.contact = (uint64_t)id;
	if (ev.type == KBDBACK_EV_TOUCH_SHAPE)
		ev.u.shape.contact = (uint64_t)id;
	if (ev.type == KBDBACK_EV_TOUCH_ORIENT)
		ev.u.orient.contact = (uint64_t)id;
	e = add_ev(p, ev.type);
	if (!e)
		return -ENOMEM;
	*e = ev;
	p->touch_open = true;
	return 0;
}

static int cmd_simple(struct pstate *p, char **w, int n)
{
	int rc = need(p, n, 1, w[0]);

	if (rc || (rc = close_frame(p)))
		return rc;
	if (!strcmp(w[0], "loop") && p->live)
		return perr(p, "loop: not in a live script (a FIFO)");
	if (!strcmp(w[0], "loop"))
		return add(p, KBD_SCRIPT_LOOP) ? 0 : -ENOMEM;
	return 0; /* frame: closed above */
}

static const struct {
	const char *word;
	int (*fn)(struct pstate *p, char **w, int n);
} commands[] = {
    {"size", cmd_size},	   {"wait", cmd_wait},	   {"target", cmd_target},
    {"key", cmd_key},	   {"button", cmd_button}, {"move", cmd_pointer},
    {"abs", cmd_pointer},  {"wheel", cmd_pointer}, {"touch", cmd_touch},
    {"frame", cmd_simple}, {"loop", cmd_simple},
};

int kbd_script_parse_line(struct pstate *p, char *line)
{
	char *w[MAX_WORDS], *save = NULL;
	int n = 0;

	line[strcspn(line, "#")] = '\0';
	for (char *t = strtok_r(line, " \t\r", &save); t;
	     t = strtok_r(NULL, " \t\r", &save)) {
		if (n == MAX_WORDS)
			return perr(p, "too many words");
		w[n++] = t;
	}
	if (!n)
		return 0;
	for (unsigned int i = 0; i < sizeof(commands) / sizeof(commands[0]);
	     i++)
		if (!strcmp(w[0], commands[i].word))
			return commands[i].fn(p, w, n);
	return perr(p, "unknown command '%s'", w[0]);
}

/* A loop needs time to pass in it, or it would spin. */
static int check_loop(struct pstate *p)
{
	uint64_t waited = 0;
	bool waits = false;

	for (size_t i = 0; i < p->s->n; i++) {
		const struct kbd_script_cmd *c = &p->s->cmd[i];

		if (c->kind == KBD_SCRIPT_WAIT)
			waited += c->ns;
		if (c->kind == KBD_SCRIPT_WAIT_CONNECTED)
			waits = true;
		if (c->kind == KBD_SCRIPT_LOOP && !waited && !waits) {
			p->line = c->line;
			return perr(p, "loop: nothing waits before it (add "
				       "'wait 10ms')");
		}
	}
	return 0;
}

int kbd_script_parse(const char *text, const char *name, struct kbd_script *s,
		     char *err, size_t errlen)
{
	struct pstate p;
	char line[MAX_LINE + 2];
	int rc = 0;

	memset(s, 0, sizeof(*s));
	kbd_script_parser_init(&p, s, name, err, errlen);
	while (*text && !rc) {
		size_t len = strcspn(text, "\n");

		p.line++;
		if (len > MAX_LINE) {
			rc = perr(&p, "line longer than %u characters",
				  MAX_LINE);
			break;
		}
		memcpy(line, text, len);
		line[len] = '\0';
		text += len + (text[len] == '\n');
		rc = kbd_script_parse_line(&p, line);
		if (rc == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", name);
	}
	if (!rc)
		rc = close_frame(&p);
	if (!rc)
		rc = check_loop(&p);
	if (rc)
		kbd_script_free(s);
	return rc;
}

int kbd_script_load(const char *path, struct kbd_script *s, char *err,
		    size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	char *text;
	ssize_t got;
	int rc;

	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (fstat(fd, &sb) || sb.st_size > MAX_FILE || !S_ISREG(sb.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s: not a regular file under 4 MiB",
			 path);
		return -EINVAL;
	}
	text = malloc((size_t)sb.st_size + 1);
	got = text ? read(fd, text, (size_t)sb.st_size) : -1;
	close(fd);
	if (got < 0) {
		free(text);
		snprintf(err, errlen, "%s: cannot read it", path);
		return -EIO;
	}
	text[got] = '\0';
	if (strlen(text) != (size_t)got) {
		free(text);
		snprintf(err, errlen, "%s: not a text file (NUL byte)", path);
		return -EINVAL;
	}
	rc = kbd_script_parse(text, path, s, err, errlen);
	free(text);
	return rc;
}

void kbd_script_free(struct kbd_script *s)
{
	free(s->cmd);
	memset(s, 0, sizeof(*s));
}
