#include "tools/shell/trace_outputs.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>

#include "tools/shell/json_trace.h"
#include "tools/shell/perfetto.h"

namespace aurora::shell {

// The open files and their writers; shared with the session's listeners.
struct TraceOutputs::Files {
  struct Output {
    std::string path;
    std::ofstream file;
  };
  std::optional<Output> json_out;
  std::optional<Output> perfetto_out;
  std::unique_ptr<JsonTrace> json;
  std::unique_ptr<PerfettoTrace> perfetto;
  std::optional<Status> finished;  // set by the first finish()

  void on_event(const Event& e) {
    if (finished) return;
    if (json) json->on_event(e);
    if (perfetto) perfetto->on_event(e);
  }
};

namespace {

Status open_output(const std::string& path, std::string_view what, std::ofstream& file) {
  errno = 0;
  file.open(path, std::ios::out | std::ios::trunc | std::ios::binary);
  if (file.is_open()) return Status::ok();
  const std::string reason = errno != 0 ? std::strerror(errno) : "cannot be opened for writing";
  return Status::invalid_argument(std::string(what).append(" file '").append(path).append("': ").append(reason));
}

// Flushes and closes `out`; kIoError naming the file if any write to it failed.
Status close_output(std::ofstream& file, const std::string& path) {
  file.flush();
  const bool ok = file.good();
  file.close();
  if (ok && !file.fail()) return Status::ok();
  return Status::io_error(std::string("writing trace file '").append(path).append("' failed"));
}

}  // namespace

Result<std::unique_ptr<TraceOutputs>> TraceOutputs::attach(Session& session,
                                                           const FrontEndOptions& options) {
  if (!options.trace_json.empty() && options.trace_json == options.trace_perfetto) {
    return Status::invalid_argument(std::string("--trace-json and --trace-perfetto name the same file '")
                                        .append(options.trace_json).append("'"));
  }
  auto files = std::make_shared<Files>();
  if (!options.trace_json.empty()) {
    files->json_out.emplace();
    files->json_out->path = options.trace_json;
    AURORA_RETURN_IF_ERROR(open_output(options.trace_json, "--trace-json", files->json_out->file));
    files->json = std::make_unique<JsonTrace>(files->json_out->file);
  }
  if (!options.trace_perfetto.empty()) {
    files->perfetto_out.emplace();
    files->perfetto_out->path = options.trace_perfetto;
    AURORA_RETURN_IF_ERROR(
        open_output(options.trace_perfetto, "--trace-perfetto", files->perfetto_out->file));
    files->perfetto = std::make_unique<PerfettoTrace>(files->perfetto_out->file);
  }
  if (files->json || files->perfetto) {
    session.add_listener([files](const Event& e) { files->on_event(e); });
  }
  return std::unique_ptr<TraceOutputs>(new TraceOutputs(std::move(files)));
}

TraceOutputs::~TraceOutputs() { finish().ignore(); }

Status TraceOutputs::finish() {
  Files& f = *files_;
  if (f.finished) return *f.finished;
  Status result = Status::ok();
  if (f.perfetto) f.perfetto->finish();  // the closing brackets, before the file closes
  if (f.json_out) {
    const Status s = close_output(f.json_out->file, f.json_out->path);
    if (result.is_ok()) result = s;
  }
  if (f.perfetto_out) {
    const Status s = close_output(f.perfetto_out->file, f.perfetto_out->path);
    if (result.is_ok()) result = s;
  }
  f.finished = result;
  return result;
}

}  // namespace aurora::shell
