/*
 * bench_proto.h — ring_bench's "protocol": one typed ring whose requests
 * and responses are the 64-byte bench message, declared with
 * PV_RING_DEFINE in a header, the way a device protocol declares its ring.
 */
#ifndef PVKIT_BENCH_PROTO_H
#define PVKIT_BENCH_PROTO_H

#include "bench_util.h"
#include "pvkit/ring.h"

PV_RING_DEFINE(bench, struct bench_msg, struct bench_msg);

_Static_assert(sizeof(union bench_entry) == BENCH_MSG_SIZE,
	       "ring entries are 64 bytes");

#endif
