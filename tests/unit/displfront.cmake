# The guest's vdispl device (frontends/display).  Included from
# tests/unit/CMakeLists.txt.
#   test_displfront  connectors from the store, version choice, handshake,
#                    display buffers, framebuffers, SET_CONFIG, flips and
#                    their events, GET_EDID and a hostile backend, against
#                    pvhv's store core (compiled in) and a scripted display
#                    backend; native and cross builds.
if(NOT TARGET displfront)
  return()
endif()
set(PVHV_SRC_DIR ${PROJECT_SOURCE_DIR}/hypervisor/pvhv)
file(GLOB DISPLFRONT_STORE_SRC CONFIGURE_DEPENDS ${PVHV_SRC_DIR}/store*.c)
if(DISPLFRONT_STORE_SRC)
  pvkit_add_test(test_displfront SOURCES test_displfront.c
                 ${DISPLFRONT_STORE_SRC}
                 LIBS displfront pvfront pvring cmocka LABELS unit TIMEOUT 120)
  target_include_directories(test_displfront PRIVATE ${PVHV_SRC_DIR})
  target_compile_definitions(test_displfront PRIVATE _GNU_SOURCE)
endif()
