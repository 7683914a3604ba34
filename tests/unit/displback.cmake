# The display backend (backends/display, pvkit/displback.h).
#   test_displback_dev       the vdispl device on libpvback's fake platform
#                            with a recording host side: every request and
#                            bad input with its errno, flips, EDID, events
#   test_displback_headless  the headless host side: PNGs read back with
#                            libpng pixel for pixel, through the device
if(TARGET displback)
  pvkit_add_test(test_displback_dev SOURCES test_displback_dev.c
                 displback_fe.c pvback_fake_platform.c
                 LIBS displback cmocka LABELS unit TIMEOUT 60)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/test_displback_headless.c)
    pvkit_add_test(test_displback_headless SOURCES test_displback_headless.c
                   displback_fe.c pvback_fake_platform.c
                   LIBS displback cmocka LABELS unit TIMEOUT 60)
  endif()
endif()
