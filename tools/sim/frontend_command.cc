#include "tools/sim/frontend_command.h"

#include <chrono>
#include <iostream>
#include <thread>

#include <unistd.h>

#include "tools/shell/demo.h"
#include "tools/shell/frontend_exit.h"
#include "tools/shell/repl.h"
#include "tools/shell/scenario_command.h"
#include "tools/shell/trace_outputs.h"
#include "tools/shell/viz.h"
#include "tools/sim/common_flags.h"

namespace aurora::tools {

void add_frontend_flags(CLI::App& app, FrontEndFlags& f) {
  app.add_option("--seed", f.seed, "seed of the simulated world (default 1)");
  app.add_option("--preset", f.preset, "storage preset: base (default) or tiered");
  app.add_option("--segment-size", f.segment_size, "bytes of a log segment (default 4096)")
      ->check(CLI::Range(std::uint64_t{256}, std::uint64_t{1} << 30));
  app.add_option("--cold-latency-ms", f.cold_latency_ms,
                 "extra latency of a cold-tier read, ms (default 50)")
      ->check(CLI::Range(0.0, 60'000.0));
  app.add_option("--fs", f.fs, "sim (simulated disk, virtual time) or posix (real files)")
      ->check(CLI::IsMember({"sim", "posix"}));
  app.add_option("--data-dir", f.data_dir, "with --fs posix: where the volume lives (kept)");
  app.add_option("--delay", f.delay_ms,
                 "wall-clock pause after each drawn step, ms (default 300 in viz modes)")
      ->check(CLI::Range(0.0, 60'000.0));
  app.add_option("--trace-json", f.trace_json, "write every internal event as a JSON line");
  app.add_option("--trace-perfetto", f.trace_perfetto,
                 "write the run as Chrome trace-event JSON (opens in Perfetto)");
  add_common_flags(app, f.no_color);
}

namespace {

bool is_viz(FrontEnd w) { return w == FrontEnd::kVizDemo || w == FrontEnd::kVizRepl; }

std::string_view name_of(FrontEnd w) {
  switch (w) {
    case FrontEnd::kDemo: return "demo";
    case FrontEnd::kVizDemo: return "viz-demo";
    case FrontEnd::kRepl: return "repl";
    case FrontEnd::kVizRepl: return "viz-repl";
    case FrontEnd::kScenario: return "scenario";
  }
  return "?";
}

shell::FrontEndOptions options_of(FrontEnd which, const FrontEndFlags& f, bool color) {
  shell::FrontEndOptions o;
  o.session.seed = f.seed;
  o.session.preset = f.preset.value_or("base");
  o.session.segment_size = f.segment_size;
  o.session.cold_latency = static_cast<Nanos>(f.cold_latency_ms * 1e6);
  o.session.fs = f.fs == "posix" ? shell::FsKind::kPosix : shell::FsKind::kSim;
  o.session.data_dir = f.data_dir;
  o.color = color && !f.no_color;
  o.viz = is_viz(which);
  o.delay = static_cast<Nanos>(f.delay_ms.value_or(is_viz(which) ? 300.0 : 0.0) * 1e6);
  o.trace_json = f.trace_json;
  o.trace_perfetto = f.trace_perfetto;
  return o;
}

// What a front end shows besides its own lines: the visualizer's drawings (each followed
// by the --delay pause) and the trace files.
class Presentation {
 public:
  static Result<std::unique_ptr<Presentation>> attach(shell::Session& s,
                                                      const shell::FrontEndOptions& o) {
    std::unique_ptr<Presentation> p(new Presentation(o));
    Result<std::unique_ptr<shell::TraceOutputs>> traces = shell::TraceOutputs::attach(s, o);
    if (!traces.is_ok()) return traces.status();
    p->traces_ = std::move(*traces);
    Presentation* raw = p.get();
    s.add_listener([raw](const shell::Event& e) { raw->viz_.on_event(e); });
    return p;
  }
  void set_viz(bool on) { viz_.set_enabled(on); }
  void set_delay(std::uint64_t ms) { delay_ = static_cast<Nanos>(ms) * kMillisecond; }
  Status finish() { return traces_->finish(); }

 private:
  explicit Presentation(const shell::FrontEndOptions& o) : viz_(std::cout, o.color), delay_(o.delay) {
    viz_.set_enabled(o.viz);
    // The pause follows each drawing, so that a step can be read before the next.
    viz_.set_on_step([this] {
      std::cout << std::flush;
      if (delay_ > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(delay_));
    });
  }

  shell::Visualizer viz_;
  Nanos delay_;
  std::unique_ptr<shell::TraceOutputs> traces_;
};

}  // namespace

int frontend_command(FrontEnd which, const FrontEndFlags& flags, bool color, const std::string& path) {
  const std::string me = std::string("sim ").append(name_of(which));
  // (--fs posix without --data-dir: Session::open refuses it, exit 2 below.)
  if (flags.fs == "sim" && !flags.data_dir.empty()) {
    std::cerr << me << ": --data-dir goes with --fs posix\n";
    return 2;
  }
  const shell::FrontEndOptions options = options_of(which, flags, color);
  // The visualizer and the traces attach before the volume opens: they see its recovery.
  std::unique_ptr<Presentation> shown;
  const auto attach = [&](shell::Session& s) -> Status {
    Result<std::unique_ptr<Presentation>> p = Presentation::attach(s, options);
    if (!p.is_ok()) return p.status();
    shown = std::move(*p);
    return Status::ok();
  };
  int code = 0;
  if (which == FrontEnd::kScenario) {
    code = shell::scenario_command(path, options, std::cout, std::cerr,
                                   shell::ScenarioHooks{attach, flags.preset.has_value()});
  } else {
    Result<std::unique_ptr<shell::Session>> session = shell::Session::open(options.session, attach);
    if (!session.is_ok()) {
      // A bad flag, a trace file that cannot be created, a volume that does not open.
      return shell::exit_unopened(me, session.status(), std::cerr);
    }
    if (which == FrontEnd::kDemo || which == FrontEnd::kVizDemo) {
      code = shell::run_demo(**session, std::cout);
    } else {
      shell::ReplOptions ro;
      ro.suggestions = which == FrontEnd::kVizRepl;
      ro.echo = isatty(STDIN_FILENO) == 0;
      ro.set_viz = [&shown](bool on) { shown->set_viz(on); };
      ro.set_delay = [&shown](std::uint64_t ms) { shown->set_delay(ms); };
      code = shell::run_repl(**session, std::cin, std::cout, ro);
    }
    std::cout << std::flush;  // the transcript before the reason for its exit code
    code = shell::exit_after_run(**session, code, me, std::cerr);
  }
  if (shown) {
    if (const Status s = shown->finish(); !s.is_ok()) {
      std::cerr << me << ": " << s.to_string() << "\n";
      return 2;
    }
  }
  return code;
}

}  // namespace aurora::tools
