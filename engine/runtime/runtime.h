// Runtime: the seam handed to engine code for one node. Everything the engine touches in
// the world is reachable from here and nowhere else: files, time, fibers, and the sink
// for its events, the network, and the crash points at which a simulation may crash it.
#pragma once

#include <functional>
#include <string>

#include "engine/runtime/clock.h"
#include "engine/runtime/crash_point.h"
#include "engine/runtime/event_sink.h"
#include "engine/runtime/file_system.h"
#include "engine/runtime/network.h"
#include "engine/runtime/scheduler.h"

namespace aurora {

struct Runtime {
  FileSystem& fs;
  Clock& clock;
  Scheduler& sched;
  EventSink& events;
  NodeId node;
  CrashPoints* crash_points = nullptr;  // null outside simulation
  Network* net = nullptr;               // null where the node talks to no other
  // Which life of the node this is: it grows with every restart, so that what a node sends
  // can say which of its lives sent it (ids of requests that outlive a crash, say).
  std::uint64_t incarnation = 1;

  // A crash point (crash_point.h): in simulation the node may crash here.
  void crash_point(std::string_view site) const {
    if (crash_points != nullptr) crash_points->reached(node, site);
  }

  // Starts a fiber on this runtime's node.
  FiberId spawn(std::string name, std::function<void()> body, bool daemon = false) const {
    return sched.spawn(node, std::move(name), std::move(body), daemon);
  }
  void yield() const { sched.yield(); }
};

}  // namespace aurora
