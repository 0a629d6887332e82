// The session's network (tools/shell/session.h): in simulation A and B reach the storage
// over the world's network, each from a zone of its own. A partition makes a put time out
// with its outcome unknown, and a heal lets puts through again; a one-way partition loses
// only the answers, so the put happened; zones stand for their nodes; the network's fault
// kinds switch on and fire (partitions and clogs too, drawn by the network's chaos); bad
// names are errors naming them; on real files every network command is an error.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "tests/engine/temp_dir.h"
#include "tools/shell/session.h"

namespace aurora::shell {
namespace {

std::unique_ptr<Session> open_session(std::uint64_t seed = 1) {
  SessionOptions o;
  o.seed = seed;
  Result<std::unique_ptr<Session>> s = Session::open(o);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return s.is_ok() ? std::move(s).value() : nullptr;
}

std::string text_of(const Result<std::vector<std::byte>>& page, std::size_t n) {
  if (!page.is_ok()) return "error: " + page.status().to_string();
  std::string out;
  for (std::size_t i = 0; i < n && i < page->size(); ++i) out += static_cast<char>((*page)[i]);
  return out;
}

// Every event kind the session emitted, with the nodes their fibers ran on.
struct Seen {
  std::multiset<std::string> kinds;
  std::set<std::pair<std::string, std::string>> kind_on_node;
  std::vector<std::string> partition_kinds;
  void attach(Session& s) {
    s.add_listener([this](const Event& e) {
      kinds.insert(std::string(e.kind));
      kind_on_node.insert({std::string(e.kind), std::string(e.node)});
      if (e.kind != "net.partition") return;
      for (const Field& f : e.fields) {
        if (f.key == "kind") partition_kinds.emplace_back(f.s);
      }
    });
  }
};

TEST(SessionNet, APartitionMakesAPutTimeOutAndAHealLetsItThrough) {
  std::unique_ptr<Session> s = open_session();
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->networked());
  ASSERT_TRUE(s->put(0, 1, 0, as_bytes("before")).is_ok());

  ASSERT_TRUE(s->partition({"A"}, {"storage"}, /*both_ways=*/true).is_ok());
  const Result<Lsn> cut = s->put(0, 1, 0, as_bytes("cut off"));
  ASSERT_FALSE(cut.is_ok());
  EXPECT_EQ(cut.kind(), ErrorKind::kTimeout);
  EXPECT_NE(cut.status().message().find("the outcome of A's put is unknown"), std::string::npos)
      << cut.status().to_string();
  // B, in another zone, still reaches the storage.
  EXPECT_TRUE(s->put(1, 2, 0, as_bytes("from B")).is_ok());
  const Result<std::vector<std::byte>> read = s->get(0, 2);
  EXPECT_EQ(read.kind(), ErrorKind::kTimeout);

