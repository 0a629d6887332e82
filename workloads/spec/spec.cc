#include "workloads/spec/spec.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "engine/runtime/assert.h"
#include "engine/storage/presets.h"
#include "engine/wal/format.h"
#include "engine/wal/log.h"
#include "workloads/spec/toml_input.h"

#ifndef AURORA_SOURCE_DIR
#error "AURORA_SOURCE_DIR must name the source tree (workloads/CMakeLists.txt defines it)"
#endif

namespace aurora::workloads {

std::string_view fault_regime_name(FaultRegime r) {
  switch (r) {
    case FaultRegime::kNone: return "none";
    case FaultRegime::kRecoverable: return "recoverable";
    case FaultRegime::kUnrestricted: return "unrestricted";
  }
  return "?";
}

std::optional<FaultRegime> parse_fault_regime(std::string_view s) {
  if (s == "none") return FaultRegime::kNone;
  if (s == "recoverable") return FaultRegime::kRecoverable;
  if (s == "unrestricted") return FaultRegime::kUnrestricted;
  return std::nullopt;
}

namespace {

using toml_input::cat;
using toml_input::Entry;
using toml_input::entries_of;
using toml_input::fault_kind_names;
using toml_input::net_fault_kind_names;
using toml_input::format_double;
using toml_input::join;
using toml_input::kMaxInt;  // TOML integers are signed 64-bit: no spec value can be larger
using toml_input::Line;
using toml_input::quoted;
using toml_input::type_name;

constexpr std::int64_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();

constexpr std::array<std::string_view, 6> kTables = {"meta",    "workload", "faults",
                                                    "storage", "network",  "swarm"};
constexpr std::array<std::string_view, 2> kMetaKeys = {"name", "description"};
constexpr std::array<std::string_view, 25> kWorkloadKeys = {
    "ops",          "compute_nodes",      "read_replicas",   "pages",           "mtr_records_max",
    "mtr_pages_max", "write_bytes_max",   "crashes",           "commit_weight",   "read_weight",
    "read_past_weight", "refresh_weight", "sync_weight",     "crash_storage_weight",
    "crash_compute_weight", "crash_all_weight", "crash_writer_weight",
    "crash_segment_node_weight", "crash_zone_weight", "crash_zone_plus_one_weight",
    "zone_outage_ms", "crash_failover_weight", "failover_partition_ms", "liveness_ops",
    "liveness_bound_ms"};
constexpr std::array<std::string_view, 6> kFaultKeys = {"regime",      "swarm", "crash_mode",
                                                        "atomic_unit", "kinds", "media_nodes"};
constexpr std::array<std::string_view, 3> kKindKeys = {"enabled", "probability", "budget"};
constexpr std::array<std::string_view, 11> kStorageKeys = {
    "preset",      "segment_bytes",    "durability",           "page_size",
    "cache_pages", "buffer_pages",     "image_after",          "compact_min_dead",
    "maintenance_interval_us", "lal",  "cold_read_latency_us"};
constexpr std::array<std::string_view, 13> kNetworkKeys = {
    "faults",       "swarm",           "latency_min_us",    "latency_mean_us", "spike_mean_us",
    "replay_mean_us", "capacity",      "chaos_interval_us", "partition_mean_us", "clog_mean_us",
    "rpc_timeout_us", "rpc_attempts",  "kinds"};
constexpr std::array<std::uint32_t, 3> kAtomicUnits = {1, 512, 4096};

// Limits of the engine that a spec must respect (checked here so that a bad spec is a
// message with a line number, not an assertion inside the engine).
constexpr std::int64_t kMaxComputeNodes = 16;
constexpr std::int64_t kMaxReadReplicas = 4;
constexpr std::int64_t kMaxMtrRecords = 64;
constexpr std::int64_t kMaxPageSize = wal::kMaxPayload;
static_assert(kMaxPageSize == 65536, "SPEC_FORMAT.md documents page_size <= 65536");
constexpr std::int64_t kMinSegmentBytes = static_cast<std::int64_t>(wal::kSegmentHeaderSize) + 1;
static_assert(kMinSegmentBytes == 41, "SPEC_FORMAT.md documents segment_bytes >= 41");
constexpr std::int64_t kMaxLal = static_cast<std::int64_t>(wal::kMaxLal);
static_assert(kMaxLal == 4294967296, "SPEC_FORMAT.md documents lal <= 4294967296");

// The typed values (integer, number, boolean, text) and error() come from FieldReader.
class Parser : private toml_input::FieldReader {
 public:
  explicit Parser(std::string_view source) : FieldReader(source) {}

