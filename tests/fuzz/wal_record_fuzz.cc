// The WAL record decoders (engine/wal/format.h) on arbitrary bytes. They must refuse bad
// bytes with kCorruption, and what they accept must be exactly what encode_record writes:
// re-encoding a decoded record gives back the same bytes.
#include <algorithm>
#include <vector>

#include "engine/wal/format.h"
#include "tests/fuzz/fuzz_support.h"

namespace aurora::fuzz {
namespace {

using wal::DecodedRecord;
using wal::RecordHeader;

void check_header(std::span<const std::byte> in, const Result<RecordHeader>& header) {
  if (!header.is_ok()) {
    if (header.kind() != ErrorKind::kCorruption) finding("decode_record_header: not kCorruption");
    return;
  }
  // The header's own bytes (all but the checksum, which covers the payload too) round trip.
  const std::vector<std::byte> payload(header->length);
  std::vector<std::byte> out;
  wal::encode_record(*header, payload, out);
  const auto same = [&](std::size_t from, std::size_t to) {
    return std::equal(in.begin() + from, in.begin() + to, out.begin() + from);
  };
  if (!same(0, wal::record_offset::kCrc) ||
      !same(wal::record_offset::kCrcCoverageBegin, wal::kRecordHeaderSize)) {
    finding("decode_record_header: re-encoding the header gives other bytes");
  }
}

void check_record(std::span<const std::byte> in, const Result<RecordHeader>& header,
                  const Result<DecodedRecord>& record) {
  if (!record.is_ok()) {
    if (record.kind() != ErrorKind::kCorruption) finding("decode_record: not kCorruption");
    return;
  }
  if (!header.is_ok() || !(*header == record->header)) {
    finding("decode_record accepted a header that decode_record_header reads otherwise");
  }
  if (record->size != wal::encoded_record_size(record->header.length) ||
      record->payload.size() != record->header.length || record->size > in.size() ||
      record->payload.data() != in.data() + wal::kRecordHeaderSize) {
    finding("decode_record: size or payload do not match the header");
  }
  std::vector<std::byte> out;
  wal::encode_record(record->header, record->payload, out);
  if (out.size() != record->size || !std::equal(out.begin(), out.end(), in.begin())) {
    finding("decode_record: re-encoding the record gives other bytes");
  }
}

}  // namespace
}  // namespace aurora::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aurora;
  const std::span<const std::byte> in = fuzz::bytes_of(data, size);
  const Result<wal::RecordHeader> header = wal::decode_record_header(in);
  const Result<wal::DecodedRecord> record = wal::decode_record(in);
  fuzz::check_header(in, header);
  fuzz::check_record(in, header, record);
  return 0;
}
