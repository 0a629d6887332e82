// Properties of the log's byte formats (engine/wal/FORMAT.md): every valid record, segment
// header and control state survives encode and decode unchanged, and no single bit flip,
// truncation or splice of an encoded record is ever accepted as a record.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <vector>

#include "engine/wal/control_file.h"
#include "engine/wal/format.h"

namespace aurora::wal {
namespace {

using Bytes = std::vector<std::byte>;

// A record the log could write: LSN >= 1, its page's previous LSN and the watermark below
// it, a payload up to 300 bytes (the header's bound is tested at kMaxPayload elsewhere).
struct GenRecord {
  RecordHeader header;
  Bytes payload;
};

rc::Gen<GenRecord> gen_record() {
  return rc::gen::exec([] {
    GenRecord r;
    r.header.lsn = *rc::gen::inRange<Lsn>(1, UINT64_MAX);
    r.header.prev_lsn = *rc::gen::inRange<Lsn>(0, r.header.lsn);
    r.header.vdl_hint = *rc::gen::inRange<Lsn>(0, r.header.lsn);
    r.header.page = *rc::gen::arbitrary<PageId>();
    r.header.page_offset = *rc::gen::arbitrary<std::uint32_t>();
    r.header.cpl = *rc::gen::arbitrary<bool>();
    const auto n = *rc::gen::inRange<std::size_t>(0, 301);
    for (std::uint8_t b : *rc::gen::container<std::vector<std::uint8_t>>(n, rc::gen::arbitrary<std::uint8_t>())) {
      r.payload.push_back(std::byte{b});
    }
    r.header.length = static_cast<std::uint32_t>(r.payload.size());
    return r;
  });
}

Bytes encode(const GenRecord& r) {
  Bytes out;
  encode_record(r.header, r.payload, out);
  return out;
}

RC_GTEST_PROP(WalCodecProperties, RecordRoundTrips, ()) {
  const GenRecord r = *gen_record();
  const Bytes encoded = encode(r);
  RC_ASSERT(encoded.size() == encoded_record_size(r.header.length));
  const Result<DecodedRecord> decoded = decode_record(encoded);
  RC_ASSERT(decoded.is_ok());
  RC_ASSERT(decoded->header == r.header);
  RC_ASSERT(decoded->size == encoded.size());
  RC_ASSERT(Bytes(decoded->payload.begin(), decoded->payload.end()) == r.payload);
  const Result<RecordHeader> header_only = decode_record_header(encoded);
  RC_ASSERT(header_only.is_ok());
  RC_ASSERT(*header_only == r.header);
}

RC_GTEST_PROP(WalCodecProperties, SegmentHeaderRoundTrips, ()) {
  const SegmentHeader h{.first_lsn = *rc::gen::inRange<Lsn>(1, UINT64_MAX),
                        .epoch = *rc::gen::arbitrary<Epoch>()};
  std::array<std::byte, kSegmentHeaderSize> out{};
  encode_segment_header(h, out);
  const Result<SegmentHeader> decoded = decode_segment_header(out);
  RC_ASSERT(decoded.is_ok());
  RC_ASSERT(*decoded == h);
}

// A control state the log could write: segments ascending by first LSN, annulled ranges
// ascending and apart, bases ascending by page and below the GC floor.
rc::Gen<ControlState> gen_control_state() {
  return rc::gen::exec([] {
    ControlState s;
    s.epoch = *rc::gen::inRange<Epoch>(1, 1000);
    s.durable_watermark = *rc::gen::inRange<Lsn>(0, 1u << 30);
    s.gc_floor = *rc::gen::inRange<Lsn>(0, 1u << 20);
    Lsn next = 1;
    const auto segments = *rc::gen::inRange<std::size_t>(1, 6);
    for (std::size_t i = 0; i < segments; ++i) {
      SegmentInfo info;
      info.first_lsn = next + *rc::gen::inRange<Lsn>(0, 100);
      info.epoch = *rc::gen::inRange<Epoch>(1, s.epoch + 1);
      info.tier = *rc::gen::element(Tier::kHot, Tier::kCold);
      info.sealed = i + 1 < segments;
      info.last_lsn = info.sealed ? info.first_lsn + *rc::gen::inRange<Lsn>(0, 100) : 0;
      next = (info.sealed ? info.last_lsn : info.first_lsn) + 1;
      s.segments.push_back(info);
    }
    Lsn from = 1;
    const auto annulled = *rc::gen::inRange<std::size_t>(0, 4);
    for (std::size_t i = 0; i < annulled; ++i) {
      AnnulledRange a;
      a.from = from + *rc::gen::inRange<Lsn>(1, 1000);
      a.to = a.from + *rc::gen::inRange<Lsn>(0, 1000);
      a.epoch = *rc::gen::inRange<Epoch>(1, s.epoch + 1);
      from = a.to + 1;
      s.annulled.push_back(a);
    }
    if (s.gc_floor > 1) {
      PageId page = 0;
      const auto bases = *rc::gen::inRange<std::size_t>(0, 6);
      for (std::size_t i = 0; i < bases; ++i) {
        page += *rc::gen::inRange<PageId>(i == 0 ? 0 : 1, 50);
        s.bases.push_back(PageBase{page, *rc::gen::inRange<Lsn>(1, s.gc_floor)});
      }
    }
    return s;
  });
}

RC_GTEST_PROP(WalCodecProperties, ControlStateRoundTrips, ()) {
  const ControlState s = *gen_control_state();
  const Result<ControlState> decoded = decode_control(encode_control(s));
  if (!decoded.is_ok()) RC_FAIL("a valid state was refused: " + decoded.status().to_string());
  RC_ASSERT(*decoded == s);
}

RC_GTEST_PROP(WalCodecProperties, AnySingleBitFlipOfARecordIsRejected, ()) {
  const Bytes encoded = encode(*gen_record());
  const auto bit = *rc::gen::inRange<std::size_t>(0, encoded.size() * 8);
  Bytes flipped = encoded;
  flipped[bit / 8] ^= std::byte{static_cast<std::uint8_t>(1u << (bit % 8))};
  RC_ASSERT(!decode_record(flipped).is_ok());
}

RC_GTEST_PROP(WalCodecProperties, AnyTruncationOfARecordIsRejected, ()) {
  const Bytes encoded = encode(*gen_record());
  const auto keep = *rc::gen::inRange<std::size_t>(0, encoded.size());
  RC_ASSERT(!decode_record(std::span(encoded).first(keep)).is_ok());
}

// The front of one record joined to the back of another (what a torn or misdirected write
// leaves) decodes only when the result is, byte for byte, one of the two records.
RC_GTEST_PROP(WalCodecProperties, ASpliceOfTwoRecordsIsRejected, ()) {
  const Bytes a = encode(*gen_record());
  const Bytes b = encode(*gen_record());
  const auto cut = *rc::gen::inRange<std::size_t>(0, std::min(a.size(), b.size()) + 1);
  Bytes spliced(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(cut));
  spliced.insert(spliced.end(), b.begin() + static_cast<std::ptrdiff_t>(cut), b.end());
  const Result<DecodedRecord> decoded = decode_record(spliced);
  if (!decoded.is_ok()) return;
  const Bytes got(spliced.begin(), spliced.begin() + static_cast<std::ptrdiff_t>(decoded->size));
  RC_ASSERT(got == a || got == b);
}

}  // namespace
}  // namespace aurora::wal
