/*
 * Xen's store error table, built from its header with the C library's
 * errno values (the header only defines the table when <errno.h> is in).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

#include "xsd_errors_test.h"

const struct xsd_errors *xen_xsd_errors(size_t *count)
{
	*count = sizeof(xsd_errors) / sizeof(xsd_errors[0]);
	return xsd_errors;
}
