// Workload specs: what a seeded run does, as data (TOML files under workloads/specs/, in the
// spirit of FoundationDB's test specs). A spec composes a workload, a fault setting and a
// storage configuration; the seed then draws everything the spec leaves open (with
// swarm testing, which fault kinds are on and how likely). SPEC_FORMAT.md beside this file
// documents every table and key.
//
// Parsing is strict: an unknown table or key, a wrong type, a value out of range or bad
// TOML is an error "<file>:<line>: <message>" (kInvalidArgument), never a default.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/status.h"
#include "engine/runtime/time.h"
#include "sim/fault_injector.h"
#include "sim/net_config.h"

namespace aurora::workloads {

enum class FaultRegime : std::uint8_t { kNone, kRecoverable, kUnrestricted };
std::string_view fault_regime_name(FaultRegime r);
std::optional<FaultRegime> parse_fault_regime(std::string_view s);

struct WorkloadSpec {
  std::uint64_t ops = 2000;            // safety-phase operations, over all compute nodes
  std::uint32_t compute_nodes = 2;     // >= 1
  std::uint32_t read_replicas = 0;     // preset quorum: read-only compute nodes, 0..4
  std::uint32_t pages = 16;            // page ids used: [0, pages)
  std::uint32_t mtr_records_max = 8;   // an MTR has 1..this many records
  std::uint32_t mtr_pages_max = 4;     // ...over 1..this many distinct pages (<= pages)
  std::uint32_t write_bytes_max = 32;  // ...each writing 1..this many bytes (within the page)
  std::uint32_t crashes = 3;           // crash-and-restart cycles in the safety phase
  // Relative weights of the operations a compute node picks (need not sum to 1; >= 0, and
  // not all 0).
  double commit_weight = 45;
  double read_weight = 25;        // at the node's read point
  double read_past_weight = 15;   // at a random past read point the storage may accept
  double refresh_weight = 10;
  double sync_weight = 5;
  // Relative weights of what a crash takes down.
  double crash_storage_weight = 1;
  double crash_compute_weight = 1;
  double crash_all_weight = 1;
  // Under the quorum preset, what a storage crash takes down (relative weights): the writer,
  // one storage node, a whole zone (2 storage nodes), or a zone and one node more. A zone
  // outage lasts a drawn time up to zone_outage (the writes go on without one zone, and
  // wait without a zone and one node more).
  double crash_writer_weight = 1;
  double crash_segment_node_weight = 3;
  double crash_zone_weight = 0;
  double crash_zone_plus_one_weight = 0;
  Nanos zone_outage = 200 * kMillisecond;
  // ...or a failover: the writer is cut off from its segments for a drawn time up to
  // failover_partition while a writer on a standby node recovers the volume and takes the
  // compute nodes over; the old one, alive, must be fenced (invariant 14).
  double crash_failover_weight = 0;
  Nanos failover_partition = 100 * kMillisecond;
  // Liveness phase, faults off: this many operations must complete within the bound.
  std::uint64_t liveness_ops = 200;
  Nanos liveness_bound = 2 * kSecond;  // virtual time

  friend bool operator==(const WorkloadSpec&, const WorkloadSpec&) = default;
};

struct FaultKindSpec {
  std::optional<bool> enabled;
  std::optional<double> probability;   // [0, 1]
  std::optional<std::uint64_t> budget;

  friend bool operator==(const FaultKindSpec&, const FaultKindSpec&) = default;
};

struct FaultSpec {
  FaultRegime regime = FaultRegime::kRecoverable;
  // Swarm testing: per seed, each kind the regime allows is on or off, with a probability,
  // both drawn from the seed. Off: every kind the regime allows is on at its default.
  bool swarm = true;
  std::map<sim::FaultKind, FaultKindSpec> kinds;  // overrides, applied after the draw
  std::optional<sim::CrashMode> crash_mode;       // default: drawn from the seed
  std::optional<std::uint32_t> atomic_unit;       // 1, 512 or 4096; default: drawn
  std::vector<std::string> media_nodes;  // nodes media faults may strike; empty: all

  friend bool operator==(const FaultSpec&, const FaultSpec&) = default;
};

struct StorageSpec {
  std::string preset = "base";               // a storage preset: base or tiered
  std::uint64_t segment_bytes = 16 * 1024;
  // every-commit, group, interval, manual (the names of wal::parse_durability)
  std::string durability = "group";
  std::uint32_t page_size = 256;
  std::uint32_t cache_pages = 32;
  std::uint32_t buffer_pages = 16;           // each compute node's buffer pool
  std::uint32_t image_after = 8;
  std::uint32_t compact_min_dead = 16;
  Nanos maintenance_interval = kMillisecond;
  std::uint64_t lal = 10'000'000;
  Nanos cold_read_latency = 5 * kMillisecond;

