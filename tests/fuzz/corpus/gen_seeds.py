#!/usr/bin/env python3
"""Write the fuzz targets' seed corpora (run from anywhere; output lands
next to this script).  The seeds are committed; rerun after changing a
harness's input format.  Byte order is little-endian, as on the hosts the
fuzzers run on (x86_64)."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

XS = dict(READ=2, WATCH=4, TRANSACTION_START=6, WRITE=11, RM=13,
          WATCH_EVENT=15, ERROR=16, DIRECTORY=1, WITHDRAWN=20)


def msg(typ, payload, req_id=1, tx_id=0):
    return struct.pack('<IIII', typ, req_id, tx_id, len(payload)) + payload


STORE = {
    'read': msg(XS['READ'], b'/local/domain/1/name\0'),
    'write_state': msg(XS['WRITE'], b'device/vsnd/0/state\0' + b'4', 7, 3),
    'watch_special': msg(XS['WATCH'], b'@introduceDomain\0tok\0'),
    'watch_event': msg(XS['WATCH_EVENT'], b'/local/domain/0/backend\0t1\0'),
    'directory_reply': msg(XS['DIRECTORY'], b'0\0' + b'1\0' + b'vif\0'),
    'error_reply': msg(XS['ERROR'], b'ENOENT\0'),
    'stream': msg(XS['TRANSACTION_START'], b'\0', 1) +
              msg(XS['RM'], b'/a/b\0', 2, 5) +
              msg(XS['READ'], b'rel/path\0', 3),
    'withdrawn_type': msg(XS['WITHDRAWN'], b'x\0'),
    'unterminated': msg(XS['READ'], b'/no/nul'),
}

# fuzz_ring_copy: ent-1, ring size (LE16: bytes after the header and one
# entry, at most 1023),
# req_prod req_event rsp_prod rsp_event, flex prod, flex cons; then ops.
OP = dict(copy=0, answer=1, bpush=2, bfinal=3, req=4, fpush=5, get=6,
          ffinal=7, req_prod=8, rsp_prod=9, events=10, fwrite=11, fread=12,
          fidx=13, reset=14, attach=15)


def ring_hdr(ent=16, size=1024, idx=(0, 1, 0, 1), flex=(0, 0)):
    return (bytes([ent - 1]) + struct.pack('<H', size - 64 - ent) +
            struct.pack('<IIII', *idx) + struct.pack('<II', *flex))


def ops(*seq):
    out = b''
    for item in seq:
        if isinstance(item, str):
            out += bytes([OP[item]])
        else:
            out += bytes(item)
    return out


ROUND = ops('req', [0], 'req', [1], 'req', [0], 'fpush',
            'copy', [0], 'copy', [0], 'copy', [0x81],
            'answer', [0], 'answer', [1], 'bpush', 'bfinal',
            'get', [0], 'get', [0], 'ffinal', 'copy', [0], 'answer', [0],
            'bpush', 'get', [0x80], 'get', [0], 'ffinal')
FLEX = ops('fwrite', [0x50, 1], 'fread', [0x22, 0], 'fread', [0x32, 0],
           'fwrite', [0x01, 130], 'fread', [0x01, 130])

RING = {
    'fresh_round': ring_hdr() + ops('reset') + ROUND + FLEX,
    'wrapped_attach': ring_hdr(idx=(0xfffffffe, 0xffffffff, 0xfffffffc, 0),
                               flex=(0xfffffff0, 0xfffffff0)) + ROUND + FLEX,
    'hostile_prod': ring_hdr(ent=8, size=512) + ops('reset', 'req', [0],
                                                    'fpush', 'req_prod',
                                                    [1, 0xff, 0xff, 0xff,
                                                     0x7f], 'copy', [0],
                                                    'rsp_prod', [0, 3],
                                                    'get', [0], 'attach',
                                                    [3], 'copy', [0]),
    'flex_corrupt': ring_hdr(flex=(5000, 100)) + FLEX +
                    ops('fidx', [1, 0x10, 0, 0, 0], 'fread', [0x01, 2]),
    'tiny_ring': ring_hdr(ent=48, size=64 + 48) + ops('reset') + ROUND,
}


def write(target, seeds):
    d = os.path.join(HERE, target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), 'wb') as f:
            f.write(data)


write('fuzz_store_codec', STORE)
write('fuzz_ring_copy', RING)
