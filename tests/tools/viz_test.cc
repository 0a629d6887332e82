// The visualizer (tools/shell/viz.h): every diagram kind is drawn from a real session's
// events, the drawing is a function of the events (same seed, same text), colors appear
// only when asked for, and lines fit 80 columns; a partition shows as a diagram of every
// link with its messages in flight. Some diagrams are pinned exactly, from events made up
// here, so that a change of layout is a visible change of this file.
#include "tools/shell/viz.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/runtime/file_system.h"

namespace aurora::shell {
namespace {

std::unique_ptr<Session> open_session(std::uint64_t seed = 1) {
  SessionOptions o;
  o.seed = seed;
  Result<std::unique_ptr<Session>> s = Session::open(o);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return s.is_ok() ? std::move(s).value() : nullptr;
}

// Writes, reads (a miss, then a hit), enough versions of one page for page images and
// enough bytes for segment rotations, moves both read points so that GC collects, then
// crashes and recovers.
void exercise(Session& s) {
  ASSERT_TRUE(s.put(0, 1, 0, as_bytes("hello")).is_ok());
  ASSERT_TRUE(s.refresh(0).is_ok());
  ASSERT_TRUE(s.get(0, 1).is_ok());
  ASSERT_TRUE(s.get(0, 1).is_ok());
  for (int i = 0; i < 120; ++i) {
    const std::string text = std::string("version ").append(std::to_string(i)).append(" of page 2");
    ASSERT_TRUE(s.put(0, 2, static_cast<std::uint32_t>(i % 8) * 16, as_bytes(text)).is_ok());
  }
  ASSERT_TRUE(s.refresh(0).is_ok());
  ASSERT_TRUE(s.refresh(1).is_ok());
  s.sleep(30 * kMillisecond);  // the maintenance fiber writes images and collects
  ASSERT_TRUE(s.get(1, 2).is_ok());
  ASSERT_TRUE(s.put(1, 3, 0, as_bytes("unsynced?")).is_ok());
  ASSERT_TRUE(s.crash().is_ok());
  ASSERT_TRUE(s.recover().is_ok());
  ASSERT_TRUE(s.get(0, 1).is_ok());
}

std::string draw_session(std::uint64_t seed, bool color) {
  std::ostringstream out;
  Visualizer viz(out, color);
  std::unique_ptr<Session> s = open_session(seed);
  if (!s) return {};
  s->add_listener([&viz](const Event& e) { viz.on_event(e); });
  exercise(*s);
  return out.str();
}

TEST(Visualizer, DrawsEveryDiagramOfASession) {
  const std::string out = draw_session(1, /*color=*/false);
  for (const char* expected : {
           ">> A put page 1 bytes [0,5)",     // the session's operations
           "<< A put acknowledged: CPL",
           "-- WAL append: MTR",              // an append: records, pages, prev links
           " --prev--> - ",                   // a page's first version
           "(first version)",
           "CPL",
           "-- VCL/VDL advance: VDL",         // the LSN line
           "LSN |",
           "VDL=VCL ^",
           "-- cache miss: page 1",
           "-- chain walk: page 1",
           "base: empty page",
           "-- materialize: page 1",
           "[empty page] + ",
           "-- cache insert: page 1",
           "-- cache hit: page 1",
           "HIT",
           "-- segment rotation",
           "sealed (read-only)",
           "-- page images written",
           "IMAGES |",
           "-- GC: log below LSN",
           "(x: collected)",
           "!! CRASH",
           "-- recovery: scan of the durable log",
           "-- recovery: truncation, epoch 2",
           " annulled ",
           "-- recovery: done",
           "<< storage open: VCL",
       }) {
    EXPECT_NE(out.find(expected), std::string::npos) << "no \"" << expected << "\" in:\n" << out;
  }
  // A put of page 2 links back to the page's previous version.
  EXPECT_NE(out.find("page 2"), std::string::npos);
}

TEST(Visualizer, PlainOutputHasNoEscapesAndFitsEightyColumns) {
  const std::string out = draw_session(1, /*color=*/false);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  std::istringstream lines(out);
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    EXPECT_LE(line.size(), 80u) << "line " << n << ": " << line;
  }
}

TEST(Visualizer, ColorsOnlyWhenAskedFor) {
  const std::string plain = draw_session(1, /*color=*/false);
  const std::string colored = draw_session(1, /*color=*/true);
  EXPECT_NE(colored.find("\x1b["), std::string::npos);
  // Without its escape codes, the colored drawing is the plain one.
  std::string stripped;
  for (std::size_t i = 0; i < colored.size(); ++i) {
    if (colored[i] == '\x1b') {
      i = colored.find('m', i);
      continue;
    }
    stripped += colored[i];
  }
  EXPECT_EQ(stripped, plain);
}

TEST(Visualizer, SameSeedSameDrawing) {
  const std::string first = draw_session(7, /*color=*/false);
  const std::string second = draw_session(7, /*color=*/false);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first, second);
}

