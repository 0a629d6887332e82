#include "tools/shell/repl.h"

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "tools/shell/repl_command.h"
#include "tools/shell/show.h"

namespace aurora::shell {

namespace {

using namespace repl;

// What the REPL remembers between commands: the node commands go through, and the page
// last written or read (what suggestions are about).
struct Context {
  NodeIndex node = 0;
  PageId page = 1;
  bool wrote = false;                   // a put happened
  NodeIndex writer = 0;                 // ...through this node
  std::vector<Command> suggestions;
};

NodeIndex other(NodeIndex n) { return n == 0 ? 1 : 0; }

void print_error(std::ostream& out, const Status& s) { out << "error: " << s.to_string() << "\n"; }

// Up to three next steps that show something about the command just run.
std::vector<Command> suggest(const Command& last, const Context& ctx, const SessionState& st) {
  if (!st.up) return {Recover{}, State{}, Help{}};
  const Get read_back{ctx.page, std::nullopt};
  if (std::holds_alternative<Put>(last)) {
    return {read_back, SwitchNode{other(ctx.node)}, Sync{}};
  }
  if (std::holds_alternative<SwitchNode>(last)) {
    if (ctx.wrote && ctx.writer != ctx.node) return {read_back, Refresh{}, State{}};
    return {read_back, Put{ctx.page, 0, "hello"}, State{}};
  }
  if (std::holds_alternative<Get>(last)) {
    if (st.read_point[ctx.node] < st.vdl) return {Refresh{}, State{}, SwitchNode{other(ctx.node)}};
    return {Put{ctx.page, 6, "again"}, Get{ctx.page, st.read_point[ctx.node] > 1
                                                         ? std::optional<Lsn>(st.read_point[ctx.node] - 1)
                                                         : std::nullopt},
            Crash{}};
  }
  if (std::holds_alternative<Refresh>(last)) return {read_back, SwitchNode{other(ctx.node)}, State{}};
  if (std::holds_alternative<Crash>(last)) return {Recover{}, State{}, Help{}};
  if (std::holds_alternative<Recover>(last)) return {read_back, State{}, ShowMetrics{}};
  // Across a partition a put gets no answer (its outcome unknown); healing lets it through.
  if (std::holds_alternative<Partition>(last)) {
    return {Put{ctx.page, 0, "cut off?"}, NetState{}, Heal{}};
  }
  if (std::holds_alternative<Heal>(last)) return {Refresh{}, read_back, NetState{}};
  return {Put{ctx.page, 0, "hello"}, read_back, State{}};
}

void print_suggestions(std::ostream& out, const std::vector<Command>& s) {
  out << "try:";
  for (std::size_t i = 0; i < s.size(); ++i) out << "  " << i + 1 << ") " << to_line(s[i]);
  out << "\n";
}

// Runs one command; false when it is quit.
bool execute(const Command& c, Session& session, Context& ctx, std::ostream& out,
             const ReplOptions& options) {
  const std::string_view who = node_name(ctx.node);
  return std::visit(
      [&](const auto& v) -> bool {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Put>) {
          Result<Lsn> cpl = session.put(ctx.node, v.page, v.offset, as_bytes(v.text));
          ctx.page = v.page;
          if (!cpl.is_ok()) {
            print_error(out, cpl.status());
          } else {
            ctx.wrote = true;
            ctx.writer = ctx.node;
            out << who << ": page " << v.page << " written at offset " << v.offset
                << ", acknowledged at CPL " << *cpl << " (VDL " << session.state().vdl << ")\n";
          }
        } else if constexpr (std::is_same_v<T, Get>) {
          ctx.page = v.page;
          Result<std::vector<std::byte>> got = session.get(ctx.node, v.page, v.at);
          if (!got.is_ok()) {
            print_error(out, got.status());
          } else {
            const Lsn at = v.at.value_or(session.state().read_point[ctx.node]);
            out << who << ": page " << v.page << " at " << (v.at ? "LSN " : "read point ") << at
                << ": " << show_page(*got) << "\n";
          }
        } else if constexpr (std::is_same_v<T, Refresh>) {
          Result<Lsn> rp = session.refresh(ctx.node);
          if (!rp.is_ok()) {
            print_error(out, rp.status());
          } else {
            out << who << ": read point moved to VDL " << *rp << "\n";
          }
        } else if constexpr (std::is_same_v<T, State>) {
          out << show_state(session.state());
        } else if constexpr (std::is_same_v<T, Sync>) {
          const Status s = session.sync();
          if (!s.is_ok()) {
            print_error(out, s);
          } else {
            out << "synced: VCL " << session.state().vcl << ", VDL " << session.state().vdl << "\n";
          }
        } else if constexpr (std::is_same_v<T, Crash>) {
          const Status s = session.crash();
          if (!s.is_ok()) {
            print_error(out, s);
          } else {
            out << "storage crashed: whatever was not yet durable may be lost\n";
          }
        } else if constexpr (std::is_same_v<T, Recover>) {
          const Status s = session.recover();
          if (!s.is_ok()) {
            print_error(out, s);
          } else {
            const SessionState st = session.state();
            out << "recovered: epoch " << st.epoch << ", VDL " << st.vdl << "\n";
          }
        } else if constexpr (std::is_same_v<T, SwitchNode>) {
          ctx.node = v.node;
          out << "commands now go through node " << node_name(v.node) << "\n";
        } else if constexpr (std::is_same_v<T, BgStart>) {
          const Status s = session.start_bg(v.node, v.kind, static_cast<Nanos>(v.ms) * kMillisecond);
          if (!s.is_ok()) {
            print_error(out, s);
          } else {
            out << "background " << bg_kind_name(v.kind) << " worker on " << node_name(v.node)
                << ", every " << v.ms << " ms (runs while time passes: sleep <ms>)\n";
          }
        } else if constexpr (std::is_same_v<T, BgStop>) {
          session.stop_bg(v.node);
          out << "background workers of " << node_name(v.node) << " stopped\n";
        } else if constexpr (std::is_same_v<T, BgList>) {
          const std::vector<BgWorker> workers = session.bg_workers();
          if (workers.empty()) out << "no background workers\n";
          for (const BgWorker& w : workers) {
            out << node_name(w.node) << ": " << bg_kind_name(w.kind) << " every "
                << w.every / kMillisecond << " ms, " << w.ops << " operations, " << w.errors
                << " failed\n";
          }
        } else if constexpr (std::is_same_v<T, Sleep>) {
          session.sleep(static_cast<Nanos>(v.ms) * kMillisecond);
          out << "slept " << v.ms << " ms\n";
        } else if constexpr (std::is_same_v<T, Fault>) {
          const Status s = session.set_fault(v.kind, v.on, v.probability);
          if (!s.is_ok()) {
            print_error(out, s);
          } else {
            out << "fault " << v.kind << (v.on ? " on" : " off") << "\n";
          }
        } else if constexpr (std::is_same_v<T, Partition>) {
          const Status s = session.partition(v.from, v.to, v.both_ways);
          if (!s.is_ok()) {
            print_error(out, s);
          } else {
            out << "partition: " << to_line(c).substr(10)
                << (v.both_ways ? ": nothing gets across, either way, until heal\n"
                                : ": what the left side sends is lost, until heal\n");
          }
        } else if constexpr (std::is_same_v<T, Heal>) {
          const Status s = session.heal();
          if (!s.is_ok()) {
            print_error(out, s);
          } else {
            out << "healed: every link is up\n";
          }
        } else if constexpr (std::is_same_v<T, NetFault>) {
          const Status s = session.set_net_fault(v.kind, v.on, v.probability);
          if (!s.is_ok()) {
            print_error(out, s);
          } else {
            out << "net fault " << v.kind << (v.on ? " on" : " off") << "\n";
          }
        } else if constexpr (std::is_same_v<T, NetState>) {
          const Result<std::string> state = session.net_state();
          if (!state.is_ok()) {
            print_error(out, state.status());
          } else {
            out << *state;
          }
        } else if constexpr (std::is_same_v<T, ShowMetrics>) {
          out << session.metrics().render();
        } else if constexpr (std::is_same_v<T, Viz>) {
          if (options.set_viz) options.set_viz(v.on);
          out << "viz " << (v.on ? "on" : "off") << "\n";
        } else if constexpr (std::is_same_v<T, Delay>) {
          if (options.set_delay) options.set_delay(v.ms);
          out << "delay " << v.ms << " ms\n";
        } else if constexpr (std::is_same_v<T, Help>) {
          out << help_text();
        } else if constexpr (std::is_same_v<T, Quit>) {
          return false;
        }
        return true;
      },
      c);
}

}  // namespace

