// The whole engine under crashes (DESIGN.md invariants 3, 4, 6, 7, 8 and 9): two compute
// nodes commit multi-page MTRs and read at their read points, and at random past read
// points, a third only reads and seldom refreshes, while images, GC, image compaction and tiering run in the background. A chaos
// fiber crashes one compute node, or everything (compute nodes and storage), with torn
// writes. Every read is checked against a model kept outside every node; every recovery
// against what the model knows was acknowledged.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>

#include "engine/compute/compute_node.h"
#include "engine/storage/presets.h"
#include "sim/world.h"
#include "tests/engine/log_harness.h"

namespace aurora::compute {
namespace {

constexpr std::uint32_t kPageSize = 64;
constexpr PageId kPages = 6;

struct Write {
  PageId page;
  std::uint32_t offset;
  std::vector<std::byte> bytes;
};

// What the test knows independently of the engine.
struct Model {
  std::map<Lsn, std::vector<Write>> mtrs;  // by CPL; record i has LSN cpl - size + 1 + i
  std::set<Lsn> acknowledged;              // CPLs whose commit returned OK
  std::set<Lsn> consistency_points{0};     // CPLs, and the VDL each recovery ended on
  Lsn highest_vdl_acted_on = 0;            // acknowledged, or handed to a reader

  // The page as of `at`: every record at or below it, MTRs whole or in part.
  std::vector<std::byte> page_at(PageId page, Lsn at) const {
    std::vector<std::byte> out(kPageSize);
    for (const auto& [cpl, writes] : mtrs) {
      const Lsn first = cpl - writes.size() + 1;
      if (first > at) break;
      for (std::size_t i = 0; i < writes.size() && first + i <= at; ++i) {
        if (writes[i].page != page) continue;
        std::copy(writes[i].bytes.begin(), writes[i].bytes.end(), out.begin() + writes[i].offset);
      }
    }
    return out;
  }
};

struct EngineRun {
  explicit EngineRun(std::uint64_t seed, sim::CrashMode mode)
      : seed(seed), mode(mode), world(options(seed)), rng(world.stream("test")) {}

  static sim::WorldOptions options(std::uint64_t seed) {
    sim::WorldOptions o;
    o.seed = seed;
    o.faults = sim::FaultConfig::none();
    o.faults.rule(sim::FaultKind::kTornWrite) = {true, 1.0, UINT64_MAX};
    o.faults.atomic_unit = seed % 2 ? 512 : 1;
    return o;
  }

  std::string where() const {
    return "seed " + std::to_string(seed) + " " + std::string(sim::crash_mode_name(mode)) + " round " +
           std::to_string(round);
  }

  storage::StorageOptions storage_options() const {
    storage::StorageOptions o = *storage::storage_preset(seed % 2 ? "tiered" : "base");
    o.log.segment_bytes = 2048;
    o.log.cold_read_latency = 50 * kMicrosecond;
    o.log.group_max_delay = 10 * kMicrosecond;
    o.log.durability = seed % 3 == 0 ? wal::Durability::kEveryCommit : wal::Durability::kGroup;
    o.pages.page_size = kPageSize;
    o.pages.cache_pages = 16;
    o.pages.image_after = 4;
    o.pages.compact_min_dead = 4;
    o.maintenance_interval = 200 * kMicrosecond;
    return o;
  }

  // Recovery's claims against the model; then forgets the MTRs that did not survive.
  void check_recovered(storage::Storage& s) {
    const wal::RecoveryReport& r = s.log().recovery();
    if (r.fresh) {
      EXPECT_TRUE(model.acknowledged.empty()) << where() << ": a fresh volume after acks";
      return;
    }
    const Lsn vdl = r.vdl_found;
    auto annulled = [&](Lsn lsn) {
      for (const wal::AnnulledRange& a : s.log().control().annulled) {
        if (lsn >= a.from && lsn <= a.to) return true;
      }
      return false;
    };
    auto annulled_end = [&](Lsn lsn) {
      for (const wal::AnnulledRange& a : s.log().control().annulled) {
        if (a.to == lsn) return true;
      }
      return false;
    };
    EXPECT_GE(vdl, model.highest_vdl_acted_on) << where() << ": invariant 4";
    EXPECT_LE(vdl, r.vcl_found) << where() << ": invariant 3";
    EXPECT_TRUE(model.consistency_points.count(vdl) || annulled_end(vdl))
        << where() << ": recovered VDL " << vdl << " is not a consistency point";
    for (Lsn cpl : model.acknowledged) {
      EXPECT_LE(cpl, vdl) << where() << ": acknowledged " << cpl << " lost (invariant 7)";
    }
    for (auto it = model.mtrs.begin(); it != model.mtrs.end();) {
      const Lsn first = it->first - it->second.size() + 1;
      EXPECT_FALSE(first <= vdl && vdl < it->first)
          << where() << ": MTR " << first << ".." << it->first << " split by VDL " << vdl;
      it = it->first > vdl || annulled(it->first) ? model.mtrs.erase(it) : std::next(it);
    }
  }

