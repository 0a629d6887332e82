#include "engine/runtime/frame.h"

#include <string>

#include "engine/util/coding.h"
#include "engine/util/crc32c.h"

namespace aurora {

std::string to_string(Address a) {
  return std::string("n").append(std::to_string(a.node)).append(":").append(std::to_string(a.port));
}

}  // namespace aurora

namespace aurora::frame {

namespace {

// The checksum covers the length field too: a damaged length is caught even when the
// frame's bytes happen to be that long.
std::uint32_t checksum(std::span<const std::byte> length_field, std::span<const std::byte> body) {
  return crc32c::extend(crc32c::value(length_field), body);
}

}  // namespace

std::vector<std::byte> encode(Address from, Address to, std::span<const std::byte> payload) {
  AURORA_ASSERT(payload.size() <= kMaxPayload, "a frame over the bound: the caller checks");
  const std::size_t body = kAddressBytes + payload.size();
  std::vector<std::byte> out(kHeaderBytes + body);
  std::span<std::byte> o(out);
  coding::put<std::uint32_t>(o, 0, static_cast<std::uint32_t>(body));
  coding::put<std::uint32_t>(o, 8, from.node);
  coding::put<std::uint16_t>(o, 12, from.port);
  coding::put<std::uint32_t>(o, 14, to.node);
  coding::put<std::uint16_t>(o, 18, to.port);
  std::copy(payload.begin(), payload.end(), out.begin() + kHeaderBytes + kAddressBytes);
  coding::put<std::uint32_t>(o, 4, checksum(o.subspan(0, 4), o.subspan(kHeaderBytes)));
  return out;
}

Result<std::optional<std::size_t>> size_of_next(std::span<const std::byte> prefix) {
  if (prefix.size() < kHeaderBytes) return std::optional<std::size_t>();
  const auto body = coding::get<std::uint32_t>(prefix, 0);
  if (body < kAddressBytes || body > kAddressBytes + kMaxPayload) {
    return Status::corruption("frame length " + std::to_string(body) + " out of bounds");
  }
  return std::optional<std::size_t>(kHeaderBytes + body);
}

Result<Message> decode(std::span<const std::byte> bytes) {
  Result<std::optional<std::size_t>> size = size_of_next(bytes);
  if (!size.is_ok()) return size.status();
  if (!size->has_value() || **size != bytes.size()) {
    return Status::corruption("frame of " + std::to_string(bytes.size()) +
                              " bytes does not match its length field");
  }
  const std::span<const std::byte> body = bytes.subspan(kHeaderBytes);
  if (coding::get<std::uint32_t>(bytes, 4) != checksum(bytes.subspan(0, 4), body)) {
    return Status::corruption("frame checksum mismatch");
  }
  Message m;
  m.from = {coding::get<std::uint32_t>(body, 0), coding::get<std::uint16_t>(body, 4)};
  m.to = {coding::get<std::uint32_t>(body, 6), coding::get<std::uint16_t>(body, 10)};
  m.payload.assign(body.begin() + kAddressBytes, body.end());
  return m;
}

}  // namespace aurora::frame
