// A storage node's segment service (engine/quorum/segment_server.h) over the simulated
// network: every method from another node, errors (kFenced above all) arriving with their
// kind, malformed requests refused, and the wire formats' round trips.
#include "engine/quorum/segment_server.h"

#include <gtest/gtest.h>

#include "engine/quorum/segment_wire.h"
#include "sim/world.h"
#include "tests/engine/log_harness.h"

namespace aurora::quorum {
namespace {

using wal::testing::bytes_of;
using wal::testing::text_of;

SegmentRecord rec(Lsn lsn, Lsn prev, Epoch epoch, std::string_view text, PageId page = 1) {
  return SegmentRecord{RecordMeta{lsn, prev, true, epoch, page}, 0, bytes_of(text)};
}



struct TwoNodes {
  TwoNodes() : world(options()) {
    storage = world.add_node("storage", [this](Runtime rt) {
      std::vector<SegmentOptions> segs{{"seg-1", 1, 0, 64}, {"seg-2", 2, 1, 64}};
      Result<std::unique_ptr<SegmentServer>> s = SegmentServer::start(rt, std::move(segs));
      ASSERT_TRUE(s.is_ok()) << s.status().to_string();
      server = std::move(s).value();
    });
    client = world.add_node("writer", nullptr);
  }
  static sim::WorldOptions options() {
    sim::WorldOptions o;
    o.seed = 5;
    o.faults = sim::FaultConfig::none();
    return o;
  }
  // Runs `body` on the writer node until everything settles.
  void run(std::function<void(rpc::RpcClient&)> body) {
    world.sched().spawn(client, "test", [this, body] {
      Result<std::unique_ptr<rpc::RpcClient>> c = rpc::RpcClient::open(world.runtime(client));
      ASSERT_TRUE(c.is_ok());
      // The storage node opens its segments (disk I/O) before it listens.
      for (int i = 0; i < 1000 && server == nullptr; ++i) {
        world.runtime(client).clock.sleep_for(kMillisecond);
      }
      ASSERT_NE(server, nullptr);
      body(**c);
    });
    const RunOutcome out = world.run();
    ASSERT_EQ(out.kind, RunOutcome::Kind::kCompleted) << out.describe();
  }
  Address to() const { return Address{storage, SegmentServer::kPort}; }
  Nanos deadline() { return world.clock().now() + 50 * kMillisecond; }

