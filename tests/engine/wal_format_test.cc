// The write-ahead log's and the control file's bytes (engine/wal/FORMAT.md): CRC32C known
// answers, golden encodings pinned as hex, round trips, every corruption a decoder must
// reject (all single-bit flips, all truncations, splices, lying length fields), and the
// control file's crash-safe replacement on the simulated disk, crashed at every step.
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/util/coding.h"
#include "engine/util/crc32c.h"
#include "engine/wal/control_file.h"
#include "engine/wal/format.h"
#include "tests/sim/sim_fs_harness.h"
#include "tests/sim/crash_before_op.h"

// --- Allocation watch ------------------------------------------------------------------
// This binary replaces the global operator new so a test can see the largest single
// allocation made inside a scope: "a decoder never allocates from an unchecked length
// field" becomes checkable (a lying length of 4 GiB must not show up as a 4 GiB request).
// GCC 12 at -O2 pairs the replaced operator delete's free() with the library's operator
// new and warns -Wmismatched-new-delete, although both are replaced together below.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
namespace {
bool g_watch_allocations = false;
std::size_t g_largest_allocation = 0;
}  // namespace

void* operator new(std::size_t n) {
  if (g_watch_allocations && n > g_largest_allocation) g_largest_allocation = n;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace aurora::wal {
namespace {

// --- The doc's numbers, tied to the code ------------------------------------------------
static_assert(kSegmentHeaderSize == 40);                // FORMAT.md, Segment header
static_assert(kSegmentMagic == 0x314c415741525541ULL);  // FORMAT.md, Segment header ("AURAWAL1")
static_assert(kFormatVersion == 2);                     // FORMAT.md, Segment header; Control header
static_assert(kRecordHeaderSize == 56);                 // FORMAT.md, Record
static_assert(kRecordMagic == 0x44524552);              // FORMAT.md, Record ("RERD")
static_assert(kMaxPayload == 65536);                    // FORMAT.md, Record
static_assert(kFlagCpl == 1);                           // FORMAT.md, Record (flags bit 0)
static_assert(kNoLsn == 0);                             // FORMAT.md, Conventions
static_assert(record_offset::kMagic == 0);              // FORMAT.md, Record
static_assert(record_offset::kCrc == 4);                // FORMAT.md, Record
static_assert(record_offset::kLength == 8);             // FORMAT.md, Record
static_assert(record_offset::kFlags == 12);             // FORMAT.md, Record
static_assert(record_offset::kReserved16 == 14);        // FORMAT.md, Record
static_assert(record_offset::kLsn == 16);               // FORMAT.md, Record
static_assert(record_offset::kPrevLsn == 24);           // FORMAT.md, Record
static_assert(record_offset::kPage == 32);              // FORMAT.md, Record
static_assert(record_offset::kPageOffset == 40);        // FORMAT.md, Record
static_assert(record_offset::kReserved32 == 44);        // FORMAT.md, Record
static_assert(record_offset::kVdlHint == 48);           // FORMAT.md, Record
static_assert(record_offset::kCrcCoverageBegin == 8);   // FORMAT.md, Record (CRC coverage)
static_assert(kControlMagic == 0x314c544341525541ULL);  // FORMAT.md, Control header ("AURACTL1")
static_assert(kControlHeaderSize == 24);                // FORMAT.md, Control header
static_assert(kControlFixedBodySize == 40);             // FORMAT.md, Fixed body
static_assert(kSegmentEntrySize == 32);                 // FORMAT.md, Segment entry
static_assert(kAnnulledEntrySize == 24);                // FORMAT.md, Annulled range
static_assert(kPageBaseEntrySize == 16);                // FORMAT.md, Page base
static_assert(kMaxControlFileSize == 16 * 1024 * 1024);  // FORMAT.md, Conventions
static_assert(static_cast<int>(Tier::kHot) == 0 &&
              static_cast<int>(Tier::kCold) == 1);  // FORMAT.md, Segment entry

using Bytes = std::vector<std::byte>;
using coding::get;
using coding::put;

// The largest single allocation made while one of these is alive.
class AllocationWatch {
 public:
  AllocationWatch() {
    g_largest_allocation = 0;
    g_watch_allocations = true;
  }
  ~AllocationWatch() { g_watch_allocations = false; }
  AllocationWatch(const AllocationWatch&) = delete;
  AllocationWatch& operator=(const AllocationWatch&) = delete;
  std::size_t largest() const { return g_largest_allocation; }
};
// Generous for an error message, far below any length a lying field could ask for.
constexpr std::size_t kSmallAllocation = 4096;

Bytes bytes_of(std::string_view s) {
  const auto b = as_bytes(s);
  return Bytes(b.begin(), b.end());
}

std::string to_hex(std::span<const std::byte> b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::byte x : b) {
    out += kDigits[std::to_integer<unsigned>(x) >> 4];
    out += kDigits[std::to_integer<unsigned>(x) & 0xf];
  }
  return out;
}

Bytes from_hex(std::string_view hex) {
  EXPECT_EQ(hex.size() % 2, 0u);
  auto nibble = [](char c) -> unsigned {
    if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
    ADD_FAILURE() << "not a hex digit: " << c;
    return 0;
  };
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::byte>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

void flip_bit(Bytes& b, std::size_t bit) { b[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8)); }

// --- CRC32C ------------------------------------------------------------------------------

TEST(Crc32c, KnownAnswers) {
  // The standard check value of CRC-32C, and the iSCSI vectors of RFC 3720 section B.4.
  EXPECT_EQ(crc32c::value(as_bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c::value(Bytes(32, std::byte{0})), 0x8A9136AAu);
  EXPECT_EQ(crc32c::value(Bytes(32, std::byte{0xff})), 0x62A8AB43u);
  Bytes up(32);
  Bytes down(32);
  for (std::size_t i = 0; i < 32; ++i) {
    up[i] = static_cast<std::byte>(i);
    down[i] = static_cast<std::byte>(31 - i);
  }
  EXPECT_EQ(crc32c::value(up), 0x46DD794Eu);
  EXPECT_EQ(crc32c::value(down), 0x113FDB5Cu);
  EXPECT_EQ(crc32c::value({}), 0u);
}

TEST(Crc32c, SameValueAtEveryAlignment) {
  // The slicing-by-8 loop reads 8 bytes at a time: the start address must not matter.
  for (std::size_t shift = 0; shift < 16; ++shift) {
    Bytes buf(shift, std::byte{0x5a});
    const Bytes check = bytes_of("123456789");
    buf.insert(buf.end(), check.begin(), check.end());
    EXPECT_EQ(crc32c::value(std::span<const std::byte>(buf).subspan(shift)), 0xE3069283u)
        << "shift " << shift;
  }
}

TEST(Crc32c, ExtendOverPiecesEqualsValueOverTheWhole) {
  Bytes data(100);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>(i * 37 + 11);
  const std::span<const std::byte> all(data);
  const std::uint32_t whole = crc32c::value(all);
  for (std::size_t cut = 0; cut <= data.size(); ++cut) {
    EXPECT_EQ(crc32c::extend(crc32c::value(all.first(cut)), all.subspan(cut)), whole)
        << "cut at " << cut;
  }
  for (std::size_t a = 0; a <= data.size(); a += 7) {
    for (std::size_t b = a; b <= data.size(); b += 5) {
      std::uint32_t crc = crc32c::extend(0, all.first(a));
      crc = crc32c::extend(crc, all.subspan(a, b - a));
      crc = crc32c::extend(crc, all.subspan(b));
      EXPECT_EQ(crc, whole) << "pieces [0," << a << ") [" << a << "," << b << ") [" << b << ",)";
    }
  }
  // And the pieces matter: a different split of different bytes gives a different value.
  EXPECT_NE(crc32c::extend(crc32c::value(all.subspan(1)), all.first(1)), whole);
}

// --- Fixtures ------------------------------------------------------------------------------

const SegmentHeader kGoldenSegment{.first_lsn = 0x1234, .epoch = 2};

RecordHeader golden_record_header() {
  return RecordHeader{.lsn = 0x1234,
                      .prev_lsn = 0x1200,
                      .page = 0xabcd,
                      .page_offset = 0x100,
                      .length = 5,
                      .cpl = true,
                      .vdl_hint = 0x1230};
}

Bytes encode_one(const RecordHeader& h, std::span<const std::byte> payload) {
  Bytes out;
  encode_record(h, payload, out);
  return out;
}

Bytes golden_record() { return encode_one(golden_record_header(), bytes_of("hello")); }

Bytes encode_segment(const SegmentHeader& h) {
  std::array<std::byte, kSegmentHeaderSize> buf{};
  encode_segment_header(h, buf);
  return Bytes(buf.begin(), buf.end());
}

ControlState golden_control() {
  ControlState s;
  s.epoch = 2;
  s.durable_watermark = 0x1230;
  s.gc_floor = 0x100;
  s.segments = {
      SegmentInfo{
          .first_lsn = 1, .epoch = 1, .tier = Tier::kCold, .sealed = true, .last_lsn = 0x11ff},
      SegmentInfo{
          .first_lsn = 0x1234, .epoch = 2, .tier = Tier::kHot, .sealed = false, .last_lsn = 0},
  };
  s.annulled = {AnnulledRange{.from = 0x1200, .to = 0x1233, .epoch = 2}};
  s.bases = {PageBase{.page = 7, .lsn = 0xff}, PageBase{.page = 0xabcd, .lsn = 0x20}};
  return s;
}

// Recomputes a record's CRC after a test edited a field, so the decoder's own check of
// that field (not the checksum) is what must reject it.
void reseal_record(Bytes& r) {
  const std::span<std::byte> s(r);
  put<std::uint32_t>(
      s, record_offset::kCrc,
      crc32c::value(std::span<const std::byte>(r).subspan(record_offset::kCrcCoverageBegin)));
}

void reseal_segment(Bytes& h) {
  put<std::uint32_t>(std::span<std::byte>(h), 32,
                     crc32c::value(std::span<const std::byte>(h).first(32)));
}

void reseal_control(Bytes& c) {
  const std::span<const std::byte> in(c);
  put<std::uint32_t>(std::span<std::byte>(c), 16, crc32c::value(in.subspan(kControlHeaderSize)));
  put<std::uint32_t>(std::span<std::byte>(c), 20, crc32c::value(in.first(16)));
}

template <typename T>
void expect_corruption(const Result<T>& r, std::string_view reason, std::string_view what) {
  ASSERT_FALSE(r.is_ok()) << what << ": accepted";
  EXPECT_EQ(r.kind(), ErrorKind::kCorruption) << what << ": " << r.status().to_string();
  EXPECT_NE(r.status().message().find(reason), std::string::npos)
      << what << ": expected a message naming \"" << reason << "\", got \"" << r.status().message()
      << "\"";
}

// --- Golden bytes --------------------------------------------------------------------------
// Each literal was checked field by field against FORMAT.md, and rebuilt from FORMAT.md's
// tables by an independent encoder with a bitwise CRC-32C: a change to the format must
// change these strings.
// clang-format off

constexpr std::string_view kGoldenSegmentHex =
    "4155524157414c31"  // 0  magic "AURAWAL1"
    "02000000"          // 8  version 2
    "00000000"          // 12 flags: none
    "3412000000000000"  // 16 first_lsn 0x1234
    "0200000000000000"  // 24 epoch 2
    "b20a0ea0"          // 32 crc32c of bytes [0, 32)
    "00000000";         // 36 reserved

constexpr std::string_view kGoldenRecordHex =
    "52455244"          // 0  magic "RERD"
    "2d74af5c"          // 4  crc32c of bytes [8, 61)
    "05000000"          // 8  length 5
    "0100"              // 12 flags: CPL
    "0000"              // 14 reserved
    "3412000000000000"  // 16 lsn 0x1234
    "0012000000000000"  // 24 prev_lsn 0x1200
    "cdab000000000000"  // 32 page 0xabcd
    "00010000"          // 40 page_offset 0x100
    "00000000"          // 44 reserved
    "3012000000000000"  // 48 vdl_hint 0x1230
    "68656c6c6f";       // 56 payload "hello"

constexpr std::string_view kGoldenControlHex =
    // header
    "4155524143544c31"  // 0  magic "AURACTL1"
    "02000000"          // 8  version 2
    "a0000000"          // 12 body length 160 = 40 + 2 * 32 + 1 * 24 + 2 * 16
    "cc9f3a17"          // 16 crc32c of the body, bytes [24, 184)
    "18b15807"          // 20 crc32c of bytes [0, 16)
    // body
    "0200000000000000"  // 24 epoch 2
    "3012000000000000"  // 32 durable_watermark 0x1230
    "0001000000000000"  // 40 gc_floor 0x100
    "02000000"          // 48 segment count 2
    "01000000"          // 52 annulled count 1
    "02000000"          // 56 page base count 2
    "00000000"          // 60 reserved
    // segment 0
    "0100000000000000"  // 64 first_lsn 1
    "0100000000000000"  // 72 epoch 1
    "ff11000000000000"  // 80 last_lsn 0x11ff
    "01"                // 88 tier: cold
    "01"                // 89 sealed
    "000000000000"      // 90 reserved
    // segment 1
    "3412000000000000"  // 96 first_lsn 0x1234
    "0200000000000000"  // 104 epoch 2
    "0000000000000000"  // 112 last_lsn 0 (not sealed)
    "00"                // 120 tier: hot
    "00"                // 121 not sealed
    "000000000000"      // 122 reserved
    // annulled range 0
    "0012000000000000"  // 128 from 0x1200
    "3312000000000000"  // 136 to 0x1233
    "0200000000000000"  // 144 epoch 2
    // page base 0
    "0700000000000000"  // 152 page 7
    "ff00000000000000"  // 160 lsn 0xff
    // page base 1
    "cdab000000000000"  // 168 page 0xabcd
    "2000000000000000"; // 176 lsn 0x20
// clang-format on

TEST(WalFormatGolden, SegmentHeader) {
  const Bytes encoded = encode_segment(kGoldenSegment);
  EXPECT_EQ(to_hex(encoded), kGoldenSegmentHex);
  Result<SegmentHeader> decoded = decode_segment_header(from_hex(kGoldenSegmentHex));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, kGoldenSegment);
}

TEST(WalFormatGolden, Record) {
  const Bytes encoded = golden_record();
  ASSERT_EQ(encoded.size(), kRecordHeaderSize + 5);
  EXPECT_EQ(to_hex(encoded), kGoldenRecordHex);
  const Bytes pinned = from_hex(kGoldenRecordHex);
  Result<DecodedRecord> decoded = decode_record(pinned);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->header, golden_record_header());
  EXPECT_EQ(decoded->size, pinned.size());
  EXPECT_EQ(Bytes(decoded->payload.begin(), decoded->payload.end()), bytes_of("hello"));
}

TEST(WalFormatGolden, ControlFile) {
  const Bytes encoded = encode_control(golden_control());
  EXPECT_EQ(to_hex(encoded), kGoldenControlHex);
  Result<ControlState> decoded = decode_control(from_hex(kGoldenControlHex));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, golden_control());
}

