#include "tools/shell/repl_command.h"

#include <charconv>
#include <vector>

#include "tools/shell/topology.h"

namespace aurora::shell::repl {

namespace {

// Splits off the first whitespace-separated word of `rest`.
std::string_view next_word(std::string_view& rest) {
  const auto start = rest.find_first_not_of(" \t");
  if (start == std::string_view::npos) {
    rest = {};
    return {};
  }
  rest.remove_prefix(start);
  const auto end = rest.find_first_of(" \t");
  const std::string_view word = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  return word;
}

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

Status bad(std::string_view cmd, std::string_view what) {
  return Status::invalid_argument(std::string(cmd).append(": ").append(what));
}

// A non-negative integer argument named `name` of command `cmd`.
template <typename T>
Result<T> number(std::string_view cmd, std::string_view name, std::string_view word) {
  if (word.empty()) return bad(cmd, std::string("missing <").append(name).append(">"));
  T v{};
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), v);
  if (ec != std::errc() || end != word.data() + word.size()) {
    return bad(cmd, std::string("<").append(name).append("> must be a non-negative number, got '")
                        .append(word).append("'"));
  }
  return v;
}

Status no_more(std::string_view cmd, std::string_view rest) {
  if (trim(rest).empty()) return Status::ok();
  return bad(cmd, std::string("unexpected '").append(trim(rest)).append("'"));
}

Result<NodeIndex> node_arg(std::string_view cmd, std::string_view word) {
  if (word.empty()) return bad(cmd, "missing <node> (A or B)");
  const std::optional<NodeIndex> n = parse_node(word);
  if (!n) return bad(cmd, std::string("<node> must be A or B, got '").append(word).append("'"));
  return *n;
}

template <typename T>
Result<Command> bare(std::string_view cmd, std::string_view rest) {
  AURORA_RETURN_IF_ERROR(no_more(cmd, rest));
  return Command{T{}};
}

Result<Command> parse_put(std::string_view rest) {
  Result<PageId> page = number<PageId>("put", "page", next_word(rest));
  if (!page.is_ok()) return page.status();
  Result<std::uint32_t> offset = number<std::uint32_t>("put", "offset", next_word(rest));
  if (!offset.is_ok()) return offset.status();
  const std::string_view text = trim(rest);
  if (text.empty()) return bad("put", "missing <text>");
  return Command{Put{*page, *offset, std::string(text)}};
}

Result<Command> parse_get(std::string_view rest) {
  Result<PageId> page = number<PageId>("get", "page", next_word(rest));
  if (!page.is_ok()) return page.status();
  Get g{*page, std::nullopt};
  const std::string_view word = next_word(rest);
  if (!word.empty()) {
    if (word != "at") return bad("get", std::string("expected 'at <lsn>', got '").append(word).append("'"));
    Result<Lsn> at = number<Lsn>("get", "lsn", next_word(rest));
    if (!at.is_ok()) return at.status();
    g.at = *at;
  }
  AURORA_RETURN_IF_ERROR(no_more("get", rest));
  return Command{g};
}

Result<Command> parse_bg(std::string_view rest) {
  const std::string_view first = next_word(rest);
  if (first == "list") return bare<BgList>("bg list", rest);
  if (first == "stop") {
    Result<NodeIndex> n = node_arg("bg stop", next_word(rest));
    if (!n.is_ok()) return n.status();
    AURORA_RETURN_IF_ERROR(no_more("bg stop", rest));
    return Command{BgStop{*n}};
  }
  Result<NodeIndex> n = node_arg("bg", first);
  if (!n.is_ok()) return n.status();
  const std::string_view kind_word = next_word(rest);
  const std::optional<BgKind> kind = parse_bg_kind(kind_word);
  if (!kind) {
    return bad("bg", std::string("expected write, read or mixed, got '").append(kind_word).append("'"));
  }
  Result<std::uint64_t> ms = number<std::uint64_t>("bg", "ms", next_word(rest));
  if (!ms.is_ok()) return ms.status();
  if (*ms == 0) return bad("bg", "<ms> must be at least 1");
  AURORA_RETURN_IF_ERROR(no_more("bg", rest));
  return Command{BgStart{*n, *kind, *ms}};
}

// `<kind> on [<p>] | <kind> off` of `fault` and `net fault` (`cmd`); `kinds` gives examples.
Result<Fault> parse_switch(std::string_view cmd, std::string_view rest, std::string_view kinds) {
  Fault f;
  f.kind = std::string(next_word(rest));
  if (f.kind.empty()) return bad(cmd, std::string("missing <kind> (").append(kinds).append(")"));
  const std::string_view onoff = next_word(rest);
  if (onoff != "on" && onoff != "off") {
    return bad(cmd, std::string("expected on or off, got '").append(onoff).append("'"));
  }
  f.on = onoff == "on";
  const std::string_view p = next_word(rest);
  if (!p.empty()) {
    if (!f.on) return bad(cmd, "a probability only goes with 'on'");
    double v = 0;
    const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
    if (ec != std::errc() || end != p.data() + p.size() || v < 0 || v > 1) {
      return bad(cmd, std::string("<p> must be a probability in [0, 1], got '")
                          .append(p)
                          .append("'"));
    }
    f.probability = v;
  }
  AURORA_RETURN_IF_ERROR(no_more(cmd, rest));
  return f;
}

