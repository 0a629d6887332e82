// What every fuzz target shares: its entry point, the input as bytes or text, and how a
// target reports a finding (a broken property that no sanitizer would catch on its own).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cctype>
#include <cstdlib>
#include <span>
#include <string>
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

// Whether a parser's error message starts "<source>:<line>: " with a line >= 1, as every
// error of a file someone wrote must (the spec and scenario parsers).
inline bool names_source_and_line(std::string_view message, std::string_view source) {
  if (!message.starts_with(std::string(source).append(":"))) return false;
  std::size_t i = source.size() + 1;
  const std::size_t digits_from = i;
  while (i < message.size() && std::isdigit(static_cast<unsigned char>(message[i])) != 0) ++i;
  return i > digits_from && message[digits_from] != '0' && message.substr(i, 2) == ": ";
}

}  // namespace aurora::fuzz