  Status parse(const toml::table& root, Spec& spec) {
    for (const Entry& e : entries_of(root)) {
      const toml::table* t = e.node->as_table();
      if (std::find(kTables.begin(), kTables.end(), e.key) == kTables.end()) {
        if (t == nullptr) {
          return error(e.line, cat("unknown top-level key ", e.key,
                                   " (the top level holds only the tables ", join(kTables), ")"));
        }
        return error(e.line, cat("unknown table [", e.key, "] (known: ", join(kTables), ")"));
      }
      if (t == nullptr) {
        return error(e.line, cat(e.key, " must be a table, not ", type_name(*e.node)));
      }
      if (e.key == "meta") AURORA_RETURN_IF_ERROR(parse_meta(*t, spec));
      if (e.key == "workload") AURORA_RETURN_IF_ERROR(parse_workload(*t, spec.workload));
      if (e.key == "faults") AURORA_RETURN_IF_ERROR(parse_faults(*t, spec.faults));
      if (e.key == "storage") AURORA_RETURN_IF_ERROR(parse_storage(*t, spec.storage));
      if (e.key == "network") AURORA_RETURN_IF_ERROR(parse_network(*t, spec.network));
      if (e.key == "swarm") AURORA_RETURN_IF_ERROR(parse_swarm(*t, spec.swarm));
    }
    return check_workload(spec.workload);
  }

 private:
  Status unknown_key(const Entry& e, std::string_view table,
                     std::span<const std::string_view> known) const {
    return error(e.line, cat("unknown key ", table, ".", e.key, " (known: ", join(known), ")"));
  }

  Status parse_meta(const toml::table& t, Spec& spec) {
    for (const Entry& e : entries_of(t)) {
      const std::string name = cat("meta.", e.key);
      if (e.key == "name") {
        AURORA_RETURN_IF_ERROR(text(e, name, spec.name));
        if (spec.name.empty()) return error(e.line, name + " must not be empty");
      } else if (e.key == "description") {
        AURORA_RETURN_IF_ERROR(text(e, name, spec.description));
      } else {
        return unknown_key(e, "meta", kMetaKeys);
      }
    }
    return Status::ok();
  }

  Status parse_workload(const toml::table& t, WorkloadSpec& w) {
    for (const Entry& e : entries_of(t)) {
      const std::string name = cat("workload.", e.key);
      lines_[std::string(e.key)] = e.line;
      Status s;
      if (e.key == "ops") s = integer(e, name, 1, kMaxInt, w.ops);
      else if (e.key == "compute_nodes") s = integer(e, name, 1, kMaxComputeNodes, w.compute_nodes);
      else if (e.key == "read_replicas") s = integer(e, name, 0, kMaxReadReplicas, w.read_replicas);
      else if (e.key == "pages") s = integer(e, name, 1, kMaxU32, w.pages);
      else if (e.key == "mtr_records_max")
        s = integer(e, name, 1, kMaxMtrRecords, w.mtr_records_max);
      else if (e.key == "mtr_pages_max") s = integer(e, name, 1, kMaxU32, w.mtr_pages_max);
      else if (e.key == "write_bytes_max")
        s = integer(e, name, 1, kMaxPageSize, w.write_bytes_max);
      else if (e.key == "crashes") s = integer(e, name, 0, kMaxU32, w.crashes);
      else if (e.key == "commit_weight") s = weight(e, name, w.commit_weight);
      else if (e.key == "read_weight") s = weight(e, name, w.read_weight);
      else if (e.key == "read_past_weight") s = weight(e, name, w.read_past_weight);
      else if (e.key == "refresh_weight") s = weight(e, name, w.refresh_weight);
      else if (e.key == "sync_weight") s = weight(e, name, w.sync_weight);
      else if (e.key == "crash_storage_weight") s = weight(e, name, w.crash_storage_weight);
      else if (e.key == "crash_compute_weight") s = weight(e, name, w.crash_compute_weight);
      else if (e.key == "crash_all_weight") s = weight(e, name, w.crash_all_weight);
      else if (e.key == "crash_writer_weight") s = weight(e, name, w.crash_writer_weight);
      else if (e.key == "crash_segment_node_weight")
        s = weight(e, name, w.crash_segment_node_weight);
      else if (e.key == "crash_zone_weight") s = weight(e, name, w.crash_zone_weight);
      else if (e.key == "crash_zone_plus_one_weight")
        s = weight(e, name, w.crash_zone_plus_one_weight);
      else if (e.key == "zone_outage_ms") s = duration(e, name, 1, kMillisecond, w.zone_outage);
      else if (e.key == "crash_failover_weight") s = weight(e, name, w.crash_failover_weight);
      else if (e.key == "failover_partition_ms") {
        s = duration(e, name, 1, kMillisecond, w.failover_partition);
      }
      else if (e.key == "liveness_ops") s = integer(e, name, 1, kMaxInt, w.liveness_ops);
      else if (e.key == "liveness_bound_ms") {
        s = duration(e, name, 1, kMillisecond, w.liveness_bound);
      } else {
        return unknown_key(e, "workload", kWorkloadKeys);
      }
      AURORA_RETURN_IF_ERROR(s);
    }
    return Status::ok();
  }

