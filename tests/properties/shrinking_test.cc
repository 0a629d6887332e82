// Shrinking, shown on a store with a known bug (workloads/examples/ack_before_fsync_store.h):
// its stateful property fails, and rapidcheck shrinks the failing run to at most five
// commands (a put, a crash, a recovery). The same property passes on the store without the
// bug, so the failure is the bug's and not the property's.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include <exception>
#include <iostream>
#include <map>

#include "sim/world.h"
#include "workloads/examples/ack_before_fsync_store.h"

namespace aurora::properties {
namespace {

using examples::AckBeforeFsyncOptions;
using examples::AckBeforeFsyncStore;

constexpr std::uint32_t kKeys = 4;

struct StoreModel {
  bool up = true;
  std::map<std::uint32_t, std::uint32_t> acked;  // every acknowledged put, newest value
};

// The store on a simulated disk, one fiber per operation.
struct StoreSystem {
  StoreSystem(std::uint64_t seed, AckBeforeFsyncOptions options)
      : world(make(seed)), options(options) {
    node = world.add_node("store", nullptr);
    RC_ASSERT(recover().is_ok());
  }
  ~StoreSystem() { store.reset(); }

  static sim::WorldOptions make(std::uint64_t seed) {
    sim::WorldOptions o;
    o.seed = seed;
    o.faults = sim::FaultConfig::none();
    return o;
  }
  Status run(std::function<Status()> body) {
    Status s = Status::stopped("did not finish");
    world.sched().spawn(node, "op", [&] { s = body(); });
    const RunOutcome out = world.run();
    RC_ASSERT(out.kind == RunOutcome::Kind::kCompleted);
    return s;
  }
  Status recover() {
    if (!world.up(node)) world.restart(node);
    return run([&] {
      Result<std::unique_ptr<AckBeforeFsyncStore>> s =
          AckBeforeFsyncStore::open(world.runtime(node), "kv", options);
      if (!s.is_ok()) return s.status();
      store = std::move(*s);
      return Status::ok();
    });
  }

  sim::World world;
  AckBeforeFsyncOptions options;
  NodeId node = 0;
  std::unique_ptr<AckBeforeFsyncStore> store;
};

using StoreCommand = rc::state::Command<StoreModel, StoreSystem>;

struct NeedsUp : StoreCommand {
  void checkPreconditions(const StoreModel& m) const override { RC_PRE(m.up); }
};

struct PutKey : NeedsUp {
  std::uint32_t key = *rc::gen::inRange<std::uint32_t>(0, kKeys);
  std::uint32_t value = *rc::gen::arbitrary<std::uint32_t>();
  void apply(StoreModel& m) const override { m.acked[key] = value; }
  void run(const StoreModel&, StoreSystem& sys) const override {
    RC_ASSERT(sys.run([&] { return sys.store->put(key, value); }).is_ok());
  }
  void show(std::ostream& os) const override { os << "Put(" << key << ", " << value << ")"; }
};

struct GetKey : NeedsUp {
  std::uint32_t key = *rc::gen::inRange<std::uint32_t>(0, kKeys);
  void run(const StoreModel& m, StoreSystem& sys) const override {
    const auto it = m.acked.find(key);
    const std::optional<std::uint32_t> want =
        it == m.acked.end() ? std::nullopt : std::optional(it->second);
    RC_ASSERT(sys.store->get(key) == want);
  }
  void show(std::ostream& os) const override { os << "Get(" << key << ")"; }
};

struct SyncStore : NeedsUp {
  void run(const StoreModel&, StoreSystem& sys) const override {
    RC_ASSERT(sys.run([&] { return sys.store->sync(); }).is_ok());
  }
  void show(std::ostream& os) const override { os << "Sync"; }
};

struct CrashStore : NeedsUp {
  sim::CrashMode mode = *rc::gen::element(sim::CrashMode::kDropAll, sim::CrashMode::kPrefix,
                                          sim::CrashMode::kSubset);
  void apply(StoreModel& m) const override { m.up = false; }
  void run(const StoreModel&, StoreSystem& sys) const override {
    sys.world.crash(sys.node, mode);
    sys.store.reset();
  }
  void show(std::ostream& os) const override { os << "Crash(" << sim::crash_mode_name(mode) << ")"; }
};

// Recovery must bring back every acknowledged put.
struct RecoverStore : StoreCommand {
  void checkPreconditions(const StoreModel& m) const override { RC_PRE(!m.up); }
  void apply(StoreModel& m) const override { m.up = true; }
  void run(const StoreModel& m, StoreSystem& sys) const override {
    RC_ASSERT(sys.recover().is_ok());
    for (const auto& [key, value] : m.acked) RC_ASSERT(sys.store->get(key) == std::optional(value));
  }
  void show(std::ostream& os) const override { os << "Recover"; }
};

// The number of commands of the last run that failed. rapidcheck stops at the smallest
// failing run it found, so after a failed check this is the shrunk counterexample's size.
std::size_t last_failing_commands = 0;

auto store_property(AckBeforeFsyncOptions options) {
  return [options] {
    StoreSystem sys(*rc::gen::noShrink(rc::gen::arbitrary<std::uint64_t>()), options);
    const StoreModel initial;
    const auto commands = *rc::state::gen::commands(
        initial, rc::state::gen::execOneOfWithArgs<PutKey, PutKey, GetKey, SyncStore, CrashStore,
                                                   RecoverStore>());
    struct RecordIfFailing {
      std::size_t n;
      int exceptions = std::uncaught_exceptions();
      ~RecordIfFailing() {
        if (std::uncaught_exceptions() > exceptions) last_failing_commands = n;
      }
    } record{commands.size()};
    rc::state::runAll(commands, initial, sys);
  };
}

rc::detail::TestParams fixed_params() {
  rc::detail::TestParams p;
  p.seed = 20261121;  // a fixed search, so the test's outcome never depends on the run
  p.maxSuccess = 200;
  return p;
}

TEST(Shrinking, TheStoreWithoutTheBugPassesTheProperty) {
  const rc::detail::TestResult result = rc::detail::checkTestable(
      store_property(AckBeforeFsyncOptions{.ack_before_fsync = false}),
      rc::detail::TestMetadata{}, fixed_params());
  EXPECT_TRUE(result.is<rc::detail::SuccessResult>()) << [&] {
    std::ostringstream out;
    rc::detail::printResultMessage(result, out);
    return out.str();
  }();
}

TEST(Shrinking, AStoreThatAcksBeforeFsyncShrinksToAtMostFiveCommands) {
  last_failing_commands = 0;
  const rc::detail::TestResult result = rc::detail::checkTestable(
      store_property(AckBeforeFsyncOptions{.ack_before_fsync = true}), rc::detail::TestMetadata{},
      fixed_params());
  ASSERT_TRUE(result.is<rc::detail::FailureResult>()) << "the bug was not found";
  std::ostringstream shown;
  rc::detail::printResultMessage(result, shown);
  std::cout << "the shrunk counterexample:\n" << shown.str() << "\n";
  EXPECT_GE(last_failing_commands, 3u);  // a put, a crash and a recovery at the least
  EXPECT_LE(last_failing_commands, 5u) << shown.str();
}

}  // namespace
}  // namespace aurora::properties
