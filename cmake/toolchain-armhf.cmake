# Cross build for armhf with Debian's arm-linux-gnueabihf-gcc.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(PVKIT_ARCH armhf)
# Tests run under qemu-user; multiarch libraries (libcmocka0 of that Debian architecture) are found in /usr/lib/<triple>.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm-static -L /usr/arm-linux-gnueabihf)