// --- Round trips ---------------------------------------------------------------------------

TEST(WalFormatRoundTrip, SegmentHeaders) {
  for (const SegmentHeader& h :
       {SegmentHeader{.first_lsn = 1, .epoch = 0}, SegmentHeader{.first_lsn = 1, .epoch = 1},
        SegmentHeader{.first_lsn = 0x0102030405060708, .epoch = 77},
        SegmentHeader{.first_lsn = UINT64_MAX, .epoch = UINT64_MAX}}) {
    const Bytes encoded = encode_segment(h);
    Result<SegmentHeader> decoded = decode_segment_header(encoded);
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    EXPECT_EQ(*decoded, h);
  }
}

void expect_record_round_trip(const RecordHeader& h, const Bytes& payload) {
  const Bytes encoded = encode_one(h, payload);
  ASSERT_EQ(encoded.size(), encoded_record_size(h.length));
  Result<DecodedRecord> decoded = decode_record(encoded);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->header, h);
  EXPECT_EQ(decoded->size, encoded.size());
  EXPECT_EQ(Bytes(decoded->payload.begin(), decoded->payload.end()), payload);
  // The payload is a view into the input, not a copy.
  EXPECT_EQ(decoded->payload.data(), encoded.data() + kRecordHeaderSize);
  Result<RecordHeader> header_only = decode_record_header(encoded);
  ASSERT_TRUE(header_only.is_ok()) << header_only.status().to_string();
  EXPECT_EQ(*header_only, h);
}

