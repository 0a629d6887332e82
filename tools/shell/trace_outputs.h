// TraceOutputs: the trace files a front end was asked for (--trace-json, --trace-perfetto),
// opened and fed from a session's events until finish().
//
// The listeners it registers share the writers' state with it, so the session may outlive
// it (or the other way round): after finish() the listeners write nothing. Events the
// session emitted before attach() (its opening recovery) are not in the files.
#pragma once

#include <memory>

#include "engine/runtime/status.h"
#include "tools/shell/frontend.h"
#include "tools/shell/session.h"

namespace aurora::shell {

class TraceOutputs {
 public:
  // Opens (truncating) the files options.trace_json and options.trace_perfetto names
  // (either or both may be empty: not written) and registers their listeners with
  // `session`. kInvalidArgument naming the path and the reason when a file cannot be
  // opened, or when both options name the same file.
  static Result<std::unique_ptr<TraceOutputs>> attach(Session& session,
                                                      const FrontEndOptions& options);
  // finish(), its error ignored (call finish() to see it).
  ~TraceOutputs();
  TraceOutputs(const TraceOutputs&) = delete;
  TraceOutputs& operator=(const TraceOutputs&) = delete;

  // Completes the files (the Perfetto trace's closing brackets), flushes and closes them.
  // kIoError naming the file when a write failed. Idempotent: later calls return the
  // first call's result.
  Status finish();

 private:
  struct Files;
  explicit TraceOutputs(std::shared_ptr<Files> files) : files_(std::move(files)) {}
  std::shared_ptr<Files> files_;
};

}  // namespace aurora::shell
