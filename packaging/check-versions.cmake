# CTest check (label "packaging"): every packaging file carries the project
# version. Run as
#   cmake -DPROJECT_VERSION=x.y.z -DCHANGELOG=... -DSPEC=... -DDKMS_CONF=...
#         -DVERSION_H=... -P check-versions.cmake
# debian/changelog is kept in the repository, so a project(VERSION) bump
# without a new changelog entry fails here; the generated files are checked
# too, in case a template stops using @PROJECT_VERSION@.
include(${CMAKE_CURRENT_LIST_DIR}/DebianChangelog.cmake)

set(_errors "")
macro(expect what actual)
  if(NOT "${actual}" STREQUAL "${PROJECT_VERSION}")
    string(APPEND _errors "\n  version mismatch: ${what} has '${actual}', the project ${PROJECT_VERSION}")
  endif()
endmacro()

# Returns the first match of regex's group 1 among the lines of file.
function(first_match file regex out)
  file(STRINGS "${file}" _lines REGEX "${regex}")
  if(NOT _lines)
    set(${out} "<none>" PARENT_SCOPE)
    return()
  endif()
  list(GET _lines 0 _line)
  string(REGEX MATCH "${regex}" _m "${_line}")
  set(${out} "${CMAKE_MATCH_1}" PARENT_SCOPE)
endfunction()

debian_changelog_top_version("${CHANGELOG}" _full _upstream _revision)
expect("debian/changelog (top entry ${_full})" "${_upstream}")

first_match("${SPEC}" "^Version:[ \t]+([^ \t]+)$" _spec_version)
expect("svsmctl.spec Version:" "${_spec_version}")
first_match("${SPEC}" "^\\* [A-Z][a-z][a-z] [A-Z][a-z][a-z] [0-9]+ [0-9]+ .* - ([^ ]+)-[^- ]+$" _spec_cl)
expect("svsmctl.spec %changelog top entry" "${_spec_cl}")

first_match("${DKMS_CONF}" "^PACKAGE_VERSION=\"([^\"]*)\"" _dkms_version)
expect("dkms.conf PACKAGE_VERSION" "${_dkms_version}")
first_match("${VERSION_H}" "^#define SVSM_DIAG_VERSION \"([^\"]*)\"" _h_version)
expect("svsm_diag_version.h" "${_h_version}")

if(_errors)
  message(FATAL_ERROR "packaging versions disagree:${_errors}")
endif()
message(STATUS "packaging versions agree: ${PROJECT_VERSION} "
               "(debian/changelog ${_full}, spec, dkms.conf, svsm_diag_version.h)")