  ASSERT_TRUE(s->heal().is_ok());
  const Result<Lsn> after = s->put(0, 1, 0, as_bytes("healed!"));
  ASSERT_TRUE(after.is_ok()) << after.status().to_string();
  ASSERT_TRUE(s->refresh(1).is_ok());
  EXPECT_EQ(text_of(s->get(1, 1), 7), "healed!");
  EXPECT_EQ(text_of(s->get(0, 2), 6), "from B");
}

TEST(SessionNet, ACutBothWaysKeepsThePutOutAndACutOfTheAnswersLetsItHappen) {
  std::unique_ptr<Session> s = open_session();
  ASSERT_NE(s, nullptr);
  // Both ways: A's requests never reach the storage.
  ASSERT_TRUE(s->partition({"A"}, {"storage"}, true).is_ok());
  EXPECT_EQ(s->put(0, 1, 0, as_bytes("never")).kind(), ErrorKind::kTimeout);
  ASSERT_TRUE(s->heal().is_ok());
  ASSERT_TRUE(s->refresh(1).is_ok());
  EXPECT_EQ(text_of(s->get(1, 1), 5), std::string(5, '\0'));

  // One way, from the storage to A: the request arrives, only the answers are lost.
  ASSERT_TRUE(s->partition({"storage"}, {"A"}, /*both_ways=*/false).is_ok());
  EXPECT_EQ(s->put(0, 2, 0, as_bytes("happened")).kind(), ErrorKind::kTimeout);
  ASSERT_TRUE(s->heal().is_ok());
  ASSERT_TRUE(s->refresh(1).is_ok());
  EXPECT_EQ(text_of(s->get(1, 2), 8), "happened");
  ASSERT_TRUE(s->refresh(0).is_ok());
  EXPECT_EQ(text_of(s->get(0, 2), 8), "happened");
}

TEST(SessionNet, AZoneStandsForItsNodes) {
  std::unique_ptr<Session> s = open_session();
  ASSERT_NE(s, nullptr);
  // Zones b and c (A and B) from zone a (the storage): neither compute node gets through.
  ASSERT_TRUE(s->partition({"b", "c"}, {"a"}, true).is_ok());
  EXPECT_EQ(s->put(0, 1, 0, as_bytes("x")).kind(), ErrorKind::kTimeout);
  EXPECT_EQ(s->put(1, 1, 0, as_bytes("y")).kind(), ErrorKind::kTimeout);
  const Result<std::string> state = s->net_state();
  ASSERT_TRUE(state.is_ok());
  EXPECT_NE(state->find("partition: 1->2 1->3 2->1 3->1 (until healed)"), std::string::npos)
      << *state;
  ASSERT_TRUE(s->heal().is_ok());
  EXPECT_TRUE(s->put(1, 1, 0, as_bytes("y")).is_ok());
}

TEST(SessionNet, TheStateNamesTheNodesAndShowsThePartitionAndTheFigures) {
  std::unique_ptr<Session> s = open_session();
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->put(0, 1, 0, as_bytes("x")).is_ok());
  ASSERT_TRUE(s->partition({"A"}, {"storage"}, true).is_ok());
  const Result<std::string> cut = s->net_state();
  ASSERT_TRUE(cut.is_ok()) << cut.status().to_string();
  EXPECT_EQ(cut->rfind("nodes: 1 storage (zone a), 2 A (zone b), 3 B (zone c)\n", 0), 0u) << *cut;
  EXPECT_NE(cut->find("partition: 1->2 2->1 (until healed)"), std::string::npos) << *cut;
  EXPECT_NE(cut->find("config: latency_min_us="), std::string::npos) << *cut;
  EXPECT_NE(cut->find("net sent="), std::string::npos) << *cut;
  ASSERT_TRUE(s->heal().is_ok());
  EXPECT_NE(s->net_state()->find("partition: none"), std::string::npos);
}

