#include "tools/sim/report_json.h"

#include <cstdio>

#include "sim/trace.h"
#include "tools/sim/run_command.h"

namespace aurora::tools {

std::string spec_label(const workloads::RunSpec& spec) {
  return spec.spec_arg.empty() ? std::string("default") : spec.spec_arg;
}

RunSpeed run_speed(const workloads::RunReport& r, std::int64_t wall_ns) {
  if (wall_ns <= 0) return {};
  const double wall = static_cast<double>(wall_ns);
  return {static_cast<double>(r.sim_time_ns) / wall, static_cast<double>(r.events) * 1e9 / wall};
}

std::string describe_speed(const RunSpeed& s) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "time_compression: %.1fx  events_per_s: %.2fM", s.time_compression,
                s.events_per_s / 1e6);
  return buf;
}

std::string describe_net(const workloads::RunReport::Net& n) {
  return "net_sent: " + std::to_string(n.sent) + "  net_delivered: " + std::to_string(n.delivered) +
         "  net_dropped: " + std::to_string(n.dropped) + "  net_duplicated: " +
         std::to_string(n.duplicated) + "  net_max_delay_us: " +
         std::to_string(n.max_delay / kMicrosecond);
}

nlohmann::json report_json(const workloads::RunSpec& spec, const workloads::RunReport& r,
                           std::int64_t wall_ns) {
  nlohmann::json violations = nlohmann::json::array();
  for (const auto& v : r.violations) {
    violations.push_back({{"invariant", v.invariant}, {"message", v.message}, {"at_ns", v.at},
                          {"event", v.event}});
  }
  const RunSpeed speed = run_speed(r, wall_ns);
  nlohmann::json j = {{"seed", r.seed},
          {"spec", spec_label(spec)},
          {"result", r.passed ? "pass" : "fail"},
          {"reproduce", reproduce_command(spec)},
          {"trace_hash", sim::Trace::format_hash(r.trace_hash)},
          {"events", r.events},
          {"sim_time_ns", r.sim_time_ns},
          {"wall_ns", wall_ns},
          {"time_compression", speed.time_compression},
          {"events_per_s", speed.events_per_s},
          {"ops", r.ops},
          {"crashes", r.crashes},
          {"recoveries_checked", r.recoveries_checked},
          {"corruptions_reported", r.corruptions_reported},
          {"acknowledged", r.acknowledged},
          {"reads_checked", r.reads_checked},
          {"faults_fired", r.faults_fired},
          {"net",
           {{"sent", r.net.sent},
            {"delivered", r.net.delivered},
            {"dropped", r.net.dropped},
            {"duplicated", r.net.duplicated},
            {"rejected", r.net.rejected},
            {"max_delay_ns", r.net.max_delay}}},
          {"violations", violations}};
  // The marks are the engine workload's: other workloads reach none, and a sweep of theirs
  // must not report every mark as missed.
  if (spec.workload == workloads::WorkloadKind::kMtr) j["coverage"] = r.coverage;
  return j;
}

}  // namespace aurora::tools