TEST(Visualizer, DisabledDrawsNothingButKeepsFollowing) {
  std::ostringstream out;
  Visualizer viz(out, false);
  std::unique_ptr<Session> s = open_session();
  ASSERT_NE(s, nullptr);
  s->add_listener([&viz](const Event& e) { viz.on_event(e); });
  viz.set_enabled(false);
  EXPECT_FALSE(viz.enabled());
  ASSERT_TRUE(s->put(0, 1, 0, as_bytes("quiet")).is_ok());
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(viz.steps(), 0u);

  viz.set_enabled(true);
  int stepped = 0;
  viz.set_on_step([&stepped] { ++stepped; });
  ASSERT_TRUE(s->put(0, 1, 0, as_bytes("loud")).is_ok());
  // The advance starts from the VDL the first put reached while nothing was drawn.
  EXPECT_NE(out.str().find("VCL/VDL advance: VDL 1 -> 2"), std::string::npos) << out.str();
  EXPECT_GT(viz.steps(), 0u);
  EXPECT_EQ(static_cast<std::uint64_t>(stepped), viz.steps());
}

// A partition of A from the storage: the diagram of the links (cut, up, messages in
// flight), the requests it drops, the put that gets no answer, and the heal.
TEST(Visualizer, DrawsAPartitionWithTheLinksAndTheirMessagesInFlight) {
  std::ostringstream out;
  Visualizer viz(out, false);
  std::unique_ptr<Session> s;
  {
    Result<std::unique_ptr<Session>> opened = Session::open(SessionOptions{}, [&viz](Session& o) {
      o.add_listener([&viz](const Event& e) { viz.on_event(e); });
      return Status::ok();
    });
    ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
    s = std::move(opened).value();
  }
  ASSERT_TRUE(s->put(0, 1, 0, as_bytes("before")).is_ok());
  ASSERT_TRUE(s->partition({"A"}, {"storage"}, true).is_ok());
  EXPECT_EQ(s->put(0, 1, 0, as_bytes("cut off")).kind(), ErrorKind::kTimeout);
  ASSERT_TRUE(s->heal().is_ok());
  const std::string text = out.str();
  for (const char* expected : {
           ".. network: node storage is number 1, in zone a",
           ".. network: node B is number 3, in zone c",
           "!! partition A | storage (both ways)",
           "-- network: partition (manual)",
           "   partition: A | storage, both ways, until healed\n",
           "   link                  state           in flight\n",
           "   A -> storage          CUT             ",
           "   B -> storage          up              0\n",
           "a message on a cut link is dropped; a call without an answer times out",
           "dropped: partition",
           "!! A: no answer from storage in time to commit (call ",
           "!! A put got no answer: its outcome is unknown (appended or not)",
           "-- network: partition healed",
           "   partition: none\n",
       }) {
    EXPECT_NE(text.find(expected), std::string::npos) << "no \"" << expected << "\" in:\n" << text;
  }
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_LE(line.size(), 80u) << line;
  }
}

// --- one diagram pinned ------------------------------------------------------------------

struct MadeUpEvents {
  std::uint64_t seq = 0;
  Visualizer& viz;
  void operator()(std::string_view kind, std::vector<Field> fields, Nanos at = 1'250'000) {
    viz.on_event(Event{++seq, kind, at, 3, "shell", fields});
  }
};

TEST(Visualizer, PinnedWalAppendAndLsnLine) {
  std::ostringstream out;
  Visualizer viz(out, false);
  MadeUpEvents emit{.viz = viz};
  emit("wal.record", {{"lsn", 12u}, {"page", 3u}, {"prev", 7u}, {"offset", 0u}, {"len", 5u},
                      {"cpl", false}});
  emit("wal.record", {{"lsn", 13u}, {"page", 4u}, {"prev", 0u}, {"offset", 8u}, {"len", 2u},
                      {"cpl", true}});
  emit("wal.append", {{"first", 12u}, {"cpl", 13u}, {"records", 2u}});
  emit("wal.durable", {{"vcl", 13u}, {"vdl", 13u}, {"next", 16u}}, 1'300'000);
  const std::string expected =
      "-- WAL append: MTR 12..13 (2 records) ------------------------- shell 1.250 ms\n"
      "   LSN 12      page 3    [0,5)       12 --prev--> 7\n"
      "   LSN 13      page 4    [8,10)      13 --prev--> -  (first version)  CPL\n"
      "   acknowledged once VDL >= 13 (VDL now 0)\n"
      "-- VCL/VDL advance: VDL 0 -> 13 ------------------------------- shell 1.300 ms\n"
      "   LSN |=========================================.......| 15\n"
      "                                        VDL=VCL ^\n"
      "   VDL 13  VCL 13  next 16   (= durable  . not durable)\n";
  EXPECT_EQ(out.str(), expected);
}

