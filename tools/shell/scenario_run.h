// Runs a parsed scenario (scenario.h) on a session and reports what happened: one line per
// top-level step, the session's metrics table, and a summary (SCENARIO_FORMAT.md shows the
// output). A failing expect is reported with what it expected and what it got; an operation
// that fails (a get while the storage is down, say) is printed and counted, and the run
// goes on: a scenario may show errors on purpose.
#pragma once

#include <cstdint>
#include <ostream>

#include "tools/shell/scenario.h"
#include "tools/shell/session.h"

namespace aurora::shell {

struct ScenarioReport {
  std::uint64_t steps_run = 0;  // repeats expanded (a repeat counts itself once)
  std::uint64_t expects_held = 0;
  std::uint64_t expects_failed = 0;  // wrong bytes, or the read failed
  std::uint64_t errors = 0;          // operations that returned an error (not expects)
  std::uint64_t skipped = 0;         // steps that need the simulated disk, on real files

  // The run's verdict: the expects are the scenario's assertions; errors are not.
  bool passed() const { return expects_failed == 0; }
  // The command's exit code: 0 when every expect held, 1 when one failed.
  int exit_code() const { return passed() ? 0 : 1; }
};

// Runs every step of `scenario` in order on `session`, printing to `out` (first the
// scenario and the session it runs on, last the metrics and a summary line). In
// simulation the output is a function of the scenario and the session's seed.
ScenarioReport run_scenario(Session& session, const Scenario& scenario, std::ostream& out);

}  // namespace aurora::shell
