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

nlohmann::json report_json(const workloads::RunSpec& spec, const workloads::RunReport& report,
                           std::int64_t wall_ns);

}  // namespace aurora::tools
