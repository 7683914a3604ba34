# pvhv's store (hypervisor/pvhv/store*.c), tested on its real sources with
# a recording transport: each connection's send callback keeps the
# messages the store queued.  Included from tests/unit/CMakeLists.txt;
# native builds only (pvhv is not cross-built).  No libevent: the store
# core has no event loop.
if(TARGET pvhv_common)
  set(PVHV_SRC_DIR ${PROJECT_SOURCE_DIR}/hypervisor/pvhv)
  file(GLOB STORE_CORE_SRC CONFIGURE_DEPENDS ${PVHV_SRC_DIR}/store*.c)
  pvkit_add_test(test_store_core SOURCES test_store_core.c ${STORE_CORE_SRC}
                 LIBS pvhv_common pvring cmocka LABELS unit)
  target_include_directories(test_store_core PRIVATE ${PVHV_SRC_DIR})
endif()