int run_repl(Session& session, std::istream& in, std::ostream& out, const ReplOptions& options) {
  Context ctx;
  out << "aurora-sim " << (options.suggestions ? "viz-repl" : "repl")
      << ": two compute nodes, A and B, on one volume"
      << (session.networked() ? ", over a simulated network" : "")
      << ". help lists the commands.\n";
  std::string line;
  for (;;) {
    out << node_name(ctx.node) << "> " << std::flush;
    if (!std::getline(in, line)) break;
    if (options.echo) out << line << "\n";
    Result<Command> parsed = parse(line);
    if (!parsed.is_ok()) {
      out << "error: " << parsed.status().message() << "\n";
      continue;
    }
    Command c = *parsed;
    if (const auto* s = std::get_if<Suggestion>(&c)) {
      if (s->number < 1 || static_cast<std::size_t>(s->number) > ctx.suggestions.size()) {
        out << "error: no suggestion " << s->number << "\n";
        continue;
      }
      c = ctx.suggestions[static_cast<std::size_t>(s->number - 1)];
      out << "> " << to_line(c) << "\n";
    }
    if (std::holds_alternative<Empty>(c)) continue;
    if (!execute(c, session, ctx, out, options)) break;
    if (options.suggestions) {
      ctx.suggestions = suggest(c, ctx, session.state());
      print_suggestions(out, ctx.suggestions);
    }
  }
  out << "\n";
  return 0;
}

}  // namespace aurora::shell
