# Unit tests of the sound backend's ALSA host side (backends/snd):
#   test_snd_alsa_mix     the mixer: S16/S32/F32 summed with saturation
#   test_snd_alsa         host_alsa.c (its ops table, as sndback drives it)
#                         on real libasound with the test
#                         configuration snd_alsa/asound.conf (file and null
#                         PCMs: no sound card needed): a tone played into a
#                         WAV file, two guests mixed into one output,
#                         capture from a file fanned out to two readers,
#                         and on pvclock (a PCM with a clock, below)
#                         streams serviced from the event loop
#   vm_snd_alsa           its alsa_hw_* cases in tests/vm's guest on
#                         snd-dummy: xruns recovered on a real PCM
#   snd_alsa_tone_check   numpy's look at the WAV files test_snd_alsa
#                         wrote (pitch within 1 Hz, length, no gaps);
#                         skipped, loudly, where numpy is missing
# Built from the sources here, like the input encoder's test, so they do
# not wait for the sound backend's own targets.
# dom0 code: native builds only (a cross build's pkg-config would hand it
# the host's libasound).
if(CMAKE_CROSSCOMPILING)
  return()
endif()
set(SND_DIR ${PROJECT_SOURCE_DIR}/backends/snd)
pvkit_add_test(test_snd_alsa_mix SOURCES test_snd_alsa_mix.c
               LIBS cmocka m LABELS unit)
target_include_directories(test_snd_alsa_mix PRIVATE ${SND_DIR})

find_package(PkgConfig REQUIRED)
pkg_check_modules(SND_ALSA IMPORTED_TARGET alsa)
if(NOT SND_ALSA_FOUND)
  message(WARNING "alsa not found (Debian: libasound2-dev): the ALSA host "
                  "side's tests are not built")
  return()
endif()

pkg_check_modules(SND_ALSA_EVENT IMPORTED_TARGET libevent_core)
if(NOT SND_ALSA_EVENT_FOUND)
  message(WARNING "libevent_core not found (Debian: libevent-dev): the ALSA "
                  "host side's tests are not built")
  return()
endif()

# pvclock (snd_alsa/pvclock.h): an ALSA PCM with a real-time clock and no
# card, loaded by libasound as a plugin; snd_alsa/pvclock.conf.in names it
# (the generated file goes after asound.conf in ALSA_CONFIG_PATH).  Also
# tests/bench/snd_bench's PCM.
add_library(snd_alsa_pvclock MODULE snd_alsa/pvclock.c)
target_link_libraries(snd_alsa_pvclock PRIVATE PkgConfig::SND_ALSA)
target_compile_definitions(snd_alsa_pvclock PRIVATE _GNU_SOURCE)
set_target_properties(snd_alsa_pvclock PROPERTIES PREFIX ""
  OUTPUT_NAME libasound_module_pcm_pvclock)
set(SND_ALSA_CLOCK_CONF ${CMAKE_CURRENT_BINARY_DIR}/snd_alsa_pvclock.conf)
file(READ ${CMAKE_CURRENT_SOURCE_DIR}/snd_alsa/pvclock.conf.in
     SND_ALSA_CLOCK_TEXT)
string(REPLACE "@PVCLOCK_LIB@" "$<TARGET_FILE:snd_alsa_pvclock>"
       SND_ALSA_CLOCK_TEXT "${SND_ALSA_CLOCK_TEXT}")
file(GENERATE OUTPUT ${SND_ALSA_CLOCK_CONF} CONTENT "${SND_ALSA_CLOCK_TEXT}")

set(SND_ALSA_OUT ${CMAKE_CURRENT_BINARY_DIR}/snd_alsa_out)
set(SND_ALSA_CONF ${CMAKE_CURRENT_SOURCE_DIR}/snd_alsa/asound.conf)
pvkit_add_test(test_snd_alsa SOURCES test_snd_alsa.c ${SND_DIR}/host_alsa.c
               LIBS cmocka PkgConfig::SND_ALSA PkgConfig::SND_ALSA_EVENT m
               LABELS unit TIMEOUT 60)
target_include_directories(test_snd_alsa PRIVATE ${SND_DIR})
target_compile_definitions(test_snd_alsa PRIVATE _GNU_SOURCE
  SND_ALSA_CONF="${SND_ALSA_CONF}:${SND_ALSA_CLOCK_CONF}")
add_dependencies(test_snd_alsa snd_alsa_pvclock)
set_tests_properties(test_snd_alsa PROPERTIES
  ENVIRONMENT "ALSA_CONFIG_PATH=${SND_ALSA_CONF}:${SND_ALSA_CLOCK_CONF};SND_ALSA_OUT=${SND_ALSA_OUT}"
  FIXTURES_SETUP snd_alsa_wav)

add_test(NAME snd_alsa_tone_check
         COMMAND /usr/bin/python3
                 ${CMAKE_CURRENT_SOURCE_DIR}/snd_alsa/tone_check.py
                 ${SND_ALSA_OUT} 480)
set_tests_properties(snd_alsa_tone_check PROPERTIES LABELS unit TIMEOUT 60
  FIXTURES_REQUIRED snd_alsa_wav SKIP_RETURN_CODE 77)

# The same program in tests/vm's QEMU guest, where snd-dummy is a sound
# card with a clock of its own: its alsa_hw_* cases underrun and overrun
# a real PCM (label vm; skipped, saying why, without qemu or a kernel).
# The configuration goes to /test: the guest's /tmp is a fresh tmpfs.
if(COMMAND pvkit_add_vm_test)
  pvkit_add_vm_test(vm_snd_alsa PROGRAM test_snd_alsa ARGS alsa_hw_*
                    MODULES snd-dummy FILES ${SND_ALSA_CONF}=asound.conf
                    ENV ALSA_CONFIG_PATH=/test/asound.conf SND_ALSA_HW=1
                        SND_ALSA_OUT=/tmp
                    GUEST_TIMEOUT 60 TIMEOUT 400)
endif()
