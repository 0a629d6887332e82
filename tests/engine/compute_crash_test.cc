// The whole engine under crashes: two compute nodes commit multi-page MTRs and read at
// their read points, and at random past read points, a third only reads and seldom
// refreshes, while images, GC, image compaction and tiering run in the background. Each
// reaches the storage node over the world's network (compute::RemoteStorage to a
// compute::StorageServer; the network only delays here). A chaos fiber crashes one compute
// node, the storage alone (the compute nodes live on, their calls under way fail or time
// out, and they go on once it recovered), or everything, with torn writes. What every
// node observes (allocations, acknowledgements, reads, the storage's counters, crashes,
// recoveries and their annulments) goes to the project's reference model and checkers
// (workloads/check/suite.h), built by the same parts the MTR workload uses
// (workloads/mtr/mtr_parts.h): every invariant of DESIGN.md section 4 is judged by them,
// not by a model of this test's own.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/compute/compute_node.h"
#include "engine/compute/remote_storage.h"
#include "engine/compute/storage_server.h"
#include "engine/storage/presets.h"
#include "sim/world.h"
#include "tests/engine/log_harness.h"
#include "workloads/check/suite.h"
#include "workloads/mtr/mtr_parts.h"

namespace aurora::compute {
namespace {

namespace check = workloads::check;
namespace obs = workloads::check::obs;

constexpr std::uint32_t kPageSize = 64;
constexpr PageId kPages = 6;

// The storage is not there: crashed under the call (kNodeDown) or no answer came (kTimeout).
bool unavailable(ErrorKind k) { return k == ErrorKind::kNodeDown || k == ErrorKind::kTimeout; }

std::string describe(const std::vector<workloads::Violation>& violations) {
  std::string out;
  for (const workloads::Violation& v : violations) {
    out += "\n  " + v.invariant + ": " + v.message;
  }
  return out;
}

struct EngineRun {
  explicit EngineRun(std::uint64_t seed, sim::CrashMode mode)
      : seed(seed),
        mode(mode),
        world(options(seed)),
        rng(world.stream("test")),
        suite(/*unrestricted=*/false, kPageSize) {
    // A recovery's annulment is observed when it becomes durable: a crash may strike before
    // that recovery finishes, and the next one may then end on the annulment's end.
    world.trace().set_listener([this](std::string_view kind, std::span<const Field> fields) {
      if (std::optional<obs::Annulled> a = workloads::annulled_observation(kind, fields)) {
        observe(*a);
      }
    });
  }

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

  // Every observation goes through the Suite; violations are kept there (the test checks
  // suite.violations() after each round).
  void observe(const check::Observation& o) { (void)suite.observe(o); }

  // A compute node: its link to the storage, and while its boot fiber runs, the node.
  struct Slot {
    NodeId node = 0;
    std::unique_ptr<RemoteStorage> link;
    ComputeNode* live = nullptr;
    std::uint64_t storage_crashes_seen = 0;  // storage crashes this incarnation outlived
  };

  // The storage's counters, with the read points of the compute nodes up now.
  void observe_state() {
    if (!volume) return;
    std::vector<Lsn> read_points;
    for (const auto& [name, slot] : slots) {
      if (slot.live != nullptr) read_points.push_back(slot.live->read_point());
    }
    observe(workloads::state_observation(*volume, std::move(read_points)));
  }

  void boot_storage(Runtime rt) {
    Result<std::unique_ptr<storage::Storage>> s = storage::Storage::open(rt, storage_options());
    if (!s.is_ok() && s.kind() == ErrorKind::kCorruption) {
      observe(obs::Recovered{.corruption = s.status().to_string()});
    }
    ASSERT_TRUE(s.is_ok()) << where() << ": " << s.status().to_string();
    observe(workloads::recovered_observation(**s));
    volume = std::move(*s);
    ++opens;
    Result<std::unique_ptr<StorageServer>> started = StorageServer::start(rt, *volume, hooks.observer());
    ASSERT_TRUE(started.is_ok()) << where() << ": " << started.status().to_string();
    server = std::move(started).value();
    observe_state();
  }

