// A segment replica's bytes on its node's disk: the record log and the state file.
// SEGMENT_FORMAT.md beside this file documents every byte; the static_asserts tie it to the
// constants here. Decoders never trust a length: too long, or past the bytes there, is
// kCorruption before anything is allocated.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/quorum/watermarks.h"
#include "engine/runtime/status.h"

namespace aurora::quorum {

// One record as a segment holds it: what the writer sent, with the PG back-link and the
// epoch that wrote it.
struct SegmentRecord {
  RecordMeta meta;           // with the page it writes
  std::uint32_t offset = 0;  // where in the page the bytes go
  std::vector<std::byte> bytes;
  friend bool operator==(const SegmentRecord&, const SegmentRecord&) = default;
};

inline constexpr std::size_t kSegmentRecordHeaderSize = 48;
inline constexpr std::uint32_t kMaxSegmentPayload = 64 * 1024;

// Appends the frame of `r` to `out`.
void encode_segment_record(const SegmentRecord& r, std::vector<std::byte>& out);
// Decodes the frame at the start of `in`; `size` is its length in bytes. kCorruption when the
// bytes are short, too long, or fail the checksum (a torn or damaged frame).
struct DecodedSegmentRecord {
  SegmentRecord record;
  std::size_t size = 0;
};
Result<DecodedSegmentRecord> decode_segment_record(std::span<const std::byte> in);

// The segment's durable state, replaced as a whole (write STATE.tmp, fsync, rename, fsync
// the directory).
struct SegmentState {
  SegmentId segment = 0;
  PgId pg = 0;
  Epoch volume_epoch = 0;      // the highest volume epoch seen: older requests are fenced
  Epoch membership_epoch = 0;  // the highest membership epoch of the PG seen
  std::vector<AnnulledRange> annulled;  // every annulment applied, ascending epoch
  friend bool operator==(const SegmentState&, const SegmentState&) = default;
};
inline constexpr std::uint64_t kSegmentStateMagic = 0x3130474553525541ULL;  // "AURSEG01"
inline constexpr std::uint32_t kSegmentStateVersion = 1;
inline constexpr std::size_t kSegmentStateFixedSize = 44;  // before the annulled ranges
inline constexpr std::size_t kAnnulledEntrySize = 24;
inline constexpr std::size_t kMaxAnnulled = 1u << 16;

std::vector<std::byte> encode_segment_state(const SegmentState& s);
Result<SegmentState> decode_segment_state(std::span<const std::byte> in);

}  // namespace aurora::quorum
