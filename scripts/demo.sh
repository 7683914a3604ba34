#!/bin/sh
# make demo: pvhv, pvbackd and two guests in a private run directory.  One
# guest (demos/custom-dom0/guest_events.c) prints every key, pointer and
# touch event its vkbd device receives; pvbackd feeds it a scripted typing
# and multi-touch gesture (demos/input/demo.script), or, with --sdl or when
# a display is there, an SDL2 window you type and click into.  The other
# (demos/snd/guest_melody.c) plays a short melody on its vsnd card, which
# pvbackd writes to a WAV file or plays on ALSA (--snd).  A third
# (demos/display/guest_mfb.c) animates two screens of its vdispl device,
# 1280x720 and 800x480, and paints the touches of its own vkbd device on
# the second: in SDL2 windows when a display is there and pvbackd has the
# SDL2 display host side, else headless, its screens written as PNGs at
# the end (--displ).
# Everything is shut down on Ctrl-C or when the run is over.
set -eu

usage() {
	cat <<'TXT'
usage: scripts/demo.sh [--build DIR] [--script FILE | --sdl] [--seconds N]
                      [--snd wav[:DIR] | alsa[:PCM] | none]
                      [--displ sdl | headless[:DIR] | none]

  --build DIR    where pvkit was built (default: build)
  --script FILE  input events to play (default demos/input/demo.script;
                 the format is in include/pvkit/kbdback.h)
  --sdl          an SDL2 window stands for the guest's screen: type and
                 click into it (the default when $DISPLAY or
                 $WAYLAND_DISPLAY is set)
  --seconds N    stop after N seconds (default: when the script and the
                 melody have played, or 60 s with --sdl; Ctrl-C stops at
                 any time)
  --snd HOST     where the melody guest's sound goes (default: $SND, else
                 alsa when there is a sound device (/dev/snd/pcm*) and
                 pvbackd has ALSA, else wav):
                   wav[:DIR]   a WAV file, DIR/<domid>-melody.wav (default DIR:
                               BUILD/demo-snd); its length and first
                               note are checked at the end
                   alsa[:PCM]  the ALSA PCM (default "default")
                   none        no melody guest
                 `make demo SND=wav` passes it through $SND.
  --displ HOST   where the mfb guest's two screens go (default: $DISPL,
                 else sdl when $DISPLAY or $WAYLAND_DISPLAY is set and
                 pvbackd has the sdl display host side, else headless):
                   sdl             a window per screen
                   headless[:DIR]  PNGs DIR/<domid>-mfb0.png and -mfb1.png
                                   written at the end (default DIR:
                                   BUILD/demo-displ); with the scripted
                                   input they are checked (size, drawn,
                                   the painted touches where the guest
                                   said)
                   none            no mfb guest
                 With the scripted input and a screen, the script is
                 played to both guests (a generated copy waits for both
                 devices and adds two painted strokes).
TXT
}

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
script=$top/demos/input/demo.script
source=
seconds=
snd=${SND:-}
displ=${DISPL:-}

while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--script) script=$2; source=script; shift 2 ;;
	--sdl) source=sdl; shift ;;
	--seconds) seconds=$2; shift 2 ;;
	--snd) snd=$2; shift 2 ;;
	--displ) displ=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "demo: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done
