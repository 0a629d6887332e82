// Workload specs (workloads/spec/spec.h): the shipped specs parse and survive to_toml,
// find_spec finds them by name and by path, and every kind of bad input is an error
// "<source>:<line>: <message>" naming the key, on the line of that key.
#include "workloads/spec/spec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace aurora::workloads {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> shipped_names() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(specs_directory())) {
    if (entry.path().extension() == ".toml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Field by field, so that a failure says which field did not survive.
void expect_same(const Spec& a, const Spec& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.source, b.source);
  const WorkloadSpec& x = a.workload;
  const WorkloadSpec& y = b.workload;
  EXPECT_EQ(x.ops, y.ops);
  EXPECT_EQ(x.compute_nodes, y.compute_nodes);
  EXPECT_EQ(x.pages, y.pages);
  EXPECT_EQ(x.mtr_records_max, y.mtr_records_max);
  EXPECT_EQ(x.mtr_pages_max, y.mtr_pages_max);
  EXPECT_EQ(x.write_bytes_max, y.write_bytes_max);
  EXPECT_EQ(x.crashes, y.crashes);
  EXPECT_EQ(x.commit_weight, y.commit_weight);
  EXPECT_EQ(x.read_weight, y.read_weight);
  EXPECT_EQ(x.read_past_weight, y.read_past_weight);
  EXPECT_EQ(x.refresh_weight, y.refresh_weight);
  EXPECT_EQ(x.sync_weight, y.sync_weight);
  EXPECT_EQ(x.crash_storage_weight, y.crash_storage_weight);
  EXPECT_EQ(x.crash_compute_weight, y.crash_compute_weight);
  EXPECT_EQ(x.crash_all_weight, y.crash_all_weight);
  EXPECT_EQ(x.liveness_ops, y.liveness_ops);
  EXPECT_EQ(x.liveness_bound, y.liveness_bound);
  EXPECT_EQ(a.faults.regime, b.faults.regime);
  EXPECT_EQ(a.faults.swarm, b.faults.swarm);
  EXPECT_EQ(a.faults.crash_mode, b.faults.crash_mode);
  EXPECT_EQ(a.faults.atomic_unit, b.faults.atomic_unit);
  EXPECT_EQ(a.faults.kinds.size(), b.faults.kinds.size());
  for (const auto& [kind, k] : a.faults.kinds) {
    const auto it = b.faults.kinds.find(kind);
    ASSERT_NE(it, b.faults.kinds.end()) << sim::fault_kind_name(kind);
    EXPECT_EQ(k.enabled, it->second.enabled) << sim::fault_kind_name(kind);
    EXPECT_EQ(k.probability, it->second.probability) << sim::fault_kind_name(kind);
    EXPECT_EQ(k.budget, it->second.budget) << sim::fault_kind_name(kind);
  }
  const StorageSpec& s = a.storage;
  const StorageSpec& t = b.storage;
  EXPECT_EQ(s.preset, t.preset);
  EXPECT_EQ(s.segment_bytes, t.segment_bytes);
  EXPECT_EQ(s.durability, t.durability);
  EXPECT_EQ(s.page_size, t.page_size);
  EXPECT_EQ(s.cache_pages, t.cache_pages);
  EXPECT_EQ(s.buffer_pages, t.buffer_pages);
  EXPECT_EQ(s.image_after, t.image_after);
  EXPECT_EQ(s.compact_min_dead, t.compact_min_dead);
  EXPECT_EQ(s.maintenance_interval, t.maintenance_interval);
  EXPECT_EQ(s.lal, t.lal);
  EXPECT_EQ(s.cold_read_latency, t.cold_read_latency);
  EXPECT_EQ(a.swarm, b.swarm);
  EXPECT_TRUE(a == b) << "operator== disagrees with the fields";
}

void expect_round_trip(const Spec& spec) {
  const std::string text = to_toml(spec);
  Result<Spec> again = parse_spec(text, spec.source);
  ASSERT_TRUE(again.is_ok()) << again.status().to_string() << "\n" << text;
  expect_same(*again, spec);
  // Writing is a function of the spec: the text is a fixed point too.
  EXPECT_EQ(to_toml(*again), text);
}

// --- the shipped specs -----------------------------------------------------------------

