# pvhv's grant tables and event channels, tested on the real hypervisor/pvhv
# code (gnttab.c, gnttab_map.c, evtchn.c, mem.c, log.c: a fake domain has
# both tables and real memory, as domain.c builds them) around a fake domain
# table, engine and control clients (fake_hv.c).  Included from
# tests/unit/CMakeLists.txt; native builds only (pvhv is not cross-built).
if(TARGET pvhv_common)
  find_package(Threads REQUIRED)
  if(NOT TARGET PkgConfig::LIBEVENT)
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(LIBEVENT REQUIRED IMPORTED_TARGET libevent_core)
  endif()
  set(PVHV_SRC_DIR ${PROJECT_SOURCE_DIR}/hypervisor/pvhv)
  set(PVHV_TEST_SRC fake_hv.c ${PVHV_SRC_DIR}/gnttab.c
      ${PVHV_SRC_DIR}/gnttab_map.c ${PVHV_SRC_DIR}/gnttab_dom0.c
      ${PVHV_SRC_DIR}/evtchn.c
      ${PVHV_SRC_DIR}/mem.c ${PVHV_SRC_DIR}/log.c)

  foreach(mod gnttab evtchn d0gnt)
    pvkit_add_test(test_hv_${mod}_with_fake_hv SOURCES test_hv_${mod}.c ${PVHV_TEST_SRC}
                   LIBS pvhv_common pvring cmocka PkgConfig::LIBEVENT
                        Threads::Threads
                   LABELS unit)
    target_include_directories(test_hv_${mod}_with_fake_hv PRIVATE ${PVHV_SRC_DIR})
  endforeach()
endif()
