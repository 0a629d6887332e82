// One line of the REPL (sim repl, sim viz-repl) as a command. Parsing never runs
// anything: a line it cannot parse gets a one-line error, and the prompt comes back.
//
//   put <page> <offset> <text>      write text at offset of page (one MTR), via the node
//   get <page> [at <lsn>]           read the page at the node's read point, or at <lsn>
//   refresh                         move the node's read point to VDL
//   state                           VCL, VDL, next LSN, epoch, GC floor, read points
//   sync                            make everything appended durable
//   crash | recover                 crash the storage; open it again (recovery)
//   node A|B                        which compute node the commands go through
//   bg <node> write|read|mixed <ms> a background worker on a node, one operation per <ms>
//   bg stop <node> | bg list
//   sleep <ms>                      let time pass (background workers run)
//   fault <kind> on [<p>] | fault <kind> off   switch a fault of the simulated disk
//   partition <names> | <names>     cut the network between two sides, both ways; each
//                                   name a node (storage, A, B) or a zone (a, b, c)
//   partition <names> -> <names>    cut it one way: what the left side sends is lost
//   heal                            end the partition
//   net fault <kind> on [<p>] | net fault <kind> off   switch a fault of the network
//   net                             the network: messages in flight, partition, figures
//   metrics                         operation counts and latency percentiles
//   viz on|off | delay <ms>         draw internal operations; pause after each drawing
//   help | quit
//   1, 2, 3                         run a numbered suggestion (viz-repl)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/runtime/status.h"
#include "tools/shell/session.h"

namespace aurora::shell::repl {

struct Put { PageId page = 0; std::uint32_t offset = 0; std::string text; };
struct Get { PageId page = 0; std::optional<Lsn> at; };
struct Refresh {};
struct State {};
struct Sync {};
struct Crash {};
struct Recover {};
struct SwitchNode { NodeIndex node = 0; };
struct BgStart { NodeIndex node = 0; BgKind kind = BgKind::kWrite; std::uint64_t ms = 0; };
struct BgStop { NodeIndex node = 0; };
struct BgList {};
struct Sleep { std::uint64_t ms = 0; };
struct Fault { std::string kind; bool on = false; double probability = 0.05; };
struct Partition {
  std::vector<std::string> from;  // node or zone names (topology.h)
  std::vector<std::string> to;
  bool both_ways = true;
};
struct Heal {};
struct NetFault { std::string kind; bool on = false; double probability = 0.05; };
struct NetState {};
struct ShowMetrics {};
struct Viz { bool on = false; };
struct Delay { std::uint64_t ms = 0; };
struct Help {};
struct Quit {};
struct Suggestion { int number = 0; };  // 1-based
struct Empty {};                         // a blank line or a comment (#...)

using Command = std::variant<Put, Get, Refresh, State, Sync, Crash, Recover, SwitchNode, BgStart,
                             BgStop, BgList, Sleep, Fault, Partition, Heal, NetFault, NetState,
                             ShowMetrics, Viz, Delay, Help, Quit, Suggestion, Empty>;

// kInvalidArgument with a one-line message ("put: <page> must be a number, got 'x'").
Result<Command> parse(std::string_view line);

// The command as a line that parse() reads back (for suggestions and transcripts).
std::string to_line(const Command& c);

// The help text, one command per line.
std::string_view help_text();

}  // namespace aurora::shell::repl
