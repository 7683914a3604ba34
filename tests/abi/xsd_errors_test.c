/*
 * abi_xsd_errors: pvkit's store error table equals Xen's, entry by entry:
 * same order, same names, same numbers (pvkit uses XEN_E* values, Xen's
 * header the C library's; on Linux they agree).
 */
#include <stdio.h>
#include <string.h>

#include <pvkit/proto/xs_wire.h>

#include "xsd_errors_test.h"

int main(void)
{
	size_t n_xen, n_pv = sizeof(xsd_errors) / sizeof(xsd_errors[0]);
	const struct xsd_errors *xen = xen_xsd_errors(&n_xen);
	int bad = 0;

	if (n_xen != n_pv) {
		printf("xsd_errors: pvkit has %zu entries, Xen %zu\n", n_pv,
		       n_xen);
		return 1;
	}
	for (size_t i = 0; i < n_pv; i++) {
		if (xen[i].errnum != xsd_errors[i].errnum ||
		    strcmp(xen[i].errstring, xsd_errors[i].errstring) != 0) {
			printf(
			    "xsd_errors[%zu]: pvkit {%d, %s}, Xen {%d, %s}\n",
			    i, xsd_errors[i].errnum, xsd_errors[i].errstring,
			    xen[i].errnum, xen[i].errstring);
			bad = 1;
		}
	}
	if (!bad)
		printf("xsd_errors: %zu entries equal to Xen's\n", n_pv);
	return bad;
}
