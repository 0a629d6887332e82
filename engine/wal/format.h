// The write-ahead log's bytes: segment header and redo record. FORMAT.md beside this file
// documents every byte; the static_asserts below tie it to these constants, and a golden
// test (tests/engine/wal_format_test.cc) pins the encoding.
//
// Decoders never trust a length field: a record whose length exceeds kMaxPayload, or the
// bytes actually available, is kCorruption before anything is allocated or copied.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "engine/runtime/status.h"

namespace aurora::wal {

using Lsn = std::uint64_t;
using PageId = std::uint64_t;
using Epoch = std::uint64_t;
inline constexpr Lsn kNoLsn = 0;  // LSNs start at 1; 0 means "none" (no previous record)
// The highest LSN the log allocates or recovery accepts: 2^64 - 1 is never an LSN, so the
// LSN after any LSN (the next to allocate, a segment's first after the one before, the
// first after an annulled range) is a u64 as well. The decoders accept any value (they
// check the bytes, not the volume); recovery refuses more (log.h, "LSN arithmetic").
inline constexpr Lsn kMaxLsn = std::numeric_limits<Lsn>::max() - 1;

// --- Segment header -------------------------------------------------------------------
inline constexpr std::uint64_t kSegmentMagic = 0x314c415741525541ULL;  // "AURAWAL1"
inline constexpr std::uint32_t kFormatVersion = 2;
inline constexpr std::size_t kSegmentHeaderSize = 40;

struct SegmentHeader {
  Lsn first_lsn = 0;  // the LSN of the segment's first record
  Epoch epoch = 0;    // the storage epoch that created the segment
  friend bool operator==(const SegmentHeader&, const SegmentHeader&) = default;
};

void encode_segment_header(const SegmentHeader& h, std::span<std::byte, kSegmentHeaderSize> out);
Result<SegmentHeader> decode_segment_header(std::span<const std::byte> in);

// --- Redo record ------------------------------------------------------------------------
inline constexpr std::uint32_t kRecordMagic = 0x44524552;  // "RERD"
inline constexpr std::size_t kRecordHeaderSize = 56;
inline constexpr std::uint32_t kMaxPayload = 64 * 1024;  // no page is larger
inline constexpr std::uint16_t kFlagCpl = 1;             // last record of its MTR

// Field offsets inside the record header (FORMAT.md, "Record").
namespace record_offset {
inline constexpr std::size_t kMagic = 0;
inline constexpr std::size_t kCrc = 4;
inline constexpr std::size_t kLength = 8;
inline constexpr std::size_t kFlags = 12;
inline constexpr std::size_t kReserved16 = 14;
inline constexpr std::size_t kLsn = 16;
inline constexpr std::size_t kPrevLsn = 24;
inline constexpr std::size_t kPage = 32;
inline constexpr std::size_t kPageOffset = 40;
inline constexpr std::size_t kReserved32 = 44;
inline constexpr std::size_t kVdlHint = 48;
inline constexpr std::size_t kCrcCoverageBegin = 8;  // the CRC covers [8, 56 + length)
}  // namespace record_offset
static_assert(record_offset::kVdlHint + 8 == kRecordHeaderSize);

struct RecordHeader {
  Lsn lsn = kNoLsn;
  Lsn prev_lsn = kNoLsn;     // the previous record of the same page (the page's chain)
  PageId page = 0;
  std::uint32_t page_offset = 0;
  std::uint32_t length = 0;  // payload bytes
  bool cpl = false;          // last record of its MTR: a consistency point
  Lsn vdl_hint = kNoLsn;     // the VDL known durable when this record was written
  friend bool operator==(const RecordHeader&, const RecordHeader&) = default;
};

inline std::size_t encoded_record_size(std::uint32_t payload_length) {
  return kRecordHeaderSize + payload_length;
}

// Appends the encoded record (header.length must equal payload.size()).
void encode_record(const RecordHeader& h, std::span<const std::byte> payload,
                   std::vector<std::byte>& out);

struct DecodedRecord {
  RecordHeader header;
  std::span<const std::byte> payload;  // points into the decoded bytes
  std::size_t size = 0;                // header + payload
};

// Decodes the record at the start of `in`, verifying magic, reserved fields, length and
// checksum. kCorruption (with the reason) on anything else, including too few bytes.
Result<DecodedRecord> decode_record(std::span<const std::byte> in);
// Decodes only the header (no checksum: the payload may not have been read yet). Still
// checks magic, reserved fields and the length bound.
Result<RecordHeader> decode_record_header(std::span<const std::byte> in);

}  // namespace aurora::wal
