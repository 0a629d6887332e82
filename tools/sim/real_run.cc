#include "tools/sim/real_run.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <memory>

#include "engine/compute/compute_node.h"
#include "engine/runtime/assert.h"
#include "engine/runtime/posix/real_runtime.h"
#include "engine/storage/storage.h"
#include "sim/rng.h"
#include "tools/sim/real_checker.h"
#include "tools/sim/worker_pool.h"
#include "workloads/check/suite.h"
#include "workloads/mtr/mtr_parts.h"
#include "workloads/real/wire.h"

namespace aurora::tools {

using namespace workloads;
using namespace workloads::real;
namespace {

namespace obs = check::obs;
using wal::Lsn;
using Clock = std::chrono::steady_clock;

// --- the child: one incarnation of the engine -------------------------------------------

class Incarnation {
 public:
  Incarnation(const RealRunOptions& o, std::uint32_t index, bool last, int fd)
      : o_(o), index_(index), last_(last), fd_(fd), rt_(o.data_dir) {}

  [[noreturn]] void run() {
    rt_.scheduler().spawn(0, "incarnation", [this] { main(); });
    const RunOutcome outcome = rt_.run();
    if (outcome.kind != RunOutcome::Kind::kCompleted) {
      std::cerr << "incarnation " << index_ << ": " << outcome.describe() << "\n";
      ::_exit(3);
    }
    ::_exit(exit_code_);
  }

 private:
  void send(const std::string& line) {
    // One write of at most PIPE_BUF bytes is atomic: a kill never leaves half a line.
    AURORA_ASSERT(line.size() <= PIPE_BUF, "an observation line longer than PIPE_BUF");
    const ssize_t n = ::write(fd_, line.data(), line.size());
    if (n != static_cast<ssize_t>(line.size())) ::_exit(4);  // the parent is gone
  }
  void send(const check::Observation& o) { send(encode_observation(o)); }

  void main() {
    Result<std::unique_ptr<storage::Storage>> opened =
        storage::Storage::open(rt_.runtime(), storage_options_for(o_.spec));
    if (!opened.is_ok()) {
      if (opened.kind() == ErrorKind::kCorruption) {
        send(obs::Recovered{.corruption = opened.status().to_string()});
      } else {
        std::cerr << "incarnation " << index_ << ": open failed: " << opened.status().to_string() << "\n";
        exit_code_ = 3;
      }
      return;
    }
    storage_ = std::move(opened).value();
    report_recovery();
    if (last_) {
      storage_.reset();  // stops the maintenance fiber: the run ends
      return;
    }
    for (std::uint32_t i = 0; i < o_.spec.workload.compute_nodes; ++i) {
      rt_.scheduler().spawn(0, std::string("c").append(std::to_string(i)), [this, i] { writer(i); });
    }
  }

  // Recovery as the model sees it, then every page read at the recovered VDL.
  void report_recovery() {
    const obs::Recovered rec = recovered_observation(*storage_);
    if (rec.annul_to != 0) {
      send(obs::Annulled{rec.annul_from, rec.annul_to, rec.epoch, rec.watermark});
    }
    send(rec);
    const Lsn vdl = storage_->vdl();
    for (storage::PageId page = 0; page < o_.spec.workload.pages; ++page) {
      send(read_observation("recovery", page, vdl, /*at_read_point=*/true, storage_->read(page, vdl)));
    }
    send(kReadyLine);
  }

