// AURORA_ASSERT: programmer errors. Always on, in every build type (NDEBUG does not
// remove them), because a simulation run that breaks an internal contract must stop at
// the first wrong step, not corrupt state and fail somewhere later. When one fires it
// prints the condition, the message, and the run context (seed and the command that
// reproduces the run) registered through set_assert_context().
#pragma once

#include <string>
#include <string_view>

namespace aurora {

[[noreturn]] void assert_fail(const char* file, int line, const char* condition,
                              std::string_view message);

// The run context printed with every failed assertion, e.g.
// "seed=7 reproduce: sim --seed 7 --scheduler pct". Set once per run.
void set_assert_context(std::string context);
const std::string& assert_context();

// Last words: called once a failed assertion has printed, just before the abort (null:
// none). `sim shrink` uses it to get a dying run's choice tape out of its process.
void set_assert_hook(void (*hook)());

}  // namespace aurora

#define AURORA_ASSERT(cond, ...)                                                        \
  do {                                                                                  \
    if (!(cond)) [[unlikely]]                                                           \
      ::aurora::assert_fail(__FILE__, __LINE__, #cond, ::std::string_view{__VA_ARGS__}); \
  } while (0)

#define AURORA_UNREACHABLE(msg) ::aurora::assert_fail(__FILE__, __LINE__, "unreachable", msg)
