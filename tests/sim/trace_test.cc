#include "sim/trace.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "sim/virtual_time.h"

namespace aurora::sim {
namespace {

struct Lines final : TraceWriter {
  std::vector<std::string> lines;
  void write_line(std::string_view json) override { lines.emplace_back(json); }
};

struct Harness {
  VirtualTimeSource time;
  FifoStrategy fifo;
  Scheduler sched{time, fifo};
  Trace trace{sched, /*checkpoint_every=*/2};
};

std::uint64_t hash_of(std::initializer_list<Field> fields) {
  Harness h;
  h.trace.emit("fs.write", fields);
  return h.trace.hash();
}

TEST(Trace, EveryFieldReachesTheHash) {
  const std::uint64_t base = hash_of({{"path", "a"}, {"off", 0u}, {"len", 10u}});
  EXPECT_EQ(base, hash_of({{"path", "a"}, {"off", 0u}, {"len", 10u}}));
  EXPECT_NE(base, hash_of({{"path", "b"}, {"off", 0u}, {"len", 10u}}));
  EXPECT_NE(base, hash_of({{"path", "a"}, {"off", 1u}, {"len", 10u}}));
  EXPECT_NE(base, hash_of({{"path", "a"}, {"off", 0u}, {"len", 11u}}));
  EXPECT_NE(base, hash_of({{"path", "a"}, {"len", 10u}, {"off", 0u}}));
  EXPECT_NE(base, hash_of({{"path", "a"}, {"off", 0u}}));
  // Same value, different type: the type tag is part of the encoding.
  EXPECT_NE(hash_of({{"x", 1u}}), hash_of({{"x", true}}));
}

TEST(Trace, TimeNodeAndFiberReachTheHash) {
  Harness a, b;
  a.trace.emit("k");
  b.time.advance_to(5);
  b.trace.emit("k");
  EXPECT_NE(a.trace.hash(), b.trace.hash());
}

TEST(Trace, JsonLinesParseAndCarryTheEnvelope) {
  Harness h;
  Lines out;
  h.trace.set_writer(&out);
  h.trace.set_node_name(4, "storage");
  h.sched.spawn(4, "writer", [&] {
    h.sched.sleep_for(1500);
    h.trace.emit("wal.append", {{"lsn", 17u}, {"note", "quote\" and \\ and \n"}, {"neg", -3}});
  });
  ASSERT_EQ(h.sched.run().kind, RunOutcome::Kind::kCompleted);
  ASSERT_EQ(out.lines.size(), 1u);  // the scheduler has no observer here
  const nlohmann::json j = nlohmann::json::parse(out.lines[0]);
  EXPECT_EQ(j["seq"], 1);
  EXPECT_EQ(j["t_ns"], 1500);
  EXPECT_EQ(j["node"], "storage");
  EXPECT_EQ(j["fiber"], 1);
  EXPECT_EQ(j["kind"], "wal.append");
  EXPECT_EQ(j["data"]["lsn"], 17);
  EXPECT_EQ(j["data"]["note"], "quote\" and \\ and \n");
  EXPECT_EQ(j["data"]["neg"], -3);
}

TEST(Trace, SchedulingDecisionsAreEvents) {
  Harness h;
  Lines out;
  h.trace.set_writer(&out);
  h.sched.set_observer(&h.trace);
  h.sched.spawn(1, "f", [&] { h.sched.sleep_for(10); });
  ASSERT_EQ(h.sched.run().kind, RunOutcome::Kind::kCompleted);
  std::vector<std::string> kinds;
  for (const auto& line : out.lines) kinds.push_back(nlohmann::json::parse(line)["kind"]);
  EXPECT_EQ(kinds, (std::vector<std::string>{"sched.spawn", "sched.pick", "time.advance",
                                             "sched.pick", "sched.exit"}));
}

TEST(Trace, CheckpointsRecordTheRollingHash) {
  Harness h;
  for (int i = 0; i < 5; ++i) h.trace.emit("k", {{"i", i}});
  ASSERT_EQ(h.trace.checkpoints().size(), 2u);  // after events 2 and 4
  EXPECT_EQ(h.trace.checkpoints()[0].first, 2u);
  EXPECT_EQ(h.trace.checkpoints()[1].first, 4u);
  EXPECT_EQ(h.trace.events(), 5u);
}

// A long run keeps at most `capacity` checkpoints, at multiples of an interval that
// doubles as it fills them: two runs of the same length keep the same events.
TEST(HashCheckpoints, StayBoundedAndAtMultiplesOfTheirInterval) {
  HashCheckpoints c(4);
  for (std::uint64_t e = 1; e <= 20; ++e) c.add(e, e * 10);
  EXPECT_LE(c.points().size(), 4u);
  EXPECT_EQ(c.interval(), 8u);  // 1, 2, 4, 8: filled at 4, 8 and 16 events
  EXPECT_EQ(c.points(), (std::vector<HashCheckpoints::Point>{{8, 80}, {16, 160}}));
  EXPECT_EQ(c.next_after(16), 24u);
}

TEST(Trace, FormatHash) { EXPECT_EQ(Trace::format_hash(0xabc), "0x0000000000000abc"); }

}  // namespace
}  // namespace aurora::sim