TEST(WalFormatRoundTrip, Records) {
  Bytes max_payload(kMaxPayload);
  for (std::size_t i = 0; i < max_payload.size(); ++i) {
    max_payload[i] = static_cast<std::byte>((i * 131) ^ (i >> 8));
  }
  for (const bool cpl : {false, true}) {
    expect_record_round_trip(RecordHeader{.lsn = 1,
                                          .prev_lsn = kNoLsn,
                                          .page = 0,
                                          .page_offset = 0,
                                          .length = 0,
                                          .cpl = cpl,
                                          .vdl_hint = kNoLsn},
                             {});
    expect_record_round_trip(RecordHeader{.lsn = 1000,
                                          .prev_lsn = 999,
                                          .page = 12,
                                          .page_offset = 4000,
                                          .length = 3,
                                          .cpl = cpl,
                                          .vdl_hint = 990},
                             bytes_of("abc"));
    expect_record_round_trip(RecordHeader{.lsn = UINT64_MAX,
                                          .prev_lsn = UINT64_MAX - 1,
                                          .page = UINT64_MAX,
                                          .page_offset = UINT32_MAX,
                                          .length = kMaxPayload,
                                          .cpl = cpl,
                                          .vdl_hint = UINT64_MAX - 2},
                             max_payload);
  }
}

TEST(WalFormatRoundTrip, RecordsBackToBack) {
  // encode_record appends; a segment body is records back to back with nothing between.
  Bytes log;
  std::vector<RecordHeader> headers;
  std::vector<Bytes> payloads;
  for (Lsn lsn = 1; lsn <= 20; ++lsn) {
    const Bytes payload(lsn % 7, static_cast<std::byte>(lsn));
    headers.push_back(RecordHeader{.lsn = lsn,
                                   .prev_lsn = lsn > 2 ? lsn - 2 : kNoLsn,
                                   .page = lsn % 2,
                                   .page_offset = static_cast<std::uint32_t>(lsn * 8),
                                   .length = static_cast<std::uint32_t>(payload.size()),
                                   .cpl = lsn % 3 == 0,
                                   .vdl_hint = lsn > 3 ? lsn - 3 : kNoLsn});
    payloads.push_back(payload);
    encode_record(headers.back(), payload, log);
  }
  std::span<const std::byte> rest(log);
  for (std::size_t i = 0; i < headers.size(); ++i) {
    Result<DecodedRecord> r = decode_record(rest);
    ASSERT_TRUE(r.is_ok()) << "record " << i << ": " << r.status().to_string();
    EXPECT_EQ(r->header, headers[i]);
    EXPECT_EQ(Bytes(r->payload.begin(), r->payload.end()), payloads[i]);
    rest = rest.subspan(r->size);
  }
  EXPECT_TRUE(rest.empty());
}

void expect_control_round_trip(const ControlState& s) {
  const Bytes encoded = encode_control(s);
  EXPECT_EQ(encoded.size(), kControlHeaderSize + kControlFixedBodySize +
                                s.segments.size() * kSegmentEntrySize +
                                s.annulled.size() * kAnnulledEntrySize +
                                s.bases.size() * kPageBaseEntrySize);
  Result<ControlState> decoded = decode_control(encoded);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, s);
}