  // Checks between keys, once every table is read (the [workload] table may be split by
  // dotted keys elsewhere, so they wait for the end).
  Status check_workload(const WorkloadSpec& w) const {
    if (w.mtr_pages_max > w.pages) {
      const Line line = line_of("mtr_pages_max") != 0 ? line_of("mtr_pages_max") : line_of("pages");
      return error(line, cat("workload.mtr_pages_max (", std::to_string(w.mtr_pages_max),
                             ") must be <= workload.pages (", std::to_string(w.pages), ")"));
    }
    if (w.commit_weight + w.read_weight + w.read_past_weight + w.refresh_weight +
            w.sync_weight == 0) {
      return error(last_line({"commit_weight", "read_weight", "read_past_weight",
                              "refresh_weight", "sync_weight"}),
                   "workload.commit_weight, read_weight, read_past_weight, refresh_weight and "
                   "sync_weight are all 0: at least one operation weight must be > 0");
    }
    if (w.crashes > 0 &&
        w.crash_storage_weight + w.crash_compute_weight + w.crash_all_weight == 0) {
      return error(last_line({"crash_storage_weight", "crash_compute_weight", "crash_all_weight"}),
                   "workload.crash_storage_weight, crash_compute_weight and crash_all_weight "
                   "are all 0 while workload.crashes > 0: at least one must be > 0");
    }
    if (w.crash_writer_weight + w.crash_segment_node_weight + w.crash_zone_weight +
            w.crash_zone_plus_one_weight + w.crash_failover_weight == 0) {
      return error(last_line({"crash_writer_weight", "crash_segment_node_weight",
                              "crash_zone_weight", "crash_zone_plus_one_weight",
                              "crash_failover_weight"}),
                   "workload.crash_writer_weight, crash_segment_node_weight, crash_zone_weight, "
                   "crash_zone_plus_one_weight and crash_failover_weight are all 0: at least one "
                   "must be > 0");
    }
    return Status::ok();
  }

  Status parse_faults(const toml::table& t, FaultSpec& f) {
    Line regime_line = 0;
    // A media fault kind that a spec turns on (or tunes), and the line of the key that does.
    struct MediaUse {
      sim::FaultKind kind;
      Line line;
    };
    std::vector<MediaUse> media;
    for (const Entry& e : entries_of(t)) {
      const std::string name = cat("faults.", e.key);
      if (e.key == "regime") {
        regime_line = e.line;
        AURORA_RETURN_IF_ERROR(choice(e, name, parse_fault_regime,
                                      "none, recoverable, unrestricted",
                                      f.regime));
      } else if (e.key == "swarm") {
        AURORA_RETURN_IF_ERROR(boolean(e, name, f.swarm));
      } else if (e.key == "crash_mode") {
        sim::CrashMode m{};
        AURORA_RETURN_IF_ERROR(
            choice(e, name, sim::parse_crash_mode, "drop-all, prefix, subset", m));
        f.crash_mode = m;
      } else if (e.key == "atomic_unit") {
        std::uint32_t unit = 0;
        AURORA_RETURN_IF_ERROR(integer(e, name, 1, 4096, unit));
        if (std::find(kAtomicUnits.begin(), kAtomicUnits.end(), unit) == kAtomicUnits.end()) {
          return error(e.line,
                       cat(name, " must be 1, 512 or 4096 (got ", std::to_string(unit), ")"));
        }
        f.atomic_unit = unit;
      } else if (e.key == "media_nodes") {
        AURORA_RETURN_IF_ERROR(texts(e, name, f.media_nodes));
      } else if (e.key == "kinds") {
        const toml::table* kinds = e.node->as_table();
        if (kinds == nullptr) {
          return error(e.line,
                       cat(name, " must be a table of fault kinds, not ", type_name(*e.node)));
        }
        for (const Entry& k : entries_of(*kinds)) {
          const std::optional<sim::FaultKind> kind = sim::parse_fault_kind(k.key);
          if (!kind) {
            return error(k.line, cat("unknown fault kind faults.kinds.", k.key, " (known: ",
                                     fault_kind_names(), ")"));
          }
          Line active_line = 0;
          AURORA_RETURN_IF_ERROR(parse_kind("faults.kinds.", k, f.kinds[*kind], active_line));
          if (sim::is_media_fault(*kind) && active_line != 0) media.push_back({*kind, active_line});
        }
      } else {
        return unknown_key(e, "faults", kFaultKeys);
      }
    }
    if (f.regime != FaultRegime::kUnrestricted) {
      for (const MediaUse& m : media) {
        const std::string_view kind = sim::fault_kind_name(m.kind);
        const std::string where =
            regime_line != 0 ? cat(" on line ", std::to_string(regime_line)) : " by default";
        return error(m.line, cat("faults.kinds.", kind, ": ", kind,
                                 " is a media fault, allowed only with faults.regime = "
                                 "\"unrestricted\" (regime is ",
                                 quoted(fault_regime_name(f.regime)), where,
                                 "); in this regime it may only say enabled = false"));
      }
    }
    return Status::ok();
  }

