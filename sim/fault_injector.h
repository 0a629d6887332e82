// FaultInjector: decides, from the seed's fault streams ("faults/<kind>" for each kind's
// decisions in a World, "faults" for the rest), which faults happen. It
// injects; it never checks (checkers live in workloads/). One injector serves every
// simulated disk of a run, so budgets are per run.
//
// Every fault kind can be switched on or off and given a probability (per opportunity:
// per write, per fsync, per crash...) and a budget (the most times it may fire in a
// run). Every fault that fires is written to the trace as a "fault.<kind>" event.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include "engine/runtime/event_sink.h"
#include "engine/runtime/time.h"
#include "sim/rng.h"

namespace aurora::sim {

// What survives a crash of unsynced state (DESIGN.md section 5).
enum class CrashMode : std::uint8_t {
  kDropAll,  // only the durable image survives
  kPrefix,   // a prefix of each file's pending operations survives
  kSubset,   // any subset survives (later writes may survive earlier ones)
};
std::string_view crash_mode_name(CrashMode m);
std::optional<CrashMode> parse_crash_mode(std::string_view s);

// What reads show after an fsync fails with EIO.
enum class EioView : std::uint8_t {
  kKeep,    // ext4/XFS: the page cache keeps the new (now non-durable) data
  kRevert,  // btrfs: reads go back to the durable data
};

// What a size change that survived a crash without its data exposes.
enum class Exposure : std::uint8_t { kZeros, kGarbage };

enum class FaultKind : std::uint8_t {
  // recoverable regime
  kTornWrite,      // per surviving pending write at a crash: torn into atomic units
  kFsyncEio,       // per fsync (file or directory): fails, pending operations dropped
  kWriteNoSpace,   // per write: ENOSPC, nothing written
  kWriteEio,       // per write: EIO, nothing written
  kShortWrite,     // per write: only a prefix is written
  kReadEio,        // per read: EIO (transient)
  kLatencySpike,   // per operation: much slower than usual
  // media faults: only in the unrestricted regime
  kLatentSector,   // per crash, per file: a durable sector reads EIO until rewritten
  kBitFlip,        // per crash, per file: one durable bit flips
  kMisdirectedWrite,  // per write made durable by fsync: lands at another offset
  kLostWrite,      // per write made durable by fsync: fsync says OK, nothing changed
  // recoverable again, last so that adding it moved no other kind's swarm draws
  kCrashPoint,     // per crash point the engine reaches (engine/runtime/crash_point.h), at
                   // the sites armed this run: the node crashes right there
  kCount
};
inline constexpr std::size_t kFaultKindCount = static_cast<std::size_t>(FaultKind::kCount);
std::string_view fault_kind_name(FaultKind k);  // "torn_write", "fsync_eio", ...
std::optional<FaultKind> parse_fault_kind(std::string_view s);
bool is_media_fault(FaultKind k);

struct FaultRule {
  bool enabled = false;
  double probability = 0.0;
  std::uint64_t budget = UINT64_MAX;
};

struct FaultConfig {
  CrashMode crash_mode = CrashMode::kSubset;
  std::uint32_t atomic_unit = 512;   // bytes; 512 default, 4096 and 1 are options
  Exposure exposure = Exposure::kZeros;
  EioView eio_view = EioView::kKeep;
  bool atomic_rename = true;
  Nanos latency_min = 5 * kMicrosecond;   // ordinary I/O latency, uniform in [min, max]
  Nanos latency_max = 50 * kMicrosecond;
  Nanos latency_spike = 20 * kMillisecond;
  // The structure media faults aim at (one the engine hints, FileSystem::hint:
  // "wal.record", "image.slot", ...), or "" for anywhere (sim/sim_fs_aim.cc).
  std::string media_aim;
  // The nodes (by name) media faults may strike; empty: every node. A quorum tier
  // survives media faults on at most 2 segments of a PG, and this is how a test says which.
  std::vector<std::string> media_nodes;
  std::array<FaultRule, kFaultKindCount> rules{};

  FaultRule& rule(FaultKind k) { return rules[static_cast<std::size_t>(k)]; }
  const FaultRule& rule(FaultKind k) const { return rules[static_cast<std::size_t>(k)]; }
  // All fault kinds off (crashes still lose unsynced data per crash_mode).
  static FaultConfig none();
  // Crashes, torn and lost unsynced writes, fsync errors, ENOSPC, short writes, read
  // errors, latency spikes: the regime in which every invariant must hold.
  static FaultConfig recoverable();
  // recoverable() plus the media faults.
  static FaultConfig unrestricted();
  // One line per setting, for the run's printed configuration.
  std::string describe() const;
};

class FaultInjector {
 public:
  // Every decision from `rng`.
  FaultInjector(FaultConfig config, Rng& rng, EventSink& events)
      : config_(config), rng_(rng), events_(events) {
    kind_rng_.fill(&rng);
  }
  // Each kind's decisions from a stream of its own, `per_kind(kind)`; what else a fault
  // draws (where a misdirected write lands, say) from `rng`. Taking the writes of an
  // operation away (a shrinker does) then moves no decision of another kind onto them:
  // the i-th write's ENOSPC decision stays the i-th ENOSPC decision.
  FaultInjector(FaultConfig config, Rng& rng, const std::function<Rng&(FaultKind)>& per_kind,
                EventSink& events)
      : config_(config), rng_(rng), events_(events) {
    for (std::size_t k = 0; k < kFaultKindCount; ++k) {
      kind_rng_[k] = &per_kind(static_cast<FaultKind>(k));
    }
  }

  const FaultConfig& config() const { return config_; }
  FaultConfig& mutable_config() { return config_; }
  Rng& rng() { return rng_; }

  // Draws whether fault `k` fires at this opportunity. Consumes exactly one draw when the
  // kind is enabled (whatever the budget), none when it is disabled. When it fires, the
  // fault is counted against its budget and recorded as a "fault.<kind>" event carrying
  // `fields` (which say where: node, file, offset...).
  bool fire(FaultKind k, std::initializer_list<Field> fields) {
    return fire(k, *kind_rng_[static_cast<std::size_t>(k)], fields);
  }
  // The same, drawing from `rng`: for decisions that must not move when other decisions of
  // the kind change (a crash point's, world.cc; a crash's, sim_fs_crash.cc).
  bool fire(FaultKind k, Rng& rng, std::initializer_list<Field> fields);
  std::uint64_t fired(FaultKind k) const { return fired_[static_cast<std::size_t>(k)]; }

 private:
  // Whether the "node" field names one of config_.media_nodes.
  bool on_media_node(std::initializer_list<Field> fields) const;
  FaultConfig config_;
  Rng& rng_;
  std::array<Rng*, kFaultKindCount> kind_rng_{};
  EventSink& events_;
  std::array<std::uint64_t, kFaultKindCount> fired_{};
};

}  // namespace aurora::sim
