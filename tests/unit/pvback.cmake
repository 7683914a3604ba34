# libpvback (backends/lib) on a fake platform (pvback_fake_platform.c): the
# device state machine, hostile frontends, and the grant and event helpers,
# without pvhv (tests/integration/test_pvback_* run it against pvhv).
#   test_pvback_bus      handshake, lifecycle, restart, store keys
#   test_pvback_bus_hostile  hostile frontends, failing devices
#   test_pvback_map      grant runs, page directories, event channels
#   test_pvback_own      dom0's own pages granted, directories filled
if(TARGET pvback)
  foreach(t bus bus_hostile)
    pvkit_add_test(test_pvback_${t} SOURCES test_pvback_${t}.c
                   pvback_test_echo.c pvback_fake_platform.c
                   LIBS pvback cmocka LABELS unit TIMEOUT 60)
  endforeach()
  foreach(t map own)
    pvkit_add_test(test_pvback_${t} SOURCES test_pvback_${t}.c
                   pvback_test_plain.c pvback_fake_platform.c
                   LIBS pvback cmocka LABELS unit TIMEOUT 60)
  endforeach()
endif()
