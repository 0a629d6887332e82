// Scenarios: a session's steps as data (`sim scenario FILE`). A scenario is a TOML file
// with a [meta] table and [[steps]], each step one operation of the session (put, get,
// refresh, sleep_ms, crash, recover, sync, expect, fault, bg, bg_stop, and of its network:
// partition, heal, net_fault, net) or a repeat of nested steps. SCENARIO_FORMAT.md beside
// this file documents every op and key. The key names of mini-aurora's scenario files
// (page_id, data, value) are accepted as other names of ours (page, text, ms) in the steps
// it has them on, so its files run as written.
//
// Parsing is strict and complete before anything runs: bad TOML, an unknown op or key, a
// key given under both its names in one step, a missing field, a wrong type, a number out
// of range, a node other than A or B, a partition's side naming no known node or zone (or
// a node on both sides), an empty repeat, a mark used before a step sets it, all are
// kInvalidArgument "<source>:<line>: <message>", never a default and never an exception.
//
// This header and scenario.cc need only toml++ and the engine's Status (not the Session;
// the names a partition takes come from the header-only topology.h), so that the fuzz
// build, which builds no tools, can compile the parser into its target.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/status.h"
#include "engine/runtime/time.h"

namespace aurora::shell {

enum class StepOp : std::uint8_t {
  kPut,      // write text into a page through a node (one MTR)
  kGet,      // read a page at a node's read point, or at a past one
  kRefresh,  // move a node's read point to VDL
  kSleep,    // let time pass (background workers run)
  kRepeat,   // run nested steps `count` times
  kCrash,    // crash the storage
  kRecover,  // recover it
  kSync,     // make everything written durable
  kExpect,   // a get that must return `text` at `offset`
  kFault,    // switch a fault kind of the simulated disk on or off
  kBg,       // start a background worker on a node
  kBgStop,   // stop a node's background workers
  kPartition,  // cut the network between two sides (nodes or zones), both ways or one
  kHeal,       // end the partition
  kNetFault,   // switch a fault kind of the simulated network on or off
  kNet,        // print the network's state
};
std::string_view step_op_name(StepOp op);  // "put", "sleep_ms", "bg_stop", ...

// Where a read happens: the node's read point (neither set), an LSN, or a mark: the CPL of
// a put or the read point of a refresh that named it (marks keep scenarios free of LSN
// literals, which change when a volume on real files already holds data).
struct ReadAt {
  std::optional<std::uint64_t> lsn;
  std::string mark;
  bool given() const { return lsn.has_value() || !mark.empty(); }
};

// One step. Which fields mean something depends on `op` (the comments say for which);
// the parser leaves the others at their defaults.
struct Step {
  StepOp op = StepOp::kSync;
  std::uint32_t line = 0;             // where the step starts in the file
  int node = 0;                       // put, get, refresh, expect, bg, bg_stop: 0 is A, 1 is B
  std::uint64_t page = 0;             // put, get, expect
  std::uint32_t offset = 0;           // put, expect
  std::string text;                   // put, expect
  ReadAt at;                          // get, expect
  std::string mark;                   // put, refresh: remember the CPL / read point as this
  Nanos duration = 0;                 // sleep_ms: how long; bg: the worker's period
  std::uint32_t count = 0;            // repeat
  std::vector<Step> steps;            // repeat
  std::string fault_kind;             // fault: of sim/fault_injector.h; net_fault: net_config.h
  bool on = false;                    // fault, net_fault
  std::optional<double> probability;  // fault, net_fault, when on
  std::string bg_kind;                // bg: write, read or mixed (Session's BgKind names)
  std::vector<std::string> from;      // partition: node or zone names (topology.h)
  std::vector<std::string> to;        // partition
  bool one_way = false;               // partition: cut only the way from `from` to `to`
};

struct Scenario {
  std::string name;         // [meta] name
  std::string description;  // [meta] description
  // [meta] preset: the storage preset the scenario is written for. The command applies it
  // unless the command line chose another (scenario_command.h).
  std::optional<std::string> preset;
  std::string source;  // the path, or the name given to parse_scenario
  std::vector<Step> steps;
};

// Limits, so that a scenario that parses also runs in bounded time.
inline constexpr std::uint32_t kMaxRepeatCount = 100'000;
inline constexpr std::uint64_t kMaxStepsRun = 1'000'000;  // steps run, repeats expanded
inline constexpr std::int64_t kMaxSleepMs = 3'600'000;    // one hour per sleep_ms
inline constexpr std::int64_t kMaxBgEveryMs = 60'000;
inline constexpr std::uint32_t kMaxPageBytes = 64 * 1024;  // no page is larger
inline constexpr int kMaxNesting = 64;                     // repeats inside repeats
// A fault switched on without a probability fires at this one (Session::set_fault's default).
inline constexpr double kDefaultFaultProbability = 0.05;

// Parses TOML text; `source` names it in error messages ("<source>:<line>: ...").
Result<Scenario> parse_scenario(std::string_view text, std::string_view source);
// Reads and parses a scenario file. A missing file is kNotFound, an unreadable one
// kIoError, each naming the path; anything wrong inside it kInvalidArgument.
Result<Scenario> load_scenario(const std::string& path);
// How many steps running `steps` takes, repeats expanded (each repeat counts itself once).
std::uint64_t steps_to_run(const std::vector<Step>& steps);

}  // namespace aurora::shell
