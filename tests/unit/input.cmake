# Unit tests of the input device (backends/input, frontends/input).
#   test_kbdback_enc       the encoder and the guest's ring reader together
#   test_kbdback_script    the script host side: parser and player
#   test_kbdback_sdl       the SDL2 host side in an offscreen window
#   test_kbdback_libinput  the libinput host side; its uinput case runs
#                          where /dev/uinput exists (tests/vm), else skips
if(NOT TARGET kbdback_core)
  return()
endif()
if(TARGET kbdfront)
  pvkit_add_test(test_kbdback_enc SOURCES test_kbdback_enc.c
                 LIBS kbdback_core kbdfront cmocka LABELS unit)
endif()
pvkit_add_test(test_kbdback_script SOURCES test_kbdback_script.c
               LIBS kbdback_core cmocka LABELS unit TIMEOUT 60)
target_compile_definitions(test_kbdback_script PRIVATE _GNU_SOURCE)

get_property(kbd_sdl GLOBAL PROPERTY PVKIT_KBDBACK_SDL)
if(kbd_sdl)
  pvkit_add_test(test_kbdback_sdl SOURCES test_kbdback_sdl.c
                 LIBS kbdback_core cmocka LABELS unit TIMEOUT 60)
  set_tests_properties(test_kbdback_sdl PROPERTIES ENVIRONMENT
                       "SDL_VIDEODRIVER=offscreen;SDL_AUDIODRIVER=dummy")
endif()

get_property(kbd_libinput GLOBAL PROPERTY PVKIT_KBDBACK_LIBINPUT)
if(kbd_libinput)
  pvkit_add_test(test_kbdback_libinput SOURCES test_kbdback_libinput.c
                 LIBS kbdback_core cmocka LABELS unit TIMEOUT 60)
endif()
