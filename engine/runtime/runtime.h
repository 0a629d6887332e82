// Runtime: the seam handed to engine code for one node. Everything the engine touches in
// the world is reachable from here and nowhere else: files, time, fibers, and the sink
// for its events.
#pragma once

#include <functional>
#include <string>

#include "engine/runtime/clock.h"
#include "engine/runtime/event_sink.h"
#include "engine/runtime/file_system.h"
#include "engine/runtime/scheduler.h"

namespace aurora {

struct Runtime {
  FileSystem& fs;
  Clock& clock;
  Scheduler& sched;
  EventSink& events;
  NodeId node;

  // Starts a fiber on this runtime's node.
  FiberId spawn(std::string name, std::function<void()> body, bool daemon = false) const {
    return sched.spawn(node, std::move(name), std::move(body), daemon);
  }
  void yield() const { sched.yield(); }
};

}  // namespace aurora
