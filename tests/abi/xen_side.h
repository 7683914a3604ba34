/*
 * The Xen side of the ABI proof.
 *
 * A generated translation unit includes Xen's public headers, then this
 * file, then one .def list inside a function body.  Every list line
 * becomes inline-assembly records whose operands are the values the
 * compiler computes from Xen's headers (sizes, alignments, offsets,
 * constants, characters of strings).  The unit is only compiled to
 * assembly (-S), never assembled or run, so a cross compiler works as
 * well as the native one; tests/abi/gen_xen_values.py reads the records
 * back out of the .s file.
 *
 * Record:  .ascii "@@ABI <line> <slot> <high 32 bits> <low 32 bits>"
 * where <line> is the list line (__LINE__ inside the .def file) and <slot>
 * numbers the values of one line (see pvkit_side.h for their meaning).
 */
#ifndef PVKIT_ABI_XEN_SIDE_H
#define PVKIT_ABI_XEN_SIDE_H

#include <stddef.h>

#define ABI_EMIT_AT(line, slot, v)                                             \
	__asm__ volatile(                                                      \
	    "\n.ascii \"@@ABI %c0 %c1 %c2 %c3\"\n"                             \
	    :                                                                  \
	    : "i"(line), "i"(slot),                                            \
	      "i"((unsigned)((unsigned long long)(v) >> 32)),                  \
	      "i"((unsigned)((unsigned long long)(v)&0xffffffffu)))
#define ABI_EMIT(slot, v) ABI_EMIT_AT(__LINE__, slot, v)

/* Value, width and signedness of an integer constant expression. */
#define ABI_EMIT_VALUE(v)                                                      \
	do {                                                                   \
		ABI_EMIT(0, (v));                                              \
		ABI_EMIT(1, sizeof(v));                                        \
		ABI_EMIT(2, ABI_SIGNED(v));                                    \
	} while (0)
/* 1 if V has a signed type (after promotion), 0 if unsigned. */
#define ABI_SIGNED(v) (!((v)*0 - 1 > 0))

/* A string literal: length in slot 1000, then 8 characters per record
 * starting at slot 1001 (strings of up to ABI_STR_MAX bytes). */
#define ABI_STR_MAX 256
#define ABI_CH(s, i)                                                           \
	((i) < sizeof(s) ? (unsigned char)(s)[(i) < sizeof(s) ? (i) : 0] : 0)
#define ABI_STR8(s, k)                                                         \
	__asm__ volatile(                                                      \
	    "\n.ascii \"@@ABISTR %c0 %c1 %c2 %c3 %c4 %c5 %c6 %c7 %c8 %c9\"\n"  \
	    :                                                                  \
	    : "i"(__LINE__), "i"(k), "i"(ABI_CH(s, (k)*8 + 0)),                \
	      "i"(ABI_CH(s, (k)*8 + 1)), "i"(ABI_CH(s, (k)*8 + 2)),            \
	      "i"(ABI_CH(s, (k)*8 + 3)), "i"(ABI_CH(s, (k)*8 + 4)),            \
	      "i"(ABI_CH(s, (k)*8 + 5)), "i"(ABI_CH(s, (k)*8 + 6)),            \
	      "i"(ABI_CH(s, (k)*8 + 7)))
