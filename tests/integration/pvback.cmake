# libpvback against a real pvhv (tests/integration/test_pvback_*.c):
# pvback_testd, the echo test backend on libpvback, runs as a process of
# its own (tests kill and restart it); guest_pvback_echo is its frontend,
# built next to the other test guests where the harness finds it.  The
# tests share pvback_util.c and find the daemon through PVBACK_TESTD.
if(NOT TARGET pvback OR NOT TARGET pvkit_test_guest)
  return()
endif()

add_executable(pvback_testd pvback_testd.c)
target_link_libraries(pvback_testd PRIVATE pvback)

add_executable(guest_pvback_echo guests/guest_pvback_echo.c)
target_link_libraries(guest_pvback_echo PRIVATE pvkit_test_guest)
set_target_properties(guest_pvback_echo PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                      ${CMAKE_CURRENT_BINARY_DIR}/guests)

file(GLOB pvback_itests CONFIGURE_DEPENDS
     ${CMAKE_CURRENT_SOURCE_DIR}/test_pvback_*.c)
foreach(src ${pvback_itests})
  get_filename_component(name ${src} NAME_WE)
  if(TARGET ${name})
    target_sources(${name} PRIVATE pvback_util.c)
    target_compile_definitions(${name} PRIVATE _GNU_SOURCE
                               PVBACK_TESTD="$<TARGET_FILE:pvback_testd>")
    add_dependencies(${name} pvback_testd guest_pvback_echo)
    set_tests_properties(${name} PROPERTIES TIMEOUT 900)
  endif()
endforeach()
