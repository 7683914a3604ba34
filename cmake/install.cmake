# `make install` / `cmake --install`: what pvkit puts where, and how other
# programs find it afterwards.  Included by the top CMakeLists.txt once
# every library's folder has been added.
#
#   bin/                  pvhv, pvctl, pvbackd
#   include/pvkit/        every public header, proto/ included
#   lib/                  libpvring.a       rings, grants, events, store codec
#                         libpvhv.so.0 (.so, .a)   dom0 client of pvhv
#                         libpvfront.a      guest framework (freestanding)
#                         libpvfront_posix.a   process guests on pvhv
#                         libkbdfront.a     guest vkbd device
#                         libpvback.a       dom0 backend framework
#                         libkbdback.a      vkbd backend and its host sides
#                         libsndfront.a     guest vsnd card
#                         libsndback.a      vsnd backend and its host sides
#                         libdisplfront.a   guest vdispl device
#                         libdisplback.a    vdispl backend and its host sides
#   lib/pkgconfig/        pvkit-<component>.pc
#   lib/cmake/pvkit/      pvkitConfig.cmake, pvkitConfigVersion.cmake,
#                         pvkitTargets*.cmake: targets pvkit::<component>
#
# Folders follow GNUInstallDirs; the prefix is CMAKE_INSTALL_PREFIX or
# `cmake --install --prefix`, and DESTDIR stages the whole tree.
#
# Components (pkg-config name pvkit-<c> with '_' as '-'; CMake target
# pvkit::<c>): ring, hv (shared), hv_static (CMake only; pkg-config picks
# libpvhv.a under --static), front, front_posix, kbdfront, back, kbdback,
# sndfront, sndback, displfront, displback.
#
# Why the archives are separate targets here: the in-tree libraries carry
# the source tree's include folders and link pvkit's internal helpers
# (pvhv_common, kbdback_core, sndback_core), none of which exists after install.
# Each installed archive is re-packed from the in-tree objects (nothing
# is compiled twice) and knows only the installed include folder and its
# installed neighbours.  libpvhv.so is installed as built.
#
# pkg-config: every library but libpvhv is a static archive with no
# shared twin that could carry its dependencies, so what an archive needs
# goes in Requires/Libs, and a plain `pkg-config --libs` links.  libpvhv
# is shared: what only its static archive needs (libpvring) is in
# Requires.private, used by `pkg-config --static`.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(PVKIT_INSTALL_STAGE ${CMAKE_BINARY_DIR}/pvkit-install)
set(PVKIT_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/pvkit)
# Components in dependency order, with what each needs from outside.
set(PVKIT_INSTALL_COMPONENTS "")

# pvkit_install_component(COMP [PKG module...]): record COMP as installed;
# PKG: the pkg-config modules its CMake target needs (found again by
# pvkitConfig.cmake).
macro(pvkit_install_component comp)
  list(APPEND PVKIT_INSTALL_COMPONENTS ${comp})
  set(PVKIT_INSTALL_PKG_${comp} ${ARGN})
endmacro()