TEST(WalFormatRoundTrip, ControlStates) {
  expect_control_round_trip(ControlState{});
  expect_control_round_trip(golden_control());

  ControlState many;
  many.epoch = 9;
  many.durable_watermark = 123456;
  many.gc_floor = 1000;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    many.segments.push_back(SegmentInfo{.first_lsn = 1 + i * 500,
                                        .epoch = i / 100,
                                        .tier = i % 3 == 0 ? Tier::kCold : Tier::kHot,
                                        .sealed = i + 1 < 1000,
                                        .last_lsn = i + 1 < 1000 ? 500 + i * 500 : 0});
  }
  for (std::uint64_t i = 0; i < 50; ++i) {
    many.annulled.push_back(
        AnnulledRange{.from = 10 + i * 100, .to = 10 + i * 100 + i, .epoch = i});
  }
  for (std::uint64_t i = 0; i < 300; ++i) {
    many.bases.push_back(PageBase{.page = i * 3, .lsn = 1 + (i * 37) % 999});
  }
  expect_control_round_trip(many);

  ControlState only_bases;
  only_bases.gc_floor = UINT64_MAX;
  only_bases.bases = {PageBase{.page = 0, .lsn = 1}, PageBase{.page = 1, .lsn = UINT64_MAX - 1},
                      PageBase{.page = UINT64_MAX, .lsn = 42}};
  expect_control_round_trip(only_bases);

  ControlState only_annulled;
  only_annulled.annulled = {AnnulledRange{.from = 1, .to = 1, .epoch = 1},
                            AnnulledRange{.from = 5, .to = UINT64_MAX, .epoch = UINT64_MAX}};
  expect_control_round_trip(only_annulled);

  ControlState cold_sealed;
  cold_sealed.epoch = UINT64_MAX;
  cold_sealed.durable_watermark = UINT64_MAX;
  cold_sealed.gc_floor = UINT64_MAX;
  cold_sealed.segments = {
      SegmentInfo{.first_lsn = 7, .epoch = 3, .tier = Tier::kCold, .sealed = true, .last_lsn = 99},
      SegmentInfo{
          .first_lsn = 100, .epoch = 3, .tier = Tier::kCold, .sealed = false, .last_lsn = 0},
      SegmentInfo{
          .first_lsn = 200, .epoch = 4, .tier = Tier::kHot, .sealed = true, .last_lsn = 250}};
  expect_control_round_trip(cold_sealed);
}

// --- Records: what decode_record must reject ----------------------------------------------

TEST(WalFormatRecordCorruption, EverySingleBitFlipIsRejected) {
  const Bytes good = golden_record();
  ASSERT_TRUE(decode_record(good).is_ok());
  // Also with a valid record after it, as in a segment: a length that grows by a flip then
  // finds bytes to read, and only the checksum can catch it.
  const Bytes next =
      encode_one(RecordHeader{.lsn = 0x1235, .prev_lsn = 0x1234, .page = 0xabcd, .length = 200},
                 Bytes(200, std::byte{7}));
  for (const bool followed : {false, true}) {
    for (std::size_t bit = 0; bit < good.size() * 8; ++bit) {
      Bytes bad = good;
      flip_bit(bad, bit);
      if (followed) bad.insert(bad.end(), next.begin(), next.end());
      Result<DecodedRecord> r = decode_record(bad);
      ASSERT_FALSE(r.is_ok()) << "flip of bit " << bit << " (byte " << bit / 8 << ")"
                              << (followed ? " followed by a record" : "") << " was accepted";
      EXPECT_EQ(r.kind(), ErrorKind::kCorruption) << r.status().to_string();
    }
  }
}

TEST(WalFormatRecordCorruption, EveryTruncationIsRejected) {
  const Bytes good = golden_record();
  for (std::size_t n = 0; n < good.size(); ++n) {
    const std::span<const std::byte> prefix = std::span<const std::byte>(good).first(n);
    expect_corruption(decode_record(prefix),
                      n < kRecordHeaderSize ? "truncated header" : "truncated payload",
                      "prefix of " + std::to_string(n) + " bytes");
    // The header alone decodes as soon as its 56 bytes are there, and not before.
    EXPECT_EQ(decode_record_header(prefix).is_ok(), n >= kRecordHeaderSize) << "prefix " << n;
  }
}

TEST(WalFormatRecordCorruption, SplicedHeaderAndPayloadAreRejected) {
  RecordHeader h1 = golden_record_header();
  RecordHeader h2 = h1;
  h2.lsn += 1;
  h2.prev_lsn = h1.lsn;
  const Bytes r1 = encode_one(h1, bytes_of("hello"));
  const Bytes r2 = encode_one(h2, bytes_of("world"));
  Bytes splice_a(r1.begin(), r1.begin() + kRecordHeaderSize);
  splice_a.insert(splice_a.end(), r2.begin() + kRecordHeaderSize, r2.end());
  Bytes splice_b(r2.begin(), r2.begin() + kRecordHeaderSize);
  splice_b.insert(splice_b.end(), r1.begin() + kRecordHeaderSize, r1.end());
  expect_corruption(decode_record(splice_a), "checksum mismatch", "header 1 + payload 2");
  expect_corruption(decode_record(splice_b), "checksum mismatch", "header 2 + payload 1");
  // Same payload under another header (a record moved to another LSN) is caught too.
  Bytes moved = r1;
  put<std::uint64_t>(std::span<std::byte>(moved), record_offset::kLsn, h1.lsn + 100);
  expect_corruption(decode_record(moved), "checksum mismatch", "LSN rewritten without its CRC");
}

TEST(WalFormatRecordCorruption, HugeLengthIsRejectedWithoutAllocation) {
  for (const std::uint32_t length :
       {kMaxPayload + 1, 1u << 20, 0x7fffffffu, 0xfffffffeu, 0xffffffffu}) {
    Bytes bad = golden_record();
    put<std::uint32_t>(std::span<std::byte>(bad), record_offset::kLength, length);
    reseal_record(bad);
    AllocationWatch watch;
    Result<DecodedRecord> r = decode_record(bad);
    Result<RecordHeader> h = decode_record_header(bad);
    const std::size_t largest = watch.largest();
    expect_corruption(r, "exceeds the maximum", "length " + std::to_string(length));
    expect_corruption(h, "exceeds the maximum", "header with length " + std::to_string(length));
    EXPECT_LT(largest, kSmallAllocation) << "length " << length;
  }
  // One byte over the maximum is refused even when every byte is there and the CRC holds:
  // the bound is the decoder's own check, not a side effect of a short buffer.
  Bytes over(kRecordHeaderSize + kMaxPayload + 1, std::byte{0x33});
  const std::span<std::byte> o(over);
  put<std::uint32_t>(o, record_offset::kMagic, kRecordMagic);
  put<std::uint32_t>(o, record_offset::kLength, kMaxPayload + 1);
  put<std::uint16_t>(o, record_offset::kFlags, 0);
  put<std::uint16_t>(o, record_offset::kReserved16, 0);
  put<std::uint64_t>(o, record_offset::kLsn, 2);
  put<std::uint64_t>(o, record_offset::kPrevLsn, 1);
  put<std::uint32_t>(o, record_offset::kReserved32, 0);
  put<std::uint64_t>(o, record_offset::kVdlHint, kNoLsn);
  reseal_record(over);
  expect_corruption(decode_record(over), "exceeds the maximum",
                    "complete record one byte too long");
  // And the same record at exactly the maximum is fine (the bound is inclusive).
  over.pop_back();
  put<std::uint32_t>(std::span<std::byte>(over), record_offset::kLength, kMaxPayload);
  reseal_record(over);
  EXPECT_TRUE(decode_record(over).is_ok());
}

