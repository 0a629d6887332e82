#include "engine/quorum/segment_format.h"

#include <string>

#include "engine/util/coding.h"
#include "engine/util/crc32c.h"

namespace aurora::quorum {

using coding::get;
using coding::put;

void encode_segment_record(const SegmentRecord& r, std::vector<std::byte>& out) {
  const std::size_t at = out.size();
  out.resize(at + kSegmentRecordHeaderSize + r.bytes.size());
  const std::span<std::byte> b(out.data() + at, kSegmentRecordHeaderSize + r.bytes.size());
  put<std::uint32_t>(b, 4, static_cast<std::uint32_t>(r.bytes.size()));
  put<std::uint64_t>(b, 8, r.meta.lsn);
  put<std::uint64_t>(b, 16, r.meta.prev);
  put<std::uint64_t>(b, 24, r.meta.epoch);
  put<std::uint64_t>(b, 32, r.meta.page);
  put<std::uint32_t>(b, 40, r.offset);
  put<std::uint8_t>(b, 44, r.meta.cpl ? 1 : 0);
  put<std::uint8_t>(b, 45, 0);
  put<std::uint16_t>(b, 46, 0);
  std::copy(r.bytes.begin(), r.bytes.end(), b.begin() + kSegmentRecordHeaderSize);
  put<std::uint32_t>(b, 0, crc32c::value(b.subspan(4)));
}

Result<DecodedSegmentRecord> decode_segment_record(std::span<const std::byte> in) {
  if (in.size() < kSegmentRecordHeaderSize) return Status::corruption("short record header");
  const auto length = get<std::uint32_t>(in, 4);
  if (length > kMaxSegmentPayload) return Status::corruption("record length too large");
  const std::size_t size = kSegmentRecordHeaderSize + length;
  if (in.size() < size) return Status::corruption("record runs past the end");
  if (get<std::uint32_t>(in, 0) != crc32c::value(in.subspan(4, size - 4))) {
    return Status::corruption("record checksum mismatch");
  }
  const auto flags = get<std::uint8_t>(in, 44);
  if (flags > 1 || get<std::uint8_t>(in, 45) != 0 || get<std::uint16_t>(in, 46) != 0) {
    return Status::corruption("record reserved bits set");
  }
  DecodedSegmentRecord d;
  d.size = size;
  SegmentRecord& r = d.record;
  r.meta.lsn = get<std::uint64_t>(in, 8);
  r.meta.prev = get<std::uint64_t>(in, 16);
  r.meta.epoch = get<std::uint64_t>(in, 24);
  r.meta.cpl = flags == 1;
  r.meta.page = get<std::uint64_t>(in, 32);
  r.offset = get<std::uint32_t>(in, 40);
  if (r.meta.lsn == kNoLsn || r.meta.prev >= r.meta.lsn) {
    return Status::corruption("record LSN 0 or back-link not below it");
  }
  r.bytes.assign(in.begin() + kSegmentRecordHeaderSize, in.begin() + size);
  return d;
}

std::vector<std::byte> encode_segment_state(const SegmentState& s) {
  std::vector<std::byte> out(kSegmentStateFixedSize + s.annulled.size() * kAnnulledEntrySize + 4);
  const std::span<std::byte> b(out);
  put<std::uint64_t>(b, 0, kSegmentStateMagic);
  put<std::uint32_t>(b, 8, kSegmentStateVersion);
  put<std::uint32_t>(b, 12, s.pg);
  put<std::uint32_t>(b, 16, s.segment);
  put<std::uint64_t>(b, 20, s.volume_epoch);
  put<std::uint64_t>(b, 28, s.membership_epoch);
  put<std::uint32_t>(b, 36, static_cast<std::uint32_t>(s.annulled.size()));
  put<std::uint32_t>(b, 40, 0);
  std::size_t at = kSegmentStateFixedSize;
  for (const AnnulledRange& r : s.annulled) {
    put<std::uint64_t>(b, at, r.from);
    put<std::uint64_t>(b, at + 8, r.to);
    put<std::uint64_t>(b, at + 16, r.epoch);
    at += kAnnulledEntrySize;
  }
  put<std::uint32_t>(b, at, crc32c::value(b.subspan(0, at)));
  return out;
}

Result<SegmentState> decode_segment_state(std::span<const std::byte> in) {
  if (in.size() < kSegmentStateFixedSize + 4) return Status::corruption("state file too short");
  if (get<std::uint64_t>(in, 0) != kSegmentStateMagic) {
    return Status::corruption("not a segment state file (bad magic)");
  }
  if (get<std::uint32_t>(in, 8) != kSegmentStateVersion) {
    return Status::corruption("segment state version " + std::to_string(get<std::uint32_t>(in, 8)) +
                              " is not " + std::to_string(kSegmentStateVersion));
  }
  const auto n = get<std::uint32_t>(in, 36);
  if (n > kMaxAnnulled || get<std::uint32_t>(in, 40) != 0) {
    return Status::corruption("state file: bad annulled count or reserved bits");
  }
  const std::size_t end = kSegmentStateFixedSize + std::size_t{n} * kAnnulledEntrySize;
  if (in.size() != end + 4) return Status::corruption("state file length does not match");
  if (get<std::uint32_t>(in, end) != crc32c::value(in.subspan(0, end))) {
    return Status::corruption("state file checksum mismatch");
  }
  SegmentState s;
  s.pg = get<std::uint32_t>(in, 12);
  s.segment = get<std::uint32_t>(in, 16);
  s.volume_epoch = get<std::uint64_t>(in, 20);
  s.membership_epoch = get<std::uint64_t>(in, 28);
  std::size_t at = kSegmentStateFixedSize;
  for (std::uint32_t i = 0; i < n; ++i, at += kAnnulledEntrySize) {
    const AnnulledRange r{get<std::uint64_t>(in, at), get<std::uint64_t>(in, at + 8),
                          get<std::uint64_t>(in, at + 16)};
    if (r.from == kNoLsn || r.to + 1 < r.from || r.epoch == 0 || r.epoch > s.volume_epoch ||
        (!s.annulled.empty() && r.epoch <= s.annulled.back().epoch)) {
      return Status::corruption("state file: annulled range " + std::to_string(i) + " invalid");
    }
    s.annulled.push_back(r);
  }
  return s;
}

}  // namespace aurora::quorum
