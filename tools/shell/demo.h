// The scripted tour of `sim demo` and `sim viz-demo`: how a log-is-the-database engine
// writes, reads, keeps versions, isolates compute nodes, crashes and recovers, one
// narrated step at a time. viz-demo runs the same script with the visualizer on.
#pragma once

#include <iosfwd>

#include "tools/shell/session.h"

namespace aurora::shell {

// Runs the script on a fresh session. Returns the exit code: 0, or 1 when the engine
// did not answer as the script expects (a step's check failed: the demo says which). The
// front end makes it 2 when its recovery could not open the volume (frontend_exit.h).
int run_demo(Session& session, std::ostream& out);

}  // namespace aurora::shell
