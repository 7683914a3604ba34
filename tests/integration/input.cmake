# The input device end to end (tests/integration/test_input_*.c): a real
# pvhv, pvbackd and process guests running guests/guest_input.c (built
# here, next to the other test guests, where the harness finds them).
# The tests share input_util.c and find pvbackd through PVBACKD_BIN.
if(NOT TARGET pvbackd OR NOT TARGET kbdfront OR NOT TARGET pvkit_test_guest)
  return()
endif()
if(NOT EXISTS ${PROJECT_SOURCE_DIR}/frontends/input/kbdfront.c)
  return()
endif()

foreach(g guest_input guest_input_hostile)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/guests/${g}.c)
    add_executable(${g} guests/${g}.c)
    target_link_libraries(${g} PRIVATE pvkit_test_guest kbdfront pvfront)
    target_include_directories(${g} PRIVATE
                               ${CMAKE_CURRENT_SOURCE_DIR}/guests)
    set_target_properties(${g} PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                          ${CMAKE_CURRENT_BINARY_DIR}/guests)
    list(APPEND input_guests ${g})
  endif()
endforeach()

file(GLOB input_tests CONFIGURE_DEPENDS
     ${CMAKE_CURRENT_SOURCE_DIR}/test_input_*.c)
foreach(src ${input_tests})
  get_filename_component(name ${src} NAME_WE)
  if(TARGET ${name})
    target_sources(${name} PRIVATE input_util.c)
    target_compile_definitions(${name} PRIVATE _GNU_SOURCE
                               PVBACKD_BIN="$<TARGET_FILE:pvbackd>")
    add_dependencies(${name} pvbackd ${input_guests})
    set_tests_properties(${name} PROPERTIES TIMEOUT 900)
  endif()
endforeach()
