# The sound device end to end: process guests running guests/guest_snd.c
# (built here, next to the other test guests, where the harness finds
# them).  Included from tests/integration/CMakeLists.txt.
if(NOT TARGET sndfront OR NOT TARGET pvkit_test_guest)
  return()
endif()
add_executable(guest_snd guests/guest_snd.c)
target_link_libraries(guest_snd PRIVATE pvkit_test_guest sndfront pvfront m)
target_include_directories(guest_snd PRIVATE
                           ${CMAKE_CURRENT_SOURCE_DIR}/guests)
set_target_properties(guest_snd PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                      ${CMAKE_CURRENT_BINARY_DIR}/guests)

# End to end, until pvbackd serves vsnd: snd_testd hosts backends/snd with
# the WAV host side; test_snd_tone plays tones from guest_snd through pvhv
# and checks the WAV files (snd_tone.py, numpy).
if(NOT TARGET sndback OR NOT TARGET pvback)
  return()
endif()
add_executable(snd_testd snd_testd.c)
target_link_libraries(snd_testd PRIVATE sndback pvback)
if(TARGET test_snd_tone)
  target_compile_definitions(test_snd_tone PRIVATE _GNU_SOURCE
    SND_TESTD="$<TARGET_FILE:snd_testd>"
    SND_TONE_CHECK="/usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/snd_tone.py")
  add_dependencies(test_snd_tone snd_testd guest_snd)
  set_tests_properties(test_snd_tone PROPERTIES TIMEOUT 300
                       SKIP_RETURN_CODE 77)
endif()