Result<Command> parse_fault(std::string_view rest) {
  Result<Fault> f = parse_switch("fault", rest, "torn_write, fsync_eio, write_eio, ...");
  if (!f.is_ok()) return f.status();
  return Command{*f};
}

// `net` (the state) or `net fault <kind> on [<p>] | off`.
Result<Command> parse_net(std::string_view rest) {
  const std::string_view first = next_word(rest);
  if (first.empty()) return Command{NetState{}};
  if (first != "fault") {
    return bad("net", std::string("expected nothing (the state) or 'fault <kind> on|off', got '")
                          .append(first).append("'"));
  }
  Result<Fault> f = parse_switch("net fault", rest, "loss, duplicate, partition_node, ...");
  if (!f.is_ok()) return f.status();
  return Command{NetFault{f->kind, f->on, f->probability}};
}

// One side of a partition: names of nodes or zones, separated by spaces or commas.
Result<std::vector<std::string>> partition_side(std::string_view text, std::string_view which) {
  std::string spaced(text);
  for (char& c : spaced) c = c == ',' ? ' ' : c;
  std::string_view rest(spaced);
  std::vector<std::string> names;
  for (std::string_view w = next_word(rest); !w.empty(); w = next_word(rest)) {
    if (topology_nodes_named(w).empty()) {
      return bad("partition", std::string("unknown node or zone '").append(w).append("' (")
                                  .append(topology_names()).append(")"));
    }
    names.emplace_back(w);
  }
  if (names.empty()) {
    return bad("partition", std::string("the ")
                                .append(which)
                                .append(" side names no node or zone (")
                                .append(topology_names())
                                .append(")"));
  }
  return names;
}

// `<names> | <names>` (both ways) or `<names> -> <names>` (one way, from left to right).
Result<Command> parse_partition(std::string_view rest) {
  const std::size_t arrow = rest.find("->");
  const std::size_t bar = rest.find('|');
  if ((arrow == std::string_view::npos) == (bar == std::string_view::npos)) {
    return bad("partition", arrow == std::string_view::npos
                                ? "expected <nodes or zones> | <nodes or zones> (or -> for one "
                                  "way), e.g. 'partition A | storage'"
                                : "use | (both ways) or -> (one way), not both");
  }
  const bool both_ways = bar != std::string_view::npos;
  const std::size_t at = both_ways ? bar : arrow;
  Result<std::vector<std::string>> from = partition_side(rest.substr(0, at), "left");
  if (!from.is_ok()) return from.status();
  const std::size_t after = at + (both_ways ? 1 : 2);  // past the separator
  Result<std::vector<std::string>> to = partition_side(rest.substr(after), "right");
  if (!to.is_ok()) return to.status();
  if (const std::string_view both = topology_overlap(*from, *to); !both.empty()) {
    return bad("partition", std::string(both).append(" is on both sides"));
  }
  return Command{Partition{*from, *to, both_ways}};
}

Result<Command> parse_on_off(std::string_view cmd, std::string_view rest) {
  const std::string_view w = next_word(rest);
  if (w != "on" && w != "off") return bad(cmd, std::string("expected on or off, got '").append(w).append("'"));
  AURORA_RETURN_IF_ERROR(no_more(cmd, rest));
  return Command{Viz{w == "on"}};
}

}  // namespace

Result<Command> parse(std::string_view line) {
  std::string_view rest = trim(line);
  if (rest.empty() || rest.front() == '#') return Command{Empty{}};
  const std::string_view cmd = next_word(rest);
  if (cmd == "put") return parse_put(rest);
  if (cmd == "get") return parse_get(rest);
  if (cmd == "refresh") return bare<Refresh>(cmd, rest);
  if (cmd == "state") return bare<State>(cmd, rest);
  if (cmd == "sync") return bare<Sync>(cmd, rest);
  if (cmd == "crash") return bare<Crash>(cmd, rest);
  if (cmd == "recover") return bare<Recover>(cmd, rest);
  if (cmd == "metrics") return bare<ShowMetrics>(cmd, rest);
  if (cmd == "help" || cmd == "?") return bare<Help>(cmd, rest);
  if (cmd == "quit" || cmd == "exit") return bare<Quit>(cmd, rest);
  if (cmd == "node") {
    Result<NodeIndex> n = node_arg("node", next_word(rest));
    if (!n.is_ok()) return n.status();
    AURORA_RETURN_IF_ERROR(no_more("node", rest));
    return Command{SwitchNode{*n}};
  }
  if (cmd == "bg") return parse_bg(rest);
  if (cmd == "sleep" || cmd == "delay") {
    Result<std::uint64_t> ms = number<std::uint64_t>(cmd, "ms", next_word(rest));
    if (!ms.is_ok()) return ms.status();
    AURORA_RETURN_IF_ERROR(no_more(cmd, rest));
    if (cmd == "sleep") return Command{Sleep{*ms}};
    return Command{Delay{*ms}};
  }
  if (cmd == "fault") return parse_fault(rest);
  if (cmd == "partition") return parse_partition(rest);
  if (cmd == "heal") return bare<Heal>(cmd, rest);
  if (cmd == "net") return parse_net(rest);
  if (cmd == "viz") return parse_on_off("viz", rest);
  if (cmd.size() == 1 && cmd[0] >= '1' && cmd[0] <= '9') {
    AURORA_RETURN_IF_ERROR(no_more(cmd, rest));
    return Command{Suggestion{cmd[0] - '0'}};
  }
  return Status::invalid_argument(std::string("unknown command '").append(cmd).append("' (try help)"));
}

