// SimFs: one node's simulated disk, with the whole fault model of DESIGN.md section 5.
//
// Per file (inode): a live image (what reads return), a durable image, and the ordered
// list of operations (writes, size changes) pending since the last successful fsync.
// Per directory: live and durable name -> inode maps, and the directory operations
// pending since its last fsync. crash() decides what of the pending state survives,
// according to the run's FaultConfig and the disk's crash stream; restart() brings the disk
// back with live = durable. Every operation, and every fault, is a trace event.
//
// Operations called from a fiber take simulated time (a latency drawn per operation);
// called from outside any fiber (test set-up) they complete at once.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/event_sink.h"
#include "engine/runtime/file_system.h"
#include "engine/runtime/scheduler.h"
#include "sim/fault_injector.h"
#include "sim/rng.h"

namespace aurora::sim {

class SimFs final : public FileSystem {
 public:
  // `node_name` labels trace events; `latency_rng` is this disk's own stream for ordinary
  // latencies (so latency draws never shift fault draws), and `crash_rng` its own stream for
  // what a crash keeps: what survives, what tears and how, media faults. So a shrinker that
  // takes operations away (and with them the fault draws of their I/O) leaves each crash's
  // decisions as they were: the write torn at the run's last crash stays torn.
  SimFs(std::string node_name, Scheduler& sched, FaultInjector& faults, Rng& latency_rng,
        Rng& crash_rng, EventSink& events);
  ~SimFs() override;

  // FileSystem (see engine/runtime/file_system.h for the contract).
  Result<FileHandle> open(std::string_view path, OpenMode mode) override;
  Status close(FileHandle file) override;
  Result<std::size_t> pread(FileHandle file, std::uint64_t offset,
                            std::span<std::byte> out) override;
  Result<std::size_t> pwrite(FileHandle file, std::uint64_t offset,
                             std::span<const std::byte> data) override;
  Result<std::size_t> append(FileHandle file, std::span<const std::byte> data) override;
  Status truncate(FileHandle file, std::uint64_t size) override;
  Result<std::uint64_t> size(FileHandle file) override;
  Status sync(FileHandle file) override;
  Status mkdir(std::string_view path) override;
  Status sync_dir(std::string_view path) override;
  Status rename(std::string_view from, std::string_view to) override;
  Status unlink(std::string_view path) override;
  Result<std::vector<std::string>> list(std::string_view dir) override;
  Result<bool> exists(std::string_view path) override;
  // Kept only while a media fault kind is on (nothing else uses it): no cost otherwise.
  void hint(FileHandle file, std::uint64_t offset, std::uint64_t length,
            std::string_view structure) override;

  // The node crashed: decide what survives (per config().crash_mode, tearing, directory
  // operations, media faults), make that the durable state, kill every handle. Until
  // restart(), every operation fails with kNodeDown. `mode` overrides the run's mode.
  // `in_window`: the node crashed at a crash point, inside the window its newest write
  // opened. Unless the mode is drop-all, that write (if still pending) survives torn (one
  // run of its units lost), so that the window's partial outcome happens, not only the
  // all-or-nothing ones.
  void crash(std::optional<CrashMode> mode = std::nullopt, bool in_window = false);
  void restart();
  bool up() const { return up_; }

  // Inspection for tests and checkers: no latency, no faults, no trace events.
  // nullopt when the path does not name a file in that view.
  std::optional<std::string> live_contents(std::string_view path) const;
  std::optional<std::string> durable_contents(std::string_view path) const;
  // Number of operations pending (not yet durable) on the file at `path` (live view).
  std::size_t pending_ops(std::string_view path) const;
  // Live paths of every file, sorted (for tests and dumps).
  std::vector<std::string> all_files() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool up_ = true;
};

}  // namespace aurora::sim
