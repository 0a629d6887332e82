// Messages off the network: the frame decoder (engine/runtime/frame.h) and the decoders of
// the compute-storage link's bodies (engine/compute/storage_wire.h, WIRE_FORMAT.md), on
// arbitrary bytes. The first byte picks the decoder, the rest is its input. Each must
// refuse bad bytes with kCorruption, never crash or read past its input, and what it
// accepts must re-encode to exactly the bytes it read (the decoders accept only what the
// encoders write).
#include <string>

#include "engine/compute/storage_wire.h"
#include "engine/runtime/frame.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace aurora;
namespace wire = compute::wire;

template <class T>
void check(const Result<T>& r, std::span<const std::byte> in, const char* what,
           const std::function<wire::Bytes(const T&)>& encode) {
  if (!r.is_ok()) {
    if (r.kind() != ErrorKind::kCorruption) {
      fuzz::finding(std::string(what) + " refused bytes with " + r.status().to_string() +
                    ", not kCorruption");
    }
    return;
  }
  const wire::Bytes again = encode(*r);
  if (!std::equal(again.begin(), again.end(), in.begin(), in.end())) {
    fuzz::finding(std::string(what) + " accepted bytes that do not re-encode to themselves");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::byte> in = fuzz::bytes_of(data + 1, size - 1);
  switch (data[0] % 8) {
    case 0: {
      Result<std::optional<std::size_t>> next = frame::size_of_next(in);
      Result<Message> m = frame::decode(in);
      if (m.is_ok() && (!next.is_ok() || next->value_or(0) != in.size())) {
        fuzz::finding("frame::decode accepted a frame whose size size_of_next disputes");
      }
      check<Message>(m, in, "frame::decode", [](const Message& msg) {
        return frame::encode(msg.from, msg.to, msg.payload);
      });
      break;
    }
    case 1:
      check<wire::CommitRequest>(wire::decode_commit(in), in, "decode_commit",
                                 [](const auto& r) { return wire::encode(r); });
      break;
    case 2:
      check<wire::PageRequest>(wire::decode_page(in), in, "decode_page",
                               [](const auto& r) { return wire::encode(r); });
      break;
    case 3:
      check<wire::PinRequest>(wire::decode_pin(in), in, "decode_pin",
                              [](const auto& r) { return wire::encode(r); });
      break;
    case 4:
      check<wire::PlainRequest>(wire::decode_plain(in), in, "decode_plain",
                                [](const auto& r) { return wire::encode(r); });
      break;
    default: {
      // A response of each shape: an LSN (commit), a page (read), nothing (pin).
      static constexpr wire::Method kShapes[] = {wire::kCommit, wire::kRead, wire::kPin};
      const wire::Method m = kShapes[data[0] % 8 - 5];
      check<wire::Response>(wire::decode_response(m, in), in, "decode_response",
                            [m](const wire::Response& r) { return wire::encode_response(m, r); });
      break;
    }
  }
  return 0;
}
