// The compute-storage link's messages (WIRE_FORMAT.md): what each request and response
// of the storage's RPC methods carries, and their encoders and decoders. A decoder takes
// bytes off the network, so it accepts exactly what the encoder writes and answers
// anything else with kCorruption naming what was wrong; it never reads past its input.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/compute/storage_service.h"
#include "engine/runtime/rpc.h"

namespace aurora::compute::wire {

enum Method : rpc::Method {
  kCommit = 1,
  kRead = 2,
  kVersionAt = 3,
  kVdl = 4,
  kSync = 5,
  kPin = 6,    // sets (creates or moves) one of the caller's read points
  kUnpin = 7,  // a notification: no response
};
const char* method_name(rpc::Method m);  // "commit", ...; "unknown" for others

using Bytes = std::vector<std::byte>;

// Every request starts with the caller's incarnation: the storage forgets the read points
// of a node's older incarnation the first time it hears from a newer one.
struct CommitRequest {
  std::uint64_t caller_incarnation = 0;
  MtrId id;
  std::uint32_t attempt = 1;  // 1 for the first send, then 2, 3...
  // The storage's incarnation the caller knew at the first attempt: a retry that reaches
  // another incarnation is refused (that one cannot know whether the first took effect).
  std::uint64_t storage_incarnation = 0;
  std::vector<wal::Redo> redo;
};
struct PageRequest {  // kRead and kVersionAt
  std::uint64_t caller_incarnation = 0;
  PageId page = 0;
  Lsn at = 0;
};
struct PinRequest {  // kPin; kUnpin ignores `at`
  std::uint64_t caller_incarnation = 0;
  std::uint64_t pin = 0;  // the caller's own id for the read point
  std::uint64_t seq = 0;  // grows with each change of the pin: older ones are ignored
  Lsn at = 0;
};
struct PlainRequest {  // kVdl and kSync
  std::uint64_t caller_incarnation = 0;
};

// Every response starts with the storage's incarnation, then the method's value: an LSN
// (commit: the CPL; version_at; vdl), the page's bytes (read), or nothing (sync, pin).
struct Response {
  std::uint64_t storage_incarnation = 0;
  Lsn lsn = 0;
  Bytes bytes;
};

Bytes encode(const CommitRequest& r);
Bytes encode(const PageRequest& r);
Bytes encode(const PinRequest& r);
Bytes encode(const PlainRequest& r);
Result<CommitRequest> decode_commit(std::span<const std::byte> b);
Result<PageRequest> decode_page(std::span<const std::byte> b);
Result<PinRequest> decode_pin(std::span<const std::byte> b);
Result<PlainRequest> decode_plain(std::span<const std::byte> b);

// The response's shape by method: kRead carries bytes, kCommit/kVersionAt/kVdl an LSN.
Bytes encode_response(Method m, const Response& r);
Result<Response> decode_response(Method m, std::span<const std::byte> b);

}  // namespace aurora::compute::wire
