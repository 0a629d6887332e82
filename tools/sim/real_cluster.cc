#include "tools/sim/real_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <iostream>
#include <memory>

#include "engine/compute/compute_node.h"
#include "engine/compute/remote_storage.h"
#include "engine/compute/storage_server.h"
#include "engine/runtime/assert.h"
#include "engine/runtime/posix/real_runtime.h"
#include "engine/runtime/posix/tcp_network.h"
#include "engine/storage/storage.h"
#include "sim/rng.h"
#include "tools/sim/real_checker.h"
#include "tools/sim/worker_pool.h"
#include "workloads/mtr/mtr_parts.h"
#include "workloads/real/wire.h"

namespace aurora::tools {

using namespace workloads;
using namespace workloads::real;

namespace {

namespace obs = check::obs;
using wal::Lsn;
using Clock = std::chrono::steady_clock;

constexpr NodeId kStorageNode = 1;
NodeId compute_node(std::uint32_t i) { return 2 + i; }
std::string compute_name(NodeId node) { return std::string("c").append(std::to_string(node - 2)); }

// --- what every child shares --------------------------------------------------------------

class Child {
 public:
  Child(const RealRunOptions& o, NodeId node, int fd, PeerTable peers)
      : o_(o), fd_(fd), rt_(o.data_dir, node), peers_(std::move(peers)) {}
  virtual ~Child() = default;

  [[noreturn]] void run(const std::string& what) {
    Result<std::unique_ptr<TcpNetwork>> net = TcpNetwork::open(rt_, peers_);
    if (!net.is_ok()) {
      std::cerr << what << ": " << net.status().to_string() << "\n";
      ::_exit(3);
    }
    net_ = std::move(net).value();
    rt_.scheduler().spawn(rt_.node(), what, [this] { main(); });
    const RunOutcome outcome = rt_.run();
    if (outcome.kind != RunOutcome::Kind::kCompleted) {
      std::cerr << what << ": " << outcome.describe() << "\n";
      ::_exit(3);
    }
    ::_exit(exit_code_);
  }

 protected:
  virtual void main() = 0;
  void send(const std::string& line) {
    // One write of at most PIPE_BUF bytes is atomic: every process shares the pipe, and a
    // kill never leaves half a line. The order of the lines in the pipe is the order in
    // which they were written, so an answer is read after what the storage said of it.
    AURORA_ASSERT(line.size() <= PIPE_BUF, "an observation line longer than PIPE_BUF");
    const ssize_t n = ::write(fd_, line.data(), line.size());
    if (n != static_cast<ssize_t>(line.size())) ::_exit(4);  // the parent is gone
  }
  void send(const check::Observation& o) { send(encode_observation(o)); }
  // Keeps the process's run() going while its daemon fibers serve (the parent kills it).
  void forever() {
    for (;;) rt_.clock().sleep_for(kSecond);
  }

  const RealRunOptions& o_;
  int fd_;
  RealRuntime rt_;
  PeerTable peers_;
  std::unique_ptr<TcpNetwork> net_;
  int exit_code_ = 0;
};

// --- the storage process ------------------------------------------------------------------

class StorageProcess final : public Child {
 public:
  StorageProcess(const RealRunOptions& o, std::uint32_t index, bool last, int fd, PeerTable peers)
      : Child(o, kStorageNode, fd, std::move(peers)), index_(index), last_(last) {}

 private:
  void main() override {
    Result<std::unique_ptr<storage::Storage>> opened =
        storage::Storage::open(rt_.runtime(), storage_options_for(o_.spec));
    if (!opened.is_ok()) {
      if (opened.kind() == ErrorKind::kCorruption) {
        send(obs::Recovered{.corruption = opened.status().to_string()});
      } else {
        std::cerr << "storage " << index_ << ": open failed: " << opened.status().to_string()
                  << "\n";
        exit_code_ = 3;
      }
      return;
    }
    storage_ = std::move(opened).value();
    // Recovery as the model sees it, then every page at the recovered VDL: all of it
    // written before the server answers anyone.
    const obs::Recovered rec = recovered_observation(*storage_);
    if (rec.annul_to != 0) {
      send(obs::Annulled{rec.annul_from, rec.annul_to, rec.epoch, rec.watermark});
    }
    send(rec);
    const Lsn vdl = storage_->vdl();
    for (storage::PageId page = 0; page < o_.spec.workload.pages; ++page) {
      send(read_observation("recovery", page, vdl, /*at_read_point=*/true,
                            storage_->read(page, vdl)));
    }
    send(kReadyLine);
    if (last_) {
      storage_.reset();  // stops the maintenance fiber: the run ends
      return;
    }
    // What each MTR writes, as the storage received it (the frames' checksums hold it to
    // what its compute node sent), reported when its LSNs are allocated and when VDL
    // reaches it.
    Result<std::unique_ptr<compute::StorageServer>> server = compute::StorageServer::start(
        rt_.runtime(), *storage_,
        [this](const compute::MtrId& id, std::span<const wal::Redo> redo) {
          std::vector<check::Write> writes;
          for (const wal::Redo& r : redo) {
            writes.push_back({r.page, r.offset, plain_bytes(r.bytes)});
          }
          return observing_hooks(
              compute_name(id.node), id, std::move(writes), o_.spec.storage.lal,
              [this]() -> std::optional<Lsn> { return storage_->vdl(); },
              [this](check::Observation obs) { send(obs); });
        });
    if (!server.is_ok()) {
      std::cerr << "storage " << index_ << ": " << server.status().to_string() << "\n";
      exit_code_ = 3;
      return;
    }
    server_ = std::move(server).value();
    forever();
  }

