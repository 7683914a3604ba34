#!/usr/bin/python3
"""What the sound tests' guests played, as the backend's host side wrote it.

usage:
  snd_tone.py tone FILE FREQ MS RATE CHANNELS [TOL_MS [AMP]]
      one guest's sine: rate and channels as asked; the length within
      TOL_MS (default 50) of MS; on every channel the strongest frequency
      within 1 Hz of FREQ; no gap (no run of 2 ms of silence inside the
      tone); with AMP (0..1, the guest's amplitude) the RMS level within
      10 % of AMP / sqrt(2).
  snd_tone.py mix FILE RATE CHANNELS AMP FREQ:MS [FREQ:MS ...]
      guests mixed into one file: each FREQ, measured in 20 ms windows
      every 5 ms, is heard in one unbroken run (no window inside the run
      below 60 % of the run's median level: a gap or a lost period shows
      up as a dip), the median level within 25 % of AMP, the run's length
      within 50 ms of MS (MS 0: any length, e.g. a guest that was killed),
      and every pair of runs overlaps (they were really mixed); no 2 ms of
      silence in the whole while anything plays.

Reads RIFF files by hand (PCM 16/32-bit, IEEE float 32-bit).  Prints what
it measured.  Exits 1 when a check fails, 77 without numpy.
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
            if fmt[0] == 0xFFFE and len(body) >= 26:
                fmt = (struct.unpack("<H", body[24:26])[0],) + fmt[1:]
        elif cid == b"data":
            data = body
        off += 8 + size + (size & 1)
    assert fmt and data is not None, "fmt or data chunk missing"
    tag, ch, rate, _, _, bits = fmt
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
    k = int(np.argmax(spec))
    # parabolic interpolation between bins
    if 0 < k < len(spec) - 1:
        a, b, c = np.log(spec[k - 1:k + 2] + 1e-30)
        k = k + 0.5 * (a - c) / (a - 2 * b + c)
    return k * rate / n


def longest_silence(y, rate):
    gap = max(1, rate // 500)
    quiet = np.abs(y) < 1e-4
    best = run = 0
    for q in quiet:
        run = run + 1 if q else 0
        best = max(best, run)
    return best, gap


def tone(args):
    path, freq, ms, rate, ch = args[0], float(args[1]), float(args[2]), \
        int(args[3]), int(args[4])
    tol = float(args[5]) if len(args) > 5 else 50.0
    amp = float(args[6]) if len(args) > 6 else None
    r, c, x = load(path)
    assert r == rate, "rate %d, not %d" % (r, rate)
    assert c == ch, "channels %d, not %d" % (c, ch)
    got_ms = len(x) * 1000.0 / r
    print("%s: %d Hz, %d ch, %.1f ms (want %.0f +- %.1f)"
          % (path, r, c, got_ms, ms, tol))
    assert abs(got_ms - ms) <= tol, "length %.1f ms" % got_ms
    gap = max(1, r // 500)
    for k in range(c):
        y = x[:, k]
        hz = peak_hz(y, r)
        best, _ = longest_silence(y[gap:-gap], r)
        rms = float(np.sqrt(np.mean(y * y)))
        print("  channel %d: %.2f Hz, rms %.4f, longest silence %d frames"
              % (k, hz, rms, best))
        assert abs(hz - freq) <= 1.0, "channel %d: %.2f Hz" % (k, hz)
        assert best < gap, "channel %d: %d silent frames in a row" % (k, best)
        if amp is not None:
            want = amp / np.sqrt(2)
            assert abs(rms - want) <= 0.1 * want, \
                "channel %d: rms %.4f, not %.4f" % (k, rms, want)


def level(y, rate, freq, win, hop):
    """The sine's amplitude at freq in windows of win frames every hop."""
    t = np.arange(win) / rate
    w = np.hanning(win)
    cs = w * np.cos(2 * np.pi * freq * t)
    sn = w * np.sin(2 * np.pi * freq * t)
    norm = w.sum() / 2
    out = []
    for s in range(0, len(y) - win + 1, hop):
        seg = y[s:s + win]
        out.append(np.hypot(seg @ cs, seg @ sn) / norm)
    return np.array(out)


def mix(args):
    path, rate, ch, amp = args[0], int(args[1]), int(args[2]), float(args[3])
    comps = [(float(a.split(":")[0]), float(a.split(":")[1]))
             for a in args[4:]]
    r, c, x = load(path)
    assert r == rate and c == ch, "%d Hz x%d, not %d x%d" % (r, c, rate, ch)
    y = x.mean(axis=1)
    win, hop, gap = r // 50, r // 200, max(1, r // 500)
    print("%s: %d Hz, %d ch, %.1f ms" % (path, r, c, len(x) * 1000.0 / r))
    runs = []
    for freq, ms in comps:
        lv = level(y, r, freq, win, hop)
        on = np.nonzero(lv > 0.2 * amp)[0]
        assert len(on), "%.0f Hz: not heard" % freq
        a, b = on[0], on[-1]
        # the run's ends are windows half in: judge the inside
        inner = lv[a + 4:b - 3] if b - a > 8 else lv[a:b + 1]
        med = float(np.median(inner))
        low = float(inner.min())
        run_ms = (b - a) * hop * 1000.0 / r + win * 1000.0 / r
        print("  %.0f Hz: from %.1f ms for %.1f ms, level median %.4f "
              "(want %.4f), lowest %.4f (%.0f %%)"
              % (freq, a * hop * 1000.0 / r, run_ms, med, amp, low,
                 100 * low / med))
        assert abs(med - amp) <= 0.25 * amp, "%.0f Hz: level %.4f" % (freq,
                                                                      med)
        assert low >= 0.6 * med, "%.0f Hz: dip to %.0f %% at %.1f ms" % (
            freq, 100 * low / med,
            (a + 4 + int(np.argmin(inner))) * hop * 1000.0 / r)
        if ms > 0:
            assert abs(run_ms - ms) <= 50, "%.0f Hz: %.1f ms, not %.0f" % (
                freq, run_ms, ms)
        runs.append((a * hop, b * hop + win))
    start = min(a for a, _ in runs)
    end = max(b for _, b in runs)
    for i in range(len(runs)):
        for j in range(i + 1, len(runs)):
            ov = min(runs[i][1], runs[j][1]) - max(runs[i][0], runs[j][0])
            print("  overlap %d/%d: %.1f ms" % (i, j, ov * 1000.0 / r))
            assert ov > 0, "runs %d and %d never overlap" % (i, j)
    best, _ = longest_silence(y[start + gap:end - gap], r)
    print("  longest silence while playing: %d frames" % best)
    assert best < gap, "%d silent frames in a row" % best


def main():
    try:
        {"tone": tone, "mix": mix}[sys.argv[1]](sys.argv[2:])
    except AssertionError as e:
        print("FAIL: %s" % e)
        sys.exit(1)


main()