TEST(Spec, ShippedSpecsAreTheExpectedSet) {
  EXPECT_EQ(shipped_names(),
            (std::vector<std::string>{"az_outage", "az_plus_one", "crash_heavy", "default",
                                      "fsync_errors", "many_nodes", "media_faults",
                                      "network_faults", "partitions", "quorum", "soak",
                                      "stale_writer", "tiered", "torn_writes"}));
}

TEST(Spec, EveryShippedSpecParsesAndRoundTrips) {
  for (const std::string& name : shipped_names()) {
    SCOPED_TRACE(name);
    const std::string path = specs_directory() + "/" + name + ".toml";
    Result<Spec> spec = load_spec(path);
    ASSERT_TRUE(spec.is_ok()) << spec.status().to_string();
    EXPECT_EQ(spec->name, name) << "[meta] name must be the file's stem";
    EXPECT_FALSE(spec->description.empty());
    EXPECT_EQ(spec->source, path);
    expect_round_trip(*spec);
  }
}

TEST(Spec, ShippedSpecsSayWhatTheirNamesPromise) {
  Result<Spec> d = find_spec("default");
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_EQ(d->workload.compute_nodes, 2u);
  EXPECT_EQ(d->workload.ops, 2000u);
  EXPECT_EQ(d->workload.crashes, 3u);
  EXPECT_EQ(d->faults.regime, FaultRegime::kRecoverable);
  EXPECT_TRUE(d->faults.swarm);

  Result<Spec> torn = find_spec("torn_writes");
  ASSERT_TRUE(torn.is_ok()) << torn.status().to_string();
  EXPECT_FALSE(torn->faults.swarm);
  EXPECT_EQ(torn->faults.crash_mode, sim::CrashMode::kSubset);
  EXPECT_EQ(torn->faults.atomic_unit, 1u);
  for (std::size_t i = 0; i < sim::kFaultKindCount; ++i) {
    const auto kind = static_cast<sim::FaultKind>(i);
    if (sim::is_media_fault(kind)) continue;  // off in the recoverable regime anyway
    const auto it = torn->faults.kinds.find(kind);
    ASSERT_NE(it, torn->faults.kinds.end()) << sim::fault_kind_name(kind);
    EXPECT_EQ(it->second.enabled, kind == sim::FaultKind::kTornWrite) << sim::fault_kind_name(kind);
  }
  EXPECT_EQ(torn->faults.kinds.at(sim::FaultKind::kTornWrite).probability, 1.0);
  EXPECT_FALSE(torn->network.faults) << "torn writes and nothing else";

  Result<Spec> net = find_spec("network_faults");
  ASSERT_TRUE(net.is_ok()) << net.status().to_string();
  EXPECT_TRUE(net->network.faults);
  EXPECT_FALSE(net->network.swarm);
  for (std::size_t i = 0; i < sim::kNetFaultKindCount; ++i) {
    const auto kind = static_cast<sim::NetFaultKind>(i);
    ASSERT_TRUE(net->network.kinds.contains(kind)) << sim::net_fault_kind_name(kind);
    EXPECT_NE(net->network.kinds.at(kind).enabled, false) << sim::net_fault_kind_name(kind);
  }

  Result<Spec> parts = find_spec("partitions");
  ASSERT_TRUE(parts.is_ok()) << parts.status().to_string();
  for (std::size_t i = 0; i < sim::kNetFaultKindCount; ++i) {
    const auto kind = static_cast<sim::NetFaultKind>(i);
    const bool on = parts->network.kinds.at(kind).enabled.value_or(true);
    EXPECT_EQ(on, sim::is_partition(kind)) << sim::net_fault_kind_name(kind);
  }

  Result<Spec> media = find_spec("media_faults");
  ASSERT_TRUE(media.is_ok()) << media.status().to_string();
  EXPECT_EQ(media->faults.regime, FaultRegime::kUnrestricted);

  Result<Spec> tiered = find_spec("tiered");
  ASSERT_TRUE(tiered.is_ok()) << tiered.status().to_string();
  EXPECT_EQ(tiered->storage.preset, "tiered");
  EXPECT_EQ(tiered->storage.segment_bytes, 4096u);
  EXPECT_EQ(tiered->storage.cold_read_latency, 2 * kMillisecond);

  Result<Spec> many = find_spec("many_nodes");
  ASSERT_TRUE(many.is_ok()) << many.status().to_string();
  EXPECT_EQ(many->workload.compute_nodes, 8u);
  EXPECT_EQ(many->workload.ops, 4000u);
}

