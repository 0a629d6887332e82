// A World with one storage node whose disk holds a Log, for log tests: run a body in a
// fiber of that node, crash and reopen.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "engine/wal/log.h"
#include "sim/world.h"

namespace aurora::wal::testing {

inline std::vector<std::byte> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()),
          reinterpret_cast<const std::byte*>(s.data()) + s.size()};
}

inline std::string text_of(const std::vector<std::byte>& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

inline Redo redo(PageId page, std::uint32_t offset, std::string_view text) {
  return Redo{page, offset, bytes_of(text)};
}

// Appends one single-record MTR and waits until it is acknowledged. Returns its CPL, or
// kNoLsn (after recording the failure) when either step fails.
inline Lsn commit(Log& log, Redo r) {
  Result<Lsn> cpl = log.append(std::vector<Redo>{std::move(r)});
  if (!cpl.is_ok()) {
    ADD_FAILURE() << "append: " << cpl.status().to_string();
    return kNoLsn;
  }
  const Status durable = log.wait_durable(*cpl);
  if (!durable.is_ok()) {
    ADD_FAILURE() << "wait_durable(" << *cpl << "): " << durable.to_string();
    return kNoLsn;
  }
  return *cpl;
}

// `opened` failed with kCorruption, and its message says `says`.
inline void expect_corruption(const Result<std::unique_ptr<Log>>& opened, std::string_view says) {
  ASSERT_EQ(opened.kind(), ErrorKind::kCorruption) << opened.status().to_string();
  EXPECT_NE(opened.status().message().find(says), std::string::npos) << opened.status().to_string();
}

// A test's name suffix for each crash mode (gtest names allow no '-').
inline std::string crash_mode_test_name(const ::testing::TestParamInfo<sim::CrashMode>& info) {
  switch (info.param) {
    case sim::CrashMode::kDropAll: return "DropAll";
    case sim::CrashMode::kPrefix: return "Prefix";
    case sim::CrashMode::kSubset: return "Subset";
  }
  return "Unknown";
}

struct LogHarness {
  explicit LogHarness(std::uint64_t seed = 1, sim::FaultConfig faults = sim::FaultConfig::none())
      : world(make_options(seed, faults)) {
    node = world.add_node("storage", nullptr);
  }

  static sim::WorldOptions make_options(std::uint64_t seed, sim::FaultConfig faults) {
    sim::WorldOptions o;
    o.seed = seed;
    o.faults = faults;
    return o;
  }

  Runtime rt() { return world.runtime(node); }

  // Runs `body` as a fiber on the storage node until everything settles.
  void run(std::function<void()> body) {
    world.sched().spawn(node, "test", std::move(body));
    const RunOutcome out = world.run();
    ASSERT_EQ(out.kind, RunOutcome::Kind::kCompleted) << out.describe();
  }

  // Opens the log (asserting success) inside a running fiber.
  std::unique_ptr<Log> open(LogOptions options = {}) {
    Result<std::unique_ptr<Log>> log = Log::open(rt(), options);
    EXPECT_TRUE(log.is_ok()) << log.status().to_string();
    return log.is_ok() ? std::move(*log) : nullptr;
  }

  // Crashes the storage node's disk (from outside any fiber) and brings it back.
  void crash(sim::CrashMode mode) {
    world.crash(node, mode);
    world.restart(node);
  }

  sim::World world;
  NodeId node = 0;
};

}  // namespace aurora::wal::testing
