# The guest's vsnd card (frontends/snd).  Included from
# tests/unit/CMakeLists.txt.
#   test_sndfront  streams from the store, handshake, negotiation, play
#                  (the buffer as a ring paced by position events, drain),
#                  capture, trigger, volume, mute, position events, a
#                  backend restart (resume) and a hostile backend, against
#                  pvhv's store core (compiled in) and a fake sound backend
#                  with a clock; native and cross builds.
if(NOT TARGET sndfront)
  return()
endif()
set(PVHV_SRC_DIR ${PROJECT_SOURCE_DIR}/hypervisor/pvhv)
file(GLOB SNDFRONT_STORE_SRC CONFIGURE_DEPENDS ${PVHV_SRC_DIR}/store*.c)
if(SNDFRONT_STORE_SRC)
  pvkit_add_test(test_sndfront SOURCES test_sndfront.c ${SNDFRONT_STORE_SRC}
                 LIBS sndfront pvfront pvring cmocka LABELS unit TIMEOUT 120)
  target_include_directories(test_sndfront PRIVATE ${PVHV_SRC_DIR})
  target_compile_definitions(test_sndfront PRIVATE _GNU_SOURCE)
endif()