TEST(WalFormatRecordCorruption, EachHeaderCheckRejectsOnItsOwn) {
  // Every edit below is resealed, so the field's own check (not the CRC) must refuse it.
  auto edited = [](auto edit) {
    Bytes r = golden_record();
    edit(std::span<std::byte>(r));
    reseal_record(r);
    return r;
  };
  namespace ro = record_offset;
  expect_corruption(decode_record(edited([](std::span<std::byte> r) {
                      put<std::uint32_t>(r, ro::kMagic, kRecordMagic ^ 1);
                    })),
                    "bad magic", "bad magic");
  expect_corruption(decode_record(edited(
                        [](std::span<std::byte> r) { put<std::uint16_t>(r, ro::kReserved16, 1); })),
                    "reserved", "reserved 16-bit field");
  expect_corruption(decode_record(edited([](std::span<std::byte> r) {
                      put<std::uint32_t>(r, ro::kReserved32, 0x80000000u);
                    })),
                    "reserved", "reserved 32-bit field");
  for (int bit = 1; bit < 16; ++bit) {
    expect_corruption(decode_record(edited([bit](std::span<std::byte> r) {
                        put<std::uint16_t>(r, ro::kFlags,
                                           static_cast<std::uint16_t>(kFlagCpl | (1u << bit)));
                      })),
                      "unknown flags", "flag bit " + std::to_string(bit));
  }
  expect_corruption(decode_record(edited([](std::span<std::byte> r) {
                      put<std::uint64_t>(r, ro::kLsn, 0);
                      put<std::uint64_t>(r, ro::kPrevLsn, 0);
                    })),
                    "LSN 0", "lsn 0");
  expect_corruption(decode_record(edited([](std::span<std::byte> r) {
                      put<std::uint64_t>(r, ro::kPrevLsn, get<std::uint64_t>(r, ro::kLsn));
                    })),
                    "previous LSN", "prev_lsn == lsn");
  expect_corruption(decode_record(edited([](std::span<std::byte> r) {
                      put<std::uint64_t>(r, ro::kPrevLsn, UINT64_MAX);
                    })),
                    "previous LSN", "prev_lsn > lsn");
  expect_corruption(decode_record(edited([](std::span<std::byte> r) {
                      put<std::uint64_t>(r, ro::kVdlHint, get<std::uint64_t>(r, ro::kLsn));
                    })),
                    "watermark", "vdl_hint == lsn");
  // Controls: the same helper with legal edits is accepted, so the rejections above come
  // from the checks named, and an edit that is not resealed is the checksum's to catch.
  EXPECT_TRUE(decode_record(edited([](std::span<std::byte> r) {
                put<std::uint64_t>(r, ro::kPrevLsn, get<std::uint64_t>(r, ro::kLsn) - 1);
                put<std::uint16_t>(r, ro::kFlags, 0);
              })).is_ok());
  EXPECT_TRUE(decode_record(edited([](std::span<std::byte> r) {
                put<std::uint64_t>(r, ro::kPrevLsn, kNoLsn);  // the page's first record
              })).is_ok());
  Bytes unsealed = golden_record();
  unsealed[kRecordHeaderSize] ^= std::byte{1};
  expect_corruption(decode_record(unsealed), "checksum mismatch", "payload edit");
  // decode_record_header does not read the payload, so it cannot see that edit.
  EXPECT_TRUE(decode_record_header(unsealed).is_ok());
}

// --- Segment header: what decode_segment_header must reject -------------------------------

TEST(WalFormatSegmentCorruption, EverySingleBitFlipIsRejected) {
  const Bytes good = encode_segment(kGoldenSegment);
  ASSERT_TRUE(decode_segment_header(good).is_ok());
  for (std::size_t bit = 0; bit < good.size() * 8; ++bit) {
    Bytes bad = good;
    flip_bit(bad, bit);
    Result<SegmentHeader> r = decode_segment_header(bad);
    ASSERT_FALSE(r.is_ok()) << "flip of bit " << bit << " (byte " << bit / 8 << ") was accepted";
    EXPECT_EQ(r.kind(), ErrorKind::kCorruption) << r.status().to_string();
  }
}

TEST(WalFormatSegmentCorruption, EveryTruncationIsRejected) {
  const Bytes good = encode_segment(kGoldenSegment);
  for (std::size_t n = 0; n < good.size(); ++n) {
    expect_corruption(decode_segment_header(std::span<const std::byte>(good).first(n)), "truncated",
                      "prefix of " + std::to_string(n) + " bytes");
  }
}

TEST(WalFormatSegmentCorruption, EachHeaderCheckRejectsOnItsOwn) {
  auto edited = [](std::size_t at, std::uint64_t v, int width, bool reseal) {
    Bytes h = encode_segment(kGoldenSegment);
    if (width == 8) put<std::uint64_t>(std::span<std::byte>(h), at, v);
    if (width == 4) put<std::uint32_t>(std::span<std::byte>(h), at, static_cast<std::uint32_t>(v));
    if (reseal) reseal_segment(h);
    return h;
  };
  expect_corruption(decode_segment_header(edited(0, kSegmentMagic + 1, 8, true)), "bad magic",
                    "magic");
  expect_corruption(decode_segment_header(edited(8, 1, 4, true)), "unsupported version 1",
                    "version 1");
  expect_corruption(decode_segment_header(edited(8, 3, 4, true)), "unsupported version 3",
                    "version 3");
  expect_corruption(decode_segment_header(edited(12, 1, 4, true)), "reserved", "flags");
  // Bytes 36..39 are outside the CRC: only the reserved check guards them.
  expect_corruption(decode_segment_header(edited(36, 1, 4, false)), "reserved", "reserved tail");
  expect_corruption(decode_segment_header(edited(16, kNoLsn, 8, true)), "first LSN is 0",
                    "first_lsn 0");
  expect_corruption(decode_segment_header(edited(24, 3, 8, false)), "checksum mismatch",
                    "epoch edit");
  // Control: a resealed legal edit is accepted, so the helper itself is sound.
  Result<SegmentHeader> legal = decode_segment_header(edited(24, 3, 8, true));
  ASSERT_TRUE(legal.is_ok()) << legal.status().to_string();
  EXPECT_EQ(legal->epoch, 3u);
  // Bytes after the header (the first record) are not the header's business.
  Bytes longer = encode_segment(kGoldenSegment);
  longer.push_back(std::byte{0xee});
  EXPECT_TRUE(decode_segment_header(longer).is_ok());
}

