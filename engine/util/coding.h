// Little-endian fixed-width encoding: every integer on disk goes through these, so the
// format is the same on every host (FORMAT.md files state the byte order).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace aurora::coding {

static_assert(std::endian::native == std::endian::little,
              "the on-disk format is little-endian; add byte swaps before porting");

template <typename T>
inline void put(std::span<std::byte> out, std::size_t at, T v) {
  std::memcpy(out.data() + at, &v, sizeof v);
}

template <typename T>
inline T get(std::span<const std::byte> in, std::size_t at) {
  T v;
  std::memcpy(&v, in.data() + at, sizeof v);
  return v;
}

}  // namespace aurora::coding