#define ABI_STR_BODY(s)                                                        \
	do {                                                                   \
		ABI_EMIT(1000, sizeof(s) - 1);                                 \
		if (sizeof(s) > 0 * 8)                                         \
			ABI_STR8(s, 0);                                        \
		if (sizeof(s) > 1 * 8)                                         \
			ABI_STR8(s, 1);                                        \
		if (sizeof(s) > 2 * 8)                                         \
			ABI_STR8(s, 2);                                        \
		if (sizeof(s) > 3 * 8)                                         \
			ABI_STR8(s, 3);                                        \
		if (sizeof(s) > 4 * 8)                                         \
			ABI_STR8(s, 4);                                        \
		if (sizeof(s) > 5 * 8)                                         \
			ABI_STR8(s, 5);                                        \
		if (sizeof(s) > 6 * 8)                                         \
			ABI_STR8(s, 6);                                        \
		if (sizeof(s) > 7 * 8)                                         \
			ABI_STR8(s, 7);                                        \
		if (sizeof(s) > 8 * 8)                                         \
			ABI_STR8(s, 8);                                        \
		if (sizeof(s) > 9 * 8)                                         \
			ABI_STR8(s, 9);                                        \
		if (sizeof(s) > 10 * 8)                                        \
			ABI_STR8(s, 10);                                       \
		if (sizeof(s) > 11 * 8)                                        \
			ABI_STR8(s, 11);                                       \
		if (sizeof(s) > 12 * 8)                                        \
			ABI_STR8(s, 12);                                       \
		if (sizeof(s) > 13 * 8)                                        \
			ABI_STR8(s, 13);                                       \
		if (sizeof(s) > 14 * 8)                                        \
			ABI_STR8(s, 14);                                       \
		if (sizeof(s) > 15 * 8)                                        \
			ABI_STR8(s, 15);                                       \
		if (sizeof(s) > 16 * 8)                                        \
			ABI_STR8(s, 16);                                       \
		if (sizeof(s) > 17 * 8)                                        \
			ABI_STR8(s, 17);                                       \
		if (sizeof(s) > 18 * 8)                                        \
			ABI_STR8(s, 18);                                       \
		if (sizeof(s) > 19 * 8)                                        \
			ABI_STR8(s, 19);                                       \
		if (sizeof(s) > 20 * 8)                                        \
			ABI_STR8(s, 20);                                       \
		if (sizeof(s) > 21 * 8)                                        \
			ABI_STR8(s, 21);                                       \
		if (sizeof(s) > 22 * 8)                                        \
			ABI_STR8(s, 22);                                       \
		if (sizeof(s) > 23 * 8)                                        \
			ABI_STR8(s, 23);                                       \
		if (sizeof(s) > 24 * 8)                                        \
			ABI_STR8(s, 24);                                       \
		if (sizeof(s) > 25 * 8)                                        \
			ABI_STR8(s, 25);                                       \
		if (sizeof(s) > 26 * 8)                                        \
			ABI_STR8(s, 26);                                       \
		if (sizeof(s) > 27 * 8)                                        \
			ABI_STR8(s, 27);                                       \
		if (sizeof(s) > 28 * 8)                                        \
			ABI_STR8(s, 28);                                       \
		if (sizeof(s) > 29 * 8)                                        \
			ABI_STR8(s, 29);                                       \
		if (sizeof(s) > 30 * 8)                                        \
			ABI_STR8(s, 30);                                       \
		if (sizeof(s) > 31 * 8)                                        \
			ABI_STR8(s, 31);                                       \
	} while (0)

#define ABI_LAYOUT(t)                                                          \
	do {                                                                   \
		ABI_EMIT(0, sizeof(t));                                        \
		ABI_EMIT(1, _Alignof(t));                                      \
	} while (0)
#define ABI_MEMBER(t, m)                                                       \
	do {                                                                   \
		ABI_EMIT(0, offsetof(t, m));                                   \
		ABI_EMIT(1, sizeof(((t *)0)->m));                              \
	} while (0)

#define ABI_TYPE(t)		     ABI_LAYOUT(t);
#define ABI_STRUCT(tag)		     ABI_LAYOUT(struct tag);
#define ABI_UNION(tag)		     ABI_LAYOUT(union tag);
#define ABI_FIELD(tag, m)	     ABI_MEMBER(struct tag, m);
#define ABI_FIELD_OFF(tag, m)	     ABI_EMIT(0, offsetof(struct tag, m));
#define ABI_CONST(name)		     ABI_EMIT_VALUE(name);
#define ABI_STR(name)		     ABI_STR_BODY(name);
#define ABI_EXPR(label, ...)	     ABI_EMIT_VALUE((__VA_ARGS__));
#define ABI_TYPE_AS(pv, xen)	     ABI_LAYOUT(xen);
#define ABI_STRUCT_AS(pv, xen)	     ABI_LAYOUT(struct xen);
#define ABI_UNION_AS(pv, xen)	     ABI_LAYOUT(union xen);
#define ABI_FIELD_AS(pv, xen, m)     ABI_MEMBER(struct xen, m);
#define ABI_FIELD_OFF_AS(pv, xen, m) ABI_EMIT(0, offsetof(struct xen, m));
#define ABI_CONST_AS(pv, ...)	     ABI_EMIT_VALUE((__VA_ARGS__));
#define ABI_STR_AS(pv, xen_str)	     ABI_STR_BODY(xen_str);
#define ABI_SKIP(name, reason)

#endif