  // `active_line`: the line of the first key that turns the kind on or tunes it (enabled =
  // true, probability, budget), 0 when there is none.
  Status parse_kind(std::string_view table, const Entry& k, FaultKindSpec& spec,
                    Line& active_line) {
    const std::string prefix = cat(table, k.key);
    const toml::table* t = k.node->as_table();
    if (t == nullptr) {
      return error(k.line, cat(prefix, " must be a table (enabled, probability, budget), not ",
                               type_name(*k.node)));
    }
    for (const Entry& e : entries_of(*t)) {
      const std::string name = cat(prefix, ".", e.key);
      if (e.key == "enabled") {
        bool b = false;
        AURORA_RETURN_IF_ERROR(boolean(e, name, b));
        spec.enabled = b;
        if (b && active_line == 0) active_line = e.line;
      } else if (e.key == "probability") {
        double p = 0;
        AURORA_RETURN_IF_ERROR(number(e, name, 0.0, 1.0, p));
        spec.probability = p;
        if (active_line == 0) active_line = e.line;
      } else if (e.key == "budget") {
        std::uint64_t b = 0;
        AURORA_RETURN_IF_ERROR(integer(e, name, 0, kMaxInt, b));
        spec.budget = b;
        if (active_line == 0) active_line = e.line;
      } else {
        return unknown_key(e, prefix, kKindKeys);
      }
    }
    return Status::ok();
  }

  Status parse_network(const toml::table& t, NetworkSpec& n) {
    for (const Entry& e : entries_of(t)) {
      const std::string name = cat("network.", e.key);
      Status st;
      if (e.key == "faults") st = boolean(e, name, n.faults);
      else if (e.key == "swarm") st = boolean(e, name, n.swarm);
      else if (e.key == "latency_min_us") st = duration(e, name, 0, kMicrosecond, n.latency_min);
      else if (e.key == "latency_mean_us") st = duration(e, name, 0, kMicrosecond, n.latency_mean);
      else if (e.key == "spike_mean_us") st = duration(e, name, 0, kMicrosecond, n.spike_mean);
      else if (e.key == "replay_mean_us") st = duration(e, name, 0, kMicrosecond, n.replay_mean);
      else if (e.key == "capacity") st = integer(e, name, 1, kMaxU32, n.capacity);
      else if (e.key == "chaos_interval_us")
        st = duration(e, name, 1, kMicrosecond, n.chaos_interval);
      else if (e.key == "partition_mean_us")
        st = duration(e, name, 0, kMicrosecond, n.partition_mean);
      else if (e.key == "clog_mean_us") st = duration(e, name, 0, kMicrosecond, n.clog_mean);
      else if (e.key == "rpc_timeout_us") st = duration(e, name, 1, kMicrosecond, n.rpc_timeout);
      else if (e.key == "rpc_attempts") st = integer(e, name, 1, 1000, n.rpc_attempts);
      else if (e.key == "kinds") {
        const toml::table* kinds = e.node->as_table();
        if (kinds == nullptr) {
          return error(e.line, cat(name, " must be a table of network fault kinds, not ",
                                   type_name(*e.node)));
        }
        for (const Entry& k : entries_of(*kinds)) {
          const std::optional<sim::NetFaultKind> kind = sim::parse_net_fault_kind(k.key);
          if (!kind) {
            return error(k.line, cat("unknown network fault kind network.kinds.", k.key,
                                     " (known: ", net_fault_kind_names(), ")"));
          }
          Line active_line = 0;
          AURORA_RETURN_IF_ERROR(parse_kind("network.kinds.", k, n.kinds[*kind], active_line));
        }
      } else {
        return unknown_key(e, "network", kNetworkKeys);
      }
      AURORA_RETURN_IF_ERROR(st);
    }
    return Status::ok();
  }

