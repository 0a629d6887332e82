#include "engine/quorum/segment_wire.h"

#include <string>

#include "engine/util/byte_io.h"

namespace aurora::quorum::wire {

namespace {

// Bounds on what a malformed count could make a decoder allocate: far above what the tier
// sends (a writer's batch, a gossip answer, a recovery report of a long run).
constexpr std::uint32_t kMaxRecords = 1 << 16;
constexpr std::uint32_t kMaxReportRecords = 1 << 24;
constexpr std::uint32_t kMaxRanges = 1 << 16;

Status malformed(const char* what) {
  return Status::corruption(std::string("malformed ").append(what).append(" message"));
}

void put_header(ByteWriter& w, const Header& h) {
  w.put(h.segment).put(h.epochs.volume).put(h.epochs.membership);
}
bool get_header(ByteReader& in, Header& h) {
  return in.get(h.segment) && in.get(h.epochs.volume) && in.get(h.epochs.membership);
}

void put_records(ByteWriter& w, std::span<const SegmentRecord> records) {
  w.put(static_cast<std::uint32_t>(records.size()));
  std::vector<std::byte> frame;
  for (const SegmentRecord& r : records) {
    frame.clear();
    encode_segment_record(r, frame);
    w.put_bytes(frame);
  }
}
bool get_records(ByteReader& in, std::vector<SegmentRecord>& out) {
  std::uint32_t n = 0;
  if (!in.get(n) || n > kMaxRecords) return false;
  std::vector<std::byte> frame;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (!in.get_bytes(frame)) return false;
    Result<DecodedSegmentRecord> d = decode_segment_record(frame);
    if (!d.is_ok() || d->size != frame.size()) return false;
    out.push_back(std::move(d->record));
  }
  return true;
}

void put_ranges(ByteWriter& w, std::span<const AnnulledRange> ranges) {
  w.put(static_cast<std::uint32_t>(ranges.size()));
  for (const AnnulledRange& r : ranges) w.put(r.from).put(r.to).put(r.epoch);
}
bool get_ranges(ByteReader& in, std::vector<AnnulledRange>& out) {
  std::uint32_t n = 0;
  if (!in.get(n) || n > kMaxRanges) return false;
  for (std::uint32_t i = 0; i < n; ++i) {
    AnnulledRange r;
    if (!in.get(r.from) || !in.get(r.to) || !in.get(r.epoch)) return false;
    out.push_back(r);
  }
  return true;
}

}  // namespace

const char* method_name(rpc::Method m) {
  switch (m) {
    case kAppend: return "append";
    case kFence: return "fence";
    case kAnnul: return "annul";
    case kRead: return "read";
    case kGossip: return "gossip";
    case kStatus: return "status";
    default: return "unknown";
  }
}

Bytes encode(const Header& r) {
  ByteWriter w;
  put_header(w, r);
  return w.take();
}

Bytes encode(const AppendRequest& r) {
  ByteWriter w;
  put_header(w, r.h);
  put_records(w, r.records);
  return w.take();
}

Bytes encode(const AnnulRequest& r) {
  ByteWriter w;
  put_header(w, r.h);
  put_ranges(w, r.annulled);
  return w.take();
}

Bytes encode(const ReadRequest& r) {
  ByteWriter w;
  put_header(w, r.h);
  w.put(r.page).put(r.at);
  return w.take();
}

Bytes encode(const GossipRequest& r) {
  ByteWriter w;
  put_header(w, r.h);
  w.put(r.above).put(r.limit).put(static_cast<std::uint32_t>(r.have.size()));
  for (Lsn l : r.have) w.put(l);
  return w.take();
}

Result<Header> decode_header_only(std::span<const std::byte> b) {
  ByteReader in(b);
  Header h;
  if (!get_header(in, h) || !in.done()) return malformed("segment header");
  return h;
}

Result<AppendRequest> decode_append(std::span<const std::byte> b) {
  ByteReader in(b);
  AppendRequest r;
  if (!get_header(in, r.h) || !get_records(in, r.records) || !in.done()) {
    return malformed("append");
  }
  return r;
}

Result<AnnulRequest> decode_annul(std::span<const std::byte> b) {
  ByteReader in(b);
  AnnulRequest r;
  if (!get_header(in, r.h) || !get_ranges(in, r.annulled) || !in.done()) {
    return malformed("annul");
  }
  return r;
}

Result<ReadRequest> decode_read(std::span<const std::byte> b) {
  ByteReader in(b);
  ReadRequest r;
  if (!get_header(in, r.h) || !in.get(r.page) || !in.get(r.at) || !in.done()) {
    return malformed("segment read");
  }
  return r;
}

