// Crash points: named places in the engine where a crash exposes the most (FoundationDB's
// BUGGIFY sites are the model). A crash at a random moment rarely falls inside the windows
// where recovery bugs live: between some records of an MTR becoming durable and the rest,
// between a file's fsync and its directory's, between a control file's rename and the
// fsync of its directory, right after a watermark is persisted, between a tiering or GC
// step's file operation and its control-file update. The engine marks each such window with
// rt.crash_point("<site>"); the sites are listed in CRASH_POINTS.md beside this file.
//
// In simulation the world decides, from the seed, whether the node crashes there (the
// crash_point fault kind, sim/fault_injector.h): then nothing after the call runs, and no
// other fiber of the node runs either. On real hardware there is no CrashPoints, and a crash
// point costs one test of a null pointer.
#pragma once

#include <cstdint>
#include <string_view>

namespace aurora {

using NodeId = std::uint32_t;

class CrashPoints {
 public:
  // Called by a fiber of `node` at crash point `site` (a string literal). Returns when the
  // node does not crash here; when it does, never returns (the fiber is destroyed).
  virtual void reached(NodeId node, std::string_view site) = 0;

 protected:
  ~CrashPoints() = default;
};

}  // namespace aurora