TEST(SessionNet, BadNamesAreInvalidArgumentNamingThemAndTheKnownOnes) {
  std::unique_ptr<Session> s = open_session();
  ASSERT_NE(s, nullptr);
  const Status unknown = s->partition({"A"}, {"C"}, true);
  EXPECT_EQ(unknown.kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(unknown.message(),
            "partition: unknown node or zone 'C' (nodes storage, A, B; zones a, b, c)");
  const Status empty = s->partition({}, {"storage"}, true);
  EXPECT_EQ(empty.kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(empty.message().find("the first side names no node or zone"), std::string::npos)
      << empty.message();
  // Zone a is the storage's.
  const Status both = s->partition({"a"}, {"storage", "B"}, true);
  EXPECT_EQ(both.kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(both.message().find("storage is on both sides"), std::string::npos) << both.message();
  const Status kind = s->set_net_fault("gremlins", true, 0.5);
  EXPECT_EQ(kind.kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind.message(),
            "unknown network fault kind 'gremlins' (known: loss, duplicate, corrupt, spike, "
            "partition_node, partition_halves, partition_zone, partition_oneway, clog_link, "
            "clog_node)");
  EXPECT_EQ(s->set_net_fault("loss", true, 1.5).kind(), ErrorKind::kInvalidArgument);
  // Nothing was cut by the refused commands.
  EXPECT_TRUE(s->put(0, 1, 0, as_bytes("fine")).is_ok());
}

TEST(SessionNet, LossSwitchesOnAndOff) {
  std::unique_ptr<Session> s = open_session();
  ASSERT_NE(s, nullptr);
  Seen seen;
  seen.attach(*s);
  ASSERT_TRUE(s->set_net_fault("loss", true, 1.0).is_ok());
  EXPECT_EQ(s->put(0, 1, 0, as_bytes("lost")).kind(), ErrorKind::kTimeout);
  EXPECT_GT(seen.kinds.count("fault.net_loss"), 0u);
  EXPECT_EQ(seen.kinds.count("shell.net_fault"), 1u);
  ASSERT_TRUE(s->set_net_fault("loss", false).is_ok());
  EXPECT_TRUE(s->put(0, 1, 0, as_bytes("kept")).is_ok());
}

// The network draws its partitions and clogs from a fiber it starts with its first message
// when such a kind is on then; the session's first messages go out as it opens. Switched
// on later, they must still fire.
TEST(SessionNet, PartitionAndClogKindsSwitchedOnLaterFire) {
  std::unique_ptr<Session> s = open_session();
  ASSERT_NE(s, nullptr);
  Seen seen;
  seen.attach(*s);
  ASSERT_TRUE(s->set_net_fault("partition_zone", true, 1.0).is_ok());
  ASSERT_TRUE(s->set_net_fault("clog_node", true, 1.0).is_ok());
  s->sleep(200 * kMillisecond);
  EXPECT_NE(std::find(seen.partition_kinds.begin(), seen.partition_kinds.end(), "zone"),
            seen.partition_kinds.end());
  EXPECT_GT(seen.kinds.count("net.clog"), 0u);
  ASSERT_TRUE(s->set_net_fault("partition_zone", false).is_ok());
  ASSERT_TRUE(s->set_net_fault("clog_node", false).is_ok());
  s->sleep(500 * kMillisecond);  // what was drawn heals and unclogs
  ASSERT_TRUE(s->heal().is_ok());
  EXPECT_TRUE(s->put(0, 1, 0, as_bytes("after the chaos")).is_ok());
}

TEST(SessionNet, AAndBRunOnTheirOwnNodesAndCrashAndRecoverWithTheStorage) {
  std::unique_ptr<Session> s = open_session();
  ASSERT_NE(s, nullptr);
  Seen seen;
  seen.attach(*s);
  ASSERT_TRUE(s->put(0, 1, 0, as_bytes("kept")).is_ok());
  ASSERT_TRUE(s->put(1, 2, 0, as_bytes("also")).is_ok());
  EXPECT_EQ(seen.kind_on_node.count({"wal.append", "storage"}), 1u);
  EXPECT_EQ(seen.kind_on_node.count({"net.send", "A"}), 1u);
  EXPECT_EQ(seen.kind_on_node.count({"net.send", "B"}), 1u);
  EXPECT_EQ(seen.kind_on_node.count({"net.send", "storage"}), 1u);  // the answers
  EXPECT_EQ(seen.kind_on_node.count({"shell.put", ""}), 1u);         // the session's own
  ASSERT_TRUE(s->crash().is_ok());
  EXPECT_EQ(seen.kinds.count("node.crash"), 3u);  // the storage, A and B
  ASSERT_TRUE(s->recover().is_ok());
  EXPECT_EQ(text_of(s->get(0, 1), 4), "kept");
  EXPECT_EQ(text_of(s->get(1, 2), 4), "also");
  const SessionState st = s->state();
  EXPECT_EQ(st.read_point[0], st.vdl);
  EXPECT_EQ(st.read_point[1], st.vdl);
}

TEST(SessionNet, TheSameSeedAndCommandsGiveTheSameRun) {
  const auto run = [] {
    std::unique_ptr<Session> s = open_session(9);
    std::vector<std::string> out;
    if (!s) return out;
    s->add_listener([&out](const Event& e) {
      out.push_back(std::to_string(e.at) + " " + std::string(e.kind));
    });
    (void)s->set_net_fault("duplicate", true, 0.3);
    (void)s->set_net_fault("spike", true, 0.3);
    for (int i = 0; i < 5; ++i) (void)s->put(i % 2, 1, 0, as_bytes("x"));
    (void)s->partition({"B"}, {"a"}, false);
    (void)s->put(1, 1, 0, as_bytes("y"));
    (void)s->heal();
    return out;
  };
  const std::vector<std::string> a = run();
  ASSERT_GT(a.size(), 100u);
  EXPECT_EQ(a, run());
}

TEST(SessionNet, OnRealFilesEveryNetworkCommandIsAnError) {
  aurora::testing::TempDir dir;
  SessionOptions o;
  o.fs = FsKind::kPosix;
  o.data_dir = dir.path + "/volume";
  Result<std::unique_ptr<Session>> opened = Session::open(o);
  ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
  Session& s = **opened;
  EXPECT_FALSE(s.networked());
  const Status p = s.partition({"A"}, {"storage"}, true);
  EXPECT_EQ(p.kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(p.message().find("partition needs the simulated network (not --fs posix)"),
            std::string::npos)
      << p.message();
  EXPECT_EQ(s.heal().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(s.set_net_fault("loss", true).kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(s.net_state().kind(), ErrorKind::kInvalidArgument);
  // A and B work as they always did there.
  ASSERT_TRUE(s.put(0, 1, 0, as_bytes("local")).is_ok());
  ASSERT_TRUE(s.refresh(1).is_ok());
  EXPECT_EQ(text_of(s.get(1, 1), 5), "local");
}

}  // namespace
}  // namespace aurora::shell