  Status parse_storage(const toml::table& t, StorageSpec& s) {
    for (const Entry& e : entries_of(t)) {
      const std::string name = cat("storage.", e.key);
      Status st;
      if (e.key == "preset") {
        st = text(e, name, s.preset);
        if (st.is_ok() && !storage::is_known_preset(s.preset)) {
          st = error(e.line, cat(name, ": unknown preset ", quoted(s.preset), " (known: ",
                                 storage::kPresetNames, ")"));
        }
      } else if (e.key == "segment_bytes") {
        st = integer(e, name, kMinSegmentBytes, kMaxInt, s.segment_bytes);
      } else if (e.key == "durability") {
        st = text(e, name, s.durability);
        if (st.is_ok() && !wal::parse_durability(s.durability)) {
          st = error(e.line, name + ": unknown durability " + quoted(s.durability) +
                                 " (known: every-commit, group, interval, manual)");
        }
      } else if (e.key == "page_size") {
        st = integer(e, name, 1, kMaxPageSize, s.page_size);
      } else if (e.key == "cache_pages") {
        st = integer(e, name, 0, kMaxU32, s.cache_pages);
      } else if (e.key == "buffer_pages") {
        st = integer(e, name, 1, kMaxU32, s.buffer_pages);
      } else if (e.key == "image_after") {
        st = integer(e, name, 1, kMaxU32, s.image_after);
      } else if (e.key == "compact_min_dead") {
        st = integer(e, name, 1, kMaxU32, s.compact_min_dead);
      } else if (e.key == "maintenance_interval_us") {
        st = duration(e, name, 1, kMicrosecond, s.maintenance_interval);
      } else if (e.key == "lal") {
        st = integer(e, name, 1, kMaxLal, s.lal);
      } else if (e.key == "cold_read_latency_us") {
        st = duration(e, name, 0, kMicrosecond, s.cold_read_latency);
      } else {
        return unknown_key(e, "storage", kStorageKeys);
      }
      AURORA_RETURN_IF_ERROR(st);
    }
    return Status::ok();
  }

  // [swarm]: an integer key takes [lo, hi] within the key's own limits; a text key a
  // non-empty list of the values its own table admits.
  Status parse_swarm(const toml::table& t, SwarmSpec& sw) {
    std::vector<std::string_view> known;
    for (const SwarmKey& k : swarm_integer_keys()) known.push_back(k.name);
    for (const SwarmTextKey& k : swarm_text_keys()) known.push_back(k.name);
    for (const Entry& e : entries_of(t)) {
      const std::string name = cat("swarm.", e.key);
      const auto key = std::find_if(swarm_integer_keys().begin(), swarm_integer_keys().end(),
                                    [&](const SwarmKey& k) { return k.name == e.key; });
      const auto text_key = std::find_if(swarm_text_keys().begin(), swarm_text_keys().end(),
                                         [&](const SwarmTextKey& k) { return k.name == e.key; });
      if (key == swarm_integer_keys().end() && text_key == swarm_text_keys().end()) {
        return unknown_key(e, "swarm", known);
      }
      const toml::array* a = e.node->as_array();
      if (key != swarm_integer_keys().end()) {
        if (a == nullptr || a->size() != 2) {
          const std::string got = a == nullptr ? std::string(type_name(*e.node))
                                               : cat("an array of ", std::to_string(a->size()),
                                                     " values");
          return error(e.line, cat(name, " must be a range [lo, hi] of two integers, not ", got));
        }
        SwarmRange r;
        AURORA_RETURN_IF_ERROR(integer(element(e, (*a)[0]), name + "[0]",
                                       static_cast<std::int64_t>(key->min),
                                       static_cast<std::int64_t>(key->max), r.lo));
        AURORA_RETURN_IF_ERROR(integer(element(e, (*a)[1]), name + "[1]",
                                       static_cast<std::int64_t>(key->min),
                                       static_cast<std::int64_t>(key->max), r.hi));
        if (r.lo > r.hi) {
          return error(e.line, cat(name, " is the empty range [", std::to_string(r.lo), ", ",
                                   std::to_string(r.hi), "]: lo must be <= hi"));
        }
        sw.ranges[std::string(e.key)] = r;
        continue;
      }
      if (a == nullptr || a->empty()) {
        return error(e.line, cat(name, " must be a non-empty list of strings, not ",
                                 a == nullptr ? type_name(*e.node) : "an empty array"));
      }
      std::vector<std::string> values;
      for (std::size_t i = 0; i < a->size(); ++i) {
        std::string v;
        const Entry el = element(e, (*a)[i]);
        AURORA_RETURN_IF_ERROR(text(el, cat(name, "[", std::to_string(i), "]"), v));
        if (!text_key->valid(v)) {
          return error(el.line, cat(name, ": unknown ", e.key, " ", quoted(v), " (known: ",
                                    text_key->known, ")"));
        }
        values.push_back(std::move(v));
      }
      sw.lists[std::string(e.key)] = std::move(values);
    }
    return Status::ok();
  }

  // An element of the array of `e`, as an entry of its own (for the typed readers).
  static Entry element(const Entry& e, const toml::node& n) {
    return Entry{.key = e.key, .line = toml_input::line_of(n), .column = 0, .node = &n};
  }

  // --- typed values of specs only (FieldReader reads the common ones) ---

  // An integer count of `unit`s, stored as Nanos.
  Status duration(const Entry& e, const std::string& name, std::int64_t min, Nanos unit,
                  Nanos& out) const {
    std::int64_t count = 0;
    AURORA_RETURN_IF_ERROR(integer(e, name, min, kMaxInt / unit, count));
    out = count * unit;
    return Status::ok();
  }

  Status weight(const Entry& e, const std::string& name, double& out) const {
    return number(e, name, 0.0, std::numeric_limits<double>::infinity(), out);
  }