std::string to_line(const Command& c) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Put>) {
          return std::string("put ").append(std::to_string(v.page)).append(" ")
              .append(std::to_string(v.offset)).append(" ").append(v.text);
        } else if constexpr (std::is_same_v<T, Get>) {
          std::string s = std::string("get ").append(std::to_string(v.page));
          if (v.at) s.append(" at ").append(std::to_string(*v.at));
          return s;
        } else if constexpr (std::is_same_v<T, Refresh>) {
          return "refresh";
        } else if constexpr (std::is_same_v<T, State>) {
          return "state";
        } else if constexpr (std::is_same_v<T, Sync>) {
          return "sync";
        } else if constexpr (std::is_same_v<T, Crash>) {
          return "crash";
        } else if constexpr (std::is_same_v<T, Recover>) {
          return "recover";
        } else if constexpr (std::is_same_v<T, SwitchNode>) {
          return std::string("node ").append(node_name(v.node));
        } else if constexpr (std::is_same_v<T, BgStart>) {
          return std::string("bg ").append(node_name(v.node)).append(" ")
              .append(bg_kind_name(v.kind)).append(" ").append(std::to_string(v.ms));
        } else if constexpr (std::is_same_v<T, BgStop>) {
          return std::string("bg stop ").append(node_name(v.node));
        } else if constexpr (std::is_same_v<T, BgList>) {
          return "bg list";
        } else if constexpr (std::is_same_v<T, Sleep>) {
          return std::string("sleep ").append(std::to_string(v.ms));
        } else if constexpr (std::is_same_v<T, Fault>) {
          return std::string("fault ").append(v.kind).append(v.on ? " on" : " off");
        } else if constexpr (std::is_same_v<T, Partition>) {
          std::string line = "partition";
          for (const std::string& n : v.from) line.append(" ").append(n);
          line.append(v.both_ways ? " |" : " ->");
          for (const std::string& n : v.to) line.append(" ").append(n);
          return line;
        } else if constexpr (std::is_same_v<T, Heal>) {
          return "heal";
        } else if constexpr (std::is_same_v<T, NetFault>) {
          return std::string("net fault ").append(v.kind).append(v.on ? " on" : " off");
        } else if constexpr (std::is_same_v<T, NetState>) {
          return "net";
        } else if constexpr (std::is_same_v<T, ShowMetrics>) {
          return "metrics";
        } else if constexpr (std::is_same_v<T, Viz>) {
          return v.on ? "viz on" : "viz off";
        } else if constexpr (std::is_same_v<T, Delay>) {
          return std::string("delay ").append(std::to_string(v.ms));
        } else if constexpr (std::is_same_v<T, Help>) {
          return "help";
        } else if constexpr (std::is_same_v<T, Quit>) {
          return "quit";
        } else if constexpr (std::is_same_v<T, Suggestion>) {
          return std::to_string(v.number);
        } else {
          return "";
        }
      },
      c);
}

std::string_view help_text() {
  return "put <page> <offset> <text>       write text at offset of page (one MTR), via the node\n"
         "get <page> [at <lsn>]            the page at the node's read point, or at <lsn>\n"
         "refresh                          move the node's read point to VDL\n"
         "state                            VCL, VDL, next LSN, epoch, GC floor, read points\n"
         "sync                             make everything appended durable\n"
         "crash | recover                  crash the storage | open it again (recovery)\n"
         "node A|B                         send the commands through compute node A or B\n"
         "bg <node> write|read|mixed <ms>  a background worker: one operation every <ms>\n"
         "bg stop <node> | bg list         stop a node's workers | list the workers\n"
         "sleep <ms>                       let time pass (background workers run)\n"
         "fault <kind> on [<p>] | off      a fault of the simulated disk (torn_write, ...)\n"
         "partition <names> | <names>      cut the network between two sides, both ways: each\n"
         "                                 name a node (storage A B) or a zone (a b c)\n"
         "partition <names> -> <names>     cut it one way: what the left side sends is lost\n"
         "heal                             end the partition\n"
         "net fault <kind> on [<p>] | off  a fault of the network (loss, duplicate, ...)\n"
         "net                              the network: messages in flight, partition, figures\n"
         "metrics                          operation counts and latency percentiles\n"
         "viz on|off | delay <ms>          draw internal operations | pause after each\n"
         "1 | 2 | 3                        run a numbered suggestion\n"
         "help | quit\n";
}

}  // namespace aurora::shell::repl