case $build in /*) ;; *) build=$top/$build ;; esac

pvhv=$build/hypervisor/pvhv
pvctl=$build/hypervisor/pvctl
pvbackd=$build/backends/pvbackd/pvbackd
guest=$build/demos/guest_events
melody=$build/demos/guest_melody
mfb=$build/demos/guest_mfb
for f in "$pvhv" "$pvctl" "$pvbackd" "$guest"; do
	if [ ! -x "$f" ]; then
		echo "demo: $f is missing: run 'make demo' (it builds first)" >&2
		exit 1
	fi
done

# Sound: the melody guest's host side.  pvbackd --help lists the backends
# and host sides it was built with.
backd_help=$("$pvbackd" --help)
if [ -z "$snd" ]; then
	snd=wav
	if ls /dev/snd/pcm* >/dev/null 2>&1 &&
		echo "$backd_help" | grep -q '^  alsa'; then
		snd=alsa
	fi
fi
case $snd in
wav) snd_host=wav:$build/demo-snd ;;
wav:*) snd_host=$snd ;;
alsa | alsa:*) snd_host=$snd ;;
none) snd_host= ;;
*) echo "demo: --snd wants wav[:DIR], alsa[:PCM] or none, not '$snd'" >&2
   exit 2 ;;
esac
if [ -n "$snd_host" ]; then
	if [ ! -x "$melody" ] || ! echo "$backd_help" | grep -q '^  snd '; then
		echo "demo: no sound (guest_melody or pvbackd's snd backend" \
			"not built)" >&2
		snd_host=
	elif [ "${snd_host%%:*}" = alsa ] &&
		! echo "$backd_help" | grep -q '^  alsa'; then
		echo "demo: pvbackd was built without ALSA; try --snd wav" >&2
		exit 1
	fi
fi
wav=
case $snd_host in
wav:*)
	wavdir=${snd_host#wav:}
	case $wavdir in /*) ;; *) wavdir=$(pwd)/$wavdir ;; esac
	snd_host=wav:$wavdir
	mkdir -p "$wavdir"
	# DIR/<domid>-melody.wav: its domid once it runs
	wav=$wavdir/melody.wav
	rm -f "$wavdir"/*-melody.wav
	;;
esac
# Display: the mfb guest's screens.  pvbackd --help lists the display
# host sides it has under "Display host sides".
displ_hosts=$(echo "$backd_help" | sed -n '/^Display host sides/,/^$/p')
has_displ_host() { echo "$displ_hosts" | grep -q "^  $1\b"; }
if [ -z "$displ" ]; then
	displ=headless
	if { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; } &&
		has_displ_host sdl; then
		displ=sdl
	fi
fi
displdir=
case $displ in
sdl) displ_host=sdl
     has_displ_host sdl || {
	echo "demo: pvbackd has no sdl display host side; try --displ" \
		"headless" >&2; exit 1; } ;;
headless) displdir=$build/demo-displ ;;
headless:*) displdir=${displ#headless:} ;;
none) displ_host= ;;
*) echo "demo: --displ wants sdl, headless[:DIR] or none, not '$displ'" >&2
   exit 2 ;;
esac
if [ -n "$displdir" ]; then
	case $displdir in /*) ;; *) displdir=$(pwd)/$displdir ;; esac
	displ_host=headless:$displdir
fi
if [ -n "$displ_host" ] && { [ ! -x "$mfb" ] ||
	! echo "$backd_help" | grep -q '^  displ '; }; then
	echo "demo: no display (guest_mfb or pvbackd's displ backend not" \
		"built)" >&2
	displ_host=
	displdir=
fi
if [ -n "$displdir" ]; then
	mkdir -p "$displdir"
	rm -f "$displdir"/*-mfb0.png "$displdir"/*-mfb1.png
fi
if [ -z "$source" ]; then
	source=script
	if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
		source=sdl
	fi
fi
if [ "$source" = sdl ]; then
	input=sdl:800x480
	: "${seconds:=60}"
else
	[ -r "$script" ] || { echo "demo: cannot read $script" >&2; exit 1; }
	input=script:$script
	: "${seconds:=30}"
fi

# A private run directory everybody may enter: a pvhv running as root runs
# guests as nobody, who must reach the guest program.
run=$(mktemp -d /tmp/pvkit-demo.XXXXXX)
chmod 755 "$run"
cp "$guest" "$run/guest_events"
[ -n "$snd_host" ] && cp "$melody" "$run/guest_melody"
[ -n "$displ_host" ] && cp "$mfb" "$run/guest_mfb"
pids=
cleanup() {
	trap - EXIT INT TERM
	"$pvctl" --rundir "$run" destroy demo >/dev/null 2>&1 || true
	"$pvctl" --rundir "$run" destroy melody >/dev/null 2>&1 || true
	"$pvctl" --rundir "$run" destroy mfb >/dev/null 2>&1 || true
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	rm -rf "$run"
}
trap cleanup EXIT
trap 'echo; echo "demo: stopping"; exit 0' INT TERM

echo "demo: run directory $run"
"$pvhv" --rundir "$run" --foreground >"$run/pvhv.out" 2>&1 &
pids="$!"
i=0
until [ -S "$run/pvhv.sock" ]; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "demo: pvhv did not start; its output:" >&2
		cat "$run/pvhv.out" >&2
		exit 1
	fi
	sleep 0.05
done
# The default script, played to both guests when the mfb guest has a
# screen: it waits for both vkbd devices and paints two strokes more
# before the final Escape (positions in the script's 800 x 480 surface,
# which is also the mfb guest's touch surface and second screen).
script_abs=$(cd "$(dirname "$script")" 2>/dev/null && pwd)/$(basename "$script")
if [ "$source" = script ] && [ -n "$displ_host" ] &&
	[ "$script_abs" = "$top/demos/input/demo.script" ]; then
	awk '/^wait connected 1$/ { print "wait connected 2"; next }
	     /^key KEY_ESC/ && !done {
		print "# mfb: a line across the top, one down the right"
		print "touch down 0 100 100"; print "frame"
		for (x = 150; x <= 700; x += 50) {
			print "wait 20ms"; print "touch move 0 " x " 100"
			print "frame"
		}
		print "touch up 0"; print "touch down 1 650 150"; print "frame"
		for (y = 200; y <= 400; y += 50) {
			print "wait 20ms"; print "touch move 1 650 " y
			print "frame"
		}
		print "touch up 1"; print "frame"; print "wait 300ms"
		done = 1
	     }
	     { print }' "$script" >"$run/demo.script"
	input=script:$run/demo.script
fi
backends=input
set -- --input-source "$input"
said="input from $input"
if [ -n "$snd_host" ]; then
	backends=$backends,snd
	set -- "$@" --snd-host "$snd_host"
	said="$said, sound to $snd_host"
fi
if [ -n "$displ_host" ]; then
	backends=$backends,displ
	set -- "$@" --displ-host "$displ_host"
	said="$said, screens to $displ_host"
fi
echo "demo: pvhv is up; pvbackd serves $said"
"$pvbackd" --rundir "$run" --backends "$backends" "$@" \
	>"$run/pvbackd.out" 2>&1 &
backd=$!
pids="$! $pids"

cat >"$run/demo.cfg" <<CFG
name = "demo"
kernel = "guest_events"
memory = 16
vkb = [ "backend-type=linux, unique-id=demo0, feature-abs-pointer=1, feature-multi-touch=1, multi-touch-width=800, multi-touch-height=480, multi-touch-num-contacts=4, width=800, height=480" ]
CFG
"$pvctl" --rundir "$run" create "$run/demo.cfg"
# The melody guest: one card, one PCM, one playback stream at 48 kHz.
: >"$run/melody.console"
if [ -n "$snd_host" ]; then
	cat >"$run/melody.cfg" <<CFG
name = "melody"
kernel = "guest_melody"
memory = 16
vsnd = [ [ "CARD, short-name=pvkit, long-name=pvkit demo, sample-rates=48000, sample-formats=s16_le, channels-max=2", "PCM, name=melody", "STREAM, unique-id=melody, type=p" ] ]
CFG
	"$pvctl" --rundir "$run" create "$run/melody.cfg"
	if [ -n "$wav" ]; then
		# the WAV host side names the file after the guest's domid
		mdom=$("$pvctl" --rundir "$run" list melody | awk 'NR == 2 { print $2 }')
		wav=$wavdir/$mdom-melody.wav
	fi
	"$pvctl" --rundir "$run" console -f melody >"$run/melody.console" 2>&1 &
	pids="$! $pids"
fi
# The mfb guest: two screens and a touch surface the size of the second.
: >"$run/mfb.console"
if [ -n "$displ_host" ]; then
	cat >"$run/mfb.cfg" <<CFG
name = "mfb"
kernel = "guest_mfb"
memory = 32
vdispl = [ "connectors=mfb0:1280x720;mfb1:800x480" ]
vkb = [ "backend-type=linux, unique-id=mfb-touch, feature-abs-pointer=1, feature-multi-touch=1, multi-touch-width=800, multi-touch-height=480, multi-touch-num-contacts=4, width=800, height=480" ]
CFG
	"$pvctl" --rundir "$run" create "$run/mfb.cfg"
	"$pvctl" --rundir "$run" console -f mfb >"$run/mfb.console" 2>&1 &
	pids="$! $pids"
fi
echo "demo: the guests' consoles (Ctrl-C stops):"

# The melody as pvbackd wrote it: as long as the guest said (frames), and,
# with numpy, the first note at 440 Hz (demos/snd/melody_check.py).
check_wav() {
	set -- $(sed -n 's/^MELODY rate=\([0-9]*\) ch=\([0-9]*\) .* frames=\([0-9]*\) .*/\1 \2 \3/p' \
		"$run/melody.console")
	rate=$1 ch=$2 frames=$3
	[ -s "$wav" ] || { echo "demo: $wav is missing" >&2; return 1; }
	# the WAV host side's header is 44 bytes, the data chunk's size at 40
	size=$(od -An -tu4 -j40 -N4 "$wav" | tr -d ' ')
	want=$((frames * ch * 2))
	if [ "$size" != "$want" ]; then
		echo "demo: $wav holds $size bytes of sound, not $want" >&2
		return 1
	fi
	echo "demo: the melody is in $wav:" \
		"$frames frames ($((frames * 1000 / rate)) ms) at $rate Hz," \
		"$ch channels, as the guest played them"
	# Debian's python3, where scripts/deps.sh puts numpy, before another
	py=/usr/bin/python3
	[ -x "$py" ] || py=$(command -v python3 || true)
	if [ -n "$py" ]; then
		rc=0
		"$py" "$top/demos/snd/melody_check.py" "$wav" 440 300 || rc=$?
		case $rc in
		0) ;;
		77) echo "demo: (the first note's pitch not checked: no numpy)" ;;
		*) return 1 ;;
		esac
	fi
}

