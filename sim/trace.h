// The trace: every scheduling decision, I/O, fault and engine event of a run, in order.
//
// Each event is (seq, virtual time, node, fiber, kind, fields). A rolling 64-bit hash
// over a canonical binary encoding of every event is the run's fingerprint: same seed,
// same binary, same hash, in one process or two. The hash is computed whether or not the
// events are written anywhere, so fingerprinting costs no formatting.
//
// JSON Lines output (one object per line, jq-friendly) is optional and goes to a
// TraceWriter; the format is documented in sim/TRACE_FORMAT.md.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/event_sink.h"
#include "engine/runtime/scheduler.h"
#include "sim/hash_checkpoints.h"

namespace aurora::sim {

// Where formatted trace lines go (a file in tools/, a vector in tests).
class TraceWriter {
 public:
  virtual ~TraceWriter() = default;
  virtual void write_line(std::string_view json) = 0;
};

// Streaming 64-bit hash over the canonical encoding. Not cryptographic: it only has to
// make accidental collisions between two different runs vanishingly unlikely. Words go to
// two lanes in turn, each a chain of multiply-rotate steps, so that the CPU works on both
// chains at once (one chain's latency was what a trace event cost); value() folds them.
class TraceHash {
 public:
  void add(std::uint64_t v);
  void add(std::string_view s);       // its length, then its bytes
  void add_bytes(std::string_view s);  // its bytes only
  std::uint64_t value() const;

 private:
  std::uint64_t lane_[2] = {0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL};
  std::uint64_t words_ = 0;
};

class Trace final : public EventSink, public SchedulerObserver {
 public:
  // Hash checkpoints (seq, hash) are kept every `checkpoint_every` events so two runs
  // can be compared without storing either trace; at most kMaxCheckpoints of them (the
  // interval doubles as a long run fills them: sim/hash_checkpoints.h).
  static constexpr std::size_t kMaxCheckpoints = 4096;
  explicit Trace(const Scheduler& sched, std::uint64_t checkpoint_every = 4096);

  void set_node_name(NodeId node, std::string name);
  void set_writer(TraceWriter* writer) { writer_ = writer; }
  // Called with every event the engine or the simulation emits (not scheduling events),
  // after it is hashed: how a workload notices faults and coverage points as they happen.
  using Listener = std::function<void(std::string_view kind, std::span<const Field> fields)>;
  void set_listener(Listener listener) { listener_ = std::move(listener); }

  // EventSink
  using EventSink::emit;
  void emit(std::string_view kind, std::span<const Field> fields) override;

  // SchedulerObserver: scheduling decisions become events.
  void on_spawn(FiberId id, NodeId node, const std::string& name) override;
  void on_pick(FiberId id, std::size_t runnable_count) override;
  void on_block(FiberId id, const char* reason) override;
  void on_exit(FiberId id, bool killed) override;
  void on_time_advance(Nanos from, Nanos to) override;

  std::uint64_t hash() const { return hash_.value(); }
  std::uint64_t events() const { return seq_; }
  const std::vector<std::pair<std::uint64_t, std::uint64_t>>& checkpoints() const {
    return checkpoints_.points();
  }
  // "0x" followed by 16 lowercase hex digits.
  static std::string format_hash(std::uint64_t h);

 private:
  void write_json(std::string_view kind, std::span<const Field> fields, Nanos t, NodeId node,
                  FiberId fiber);
  const std::string& node_name(NodeId node) const;

  const Scheduler& sched_;
  TraceHash hash_;
  std::uint64_t seq_ = 0;
  HashCheckpoints checkpoints_;
  std::uint64_t next_checkpoint_;  // the next event whose hash checkpoints_ keeps
  std::map<NodeId, std::string> node_names_;
  TraceWriter* writer_ = nullptr;
  Listener listener_;
  std::string line_;  // reused buffer for JSON formatting
};

// Appends `s` to `out` as a JSON string literal (quotes and escapes included).
void append_json_string(std::string& out, std::string_view s);

}  // namespace aurora::sim
