# libpvfront's framework (frontends/lib/front*.c).  Included from
# tests/unit/CMakeLists.txt.
#   test_front_pages  pages, grants, page directories, ports; a fake OS only
#   test_front_dev    devices and their handshake against pvhv's store core,
#                     compiled in (it needs only libc), and a fake backend
#                     (test_front_world.h)
# Both run in the cross builds too.
if(NOT TARGET pvfront)
  return()
endif()
pvkit_add_test(test_front_pages SOURCES test_front_pages.c
               LIBS pvfront pvring cmocka LABELS unit TIMEOUT 120)
set(PVHV_SRC_DIR ${PROJECT_SOURCE_DIR}/hypervisor/pvhv)
file(GLOB FRONT_STORE_SRC CONFIGURE_DEPENDS ${PVHV_SRC_DIR}/store*.c)
if(FRONT_STORE_SRC)
  pvkit_add_test(test_front_dev SOURCES test_front_dev.c ${FRONT_STORE_SRC}
                 LIBS pvfront pvring cmocka LABELS unit TIMEOUT 120)
  target_include_directories(test_front_dev PRIVATE ${PVHV_SRC_DIR})
  target_compile_definitions(test_front_dev PRIVATE _GNU_SOURCE)
endif()
