# libpvhv's store client (hypervisor/lib/store*.c) against a fake store
# that the test drives byte by byte.  Included from
# tests/unit/CMakeLists.txt; native builds only (libpvhv is not
# cross-built).  The real pvhv: tests/integration/test_pvhv_store_client.c.
if(TARGET pvhv-client)
  pvkit_add_test(test_libpvhv_store_fake SOURCES test_libpvhv_store_fake.c
                 LIBS pvhv-client cmocka LABELS unit TIMEOUT 60)
endif()