// --- find_spec ------------------------------------------------------------------------

TEST(Spec, FindSpecByNameAndByPathAgree) {
  const std::string path = specs_directory() + "/crash_heavy.toml";
  Result<Spec> by_name = find_spec("crash_heavy");
  Result<Spec> by_path = find_spec(path);
  ASSERT_TRUE(by_name.is_ok()) << by_name.status().to_string();
  ASSERT_TRUE(by_path.is_ok()) << by_path.status().to_string();
  expect_same(*by_name, *by_path);
  EXPECT_EQ(by_name->source, path);
}

TEST(Spec, FindSpecOfAnUnknownNameListsTheShippedOnes) {
  Result<Spec> r = find_spec("no_such_spec");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.kind(), ErrorKind::kNotFound);
  EXPECT_NE(r.status().message().find("no_such_spec"), std::string::npos);
  for (const std::string& name : shipped_names()) {
    EXPECT_NE(r.status().message().find(name), std::string::npos) << r.status().message();
  }
}

TEST(Spec, MissingFileIsNotFoundNamingThePath) {
  const std::string path = specs_directory() + "/no_such_file.toml";
  for (const Result<Spec>& r : {load_spec(path), find_spec(path)}) {
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.kind(), ErrorKind::kNotFound) << r.status().to_string();
    EXPECT_EQ(r.status().message().rfind(path + ": ", 0), 0u) << r.status().message();
  }
  Result<Spec> dir = load_spec(specs_directory() + "/no_such_dir/x.toml");
  EXPECT_EQ(dir.kind(), ErrorKind::kNotFound) << dir.status().to_string();
}

// --- parsing ---------------------------------------------------------------------------

TEST(Spec, EmptyTextIsTheDefaults) {
  Result<Spec> r = parse_spec("", "<builtin>");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  Spec expected;
  expected.source = "<builtin>";
  expected.swarm = {};  // a file draws only what its own [swarm] table names
  expect_same(*r, expected);
  expect_round_trip(*r);
}

// `sim --seed N` without --spec runs the built-in default: the shipped default.toml must
// say the same, [swarm] included, or the two would quietly drift apart.
TEST(Spec, TheShippedDefaultIsTheBuiltInDefault) {
  Result<Spec> d = find_spec("default");
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  Spec builtin;
  builtin.name = d->name;
  builtin.description = d->description;
  builtin.source = d->source;
  expect_same(*d, builtin);
  EXPECT_FALSE(d->swarm.empty());
}

TEST(Spec, SwarmRangesAndListsParseAndRoundTrip) {
  Result<Spec> r = parse_spec(
      "[swarm]\nlal = [8, 1000]\ncompute_nodes = [1, 1]\ndurability = [\"group\", \"manual\"]\n",
      "s.toml");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->swarm.ranges.at("lal"), (SwarmRange{8, 1000}));
  EXPECT_EQ(r->swarm.ranges.at("compute_nodes"), (SwarmRange{1, 1}));
  EXPECT_EQ(r->swarm.lists.at("durability"), (std::vector<std::string>{"group", "manual"}));
  EXPECT_EQ(r->swarm.ranges.size(), 2u);
  expect_round_trip(*r);
}

