# pvkit front door.  `make check` is the one test command.
#
#   make                 configure and build in build/ (gcc)
#   make check           everything: gcc build + ctest, clang build + ctest
#                        (with the fuzz targets), TSan stress, and the portable
#                        part cross-built and tested on i386, aarch64, armhf
#   make check SANITIZE=address
#                        the same tests in an ASan+UBSan build (build-address/)
#   make demo            install what is missing, build, and run pvhv, pvbackd
#                        and the demo guests (touches, a melody, two screens;
#                        scripts/demo.sh --help for its options)
#   make bench           build and run tests/bench (ring, evtchn, store, input,
#                        sound, display; tests/bench/README.md)
#   make install [PREFIX=/usr/local] [DESTDIR=]
#                        build in build/ (gcc) and install the programs,
#                        libraries, headers, pkg-config files (pvkit-*.pc)
#                        and CMake package (find_package(pvkit)) under
#                        PREFIX, staged under DESTDIR when given; README
#                        "Installing" lists what goes where
#   make deps            install missing Debian packages (as root)
#   make clean           remove every build directory

JOBS    ?= $(shell nproc)
CTEST   := ctest --output-on-failure -j$(JOBS)
CROSS   := i386 aarch64 armhf
SANITIZE ?=
PREFIX  ?= /usr/local
DESTDIR ?=
# tests/vm boots a Debian kernel in QEMU; every build directory shares one
# downloaded and unpacked copy (about 400 MB).
export PVKIT_VM_CACHE ?= $(CURDIR)/build/vm-cache

.PHONY: all build deps check check-native check-clang check-cross check-san \
        demo bench install clean $(addprefix check-cross-,$(CROSS))

all: build

deps:
	@scripts/deps.sh

build: deps
	cmake -S . -B build -G Ninja -DCMAKE_C_COMPILER=gcc
	cmake --build build

ifeq ($(SANITIZE),)
check: deps check-native check-clang check-cross
else
check: deps check-san
endif

check-native: build
	cd build && $(CTEST)

check-clang: deps
	cmake -S . -B build-clang -G Ninja -DCMAKE_C_COMPILER=clang -DPVKIT_WITH_FUZZ=ON
	cmake --build build-clang
	cd build-clang && $(CTEST)

check-cross: $(addprefix check-cross-,$(CROSS))

$(addprefix check-cross-,$(CROSS)): check-cross-%: deps
	cmake -S . -B build-$* -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-$*.cmake
	cmake --build build-$*
	cd build-$* && $(CTEST)

check-san: deps
	cmake -S . -B build-$(SANITIZE) -G Ninja -DCMAKE_C_COMPILER=gcc \
	      -DPVKIT_SANITIZE=$(SANITIZE) -DPVKIT_WITH_BENCH=OFF
	cmake --build build-$(SANITIZE)
	cd build-$(SANITIZE) && $(CTEST)

demo: build
	scripts/demo.sh $(DEMO_ARGS)

bench: build
	build/tests/bench/ring_bench
	build/tests/bench/evtchn_bench
	build/tests/bench/store_bench
	build/tests/bench/input_bench
	build/tests/bench/snd_bench
	build/tests/bench/displ_bench

# The prefix is given at configure time too, so GNUInstallDirs picks the
# library folder that suits it (lib/<triplet> for /usr on Debian).
install: deps
	cmake -S . -B build -G Ninja -DCMAKE_C_COMPILER=gcc \
	      -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build build
	DESTDIR="$(DESTDIR)" cmake --install build

clean:
	rm -rf build build-clang build-address build-thread $(addprefix build-,$(CROSS))