  friend bool operator==(const StorageSpec&, const StorageSpec&) = default;
};

// [network]: the simulated network between the nodes (DESIGN.md section 5b) and the
// compute-storage link's deadlines on it.
struct NetworkSpec {
  // Network faults at all; false: messages are only delayed (latency_min + exponential).
  bool faults = true;
  // Swarm testing: per seed, each kind on or off and its probability scaled, drawn from
  // the seed's "net-swarm" stream. Off: every kind on at its default.
  bool swarm = true;
  std::map<sim::NetFaultKind, FaultKindSpec> kinds;  // overrides, applied after the draw
  Nanos latency_min = sim::NetConfig{}.latency_min;
  Nanos latency_mean = sim::NetConfig{}.latency_mean;
  Nanos spike_mean = sim::NetConfig{}.spike_mean;
  Nanos replay_mean = sim::NetConfig{}.replay_mean;
  std::uint32_t capacity = sim::NetConfig{}.capacity;
  Nanos chaos_interval = sim::NetConfig{}.chaos_interval;
  Nanos partition_mean = sim::NetConfig{}.partition_mean;
  Nanos clog_mean = sim::NetConfig{}.clog_mean;
  Nanos rpc_timeout = 50 * kMillisecond;  // each attempt of a call on the storage link
  std::uint32_t rpc_attempts = 3;         // attempts of one call before it times out

  friend bool operator==(const NetworkSpec&, const NetworkSpec&) = default;
};

// [swarm]: keys of [workload] and [storage] drawn per seed (from the seed's "config"
// stream) instead of taking their fixed value, so that one spec sweeps the engine's
// configuration as swarm testing sweeps its faults. An integer key is drawn from [lo, hi]
// on a log scale (small values as likely as large ones: a LAL of 4 is as likely as one of
// 10^6); a text key from its list. A draw of 0 (the choice tape's neutral value) is lo, or
// the list's first value.
struct SwarmRange {
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  friend bool operator==(const SwarmRange&, const SwarmRange&) = default;
};
struct SwarmSpec {
  std::map<std::string, SwarmRange, std::less<>> ranges;               // "lal" -> [4, 10^7]
  std::map<std::string, std::vector<std::string>, std::less<>> lists;  // "durability" -> [...]
  bool empty() const { return ranges.empty() && lists.empty(); }
  friend bool operator==(const SwarmSpec&, const SwarmSpec&) = default;
};

// The configuration the built-in default spec draws (and workloads/specs/default.toml
// writes out): every key below over the range the engine is meant to work in. A spec file
// draws only what its own [swarm] table names.
SwarmSpec default_swarm();

struct Spec;

// An integer key [swarm] may draw: its name in [swarm], its limits (those of the key in its
// own table), and how to read and set it in a spec. One row per key, so the parser, the
// draw and the printed configuration cannot disagree on what a key is.
struct SwarmKey {
  std::string_view name;
  std::uint64_t min = 0;
  std::uint64_t max = 0;
  std::uint64_t (*get)(const Spec&) = nullptr;
  void (*set)(Spec&, std::uint64_t) = nullptr;
};
// A text key [swarm] may draw: its name, the values its own table admits (`known` lists
// them for error messages), and how to read and set it.
struct SwarmTextKey {
  std::string_view name;
  std::string_view known;
  bool (*valid)(std::string_view) = nullptr;
  std::string (*get)(const Spec&) = nullptr;
  void (*set)(Spec&, const std::string&) = nullptr;  // a value valid() accepts
};
// The keys in the order they are drawn: the integer keys, then the text keys.
std::span<const SwarmKey> swarm_integer_keys();
std::span<const SwarmTextKey> swarm_text_keys();

struct Spec {
  std::string name = "default";   // [meta] name
  std::string description;        // [meta] description
  std::string source;             // where it came from (a path, or "<builtin>")
  WorkloadSpec workload;
  FaultSpec faults;
  StorageSpec storage;
  NetworkSpec network;
  SwarmSpec swarm = default_swarm();

  friend bool operator==(const Spec&, const Spec&) = default;
};

// Parses TOML text; `source` names it in error messages ("<source>:<line>: ...").
Result<Spec> parse_spec(std::string_view text, std::string_view source);
// Reads and parses a spec file. A missing file is kNotFound, an unreadable one kIoError
// (or kInvalidArgument for a malformed path), each naming the path.
Result<Spec> load_spec(const std::string& path);
// The directory of the shipped specs (workloads/specs/ of the source tree).
std::string specs_directory();
// `name_or_path`: a path to a .toml file (it contains '/' or ends in ".toml"), or the name
// of a shipped spec ("crash_heavy"); an unknown name is kNotFound listing the shipped ones.
Result<Spec> find_spec(std::string_view name_or_path);
// The spec as TOML that parse_spec reads back to an equal spec (printed with each run);
// every field is written, defaults included. `spec.source` is not part of the TOML. The
// spec must be one parse_spec could return (times in whole ms/us, integers <= INT64_MAX);
// anything else is a programmer error (assertion).
std::string to_toml(const Spec& spec);

}  // namespace aurora::workloads