Result<GossipRequest> decode_gossip(std::span<const std::byte> b) {
  ByteReader in(b);
  GossipRequest r;
  std::uint32_t n = 0;
  if (!get_header(in, r.h) || !in.get(r.above) || !in.get(r.limit) || !in.get(n) ||
      n > kMaxRecords) {
    return malformed("gossip");
  }
  for (std::uint32_t i = 0; i < n; ++i) {
    Lsn l = 0;
    if (!in.get(l)) return malformed("gossip");
    r.have.insert(l);
  }
  if (!in.done()) return malformed("gossip");
  return r;
}

Result<SegmentId> peek_segment(std::span<const std::byte> b) {
  ByteReader in(b);
  SegmentId s = 0;
  if (!in.get(s)) return malformed("segment request");
  return s;
}

Bytes encode_lsn(Lsn lsn) {
  ByteWriter w;
  w.put(lsn);
  return w.take();
}

Result<Lsn> decode_lsn(std::span<const std::byte> b) {
  ByteReader in(b);
  Lsn l = 0;
  if (!in.get(l) || !in.done()) return malformed("SCL");
  return l;
}

Bytes encode_report(const SegmentReport& r) {
  ByteWriter w;
  w.put(r.segment).put(r.volume_epoch).put(static_cast<std::uint8_t>(r.suspect ? 1 : 0));
  put_ranges(w, r.annulled);
  w.put(static_cast<std::uint32_t>(r.records.size()));
  for (const RecordMeta& m : r.records) {
    w.put(m.lsn).put(m.prev).put(m.epoch).put(m.page);
    w.put(static_cast<std::uint8_t>(m.cpl ? 1 : 0));
  }
  return w.take();
}

Result<SegmentReport> decode_report(std::span<const std::byte> b) {
  ByteReader in(b);
  SegmentReport r;
  std::uint8_t suspect = 0;
  std::uint32_t n = 0;
  if (!in.get(r.segment) || !in.get(r.volume_epoch) || !in.get(suspect) || suspect > 1 ||
      !get_ranges(in, r.annulled) || !in.get(n) || n > kMaxReportRecords) {
    return malformed("report");
  }
  r.suspect = suspect == 1;
  for (std::uint32_t i = 0; i < n; ++i) {
    RecordMeta m;
    std::uint8_t cpl = 0;
    if (!in.get(m.lsn) || !in.get(m.prev) || !in.get(m.epoch) || !in.get(m.page) ||
        !in.get(cpl) || cpl > 1) {
      return malformed("report");
    }
    m.cpl = cpl == 1;
    const bool ascending = r.records.empty() || m.lsn > r.records.back().lsn;
    if (m.lsn == kNoLsn || m.prev >= m.lsn || !ascending) {
      return malformed("report");
    }
    r.records.push_back(m);
  }
  if (!in.done()) return malformed("report");
  return r;
}

Bytes encode_gossip_answer(const Segment::GossipAnswer& a) {
  ByteWriter w;
  w.put(a.epochs.volume).put(a.epochs.membership);
  w.put(static_cast<std::uint8_t>(a.suspect ? 1 : 0));
  put_ranges(w, a.annulled);
  put_records(w, a.records);
  return w.take();
}

Result<Segment::GossipAnswer> decode_gossip_answer(std::span<const std::byte> b) {
  ByteReader in(b);
  Segment::GossipAnswer a;
  std::uint8_t suspect = 0;
  if (!in.get(a.epochs.volume) || !in.get(a.epochs.membership) || !in.get(suspect) ||
      suspect > 1 || !get_ranges(in, a.annulled) || !get_records(in, a.records) || !in.done()) {
    return malformed("gossip answer");
  }
  a.suspect = suspect == 1;
  return a;
}

Bytes encode_status(const SegmentStatus& s) {
  ByteWriter w;
  w.put(s.scl).put(s.epochs.volume).put(s.epochs.membership);
  w.put(static_cast<std::uint8_t>(s.suspect ? 1 : 0));
  return w.take();
}

Result<SegmentStatus> decode_status(std::span<const std::byte> b) {
  ByteReader in(b);
  SegmentStatus s;
  std::uint8_t suspect = 0;
  if (!in.get(s.scl) || !in.get(s.epochs.volume) || !in.get(s.epochs.membership) ||
      !in.get(suspect) || suspect > 1 || !in.done()) {
    return malformed("segment status");
  }
  s.suspect = suspect == 1;
  return s;
}

}  // namespace aurora::quorum::wire
