# Cross build for aarch64 with Debian's aarch64-linux-gnu-gcc.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(PVKIT_ARCH aarch64)
# Tests run under qemu-user; multiarch libraries (libcmocka0 of that Debian architecture) are found in /usr/lib/<triple>.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static -L /usr/aarch64-linux-gnu)