  // A compute node's life: commits, reads at its read point and at past ones, refreshes,
  // each observed, until the node (or everything) crashes.
  void boot_compute(Runtime rt, const std::string& name) {
    Slot& slot = slots[name];
    slot.node = rt.node;
    Result<std::unique_ptr<RemoteStorage>> link =
        RemoteStorage::open(rt, Address{storage_node, StorageServer::kPort},
                            // Rounds last 16 ms: a call cut off by a storage crash gives up
                            // soon, so the node goes on with the recovered storage.
                            RemoteOptions{.attempt_timeout = kMillisecond, .attempts = 2});
    ASSERT_TRUE(link.is_ok()) << where() << ": " << link.status().to_string();
    slot.link = std::move(link).value();
    ComputeNode node(*slot.link, name,
                     ComputeOptions{.buffer_pages = 4, .node = rt.node, .incarnation = rt.incarnation});
    // Its read point counts in every State while the fiber lives (a crash unwinds it).
    struct Live {
      Slot& slot;
      ~Live() { slot.live = nullptr; }
    } alive{slot};
    slot.live = &node;
    slot.storage_crashes_seen = 0;
    observe(obs::SessionStarted{name});  // a new session: its read point starts afresh
    // "lag" only reads. With the tiered preset it also refreshes rarely: its read point
    // holds GC back, so reads in the past reach cold segments before GC takes them. With the
    // base preset GC keeps up, and images die and get compacted.
    const bool reader = name == "lag";
    const double refresh_chance = seed % 2 == 1 ? 0.02 : 1.0;
    for (;;) {
      if (!volume) {  // the storage is down: wait for its recovery
        rt.clock.sleep_for(100 * kMicrosecond);
        continue;
      }
      const std::uint64_t op = reader ? 5 + rng.below(5) : rng.below(10);
      if (reader && op == 9 && !rng.chance(refresh_chance)) continue;
      if (op < 5) {
        commit_one(node);
      } else if (op < 8) {
        read_at_read_point(slot, node);
      } else if (op < 9) {
        read_in_the_past(slot, name);
      } else {
        const Result<Lsn> rp = node.refresh();
        ASSERT_TRUE(rp.is_ok() || unavailable(rp.kind()))
            << where() << ": " << rp.status().to_string();
      }
      observe_state();
      rt.clock.sleep_for(static_cast<Nanos>(rng.below(30)) * kMicrosecond);
    }
  }

  void commit_one(ComputeNode& node) {
    Mtr mtr;
    std::vector<check::Write> writes;
    const int n = 1 + static_cast<int>(rng.below(4));
    for (int i = 0; i < n; ++i) {
      const PageId page = rng.below(kPages);
      const auto offset = static_cast<std::uint32_t>(rng.below(kPageSize));
      std::vector<std::byte> bytes(1 + rng.below(std::min<std::uint64_t>(16, kPageSize - offset)));
      for (auto& b : bytes) b = static_cast<std::byte>(rng.below(256));
      mtr.put(page, offset, bytes);
      writes.push_back({page, offset, workloads::plain_bytes(bytes)});
    }
    // The hooks report the allocation and the acknowledgement as they happen.
    const MtrId id = node.new_mtr_id();
    hooks.expect(id, workloads::observing_hooks(
                         node.name(), id, std::move(writes), storage_options().log.lal,
                         [this]() -> std::optional<Lsn> {
                           if (!volume) return std::nullopt;
                           return volume->vdl();
                         },
                         [this](check::Observation o) { observe(o); }));
    Result<Lsn> cpl = node.commit(mtr, id);
    // A storage crash fails the call, or leaves it unanswered; the model takes the MTR as
    // maybe committed.
    if (unavailable(cpl.kind())) {
      observe(obs::CommitUnknown{node.name(), to_string(id), cpl.status().to_string()});
      return;
    }
    ASSERT_TRUE(cpl.is_ok()) << where() << ": " << cpl.status().to_string();
    // Read-your-writes (DESIGN.md section 4, session guarantees), which no checker judges.
    EXPECT_GE(node.read_point(), *cpl) << where() << ": a node must read its own writes";
    observe(obs::Committed{node.name(), *cpl, to_string(id)});
    ++commits;
  }

  void read_at_read_point(Slot& slot, ComputeNode& node) {
    if (volume && rng.chance(0.3)) volume->pages().drop_cache();  // 9: cold reads the same
    const PageId page = rng.below(kPages);
    // The storage may refuse the node's read point only when it does not hold it (it
    // restarted, and the node's pin has not reached it yet).
    const int opened = opens;
    const bool held = server && server->holds_read_point(slot.node, node.read_point());
    const Result<std::vector<std::byte>> got = node.read(page);
    if (unavailable(got.kind())) return;  // the storage crashed under the read
    if (got.is_ok() && slot.storage_crashes_seen > 0) ++reads_after_storage_crash;
    obs::Read r = workloads::read_observation(node.name(), page, node.read_point(),
                                              /*at_read_point=*/true, got,
                                              held && opens == opened ? 0 : UINT64_MAX);
    // The test of the test: one read, chosen by the caller, is reported with one byte wrong,
    // as an engine returning a wrong page would be.
    if (r.bytes && ++reads_at_read_point == tamper_read) {
      (*r.bytes)[rng.below(r.bytes->size())] ^= 0xff;
      tampered = r;
    }
    observe(r);
    ++reads_checked;
  }

