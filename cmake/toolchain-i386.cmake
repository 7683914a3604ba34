# Cross build for i386 with Debian's i686-linux-gnu-gcc.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR i686)
set(CMAKE_C_COMPILER i686-linux-gnu-gcc)
set(PVKIT_ARCH i386)
# An x86_64 kernel runs i386 binaries natively: no emulator needed.
