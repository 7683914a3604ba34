#!/usr/bin/python3
"""The first note of make demo's melody, as the WAV host side wrote it.

usage: melody_check.py FILE.wav HZ MS

Reads the RIFF file (PCM 16-bit), takes the first MS milliseconds (the
first note) of the first channel and checks that its strongest frequency
is within 1 Hz of HZ and that it is not silent.  Exits 77 without numpy.
"""
import struct
import sys

try:
    import numpy as np
except ImportError:
    sys.exit(77)


def main():
    path, hz, ms = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    with open(path, "rb") as f:
        b = f.read()
    if b[:4] != b"RIFF" or b[8:12] != b"WAVE":
        sys.exit("%s: not a WAV file" % path)
    off, fmt, data = 12, None, None
    while off + 8 <= len(b):
        cid, size = b[off:off + 4], struct.unpack("<I", b[off + 4:off + 8])[0]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", b[off + 8:off + 24])
        elif cid == b"data":
            data = b[off + 8:off + 8 + size]
        off += 8 + size + (size & 1)
    if not fmt or data is None or fmt[0] != 1 or fmt[5] != 16:
        sys.exit("%s: not 16-bit PCM" % path)
    ch, rate = fmt[1], fmt[2]
    x = np.frombuffer(data, dtype="<i2").astype(np.float64) / 32768.0
    x = x[:len(x) // ch * ch].reshape(-1, ch)[:int(rate * ms / 1000), 0]
    if len(x) == 0 or np.max(np.abs(x)) < 0.01:
        sys.exit("%s: the first %.0f ms are silent" % (path, ms))
    n = 1 << 20  # zero-padded: bins of rate / 2^20 Hz
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), n))
    got = np.argmax(spec) * rate / n
    if abs(got - hz) > 1.0:
        sys.exit("%s: the first note is %.1f Hz, not %.1f" % (path, got, hz))
    print("demo: its first note is %.1f Hz (A4: %.1f Hz), peak %.2f of full "
          "scale" % (got, hz, np.max(np.abs(x))))


main()
