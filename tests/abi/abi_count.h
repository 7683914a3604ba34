/*
 * Re-reads a .def list as a number: included by the generated pvkit-side
 * unit after pvkit_side.h, so the ABI_* macros below replace the asserting
 * ones.  ABI_COUNT_SKIPS selects what is counted: 0 counts proven lines,
 * 1 counts ABI_SKIP lines.
 */
#undef ABI_TYPE
#undef ABI_STRUCT
#undef ABI_UNION
#undef ABI_FIELD
#undef ABI_FIELD_OFF
#undef ABI_CONST
#undef ABI_STR
#undef ABI_EXPR
#undef ABI_TYPE_AS
#undef ABI_STRUCT_AS
#undef ABI_UNION_AS
#undef ABI_FIELD_AS
#undef ABI_FIELD_OFF_AS
#undef ABI_CONST_AS
#undef ABI_STR_AS
#undef ABI_SKIP

#define ABI_ONE_		     (1 - ABI_COUNT_SKIPS)
#define ABI_TYPE(t)		     +ABI_ONE_
#define ABI_STRUCT(tag)		     +ABI_ONE_
#define ABI_UNION(tag)		     +ABI_ONE_
#define ABI_FIELD(tag, m)	     +ABI_ONE_
#define ABI_FIELD_OFF(tag, m)	     +ABI_ONE_
#define ABI_CONST(name)		     +ABI_ONE_
#define ABI_STR(name)		     +ABI_ONE_
#define ABI_EXPR(label, ...)	     +ABI_ONE_
#define ABI_TYPE_AS(pv, xen)	     +ABI_ONE_
#define ABI_STRUCT_AS(pv, xen)	     +ABI_ONE_
#define ABI_UNION_AS(pv, xen)	     +ABI_ONE_
#define ABI_FIELD_AS(pv, xen, m)     +ABI_ONE_
#define ABI_FIELD_OFF_AS(pv, xen, m) +ABI_ONE_
#define ABI_CONST_AS(pv, ...)	     +ABI_ONE_
#define ABI_STR_AS(pv, xen)	     +ABI_ONE_
#define ABI_SKIP(name, reason)	     +ABI_COUNT_SKIPS