  // A read at any read point the storage accepts equals the model (invariant 8); below the
  // GC horizon it is refused, never answered. An unpinned read point below every pinned
  // one may be refused: GC may be collecting there as the read starts, or under it.
  void read_in_the_past(Slot& slot, const std::string& name) {
    if (!volume) return;
    const Lsn floor = volume->log().gc_floor();
    const Lsn at = floor + rng.below(volume->vdl() - floor + 1);
    const PageId page = rng.below(kPages);
    Lsn may_refuse_below = volume->min_read_point();
    const Result<std::vector<std::byte>> got = slot.link->read(page, at);
    if (unavailable(got.kind())) return;
    // The bound may rise while the request is on its way (read points move up).
    if (volume) may_refuse_below = std::max(may_refuse_below, volume->min_read_point());
    observe(workloads::read_observation(name, page, at, /*at_read_point=*/false, got,
                                        may_refuse_below));
    ++reads_checked;
    if (floor > 0) {
      const Result<std::vector<std::byte>> below = slot.link->read(page, floor - 1);
      if (unavailable(below.kind())) return;
      EXPECT_EQ(below.kind(), ErrorKind::kOutOfRange) << where() << ": a read below the GC floor";
      observe(workloads::read_observation(name, page, floor - 1, /*at_read_point=*/false, below,
                                          may_refuse_below));
    }
  }

  // Crashes the storage alone: the calls under way fail (kNodeDown), the compute nodes
  // live on and wait for it to come back.
  void crash_storage() {
    if (world.up(storage_node)) {
      world.crash(storage_node, mode);
      observe(obs::Crashed{});
    }
    for (auto& [name, slot] : slots) {
      if (slot.live != nullptr) ++slot.storage_crashes_seen;
    }
    server.reset();
    volume.reset();
    hooks.forget_all();  // no request on its way to the old storage can be appended now
  }

  // Crashes whatever is up, compute nodes first.
  void crash_all() {
    for (NodeId c : computes) {
      if (world.up(c)) world.crash(c, mode);
    }
    crash_storage();
  }
  ~EngineRun() {
    crash_all();
    for (auto& [name, slot] : slots) slot.link.reset();
    world.trace().set_listener(nullptr);
  }