// --- Control file: what decode_control must reject ----------------------------------------

TEST(WalFormatControlCorruption, EverySingleBitFlipIsRejected) {
  const Bytes good = encode_control(golden_control());
  ASSERT_TRUE(decode_control(good).is_ok());
  for (std::size_t bit = 0; bit < good.size() * 8; ++bit) {
    Bytes bad = good;
    flip_bit(bad, bit);
    Result<ControlState> r = decode_control(bad);
    ASSERT_FALSE(r.is_ok()) << "flip of bit " << bit << " (byte " << bit / 8 << ") was accepted";
    EXPECT_EQ(r.kind(), ErrorKind::kCorruption) << r.status().to_string();
  }
}

TEST(WalFormatControlCorruption, EveryTruncationAndExtensionIsRejected) {
  const Bytes good = encode_control(golden_control());
  for (std::size_t n = 0; n < good.size(); ++n) {
    Result<ControlState> r = decode_control(std::span<const std::byte>(good).first(n));
    expect_corruption(r, n < kControlHeaderSize ? "truncated header" : "body length",
                      "prefix of " + std::to_string(n) + " bytes");
  }
  Bytes longer = good;
  longer.push_back(std::byte{0});
  expect_corruption(decode_control(longer), "body length", "one byte too many");
}

TEST(WalFormatControlCorruption, LyingLengthsAndCountsAreRejectedWithoutAllocation) {
  // The body length in the header, resealed: it must match the bytes actually there.
  for (const std::uint32_t body : {0u, 31u, 39u, 159u, 161u, 0x7fffffffu, 0xffffffffu}) {
    Bytes bad = encode_control(golden_control());
    put<std::uint32_t>(std::span<std::byte>(bad), 12, body);
    reseal_control(bad);
    AllocationWatch watch;
    Result<ControlState> r = decode_control(bad);
    const std::size_t largest = watch.largest();
    expect_corruption(r, "body length", "body length " + std::to_string(body));
    EXPECT_LT(largest, kSmallAllocation) << "body length " << body;
  }
  // The entry counts, resealed: they must account for the body exactly.
  struct Counts {
    std::uint32_t segments, annulled, bases;
  };
  for (const Counts& c : std::vector<Counts>{{3, 1, 2},
                                             {2, 0, 2},
                                             {1, 2, 2},
                                             {2, 1, 1},
                                             {2, 1, 3},
                                             {2, 1, 0},
                                             {0xffffffffu, 1, 2},
                                             {2, 0xffffffffu, 2},
                                             {2, 1, 0xffffffffu},
                                             {0x80000000u, 0x80000000u, 2},
                                             {2, 1, 0x80000000u}}) {
    const std::string what = "counts " + std::to_string(c.segments) + "/" +
                             std::to_string(c.annulled) + "/" + std::to_string(c.bases);
    Bytes bad = encode_control(golden_control());
    put<std::uint32_t>(std::span<std::byte>(bad), kControlHeaderSize + 24, c.segments);
    put<std::uint32_t>(std::span<std::byte>(bad), kControlHeaderSize + 28, c.annulled);
    put<std::uint32_t>(std::span<std::byte>(bad), kControlHeaderSize + 32, c.bases);
    reseal_control(bad);
    AllocationWatch watch;
    Result<ControlState> r = decode_control(bad);
    const std::size_t largest = watch.largest();
    expect_corruption(r, "entry counts", what);
    EXPECT_LT(largest, kSmallAllocation) << what;
  }
  // Control: the watch does see allocations the decoder makes for real entries.
  ControlState big;
  for (Lsn i = 1; i <= 2000; ++i) big.segments.push_back(SegmentInfo{.first_lsn = i});
  const Bytes encoded = encode_control(big);
  AllocationWatch watch;
  Result<ControlState> r = decode_control(encoded);
  EXPECT_GE(watch.largest(), 2000 * sizeof(SegmentInfo));
  EXPECT_TRUE(r.is_ok());
}