# pvkit_install_archive(COMP OUTPUT name FROM target... [LINK comp...]
#                       [PKG module...]): libNAME.a from the objects of the
# FROM targets, exported as pvkit::COMP, linking pvkit::<LINK> and the PKG
# modules.  Nothing happens when a FROM target does not exist.
function(pvkit_install_archive comp)
  cmake_parse_arguments(A "" "OUTPUT" "FROM;LINK;PKG" ${ARGN})
  set(objs "")
  foreach(t IN LISTS A_FROM)
    if(NOT TARGET ${t})
      return()
    endif()
    list(APPEND objs $<TARGET_OBJECTS:${t}>)
  endforeach()
  set(tgt pvkit_install_${comp})
  add_library(${tgt} STATIC ${objs})
  set_target_properties(${tgt} PROPERTIES OUTPUT_NAME ${A_OUTPUT}
                        EXPORT_NAME ${comp} LINKER_LANGUAGE C
                        ARCHIVE_OUTPUT_DIRECTORY ${PVKIT_INSTALL_STAGE})
  target_include_directories(${tgt} INTERFACE
                             $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  foreach(dep IN LISTS A_LINK)
    target_link_libraries(${tgt} INTERFACE $<INSTALL_INTERFACE:pvkit::${dep}>)
  endforeach()
  foreach(mod IN LISTS A_PKG)
    target_link_libraries(${tgt} INTERFACE
                          $<INSTALL_INTERFACE:PkgConfig::pvkit_${mod}>)
  endforeach()
  install(TARGETS ${tgt} EXPORT pvkitTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  set(PVKIT_INSTALL_COMPONENTS ${PVKIT_INSTALL_COMPONENTS} ${comp} PARENT_SCOPE)
  set(PVKIT_INSTALL_PKG_${comp} ${A_PKG} PARENT_SCOPE)
endfunction()

# pvkit_install_pc(NAME DESC text LIBS flags [REQUIRES ...]
#                  [REQUIRES_PRIVATE ...]): lib/pkgconfig/NAME.pc.  The
# prefix is written at install time, so `cmake --install --prefix`
# gets .pc files that name the tree they are in.
function(pvkit_install_pc name)
  cmake_parse_arguments(A "" "DESC" "LIBS;REQUIRES;REQUIRES_PRIVATE" ${ARGN})
  set(PVKIT_PC_NAME ${name})
  set(PVKIT_PC_DESC "${A_DESC}")
  list(JOIN A_LIBS " " PVKIT_PC_LIBS)
  list(JOIN A_REQUIRES ", " PVKIT_PC_REQUIRES)
  list(JOIN A_REQUIRES_PRIVATE ", " PVKIT_PC_REQUIRES_PRIVATE)
  # Kept for the second pass, at install time.
  set(PVKIT_PC_PREFIX "@PVKIT_PC_PREFIX@")
  foreach(kind LIBDIR INCLUDEDIR)
    if(IS_ABSOLUTE "${CMAKE_INSTALL_${kind}}")
      set(PVKIT_PC_${kind} "${CMAKE_INSTALL_${kind}}")
    else()
      set(PVKIT_PC_${kind} "\${prefix}/${CMAKE_INSTALL_${kind}}")
    endif()
  endforeach()
  set(in ${PVKIT_INSTALL_STAGE}/pkgconfig/${name}.pc.in)
  set(out ${PVKIT_INSTALL_STAGE}/pkgconfig/prefixed/${name}.pc)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/pvkit.pc.in ${in} @ONLY)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
    set(dest "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
  else()
    set(dest "\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig")
  endif()
  install(CODE "
    set(PVKIT_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
    configure_file(\"${in}\" \"${out}\" @ONLY)
    file(INSTALL \"${out}\" DESTINATION \"${dest}\")
  ")
endfunction()

# ---- programs and headers --------------------------------------------------

foreach(prog pvhv pvctl pvbackd)
  if(TARGET ${prog})
    install(TARGETS ${prog} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/pvkit
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")

# ---- libraries ---------------------------------------------------------------

pvkit_install_archive(ring OUTPUT pvring FROM pvring)
pvkit_install_pc(pvkit-ring LIBS -lpvring
  DESC "pvkit ring library: PV rings, flex rings, grant entries, event channel bitmaps, xenbus states, store wire codec (freestanding)")

if(TARGET pvhv-client-shared)
  # libpvhv.so as built (its version script exports pvhv_* alone, and it
  # carries its own copy of what it uses from libpvring).
  set_target_properties(pvhv-client-shared PROPERTIES EXPORT_NAME hv)
  target_include_directories(pvhv-client-shared INTERFACE
                             $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  install(TARGETS pvhv-client-shared EXPORT pvkitTargets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  pvkit_install_component(hv)
  # libpvhv.a: the client and the hypervisor's shared helpers it uses.
  pvkit_install_archive(hv_static OUTPUT pvhv FROM pvhv-client-obj pvhv_common
                        LINK ring)
  pvkit_install_pc(pvkit-hv LIBS -lpvhv REQUIRES_PRIVATE pvkit-ring
    DESC "pvkit dom0 client of the pvhv reference hypervisor: domains, grant maps, event channels, the store")
endif()

pvkit_install_archive(front OUTPUT pvfront FROM pvfront LINK ring)
if(TARGET pvkit_install_front)
  pvkit_install_pc(pvkit-front LIBS -lpvfront REQUIRES pvkit-ring
    DESC "pvkit guest framework: store client, devices, pages, grants and event handlers over an OS shim (freestanding)")
endif()

pvkit_install_archive(front_posix OUTPUT pvfront_posix FROM pvfront_posix
                      LINK front ring PKG libseccomp)
if(TARGET pvkit_install_front_posix)
  pvkit_install_pc(pvkit-front-posix LIBS -lpvfront_posix
    REQUIRES pvkit-front pvkit-ring libseccomp
    DESC "pvkit process-guest platform: a Linux program as a pvhv guest")
endif()

pvkit_install_archive(kbdfront OUTPUT kbdfront FROM kbdfront LINK front)
if(TARGET pvkit_install_kbdfront)
  pvkit_install_pc(pvkit-kbdfront LIBS -lkbdfront REQUIRES pvkit-front
    DESC "pvkit guest keyboard, pointer and touch device (vkbd; freestanding)")
endif()

pvkit_install_archive(back OUTPUT pvback FROM pvback LINK hv ring
                      PKG libevent_core)
if(TARGET pvkit_install_back)
  pvkit_install_pc(pvkit-back LIBS -lpvback
    REQUIRES pvkit-hv pvkit-ring libevent_core
    DESC "pvkit dom0 backend framework on libevent: device types, xenbus state machine, mapped rings, event channels")
endif()

# The vkbd backend: the device (kbdback) and its protocol encoder and host
# sides (kbdback_core) in one archive, with the host sides' libraries.
set(kbd_pkg libevent_core libevdev)
get_property(kbd_sdl GLOBAL PROPERTY PVKIT_KBDBACK_SDL)
get_property(kbd_libinput GLOBAL PROPERTY PVKIT_KBDBACK_LIBINPUT)
if(kbd_sdl)
  list(APPEND kbd_pkg sdl2)
endif()
if(kbd_libinput)
  list(APPEND kbd_pkg libinput libudev)
endif()
pvkit_install_archive(kbdback OUTPUT kbdback FROM kbdback kbdback_core
                      LINK back PKG ${kbd_pkg})
if(TARGET pvkit_install_kbdback)
  # libm: the host sides round positions (clang calls trunc() for it).
  target_link_libraries(pvkit_install_kbdback INTERFACE m)
  pvkit_install_pc(pvkit-kbdback LIBS -lkbdback -lm
    REQUIRES pvkit-back ${kbd_pkg}
    DESC "pvkit vkbd backend: keyboards, pointers and touch for guests from a script, an SDL2 window or libinput")
endif()

# Sound: the guest's vsnd card, and the vsnd backend (the device on
# libpvback and its request handler and host sides in one archive).
pvkit_install_archive(sndfront OUTPUT sndfront FROM sndfront LINK front ring)
if(TARGET pvkit_install_sndfront)
  pvkit_install_pc(pvkit-sndfront LIBS -lsndfront REQUIRES pvkit-front pvkit-ring
    DESC "pvkit guest sound card (vsnd): playback and capture streams (freestanding)")
endif()
set(snd_pkg libevent_core)
get_property(snd_alsa GLOBAL PROPERTY PVKIT_SNDBACK_ALSA)
if(snd_alsa)
  list(APPEND snd_pkg alsa)
endif()
pvkit_install_archive(sndback OUTPUT sndback FROM sndback sndback_core
                      LINK back ring PKG ${snd_pkg})
if(TARGET pvkit_install_sndback)
  pvkit_install_pc(pvkit-sndback LIBS -lsndback
    REQUIRES pvkit-back pvkit-ring ${snd_pkg}
    DESC "pvkit vsnd backend: guests' sound cards on WAV files or ALSA, several guests mixed per output")
endif()

# Display: the guest's vdispl device, and the vdispl backend with its host
# sides (the sdl one shares SDL with the vkbd backend, so it needs it).
pvkit_install_archive(displfront OUTPUT displfront FROM displfront
                      LINK front ring)
if(TARGET pvkit_install_displfront)
  pvkit_install_pc(pvkit-displfront LIBS -ldisplfront
    REQUIRES pvkit-front pvkit-ring
    DESC "pvkit guest display controller (vdispl): connectors, buffers, framebuffers, flips (freestanding)")
endif()
set(displ_pkg libevent_core)
set(displ_link back ring)
set(displ_req pvkit-back pvkit-ring)
foreach(part PNG DRM SDL)
  get_property(displ_${part} GLOBAL PROPERTY PVKIT_DISPLBACK_${part})
endforeach()
if(displ_PNG)
  list(APPEND displ_pkg libpng)
endif()
if(displ_DRM)
  list(APPEND displ_pkg libdrm)
endif()
if(displ_SDL)
  list(APPEND displ_link kbdback)
  list(APPEND displ_req pvkit-kbdback)
endif()
pvkit_install_archive(displback OUTPUT displback FROM displback
                      LINK ${displ_link} PKG ${displ_pkg})
if(TARGET pvkit_install_displback)
  pvkit_install_pc(pvkit-displback LIBS -ldisplback
    REQUIRES ${displ_req} ${displ_pkg}
    DESC "pvkit vdispl backend: guests' screens as PNGs, SDL2 windows or DRM/KMS monitors")
endif()

# ---- the CMake package ---------------------------------------------------------

install(EXPORT pvkitTargets NAMESPACE pvkit::
        DESTINATION ${PVKIT_INSTALL_CMAKEDIR})

set(PVKIT_CONFIG_PKG "")
foreach(comp IN LISTS PVKIT_INSTALL_COMPONENTS)
  string(APPEND PVKIT_CONFIG_PKG
         "set(_pvkit_pkg_${comp} \"${PVKIT_INSTALL_PKG_${comp}}\")\n")
endforeach()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/pvkitConfig.cmake.in
  ${PVKIT_INSTALL_STAGE}/pvkitConfig.cmake
  INSTALL_DESTINATION ${PVKIT_INSTALL_CMAKEDIR})
# 0.x: a minor release may change the API.
write_basic_package_version_file(${PVKIT_INSTALL_STAGE}/pvkitConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PVKIT_INSTALL_STAGE}/pvkitConfig.cmake
              ${PVKIT_INSTALL_STAGE}/pvkitConfigVersion.cmake
        DESTINATION ${PVKIT_INSTALL_CMAKEDIR})