  template <typename T, typename ParseFn>
  Status choice(const Entry& e, const std::string& name, ParseFn parse_fn, std::string_view known,
                T& out) const {
    std::string word;
    AURORA_RETURN_IF_ERROR(text(e, name, word));
    const std::optional<T> value = parse_fn(word);
    if (!value) {
      return error(e.line, name + ": unknown value " + quoted(word) + " (known: " +
                               std::string(known) + ")");
    }
    out = *value;
    return Status::ok();
  }

  Line line_of(const std::string& workload_key) const {
    const auto it = lines_.find(workload_key);
    return it == lines_.end() ? 0 : it->second;
  }
  Line last_line(std::initializer_list<std::string> workload_keys) const {
    Line line = 0;
    for (const std::string& k : workload_keys) line = std::max(line, line_of(k));
    return line;
  }

  std::map<std::string, Line> lines_;  // [workload] key -> its line, for checks across keys
};

// --- writing ---

std::string toml_string(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 0xf];
        } else {
          out += c;  // UTF-8 passes through as is
        }
    }
  }
  out += "\"";
  return out;
}

std::string toml_int(std::uint64_t v) {
  AURORA_ASSERT(v <= static_cast<std::uint64_t>(kMaxInt), "a spec integer above INT64_MAX");
  return std::to_string(v);
}

std::string toml_duration(Nanos v, Nanos unit) {
  AURORA_ASSERT(v >= 0 && v % unit == 0, "a spec time that is not a whole number of its unit");
  return std::to_string(v / unit);
}

void line(std::string& out, std::string_view key, const std::string& value) {
  out += key;
  out += " = ";
  out += value;
  out += "\n";
}

}  // namespace

namespace {
// Each key's limits are those of its own table (the parser above checks the same). A value
// within them fits its field (u32 fields are bounded by kMaxU32, times by kMaxInt / unit).
constexpr std::uint32_t u32(std::uint64_t v) { return static_cast<std::uint32_t>(v); }
constexpr std::uint64_t micros(Nanos t) { return static_cast<std::uint64_t>(t / kMicrosecond); }
constexpr Nanos from_micros(std::uint64_t v) { return static_cast<Nanos>(v) * kMicrosecond; }
constexpr std::array<SwarmKey, 12> kSwarmIntegerKeys = {{
    {"compute_nodes", 1, kMaxComputeNodes,
     [](const Spec& s) -> std::uint64_t { return s.workload.compute_nodes; },
     [](Spec& s, std::uint64_t v) { s.workload.compute_nodes = u32(v); }},
    {"pages", 1, kMaxU32,
     [](const Spec& s) -> std::uint64_t { return s.workload.pages; },
     [](Spec& s, std::uint64_t v) { s.workload.pages = u32(v); }},
    {"mtr_records_max", 1, kMaxMtrRecords,
     [](const Spec& s) -> std::uint64_t { return s.workload.mtr_records_max; },
     [](Spec& s, std::uint64_t v) { s.workload.mtr_records_max = u32(v); }},
    {"write_bytes_max", 1, kMaxPageSize,
     [](const Spec& s) -> std::uint64_t { return s.workload.write_bytes_max; },
     [](Spec& s, std::uint64_t v) { s.workload.write_bytes_max = u32(v); }},
    {"segment_bytes", kMinSegmentBytes, kMaxInt,
     [](const Spec& s) { return s.storage.segment_bytes; },
     [](Spec& s, std::uint64_t v) { s.storage.segment_bytes = v; }},
    {"cache_pages", 0, kMaxU32,
     [](const Spec& s) -> std::uint64_t { return s.storage.cache_pages; },
     [](Spec& s, std::uint64_t v) { s.storage.cache_pages = u32(v); }},
    {"buffer_pages", 1, kMaxU32,
     [](const Spec& s) -> std::uint64_t { return s.storage.buffer_pages; },
     [](Spec& s, std::uint64_t v) { s.storage.buffer_pages = u32(v); }},
    {"image_after", 1, kMaxU32,
     [](const Spec& s) -> std::uint64_t { return s.storage.image_after; },
     [](Spec& s, std::uint64_t v) { s.storage.image_after = u32(v); }},
    {"compact_min_dead", 1, kMaxU32,
     [](const Spec& s) -> std::uint64_t { return s.storage.compact_min_dead; },
     [](Spec& s, std::uint64_t v) { s.storage.compact_min_dead = u32(v); }},
    {"maintenance_interval_us", 1, kMaxInt / kMicrosecond,
     [](const Spec& s) { return micros(s.storage.maintenance_interval); },
     [](Spec& s, std::uint64_t v) { s.storage.maintenance_interval = from_micros(v); }},
    {"lal", 1, kMaxLal, [](const Spec& s) { return s.storage.lal; },
     [](Spec& s, std::uint64_t v) { s.storage.lal = v; }},
    {"cold_read_latency_us", 0, kMaxInt / kMicrosecond,
     [](const Spec& s) { return micros(s.storage.cold_read_latency); },
     [](Spec& s, std::uint64_t v) { s.storage.cold_read_latency = from_micros(v); }},
}};
const std::array<SwarmTextKey, 3> kSwarmTextKeys = {{
    {"durability", "every-commit, group, interval, manual",
     [](std::string_view v) { return wal::parse_durability(v).has_value(); },
     [](const Spec& s) { return s.storage.durability; },
     [](Spec& s, const std::string& v) { s.storage.durability = v; }},
    {"preset", storage::kPresetNames,
     [](std::string_view v) { return storage::is_known_preset(v); },
     [](const Spec& s) { return s.storage.preset; },
     [](Spec& s, const std::string& v) { s.storage.preset = v; }},
    {"regime", "none, recoverable, unrestricted",
     [](std::string_view v) { return parse_fault_regime(v).has_value(); },
     [](const Spec& s) { return std::string(fault_regime_name(s.faults.regime)); },
     [](Spec& s, const std::string& v) { s.faults.regime = *parse_fault_regime(v); }},
}};
}  // namespace

