/*
 * pvctl — the command line for pvhv.
 *
 *   pvctl [--rundir DIR] COMMAND [ARGS...]
 *
 * Each command is one request through libpvhv (include/pvkit/hv.h); the
 * commands live in commands.c, this file holds the common parts: global
 * options, help, the connection and its errors, naming domains.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvctl.h"

static void global_help(FILE *f)
{
	fprintf(f,
		"usage: pvctl [--rundir DIR] COMMAND [ARGS...]\n"
		"\n"
		"Manage the domains of a running pvhv.\n"
		"\n"
		"Options:\n"
		"  --rundir DIR  talk to the pvhv of DIR (default: "
		"$PVKIT_RUNDIR,\n"
		"                else /run/pvkit for root, else "
		"$XDG_RUNTIME_DIR/pvkit)\n"
		"  -h, --help    this help; `pvctl COMMAND --help` explains "
		"one command\n"
		"\n"
		"Commands:\n");
	for (unsigned int i = 0; i < pvctl_n_cmds; i++)
		fprintf(f, "  %-13s %s\n", pvctl_cmds[i].name,
			pvctl_cmds[i].summary);
	fprintf(f, "\nDOM is a domain id or a domain name.\n"
		   "\n"
		   "Example:\n"
		   "  pvhv                     # start the daemon, once\n"
		   "  pvctl create guest.cfg\n"
		   "  pvctl list\n");
}

void pvctl_cmd_help(const struct pvctl_cmd *cmd)
{
	printf("usage: pvctl %s%s%s\n\n%s.\n\n%s", cmd->name,
	       *cmd->args ? " " : "", cmd->args, cmd->summary, cmd->help);
}

bool pvctl_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return false;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	}
	return false;
}

int pvctl_usage(struct pvctl *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pvctl%s%s: ", c->cmd ? " " : "",
		c->cmd ? c->cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see `pvctl %s%s--help`)\n", c->cmd ? c->cmd : "",
		c->cmd ? " " : "");
	return PVCTL_USAGE;
}

/* ---- connecting ------------------------------------------------------------ */

static void connect_hint(const struct pvctl *c, const char *dir, int rc)
{
	fprintf(stderr, "pvctl: cannot connect to %s/pvhv.sock: ", dir);
	switch (rc) {
	case -ENOENT:
	case -ECONNREFUSED:
		if (c->rundir)
			fprintf(stderr, "is pvhv running? start it with "
					"`pvhv --rundir %s`\n", dir);
		else
			fprintf(stderr, "is pvhv running? start it with "
					"`pvhv`\n");
		break;
	case -EACCES:
	case -EPERM:
		fprintf(stderr, "permission denied; run pvctl as the user "
				"that started pvhv, or pass --rundir\n");
		break;
	case -EPROTO:
	case -EPROTONOSUPPORT:
		fprintf(stderr, "pvctl and pvhv speak different versions; "
				"use the pvctl built with this pvhv\n");
		break;
	default:
		fprintf(stderr, "%s\n", strerror(-rc));
	}
}

struct pvhv *pvctl_connect(struct pvctl *c)
{
	char dir[4096];
	int rc;

	if (c->h)
		return c->h;
	rc = pvhv_open(c->rundir, 0, &c->h);
	if (!rc)
		return c->h;
	if (c->rundir)
		snprintf(dir, sizeof(dir), "%s", c->rundir);
	else if (pvhv_default_rundir(dir, sizeof(dir)))
		snprintf(dir, sizeof(dir), "(run directory)");
	connect_hint(c, dir, rc);
	c->h = NULL;
	return NULL;
}

int pvctl_fail(struct pvctl *c, int rc, const char *what)
{
	const char *msg = c->h ? pvhv_errmsg(c->h) : "";

	fprintf(stderr, "pvctl %s: %s: %s\n", c->cmd, what,
		*msg ? msg : strerror(-rc));
	if (rc == -ESRCH && (!*msg || strstr(msg, "domain")))
		fprintf(stderr, "(`pvctl list` shows the domains)\n");
	else if (rc == -ECONNRESET)
		fprintf(stderr, "(lost the connection: did pvhv stop? "
				"`pvctl list` checks)\n");
	return PVCTL_FAIL;
}

/* ---- naming domains --------------------------------------------------------- */

static bool parse_domid(const char *s, domid_t *out)
{
	char *end;
	unsigned long v;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || v >= DOMID_FIRST_RESERVED)
		return false;
	*out = (domid_t)v;
	return true;
}

int pvctl_domid(struct pvctl *c, const char *arg, domid_t *out)
{
	struct pvhv *h;
	int rc;

	if (parse_domid(arg, out))
		return 0;
	if (strspn(arg, "0123456789") == strlen(arg)) {
		fprintf(stderr, "pvctl %s: '%s' is not a domain id (0 to %u)\n",
			c->cmd, arg, DOMID_FIRST_RESERVED - 1);
		return -EINVAL;
	}
	h = pvctl_connect(c);
	if (!h)
		return -ENOTCONN;
	rc = pvhv_domain_find(h, arg, out);
	if (rc == -ESRCH)
		fprintf(stderr, "pvctl %s: no domain named '%s' "
				"(`pvctl list` shows the domains)\n",
			c->cmd, arg);
	else if (rc)
		pvctl_fail(c, rc, "looking up the domain");
	return rc;
}

/* ---- main --------------------------------------------------------------------- */

static const struct pvctl_cmd *find_cmd(const char *name)
{
	for (unsigned int i = 0; i < pvctl_n_cmds; i++)
		if (!strcmp(pvctl_cmds[i].name, name))
			return &pvctl_cmds[i];
	return NULL;
}

/* Global options; returns the index of COMMAND, or -1 with *rc set. */
static int global_options(struct pvctl *c, int argc, char **argv, int *rc)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			global_help(stdout);
			*rc = PVCTL_OK;
			return -1;
		} else if (!strcmp(argv[i], "--rundir") && i + 1 < argc) {
			c->rundir = argv[++i];
		} else if (!strncmp(argv[i], "--rundir=", 9) && argv[i][9]) {
			c->rundir = argv[i] + 9;
		} else {
			*rc = pvctl_usage(c, "unknown option '%s'", argv[i]);
			return -1;
		}
	}
	if (i == argc) {
		global_help(stderr);
		*rc = PVCTL_USAGE;
		return -1;
	}
	return i;
}

/* `pvctl help [COMMAND]` */
static int help_cmd(struct pvctl *c, int argc, char **argv)
{
	const struct pvctl_cmd *cmd;

	if (argc < 2) {
		global_help(stdout);
		return PVCTL_OK;
	}
	cmd = find_cmd(argv[1]);
	if (!cmd)
		return pvctl_usage(c, "no command '%s'", argv[1]);
	pvctl_cmd_help(cmd);
	return PVCTL_OK;
}

int main(int argc, char **argv)
{
	struct pvctl c = { 0 };
	const struct pvctl_cmd *cmd;
	int rc = PVCTL_OK, i = global_options(&c, argc, argv, &rc);

	if (i < 0)
		return rc;
	if (!strcmp(argv[i], "help"))
		return help_cmd(&c, argc - i, argv + i);
	cmd = find_cmd(argv[i]);
	if (!cmd)
		return pvctl_usage(&c, "no command '%s'", argv[i]);
	c.cmd = cmd->name;
	c.args = cmd->args;
	if (pvctl_wants_help(argc - i, argv + i)) {
		pvctl_cmd_help(cmd);
		return PVCTL_OK;
	}
	rc = cmd->run(&c, argc - i, argv + i);
	pvhv_close(c.h);
	return rc;
}
