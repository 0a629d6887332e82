#include "engine/compute/storage_wire.h"

#include <string>

#include "engine/util/byte_io.h"

namespace aurora::compute {

std::string to_string(const MtrId& id) {
  return std::string("n")
      .append(std::to_string(id.node))
      .append(".")
      .append(std::to_string(id.incarnation))
      .append(".")
      .append(std::to_string(id.seq));
}

}  // namespace aurora::compute

namespace aurora::compute::wire {

namespace {

// The most redo records one commit may carry: far above any MTR the engine makes, and a
// bound on what a malformed count could make a decoder allocate.
constexpr std::uint32_t kMaxRedo = 1 << 16;

Status malformed(const char* what) {
  return Status::corruption(std::string("malformed ").append(what).append(" message"));
}

bool has_lsn(Method m) { return m == kCommit || m == kVersionAt || m == kVdl; }

}  // namespace

const char* method_name(rpc::Method m) {
  switch (m) {
    case kCommit: return "commit";
    case kRead: return "read";
    case kVersionAt: return "version_at";
    case kVdl: return "vdl";
    case kSync: return "sync";
    case kPin: return "pin";
    case kUnpin: return "unpin";
    default: return "unknown";
  }
}

Bytes encode(const CommitRequest& r) {
  ByteWriter w;
  w.put(r.caller_incarnation).put(r.id.node).put(r.id.incarnation).put(r.id.seq);
  w.put(r.attempt).put(r.storage_incarnation).put(static_cast<std::uint32_t>(r.redo.size()));
  for (const wal::Redo& redo : r.redo) w.put(redo.page).put(redo.offset).put_bytes(redo.bytes);
  return w.take();
}

Result<CommitRequest> decode_commit(std::span<const std::byte> b) {
  ByteReader in(b);
  CommitRequest r;
  std::uint32_t n = 0;
  if (!in.get(r.caller_incarnation) || !in.get(r.id.node) || !in.get(r.id.incarnation) ||
      !in.get(r.id.seq) || !in.get(r.attempt) || !in.get(r.storage_incarnation) || !in.get(n)) {
    return malformed("commit");
  }
  // Each record takes at least 16 bytes: a count the input cannot hold is refused before
  // anything is allocated for it.
  if (n > kMaxRedo || n > in.left() / 16) return malformed("commit");
  r.redo.resize(n);
  for (wal::Redo& redo : r.redo) {
    if (!in.get(redo.page) || !in.get(redo.offset) || !in.get_bytes(redo.bytes)) {
      return malformed("commit");
    }
  }
  if (!in.done()) return malformed("commit");
  return r;
}

Bytes encode(const PageRequest& r) {
  ByteWriter w;
  w.put(r.caller_incarnation).put(r.page).put(r.at);
  return w.take();
}

Result<PageRequest> decode_page(std::span<const std::byte> b) {
  ByteReader in(b);
  PageRequest r;
  if (!in.get(r.caller_incarnation) || !in.get(r.page) || !in.get(r.at) || !in.done()) {
    return malformed("page request");
  }
  return r;
}

Bytes encode(const PinRequest& r) {
  ByteWriter w;
  w.put(r.caller_incarnation).put(r.pin).put(r.seq).put(r.at);
  return w.take();
}

Result<PinRequest> decode_pin(std::span<const std::byte> b) {
  ByteReader in(b);
  PinRequest r;
  if (!in.get(r.caller_incarnation) || !in.get(r.pin) || !in.get(r.seq) || !in.get(r.at) ||
      !in.done()) {
    return malformed("pin");
  }
  return r;
}

Bytes encode(const PlainRequest& r) {
  ByteWriter w;
  w.put(r.caller_incarnation);
  return w.take();
}

Result<PlainRequest> decode_plain(std::span<const std::byte> b) {
  ByteReader in(b);
  PlainRequest r;
  if (!in.get(r.caller_incarnation) || !in.done()) return malformed("request");
  return r;
}

Bytes encode_response(Method m, const Response& r) {
  ByteWriter w;
  w.put(r.storage_incarnation);
  if (has_lsn(m)) w.put(r.lsn);
  if (m == kRead) w.put_bytes(r.bytes);
  return w.take();
}

Result<Response> decode_response(Method m, std::span<const std::byte> b) {
  ByteReader in(b);
  Response r;
  if (!in.get(r.storage_incarnation)) return malformed("response");
  if (has_lsn(m) && !in.get(r.lsn)) return malformed("response");
  if (m == kRead && !in.get_bytes(r.bytes)) return malformed("response");
  if (!in.done()) return malformed("response");
  return r;
}

}  // namespace aurora::compute::wire
