// How a front end (sim demo, viz-demo, repl, viz-repl, scenario) ends when its volume could
// not be opened. The volume is the front end's input: a data directory whose log or
// control file recovery refuses is bad input, exit code 2 (DESIGN.md section 7), with a
// message naming the directory and the problem; never exit 0 after printing the error.
//
// At the start the session does not open and the front end runs nothing. Later, a
// `recover` (a repl command, a scenario step, the demo's recovery) may find the volume
// damaged: the session goes on with the storage down (the repl's user can still look
// around, a scenario runs its remaining steps), and when it ends with its last open
// failed, the front end exits 2 all the same.
#pragma once

#include <ostream>
#include <string_view>

#include "engine/runtime/status.h"
#include "tools/shell/session.h"

namespace aurora::shell {

inline constexpr int kExitBadInput = 2;

// For a session that did not open: prints "<me>: <why>" on `err`; returns 2.
int exit_unopened(std::string_view me, const Status& why, std::ostream& err);

// The exit code of a front end that ran on `session` and would exit `code`: 2, with
// "<me>: the last recover failed: <why>" on `err`, when the session ended with its
// volume unopened (Session::open_failure()); `code` otherwise.
int exit_after_run(const Session& session, int code, std::string_view me, std::ostream& err);

}  // namespace aurora::shell
