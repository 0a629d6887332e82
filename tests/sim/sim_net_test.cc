// The simulated network (sim/sim_net.h): for each fault kind of DESIGN.md section 5b,
// exactly what it may do and what it may not. Nothing is delivered that was not sent
// (copies only when duplication is on), damaged frames are rejected, a partition blocks
// exactly the links it cuts, a heal restores them, a clog holds and then delivers, the
// capacity bound drops, and a crash drops what is in flight and fences older incarnations.
#include "sim/sim_net.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/world.h"

namespace aurora::sim {
namespace {

constexpr Port kPort = 100;

std::vector<std::byte> payload(std::uint64_t i) {
  std::vector<std::byte> out(8 + i % 50);
  for (std::size_t k = 0; k < out.size(); ++k) out[k] = static_cast<std::byte>((i >> (8 * (k % 8))) + k);
  return out;
}

// Three nodes a, b, c (zones a, b and c), each with an endpoint on kPort whose receiver
// keeps what arrives, with the time it arrived, until `until`.
struct Net {
  explicit Net(NetConfig config, std::uint64_t seed = 1) : world(options(config, seed)) {
    for (const char* name : {"a", "b", "c"}) nodes.push_back(world.add_node(name, {}));
    world.trace().set_listener([this](std::string_view kind, std::span<const Field> f) {
      events[std::string(kind)]++;
      if (kind == "net.drop") {
        for (const Field& x : f) {
          if (x.key == "why") drops[std::string(x.s)]++;
        }
      }
    });
  }
  ~Net() { world.trace().set_listener(nullptr); }

  static WorldOptions options(NetConfig config, std::uint64_t seed) {
    WorldOptions o;
    o.seed = seed;
    o.faults = FaultConfig::none();
    o.net = config;
    return o;
  }

  struct Got {
    Message m;
    Nanos at;
  };

  // Binds kPort on `node` and receives until `until` (virtual time).
  void listen(NodeId node, Nanos until) {
    Result<std::unique_ptr<Endpoint>> ep = world.net().bind(node, kPort);
    ASSERT_TRUE(ep.is_ok()) << ep.status().to_string();
    endpoints[node] = std::move(ep).value();
    Endpoint* e = endpoints[node].get();
    world.sched().spawn(node, "receiver", [this, e, node, until] {
      for (;;) {
        Result<Message> m = e->receive(until);
        if (!m.is_ok()) return;
        got[node].push_back({std::move(m).value(), world.clock().now()});
      }
    });
  }
  // A sender endpoint on `node` (any free port).
  Endpoint& sender(NodeId node) {
    if (!senders.contains(node)) {
      Result<std::unique_ptr<Endpoint>> ep = world.net().bind(node, 0);
      EXPECT_TRUE(ep.is_ok());
      senders[node] = std::move(ep).value();
    }
    return *senders[node];
  }
  void send(NodeId from, NodeId to, std::uint64_t i) {
    ASSERT_TRUE(sender(from).send(Address{to, kPort}, payload(i)).is_ok());
  }
  // The index i of every message `node` received, in arrival order (payload(i) checked).
  std::vector<std::uint64_t> received(NodeId node) {
    std::vector<std::uint64_t> out;
    for (const Got& g : got[node]) {
      std::uint64_t i = 0;
      for (std::size_t k = 0; k < 8; ++k) {
        i |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(g.m.payload[k]) - k) << (8 * k);
      }
      EXPECT_EQ(g.m.payload, payload(i)) << "a message delivered that was not sent";
      out.push_back(i);
    }
    return out;
  }

