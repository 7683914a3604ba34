/*
 * The pvkit side of the ABI proof.
 *
 * A generated translation unit includes pvkit's own headers, the values
 * gen_xen_values.py extracted from the Xen side (macros ABI_XEN_<line>_<slot>
 * and ABI_XEN_S_<line>), this file, and then the .def list at file scope.
 * Each list line becomes _Static_asserts that pvkit's value equals Xen's,
 * so any difference stops the build at that line.
 *
 * Slots, per line:
 *   ABI_TYPE, ABI_STRUCT, ABI_UNION (and _AS)   0 sizeof   1 _Alignof
 *   ABI_FIELD (and _AS)                         0 offsetof 1 sizeof member
 *   ABI_FIELD_OFF (and _AS)                     0 offsetof
 *   ABI_CONST, ABI_EXPR                         0 value    1 sizeof
 *                                               2 signed (1) or unsigned (0)
 *   ABI_CONST_AS                                0 value
 *   ABI_STR, ABI_STR_AS                         1000 length, and the text
 *
 * ABI_DEF_FILE (a string) names the list in the messages.
 */
#ifndef PVKIT_ABI_PVKIT_SIDE_H
#define PVKIT_ABI_PVKIT_SIDE_H

#include <stddef.h>

#define ABI_XV(line, slot) ABI_XEN_##line##_##slot
#define ABI_X(line, slot)  ABI_XV(line, slot)
#define ABI_SV(line)	   ABI_XEN_S_##line
#define ABI_S(line)	   ABI_SV(line)

#define ABI_EQ(pv, slot, what)                                                 \
	_Static_assert((unsigned long long)(pv) == ABI_X(__LINE__, slot),      \
		       "ABI mismatch, " ABI_DEF_FILE ": " what)
#define ABI_SIGNED(v) (!((v)*0 - 1 > 0))

#define ABI_LAYOUT(t, what)                                                    \
	ABI_EQ(sizeof(t), 0, what ": size differs");                           \
	ABI_EQ(_Alignof(t), 1, what ": alignment differs");
#define ABI_MEMBER(t, m, what)                                                 \
	ABI_EQ(offsetof(t, m), 0, what ": offset differs");                    \
	ABI_EQ(sizeof(((t *)0)->m), 1, what ": size differs");
#define ABI_VALUE(v, what)                                                     \
	ABI_EQ((v), 0, what ": value differs");                                \
	ABI_EQ(sizeof(v), 1, what ": type width differs");                     \
	ABI_EQ(ABI_SIGNED(v), 2, what ": signedness differs");
#define ABI_STRING(s, what)                                                    \
	ABI_EQ(sizeof(s) - 1, 1000, what ": length differs");                  \
	_Static_assert(__builtin_strcmp((s), ABI_S(__LINE__)) == 0,            \
		       "ABI mismatch, " ABI_DEF_FILE ": " what                 \
		       ": text differs");

#define ABI_TYPE(t)	ABI_LAYOUT(t, "ABI_TYPE(" #t ")")
#define ABI_STRUCT(tag) ABI_LAYOUT(struct tag, "ABI_STRUCT(" #tag ")")
#define ABI_UNION(tag)	ABI_LAYOUT(union tag, "ABI_UNION(" #tag ")")
#define ABI_FIELD(tag, m)                                                      \
	ABI_MEMBER(struct tag, m, "ABI_FIELD(" #tag ", " #m ")")
#define ABI_FIELD_OFF(tag, m)                                                  \
	ABI_EQ(offsetof(struct tag, m), 0,                                     \
	       "ABI_FIELD_OFF(" #tag ", " #m "): offset differs");
#define ABI_CONST(name) ABI_VALUE(name, "ABI_CONST(" #name ")")
#define ABI_STR(name)	ABI_STRING(name, "ABI_STR(" #name ")")
#define ABI_EXPR(label, ...)                                                   \
	ABI_VALUE((__VA_ARGS__), "ABI_EXPR(" #label ", " #__VA_ARGS__ ")")
#define ABI_TYPE_AS(pv, xen) ABI_LAYOUT(pv, "ABI_TYPE_AS(" #pv ", " #xen ")")
#define ABI_STRUCT_AS(pv, xen)                                                 \
	ABI_LAYOUT(struct pv, "ABI_STRUCT_AS(" #pv ", " #xen ")")
#define ABI_UNION_AS(pv, xen)                                                  \
	ABI_LAYOUT(union pv, "ABI_UNION_AS(" #pv ", " #xen ")")
#define ABI_FIELD_AS(pv, xen, m)                                               \
	ABI_MEMBER(struct pv, m, "ABI_FIELD_AS(" #pv ", " #xen ", " #m ")")
#define ABI_FIELD_OFF_AS(pv, xen, m)                                           \
	ABI_EQ(offsetof(struct pv, m), 0,                                      \
	       "ABI_FIELD_OFF_AS(" #pv ", " #xen ", " #m "): offset differs");
/* A pvkit name against a Xen expression: the value only, since the
 * expression's type (often size_t) says nothing about the name's. */
#define ABI_CONST_AS(pv, ...)                                                  \
	ABI_EQ((pv), 0,                                                        \
	       "ABI_CONST_AS(" #pv ", " #__VA_ARGS__ "): value differs");
#define ABI_STR_AS(pv, xen) ABI_STRING(pv, "ABI_STR_AS(" #pv ", " #xen ")")
/* A name with no Xen counterpart: documented, not proven. */
#define ABI_SKIP(name, reason)                                                 \
	_Static_assert(sizeof(reason) > 1,                                     \
		       "ABI_SKIP(" #name ") needs a reason");

#endif