TEST(Spec, BadSwarmKeysAreRefusedWithTheirLine) {
  const auto error_of = [](const std::string& text) {
    Result<Spec> r = parse_spec(text, "s.toml");
    return r.is_ok() ? std::string("parsed") : r.status().message();
  };
  EXPECT_EQ(error_of("[swarm]\nops = [1, 2]\n"),
            "s.toml:2: unknown key swarm.ops (known: compute_nodes, pages, mtr_records_max, "
            "write_bytes_max, segment_bytes, "
            "cache_pages, buffer_pages, image_after, compact_min_dead, maintenance_interval_us, "
            "lal, cold_read_latency_us, durability, preset, regime)");
  EXPECT_EQ(error_of("[swarm]\nlal = 8\n"),
            "s.toml:2: swarm.lal must be a range [lo, hi] of two integers, not an integer");
  EXPECT_EQ(error_of("[swarm]\nlal = [8]\n"),
            "s.toml:2: swarm.lal must be a range [lo, hi] of two integers, not an array of 1 values");
  EXPECT_EQ(error_of("[swarm]\nlal = [9, 8]\n"),
            "s.toml:2: swarm.lal is the empty range [9, 8]: lo must be <= hi");
  EXPECT_EQ(error_of("[swarm]\ncompute_nodes = [1, 17]\n"),
            "s.toml:2: swarm.compute_nodes[1] must be an integer in 1..16 (got 17)");
  EXPECT_EQ(error_of("[swarm]\nsegment_bytes = [40, 100]\n"),
            "s.toml:2: swarm.segment_bytes[0] must be an integer >= 41 (got 40)");
  EXPECT_EQ(error_of("[swarm]\ndurability = []\n"),
            "s.toml:2: swarm.durability must be a non-empty list of strings, not an empty array");
  EXPECT_EQ(error_of("[swarm]\npreset = [\"base\", \"warp\"]\n"),
            "s.toml:2: swarm.preset: unknown preset \"warp\" (known: base, tiered, quorum)");
  EXPECT_EQ(error_of("[swarm]\nregime = [\"mild\"]\n"),
            "s.toml:2: swarm.regime: unknown regime \"mild\" (known: none, recoverable, "
            "unrestricted)");
}

TEST(Spec, EveryFieldIsReadAndRoundTrips) {
  const std::string text = R"(# every key, none at its default
[meta]
name = "everything"
description = "quotes \" backslash \\ tab \t newline \n unicode é ✓"

[workload]
ops = 12345
compute_nodes = 16
read_replicas = 3
pages = 7
mtr_records_max = 64
mtr_pages_max = 7
write_bytes_max = 65536
crashes = 0
commit_weight = 0.1
read_weight = 3
read_past_weight = 0
refresh_weight = 1e-3
sync_weight = 2.5
crash_storage_weight = 0
crash_compute_weight = 0
crash_all_weight = 0
crash_failover_weight = 2
failover_partition_ms = 77
liveness_ops = 1
liveness_bound_ms = 7500

[faults]
regime = "unrestricted"
swarm = false
crash_mode = "drop-all"
atomic_unit = 4096
media_nodes = ["s0", "s2"]

[faults.kinds.bit_flip]
enabled = true
probability = 1
budget = 0

[faults.kinds.lost_write]

[faults.kinds.fsync_eio]
probability = 0.333

[storage]
preset = "tiered"
segment_bytes = 41
durability = "every-commit"
page_size = 65536
cache_pages = 0
buffer_pages = 1
image_after = 1
compact_min_dead = 1
maintenance_interval_us = 1
lal = 4294967296
cold_read_latency_us = 0

[network]
faults = false
swarm = false
latency_min_us = 1
latency_mean_us = 0
spike_mean_us = 7
replay_mean_us = 8
capacity = 1
chaos_interval_us = 9
partition_mean_us = 10
clog_mean_us = 11
rpc_timeout_us = 12
rpc_attempts = 1000

[network.kinds.partition_zone]
enabled = true
probability = 0.5
budget = 3
)";
  Result<Spec> r = parse_spec(text, "everything.toml");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const Spec& s = *r;
  EXPECT_EQ(s.name, "everything");
  EXPECT_EQ(s.description, "quotes \" backslash \\ tab \t newline \n unicode é ✓");
  EXPECT_EQ(s.workload.ops, 12345u);
  EXPECT_EQ(s.workload.compute_nodes, 16u);
  EXPECT_EQ(s.workload.read_replicas, 3u);
  EXPECT_EQ(s.workload.crash_failover_weight, 2.0);
  EXPECT_EQ(s.workload.failover_partition, 77 * kMillisecond);
  EXPECT_EQ(s.workload.commit_weight, 0.1);
  EXPECT_EQ(s.workload.read_weight, 3.0);
  EXPECT_EQ(s.workload.refresh_weight, 1e-3);
  EXPECT_EQ(s.workload.liveness_bound, 7500 * kMillisecond);
  EXPECT_EQ(s.faults.regime, FaultRegime::kUnrestricted);
  EXPECT_FALSE(s.faults.swarm);
  EXPECT_EQ(s.faults.crash_mode, sim::CrashMode::kDropAll);
  EXPECT_EQ(s.faults.atomic_unit, 4096u);
  EXPECT_EQ(s.faults.media_nodes, (std::vector<std::string>{"s0", "s2"}));
  ASSERT_EQ(s.faults.kinds.size(), 3u);
  const FaultKindSpec& flip = s.faults.kinds.at(sim::FaultKind::kBitFlip);
  EXPECT_EQ(flip.enabled, true);
  EXPECT_EQ(flip.probability, 1.0);
  EXPECT_EQ(flip.budget, 0u);
  EXPECT_EQ(s.faults.kinds.at(sim::FaultKind::kLostWrite), FaultKindSpec{});
  EXPECT_EQ(s.faults.kinds.at(sim::FaultKind::kFsyncEio).probability, 0.333);
  EXPECT_EQ(s.storage.preset, "tiered");
  EXPECT_EQ(s.storage.segment_bytes, 41u);
  EXPECT_EQ(s.storage.durability, "every-commit");
  EXPECT_EQ(s.storage.page_size, 65536u);
  EXPECT_EQ(s.storage.maintenance_interval, kMicrosecond);
  EXPECT_EQ(s.storage.lal, 4294967296u);
  EXPECT_EQ(s.storage.cold_read_latency, 0);
  EXPECT_FALSE(s.network.faults);
  EXPECT_FALSE(s.network.swarm);
  EXPECT_EQ(s.network.latency_min, kMicrosecond);
  EXPECT_EQ(s.network.latency_mean, 0);
  EXPECT_EQ(s.network.spike_mean, 7 * kMicrosecond);
  EXPECT_EQ(s.network.replay_mean, 8 * kMicrosecond);
  EXPECT_EQ(s.network.capacity, 1u);
  EXPECT_EQ(s.network.chaos_interval, 9 * kMicrosecond);
  EXPECT_EQ(s.network.partition_mean, 10 * kMicrosecond);
  EXPECT_EQ(s.network.clog_mean, 11 * kMicrosecond);
  EXPECT_EQ(s.network.rpc_timeout, 12 * kMicrosecond);
  EXPECT_EQ(s.network.rpc_attempts, 1000u);
  const FaultKindSpec& zone = s.network.kinds.at(sim::NetFaultKind::kPartitionZone);
  EXPECT_EQ(zone.enabled, true);
  EXPECT_EQ(zone.probability, 0.5);
  EXPECT_EQ(zone.budget, 3u);
  expect_round_trip(s);
}