  std::uint32_t index_;
  bool last_;
  std::unique_ptr<storage::Storage> storage_;
  std::unique_ptr<compute::StorageServer> server_;
};

// --- a compute process ----------------------------------------------------------------------

class ComputeProcess final : public Child {
 public:
  ComputeProcess(const RealRunOptions& o, std::uint32_t i, std::uint32_t life, int fd,
                 PeerTable peers)
      : Child(o, compute_node(i), fd, std::move(peers)), life_(life) {}

 private:
  static bool unavailable(ErrorKind k) {
    return k == ErrorKind::kTimeout || k == ErrorKind::kNodeDown || k == ErrorKind::kStopped;
  }

  void main() override {
    const std::string name = compute_name(rt_.node());
    Result<std::unique_ptr<compute::RemoteStorage>> link = compute::RemoteStorage::open(
        rt_.runtime(), Address{kStorageNode, compute::StorageServer::kPort},
        compute::RemoteOptions{.attempt_timeout = 20 * kMillisecond, .attempts = 3});
    if (!link.is_ok()) {
      std::cerr << name << ": " << link.status().to_string() << "\n";
      exit_code_ = 3;
      return;
    }
    send(obs::SessionStarted{name});
    compute::ComputeNode node(**link, name,
                              compute::ComputeOptions{.buffer_pages = o_.spec.storage.buffer_pages,
                                                      .node = rt_.node(),
                                                      .incarnation = rt_.incarnation()});
    sim::Rng rng(o_.seed, "real/" + name + "/" + std::to_string(life_));
    const WorkloadSpec& w = o_.spec.workload;
    const double weights[] = {w.commit_weight, w.read_weight, w.refresh_weight};
    for (;;) {
      switch (rng.pick_weighted(weights)) {
        case 0: {
          RandomMtr m = random_mtr(o_.spec, rng);
          const compute::MtrId id = node.new_mtr_id();
          Result<Lsn> cpl = node.commit(m.mtr, id);
          if (cpl.is_ok()) {
            send(obs::Committed{name, *cpl, compute::to_string(id)});
          } else if (cpl.kind() == ErrorKind::kInvalidArgument) {
            send(obs::CommitRefused{name, compute::to_string(id), cpl.status().to_string()});
          } else {
            send(obs::CommitUnknown{name, compute::to_string(id), cpl.status().to_string()});
          }
          break;
        }
        case 1: {
          const storage::PageId page = rng.below(w.pages);
          // Refusals after a storage restart are excused by the parent, which sees both
          // (RealChecker::sessions_outlive_restarts).
          Result<std::vector<std::byte>> got = node.read(page);
          if (!got.is_ok() && unavailable(got.kind())) break;
          send(read_observation(name, page, node.read_point(), /*at_read_point=*/true, got));
          break;
        }
        default:
          (void)node.refresh();  // judged by the reads after it
          break;
      }
    }
  }

  std::uint32_t life_;
};

// --- the parent -------------------------------------------------------------------------------

// A TCP port free on 127.0.0.1 now (the kernel's pick; a run's ports stay its own while it
// lasts, SO_REUSEADDR letting a restarted node listen on its port again).
std::uint16_t free_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  AURORA_ASSERT(s >= 0, "socket() failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  AURORA_ASSERT(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0, "bind() failed");
  socklen_t len = sizeof a;
  AURORA_ASSERT(::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0, "getsockname");
  ::close(s);
  return ntohs(a.sin_port);
}

class Cluster {
 public:
  Cluster(const RealRunOptions& o, RealRunReport& report, std::ostream& progress)
      : o_(o), report_(report), progress_(progress), checker_(o, report) {
    checker_.sessions_outlive_restarts = true;
    int fds[2];
    AURORA_ASSERT(::pipe2(fds, O_CLOEXEC) == 0, "pipe2 failed");
    read_fd_ = fds[0];
    write_fd_ = fds[1];
    peers_[kStorageNode] = TcpPeer{"127.0.0.1", free_port()};
    for (std::uint32_t i = 0; i < o.spec.workload.compute_nodes; ++i) {
      peers_[compute_node(i)] = TcpPeer{"127.0.0.1", free_port()};
    }
    computes_.assign(o.spec.workload.compute_nodes, 0);
    lives_.assign(o.spec.workload.compute_nodes, 0);
  }
  ~Cluster() {
    for (pid_t& p : computes_) stop(p);
    stop(storage_);
    ::close(read_fd_);
    ::close(write_fd_);
  }

