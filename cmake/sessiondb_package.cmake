# The library as other projects see it: the shared variant of `sessiondb`,
# install rules, the CMake package (find_package(sessiondb)) and pkg-config.
#
# Included by the top-level CMakeLists.txt after the layer object libraries
# and the static `sessiondb` target exist. Both libraries are made of the same
# objects, compiled once with hidden visibility (sessiondb_layer): only what
# carries SESSIONDB_EXPORT (include/sessiondb/export.h) is visible outside
# the shared library.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The layer object libraries the static library is made of, read from its
# sources ($<TARGET_OBJECTS:layer>), so the shared one always has the same.
get_target_property(SESSIONDB_OBJECTS sessiondb SOURCES)
set(SESSIONDB_LAYERS "")
foreach(src ${SESSIONDB_OBJECTS})
  if(src MATCHES "^\\$<TARGET_OBJECTS:([A-Za-z0-9_]+)>$")
    list(APPEND SESSIONDB_LAYERS ${CMAKE_MATCH_1})
  endif()
endforeach()

# Hidden visibility for every object of both libraries: in the shared one
# only SESSIONDB_EXPORT symbols are visible; the static one is unaffected
# (a static link resolves hidden symbols like any other).
set_target_properties(${SESSIONDB_LAYERS} PROPERTIES
  CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
foreach(layer ${SESSIONDB_LAYERS})
  target_compile_definitions(${layer} PRIVATE SESSIONDB_SHARED_LIBRARY
                             SESSIONDB_COMPILE_LIBRARY)
endforeach()

# sessiondb_collect_deps(OUT target...): the link dependencies of the layers
# that are not layers themselves (RocksDB::…, absl::…, …), found by walking
# LINK_LIBRARIES / INTERFACE_LINK_LIBRARIES of every sessiondb_* target
# reached, so a dependency added to a layer reaches the package too.
function(sessiondb_collect_deps out)
  set(seen "")
  set(deps "")
  set(queue ${ARGN})
  while(queue)
    list(POP_FRONT queue t)
    if(t IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${t})
    foreach(prop LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
      get_target_property(libs ${t} ${prop})
      if(NOT libs)
        continue()
      endif()
      foreach(lib ${libs})
        if(lib MATCHES "^sessiondb_" AND TARGET ${lib})
          list(APPEND queue ${lib})
        elseif(NOT lib MATCHES "^\\$<" AND NOT lib IN_LIST deps)
          list(APPEND deps ${lib})
        endif()
      endforeach()
    endforeach()
  endwhile()
  set(${out} ${deps} PARENT_SCOPE)
endfunction()

sessiondb_collect_deps(SESSIONDB_DEPS ${SESSIONDB_LAYERS})
list(APPEND SESSIONDB_DEPS Threads::Threads)
list(REMOVE_DUPLICATES SESSIONDB_DEPS)
# What the public headers themselves need (absl::Status, absl::Span, …);
# everything else is link-only.
set(SESSIONDB_PUBLIC_DEPS absl::status absl::statusor absl::span absl::time
    absl::function_ref)

# ---- The static library, as installed ----
# (In the build tree it also carries the layers' usage requirements: src/
# includes for tests and tools; CMakeLists.txt wraps those in
# BUILD_INTERFACE so they stay out of the installed package.)
target_include_directories(sessiondb PUBLIC
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_link_libraries(sessiondb PUBLIC ${SESSIONDB_PUBLIC_DEPS}
                      PRIVATE ${SESSIONDB_DEPS})

# ---- The shared library: same objects, libsessiondb.so.<major>.<minor> ----
set(SESSIONDB_INSTALL_TARGETS sessiondb)
# Sanitizer builds (asan, tsan, fuzz) test through the static library only:
# a sanitized shared library needs the runtime from its executable.
if(SESSIONDB_BUILD_SHARED AND SESSIONDB_SANITIZE STREQUAL "")
  add_library(sessiondb_shared SHARED ${SESSIONDB_OBJECTS})
  add_library(sessiondb::sessiondb_shared ALIAS sessiondb_shared)
  # Before 1.0 every minor release may change the ABI, so the SONAME carries
  # major.minor (libsessiondb.so.0.1).
  set_target_properties(sessiondb_shared PROPERTIES
    OUTPUT_NAME sessiondb
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
  target_include_directories(sessiondb_shared PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_definitions(sessiondb_shared INTERFACE SESSIONDB_SHARED_LIBRARY)
  # The shared library links the shared RocksDB (one copy per process, as a
  # distribution packages it) and keeps every symbol of the static archives
  # it pulls in (FlatBuffers, …) out of its dynamic symbol table.
  set(shared_deps ${SESSIONDB_DEPS})
  list(TRANSFORM shared_deps REPLACE "^RocksDB::rocksdb$" "RocksDB::rocksdb-shared")
  target_link_libraries(sessiondb_shared
    PUBLIC ${SESSIONDB_PUBLIC_DEPS}
    PRIVATE ${shared_deps})
  target_link_options(sessiondb_shared PRIVATE "LINKER:--exclude-libs,ALL"
                      "LINKER:--no-undefined")
  list(APPEND SESSIONDB_INSTALL_TARGETS sessiondb_shared)
endif()

if(NOT SESSIONDB_INSTALL)
  return()
endif()

# ---- Install: headers, libraries, CMake package, pkg-config ----
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/sessiondb
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
install(TARGETS ${SESSIONDB_INSTALL_TARGETS} EXPORT sessiondbTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
set(SESSIONDB_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/sessiondb)
install(EXPORT sessiondbTargets NAMESPACE sessiondb::
        DESTINATION ${SESSIONDB_CMAKE_DIR})
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/sessiondbConfig.cmake.in
  ${PROJECT_BINARY_DIR}/sessiondbConfig.cmake
  INSTALL_DESTINATION ${SESSIONDB_CMAKE_DIR})
# 0.x: only the same minor version is compatible (see SOVERSION above).
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/sessiondbConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sessiondbConfig.cmake
              ${PROJECT_BINARY_DIR}/sessiondbConfigVersion.cmake
        DESTINATION ${SESSIONDB_CMAKE_DIR})

# pkg-config: Requires lists the Abseil modules the headers use; the rest is
# for static linking (pkg-config --static).
set(SESSIONDB_PC_REQUIRES "")
foreach(dep ${SESSIONDB_PUBLIC_DEPS})
  string(REPLACE "absl::" "absl_" pc ${dep})
  list(APPEND SESSIONDB_PC_REQUIRES ${pc})
endforeach()
set(SESSIONDB_PC_REQUIRES_PRIVATE rocksdb flatbuffers simdjson libcrypto)
foreach(dep ${SESSIONDB_DEPS})
  if(dep MATCHES "^absl::(.*)$" AND NOT dep IN_LIST SESSIONDB_PUBLIC_DEPS)
    list(APPEND SESSIONDB_PC_REQUIRES_PRIVATE absl_${CMAKE_MATCH_1})
  endif()
endforeach()
list(JOIN SESSIONDB_PC_REQUIRES ", " SESSIONDB_PC_REQUIRES)
list(JOIN SESSIONDB_PC_REQUIRES_PRIVATE ", " SESSIONDB_PC_REQUIRES_PRIVATE)
# The prefix is found from the .pc file's own place (${pcfiledir}), so the
# file stays right under whatever --prefix `cmake --install` is given.
file(RELATIVE_PATH SESSIONDB_PC_UP
     /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
string(REGEX REPLACE "/$" "" SESSIONDB_PC_UP "${SESSIONDB_PC_UP}")
set(SESSIONDB_PC_PREFIX "\${pcfiledir}/${SESSIONDB_PC_UP}")
set(SESSIONDB_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
set(SESSIONDB_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/sessiondb.pc.in
               ${PROJECT_BINARY_DIR}/sessiondb.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sessiondb.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
