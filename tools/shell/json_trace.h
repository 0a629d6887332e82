// JsonTrace: a session listener that writes every event as one JSON line, in the format of
// sim/TRACE_FORMAT.md (`sim --trace-json`), so that sim/trace_reader.h and trace-diff read
// it back:
//
//   {"seq":7,"t_ns":1500,"node":"storage","fiber":3,"kind":"wal.append","data":{...}}
//
// seq is the session's event number, t_ns the session's time (virtual in simulation), and
// data the event's fields in the order the emitter gave them. node says who emitted it:
// the node of the emitting fiber (Event::node): "storage" for the storage's fibers (the
// engine's, the server's), "A" or "B" for those of a compute node (the fiber that runs
// each operation through it, its background workers, its link to the storage), "world"
// for the simulated network's own fibers (its chaos, which draws partitions and clogs),
// and on real files "storage" for every fiber (one process runs them all); and "shell" for
// everything that happens outside any fiber (fiber 0), on the session's own thread of
// control: its shell.* events, and in simulation the scheduler loop it drives (sched.*,
// time.advance), the world's crash and restart of the nodes (node.*, disk.*), and the
// engine objects a crash destroys (wal.stopped).
#pragma once

#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "tools/shell/session.h"

namespace aurora::shell {

// Appends `fields` as a JSON object ({"key":value,...} in their order; strings escaped).
void append_json_fields(std::string& out, std::span<const Field> fields);

// The node an event is attributed to (see above).
std::string_view trace_node(const Event& e);

class JsonTrace {
 public:
  explicit JsonTrace(std::ostream& out) : out_(out) {}
  void on_event(const Event& e);
  // The line for `e`, without its newline.
  static std::string format(const Event& e);

 private:
  std::ostream& out_;
  std::string line_;  // reused
};

}  // namespace aurora::shell
