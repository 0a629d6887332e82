// CRC32C (Castagnoli, polynomial 0x1EDC6F41, reflected): the checksum of every record,
// segment header, page image and control file. Software slicing-by-8, so the bytes on
// disk do not depend on the CPU that wrote them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace aurora::crc32c {

// Extends `crc` (the CRC of some preceding bytes, 0 for none) over `data`.
std::uint32_t extend(std::uint32_t crc, std::span<const std::byte> data);
inline std::uint32_t value(std::span<const std::byte> data) { return extend(0, data); }

}  // namespace aurora::crc32c
