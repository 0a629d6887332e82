// The messages of a storage node's segment service (SEGMENT_WIRE.md): what the writer, a
// recovering writer, readers and peer segments send to one segment, and its answers. A
// decoder takes bytes off the network: it accepts exactly what the encoder writes, answers
// anything else with kCorruption naming what was wrong, and never reads past its input.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <vector>

#include "engine/quorum/segment.h"
#include "engine/runtime/rpc.h"

namespace aurora::quorum::wire {

enum Method : rpc::Method {
  kAppend = 1,  // records, from the writer or a peer: the SCL after them
  kFence = 2,   // a recovering writer's fence: the segment's report
  kAnnul = 3,   // every annulment up to the sender's epoch: the SCL after it
  kRead = 4,    // a page at a read point: its bytes
  kGossip = 5,  // what the sender misses above its SCL: those records, or what it must
                // annul first
  kStatus = 6,  // the segment's SCL, epochs and suspicion, from memory
};
const char* method_name(rpc::Method m);  // "append", ...; "unknown" for others

using Bytes = std::vector<std::byte>;

// Every request names its segment (a node hosts several) and the sender's epochs.
struct Header {
  SegmentId segment = 0;
  Epochs epochs;
};
struct AppendRequest {
  Header h;
  std::vector<SegmentRecord> records;
};
struct AnnulRequest {
  Header h;
  std::vector<AnnulledRange> annulled;
};
struct ReadRequest {
  Header h;
  PageId page = 0;
  Lsn at = 0;
};
struct GossipRequest {
  Header h;
  Lsn above = 0;
  std::uint32_t limit = 0;
  std::set<Lsn> have;  // held above `above`
};
struct SegmentStatus {
  Lsn scl = 0;
  Epochs epochs;
  bool suspect = false;
};

Bytes encode(const Header& r);  // kFence and kStatus carry the header alone
Bytes encode(const AppendRequest& r);
Bytes encode(const AnnulRequest& r);
Bytes encode(const ReadRequest& r);
Bytes encode(const GossipRequest& r);
Result<Header> decode_header_only(std::span<const std::byte> b);
Result<AppendRequest> decode_append(std::span<const std::byte> b);
Result<AnnulRequest> decode_annul(std::span<const std::byte> b);
Result<ReadRequest> decode_read(std::span<const std::byte> b);
Result<GossipRequest> decode_gossip(std::span<const std::byte> b);
// Which segment a request is for, from any request's first bytes.
Result<SegmentId> peek_segment(std::span<const std::byte> b);

// Responses: an SCL (kAppend, kAnnul), a report (kFence), a page (kRead), an answer
// (kGossip), a status (kStatus).
Bytes encode_lsn(Lsn lsn);
Result<Lsn> decode_lsn(std::span<const std::byte> b);
Bytes encode_report(const SegmentReport& r);
Result<SegmentReport> decode_report(std::span<const std::byte> b);
Bytes encode_gossip_answer(const Segment::GossipAnswer& a);
Result<Segment::GossipAnswer> decode_gossip_answer(std::span<const std::byte> b);
Bytes encode_status(const SegmentStatus& s);
Result<SegmentStatus> decode_status(std::span<const std::byte> b);

}  // namespace aurora::quorum::wire
