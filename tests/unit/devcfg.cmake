# The device keys of a guest config (hypervisor/common/devcfg*.c, through
# domcfg.c as pvhv reads a file).  Included from tests/unit/CMakeLists.txt;
# native builds only (pvhv is not cross-built).
if(TARGET pvhv_common)
  pvkit_add_test(test_devcfg SOURCES test_devcfg.c
                 LIBS pvhv_common cmocka LABELS unit)
endif()
# The xl.cfg syntax underneath (hypervisor/common/xlcfg.c).
if(TARGET pvhv_common)
  pvkit_add_test(test_xlcfg SOURCES test_xlcfg.c
                 LIBS pvhv_common cmocka LABELS unit)
endif()
