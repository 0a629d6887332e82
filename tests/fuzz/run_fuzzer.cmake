# Runs one libFuzzer target for a bounded time: the ctest test Fuzz.<target> of the fuzz
# preset (CMakeLists.txt beside this file). Prints how many inputs it ran, and fails on any
# finding (libFuzzer exits non-zero on a crash, a sanitizer report, a timeout, running out
# of memory or a leak), printing the end of the log and where the input was saved.
#
#   cmake -DFUZZER=<binary> -DTARGET=<name> -DCORPUS=<committed corpus dir>
#         -DWORK=<scratch dir> -DSECONDS=<n> -DRSS_MB=<n> -DMALLOC_MB=<n> -P run_fuzzer.cmake
#
# New units go to WORK/new (libFuzzer writes them to its first corpus directory), crash
# inputs to WORK/artifacts, the whole output to WORK/fuzz.log: the committed corpus is only
# read.
foreach(var FUZZER TARGET CORPUS WORK SECONDS RSS_MB MALLOC_MB)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${var}=... is required")
  endif()
endforeach()

file(MAKE_DIRECTORY ${WORK}/new ${WORK}/artifacts)
set(log ${WORK}/fuzz.log)
execute_process(
  COMMAND ${FUZZER}
          -max_total_time=${SECONDS}
          -rss_limit_mb=${RSS_MB}
          -malloc_limit_mb=${MALLOC_MB}
          # One input running this long is a hang (the slowest seed takes milliseconds).
          -timeout=10
          -print_final_stats=1
          -artifact_prefix=${WORK}/artifacts/
          ${WORK}/new ${CORPUS}
  RESULT_VARIABLE status
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output)
file(WRITE ${log} "${output}")

# "Done 123456 runs in 60 second(s)" and the final stats.
set(runs "?")
if(output MATCHES "stat::number_of_executed_units: ([0-9]+)")
  set(runs ${CMAKE_MATCH_1})
endif()
set(seconds_taken "?")
if(output MATCHES "Done [0-9]+ runs in ([0-9]+) second")
  set(seconds_taken ${CMAKE_MATCH_1})
endif()
set(coverage "")
if(output MATCHES "#[0-9]+[ \t]+DONE[ \t]+cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+)")
  set(coverage " (coverage: ${CMAKE_MATCH_1} edges, ${CMAKE_MATCH_2} features, corpus ${CMAKE_MATCH_3} inputs)")
endif()

if(NOT status EQUAL 0)
  string(LENGTH "${output}" length)
  set(tail_from 0)
  if(length GREATER 6000)
    math(EXPR tail_from "${length} - 6000")
  endif()
  string(SUBSTRING "${output}" ${tail_from} -1 tail)
  file(GLOB artifacts ${WORK}/artifacts/*)
  message("${tail}")
  message(FATAL_ERROR
          "Fuzz.${TARGET}: FINDING after ${runs} executions (libFuzzer exit status ${status}).\n"
          "Inputs saved: ${artifacts}\n"
          "Whole log: ${log}\n"
          "Reproduce: ${FUZZER} <input>; then keep the input as a regression input "
          "(tests/fuzz/README.md).")
endif()
message("Fuzz.${TARGET}: ${runs} executions in ${seconds_taken} s, no finding${coverage}")
