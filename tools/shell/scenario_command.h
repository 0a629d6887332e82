// `sim scenario FILE`: loads a TOML scenario (scenario.h), opens the session the command
// line describes, runs the steps (scenario_run.h) and returns the exit code.
//
// Exit codes (DESIGN.md section 7): 0 every expect held; 1 an expect failed; 2 the
// scenario file is missing or does not parse (nothing runs; the message names the file
// and line), or the session cannot open (a bad preset, --fs posix without --data-dir, a
// volume that does not recover), or the run ended with a volume that a recover step could
// not open (frontend_exit.h).
#pragma once

#include <functional>
#include <ostream>
#include <string>

#include "engine/runtime/status.h"
#include "tools/shell/frontend.h"
#include "tools/shell/scenario.h"
#include "tools/shell/session.h"

namespace aurora::shell {

struct ScenarioHooks {
  // Tracing and visualization: runs before the session opens its volume (Session::open's
  // `attach`), so the listeners it adds see every event from the first recovery on. An
  // error (a trace file that cannot be created) is exit 2, before anything runs.
  std::function<Status(Session&)> attach;
  // True when --preset was on the command line. The scenario's [meta] preset applies when
  // the command line did not choose one: when this is false and the options' preset is
  // the default (SessionOptions{}.preset, "base"); a command line preset wins.
  bool preset_given = false;
};

// The scenario file `name_or_path` names: a path (it contains '/' or ends in ".toml"), or
// the name of a shipped scenario (workloads/scenarios/<name>.toml). Errors as
// load_scenario's; an unknown name is kNotFound listing the shipped ones.
Result<Scenario> find_scenario(const std::string& name_or_path);
// The directory of the shipped scenarios (workloads/scenarios/ of the source tree).
std::string scenarios_directory();

// The session options a scenario runs with: `options`, with the scenario's preset applied
// as ScenarioHooks::preset_given says.
SessionOptions scenario_session_options(const Scenario& scenario, const SessionOptions& options,
                                        bool preset_given);

// Loads, opens, runs; the output on `out`, the reasons for exit code 2 on `err`.
int scenario_command(const std::string& path, const FrontEndOptions& options, std::ostream& out,
                     std::ostream& err, const ScenarioHooks& hooks = {});

}  // namespace aurora::shell
