// The quorum tier end to end in a simulated world: a writer, 6 storage nodes in 3 zones
// hosting 2 PGs, the network between them. Acknowledged commits are on 4 of 6 segments at
// the moment of acknowledgement (judged from the segments' durable state, not the writer's
// belief), writes go on with 2 segments of each PG down and wait with 3, a recovered writer
// keeps everything acknowledged, and a writer fenced by a newer one acknowledges nothing.
#include "engine/quorum/writer.h"

#include <gtest/gtest.h>

#include "engine/quorum/segment_server.h"
#include "sim/world.h"
#include "tests/engine/log_harness.h"

namespace aurora::quorum {
namespace {

using wal::testing::bytes_of;

constexpr std::uint32_t kPage = 64;

struct Cluster {
  explicit Cluster(std::uint64_t seed) : world(options(seed)) {
    const char* zones = "aabbcc";
    for (std::size_t i = 0; i < kReplicas; ++i) {
      storage[i] = world.add_node(std::string("storage").append(std::to_string(i)), nullptr,
                                  std::string(1, zones[i]));
    }
    layout = VolumeLayout::standard(2, 4, storage);
    for (std::size_t i = 0; i < kReplicas; ++i) {
      const NodeId node = storage[i];
      world.sched().spawn(node, "boot", [this, node] { boot(node); });
    }
    writer_node = world.add_node("writer", nullptr, "a");
    second_writer_node = world.add_node("writer2", nullptr, "b");
  }
  static sim::WorldOptions options(std::uint64_t seed) {
    sim::WorldOptions o;
    o.seed = seed;
    o.faults = sim::FaultConfig::none();
    return o;
  }
  void boot(NodeId node) {
    GossipOptions g = SegmentServer::gossip_for(layout, node);
    Result<std::unique_ptr<SegmentServer>> s =
        SegmentServer::start(world.runtime(node), layout.segments_on(node, kPage), std::move(g));
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    servers[node] = std::move(s).value();
  }
  void crash_storage(std::size_t i) {
    world.crash(storage[i]);
    servers.erase(storage[i]);
  }
  void restart_storage(std::size_t i) {
    world.restart(storage[i]);
    const NodeId node = storage[i];
    world.sched().spawn(node, "boot", [this, node] { boot(node); });
  }
  WriterOptions writer_options() const {
    WriterOptions o;
    o.layout = layout;
    o.lal = 1000;
    o.page_size = kPage;
    return o;
  }
  // Runs `body` on `node` and waits (from the world's fiber) until it finishes or `limit`
  // of virtual time passes; true when it finished.
  bool on(NodeId node, std::function<void()> body, Nanos limit = 2 * kSecond) {
    auto done = std::make_shared<Event>(world.sched());
    world.sched().spawn(node, "step", [body = std::move(body), done] {
      body();
      done->set();
    });
    return done->wait_until(world.clock().now() + limit, "test.step");
  }
  // How many segments of the record's PG hold `lsn` durably now.
  int holders(Lsn lsn, PageId page) const {
    int n = 0;
    for (SegmentId s : all_segments(layout.members.at(layout.pg_of(page)))) {
      const auto it = servers.find(layout.node_of.at(s));
      if (it == servers.end()) continue;
      const Segment* seg = it->second->segment(s);
      if (seg == nullptr) continue;
      for (const RecordMeta& m : seg->held()) n += m.lsn == lsn ? 1 : 0;
    }
    return n;
  }

