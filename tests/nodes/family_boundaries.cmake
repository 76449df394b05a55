# Proves that no node family includes another's files: every folder under nodes/ (a family, or the
# openrouter_client library two families share) may include its own headers, the SDK
# (flowhost/sdk/...) and public library headers (flowhost/openrouter/client.h), never another
# folder's files (`#include "nodes/<other>/..."`) nor the host's or the tests' (`server/`, `tests/`).
# So each family could ship as its own plugin.
#
# Run by CTest: cmake -DNODES_DIR=<source>/nodes -P family_boundaries.cmake. Fails naming every
# offending file and line.
if(NOT IS_DIRECTORY "${NODES_DIR}")
  message(FATAL_ERROR "NODES_DIR='${NODES_DIR}' is not a directory")
endif()

file(GLOB units LIST_DIRECTORIES true RELATIVE "${NODES_DIR}" "${NODES_DIR}/*")
set(checked 0)
set(problems "")
foreach(unit IN LISTS units)
  if(NOT IS_DIRECTORY "${NODES_DIR}/${unit}")
    continue()
  endif()
  file(GLOB_RECURSE sources "${NODES_DIR}/${unit}/*.h" "${NODES_DIR}/${unit}/*.cc")
  foreach(source IN LISTS sources)
    math(EXPR checked "${checked} + 1")
    file(STRINGS "${source}" lines)
    set(number 0)
    foreach(line IN LISTS lines)
      math(EXPR number "${number} + 1")
      if(line MATCHES "^[ \t]*#[ \t]*include[ \t]*\"(nodes/([^/\"]+)/[^\"]*)\"")
        if(NOT CMAKE_MATCH_2 STREQUAL unit)
          file(RELATIVE_PATH shown "${NODES_DIR}/.." "${source}")
          string(APPEND problems "\n  ${shown}:${number}: includes ${CMAKE_MATCH_1}, "
            "an internal file of nodes/${CMAKE_MATCH_2}/")
        endif()
      elseif(line MATCHES "^[ \t]*#[ \t]*include[ \t]*\"((server|tests)/[^\"]*)\"")
        file(RELATIVE_PATH shown "${NODES_DIR}/.." "${source}")
        string(APPEND problems "\n  ${shown}:${number}: includes ${CMAKE_MATCH_1}, "
          "which is not part of the SDK")
      endif()
    endforeach()
  endforeach()
endforeach()

if(checked EQUAL 0)
  message(FATAL_ERROR "no sources found under ${NODES_DIR}")
endif()
if(problems)
  message(FATAL_ERROR "a node family reaches into files that are not its own (include "
    "flowhost/openrouter/client.h or the SDK instead):${problems}")
endif()
message(STATUS "${checked} files under nodes/ include only their own folder, the SDK and public "
  "library headers")