# The mfb guest's screens as the headless host side wrote them on SIGUSR1:
# both there, of their sizes and not blank, and (with the scripted input,
# $1 = paint) every touch-down the guest said it painted ("PAINT ... x=X
# y=Y rgb=C") is that colour in the second screen's PNG
# (demos/display/png_check.py).
check_displ() {
	[ -n "$displdir" ] || return 0
	if ! grep -q '^MFB c=1 ' "$run/mfb.console"; then
		echo "demo: the mfb guest did not show its screens; its" \
			"console and pvbackd's output:" >&2
		cat "$run/mfb.console" "$run/pvbackd.out" >&2
		return 1
	fi
	sleep 0.5 # the last paint on screen: a few frames
	kill -USR1 "$backd"
	i=0
	while :; do
		s0=$(ls "$displdir"/*-mfb0.png 2>/dev/null | head -n 1)
		s1=$(ls "$displdir"/*-mfb1.png 2>/dev/null | head -n 1)
		[ -s "$s0" ] && [ -s "$s1" ] && break
		i=$((i + 1))
		if [ $i -gt 200 ]; then
			echo "demo: no PNG of the mfb guest's screens in" \
				"$displdir; pvbackd said:" >&2
			cat "$run/pvbackd.out" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "demo: the mfb guest's screens: $s0 (1280x720) and $s1 (800x480)"
	[ "${1:-}" = paint ] || return 0
	spots=$(sed -n 's/^PAINT id=[0-9]* x=\([0-9]*\) y=\([0-9]*\) rgb=\([0-9a-f]*\).*/\1,\2=\3/p' \
		"$run/mfb.console")
	if [ -z "$spots" ]; then
		echo "demo: the mfb guest painted no touch; its console:" >&2
		cat "$run/mfb.console" >&2
		return 1
	fi
	py=/usr/bin/python3
	[ -x "$py" ] || py=$(command -v python3 || true)
	if [ -z "$py" ]; then
		echo "demo: (the PNGs' pixels not checked: no python3)"
		return 0
	fi
	"$py" "$top/demos/display/png_check.py" "$s0" 1280 720 || return 1
	# shellcheck disable=SC2086 # one argument per spot
	"$py" "$top/demos/display/png_check.py" "$s1" 800 480 $spots ||
		return 1
	echo "demo: both screens drawn; the $(echo "$spots" | wc -w)" \
		"touches painted where the guest said"
}

# Follow the consoles until the script's final Escape is released (key 1)
# and the melody is over, the time is up, or Ctrl-C.
"$pvctl" --rundir "$run" console -f demo >"$run/console" 2>&1 &
pids="$! $pids"
shown=0
mshown=0
fshown=0
end=$(($(date +%s) + seconds))
while [ "$(date +%s)" -lt "$end" ]; do
	n=$(wc -l <"$run/console")
	if [ "$n" -gt "$shown" ]; then
		sed -n "$((shown + 1)),${n}p" "$run/console" | sed 's/^/  guest: /'
		shown=$n
	fi
	n=$(wc -l <"$run/melody.console")
	if [ "$n" -gt "$mshown" ]; then
		sed -n "$((mshown + 1)),${n}p" "$run/melody.console" |
			sed 's/^/  melody: /'
		mshown=$n
	fi
	n=$(wc -l <"$run/mfb.console")
	if [ "$n" -gt "$fshown" ]; then
		sed -n "$((fshown + 1)),${n}p" "$run/mfb.console" |
			sed 's/^/  mfb: /'
		fshown=$n
	fi
	if grep -q '^MFB failed' "$run/mfb.console"; then
		echo "demo: the mfb guest failed; pvbackd said:" >&2
		cat "$run/pvbackd.out" >&2
		exit 1
	fi
	if grep -q '^melody: ' "$run/melody.console"; then
		echo "demo: the melody guest failed; pvbackd said:" >&2
		cat "$run/pvbackd.out" >&2
		exit 1
	fi
	melody_done=yes
	if [ -n "$snd_host" ] && ! grep -q '^DONE' "$run/melody.console"; then
		melody_done=
	fi
	if [ "$source" = script ] && [ -n "$melody_done" ] &&
		grep -q '^key 1 up' "$run/console"; then
		echo "demo: the guest received the whole script; done"
		if [ -n "$wav" ]; then
			check_wav || exit 1
		elif [ -n "$snd_host" ]; then
			echo "demo: the melody played on $snd_host"
		fi
		paint=
		[ -f "$run/demo.script" ] && paint=paint
		check_displ $paint || exit 1
		exit 0
	fi
	if ! kill -0 $(echo "$pids" | awk '{print $NF}') 2>/dev/null; then
		echo "demo: pvhv stopped; its output:" >&2
		cat "$run/pvhv.out" >&2
		exit 1
	fi
	sleep 0.2
done
if [ "$source" = script ]; then
	echo "demo: the script or the melody did not finish in ${seconds} s;" \
		"pvbackd said:" >&2
	cat "$run/pvbackd.out" >&2
	exit 1
fi
if [ -n "$wav" ] && grep -q '^DONE' "$run/melody.console"; then
	check_wav || exit 1
fi
check_displ || exit 1
echo "demo: ${seconds} s are up; done"
