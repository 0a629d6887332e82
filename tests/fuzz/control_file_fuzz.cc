// The control file decoder (engine/wal/control_file.h) on arbitrary bytes: kCorruption on
// bad bytes, never an allocation sized by an unchecked count, and a state it accepts
// encodes back to exactly the bytes it came from (the decoder takes the whole file).
#include <algorithm>
#include <vector>

#include "engine/wal/control_file.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aurora;
  const std::span<const std::byte> in = fuzz::bytes_of(data, size);
  const Result<wal::ControlState> state = wal::decode_control(in);
  if (!state.is_ok()) {
    if (state.kind() != ErrorKind::kCorruption) fuzz::finding("decode_control: not kCorruption");
    return 0;
  }
  const std::vector<std::byte> out = wal::encode_control(*state);
  if (!std::equal(out.begin(), out.end(), in.begin(), in.end())) {
    fuzz::finding("decode_control: re-encoding the state gives other bytes");
  }
  return 0;
}
