// What every fuzz target shares: its entry point, the input as bytes or text, and how a
// target reports a finding (a broken property that no sanitizer would catch on its own).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>

// libFuzzer calls this with each input; replay_main.cc calls it with each corpus file.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace aurora::fuzz {

inline std::span<const std::byte> bytes_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const std::byte*>(data), size};
}

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Aborts, so that libFuzzer saves the input as a crash artifact (and a replay fails).
[[noreturn]] inline void finding(std::string_view what) {
  std::fflush(stdout);  // what a target printed before (AURORA_FUZZ_VERBOSE) comes first
  std::fprintf(stderr, "fuzz finding: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

}  // namespace aurora::fuzz
