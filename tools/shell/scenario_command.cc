#include "tools/shell/scenario_command.h"

#include <memory>
#include <utility>

#include "tools/shell/frontend_exit.h"
#include "tools/shell/scenario_run.h"
#include "workloads/spec/toml_input.h"

#ifndef AURORA_SOURCE_DIR
#error "AURORA_SOURCE_DIR must name the source tree (tools/CMakeLists.txt defines it)"
#endif

namespace aurora::shell {

std::string scenarios_directory() {
  return std::string(AURORA_SOURCE_DIR).append("/workloads/scenarios");
}

Result<Scenario> find_scenario(const std::string& name_or_path) {
  // Found as workload specs are: a path as given, or a shipped scenario by name.
  const Result<std::string> path =
      workloads::toml_input::find_file(name_or_path, scenarios_directory(), "scenario");
  if (!path.is_ok()) return path.status();
  return load_scenario(*path);
}

SessionOptions scenario_session_options(const Scenario& scenario, const SessionOptions& options,
                                        bool preset_given) {
  SessionOptions out = options;
  // The command line cannot always say whether --preset was given; a preset other than
  // the default surely was.
  const bool command_line_chose = preset_given || options.preset != SessionOptions{}.preset;
  if (scenario.preset && !command_line_chose) out.preset = *scenario.preset;
  return out;
}

int scenario_command(const std::string& path, const FrontEndOptions& options, std::ostream& out,
                     std::ostream& err, const ScenarioHooks& hooks) {
  // Everything in the file is checked before the session opens: a bad scenario runs nothing.
  const Result<Scenario> scenario = find_scenario(path);
  if (!scenario.is_ok()) {
    err << "sim scenario: " << scenario.status().message() << "\n";
    return 2;
  }
  Result<std::unique_ptr<Session>> session =
      Session::open(scenario_session_options(*scenario, options.session, hooks.preset_given),
                    hooks.attach);
  if (!session.is_ok()) {
    return exit_unopened("sim scenario: cannot open the session", session.status(), err);
  }
  const ScenarioReport report = run_scenario(**session, *scenario, out);
  if (!report.passed()) {
    out << "reproduce: sim scenario " << scenario->source;
    const SessionOptions& o = (*session)->options();
    if (o.fs == FsKind::kSim) {
      out << " --seed " << o.seed;
    } else {
      out << " --fs posix --data-dir " << o.data_dir;
    }
    out << " --preset " << o.preset << " --segment-size " << o.segment_size << " --cold-latency-ms "
        << o.cold_latency / kMillisecond;
    // On real files the volume keeps what this run wrote: a rerun starts from there.
    if (o.fs != FsKind::kSim) out << "  (on a fresh --data-dir)";
    out << "\n";
  }
  out << std::flush;  // the run's output before the reason for its exit code
  return exit_after_run(**session, report.exit_code(), "sim scenario", err);
}

}  // namespace aurora::shell
