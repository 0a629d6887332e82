// What every front end (sim demo, repl, viz-demo, viz-repl, scenario) is run with: the
// session to open, and how to show and record it.
#pragma once

#include <string>

#include "engine/runtime/time.h"
#include "tools/shell/session.h"

namespace aurora::shell {

struct FrontEndOptions {
  SessionOptions session;
  bool color = false;        // ANSI colors (off with --no-color, NO_COLOR, or no terminal)
  bool viz = false;          // draw every internal operation (viz modes; `viz on|off`)
  Nanos delay = 0;           // wall-clock pause after each drawn step (--delay)
  std::string trace_json;      // --trace-json: every event as a JSON line
  std::string trace_perfetto;  // --trace-perfetto: Chrome trace-event JSON for Perfetto
};

}  // namespace aurora::shell