  void boot_storage(Runtime rt) {
    Result<std::unique_ptr<storage::Storage>> s = storage::Storage::open(rt, storage_options());
    ASSERT_TRUE(s.is_ok()) << where() << ": " << s.status().to_string();
    check_recovered(**s);
    model.consistency_points.insert((*s)->vdl());
    volume = std::move(*s);
    ++opens;
  }

  // A compute node's life: commits, reads at its read point and at past ones, refreshes,
  // each checked against the model, until the node (or everything) crashes.
  void boot_compute(Runtime rt, const std::string& name) {
    while (!volume) rt.clock.sleep_for(100 * kMicrosecond);
    storage::Storage& s = *volume;
    ComputeNode node(s, name, ComputeOptions{.buffer_pages = 4});
    // "lag" only reads. With the tiered preset it also refreshes rarely: its read point
    // holds GC back, so reads in the past reach cold segments before GC takes them. With the
    // base preset GC keeps up, and images die and get compacted.
    const bool reader = name == "lag";
    const double refresh_chance = seed % 2 == 1 ? 0.02 : 1.0;
    for (;;) {
      const std::uint64_t op = reader ? 5 + rng.below(5) : rng.below(10);
      if (reader && op == 9 && !rng.chance(refresh_chance)) continue;
      if (op < 5) {
        commit_one(node);
      } else if (op < 8) {
        if (rng.chance(0.3)) s.pages().drop_cache();  // invariant 9: cold reads the same
        const PageId page = rng.below(kPages);
        const Lsn at = node.read_point();
        ASSERT_LE(at, s.vdl()) << where() << ": a read point above VDL";
        ASSERT_TRUE(model.consistency_points.count(at)) << where() << ": read point " << at;
        Result<std::vector<std::byte>> got = node.read(page);
        ASSERT_TRUE(got.is_ok()) << where() << ": " << got.status().to_string();
        ASSERT_EQ(*got, model.page_at(page, at)) << where() << ": page " << page << " at " << at;
        model.highest_vdl_acted_on = std::max(model.highest_vdl_acted_on, at);
        ++reads_checked;
      } else if (op < 9) {
        read_in_the_past(s);
      } else {
        ASSERT_TRUE(node.refresh().is_ok());
      }
      rt.clock.sleep_for(static_cast<Nanos>(rng.below(30)) * kMicrosecond);
    }
  }

  void commit_one(ComputeNode& node) {
    Mtr mtr;
    std::vector<Write> writes;
    const int n = 1 + static_cast<int>(rng.below(4));
    for (int i = 0; i < n; ++i) {
      const auto offset = static_cast<std::uint32_t>(rng.below(kPageSize));
      std::vector<std::byte> bytes(1 + rng.below(std::min<std::uint64_t>(16, kPageSize - offset)));
      for (auto& b : bytes) b = static_cast<std::byte>(rng.below(256));
      writes.push_back({rng.below(kPages), offset, bytes});
      mtr.put(writes.back().page, offset, bytes);
    }
    Result<Lsn> cpl = node.commit(mtr, {.appended = [this, writes](Lsn at) {
                                          model.mtrs[at] = writes;
                                          model.consistency_points.insert(at);
                                        }});
    ASSERT_TRUE(cpl.is_ok()) << where() << ": " << cpl.status().to_string();
    model.acknowledged.insert(*cpl);
    model.highest_vdl_acted_on = std::max(model.highest_vdl_acted_on, *cpl);
    EXPECT_GE(node.read_point(), *cpl) << where() << ": a node must read its own writes";
    ++commits;
  }

  // A read at any read point the storage accepts equals the model (invariant 8); below the
  // GC horizon it is refused, never answered. An unpinned read point below every pinned
  // one may be refused: GC may be collecting there as the read starts, or under it.
  void read_in_the_past(storage::Storage& s) {
    const Lsn floor = s.log().gc_floor();
    const Lsn at = floor + rng.below(s.vdl() - floor + 1);
    const PageId page = rng.below(kPages);
    Result<std::vector<std::byte>> got = s.read(page, at);
    if (got.kind() == ErrorKind::kOutOfRange) {
      ASSERT_LT(at, s.min_read_point()) << where() << ": refused a pinned read point: "
                                        << got.status().to_string();
      return;
    }
    ASSERT_TRUE(got.is_ok()) << where() << ": read at " << at << ": " << got.status().to_string();
    ASSERT_EQ(*got, model.page_at(page, at)) << where() << ": page " << page << " at " << at;
    if (floor > 0) {
      ASSERT_EQ(s.read(page, floor - 1).kind(), ErrorKind::kOutOfRange) << where();
    }
    ++reads_checked;
  }

