// Visualizer: step-by-step ASCII diagrams of what the engine does, drawn from the session's
// events (sim viz-demo, viz-repl). Each diagram is one step: a header line naming the
// operation, the emitting fiber and the session's time, and a few indented lines.
//
// Drawn: WAL appends (the records of an MTR, their pages and prev_lsn links), VCL/VDL
// advances (an LSN line), cache hits, misses and inserts, chain walks and
// materializations, segment rotations, page image writes, GC (collection, image
// compaction, tiering), recovery (the scan, the annulled range, the result), the
// session's own operations, crashes and faults, and in simulation the network: its nodes,
// each partition, heal and clog with the messages in flight on every link (viz_net.h
// follows them), dropped and rejected messages, calls that got no answer. Every other
// event (scheduling, file I/O, each message sent and delivered) is ignored.
// tools/shell/VIZ.md shows each diagram.
//
// The output is a function of the events alone: no wall time, no addresses, so a given
// event sequence always draws the same text (golden tests pin it). ANSI colors only when
// `color` is on; layout never depends on them. Lines fit 80 columns.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "tools/shell/session.h"
#include "tools/shell/viz_net.h"

namespace aurora::shell {

class Visualizer {
 public:
  // Draws to `out`; enabled from the start.
  Visualizer(std::ostream& out, bool color);

  // A session listener: session.add_listener([&v](const Event& e) { v.on_event(e); }).
  void on_event(const Event& e);

  // While disabled nothing is drawn, but the state the diagrams need (VCL, VDL, the next
  // LSN, the current segment) is still followed, so diagrams are right once enabled again.
  void set_enabled(bool on) { enabled_ = on; }
  bool enabled() const { return enabled_; }

  // Called after each diagram is drawn: where a front end pauses (--delay).
  void set_on_step(std::function<void()> on_step) { on_step_ = std::move(on_step); }
  // Diagrams drawn so far.
  std::uint64_t steps() const { return steps_; }

 private:
  struct Record {  // one wal.record of the MTR being appended
    Lsn lsn = 0;
    PageId page = 0;
    Lsn prev = 0;
    std::uint64_t offset = 0;
    std::uint64_t len = 0;
    bool cpl = false;
  };
  struct Chain {  // the last page.chain, for the materialization that follows it
    FiberId fiber = 0;
    PageId page = 0;
    Lsn version = 0;
    Lsn base = 0;
    std::vector<std::string> lsns;  // replay order; ".." where some were left out
  };
  class Step;

  void follow_state(const Event& e);
  void draw(const Event& e);
  void draw_session_event(const Event& e);
  void draw_wal_append(const Event& e);
  void draw_durable(const Event& e, Lsn old_vcl, Lsn old_vdl);
  void draw_cache(const Event& e);
  void draw_chain(const Event& e);
  void draw_materialize(const Event& e);
  void draw_rotation(const Event& e, Lsn sealed_first);
  void draw_images(const Event& e);
  void draw_gc(const Event& e);
  void draw_recovery(const Event& e);
  void draw_alert(const Event& e);
  // `link`: the message's link before the event ended it (net.drop, net.reject).
  void draw_net(const Event& e, const std::string& link);
  void draw_no_answer(const Event& e);
  void finish(Step& step);

  std::ostream& out_;
  bool color_;
  bool enabled_ = true;
  std::function<void()> on_step_;
  std::uint64_t steps_ = 0;

  // Followed from the events, for the diagrams.
  Lsn vcl_ = 0;
  Lsn vdl_ = 0;
  Lsn next_ = 1;
  Lsn segment_first_ = 1;  // first LSN of the current log segment
  std::vector<Record> mtr_;
  Chain chain_;
  NetView net_;
};

}  // namespace aurora::shell
