# The sound backend (backends/snd, pvkit/sndback.h).
#   test_sndback_stream  limits, the request handler on a recording host
#                        side, the event page, the wav host side
#   test_sndback_dev     the vsnd device on libpvback's fake platform
if(TARGET sndback_core)
  pvkit_add_test(test_sndback_stream SOURCES test_sndback_stream.c
                 LIBS sndback_core cmocka LABELS unit TIMEOUT 60)
  target_include_directories(test_sndback_stream PRIVATE
                             ${PROJECT_SOURCE_DIR}/backends/snd)
endif()
if(TARGET sndback AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/test_sndback_dev.c)
  pvkit_add_test(test_sndback_dev SOURCES test_sndback_dev.c
                 pvback_fake_platform.c LIBS sndback cmocka LABELS unit
                 TIMEOUT 60)
endif()
