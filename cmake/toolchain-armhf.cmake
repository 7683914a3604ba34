# Cross build for armhf with Debian's arm-linux-gnueabihf-gcc.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(PVKIT_ARCH armhf)
# Tests run under qemu-user with the multiarch loader and libc (libc6 of that
# Debian architecture, pulled in with libcmocka0): -L / keeps ld.so and libc.so
# from the same package; the cross toolchain's own ld.so does not match them.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm-static -L /)
