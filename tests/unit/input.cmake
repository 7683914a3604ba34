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
target_compile_definitions(test_kbdback_script PRIVATE _GNU_SOURCE)

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
  # devices (label vm; 77 = skipped when qemu or a kernel cannot be had).
  # tests/vm is read after this file, so its pvkit_add_vm_test() is not
  # defined yet: the same command, spelled out.
  set(kbd_vm_sh ${PROJECT_SOURCE_DIR}/tests/vm/vm.sh)
  if(EXISTS ${kbd_vm_sh} AND NOT CMAKE_CROSSCOMPILING AND
     CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    if(DEFINED ENV{PVKIT_VM_CACHE} AND NOT "$ENV{PVKIT_VM_CACHE}" STREQUAL "")
      set(kbd_vm_cache $ENV{PVKIT_VM_CACHE})
    else()
      set(kbd_vm_cache ${CMAKE_BINARY_DIR}/vm-cache)
    endif()
    add_test(NAME vm_kbdback_libinput COMMAND ${kbd_vm_sh}
             --cache ${kbd_vm_cache}
             --workdir ${CMAKE_CURRENT_BINARY_DIR}/vm_kbdback_libinput.vm
             --module uinput --module evdev --udev
             --file /usr/share/libinput --timeout 120
             -- $<TARGET_FILE:test_kbdback_libinput>)
    set_tests_properties(vm_kbdback_libinput PROPERTIES LABELS vm
                         SKIP_RETURN_CODE 77 TIMEOUT 400)
  endif()
endif()
