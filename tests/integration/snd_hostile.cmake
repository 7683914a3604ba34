# The sound backend against a hostile guest: guests/guest_snd_hostile.c
# (a vsnd frontend written by hand, sending raw requests) and
# test_snd_hostile (pvhv + pvbackd --backends snd --snd-host wav:DIR, one
# case per kind of bad input, a guest_snd bystander after each).
# Included from tests/integration/CMakeLists.txt.
if(NOT TARGET pvkit_test_guest OR NOT TARGET pvfront OR NOT TARGET pvbackd)
  return()
endif()
if(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/guests/guest_snd_hostile.c)
  return()
endif()
add_executable(guest_snd_hostile guests/guest_snd_hostile.c)
target_link_libraries(guest_snd_hostile PRIVATE pvkit_test_guest pvfront)
target_include_directories(guest_snd_hostile PRIVATE
                           ${CMAKE_CURRENT_SOURCE_DIR}/guests)
set_target_properties(guest_snd_hostile PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                      ${CMAKE_CURRENT_BINARY_DIR}/guests)

if(TARGET test_snd_hostile AND TARGET guest_snd)
  target_compile_definitions(test_snd_hostile PRIVATE _GNU_SOURCE
    PVBACKD_BIN="$<TARGET_FILE:pvbackd>")
  add_dependencies(test_snd_hostile pvbackd guest_snd guest_snd_hostile)
  set_tests_properties(test_snd_hostile PROPERTIES TIMEOUT 600
                       SKIP_RETURN_CODE 77)
endif()