// A recovery that found records past the last CPL and a hole: the LSN line shows VCL
// above VDL ('~'), and the truncation cuts the log at VDL.
TEST(Visualizer, PinnedRecoveryOfATornTail) {
  std::ostringstream out;
  Visualizer viz(out, false);
  MadeUpEvents emit{.viz = viz};
  emit("recovery.scanned", {{"vcl", 20u}, {"vdl", 17u}, {"watermark", 15u}, {"records", 20u},
                            {"beyond_hole", 2u}, {"hole", true}});
  emit("recovery.annulled", {{"from", 18u}, {"to", 10'000'017u}, {"epoch", 3u}, {"torn_tail", true}});
  emit("recovery.done", {{"vcl", 10'000'017u}, {"vdl", 10'000'017u}, {"next", 10'000'018u},
                         {"epoch", 3u}});
  const std::string expected =
      "-- recovery: scan of the durable log -------------------------- shell 1.250 ms\n"
      "   found 20 valid records, contiguous up to VCL 20; last CPL: VDL 17\n"
      "   LSN |========================================~~~~~~~~| 20\n"
      "                                           VDL ^       ^ VCL\n"
      "   VDL 17  VCL 20  next 21   (= durable  ~ past the last CPL)\n"
      "   persisted watermark 15 <= VDL: nothing acknowledged is missing\n"
      "   hole after LSN 20: 2 valid records beyond it are annulled too\n"
      "-- recovery: truncation, epoch 3 ------------------------------ shell 1.250 ms\n"
      "   | kept 1..17 | annulled 18..10000017 | new LSNs 10000018.. |\n"
      "                ^ VDL 17\n"
      "   annulled durably (control file) before any new LSN is allocated\n"
      "   torn tail cut off: what lay past VDL was never acknowledged\n"
      "-- recovery: done --------------------------------------------- shell 1.250 ms\n"
      "   VCL 10000017  VDL 10000017  next LSN 10000018  epoch 3\n";
  EXPECT_EQ(out.str(), expected);
}

// The network's nodes, two messages in flight (one of them duplicated), a partition that
// cuts one of them off, the drop, and the heal.
TEST(Visualizer, PinnedPartitionAndMessagesInFlight) {
  std::ostringstream out;
  Visualizer viz(out, false);
  MadeUpEvents emit{.viz = viz};
  emit("shell.net_node", {{"node", "storage"}, {"id", 1u}, {"zone", "a"}});
  emit("shell.net_node", {{"node", "A"}, {"id", 2u}, {"zone", "b"}});
  emit("shell.net_node", {{"node", "B"}, {"id", 3u}, {"zone", "c"}});
  emit("net.send", {{"id", 7u}, {"from", 2u}, {"from_port", 49152u}, {"to", 1u},
                    {"to_port", 7000u}, {"bytes", 40u}});
  emit("net.send", {{"id", 8u}, {"from", 1u}, {"from_port", 7000u}, {"to", 3u},
                    {"to_port", 49152u}, {"bytes", 40u}});
  emit("net.duplicate", {{"id", 8u}});
  emit("net.partition", {{"kind", "manual"}, {"from", "2"}, {"to", "1"}, {"both_ways", false},
                         {"until", std::int64_t{2'000'000}}});
  emit("net.drop", {{"id", 7u}, {"why", "partition"}}, 1'400'000);
  emit("net.heal", {}, 1'500'000);
  const std::string expected =
      ".. network: node storage is number 1, in zone a                       1.250 ms\n"
      ".. network: node A is number 2, in zone b                             1.250 ms\n"
      ".. network: node B is number 3, in zone c                             1.250 ms\n"
      "-- network: partition (manual) -------------------------------- shell 1.250 ms\n"
      "   partition: A -> storage, one way, until 2.000 ms\n"
      "   link                  state           in flight\n"
      "   storage -> A          up              0\n"
      "   storage -> B          up              2\n"
      "   A -> storage          CUT             1\n"
      "   A -> B                up              0\n"
      "   B -> storage          up              0\n"
      "   B -> A                up              0\n"
      "   a message on a cut link is dropped; a call without an answer times out\n"
      "!! message 7 A -> storage dropped: partition                          1.400 ms\n"
      "-- network: partition healed ---------------------------------- shell 1.500 ms\n"
      "   partition: none\n"
      "   link                  state           in flight\n"
      "   storage -> A          up              0\n"
      "   storage -> B          up              2\n"
      "   A -> storage          up              0\n"
      "   A -> B                up              0\n"
      "   B -> storage          up              0\n"
      "   B -> A                up              0\n";
  EXPECT_EQ(out.str(), expected);
}

}  // namespace
}  // namespace aurora::shell
