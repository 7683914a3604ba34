#!/usr/bin/python3
"""Checks the WAV files test_snd_alsa wrote, with numpy.

usage: tone_check.py OUT_DIR PERIOD_FRAMES

  tone440.wav      one second of 440 Hz, 48 kHz stereo S16_LE: the pitch
                   within 1 Hz on both channels, the length within one
                   period of a second, and no gaps (no run of silence, no
                   step between samples steeper than the sine allows)
  mix440_660.wav   two guests mixed: 440 Hz and 660 Hz both present, each
                   far above the spectrum's floor

Exits 77 (ctest: skipped) when numpy is missing, saying so loudly.
"""
import sys
import wave

try:
    import numpy as np
except ImportError:
    sys.stderr.write("*** SKIPPED: numpy is missing for /usr/bin/python3 "
                     "(Debian: python3-numpy); the WAV files were not "
                     "analysed ***\n")
    sys.exit(77)

RATE = 48000


def load(path):
    with wave.open(path, "rb") as w:
        assert w.getframerate() == RATE, w.getframerate()
        assert w.getnchannels() == 2, w.getnchannels()
        assert w.getsampwidth() == 2, w.getsampwidth()
        data = w.readframes(w.getnframes())
    x = np.frombuffer(data, dtype="<i2").astype(np.float64) / 32768.0
    return x.reshape(-1, 2)


def peak_hz(x):
    """The strongest frequency, to well under 1 Hz (zero-padded FFT)."""
    n = len(x) * 16
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), n))
    return np.argmax(spec) * RATE / n, spec


def level_at(spec, n, hz):
    k = int(round(hz * n / RATE))
    return spec[max(k - 16, 0):k + 17].max()


def check_tone(path, period):
    x = load(path)
    frames = len(x)
    assert abs(frames - RATE) <= period, "length %d frames" % frames
    for ch in (0, 1):
        hz, _ = peak_hz(x[:, ch])
        assert abs(hz - 440) <= 1, "channel %d peaks at %.2f Hz" % (ch, hz)
    amp = np.abs(x[:, 0]).max()
    steep = amp * 2 * np.pi * 440 / RATE
    step = np.abs(np.diff(x[:, 0])).max()
    assert step <= steep * 1.05 + 2 / 32768, "a gap: step %.4f" % step
    # a gap of silence shows as a run of near-zero samples longer than a
    # zero crossing can make
    quiet = np.abs(x[:, 0]) < amp * 0.02
    run = best = 0
    for q in quiet:
        run = run + 1 if q else 0
        best = max(best, run)
    assert best <= 4, "a run of %d silent frames" % best
    print("%s: %d frames, 440 Hz within 1 Hz, no gaps" % (path, frames))


def check_mix(path, period):
    x = load(path)[:, 0]
    assert abs(len(x) - RATE) <= period, "length %d frames" % len(x)
    n = len(x) * 16
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), n))
    floor = np.median(spec)
    for hz in (440, 660):
        lv = level_at(spec, n, hz)
        assert lv > 1000 * floor, "%d Hz missing (%.1f vs floor %.3f)" % (
            hz, lv, floor)
    a, b = level_at(spec, n, 440), level_at(spec, n, 660)
    assert 0.8 < a / b < 1.25, "unequal mix %.2f" % (a / b)
    print("%s: 440 Hz and 660 Hz both present" % path)


def main():
    out, period = sys.argv[1], int(sys.argv[2])
    check_tone(out + "/tone440.wav", period)
    check_mix(out + "/mix440_660.wav", period)


if __name__ == "__main__":
    main()
