// Frames: how every message is put on the wire, by both networks (FRAME_FORMAT.md).
//
// A frame is a header of the body's length and a CRC32C, then the body: the sender's and
// the receiver's addresses and the payload. The receiver checks the length against the
// bytes it has and the checksum against the body, so a damaged frame is rejected, never
// handed on as garbage.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "engine/runtime/network.h"

namespace aurora::frame {

inline constexpr std::size_t kHeaderBytes = 8;    // body length, checksum
inline constexpr std::size_t kAddressBytes = 12;  // from node, from port, to node, to port
inline constexpr std::size_t kMaxPayload = std::size_t{16} << 20;

std::vector<std::byte> encode(Address from, Address to, std::span<const std::byte> payload);

// Decodes exactly one whole frame: kCorruption when the length does not match the bytes
// given, is over the bound, or the checksum fails.
Result<Message> decode(std::span<const std::byte> bytes);

// For a byte stream: the size of the whole frame that starts `prefix`, once its header has
// arrived (nullopt before); kCorruption when the length is over the bound (the stream
// can no longer be split into frames).
Result<std::optional<std::size_t>> size_of_next(std::span<const std::byte> prefix);

}  // namespace aurora::frame
