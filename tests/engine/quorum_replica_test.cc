// ReadReplica on a hand-made redo stream: it applies records only up to VDL, whole MTRs in
// LSN order, to the pages it caches; a gap, a copy, a late message, a new writer and a
// fenced writer's stream are each handled without ever exposing a page that no read point
// had. The feed's messages round-trip, and a malformed one is refused.
#include "engine/quorum/read_replica.h"

#include <gtest/gtest.h>

#include "sim/world.h"

namespace aurora::quorum {
namespace {

constexpr std::uint32_t kPage = 8;

// The storage a replica reads its misses from: pages as of any read point, from a list of
// (lsn, page, offset, bytes) writes.
class FakeStorage final : public compute::StorageService {
 public:
  void write(Lsn lsn, PageId page, std::uint32_t offset, std::string_view s) {
    writes_.push_back({lsn, page, offset, std::vector<std::byte>(s.size())});
    for (std::size_t i = 0; i < s.size(); ++i) writes_.back().bytes[i] = std::byte(s[i]);
  }
  std::string page_at(PageId page, Lsn at) const {
    std::string out(kPage, '.');
    for (const FeedRecord& w : writes_) {
      if (w.page != page || w.lsn > at) continue;
      for (std::size_t i = 0; i < w.bytes.size(); ++i) out[w.offset + i] = char(w.bytes[i]);
    }
    return out;
  }
  Result<std::vector<std::byte>> read(PageId page, Lsn at) override {
    ++reads;
    const std::string s = page_at(page, at);
    std::vector<std::byte> out(kPage);
    for (std::size_t i = 0; i < kPage; ++i) out[i] = s[i] == '.' ? std::byte{0} : std::byte(s[i]);
    return out;
  }
  Result<Lsn> commit(const compute::MtrId&, std::span<const wal::Redo>) override {
    return Status::invalid_argument("read-only");
  }
  Result<Lsn> version_at(PageId, Lsn) override { return Status::invalid_argument("unused"); }
  Result<Lsn> vdl() override { return Status::invalid_argument("unused"); }
  Status sync() override { return Status::ok(); }
  Result<compute::ReadPointId> pin(Lsn) override { return compute::ReadPointId{1}; }
  void move(compute::ReadPointId, Lsn) override {}
  void unpin(compute::ReadPointId) override {}

  std::vector<FeedRecord> writes_;
  int reads = 0;
};

FeedRecord rec(Lsn lsn, PageId page, std::uint32_t offset, std::string_view s) {
  FeedRecord r{lsn, page, offset, std::vector<std::byte>(s.size())};
  for (std::size_t i = 0; i < s.size(); ++i) r.bytes[i] = std::byte(s[i]);
  return r;
}

std::string text(const std::vector<std::byte>& b) {
  std::string out;
  for (std::byte c : b) out += c == std::byte{0} ? '.' : char(c);
  return out;
}

struct Fixture {
  Fixture() : world(options()) {
    node = world.add_node("replica", nullptr);
    Result<std::unique_ptr<ReadReplica>> r =
        ReadReplica::start(world.runtime(node), storage, {.buffer_pages = 4, .page_size = kPage});
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    replica = std::move(r).value();
  }
  ~Fixture() { world.crash(node); }
  static sim::WorldOptions options() {
    sim::WorldOptions o;
    o.seed = 1;
    o.faults = sim::FaultConfig::none();
    return o;
  }
  // The storage learns the MTR too (the writer's segments would hold it).
  FeedMessage mtr(Epoch epoch, std::uint64_t seq, Lsn vdl, Lsn sent, std::vector<FeedRecord> r) {
    for (const FeedRecord& x : r) {
      storage.write(x.lsn, x.page, x.offset, std::string(x.bytes.size(), ' '));
      for (std::size_t i = 0; i < x.bytes.size(); ++i) {
        storage.writes_.back().bytes[i] = x.bytes[i];
      }
    }
    return FeedMessage{epoch, seq, vdl, sent, std::move(r)};
  }
  std::string read(PageId page, Lsn* at = nullptr) {
    Result<ReplicaPage> p = replica->read(page);
    EXPECT_TRUE(p.is_ok()) << p.status().to_string();
    if (!p.is_ok()) return "";
    if (at != nullptr) *at = p->at;
    // Whatever it serves, the storage had at that read point.
    EXPECT_EQ(text(p->bytes), storage.page_at(page, p->at)) << "read point " << p->at;
    return text(p->bytes);
  }

