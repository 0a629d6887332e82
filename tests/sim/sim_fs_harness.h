// A simulated disk with everything it needs (scheduler, virtual time, named streams,
// fault injector, a sink that records events), for the SimFs tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/event_sink.h"
#include "engine/runtime/file_system.h"
#include "engine/runtime/scheduler.h"
#include "sim/fault_injector.h"
#include "sim/rng.h"
#include "sim/sim_fs.h"
#include "sim/strategies.h"
#include "sim/virtual_time.h"

namespace aurora::sim::testing {

// Keeps every event as text, so tests can count kinds and look at fields.
class RecordingSink final : public EventSink {
 public:
  struct Event {
    std::string kind;
    std::map<std::string, std::string> fields;
  };
  using EventSink::emit;
  void emit(std::string_view kind, std::span<const Field> fields) override {
    Event e{std::string(kind), {}};
    for (const Field& f : fields) e.fields[std::string(f.key)] = render(f);
    events.push_back(std::move(e));
  }
  std::size_t count(std::string_view kind) const {
    std::size_t n = 0;
    for (const Event& e : events) n += e.kind == kind ? 1 : 0;
    return n;
  }
  // The last event of `kind`; fails the test when there is none.
  const Event& last(std::string_view kind) const {
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (it->kind == kind) return *it;
    }
    ADD_FAILURE() << "no event " << kind;
    static const Event kNone;
    return kNone;
  }
  // Every event as one line, for comparing whole runs.
  std::string dump() const {
    std::string out;
    for (const Event& e : events) {
      out += e.kind;
      for (const auto& [k, v] : e.fields) out += " " + k + "=" + v;
      out += "\n";
    }
    return out;
  }
  std::vector<Event> events;

 private:
  static std::string render(const Field& f) {
    switch (f.type) {
      case Field::Type::kInt:
        return std::to_string(f.i);
      case Field::Type::kUint:
        return std::to_string(f.u);
      case Field::Type::kBool:
        return f.u ? "true" : "false";
      case Field::Type::kStr:
        return std::string(f.s);
    }
    return "?";
  }
};

// One node's disk, built the way a run builds it: every stream derived from one seed.
struct Disk {
  explicit Disk(std::uint64_t seed, FaultConfig config = FaultConfig::none())
      : sched_rng(seed, "scheduler"),
        strategy(sched_rng),
        sched(time, strategy),
        faults_rng(seed, "faults"),
        injector(config, faults_rng, sink),
        latency_rng(seed, "latency/n1"),
        crash_rng(seed, "crash/n1"),
        fs("n1", sched, injector, latency_rng, crash_rng, sink) {}

  // Runs `body` in a fiber of node 0 until every fiber is done.
  void run(std::function<void()> body) {
    sched.spawn(0, "test", std::move(body));
    const RunOutcome outcome = sched.run();
    ASSERT_EQ(outcome.kind, RunOutcome::Kind::kCompleted) << outcome.describe();
  }

  VirtualTimeSource time;
  Rng sched_rng;
  RandomStrategy strategy;
  Scheduler sched;
  RecordingSink sink;
  Rng faults_rng;
  FaultInjector injector;
  Rng latency_rng;
  Rng crash_rng;
  SimFs fs;
};

inline FaultRule always(std::uint64_t budget = UINT64_MAX) {
  return FaultRule{.enabled = true, .probability = 1.0, .budget = budget};
}

// A config with no faults except `kind`, which fires at every opportunity.
inline FaultConfig only(FaultKind kind, CrashMode mode = CrashMode::kSubset) {
  FaultConfig c = FaultConfig::none();
  c.crash_mode = mode;
  c.rule(kind) = always();
  return c;
}

inline FileHandle open_ok(FileSystem& fs, std::string_view path,
                          OpenMode mode = OpenMode::kCreate) {
  Result<FileHandle> h = fs.open(path, mode);
  EXPECT_TRUE(h.is_ok()) << path << ": " << h.status().to_string();
  return h.is_ok() ? *h : FileHandle{};
}

inline void write_ok(FileSystem& fs, FileHandle h, std::uint64_t offset, std::string_view s) {
  Result<std::size_t> n = fs.pwrite(h, offset, as_bytes(s));
  ASSERT_TRUE(n.is_ok()) << n.status().to_string();
  ASSERT_EQ(*n, s.size());
}

inline void append_ok(FileSystem& fs, FileHandle h, std::string_view s) {
  Result<std::size_t> n = fs.append(h, as_bytes(s));
  ASSERT_TRUE(n.is_ok()) << n.status().to_string();
  ASSERT_EQ(*n, s.size());
}

inline void sync_ok(FileSystem& fs, FileHandle h) {
  Status s = fs.sync(h);
  ASSERT_TRUE(s.is_ok()) << s.to_string();
}

inline void sync_dir_ok(FileSystem& fs, std::string_view dir) {
  Status s = fs.sync_dir(dir);
  ASSERT_TRUE(s.is_ok()) << s.to_string();
}

// Reads `len` bytes at `offset` through the FileSystem interface.
inline Result<std::string> read_str(FileSystem& fs, FileHandle h, std::uint64_t offset,
                                    std::size_t len) {
  std::string out(len, '\0');
  Result<std::size_t> n =
      fs.pread(h, offset, std::span<std::byte>(reinterpret_cast<std::byte*>(out.data()), len));
  if (!n.is_ok()) return n.status();
  out.resize(*n);
  return out;
}

// A file created, written, fsynced, and named durably (its directory fsynced too).
inline void make_durable_file(FileSystem& fs, std::string_view path, std::string_view data,
                              std::string_view dir = "") {
  FileHandle h = open_ok(fs, path);
  write_ok(fs, h, 0, data);
  sync_ok(fs, h);
  sync_dir_ok(fs, dir);
  ASSERT_TRUE(fs.close(h).is_ok());
}

}  // namespace aurora::sim::testing