SwarmSpec default_swarm() {
  SwarmSpec s;
  s.ranges = {{"compute_nodes", {1, 4}},
              {"pages", {2, 64}},
              // MTRs from one small record to many page-sized ones: a crash can cut a
              // log write between records only where a unit boundary falls inside an
              // MTR, which ~300-byte MTRs in 512-byte units seldom allow.
              {"mtr_records_max", {1, 16}},
              {"write_bytes_max", {1, 4096}},
              {"segment_bytes", {1024, 65536}},
              {"cache_pages", {0, 64}},
              {"buffer_pages", {1, 32}},
              {"image_after", {1, 32}},
              {"compact_min_dead", {1, 64}},
              {"maintenance_interval_us", {500, 5000}},
              {"lal", {8, 10'000'000}},
              {"cold_read_latency_us", {0, 1000}}};
  s.lists = {{"durability", {"group", "every-commit", "interval"}},
             {"preset", {"base", "tiered"}},
             // One run in four with media faults too: the bugs only they expose (an image
             // read back from another slot) are then found by the default spec as well.
             {"regime", {"recoverable", "recoverable", "recoverable", "unrestricted"}}};
  return s;
}

std::span<const SwarmKey> swarm_integer_keys() { return kSwarmIntegerKeys; }
std::span<const SwarmTextKey> swarm_text_keys() { return kSwarmTextKeys; }

Result<Spec> parse_spec(std::string_view text, std::string_view source) {
  Result<toml::table> root = toml_input::parse_toml(text, source);
  if (!root.is_ok()) return root.status();
  Spec spec;
  spec.swarm = {};  // a file draws only what its [swarm] table names
  spec.source = std::string(source);
  Parser parser(source);
  AURORA_RETURN_IF_ERROR(parser.parse(*root, spec));
  return spec;
}

Result<Spec> load_spec(const std::string& path) {
  Result<std::string> text = toml_input::read_file(path, "spec");
  if (!text.is_ok()) return text.status();
  return parse_spec(*text, path);
}

std::string specs_directory() { return cat(AURORA_SOURCE_DIR, "/workloads/specs"); }

Result<Spec> find_spec(std::string_view name_or_path) {
  Result<std::string> path = toml_input::find_file(name_or_path, specs_directory(), "spec");
  if (!path.is_ok()) return path.status();
  return load_spec(*path);
}

