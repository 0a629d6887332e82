// Byte writers and readers for wire messages: little-endian integers and length-prefixed
// byte strings. A reader never reads past its input: every get says whether the bytes
// were there, so a decoder turns short or overlong input into an error, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/util/coding.h"

namespace aurora {

class ByteWriter {
 public:
  template <typename T>
  ByteWriter& put(T v) {
    std::byte raw[sizeof v];
    coding::put<T>(raw, 0, v);
    out_.insert(out_.end(), raw, raw + sizeof v);
    return *this;
  }
  // A u32 length, then the bytes.
  ByteWriter& put_bytes(std::span<const std::byte> b) {
    put<std::uint32_t>(static_cast<std::uint32_t>(b.size()));
    out_.insert(out_.end(), b.begin(), b.end());
    return *this;
  }
  std::vector<std::byte> take() { return std::move(out_); }

 private:
  std::vector<std::byte> out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::byte> in) : in_(in) {}
  template <typename T>
  bool get(T& v) {
    if (in_.size() - at_ < sizeof v) return false;
    v = coding::get<T>(in_, at_);
    at_ += sizeof v;
    return true;
  }
  bool get_bytes(std::vector<std::byte>& b) {
    std::uint32_t n = 0;
    if (!get(n) || in_.size() - at_ < n) return false;
    b.assign(in_.begin() + static_cast<std::ptrdiff_t>(at_),
             in_.begin() + static_cast<std::ptrdiff_t>(at_ + n));
    at_ += n;
    return true;
  }
  std::size_t left() const { return in_.size() - at_; }
  bool done() const { return at_ == in_.size(); }

 private:
  std::span<const std::byte> in_;
  std::size_t at_ = 0;
};

}  // namespace aurora
