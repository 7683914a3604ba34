# Unit tests of the input device (backends/input, frontends/input).
#   test_kbdback_enc       the encoder and the guest's ring reader together
#                          (native and cross builds)
#   test_kbdback_script    the script host side: parser and player
#   test_kbdback_sdl       the SDL2 host side in an offscreen window
#   test_kbdback_libinput  the libinput host side; its uinput case runs
#                          where /dev/uinput exists (tests/vm), else skips
# The encoder is plain C: built from its source here, the test also runs
# in cross builds (qemu-user), where the rest of the backend is not built.
if(TARGET kbdfront)
  pvkit_add_test(test_kbdback_enc SOURCES test_kbdback_enc.c
                 ${PROJECT_SOURCE_DIR}/backends/input/enc.c
                 LIBS kbdfront cmocka LABELS unit)
  target_include_directories(test_kbdback_enc PRIVATE
                             ${PROJECT_SOURCE_DIR}/backends/input)
endif()
if(NOT TARGET kbdback_core)
  return()
endif()
pvkit_add_test(test_kbdback_script SOURCES test_kbdback_script.c
               LIBS kbdback_core cmocka LABELS unit TIMEOUT 60)
target_compile_definitions(test_kbdback_script PRIVATE _GNU_SOURCE
  KBD_EXAMPLE="${PROJECT_SOURCE_DIR}/backends/input/examples/two-finger-swipe.kbd")

get_property(kbd_sdl GLOBAL PROPERTY PVKIT_KBDBACK_SDL)
if(kbd_sdl)
  pvkit_add_test(test_kbdback_sdl SOURCES test_kbdback_sdl.c
                 LIBS kbdback_core cmocka LABELS unit TIMEOUT 60)
  set(kbd_sdl_env "SDL_VIDEODRIVER=offscreen;SDL_AUDIODRIVER=dummy")
  # SDL's video drivers are loaded with dlopen and keep a few allocations
  # past SDL_Quit(); LeakSanitizer cannot even name them once unloaded.
  # Memory errors are still caught; leaks of the host side's own are not
  # possible to tell apart here, so leak checking is off for this one.
  if(PVKIT_SANITIZE STREQUAL "address")
    list(APPEND kbd_sdl_env "ASAN_OPTIONS=detect_leaks=0")
  endif()
  set_tests_properties(test_kbdback_sdl PROPERTIES ENVIRONMENT
                       "${kbd_sdl_env}")
endif()

get_property(kbd_libinput GLOBAL PROPERTY PVKIT_KBDBACK_LIBINPUT)
if(kbd_libinput)
  pvkit_add_test(test_kbdback_libinput SOURCES test_kbdback_libinput.c
                 LIBS kbdback_core cmocka LABELS unit TIMEOUT 60)
  # The same program in tests/vm's QEMU guest, where uinput makes real
  # devices (label vm; skipped, saying why, when qemu or a kernel cannot
  # be had).
  if(COMMAND pvkit_add_vm_test)
    pvkit_add_vm_test(vm_kbdback_libinput PROGRAM test_kbdback_libinput
                      MODULES uinput evdev UDEV FILES /usr/share/libinput
                      GUEST_TIMEOUT 120 TIMEOUT 400)
  endif()
endif()