std::string to_toml(const Spec& spec) {
  std::string out;
  out += "[meta]\n";
  line(out, "name", toml_string(spec.name));
  line(out, "description", toml_string(spec.description));

  const WorkloadSpec& w = spec.workload;
  out += "\n[workload]\n";
  line(out, "ops", toml_int(w.ops));
  line(out, "compute_nodes", toml_int(w.compute_nodes));
  line(out, "read_replicas", toml_int(w.read_replicas));
  line(out, "pages", toml_int(w.pages));
  line(out, "mtr_records_max", toml_int(w.mtr_records_max));
  line(out, "mtr_pages_max", toml_int(w.mtr_pages_max));
  line(out, "write_bytes_max", toml_int(w.write_bytes_max));
  line(out, "crashes", toml_int(w.crashes));
  line(out, "commit_weight", format_double(w.commit_weight));
  line(out, "read_weight", format_double(w.read_weight));
  line(out, "read_past_weight", format_double(w.read_past_weight));
  line(out, "refresh_weight", format_double(w.refresh_weight));
  line(out, "sync_weight", format_double(w.sync_weight));
  line(out, "crash_storage_weight", format_double(w.crash_storage_weight));
  line(out, "crash_compute_weight", format_double(w.crash_compute_weight));
  line(out, "crash_all_weight", format_double(w.crash_all_weight));
  line(out, "crash_writer_weight", format_double(w.crash_writer_weight));
  line(out, "crash_segment_node_weight", format_double(w.crash_segment_node_weight));
  line(out, "crash_zone_weight", format_double(w.crash_zone_weight));
  line(out, "crash_zone_plus_one_weight", format_double(w.crash_zone_plus_one_weight));
  line(out, "zone_outage_ms", toml_duration(w.zone_outage, kMillisecond));
  line(out, "crash_failover_weight", format_double(w.crash_failover_weight));
  line(out, "failover_partition_ms", toml_duration(w.failover_partition, kMillisecond));
  line(out, "liveness_ops", toml_int(w.liveness_ops));
  line(out, "liveness_bound_ms", toml_duration(w.liveness_bound, kMillisecond));

  const FaultSpec& f = spec.faults;
  out += "\n[faults]\n";
  line(out, "regime", toml_string(fault_regime_name(f.regime)));
  line(out, "swarm", f.swarm ? "true" : "false");
  if (f.crash_mode) line(out, "crash_mode", toml_string(sim::crash_mode_name(*f.crash_mode)));
  if (f.atomic_unit) line(out, "atomic_unit", toml_int(*f.atomic_unit));
  if (!f.media_nodes.empty()) {
    std::string nodes = "[";
    for (std::size_t i = 0; i < f.media_nodes.size(); ++i) {
      nodes.append(i == 0 ? "" : ", ").append(toml_string(f.media_nodes[i]));
    }
    line(out, "media_nodes", nodes + "]");
  }
  for (const auto& [kind, k] : f.kinds) {
    out += "\n[faults.kinds.";
    out += sim::fault_kind_name(kind);
    out += "]\n";
    if (k.enabled) line(out, "enabled", *k.enabled ? "true" : "false");
    if (k.probability) line(out, "probability", format_double(*k.probability));
    if (k.budget) line(out, "budget", toml_int(*k.budget));
  }

  const StorageSpec& s = spec.storage;
  out += "\n[storage]\n";
  line(out, "preset", toml_string(s.preset));
  line(out, "segment_bytes", toml_int(s.segment_bytes));
  line(out, "durability", toml_string(s.durability));
  line(out, "page_size", toml_int(s.page_size));
  line(out, "cache_pages", toml_int(s.cache_pages));
  line(out, "buffer_pages", toml_int(s.buffer_pages));
  line(out, "image_after", toml_int(s.image_after));
  line(out, "compact_min_dead", toml_int(s.compact_min_dead));
  line(out, "maintenance_interval_us", toml_duration(s.maintenance_interval, kMicrosecond));
  line(out, "lal", toml_int(s.lal));
  line(out, "cold_read_latency_us", toml_duration(s.cold_read_latency, kMicrosecond));

  const NetworkSpec& n = spec.network;
  out += "\n[network]\n";
  line(out, "faults", n.faults ? "true" : "false");
  line(out, "swarm", n.swarm ? "true" : "false");
  line(out, "latency_min_us", toml_duration(n.latency_min, kMicrosecond));
  line(out, "latency_mean_us", toml_duration(n.latency_mean, kMicrosecond));
  line(out, "spike_mean_us", toml_duration(n.spike_mean, kMicrosecond));
  line(out, "replay_mean_us", toml_duration(n.replay_mean, kMicrosecond));
  line(out, "capacity", toml_int(n.capacity));
  line(out, "chaos_interval_us", toml_duration(n.chaos_interval, kMicrosecond));
  line(out, "partition_mean_us", toml_duration(n.partition_mean, kMicrosecond));
  line(out, "clog_mean_us", toml_duration(n.clog_mean, kMicrosecond));
  line(out, "rpc_timeout_us", toml_duration(n.rpc_timeout, kMicrosecond));
  line(out, "rpc_attempts", toml_int(n.rpc_attempts));
  for (const auto& [kind, k] : n.kinds) {
    out += "\n[network.kinds.";
    out += sim::net_fault_kind_name(kind);
    out += "]\n";
    if (k.enabled) line(out, "enabled", *k.enabled ? "true" : "false");
    if (k.probability) line(out, "probability", format_double(*k.probability));
    if (k.budget) line(out, "budget", toml_int(*k.budget));
  }

  if (!spec.swarm.empty()) {
    out += "\n[swarm]\n";
    for (const SwarmKey& k : swarm_integer_keys()) {
      const auto it = spec.swarm.ranges.find(k.name);
      if (it == spec.swarm.ranges.end()) continue;
      line(out, k.name, cat("[", toml_int(it->second.lo), ", ", toml_int(it->second.hi), "]"));
    }
    for (const SwarmTextKey& k : swarm_text_keys()) {
      const auto it = spec.swarm.lists.find(k.name);
      if (it == spec.swarm.lists.end()) continue;
      std::string values = "[";
      for (const std::string& v : it->second) {
        if (values.size() > 1) values.append(", ");
        values.append(toml_string(v));
      }
      line(out, k.name, values.append("]"));
    }
  }
  return out;
}

}  // namespace aurora::workloads
