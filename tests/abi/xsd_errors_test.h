/* The two halves of the store error table test share this declaration;
 * struct xsd_errors has the same layout on both sides (proven in
 * xs_wire.def), so each half may use its own header's definition. */
#ifndef PVKIT_ABI_XSD_ERRORS_TEST_H
#define PVKIT_ABI_XSD_ERRORS_TEST_H

#include <stddef.h>

struct xsd_errors;
const struct xsd_errors *xen_xsd_errors(size_t *count);

#endif
