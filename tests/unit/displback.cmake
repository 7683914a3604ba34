# The display backend (backends/display, pvkit/displback.h).
#   test_displback_dev       the vdispl device on libpvback's fake platform
#                            with a recording host side: every request and
#                            bad input with its errno, flips, EDID, events
#   test_displback_headless  the headless host side: PNGs read back with
#                            libpng pixel for pixel, through the device
#   test_displback_drm       the drm host side: its error messages here
#                            (err_*); on a real card (card_*: skipped, 77,
#                            without /dev/dri/card0) modesets, flips and
#                            the scanout read back — in QEMU with bochs-drm
#                            as tests/vm's vm_displback_drm
#   test_displback_sdl       the sdl host side under SDL_VIDEODRIVER=offscreen:
#                            windows read back pixel for pixel (formats,
#                            letterbox, off), titles, touch routed to the
#                            window's guest only, PNG dumps, the device
if(TARGET displback)
  pvkit_add_test(test_displback_dev SOURCES test_displback_dev.c
                 displback_fe.c pvback_fake_platform.c
                 LIBS displback cmocka LABELS unit TIMEOUT 60)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/test_displback_headless.c)
    pvkit_add_test(test_displback_headless SOURCES test_displback_headless.c
                   displback_fe.c pvback_fake_platform.c
                   LIBS displback cmocka LABELS unit TIMEOUT 60)
  endif()
  get_target_property(displ_defs displback INTERFACE_COMPILE_DEFINITIONS)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/test_displback_drm.c AND
     "PVKIT_HAVE_DRM" IN_LIST displ_defs)
    pvkit_add_test(test_displback_drm SOURCES test_displback_drm.c
                   displback_fe.c pvback_fake_platform.c
                   LIBS displback cmocka LABELS unit TIMEOUT 60
                   ARGS "err_*")
    target_include_directories(test_displback_drm PRIVATE
                               ${PROJECT_SOURCE_DIR}/backends/display)
    add_test(NAME test_displback_drm_card COMMAND test_displback_drm "card_*")
    set_tests_properties(test_displback_drm_card PROPERTIES LABELS unit
                         TIMEOUT 60 SKIP_RETURN_CODE 77)
  endif()
  get_property(displ_sdl GLOBAL PROPERTY PVKIT_KBDBACK_SDL)
  if(displ_sdl AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/test_displback_sdl.c)
    pvkit_add_test(test_displback_sdl SOURCES test_displback_sdl.c
                   displback_fe.c pvback_fake_platform.c
                   LIBS displback cmocka LABELS unit TIMEOUT 120)
    target_include_directories(test_displback_sdl PRIVATE
                               ${PROJECT_SOURCE_DIR}/backends/display)
    set(displ_sdl_env "SDL_VIDEODRIVER=offscreen;SDL_AUDIODRIVER=dummy")
    # as test_kbdback_sdl: SDL's dlopen'd video drivers keep allocations
    # past SDL_Quit() that LeakSanitizer cannot name; memory errors are
    # still caught
    if(PVKIT_SANITIZE STREQUAL "address")
      list(APPEND displ_sdl_env "ASAN_OPTIONS=detect_leaks=0")
    endif()
    set_tests_properties(test_displback_sdl PROPERTIES ENVIRONMENT
                         "${displ_sdl_env}")
  endif()
endif()