  sim::World world;
  NodeId storage = 0;
  NodeId client = 0;
  std::unique_ptr<SegmentServer> server;
};

TEST(QuorumSegmentServer, ServesEveryMethodAcrossTheNetwork) {
  TwoNodes t;
  t.run([&](rpc::RpcClient& c) {
    const wire::Header h1{1, {1, 1}};
    const std::vector<AnnulledRange> first{{1, 10, 1}};
    Result<wire::Bytes> got =
        c.call(t.to(), wire::kAnnul, wire::encode(wire::AnnulRequest{h1, first}), t.deadline());
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    EXPECT_EQ(*wire::decode_lsn(*got), 0U);
    const std::vector<SegmentRecord> recs{rec(11, 0, 1, "ab"), rec(13, 11, 1, "c")};
    got = c.call(t.to(), wire::kAppend, wire::encode(wire::AppendRequest{h1, recs}), t.deadline());
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    EXPECT_EQ(*wire::decode_lsn(*got), 13U);
    got = c.call(t.to(), wire::kRead, wire::encode(wire::ReadRequest{h1, 1, 13}), t.deadline());
    ASSERT_TRUE(got.is_ok());
    EXPECT_EQ(text_of(*got).substr(0, 2), "cb");
    got = c.call(t.to(), wire::kGossip, wire::encode(wire::GossipRequest{h1, 0, 10, {13}}),
                 t.deadline());
    ASSERT_TRUE(got.is_ok());
    const auto sent = wire::decode_gossip_answer(*got);
    ASSERT_TRUE(sent.is_ok());
    ASSERT_EQ(sent->records.size(), 1U);
    EXPECT_EQ(sent->records[0], recs[0]);
    EXPECT_TRUE(sent->annulled.empty());
    got = c.call(t.to(), wire::kStatus, wire::encode(h1), t.deadline());
    ASSERT_TRUE(got.is_ok());
    EXPECT_EQ(wire::decode_status(*got)->scl, 13U);
    // A recovering writer fences epoch 2; the writer of epoch 1 is refused, as kFenced.
    got = c.call(t.to(), wire::kFence, wire::encode(wire::Header{1, {2, 1}}), t.deadline());
    ASSERT_TRUE(got.is_ok());
    const auto report = wire::decode_report(*got);
    ASSERT_TRUE(report.is_ok());
    EXPECT_EQ(report->records.size(), 2U);
    EXPECT_EQ(report->volume_epoch, 2U);
    got = c.call(t.to(), wire::kAppend,
                 wire::encode(wire::AppendRequest{h1, {rec(14, 13, 1, "d")}}), t.deadline());
    EXPECT_EQ(got.kind(), ErrorKind::kFenced) << got.status().to_string();
    // The other segment of the node is untouched by that fence.
    got = c.call(t.to(), wire::kStatus, wire::encode(wire::Header{2, {0, 0}}), t.deadline());
    ASSERT_TRUE(got.is_ok());
    EXPECT_EQ(wire::decode_status(*got)->epochs, (Epochs{0, 0}));
  });
}

TEST(QuorumSegmentServer, RefusesUnknownSegmentsAndMalformedRequests) {
  TwoNodes t;
  t.run([&](rpc::RpcClient& c) {
    Result<wire::Bytes> got =
        c.call(t.to(), wire::kStatus, wire::encode(wire::Header{9, {1, 1}}), t.deadline());
    EXPECT_EQ(got.kind(), ErrorKind::kNotFound);
    wire::Bytes body = wire::encode(wire::AppendRequest{{1, {1, 1}}, {rec(11, 0, 1, "ab")}});
    body.back() ^= std::byte{1};  // the record's checksum no longer holds
    got = c.call(t.to(), wire::kAppend, body, t.deadline());
    EXPECT_EQ(got.kind(), ErrorKind::kCorruption);
    got = c.call(t.to(), 99, wire::encode(wire::Header{1, {1, 1}}), t.deadline());
    EXPECT_EQ(got.kind(), ErrorKind::kInvalidArgument);
  });
}

TEST(QuorumSegmentWire, MessagesRoundTripAndTruncationsAreRefused) {
  const wire::AppendRequest a{{3, {4, 5}}, {rec(11, 0, 1, "ab"), rec(13, 11, 1, "c")}};
  const wire::Bytes b = wire::encode(a);
  const auto back = wire::decode_append(b);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->h.segment, 3U);
  EXPECT_EQ(back->h.epochs, (Epochs{4, 5}));
  EXPECT_EQ(back->records, a.records);
  for (std::size_t n = 0; n < b.size(); ++n) {
    EXPECT_FALSE(wire::decode_append(std::span(b).first(n)).is_ok()) << n;
  }
  SegmentReport r{7, 3, {{1, 10, 1}, {20, 30, 3}}, {{11, 0, true, 1}, {12, 11, false, 2}}, true};
  const wire::Bytes rb = wire::encode_report(r);
  const auto rback = wire::decode_report(rb);
  ASSERT_TRUE(rback.is_ok());
  EXPECT_EQ(rback->records, r.records);
  EXPECT_EQ(rback->annulled, r.annulled);
  EXPECT_TRUE(rback->suspect);
  // Records out of order are not a report.
  std::swap(r.records[0], r.records[1]);
  EXPECT_FALSE(wire::decode_report(wire::encode_report(r)).is_ok());
  const wire::GossipRequest g{{1, {2, 3}}, 40, 16, {41, 45}};
  const auto gback = wire::decode_gossip(wire::encode(g));
  ASSERT_TRUE(gback.is_ok());
  EXPECT_EQ(gback->have, g.have);
  EXPECT_EQ(gback->limit, 16U);
}

}  // namespace
}  // namespace aurora::quorum
