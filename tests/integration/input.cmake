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

# tests/bench/input_bench: latency source -> guest callback and events per
# second (`make bench`; ctest runs `input_bench --quick`, label bench,
# which judges no timing).  Defined here: it needs the test guests and
# the harness of this folder.
if(PVKIT_WITH_BENCH AND TARGET kbdback)
  add_executable(input_bench ${PROJECT_SOURCE_DIR}/tests/bench/input_bench.c)
  target_link_libraries(input_bench PRIVATE hvt kbdback)
  target_include_directories(input_bench PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_definitions(input_bench PRIVATE _GNU_SOURCE)
  set_target_properties(input_bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                        ${PROJECT_BINARY_DIR}/tests/bench)
  add_dependencies(input_bench pvhv guest_input)
  add_test(NAME input_bench_smoke COMMAND input_bench --quick)
  set_tests_properties(input_bench_smoke PROPERTIES LABELS bench TIMEOUT 120)
endif()
