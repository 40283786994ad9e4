# Read packaging/debian/changelog, the one changelog of the project.
#
# debian_changelog_top_version(<changelog> <out-full> <out-upstream> <out-revision>)
#   The top entry's version: full ("1:0.1.0-1"), upstream ("0.1.0") and
#   Debian revision ("1", empty for a native version).
# debian_changelog_to_rpm(<changelog> <out>)
#   All entries as an RPM %changelog body, newest first.
#
# Used by packaging/CMakeLists.txt (to write the spec) and by
# packaging/check-versions.cmake (the CTest check), in script mode too.

function(debian_changelog_top_version changelog out_full out_upstream out_revision)
  file(STRINGS "${changelog}" _head LIMIT_COUNT 1)
  if(NOT _head MATCHES "^[a-z0-9][a-z0-9.+-]* \\(([^)]+)\\)")
    message(FATAL_ERROR "${changelog}: the first line is not a changelog entry header")
  endif()
  set(_full "${CMAKE_MATCH_1}")
  string(REGEX REPLACE "^[0-9]+:" "" _noepoch "${_full}")
  set(_revision "")
  set(_upstream "${_noepoch}")
  if(_noepoch MATCHES "^(.+)-([^-]+)$")
    set(_upstream "${CMAKE_MATCH_1}")
    set(_revision "${CMAKE_MATCH_2}")
  endif()
  set(${out_full} "${_full}" PARENT_SCOPE)
  set(${out_upstream} "${_upstream}" PARENT_SCOPE)
  set(${out_revision} "${_revision}" PARENT_SCOPE)
endfunction()

# Entry layout (deb-changelog(5)):
#   package (version) distribution; urgency=medium
#     * change, continued on lines indented by four spaces
#    -- Name <email>  Wed, 25 Nov 2026 22:40:00 +0000
# becomes
#   * Wed Nov 25 2026 Name <email> - version
#   - change, continued on lines indented by two spaces
function(debian_changelog_to_rpm changelog out)
  file(READ "${changelog}" _text)
  # Protect the characters that CMake lists treat specially.
  string(REPLACE ";" "<semicolon>" _text "${_text}")
  string(REPLACE "[" "<lbracket>" _text "${_text}")
  string(REPLACE "]" "<rbracket>" _text "${_text}")
  string(REPLACE "\n" ";" _lines "${_text}")
  set(_rpm "")
  set(_version "")
  set(_body "")
  foreach(_line IN LISTS _lines)
    if(_line MATCHES "^[a-z0-9][a-z0-9.+-]* \\(([^)]+)\\)")
      string(REGEX REPLACE "^[0-9]+:" "" _version "${CMAKE_MATCH_1}")
      set(_body "")
    elseif(_line MATCHES "^  \\* (.*)$")
      string(APPEND _body "- ${CMAKE_MATCH_1}\n")
    elseif(_line MATCHES "^    +(.*)$")
      string(APPEND _body "  ${CMAKE_MATCH_1}\n")
    elseif(_line MATCHES "^ -- (.+)  [A-Z][a-z][a-z], ([0-9]+) ([A-Z][a-z][a-z]) ([0-9]+) ")
      set(_who "${CMAKE_MATCH_1}")
      set(_day "${CMAKE_MATCH_2}")
      set(_month "${CMAKE_MATCH_3}")
      set(_year "${CMAKE_MATCH_4}")
      # The weekday again, from the date line itself.
      string(REGEX MATCH "^ -- .+  ([A-Z][a-z][a-z])," _wd "${_line}")
      set(_weekday "${CMAKE_MATCH_1}")
      if(NOT _rpm STREQUAL "")
        string(APPEND _rpm "\n")
      endif()
      string(APPEND _rpm "* ${_weekday} ${_month} ${_day} ${_year} ${_who} - ${_version}\n${_body}")
    endif()
  endforeach()
  string(REPLACE "%" "%%" _rpm "${_rpm}")  # no macro expansion in the text
  string(REPLACE "<semicolon>" ";" _rpm "${_rpm}")
  string(REPLACE "<lbracket>" "[" _rpm "${_rpm}")
  string(REPLACE "<rbracket>" "]" _rpm "${_rpm}")
  string(REGEX REPLACE "\n$" "" _rpm "${_rpm}")
  set(${out} "${_rpm}" PARENT_SCOPE)
endfunction()