  // A compute node on this storage: commits, reads at its read point, refreshes, until
  // the parent kills the process.
  void writer(std::uint32_t i) {
    const std::string name = std::string("c").append(std::to_string(i));
    CommitHookBook hooks;
    // Its MTR ids name the writer and this incarnation: ids never repeat across writers or
    // kills (commit_once would take a repeat for an MTR appended twice).
    compute::ComputeNode node(*storage_, name,
                              compute::ComputeOptions{.buffer_pages = o_.spec.storage.buffer_pages,
                                                      .node = 2 + i,
                                                      .incarnation = rt_.incarnation()},
                              hooks.observer());
    sim::Rng rng(o_.seed, std::string("real/").append(std::to_string(index_)).append("/").append(name));
    const WorkloadSpec& w = o_.spec.workload;
    const double weights[] = {w.commit_weight, w.read_weight, w.refresh_weight};
    for (;;) {
      switch (rng.pick_weighted(weights)) {
        case 0: {
          RandomMtr m = random_mtr(o_.spec, rng);
          const compute::MtrId id = node.new_mtr_id();
          hooks.expect(id, observing_hooks(
                               name, id, std::move(m.writes), o_.spec.storage.lal,
                               [this]() -> std::optional<Lsn> { return storage_->vdl(); },
                               [this](check::Observation o) { send(o); }));
          Result<Lsn> cpl = node.commit(m.mtr, id);
          if (!cpl.is_ok()) {
            std::cerr << name << ": commit failed: " << cpl.status().to_string() << "\n";
            ::_exit(3);  // no fault is injected here: a failed commit is a failure
          }
          break;
        }
        case 1: {
          const storage::PageId page = rng.below(w.pages);
          Result<std::vector<std::byte>> got = node.read(page);
          send(read_observation(name, page, node.read_point(), /*at_read_point=*/true, got));
          break;
        }
        default:
          (void)node.refresh();
          break;
      }
    }
  }

  const RealRunOptions& o_;
  std::uint32_t index_;
  bool last_;
  int fd_;
  RealRuntime rt_;
  std::unique_ptr<storage::Storage> storage_;
  int exit_code_ = 0;
};

}  // namespace

RealRunReport run_real(const RealRunOptions& o, std::ostream& progress) {
  RealRunReport report;
  RealChecker checker(o, report);
  sim::Rng rng(o.seed, "real/kills");
  const auto start = Clock::now();
  for (std::uint32_t i = 0; i <= o.kills && report.violations.empty(); ++i) {
    const bool last = i == o.kills;
    int fds[2];
    AURORA_ASSERT(::pipe2(fds, O_CLOEXEC) == 0, "pipe2 failed");
    std::cout.flush();
    std::cerr.flush();
    const pid_t pid = ::fork();
    AURORA_ASSERT(pid >= 0, "fork failed");
    if (pid == 0) {
      ::close(fds[0]);
      Incarnation(o, i, last, fds[1]).run();
    }
    ::close(fds[1]);
    std::string buffer;
    // Recovery and its reads first; the kill comes a drawn delay after that.
    bool ended = pump(fds[0], buffer, checker, Clock::now() + std::chrono::seconds(60),
                      [&] { return checker.ready; });
    if (!ended && !checker.ready) {
      report.violations.push_back({"progress", std::string("incarnation ").append(std::to_string(i)) +
                                                   " did not finish recovery in 60 s", 0, 0});
      ::kill(pid, SIGKILL);
    }
    if (!ended && checker.ready && !last) {
      const auto delay = std::chrono::nanoseconds(rng.range(o.min_before_kill, o.max_before_kill));
      ended = pump(fds[0], buffer, checker, Clock::now() + delay);
      if (!ended) ::kill(pid, SIGKILL);
    }
    // Whatever it wrote before it died is still in the pipe.
    pump(fds[0], buffer, checker, Clock::now() + std::chrono::hours(1));
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    checker.ready = false;
    const bool killed_by_us = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && !last;
    if (!killed_by_us && !(last && WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      report.violations.push_back({"incarnation", std::string("incarnation ").append(std::to_string(i)) + " " +
                                                      describe_wait_status(status) +
                                                      " (its stderr is above)", 0, 0});
      break;
    }
    if (!last) {
      ++report.kills;
      checker.observe(obs::Crashed{});
    }
    progress << "cycle " << i + 1 << "/" << o.kills + 1 << ": " << report.acknowledged
             << " acknowledged, " << report.reads_checked << " reads checked so far\n";
  }
  if (report.violations.empty()) checker.finish();
  report.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

}  // namespace aurora::tools