  sim::World world;
  NodeId node = 0;
  FakeStorage storage;
  std::unique_ptr<ReadReplica> replica;
};

TEST(ReadReplica, AppliesWholeMtrsOnlyUpToVdl) {
  Fixture f;
  EXPECT_EQ(f.replica->read(0).kind(), ErrorKind::kBusy);  // no VDL heard yet
  f.replica->on_message(f.mtr(1, 1, 0, 0, {rec(1, 0, 0, "ab"), rec(2, 1, 0, "xy")}));
  EXPECT_EQ(f.read(0), "........");  // a miss at read point 0, now cached
  EXPECT_EQ(f.read(1), "........");
  // An MTR [3, 4] over both pages, then VDL 2: only [1, 2] is applied.
  f.replica->on_message(f.mtr(1, 2, 2, 2, {rec(3, 0, 2, "cd"), rec(4, 1, 2, "zz")}));
  Lsn at = 0;
  EXPECT_EQ(f.read(0, &at), "ab......");
  EXPECT_EQ(at, 2U);
  EXPECT_EQ(f.read(1), "xy......");
  f.replica->on_message(FeedMessage{1, 3, 4, 4, {}});
  EXPECT_EQ(f.read(0, &at), "abcd....");
  EXPECT_EQ(at, 4U);
  EXPECT_EQ(f.read(1), "xyzz....");
  EXPECT_EQ(f.storage.reads, 2);  // the two first misses: applied records kept them current
  EXPECT_EQ(f.replica->stats().restarts, 1U);  // the first epoch it heard
}

TEST(ReadReplica, CopiesAndLateMessagesChangeNothingAndAGapDropsTheCache) {
  Fixture f;
  f.replica->on_message(f.mtr(1, 1, 0, 0, {rec(1, 0, 0, "a")}));
  f.replica->on_message(FeedMessage{1, 2, 1, 1, {}});
  EXPECT_EQ(f.read(0), "a.......");
  f.replica->on_message(FeedMessage{1, 2, 1, 1, {}});  // a copy
  EXPECT_EQ(f.replica->stats().restarts, 1U);
  // Message 3 (MTR [2, 2] on page 0) is lost; 4 brings [3, 3] and VDL 2.
  FeedMessage lost = f.mtr(1, 3, 1, 1, {rec(2, 0, 1, "b")});
  f.replica->on_message(f.mtr(1, 4, 2, 2, {rec(3, 0, 2, "c")}));
  EXPECT_EQ(f.replica->stats().restarts, 2U);
  Lsn at = 0;
  EXPECT_EQ(f.read(0, &at), "ab......");  // from the storage: [2, 2] was never heard
  EXPECT_EQ(at, 2U);
  f.replica->on_message(lost);  // too late: ignored
  f.replica->on_message(FeedMessage{1, 5, 3, 3, {}});
  EXPECT_EQ(f.read(0, &at), "abc.....");
  EXPECT_EQ(at, 3U);
}

TEST(ReadReplica, ANewWriterRestartsTheStreamAndAFencedOneIsIgnored) {
  Fixture f;
  f.replica->on_message(f.mtr(1, 1, 0, 0, {rec(1, 0, 0, "a")}));
  f.replica->on_message(FeedMessage{1, 2, 1, 1, {}});
  EXPECT_EQ(f.read(0), "a.......");
  // MTR [2, 2] was allocated by writer 1 but never durable: writer 2 annuls (1, 100].
  f.replica->on_message(FeedMessage{1, 3, 1, 1, {rec(2, 0, 0, "X")}});
  f.replica->on_message(FeedMessage{2, 1, 100, 0, {}});
  Lsn at = 0;
  EXPECT_EQ(f.read(0, &at), "a.......");  // LSN 2 was dropped with the old stream
  EXPECT_EQ(at, 100U);
  f.replica->on_message(FeedMessage{1, 4, 200, 2, {}});  // the fenced writer: ignored
  EXPECT_EQ(f.replica->read_point(), 100U);
  f.replica->on_message(f.mtr(2, 2, 100, 0, {rec(101, 0, 1, "b")}));
  f.replica->on_message(FeedMessage{2, 3, 101, 101, {}});
  EXPECT_EQ(f.read(0), "ab......");
}

TEST(ReadReplica, RedoOutsideThePageIsRefused) {
  Fixture f;
  f.replica->on_message(f.mtr(1, 1, 0, 0, {rec(1, 0, 0, "a")}));
  f.replica->on_message(FeedMessage{1, 2, 1, 1, {}});
  EXPECT_EQ(f.read(0), "a.......");
  f.replica->on_message(FeedMessage{1, 3, 1, 1, {rec(2, 0, kPage - 1, "zz")}});
  f.replica->on_message(FeedMessage{1, 4, 2, 2, {}});  // a gap now: the cache is dropped
  EXPECT_EQ(f.replica->stats().restarts, 2U);
  EXPECT_EQ(f.read(0), "a.......");
}

TEST(ReplicaFeed, MessagesRoundTripAndMalformedOnesAreRefused) {
  const FeedMessage m{3, 7, 40, 38, {rec(39, 5, 2, "hi"), rec(40, 6, 0, "")}};
  const std::vector<std::byte> bytes = encode(m);
  Result<FeedMessage> back = decode_feed(bytes);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(*back, m);
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_EQ(decode_feed(std::span(bytes).first(cut)).kind(), ErrorKind::kCorruption) << cut;
  }
  std::vector<std::byte> longer = bytes;
  longer.push_back(std::byte{0});
  EXPECT_EQ(decode_feed(longer).kind(), ErrorKind::kCorruption);
}

}  // namespace
}  // namespace aurora::quorum