TEST(WalFormatControlCorruption, EachBodyCheckRejectsOnItsOwn) {
  auto resealed = [](const ControlState& s, auto edit) {
    Bytes c = encode_control(s);
    edit(std::span<std::byte>(c).subspan(kControlHeaderSize));
    reseal_control(c);
    return c;
  };
  const ControlState g = golden_control();
  constexpr std::size_t kSeg0 = kControlFixedBodySize;
  constexpr std::size_t kAnn0 = kControlFixedBodySize + 2 * kSegmentEntrySize;
  expect_corruption(
      decode_control(resealed(g, [](std::span<std::byte> b) { b[kSeg0 + 24] = std::byte{2}; })),
      "bad segment entry", "tier 2");
  expect_corruption(
      decode_control(resealed(g, [](std::span<std::byte> b) { b[kSeg0 + 25] = std::byte{2}; })),
      "bad segment entry", "sealed 2");
  expect_corruption(decode_control(resealed(g,
                                            [](std::span<std::byte> b) {
                                              put<std::uint64_t>(b, kSeg0 + kSegmentEntrySize,
                                                                 1);  // equal first_lsn
                                            })),
                    "out of order", "duplicate first_lsn");
  expect_corruption(
      decode_control(resealed(g, [](std::span<std::byte> b) { put<std::uint64_t>(b, kAnn0, 0); })),
      "bad annulled range", "annulled from 0");
  expect_corruption(decode_control(resealed(g,
                                            [](std::span<std::byte> b) {
                                              put<std::uint64_t>(b, kAnn0 + 8,
                                                                 0x11ff);  // to < from
                                            })),
                    "bad annulled range", "annulled to < from");
  for (std::size_t reserved = 26; reserved < kSegmentEntrySize; ++reserved) {
    expect_corruption(decode_control(resealed(g,
                                              [reserved](std::span<std::byte> b) {
                                                b[kSeg0 + reserved] = std::byte{1};
                                              })),
                      "bad segment entry", "segment reserved byte " + std::to_string(reserved));
  }
  expect_corruption(decode_control(resealed(g,
                                            [](std::span<std::byte> b) {
                                              put<std::uint64_t>(b, kSeg0 + 16, 0);  // sealed, no end
                                            })),
                    "inconsistent", "sealed segment with last_lsn below first_lsn");
  expect_corruption(decode_control(resealed(g,
                                            [](std::span<std::byte> b) {
                                              // the open segment claims a last LSN
                                              put<std::uint64_t>(b, kSeg0 + kSegmentEntrySize + 16, 5);
                                            })),
                    "inconsistent", "open segment with a last_lsn");
  {
    ControlState two = g;
    two.annulled.push_back(AnnulledRange{.from = g.annulled.back().to, .to = g.annulled.back().to + 9,
                                         .epoch = 3});
    expect_corruption(decode_control(encode_control(two)), "overlapping", "overlapping ranges");
    two.annulled.back().from = two.annulled.back().to = 1;  // below the previous range
    expect_corruption(decode_control(encode_control(two)), "out of order", "descending ranges");
  }
  {
    Bytes bad = encode_control(g);
    put<std::uint64_t>(std::span<std::byte>(bad), 0, kControlMagic ^ 0x100);
    reseal_control(bad);
    expect_corruption(decode_control(bad), "bad magic", "magic");
  }
  for (const std::uint32_t version : {1u, 3u}) {
    Bytes bad = encode_control(g);
    put<std::uint32_t>(std::span<std::byte>(bad), 8, version);
    reseal_control(bad);
    expect_corruption(decode_control(bad), "unsupported version",
                      "version " + std::to_string(version));
  }
  {
    Bytes bad = encode_control(g);
    bad[kControlHeaderSize] ^= std::byte{1};  // epoch, body CRC not updated
    expect_corruption(decode_control(bad), "body checksum mismatch", "body edit");
    put<std::uint32_t>(std::span<std::byte>(bad), 16,
                       crc32c::value(std::span<const std::byte>(bad).subspan(kControlHeaderSize)));
    // The body CRC is outside the header CRC's coverage, so the fixed one is accepted.
    EXPECT_TRUE(decode_control(bad).is_ok());
  }
  // Page bases: each below the floor (0x100 in the golden state), never 0, ascending pages.
  constexpr std::size_t kBase0 = kAnn0 + kAnnulledEntrySize;
  constexpr std::size_t kBase1 = kBase0 + kPageBaseEntrySize;
  expect_corruption(
      decode_control(resealed(g, [](std::span<std::byte> b) { put<std::uint64_t>(b, kBase0 + 8, 0); })),
      "page base", "base lsn 0");
  expect_corruption(decode_control(resealed(g,
                                            [](std::span<std::byte> b) {
                                              put<std::uint64_t>(b, kBase1 + 8, 0x100);  // = floor
                                            })),
                    "not below the GC floor", "base lsn at the floor");
  expect_corruption(decode_control(resealed(g,
                                            [](std::span<std::byte> b) {
                                              put<std::uint64_t>(b, kBase0 + 8, UINT64_MAX);
                                            })),
                    "not below the GC floor", "base lsn above the floor");
  expect_corruption(decode_control(resealed(g,
                                            [](std::span<std::byte> b) {
                                              put<std::uint64_t>(b, kBase1, 7);  // page 7 twice
                                            })),
                    "page bases out of order", "duplicate base page");
  expect_corruption(decode_control(resealed(g,
                                            [](std::span<std::byte> b) {
                                              put<std::uint64_t>(b, kBase1, 6);  // 7 then 6
                                            })),
                    "page bases out of order", "descending base pages");
  {
    // A floor lowered under a base, everything else intact: the base is refused.
    ControlState low = g;
    low.gc_floor = 0xff;
    expect_corruption(decode_control(encode_control(low)), "not below the GC floor",
                      "floor lowered to a base");
    ControlState no_floor = g;
    no_floor.gc_floor = 0;
    expect_corruption(decode_control(encode_control(no_floor)), "not below the GC floor",
                      "bases without a floor");
  }
  for (std::size_t reserved = 36; reserved < kControlFixedBodySize; ++reserved) {
    expect_corruption(decode_control(resealed(g,
                                              [reserved](std::span<std::byte> b) {
                                                b[reserved] = std::byte{1};
                                              })),
                      "reserved", "fixed body reserved byte " + std::to_string(reserved));
  }
  // Control: a resealed legal edit is accepted.
  Result<ControlState> legal =
      decode_control(resealed(g, [](std::span<std::byte> b) { b[kSeg0 + 24] = std::byte{0}; }));
  ASSERT_TRUE(legal.is_ok()) << legal.status().to_string();
  EXPECT_EQ(legal->segments[0].tier, Tier::kHot);
  Result<ControlState> legal_base = decode_control(resealed(g, [](std::span<std::byte> b) {
    put<std::uint64_t>(b, kBase1 + 8, 0xff);  // just below the floor
    put<std::uint64_t>(b, kBase1, 8);         // the next page up
  }));
  ASSERT_TRUE(legal_base.is_ok()) << legal_base.status().to_string();
  EXPECT_EQ(legal_base->bases[1], (PageBase{.page = 8, .lsn = 0xff}));
}

// --- The control file on the simulated disk -----------------------------------------------

using sim::CrashMode;
using sim::FaultConfig;
using sim::FaultKind;
using sim::SimFs;
using sim::testing::Disk;

using sim::testing::CrashBeforeOp;

ControlState state_a() {
  ControlState s;
  s.epoch = 1;
  s.durable_watermark = 10;
  s.segments = {SegmentInfo{.first_lsn = 1, .epoch = 1}};
  return s;
}

// Differs from A in every top-level field and is larger: a mix of the two is neither.
ControlState state_b() {
  ControlState s = golden_control();
  s.epoch = 3;
  s.segments.push_back(SegmentInfo{.first_lsn = 0x2000, .epoch = 3, .tier = Tier::kHot});
  return s;
}

constexpr std::string_view kVolume = "vol";

FaultConfig crash_config(std::uint64_t seed, CrashMode mode, bool atomic_rename) {
  // Every surviving unsynced write is torn; the unit and what a lost unit exposes vary
  // with the seed.
  FaultConfig c = sim::testing::only(FaultKind::kTornWrite, mode);
  static constexpr std::array<std::uint32_t, 3> kUnits = {1, 512, 4096};
  c.atomic_unit = kUnits[seed % kUnits.size()];
  c.exposure = (seed / 3) % 2 == 0 ? sim::Exposure::kZeros : sim::Exposure::kGarbage;
  c.atomic_rename = atomic_rename;
  return c;
}

// A volume directory holding a durable CONTROL with state A. For some seeds a durable
// CONTROL.tmp full of garbage, longer than B, is left over too (an earlier replacement
// that crashed): the writer must not keep its tail.
void set_up_volume(Disk& d, std::uint64_t seed) {
  ASSERT_TRUE(d.fs.mkdir(std::string(kVolume)).is_ok());
  sim::testing::sync_dir_ok(d.fs, "");
  d.run([&] {
    Status s = write_control_file(d.fs, kVolume, state_a());
    ASSERT_TRUE(s.is_ok()) << s.to_string();
  });
  if (seed % 2 == 1) {
    sim::testing::make_durable_file(d.fs, "vol/CONTROL.tmp", std::string(1000, '\x5a'), kVolume);
  }
}