  sim::World world;
  std::array<NodeId, kReplicas> storage{};
  NodeId writer_node = 0;
  NodeId second_writer_node = 0;
  VolumeLayout layout;
  std::map<NodeId, std::unique_ptr<SegmentServer>> servers;
};

// The model: every acknowledged write, replayed per page.
struct Model {
  std::map<PageId, std::vector<std::byte>> pages;
  Lsn last_acked = 0;
  void apply(const std::vector<wal::Redo>& mtr) {
    for (const wal::Redo& r : mtr) {
      auto& p = pages.try_emplace(r.page, kPage).first->second;
      std::copy(r.bytes.begin(), r.bytes.end(), p.begin() + r.offset);
    }
  }
};

std::vector<wal::Redo> mtr_of(int i) {
  // Two pages, in different PGs when i is odd (pages 0-3 are PG 0, 4-7 PG 1).
  const PageId a = static_cast<PageId>(i % 8);
  const PageId b = static_cast<PageId>((i * 3 + 1) % 8);
  const std::string text = std::string("m").append(std::to_string(i));
  return {wal::Redo{a, static_cast<std::uint32_t>(i % 16), bytes_of(text)},
          wal::Redo{b, 32, bytes_of(text)}};
}

// Commits MTR `i` with `w`, checking invariant 12 at the acknowledgement.
Result<Lsn> commit_checked(Cluster& c, QuorumWriter& w, Model& model, int i) {
  const std::vector<wal::Redo> mtr = mtr_of(i);
  Lsn first = 0;
  storage::CommitHooks hooks;
  hooks.appended = [&](Lsn cpl) { first = cpl - mtr.size() + 1; };
  hooks.acknowledged = [&](Lsn cpl) {
    for (Lsn l = first; l <= cpl; ++l) {
      const int n = c.holders(l, mtr[l - first].page);
      EXPECT_GE(n, kWriteQuorum) << "LSN " << l << " acknowledged on " << n << " segments";
    }
  };
  Result<Lsn> cpl = w.commit(mtr, hooks);
  if (cpl.is_ok()) {
    model.apply(mtr);
    model.last_acked = *cpl;
  }
  return cpl;
}

void expect_reads_match(QuorumWriter& w, const Model& model) {
  for (const auto& [page, bytes] : model.pages) {
    const Result<std::vector<std::byte>> got = w.read(page, w.vdl());
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    EXPECT_EQ(*got, bytes) << "page " << page;
  }
}

TEST(QuorumWriter, CommitsRecoverAndFence) {
  Cluster c(11);
  Model model;
  std::unique_ptr<QuorumWriter> w;
  c.world.spawn("driver", [&] {
    ASSERT_TRUE(c.on(c.writer_node, [&] {
      Result<std::unique_ptr<QuorumWriter>> opened =
          QuorumWriter::open(c.world.runtime(c.writer_node), c.writer_options());
      ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
      w = std::move(opened).value();
    }));
    EXPECT_EQ(w->epoch(), 1U);
    ASSERT_TRUE(c.on(c.writer_node, [&] {
      for (int i = 0; i < 20; ++i) ASSERT_TRUE(commit_checked(c, *w, model, i).is_ok());
      expect_reads_match(*w, model);
    }));
    EXPECT_GE(w->vdl(), model.last_acked);

    // Two segments of every PG down (one in zone a, one in zone b): writes go on.
    c.crash_storage(0);
    c.crash_storage(2);
    ASSERT_TRUE(c.on(c.writer_node, [&] {
      for (int i = 20; i < 30; ++i) ASSERT_TRUE(commit_checked(c, *w, model, i).is_ok());
      expect_reads_match(*w, model);
    }));

    // A third: 3 of 6 is no write quorum, so nothing is acknowledged...
    c.crash_storage(4);
    bool acked = false;
    EXPECT_FALSE(c.on(c.writer_node, [&] {
      acked = commit_checked(c, *w, model, 30).is_ok();
    }, 500 * kMillisecond));
    EXPECT_FALSE(acked);
    // ... until one comes back: then the waiting commit completes.
    c.restart_storage(0);
    c.world.clock().sleep_for(2 * kSecond);
    EXPECT_TRUE(acked);
    c.restart_storage(2);
    c.restart_storage(4);

    // The writer crashes; a new one recovers everything acknowledged.
    const Lsn vdl_before = w->vdl();
    c.world.crash(c.writer_node);
    w.reset();
    c.world.restart(c.writer_node);
    ASSERT_TRUE(c.on(c.writer_node, [&] {
      Result<std::unique_ptr<QuorumWriter>> opened =
          QuorumWriter::open(c.world.runtime(c.writer_node), c.writer_options());
      ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
      w = std::move(opened).value();
      EXPECT_GE(w->vdl(), vdl_before);
      EXPECT_GE(w->recovery().vdl, model.last_acked);
      expect_reads_match(*w, model);
      for (int i = 31; i < 40; ++i) ASSERT_TRUE(commit_checked(c, *w, model, i).is_ok());
    }));
    EXPECT_GE(w->epoch(), 2U);

    // A second writer recovers on another node: the first is fenced and acknowledges nothing.
    std::unique_ptr<QuorumWriter> w2;
    ASSERT_TRUE(c.on(c.second_writer_node, [&] {
      Result<std::unique_ptr<QuorumWriter>> opened =
          QuorumWriter::open(c.world.runtime(c.second_writer_node), c.writer_options());
      ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
      w2 = std::move(opened).value();
    }));
    EXPECT_GT(w2->epoch(), w->epoch());
    ASSERT_TRUE(c.on(c.writer_node, [&] {
      bool stale_acked = false;
      storage::CommitHooks hooks;
      hooks.acknowledged = [&](Lsn) { stale_acked = true; };
      const Result<Lsn> stale = w->commit(mtr_of(99), hooks);
      EXPECT_EQ(stale.kind(), ErrorKind::kStopped) << stale.status().to_string();
      EXPECT_FALSE(stale_acked);
    }));
    ASSERT_TRUE(c.on(c.second_writer_node, [&] {
      expect_reads_match(*w2, model);
      for (int i = 40; i < 45; ++i) ASSERT_TRUE(commit_checked(c, *w2, model, i).is_ok());
    }));
    w.reset();
    w2.reset();
    c.servers.clear();
  });
  const RunOutcome out = c.world.run(RunLimits{.until = 120 * kSecond});
  EXPECT_EQ(out.kind, RunOutcome::Kind::kCompleted) << out.describe();
}

}  // namespace
}  // namespace aurora::quorum
