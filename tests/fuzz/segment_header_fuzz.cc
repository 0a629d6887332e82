// The segment header decoder (engine/wal/format.h) on arbitrary bytes: kCorruption on bad
// bytes, and a header it accepts re-encodes to the same 40 bytes.
#include <algorithm>
#include <array>

#include "engine/wal/format.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aurora;
  const std::span<const std::byte> in = fuzz::bytes_of(data, size);
  const Result<wal::SegmentHeader> header = wal::decode_segment_header(in);
  if (!header.is_ok()) {
    if (header.kind() != ErrorKind::kCorruption)
      fuzz::finding("decode_segment_header: not kCorruption");
    return 0;
  }
  std::array<std::byte, wal::kSegmentHeaderSize> out;
  wal::encode_segment_header(*header, out);
  if (!std::equal(out.begin(), out.end(), in.begin())) {
    fuzz::finding("decode_segment_header: re-encoding the header gives other bytes");
  }
  return 0;
}