TEST(ControlFileCrash, EveryCrashPointLeavesExactlyTheOldOrTheNewState) {
  constexpr std::uint64_t kSeeds = 64;
  constexpr std::uint64_t kMaxOps = 64;  // write_control_file makes about 7 calls
  const ControlState a = state_a();
  const ControlState b = state_b();
  for (const CrashMode mode : {CrashMode::kDropAll, CrashMode::kPrefix, CrashMode::kSubset}) {
    for (const bool atomic_rename : {true, false}) {
      std::uint64_t saw_a = 0;
      std::uint64_t saw_b_before_ok = 0;
      for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
        bool completed = false;
        for (std::uint64_t k = 0; k < kMaxOps && !completed; ++k) {
          const std::string where = std::string(sim::crash_mode_name(mode)) +
                                    (atomic_rename ? "" : " non-atomic rename") + " seed " +
                                    std::to_string(seed) + " crash after op " + std::to_string(k);
          Disk d(seed, crash_config(seed, mode, atomic_rename));
          set_up_volume(d, seed);
          ASSERT_FALSE(HasFatalFailure()) << where;
          CrashBeforeOp fs(d.fs, k, mode);
          Status written;
          d.run([&] { written = write_control_file(fs, kVolume, b); });
          completed = !fs.crashed();
          if (completed) {
            ASSERT_TRUE(written.is_ok()) << where << ": " << written.to_string();
            // open, write, sync, close, rename, directory sync at the least.
            ASSERT_GE(fs.ops(), 6u) << "write_control_file made only " << fs.ops() << " calls";
            d.fs.crash(mode);  // after it returned OK: B must survive every mode
          } else {
            ASSERT_FALSE(written.is_ok()) << where << ": reported OK on a crashed disk";
          }
          d.fs.restart();
          Result<ControlState> got = read_control_file(d.fs, kVolume);
          ASSERT_TRUE(got.is_ok()) << where << ": " << got.status().to_string();
          if (completed) {
            ASSERT_EQ(*got, b) << where << ": lost a replacement that returned OK";
          } else if (*got == a) {
            ++saw_a;
          } else {
            ASSERT_EQ(*got, b) << where << ": neither the old state nor the new one";
            ++saw_b_before_ok;
            EXPECT_NE(mode, CrashMode::kDropAll) << where << ": an unsynced rename survived";
          }
        }
        ASSERT_TRUE(completed) << "write_control_file never completed within " << kMaxOps
                               << " calls";
      }
      // Both outcomes of a crash in the middle were reached, so the loop above was not
      // vacuous: crashes before the rename keep A, and (except under drop-all) a rename
      // that survived without its directory fsync shows B.
      EXPECT_GT(saw_a, 0u) << sim::crash_mode_name(mode);
      if (mode != CrashMode::kDropAll) {
        EXPECT_GT(saw_b_before_ok, 0u) << sim::crash_mode_name(mode);
      }
    }
  }
}

TEST(ControlFileCrash, ReplacementThatReturnedOkSurvivesRepeatedCrashes) {
  for (std::uint64_t seed = 0; seed < 16; ++seed) {
    for (const CrashMode mode : {CrashMode::kDropAll, CrashMode::kPrefix, CrashMode::kSubset}) {
      Disk d(seed, crash_config(seed, mode, seed % 2 == 0));
      set_up_volume(d, seed);
      ASSERT_FALSE(HasFatalFailure());
      d.run([&] {
        Status s = write_control_file(d.fs, kVolume, state_b());
        ASSERT_TRUE(s.is_ok()) << s.to_string();
      });
      for (int crash = 0; crash < 3; ++crash) {
        d.fs.crash(mode);
        d.fs.restart();
        Result<ControlState> got = read_control_file(d.fs, kVolume);
        ASSERT_TRUE(got.is_ok()) << "seed " << seed << ": " << got.status().to_string();
        EXPECT_EQ(*got, state_b()) << "seed " << seed << " " << sim::crash_mode_name(mode);
      }
    }
  }
}

TEST(ControlFileRead, MissingFileIsNotFound) {
  Disk d(1);
  ASSERT_TRUE(d.fs.mkdir(std::string(kVolume)).is_ok());
  Result<ControlState> r = read_control_file(d.fs, kVolume);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.kind(), ErrorKind::kNotFound) << r.status().to_string();
  // A leftover temporary file is not a control file.
  sim::testing::make_durable_file(d.fs, "vol/CONTROL.tmp", "half-written", kVolume);
  r = read_control_file(d.fs, kVolume);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.kind(), ErrorKind::kNotFound) << r.status().to_string();
}

TEST(ControlFileRead, GarbageIsCorruptionNamingThePath) {
  Disk d(2);
  ASSERT_TRUE(d.fs.mkdir(std::string(kVolume)).is_ok());
  Bytes flipped = encode_control(golden_control());
  flipped[kControlHeaderSize + 3] ^= std::byte{0x10};
  const std::string garbage[] = {
      "", "garbage", std::string(200, '\xff'),
      std::string(reinterpret_cast<const char*>(flipped.data()), flipped.size())};
  for (const std::string& contents : garbage) {
    sim::testing::make_durable_file(d.fs, "vol/CONTROL", contents, kVolume);
    FileHandle h = sim::testing::open_ok(d.fs, "vol/CONTROL", OpenMode::kOpenExisting);
    ASSERT_TRUE(d.fs.truncate(h, contents.size()).is_ok());  // shorter than the last one
    ASSERT_TRUE(d.fs.close(h).is_ok());
    Result<ControlState> r = read_control_file(d.fs, kVolume);
    ASSERT_FALSE(r.is_ok()) << contents.size() << " bytes of garbage accepted";
    EXPECT_EQ(r.kind(), ErrorKind::kCorruption) << r.status().to_string();
    EXPECT_NE(r.status().message().find("vol/CONTROL"), std::string::npos) << r.status().message();
  }
  // Control: the same path with a good file reads back.
  Status s = write_control_file(d.fs, kVolume, golden_control());
  ASSERT_TRUE(s.is_ok()) << s.to_string();
  Result<ControlState> r = read_control_file(d.fs, kVolume);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(*r, golden_control());
}

TEST(ControlFileRead, OversizedFileIsCorruptionWithoutReadingIt) {
  Disk d(3);
  ASSERT_TRUE(d.fs.mkdir(std::string(kVolume)).is_ok());
  FileHandle h = sim::testing::open_ok(d.fs, "vol/CONTROL");
  ASSERT_TRUE(d.fs.truncate(h, kMaxControlFileSize + 1).is_ok());
  ASSERT_TRUE(d.fs.close(h).is_ok());
  AllocationWatch watch;
  Result<ControlState> r = read_control_file(d.fs, kVolume);
  const std::size_t largest = watch.largest();
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.kind(), ErrorKind::kCorruption) << r.status().to_string();
  EXPECT_NE(r.status().message().find("vol/CONTROL"), std::string::npos) << r.status().message();
  EXPECT_LT(largest, kSmallAllocation);
}

}  // namespace
}  // namespace aurora::wal
