// The observation lines that `sim real` reads from a child it may kill at any instant
// (workloads/real/wire.h), on arbitrary bytes: decode_line refuses bad lines with a reason,
// never an exception or a crash, and what it accepts encodes to a line that decodes to the
// same observation (compared by encoding: the first encoding is a fixed point).
#include <string>

#include "tests/fuzz/fuzz_support.h"
#include "workloads/real/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aurora;
  using workloads::real::decode_line;
  using workloads::real::encode_observation;
  std::string error;
  const std::optional<workloads::real::WireLine> line =
      decode_line(std::string(fuzz::text_of(data, size)), error);
  if (!line) {
    if (error.empty()) fuzz::finding("decode_line refused a line without saying why");
    return 0;
  }
  if (line->ready == line->observation.has_value()) {
    fuzz::finding("decode_line: a line must be either the ready marker or one observation");
  }
  if (!line->observation) return 0;
  const std::string encoded = encode_observation(*line->observation);
  const std::optional<workloads::real::WireLine> again = decode_line(encoded, error);
  if (!again || !again->observation) {
    fuzz::finding("decode_line refuses what encode_observation wrote: " + encoded);
  }
  if (encode_observation(*again->observation) != encoded) {
    fuzz::finding("encode_observation then decode_line gives another observation: " + encoded);
  }
  return 0;
}
