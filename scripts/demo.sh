#!/bin/sh
# make demo: pvhv, pvbackd and a guest in a private run directory.  The
# guest (demos/custom-dom0/guest_events.c) prints every key, pointer and
# touch event its vkbd device receives; pvbackd feeds it a scripted typing
# and multi-touch gesture (demos/input/demo.script), or, with --sdl or when
# a display is there, an SDL2 window you type and click into.
# Everything is shut down on Ctrl-C or when the run is over.
set -eu

usage() {
	cat <<'TXT'
usage: scripts/demo.sh [--build DIR] [--script FILE | --sdl] [--seconds N]

  --build DIR    where pvkit was built (default: build)
  --script FILE  input events to play (default demos/input/demo.script;
                 the format is in include/pvkit/kbdback.h)
  --sdl          an SDL2 window stands for the guest's screen: type and
                 click into it (the default when $DISPLAY is set)
  --seconds N    stop after N seconds (default: when the script has played,
                 or 60 s with --sdl; Ctrl-C stops at any time)
TXT
}

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
script=$top/demos/input/demo.script
source=
seconds=

while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--script) script=$2; source=script; shift 2 ;;
	--sdl) source=sdl; shift ;;
	--seconds) seconds=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "demo: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done
case $build in /*) ;; *) build=$top/$build ;; esac

pvhv=$build/hypervisor/pvhv
pvctl=$build/hypervisor/pvctl
pvbackd=$build/backends/pvbackd/pvbackd
guest=$build/demos/guest_events
for f in "$pvhv" "$pvctl" "$pvbackd" "$guest"; do
	if [ ! -x "$f" ]; then
		echo "demo: $f is missing: run 'make demo' (it builds first)" >&2
		exit 1
	fi
done
if [ -z "$source" ]; then
	source=script
	[ -n "${DISPLAY:-}" ] && source=sdl
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
pids=
cleanup() {
	trap - EXIT INT TERM
	"$pvctl" --rundir "$run" destroy demo >/dev/null 2>&1 || true
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
echo "demo: pvhv is up; pvbackd serves input from $input"
"$pvbackd" --rundir "$run" --backends input --input-source "$input" \
	>"$run/pvbackd.out" 2>&1 &
pids="$! $pids"

cat >"$run/demo.cfg" <<CFG
name = "demo"
kernel = "guest_events"
memory = 16
vkb = [ "backend-type=linux, unique-id=demo0, feature-abs-pointer=1, feature-multi-touch=1, multi-touch-width=800, multi-touch-height=480, multi-touch-num-contacts=4, width=800, height=480" ]
CFG
"$pvctl" --rundir "$run" create "$run/demo.cfg"
echo "demo: the guest's console (Ctrl-C stops):"

# Follow the console until the script's final Escape is released (key 1),
# the time is up, or Ctrl-C.
"$pvctl" --rundir "$run" console -f demo >"$run/console" 2>&1 &
pids="$! $pids"
shown=0
end=$(($(date +%s) + seconds))
while [ "$(date +%s)" -lt "$end" ]; do
	n=$(wc -l <"$run/console")
	if [ "$n" -gt "$shown" ]; then
		sed -n "$((shown + 1)),${n}p" "$run/console" | sed 's/^/  guest: /'
		shown=$n
	fi
	if [ "$source" = script ] && grep -q '^key 1 up' "$run/console"; then
		echo "demo: the guest received the whole script; done"
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
	echo "demo: the script did not finish in ${seconds} s; pvbackd said:" >&2
	cat "$run/pvbackd.out" >&2
	exit 1
fi
echo "demo: ${seconds} s are up; done"
