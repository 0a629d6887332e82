// The scenario parser (tools/shell/scenario.h) on arbitrary text. A bad scenario is
// kInvalidArgument "<source>:<line>: <message>" (a scenario is a file someone wrote), never
// an exception or a crash. A scenario it accepts is one the runner can run as it stands:
// every step's fields within the documented bounds, no empty repeat, no mark read before a
// step sets it, a partition whose sides name known nodes or zones and no node on both,
// and at most kMaxStepsRun steps with repeats expanded.
#include <cstdint>
#include <set>
#include <string>

#include "sim/fault_injector.h"
#include "sim/net_config.h"
#include "tests/fuzz/fuzz_support.h"
#include "tools/shell/scenario.h"
#include "tools/shell/topology.h"

namespace {

using aurora::shell::kMaxPageBytes;
using aurora::shell::Step;
using aurora::shell::StepOp;

constexpr std::string_view kSource = "fuzz.toml";

// Checks what the parser promises of each accepted step; `marks` are those set so far, in
// the order of the file.
void check_steps(const std::vector<Step>& steps, int depth, std::set<std::string>& marks) {
  using namespace aurora::shell;
  if (steps.empty()) aurora::fuzz::finding("an accepted scenario has an empty list of steps");
  if (depth > kMaxNesting + 1) aurora::fuzz::finding("repeats nested deeper than kMaxNesting");
  for (const Step& s : steps) {
    if (s.line == 0) aurora::fuzz::finding("a step without a line");
    if (s.node != 0 && s.node != 1) aurora::fuzz::finding("a node other than A or B");
    if (s.page > static_cast<std::uint64_t>(INT64_MAX))
      aurora::fuzz::finding("a page above INT64_MAX");
    if (!s.at.mark.empty() && marks.count(s.at.mark) == 0) {
      aurora::fuzz::finding("a read at a mark no earlier step sets: " + s.at.mark);
    }
    switch (s.op) {
      case StepOp::kPut:
      case StepOp::kExpect:
        if (s.text.empty()) aurora::fuzz::finding("a put or expect without text");
        if (s.offset + s.text.size() > kMaxPageBytes) {
          aurora::fuzz::finding("a put or expect reaching past the largest page");
        }
        break;
      case StepOp::kSleep:
        if (s.duration < 0 || s.duration > kMaxSleepMs * aurora::kMillisecond) {
          aurora::fuzz::finding("a sleep out of range");
        }
        break;
      case StepOp::kBg:
        if (s.duration <= 0 || s.duration > kMaxBgEveryMs * aurora::kMillisecond) {
          aurora::fuzz::finding("a background period out of range");
        }
        if (s.bg_kind != "write" && s.bg_kind != "read" && s.bg_kind != "mixed") {
          aurora::fuzz::finding("an unknown background worker kind: " + s.bg_kind);
        }
        break;
      case StepOp::kFault:
      case StepOp::kNetFault:
        if (s.op == StepOp::kFault && !aurora::sim::parse_fault_kind(s.fault_kind)) {
          aurora::fuzz::finding("a fault step with an unknown kind: " + s.fault_kind);
        }
        if (s.op == StepOp::kNetFault && !aurora::sim::parse_net_fault_kind(s.fault_kind)) {
          aurora::fuzz::finding("a net_fault step with an unknown kind: " + s.fault_kind);
        }
        if (s.probability && (!s.on || *s.probability < 0.0 || *s.probability > 1.0)) {
          aurora::fuzz::finding("a fault probability out of range, or with on = false");
        }
        break;
      case StepOp::kPartition:
        if (s.from.empty() || s.to.empty()) {
          aurora::fuzz::finding("a partition with an empty side");
        }
        for (const auto* side : {&s.from, &s.to}) {
          for (const std::string& name : *side) {
            if (topology_nodes_named(name).empty()) {
              aurora::fuzz::finding("a partition naming an unknown node or zone: " + name);
            }
          }
        }
        if (!topology_overlap(s.from, s.to).empty()) {
          aurora::fuzz::finding("a partition with a node on both sides");
        }
        break;
      case StepOp::kRepeat:
        if (s.count < 1 || s.count > kMaxRepeatCount)
          aurora::fuzz::finding("a repeat count out of range");
        check_steps(s.steps, depth + 1, marks);
        break;
      case StepOp::kGet:
      case StepOp::kRefresh:
      case StepOp::kCrash:
      case StepOp::kRecover:
      case StepOp::kSync:
      case StepOp::kBgStop:
      case StepOp::kHeal:
      case StepOp::kNet:
        break;
    }
    if (!s.mark.empty()) marks.insert(s.mark);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aurora;
  const Result<shell::Scenario> scenario =
      shell::parse_scenario(fuzz::text_of(data, size), kSource);
  if (!scenario.is_ok()) {
    if (scenario.kind() != ErrorKind::kInvalidArgument) {
      fuzz::finding("parse_scenario: not kInvalidArgument");
    }
    if (!fuzz::names_source_and_line(scenario.status().message(), kSource)) {
      fuzz::finding("parse_scenario: the error does not start with <source>:<line>: ");
    }
    return 0;
  }
  if (scenario->name.empty()) fuzz::finding("an accepted scenario without a name");
  if (scenario->source != kSource) fuzz::finding("the scenario does not name its source");
  std::set<std::string> marks;
  check_steps(scenario->steps, 0, marks);
  if (shell::steps_to_run(scenario->steps) > shell::kMaxStepsRun) {
    fuzz::finding("an accepted scenario runs more than kMaxStepsRun steps");
  }
  return 0;
}
