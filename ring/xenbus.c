/*
 * xenbus states.  The transition rules are one table: a bit per allowed
 * target state, so a check is a shift and a mask.
 */
#include "pvkit/proto/errno.h"
#include "pvkit/xenbus.h"

#define S(x) (1u << XenbusState##x)
#define GIVE_UP (S(Closing) | S(Closed))

static const char *const names[] = {
	[XenbusStateUnknown] = "Unknown",
	[XenbusStateInitialising] = "Initialising",
	[XenbusStateInitWait] = "InitWait",
	[XenbusStateInitialised] = "Initialised",
	[XenbusStateConnected] = "Connected",
	[XenbusStateClosing] = "Closing",
	[XenbusStateClosed] = "Closed",
	[XenbusStateReconfiguring] = "Reconfiguring",
	[XenbusStateReconfigured] = "Reconfigured",
};

#define NSTATES (sizeof(names) / sizeof(names[0]))

/* Unknown is what a missing node reads as: a device appears from it and
 * returns to it when its nodes are removed. */
static const unsigned int allowed[NSTATES] = {
	[XenbusStateUnknown] = S(Initialising) | S(InitWait) | GIVE_UP,
	[XenbusStateInitialising] = S(InitWait) | S(Initialised) |
				    S(Connected) | GIVE_UP,
	[XenbusStateInitWait] = S(Initialised) | S(Connected) | GIVE_UP,
	[XenbusStateInitialised] = S(Connected) | GIVE_UP,
	[XenbusStateConnected] = S(Reconfiguring) | GIVE_UP,
	[XenbusStateClosing] = S(Closed),
	[XenbusStateClosed] = S(Unknown) | S(Initialising) | S(InitWait) |
			      S(Closing),
	[XenbusStateReconfiguring] = S(Reconfigured) | GIVE_UP,
	[XenbusStateReconfigured] = S(Connected) | GIVE_UP,
};

const char *pv_xenbus_state_name(enum xenbus_state st)
{
	if ((unsigned int)st >= NSTATES)
		return "invalid";
	return names[st];
}

int pv_xenbus_state_parse(const char *val, size_t len, enum xenbus_state *st)
{
	unsigned int v = 0;
	size_t i;

	if (len > 0 && val[len - 1] == '\0')
		len--;
	if (len == 0 || len > 2)
		return -XEN_EINVAL;
	for (i = 0; i < len; i++) {
		if (val[i] < '0' || val[i] > '9')
			return -XEN_EINVAL;
		v = v * 10 + (unsigned int)(val[i] - '0');
	}
	if (v >= NSTATES || (len == 2 && val[0] == '0'))
		return -XEN_EINVAL;
	*st = (enum xenbus_state)v;
	return 0;
}

int pv_xenbus_state_format(enum xenbus_state st, char *buf, size_t size)
{
	if ((unsigned int)st >= NSTATES)
		return -XEN_EINVAL;
	if (size < 2)
		return -XEN_ENOSPC;
	buf[0] = (char)('0' + st);
	buf[1] = '\0';
	return 1;
}

bool pv_xenbus_transition_ok(enum xenbus_state from, enum xenbus_state to)
{
	if ((unsigned int)from >= NSTATES || (unsigned int)to >= NSTATES)
		return false;
	return from == to || (allowed[from] & (1u << to)) != 0;
}