TEST(Spec, MediaFaultMayBeSwitchedOffInTheRecoverableRegime) {
  Result<Spec> r = parse_spec("[faults.kinds.bit_flip]\nenabled = false\n", "off.toml");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->faults.kinds.at(sim::FaultKind::kBitFlip).enabled, false);
}

TEST(Spec, RecoverableKindsMayBeTurnedOnInTheNoneRegime) {
  Result<Spec> r = parse_spec(
      "[faults]\nregime = \"none\"\n[faults.kinds.torn_write]\nenabled = true\n", "none.toml");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
}

TEST(Spec, TheExampleInSpecFormatParses) {
  const std::string path = std::string(AURORA_SOURCE_DIR) + "/workloads/spec/SPEC_FORMAT.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string text = doc.str();
  const std::string open = "```toml\n";
  const std::size_t begin = text.find(open);
  ASSERT_NE(begin, std::string::npos) << "no ```toml block in " << path;
  const std::size_t end = text.find("```", begin + open.size());
  ASSERT_NE(end, std::string::npos);
  const std::string example = text.substr(begin + open.size(), end - begin - open.size());
  Result<Spec> r = parse_spec(example, "SPEC_FORMAT.md example");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->name, "torn_writes");
  expect_round_trip(*r);
}

// --- errors ----------------------------------------------------------------------------

struct BadCase {
  std::string what;
  std::string text;
  std::uint32_t line;    // where the error must point
  std::string mention;   // what the message must name (the key, usually)
};

