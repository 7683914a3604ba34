#!/usr/bin/python3
"""The tone test_snd_tone's guest played, as the WAV host side wrote it.

usage: snd_tone.py FILE.wav FREQ MS RATE CHANNELS

Reads the RIFF file by hand (PCM 16/32-bit and IEEE float 32-bit), then
checks: rate and channels as asked; the length within 50 ms of MS; on
every channel the strongest frequency within 1 Hz of FREQ; no gap (no run
of 2 ms of silence inside the tone).  Exits 77 without numpy.
"""
import struct
import sys

try:
    import numpy as np
except ImportError:
    sys.stderr.write("*** SKIPPED: numpy is missing ***\n")
    sys.exit(77)


def load(path):
    with open(path, "rb") as f:
        b = f.read()
    assert b[:4] == b"RIFF" and b[8:12] == b"WAVE", "not a WAV file"
    off, fmt, data = 12, None, None
    while off + 8 <= len(b):
        cid, size = b[off:off + 4], struct.unpack("<I", b[off + 4:off + 8])[0]
        body = b[off + 8:off + 8 + size]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", body[:16])
        elif cid == b"data":
            data = body
        off += 8 + size + (size & 1)
    assert fmt and data is not None, "fmt or data chunk missing"
    tag, ch, rate, _, _, bits = fmt
    if tag == 0xFFFE:
        tag = struct.unpack("<H", b[b.index(b"fmt ") + 8 + 24:][:2])[0]
    if tag == 3 and bits == 32:
        x = np.frombuffer(data, dtype="<f4").astype(np.float64)
    elif tag == 1 and bits == 16:
        x = np.frombuffer(data, dtype="<i2").astype(np.float64) / 32768.0
    elif tag == 1 and bits == 32:
        x = np.frombuffer(data, dtype="<i4").astype(np.float64) / 2.0**31
    else:
        raise AssertionError("format %d/%d bits not handled" % (tag, bits))
    n = len(x) // ch
    return rate, ch, x[:n * ch].reshape(-1, ch)


def peak_hz(x, rate):
    n = 1 << (len(x) * 8 - 1).bit_length()
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), n))
    return np.argmax(spec) * rate / n


def main():
    path, freq, ms, rate, ch = sys.argv[1], float(sys.argv[2]), \
        float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    r, c, x = load(path)
    assert r == rate, "rate %d, not %d" % (r, rate)
    assert c == ch, "channels %d, not %d" % (c, ch)
    got_ms = len(x) * 1000.0 / r
    assert abs(got_ms - ms) <= 50, "%.1f ms, not %.0f" % (got_ms, ms)
    gap = max(1, r // 500)
    for k in range(c):
        y = x[:, k]
        hz = peak_hz(y, r)
        assert abs(hz - freq) <= 1.0, "channel %d: %.2f Hz" % (k, hz)
        quiet = np.abs(y) < 1e-4
        run = best = 0
        for q in quiet[gap:-gap]:
            run = run + 1 if q else 0
            best = max(best, run)
        assert best < gap, "channel %d: %d silent frames in a row" % (k, best)
    print("%s: %.1f ms, %d Hz, %d ch, %.2f Hz" % (path, got_ms, r, c, hz))


main()
