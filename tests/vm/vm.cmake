# tests/vm/vm.cmake — pvkit_add_vm_test() and pvkit_vm_skip(), for any
# CMakeLists under tests/ (tests/CMakeLists.txt includes this before its
# subdirectories).  See tests/vm/README.md.
include_guard(GLOBAL)
set(PVKIT_VM_NATIVE OFF)
if(NOT CMAKE_CROSSCOMPILING AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(PVKIT_VM_NATIVE ON)
endif()

# Kernel cache: about 400 MB once unpacked; share it between build trees by
# setting PVKIT_VM_CACHE (the environment at configure or test time, or
# -DPVKIT_VM_CACHE=).
set(PVKIT_VM_CACHE "$ENV{PVKIT_VM_CACHE}" CACHE PATH
    "Where tests/vm/vm.sh keeps Debian's kernel (empty: <build>/vm-cache)")
if(PVKIT_VM_CACHE)
  set(PVKIT_VM_CACHE_DIR ${PVKIT_VM_CACHE})
else()
  set(PVKIT_VM_CACHE_DIR ${CMAKE_BINARY_DIR}/vm-cache)
endif()
set(PVKIT_VM_SH ${CMAKE_CURRENT_LIST_DIR}/vm.sh)

# pvkit_add_vm_test(NAME PROGRAM prog-or-target [ARGS a...] [MODULES m...]
#                   [FILES src[=dst]...] [ENV VAR=value...] [QEMU arg...]
#                   [UDEV] [SHARE dir] [GUEST_TIMEOUT s] [TIMEOUT s]
#                   [LABELS l...])
# Runs PROGRAM (a target name or a path) in a guest with those modules and
# files; the test's status is the program's.  TIMEOUT is ctest's (it also
# covers the one-time kernel download); GUEST_TIMEOUT the program's own.
# Outside native x86-64 builds it adds nothing.
function(pvkit_add_vm_test name)
  if(NOT PVKIT_VM_NATIVE)
    return()
  endif()
  cmake_parse_arguments(V "UDEV" "PROGRAM;SHARE;GUEST_TIMEOUT;TIMEOUT"
                        "ARGS;MODULES;FILES;ENV;QEMU;LABELS" ${ARGN})
  if(TARGET ${V_PROGRAM})
    set(prog $<TARGET_FILE:${V_PROGRAM}>)
  else()
    set(prog ${V_PROGRAM})
  endif()
  set(cmd ${PVKIT_VM_SH} --cache ${PVKIT_VM_CACHE_DIR}
          --workdir ${CMAKE_CURRENT_BINARY_DIR}/${name}.vm)
  foreach(m ${V_MODULES})
    list(APPEND cmd --module ${m})
  endforeach()
  foreach(f ${V_FILES})
    list(APPEND cmd --file ${f})
  endforeach()
  foreach(e ${V_ENV})
    list(APPEND cmd --env ${e})
  endforeach()
  foreach(q ${V_QEMU})
    list(APPEND cmd --qemu ${q})
  endforeach()
  if(V_UDEV)
    list(APPEND cmd --udev)
  endif()
  if(V_SHARE)
    list(APPEND cmd --share ${V_SHARE})
  endif()
  if(NOT V_GUEST_TIMEOUT)
    set(V_GUEST_TIMEOUT 60)
  endif()
  if(NOT V_TIMEOUT)
    set(V_TIMEOUT 300)
  endif()
  list(APPEND cmd --timeout ${V_GUEST_TIMEOUT} -- ${prog} ${V_ARGS})
  add_test(NAME ${name} COMMAND ${cmd})
  set_tests_properties(${name} PROPERTIES LABELS "vm;${V_LABELS}"
                       SKIP_RETURN_CODE 77 TIMEOUT ${V_TIMEOUT})
endfunction()

# A test that cannot even be built here still shows up, as a skip that says
# why, never as a silent pass.
function(pvkit_vm_skip name why)
  if(NOT PVKIT_VM_NATIVE)
    return()
  endif()
  add_test(NAME ${name} COMMAND sh -c "echo 'pvkit-vm: SKIP: ${why}' >&2; exit 77")
  set_tests_properties(${name} PROPERTIES LABELS vm SKIP_RETURN_CODE 77)
endfunction()
