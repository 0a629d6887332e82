// One run as a JSON object: the line `sim --summary-json` appends and `sim sweep --out`
// writes per seed. The fields are listed in RUN_JSON.md beside this file.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "workloads/run.h"

namespace aurora::tools {

// The spec as a run's JSON names it: --spec as given, or "default".
std::string spec_label(const workloads::RunSpec& spec);

// How fast a run went: virtual time per wall time (how much faster than real time the
// simulated world ran) and trace events per wall second. 0 when no wall time passed.
struct RunSpeed {
  double time_compression = 0;
  double events_per_s = 0;
};
RunSpeed run_speed(const workloads::RunReport& report, std::int64_t wall_ns);
// "time compression 33.1x  events/s 4.31M": the figures of a run's final line.
std::string describe_speed(const RunSpeed& s);
// "net_sent: 812  net_delivered: 790 ...": the network's figures on a run's final line.
std::string describe_net(const workloads::RunReport::Net& n);

nlohmann::json report_json(const workloads::RunSpec& spec, const workloads::RunReport& report,
                           std::int64_t wall_ns);

}  // namespace aurora::tools