  std::uint64_t seed;
  sim::CrashMode mode;
  sim::World world;
  sim::Rng rng;
  check::Suite suite;
  NodeId storage_node = 0;
  std::vector<NodeId> computes;
  std::map<std::string, Slot> slots;  // by compute node name
  std::unique_ptr<storage::Storage> volume;
  std::unique_ptr<StorageServer> server;
  workloads::CommitHookBook hooks;
  int round = 0;
  int opens = 0;
  std::uint64_t commits = 0;
  std::uint64_t reads_checked = 0;
  std::uint64_t reads_at_read_point = 0;
  std::uint64_t reads_after_storage_crash = 0;  // by nodes that outlived a storage crash
  std::uint64_t tamper_read = 0;      // the read at a read point to report wrong (1-based; 0: none)
  std::optional<obs::Read> tampered;  // what was reported for it
};

struct Totals {
  std::uint64_t commits = 0, reads = 0, compute_crashes = 0, storage_crashes = 0;
  std::uint64_t full_crashes = 0, compactions = 0, cold_reads = 0, opens = 0;
  std::uint64_t reads_after_storage_crash = 0;
};

// Runs six rounds of chaos on `run`, then one more crash and recovery, and the Suite's
// end-of-run checks. Stops at the first round after which the Suite found a violation
// (returned), or a test assertion failed.
std::vector<workloads::Violation> run_rounds(EngineRun& run, Totals& t) {
  auto count_volume = [&] {
    if (!run.volume) return;
    t.compactions += run.volume->pages().stats().image_compactions;
    t.cold_reads += run.volume->log().stats().cold_reads;
  };
  run.storage_node = run.world.add_node("storage", [&](Runtime rt) { run.boot_storage(rt); });
  for (const char* name : {"A", "B", "lag"}) {
    run.computes.push_back(run.world.add_node(
        name, [&run, name = std::string(name)](Runtime rt) { run.boot_compute(rt, name); }));
  }
  for (run.round = 0; run.round < 6; ++run.round) {
    run.world.spawn("chaos", [&] {
      run.world.clock().sleep_for(static_cast<Nanos>(1 + run.rng.below(15000)) * kMicrosecond);
      switch (run.rng.below(3)) {
        case 0: {
          const NodeId victim = run.computes[run.rng.below(run.computes.size())];
          run.world.crash(victim, run.mode);
          run.world.restart(victim);
          ++t.compute_crashes;
          return;
        }
        case 1:
          count_volume();  // its counters go with it
          run.crash_storage();
          ++t.storage_crashes;
          run.world.restart(run.storage_node);
          return;
        default:
          count_volume();
          run.crash_all();
          ++t.full_crashes;
          run.world.restart(run.storage_node);
          for (NodeId c : run.computes) run.world.restart(c);
      }
    });
    const RunOutcome out =
        run.world.run(RunLimits{.until = run.world.clock().now() + 16 * kMillisecond});
    EXPECT_NE(out.kind, RunOutcome::Kind::kDeadlock) << run.where() << ": " << out.describe();
    if (::testing::Test::HasFailure() || !run.suite.violations().empty()) {
      return run.suite.violations();
    }
  }
  // The end: everything crashes once more and the storage recovers alone (its recovery
  // judged like every other), then the end-of-run checks.
  count_volume();
  run.crash_all();
  run.world.restart(run.storage_node);
  const RunOutcome out =
      run.world.run(RunLimits{.until = run.world.clock().now() + 16 * kMillisecond});
  EXPECT_NE(out.kind, RunOutcome::Kind::kDeadlock) << run.where() << ": " << out.describe();
  EXPECT_TRUE(run.volume) << run.where() << ": the storage did not come back";
  (void)run.suite.finish();
  t.commits += run.commits;
  t.opens += run.opens;
  t.reads += run.reads_checked;
  t.reads_after_storage_crash += run.reads_after_storage_crash;
  return run.suite.violations();
}

class ComputeCrashSweep : public ::testing::TestWithParam<sim::CrashMode> {};

TEST_P(ComputeCrashSweep, EveryObservationSatisfiesTheReferenceModelAndCheckers) {
  Totals t;
  for (std::uint64_t seed = 1; seed <= 24; ++seed) {
    EngineRun run(seed, GetParam());
    const std::vector<workloads::Violation> violations = run_rounds(run, t);
    ASSERT_TRUE(violations.empty())
        << run.where() << ": the checkers found" << describe(violations);
    ASSERT_FALSE(HasFailure()) << run.where();
  }
  std::printf(
      "%llu commits, %llu reads checked (%llu by nodes that outlived a storage "
      "crash), %llu compute crashes, %llu storage crashes, %llu full crashes, "
      "%llu image compactions, %llu cold reads\n",
      static_cast<unsigned long long>(t.commits), static_cast<unsigned long long>(t.reads),
      static_cast<unsigned long long>(t.reads_after_storage_crash),
      static_cast<unsigned long long>(t.compute_crashes),
      static_cast<unsigned long long>(t.storage_crashes),
      static_cast<unsigned long long>(t.full_crashes),
      static_cast<unsigned long long>(t.compactions),
      static_cast<unsigned long long>(t.cold_reads));
  // The sweep really exercised what it claims to.
  EXPECT_GT(t.commits, 1000u);
  EXPECT_GT(t.reads, 1000u);
  EXPECT_GT(t.compute_crashes, 10u);
  EXPECT_GT(t.storage_crashes, 10u);
  EXPECT_GT(t.reads_after_storage_crash, 100u);  // compute nodes outlived storage crashes
  EXPECT_GT(t.full_crashes, 10u);
  EXPECT_GT(t.opens, 24 + 10u);  // recoveries that got as far as being checked
  EXPECT_GT(t.compactions, 0u);
  EXPECT_GT(t.cold_reads, 0u);
}

INSTANTIATE_TEST_SUITE_P(EveryMode, ComputeCrashSweep,
                         ::testing::Values(sim::CrashMode::kDropAll, sim::CrashMode::kPrefix,
                                           sim::CrashMode::kSubset),
                         wal::testing::crash_mode_test_name);

// The sweep above can fail: the same run with one read reported with a byte changed (an
// engine answering with a wrong page) is a read_correctness violation, and nothing else.
TEST(ComputeCrash, AWrongReadIsAViolationOfTheReferenceModel) {
  Totals t;
  EngineRun run(/*seed=*/2, sim::CrashMode::kSubset);
  run.tamper_read = 20;
  const std::vector<workloads::Violation> violations = run_rounds(run, t);
  ASSERT_TRUE(run.tampered.has_value()) << "the run made fewer than 20 reads at a read point";
  ASSERT_FALSE(violations.empty()) << "a wrong read went unnoticed";
  // read_correctness names the read; mtr_atomicity may also, if the wrong page happens to
  // look like one in the middle of an MTR. Nothing else has a reason to.
  const std::string read = "node " + run.tampered->node + " read page " +
                           std::to_string(run.tampered->page) + " at its read point " +
                           std::to_string(run.tampered->at);
  for (const workloads::Violation& v : violations) {
    EXPECT_TRUE(v.invariant == "read_correctness" || v.invariant == "mtr_atomicity")
        << describe(violations);
    EXPECT_NE(v.message.find(read), std::string::npos) << describe(violations);
  }
  EXPECT_TRUE(std::any_of(violations.begin(), violations.end(), [](const auto& v) {
    return v.invariant == "read_correctness";
  })) << describe(violations);
}

}  // namespace
}  // namespace aurora::compute
