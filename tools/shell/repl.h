// The REPL of `sim repl` and `sim viz-repl`: reads commands (repl_command.h) line by
// line, runs them on a session, prints what the engine answered, and comes back to the
// prompt; a line it cannot parse gets a one-line error. viz-repl also numbers up to three
// suggestions of what to try next after each command (typing 1, 2 or 3 runs one).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>

#include "tools/shell/session.h"

namespace aurora::shell {

struct ReplOptions {
  bool suggestions = false;  // viz-repl
  // Print each line read after the prompt, as a terminal would: when the input is a file
  // or a pipe, the transcript then reads like a session.
  bool echo = false;
  // `viz on|off` and `delay <ms>` go to the front end's visualizer.
  std::function<void(bool)> set_viz;
  std::function<void(std::uint64_t ms)> set_delay;
};

// Runs until `quit` or the end of `in`. Returns 0; the front end makes it 2 when the
// session ended with a volume it could not open (frontend_exit.h).
int run_repl(Session& session, std::istream& in, std::ostream& out, const ReplOptions& options);

}  // namespace aurora::shell