const std::vector<BadCase>& bad_cases() {
  static const std::vector<BadCase> cases = {
      // bad TOML
      {"syntax: two equals", "[workload]\nops = 1\ncrashes = = 3\n", 3, "TOML syntax"},
      {"syntax: unterminated string", "[meta]\n\nname = \"open\n", 3, "TOML syntax"},
      {"syntax: duplicate key", "[workload]\nops = 1\nops = 2\n", 3, "TOML syntax"},
      {"syntax: table defined twice", "[workload]\nops = 1\n\n[workload]\ncrashes = 1\n", 4,
       "TOML syntax"},
      // unknown names
      {"unknown table", "[meta]\nname = \"x\"\n\n[fault]\nregime = \"none\"\n", 4, "[fault]"},
      {"unknown top-level key", "name = \"x\"\n", 1, "name"},
      {"unknown key", "[workload]\nops = 10\nopz = 3\n", 3, "workload.opz"},
      {"first error in the file wins", "[workload]\nzzz = 1\naaa = 2\n", 2, "workload.zzz"},
      {"unknown key in an inline table", "workload = { ops = 1, opz = 2 }\n", 1, "workload.opz"},
      {"unknown meta key", "[meta]\nname = \"x\"\nauthor = \"me\"\n", 3, "meta.author"},
      {"unknown faults key", "[faults]\nswarm = true\nseed = 3\n", 3, "faults.seed"},
      {"unknown kind key", "[faults.kinds.torn_write]\nenabled = true\nrate = 0.5\n", 3,
       "faults.kinds.torn_write.rate"},
      {"unknown storage key", "[storage]\n\n\npages = 3\n", 4, "storage.pages"},
      // wrong types
      {"string for integer", "[workload]\n\nops = \"many\"\n", 3, "workload.ops"},
      {"float for integer", "[workload]\ncompute_nodes = 2.0\n", 2, "workload.compute_nodes"},
      {"string for float", "[workload]\ncommit_weight = \"high\"\n", 2, "workload.commit_weight"},
      {"integer for boolean", "[faults]\nswarm = 1\n", 2, "faults.swarm"},
      {"integer for string", "[storage]\npreset = 3\n", 2, "storage.preset"},
      {"table not a table", "workload = 3\n", 1, "workload"},
      {"array of tables", "[[workload]]\nops = 3\n", 1, "workload"},
      {"kinds not a table", "[faults]\nkinds = [\"torn_write\"]\n", 2, "faults.kinds"},
      {"kind not a table", "[faults.kinds]\ntorn_write = true\n", 2, "faults.kinds.torn_write"},
      {"float for budget", "[faults.kinds.fsync_eio]\nbudget = 2.5\n", 2,
       "faults.kinds.fsync_eio.budget"},
      // out of range
      {"ops 0", "[workload]\nops = 0\n", 2, "workload.ops"},
      {"ops negative", "[workload]\nops = -5\n", 2, "workload.ops"},
      {"compute_nodes 0", "[workload]\ncompute_nodes = 0\n", 2, "workload.compute_nodes"},
      {"compute_nodes 17", "[workload]\ncompute_nodes = 17\n", 2, "workload.compute_nodes"},
      {"pages 0", "[workload]\npages = 0\n", 2, "workload.pages"},
      {"pages above u32", "[workload]\npages = 4294967296\n", 2, "workload.pages"},
      {"mtr_pages_max 0", "[workload]\nmtr_pages_max = 0\n", 2, "workload.mtr_pages_max"},
      {"mtr_pages_max > pages", "[workload]\nmtr_pages_max = 9\npages = 8\n", 2,
       "workload.mtr_pages_max"},
      {"pages below default mtr_pages_max", "[workload]\n\npages = 3\n", 3,
       "workload.mtr_pages_max"},
      {"mtr_records_max 0", "[workload]\nmtr_records_max = 0\n", 2, "workload.mtr_records_max"},
      {"mtr_records_max 65", "[workload]\nmtr_records_max = 65\n", 2, "workload.mtr_records_max"},
      {"write_bytes_max 0", "[workload]\nwrite_bytes_max = 0\n", 2, "workload.write_bytes_max"},
      {"write_bytes_max 65537", "[workload]\nwrite_bytes_max = 65537\n", 2,
       "workload.write_bytes_max"},
      {"negative weight", "[workload]\nread_weight = -1\n", 2, "workload.read_weight"},
      {"nan weight", "[workload]\nread_weight = nan\n", 2, "workload.read_weight"},
      {"infinite weight", "[workload]\nsync_weight = inf\n", 2, "workload.sync_weight"},
      {"all op weights zero",
       "[workload]\ncommit_weight = 0\nread_weight = 0\nread_past_weight = 0.0\n"
       "refresh_weight = 0\nsync_weight = 0\n",
       6, "workload.commit_weight"},
      {"all crash weights zero",
       "[workload]\ncrash_storage_weight = 0\ncrash_compute_weight = 0\ncrash_all_weight = 0\n", 4,
       "workload.crash_storage_weight"},
      {"liveness_ops 0", "[workload]\nliveness_ops = 0\n", 2, "workload.liveness_ops"},
      {"liveness_bound_ms 0", "[workload]\nliveness_bound_ms = 0\n", 2,
       "workload.liveness_bound_ms"},
      {"liveness_bound_ms overflows", "[workload]\nliveness_bound_ms = 9223372036854775807\n", 2,
       "workload.liveness_bound_ms"},
      {"probability above 1", "[faults.kinds.torn_write]\nprobability = 1.5\n", 2,
       "faults.kinds.torn_write.probability"},
      {"probability below 0", "[faults.kinds.short_write]\nprobability = -0.1\n", 2,
       "faults.kinds.short_write.probability"},
      {"negative budget", "[faults.kinds.read_eio]\nbudget = -1\n", 2,
       "faults.kinds.read_eio.budget"},
      {"atomic_unit 100", "[faults]\natomic_unit = 100\n", 2, "faults.atomic_unit"},
      {"atomic_unit 0", "[faults]\natomic_unit = 0\n", 2, "faults.atomic_unit"},
      {"page_size 0", "[storage]\npage_size = 0\n", 2, "storage.page_size"},
      {"page_size 65537", "[storage]\npage_size = 65537\n", 2, "storage.page_size"},
      {"segment_bytes 40", "[storage]\nsegment_bytes = 40\n", 2, "storage.segment_bytes"},
      {"buffer_pages 0", "[storage]\nbuffer_pages = 0\n", 2, "storage.buffer_pages"},
      {"lal 0", "[storage]\nlal = 0\n", 2, "storage.lal"},
      {"lal above 2^32", "[storage]\nlal = 4294967297\n", 2, "storage.lal"},
      {"negative cold latency", "[storage]\ncold_read_latency_us = -1\n", 2,
       "storage.cold_read_latency_us"},
      {"empty name", "[meta]\nname = \"\"\n", 2, "meta.name"},
      // unknown enum values
      {"unknown regime", "[faults]\nregime = \"sometimes\"\n", 2, "faults.regime"},
      {"unknown crash mode", "[faults]\ncrash_mode = \"half\"\n", 2, "faults.crash_mode"},
      {"unknown fault kind", "[faults.kinds.torn_writes]\nenabled = true\n", 1,
       "faults.kinds.torn_writes"},
      {"unknown durability", "[storage]\ndurability = \"every_commit\"\n", 2,
       "storage.durability"},
      {"unknown preset", "[storage]\npreset = \"cold\"\n", 2, "storage.preset"},
      {"unknown network fault kind", "[network.kinds.drop]\nenabled = true\n", 1,
       "network.kinds.drop"},
      {"unknown network key", "[network]\nlatency_us = 3\n", 2, "network.latency_us"},
      {"network capacity 0", "[network]\ncapacity = 0\n", 2, "network.capacity"},
      {"network probability above 1", "[network.kinds.loss]\nprobability = 1.5\n", 2,
       "network.kinds.loss.probability"},
      // media faults outside the unrestricted regime
      {"media fault, recoverable",
       "[faults]\nregime = \"recoverable\"\n\n[faults.kinds.bit_flip]\nenabled = true\n", 5,
       "faults.kinds.bit_flip"},
      {"media fault, default regime", "[faults.kinds.lost_write]\nenabled = true\n", 2,
       "faults.kinds.lost_write"},
      {"media fault tuned, none", "[faults]\nregime = \"none\"\n[faults.kinds.latent_sector]\n"
       "enabled = false\nprobability = 0.5\n", 5, "faults.kinds.latent_sector"},
      {"media fault before the regime",
       "[faults.kinds.misdirected_write]\nenabled = true\n[faults]\nregime = \"recoverable\"\n",
       2, "faults.kinds.misdirected_write"},
  };
  return cases;
}

