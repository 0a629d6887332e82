#include "engine/wal/format.h"

#include <string>

#include "engine/util/coding.h"
#include "engine/util/crc32c.h"

namespace aurora::wal {

using coding::get;
using coding::put;
namespace ro = record_offset;

void encode_segment_header(const SegmentHeader& h, std::span<std::byte, kSegmentHeaderSize> out) {
  std::span<std::byte> o(out);
  put<std::uint64_t>(o, 0, kSegmentMagic);
  put<std::uint32_t>(o, 8, kFormatVersion);
  put<std::uint32_t>(o, 12, 0);  // flags: none defined
  put<std::uint64_t>(o, 16, h.first_lsn);
  put<std::uint64_t>(o, 24, h.epoch);
  put<std::uint32_t>(o, 32, crc32c::value(o.first(32)));
  put<std::uint32_t>(o, 36, 0);  // reserved
}

Result<SegmentHeader> decode_segment_header(std::span<const std::byte> in) {
  if (in.size() < kSegmentHeaderSize) return Status::corruption("segment header: truncated");
  if (get<std::uint64_t>(in, 0) != kSegmentMagic) return Status::corruption("segment header: bad magic");
  if (get<std::uint32_t>(in, 32) != crc32c::value(in.first(32))) {
    return Status::corruption("segment header: checksum mismatch");
  }
  const auto version = get<std::uint32_t>(in, 8);
  if (version != kFormatVersion) {
    return Status::corruption("segment header: unsupported version " + std::to_string(version));
  }
  if (get<std::uint32_t>(in, 12) != 0 || get<std::uint32_t>(in, 36) != 0) {
    return Status::corruption("segment header: nonzero reserved field");
  }
  SegmentHeader h{.first_lsn = get<std::uint64_t>(in, 16), .epoch = get<std::uint64_t>(in, 24)};
  if (h.first_lsn == kNoLsn) return Status::corruption("segment header: first LSN is 0");
  return h;
}

void encode_record(const RecordHeader& h, std::span<const std::byte> payload,
                   std::vector<std::byte>& out) {
  AURORA_ASSERT(h.length == payload.size(), "record length does not match its payload");
  AURORA_ASSERT(h.length <= kMaxPayload, "record payload too large");
  // out.resize() below may move the buffer: the payload must not live inside it.
  AURORA_ASSERT(payload.empty() || payload.data() < out.data() ||
                    payload.data() >= out.data() + out.size(),
                "record payload aliases the output buffer");
  const std::size_t at = out.size();
  out.resize(at + kRecordHeaderSize + payload.size());
  std::span<std::byte> o = std::span(out).subspan(at);
  put<std::uint32_t>(o, ro::kMagic, kRecordMagic);
  put<std::uint32_t>(o, ro::kLength, h.length);
  put<std::uint16_t>(o, ro::kFlags, h.cpl ? kFlagCpl : 0);
  put<std::uint16_t>(o, ro::kReserved16, 0);
  put<std::uint64_t>(o, ro::kLsn, h.lsn);
  put<std::uint64_t>(o, ro::kPrevLsn, h.prev_lsn);
  put<std::uint64_t>(o, ro::kPage, h.page);
  put<std::uint32_t>(o, ro::kPageOffset, h.page_offset);
  put<std::uint32_t>(o, ro::kReserved32, 0);
  put<std::uint64_t>(o, ro::kVdlHint, h.vdl_hint);
  std::copy(payload.begin(), payload.end(), o.begin() + kRecordHeaderSize);
  put<std::uint32_t>(o, ro::kCrc, crc32c::value(o.subspan(ro::kCrcCoverageBegin)));
}

Result<RecordHeader> decode_record_header(std::span<const std::byte> in) {
  if (in.size() < kRecordHeaderSize) return Status::corruption("record: truncated header");
  if (get<std::uint32_t>(in, ro::kMagic) != kRecordMagic) return Status::corruption("record: bad magic");
  const auto flags = get<std::uint16_t>(in, ro::kFlags);
  if ((flags & ~kFlagCpl) != 0 || get<std::uint16_t>(in, ro::kReserved16) != 0 ||
      get<std::uint32_t>(in, ro::kReserved32) != 0) {
    return Status::corruption("record: unknown flags or nonzero reserved field");
  }
  RecordHeader h;
  h.length = get<std::uint32_t>(in, ro::kLength);
  if (h.length > kMaxPayload) {
    return Status::corruption("record: length " + std::to_string(h.length) + " exceeds the maximum");
  }
  h.cpl = (flags & kFlagCpl) != 0;
  h.lsn = get<std::uint64_t>(in, ro::kLsn);
  h.prev_lsn = get<std::uint64_t>(in, ro::kPrevLsn);
  h.page = get<std::uint64_t>(in, ro::kPage);
  h.page_offset = get<std::uint32_t>(in, ro::kPageOffset);
  h.vdl_hint = get<std::uint64_t>(in, ro::kVdlHint);
  if (h.lsn == kNoLsn) return Status::corruption("record: LSN 0");
  if (h.prev_lsn >= h.lsn) return Status::corruption("record: previous LSN not below its own");
  // The watermark is what was durable before this record existed.
  if (h.vdl_hint >= h.lsn) return Status::corruption("record: watermark not below its own LSN");
  return h;
}

Result<DecodedRecord> decode_record(std::span<const std::byte> in) {
  Result<RecordHeader> h = decode_record_header(in);
  if (!h.is_ok()) return h.status();
  const std::size_t size = kRecordHeaderSize + h->length;
  if (in.size() < size) return Status::corruption("record: truncated payload");
  const std::span<const std::byte> whole = in.first(size);
  if (get<std::uint32_t>(whole, ro::kCrc) !=
      crc32c::value(whole.subspan(ro::kCrcCoverageBegin))) {
    return Status::corruption("record: checksum mismatch");
  }
  return DecodedRecord{*h, whole.subspan(kRecordHeaderSize), size};
}

}  // namespace aurora::wal
