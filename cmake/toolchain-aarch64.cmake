# Cross build for aarch64 with Debian's aarch64-linux-gnu-gcc.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(PVKIT_ARCH aarch64)
# Tests run under qemu-user with the multiarch loader and libc (libc6 of that
# Debian architecture, pulled in with libcmocka0): -L / keeps ld.so and libc.so
# from the same package; the cross toolchain's own ld.so does not match them.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static -L /)
