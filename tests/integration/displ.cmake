# The display device end to end: process guests running
# guests/guest_displ.c (built here, next to the other test guests, where
# the harness finds them) and test_displ_*.c.  Included from
# tests/integration/CMakeLists.txt.
#   test_displ_headless  pvhv + pvbackd --backends displ --displ-host
#                        headless:DIR,every=numbered + guest_displ: every
#                        frame's PNG (read with libpng) equals the picture
#                        drawn, flip events in order, two guests with two
#                        connectors each, XRGB8888 / ARGB8888 / RGB565.
#                        Skips (77) without libpng or a pvbackd that
#                        serves vdispl.
#   test_displ_bealloc   the same rig with buffers the backend provides
#                        (be-alloc=1, guest_displ "bealloc"): PNGs of
#                        frames drawn into dom0's pages, a 3840x2160 one
#                        too; refused without be-alloc.
if(NOT TARGET displfront OR NOT TARGET pvkit_test_guest)
  return()
endif()
add_executable(guest_displ guests/guest_displ.c)
target_link_libraries(guest_displ PRIVATE pvkit_test_guest displfront pvfront)
target_include_directories(guest_displ PRIVATE
                           ${CMAKE_CURRENT_SOURCE_DIR}/guests
                           ${CMAKE_CURRENT_SOURCE_DIR})
set_target_properties(guest_displ PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                      ${CMAKE_CURRENT_BINARY_DIR}/guests)

if(NOT TARGET test_displ_headless)
  return()
endif()
# test_displ_headless, and test_displ_bealloc (buffers the backend
# provides, same rig), with their helpers displ_util.c when libpng and
# pvbackd are there (else they skip, saying so).
find_package(PkgConfig REQUIRED)
pkg_check_modules(DISPL_PNG IMPORTED_TARGET libpng)
foreach(t test_displ_headless test_displ_bealloc)
  if(NOT TARGET ${t})
    continue()
  endif()
  target_compile_definitions(${t} PRIVATE _GNU_SOURCE)
  target_link_libraries(${t} PRIVATE displfront)
  add_dependencies(${t} guest_displ)
  set_tests_properties(${t} PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
  if(DISPL_PNG_FOUND AND TARGET pvbackd)
    target_sources(${t} PRIVATE displ_util.c)
    target_link_libraries(${t} PRIVATE PkgConfig::DISPL_PNG)
    target_compile_definitions(${t} PRIVATE DISPL_HAVE_PNG=1
                               PVBACKD_BIN="$<TARGET_FILE:pvbackd>")
    add_dependencies(${t} pvbackd)
  endif()
endforeach()

# The sdl host side end to end (test_displ_sdl.c, guests/guest_displ_touch.c:
# a screen and a vkbd in one guest):
#   test_displ_sdl       SDL_VIDEODRIVER=offscreen: pvbackd reads its
#                        windows back (SIGUSR1, dir=) as PNGs equal to the
#                        two guests' pictures, two connectors each
#   test_displ_sdl_xvfb  Xvfb started by the test: the X windows captured
#                        with `import -window` equal the pictures; xdotool
#                        drags in one guest's windows reach that guest only
#                        as touch contacts.  Skips (77) without Xvfb,
#                        import or xdotool.
if(TARGET test_displ_sdl AND TARGET kbdfront)
  add_executable(guest_displ_touch guests/guest_displ_touch.c)
  target_link_libraries(guest_displ_touch PRIVATE pvkit_test_guest
                        displfront kbdfront pvfront)
  target_include_directories(guest_displ_touch PRIVATE
                             ${CMAKE_CURRENT_SOURCE_DIR}/guests
                             ${CMAKE_CURRENT_SOURCE_DIR})
  set_target_properties(guest_displ_touch PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                        ${CMAKE_CURRENT_BINARY_DIR}/guests)
  target_compile_definitions(test_displ_sdl PRIVATE _GNU_SOURCE)
  target_link_libraries(test_displ_sdl PRIVATE displfront)
  add_dependencies(test_displ_sdl guest_displ_touch)
  if(DISPL_PNG_FOUND)
    target_link_libraries(test_displ_sdl PRIVATE PkgConfig::DISPL_PNG)
    target_compile_definitions(test_displ_sdl PRIVATE DISPL_HAVE_PNG=1)
  endif()
  if(TARGET pvbackd)
    target_compile_definitions(test_displ_sdl PRIVATE
                               PVBACKD_BIN="$<TARGET_FILE:pvbackd>")
    add_dependencies(test_displ_sdl pvbackd)
  endif()
  set_tests_properties(test_displ_sdl PROPERTIES TIMEOUT 300
                       SKIP_RETURN_CODE 77 ENVIRONMENT SDL_AUDIODRIVER=dummy)
  add_test(NAME test_displ_sdl_xvfb COMMAND test_displ_sdl xvfb)
  set_tests_properties(test_displ_sdl_xvfb PROPERTIES LABELS integration
                       TIMEOUT 300 SKIP_RETURN_CODE 77
                       ENVIRONMENT SDL_AUDIODRIVER=dummy)
endif()
