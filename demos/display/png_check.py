#!/usr/bin/env python3
"""png_check.py PNG WIDTH HEIGHT [X,Y=RRGGBB ...]

make demo's check of a screen pvbackd's headless host side wrote: the PNG
is WIDTH x HEIGHT, holds more than one colour (something was drawn), and
each X,Y pixel has colour RRGGBB (a spot guest_mfb painted).  Python's
standard library only (zlib); 8-bit RGB or RGBA PNGs, not interlaced, as
pvbackd writes them.  Exit 0 when all holds, 1 (saying why) when not.
"""
import struct
import sys
import zlib


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    if not hdr:
        raise ValueError("no IHDR")
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("not 8-bit RGB/RGBA (depth %d type %d)" %
                         (depth, ctype))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 0xff
            elif ft == 2:
                line[i] = (line[i] + b) & 0xff
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xff
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 0xff
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def main(argv):
    if len(argv) < 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path, want_w, want_h = argv[1], int(argv[2]), int(argv[3])
    try:
        w, h, bpp, rows = read_png(path)
    except (OSError, ValueError, zlib.error) as e:
        print("png_check: %s: %s" % (path, e), file=sys.stderr)
        return 1
    if (w, h) != (want_w, want_h):
        print("png_check: %s is %dx%d, not %dx%d" % (path, w, h, want_w,
                                                      want_h),
              file=sys.stderr)
        return 1
    colours = set()
    for y in range(0, h, 7):
        r = rows[y]
        for x in range(0, w, 7):
            colours.add(r[x * bpp:x * bpp + 3])
    if len(colours) < 2:
        print("png_check: %s is one colour" % path, file=sys.stderr)
        return 1
    for spot in argv[4:]:
        xy, rgb = spot.split("=")
        x, y = (int(v) for v in xy.split(","))
        got = rows[y][x * bpp:x * bpp + 3].hex()
        if got != rgb.lower():
            print("png_check: %s at %d,%d is %s, not %s" % (path, x, y, got,
                                                           rgb),
                  file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
