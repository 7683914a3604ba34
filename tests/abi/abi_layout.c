/*
 * abi_layout: reports what the ABI proof covered on this architecture.
 *
 * The proof itself happens while building: each pvkit_<def>.c object holds
 * _Static_asserts that compare pvkit's headers with Xen's, so a mismatch
 * never gets this far.  Each object also exports how many lines its list
 * has (counted by the preprocessor from the list itself); this program
 * links them all and prints the numbers.
 */
#include <stdio.h>

#define ABI_DEF(cname, file)                                                   \
	extern const unsigned abi_lines_##cname, abi_skips_##cname;
#include "abi_registry.h"
#undef ABI_DEF

struct abi_list {
	const char *file;
	const unsigned *lines;
	const unsigned *skips;
};

static const struct abi_list lists[] = {
#define ABI_DEF(cname, file) {file, &abi_lines_##cname, &abi_skips_##cname},
#include "abi_registry.h"
#undef ABI_DEF
};

#if defined(__x86_64__)
#define ARCH "x86_64"
#elif defined(__i386__)
#define ARCH "i386"
#elif defined(__aarch64__)
#define ARCH "aarch64"
#elif defined(__arm__)
#define ARCH "arm"
#else
#define ARCH "unknown"
#endif

int main(void)
{
	unsigned total = 0, skipped = 0;
	size_t n = sizeof(lists) / sizeof(lists[0]);

	for (size_t i = 0; i < n; i++) {
		printf("%-20s %5u lines proven", lists[i].file,
		       *lists[i].lines);
		if (*lists[i].skips)
			printf(", %u skipped", *lists[i].skips);
		printf("\n");
		total += *lists[i].lines;
		skipped += *lists[i].skips;
	}
	printf("abi_layout (%s): %u assertions proven against Xen's headers "
	       "in %zu lists (%u names skipped)\n",
	       ARCH, total, n, skipped);
	return total > 0 ? 0 : 1;
}
