# libpvfront's store client (frontends/lib/xs*.c).  Included from
# tests/unit/CMakeLists.txt.
#   test_front_xs_wire  against a scripted store: native and cross builds
#   test_front_xs       against pvhv's real store core (native builds only)
if(NOT TARGET pvfront)
  return()
endif()
pvkit_add_test(test_front_xs_wire SOURCES test_front_xs_wire.c
               LIBS pvfront pvring cmocka LABELS unit TIMEOUT 120)
if(TARGET pvhv_common)
  set(PVHV_SRC_DIR ${PROJECT_SOURCE_DIR}/hypervisor/pvhv)
  file(GLOB FRONT_XS_STORE_SRC CONFIGURE_DEPENDS ${PVHV_SRC_DIR}/store*.c)
  pvkit_add_test(test_front_xs SOURCES test_front_xs.c ${FRONT_XS_STORE_SRC}
                 LIBS pvfront pvhv_common pvring cmocka Threads::Threads
                 LABELS unit TIMEOUT 120)
  target_include_directories(test_front_xs PRIVATE ${PVHV_SRC_DIR})
endif()