  World world;
  std::vector<NodeId> nodes;  // a, b, c
  std::map<NodeId, std::unique_ptr<Endpoint>> endpoints;
  std::map<NodeId, std::unique_ptr<Endpoint>> senders;
  std::map<NodeId, std::vector<Got>> got;
  std::map<std::string, int> events;
  std::map<std::string, int> drops;
};

NetConfig with(NetFaultKind k, double p) {
  NetConfig c;
  c.rule(k) = FaultRule{.enabled = true, .probability = p, .budget = UINT64_MAX};
  return c;
}

TEST(SimNet, WithoutFaultsEveryMessageArrivesOnceIntactAndSomeOvertakeOthers) {
  Net n(NetConfig{});
  const NodeId a = n.nodes[0], b = n.nodes[1];
  n.listen(b, 100 * kMillisecond);
  for (std::uint64_t i = 0; i < 200; ++i) n.send(a, b, i);  // within the link's capacity
  ASSERT_EQ(n.world.run().kind, RunOutcome::Kind::kCompleted);
  std::vector<std::uint64_t> got = n.received(b);
  ASSERT_EQ(got.size(), 200u);
  EXPECT_FALSE(std::is_sorted(got.begin(), got.end())) << "independent delays reorder";
  std::sort(got.begin(), got.end());
  for (std::uint64_t i = 0; i < 200; ++i) EXPECT_EQ(got[i], i);
  for (const Net::Got& g : n.got[b]) {
    EXPECT_EQ(g.m.from.node, a);
    EXPECT_EQ(g.m.to, (Address{b, kPort}));
    EXPECT_GE(g.at, NetConfig{}.latency_min);
  }
  EXPECT_EQ(n.world.net().stats().sent, 200u);
  EXPECT_EQ(n.world.net().stats().delivered, 200u);
  EXPECT_EQ(n.world.net().stats().dropped, 0u);
}

TEST(SimNet, LossDropsMessagesAndDeliversNoneOfThem) {
  Net n(with(NetFaultKind::kLoss, 1.0));
  const NodeId a = n.nodes[0], b = n.nodes[1];
  n.listen(b, 10 * kMillisecond);
  for (std::uint64_t i = 0; i < 50; ++i) n.send(a, b, i);
  ASSERT_EQ(n.world.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_TRUE(n.received(b).empty());
  EXPECT_EQ(n.drops["loss"], 50);
  EXPECT_EQ(n.events["fault.net_loss"], 50);
}

TEST(SimNet, DuplicationDeliversEachMessageTwiceAndNothingElse) {
  Net n(with(NetFaultKind::kDuplicate, 1.0));
  const NodeId a = n.nodes[0], b = n.nodes[1];
  n.listen(b, 200 * kMillisecond);
  for (std::uint64_t i = 0; i < 50; ++i) n.send(a, b, i);
  ASSERT_EQ(n.world.run().kind, RunOutcome::Kind::kCompleted);
  std::map<std::uint64_t, int> count;
  for (std::uint64_t i : n.received(b)) ++count[i];
  ASSERT_EQ(count.size(), 50u);
  for (const auto& [i, c] : count) EXPECT_EQ(c, 2) << "message " << i;
  EXPECT_EQ(n.world.net().stats().duplicated, 50u);
}

TEST(SimNet, ADamagedFrameIsRejectedByTheChecksumNeverDelivered) {
  Net n(with(NetFaultKind::kCorrupt, 1.0));
  const NodeId a = n.nodes[0], b = n.nodes[1];
  n.listen(b, 10 * kMillisecond);
  for (std::uint64_t i = 0; i < 100; ++i) n.send(a, b, i);
  ASSERT_EQ(n.world.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_TRUE(n.got[b].empty());
  EXPECT_EQ(n.world.net().stats().rejected, 100u);
  EXPECT_EQ(n.endpoints[b]->stats().rejected, 100u);
  EXPECT_EQ(n.events["net.reject"], 100);
}

TEST(SimNet, ASpikeDelaysAMessageFarBeyondTheLinksUsualDelay) {
  NetConfig c = with(NetFaultKind::kSpike, 1.0);
  c.spike_mean = 20 * kMillisecond;
  Net n(c);
  const NodeId a = n.nodes[0], b = n.nodes[1];
  n.listen(b, kSecond);
  for (std::uint64_t i = 0; i < 20; ++i) n.send(a, b, i);
  ASSERT_EQ(n.world.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_EQ(n.received(b).size(), 20u);
  EXPECT_GT(n.world.net().stats().max_delay, 5 * kMillisecond);
}

TEST(SimNet, APartitionBlocksExactlyTheLinksItCutsInTheDirectionsItCuts) {
  for (const bool both_ways : {false, true}) {
    Net n(NetConfig{});
    const NodeId a = n.nodes[0], b = n.nodes[1], c = n.nodes[2];
    for (NodeId x : n.nodes) n.listen(x, 10 * kMillisecond);
    n.world.net().partition({a}, {b}, both_ways);
    n.send(a, b, 1);  // cut
    n.send(b, a, 2);  // cut only both ways
    n.send(a, c, 3);
    n.send(c, b, 4);
    n.send(c, a, 5);
    ASSERT_EQ(n.world.run().kind, RunOutcome::Kind::kCompleted);
    EXPECT_TRUE(n.received(b) == std::vector<std::uint64_t>{4}) << "both_ways " << both_ways;
    std::vector<std::uint64_t> to_a = n.received(a);
    std::sort(to_a.begin(), to_a.end());
    const std::vector<std::uint64_t> expected_at_a =
        both_ways ? std::vector<std::uint64_t>{5} : std::vector<std::uint64_t>{2, 5};
    EXPECT_EQ(to_a, expected_at_a);
    EXPECT_EQ(n.received(c), std::vector<std::uint64_t>{3});
    EXPECT_EQ(n.drops["partition"], both_ways ? 2 : 1);
  }
}

TEST(SimNet, AHealRestoresTheCutLinks) {
  Net n(NetConfig{});
  const NodeId a = n.nodes[0], b = n.nodes[1];
  n.listen(b, 20 * kMillisecond);
  n.world.net().partition({a}, {b}, true);
  n.send(a, b, 1);
  n.world.spawn("heal", [&] {
    n.world.clock().sleep_for(5 * kMillisecond);
    n.world.net().heal();
    n.send(a, b, 2);
  });
  ASSERT_EQ(n.world.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_EQ(n.received(b), std::vector<std::uint64_t>{2});
  EXPECT_EQ(n.events["net.heal"], 1);
}

TEST(SimNet, AMessageInFlightWhenAPartitionStartsIsDropped) {
  NetConfig c;
  c.latency_min = 5 * kMillisecond;
  Net n(c);
  const NodeId a = n.nodes[0], b = n.nodes[1];
  n.listen(b, 20 * kMillisecond);
  n.send(a, b, 1);
  n.world.spawn("cut", [&] {
    n.world.clock().sleep_for(kMillisecond);
    n.world.net().partition({a}, {b}, true);
  });
  ASSERT_EQ(n.world.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_TRUE(n.received(b).empty());
  EXPECT_EQ(n.drops["partition"], 1);
}

// Partitions drawn by the chaos fiber: each kind cuts what it says, and heals by itself.
TEST(SimNet, DrawnPartitionsOfEveryKindCutAndHealByThemselves) {
  for (const NetFaultKind k : {NetFaultKind::kPartitionNode, NetFaultKind::kPartitionHalves,
                               NetFaultKind::kPartitionZone, NetFaultKind::kPartitionOneway}) {
    NetConfig c = with(k, 1.0);
    c.chaos_interval = kMillisecond;
    c.partition_mean = 2 * kMillisecond;
    Net n(c);
    std::vector<std::string> kinds;
    std::vector<bool> both;
    n.world.trace().set_listener([&](std::string_view kind, std::span<const Field> f) {
      n.events[std::string(kind)]++;
      if (kind != "net.partition") return;
      for (const Field& x : f) {
        if (x.key == "kind") kinds.emplace_back(x.s);
        if (x.key == "both_ways") both.push_back(x.u != 0);
      }
    });
    const NodeId a = n.nodes[0], b = n.nodes[1];
    n.listen(b, 50 * kMillisecond);
    n.send(a, b, 0);  // the first message starts the network's fibers
    n.world.spawn("probe", [&] {
      // Every link of every pair, once a millisecond: a partition's cuts show up as drops.
      for (std::uint64_t i = 1; i < 40; ++i) {
        n.world.clock().sleep_for(kMillisecond);
        for (NodeId from : n.nodes) {
          for (NodeId to : n.nodes) {
            if (from != to && n.world.net().cut(from, to)) {
              EXPECT_TRUE(k == NetFaultKind::kPartitionOneway || n.world.net().cut(to, from))
                  << "a two-way partition cut one direction only";
            }
          }
        }
      }
    });
    ASSERT_EQ(n.world.run().kind, RunOutcome::Kind::kCompleted);
    const std::string name(net_fault_kind_name(k));
    ASSERT_GE(kinds.size(), 2u) << name;
    for (const std::string& got : kinds) EXPECT_EQ(got, name.substr(name.find('_') + 1)) << name;
    for (bool b2 : both) EXPECT_EQ(b2, k != NetFaultKind::kPartitionOneway) << name;
    EXPECT_GE(n.events["net.heal"], static_cast<int>(kinds.size()) - 1) << name;
    n.world.trace().set_listener(nullptr);
  }
}

TEST(SimNet, AZonePartitionCutsOneZoneFromTheOthersAndNeverNodesOfOneZone) {
  NetConfig c = with(NetFaultKind::kPartitionZone, 1.0);
  c.chaos_interval = kMillisecond;
  c.partition_mean = 2 * kMillisecond;
  Net n(c);
  // Nodes a, b, c are in zones a, b, c; d joins zone a.
  const NodeId d = n.world.add_node("d", {}, "a");
  EXPECT_EQ(n.world.net().zone(d), "a");
  EXPECT_EQ(n.world.net().zone(n.nodes[1]), "b");
  std::vector<NodeId> all = n.nodes;
  all.push_back(d);
  n.listen(n.nodes[1], 50 * kMillisecond);
  n.send(n.nodes[0], n.nodes[1], 0);  // the first message starts the network's fibers
  int cuts_seen = 0;
  n.world.spawn("probe", [&] {
    for (int i = 0; i < 40; ++i) {
      n.world.clock().sleep_for(kMillisecond);
      for (NodeId x : all) {
        for (NodeId y : all) {
          if (x == y || !n.world.net().cut(x, y)) continue;
          ++cuts_seen;
          EXPECT_NE(n.world.net().zone(x), n.world.net().zone(y)) << x << " -> " << y;
        }
      }
    }
  });
  ASSERT_EQ(n.world.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_GT(cuts_seen, 0);
}

TEST(SimNet, AClogHoldsMessagesThenDeliversThemAll) {
  Net n(NetConfig{});
  const NodeId a = n.nodes[0], b = n.nodes[1], c = n.nodes[2];
  n.listen(b, 50 * kMillisecond);
  n.listen(c, 50 * kMillisecond);
  n.world.net().clog(a, b, 10 * kMillisecond);
  for (std::uint64_t i = 0; i < 10; ++i) n.send(a, b, i);
  n.send(a, c, 99);
  ASSERT_EQ(n.world.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_EQ(n.received(b).size(), 10u);
  for (const Net::Got& g : n.got[b]) EXPECT_GE(g.at, 10 * kMillisecond);
  ASSERT_EQ(n.got[c].size(), 1u);
  EXPECT_LT(n.got[c][0].at, 10 * kMillisecond) << "a clog of a -> b holds nothing to c";
}

TEST(SimNet, AClogOfANodeHoldsEverythingToAndFromIt) {
  Net n(NetConfig{});
  const NodeId a = n.nodes[0], b = n.nodes[1], c = n.nodes[2];
  for (NodeId x : n.nodes) n.listen(x, 50 * kMillisecond);
  n.world.net().clog(b, std::nullopt, 10 * kMillisecond);
  n.send(a, b, 1);
  n.send(b, c, 2);
  n.send(a, c, 3);
  ASSERT_EQ(n.world.run().kind, RunOutcome::Kind::kCompleted);
  ASSERT_EQ(n.got[b].size(), 1u);
  EXPECT_GE(n.got[b][0].at, 10 * kMillisecond);
  ASSERT_EQ(n.got[c].size(), 2u);
  for (const Net::Got& g : n.got[c]) {
    const bool from_b = g.m.from.node == b;
    EXPECT_EQ(g.at >= 10 * kMillisecond, from_b);
  }
}

TEST(SimNet, BeyondTheCapacityOfALinkMessagesAreDropped) {
  NetConfig c;
  c.capacity = 3;
  Net n(c);
  const NodeId a = n.nodes[0], b = n.nodes[1];
  n.listen(b, 10 * kMillisecond);
  for (std::uint64_t i = 0; i < 10; ++i) n.send(a, b, i);
  ASSERT_EQ(n.world.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_EQ(n.received(b).size(), 3u);
  EXPECT_EQ(n.drops["capacity"], 7);
}

TEST(SimNet, ACrashDropsWhatIsInFlightToAndFromTheNode) {
  NetConfig c;
  c.latency_min = 5 * kMillisecond;
  Net n(c);
  const NodeId a = n.nodes[0], b = n.nodes[1], cc = n.nodes[2];
  n.listen(a, 50 * kMillisecond);
  n.listen(cc, 50 * kMillisecond);
  n.send(a, b, 1);   // to the node that crashes
  n.send(b, cc, 2);  // from it
  n.send(a, cc, 3);  // neither
  n.world.spawn("crash", [&] {
    n.world.clock().sleep_for(kMillisecond);
    n.world.crash(b);
  });
  ASSERT_EQ(n.world.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_EQ(n.received(cc), std::vector<std::uint64_t>{3});
  EXPECT_EQ(n.drops["crash"], 2);
}

TEST(SimNet, ARestartedNodeNeverReceivesWhatWasAddressedToItsOlderIncarnation) {
  // Every message is duplicated, the copy arriving much later: the copies of messages sent
  // to b's first incarnation come after b restarted, and must not reach it.
  NetConfig c = with(NetFaultKind::kDuplicate, 1.0);
  c.replay_mean = 20 * kMillisecond;
  Net n(c);
  const NodeId a = n.nodes[0], b = n.nodes[1];
  n.listen(b, 5 * kMillisecond);
  for (std::uint64_t i = 0; i < 20; ++i) n.send(a, b, i);
  n.world.spawn("restart", [&] {
    n.world.clock().sleep_for(5 * kMillisecond);
    n.world.crash(b);
    n.world.restart(b);
    EXPECT_EQ(n.world.net().incarnation(b), 2u);
    n.endpoints.erase(b);  // its endpoint died with it
    n.got[b].clear();
    n.listen(b, 500 * kMillisecond);
    n.send(a, b, 100);  // to the new incarnation: delivered
  });
  ASSERT_EQ(n.world.run().kind, RunOutcome::Kind::kCompleted);
  std::vector<std::uint64_t> got = n.received(b);
  std::sort(got.begin(), got.end());
  got.erase(std::unique(got.begin(), got.end()), got.end());
  EXPECT_EQ(got, std::vector<std::uint64_t>{100});
  EXPECT_GT(n.drops["incarnation"] + n.drops["crash"], 0);
}

TEST(SimNet, TheSameSeedGivesTheSameRunWithEveryFaultOn) {
  auto run = [](std::uint64_t seed) {
    NetConfig c = NetConfig::faulty();
    for (FaultRule& r : c.rules) r.probability = std::min(1.0, r.probability * 10);
    c.chaos_interval = kMillisecond;
    Net n(c, seed);
    for (NodeId x : n.nodes) n.listen(x, 100 * kMillisecond);
    n.world.spawn("traffic", [&] {
      Rng& rng = n.world.stream("test");
      for (std::uint64_t i = 0; i < 500; ++i) {
        const NodeId from = n.nodes[rng.below(3)];
        const NodeId to = n.nodes[rng.below(3)];
        n.send(from, to, i);
        n.world.clock().sleep_for(static_cast<Nanos>(rng.below(100)) * kMicrosecond);
      }
    });
    EXPECT_EQ(n.world.run().kind, RunOutcome::Kind::kCompleted);
    return std::make_pair(n.world.trace().hash(), n.world.net().summary());
  };
  const auto first = run(7);
  EXPECT_EQ(first, run(7));
  EXPECT_NE(first.first, run(8).first);
}

}  // namespace
}  // namespace aurora::sim
