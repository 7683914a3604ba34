#!/bin/bash
# install_test.sh — pvkit as a user gets it from `make install`.
#
# Installs a build into a temporary prefix (and once more under DESTDIR),
# checks the tree (every public header, the pkg-config files the build's
# libraries call for, the CMake package, the programs), then builds
# out-of-tree programs against it twice — with pkg-config and with
# find_package(pvkit) — and runs them: the installed pvhv, a dom0 program
# on libpvhv and libpvring, and a guest on the posix platform.  When
# the build has the input backend, demos/custom-dom0 is built against the
# tree with its own Makefile and run: its daemon serves a vkbd device to
# its guest, which must receive the scripted gesture exactly.
#
# Run by ctest (tests/install/CMakeLists.txt), which sets:
#   BUILD SOURCE CMAKE CC VERSION   the build, its source tree, tools,
#                                   pvkit's version
#   SAN_FLAGS                       sanitizer flags the build used
#   EXPECT_PC                       pkg-config names the tree must have
#   EXPECT_BIN                      programs the tree must have
# Every problem is reported; the test fails if there was any.
set -u

fails=0
T=
PVHV_PID=
DOM0_PID=

say() { printf '%s\n' "$*"; }
bad() {
	printf 'FAIL: %s\n' "$*" >&2
	fails=$((fails + 1))
}
die() {
	bad "$*"
	exit 1
}

cleanup() {
	for pid in $DOM0_PID $PVHV_PID; do
		kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	[ -n "$T" ] && rm -rf "$T"
}
trap cleanup EXIT

for v in BUILD SOURCE CMAKE CC VERSION EXPECT_PC EXPECT_BIN; do
	[ -n "${!v:-}" ] || die "$v is not set (run through ctest)"
done
SAN_FLAGS=${SAN_FLAGS:-}
command -v pkg-config >/dev/null || die "pkg-config is not installed"

# Guests run as nobody when pvhv runs as root: everything they need must
# be reachable by everybody.
T=$(mktemp -d /tmp/pvkit-install-XXXXXX) || die "mktemp"
chmod 755 "$T"
P=$T/prefix

# ---- install ---------------------------------------------------------------

if ! "$CMAKE" --install "$BUILD" --prefix "$P" >"$T/install.log" 2>&1; then
	cat "$T/install.log" >&2
	die "cmake --install into $P failed"
fi
if ! DESTDIR=$T/stage "$CMAKE" --install "$BUILD" --prefix /opt/pvkit \
	>"$T/install-destdir.log" 2>&1; then
	cat "$T/install-destdir.log" >&2
	die "cmake --install with DESTDIR failed"
fi
# The staged tree has the same files, and its .pc files name the final
# prefix, not the stage.
(cd "$P" && find . | sort) >"$T/files.prefix"
(cd "$T/stage/opt/pvkit" 2>/dev/null && find . | sort) >"$T/files.stage"
cmp -s "$T/files.prefix" "$T/files.stage" ||
	bad "DESTDIR install differs from --prefix install: $(diff "$T/files.prefix" "$T/files.stage" | head -5)"
grep -rlq "$T/stage" "$T/stage" && bad "a file under DESTDIR names the stage"

# Where GNUInstallDirs put the libraries (lib, lib64, lib/<triplet>).
PCDIR=$(dirname "$(find "$P" -name pvkit-ring.pc | head -1)")
[ -f "$PCDIR/pvkit-ring.pc" ] || die "no pvkit-ring.pc anywhere under $P"
LIBDIR=$(dirname "$PCDIR")
say "installed into $P (libraries in ${LIBDIR#"$P"/})"

# ---- the tree ----------------------------------------------------------------

nh=0
while IFS= read -r h; do
	nh=$((nh + 1))
	[ -f "$P/include/$h" ] || bad "header $h is not installed"
done < <(cd "$SOURCE/include" && find pvkit -name '*.h' | sort)
[ "$nh" -gt 0 ] || bad "no headers found in $SOURCE/include"
say "headers: $nh checked"

export PKG_CONFIG_PATH=$PCDIR
unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
for pc in $EXPECT_PC; do
	f=$PCDIR/$pc.pc
	if [ ! -f "$f" ]; then
		bad "$pc.pc is not installed"
		continue
	fi
	pkg-config --validate "$pc" || bad "$pc.pc does not validate"
	v=$(pkg-config --modversion "$pc")
	[ "$v" = "$VERSION" ] || bad "$pc: version '$v', want $VERSION"
	pre=$(pkg-config --variable=prefix "$pc")
	[ "$pre" = "$P" ] || bad "$pc: prefix '$pre', want $P"
	pkg-config --exists --print-errors "$pc" || bad "$pc: a requirement is missing"
	for l in $(pkg-config --libs-only-l "$pc"); do
		n=${l#-l}
		case $n in
		pvring | pvhv | pvfront | pvfront_posix | kbdfront | pvback | kbdback | \
			sndfront | sndback | displfront | displback)
			ls "$LIBDIR/lib$n".* >/dev/null 2>&1 ||
				bad "$pc links -l$n, but $LIBDIR/lib$n.* is missing"
			;;
		esac
	done