  void run() {
    sim::Rng rng(o_.seed, "real/kills");
    if (!start_storage(0, o_.kills == 0)) return;
    for (std::uint32_t i = 0; i < computes_.size(); ++i) start_compute(i);
    for (std::uint32_t k = 1; k <= o_.kills && report_.violations.empty(); ++k) {
      const auto delay =
          std::chrono::nanoseconds(rng.range(o_.min_before_kill, o_.max_before_kill));
      pump(read_fd_, buffer_, checker_, Clock::now() + delay);
      if (!report_.violations.empty()) break;
      // Two kills in three take the storage down (the compute processes live on, their
      // calls time out); one in three a compute process.
      if (computes_.empty() || rng.below(3) != 0) {
        stop(storage_);
        // Everything the storage wrote before it died is in the pipe: read before the
        // crash is told, so that it is judged against the incarnation that said it.
        drain(read_fd_, buffer_, checker_);
        checker_.observe(obs::Crashed{});
        ++report_.kills;
        if (!start_storage(k, false)) return;
      } else {
        const std::uint32_t i = static_cast<std::uint32_t>(rng.below(computes_.size()));
        stop(computes_[i]);
        ++report_.compute_kills;
        start_compute(i);
      }
      progress_ << "cycle " << k << "/" << o_.kills << ": " << report_.acknowledged
                << " acknowledged, " << report_.unknown << " unknown, " << report_.reads_checked
                << " reads checked so far\n";
    }
    // The end: everything goes down, and the storage recovers once more, alone.
    for (pid_t& p : computes_) stop(p);
    stop(storage_);
    drain(read_fd_, buffer_, checker_);
    if (!report_.violations.empty()) return;
    checker_.observe(obs::Crashed{});
    ++report_.kills;
    if (!start_storage(o_.kills + 1, /*last=*/true)) return;
    int status = 0;
    while (::waitpid(storage_, &status, 0) < 0 && errno == EINTR) {
    }
    storage_ = 0;
    drain(read_fd_, buffer_, checker_);
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      report_.violations.push_back(
          {"incarnation", "the last storage process " + describe_wait_status(status), 0, 0});
      return;
    }
    if (report_.violations.empty()) checker_.finish();
  }

 private:
  pid_t fork_child(const std::function<void()>& body) {
    std::cout.flush();
    std::cerr.flush();
    const pid_t pid = ::fork();
    AURORA_ASSERT(pid >= 0, "fork failed");
    if (pid == 0) {
      ::close(read_fd_);
      body();  // never returns: each child _exits
      ::_exit(5);
    }
    return pid;
  }

  // Starts the storage process and waits until it reported its recovery.
  bool start_storage(std::uint32_t index, bool last) {
    checker_.ready = false;
    storage_ = fork_child([&] {
      StorageProcess(o_, index, last, write_fd_, peers_).run("storage " + std::to_string(index));
    });
    pump(read_fd_, buffer_, checker_, Clock::now() + std::chrono::seconds(60),
         [&] { return checker_.ready || !report_.violations.empty(); });
    if (checker_.ready) return true;
    if (report_.violations.empty()) {
      report_.violations.push_back(
          {"progress", "storage process " + std::to_string(index) + " did not recover in 60 s",
           0, 0});
    }
    return false;
  }

  void start_compute(std::uint32_t i) {
    const std::uint32_t life = lives_[i]++;
    computes_[i] = fork_child(
        [&] { ComputeProcess(o_, i, life, write_fd_, peers_).run(compute_name(compute_node(i))); });
  }

  // Kills a child (SIGKILL) and reaps it; a child that died on its own is a violation.
  void stop(pid_t& pid) {
    if (pid == 0) return;
    int status = 0;
    const bool gone = ::waitpid(pid, &status, WNOHANG) == pid;
    if (!gone) {
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
    if (gone || !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) {
      report_.violations.push_back({"incarnation",
                                    "a process " + describe_wait_status(status) +
                                        " on its own (its stderr is above)",
                                    0, 0});
    }
    pid = 0;
  }

  const RealRunOptions& o_;
  RealRunReport& report_;
  std::ostream& progress_;
  RealChecker checker_;
  PeerTable peers_;
  int read_fd_ = -1;
  int write_fd_ = -1;
  pid_t storage_ = 0;
  std::vector<pid_t> computes_;
  std::vector<std::uint32_t> lives_;
  std::string buffer_;
};

}  // namespace

RealRunReport run_real_cluster(const RealRunOptions& o, std::ostream& progress) {
  RealRunReport report;
  const auto start = Clock::now();
  {
    Cluster cluster(o, report, progress);
    cluster.run();
  }
  report.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

}  // namespace aurora::tools
