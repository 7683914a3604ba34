# Unit tests of the sound backend's ALSA host side (backends/snd):
#   test_snd_alsa_mix     the mixer: S16/S32/F32 summed with saturation
#   test_snd_alsa         host_alsa.c (its ops table, as sndback drives it)
#                         on real libasound with the test
#                         configuration snd_alsa/asound.conf (file and null
#                         PCMs: no sound card needed): a tone played into a
#                         WAV file, two guests mixed into one output,
#                         capture from a file fanned out to two readers
#   snd_alsa_tone_check   numpy's look at the WAV files test_snd_alsa
#                         wrote (pitch within 1 Hz, length, no gaps);
#                         skipped, loudly, where numpy is missing
# Built from the sources here, like the input encoder's test, so they do
# not wait for the sound backend's own targets.
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

set(SND_ALSA_OUT ${CMAKE_CURRENT_BINARY_DIR}/snd_alsa_out)
set(SND_ALSA_CONF ${CMAKE_CURRENT_SOURCE_DIR}/snd_alsa/asound.conf)
pvkit_add_test(test_snd_alsa SOURCES test_snd_alsa.c ${SND_DIR}/host_alsa.c
               LIBS cmocka PkgConfig::SND_ALSA m
               LABELS unit TIMEOUT 60)
target_include_directories(test_snd_alsa PRIVATE ${SND_DIR})
target_compile_definitions(test_snd_alsa PRIVATE _GNU_SOURCE
                           SND_ALSA_CONF="${SND_ALSA_CONF}")
set_tests_properties(test_snd_alsa PROPERTIES
  ENVIRONMENT "ALSA_CONFIG_PATH=${SND_ALSA_CONF};SND_ALSA_OUT=${SND_ALSA_OUT}"
  FIXTURES_SETUP snd_alsa_wav)

add_test(NAME snd_alsa_tone_check
         COMMAND /usr/bin/python3
                 ${CMAKE_CURRENT_SOURCE_DIR}/snd_alsa/tone_check.py
                 ${SND_ALSA_OUT} 480)
set_tests_properties(snd_alsa_tone_check PROPERTIES LABELS unit TIMEOUT 60
  FIXTURES_REQUIRED snd_alsa_wav SKIP_RETURN_CODE 77)
