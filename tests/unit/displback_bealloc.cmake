# Buffers the display backend provides (be-alloc, REQ_ALLOC), on
# libpvback's fake platform: test_displback_bealloc.
if(TARGET displback)
  pvkit_add_test(test_displback_bealloc SOURCES test_displback_bealloc.c
                 displback_fe.c pvback_fake_platform.c
                 LIBS displback cmocka LABELS unit TIMEOUT 60)
endif()
