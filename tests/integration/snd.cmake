# The sound device end to end: a real pvhv, pvbackd serving vsnd
# (--backends snd) and process guests running guests/guest_snd.c (built
# here, next to the other test guests, where the harness finds them).
# The tests (test_snd_*.c) share snd_util.c, find pvbackd through
# PVBACKD_BIN and check what came out with snd_tone.py (numpy; skipped,
# saying so, without it).  Included from tests/integration/CMakeLists.txt.
if(NOT TARGET sndfront OR NOT TARGET pvkit_test_guest)
  return()
endif()
add_executable(guest_snd guests/guest_snd.c)
target_link_libraries(guest_snd PRIVATE pvkit_test_guest sndfront pvfront m)
target_include_directories(guest_snd PRIVATE
                           ${CMAKE_CURRENT_SOURCE_DIR}/guests)
set_target_properties(guest_snd PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                      ${CMAKE_CURRENT_BINARY_DIR}/guests)

set(snd_tests test_snd_tone test_snd_alsa_e2e test_snd_life)
if(NOT TARGET pvbackd OR NOT TARGET sndback)
  foreach(t ${snd_tests})
    if(TARGET ${t})
      set_tests_properties(${t} PROPERTIES DISABLED TRUE)
    endif()
  endforeach()
  return()
endif()
# The test ALSA configuration: file and null PCMs (snd/asound.conf), and
# with tests/unit's pvclock plugin a file PCM over a clock
# (snd/pvclock.conf.in, its path written in); no sound card either way.
set(SND_E2E_CONF ${CMAKE_CURRENT_SOURCE_DIR}/snd/asound.conf)
if(TARGET snd_alsa_pvclock)
  set(SND_E2E_CLOCK_CONF ${CMAKE_CURRENT_BINARY_DIR}/snd_e2e_pvclock.conf)
  file(READ ${CMAKE_CURRENT_SOURCE_DIR}/snd/pvclock.conf.in SND_E2E_TEXT)
  string(REPLACE "@PVCLOCK_LIB@" "$<TARGET_FILE:snd_alsa_pvclock>"
         SND_E2E_TEXT "${SND_E2E_TEXT}")
  file(GENERATE OUTPUT ${SND_E2E_CLOCK_CONF} CONTENT "${SND_E2E_TEXT}")
  set(SND_E2E_CONF "${SND_E2E_CONF}:${SND_E2E_CLOCK_CONF}")
endif()
foreach(t ${snd_tests})
  if(TARGET ${t})
    target_sources(${t} PRIVATE snd_util.c)
    target_compile_definitions(${t} PRIVATE _GNU_SOURCE
      PVBACKD_BIN="$<TARGET_FILE:pvbackd>"
      SND_E2E_CONF="${SND_E2E_CONF}"
      SND_TONE_CHECK="/usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/snd_tone.py")
    target_include_directories(${t} PRIVATE
                               ${PROJECT_SOURCE_DIR}/tests/unit/snd_alsa)
    add_dependencies(${t} pvbackd guest_snd)
    if(TARGET snd_alsa_pvclock)
      add_dependencies(${t} snd_alsa_pvclock)
      target_compile_definitions(${t} PRIVATE SND_E2E_CLOCK=1)
    endif()
    set_tests_properties(${t} PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
  endif()
endforeach()
# These two play in real time into clocked PCMs and judge the sound for
# gaps: alone, so make check's parallel neighbours (fuzzers, stress) cannot
# starve a guest long enough to be heard.
foreach(t test_snd_alsa_e2e test_snd_life)
  if(TARGET ${t})
    set_tests_properties(${t} PROPERTIES RUN_SERIAL TRUE)
  endif()
endforeach()
