// PerfettoTrace: a session listener that writes the run as Chrome trace-event JSON (the
// JSON Object Format: {"displayTimeUnit":"ns","traceEvents":[...]}), which Perfetto
// (ui.perfetto.dev) and chrome://tracing open. ts and dur are microseconds (with
// nanosecond decimals), from the session's time: virtual in simulation.
//
// One process (pid 1); every fiber is a thread (tid = fiber id; tid 0 is the session
// itself), named by a thread_name metadata event the first time it emits.
//
// - Complete slices ("ph":"X"):
//   * file I/O, one per fs.* event (simulated disk only). The simulated disk emits the
//     event when the operation returns, after its latency, during which the fiber slept.
//     A fiber's run takes no virtual time, so the operation started when the run that
//     issued it began: the fiber's previous resume (sched.pick). An operation that did
//     not sleep (it failed at once, err=node_down, or ran outside any fiber) is a slice of
//     zero duration at the event.
//   * materialization: from page.cache_miss (the read found no cached version and starts
//     walking the chain) to page.materialize on the same fiber. A materialization that
//     fails has no page.materialize and draws no slice.
//   * messages of the simulated network: net.send on the sending fiber and net.deliver on
//     the fiber the network hands the message over in, zero-length, joined by a flow
//     (below).
// - Flows: each message sent and delivered is an arrow from its net.send slice to its
//   net.deliver slice: version 2 flow events ("bind_id": the message's id, "flow_out" on
//   the send, "flow_in" on the delivery), which Perfetto and chrome://tracing draw. A
//   message dropped has no delivery: its flow ends without an arrow, at a net.drop instant.
// - Counters ("ph":"C"): "VCL" and "VDL", from wal.durable, recovery.done and
//   recovery.fresh_volume.
// - Instant events ("ph":"i"): faults (fault.*), crashes (shell.crash, process-wide),
//   recovery (recovery.*), the session's operations (shell.*), the log's and the page
//   store's milestones (segment rotation, image writes, GC, tiering, a stopped log), and the
//   network's other events (drops, duplicates, rejected frames, partitions, heals, clogs;
//   calls that got no answer, rpc.timeout).
// Every slice and instant carries the event's fields as args.
//
// The file is valid JSON once finish() ran (the destructor calls it): the closing
// brackets are written there, however early the run ended.
#pragma once

#include <map>
#include <ostream>
#include <string>

#include "tools/shell/session.h"

namespace aurora::shell {

class PerfettoTrace {
 public:
  // Writes the header and the process name at once.
  explicit PerfettoTrace(std::ostream& out);
  ~PerfettoTrace() { finish(); }
  PerfettoTrace(const PerfettoTrace&) = delete;
  PerfettoTrace& operator=(const PerfettoTrace&) = delete;

  void on_event(const Event& e);
  // Closes the traceEvents array and the object. Idempotent; nothing is written after.
  void finish();

 private:
  struct FiberRuns {  // when the fiber's current and previous runs began
    Nanos current = -1;
    Nanos previous = -1;
  };
  struct OpenSlice {  // a materialization under way
    PageId page = 0;
    Lsn version = 0;
    Nanos start = 0;
  };

  void name_thread(const Event& e);
  void follow_scheduler(const Event& e);
  void io_slice(const Event& e);
  void counters(const Event& e, Lsn vcl, Lsn vdl);
  void flow_slice(const Event& e, bool out);
  void instant(const Event& e, bool global);
  // Writes one trace event: `body` is its members without the braces.
  void write(const std::string& body);

  std::ostream& out_;
  bool finished_ = false;
  bool first_ = true;
  std::map<FiberId, std::string> thread_names_;
  std::map<FiberId, FiberRuns> runs_;
  std::map<FiberId, OpenSlice> materializing_;
};

}  // namespace aurora::shell