TEST(Spec, BadInputIsAnErrorOnTheLineOfTheKey) {
  for (const BadCase& c : bad_cases()) {
    SCOPED_TRACE(c.what + ":\n" + c.text);
    Result<Spec> r = parse_spec(c.text, "bad.toml");
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.kind(), ErrorKind::kInvalidArgument);
    const std::string& m = r.status().message();
    const std::string prefix = "bad.toml:" + std::to_string(c.line) + ": ";
    EXPECT_EQ(m.rfind(prefix, 0), 0u) << m;
    EXPECT_NE(m.find(c.mention), std::string::npos) << m;
  }
}

TEST(Spec, MessagesSayWhatIsAllowed) {
  const auto message = [](const std::string& text) {
    Result<Spec> r = parse_spec(text, "m.toml");
    EXPECT_FALSE(r.is_ok());
    return r.is_ok() ? std::string() : r.status().message();
  };
  EXPECT_EQ(message("[workload]\ncompute_nodes = 17\n"),
            "m.toml:2: workload.compute_nodes must be an integer in 1..16 (got 17)");
  EXPECT_EQ(message("[workload]\nops = \"many\"\n"),
            "m.toml:2: workload.ops must be an integer >= 1, not a string");
  EXPECT_EQ(message("[faults]\nregime = \"sometimes\"\n"),
            "m.toml:2: faults.regime: unknown value \"sometimes\" (known: none, recoverable, "
            "unrestricted)");
  EXPECT_EQ(message("[workload]\ncrash_writer_weight = 0\ncrash_segment_node_weight = 0\n"),
            "m.toml:3: workload.crash_writer_weight, crash_segment_node_weight, "
            "crash_zone_weight, crash_zone_plus_one_weight and crash_failover_weight are all 0: "
            "at least one must be > 0");
  EXPECT_EQ(message("[faults]\nmedia_nodes = \"s0\"\n"),
            "m.toml:2: faults.media_nodes must be an array of strings, not a string");
  EXPECT_EQ(message("[faults]\nmedia_nodes = [\n  \"s0\",\n  3,\n]\n"),
            "m.toml:4: faults.media_nodes must be an array of strings, not one holding an "
            "integer");
  EXPECT_EQ(message("[workload]\nread_replicas = 5\n"),
            "m.toml:2: workload.read_replicas must be an integer in 0..4 (got 5)");
  EXPECT_EQ(message("[workload]\nopz = 1\n"),
            "m.toml:2: unknown key workload.opz (known: ops, compute_nodes, read_replicas, pages, "
            "mtr_records_max, mtr_pages_max, write_bytes_max, crashes, commit_weight, read_weight, "
            "read_past_weight, refresh_weight, sync_weight, crash_storage_weight, "
            "crash_compute_weight, crash_all_weight, crash_writer_weight, "
            "crash_segment_node_weight, crash_zone_weight, crash_zone_plus_one_weight, "
            "zone_outage_ms, crash_failover_weight, failover_partition_ms, liveness_ops, "
            "liveness_bound_ms)");
  EXPECT_NE(message("[faults.kinds.nope]\n").find("known: torn_write, fsync_eio"),
            std::string::npos);
}

TEST(Spec, FileErrorsNameTheFileAndLine) {
  // In the test's working directory (the build tree), so other build trees cannot collide.
  const fs::path dir = fs::current_path() / "spec_test_files";
  fs::create_directories(dir);
  const std::string path = (dir / "bad.toml").string();
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string text = "[meta]\nname = \"bad\"\n\n[workload]\nops = 0\n";
    ASSERT_EQ(std::fwrite(text.data(), 1, text.size(), f), text.size());
    ASSERT_EQ(std::fclose(f), 0);
  }
  for (const Result<Spec>& r : {load_spec(path), find_spec(path)}) {
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(r.status().message().rfind(path + ":5: workload.ops", 0), 0u)
        << r.status().message();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace aurora::workloads
