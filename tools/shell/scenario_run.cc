#include "tools/shell/scenario_run.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace aurora::shell {
namespace {

// Concatenates string pieces by appending (GCC 12's false -Wrestrict on
// `"literal" + std::string(...)`, GCC bug 105329, never sees a `+` here).
template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

std::string num(std::uint64_t v) { return std::to_string(v); }

// Bytes as a quoted string a terminal can show: printable ASCII as is, the rest escaped
// (\0, \n, \xNN); at most `limit` bytes, then "...".
std::string quote_bytes(std::span<const std::byte> bytes, std::size_t limit = 48) {
  std::string out = "\"";
  const std::size_t n = std::min(bytes.size(), limit);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == 0) {
      out += "\\0";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  out += "\"";
  if (bytes.size() > limit) out += "...";
  return out;
}

std::string quote_text(std::string_view s) { return quote_bytes(as_bytes(s)); }

// A page as text: up to its last non-zero byte (pages start as zeros), and its size.
std::string show_page(std::span<const std::byte> page) {
  std::size_t end = page.size();
  while (end > 0 && page[end - 1] == std::byte{0}) --end;
  return cat(quote_bytes(page.first(end)), " (", num(page.size()), "-byte page)");
}

std::string describe_at(const ReadAt& at) {
  if (at.lsn) return cat(" at ", num(*at.lsn));
  if (!at.mark.empty()) return cat(" at ", at.mark);
  return "";
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += cat(out.empty() ? "" : " ", n);
  return out;
}

// Multi-line text as lines of their own under the step's line, indented.
std::string below(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    out += cat("\n      ", text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  return out;
}

std::string describe_offset(std::uint32_t offset) {
  return offset == 0 ? std::string() : cat(" offset ", num(offset));
}

// What a step does, in one line of the scenario's own words.
std::string describe(const Step& s) {
  const std::string node(node_name(s.node));
  switch (s.op) {
    case StepOp::kPut:
      return cat("put ", node, " page ", num(s.page), describe_offset(s.offset), " ",
                 quote_text(s.text), s.mark.empty() ? "" : cat(" mark ", s.mark));
    case StepOp::kGet: return cat("get ", node, " page ", num(s.page), describe_at(s.at));
    case StepOp::kRefresh:
      return cat("refresh ", node, s.mark.empty() ? "" : cat(" mark ", s.mark));
    case StepOp::kSleep:
      return cat("sleep_ms ", num(static_cast<std::uint64_t>(s.duration / kMillisecond)));
    case StepOp::kRepeat:
      return cat("repeat ", num(s.count), " x ", num(s.steps.size()),
                 s.steps.size() == 1 ? " step" : " steps");
    case StepOp::kCrash: return "crash";
    case StepOp::kRecover: return "recover";
    case StepOp::kSync: return "sync";
    case StepOp::kExpect:
      return cat("expect ", node, " page ", num(s.page), describe_offset(s.offset),
                 describe_at(s.at), " = ", quote_text(s.text));
    case StepOp::kFault: {
      if (!s.on) return cat("fault ", s.fault_kind, " off");
      char p[32];
      std::snprintf(p, sizeof p, "%g", s.probability.value_or(kDefaultFaultProbability));
      return cat("fault ", s.fault_kind, " on, probability ", p);
    }
    case StepOp::kBg:
      return cat("bg ", node, " ", s.bg_kind, " every ",
                 num(static_cast<std::uint64_t>(s.duration / kMillisecond)), "ms");
    case StepOp::kBgStop: return cat("bg_stop ", node);
    // As the REPL writes it: `partition A | storage`, `partition storage -> A` (one way).
    case StepOp::kPartition:
      return cat("partition ", join(s.from), s.one_way ? " -> " : " | ", join(s.to));
    case StepOp::kHeal: return "heal";
    case StepOp::kNetFault: {
      if (!s.on) return cat("net_fault ", s.fault_kind, " off");
      char p[32];
      std::snprintf(p, sizeof p, "%g", s.probability.value_or(kDefaultFaultProbability));
      return cat("net_fault ", s.fault_kind, " on, probability ", p);
    }
    case StepOp::kNet: return "net";
  }
  return "?";
}

// What the runner learns from the session's events: the faults that fired (by kind) and
// what the last recovery annulled. Shared with the listener, which the session keeps.
struct EventTally {
  std::map<std::string, std::uint64_t, std::less<>> faults;  // "torn_write" -> times fired
  std::optional<std::string> annulled;                       // "33..10000032, a torn tail"
  std::uint64_t torn_tails = 0;  // recoveries that found (and annulled) a torn tail

  static std::uint64_t uint_field(std::span<const Field> fields, std::string_view key) {
    for (const Field& f : fields) {
      if (key != f.key) continue;
      if (f.type == Field::Type::kUint) return f.u;
      if (f.type == Field::Type::kInt) return static_cast<std::uint64_t>(f.i);
      if (f.type == Field::Type::kBool) return f.u;
    }
    return 0;
  }
  void on_event(const Event& e) {
    constexpr std::string_view kFault = "fault.";
    if (e.kind.starts_with(kFault)) {
      const std::string_view kind = e.kind.substr(kFault.size());
      auto it = faults.find(kind);
      if (it == faults.end()) it = faults.emplace(std::string(kind), 0).first;
      ++it->second;
    } else if (e.kind == "recovery.annulled") {
      if (uint_field(e.fields, "torn_tail") != 0) ++torn_tails;
      annulled = cat(num(uint_field(e.fields, "from")), "..", num(uint_field(e.fields, "to")),
                     uint_field(e.fields, "torn_tail") != 0 ? ", a torn tail" : "");
    }
  }
  // "  faults fired: torn_write x3, fsync_eio x1; torn tails annulled: 1": what happened
  // since `before` (empty when nothing did).
  std::string since(const EventTally& before) const {
    std::string out = faults_since(before.faults);
    if (!out.empty()) out = cat("  faults fired: ", out);
    if (torn_tails != before.torn_tails) {
      out += cat(out.empty() ? "  " : "; ",
                 "torn tails annulled: ", num(torn_tails - before.torn_tails));
    }
    return out;
  }
  std::string faults_since(const std::map<std::string, std::uint64_t, std::less<>>& before) const {
    std::string out;
    for (const auto& [kind, n] : faults) {
      const auto it = before.find(kind);
      const std::uint64_t since = n - (it == before.end() ? 0 : it->second);
      if (since == 0) continue;
      if (!out.empty()) out += ", ";
      out += cat(kind, " x", num(since));
    }
    return out;
  }
};

enum class Verdict : std::uint8_t { kOk, kError, kExpectFailed, kSkipped };

struct Outcome {
  Verdict verdict = Verdict::kOk;
  std::string result;  // what came of it: "CPL 5", "held", "error: ..."
};

Outcome ok(std::string result) { return {Verdict::kOk, std::move(result)}; }
Outcome failed(const Status& s) { return {Verdict::kError, cat("error: ", s.to_string())}; }

class Runner {
 public:
  Runner(Session& session, std::ostream& out)
      : session_(session), out_(out), events_(std::make_shared<EventTally>()) {
    // The session keeps its listeners for its whole life, which may be longer than the
    // run's: the tally is shared, not owned by the runner.
    session_.add_listener([tally = events_](const Event& e) { tally->on_event(e); });
  }

  void run_top_level(const std::vector<Step>& steps) {
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const Step& step = steps[i];
      const std::string where = cat("step ", num(i + 1), " (line ", num(step.line), "): ");
      const Nanos start = session_.now();
      const EventTally events_before = *events_;
      std::string result;
      if (step.op == StepOp::kRepeat) {
        const ScenarioReport before = report_;
        ++report_.steps_run;
        run_repeat(step);
        result = tally_since(before);
      } else {
        result = run_counted(step).result;
      }
      out_ << where << describe(step) << " -> " << result << took(session_.now() - start)
           << events_->since(events_before) << "\n";
    }
  }

  const ScenarioReport& report() const { return report_; }

 private:
  // Runs the steps of a repeat `count` times. Only what went wrong inside is printed (a
  // repeat may run thousands of steps), each line saying where and in which iteration.
  void run_repeat(const Step& repeat) {
    for (std::uint32_t i = 0; i < repeat.count; ++i) {
      iterations_.emplace_back(i + 1, repeat.count);
      for (const Step& step : repeat.steps) {
        if (step.op == StepOp::kRepeat) {
          ++report_.steps_run;
          run_repeat(step);
          continue;
        }
        const Outcome o = run_counted(step);
        if (o.verdict == Verdict::kOk) continue;
        out_ << "    ! line " << step.line << " (iteration " << iteration_text()
             << "): " << describe(step) << " -> " << o.result << "\n";
      }
      iterations_.pop_back();
    }
  }

  // How long a step took in the session's time (virtual in simulation): a cold read, a
  // sync or a recovery shows its cost here. Nothing for an instant step.
  static std::string took(Nanos d) {
    return d > 0 ? cat("  [", format_duration(d), "]") : std::string();
  }

  std::string iteration_text() const {
    std::string out;
    for (const auto& [i, n] : iterations_) {
      if (!out.empty()) out += ", ";
      out += cat(num(i), " of ", num(n));
    }
    return out;
  }

  std::string tally_since(const ScenarioReport& before) const {
    std::string out = cat(num(report_.steps_run - before.steps_run), " steps ran");
    const auto add = [&](std::uint64_t now, std::uint64_t then, std::string_view what) {
      if (now != then) out += cat(", ", num(now - then), " ", what);
    };
    add(report_.expects_held, before.expects_held, "expects held");
    add(report_.expects_failed, before.expects_failed, "expects FAILED");
    add(report_.errors, before.errors, "errors");
    add(report_.skipped, before.skipped, "skipped");
    return out;
  }

  Outcome run_counted(const Step& step) {
    ++report_.steps_run;
    Outcome o = run_one(step);
    switch (o.verdict) {
      case Verdict::kOk:
        if (step.op == StepOp::kExpect) ++report_.expects_held;
        break;
      case Verdict::kError: ++report_.errors; break;
      case Verdict::kExpectFailed: ++report_.expects_failed; break;
      case Verdict::kSkipped: ++report_.skipped; break;
    }
    return o;
  }

  // The LSN a read is at: given, or a mark's, or none (the node's read point).
  Result<std::optional<Lsn>> resolve(const ReadAt& at) const {
    if (at.lsn) return std::optional<Lsn>(*at.lsn);
    if (at.mark.empty()) return std::optional<Lsn>();
    const auto it = marks_.find(at.mark);
    if (it == marks_.end()) {
      return Status::invalid_argument(
          cat("mark ", at.mark, " is not set: the step that sets it has not succeeded"));
    }
    return std::optional<Lsn>(it->second);
  }

  std::string read_point_text(NodeIndex node, std::optional<Lsn> at) const {
    if (at) return cat("at LSN ", num(*at));
    return cat("at read point ", num(session_.state().read_point[node]));
  }

  Outcome run_one(const Step& s) {
    switch (s.op) {
      case StepOp::kPut: {
        const Result<Lsn> cpl = session_.put(s.node, s.page, s.offset, as_bytes(s.text));
        if (!cpl.is_ok()) return failed(cpl.status());
        if (!s.mark.empty()) marks_[s.mark] = *cpl;
        return ok(cat("CPL ", num(*cpl)));
      }
      case StepOp::kGet: {
        const Result<std::optional<Lsn>> at = resolve(s.at);
        if (!at.is_ok()) return failed(at.status());
        const Result<std::vector<std::byte>> page = session_.get(s.node, s.page, *at);
        if (!page.is_ok()) return failed(page.status());
        return ok(cat(show_page(*page), " ", read_point_text(s.node, *at)));
      }
      case StepOp::kRefresh: {
        const Result<Lsn> rp = session_.refresh(s.node);
        if (!rp.is_ok()) return failed(rp.status());
        if (!s.mark.empty()) marks_[s.mark] = *rp;
        return ok(cat("read point ", num(*rp)));
      }
      case StepOp::kSleep:
        session_.sleep(s.duration);
        return ok(cat("time ", format_duration(session_.now())));
      case StepOp::kRepeat:
        break;  // run_repeat runs repeats
      case StepOp::kCrash: {
        const Status st = session_.crash();
        if (!st.is_ok()) return failed(st);
        return ok("the storage is down (unsynced writes lost)");
      }
      case StepOp::kRecover: {
        events_->annulled.reset();
        const Status st = session_.recover();
        if (!st.is_ok()) return failed(st);
        const SessionState state = session_.state();
        return ok(cat("epoch ", num(state.epoch), ", VCL ", num(state.vcl), ", VDL ",
                      num(state.vdl),
                      events_->annulled ? cat(", annulled ", *events_->annulled) : ""));
      }
      case StepOp::kSync: {
        const Status st = session_.sync();
        if (!st.is_ok()) return failed(st);
        const SessionState state = session_.state();
        return ok(cat("VCL ", num(state.vcl), ", VDL ", num(state.vdl)));
      }
      case StepOp::kExpect: return expect(s);
      case StepOp::kFault: {
        // Faults live in the simulated disk; real files have none to switch. Skipping
        // (counted, printed) lets one scenario run on both hosts.
        if (session_.options().fs != FsKind::kSim) {
          return {Verdict::kSkipped, "skipped: needs the simulated disk"};
        }
        const Status st = session_.set_fault(s.fault_kind, s.on,
                                             s.probability.value_or(kDefaultFaultProbability));
        if (!st.is_ok()) return failed(st);
        return ok(s.on ? "on" : "off");
      }
      case StepOp::kBg: {
        const std::optional<BgKind> kind = parse_bg_kind(s.bg_kind);
        if (!kind) return failed(Status::invalid_argument(cat("unknown worker kind ", s.bg_kind)));
        const Status st = session_.start_bg(s.node, *kind, s.duration);
        if (!st.is_ok()) return failed(st);
        return ok("started");
      }
      case StepOp::kPartition: {
        if (const std::optional<Outcome> skip = needs_network()) return *skip;
        const Status st = session_.partition(s.from, s.to, !s.one_way);
        if (!st.is_ok()) return failed(st);
        return ok(s.one_way ? cat("cut one way, until heal") : cat("cut both ways, until heal"));
      }
      case StepOp::kHeal: {
        if (const std::optional<Outcome> skip = needs_network()) return *skip;
        const Status st = session_.heal();
        if (!st.is_ok()) return failed(st);
        return ok("every link is up");
      }
      case StepOp::kNetFault: {
        if (const std::optional<Outcome> skip = needs_network()) return *skip;
        const Status st = session_.set_net_fault(
            s.fault_kind, s.on, s.probability.value_or(kDefaultFaultProbability));
        if (!st.is_ok()) return failed(st);
        return ok(s.on ? "on" : "off");
      }
      case StepOp::kNet: {
        if (const std::optional<Outcome> skip = needs_network()) return *skip;
        const Result<std::string> state = session_.net_state();
        if (!state.is_ok()) return failed(state.status());
        return ok(cat("the network:", below(*state)));
      }
      case StepOp::kBgStop: {
        std::uint64_t ops = 0;
        std::uint64_t errors = 0;
        std::uint64_t workers = 0;
        for (const BgWorker& w : session_.bg_workers()) {
          if (w.node != s.node) continue;
          ++workers;
          ops += w.ops;
          errors += w.errors;
        }
        session_.stop_bg(s.node);
        return ok(cat("stopped ", num(workers), workers == 1 ? " worker (" : " workers (", num(ops),
                      " operations, ", num(errors), " failed)"));
      }
    }
    return failed(Status::invalid_argument("a step the runner does not know"));
  }

  // The network lives in the simulation; real files have none. Skipping (counted, printed)
  // lets a scenario run on both hosts, as its fault steps do.
  std::optional<Outcome> needs_network() const {
    if (session_.networked()) return std::nullopt;
    return Outcome{Verdict::kSkipped, "skipped: needs the simulated network"};
  }

  Outcome expect(const Step& s) {
    const auto fail = [](std::string why) {
      return Outcome{Verdict::kExpectFailed, cat("FAILED: ", why)};
    };
    const Result<std::optional<Lsn>> at = resolve(s.at);
    if (!at.is_ok()) return fail(at.status().to_string());
    const Result<std::vector<std::byte>> page = session_.get(s.node, s.page, *at);
    if (!page.is_ok()) {
      return fail(
          cat("expected ", quote_text(s.text), ", the read failed: ", page.status().to_string()));
    }
    const std::span<const std::byte> bytes(*page);
    const std::span<const std::byte> want = as_bytes(s.text);
    if (s.offset + want.size() > bytes.size()) {
      return fail(cat("expected ", quote_text(s.text), " at offset ", num(s.offset),
                      ", the page has only ", num(bytes.size()), " bytes"));
    }
    const std::span<const std::byte> got = bytes.subspan(s.offset, want.size());
    if (!std::equal(got.begin(), got.end(), want.begin())) {
      return fail(cat("expected ", quote_text(s.text), ", got ", quote_bytes(got), " ",
                      read_point_text(s.node, *at)));
    }
    return ok(cat("held ", read_point_text(s.node, *at)));
  }

  Session& session_;
  std::ostream& out_;
  ScenarioReport report_;
  std::shared_ptr<EventTally> events_;
  std::map<std::string, Lsn, std::less<>> marks_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> iterations_;  // (i, of) per repeat
};

void print_header(const Session& session, const Scenario& scenario, std::ostream& out) {
  const SessionOptions& o = session.options();
  if (o.fs == FsKind::kSim) out << "seed: " << o.seed << "\n";
  out << "scenario: " << scenario.name << " (" << scenario.source << ")\n";
  if (!scenario.description.empty()) out << "  " << scenario.description << "\n";
  out << "session: " << (o.fs == FsKind::kSim ? "simulation" : cat("real files in ", o.data_dir))
      << ", preset " << o.preset << ", segment_size " << o.segment_size << ", cold_latency "
      << format_duration(o.cold_latency) << "\n";
  out << "steps: " << scenario.steps.size() << " (" << steps_to_run(scenario.steps)
      << " with repeats expanded)\n\n";
}

void print_footer(const Session& session, const ScenarioReport& r, std::ostream& out) {
  const SessionState st = session.state();
  out << "\nstate: " << (st.up ? "up" : "down");
  if (st.up) {
    out << ", epoch " << st.epoch << ", VCL " << st.vcl << ", VDL " << st.vdl << ", read points A "
        << st.read_point[0] << " B " << st.read_point[1];
  }
  out << ", time " << format_duration(st.now) << "\n";
  out << "\nmetrics:\n" << session.metrics().render() << "\n";
  out << "result: " << (r.passed() ? "pass" : "FAIL") << "  steps: " << r.steps_run
      << "  expects held: " << r.expects_held << "  expects failed: " << r.expects_failed
      << "  errors: " << r.errors << "  skipped: " << r.skipped << "\n";
}

}  // namespace

ScenarioReport run_scenario(Session& session, const Scenario& scenario, std::ostream& out) {
  print_header(session, scenario, out);
  Runner runner(session, out);
  runner.run_top_level(scenario.steps);
  print_footer(session, runner.report(), out);
  return runner.report();
}

}  // namespace aurora::shell