  // Crashes whatever is up, compute nodes first: their fibers unwind while the storage
  // they reference still exists, and nothing runs on a destroyed volume.
  void crash_all() {
    for (NodeId c : computes) {
      if (world.up(c)) world.crash(c, mode);
    }
    if (world.up(storage_node)) world.crash(storage_node, mode);
    volume.reset();
  }
  ~EngineRun() { crash_all(); }

  std::uint64_t seed;
  sim::CrashMode mode;
  sim::World world;
  NodeId storage_node = 0;
  std::vector<NodeId> computes;
  sim::Rng rng;
  Model model;
  std::unique_ptr<storage::Storage> volume;
  int round = 0;
  int opens = 0;
  std::uint64_t commits = 0;
  std::uint64_t reads_checked = 0;
};

class ComputeCrashSweep : public ::testing::TestWithParam<sim::CrashMode> {};

TEST_P(ComputeCrashSweep, ReadsMatchTheModelAndAcknowledgedMtrsSurvive) {
  std::uint64_t commits = 0, reads = 0, compute_crashes = 0, full_crashes = 0;
  std::uint64_t compactions = 0, cold_reads = 0, opens = 0;
  for (std::uint64_t seed = 1; seed <= 24; ++seed) {
    EngineRun run(seed, GetParam());
    auto count_volume = [&] {
      if (!run.volume) return;
      compactions += run.volume->pages().stats().image_compactions;
      cold_reads += run.volume->log().stats().cold_reads;
    };
    run.storage_node = run.world.add_node("storage", [&](Runtime rt) { run.boot_storage(rt); });
    for (const char* name : {"A", "B", "lag"}) {
      run.computes.push_back(
          run.world.add_node(name, [&run, name = std::string(name)](Runtime rt) {
            run.boot_compute(rt, name);
          }));
    }
    for (run.round = 0; run.round < 6; ++run.round) {
      run.world.spawn("chaos", [&] {
        run.world.clock().sleep_for(static_cast<Nanos>(1 + run.rng.below(15000)) * kMicrosecond);
        if (run.rng.chance(0.5)) {
          const NodeId victim = run.computes[run.rng.below(run.computes.size())];
          run.world.crash(victim, run.mode);
          run.world.restart(victim);
          ++compute_crashes;
          return;
        }
        count_volume();  // its counters go with it
        run.crash_all();
        ++full_crashes;
        run.world.restart(run.storage_node);
        for (NodeId c : run.computes) run.world.restart(c);
      });
      const RunOutcome out =
          run.world.run(RunLimits{.until = run.world.clock().now() + 16 * kMillisecond});
      ASSERT_NE(out.kind, RunOutcome::Kind::kDeadlock) << run.where() << ": " << out.describe();
      ASSERT_FALSE(HasFailure()) << run.where();
    }
    count_volume();
    commits += run.commits;
    opens += run.opens;
    reads += run.reads_checked;
  }
  std::printf("%llu commits, %llu reads checked, %llu compute crashes, %llu full crashes, "
              "%llu image compactions, %llu cold reads\n",
              static_cast<unsigned long long>(commits), static_cast<unsigned long long>(reads),
              static_cast<unsigned long long>(compute_crashes),
              static_cast<unsigned long long>(full_crashes),
              static_cast<unsigned long long>(compactions),
              static_cast<unsigned long long>(cold_reads));
  // The sweep really exercised what it claims to.
  EXPECT_GT(commits, 1000u);
  EXPECT_GT(reads, 1000u);
  EXPECT_GT(compute_crashes, 10u);
  EXPECT_GT(full_crashes, 10u);
  EXPECT_GT(opens, 24 + 10u);  // recoveries that got as far as being checked
  EXPECT_GT(compactions, 0u);
  EXPECT_GT(cold_reads, 0u);
}

INSTANTIATE_TEST_SUITE_P(EveryMode, ComputeCrashSweep,
                         ::testing::Values(sim::CrashMode::kDropAll, sim::CrashMode::kPrefix,
                                           sim::CrashMode::kSubset),
                         wal::testing::crash_mode_test_name);

}  // namespace
}  // namespace aurora::compute
