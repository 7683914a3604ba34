# Helpers shared by pvkit's CMake files.

# pvkit_freestanding(target): compile TARGET without any libc header.
function(pvkit_freestanding target)
  target_compile_options(${target} PRIVATE -ffreestanding -nostdinc
                         -isystem ${PVKIT_CC_INCLUDE})
endfunction()