done
say "pkg-config files: $EXPECT_PC"

for f in pvkitConfig.cmake pvkitConfigVersion.cmake pvkitTargets.cmake; do
	[ -f "$LIBDIR/cmake/pvkit/$f" ] || bad "cmake/pvkit/$f is not installed"
done
for b in $EXPECT_BIN; do
	[ -x "$P/bin/$b" ] || bad "program $b is not installed"
done
if [ -x "$P/bin/pvhv" ]; then
	"$P/bin/pvhv" --help >/dev/null 2>&1 || bad "installed pvhv --help fails"
fi
if [ -f "$LIBDIR/libpvhv.so.0" ]; then
	soname=$(readelf -d "$LIBDIR/libpvhv.so.0" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
	[ "$soname" = libpvhv.so.0 ] || bad "libpvhv's soname is '$soname'"
	extra=$(nm -D --defined-only "$LIBDIR/libpvhv.so.0" | awk '$2 != "A" && $3 !~ /^pvhv_/ {print $3}' | tr '\n' ' ')
	[ -z "$extra" ] || bad "installed libpvhv.so exports more than pvhv_*: $extra"
fi
[ "$fails" -eq 0 ] || die "the installed tree is incomplete"

# ---- build against it --------------------------------------------------------

CONSUMER=$SOURCE/tests/install/consumer
STRICT="-std=c11 -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wshadow -Wvla -Wpointer-arith"
mkdir -p "$T/pc" "$T/guests"
chmod 755 "$T/guests"

# Every installed header compiles on its own flags (no header from the
# source tree is needed), with -pedantic.
{
	(cd "$P/include" && find pvkit -name '*.h' | sort) | sed 's/.*/#include "&"/'
	echo 'int main(void) { return 0; }'
} >"$T/pc/allheaders.c"
# shellcheck disable=SC2046,SC2086
$CC $STRICT -pedantic $(pkg-config --cflags $EXPECT_PC) -c "$T/pc/allheaders.c" \
	-o "$T/pc/allheaders.o" || bad "the installed headers do not compile together"

# $1 output, $2 source, rest: compiler and linker arguments.
pc_build() {
	local out=$1 src=$2
	shift 2
	# shellcheck disable=SC2086
	$CC $STRICT $SAN_FLAGS -DPVKIT_VERSION="\"$VERSION\"" -o "$out" "$src" "$@" ||
		bad "pkg-config build of $(basename "$out") failed"
}
# shellcheck disable=SC2046
pc_build "$T/pc/hello_dom0" "$CONSUMER/hello_dom0.c" \
	$(pkg-config --cflags --libs pvkit-hv pvkit-ring) -Wl,-rpath,"$LIBDIR"
# The static archive alone: --static brings libpvring.
# shellcheck disable=SC2046
pc_build "$T/pc/hello_dom0_static" "$CONSUMER/hello_dom0.c" \
	$(pkg-config --static --cflags --libs pvkit-hv | sed 's/-lpvhv\b/-l:libpvhv.a/')
# shellcheck disable=SC2046
pc_build "$T/guests/guest_hello_pc" "$CONSUMER/guest_hello.c" \
	$(pkg-config --cflags --libs pvkit-front-posix)
if [ -x "$T/pc/hello_dom0_static" ] &&
	ldd "$T/pc/hello_dom0_static" | grep -q libpvhv; then
	bad "hello_dom0_static needs libpvhv.so"
fi

# The sound libraries link from their .pc files alone (their host sides'
# libraries come with them) and the WAV host side is found.
if [ -f "$PCDIR/pvkit-sndback.pc" ] && [ -f "$PCDIR/pvkit-sndfront.pc" ]; then
	cat >"$T/pc/snd_link.c" <<'EOC'
#include <stdio.h>
#include "pvkit/sndback.h"
#include "pvkit/sndfront.h"
int main(void)
{
	int (*volatile front)(struct sndfront *, int) = sndfront_close;
	const struct sndback_host_ops *wav = sndback_host_find("wav:/tmp");

	printf("%s %d\n", wav ? wav->name : "none", front != NULL);
	return wav ? 0 : 1;
}
EOC
	# shellcheck disable=SC2046
	pc_build "$T/pc/snd_link" "$T/pc/snd_link.c" \
		$(pkg-config --cflags --libs pvkit-sndback pvkit-sndfront) \
		-Wl,-rpath,"$LIBDIR"
	out=$("$T/pc/snd_link" 2>"$T/pc/snd_link.err") || true
	if [ "$out" != "wav 1" ]; then
		cat "$T/pc/snd_link.err" >&2
		bad "a program on pvkit-sndback/-sndfront does not find the wav host side (said '$out')"
	fi
fi

# The display libraries likewise: the headless host side is found.
if [ -f "$PCDIR/pvkit-displback.pc" ] && [ -f "$PCDIR/pvkit-displfront.pc" ]; then
	cat >"$T/pc/displ_link.c" <<'EOC'
#include <stdio.h>
#include "pvkit/displback.h"
#include "pvkit/displfront.h"
int main(void)
{
	int (*volatile front)(struct displfront *, int) = displfront_close;
	const struct displback_host_ops *h = displback_host_find("headless:.");

	printf("%s %d\n", h ? h->name : "none", front != NULL);
	return h ? 0 : 1;
}
EOC
	# shellcheck disable=SC2046
	pc_build "$T/pc/displ_link" "$T/pc/displ_link.c" \
		$(pkg-config --cflags --libs pvkit-displback pvkit-displfront) \
		-Wl,-rpath,"$LIBDIR"
	out=$("$T/pc/displ_link" 2>"$T/pc/displ_link.err") || true
	if [ "$out" != "headless 1" ]; then
		cat "$T/pc/displ_link.err" >&2
		bad "a program on pvkit-displback/-displfront does not find the headless host side (said '$out')"
	fi
fi

# find_package(pvkit), on a CMake project of its own.
if ! "$CMAKE" -S "$CONSUMER" -B "$T/cm" -DCMAKE_PREFIX_PATH="$P" \
	-DPVKIT_DEMO_DIR="$SOURCE/demos/custom-dom0" \
	-DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$SAN_FLAGS" \
	-DCMAKE_EXE_LINKER_FLAGS="$SAN_FLAGS" >"$T/cm.log" 2>&1 ||
	! "$CMAKE" --build "$T/cm" >>"$T/cm.log" 2>&1; then
	cat "$T/cm.log" >&2
	bad "find_package(pvkit) build failed"
fi
grep -q "pvkit $VERSION in " "$T/cm.log" || bad "find_package(pvkit) did not report version $VERSION"
cp "$T/cm/guest_hello" "$T/guests/guest_hello_cm" 2>/dev/null
if [ -f "$PCDIR/pvkit-kbdback.pc" ] && [ ! -x "$T/cm/custom-dom0" ]; then
	bad "find_package(pvkit) did not build demos/custom-dom0 on pvkit::kbdback"
fi
# A component the tree lacks makes find_package fail, saying which.
if "$CMAKE" -S "$CONSUMER" -B "$T/cm-bad" -DCMAKE_PREFIX_PATH="$P" \
	-DPVKIT_WANT=no_such_part >"$T/cm-bad.log" 2>&1; then
	bad "find_package(pvkit COMPONENTS no_such_part) succeeded"
elif ! grep -q "no_such_part" "$T/cm-bad.log"; then
	bad "find_package(pvkit COMPONENTS no_such_part) failed without naming it"
fi
[ "$fails" -eq 0 ] || die "building against the installed tree failed"

# ---- run what was built --------------------------------------------------------

RUN=$T/run
mkdir -p "$RUN"
"$P/bin/pvhv" --foreground --rundir "$RUN" >"$T/pvhv.log" 2>&1 &
PVHV_PID=$!
for _ in $(seq 200); do
	[ -S "$RUN/pvhv.sock" ] && break
	kill -0 "$PVHV_PID" 2>/dev/null || break
	sleep 0.05
done
[ -S "$RUN/pvhv.sock" ] || {
	cat "$T/pvhv.log" >&2
	die "the installed pvhv did not start"
}

# $1 dom0 program, $2 guest program; the guest's own config.
run_hello() {
	local dom0=$1 guest=$2 name cfg out
	name=$(basename "$guest")
	cfg=$T/guests/$name.cfg
	printf 'name = "%s"\nkernel = "%s"\nmemory = 16\n' "$name" "$name" >"$cfg"
	if ! out=$("$dom0" "$RUN" "$cfg" 2>&1); then
		printf '%s\n' "$out" >&2
		bad "$(basename "$dom0") with $name failed"
		return
	fi
	printf '%s\n' "$out" | grep -qx "pvkit $VERSION" ||
		bad "$(basename "$dom0") printed no 'pvkit $VERSION'"
	printf '%s\n' "$out" | grep -q "said: hello from pvkit $VERSION\$" ||
		bad "$(basename "$dom0") with $name: no hello ($out)"
	say "$(basename "$(dirname "$dom0")")/$(basename "$dom0") + $name: $(printf '%s\n' "$out" | tail -1)"
}
run_hello "$T/pc/hello_dom0" "$T/guests/guest_hello_pc"
run_hello "$T/pc/hello_dom0_static" "$T/guests/guest_hello_pc"
run_hello "$T/cm/hello_dom0" "$T/guests/guest_hello_cm"
run_hello "$T/cm/hello_dom0_static" "$T/guests/guest_hello_cm"

# ---- demos/custom-dom0 (when the tree has the input backend) -------------------

# wait_for TENTHS COMMAND...: up to TENTHS tenths of a second for
# COMMAND to succeed.
wait_for() {
	local n=$1
	shift
	for _ in $(seq "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# The demo guest has printed its fifth (last) touch frame.
demo_done() {
	[ "$("$P/bin/pvctl" --rundir "$RUN" console events | grep -c "touch frame")" -ge 5 ]
}

# What guest_events prints for gesture.script, greeted with "hi".
demo_expected() {
	cat <<'END'
connected abs=1 mt=1 w=800 h=480 contacts=2
key 35 down
key 35 up
key 23 down
key 23 up
key 28 down
key 28 up
touch 0 down 350 240
touch 1 down 450 240
touch frame
touch 0 move 300 240
touch 1 move 500 240
touch frame
touch 0 move 250 240
touch 1 move 550 240
touch frame
touch 0 move 200 240
touch 1 move 600 240
touch frame
touch 0 up
touch 1 up
touch frame
END
}

# Build the demo with its own Makefile (pkg-config), run its daemon and
# guest on the installed pvhv, compare what the guest received.
run_demo() {
	local D=$T/demo demo=$SOURCE/demos/custom-dom0 rc
	mkdir -p "$D"
	chmod 755 "$D"
	if ! make -C "$D" -f "$demo/Makefile" CC="$CC" \
		CFLAGS="-O2 -g -Werror $SAN_FLAGS" \
		LDFLAGS="$SAN_FLAGS -Wl,-rpath,$LIBDIR" >"$T/demo-build.log" 2>&1; then
		cat "$T/demo-build.log" >&2
		bad "demos/custom-dom0 does not build against the installed tree"
		return
	fi
	"$D/custom-dom0" --rundir "$RUN" "$D/gesture.script" >"$T/dom0.log" 2>&1 &
	DOM0_PID=$!
	wait_for 100 grep -q "custom-dom0: ready" "$T/dom0.log" || {
		cat "$T/dom0.log" >&2
		bad "custom-dom0 did not start"
		return
	}
	"$P/bin/pvctl" --rundir "$RUN" create "$D/guest.cfg" >/dev/null ||
		bad "pvctl create demos/custom-dom0/guest.cfg failed"
	wait_for 200 demo_done
	"$P/bin/pvctl" --rundir "$RUN" console events >"$T/demo-guest.log"
	if ! diff -u <(demo_expected) "$T/demo-guest.log" >"$T/demo.diff"; then
		cat "$T/demo.diff" >&2
		bad "guest_events did not receive what custom-dom0 sent"
	fi
	"$P/bin/pvctl" --rundir "$RUN" destroy events ||
		bad "pvctl destroy events failed"
	wait_for 100 grep -q "custom-dom0: 0 device(s) connected" "$T/dom0.log" ||
		bad "custom-dom0 did not see the device go"
	kill -TERM "$DOM0_PID"
	wait "$DOM0_PID"
	rc=$?
	DOM0_PID=
	[ "$rc" -eq 0 ] || bad "custom-dom0 exited with $rc"
	grep -q "custom-dom0: 1 device(s) connected" "$T/dom0.log" ||
		bad "custom-dom0 never had the device connected"
	[ "$(tail -1 "$T/dom0.log")" = "custom-dom0: events=21 frames=5 dropped=0" ] ||
		bad "custom-dom0's last counters: $(tail -1 "$T/dom0.log")"
	[ "$fails" -eq 0 ] || cat "$T/dom0.log" >&2
	say "demos/custom-dom0: built with pkg-config; the guest got $(wc -l <"$T/demo-guest.log") lines as sent; $(tail -1 "$T/dom0.log")"
}

if [ -f "$PCDIR/pvkit-kbdback.pc" ]; then
	run_demo
else
	say "demos/custom-dom0: skipped (this build has no input backend)"
fi

kill -TERM "$PVHV_PID"
wait "$PVHV_PID"
rc=$?
PVHV_PID=
[ "$rc" -eq 0 ] || {
	tail -20 "$T/pvhv.log" >&2
	bad "the installed pvhv exited with $rc"
}

if [ "$fails" -ne 0 ]; then
	say "$fails problem(s); pvhv's log:" >&2
	tail -20 "$T/pvhv.log" >&2
	exit 1
fi
say "PASS"
